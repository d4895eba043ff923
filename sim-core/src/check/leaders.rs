//! Leadership: at most one leader per term (safety), exactly one leader after the heal
//! (liveness), leadership changed at least once (sometimes), and the leader timeline that
//! reports draw and the downtime figures come from.

use std::collections::BTreeMap;

use crate::history::NodeChange;
use crate::history::{Act, ControlEvent, StepDownReason};

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::History;

/// One node's time as leader of one term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderInterval {
    /// The leader's address.
    pub node: u32,
    /// Its term.
    pub term: u64,
    /// When it became leader.
    pub from_ms: u64,
    /// When it stepped down or crashed (`None`: still leading at the end of the run).
    pub to_ms: Option<u64>,
}

/// Every leadership interval, in order of start.
pub fn leader_intervals(history: &History) -> Vec<LeaderInterval> {
    // Merge control events and crashes in time order; both vectors are already time-ordered.
    let mut changes: Vec<(u64, u32, Option<&ControlEvent>)> = history
        .control
        .iter()
        .filter(|c| matches!(c.event, ControlEvent::BecameLeader { .. } | ControlEvent::SteppedDown { .. }))
        .map(|c| (c.at_ms, c.node, Some(&c.event)))
        .chain(history.node_events.iter().filter(|e| e.change == NodeChange::Crashed).map(|e| (e.at_ms, e.node, None)))
        .collect();
    changes.sort_by_key(|c| c.0);
    let mut open: BTreeMap<u32, usize> = BTreeMap::new();
    let mut out: Vec<LeaderInterval> = Vec::new();
    for (at, node, event) in changes {
        match event {
            Some(ControlEvent::BecameLeader { term }) => {
                if let Some(i) = open.insert(node, out.len()) {
                    out[i].to_ms = Some(at);
                }
                out.push(LeaderInterval { node, term: *term, from_ms: at, to_ms: None });
            }
            _ => {
                if let Some(i) = open.remove(&node) {
                    out[i].to_ms = Some(at);
                }
            }
        }
    }
    out
}

/// Judges `one_leader_per_term`: no two nodes became leader, or acted as leader (sent
/// heartbeats as leader), in the same term. Acts count, not only elections: a node that goes on
/// leading after adopting a newer term without winning it is seen.
pub fn one_per_term(history: &History) -> Verdict {
    // Per term, per node: when it first became or acted as leader.
    let mut by_term: BTreeMap<u64, BTreeMap<u32, (u64, &str)>> = BTreeMap::new();
    for i in leader_intervals(history) {
        by_term.entry(i.term).or_default().entry(i.node).or_insert((i.from_ms, "became leader"));
    }
    for a in &history.acts {
        if let Act::Leader { term } = a.act {
            by_term.entry(term).or_default().entry(a.node).or_insert((a.at_ms, "acted as leader"));
        }
    }
    let mut violations = 0;
    let mut examples = Vec::new();
    for (term, leaders) in &by_term {
        if leaders.len() > 1 {
            violations += 1;
            if examples.len() < EXAMPLES_MAX {
                let who: Vec<String> = leaders
                    .iter()
                    .map(|(&n, &(at, how))| format!("{} {how} at {}", history.node_name(n), secs(at)))
                    .collect();
                examples.push(format!("term {term}: {}", who.join(" and ")));
            }
        }
    }
    Verdict {
        name: "one_leader_per_term".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: by_term.len() as u64,
        passed: violations == 0,
        detail: format!("{} terms with a leader, {violations} with more than one", by_term.len()),
        examples,
    }
}

/// Judges `eventually_one_leader`: at the end of the heal phase exactly one node leads.
pub fn eventually_one(history: &History) -> Verdict {
    let leading: Vec<LeaderInterval> = leader_intervals(history).into_iter().filter(|i| i.to_ms.is_none()).collect();
    let passed = leading.len() == 1;
    let who: Vec<String> = leading
        .iter()
        .map(|l| format!("{} (term {}, since {})", history.node_name(l.node), l.term, secs(l.from_ms)))
        .collect();
    Verdict {
        name: "eventually_one_leader".into(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: u64::from(!passed),
        checked: 1,
        passed,
        detail: if who.is_empty() {
            "no leader at the end of the run".into()
        } else {
            format!("leading at the end: {}", who.join(", "))
        },
        examples: Vec::new(),
    }
}

/// Judges `leader_changed`: leadership passed to another term at least once.
pub fn changed(history: &History) -> Verdict {
    let intervals = leader_intervals(history);
    let passed = intervals.len() > 1;
    Verdict {
        name: "leader_changed".into(),
        class: PropertyClass::Sometimes,
        expected_violation: false,
        violations: u64::from(!passed),
        checked: intervals.len() as u64,
        passed,
        detail: format!("{} leaders elected", intervals.len()),
        examples: Vec::new(),
    }
}

/// Judges `slow_leader_stepped_down`: some leader stepped down because of its own slowness.
pub fn stepped_down_slow(history: &History) -> Verdict {
    let slow: Vec<String> = history
        .control
        .iter()
        .filter_map(|c| match c.event {
            ControlEvent::SteppedDown { term, reason: StepDownReason::Slow } => {
                Some(format!("{} left term {term} at {}", history.node_name(c.node), secs(c.at_ms)))
            }
            _ => None,
        })
        .collect();
    let passed = !slow.is_empty();
    Verdict {
        name: "slow_leader_stepped_down".into(),
        class: PropertyClass::Sometimes,
        expected_violation: false,
        violations: u64::from(!passed),
        checked: history.control.iter().filter(|c| matches!(c.event, ControlEvent::SteppedDown { .. })).count() as u64,
        passed,
        detail: if passed {
            format!("stepped down for slowness: {}", slow.join(", "))
        } else {
            "no leader stepped down for slowness".into()
        },
        examples: Vec::new(),
    }
}

/// When the majority last followed the leader of `interval`: the last time a majority had
/// answered its heartbeats (its own lease bound moved), not when it stepped down. An isolated
/// leader leads in its own eyes until check-quorum stops it, an election timeout later, while
/// the majority is already without one. A history that records no lease bounds (an import)
/// falls back to the interval's end.
pub fn majority_end_ms(history: &History, interval: &LeaderInterval) -> Option<u64> {
    let to = interval.to_ms?;
    if history.lease_bounds.is_empty() {
        return Some(to);
    }
    let last = history
        .lease_bounds
        .iter()
        .filter(|b| b.leader == interval.node && b.node == interval.node)
        .map(|b| b.at_ms)
        .filter(|&at| at >= interval.from_ms && at <= to)
        .max();
    Some(last.unwrap_or(interval.from_ms))
}

/// For each loss of leadership before the end, how long the majority was without a leader:
/// from the last time a majority followed the lost leader (see [`majority_end_ms`]) to the
/// next election, or 0 when another leader had the majority then.
pub fn downtimes_ms(history: &History) -> Vec<u64> {
    let intervals = leader_intervals(history);
    let ends: Vec<Option<u64>> = intervals.iter().map(|i| majority_end_ms(history, i)).collect();
    let mut out = Vec::new();
    for (i, lost) in ends.iter().enumerate() {
        let Some(lost) = *lost else { continue };
        let covered = intervals
            .iter()
            .zip(&ends)
            .enumerate()
            .any(|(j, (other, end))| j != i && other.from_ms <= lost && end.is_none_or(|t| t > lost));
        if covered {
            out.push(0);
        } else if let Some(next) = intervals.iter().filter(|j| j.from_ms > lost).map(|j| j.from_ms).min() {
            out.push(next - lost);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{ControlRecord, LeaseBoundRecord, NodeEventRecord};

    fn became(h: &mut History, at_ms: u64, node: u32, term: u64) {
        h.control.push(ControlRecord { at_ms, node, event: ControlEvent::BecameLeader { term } });
    }

    #[test]
    fn two_leaders_in_one_term_fail() {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        became(&mut h, 200, 1, 1);
        let v = one_per_term(&h);
        assert!(!v.passed);
        assert_eq!(v.violations, 1);
        assert!(
            v.examples[0].starts_with("term 1: #0 became leader at 0.100s and #1 became leader at 0.200s"),
            "{:?}",
            v.examples
        );
    }

    #[test]
    fn a_node_acting_as_leader_of_a_term_it_never_won_fails() {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        h.record_act(150, 0, Act::Leader { term: 1 });
        became(&mut h, 900, 1, 2);
        h.record_act(950, 1, Act::Leader { term: 2 });
        assert!(one_per_term(&h).passed);
        // n0 adopted term 2 from a vote request but went on sending heartbeats as its leader.
        h.record_act(1_000, 0, Act::Leader { term: 2 });
        let v = one_per_term(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        assert!(v.examples[0].contains("#0 acted as leader at 1.000s"), "{:?}", v.examples);
    }

    #[test]
    fn successive_terms_hold_and_count_as_a_change() {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        h.node_events.push(NodeEventRecord { at_ms: 500, node: 0, change: NodeChange::Crashed });
        became(&mut h, 900, 1, 2);
        assert!(one_per_term(&h).passed);
        assert!(changed(&h).passed);
        assert!(eventually_one(&h).passed);
        assert_eq!(downtimes_ms(&h), vec![400]);
    }

    #[test]
    fn a_deposed_leader_that_never_stepped_down_fails_eventually_one_leader() {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        became(&mut h, 900, 1, 2);
        let v = eventually_one(&h);
        assert!(!v.passed, "{}", v.detail);
        h.control.push(ControlRecord {
            at_ms: 950,
            node: 0,
            event: ControlEvent::SteppedDown { term: 1, reason: StepDownReason::HigherTerm },
        });
        assert!(eventually_one(&h).passed);
        assert_eq!(downtimes_ms(&h), vec![0], "a leader existed when the old one stepped down");
    }

    #[test]
    fn leaderless_time_counts_from_the_majority_losing_the_leader_not_its_step_down() {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        let bound = |at_ms| LeaseBoundRecord { at_ms, leader: 0, node: 0, until_ms: at_ms + 2_000 };
        h.record_lease_bound(bound(150));
        h.record_lease_bound(bound(1_000));
        // Isolated at about 1.0 s, n0 leads in its own eyes until check-quorum at 1.3 s; the
        // majority elected n1 at 1.2 s.
        became(&mut h, 1_200, 1, 2);
        h.record_lease_bound(LeaseBoundRecord { at_ms: 1_250, leader: 1, node: 1, until_ms: 3_250 });
        h.control.push(ControlRecord {
            at_ms: 1_300,
            node: 0,
            event: ControlEvent::SteppedDown { term: 1, reason: StepDownReason::LostQuorum },
        });
        assert_eq!(downtimes_ms(&h), vec![200], "the majority had no leader from 1.0 s to 1.2 s");
    }

    #[test]
    fn only_a_slowness_step_down_counts_as_a_slow_leader_stepping_down() {
        let mut h = History::new();
        became(&mut h, 100, 0, 1);
        let down = |reason| ControlRecord { at_ms: 900, node: 0, event: ControlEvent::SteppedDown { term: 1, reason } };
        h.control.push(down(StepDownReason::LostQuorum));
        assert!(!stepped_down_slow(&h).passed, "losing the quorum is not slowness");
        h.control.push(down(StepDownReason::Slow));
        assert!(stepped_down_slow(&h).passed);
    }

    #[test]
    fn no_leader_at_all_fails_liveness_and_sometimes() {
        let h = History::new();
        assert!(!eventually_one(&h).passed);
        assert!(!changed(&h).passed);
    }
}
