//! What the plots of one or two runs share (levels, axis ranges, window length, so that two
//! runs side by side are drawn on the same scales), and each run's data prepared once for all
//! plots and both file formats.

use super::capacity_scale::CapacityScale;
use crate::op_point::{OpPoint, Outcome};
use crate::run_data::RunData;
use crate::window::{window_ms_for, windows, Window};

/// Most operations the latency scatter draws per run; beyond it, it is thinned deterministically.
pub const SCATTER_POINTS_MAX: usize = 50_000;

/// Levels, ranges and window length common to every run drawn together.
#[derive(Clone, Debug, PartialEq)]
pub struct Scope {
    /// Consistency levels, one panel (or line) each, in report order.
    pub levels: Vec<String>,
    /// Simulated time on the x axis, from 0.
    pub span_ms: u64,
    /// Window length of the per-window plots.
    pub window_ms: u64,
    /// Latency axis (log scale), ms.
    pub latency_lo_ms: f64,
    /// Top of the latency axis, ms.
    pub latency_hi_ms: f64,
    /// Top of the throughput axis, operations per second.
    pub throughput_hi: f64,
    /// Bottom of the distribution's fraction axis (log scale): 1 / the most ok operations.
    pub fraction_lo: f64,
    /// The distribution's latency axis (log scale), ms: fitted to the successful operations.
    pub ok_lo_ms: f64,
    /// Top of the distribution's latency axis, ms.
    pub ok_hi_ms: f64,
    /// Height of the fault band above each time plot, pixels (the tallest of the runs').
    pub band_px: u32,
    /// Coordinator nodes, one panel each in the per-node plot, in natural order.
    pub nodes: Vec<String>,
    /// The capacity plot's axes.
    pub capacity: CapacityScale,
}

/// Latency axis floor, ms: latencies are whole milliseconds and a zero is drawn here.
pub const LATENCY_FLOOR_MS: f64 = 0.5;

/// A log-scale latency axis fitted to values from `min_ms` to `max_ms`: a little room on both
/// sides, at least a factor of 4 wide, never below [`LATENCY_FLOOR_MS`].
pub fn fit_log_axis(min_ms: f64, max_ms: f64) -> (f64, f64) {
    let lo = (min_ms / 1.5).max(LATENCY_FLOOR_MS);
    let hi = (max_ms.max(min_ms) * 1.5).max(lo * 4.0);
    (lo, hi)
}

/// The operations the scatter draws, and a note when some were left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Scatter<'a> {
    /// Operations drawn, per level of the scope.
    pub per_level: Vec<Vec<&'a OpPoint>>,
    /// `None` when every operation is drawn; otherwise what was left out, for the plot to say.
    pub note: Option<String>,
}

/// One run's data, grouped per level of the scope.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared<'a> {
    /// The run.
    pub run: &'a RunData,
    /// Its operations, per level of the scope.
    pub by_level: Vec<Vec<&'a OpPoint>>,
    /// Latencies of successful operations, sorted, per level.
    pub ok_sorted: Vec<Vec<u64>>,
    /// Per-window figures, per level.
    pub windows: Vec<Vec<Window>>,
    /// What the scatter draws.
    pub scatter: Scatter<'a>,
}

/// The nodes of `runs`, from their operations' coordinators and their node status, in natural
/// order (`n2` before `n10`).
pub fn nodes(runs: &[&RunData]) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    for run in runs {
        let from_ops = run.ops.iter().map(|o| o.node.as_str()).filter(|n| !n.is_empty());
        for name in from_ops.chain(run.summary.node_status.iter().map(|l| l.name.as_str())) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    names
}

impl Scope {
    /// The scope of `runs` drawn together, with each run prepared for it.
    pub fn of<'a>(runs: &[&'a RunData]) -> (Scope, Vec<Prepared<'a>>) {
        let mut levels: Vec<String> = vec![];
        for run in runs {
            for level in run.levels() {
                if !levels.contains(&level) {
                    levels.push(level);
                }
            }
        }
        let span_ms = runs.iter().map(|r| r.span_ms()).max().unwrap_or(1);
        let window_ms = window_ms_for(span_ms);
        let prepared: Vec<Prepared<'a>> =
            runs.iter().map(|run| Prepared::new(run, &levels, window_ms, span_ms)).collect();
        let all_ops = || runs.iter().flat_map(|r| r.ops.iter());
        let latency_min = all_ops().map(OpPoint::latency_ms).min().unwrap_or(1) as f64;
        let latency_max = all_ops().map(OpPoint::latency_ms).max().unwrap_or(1).max(1) as f64;
        let (latency_lo_ms, latency_hi_ms) = fit_log_axis(latency_min, latency_max);
        let ok_latencies = || prepared.iter().flat_map(|p| p.ok_sorted.iter()).filter(|v| !v.is_empty());
        let ok_min = ok_latencies().map(|v| v[0]).min().unwrap_or(1) as f64;
        let ok_max = ok_latencies().map(|v| v[v.len() - 1]).max().unwrap_or(1) as f64;
        let (ok_lo_ms, ok_hi_ms) = fit_log_axis(ok_min, ok_max);
        let band_px = runs.iter().map(|r| super::fault_band::height(&r.summary)).max().unwrap_or(0);
        let window_s = window_ms as f64 / 1000.0;
        let busiest = prepared.iter().flat_map(|p| p.windows.iter().flatten()).map(|w| w.total).max().unwrap_or(0);
        let throughput_hi = (busiest as f64 / window_s * 1.1).max(1.0);
        let most_ok = prepared.iter().flat_map(|p| p.ok_sorted.iter()).map(Vec::len).max().unwrap_or(1).max(1);
        let fraction_lo = (1.0 / most_ok as f64).min(0.01) * 0.7;
        let scope = Scope {
            levels,
            span_ms,
            window_ms,
            latency_lo_ms,
            latency_hi_ms,
            throughput_hi,
            fraction_lo,
            ok_lo_ms,
            ok_hi_ms,
            band_px,
            nodes: nodes(runs),
            capacity: CapacityScale::of(runs),
        };
        (scope, prepared)
    }

    /// Seconds on the time axis for simulated `ms`.
    pub fn seconds(ms: u64) -> f64 {
        ms as f64 / 1000.0
    }

    /// The time axis' extent in seconds.
    pub fn span_s(&self) -> f64 {
        Self::seconds(self.span_ms)
    }

    /// Where a latency is drawn on the log axis (a zero latency sits on the floor).
    pub fn latency_y(&self, latency_ms: u64) -> f64 {
        (latency_ms as f64).max(self.latency_lo_ms)
    }

    /// Where a successful latency is drawn on the distribution's log axis.
    pub fn ok_x(&self, latency_ms: u64) -> f64 {
        (latency_ms as f64).max(self.ok_lo_ms)
    }
}

impl<'a> Prepared<'a> {
    fn new(run: &'a RunData, levels: &[String], window_ms: u64, span_ms: u64) -> Self {
        let by_level: Vec<Vec<&OpPoint>> =
            levels.iter().map(|l| run.ops.iter().filter(|o| &o.level == l).collect()).collect();
        let ok_sorted = by_level
            .iter()
            .map(|ops| {
                let mut v: Vec<u64> = ops.iter().filter(|o| o.outcome == Outcome::Ok).map(|o| o.latency_ms()).collect();
                v.sort_unstable();
                v
            })
            .collect();
        let windows = by_level.iter().map(|ops| windows(ops, window_ms, span_ms)).collect();
        let scatter = Scatter::thin(&run.ops, levels, SCATTER_POINTS_MAX);
        Prepared { run, by_level, ok_sorted, windows, scatter }
    }
}

impl<'a> Scatter<'a> {
    /// At most `max` of `ops`, grouped per level. Past `max`, every operation that did not succeed
    /// is kept while they fit in half the budget (they are the interesting ones), and successful
    /// ones are thinned to every k-th, in history order, so the same data gives the same picture.
    pub fn thin(ops: &'a [OpPoint], levels: &[String], max: usize) -> Self {
        let max = max.max(2);
        let not_ok = ops.iter().filter(|o| o.outcome != Outcome::Ok).count();
        let ok = ops.len() - not_ok;
        let (stride_ok, stride_other) = if ops.len() <= max {
            (1, 1)
        } else if not_ok <= max / 2 {
            (ok.div_ceil(max - not_ok).max(1), 1)
        } else {
            (ok.div_ceil(max / 2).max(1), not_ok.div_ceil(max / 2).max(1))
        };
        let mut per_level: Vec<Vec<&OpPoint>> = vec![vec![]; levels.len()];
        let (mut seen_ok, mut seen_other, mut drawn) = (0usize, 0usize, 0usize);
        for op in ops {
            let (seen, stride) =
                if op.outcome == Outcome::Ok { (&mut seen_ok, stride_ok) } else { (&mut seen_other, stride_other) };
            let keep = *seen % stride == 0;
            *seen += 1;
            if let (true, Some(i)) = (keep, levels.iter().position(|l| *l == op.level)) {
                per_level[i].push(op);
                drawn += 1;
            }
        }
        let note = (drawn < ops.len()).then(|| {
            format!(
                "thinned for drawing: {} of {} operations shown ({} ok, {} others)",
                crate::plot::style::count_label(drawn as u64),
                crate::plot::style::count_label(ops.len() as u64),
                every(stride_ok),
                every(stride_other)
            )
        });
        Scatter { per_level, note }
    }
}

/// `all`, `every 2nd`, `every 3rd`, `every 25th`: which share of a class the scatter keeps.
fn every(stride: usize) -> String {
    match stride {
        0 | 1 => "all".to_string(),
        n if n % 10 == 1 && n % 100 != 11 => format!("every {n}st"),
        n if n % 10 == 2 && n % 100 != 12 => format!("every {n}nd"),
        n if n % 10 == 3 && n % 100 != 13 => format!("every {n}rd"),
        n => format!("every {n}th"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op_point::OpKind;

    fn ops(n: usize, fail_every: usize) -> Vec<OpPoint> {
        (0..n)
            .map(|i| {
                let level = if i % 2 == 0 { "ONE" } else { "ALL" };
                let outcome = if i % fail_every == 0 { Outcome::Fail } else { Outcome::Ok };
                OpPoint::new(i as u64, i as u64 + 3, level, OpKind::Read, outcome)
            })
            .collect()
    }

    #[test]
    fn scatter_keeps_everything_under_the_budget() {
        let ops = ops(100, 10);
        let s = Scatter::thin(&ops, &["ONE".into(), "ALL".into()], 100);
        assert_eq!(s.per_level.iter().map(Vec::len).sum::<usize>(), 100);
        assert!(s.note.is_none());
    }

    #[test]
    fn scatter_thins_successes_first_and_says_so() {
        let ops = ops(10_000, 100);
        let s = Scatter::thin(&ops, &["ONE".into(), "ALL".into()], 1000);
        let drawn: Vec<&&OpPoint> = s.per_level.iter().flatten().collect();
        assert!(drawn.len() <= 1000, "{}", drawn.len());
        assert!(drawn.len() >= 900, "{}", drawn.len());
        assert_eq!(drawn.iter().filter(|o| o.outcome == Outcome::Fail).count(), 100, "every failure kept");
        let note = s.note.clone().expect("says it thinned");
        assert!(note.contains("of 10,000 operations shown"), "{note}");
        assert_eq!(Scatter::thin(&ops, &["ONE".into(), "ALL".into()], 1000), s, "deterministic");
    }

    #[test]
    fn strides_read_as_english() {
        assert_eq!(every(1), "all");
        assert_eq!(every(2), "every 2nd");
        assert_eq!(every(13), "every 13th");
        assert_eq!(every(23), "every 23rd");
        assert_eq!(every(6), "every 6th");
        assert_eq!(every(21), "every 21st");
        assert_eq!(every(11), "every 11th");
    }

    #[test]
    fn latency_axes_fit_the_data() {
        assert_eq!(fit_log_axis(3.0, 40.0), (2.0, 60.0), "a 40 ms run gets a 2-60 ms axis, not 1 ms-3 s");
        assert_eq!(fit_log_axis(0.0, 0.0), (LATENCY_FLOOR_MS, 2.0), "at least a factor of 4");
        assert_eq!(fit_log_axis(0.0, 1500.0), (LATENCY_FLOOR_MS, 2250.0));
        let run = RunData { summary: crate::summary::tests_support::summary("a", 10_000), ops: ops(50, 7) };
        let (scope, _) = Scope::of(&[&run]);
        assert_eq!((scope.ok_lo_ms, scope.ok_hi_ms), (2.0, 8.0), "every op took 3 ms");
        assert_eq!(scope.band_px, 0, "no faults, no band");
    }

    #[test]
    fn scope_covers_both_runs() {
        use crate::summary::tests_support::summary;
        let a = RunData { summary: summary("a", 10_000), ops: ops(50, 7) };
        let mut b = RunData { summary: summary("b", 20_000), ops: ops(80, 7) };
        b.ops[3].level = "QUORUM".into();
        let (scope, prepared) = Scope::of(&[&a, &b]);
        assert_eq!(scope.levels, vec!["ONE", "ALL", "QUORUM"]);
        assert_eq!(scope.span_ms, 20_000);
        assert_eq!(prepared.len(), 2);
        assert_eq!(prepared[0].windows[0].len(), 20);
        assert!(prepared[0].by_level[2].is_empty());
    }
}
