//! `no_timeouts_without_faults`: no client operation timed out unless a fault was in effect
//! while it ran, or had ended less than its aftermath before it began: [`AFTERMATH_MS`], or
//! longer when a new leader may take longer to grant (its election and post-election wait). Moving data is not a
//! fault: a migration, a join or a drain must cost clients no timeout (a request routed by a
//! stale map is refused and routed again; a shard being cut over is refused at once, which the
//! client knows was not applied). Judged from the operations' outcomes and the faults the run
//! applied; the system's own counters are not asked.
//!
//! A fault anywhere excuses a timeout anywhere: this property is for scenarios whose network
//! loses nothing by itself and whose nodes have the capacity for their load.

use super::describe::{op_label, secs};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::fault_span::{fault_spans, FaultSpan};
use crate::history::{History, Op, Outcome};

/// How long after a fault ends a timeout is still put down to it, at least: an election and a
/// lease renewal can outlast the fault itself.
pub const AFTERMATH_MS: u64 = 2_000;

/// The aftermath of a fault in `history`'s run: [`AFTERMATH_MS`], or the time a new leader may
/// need before its first grant if longer (a fault that deposed the leader leaves shards without
/// a primary until then). Taken from the scenario's control settings, not from what leaders did.
pub fn aftermath_ms(history: &History) -> u64 {
    history.leader_grant_wait_ms.map_or(AFTERMATH_MS, |w| w.max(AFTERMATH_MS))
}

/// Timeline actions that move data or members: not faults.
const ACTIONS: [&str; 3] = ["migrate", "join", "drain"];

/// Judges `no_timeouts_without_faults` (see the module comment).
pub fn no_timeouts_without_faults(history: &History) -> Verdict {
    let spans: Vec<FaultSpan> =
        fault_spans(history, u64::MAX).into_iter().filter(|s| !ACTIONS.contains(&s.kind.as_str())).collect();
    let (mut timeouts, mut violations, mut examples) = (0u64, 0u64, Vec::new());
    let aftermath = aftermath_ms(history);
    // Writes given up on refusals (sibling bound, fenced) were answered, not timed out.
    let timed_out = |op: &&Op| {
        op.outcome == Outcome::Indeterminate && !matches!(op.reason.as_deref(), Some("SiblingBound" | "Fenced"))
    };
    for op in history.ops.iter().filter(timed_out) {
        timeouts += 1;
        let excused =
            spans.iter().any(|s| s.start_ms <= op.complete_ms && s.end_ms.saturating_add(aftermath) >= op.invoke_ms);
        if excused {
            continue;
        }
        violations += 1;
        if examples.len() < EXAMPLES_MAX {
            let by =
                op.coordinator.map_or("no coordinator".to_string(), |c| format!("through {}", history.node_name(c)));
            examples.push(format!(
                "{} timed out {by}, {} to {} ({}), no fault in effect",
                op_label(op),
                secs(op.invoke_ms),
                secs(op.complete_ms),
                op.reason.as_deref().unwrap_or("timeout"),
            ));
        }
    }
    let detail = format!(
        "{violations} of {timeouts} timed-out operations ran with no fault in effect (nor within {} after one); {} faults applied",
        secs(aftermath),
        spans.len()
    );
    Verdict::judged("no_timeouts_without_faults", PropertyClass::Liveness, violations, timeouts, detail, examples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, OpKind};

    fn timed_out(invoke_ms: u64, complete_ms: u64) -> Op {
        Op {
            outcome: Outcome::Indeterminate,
            coordinator: Some(2),
            reason: Some("quorum timeout".into()),
            ..Op::blank(OpKind::Write, 7, (invoke_ms, complete_ms))
        }
    }

    fn fault(at_ms: u64, label: &str, until_ms: u64) -> FaultRecord {
        FaultRecord { at_ms, label: label.into(), nodes: vec![1], until_ms: Some(until_ms), undo: false }
    }

    fn history(ops: Vec<Op>, faults: Vec<FaultRecord>) -> History {
        let mut h = History::new();
        h.nodes = 3;
        h.node_names = vec!["n1".into(), "n2".into(), "n3".into()];
        for f in faults {
            h.record_fault(f);
        }
        for op in ops {
            h.record_op(op.complete_ms, op);
        }
        h
    }

    #[test]
    fn timeouts_during_a_fault_or_its_aftermath_pass() {
        let ops = vec![
            timed_out(4_900, 5_900), // in flight when the crash began
            timed_out(7_000, 8_000),
            timed_out(9_900, 10_900), // began within the aftermath
            Op { outcome: Outcome::Ok, ..Op::blank(OpKind::Read, 7, (20_000, 20_010)) },
        ];
        let v = no_timeouts_without_faults(&history(ops, vec![fault(5_000, "crash n2", 8_000)]));
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 3, "every timed-out operation is judged");
    }

    #[test]
    fn a_timeout_with_no_fault_near_it_fails() {
        let refused = Op { reason: Some("SiblingBound".into()), ..timed_out(3_000, 3_010) };
        let fenced = Op { reason: Some("Fenced".into()), ..timed_out(3_100, 3_110) };
        let ops = vec![timed_out(1_000, 2_000), refused, fenced, timed_out(10_001, 11_001)];
        let v = no_timeouts_without_faults(&history(ops, vec![fault(5_000, "crash n2", 8_000)]));
        assert_eq!((v.passed, v.violations, v.checked), (false, 2, 2), "a refusal is no timeout: {v:?}");
        assert_eq!(
            v.examples[0],
            "c1#0 key 7 ONE W=1 timed out through n3, 1.000s to 2.000s (quorum timeout), no fault in effect"
        );
    }

    #[test]
    fn the_aftermath_lasts_as_long_as_a_new_leader_may_take_to_grant() {
        // The crash ends at 8 s; the timeout begins 2.5 s later.
        let mut h = history(vec![timed_out(10_500, 11_500)], vec![fault(5_000, "crash n2", 8_000)]);
        assert!(!no_timeouts_without_faults(&h).passed, "past the 2 s floor");
        h.leader_grant_wait_ms = Some(2_842);
        let v = no_timeouts_without_faults(&h);
        assert!(v.passed && v.detail.contains("2.842s"), "{v:?}");
        h.leader_grant_wait_ms = Some(500);
        assert!(!no_timeouts_without_faults(&h).passed, "never below the floor");
    }

    #[test]
    fn a_migration_a_join_or_a_drain_excuses_no_timeout() {
        let faults = vec![
            fault(1_000, "migrate #0 shard 3 to n2", 9_000),
            fault(1_000, "join n3", 9_000),
            fault(1_000, "drain n1", 9_000),
        ];
        let v = no_timeouts_without_faults(&history(vec![timed_out(2_000, 3_000)], faults));
        assert_eq!((v.passed, v.violations), (false, 1), "{v:?}");
        assert!(v.detail.contains("0 faults applied"), "{}", v.detail);
    }
}
