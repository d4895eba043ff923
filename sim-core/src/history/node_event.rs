//! What nodes did, as the history records it: life changes, elections, primary roles, leases,
//! commits. Facts reported by nodes, in the history's own vocabulary.

/// A change in a node's life. The discriminants are hashed into the trace: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeChange {
    /// The node's process was killed; volatile state is gone.
    Crashed = 0,
    /// The node booted again from its durable state.
    Restarted = 1,
    /// The node was frozen (a long GC pause).
    Paused = 2,
    /// The node runs again after a pause.
    Resumed = 3,
    /// The node joined the gossip membership.
    Joined = 4,
    /// The node left the gossip membership (gracefully).
    Left = 5,
}

/// A member's state in a node's gossip view. The discriminants are hashed into the trace:
/// never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MemberState {
    /// Answering probes, as far as the viewer knows.
    Alive = 0,
    /// Suspected: it has a suspicion timeout to refute it.
    Suspect = 1,
    /// Declared down (failed or left), or not a member.
    Down = 2,
}

/// A node's gossip view of a member changed state, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberViewRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// The node whose view changed.
    pub viewer: u32,
    /// The member the view is about.
    pub member: u32,
    /// Its new state in that view.
    pub state: MemberState,
    /// The member's identity generation and incarnation (`gen << 16 | incarnation`): higher is newer.
    pub incarnation: u64,
}

/// How a run used gossip membership: what the membership checker needs besides the records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MembershipSetup {
    /// How long after the last fault heals every live view must agree with the truth (derived
    /// from the scenario's gossip settings).
    pub bound_ms: u64,
    /// Declared nodes that start outside the membership (they join with a `join` action).
    pub outside: Vec<u32>,
}

/// Why a leader stopped leading. The discriminants are hashed into the trace: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDownReason {
    /// It saw a higher term.
    HigherTerm = 0,
    /// It could not reach a majority (check-quorum).
    LostQuorum = 1,
    /// Its own heartbeat round trips were too slow.
    Slow = 2,
}

/// Something a node's control plane reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlEvent {
    /// The node became leader of `term`.
    BecameLeader { term: u64 },
    /// The node stopped being leader.
    SteppedDown { term: u64, reason: StepDownReason },
    /// The shards the node acts as primary for (valid only under its lease), at map `epoch`.
    Roles { epoch: u64, shards: Vec<u32> },
    /// The leader committed a shard map with `assigned` shards given a primary.
    Committed { epoch: u64, assigned: u32 },
    /// The leader of `term` may grant from here on: its post-election wait is over.
    GrantsOpen { term: u64 },
    /// The leader proposed a map at `epoch` whose voters are `voters`.
    Voters { epoch: u64, voters: Vec<u32> },
    /// The leader committed a map in which `node`'s standing became `standing`.
    Standing { node: u32, standing: Standing },
}

/// Where a node stands in the cluster, as a leader's committed map recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// Declared, not part of the cluster yet.
    Outside,
    /// A member from the start.
    Member,
    /// Joined during the run.
    Joined,
    /// Its replicas are being moved away.
    Draining,
    /// Holds no replica; it may leave.
    Drained,
}

impl Standing {
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

/// A node's change of state, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeEventRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// Node address.
    pub node: u32,
    /// What happened.
    pub change: NodeChange,
}

/// Something a node's control plane reported, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// Node address.
    pub node: u32,
    /// What happened.
    pub event: ControlEvent,
}

/// A node's lease was extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseRecord {
    /// Simulated time of the renewal.
    pub at_ms: u64,
    /// Node address.
    pub node: u32,
    /// Simulated time the lease now ends (converted from the node's clock).
    pub until_ms: u64,
}
