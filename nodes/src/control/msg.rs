//! What the control plane sends, the timer it sets, and what it reports.

use crate::actor::Addr;
use std::sync::Arc;

use crate::migration_msg::MigrationStep;
use crate::shard_map::ShardMap;
use crate::shard_map::Standing;
use crate::storage::Versioned;

/// Control-plane messages.
#[derive(Clone, Debug)]
pub enum Ctl {
    /// "Would you vote for me in `term`?" (does not change anyone's term).
    PreVote { term: u64, last: (u64, u64) },
    /// Answer to a pre-vote.
    PreVoteReply { term: u64, granted: bool },
    /// Vote request of a candidate.
    Vote { term: u64, last: (u64, u64) },
    /// Answer to a vote request.
    VoteReply { term: u64, granted: bool },
    /// Leader heartbeat.
    Append(Append),
    /// Follower's answer to a heartbeat.
    AppendAck(AppendAck),
    /// Shard migration: requests, copy orders, data and receipts.
    Migrate(MigrateMsg),
}

/// A leader's heartbeat: the shard map when the follower is behind, the committed epoch, and
/// the echo of the follower's last ack time, which renews its lease. The map is boxed: it
/// rides on few heartbeats, and inline it made every message (and so every queued input)
/// larger.
#[derive(Clone, Debug)]
pub struct Append {
    /// The leader's term.
    pub term: u64,
    /// The map and the term that accepted it, for a follower that is behind.
    pub map: Option<Box<(u64, ShardMap)>>,
    /// The highest epoch the leader knows committed.
    pub commit_epoch: u64,
    /// The follower's send time of its last ack: its lease runs from there.
    pub lease_echo: Option<u64>,
    /// The leader's send time (local).
    pub sent: u64,
}

/// A follower's answer: what it has accepted, its local send time (lease anchor) and the
/// leader's send time echoed (for round-trip measurement).
#[derive(Clone, Debug)]
pub struct AppendAck {
    /// The follower's term.
    pub term: u64,
    /// False when the heartbeat's term was stale.
    pub ok: bool,
    /// The follower's accepted `(term, epoch)`.
    pub accepted: (u64, u64),
    /// The follower's send time (local): the anchor of its next lease.
    pub sent: u64,
    /// The heartbeat's send time, echoed.
    pub echo: u64,
}

/// The control plane's one timer: its next wake-up, armed for local time `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlTimer {
    /// Elections, leases, a leader's heartbeats and reconciliation may be due.
    Tick { at: u64 },
}

/// Observable changes of the control plane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlEvent {
    /// This node became leader of `term`.
    BecameLeader { term: u64 },
    /// This node stopped being leader.
    SteppedDown { term: u64, reason: StepDownReason },
    /// The set of shards this node acts as primary for changed (valid only under a lease).
    Roles { epoch: u64, shards: Vec<u32> },
    /// The node's lease now runs until this local time (converted to simulated time by the shell).
    Lease { until_local: u64 },
    /// The leader committed a shard map.
    Committed { epoch: u64, assigned: u32 },
    /// This node sent heartbeats as leader of `term`: an act, whatever it believes.
    LeaderAct { term: u64 },
    /// The leader proposed a map whose voters are `voters` (one member added or removed).
    Voters { epoch: u64, voters: Vec<Addr> },
    /// The leader's post-election wait is over: from here on it may grant (its first
    /// reconciliation with grants allowed).
    GrantsOpen { term: u64 },
    /// The leader proposed a map granting `shard` to `node` at `epoch`.
    Granted { shard: u32, node: Addr, epoch: u64 },
    /// The leader counts the grant of `shard` to `node` at `epoch` as over: the old primary
    /// acknowledged the revoke (`by_ack`) or its lease has surely run out, and the leader's
    /// own post-election wait is over. From here on the leader may grant the shard anew.
    Released { shard: u32, node: Addr, epoch: u64, by_ack: bool },
    /// The leader proposed a map without `node` as primary of `shard`, whose grant was made at
    /// `epoch`: the revoke's start (the grant ends at its `Released`). `dead` when the leader
    /// counted the node as down, not a rebalancing move.
    Revoked { shard: u32, node: Addr, epoch: u64, dead: bool },
    /// The leader's bound on `node`'s lease: from its latest echo (or, for itself, its own
    /// renewal) the node acts as primary at most until this local time of the leader.
    LeaseBound { node: Addr, until_local: u64 },
    /// The leader committed a map in which a migration entered a step.
    Migration(MigrationStep),
    /// The leader committed a map in which `node`'s standing became `standing`.
    Standing { node: Addr, standing: Standing },
}

/// Why a leader stopped leading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDownReason {
    /// It saw a higher term.
    HigherTerm,
    /// It could not reach a majority for an election timeout (check-quorum).
    LostQuorum,
    /// Its own heartbeat round trips were too slow.
    Slow,
}

/// One key and every version a replica holds of it (the shape anti-entropy sends too).
pub type Entry = (u64, Arc<Vec<Versioned>>);

/// Migration messages: a request (from the operator), the leader's copy orders, the data, and
/// the target's receipt.
#[derive(Clone, Debug)]
pub enum MigrateMsg {
    /// Move `shard`'s primary to `to` (migration `id`); only a leader acts on it, and a repeat
    /// of an id it already holds changes nothing.
    Request { id: u32, shard: u32, to: Addr },
    /// Leader to an old replica: send your copy of `shard` to `to`, then `to` reports to `leader`.
    /// A nonzero `fence` (the final copy, once the shard is closed for its cut-over) first fences
    /// the shard on the replica until its map reaches that epoch.
    Copy { id: u32, shard: u32, to: Addr, round: u8, leader: Addr, fence: u64 },
    /// Old replica to the target: every key of the shard it holds, with the sender's checksum.
    Chunk { id: u32, shard: u32, round: u8, leader: Addr, entries: Arc<[Entry]>, checksum: u64 },
    /// Target to the leader: it merged `from`'s copy (`ok`: the checksum matched).
    Copied { id: u32, round: u8, from: Addr, bytes: u64, ok: bool },
    /// `node` joins the cluster or is drained (from the operator); only a leader acts on it.
    Member { node: Addr, change: MemberChange },
}

/// A change of a node's standing that the operator asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberChange {
    /// The node joins: the leader moves replicas onto it.
    Join,
    /// The node is drained: the leader moves its replicas away, then records it drained.
    Drain,
}

impl MigrateMsg {
    /// True for the messages a node's replica handles (they touch the store).
    pub fn is_data(&self) -> bool {
        matches!(self, MigrateMsg::Copy { .. } | MigrateMsg::Chunk { .. })
    }
}
