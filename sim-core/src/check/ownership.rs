//! Single ownership judged from acts: what nodes did as primaries (stamped or fenced under a
//! grant epoch), against what the leaders granted, released and bounded. A node's own claims
//! (its roles, its lease) play no part: a primary that acts outside its lease is seen.
//!
//! - `primary_acts_within_grant`: every act carries a grant the leader made to that node, not
//!   yet released, not yet superseded by a grant of the shard to another node, and falls
//!   before the leader's bound on the node's lease (its last echo plus the revoke wait).
//!   With writes through primaries, every acknowledged write was also stamped by a node acting
//!   as primary of its shard while its client waited: a write acknowledged without one went
//!   around ownership (and a history missing the acts would otherwise be judged on nothing).
//! - Interleavings for `one_primary_per_shard`: once a node acted under a shard's newer grant,
//!   no other node acts under an older (or the same) one.

use std::collections::{BTreeMap, BTreeSet};

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{Act, GrantChange, History, OpKind, Outcome, PrimaryActKind};

/// Judges `primary_acts_within_grant`.
pub fn within_grant(history: &History) -> Verdict {
    let names = |n: u32| history.node_name(n);
    let mut granted: BTreeMap<(u32, u64), u32> = BTreeMap::new();
    let mut released: BTreeMap<(u32, u64), u64> = BTreeMap::new();
    // Per shard, the newest grant so far: (epoch, node, time).
    let mut newest: BTreeMap<u32, (u64, u32, u64)> = BTreeMap::new();
    let mut lease: BTreeMap<u32, u64> = BTreeMap::new();
    let (mut g, mut b) = (0, 0);
    let (mut checked, mut violations) = (0u64, 0u64);
    let mut examples = Vec::new();
    for a in &history.acts {
        let Act::Primary { shard, epoch, .. } = a.act else { continue };
        // Everything the leaders did up to this instant counts.
        while let Some(r) = history.grants.get(g).filter(|r| r.at_ms <= a.at_ms) {
            match r.change {
                GrantChange::Granted => {
                    granted.insert((r.shard, r.epoch), r.node);
                    let n = newest.entry(r.shard).or_insert((0, r.node, r.at_ms));
                    if r.epoch >= n.0 {
                        *n = (r.epoch, r.node, r.at_ms);
                    }
                }
                GrantChange::Released { .. } => {
                    released.entry((r.shard, r.epoch)).or_insert(r.at_ms);
                }
                // A revoke under way leaves the grant valid until its release.
                GrantChange::Revoked { .. } => {}
            }
            g += 1;
        }
        while let Some(r) = history.lease_bounds.get(b).filter(|r| r.at_ms <= a.at_ms) {
            let until = lease.entry(r.node).or_insert(0);
            *until = (*until).max(r.until_ms);
            b += 1;
        }
        checked += 1;
        let who = names(a.node);
        let what = || format!("{who} acted as primary of shard {shard} under epoch {epoch} at {}", secs(a.at_ms));
        let fault = match granted.get(&(shard, epoch)) {
            None => Some(format!("{}, which no leader granted it", what())),
            Some(&n) if n != a.node => Some(format!("{}, an epoch granted to {}", what(), names(n))),
            Some(_) => {
                let bound = lease.get(&a.node).copied().unwrap_or(0);
                if let Some(&at) = released.get(&(shard, epoch)) {
                    Some(format!("{}, after the leader released that grant at {}", what(), secs(at)))
                } else if let Some(&(e, n, at)) = newest.get(&shard).filter(|x| x.0 > epoch && x.1 != a.node) {
                    Some(format!(
                        "{}, after the shard was granted to {} at epoch {e} at {}",
                        what(),
                        names(n),
                        secs(at)
                    ))
                } else if a.at_ms >= bound {
                    Some(format!("{}, past the leader's bound on its lease ({})", what(), secs(bound)))
                } else {
                    None
                }
            }
        };
        if let Some(f) = fault {
            violations += 1;
            if examples.len() < EXAMPLES_MAX {
                examples.push(f);
            }
        }
    }
    let outside = violations;
    let (writes, unstamped) =
        if history.writes_via_primary { unstamped_writes(history, &mut examples) } else { (0, 0) };
    violations += unstamped;
    let mut detail = format!("{checked} acts as primary, {outside} outside their node's grant or lease");
    if history.writes_via_primary {
        detail += &format!("; {writes} writes acknowledged through primaries, {unstamped} stamped by none");
    }
    Verdict {
        name: "primary_acts_within_grant".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: checked + writes,
        passed: violations == 0,
        detail,
        examples,
    }
}

/// Acknowledged writes with no stamp by a primary of their shard between their invocation and
/// their acknowledgement. Returns how many writes were judged and how many had none.
fn unstamped_writes(history: &History, examples: &mut Vec<String>) -> (u64, u64) {
    let mut stamps: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for a in &history.acts {
        if let Act::Primary { shard, kind: PrimaryActKind::Stamp, .. } = a.act {
            stamps.entry(shard).or_default().push(a.at_ms); // in time order, as recorded
        }
    }
    let (mut writes, mut unstamped) = (0, 0);
    for op in history.ops.iter().filter(|o| o.kind == OpKind::Write && o.outcome == Outcome::Ok) {
        let Some(shard) = op.shard else { continue };
        writes += 1;
        let times = stamps.get(&shard).map_or(&[][..], Vec::as_slice);
        let first = times.partition_point(|&t| t < op.invoke_ms);
        if times.get(first).is_none_or(|&t| t > op.complete_ms) {
            unstamped += 1;
            if examples.len() < EXAMPLES_MAX {
                examples.push(format!(
                    "a write of key {} (shard {shard}) was acknowledged at {} with no node stamping it as primary since {}",
                    op.key,
                    secs(op.complete_ms),
                    secs(op.invoke_ms)
                ));
            }
        }
    }
    (writes, unstamped)
}

/// Acts that interleave across grants: a node acting under an older (or the same) grant of a
/// shard after another node acted under a newer one. Returns the count and a few examples.
pub fn interleaved(history: &History) -> (u64, u64, Vec<String>) {
    // Per shard: the newest epoch acted under, by whom, when.
    let mut newest: BTreeMap<u32, (u64, u32, u64)> = BTreeMap::new();
    let mut shards = BTreeSet::new();
    let mut violations = 0;
    let mut examples = Vec::new();
    for a in &history.acts {
        let Act::Primary { shard, epoch, .. } = a.act else { continue };
        shards.insert(shard);
        match newest.get(&shard) {
            Some(&(e, n, at)) if e >= epoch && n != a.node => {
                violations += 1;
                if examples.len() < EXAMPLES_MAX {
                    examples.push(format!(
                        "shard {shard}: {} acted as primary under epoch {epoch} at {} after {} acted under epoch {e} at {}",
                        history.node_name(a.node),
                        secs(a.at_ms),
                        history.node_name(n),
                        secs(at)
                    ));
                }
            }
            Some(&(e, _, _)) if e > epoch => {}
            _ => {
                newest.insert(shard, (epoch, a.node, a.at_ms));
            }
        }
    }
    (violations, shards.len() as u64, examples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{GrantRecord, LeaseBoundRecord};

    fn grant(h: &mut History, at_ms: u64, shard: u32, node: u32, epoch: u64, change: GrantChange) {
        h.record_grant(GrantRecord { at_ms, leader: 0, shard, node, epoch, change });
    }

    fn bound(h: &mut History, at_ms: u64, node: u32, until_ms: u64) {
        h.record_lease_bound(LeaseBoundRecord { at_ms, leader: 0, node, until_ms });
    }

    /// Records an act, keeping the history in time order as a run records it.
    fn act(h: &mut History, at_ms: u64, node: u32, shard: u32, epoch: u64) {
        h.record_act(at_ms, node, Act::Primary { shard, epoch, kind: PrimaryActKind::Stamp });
        h.acts.sort_by_key(|a| a.at_ms);
        h.grants.sort_by_key(|g| g.at_ms);
        h.lease_bounds.sort_by_key(|b| b.at_ms);
    }

    /// n1 holds shard 0 from epoch 1, is revoked at 2,000 (released at 3,000), and n2 holds it
    /// from epoch 3 at 3,000; both keep leases from the leader.
    fn handover() -> History {
        let mut h = History::new();
        grant(&mut h, 0, 0, 1, 1, GrantChange::Granted);
        bound(&mut h, 10, 1, 1_100);
        bound(&mut h, 1_000, 1, 2_100);
        bound(&mut h, 1_000, 2, 2_100);
        act(&mut h, 1_500, 1, 0, 1);
        grant(&mut h, 3_000, 0, 1, 1, GrantChange::Released { by_ack: false });
        grant(&mut h, 3_000, 0, 2, 3, GrantChange::Granted);
        bound(&mut h, 3_000, 2, 4_100);
        act(&mut h, 3_500, 2, 0, 3);
        h
    }

    #[test]
    fn acts_inside_their_grants_and_leases_pass() {
        let h = handover();
        let v = within_grant(&h);
        assert!(v.passed && v.checked == 2, "{v:?}");
        assert_eq!(interleaved(&h).0, 0);
    }

    #[test]
    fn an_act_past_the_leaders_lease_bound_fails() {
        let mut h = handover();
        act(&mut h, 2_200, 1, 0, 1); // n1's last bound ended at 2,100: a primary acting past its lease
        let v = within_grant(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        assert!(v.examples[0].contains("past the leader's bound"), "{:?}", v.examples);
    }

    #[test]
    fn an_act_after_release_or_a_newer_grant_or_without_grant_fails() {
        let mut h = handover();
        bound(&mut h, 3_100, 1, 9_000); // even with a lease, the grant is gone
        act(&mut h, 3_200, 1, 0, 1);
        act(&mut h, 3_300, 1, 5, 7); // never granted
        let v = within_grant(&h);
        assert_eq!(v.violations, 2, "{v:?}");
        assert!(v.examples[0].contains("released"), "{:?}", v.examples);
        assert!(v.examples[1].contains("no leader granted"), "{:?}", v.examples);
        let (n, _, ex) = interleaved(&h);
        assert_eq!(n, 0, "n1 acted before n2's first act: not interleaved yet: {ex:?}");
        act(&mut h, 3_600, 1, 0, 1);
        let (n, _, ex) = interleaved(&h);
        assert_eq!(n, 1, "{ex:?}");
        assert!(ex[0].contains("n2") || ex[0].contains("#2"), "{ex:?}");
    }

    #[test]
    fn through_primaries_an_acknowledged_write_nobody_stamped_fails() {
        use crate::history::Op;
        let mut h = handover();
        let write = |at: u64| Op { shard: Some(0), value: Some(at), ..Op::blank(OpKind::Write, 1, (at, at + 100)) };
        h.ops = vec![write(1_450), write(3_450)]; // stamped at 1,500 and 3,500
        assert!(within_grant(&h).passed, "not judged unless writes went through primaries");
        h.writes_via_primary = true;
        let v = within_grant(&h);
        assert!(v.passed && v.checked == 4, "{v:?}");
        h.ops.push(write(2_000)); // nothing stamped shard 0 between 2,000 and 2,100
        h.ops.push(Op { outcome: Outcome::Indeterminate, ..write(2_500) }); // never acknowledged
        let v = within_grant(&h);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("stamping it"), "{:?}", v.examples);
        assert!(v.detail.contains("3 writes acknowledged through primaries, 1 stamped by none"), "{}", v.detail);
    }

    #[test]
    fn a_grant_to_another_node_without_release_ends_the_old_one() {
        let mut h = History::new();
        grant(&mut h, 0, 0, 1, 1, GrantChange::Granted);
        bound(&mut h, 0, 1, 5_000);
        grant(&mut h, 1_000, 0, 2, 2, GrantChange::Granted); // a grant without revoke
        act(&mut h, 1_200, 1, 0, 1);
        let v = within_grant(&h);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("granted to"), "{:?}", v.examples);
    }
}
