//! Availability: the share of matching operations that succeeded, held to a bound, and the
//! same share per time window for reports to plot.

use std::collections::BTreeMap;

use crate::history::{Level, Op, OpKind, Outcome};

use super::describe::{op_label, secs};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::History;

/// A bound on the success rate of operations.
#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilityBound {
    /// Only operations at this level (all levels when `None`).
    pub consistency: Option<Level>,
    /// Only reads or only writes (both when `None`).
    pub kind: Option<OpKind>,
    /// Minimum success rate.
    pub min: Option<f64>,
    /// Maximum success rate (to show that something is unavailable).
    pub max: Option<f64>,
    /// Only operations invoked at or after this time.
    pub from_ms: u64,
    /// Only operations invoked before this time.
    pub to_ms: Option<u64>,
}

/// Success counts of the operations invoked in one window at one level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowStat {
    /// Window start (simulated time); the window is `[start_ms, start_ms + window_ms)`.
    pub start_ms: u64,
    /// Level of the operations counted.
    pub consistency: Level,
    /// Operations that returned ok.
    pub ok: u64,
    /// Operations invoked in the window at this level, whatever their outcome.
    pub total: u64,
}

/// Judges an `availability` bound: the ok rate of the matching operations must lie in
/// `[min, max]`. No matching operation at all fails the bound.
///
/// When out of bounds, `examples` lists the first operations that pulled the rate out: failed
/// ones below `min`, successful ones above `max`.
pub fn check(history: &History, bound: &AvailabilityBound) -> Verdict {
    let matching = || history.ops.iter().filter(|op| matches(bound, op));
    let (mut ok, mut total) = (0u64, 0u64);
    for op in matching() {
        total += 1;
        if op.outcome == Outcome::Ok {
            ok += 1;
        }
    }
    let name = name(bound);
    let limits = limits(bound);
    if total == 0 {
        return Verdict {
            name,
            class: PropertyClass::Liveness,
            expected_violation: false,
            violations: 1,
            checked: 0,
            passed: false,
            detail: format!("no operations matched, so availability ({limits}) cannot be judged"),
            examples: vec![],
        };
    }
    let rate = ok as f64 / total as f64;
    let too_low = bound.min.is_some_and(|min| rate < min);
    let too_high = bound.max.is_some_and(|max| rate > max);
    let examples = if too_low || too_high {
        let mut picked: Vec<&Op> = matching().filter(|op| (op.outcome == Outcome::Ok) == too_high).collect();
        picked.sort_by_key(|op| (op.invoke_ms, op.client, op.seq));
        picked.iter().take(EXAMPLES_MAX).map(|op| describe(history, op)).collect()
    } else {
        vec![]
    };
    let verdict = if too_low {
        "below the minimum"
    } else if too_high {
        "above the maximum"
    } else {
        "within bounds"
    };
    Verdict {
        name,
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: u64::from(too_low || too_high),
        checked: total,
        passed: !(too_low || too_high),
        detail: format!(
            "{ok} of {total} operations ok ({:.2}%), {verdict} ({limits}); {} failed, {} indeterminate",
            100.0 * rate,
            matching().filter(|op| op.outcome == Outcome::Fail).count(),
            matching().filter(|op| op.outcome == Outcome::Indeterminate).count(),
        ),
        examples,
    }
}

/// Ok and total operations per `window_ms` window of invocation time and per level, ordered
/// by (window start, level). Windows without operations are left out.
pub fn per_window(history: &History, window_ms: u64) -> Vec<WindowStat> {
    assert!(window_ms > 0, "availability windows must be at least 1 ms long");
    let mut windows: BTreeMap<(u64, Level), (u64, u64)> = BTreeMap::new();
    for op in &history.ops {
        let start_ms = op.invoke_ms - op.invoke_ms % window_ms;
        let counts = windows.entry((start_ms, op.level)).or_default();
        counts.0 += u64::from(op.outcome == Outcome::Ok);
        counts.1 += 1;
    }
    windows
        .into_iter()
        .map(|((start_ms, consistency), (ok, total))| WindowStat { start_ms, consistency, ok, total })
        .collect()
}

fn matches(bound: &AvailabilityBound, op: &Op) -> bool {
    bound.consistency.is_none_or(|c| c == op.level)
        && bound.kind.is_none_or(|k| k == op.kind)
        && op.invoke_ms >= bound.from_ms
        && bound.to_ms.is_none_or(|to| op.invoke_ms < to)
}

/// The bound as a property name, e.g. `availability(QUORUM read, 12s..40s, min 0.99)`.
fn name(bound: &AvailabilityBound) -> String {
    let level = bound.consistency.map(|c| c.to_string());
    let kind = bound.kind.map(|k| match k {
        OpKind::Read => "read".to_string(),
        OpKind::Write => "write".to_string(),
    });
    let what: Vec<String> = level.into_iter().chain(kind).collect();
    let what = if what.is_empty() { "all ops".to_string() } else { what.join(" ") };
    let to = bound.to_ms.map_or_else(String::new, short_secs);
    format!("availability({what}, {}..{to}, {})", short_secs(bound.from_ms), limits(bound))
}

/// The bound's limits, e.g. `min 0.99` or `min 0.5, max 0.9`.
fn limits(bound: &AvailabilityBound) -> String {
    let parts: Vec<String> = [("min", bound.min), ("max", bound.max)]
        .into_iter()
        .filter_map(|(label, limit)| limit.map(|l| format!("{label} {l}")))
        .collect();
    if parts.is_empty() {
        "no limit".to_string()
    } else {
        parts.join(", ")
    }
}

/// Seconds without trailing zeros, e.g. `12s` or `12.5s`.
fn short_secs(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        let frac = format!("{:03}", ms % 1000);
        format!("{}.{}s", ms / 1000, frac.trim_end_matches('0'))
    }
}

fn describe(history: &History, op: &Op) -> String {
    let kind = match op.kind {
        OpKind::Read => "read",
        OpKind::Write => "write",
    };
    let how = match (op.outcome, &op.reason) {
        (Outcome::Ok, _) => "ok".to_string(),
        (outcome, Some(reason)) => format!("{outcome:?} ({reason})"),
        (outcome, None) => format!("{outcome:?}"),
    };
    let coordinator = op
        .coordinator
        .map_or_else(|| "no coordinator".to_string(), |c| format!("coordinator {}", history.node_name(c)));
    format!(
        "{kind} {} invoked {} ended {} after {} ms, {coordinator}",
        op_label(op),
        secs(op.invoke_ms),
        how,
        op.latency_ms()
    )
}

#[cfg(test)]
mod tests {

    use super::*;

    fn op(kind: OpKind, consistency: Level, invoke_ms: u64, outcome: Outcome) -> Op {
        Op {
            client: 10,
            seq: invoke_ms,
            level: consistency,
            required: consistency.required(3),
            outcome,
            reason: (outcome != Outcome::Ok).then_some("QuorumTimeout".into()),
            coordinator: Some(2),
            ..Op::blank(kind, 1, (invoke_ms, invoke_ms + 5))
        }
    }

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::new();
        h.ops = ops;
        h
    }

    fn bound(min: Option<f64>, max: Option<f64>) -> AvailabilityBound {
        AvailabilityBound { consistency: None, kind: None, min, max, from_ms: 0, to_ms: None }
    }

    /// 100 quorum reads from 0 to 99 ms, `failed` of them failing (the first ones).
    fn reads(failed: u64) -> Vec<Op> {
        (0..100)
            .map(|t| op(OpKind::Read, Level::Quorum, t, if t < failed { Outcome::Fail } else { Outcome::Ok }))
            .collect()
    }

    #[test]
    fn rate_below_the_minimum_fails() {
        let v = check(&history(reads(2)), &bound(Some(0.99), None));
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 100));
        assert_eq!(v.class, PropertyClass::Liveness);
        assert_eq!(v.name, "availability(all ops, 0s.., min 0.99)");
        assert!(v.detail.starts_with("98 of 100 operations ok (98.00%), below the minimum"), "{}", v.detail);
        assert_eq!(v.examples.len(), 2);
        assert_eq!(
            v.examples[0],
            "read c10#0 key 1 QUORUM R=2 invoked 0.000s ended Fail (QuorumTimeout) after 5 ms, coordinator #2"
        );
    }

    #[test]
    fn rate_within_bounds_passes() {
        let v = check(&history(reads(1)), &bound(Some(0.99), Some(1.0)));
        assert!(v.passed, "{v:?}");
        assert_eq!(v.violations, 0);
        assert!(v.examples.is_empty());
    }

    #[test]
    fn rate_above_the_maximum_fails() {
        let v = check(&history(reads(50)), &bound(None, Some(0.1)));
        assert!(!v.passed);
        assert!(v.examples[0].contains("ended ok"), "{}", v.examples[0]);
        assert!(check(&history(reads(95)), &bound(None, Some(0.1))).passed);
    }

    #[test]
    fn filters_by_level_kind_and_invocation_time() {
        let mut ops = reads(0);
        ops.push(op(OpKind::Write, Level::Quorum, 50, Outcome::Fail));
        ops.push(op(OpKind::Read, Level::One, 50, Outcome::Fail));
        ops.push(op(OpKind::Read, Level::Quorum, 12_000, Outcome::Fail));
        ops.push(op(OpKind::Read, Level::Quorum, 40_000, Outcome::Fail));
        let h = history(ops);
        let quorum_reads = AvailabilityBound {
            consistency: Some(Level::Quorum),
            kind: Some(OpKind::Read),
            min: Some(1.0),
            max: None,
            from_ms: 0,
            to_ms: Some(12_000),
        };
        let v = check(&h, &quorum_reads);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 100);
        let late = AvailabilityBound { from_ms: 12_000, to_ms: Some(40_000), ..quorum_reads.clone() };
        let v = check(&h, &late);
        assert_eq!((v.passed, v.checked), (false, 1));
        assert_eq!(v.name, "availability(QUORUM read, 12s..40s, min 1)");
        assert!(!check(&h, &bound(Some(1.0), None)).passed);
    }

    #[test]
    fn no_matching_operations_fails() {
        let b = AvailabilityBound { from_ms: 1500, to_ms: Some(2250), ..bound(Some(0.5), Some(0.9)) };
        let v = check(&history(reads(0)), &b);
        assert!(!v.passed);
        assert_eq!((v.violations, v.checked), (1, 0));
        assert_eq!(v.name, "availability(all ops, 1.5s..2.25s, min 0.5, max 0.9)");
        assert!(v.detail.starts_with("no operations matched"), "{}", v.detail);
    }

    #[test]
    fn per_window_buckets_by_invocation_time_and_level() {
        let h = history(vec![
            op(OpKind::Read, Level::Quorum, 999, Outcome::Ok),
            op(OpKind::Write, Level::One, 0, Outcome::Indeterminate),
            op(OpKind::Read, Level::Quorum, 2500, Outcome::Fail),
            op(OpKind::Write, Level::Quorum, 1000, Outcome::Ok),
            op(OpKind::Read, Level::Quorum, 10, Outcome::Fail),
        ]);
        let stat = |start_ms, consistency, ok, total| WindowStat { start_ms, consistency, ok, total };
        assert_eq!(
            per_window(&h, 1000),
            vec![
                stat(0, Level::One, 0, 1),
                stat(0, Level::Quorum, 1, 2),
                stat(1000, Level::Quorum, 1, 1),
                stat(2000, Level::Quorum, 0, 1),
            ]
        );
    }
}
