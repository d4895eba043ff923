//! What a coordinator asks a replica, and what the replica answers.

use std::sync::Arc;

use crate::storage::Versioned;

/// A coordinator's request to a replica of the key's shard.
#[derive(Clone, Debug)]
pub enum ReplicaRequest {
    /// Store a version. A shard's primary fences its writes with the epoch it was granted the
    /// shard at; replicas that know a later grant refuse.
    /// The version is shared by every replica's copy of the message.
    /// `epoch` is the map the coordinator routed it by: a replica whose map is older holds it
    /// until its map is that new.
    Write { req: u64, key: u64, item: Arc<Versioned>, fence: Option<u64>, epoch: u64 },
    /// Store a version read repair found missing here. Never refused (it may be an
    /// acknowledged write that other replicas hold); acknowledged like a write.
    Repair { req: u64, key: u64, item: Arc<Versioned> },
    /// Send the versions held for a key. A new primary's read carries its fence: the replica
    /// then refuses writes fenced with an older epoch, so a deposed primary's late writes
    /// cannot land behind the new one's read.
    /// `epoch` as for writes.
    Read { req: u64, key: u64, fence: Option<u64>, epoch: u64 },
}

impl ReplicaRequest {
    /// A read's or write's request id, key and route epoch (`None` for a repair, which any
    /// holder of the key takes).
    pub fn route(&self) -> Option<(u64, u64, u64)> {
        match *self {
            ReplicaRequest::Write { req, key, epoch, .. } | ReplicaRequest::Read { req, key, epoch, .. } => {
                Some((req, key, epoch))
            }
            ReplicaRequest::Repair { .. } => None,
        }
    }
}

/// A replica's answer to the coordinator of request `req`.
#[derive(Clone, Debug)]
pub enum ReplicaAnswer {
    /// The replica durably holds the version (or a newer one).
    WriteAck { req: u64 },
    /// The versions the replica holds for the key (its siblings; `None` when it holds none),
    /// shared with its store rather than copied.
    ReadReply { req: u64, versions: Option<Arc<Vec<Versioned>>> },
    /// The replica does not serve the key's shard: the request was routed by a map older than
    /// `epoch` (the shard moved, or is being cut over), or the replica's own map is behind.
    /// `epoch` is the newest map the replica knows the shard by (its map's, or the epoch a
    /// cut-over fenced it until); a coordinator that routed by an older map routes again once
    /// its map is that new.
    StaleRoute { req: u64, epoch: u64 },
    /// The replica did not store the version: the key holds as many siblings as the store
    /// allows. Not stored, so never acknowledged; the coordinator gives up once W is out of reach.
    Refused { req: u64 },
    /// The replica did not store a primary's write: it knows a newer grant of the shard than
    /// the write's fence (the writer was deposed). An answer, so the deposed primary gives the
    /// write up once W is out of reach instead of waiting out its timeout.
    Fenced { req: u64 },
}

/// A replica's disk work, on its own clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskTimer {
    /// The group commit: sync what was written since the last one.
    Sync,
    /// Check the next batch of records' checksums, and fetch damaged ones again.
    Scrub,
    /// Ask again the replicas that have not answered a repair yet.
    Repair,
}

/// Between replicas: a replica that dropped a damaged record asks the key's other replicas
/// for their versions, and stores what comes back.
#[derive(Clone, Debug)]
pub enum RepairMsg {
    /// Send your versions of `key`.
    Fetch { key: u64 },
    /// The intact versions held for `key` (`None`: none), shared with the sender's store.
    /// A sender whose own record was damaged sends what it holds: waiting for it to repair
    /// first could wait forever on a replica that waits on this one.
    Fetched { key: u64, versions: Option<Arc<Vec<Versioned>>> },
}

/// What a replica did with a primary's fence: evidence for checkers, which judge fencing from
/// what replicas accepted rather than from what they claim to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FenceAct {
    /// The shard.
    pub shard: u32,
    /// The fence (grant epoch) the request carried.
    pub epoch: u64,
    /// What the replica did.
    pub kind: FenceActKind,
}

/// What a replica did with a fenced request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FenceActKind {
    /// It stored a write fenced with `epoch`.
    Accepted,
    /// It refused a write fenced with `epoch`: it knew the newer grant `known`.
    Refused { known: u64 },
    /// A new primary's read raised the fence it holds for the shard to `epoch`.
    Fenced,
}
