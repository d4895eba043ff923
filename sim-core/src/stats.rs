//! Operation statistics: counts, success rates and latency percentiles per level and kind.

use std::collections::BTreeMap;

use crate::history::{Level, Op, OpKind, Outcome};
use reports::LevelStats;

/// The value at quantile `q` (0..=1) of sorted `values`, by nearest rank; 0 when empty.
pub fn quantile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64
}

/// Length of the windows availability is measured over.
pub const WINDOW_MS: u64 = 1000;

/// Stats per (level, kind), plus a row with kind `all` per level, ordered ONE, QUORUM, ALL, k.
pub fn level_stats(ops: &[Op]) -> Vec<LevelStats> {
    let mut groups: BTreeMap<(Level, u8), Vec<&Op>> = BTreeMap::new();
    for op in ops {
        let kind = match op.kind {
            OpKind::Read => 1,
            OpKind::Write => 2,
        };
        groups.entry((op.level, 0)).or_default().push(op);
        groups.entry((op.level, kind)).or_default().push(op);
    }
    groups
        .into_iter()
        .map(|((level, kind), ops)| {
            let count = |o: Outcome| ops.iter().filter(|op| op.outcome == o).count() as u64;
            let mut lat: Vec<u64> = ops.iter().filter(|o| o.outcome == Outcome::Ok).map(|o| o.latency_ms()).collect();
            lat.sort_unstable();
            let ok = count(Outcome::Ok);
            let mut windows: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
            for op in &ops {
                let w = windows.entry(op.invoke_ms / WINDOW_MS).or_default();
                w.0 += u64::from(op.outcome == Outcome::Ok);
                w.1 += 1;
            }
            let worst_window_rate = windows.values().map(|&(ok, n)| ok as f64 / n as f64).fold(1.0, f64::min);
            LevelStats {
                consistency: level.to_string(),
                kind: ["all", "read", "write"][kind as usize].to_string(),
                total: ops.len() as u64,
                ok,
                fail: count(Outcome::Fail),
                indeterminate: count(Outcome::Indeterminate),
                success_rate: if ops.is_empty() { 0.0 } else { ok as f64 / ops.len() as f64 },
                p50_ms: quantile(&lat, 0.50),
                p95_ms: quantile(&lat, 0.95),
                p99_ms: quantile(&lat, 0.99),
                max_ms: lat.last().copied().unwrap_or(0) as f64,
                worst_window_rate,
                retried: ops.iter().filter(|op| op.retries > 0).count() as u64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.95), 95.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[7], 0.5), 7.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
