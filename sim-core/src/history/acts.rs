//! What nodes did with authority, as the history records it: leaders sending heartbeats,
//! primaries stamping and fencing, replicas accepting or refusing fenced writes; and what the
//! leader granted, released and bounded. Checkers judge single ownership and fencing from
//! these acts and the leader's own bounds, not from the roles nodes claim.

/// What a primary did. The discriminants are hashed into the trace: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrimaryActKind {
    /// It versioned a write and sent it out fenced.
    Stamp = 0,
    /// It read a key with its fence, installing the fence on the replicas.
    Fence = 1,
}

/// An act of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// It sent heartbeats as leader of `term`.
    Leader { term: u64 },
    /// It acted as primary of `shard` under the grant made at `epoch`.
    Primary { shard: u32, epoch: u64, kind: PrimaryActKind },
    /// As a replica, it stored a write fenced with `epoch`.
    Accepted { shard: u32, epoch: u64 },
    /// As a replica, it refused a write fenced with `epoch`, knowing the newer grant `known`.
    Refused { shard: u32, epoch: u64, known: u64 },
    /// As a replica, a new primary's read raised its fence for `shard` to `epoch`.
    Fenced { shard: u32, epoch: u64 },
}

/// An act, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// The node that acted.
    pub node: u32,
    /// What it did.
    pub act: Act,
}

/// A change to a grant, as the leader made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantChange {
    /// The leader proposed a map granting the shard.
    Granted,
    /// The leader counts the grant as over (acknowledged revoke, or the old lease surely expired).
    Released { by_ack: bool },
    /// The leader proposed a map without the node as the shard's primary: the revoke's start.
    /// `dead` when the leader counted the node as down (its claim, not evidence of health).
    Revoked { dead: bool },
}

/// A grant of a shard to a node, or its end, as a leader recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// The leader.
    pub leader: u32,
    /// The shard.
    pub shard: u32,
    /// The node granted the shard.
    pub node: u32,
    /// The epoch of the grant (the fencing token the node's acts carry).
    pub epoch: u64,
    /// Granted or released.
    pub change: GrantChange,
}

/// A leader's bound on a node's lease: from `at_ms` the node may act as primary until at most
/// `until_ms` (simulated, converted through the leader's clock) unless renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseBoundRecord {
    /// Simulated time the leader computed the bound.
    pub at_ms: u64,
    /// The leader.
    pub leader: u32,
    /// The node bounded.
    pub node: u32,
    /// The bound.
    pub until_ms: u64,
}
