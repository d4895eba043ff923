//! Operations of one level grouped into fixed windows of simulated time (by invocation time):
//! counts, successes and latency quantiles per window, which the time plots draw. The
//! quantiles take every operation, failed and indeterminate ones included (their latency is
//! how long the client waited for the failure or the timeout), so that a window in which
//! most operations fail does not look healthy.

use crate::op_point::{OpPoint, Outcome};

/// Fewest windows' worth of milliseconds: one second, as the summary's availability windows.
pub const WINDOW_MS_MIN: u64 = 1000;

/// Most windows a plot draws; longer runs get longer windows (whole seconds).
pub const WINDOWS_MAX: u64 = 300;

/// Figures for the operations invoked in `[start_ms, start_ms + window_ms)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    /// Window start, simulated ms.
    pub start_ms: u64,
    /// Operations invoked in the window, whatever their outcome.
    pub total: u64,
    /// Of those, how many succeeded.
    pub ok: u64,
    /// Latency quantiles of all of them, failed and indeterminate ones included (p50, p95,
    /// p99, max), `None` without any.
    pub quantiles_ms: Option<[f64; 4]>,
}

/// The value at quantile `q` (0..=1) of sorted `values`, by nearest rank (the same definition
/// the summary's p50/p95/p99 use); 0 when empty.
pub fn quantile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64
}

/// Window length for a run spanning `span_ms`: one second, or whole seconds so that at most
/// [`WINDOWS_MAX`] windows cover the run.
pub fn window_ms_for(span_ms: u64) -> u64 {
    let per_window = span_ms.div_ceil(WINDOWS_MAX);
    per_window.div_ceil(WINDOW_MS_MIN).max(1) * WINDOW_MS_MIN
}

/// Every window from 0 to `span_ms` for `ops` (all of one level), empty windows included.
pub fn windows(ops: &[&OpPoint], window_ms: u64, span_ms: u64) -> Vec<Window> {
    assert!(window_ms > 0, "window length must be positive");
    let count = span_ms.div_ceil(window_ms).max(1) as usize;
    let mut latencies: Vec<Vec<u64>> = vec![vec![]; count];
    let mut oks = vec![0u64; count];
    for op in ops {
        // An operation invoked at the very end still belongs to the last window.
        let i = ((op.invoke_ms / window_ms) as usize).min(count - 1);
        oks[i] += u64::from(op.outcome == Outcome::Ok);
        latencies[i].push(op.latency_ms());
    }
    latencies
        .into_iter()
        .zip(oks)
        .enumerate()
        .map(|(i, (mut lat, ok))| {
            lat.sort_unstable();
            let quantiles_ms = (!lat.is_empty()).then(|| {
                [quantile(&lat, 0.50), quantile(&lat, 0.95), quantile(&lat, 0.99), *lat.last().unwrap_or(&0) as f64]
            });
            Window { start_ms: i as u64 * window_ms, total: lat.len() as u64, ok, quantiles_ms }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op_point::OpKind;

    fn op(invoke_ms: u64, latency: u64, outcome: Outcome) -> OpPoint {
        OpPoint::new(invoke_ms, invoke_ms + latency, "ONE", OpKind::Read, outcome)
    }

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&[7], 0.95), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn window_length_grows_in_whole_seconds_for_long_runs() {
        assert_eq!(window_ms_for(65_000), 1000);
        assert_eq!(window_ms_for(300_000), 1000);
        assert_eq!(window_ms_for(301_000), 2000);
        assert_eq!(window_ms_for(3_600_000), 12_000);
        assert_eq!(window_ms_for(0), 1000);
    }

    #[test]
    fn windows_count_by_invocation_and_take_quantiles_of_every_outcome() {
        let ops =
            [op(10, 4, Outcome::Ok), op(900, 8, Outcome::Ok), op(999, 500, Outcome::Fail), op(2500, 3, Outcome::Ok)];
        let refs: Vec<&OpPoint> = ops.iter().collect();
        let w = windows(&refs, 1000, 3000);
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].total, w[0].ok), (3, 2));
        assert_eq!(w[0].quantiles_ms, Some([8.0, 500.0, 500.0, 500.0]), "the failure's 500 ms counts");
        assert_eq!((w[1].total, w[1].ok, w[1].quantiles_ms), (0, 0, None));
        assert_eq!(w[2].start_ms, 2000);
    }
}
