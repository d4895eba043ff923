//! The dangerous interleavings a run reached: evidence that a sweep exercised the corners where
//! fencing, leases and quorums matter, judged from the history. Each is a "sometimes" property
//! a scenario can expect, and each occurrence feeds the fault-coverage table.
//!
//! - `deposed_write_arrived`: a replica got a write fenced older than a grant it knew (it
//!   refused it, or, wrongly, stored it): a deposed primary's write arrived after a newer grant.
//! - `lease_expired_in_pause`: a node holding primary roles was paused, and its lease ran out
//!   before it resumed (the fencing case of a long GC pause).
//! - `revoke_waited_under_drift`: a leader released a grant by waiting out the old lease (no
//!   acknowledgement) while a clock-skew fault was active.
//! - `read_raced_write`: a successful read overlapped a successful write to the same key.

use std::collections::BTreeMap;

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict};
use crate::history::{Act, ControlEvent, GrantChange, History, NodeChange, OpKind, Outcome};

/// The interleavings detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Interleaving {
    /// A deposed primary's write arrived after a newer grant.
    DeposedWrite,
    /// A lease expired while its node was paused.
    LeaseExpiredInPause,
    /// A revoke was settled by waiting, under clock skew.
    RevokeUnderDrift,
    /// A read overlapped a write to the same key.
    ReadRacedWrite,
}

impl Interleaving {
    /// Every interleaving, in table order.
    pub const ALL: [Interleaving; 4] = [
        Interleaving::DeposedWrite,
        Interleaving::LeaseExpiredInPause,
        Interleaving::RevokeUnderDrift,
        Interleaving::ReadRacedWrite,
    ];

    /// The property name.
    pub fn name(self) -> &'static str {
        match self {
            Interleaving::DeposedWrite => "deposed_write_arrived",
            Interleaving::LeaseExpiredInPause => "lease_expired_in_pause",
            Interleaving::RevokeUnderDrift => "revoke_waited_under_drift",
            Interleaving::ReadRacedWrite => "read_raced_write",
        }
    }
}

/// Every occurrence in `history`: what happened, and when.
pub fn occurrences(history: &History) -> Vec<(Interleaving, u64)> {
    let mut out: Vec<(Interleaving, u64)> = history
        .acts
        .iter()
        .filter_map(|a| match a.act {
            Act::Refused { .. } => Some((Interleaving::DeposedWrite, a.at_ms)),
            _ => None,
        })
        .collect();
    out.extend(fenced_late_writes(history).into_iter().map(|t| (Interleaving::DeposedWrite, t)));
    out.extend(leases_out_in_pauses(history).into_iter().map(|t| (Interleaving::LeaseExpiredInPause, t)));
    out.extend(revokes_under_skew(history).into_iter().map(|t| (Interleaving::RevokeUnderDrift, t)));
    out.extend(read_write_races(history).into_iter().map(|t| (Interleaving::ReadRacedWrite, t)));
    out.sort();
    out
}

/// Stored writes fenced older than a grant their replica had seen (a bug, but the
/// interleaving happened all the same).
fn fenced_late_writes(history: &History) -> Vec<u64> {
    let mut seen: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let mut out = Vec::new();
    for a in &history.acts {
        let (shard, epoch, accepted) = match a.act {
            Act::Accepted { shard, epoch } => (shard, epoch, true),
            Act::Fenced { shard, epoch } => (shard, epoch, false),
            _ => continue,
        };
        let s = seen.entry((a.node, shard)).or_insert(0);
        if accepted && epoch < *s {
            out.push(a.at_ms);
        }
        *s = (*s).max(epoch);
    }
    out
}

/// Times a lease ran out inside a pause of a node that held primary roles.
fn leases_out_in_pauses(history: &History) -> Vec<u64> {
    let mut out = Vec::new();
    for p in history.node_events.iter().filter(|e| e.change == NodeChange::Paused) {
        let resumed = history
            .node_events
            .iter()
            .find(|e| e.node == p.node && e.at_ms >= p.at_ms && e.change != NodeChange::Paused)
            .map_or(u64::MAX, |e| e.at_ms);
        let holding = history
            .control
            .iter()
            .rfind(|c| c.node == p.node && c.at_ms <= p.at_ms && matches!(c.event, ControlEvent::Roles { .. }))
            .is_some_and(|c| matches!(&c.event, ControlEvent::Roles { shards, .. } if !shards.is_empty()));
        let lease_end = history.leases.iter().rfind(|l| l.node == p.node && l.at_ms <= p.at_ms).map(|l| l.until_ms);
        if let Some(end) = lease_end.filter(|&end| holding && end > p.at_ms && end < resumed) {
            out.push(end);
        }
    }
    out
}

/// Times a grant was released by waiting while a skew fault was active.
fn revokes_under_skew(history: &History) -> Vec<u64> {
    let skews: Vec<(u64, u64)> = history
        .faults
        .iter()
        .filter(|f| !f.undo && f.label.starts_with("skew"))
        .map(|f| (f.at_ms, f.until_ms.unwrap_or(u64::MAX)))
        .collect();
    history
        .grants
        .iter()
        .filter(|g| g.change == GrantChange::Released { by_ack: false })
        .filter(|g| skews.iter().any(|&(from, to)| g.at_ms >= from && g.at_ms < to))
        .map(|g| g.at_ms)
        .collect()
}

/// Times a successful read began while a successful write to its key was in flight, or the
/// other way round (one per read).
fn read_write_races(history: &History) -> Vec<u64> {
    // Per key: writes by invocation, with the latest completion among each prefix; a read races
    // some write when a write invoked before the read completed completes after it began.
    let mut writes: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    for w in history.ops_of(OpKind::Write).filter(|o| o.outcome == Outcome::Ok) {
        writes.entry(w.key).or_default().push((w.invoke_ms, w.complete_ms));
    }
    for ws in writes.values_mut() {
        ws.sort_unstable();
        let mut latest = 0;
        for w in ws.iter_mut() {
            latest = latest.max(w.1);
            w.1 = latest;
        }
    }
    history
        .ops_of(OpKind::Read)
        .filter(|r| r.outcome == Outcome::Ok)
        .filter(|r| {
            writes.get(&r.key).is_some_and(|ws| {
                let before = ws.partition_point(|w| w.0 < r.complete_ms);
                before > 0 && ws[before - 1].1 > r.invoke_ms
            })
        })
        .map(|r| r.invoke_ms)
        .collect()
}

/// Judges one interleaving as a sometimes property: it happened at least once.
pub fn verdict(history: &History, which: Interleaving) -> Verdict {
    let times: Vec<u64> = occurrences(history).into_iter().filter(|o| o.0 == which).map(|o| o.1).collect();
    let passed = !times.is_empty();
    Verdict {
        name: which.name().into(),
        class: PropertyClass::Sometimes,
        expected_violation: false,
        violations: u64::from(!passed),
        checked: times.len() as u64,
        passed,
        detail: match times.first() {
            Some(&t) => format!("{} times, first at {}", times.len(), secs(t)),
            None => "never happened".into(),
        },
        examples: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, GrantRecord, Op};

    #[test]
    fn a_refused_deposed_write_is_seen_and_a_quiet_history_sees_nothing() {
        let mut h = History::new();
        assert!(!verdict(&h, Interleaving::DeposedWrite).passed);
        h.record_act(500, 2, Act::Refused { shard: 1, epoch: 3, known: 5 });
        let v = verdict(&h, Interleaving::DeposedWrite);
        assert!(v.passed && v.checked == 1, "{v:?}");
    }

    #[test]
    fn a_lease_running_out_inside_a_pause_of_a_primary_is_seen() {
        let mut h = History::new();
        h.record_control(100, 1, ControlEvent::Roles { epoch: 1, shards: vec![0] });
        h.record_lease(100, 1, 2_100);
        h.record_node(1_000, 1, NodeChange::Paused);
        h.record_node(1_500, 1, NodeChange::Resumed);
        assert!(!verdict(&h, Interleaving::LeaseExpiredInPause).passed, "resumed before the lease ended");
        h.record_node(3_000, 1, NodeChange::Paused);
        h.record_lease(3_000, 1, 5_000); // not a renewal it could get while paused: recorded before
        h.record_node(6_000, 1, NodeChange::Resumed);
        assert_eq!(occurrences(&h), vec![(Interleaving::LeaseExpiredInPause, 5_000)]);
    }

    #[test]
    fn a_release_by_waiting_during_skew_is_seen_and_one_by_ack_is_not() {
        let mut h = History::new();
        h.record_fault(FaultRecord {
            at_ms: 1_000,
            label: "skew n3 rate 1.5".into(),
            nodes: vec![3],
            until_ms: Some(5_000),
            undo: false,
        });
        let g = |at_ms, by_ack| GrantRecord {
            at_ms,
            leader: 0,
            shard: 0,
            node: 3,
            epoch: 1,
            change: GrantChange::Released { by_ack },
        };
        h.record_grant(g(2_000, true));
        h.record_grant(g(6_000, false));
        assert!(!verdict(&h, Interleaving::RevokeUnderDrift).passed);
        h.record_grant(g(3_000, false));
        assert!(verdict(&h, Interleaving::RevokeUnderDrift).passed);
    }

    #[test]
    fn overlapping_read_and_write_to_one_key_race() {
        let mut h = History::new();
        h.record_op(20, Op::blank(OpKind::Write, 7, (10, 20)));
        h.record_op(40, Op::blank(OpKind::Read, 7, (30, 40)));
        h.record_op(60, Op::blank(OpKind::Read, 8, (15, 60)));
        assert!(!verdict(&h, Interleaving::ReadRacedWrite).passed, "disjoint in time, or another key");
        h.record_op(70, Op::blank(OpKind::Read, 7, (15, 70)));
        assert_eq!(occurrences(&h), vec![(Interleaving::ReadRacedWrite, 15)]);
    }
}
