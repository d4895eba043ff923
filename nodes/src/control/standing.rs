//! Joins and drains, as pure functions over the shard map. A node that joins takes replicas
//! from the most loaded members; a node being drained gives its replicas away, then is recorded
//! drained and may leave. Both move replicas through replacement migrations
//! ([`migration::replace`]), so they get the migration's safe cut-over, its policies and its
//! reports; the leader generates their ids from [`AUTO_IDS`] up.

use std::collections::BTreeMap;

use super::migration;
use super::msg::MemberChange;
use crate::actor::Addr;
use crate::bugs::{self, Bug};
use crate::migration_msg::Migration;
#[cfg(test)]
use crate::migration_msg::Step;
use crate::shard_map::{ShardMap, Standing};

/// The first id of the migrations the leader makes for joins and drains (an operator's ids
/// count up from 0, one per timeline action).
pub const AUTO_IDS: u32 = 1 << 31;

/// True when `map` already shows `change` of `node` done (or past): the request can be dropped.
pub fn handled(map: &ShardMap, node: Addr, change: MemberChange) -> bool {
    let s = map.standing_of(node);
    match change {
        MemberChange::Join => matches!(s, Standing::Member | Standing::Joined | Standing::Draining),
        MemberChange::Drain => matches!(s, Standing::Draining | Standing::Drained | Standing::Outside),
    }
}

/// Applies the requests the map can take (a join of a node outside or drained, a drain of a
/// member); true when the map changed.
pub fn apply_requests(map: &mut ShardMap, requests: &[(Addr, MemberChange)]) -> bool {
    let mut changed = false;
    for &(node, change) in requests {
        let next = match (change, map.standing_of(node)) {
            (MemberChange::Join, Standing::Outside | Standing::Drained) => Standing::Joined,
            (MemberChange::Drain, Standing::Member | Standing::Joined) => Standing::Draining,
            _ => continue,
        };
        map.set_standing(node, next);
        changed = true;
    }
    changed
}

/// Records drained every draining node that no replica set and no unfinished migration names;
/// true when the map changed.
pub fn finish_drains(map: &mut ShardMap) -> bool {
    let draining: Vec<Addr> = addrs_with(map, Standing::Draining).collect();
    let mut changed = false;
    for d in draining {
        let in_set = map.replica_sets().iter().any(|r| r.contains(&d));
        let in_flight = map
            .migrations()
            .iter()
            .any(|m| !m.step.is_terminal() && (m.prev_replicas.contains(&d) || m.next_replicas.contains(&d)));
        // The planted bug counts the node drained once it is primary of no shard: its standby
        // replicas stay, and it goes on storing their writes.
        let done = if bugs::on(Bug::DrainEarly) {
            map.primaries().iter().all(|&p| p != Some(d))
        } else {
            !in_set && !in_flight
        };
        if done {
            map.set_standing(d, Standing::Drained);
            changed = true;
        }
    }
    changed
}

/// The replacement migrations to queue now, at most `free` of them, ids from `next_id` up:
/// first every draining node's replicas (those it leads first, then those of shards with fewer
/// replicas) to the live serving node that adds a zone to the set (then the least loaded), then
/// replicas onto live joined nodes below the mean, from the most loaded replica whose place it
/// can take without the set losing a zone (among equal donors, shards with fewer replicas, then
/// eventual ones, first). Shards with an unfinished migration or a replica not `live` wait (a
/// copy needs every old replica).
pub fn plan(map: &ShardMap, live: impl Fn(Addr) -> bool, free: usize, next_id: u32) -> Vec<Migration> {
    if free == 0 {
        return Vec::new();
    }
    let running: BTreeMap<u32, &Migration> =
        map.migrations().iter().filter(|m| !m.step.is_terminal()).map(|m| (m.shard, m)).collect();
    // Replica counts as they will be once the unfinished migrations are done.
    let mut count = vec![0usize; map.standings().len()];
    for (s, set) in map.replica_sets().iter().enumerate() {
        let set = running.get(&(s as u32)).map_or(set, |m| &m.next_replicas);
        for &r in set {
            if let Some(c) = count.get_mut(r as usize) {
                *c += 1;
            }
        }
    }
    let zone = |a: Addr| map.zone_of(a).unwrap_or(0);
    let serving = |a: Addr| map.standing_of(a).serves() && live(a);
    let mut out = Vec::new();
    let mut id = next_id;
    let busy = |s: usize| running.contains_key(&(s as u32));
    let mut taken = vec![false; map.shards() as usize];
    for d in addrs_with(map, Standing::Draining) {
        // The shards it leads first, then those with fewer replicas: were the node lost
        // mid-drain, those would cost the most.
        let mut sets: Vec<_> = map.replica_sets().iter().enumerate().collect();
        sets.sort_by_key(|(s, set)| (map.primary_of(*s as u32) != Some(d), set.len(), *s));
        for (s, set) in sets {
            if out.len() == free {
                return out;
            }
            if !set.contains(&d) || busy(s) || taken[s] || !set.iter().all(|&r| live(r)) {
                continue;
            }
            let covered = |z: u16| set.iter().any(|&r| r != d && zone(r) == z);
            let best = (0..count.len() as Addr)
                .filter(|&c| serving(c) && !set.contains(&c))
                .min_by_key(|&c| (covered(zone(c)), count[c as usize], c));
            let Some(to) = best else { continue };
            if let Some(m) = migration::replace(map, id, s as u32, to, d) {
                out.push(m);
                id += 1;
                taken[s] = true;
                count[to as usize] += 1;
                count[d as usize] -= 1;
            }
        }
    }
    let members: Vec<Addr> = (0..count.len() as Addr).filter(|&a| map.standing_of(a).serves()).collect();
    let total: usize = members.iter().map(|&a| count[a as usize]).sum();
    let floor = total / members.len().max(1);
    while out.len() < free {
        let receiver = addrs_with(map, Standing::Joined)
            .filter(|&r| live(r) && count[r as usize] < floor)
            .min_by_key(|&r| (count[r as usize], r));
        let Some(r) = receiver else { break };
        type Key = (std::cmp::Reverse<usize>, usize, crate::shard_spec::Requirement, usize);
        let mut best: Option<(Key, usize, Addr)> = None;
        for (s, set) in map.replica_sets().iter().enumerate() {
            if set.contains(&r) || busy(s) || taken[s] || !set.iter().all(|&x| live(x)) {
                continue;
            }
            for &x in set.iter().filter(|&&x| serving(x) && count[x as usize] > count[r as usize] + 1) {
                // A rebalance never costs a set one of its zones (a drain may have to).
                if zone(r) != zone(x) && !set.iter().any(|&o| o != x && zone(o) == zone(x)) {
                    continue;
                }
                let key = (std::cmp::Reverse(count[x as usize]), set.len(), map.requirement_of(s as u32), s);
                if best.as_ref().is_none_or(|b| key < b.0) {
                    best = Some((key, s, x));
                }
            }
        }
        let Some((_, s, x)) = best else { break };
        match migration::replace(map, id, s as u32, r, x) {
            Some(m) => {
                out.push(m);
                id += 1;
                taken[s] = true;
                count[r as usize] += 1;
                count[x as usize] -= 1;
            }
            None => break,
        }
    }
    out
}

/// The next id for a leader-made migration in `map`.
pub fn next_auto_id(map: &ShardMap) -> u32 {
    map.migrations().iter().map(|m| m.id).filter(|&id| id >= AUTO_IDS).max().map_or(AUTO_IDS, |id| id + 1)
}

/// True while `map` has joins or drains the leader may still act on.
pub fn active(map: &ShardMap) -> bool {
    map.standings().iter().any(|s| matches!(s, Standing::Joined | Standing::Draining))
}

fn addrs_with(map: &ShardMap, standing: Standing) -> impl Iterator<Item = Addr> + '_ {
    map.standings().iter().enumerate().filter(move |(_, &s)| s == standing).map(|(a, _)| a as Addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Six nodes over three zones (a, b, c, a, b, c), 12 shards on three replicas, node 6 (zone
    /// a) declared outside.
    fn map() -> ShardMap {
        let nodes: Vec<(Addr, u16)> = (0..6).map(|a| (a, (a % 3) as u16)).collect();
        ShardMap::ring(&nodes, 12, 3).with_outside(&[(6, 0)])
    }

    /// Runs every planned migration to the end, as a leader with full evidence would.
    fn settle(map: &mut ShardMap, live: impl Fn(Addr) -> bool + Copy) -> usize {
        let mut made = 0;
        for _ in 0..100 {
            let planned = plan(map, live, 4, next_auto_id(map));
            if planned.is_empty() {
                break;
            }
            for m in planned {
                let (id, shard, to) = (m.id, m.shard, m.to);
                map.put_migration(m);
                let moved = map.clone().migration(id).unwrap().clone();
                for step in [Step::Sync, Step::Transfer] {
                    migration::apply(map, id, step, None, map.epoch + 1).unwrap();
                }
                if migration::moves_primary(&moved, moved.prev_primary) || map.primary_of(shard).is_none() {
                    map.set_primary(shard, Some(to), map.epoch + 1);
                }
                for step in [Step::Route, Step::Verify, Step::Done] {
                    migration::apply(map, id, step, None, map.epoch + 1).unwrap();
                }
                made += 1;
            }
            finish_drains(map);
        }
        made
    }

    fn counts(map: &ShardMap) -> Vec<usize> {
        let mut c = vec![0; map.standings().len()];
        map.replica_sets().iter().flatten().for_each(|&r| c[r as usize] += 1);
        c
    }

    fn zones_per_set(map: &ShardMap) -> Vec<usize> {
        map.replica_sets()
            .iter()
            .map(|r| r.iter().map(|&a| map.zone_of(a)).collect::<std::collections::BTreeSet<_>>().len())
            .collect()
    }

    #[test]
    fn an_outside_node_holds_nothing_until_it_joins_then_takes_its_share() {
        let mut m = map();
        assert_eq!(counts(&m)[6], 0);
        assert_eq!(settle(&mut m, |_| true), 0, "nothing to do before the join");
        assert!(apply_requests(&mut m, &[(6, MemberChange::Join)]));
        assert_eq!(m.standing_of(6), Standing::Joined);
        settle(&mut m, |_| true);
        let c = counts(&m);
        assert_eq!(c.iter().sum::<usize>(), 36);
        // Zone a's three nodes share its 12 replicas: the joiner takes a third of them.
        assert_eq!((c[0], c[3], c[6]), (4, 4, 4), "{c:?}");
        assert!(zones_per_set(&m).iter().all(|&z| z == 3), "sets keep their three zones");
        assert!(!apply_requests(&mut m, &[(6, MemberChange::Join)]), "a repeated join changes nothing");
    }

    #[test]
    fn drains_and_joins_move_shards_with_fewer_replicas_first() {
        use crate::shard_spec::{Requirement, ShardSpec};
        let nodes: Vec<(Addr, u16)> = (0..6).map(|a| (a, (a % 3) as u16)).collect();
        let spec = ShardSpec::uniform(12, 3, Requirement::Eventual).with_class((6, 6), 2, Requirement::Eventual);
        // Node 0 holds shards 0, 4, 5, 10, 11 (N=3) and 6 (N=2), leading none: shard 6 goes first.
        let mut m = ShardMap::placed(&nodes, &spec).with_outside(&[(6, 0)]);
        assert!(apply_requests(&mut m, &[(0, MemberChange::Drain)]));
        let first = plan(&m, |_| true, 1, next_auto_id(&m));
        assert_eq!(first.iter().map(|x| x.shard).collect::<Vec<_>>(), [6], "{first:?}");
        // A shard it leads goes before them all.
        m.set_primary(10, Some(0), m.epoch);
        let first = plan(&m, |_| true, 2, next_auto_id(&m));
        assert_eq!(first.iter().map(|x| x.shard).collect::<Vec<_>>(), [10, 6], "{first:?}");
        // The joiner (zone a) takes from zone a's donors, nodes 0 and 3 (six replicas each):
        // first node 0's N=2 shard 11, then from node 3, now the most loaded, its eventual
        // shard 7 before its strong ones.
        let spec = ShardSpec::uniform(12, 3, Requirement::Strong)
            .with_class((7, 7), 3, Requirement::Eventual)
            .with_class((11, 11), 2, Requirement::Strong);
        let mut m = ShardMap::placed(&nodes, &spec).with_outside(&[(6, 0)]);
        assert!(apply_requests(&mut m, &[(6, MemberChange::Join)]));
        let planned: Vec<u32> = plan(&m, |_| true, 2, next_auto_id(&m)).iter().map(|x| x.shard).collect();
        assert_eq!(planned, [11, 7], "N=2, then the eventual N=3");
    }

    #[test]
    fn a_joiner_stops_one_below_its_donors_rather_than_trade_places_with_them() {
        let nodes: Vec<(Addr, u16)> = (0..6).map(|a| (a, (a % 3) as u16)).collect();
        let mut m = ShardMap::ring(&nodes, 14, 3).with_outside(&[(6, 0)]);
        assert!(apply_requests(&mut m, &[(6, MemberChange::Join)]));
        settle(&mut m, |_| true);
        // Zone a's 14 replicas: moving a fifth to the joiner would only swap which node holds 5.
        let c = counts(&m);
        assert_eq!((c[0], c[3], c[6]), (5, 5, 4), "{c:?}");
    }

    #[test]
    fn planning_one_at_a_time_counts_unfinished_migrations_as_done() {
        let nodes: Vec<(Addr, u16)> = (0..6).map(|a| (a, (a % 3) as u16)).collect();
        let mut m = ShardMap::ring(&nodes, 14, 3).with_outside(&[(6, 0)]);
        apply_requests(&mut m, &[(6, MemberChange::Join)]);
        let batch: Vec<(u32, Option<Addr>)> =
            plan(&m, |_| true, 10, AUTO_IDS).iter().map(|p| (p.shard, p.replaces)).collect();
        assert_eq!(batch.len(), 4, "the joiner takes four of zone a's replicas");
        let mut one_by_one = vec![];
        while let Some(p) = plan(&m, |_| true, 1, next_auto_id(&m)).pop() {
            one_by_one.push((p.shard, p.replaces));
            m.put_migration(p);
        }
        assert_eq!(one_by_one, batch, "a plan made while others run ends where one plan would");
    }

    #[test]
    fn a_drained_node_gives_every_replica_away_keeping_zones_then_is_drained() {
        let mut m = map();
        m.set_primary(0, Some(0), 1);
        assert!(apply_requests(&mut m, &[(0, MemberChange::Drain)]));
        settle(&mut m, |_| true);
        assert_eq!(m.standing_of(0), Standing::Drained);
        assert_eq!(counts(&m)[0], 0);
        assert_ne!(m.primary_of(0), Some(0), "its primary moved with its replica");
        assert!(zones_per_set(&m).iter().all(|&z| z == 3), "{:?}", m.replica_sets());
        assert!(!apply_requests(&mut m, &[(0, MemberChange::Drain)]), "drained already");
        assert!(apply_requests(&mut m, &[(0, MemberChange::Join)]), "a drained node may join again");
    }

    #[test]
    fn shards_with_a_dead_replica_wait_and_dead_nodes_receive_nothing() {
        let mut m = map();
        apply_requests(&mut m, &[(0, MemberChange::Drain)]);
        let planned = plan(&m, |a| a != 1, 10, AUTO_IDS);
        assert!(!planned.is_empty());
        assert!(planned.iter().all(|p| !p.prev_replicas.contains(&1) && p.to != 1), "{planned:?}");
        assert!(planned.iter().all(|p| p.replaces == Some(0)));
        let ids: Vec<u32> = planned.iter().map(|p| p.id).collect();
        assert_eq!(ids, (AUTO_IDS..AUTO_IDS + ids.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn at_most_the_free_slots_are_planned_and_a_drain_waits_for_its_migrations() {
        let mut m = map();
        apply_requests(&mut m, &[(2, MemberChange::Drain)]);
        let planned = plan(&m, |_| true, 2, AUTO_IDS);
        assert_eq!(planned.len(), 2);
        for p in planned {
            m.put_migration(p);
        }
        assert!(!finish_drains(&mut m), "replicas still on the node");
        assert_eq!(next_auto_id(&m), AUTO_IDS + 2);
    }
}
