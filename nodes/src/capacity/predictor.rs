//! The scaling predictor (seed 000's `ScalingPredictor`): ordinary least squares with
//! `linfa-linear` over a trend term and Fourier terms of a configured period, fitted on a
//! bounded window of recent `(time, load)` samples, forecasting a configured horizon, with a
//! confidence judged on a held-out tail of the window.
//!
//! Model: `load(t) = b0 + b1·u + Σ_{k=1..K} (a_k·sin(2πk·t/P) + c_k·cos(2πk·t/P))`, where `u` is
//! time rescaled to the window (`(t − t_first) / span`, so the trend column is O(1) like the
//! others) and `P` the period. Seasonal terms are fitted only when the window spans at least
//! one full period (a shorter window cannot tell a cycle from a trend: the columns are nearly
//! collinear); otherwise the model is the trend alone. Pure: no clock, no randomness, no I/O.
//!
//! Degenerate input never panics; it gives a [`Fallback`] model that forecasts the last
//! observed value with confidence 0: too few samples (or too few distinct times), a constant
//! load, or a singular or ill-conditioned design.

use std::collections::VecDeque;
use std::f64::consts::TAU;

use linfa::traits::Fit;
use linfa::Dataset;
use linfa_linear::LinearRegression;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2};

/// The largest load a sample may carry (seed 000's resource limits: squares of loads must not
/// overflow the least-squares sums).
pub const LOAD_MAX: f64 = 1e15;

/// How the predictor is set up.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictorConfig {
    /// Samples kept and fitted on (the most recent ones); older samples are dropped.
    pub window_samples_max: usize,
    /// The seasonal period `P` (e.g. a day, or a day compressed to minutes).
    pub period_ms: u64,
    /// Number of Fourier harmonics `K` (0: trend only).
    pub harmonics: u32,
    /// Share of the window's most recent samples held out to judge the confidence.
    pub holdout_fraction: f64,
    /// How far ahead [`ScalingPredictor::forecast_horizon`] looks by default.
    pub horizon_ms: u64,
    /// Retraining schedule: [`ScalingPredictor::refit_due`] says so this long after a fit.
    pub retrain_every_ms: u64,
}

impl Default for PredictorConfig {
    fn default() -> Self {
        PredictorConfig {
            window_samples_max: 256,
            period_ms: 86_400_000,
            harmonics: 3,
            holdout_fraction: 0.2,
            horizon_ms: 60_000,
            retrain_every_ms: 15_000,
        }
    }
}

/// Why a model is not a regression fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// Fewer samples (or distinct sample times) than a fit needs.
    TooFewSamples,
    /// Every sample in the window has the same load.
    ConstantLoad,
    /// The least-squares problem has no stable solution (collinear features).
    SingularDesign,
}

/// A sample the predictor refused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RejectedSample {
    /// The load is NaN, infinite, negative or above [`LOAD_MAX`].
    InvalidLoad(f64),
    /// The time is before the newest sample's.
    TimeWentBack { at_ms: u64, newest_ms: u64 },
}

/// A fitted model (or its fallback) and its confidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// Why this is not a regression fit, if it is not.
    pub fallback: Option<Fallback>,
    /// Intercept, trend, then `sin, cos` per harmonic (empty for a fallback).
    coefficients: Vec<f64>,
    /// Harmonics in the model (0 when the window spans less than a period).
    pub harmonics_used: u32,
    /// Origin and span of the trend's time scale, and the seasonal period.
    t_first_ms: u64,
    span_ms: u64,
    period_ms: u64,
    /// The newest observed load (what a fallback forecasts).
    pub last_load: f64,
    /// Out-of-sample R² on the held-out tail: `1 − MSE(tail) / Var(window)` (None for a fallback).
    pub r2_holdout: Option<f64>,
    /// Root-mean-square residual on the held-out tail, in load units (None for a fallback).
    pub residual_rms: Option<f64>,
    /// Confidence in `[0, 1]`: R² on the held-out tail, clamped; 0 for a fallback.
    pub confidence: f64,
    /// When the model was fitted (the newest sample's time).
    pub fitted_at_ms: u64,
}

/// A forecast over a horizon: the predicted load at each step and the model's confidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Forecast {
    /// `(time, predicted load)` in time order.
    pub points: Vec<(u64, f64)>,
    /// The model's confidence in `[0, 1]`.
    pub confidence: f64,
    /// Residual spread (RMS on the held-out tail) for a confidence band; 0 for a fallback.
    pub spread: f64,
}

impl Forecast {
    /// The highest predicted load over the horizon (0 for an empty forecast).
    pub fn peak(&self) -> f64 {
        self.points.iter().map(|p| p.1).fold(0.0, f64::max)
    }
}

/// Linear-regression load forecaster over a bounded window.
#[derive(Clone, Debug)]
pub struct ScalingPredictor {
    config: PredictorConfig,
    samples: VecDeque<(u64, f64)>,
    model: Model,
}

/// Design matrix columns beyond the intercept, for `harmonics` harmonics.
fn feature_count(harmonics: u32) -> usize {
    1 + 2 * harmonics as usize
}

impl Model {
    fn fallback(why: Fallback, last_load: f64, at_ms: u64, period_ms: u64) -> Model {
        Model {
            fallback: Some(why),
            coefficients: Vec::new(),
            harmonics_used: 0,
            t_first_ms: at_ms,
            span_ms: 1,
            period_ms,
            last_load,
            r2_holdout: None,
            residual_rms: None,
            confidence: 0.0,
            fitted_at_ms: at_ms,
        }
    }

    /// The predicted load at `at_ms` (never negative; the last load for a fallback).
    pub fn predict(&self, at_ms: u64) -> f64 {
        if self.fallback.is_some() {
            return self.last_load;
        }
        let mut row = vec![0.0; feature_count(self.harmonics_used)];
        fill_features(&mut row, at_ms, self.t_first_ms, self.span_ms, self.period_ms);
        let y = self.coefficients[0] + row.iter().zip(&self.coefficients[1..]).map(|(x, b)| x * b).sum::<f64>();
        y.max(0.0)
    }
}

/// Writes the feature row of one time into `row`: trend, then `sin, cos` per harmonic (the
/// harmonics by the angle-addition recurrence: one `sin_cos` per row, not one per harmonic).
fn fill_features(row: &mut [f64], at_ms: u64, t_first_ms: u64, span_ms: u64, period_ms: u64) {
    row[0] = (at_ms as f64 - t_first_ms as f64) / span_ms as f64;
    let phase = TAU * (at_ms % period_ms.max(1)) as f64 / period_ms.max(1) as f64;
    let (s1, c1) = phase.sin_cos();
    let (mut s, mut c) = (s1, c1);
    for pair in row[1..].chunks_exact_mut(2) {
        pair[0] = s;
        pair[1] = c;
        (s, c) = (s * c1 + c * s1, c * c1 - s * s1);
    }
}

/// Predictions `intercept + x · b` for each row of `x`, never negative.
fn predictions(coefficients: &[f64], x: ArrayView2<f64>) -> Array1<f64> {
    let b = ArrayView1::from(&coefficients[1..]);
    x.dot(&b).mapv(|v| (v + coefficients[0]).max(0.0))
}

/// Coefficients `[intercept, features…]` of a least-squares fit, or None when the design is
/// singular or the solution is not finite.
fn least_squares(x: Array2<f64>, y: Array1<f64>) -> Option<Vec<f64>> {
    let fitted = LinearRegression::new().with_intercept(true).fit(&Dataset::new(x, y)).ok()?;
    let mut out = vec![fitted.intercept()];
    out.extend(fitted.params().iter().copied());
    out.iter().all(|b| b.is_finite()).then_some(out)
}

impl ScalingPredictor {
    /// A predictor with no samples (its model is the too-few-samples fallback).
    pub fn new(config: PredictorConfig) -> Self {
        assert!(config.window_samples_max >= 4, "a window of at least 4 samples");
        assert!(config.period_ms > 0, "a positive period");
        assert!((0.0..0.9).contains(&config.holdout_fraction), "holdout fraction in [0, 0.9)");
        let model = Model::fallback(Fallback::TooFewSamples, 0.0, 0, config.period_ms);
        ScalingPredictor { config, samples: VecDeque::new(), model }
    }

    /// The configuration.
    pub fn config(&self) -> &PredictorConfig {
        &self.config
    }

    /// Samples in the window, oldest first.
    pub fn samples(&self) -> impl Iterator<Item = &(u64, f64)> {
        self.samples.iter()
    }

    /// Records one load sample; refuses a non-finite, negative or too large load and a time before the
    /// newest sample's (seed 000's metric validation). Keeps at most the window's size.
    pub fn observe(&mut self, at_ms: u64, load: f64) -> Result<(), RejectedSample> {
        if !load.is_finite() || !(0.0..=LOAD_MAX).contains(&load) {
            return Err(RejectedSample::InvalidLoad(load));
        }
        if let Some(&(newest_ms, _)) = self.samples.back() {
            if at_ms < newest_ms {
                return Err(RejectedSample::TimeWentBack { at_ms, newest_ms });
            }
        }
        if self.samples.len() == self.config.window_samples_max {
            self.samples.pop_front();
        }
        self.samples.push_back((at_ms, load));
        Ok(())
    }

    /// Whether the retraining schedule calls for a fit at `now_ms`.
    pub fn refit_due(&self, now_ms: u64) -> bool {
        (self.model.fallback == Some(Fallback::TooFewSamples) && self.samples.len() > 1)
            || now_ms >= self.model.fitted_at_ms.saturating_add(self.config.retrain_every_ms)
    }

    /// The current model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Fits the model on the window (retraining), judging it on the held-out tail first.
    pub fn fit(&mut self) -> &Model {
        self.model = self.fit_window();
        &self.model
    }

    fn fit_window(&self) -> Model {
        let Some(&(newest_ms, last_load)) = self.samples.back() else {
            return Model::fallback(Fallback::TooFewSamples, 0.0, 0, self.config.period_ms);
        };
        let fallback = |why| Model::fallback(why, last_load, newest_ms, self.config.period_ms);
        let (t_first_ms, _) = self.samples[0];
        let span_ms = newest_ms - t_first_ms;
        let harmonics = if span_ms >= self.config.period_ms { self.config.harmonics } else { 0 };
        let columns = 1 + feature_count(harmonics);
        let n = self.samples.len();
        let holdout = ((n as f64 * self.config.holdout_fraction).round() as usize).max(2);
        let distinct = 1 + self.samples.iter().zip(self.samples.iter().skip(1)).filter(|(a, b)| a.0 != b.0).count();
        // Both the training head and the whole window need more distinct rows than columns.
        if n < holdout + columns + 2 || distinct < columns + 2 {
            return fallback(Fallback::TooFewSamples);
        }
        let (min, max) = self.samples.iter().fold((f64::MAX, f64::MIN), |(lo, hi), s| (lo.min(s.1), hi.max(s.1)));
        let scale = max.abs().max(min.abs()).max(1e-12);
        if max - min <= 1e-12 * scale {
            return fallback(Fallback::ConstantLoad);
        }
        let span = span_ms.max(1);
        let mut x_all = Array2::zeros((n, columns - 1));
        for (mut row, &(t, _)) in x_all.rows_mut().into_iter().zip(&self.samples) {
            let row = row.as_slice_mut().expect("a fresh matrix is in standard layout");
            fill_features(row, t, t_first_ms, span, self.config.period_ms);
        }
        let y_all: Array1<f64> = self.samples.iter().map(|s| s.1).collect();
        // A feature that is (nearly) zero at every sample time, e.g. a harmonic sampled only at
        // its zeros, has no stable coefficient: its forecasts between samples would be wild.
        let flat = x_all.columns().into_iter().any(|c| (c.dot(&c) / n as f64).sqrt() < 1e-3);
        if flat {
            return fallback(Fallback::SingularDesign);
        }
        let m = n - holdout;
        let head = (x_all.slice(s![..m, ..]).to_owned(), y_all.slice(s![..m]).to_owned());
        let Some(trained) = least_squares(head.0, head.1) else { return fallback(Fallback::SingularDesign) };
        let tail_err = &predictions(&trained, x_all.slice(s![m.., ..])) - &y_all.slice(s![m..]);
        let mse_tail = tail_err.dot(&tail_err) / holdout as f64;
        let mean = y_all.sum() / n as f64;
        let variance = y_all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        let Some(full) = least_squares(x_all.clone(), y_all.clone()) else { return fallback(Fallback::SingularDesign) };
        // A stable fit reproduces its own window: a wild in-sample error means the solver
        // divided by a near-zero pivot (collinear columns), and forecasts would be wild too.
        let err = &predictions(&full, x_all.view()) - &y_all;
        let in_sample_rms = (err.dot(&err) / n as f64).sqrt();
        if !in_sample_rms.is_finite() || in_sample_rms > 2.0 * (max - min) {
            return fallback(Fallback::SingularDesign);
        }
        let mut model = Model {
            fallback: None,
            coefficients: full,
            harmonics_used: harmonics,
            t_first_ms,
            span_ms: span,
            period_ms: self.config.period_ms,
            last_load,
            r2_holdout: None,
            residual_rms: None,
            confidence: 0.0,
            fitted_at_ms: newest_ms,
        };
        let r2 = 1.0 - mse_tail / variance;
        if !r2.is_finite() {
            return fallback(Fallback::SingularDesign);
        }
        model.r2_holdout = Some(r2);
        model.residual_rms = Some(mse_tail.sqrt());
        model.confidence = r2.clamp(0.0, 1.0);
        model
    }

    /// The predicted load at `at_ms` from the current model.
    pub fn predict(&self, at_ms: u64) -> f64 {
        self.model.predict(at_ms)
    }

    /// Forecast from `now_ms` to `now_ms + horizon_ms`, one point every `step_ms` (both ends
    /// included).
    pub fn forecast(&self, now_ms: u64, horizon_ms: u64, step_ms: u64) -> Forecast {
        let step = step_ms.max(1);
        let steps = (horizon_ms / step).min(100_000);
        let mut points: Vec<(u64, f64)> =
            (0..=steps).map(|i| now_ms + i * step).map(|t| (t, self.predict(t))).collect();
        if !horizon_ms.is_multiple_of(step) {
            let end = now_ms + horizon_ms;
            points.push((end, self.predict(end)));
        }
        Forecast { points, confidence: self.model.confidence, spread: self.model.residual_rms.unwrap_or(0.0) }
    }

    /// Forecast over the configured horizon from `now_ms`, one point every `step_ms`.
    pub fn forecast_horizon(&self, now_ms: u64, step_ms: u64) -> Forecast {
        self.forecast(now_ms, self.config.horizon_ms, step_ms)
    }
}

/// Mean absolute percentage error of forecasts against what then happened, in percent:
/// `100/n · Σ |actual − forecast| / |actual|` over the `(forecast, actual)` pairs whose actual
/// is not zero (a zero actual has no percentage error). None when no pair counts.
pub fn mape(pairs: &[(f64, f64)]) -> Option<f64> {
    let terms: Vec<f64> = pairs
        .iter()
        .filter(|(f, a)| *a != 0.0 && a.is_finite() && f.is_finite())
        .map(|(f, a)| ((a - f) / a).abs())
        .collect();
    (!terms.is_empty()).then(|| 100.0 * terms.iter().sum::<f64>() / terms.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = 600_000;

    fn config(window: usize, period_ms: u64, harmonics: u32) -> PredictorConfig {
        PredictorConfig { window_samples_max: window, period_ms, harmonics, ..PredictorConfig::default() }
    }

    fn fed(cfg: PredictorConfig, times: impl Iterator<Item = u64>, f: impl Fn(u64) -> f64) -> ScalingPredictor {
        let mut p = ScalingPredictor::new(cfg);
        for t in times {
            p.observe(t, f(t)).unwrap();
        }
        p
    }

    #[test]
    fn recovers_a_known_trend_and_seasonal_shape() {
        let truth = |t: u64| {
            let x = TAU * t as f64 / P as f64;
            40.0 + 0.01 * t as f64 / 1000.0 + 8.0 * x.sin() + 3.0 * (2.0 * x).cos()
        };
        // Two periods sampled every 5 s, starting mid-way into the run.
        let mut p = fed(config(256, P, 2), (0..240).map(|i| 300_000 + i * 5_000), truth);
        let m = p.fit().clone();
        assert_eq!(m.fallback, None);
        assert_eq!(m.harmonics_used, 2);
        assert!(m.confidence > 0.999_999, "{m:?}");
        assert!(m.residual_rms.unwrap() < 1e-6);
        for ahead in [0, 30_000, 120_000, 600_000] {
            let t = 1_495_000 + ahead;
            assert!((p.predict(t) - truth(t)).abs() < 1e-6, "at {t}: {} vs {}", p.predict(t), truth(t));
        }
    }

    #[test]
    fn forecasts_a_daily_cycle_within_a_few_percent() {
        const DAY: u64 = 86_400_000;
        const STEP: u64 = 900_000; // a sample every 15 minutes
                                   // A daily cycle with a deterministic wobble standing in for noise.
        let load = |t: u64| {
            let x = TAU * t as f64 / DAY as f64;
            let wobble = 2.0 * ((t / STEP) as f64 * 12.9898).sin();
            100.0 + 60.0 * (x - 1.0).sin() + 15.0 * (2.0 * x).cos() + wobble
        };
        let mut p = fed(config(256, DAY, 3), (0..2 * 96).map(|i| i * STEP), load);
        let m = p.fit().clone();
        assert_eq!((m.fallback, m.harmonics_used), (None, 3));
        assert!(m.confidence > 0.95, "{m:?}");
        let now = 191 * STEP;
        let f = p.forecast(now, 6 * 3_600_000, STEP);
        assert_eq!(f.points.len(), 25);
        let pairs: Vec<(f64, f64)> = f.points.iter().map(|&(t, v)| (v, load(t))).collect();
        let err = mape(&pairs).unwrap();
        assert!(err < 3.0, "MAPE {err}%");
        assert!((f.peak() - pairs.iter().map(|p| p.1).fold(0.0, f64::max)).abs() < 5.0);
    }

    #[test]
    fn forecasts_a_day_with_a_morning_and_an_evening_peak() {
        // Two peaks a day that are not symmetric about midnight: the second harmonic needs its
        // sine as well as its cosine.
        const DAY: u64 = 86_400_000;
        const STEP: u64 = 900_000;
        let load = |t: u64| {
            let x = TAU * t as f64 / DAY as f64;
            100.0 + 20.0 * x.sin() + 50.0 * (2.0 * x - 0.7).sin() + 10.0 * (3.0 * x).sin()
        };
        let mut p = fed(config(256, DAY, 3), (0..2 * 96).map(|i| i * STEP), load);
        assert!(p.fit().confidence > 0.99, "{:?}", p.fit());
        let f = p.forecast(191 * STEP, 12 * 3_600_000, STEP);
        let pairs: Vec<(f64, f64)> = f.points.iter().map(|&(t, v)| (v, load(t))).collect();
        let err = mape(&pairs).unwrap();
        assert!(err < 1.0, "MAPE {err}%");
    }

    #[test]
    fn mape_matches_a_hand_computation() {
        // |100-90|/100 + |100-110|/100 + |40-50|/40 = 0.1 + 0.1 + 0.25; mean 0.15.
        let e = mape(&[(90.0, 100.0), (110.0, 100.0), (50.0, 40.0)]).unwrap();
        assert!((e - 15.0).abs() < 1e-12, "{e}");
        // A zero actual has no percentage error and is skipped.
        assert_eq!(mape(&[(5.0, 0.0), (90.0, 100.0)]), Some(10.0));
        assert_eq!(mape(&[(5.0, 0.0)]), None);
        assert_eq!(mape(&[]), None);
    }

    #[test]
    fn a_window_shorter_than_the_period_fits_the_trend_alone() {
        let mut p = fed(config(64, P, 3), (0..60).map(|i| i * 1_000), |t| 10.0 + 0.5 * t as f64 / 1000.0);
        let m = p.fit().clone();
        assert_eq!((m.fallback, m.harmonics_used), (None, 0));
        assert!((p.predict(100_000) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn degenerate_windows_fall_back_to_the_last_value_with_no_confidence() {
        let mut empty = ScalingPredictor::new(config(64, P, 2));
        assert_eq!(empty.fit().fallback, Some(Fallback::TooFewSamples));
        assert_eq!(empty.predict(5), 0.0);
        let mut few = fed(config(64, P, 2), 0..3, |t| t as f64);
        assert_eq!(few.fit().fallback, Some(Fallback::TooFewSamples));
        assert_eq!(few.predict(1_000), 2.0);
        let mut flat = fed(config(64, P, 2), (0..50).map(|i| i * 1_000), |_| 7.5);
        assert_eq!(flat.fit().fallback, Some(Fallback::ConstantLoad));
        assert_eq!(flat.forecast(50_000, 10_000, 5_000).points, vec![(50_000, 7.5), (55_000, 7.5), (60_000, 7.5)]);
        let mut same_time = fed(config(64, P, 2), std::iter::repeat_n(1_000, 40), |_| 3.0);
        same_time.observe(1_000, 4.0).unwrap();
        assert_eq!(same_time.fit().fallback, Some(Fallback::TooFewSamples));
        // Sampled every half period, the first harmonic's sine is zero at every sample time.
        let mut aliased = fed(config(64, 1_000, 1), (0..40).map(|i| i * 500), |t| 5.0 + (t % 1_000) as f64 / 100.0);
        let m = aliased.fit().clone();
        assert_eq!(m.fallback, Some(Fallback::SingularDesign));
        assert_eq!((m.confidence, aliased.predict(20_250)), (0.0, 5.0 + 5.0));
    }

    #[test]
    fn invalid_samples_are_refused_and_the_window_is_bounded() {
        let mut p = ScalingPredictor::new(config(8, P, 1));
        assert!(matches!(p.observe(10, f64::NAN), Err(RejectedSample::InvalidLoad(_))));
        assert!(matches!(p.observe(10, -1.0), Err(RejectedSample::InvalidLoad(_))));
        assert!(matches!(p.observe(10, 2.0 * LOAD_MAX), Err(RejectedSample::InvalidLoad(_))));
        p.observe(10, 1.0).unwrap();
        assert_eq!(p.observe(9, 1.0), Err(RejectedSample::TimeWentBack { at_ms: 9, newest_ms: 10 }));
        for t in 11..30 {
            p.observe(t, t as f64).unwrap();
        }
        assert_eq!(p.samples().count(), 8);
        assert_eq!(p.samples().next(), Some(&(22, 22.0)));
    }

    #[test]
    fn a_trend_needs_two_held_out_samples_and_four_more_to_train_on() {
        // No harmonics: intercept and trend, two columns; the held-out tail is at least 2.
        let line = |n: u64| fed(config(64, P, 0), (0..n).map(|i| i * 1_000), |t| 1.0 + t as f64 / 1_000.0);
        assert_eq!(line(5).fit().fallback, Some(Fallback::TooFewSamples));
        assert_eq!(line(6).fit().fallback, None);
    }

    #[test]
    fn samples_at_one_instant_count_once_towards_the_rows_a_fit_needs() {
        // Eight samples, two per instant: four distinct rows fit two columns; three do not.
        let line = |per: u64| fed(config(64, P, 0), (0..8).map(|i| i / per * 1_000), |t| 1.0 + t as f64 / 1_000.0);
        assert_eq!(line(2).fit().fallback, None);
        assert_eq!(line(3).fit().fallback, Some(Fallback::TooFewSamples));
    }

    #[test]
    fn a_model_short_of_samples_is_refit_before_its_schedule() {
        let cfg = PredictorConfig { retrain_every_ms: 10_000, ..config(64, P, 0) };
        let mut p = ScalingPredictor::new(cfg);
        p.observe(0, 1.0).unwrap();
        assert!(!p.refit_due(100), "one sample: nothing to fit yet");
        p.observe(100, 2.0).unwrap();
        assert!(p.refit_due(100), "with two, a fit is tried at once, not 10 s later");
    }

    #[test]
    fn retraining_follows_its_schedule() {
        let cfg = PredictorConfig { retrain_every_ms: 10_000, ..config(64, P, 0) };
        let mut p = fed(cfg, (0..20).map(|i| i * 1_000), |t| t as f64);
        assert!(p.refit_due(19_000));
        assert_eq!(p.fit().fitted_at_ms, 19_000);
        assert!(!p.refit_due(28_999));
        assert!(p.refit_due(29_000));
    }
}
