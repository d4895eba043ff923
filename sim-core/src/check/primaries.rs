//! Shard ownership: at no simulated instant do two nodes act as primary of one shard
//! (safety), every shard has a primary after the heal (liveness), and how long shards went
//! without one. Judged from node events (roles, lease renewals, crashes), not from the
//! leader's intent: a node holds a shard while the shard is in its reported roles, its lease
//! has not run out and it has not crashed.

use std::collections::BTreeMap;

use crate::history::ControlEvent;
use crate::history::NodeChange;

use super::describe::secs;
use super::ownership;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::History;

/// A node acting as primary of a shard over `[from_ms, to_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tenure {
    /// The shard.
    pub shard: u32,
    /// The node.
    pub node: u32,
    /// Start.
    pub from_ms: u64,
    /// End (exclusive).
    pub to_ms: u64,
}

#[derive(Clone, Copy)]
enum Change<'a> {
    Roles(&'a [u32]),
    Lease(u64),
    Crash,
}

/// Every tenure, from the history's events, up to `end_ms`; adjacent pieces are merged.
pub fn tenures(history: &History, end_ms: u64) -> Vec<Tenure> {
    let mut per_node: BTreeMap<u32, Vec<(u64, Change<'_>)>> = BTreeMap::new();
    for c in &history.control {
        if let ControlEvent::Roles { shards, .. } = &c.event {
            per_node.entry(c.node).or_default().push((c.at_ms, Change::Roles(shards)));
        }
    }
    for l in &history.leases {
        per_node.entry(l.node).or_default().push((l.at_ms, Change::Lease(l.until_ms)));
    }
    for e in history.node_events.iter().filter(|e| e.change == NodeChange::Crashed) {
        per_node.entry(e.node).or_default().push((e.at_ms, Change::Crash));
    }
    let mut out: Vec<Tenure> = Vec::new();
    for (node, mut changes) in per_node {
        changes.sort_by_key(|c| c.0);
        let mut roles: &[u32] = &[];
        let mut lease_until = 0u64;
        let mut open: BTreeMap<u32, usize> = BTreeMap::new();
        for i in 0..changes.len() {
            let (at, change) = changes[i];
            match change {
                Change::Roles(r) => roles = r,
                // The latest conversion wins: a clock change can move a lease's end either way.
                Change::Lease(until) => lease_until = until,
                Change::Crash => {
                    roles = &[];
                    lease_until = 0;
                }
            }
            let next = changes.get(i + 1).map_or(end_ms, |c| c.0).min(end_ms);
            let to = next.min(lease_until);
            if to <= at {
                continue;
            }
            for &shard in roles {
                // Extend the open tenure if it ends where this piece begins.
                match open.get(&shard) {
                    Some(&j) if out[j].to_ms >= at => out[j].to_ms = out[j].to_ms.max(to),
                    _ => {
                        open.insert(shard, out.len());
                        out.push(Tenure { shard, node, from_ms: at, to_ms: to });
                    }
                }
            }
        }
    }
    out.sort_by_key(|t| (t.shard, t.from_ms, t.node));
    out
}

fn end_of(history: &History) -> u64 {
    history
        .final_state
        .as_ref()
        .map_or_else(|| history.ops.iter().map(|o| o.complete_ms).max().unwrap_or(0), |f| f.at_ms)
}

/// Judges `one_primary_per_shard`: no two nodes hold a shard at once by their reports, and no
/// node acts under a shard's older grant after another acted under a newer one.
pub fn one_per_shard(history: &History) -> Verdict {
    let tenures = tenures(history, end_of(history));
    let (interleaved, acting_shards, mut examples) = ownership::interleaved(history);
    let mut violations = interleaved;
    let mut i = 0;
    while i < tenures.len() {
        let shard = tenures[i].shard;
        let mut j = i;
        while j < tenures.len() && tenures[j].shard == shard {
            j += 1;
        }
        let group = &tenures[i..j];
        for (a, x) in group.iter().enumerate() {
            for y in &group[a + 1..] {
                if y.from_ms >= x.to_ms {
                    break; // sorted by start: no later tenure overlaps x
                }
                if y.node != x.node {
                    violations += 1;
                    if examples.len() < EXAMPLES_MAX {
                        examples.push(format!(
                            "shard {shard}: {} was primary {}..{} and {} was primary {}..{}",
                            history.node_name(x.node),
                            secs(x.from_ms),
                            secs(x.to_ms),
                            history.node_name(y.node),
                            secs(y.from_ms),
                            secs(y.to_ms)
                        ));
                    }
                }
            }
        }
        i = j;
    }
    Verdict {
        name: "one_primary_per_shard".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: tenures.len() as u64,
        passed: violations == 0,
        detail: format!(
            "{} primary tenures over {} shards, {} overlapping pairs; acts on {acting_shards} shards, {interleaved} after a newer grant's act",
            tenures.len(),
            history.shards,
            violations - interleaved,
        ),
        examples,
    }
}

/// Judges `eventually_all_shards_owned`: at the end of the run every shard has a primary.
pub fn eventually_all_owned(history: &History) -> Verdict {
    let end = end_of(history);
    let tenures = tenures(history, end);
    let owned: Vec<bool> = (0..history.shards)
        .map(|s| tenures.iter().any(|t| t.shard == s && t.from_ms < end && t.to_ms >= end))
        .collect();
    let missing: Vec<String> = owned.iter().enumerate().filter(|(_, o)| !**o).map(|(s, _)| s.to_string()).collect();
    let passed = missing.is_empty() && history.shards > 0;
    Verdict {
        name: "eventually_all_shards_owned".into(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: missing.len() as u64,
        checked: history.shards as u64,
        passed,
        detail: if missing.is_empty() {
            format!("all {} shards have a primary at {}", history.shards, secs(end))
        } else {
            format!("shards without a primary at {}: {}", secs(end), missing.join(", "))
        },
        examples: Vec::new(),
    }
}

/// Per shard, milliseconds without a primary between its first tenure and the end of the run.
pub fn unowned_ms(history: &History) -> Vec<u64> {
    let end = end_of(history);
    let tenures = tenures(history, end);
    // Tenures come sorted by shard: each shard takes its run off the front, so the pass is
    // linear (filtering all tenures for every shard was quadratic: minutes at 65,536 shards).
    let mut rest = &tenures[..];
    (0..history.shards)
        .map(|s| {
            let skipped = rest.iter().take_while(|t| t.shard < s).count();
            let mine = rest[skipped..].iter().take_while(|t| t.shard == s).count();
            let (of_shard, tail) = rest[skipped..].split_at(mine);
            rest = tail;
            let mut covered_to: Option<u64> = None;
            let mut gap = 0;
            for t in of_shard {
                if let Some(c) = covered_to {
                    gap += t.from_ms.saturating_sub(c);
                }
                covered_to = Some(covered_to.map_or(t.to_ms, |c| c.max(t.to_ms)));
            }
            gap + covered_to.map_or(0, |c| end.saturating_sub(c))
        })
        .collect()
}

/// Number of times a shard's primary changed hands (a new node's tenure began).
pub fn ownership_changes(history: &History) -> u64 {
    let tenures = tenures(history, end_of(history));
    let mut last: BTreeMap<u32, u32> = BTreeMap::new();
    let mut changes = 0;
    for t in &tenures {
        if let Some(prev) = last.insert(t.shard, t.node) {
            if prev != t.node {
                changes += 1;
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{ControlRecord, FinalState, LeaseRecord, NodeEventRecord};

    fn roles(h: &mut History, at_ms: u64, node: u32, shards: &[u32]) {
        h.control.push(ControlRecord { at_ms, node, event: ControlEvent::Roles { epoch: 1, shards: shards.to_vec() } });
    }

    fn lease(h: &mut History, at_ms: u64, node: u32, until_ms: u64) {
        h.leases.push(LeaseRecord { at_ms, node, until_ms });
    }

    fn history() -> History {
        let mut h = History::new();
        h.shards = 2;
        h.final_state = Some(FinalState { at_ms: 10_000, ..FinalState::default() });
        h
    }

    #[test]
    fn overlapping_primaries_fail() {
        let mut h = history();
        roles(&mut h, 100, 0, &[0, 1]);
        lease(&mut h, 100, 0, 3_000);
        roles(&mut h, 2_000, 1, &[1]);
        lease(&mut h, 2_000, 1, 9_000);
        let v = one_per_shard(&h);
        assert!(!v.passed);
        assert_eq!(v.violations, 1);
        assert!(
            v.examples[0].starts_with("shard 1: #0 was primary 0.100s..3.000s and #1 was primary 2.000s"),
            "{:?}",
            v.examples
        );
    }

    #[test]
    fn handover_after_the_lease_ran_out_holds() {
        let mut h = history();
        roles(&mut h, 100, 0, &[0, 1]);
        lease(&mut h, 100, 0, 3_000);
        roles(&mut h, 3_000, 1, &[1]);
        lease(&mut h, 3_000, 1, 12_000);
        assert!(one_per_shard(&h).passed);
        // Node 0 kept shard 0 only until its lease ended at 3 s: unowned from then on.
        assert_eq!(unowned_ms(&h), vec![7_000, 0]);
        let v = eventually_all_owned(&h);
        assert!(!v.passed);
        assert!(v.detail.contains("shards without a primary at 10.000s: 0"), "{}", v.detail);
    }

    #[test]
    fn a_crash_ends_a_tenure_even_with_time_left_on_the_lease() {
        let mut h = history();
        roles(&mut h, 100, 0, &[0]);
        lease(&mut h, 100, 0, 9_000);
        h.node_events.push(NodeEventRecord { at_ms: 1_000, node: 0, change: NodeChange::Crashed });
        roles(&mut h, 1_500, 1, &[0]);
        lease(&mut h, 1_500, 1, 20_000);
        assert!(one_per_shard(&h).passed);
        assert_eq!(ownership_changes(&h), 1);
        assert_eq!(tenures(&h, 10_000)[0], Tenure { shard: 0, node: 0, from_ms: 100, to_ms: 1_000 });
    }

    #[test]
    fn renewals_merge_into_one_tenure() {
        let mut h = history();
        roles(&mut h, 0, 0, &[0, 1]);
        for t in (0..10_000).step_by(50) {
            lease(&mut h, t, 0, t + 2_000);
        }
        let t = tenures(&h, 10_000);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(eventually_all_owned(&h).passed);
        assert_eq!(unowned_ms(&h), vec![0, 0]);
    }
}
