//! What a client observes of one operation: its whole life, reported when it ends.

use crate::actor::Addr;
use crate::consistency::Consistency;
use crate::storage::{Context, Dot, Versioned};

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// A read of one key.
    Read,
    /// A write of one key.
    Write,
}

/// How an operation ended, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Completed: a write was acknowledged by W replicas, a read answered by R.
    Ok,
    /// Known not to have taken effect (no coordinator accepted it, or a read that failed).
    Fail,
    /// A write that may or may not have been applied (timeout, coordinator lost).
    Indeterminate,
}

/// Why an operation did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailReason {
    /// The coordinator did not collect enough answers in time.
    QuorumTimeout,
    /// The client heard nothing from the coordinator in time.
    ClientTimeout,
    /// Every coordinator the client tried refused the connection.
    NoCoordinator,
    /// The shard had no acting primary to take the write.
    NotPrimary,
    /// The shard was being cut over to a migration's new replicas.
    ShardMoving,
    /// Replicas refused the write at their sibling bound, leaving W out of reach (it may be
    /// stored on fewer than W).
    SiblingBound,
    /// Replicas refused the primary's write as fenced by a newer grant, leaving W out of reach
    /// (it may be stored on fewer than W).
    Fenced,
}

/// One client operation from invocation to completion.
#[derive(Clone, Debug)]
pub struct OpRecord {
    /// Client endpoint that issued it.
    pub client: Addr,
    /// Workload group the client belongs to.
    pub group: u16,
    /// Per-client sequence number.
    pub seq: u64,
    /// Read or write.
    pub kind: OpKind,
    /// The key.
    pub key: u64,
    /// Requested level.
    pub consistency: Consistency,
    /// Answers required (W or R).
    pub required: u8,
    /// Replication factor N of the key's shard.
    pub n: u8,
    /// Simulated invocation time.
    pub invoke_ms: u64,
    /// Simulated completion time.
    pub complete_ms: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it did not complete, for non-ok outcomes.
    pub reason: Option<FailReason>,
    /// The coordinator that handled it last, if any accepted it.
    pub coordinator: Option<Addr>,
    /// For writes: the written value (unique per write).
    pub value: Option<u64>,
    /// For writes: the context the client passed (what it had seen of the key).
    pub context: Context,
    /// For writes: the dot the coordinator gave the write, when known.
    pub dot: Option<Dot>,
    /// For ok reads: the versions returned (siblings when more than one).
    pub read: Vec<Versioned>,
    /// For ok writes: how many of the W answers came from stand-ins holding a hint (hinted
    /// handoff), not from the key's own replicas.
    pub stand_ins: u8,
    /// How many times it was sent again after a refusal (see `RetryPolicy`).
    pub retries: u8,
}

impl OpRecord {
    /// Latency as seen by the client.
    pub fn latency_ms(&self) -> u64 {
        self.complete_ms - self.invoke_ms
    }
}
