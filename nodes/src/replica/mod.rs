//! The replica part of a storage node: it serves coordinators' reads and writes from the
//! store, and refuses writes fenced with an epoch older than the newest grant it knows. Its
//! disk work (group commits, scrubbing, repairing damaged records) is in `disk.rs`.

mod disk;
mod msg;

use std::collections::BTreeMap;

use crate::actor::{Addr, Outbox};
use crate::shard_map::ShardMap;
use crate::storage::{Merged, Store};

pub use msg::{DiskTimer, RepairMsg, ReplicaAnswer, ReplicaRequest};

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

    /// Serves a coordinator's request; `map` is this node's shard map.
    pub fn on_request<M, T, E>(
        &mut self,
        from: Addr,
        request: ReplicaRequest,
        map: &ShardMap,
        out: &mut Outbox<M, T, E>,
    ) where
        M: From<ReplicaAnswer>,
    {
        match request {
            ReplicaRequest::Write { req, key, item, fence } => {
                if fence.is_some_and(|f| f < self.fence_of(map.shard_of(key), map)) {
                    return; // a deposed primary's write: refused, so it cannot reach W
                }
                // Refused at the sibling bound: not stored, so not acknowledged. Under
                // `fsync: always` a stored write is synced before `apply_new` returns.
                if self.store.apply_new(key, &item) != Merged::Refused {
                    out.send(from, ReplicaAnswer::WriteAck { req });
                }
            }
            ReplicaRequest::Repair { req, key, item } => {
                self.store.apply(key, &item);
                out.send(from, ReplicaAnswer::WriteAck { req });
            }
            ReplicaRequest::Read { req, key, fence } => {
                if let Some(f) = fence {
                    let known = self.fences.entry(map.shard_of(key)).or_insert(0);
                    *known = (*known).max(f);
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
