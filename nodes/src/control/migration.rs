//! Shard migration as a pure state machine over the shard map: which requests are accepted,
//! when a queued migration starts, what evidence moves a step on, and how a step changes the
//! map. The map holds every migration's step, so whatever leader holds the map resumes it;
//! evidence (copies received, routing learned) is volatile and gathered again by a new leader.
//!
//! Every transition is idempotent: [`apply`] changes the map only when the migration stands
//! exactly one step before the one named (or, for a rollback, anywhere before the end), so a
//! duplicated or late step message leaves the map as it was.

use std::collections::{BTreeMap, BTreeSet};

use super::config::MigrationPolicy;
use super::throttle::{Gate, StartLog};
use crate::actor::Addr;
use crate::bugs::{self, Bug};
use crate::migration_msg::{Failure, Migration, Step};
use crate::shard_map::ShardMap;

/// What the leader has seen of one migration's current step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// Old replicas whose copy the target confirmed in this step's round.
    pub copied: BTreeSet<Addr>,
    /// A copy arrived whose checksum did not match.
    pub corrupt: bool,
    /// Every live member accepted the map that transferred the shard.
    pub routed: bool,
    /// Bytes the target confirmed, all rounds.
    pub bytes: u64,
}

/// What a leader keeps about migrations (volatile: a new leader starts it empty).
#[derive(Clone, Debug, Default)]
pub struct LeaderMigrations {
    /// Per migration: the local time this leader first saw it in its current step.
    pub since: BTreeMap<u32, (Step, u64)>,
    /// Per migration: evidence for its current step.
    pub evidence: BTreeMap<u32, Evidence>,
    /// Per migration: the local time copy orders were last sent.
    pub last_order: BTreeMap<u32, u64>,
    /// Per migration: the step last reported as committed.
    pub reported: BTreeMap<u32, Step>,
    /// Per node: the standing last reported as committed.
    pub standing: BTreeMap<Addr, crate::shard_map::Standing>,
    /// Local time joins and drains were last planned.
    pub standing_checked: u64,
    /// Starts, for the rate and the zone budgets.
    pub starts: StartLog,
}

/// What applying a step does beyond the map: a primary to revoke and where the shard should go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The primary the new map revoked (the leader waits for it before granting again).
    pub revoked: Option<Addr>,
    /// Where the shard's next grant should go.
    pub plan: Option<Addr>,
}

/// A new migration of `shard` to `to`, queued, or `None` when the map already holds `id`, the
/// shard does not exist, `to` is already its primary, is outside the cluster or being drained,
/// or the shard has a migration under way.
pub fn request(map: &ShardMap, id: u32, shard: u32, to: Addr) -> Option<Migration> {
    if map.migration(id).is_some() || shard >= map.shards() || map.primary_of(shard) == Some(to) {
        return None;
    }
    if !map.standing_of(to).serves() {
        return None;
    }
    if map.migrations().iter().any(|m| m.shard == shard && !m.step.is_terminal()) {
        return None;
    }
    let prev = map.replica_sets()[shard as usize].clone();
    let primary = map.primary_of(shard);
    let mut next = vec![to];
    let mut others: Vec<Addr> = prev.iter().copied().filter(|&r| r != to).collect();
    // Cut to the shard's N (its old set's size) by dropping the last standby that is not the old
    // primary (it stays a standby).
    while next.len() + others.len() > prev.len() {
        match others.iter().rposition(|&r| Some(r) != primary) {
            Some(i) => others.remove(i),
            None => others.pop().expect("more replicas than N"),
        };
    }
    next.extend(others);
    Some(Migration {
        id,
        shard,
        to,
        step: Step::Queued,
        prev_replicas: prev,
        prev_primary: primary,
        next_replicas: next,
        replaces: None,
        failure: None,
    })
}

/// A new migration that puts `to` in `replaces`' place in `shard`'s replica set (a drain, or a
/// rebalance onto a joined node), queued; `None` when the map already holds `id`, `replaces` is
/// no replica of the shard, `to` already is one, or the shard has a migration under way. The
/// primary moves only if `replaces` holds it when the migration transfers.
pub fn replace(map: &ShardMap, id: u32, shard: u32, to: Addr, replaces: Addr) -> Option<Migration> {
    let prev = map.replica_sets().get(shard as usize)?.clone();
    if map.migration(id).is_some() || !prev.contains(&replaces) || prev.contains(&to) {
        return None;
    }
    if map.migrations().iter().any(|m| m.shard == shard && !m.step.is_terminal()) {
        return None;
    }
    let next = prev.iter().map(|&r| if r == replaces { to } else { r }).collect();
    Some(Migration {
        id,
        shard,
        to,
        step: Step::Queued,
        prev_primary: map.primary_of(shard),
        prev_replicas: prev,
        next_replicas: next,
        replaces: Some(replaces),
        failure: None,
    })
}

/// True when migration `m`'s transfer moves the primary given the shard's primary now: always
/// for an operator's migration, and for a replacement when the replaced node (or a node outside
/// the new set) holds it.
pub fn moves_primary(m: &Migration, primary: Option<Addr>) -> bool {
    m.replaces.is_none() || primary.is_some_and(|p| !m.next_replicas.contains(&p))
}

/// A request [`request`] would not take, as the map records it: refused, never started, so
/// the operator sees why instead of the request vanishing. `None` when the map already holds
/// `id` or has no such shard (the scenario's validation refuses those).
pub fn refused(map: &ShardMap, id: u32, shard: u32, to: Addr) -> Option<Migration> {
    if map.migration(id).is_some() || shard >= map.shards() {
        return None;
    }
    let prev = map.replica_sets()[shard as usize].clone();
    Some(Migration {
        id,
        shard,
        to,
        step: Step::Refused,
        prev_primary: map.primary_of(shard),
        next_replicas: prev.clone(),
        prev_replicas: prev,
        replaces: None,
        failure: None,
    })
}

/// The queued migrations that may start now, ascending by id: while fewer than the policy's
/// concurrency run, as many as the `gate`'s rate allows, none into a zone whose budget is
/// spent, and never two at once on one shard.
pub fn admit(map: &ShardMap, policy: &MigrationPolicy, gate: &Gate) -> Vec<u32> {
    let running = |m: &Migration| !m.step.is_terminal() && m.step != Step::Queued;
    let mut busy: BTreeSet<u32> = map.migrations().iter().filter(|m| running(m)).map(|m| m.shard).collect();
    let mut free = (policy.concurrency as usize).saturating_sub(busy.len()).min(gate.starts);
    let mut out = Vec::new();
    for m in map.migrations().iter().filter(|m| m.step == Step::Queued) {
        if free == 0 {
            break;
        }
        if gate.admits(map.zone_of(m.to)) && busy.insert(m.shard) {
            out.push(m.id);
            free -= 1;
        }
    }
    out
}

/// The step a running migration should enter next, given the evidence of its current step and
/// how long this leader has seen it there; `None` while it should wait.
pub fn decide(
    m: &Migration,
    map: &ShardMap,
    ev: &Evidence,
    elapsed_ms: u64,
    policy: &MigrationPolicy,
) -> Option<(Step, Option<Failure>)> {
    let all_copied = bugs::on(Bug::SkipSync) || m.prev_replicas.iter().all(|r| ev.copied.contains(r));
    let ready = match m.step {
        Step::Queued | Step::Done | Step::RolledBack | Step::Refused => return None,
        Step::Sync | Step::Verify if ev.corrupt => return Some((Step::RolledBack, Some(Failure::VerifyMismatch))),
        Step::Sync => all_copied.then_some(Step::Transfer),
        Step::Transfer => {
            // A replacement that left the primary in place goes on at once (once granted, if vacant).
            let primary = map.primary_of(m.shard);
            let placed =
                primary == Some(m.to) || (m.replaces.is_some() && primary.is_some() && !moves_primary(m, primary));
            placed.then_some(Step::Route)
        }
        Step::Route => ev.routed.then_some(Step::Verify),
        Step::Verify => all_copied.then_some(Step::Done),
    };
    match ready {
        Some(step) => Some((step, None)),
        None if elapsed_ms >= policy.step_timeout_ms => Some((Step::RolledBack, Some(Failure::Timeout(m.step)))),
        None => None,
    }
}

/// True when a migration may go from `from` straight to `to`.
pub fn legal(from: Step, to: Step) -> bool {
    matches!(
        (from, to),
        (Step::Queued, Step::Sync)
            | (Step::Sync, Step::Transfer)
            | (Step::Transfer, Step::Route)
            | (Step::Route, Step::Verify)
            | (Step::Verify, Step::Done)
    ) || (to == Step::RolledBack && !from.is_terminal())
}

/// Moves migration `id` to `step` in `map`, with revokes stamped `epoch`; `None` (and the map
/// untouched) when the move is not legal from where the migration stands: a duplicate or stale
/// step message changes nothing.
pub fn apply(map: &mut ShardMap, id: u32, step: Step, failure: Option<Failure>, epoch: u64) -> Option<Applied> {
    let mut m = map.migration(id)?.clone();
    if !legal(m.step, step) {
        return None;
    }
    let primary = map.primary_of(m.shard);
    let mut applied = Applied { revoked: None, plan: None };
    match step {
        Step::Transfer => {
            map.set_replicas(m.shard, m.next_replicas.clone());
            let moves = moves_primary(&m, primary);
            applied.plan = moves.then_some(m.to);
            if primary.is_some() && moves {
                map.set_primary(m.shard, None, epoch);
                applied.revoked = primary;
            }
        }
        Step::RolledBack => {
            if m.step >= Step::Transfer {
                map.set_replicas(m.shard, m.prev_replicas.clone());
                applied.plan = m.prev_primary;
                if primary.is_some() && primary != m.prev_primary {
                    map.set_primary(m.shard, None, epoch);
                    applied.revoked = primary;
                }
            }
            m.failure = failure;
        }
        _ => {}
    }
    m.step = step;
    map.put_migration(m);
    Some(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> MigrationPolicy {
        MigrationPolicy { concurrency: 1, step_timeout_ms: 1_000, resend_ms: 100, ..MigrationPolicy::default() }
    }

    /// A gate with no rate and no spent zone.
    fn open() -> Gate {
        Gate { starts: usize::MAX, full: BTreeSet::new() }
    }

    /// Five nodes in one zone, four shards on three replicas each, shard 0 on 0,1,2 with
    /// primary 0, and migration 7 of shard 0 to node 4 queued.
    fn queued() -> ShardMap {
        let mut map = ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)], 4, 3);
        map.set_primary(0, Some(0), 1);
        map.epoch = 1;
        let m = request(&map, 7, 0, 4).expect("accepted");
        map.put_migration(m);
        map
    }

    #[test]
    fn a_replacement_needs_a_new_id_a_replica_to_replace_and_a_target_outside_the_set() {
        let mut map = ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)], 4, 3);
        map.epoch = 1;
        let set = map.replica_sets()[1].clone();
        let outside = (0..5).find(|a| !set.contains(a)).expect("a node outside shard 1's set");
        let m = replace(&map, 20, 1, outside, set[1]).expect("a valid replacement");
        assert_eq!(m.next_replicas.iter().filter(|&&r| r == outside).count(), 1);
        assert!(replace(&map, 20, 1, set[0], set[1]).is_none(), "the target already replicates the shard");
        assert!(replace(&map, 20, 1, outside, outside).is_none(), "the replaced node is no replica");
        map.put_migration(m);
        let s = (0..4).find(|&s| s != 1 && !map.replica_sets()[s as usize].contains(&outside)).expect("another shard");
        let r = map.replica_sets()[s as usize][0];
        assert!(replace(&map, 21, s, outside, r).is_some());
        assert!(replace(&map, 20, s, outside, r).is_none(), "id 20 is taken");
    }

    #[test]
    fn a_replaced_standby_leaves_the_primary_serving_and_a_replaced_primary_is_revoked() {
        let mut map = ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)], 4, 3);
        map.set_primary(0, Some(0), 1);
        map.epoch = 1;
        assert_eq!(map.replica_sets()[0], vec![0, 1, 2]);
        let mut standby = map.clone();
        standby.put_migration(replace(&standby, 20, 0, 4, 2).expect("replaces standby 2"));
        apply(&mut standby, 20, Step::Sync, None, 2).expect("starts");
        let applied = apply(&mut standby, 20, Step::Transfer, None, 3).expect("transfers");
        assert_eq!((applied.revoked, applied.plan), (None, None));
        assert_eq!((standby.primary_of(0), standby.granted_at(0)), (Some(0), 1), "the grant stands");
        let mut primary = map.clone();
        primary.put_migration(replace(&primary, 21, 0, 4, 0).expect("replaces primary 0"));
        apply(&mut primary, 21, Step::Sync, None, 2).expect("starts");
        let applied = apply(&mut primary, 21, Step::Transfer, None, 3).expect("transfers");
        assert_eq!((applied.revoked, applied.plan), (Some(0), Some(4)));
        assert_eq!((primary.primary_of(0), primary.granted_at(0)), (None, 3), "vacant from the transfer's epoch");
    }

    fn copied(from: &[Addr]) -> Evidence {
        Evidence { copied: from.iter().copied().collect(), ..Evidence::default() }
    }

    /// Drives migration 7 to the end with full evidence, granting the vacant shard to the
    /// target during the transfer as the reconciliation loop would; `twice` applies every step message twice.
    fn drive(mut map: ShardMap, twice: bool) -> ShardMap {
        let p = policy();
        for id in admit(&map, &p, &open()) {
            for _ in 0..1 + twice as usize {
                let epoch = map.epoch + 1;
                apply(&mut map, id, Step::Sync, None, epoch);
            }
        }
        for _ in 0..8 {
            let m = map.migration(7).unwrap().clone();
            if m.step == Step::Transfer && map.primary_of(0).is_none() {
                map.set_primary(0, Some(4), map.epoch + 1);
                map.epoch += 1;
            }
            let ev = Evidence { routed: true, ..copied(&m.prev_replicas) };
            let Some((step, failure)) = decide(&m, &map, &ev, 0, &p) else { break };
            for _ in 0..1 + twice as usize {
                let epoch = map.epoch + 1;
                if apply(&mut map, 7, step, failure, epoch).is_some() {
                    map.epoch = epoch;
                }
            }
        }
        map
    }

    #[test]
    fn a_migration_with_full_evidence_completes_and_keeps_the_old_primary_as_standby() {
        let map = drive(queued(), false);
        let m = map.migration(7).unwrap();
        assert_eq!(m.step, Step::Done);
        assert_eq!(map.primary_of(0), Some(4));
        assert_eq!(map.replica_sets()[0], vec![4, 0, 1], "the target first, the old primary a standby");
    }

    #[test]
    fn every_step_message_delivered_twice_ends_in_the_same_state() {
        assert_eq!(drive(queued(), true), drive(queued(), false));
    }

    #[test]
    fn a_corrupt_copy_in_verify_rolls_back_to_the_previous_replicas_and_primary() {
        let mut map = queued();
        apply(&mut map, 7, Step::Sync, None, 2).unwrap();
        apply(&mut map, 7, Step::Transfer, None, 3).unwrap();
        map.set_primary(0, Some(4), 4);
        apply(&mut map, 7, Step::Route, None, 5).unwrap();
        apply(&mut map, 7, Step::Verify, None, 5).unwrap();
        let m = map.migration(7).unwrap().clone();
        let ev = Evidence { corrupt: true, ..Evidence::default() };
        let (step, failure) = decide(&m, &map, &ev, 0, &policy()).unwrap();
        assert_eq!((step, failure), (Step::RolledBack, Some(Failure::VerifyMismatch)));
        let applied = apply(&mut map, 7, step, failure, 6).unwrap();
        assert_eq!(
            applied,
            Applied { revoked: Some(4), plan: Some(0) },
            "the target is revoked, the old primary planned"
        );
        assert_eq!(map.replica_sets()[0], vec![0, 1, 2]);
        assert_eq!(map.primary_of(0), None);
        assert_eq!(apply(&mut map, 7, Step::Done, None, 7), None, "a rolled back migration never completes");
    }

    #[test]
    fn a_step_that_outlives_the_timeout_rolls_back_and_one_that_waits_does_not() {
        let mut map = queued();
        apply(&mut map, 7, Step::Sync, None, 2).unwrap();
        let m = map.migration(7).unwrap().clone();
        let some = copied(&[0, 1]);
        assert_eq!(decide(&m, &map, &some, 999, &policy()), None, "still waiting for node 2's copy");
        assert_eq!(
            decide(&m, &map, &some, 1_000, &policy()),
            Some((Step::RolledBack, Some(Failure::Timeout(Step::Sync))))
        );
        apply(&mut map, 7, Step::RolledBack, Some(Failure::Timeout(Step::Sync)), 3).unwrap();
        assert_eq!((map.replica_sets()[0].clone(), map.primary_of(0)), (vec![0, 1, 2], Some(0)), "nothing moved yet");
    }

    #[test]
    fn a_new_leader_resuming_a_half_done_migration_ends_where_the_old_one_would_have() {
        // The old leader got as far as the transfer, then crashed: its map is all that is left.
        let mut half = queued();
        apply(&mut half, 7, Step::Sync, None, 2).unwrap();
        apply(&mut half, 7, Step::Transfer, None, 3).unwrap();
        half.epoch = 3;
        // The new leader repeats the steps it cannot know were applied: they change nothing.
        let mut resumed = half.clone();
        assert_eq!(apply(&mut resumed, 7, Step::Sync, None, 4), None);
        assert_eq!(apply(&mut resumed, 7, Step::Transfer, None, 4), None);
        assert_eq!(resumed, half);
        let placed = |m: ShardMap| (m.replica_sets().to_vec(), m.primaries().to_vec(), m.migrations().to_vec());
        assert_eq!(placed(drive(resumed, false)), placed(drive(queued(), false)), "epochs aside, the same end");
    }

    #[test]
    fn requests_are_refused_when_known_or_the_shard_is_busy_and_admitted_under_the_limit() {
        let mut map = queued();
        assert_eq!(request(&map, 7, 1, 4), None, "a repeated id");
        assert_eq!(request(&map, 8, 0, 3), None, "shard 0 already migrating");
        assert_eq!(request(&map, 8, 9, 3), None, "no such shard");
        map.put_migration(request(&map, 8, 1, 4).unwrap());
        assert_eq!(admit(&map, &policy(), &open()), vec![7], "one at a time");
        apply(&mut map, 7, Step::Sync, None, 2).unwrap();
        assert_eq!(admit(&map, &policy(), &open()), Vec::<u32>::new(), "the limit is taken");
        apply(&mut map, 7, Step::RolledBack, None, 3).unwrap();
        assert_eq!(admit(&map, &policy(), &open()), vec![8]);
    }

    #[test]
    fn the_gate_limits_how_many_start_and_keeps_spent_zones_waiting() {
        // Zones alternate on the ring: nodes 0, 2, 4 in zone 0 and 1, 3 in zone 1.
        let mut map = ShardMap::ring(&[(0, 0), (1, 1), (2, 0), (3, 1), (4, 0)], 4, 3);
        map.epoch = 1;
        for (id, shard) in [(7, 0), (8, 1), (9, 2)] {
            let to = (0..5).find(|a| !map.replica_sets()[shard as usize].contains(a)).expect("a node outside the set");
            map.put_migration(request(&map, id, shard, to).expect("accepted"));
        }
        let zone = |id: u32| map.zone_of(map.migration(id).unwrap().to).unwrap();
        let p = MigrationPolicy { concurrency: 3, ..policy() };
        assert_eq!(admit(&map, &p, &open()), vec![7, 8, 9]);
        assert_eq!(admit(&map, &p, &Gate { starts: 1, ..open() }), vec![7], "one start left");
        assert_eq!(admit(&map, &p, &Gate { starts: 0, ..open() }), Vec::<u32>::new());
        let full = Gate { full: BTreeSet::from([zone(7)]), ..open() };
        let expect: Vec<u32> = [7, 8, 9].into_iter().filter(|&id| zone(id) != zone(7)).collect();
        assert_eq!(admit(&map, &p, &full), expect, "none into the spent zone");
    }

    #[test]
    fn a_request_the_map_cannot_take_is_recorded_refused_and_changes_nothing_else() {
        let map = queued();
        let busy = refused(&map, 9, 0, 3).expect("shard 0 is migrating: refused");
        assert_eq!((busy.step, busy.prev_replicas.clone()), (Step::Refused, vec![0, 1, 2]));
        let mut after = map.clone();
        after.put_migration(busy);
        assert_eq!(after.replica_sets(), map.replica_sets());
        assert_eq!(after.primaries(), map.primaries());
        assert_eq!(admit(&after, &policy(), &open()), vec![7], "never admitted");
        assert_eq!(refused(&after, 9, 0, 3), None, "known by id");
        assert_eq!(refused(&map, 10, 99, 3), None, "no such shard");
    }
}
