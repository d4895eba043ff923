//! The replica part of a storage node: it serves coordinators' reads and writes from the
//! store, and refuses writes fenced with an epoch older than the newest grant it knows. Its
//! disk work (group commits, scrubbing, repairing damaged records) is in `disk.rs`.

pub mod copy;
mod disk;
mod msg;

use std::collections::BTreeMap;

use crate::actor::{Addr, Outbox};
use crate::shard_map::ShardMap;
use crate::storage::{Merged, Store};

pub use msg::{DiskTimer, FenceAct, FenceActKind, RepairMsg, ReplicaAnswer, ReplicaRequest};

/// One node's replica: its store and, per shard, the newest fence a primary announced here.
/// Both survive a crash (the store less what was not synced).
#[derive(Clone, Debug, Default)]
pub struct Replica {
    store: Store,
    /// Per shard, the highest fence a primary announced here: older fenced writes are refused.
    fences: BTreeMap<u32, u64>,
    /// Volatile: repairs under way, by key: the replicas that have not answered yet, and
    /// whether any versions came back.
    repairs: BTreeMap<u64, (Vec<Addr>, bool)>,
    /// Volatile: the repair timer is armed.
    repair_armed: bool,
    /// Volatile: the key the next scrub round starts at.
    scrub_from: u64,
}

impl Replica {
    /// A replica over `store`, knowing no fence yet.
    pub fn new(store: Store) -> Self {
        Replica { store, fences: BTreeMap::new(), repairs: BTreeMap::new(), repair_armed: false, scrub_from: 0 }
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
            ReplicaRequest::Write { req, key, item, fence } => {
                let shard = map.shard_of(key);
                if let Some(epoch) = fence {
                    let known = self.fence_of(shard, map);
                    if epoch < known {
                        // A deposed primary's write: refused, so it cannot reach W.
                        out.event(FenceAct { shard, epoch, kind: FenceActKind::Refused { known } });
                        return;
                    }
                }
                // Refused at the sibling bound: not stored, so not acknowledged. Under
                // `fsync: always` a stored write is synced before `apply_new` returns.
                if self.store.apply_new(key, &item) != Merged::Refused {
                    if let Some(epoch) = fence {
                        // A write fenced newer than any read announced fences what follows too.
                        self.raise_fence(shard, epoch);
                        out.event(FenceAct { shard, epoch, kind: FenceActKind::Accepted });
                    }
                    out.send(from, ReplicaAnswer::WriteAck { req });
                }
            }
            ReplicaRequest::Repair { req, key, item } => {
                self.store.apply(key, &item);
                out.send(from, ReplicaAnswer::WriteAck { req });
            }
            ReplicaRequest::Read { req, key, fence } => {
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
