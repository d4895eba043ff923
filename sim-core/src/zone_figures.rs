//! The zone rebalancer's figures from its log and from what leaders and clients reported:
//! migrations done are counted from the leaders' migration reports, zone loads from the
//! machines' counters, p99 from the clients' operations.

use reports::zones::{ZoneRoundRow, ZoneSummary};

use crate::history::zones::ZoneLog;
use crate::history::{History, MigrationStep, Outcome};

/// The summary of the rebalancer's run over `[0, end_ms)`, `None` without `rebalance:`.
pub fn summary(history: &History, interval_ms: u64, end_ms: u64) -> Option<ZoneSummary> {
    let log = history.zones.as_ref()?;
    let first = log.rounds.iter().find(|r| !r.moves.is_empty());
    let hot = first.and_then(|r| r.moves.first()).map(|m| m.0 as usize);
    let before_end = first.map_or(end_ms / 2, |r| r.at_ms);
    let before = (before_end.saturating_sub(interval_ms), before_end);
    let after = (end_ms.saturating_sub(interval_ms), end_ms);
    let done = log
        .requested
        .iter()
        .filter(|r| history.migrations.iter().any(|m| m.id == r.id && m.step == MigrationStep::Done))
        .count() as u32;
    let rounds = log.rounds.iter().map(|r| round_row(log, r)).collect();
    Some(ZoneSummary {
        zones: log.zones.clone(),
        hot_zone: hot.map(|z| log.zones[z].clone()),
        hot_score_first: hot.and_then(|z| first.map(|r| r.scores[z].score)),
        hot_score_last: hot.and_then(|z| log.rounds.last().map(|r| r.scores[z].score)),
        recommended: log.requested.len() as u32,
        done,
        spread_before: spread_over(log, before),
        spread_after: spread_over(log, after),
        p99_before_ms: p99_over(history, before),
        p99_after_ms: p99_over(history, after),
        rounds,
    })
}

fn round_row(log: &ZoneLog, r: &crate::history::zones::ZoneRound) -> ZoneRoundRow {
    let moves: Vec<String> = r
        .moves
        .iter()
        .map(|m| format!("{} -> {} x{}", log.zones[m.0 as usize], log.zones[m.1 as usize], m.2))
        .collect();
    ZoneRoundRow {
        at_ms: r.at_ms,
        scores: r.scores.iter().map(|s| s.score).collect(),
        confidence: r.scores.iter().map(|s| s.confidence).fold(1.0, f64::min),
        recommendation: r.quiet.map_or_else(|| moves.join(", "), str::to_string),
    }
}

/// Highest over mean of the zones' mean loads sampled in `[from, to)`.
pub fn spread_over(log: &ZoneLog, (from, to): (u64, u64)) -> f64 {
    let mut sums = vec![0.0; log.zones.len()];
    for (_, loads) in log.loads.iter().filter(|(t, _)| (from..to).contains(t)) {
        for (s, l) in sums.iter_mut().zip(loads) {
            *s += l;
        }
    }
    nodes::capacity::zones::spread(&sums)
}

/// p99 latency (ms) of the operations completed ok in `[from, to)`.
pub fn p99_over(history: &History, (from, to): (u64, u64)) -> Option<f64> {
    let mut lat: Vec<u64> = history
        .ops
        .iter()
        .filter(|o| o.outcome == Outcome::Ok && (from..to).contains(&o.complete_ms))
        .map(|o| o.complete_ms - o.invoke_ms)
        .collect();
    if lat.is_empty() {
        return None;
    }
    lat.sort_unstable();
    let i = ((lat.len() as f64 * 0.99).ceil() as usize).clamp(1, lat.len()) - 1;
    Some(lat[i] as f64)
}
