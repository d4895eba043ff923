//! The key figures of two runs side by side: per level operations, success rate and latency
//! percentiles, the property verdicts, and whether the trace hashes are equal.

use std::fmt::Write as _;

use crate::capacity_comparison::CapacityComparison;
use crate::summary::{LevelStats, Summary, VerdictSummary};

/// A figure compared between run A and run B.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureRow {
    /// Consistency level.
    pub level: String,
    /// Which figure: `ops`, `success`, `p50 ms`, `p95 ms`, `p99 ms`.
    pub figure: &'static str,
    /// Value in run A, `None` when A has no operations at this level.
    pub a: Option<f64>,
    /// Value in run B.
    pub b: Option<f64>,
}

/// A property's verdict in run A and run B (`None` where the run did not check it).
#[derive(Clone, Debug, PartialEq)]
pub struct VerdictRow {
    /// Property name.
    pub name: String,
    /// Verdict word in run A: `PASS` or `FAIL`.
    pub a: Option<&'static str>,
    /// Verdict word in run B.
    pub b: Option<&'static str>,
}

/// Everything `clustersim compare` reports about two runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Run A's label: `two-replicas-down seed 2`.
    pub a_label: String,
    /// Run B's label.
    pub b_label: String,
    /// Run A's trace hash.
    pub a_hash: String,
    /// Run B's trace hash.
    pub b_hash: String,
    /// Per level and figure.
    pub figures: Vec<FigureRow>,
    /// Per property.
    pub verdicts: Vec<VerdictRow>,
    /// Run A's scenario name.
    pub a_scenario: String,
    /// Run B's scenario name.
    pub b_scenario: String,
    /// The capacity figures, when both runs ran an autoscaler.
    pub capacity: Option<CapacityComparison>,
}

/// A latency change smaller than this many milliseconds is noise.
pub const NOISE_MS: f64 = 2.0;
/// A latency change smaller than this share of run A's value is noise.
pub const NOISE_LATENCY_SHARE: f64 = 0.10;
/// An operation count change smaller than this share of run A's count is noise.
pub const NOISE_OPS_SHARE: f64 = 0.01;
/// A success-rate change smaller than this (0.1 percentage points) is noise.
pub const NOISE_RATE: f64 = 0.001;

impl FigureRow {
    /// True when the change is larger than noise: for latencies at least [`NOISE_MS`] and at
    /// least [`NOISE_LATENCY_SHARE`] of A (so 25 → 26 ms is not a change, 25 → 40 ms is); for
    /// operation counts at least [`NOISE_OPS_SHARE`] of A; for success rates at least
    /// [`NOISE_RATE`]. A level present in only one run always counts.
    pub fn significant(&self) -> bool {
        let (Some(a), Some(b)) = (self.a, self.b) else { return self.differs() };
        let d = (b - a).abs();
        match self.figure {
            "ops" => d >= (a.abs() * NOISE_OPS_SHARE).max(1.0),
            "success" => d >= NOISE_RATE,
            _ => d >= NOISE_MS && d >= a.abs() * NOISE_LATENCY_SHARE,
        }
    }

    /// True when the two values differ (or only one run has the level).
    pub fn differs(&self) -> bool {
        match (self.a, self.b) {
            (Some(a), Some(b)) => (a - b).abs() > 1e-9,
            (None, None) => false,
            _ => true,
        }
    }

    /// The value formatted for its figure: `1,234`, `99.95%`, `3.0`; `-` when absent.
    pub fn format(&self, v: Option<f64>) -> String {
        match v {
            None => "-".to_string(),
            Some(v) if self.figure == "ops" => crate::plot::style::count_label(v as u64),
            Some(v) if self.figure == "success" => format!("{:.3}%", v * 100.0),
            Some(v) => format!("{v:.1}"),
        }
    }

    /// B minus A, formatted: `+12 (+0.5%)`, `-1.20 pp`, `=`.
    pub fn change(&self) -> String {
        let (Some(a), Some(b)) = (self.a, self.b) else {
            return if self.differs() { "only in one run".into() } else { "=".into() };
        };
        if !self.differs() {
            return "=".into();
        }
        let relative = if a.abs() > 1e-12 { format!(" ({:+.1}%)", (b - a) / a * 100.0) } else { String::new() };
        match self.figure {
            "ops" => format!("{:+}{relative}", b as i64 - a as i64),
            "success" => format!("{:+.3} pp", (b - a) * 100.0),
            _ => format!("{:+.1}{relative}", b - a),
        }
    }
}

impl VerdictRow {
    /// True when the verdicts differ.
    pub fn differs(&self) -> bool {
        self.a != self.b
    }
}

impl Comparison {
    /// Compares the summaries of run A and run B.
    pub fn of(a: &Summary, b: &Summary) -> Self {
        let mut levels: Vec<&str> = vec![];
        for l in a.ops.iter().chain(&b.ops).filter(|l| l.kind == "all") {
            if !levels.contains(&l.consistency.as_str()) {
                levels.push(&l.consistency);
            }
        }
        let row = |s: &Summary, level: &str| s.ops.iter().find(|l| l.kind == "all" && l.consistency == level).cloned();
        let mut figures = vec![];
        for level in levels {
            let (ra, rb) = (row(a, level), row(b, level));
            let pick: [(&'static str, Pick); 5] = [
                ("ops", |l| l.total as f64),
                ("success", |l| l.success_rate),
                ("p50 ms", |l| l.p50_ms),
                ("p95 ms", |l| l.p95_ms),
                ("p99 ms", |l| l.p99_ms),
            ];
            for (figure, f) in pick {
                figures.push(FigureRow {
                    level: level.to_string(),
                    figure,
                    a: ra.as_ref().map(f),
                    b: rb.as_ref().map(f),
                });
            }
        }
        let mut names: Vec<&str> = vec![];
        for v in a.verdicts.iter().chain(&b.verdicts) {
            if !names.contains(&v.name.as_str()) {
                names.push(&v.name);
            }
        }
        let word = |s: &Summary, name: &str| s.verdicts.iter().find(|v| v.name == name).map(verdict_word);
        let verdicts =
            names.into_iter().map(|n| VerdictRow { name: n.to_string(), a: word(a, n), b: word(b, n) }).collect();
        Comparison {
            a_label: format!("{} seed {}", a.scenario, a.seed),
            b_label: format!("{} seed {}", b.scenario, b.seed),
            a_hash: a.trace_hash.clone(),
            b_hash: b.trace_hash.clone(),
            figures,
            verdicts,
            a_scenario: a.scenario.clone(),
            b_scenario: b.scenario.clone(),
            capacity: CapacityComparison::of(a.capacity.as_ref(), b.capacity.as_ref()),
        }
    }

    /// A warning when A and B are runs of different scenarios: their figures differ for that
    /// reason alone.
    pub fn warning(&self) -> Option<String> {
        (self.a_scenario != self.b_scenario).then(|| {
            format!(
                "warning: A and B are runs of different scenarios ({} and {}): their figures differ for that reason alone",
                self.a_scenario, self.b_scenario
            )
        })
    }

    /// True when the trace hashes are equal: the runs are the same run.
    pub fn same_trace(&self) -> bool {
        self.a_hash == self.b_hash
    }

    /// One line on the trace hashes.
    pub fn hash_line(&self) -> String {
        if self.same_trace() {
            format!("trace hash: equal ({})", self.a_hash)
        } else {
            format!("trace hash: differs (A {}, B {})", self.a_hash, self.b_hash)
        }
    }

    /// The comparison as plain text for the terminal; changed rows are marked with `*`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "A: {}\nB: {}\n{}", self.a_label, self.b_label, self.hash_line());
        if let Some(w) = self.warning() {
            let _ = writeln!(s, "{w}");
        }
        let _ = writeln!(
            s,
            "(* marks changes beyond noise: latency at least {NOISE_MS} ms and {:.0}%, ops {:.0}%, success {:.1} pp)\n",
            NOISE_LATENCY_SHARE * 100.0,
            NOISE_OPS_SHARE * 100.0,
            NOISE_RATE * 100.0
        );
        let _ = writeln!(s, "  {:<8} {:<8} {:>12} {:>12}  B - A", "level", "figure", "A", "B");
        for r in &self.figures {
            let mark = if r.significant() { '*' } else { ' ' };
            let _ = writeln!(
                s,
                "{mark} {:<8} {:<8} {:>12} {:>12}  {}",
                r.level,
                r.figure,
                r.format(r.a),
                r.format(r.b),
                r.change()
            );
        }
        if let Some(c) = &self.capacity {
            let _ = write!(s, "\n{}", c.to_text());
        }
        let _ = writeln!(s, "\n  {:<48} {:<6} B", "property", "A");
        for v in &self.verdicts {
            let mark = if v.differs() { '*' } else { ' ' };
            let _ = writeln!(s, "{mark} {:<48} {:<6} {}", v.name, v.a.unwrap_or("-"), v.b.unwrap_or("-"));
        }
        let changed = self.figures.iter().filter(|r| r.significant()).count();
        let verdicts = self.verdicts.iter().filter(|v| v.differs()).count();
        let _ = writeln!(
            s,
            "\n{changed} of {} figures differ beyond noise; {verdicts} of {} verdicts differ",
            self.figures.len(),
            self.verdicts.len()
        );
        s
    }
}

/// Reads one figure from a level's stats.
type Pick = fn(&LevelStats) -> f64;

fn verdict_word(v: &VerdictSummary) -> &'static str {
    if v.passed {
        "PASS"
    } else {
        "FAIL"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::tests_support::summary;

    fn level(name: &str, total: u64, rate: f64, p99: f64) -> LevelStats {
        LevelStats {
            consistency: name.into(),
            kind: "all".into(),
            total,
            ok: (total as f64 * rate) as u64,
            fail: 0,
            indeterminate: 0,
            success_rate: rate,
            p50_ms: 3.0,
            p95_ms: 6.0,
            p99_ms: p99,
            max_ms: 20.0,
            worst_window_rate: rate,
            retried: 0,
        }
    }

    fn verdict(name: &str, passed: bool) -> VerdictSummary {
        VerdictSummary {
            name: name.into(),
            class: "liveness".into(),
            expected_violation: false,
            passed,
            violations: u64::from(!passed),
            checked: 10,
            detail: String::new(),
            examples: vec![],
            counterexamples: vec![],
        }
    }

    #[test]
    fn identical_runs_show_no_differences() {
        let mut a = summary("x", 10_000);
        a.ops = vec![level("QUORUM", 1000, 0.99, 9.0)];
        a.verdicts = vec![verdict("no_stale_quorum_reads", true)];
        let c = Comparison::of(&a, &a.clone());
        assert!(c.same_trace());
        assert!(c.figures.iter().all(|r| !r.differs()));
        let text = c.to_text();
        assert!(text.contains("trace hash: equal"), "{text}");
        assert!(text.contains("0 of 5 figures differ beyond noise; 0 of 1 verdicts differ"), "{text}");
        assert!(c.warning().is_none(), "same scenario");
    }

    #[test]
    fn small_changes_are_noise_and_different_scenarios_are_warned_of() {
        let row = |figure, a, b| FigureRow { level: "QUORUM".into(), figure, a: Some(a), b: Some(b) };
        assert!(!row("p99 ms", 25.0, 26.0).significant(), "1 ms is noise");
        assert!(!row("p99 ms", 250.0, 270.0).significant(), "8% is noise");
        assert!(row("p99 ms", 25.0, 40.0).significant());
        assert!(!row("p50 ms", 1.0, 2.5).significant(), "1.5 ms is noise even at +150%");
        assert!(!row("ops", 10_000.0, 10_050.0).significant());
        assert!(row("ops", 10_000.0, 10_200.0).significant());
        assert!(!row("success", 0.9995, 0.9991).significant());
        assert!(row("success", 0.999, 0.99).significant());
        let a = summary("x", 10_000);
        let b = summary("y", 10_000);
        let c = Comparison::of(&a, &b);
        assert!(c.to_text().contains("warning: A and B are runs of different scenarios (x and y)"), "{}", c.to_text());
    }

    #[test]
    fn changed_figures_verdicts_and_levels_are_marked() {
        let mut a = summary("x", 10_000);
        a.ops = vec![level("QUORUM", 1000, 0.99, 9.0), level("ALL", 500, 1.0, 12.0)];
        a.verdicts = vec![verdict("availability(ALL)", true)];
        let mut b = a.clone();
        b.trace_hash = "1111111111111111".into();
        b.ops = vec![level("QUORUM", 1010, 0.95, 9.0)];
        b.verdicts = vec![verdict("availability(ALL)", false)];
        let c = Comparison::of(&a, &b);
        assert!(!c.same_trace());
        let ops = &c.figures[0];
        assert_eq!((ops.figure, ops.change()), ("ops", "+10 (+1.0%)".to_string()));
        assert_eq!(c.figures[1].change(), "-4.000 pp");
        assert_eq!(c.figures[4].change(), "=");
        assert!(c.figures.iter().filter(|r| r.level == "ALL").all(|r| r.b.is_none() && r.differs()));
        assert!(c.verdicts[0].differs());
        let text = c.to_text();
        assert!(text.contains("* QUORUM   success"), "{text}");
        assert!(text.contains("* availability(ALL)"), "{text}");
        assert!(text.contains("trace hash: differs"), "{text}");
    }
}
