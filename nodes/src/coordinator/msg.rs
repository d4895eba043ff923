//! The client protocol a coordinator serves, and the write a coordinator forwards to a shard's
//! primary.

use crate::actor::Addr;
use crate::storage::{Context, Dot, Versioned};

/// A client's request to a coordinator.
#[derive(Clone, Debug)]
pub enum ClientRequest {
    /// Read `key` and wait for `r` replica answers.
    Read { op: u64, key: u64, r: u8, attempt: u8 },
    /// Write `value` to `key` with `w` acks, superseding the writes in `context` (what the
    /// client had seen of the key). `attempt` counts the client's retries of the operation, so
    /// a retry is told apart from a network copy of an attempt that was refused.
    Write { op: u64, key: u64, w: u8, value: u64, context: Context, attempt: u8 },
}

impl ClientRequest {
    /// The client's operation id.
    pub fn op(&self) -> u64 {
        match self {
            ClientRequest::Read { op, .. } | ClientRequest::Write { op, .. } => *op,
        }
    }

    /// The client's attempt at the operation (0, then one more per retry).
    pub fn attempt(&self) -> u8 {
        match self {
            ClientRequest::Read { attempt, .. } | ClientRequest::Write { attempt, .. } => *attempt,
        }
    }

    /// The key read or written.
    pub fn key(&self) -> u64 {
        match self {
            ClientRequest::Read { key, .. } | ClientRequest::Write { key, .. } => *key,
        }
    }
}

/// What a client hears back about operation `op`.
#[derive(Clone, Debug)]
pub enum ClientAnswer {
    /// The coordinator's answer.
    Reply { op: u64, reply: Reply },
    /// The network's answer when the client connected to a node that is down (connection refused).
    Refused { op: u64 },
}

/// The outcome a coordinator reports to a client.
#[derive(Clone, Debug)]
pub enum Reply {
    /// The write reached `w` replicas; `dot` names it (the client's context for the key is
    /// now what it sent plus this dot).
    WriteOk { dot: Dot, stand_ins: u8 },
    /// The read got `r` answers; these are the surviving (mutually concurrent) versions.
    ReadOk { versions: Vec<Versioned> },
    /// Not enough replicas answered before the coordinator's timeout. A write may still have
    /// been applied on some replicas, so its `dot` is reported.
    Timeout { dot: Option<Dot>, answers: u8 },
    /// With writes through primaries: no node could act as the shard's primary, so the write
    /// was not applied anywhere. `attempt` is the refused attempt's (a late copy of an earlier
    /// attempt's refusal says nothing of the attempt in flight).
    NotPrimary { attempt: u8 },
    /// The key's shard is being cut over to a migration's new replicas: the request was refused
    /// at once and applied nowhere (`attempt` as for `NotPrimary`).
    ShardMoving { attempt: u8 },
    /// Replicas refused the write at their sibling bound, so many that W was out of reach: given
    /// up at once. It may be stored on fewer than W replicas (`dot`, as for a timeout).
    SiblingBound { dot: Option<Dot>, answers: u8 },
    /// Replicas refused a primary's write as fenced by a newer grant (the primary was deposed),
    /// so many that W was out of reach: given up at once (`dot`, as for a timeout).
    Fenced { dot: Option<Dot>, answers: u8 },
}

/// A client write handed by a coordinator that is not the shard's primary to the primary,
/// which answers the client directly.
#[derive(Clone, Debug)]
pub struct ForwardWrite {
    /// The client to answer.
    pub client: Addr,
    /// The client's operation id.
    pub op: u64,
    /// The key.
    pub key: u64,
    /// Acknowledgements required.
    pub w: u8,
    /// The value written.
    pub value: u64,
    /// What the client had seen.
    pub context: Context,
    /// The client's attempt (see `ClientRequest::Write`).
    pub attempt: u8,
}

/// The coordinator's one timer: some request may have reached its timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoordinatorTimer {
    /// Armed for the earliest request deadline, local time `at`.
    RequestsDue { at: u64 },
}

/// The values a primary had seen of a key when it versioned a client's write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimarySaw {
    /// The client that issued the write.
    pub client: Addr,
    /// The client's operation number.
    pub op: u64,
    /// The values (unique per write) the primary had read or acknowledged.
    pub values: Vec<u64>,
}

/// What a node did as a shard's primary: evidence for checkers, which judge single ownership
/// from acts rather than from the roles a node claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrimaryAct {
    /// The shard acted for.
    pub shard: u32,
    /// The grant epoch the act carries (its fencing token).
    pub epoch: u64,
    /// What the node did.
    pub kind: PrimaryActKind,
}

/// The acts of a primary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrimaryActKind {
    /// It versioned a write and sent it out fenced.
    Stamp,
    /// It read a key with its fence, installing the fence on the replicas.
    Fence,
}
