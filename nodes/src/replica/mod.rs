//! The replica part of a storage node: it serves coordinators' reads and writes from the
//! store, and refuses writes fenced with an epoch older than the newest grant it knows. Its
//! disk work (group commits, scrubbing, repairing damaged records) is in `disk.rs`.

pub mod copy;
mod disk;
mod msg;

use std::collections::{BTreeMap, VecDeque};

use crate::actor::{Addr, Outbox};
use crate::bugs::{self, Bug};
use crate::shard_map::ShardMap;
use crate::storage::{Merged, StorageStats, Store};

pub use msg::{DiskTimer, FenceAct, FenceActKind, RepairMsg, ReplicaAnswer, ReplicaRequest};

/// One node's replica: its store and, per shard, the newest fence a primary announced here.
/// Both survive a crash (the store less what was not synced).
#[derive(Clone, Debug, Default)]
pub struct Replica {
    store: Store,
    /// Per shard, the highest fence a primary announced here: older fenced writes are refused.
    fences: BTreeMap<u32, u64>,
    /// Per shard being migrated, the epoch of the map that closed it for the cut-over, installed
    /// by the leader's final copy order: until this node's map is that new, it serves the shard
    /// to nobody (a coordinator routing by an older map could otherwise still form a quorum).
    route_fences: BTreeMap<u32, u64>,
    /// Volatile: repairs under way, by key: the replicas that have not answered yet, and
    /// whether any versions came back.
    repairs: BTreeMap<u64, (Vec<Addr>, bool)>,
    /// Volatile: the repair timer is armed.
    repair_armed: bool,
    /// Volatile: the key the next scrub round starts at.
    scrub_from: u64,
    /// Volatile: requests routed by a newer map than this node's, held (in arrival order)
    /// until its map is that new.
    held: VecDeque<(Addr, ReplicaRequest)>,
}

/// Requests a replica holds for a newer map at most; more are refused (the coordinator's
/// deadline then decides), so a node cut off from the leader does not pile them up.
const HELD_MAX: usize = 1024;

impl Replica {
    /// A replica over `store`, knowing no fence yet.
    pub fn new(store: Store) -> Self {
        Replica {
            store,
            fences: BTreeMap::new(),
            route_fences: BTreeMap::new(),
            repairs: BTreeMap::new(),
            repair_armed: false,
            scrub_from: 0,
            held: VecDeque::new(),
        }
    }

    /// The durable store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The durable store, for this node's own coordinator (local reads, writes and version
    /// counters skip the network).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The fence a write to `shard` must carry at least: the latest grant this node knows of,
    /// from its map or from a new primary's read.
    pub fn fence_of(&self, shard: u32, map: &ShardMap) -> u64 {
        map.granted_at(shard).max(self.fences.get(&shard).copied().unwrap_or(0))
    }

    /// True when this node (`me`) serves client reads and writes of `shard` by its `map`: it is one
    /// of the shard's replicas, the shard is not being cut over, and no final copy order fenced
    /// the shard at an epoch newer than the map.
    pub fn serves(&self, me: Addr, map: &ShardMap, shard: u32) -> bool {
        if bugs::on(Bug::OpenCutover) {
            return !map.ever_migrated(shard) || map.replica_sets()[shard as usize].contains(&me);
        }
        if self.route_fences.get(&shard).is_some_and(|&f| map.epoch < f) {
            return false;
        }
        !map.ever_migrated(shard) || (!map.moving(shard) && map.replica_sets()[shard as usize].contains(&me))
    }

    /// The newest map epoch this node knows `shard` by: its map's, or the cut-over epoch a final
    /// copy order fenced the shard until (what a refused stale route is told to wait for).
    pub fn route_epoch(&self, map: &ShardMap, shard: u32) -> u64 {
        map.epoch.max(self.route_fences.get(&shard).copied().unwrap_or(0))
    }

    /// A read or write this node does not serve by its map (`serves` said no). Routed by a
    /// newer map than this node's, it is held until this node's map is that new; routed by an
    /// older one, it is refused, naming the map to route by ([`ReplicaAnswer::StaleRoute`]).
    pub fn stale_route<M, T, E>(
        &mut self,
        from: Addr,
        request: ReplicaRequest,
        map: &ShardMap,
        stats: &mut StorageStats,
        out: &mut Outbox<M, T, E>,
    ) where
        M: From<ReplicaAnswer>,
    {
        let Some((req, key, epoch)) = request.route() else { return };
        if epoch > map.epoch && self.held.len() < HELD_MAX {
            stats.routes_held += 1;
            self.held.push_back((from, request));
            return;
        }
        stats.stale_routes_refused += 1;
        if !bugs::on(Bug::SilentStaleRoute) {
            let epoch = self.route_epoch(map, map.shard_of(key));
            out.send(from, ReplicaAnswer::StaleRoute { req, epoch });
        }
    }

    /// This node's map changed: the held requests it is now new enough for are served, or
    /// refused if they are stale by it after all.
    pub fn on_map<M, T, E>(&mut self, me: Addr, map: &ShardMap, stats: &mut StorageStats, out: &mut Outbox<M, T, E>)
    where
        M: From<ReplicaAnswer>,
        E: From<FenceAct>,
    {
        if self.held.iter().all(|(_, r)| r.route().is_some_and(|(_, _, epoch)| epoch > map.epoch)) {
            return;
        }
        let held = std::mem::take(&mut self.held);
        for (from, request) in held {
            let Some((_, key, epoch)) = request.route() else { continue };
            if epoch > map.epoch {
                self.held.push_back((from, request));
            } else if self.serves(me, map, map.shard_of(key)) {
                self.on_request(from, request, map, out);
            } else {
                self.stale_route(from, request, map, stats, out);
            }
        }
    }

    /// Fences `shard` for a migration's cut-over: refused until this node's map reaches `epoch`.
    pub fn fence_route(&mut self, shard: u32, epoch: u64) {
        let f = self.route_fences.entry(shard).or_insert(0);
        *f = (*f).max(epoch);
    }

    /// Raises the fence held for `shard` to `epoch`; true when it rose.
    fn raise_fence(&mut self, shard: u32, epoch: u64) -> bool {
        let known = self.fences.entry(shard).or_insert(0);
        let rose = epoch > *known;
        *known = (*known).max(epoch);
        rose
    }

    /// Serves a coordinator's request; `map` is this node's shard map.
    pub fn on_request<M, T, E>(
        &mut self,
        from: Addr,
        request: ReplicaRequest,
        map: &ShardMap,
        out: &mut Outbox<M, T, E>,
    ) where
        M: From<ReplicaAnswer>,
        E: From<FenceAct>,
    {
        match request {
            ReplicaRequest::Write { req, key, item, fence, .. } => {
                let shard = map.shard_of(key);
                if let Some(epoch) = fence {
                    let known = self.fence_of(shard, map);
                    if epoch < known && !bugs::on(Bug::FenceIgnored) {
                        // A deposed primary's write: refused, so it cannot reach W.
                        out.event(FenceAct { shard, epoch, kind: FenceActKind::Refused { known } });
                        out.send(from, ReplicaAnswer::Fenced { req });
                        return;
                    }
                }
                // Refused at the sibling bound: not stored, so not acknowledged. Under
                // `fsync: always` a stored write is synced before `apply_new` returns.
                if self.store.apply_new(key, &item) == Merged::Refused {
                    out.send(from, ReplicaAnswer::Refused { req });
                    return;
                }
                if let Some(epoch) = fence {
                    // A write fenced newer than any read announced fences what follows too.
                    self.raise_fence(shard, epoch);
                    out.event(FenceAct { shard, epoch, kind: FenceActKind::Accepted });
                }
                out.send(from, ReplicaAnswer::WriteAck { req });
            }
            ReplicaRequest::Repair { req, key, item } => {
                self.store.apply(key, &item);
                out.send(from, ReplicaAnswer::WriteAck { req });
            }
            ReplicaRequest::Read { req, key, fence, .. } => {
                if let Some(epoch) = fence {
                    let shard = map.shard_of(key);
                    if self.raise_fence(shard, epoch) {
                        out.event(FenceAct { shard, epoch, kind: FenceActKind::Fenced });
                    }
                }
                // A damaged record, or one still being repaired, is not answered for: the
                // coordinator waits for other replicas instead.
                if let Ok(versions) = self.store.read(key) {
                    out.send(from, ReplicaAnswer::ReadReply { req, versions });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration_msg::{Migration, Step};

    /// Four nodes, one shard on 0, 1, 2, migrating to node 3 (dropping node 2), at `step`.
    fn migrating(step: Step, epoch: u64) -> ShardMap {
        let mut map = ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0)], 1, 3);
        let (prev, next) = (vec![0, 1, 2], vec![3, 0, 1]);
        let m = Migration {
            id: 0,
            shard: 0,
            to: 3,
            step,
            prev_replicas: prev,
            prev_primary: None,
            next_replicas: next.clone(),
            replaces: None,
            failure: None,
        };
        if step >= Step::Transfer && step != Step::RolledBack {
            map.set_replicas(0, next);
        }
        map.put_migration(m);
        map.epoch = epoch;
        map
    }

    #[test]
    fn a_shard_is_served_by_its_replicas_except_while_it_is_cut_over() {
        let r = Replica::new(Store::new());
        let plain = ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0)], 1, 3);
        assert!(r.serves(2, &plain, 0), "never migrated: served");
        assert!(r.serves(2, &migrating(Step::Sync, 2), 0), "syncing: the old set serves");
        for step in [Step::Transfer, Step::Route, Step::Verify] {
            assert!(!r.serves(0, &migrating(step, 3), 0), "{step:?}: cut over, nobody serves");
            assert!(!r.serves(3, &migrating(step, 3), 0), "{step:?}: not even the target");
        }
        let done = migrating(Step::Done, 6);
        assert!(r.serves(3, &done, 0) && r.serves(0, &done, 0), "done: the new set serves");
        assert!(!r.serves(2, &done, 0), "done: the dropped replica refuses stale routes");
    }

    #[test]
    fn a_replica_fenced_by_the_final_copy_serves_nobody_until_its_map_catches_up() {
        let mut r = Replica::new(Store::new());
        let old = migrating(Step::Sync, 2);
        assert!(r.serves(1, &old, 0));
        r.fence_route(0, 5);
        r.fence_route(0, 4); // a late, older order lowers nothing
        assert!(!r.serves(1, &old, 0), "its map still routes by the old set: refused");
        assert!(!r.serves(1, &migrating(Step::Verify, 5), 0), "caught up, but still cut over");
        assert!(r.serves(1, &migrating(Step::Done, 6), 0), "done: served again");
        assert!(r.serves(1, &migrating(Step::RolledBack, 6), 0), "rolled back: the old set serves again");
    }
}
