//! Per-zone Load Prediction Scores and Shard Migration Recommendations (seed 001, section 1):
//! each zone's load is forecast over a horizon with the [`ScalingPredictor`], scored against
//! the mean over zones, and zones predicted hot are asked to relinquish primaries to zones
//! predicted cool.
//!
//! - **Zone load**: the sum over the zone's serving nodes of busy time / (workers × interval),
//!   in busy node-equivalents, sampled by the caller on a fixed interval; each zone keeps its
//!   own bounded window (the predictor's).
//! - **Forecast**: the mean of the zone's fitted model over `[now, now + horizon]`.
//! - **Load Prediction Score**: a zone's forecast divided by the mean forecast over all zones:
//!   1.0 is an average zone, 1.5 a zone predicted to carry half again the average. Its
//!   confidence is the predictor's (R² on the held-out tail of the window, in `[0, 1]`) or,
//!   when higher, the forecast's relative accuracy on that tail, `1 − RMS error / forecast`:
//!   R² judges whether the model explains the load's variation, and a level load has only
//!   noise to explain (R² near 0) while its level is forecast well, which is what a score
//!   needs. A fallback model (too few samples, a singular fit) has confidence 0.
//! - **Recommendation**: zones with score ≥ 1 + `threshold` relinquish, zones with score
//!   ≤ 1 − `threshold` receive (when none is that cool, the coolest zone below 1 receives).
//!   A relinquishing zone gives `round(primaries × (score − 1) / score)` primaries (its excess
//!   share, if load followed primaries), at least one, hottest zone first, at most `max_moves`
//!   in a round. Nothing is recommended while any zone's confidence is below `confidence_min`.
//! - **Hysteresis** (no ping-pong): after a round that recommended moves, the next `settle_rounds`
//!   evaluations recommend nothing (the moves must land and their effect be seen), and the
//!   caller also passes `busy` while its migrations are under way; a zone that received
//!   primaries in the last `hold_rounds` evaluations is never asked to relinquish, and one that
//!   relinquished is never asked to receive.
//!
//! Pure: no clock, no randomness; the caller passes simulated time in.

use super::predictor::{PredictorConfig, ScalingPredictor};

/// How the zone balancer is set up.
#[derive(Clone, Debug, PartialEq)]
pub struct RebalanceConfig {
    /// How often scores are computed and recommendations made.
    pub interval_ms: u64,
    /// How far ahead each zone's load is forecast.
    pub horizon_ms: u64,
    /// A zone relinquishes at score ≥ 1 + threshold and receives at score ≤ 1 − threshold.
    pub threshold: f64,
    /// Primaries moved in one round, at most.
    pub max_moves: u32,
    /// Below this confidence (in any zone) nothing is recommended.
    pub confidence_min: f64,
    /// Samples each zone's window keeps.
    pub window_samples_max: usize,
    /// Evaluations after a round with moves that recommend nothing.
    pub settle_rounds: u32,
    /// Evaluations during which a zone keeps the direction it last moved in.
    pub hold_rounds: u32,
    /// Whether the caller carries recommendations out (false: scores and recommendations are
    /// only recorded, a dry run to compare against).
    pub act: bool,
}

impl Default for RebalanceConfig {
    fn default() -> Self {
        RebalanceConfig {
            interval_ms: 15_000,
            horizon_ms: 30_000,
            threshold: 0.2,
            max_moves: 2,
            confidence_min: 0.3,
            window_samples_max: 60,
            settle_rounds: 1,
            hold_rounds: 4,
            act: true,
        }
    }
}

/// One zone's Load Prediction Score.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneScore {
    /// The zone's index.
    pub zone: u32,
    /// The newest observed load (busy node-equivalents).
    pub load: f64,
    /// The forecast mean load over the horizon.
    pub forecast: f64,
    /// Forecast over the mean forecast of all zones (1.0: average).
    pub score: f64,
    /// The predictor's confidence in `[0, 1]`.
    pub confidence: f64,
}

/// Move `primaries` primaries from zone `from` to zone `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    /// The relinquishing zone.
    pub from: u32,
    /// The receiving zone.
    pub to: u32,
    /// How many primaries.
    pub primaries: u32,
}

/// Why a round recommends nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quiet {
    /// Every zone is within the threshold band (or held by hysteresis).
    Balanced,
    /// Some zone's forecast is less sure than `confidence_min`.
    LowConfidence,
    /// Earlier moves are still under way or settling.
    Settling,
}

/// What one evaluation found.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Scores, one per zone, in zone order.
    pub scores: Vec<ZoneScore>,
    /// The Shard Migration Recommendation list (empty when quiet).
    pub moves: Vec<Move>,
    /// Why the list is empty, if it is.
    pub quiet: Option<Quiet>,
}

/// A zone's last direction and when (evaluation count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Relinquished(u64),
    Received(u64),
}

/// Per-zone forecasts, scores and recommendations over rounds.
#[derive(Clone, Debug)]
pub struct ZoneBalancer {
    config: RebalanceConfig,
    predictors: Vec<ScalingPredictor>,
    last: Vec<f64>,
    directions: Vec<Option<Direction>>,
    round: u64,
    quiet_until: u64,
}

impl ZoneBalancer {
    /// A balancer over `zones` zones with no samples yet.
    pub fn new(config: RebalanceConfig, zones: usize) -> Self {
        assert!(config.threshold > 0.0 && config.threshold < 1.0, "a threshold in (0, 1)");
        let pc = PredictorConfig {
            window_samples_max: config.window_samples_max.max(8),
            // No seasonality at this scale: the period is longer than any window (trend only).
            period_ms: u64::MAX / 4,
            harmonics: 0,
            horizon_ms: config.horizon_ms,
            retrain_every_ms: config.interval_ms,
            ..PredictorConfig::default()
        };
        ZoneBalancer {
            predictors: (0..zones).map(|_| ScalingPredictor::new(pc.clone())).collect(),
            last: vec![0.0; zones],
            directions: vec![None; zones],
            round: 0,
            quiet_until: 0,
            config,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RebalanceConfig {
        &self.config
    }

    /// Records one load sample per zone (zone order); invalid loads are dropped.
    pub fn observe(&mut self, at_ms: u64, loads: &[f64]) {
        for ((p, last), &load) in self.predictors.iter_mut().zip(&mut self.last).zip(loads) {
            if p.observe(at_ms, load).is_ok() {
                *last = load;
            }
        }
    }

    /// Scores every zone at `now_ms` and, unless quiet, recommends moves. `primaries[z]` is the
    /// number of shard primaries in zone `z`; `busy` says earlier moves are still under way.
    pub fn evaluate(&mut self, now_ms: u64, primaries: &[u32], busy: bool) -> Evaluation {
        self.round += 1;
        let scores = self.scores(now_ms);
        let quiet = |q| Evaluation { scores: scores.clone(), moves: Vec::new(), quiet: Some(q) };
        if busy || self.round <= self.quiet_until {
            return quiet(Quiet::Settling);
        }
        if scores.is_empty() || scores.iter().any(|s| s.confidence < self.config.confidence_min) {
            return quiet(Quiet::LowConfidence);
        }
        let moves = self.recommend(&scores, primaries);
        if moves.is_empty() {
            return quiet(Quiet::Balanced);
        }
        for m in &moves {
            self.directions[m.from as usize] = Some(Direction::Relinquished(self.round));
            self.directions[m.to as usize] = Some(Direction::Received(self.round));
        }
        self.quiet_until = self.round + u64::from(self.config.settle_rounds);
        Evaluation { scores, moves, quiet: None }
    }

    /// Refits what is due and scores each zone.
    fn scores(&mut self, now_ms: u64) -> Vec<ZoneScore> {
        let step = (self.config.horizon_ms / 8).max(1);
        let mut out = Vec::with_capacity(self.predictors.len());
        for (zone, p) in self.predictors.iter_mut().enumerate() {
            if p.refit_due(now_ms) {
                p.fit();
            }
            let f = p.forecast(now_ms, self.config.horizon_ms, step);
            let forecast = f.points.iter().map(|x| x.1).sum::<f64>() / f.points.len().max(1) as f64;
            let load = self.last[zone];
            let level = if p.model().fallback.is_some() || forecast <= 0.0 { 0.0 } else { 1.0 - f.spread / forecast };
            let confidence = f.confidence.max(level.clamp(0.0, 1.0));
            out.push(ZoneScore { zone: zone as u32, load, forecast, score: 1.0, confidence });
        }
        let mean = out.iter().map(|s| s.forecast).sum::<f64>() / out.len().max(1) as f64;
        for s in &mut out {
            s.score = if mean > 0.0 { s.forecast / mean } else { 1.0 };
        }
        out
    }

    /// Whether `zone` moved the other way within the hold.
    fn held(&self, zone: u32, relinquish: bool) -> bool {
        let recent = |r: u64| self.round.saturating_sub(r) <= u64::from(self.config.hold_rounds);
        match self.directions[zone as usize] {
            Some(Direction::Received(r)) => relinquish && recent(r),
            Some(Direction::Relinquished(r)) => !relinquish && recent(r),
            None => false,
        }
    }

    /// Pairs hot zones (hottest first) with cool ones (coolest first), within `max_moves`.
    fn recommend(&self, scores: &[ZoneScore], primaries: &[u32]) -> Vec<Move> {
        let t = self.config.threshold;
        let mut hot: Vec<&ZoneScore> =
            scores.iter().filter(|s| s.score >= 1.0 + t && !self.held(s.zone, true)).collect();
        hot.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.zone.cmp(&b.zone)));
        let mut cool: Vec<&ZoneScore> =
            scores.iter().filter(|s| s.score <= 1.0 - t && !self.held(s.zone, false)).collect();
        if cool.is_empty() && !hot.is_empty() {
            // The excess can be spread thin: the coolest zone below average receives.
            cool = scores.iter().filter(|s| s.score < 1.0 && !self.held(s.zone, false)).collect();
        }
        cool.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.zone.cmp(&b.zone)));
        let mut budget = self.config.max_moves;
        let mut moves = Vec::new();
        for (i, h) in hot.iter().enumerate() {
            let Some(c) = cool.get(i % cool.len().max(1)) else { break };
            let have = primaries.get(h.zone as usize).copied().unwrap_or(0);
            let excess = (f64::from(have) * (h.score - 1.0) / h.score).round() as u32;
            let n = excess.max(1).min(have).min(budget);
            if n == 0 {
                continue;
            }
            budget -= n;
            moves.push(Move { from: h.zone, to: c.zone, primaries: n });
        }
        moves
    }
}

/// The spread of loads over zones: the highest over the mean (1.0: even; 0 when no load).
pub fn spread(loads: &[f64]) -> f64 {
    let mean = loads.iter().sum::<f64>() / loads.len().max(1) as f64;
    if mean > 0.0 {
        loads.iter().copied().fold(0.0, f64::max) / mean
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> RebalanceConfig {
        RebalanceConfig { interval_ms: 10_000, horizon_ms: 20_000, ..RebalanceConfig::default() }
    }

    /// Zone `hot` ramps up, the others are steady with a small ripple; one sample a second.
    fn feed(b: &mut ZoneBalancer, from_s: u64, to_s: u64, hot: usize) {
        for t in from_s..to_s {
            let ripple = if t % 2 == 0 { 0.01 } else { -0.01 };
            let mut loads = vec![1.0 + t as f64 * 0.001 + ripple; 3];
            loads[hot] = 1.0 + t as f64 * 0.02;
            b.observe(t * 1_000, &loads);
        }
    }

    #[test]
    fn a_zone_ramping_up_scores_hot_and_relinquishes_to_the_coolest() {
        let mut b = ZoneBalancer::new(config(), 3);
        feed(&mut b, 0, 60, 1);
        let e = b.evaluate(60_000, &[4, 4, 4], false);
        assert!(e.scores[1].score > 1.2, "{:?}", e.scores);
        assert!(e.scores[1].confidence > 0.9);
        let mean = e.scores.iter().map(|s| s.score).sum::<f64>() / 3.0;
        assert!((mean - 1.0).abs() < 1e-9, "scores average 1");
        assert_eq!(e.quiet, None);
        assert_eq!(e.moves.len(), 1);
        assert_eq!(e.moves[0].from, 1);
        assert!(e.moves[0].primaries >= 1 && e.moves[0].primaries <= 2, "bounded by max_moves");
    }

    #[test]
    fn even_zones_recommend_nothing() {
        let mut b = ZoneBalancer::new(config(), 3);
        for t in 0..60u64 {
            b.observe(t * 1_000, &[1.0 + t as f64 * 0.01; 3]);
        }
        let e = b.evaluate(60_000, &[4, 4, 4], false);
        assert!(e.moves.is_empty());
        assert_eq!(e.quiet, Some(Quiet::Balanced));
        assert!(e.scores.iter().all(|s| (s.score - 1.0).abs() < 1e-6));
    }

    #[test]
    fn low_confidence_recommends_nothing() {
        let mut b = ZoneBalancer::new(config(), 3);
        // Noise without a trend and as large as the level: R² on the held-out tail is about
        // zero, and so is the relative accuracy.
        for t in 0..60u64 {
            let noise = [0.9, -0.8, 0.7, -0.9, 0.5][(t % 5) as usize];
            b.observe(t * 1_000, &[1.0 + noise, 3.0 + noise, 1.0 - noise]);
        }
        let e = b.evaluate(60_000, &[4, 4, 4], false);
        assert!(e.scores[1].score > 1.2);
        assert_eq!(e.quiet, Some(Quiet::LowConfidence));
        assert!(e.moves.is_empty());
    }

    #[test]
    fn a_level_hot_zone_is_scored_with_confidence_from_its_accuracy() {
        let mut b = ZoneBalancer::new(config(), 3);
        for t in 0..60u64 {
            let ripple = if t % 2 == 0 { 0.02 } else { -0.02 };
            b.observe(t * 1_000, &[2.0 + ripple, 1.0 - ripple, 1.0 + ripple]);
        }
        let e = b.evaluate(60_000, &[8, 2, 2], false);
        assert!(e.scores.iter().all(|s| s.confidence > 0.9), "{:?}", e.scores);
        assert!((e.scores[0].score - 1.5).abs() < 0.05);
        assert_eq!(e.moves.first().map(|m| m.from), Some(0));
    }

    #[test]
    fn too_few_samples_is_low_confidence() {
        let mut b = ZoneBalancer::new(config(), 2);
        b.observe(0, &[1.0, 5.0]);
        let e = b.evaluate(1_000, &[1, 1], false);
        assert_eq!(e.quiet, Some(Quiet::LowConfidence));
    }

    #[test]
    fn moves_settle_and_the_receiver_is_not_sent_back() {
        let mut b = ZoneBalancer::new(config(), 3);
        feed(&mut b, 0, 60, 0);
        let first = b.evaluate(60_000, &[6, 3, 3], false);
        assert_eq!(first.moves[0].from, 0);
        let to = first.moves[0].to as usize;
        // The next round settles whatever the load says.
        feed(&mut b, 60, 70, 0);
        assert_eq!(b.evaluate(70_000, &[5, 4, 3], false).quiet, Some(Quiet::Settling));
        // Under way migrations keep it quiet too.
        assert_eq!(b.evaluate(80_000, &[5, 4, 3], true).quiet, Some(Quiet::Settling));
        // Now the receiver ramps up: it is held and may not relinquish yet.
        feed(&mut b, 70, 130, to);
        let e = b.evaluate(130_000, &[5, 4, 3], false);
        assert!(e.scores[to].score > 1.2, "{:?}", e.scores);
        assert!(e.moves.iter().all(|m| m.from as usize != to), "{:?}", e.moves);
    }

    #[test]
    fn a_round_never_exceeds_max_moves_nor_the_zone_s_primaries() {
        let mut b = ZoneBalancer::new(RebalanceConfig { max_moves: 3, ..config() }, 3);
        for t in 0..60u64 {
            let x = t as f64 * 0.05;
            b.observe(t * 1_000, &[4.0 + x, 4.0 + x, 0.5 + x * 0.01]);
        }
        let e = b.evaluate(60_000, &[1, 10, 2], false);
        let total: u32 = e.moves.iter().map(|m| m.primaries).sum();
        assert!(total <= 3, "{:?}", e.moves);
        assert!(e.moves.iter().all(|m| m.to == 2), "{:?}", e.moves);
        assert!(e.moves.iter().find(|m| m.from == 0).is_none_or(|m| m.primaries <= 1));
    }

    #[test]
    fn a_hot_zone_with_no_zone_cool_enough_moves_to_the_coolest_below_average() {
        let b = ZoneBalancer::new(RebalanceConfig { threshold: 0.25, max_moves: 4, ..config() }, 3);
        let score = |zone, score| ZoneScore { zone, load: score, forecast: score, score, confidence: 1.0 };
        // Zone 0 is hot; zones 1 and 2 are below average but neither below 1 - threshold.
        let scores = [score(0, 1.4), score(1, 0.9), score(2, 0.8)];
        let moves = b.recommend(&scores, &[6, 6, 6]);
        assert_eq!(moves.iter().map(|m| (m.from, m.to)).collect::<Vec<_>>(), [(0, 2)], "{moves:?}");
    }

    #[test]
    fn hot_zones_share_the_cool_zones_and_never_send_to_a_zone_near_average() {
        let b = ZoneBalancer::new(RebalanceConfig { threshold: 0.25, max_moves: 8, ..config() }, 4);
        let score = |zone, score| ZoneScore { zone, load: score, forecast: score, score, confidence: 1.0 };
        // Zones 0 and 1 are hot; only zone 2 is below 1 - threshold; zone 3 (0.8) is near average.
        let scores = [score(0, 1.5), score(1, 1.4), score(2, 0.3), score(3, 0.8)];
        let moves = b.recommend(&scores, &[6, 6, 6, 6]);
        assert_eq!(moves.iter().map(|m| (m.from, m.to)).collect::<Vec<_>>(), [(0, 2), (1, 2)], "{moves:?}");
    }

    #[test]
    fn spread_is_max_over_mean() {
        assert_eq!(spread(&[1.0, 1.0, 1.0]), 1.0);
        assert!((spread(&[2.0, 1.0, 0.0]) - 2.0).abs() < 1e-12);
        assert_eq!(spread(&[0.0, 0.0]), 0.0);
    }
}
