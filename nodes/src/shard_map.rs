//! The shard map: which storage nodes replicate each shard and which of them is its primary,
//! versioned by an epoch. The control plane's leader owns it and replicates it; every
//! coordinator routes by its node's copy, and every replica fences by it.

use std::sync::Arc;

use crate::actor::Addr;
use crate::migration_msg::{Migration, Step};
pub use crate::shard_spec::mix64;
use crate::shard_spec::{shard_of_key, Requirement, ShardSpec};

/// Keys to shards, shards to replica sets and primaries, versioned by `epoch`.
///
/// The per-shard tables are shared and copied on write: heartbeats to followers that are behind
/// carry the whole map, every node holds one, and at 1,000 nodes × 10,000 shards private copies
/// cost gigabytes. Replica sets start as a ring; a migration changes one through the same
/// versioned value, and the map records every migration's step so a new leader resumes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardMap {
    /// Bumped by every change the leader proposes.
    pub epoch: u64,
    /// Replicas of each shard.
    replicas: Arc<Vec<Vec<Addr>>>,
    /// Primary per shard (`None`: unassigned).
    primaries: Arc<Vec<Option<Addr>>>,
    /// Per shard, the epoch its current primary (or vacancy) was set at: the fencing token a
    /// primary stamps its writes with.
    granted_at: Arc<Vec<u64>>,
    /// Per shard, its consistency requirement (a shard's N is its replica set's size: a
    /// migration replaces replicas one for one).
    requirements: Arc<Vec<Requirement>>,
    /// Each member's zone, by address (`NO_ZONE` for an address that is no member).
    zones: Arc<Vec<u16>>,
    /// The members that vote and may lead, ascending; empty until the control plane chose
    /// them. Changed one member at a time by the leader (Raft's single-server changes).
    voters: Arc<Vec<Addr>>,
    /// Every migration requested so far, by id (finished ones too: a repeated request is known).
    migrations: Arc<Vec<Migration>>,
    /// Each address's standing in the cluster (joins and drains change it through the map).
    standing: Arc<Vec<Standing>>,
}

/// Where a node stands in the cluster, as the leader's map records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// Declared, but not part of the cluster yet: no replicas, no vote.
    Outside,
    /// A member from the start.
    Member,
    /// A member that joined during the run: the leader moves replicas onto it.
    Joined,
    /// Being drained: the leader moves its replicas away; it takes none and leaves the voters.
    Draining,
    /// Drained: it holds no replica and may leave.
    Drained,
}

impl Standing {
    /// True for the nodes that may hold replicas and vote.
    pub fn serves(self) -> bool {
        matches!(self, Standing::Member | Standing::Joined)
    }

    /// The standing's name in reports and event logs.
    pub fn name(self) -> &'static str {
        match self {
            Standing::Outside => "outside",
            Standing::Member => "member",
            Standing::Joined => "joined",
            Standing::Draining => "draining",
            Standing::Drained => "drained",
        }
    }
}

/// The zone of an address that is no member.
const NO_ZONE: u16 = u16::MAX;

impl ShardMap {
    /// Places `shards` shards on `nodes` (address and zone index each), N replicas a shard,
    /// every shard unassigned, at epoch 0.
    ///
    /// Nodes are laid on a ring that alternates zones (a node of zone 0, of zone 1, ...), and
    /// shard `s` takes N consecutive ring positions starting at `s`, so each replica set spans
    /// as many zones as it can.
    pub fn ring(nodes: &[(Addr, u16)], shards: u32, n: u8) -> Self {
        Self::placed(nodes, &ShardSpec::uniform(shards, n, Requirement::Eventual))
    }

    /// As [`ring`](Self::ring), with each shard's N and requirement from `spec`: shard `s`
    /// takes its N consecutive ring positions starting at `s`.
    pub fn placed(nodes: &[(Addr, u16)], spec: &ShardSpec) -> Self {
        let (lo, hi) = spec.n_range();
        assert!(hi as usize <= nodes.len() && lo > 0, "N must be in 1..=nodes");
        let shards = spec.shards();
        let zones = nodes.iter().map(|&(_, z)| z).max().map_or(0, |z| z + 1);
        let mut per_zone: Vec<Vec<Addr>> = vec![vec![]; zones as usize];
        for &(node, zone) in nodes {
            per_zone[zone as usize].push(node);
        }
        let mut ring = Vec::with_capacity(nodes.len());
        for round in 0.. {
            let before = ring.len();
            for z in &per_zone {
                if let Some(&node) = z.get(round) {
                    ring.push(node);
                }
            }
            if ring.len() == before {
                break;
            }
        }
        let zone_table = zone_table(nodes);
        let replicas =
            (0..shards).map(|s| (0..spec.n_of(s) as usize).map(|i| ring[(s as usize + i) % ring.len()]).collect());
        ShardMap {
            epoch: 0,
            replicas: Arc::new(replicas.collect()),
            primaries: Arc::new(vec![None; shards as usize]),
            granted_at: Arc::new(vec![0; shards as usize]),
            requirements: Arc::new(spec.requirements().to_vec()),
            standing: Arc::new(
                zone_table.iter().map(|&z| if z == NO_ZONE { Standing::Outside } else { Standing::Member }).collect(),
            ),
            zones: Arc::new(zone_table),
            voters: Arc::new(Vec::new()),
            migrations: Arc::new(Vec::new()),
        }
    }

    /// Declares `nodes` (address and zone each) outside the cluster: known, but holding no
    /// replica until they join. They must not be on the ring.
    pub fn with_outside(mut self, nodes: &[(Addr, u16)]) -> Self {
        for &(addr, zone) in nodes {
            assert!(self.replicas.iter().all(|r| !r.contains(&addr)), "outside nodes hold no replica");
            let a = addr as usize;
            let zones = Arc::make_mut(&mut self.zones);
            let standing = Arc::make_mut(&mut self.standing);
            if zones.len() <= a {
                zones.resize(a + 1, NO_ZONE);
                standing.resize(a + 1, Standing::Outside);
            }
            zones[a] = zone;
            standing[a] = Standing::Outside;
        }
        self
    }

    /// The standing of `addr` (`Outside` for an address that is no member).
    pub fn standing_of(&self, addr: Addr) -> Standing {
        self.standing.get(addr as usize).copied().unwrap_or(Standing::Outside)
    }

    /// Every address's standing, by address.
    pub fn standings(&self) -> &[Standing] {
        &self.standing
    }

    /// Sets the standing of `addr`, a known address.
    pub fn set_standing(&mut self, addr: Addr, standing: Standing) {
        if let Some(s) = Arc::make_mut(&mut self.standing).get_mut(addr as usize) {
            *s = standing;
        }
    }

    /// The zone of member `addr` (`None`: no member).
    pub fn zone_of(&self, addr: Addr) -> Option<u16> {
        self.zones.get(addr as usize).copied().filter(|&z| z != NO_ZONE)
    }

    /// The voters, ascending (empty: not chosen yet).
    pub fn voters(&self) -> &[Addr] {
        &self.voters
    }

    /// Replaces the voters (sorted here).
    pub fn set_voters(&mut self, mut voters: Vec<Addr>) {
        voters.sort_unstable();
        voters.dedup();
        self.voters = Arc::new(voters);
    }

    /// The shard a key belongs to: a fixed hash of the key, modulo the shard count.
    pub fn shard_of(&self, key: u64) -> u32 {
        shard_of_key(key, self.shards())
    }

    /// The replica set of `key`'s shard.
    pub fn replicas_of(&self, key: u64) -> &[Addr] {
        &self.replicas[self.shard_of(key) as usize]
    }

    /// The replica sets, shared: what a request keeps of the map it was routed by.
    pub fn replica_table(&self) -> Arc<Vec<Vec<Addr>>> {
        self.replicas.clone()
    }

    /// The replica set of every shard, by shard.
    pub fn replica_sets(&self) -> &[Vec<Addr>] {
        &self.replicas
    }

    /// The primary of `shard` (`None`: unassigned, or no such shard).
    pub fn primary_of(&self, shard: u32) -> Option<Addr> {
        self.primaries.get(shard as usize).copied().flatten()
    }

    /// The primary of every shard, by shard.
    pub fn primaries(&self) -> &[Option<Addr>] {
        &self.primaries
    }

    /// The epoch at which `shard`'s current primary was granted (its fencing token).
    pub fn granted_at(&self, shard: u32) -> u64 {
        self.granted_at.get(shard as usize).copied().unwrap_or(0)
    }

    /// Gives `shard` to `primary` (or leaves it unassigned) as of epoch `epoch`; the tables are
    /// copied first if another map shares them.
    pub fn set_primary(&mut self, shard: u32, primary: Option<Addr>, epoch: u64) {
        Arc::make_mut(&mut self.primaries)[shard as usize] = primary;
        Arc::make_mut(&mut self.granted_at)[shard as usize] = epoch;
    }

    /// Replaces `shard`'s replica set (a migration's transfer or rollback).
    pub fn set_replicas(&mut self, shard: u32, replicas: Vec<Addr>) {
        Arc::make_mut(&mut self.replicas)[shard as usize] = replicas;
    }

    /// Every migration requested so far, ascending by id.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The migration with id `id`, if the map holds it.
    pub fn migration(&self, id: u32) -> Option<&Migration> {
        self.migrations.binary_search_by_key(&id, |m| m.id).ok().map(|i| &self.migrations[i])
    }

    /// Adds or replaces the migration with `m.id`, keeping the list sorted by id.
    pub fn put_migration(&mut self, m: Migration) {
        let list = Arc::make_mut(&mut self.migrations);
        match list.binary_search_by_key(&m.id, |x| x.id) {
            Ok(i) => list[i] = m,
            Err(i) => list.insert(i, m),
        }
    }

    /// True when `shard` was ever the subject of a migration (its replica set may have changed,
    /// so replicas check membership before accepting its writes).
    pub fn ever_migrated(&self, shard: u32) -> bool {
        !self.migrations.is_empty() && self.migrations.iter().any(|m| m.shard == shard)
    }

    /// True while `shard` is being cut over to its migration's new replica set (transferred,
    /// not yet done or rolled back): nobody serves its reads or writes then, so no read on the
    /// new set can miss a write the old set acknowledged (the old replicas are fenced and copy
    /// their tail to the target first).
    pub fn moving(&self, shard: u32) -> bool {
        !self.migrations.is_empty()
            && self
                .migrations
                .iter()
                .any(|m| m.shard == shard && matches!(m.step, Step::Transfer | Step::Route | Step::Verify))
    }

    /// Number of shards with a primary.
    pub fn assigned(&self) -> u32 {
        self.primaries.iter().filter(|p| p.is_some()).count() as u32
    }

    /// Replication factor N of `shard`: its replica set's size (0: no such shard).
    pub fn n_of(&self, shard: u32) -> u8 {
        self.replicas.get(shard as usize).map_or(0, |r| r.len() as u8)
    }

    /// The consistency requirement of `shard`.
    pub fn requirement_of(&self, shard: u32) -> Requirement {
        self.requirements.get(shard as usize).copied().unwrap_or_default()
    }

    /// Number of shards.
    pub fn shards(&self) -> u32 {
        self.replicas.len() as u32
    }
}

/// Zones by address, from `(address, zone)` pairs.
fn zone_table(nodes: &[(Addr, u16)]) -> Vec<u16> {
    let len = nodes.iter().map(|&(a, _)| a as usize + 1).max().unwrap_or(0);
    let mut zones = vec![NO_ZONE; len];
    for &(a, z) in nodes {
        zones[a as usize] = z;
    }
    zones
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placed(zones: &[u16]) -> Vec<(Addr, u16)> {
        zones.iter().enumerate().map(|(a, &z)| (a as Addr, z)).collect()
    }

    #[test]
    fn replica_sets_span_zones() {
        let zones = [0, 0, 1, 1, 2, 2];
        let map = ShardMap::ring(&placed(&zones), 12, 3);
        for s in 0..12u64 {
            let reps = &map.replicas[s as usize];
            let mut zs: Vec<u16> = reps.iter().map(|&r| zones[r as usize]).collect();
            zs.sort();
            zs.dedup();
            assert_eq!(zs.len(), 3, "shard {s} replicas {reps:?} should cover 3 zones");
        }
    }

    #[test]
    fn every_node_gets_shards_and_keys_spread() {
        let map = ShardMap::ring(&placed(&[0, 1, 2, 0, 1]), 16, 3);
        let mut load = [0; 5];
        for r in map.replicas.iter() {
            for &n in r {
                load[n as usize] += 1;
            }
        }
        assert!(load.iter().all(|&l| l > 0), "{load:?}");
        let mut per_shard = [0; 16];
        for k in 0..1600 {
            per_shard[map.shard_of(k) as usize] += 1;
        }
        assert!(per_shard.iter().all(|&c| c > 50), "{per_shard:?}");
    }

    #[test]
    fn addresses_are_identities_not_positions() {
        let map = ShardMap::ring(&[(40, 0), (7, 1), (12, 0)], 3, 2);
        assert_eq!(map.replica_sets(), [vec![40, 7], vec![7, 12], vec![12, 40]]);
    }

    #[test]
    fn zones_are_kept_by_address_and_voters_sorted() {
        let mut map = ShardMap::ring(&[(40, 2), (7, 1), (12, 0)], 3, 2);
        assert_eq!((map.zone_of(40), map.zone_of(7), map.zone_of(8), map.zone_of(99)), (Some(2), Some(1), None, None));
        assert!(map.voters().is_empty());
        map.set_voters(vec![40, 7, 7]);
        assert_eq!(map.voters(), [7, 40]);
    }

    #[test]
    fn setting_a_primary_copies_shared_tables_and_counts_assignments() {
        let map = ShardMap::ring(&placed(&[0, 1, 2]), 4, 3);
        let mut next = map.clone();
        next.set_primary(2, Some(1), 5);
        assert_eq!((next.primary_of(2), next.granted_at(2), next.assigned()), (Some(1), 5, 1));
        assert_eq!((map.primary_of(2), map.granted_at(2), map.assigned()), (None, 0, 0), "the original is unchanged");
        assert_eq!((next.primary_of(99), next.granted_at(99)), (None, 0), "no such shard");
    }
}
