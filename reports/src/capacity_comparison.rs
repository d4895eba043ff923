//! The capacity figures of two runs that both ran an autoscaler, side by side: SLO-violation
//! seconds, node-seconds, peak nodes, rejections and forecast MAPE. Lower is better for each.

use std::fmt::Write as _;

use crate::capacity::CapacitySummary;
use crate::plot::style::count_label;

/// A change smaller than this share of run A's value is reported as no change.
pub const NOISE_SHARE: f64 = 0.01;

/// One capacity figure in run A and run B.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityRow {
    /// Which figure: `SLO-violation s`, `node-seconds`, `peak nodes`, `rejections`, `forecast MAPE %`.
    pub figure: &'static str,
    /// Value in run A (`None`: not measured, e.g. MAPE outside predictive mode).
    pub a: Option<f64>,
    /// Value in run B.
    pub b: Option<f64>,
}

/// The capacity figures of two runs.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityComparison {
    /// Run A's autoscaler mode.
    pub a_mode: String,
    /// Run B's autoscaler mode.
    pub b_mode: String,
    /// One row per figure.
    pub rows: Vec<CapacityRow>,
}

impl CapacityRow {
    /// True when B differs from A by more than [`NOISE_SHARE`] of A (any change from zero, or a
    /// figure only one run measured).
    pub fn significant(&self) -> bool {
        match (self.a, self.b) {
            (Some(a), Some(b)) => (b - a).abs() > (a.abs() * NOISE_SHARE).max(1e-9),
            (None, None) => false,
            _ => true,
        }
    }

    /// The value formatted for its figure; `-` when absent.
    pub fn format(&self, v: Option<f64>) -> String {
        match v {
            None => "-".into(),
            Some(v) if self.figure == "forecast MAPE %" => format!("{v:.1}"),
            Some(v) => count_label(v.round().max(0.0) as u64),
        }
    }

    /// B minus A: `-120 (-35.0%)`, `=`, or `only in one run`.
    pub fn change(&self) -> String {
        let (Some(a), Some(b)) = (self.a, self.b) else {
            return if self.a.is_none() && self.b.is_none() { "=".into() } else { "only in one run".into() };
        };
        if (b - a).abs() < 1e-9 {
            return "=".into();
        }
        let relative = if a.abs() > 1e-12 { format!(" ({:+.1}%)", (b - a) / a * 100.0) } else { String::new() };
        if self.figure == "forecast MAPE %" {
            format!("{:+.1}{relative}", b - a)
        } else {
            format!("{:+.0}{relative}", b - a)
        }
    }

    /// `better` or `worse` for B (every figure is lower-is-better); empty within noise.
    pub fn verdict(&self) -> &'static str {
        match (self.a, self.b) {
            (Some(a), Some(b)) if self.significant() => {
                if b < a {
                    "better"
                } else {
                    "worse"
                }
            }
            _ => "",
        }
    }
}

impl CapacityComparison {
    /// The comparison of two runs' capacity sections, when both have one.
    pub fn of(a: Option<&CapacitySummary>, b: Option<&CapacitySummary>) -> Option<Self> {
        let (a, b) = (a?, b?);
        let figures: [(&'static str, Pick); 5] = [
            ("SLO-violation s", |c| Some(c.slo_violation_s)),
            ("node-seconds", |c| Some(c.node_seconds)),
            ("peak nodes", |c| Some(f64::from(c.peak_machines))),
            ("rejections", |c| Some(c.rejected as f64)),
            ("forecast MAPE %", |c| c.forecast_mape),
        ];
        let rows = figures.iter().map(|&(figure, f)| CapacityRow { figure, a: f(a), b: f(b) }).collect();
        Some(CapacityComparison { a_mode: a.mode.clone(), b_mode: b.mode.clone(), rows })
    }

    /// The heading: which autoscaler each run used.
    pub fn heading(&self) -> String {
        format!("capacity (A: {} autoscaler, B: {} autoscaler; lower is better)", self.a_mode, self.b_mode)
    }

    /// The comparison as plain text; changes beyond noise are marked with `*`.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n", self.heading());
        let _ = writeln!(s, "  {:<16} {:>12} {:>12}  B - A", "figure", "A", "B");
        for r in &self.rows {
            let mark = if r.significant() { '*' } else { ' ' };
            let verdict = if r.verdict().is_empty() { String::new() } else { format!("  {}", r.verdict()) };
            let _ = writeln!(
                s,
                "{mark} {:<16} {:>12} {:>12}  {}{verdict}",
                r.figure,
                r.format(r.a),
                r.format(r.b),
                r.change()
            );
        }
        s
    }
}

/// Reads one figure from a capacity section.
type Pick = fn(&CapacitySummary) -> Option<f64>;

#[cfg(test)]
mod tests {
    use super::*;

    fn capacity(mode: &str, violation_s: f64, node_seconds: f64, mape: Option<f64>) -> CapacitySummary {
        CapacitySummary {
            mode: mode.into(),
            slo_p99_ms: 50,
            slo_window_ms: 10_000,
            slo_violation_s: violation_s,
            node_seconds,
            peak_machines: 12,
            scale_outs: 3,
            scale_ins: 2,
            rejected: 40,
            forecast_mape: mape,
            series: vec![],
            windows: vec![],
            decisions: vec![],
        }
    }

    #[test]
    fn only_runs_that_both_scaled_are_compared() {
        let a = capacity("hpa", 120.0, 6000.0, None);
        assert!(CapacityComparison::of(Some(&a), None).is_none());
        assert!(CapacityComparison::of(None, Some(&a)).is_none());
    }

    #[test]
    fn figures_changes_and_verdicts_side_by_side() {
        let a = capacity("hpa", 120.0, 6000.0, None);
        let b = capacity("predictive", 40.0, 6300.0, Some(8.3));
        let c = CapacityComparison::of(Some(&a), Some(&b)).unwrap();
        let figures: Vec<&str> = c.rows.iter().map(|r| r.figure).collect();
        assert_eq!(figures, ["SLO-violation s", "node-seconds", "peak nodes", "rejections", "forecast MAPE %"]);
        assert_eq!((c.rows[0].change(), c.rows[0].verdict()), ("-80 (-66.7%)".to_string(), "better"));
        assert_eq!((c.rows[1].change(), c.rows[1].verdict()), ("+300 (+5.0%)".to_string(), "worse"));
        assert_eq!((c.rows[2].change(), c.rows[2].verdict()), ("=".to_string(), ""));
        assert_eq!(c.rows[4].change(), "only in one run");
        let text = c.to_text();
        assert!(text.starts_with("capacity (A: hpa autoscaler, B: predictive autoscaler"), "{text}");
        assert!(text.contains("* SLO-violation s           120           40  -80 (-66.7%)  better"), "{text}");
        assert!(text.contains("* node-seconds            6,000        6,300  +300 (+5.0%)  worse"), "{text}");
        assert!(text.contains("  peak nodes                 12           12  ="), "{text}");
        assert!(text.contains("* forecast MAPE %             -          8.3  only in one run"), "{text}");
    }

    #[test]
    fn changes_within_one_percent_are_noise() {
        let row = |a, b| CapacityRow { figure: "node-seconds", a: Some(a), b: Some(b) };
        assert!(!row(6000.0, 6050.0).significant());
        assert!(row(6000.0, 6070.0).significant());
        assert!(row(0.0, 10.0).significant(), "any violation where A had none");
        assert!(!row(0.0, 0.0).significant());
    }
}
