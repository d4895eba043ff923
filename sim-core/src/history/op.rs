//! Client operations as the history records them: what a client asked, when, how it ended,
//! what it wrote and what it read. Defined here, not by the system under test, so histories
//! from elsewhere can be checked too.

use std::borrow::Cow;
use std::fmt;

use super::version::{Version, Versioned};

/// Read or write. The discriminants are hashed into the trace: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// A read of one key.
    Read = 0,
    /// A write of one key.
    Write = 1,
}

/// How an operation ended, as its client saw it (Jepsen's `:ok`, `:fail`, `:info`). The
/// discriminants are hashed into the trace: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Completed: a write was acknowledged, a read answered.
    Ok = 0,
    /// Known not to have taken effect.
    Fail = 1,
    /// May or may not have taken effect (a timeout, a lost coordinator).
    Indeterminate = 2,
}

/// The consistency level a client asked for: how many of N replicas must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// One replica.
    One,
    /// A majority: N/2 + 1.
    Quorum,
    /// All N replicas.
    All,
    /// An explicit number of replicas (1..=N).
    Count(u8),
}

impl Level {
    /// The number of answers this level needs with `n` replicas.
    pub fn required(self, n: u8) -> u8 {
        match self {
            Level::One => 1,
            Level::Quorum => n / 2 + 1,
            Level::All => n,
            Level::Count(k) => k,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Level::One => f.write_str("ONE"),
            Level::Quorum => f.write_str("QUORUM"),
            Level::All => f.write_str("ALL"),
            Level::Count(k) => write!(f, "{k}"),
        }
    }
}

/// One client operation from invocation to completion.
#[derive(Clone, Debug)]
pub struct Op {
    /// The client (a Jepsen process) that issued it.
    pub client: u32,
    /// Workload group the client belongs to.
    pub group: u16,
    /// Per-client sequence number.
    pub seq: u64,
    /// Read or write.
    pub kind: OpKind,
    /// The key.
    pub key: u64,
    /// The key's shard, when the system has shards.
    pub shard: Option<u32>,
    /// Requested level.
    pub level: Level,
    /// Answers required (W or R).
    pub required: u8,
    /// Replication factor N of the key.
    pub n: u8,
    /// Invocation time (simulated ms).
    pub invoke_ms: u64,
    /// Completion time (simulated ms).
    pub complete_ms: u64,
    /// How it ended.
    pub outcome: Outcome,
    /// Why it did not complete, for non-ok outcomes.
    pub reason: Option<Cow<'static, str>>,
    /// The node that handled it last, if any accepted it.
    pub coordinator: Option<u32>,
    /// For writes: the written value (unique per write).
    pub value: Option<u64>,
    /// For writes: the context the client passed (what it had read).
    pub context: Version,
    /// For writes: the version the write was given, when known.
    pub version: Option<Version>,
    /// For ok reads: the versions returned (siblings when more than one).
    pub read: Vec<Versioned>,
    /// For writes through a primary: the values of the key the primary had read or acknowledged
    /// before versioning this write (what the node did). The write may supersede those too.
    pub primary_saw: Vec<u64>,
    /// For ok writes: how many of the W answers came from stand-ins (hinted handoff) rather
    /// than the key's replicas, as the coordinator counted them. Such a write is not strictly
    /// quorum-acknowledged: only `required - stand_ins` replicas are known to hold it.
    pub stand_ins: u8,
    /// How many times the client sent it again after a refusal (its `retry:` policy).
    pub retries: u8,
}

impl Op {
    /// Latency as seen by the client.
    pub fn latency_ms(&self) -> u64 {
        self.complete_ms - self.invoke_ms
    }

    /// True for operations that completed successfully.
    pub fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// For tests: an ok operation of client 1 on `key` at level ONE (N=3, one answer required)
    /// through node 0, with nothing written or read; tests override the fields they need.
    #[cfg(test)]
    pub(crate) fn blank(kind: OpKind, key: u64, (invoke_ms, complete_ms): (u64, u64)) -> Op {
        Op {
            client: 1,
            group: 0,
            seq: 0,
            kind,
            key,
            shard: None,
            level: Level::One,
            required: 1,
            n: 3,
            invoke_ms,
            complete_ms,
            outcome: Outcome::Ok,
            reason: None,
            coordinator: Some(0),
            value: None,
            context: Version::new(),
            version: None,
            read: vec![],
            primary_saw: vec![],
            stand_ins: 0,
            retries: 0,
        }
    }
}
