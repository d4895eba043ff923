//! `healthy_primaries_kept`: a leader change moves no healthy primary while the new leader may
//! not grant. Until its post-election wait ends (its first grant or release), a new leader
//! cannot give a revoked shard to anyone, so revoking a primary then leaves the shard without
//! one for the rest of the wait (seconds). Only primaries on nodes a fault touched may go.
//!
//! Judged from what the leaders did (their revokes, grants and releases) and from the faults
//! the run applied, not from the leader's own opinion of who was down: a node is healthy when
//! no fault touched it or the new leader from the moment the majority lost the previous leader
//! to the revoke.

use super::describe::secs;
use super::leaders::{leader_intervals, majority_end_ms};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::fault_span::fault_spans;
use crate::history::{ControlEvent, GrantChange, History, NodeChange};

/// Judges `healthy_primaries_kept`.
pub fn healthy_primaries_kept(history: &History) -> Verdict {
    // A fault with no recorded end lasts to the end of the run.
    let spans = fault_spans(history, u64::MAX);
    let intervals = leader_intervals(history);
    let (mut checked, mut violations, mut examples) = (0u64, 0u64, Vec::new());
    for (i, leader) in intervals.iter().enumerate() {
        let leading_until = leader.to_ms.unwrap_or(u64::MAX);
        let mine = |at: u64| at >= leader.from_ms && at < leading_until;
        // Grants are frozen until the leader reports its wait over, or else its first grant
        // or release (whichever comes first: a grant is evidence that the wait was over).
        let opened = history
            .control
            .iter()
            .find(|c| c.node == leader.node && mine(c.at_ms) && matches!(c.event, ControlEvent::GrantsOpen { .. }))
            .map(|c| c.at_ms);
        let first_grant = history
            .grants
            .iter()
            .filter(|g| g.leader == leader.node && mine(g.at_ms))
            .find(|g| !matches!(g.change, GrantChange::Revoked { .. }))
            .map(|g| g.at_ms);
        let thawed = opened.into_iter().chain(first_grant).min().unwrap_or(leading_until);
        // The change began when the majority last followed the previous leader.
        let began = intervals[..i]
            .iter()
            .filter_map(|p| majority_end_ms(history, p))
            .filter(|&t| t <= leader.from_ms)
            .max()
            .unwrap_or(leader.from_ms);
        for r in history.grants.iter().filter(|g| g.leader == leader.node && mine(g.at_ms) && g.at_ms < thawed) {
            if !matches!(r.change, GrantChange::Revoked { .. }) {
                continue;
            }
            checked += 1;
            // A fault on either end of the link counts: a leader cut off from a healthy node
            // (say both are on the minority of nodes but the majority of voters) rightly counts
            // it as down.
            let touched = |n: u32| spans.iter().any(|f| f.touches(history, n, began, r.at_ms));
            let faulted = touched(r.node) || touched(leader.node) || down(history, r.node, began, r.at_ms);
            if faulted {
                continue;
            }
            violations += 1;
            if examples.len() < EXAMPLES_MAX {
                examples.push(format!(
                    "{} revoked {}'s primary of shard {} at {}, {} ms after its election and before it could grant \
                     (first grant at {}), though no fault touched {} since {}",
                    history.node_name(leader.node),
                    history.node_name(r.node),
                    r.shard,
                    secs(r.at_ms),
                    r.at_ms - leader.from_ms,
                    if thawed == u64::MAX { "never".into() } else { secs(thawed) },
                    history.node_name(r.node),
                    secs(began),
                ));
            }
        }
    }
    Verdict {
        name: "healthy_primaries_kept".into(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations,
        checked,
        passed: violations == 0,
        detail: format!("{checked} revokes while grants were frozen, {violations} of a healthy node's primary"),
        examples,
    }
}

/// True when `node` was crashed or paused at some instant of `[from, to]` by its own events
/// (a crash with no fault of its own, such as the end-of-run heal's restarts, counts too).
fn down(history: &History, node: u32, from: u64, to: u64) -> bool {
    let mut since: Option<u64> = None;
    for e in history.node_events.iter().filter(|e| e.node == node) {
        match e.change {
            NodeChange::Crashed | NodeChange::Paused => since = since.or(Some(e.at_ms)),
            NodeChange::Restarted | NodeChange::Resumed => {
                if since.is_some_and(|s| s <= to && e.at_ms >= from) {
                    return true;
                }
                since = None;
            }
            // Membership changes do not stop a node.
            NodeChange::Joined | NodeChange::Left => {}
        }
    }
    since.is_some_and(|s| s <= to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{ControlRecord, FaultRecord, GrantRecord, LeaseBoundRecord};

    fn became(h: &mut History, at_ms: u64, node: u32, term: u64) {
        h.control.push(ControlRecord { at_ms, node, event: ControlEvent::BecameLeader { term } });
    }

    fn grant(h: &mut History, at_ms: u64, leader: u32, shard: u32, node: u32, change: GrantChange) {
        h.record_grant(GrantRecord { at_ms, leader, shard, node, epoch: 1, change });
    }

    /// n0 leads and n1 holds shard 3; n0 is isolated at 10 s and n2 takes over at 10.2 s.
    fn leader_change() -> History {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        grant(&mut h, 3_000, 0, 3, 1, GrantChange::Granted);
        h.record_lease_bound(LeaseBoundRecord { at_ms: 9_990, leader: 0, node: 0, until_ms: 11_990 });
        h.faults.push(FaultRecord {
            at_ms: 10_000,
            label: "isolate n0".into(),
            nodes: vec![0],
            until_ms: Some(16_000),
            undo: false,
        });
        became(&mut h, 10_200, 2, 2);
        h.control.push(ControlRecord {
            at_ms: 10_300,
            node: 0,
            event: ControlEvent::SteppedDown { term: 1, reason: crate::history::StepDownReason::LostQuorum },
        });
        h
    }

    #[test]
    fn revoking_the_faulted_nodes_primaries_during_the_wait_holds() {
        let mut h = leader_change();
        grant(&mut h, 10_400, 2, 5, 0, GrantChange::Revoked { dead: true });
        grant(&mut h, 12_600, 2, 5, 2, GrantChange::Granted);
        let v = healthy_primaries_kept(&h);
        assert!(v.passed && v.checked == 1, "{v:?}");
    }

    #[test]
    fn revoking_a_healthy_primary_before_the_first_grant_fails() {
        let mut h = leader_change();
        grant(&mut h, 10_400, 2, 3, 1, GrantChange::Revoked { dead: false });
        grant(&mut h, 12_600, 2, 3, 2, GrantChange::Granted);
        let v = healthy_primaries_kept(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        assert!(v.examples[0].contains("#2 revoked #1's primary of shard 3 at 10.400s"), "{:?}", v.examples);
        assert!(v.examples[0].contains("since 9.990s"), "the change began when the majority lost n0: {:?}", v.examples);
    }

    #[test]
    fn moves_after_the_first_grant_and_moves_of_crashed_nodes_hold() {
        let mut h = leader_change();
        grant(&mut h, 12_600, 2, 5, 2, GrantChange::Granted);
        grant(&mut h, 12_700, 2, 3, 1, GrantChange::Revoked { dead: false });
        assert!(healthy_primaries_kept(&h).passed, "rebalancing once grants are possible is fine");
        let mut h = leader_change();
        h.control.push(ControlRecord { at_ms: 12_550, node: 2, event: ControlEvent::GrantsOpen { term: 2 } });
        grant(&mut h, 12_550, 2, 3, 1, GrantChange::Revoked { dead: false });
        assert!(healthy_primaries_kept(&h).passed, "the wait was over, though the first grant came later");
        let mut h = leader_change();
        h.node_events.push(crate::history::NodeEventRecord { at_ms: 9_000, node: 1, change: NodeChange::Crashed });
        h.node_events.push(crate::history::NodeEventRecord { at_ms: 10_100, node: 1, change: NodeChange::Restarted });
        grant(&mut h, 10_400, 2, 3, 1, GrantChange::Revoked { dead: false });
        assert!(healthy_primaries_kept(&h).passed, "n1 was down during the change");
        let mut h = leader_change();
        h.faults.push(FaultRecord {
            at_ms: 10_250,
            label: "isolate n2".into(),
            nodes: vec![2],
            until_ms: None,
            undo: false,
        });
        grant(&mut h, 10_600, 2, 3, 1, GrantChange::Revoked { dead: true });
        assert!(healthy_primaries_kept(&h).passed, "the new leader itself was cut off from n1");
    }
}
