//! Messages exchanged between clients, coordinators and replicas.

use crate::control::Ctl;
use crate::version::{VersionVector, Versioned};

/// An endpoint on the simulated network: storage nodes first (0..n), then clients.
pub type Addr = u32;

/// A message on the simulated network.
#[derive(Clone, Debug)]
pub enum Msg {
    /// Client asks a coordinator to read `key` and wait for `r` replica answers.
    ClientRead { op: u64, key: u64, r: u8 },
    /// Client asks a coordinator to write `value` to `key` with `w` acks, superseding `context`.
    ClientWrite { op: u64, key: u64, w: u8, value: u64, context: VersionVector },
    /// A coordinator's answer to a client request.
    ClientReply { op: u64, reply: Reply },
    /// The network's answer when a client connects to a node that is down (connection refused).
    Refused { op: u64 },
    /// Coordinator asks a replica to store a version. A shard's primary fences its writes
    /// with the epoch it was granted the shard at; replicas that know a later grant refuse.
    ReplicaWrite { req: u64, key: u64, item: Versioned, fence: Option<u64> },
    /// A coordinator that is not the shard's primary hands a client write to the primary,
    /// which answers the client directly.
    ForwardWrite { client: Addr, op: u64, key: u64, w: u8, value: u64, context: VersionVector },
    /// A replica confirms that it durably holds the version (or a newer one).
    ReplicaWriteAck { req: u64 },
    /// Coordinator asks a replica for its versions of a key.
    ///
    /// A new primary's read carries its fence: the replica then refuses writes fenced with an
    /// older epoch, so a deposed primary's late writes cannot land behind the new one's read.
    ReplicaRead { req: u64, key: u64, fence: Option<u64> },
    /// A replica's versions of a key (its siblings).
    ReplicaReadReply { req: u64, versions: Vec<Versioned> },
    /// Leader election and shard assignment.
    Ctl(Ctl),
}

/// The outcome a coordinator reports to a client.
#[derive(Clone, Debug)]
pub enum Reply {
    /// The write reached `w` replicas under `version`.
    WriteOk { version: VersionVector },
    /// The read got `r` answers; these are the surviving (mutually concurrent) versions.
    ReadOk { versions: Vec<Versioned> },
    /// Not enough replicas answered before the coordinator's timeout. A write may still have
    /// been applied on some replicas, so `version` is reported for writes.
    Timeout { version: Option<VersionVector>, answers: u8 },
    /// With writes through primaries: no node could act as the shard's primary, so the write
    /// was not applied anywhere.
    NotPrimary,
}

impl Msg {
    /// True for requests a client sends to a coordinator (refused when the node is down).
    pub fn is_client_request(&self) -> bool {
        matches!(self, Msg::ClientRead { .. } | Msg::ClientWrite { .. })
    }
}
