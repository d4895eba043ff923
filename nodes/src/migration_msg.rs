//! Shard migrations as the shard map records them and as leaders report them: a leaf module,
//! since the shard map, the control plane and the simulator all use these types (the messages
//! that request a migration and copy a shard are the control plane's, in `control/msg.rs`).

use crate::actor::Addr;

/// The steps of a migration, in order; `Done` and `RolledBack` end it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Accepted, waiting for a slot under the concurrency limit.
    Queued,
    /// Every old replica copies the shard to the target while writes continue.
    Sync,
    /// A new epoch names the new replica set; the old primary is revoked, then the target granted.
    /// From here until `Done` or `RolledBack` the shard is being cut over: nobody serves it.
    Transfer,
    /// Every live member learns the new map (stale routes are refused from then on).
    Route,
    /// Every old replica is fenced (it serves no route older than this map), then copies its
    /// tail to the target, whose checksum is compared; the old primary stays a standby.
    Verify,
    /// Finished: the target is primary.
    Done,
    /// Given up (verify failed or a step timed out): the previous replica set is back.
    RolledBack,
    /// Never started: when the leader took the request, the target was already the shard's
    /// primary, outside the cluster or being drained, or the shard had a migration under way.
    Refused,
}

impl Step {
    /// True for the steps that end a migration.
    pub fn is_terminal(self) -> bool {
        matches!(self, Step::Done | Step::RolledBack | Step::Refused)
    }

    /// The step's name in reports and event logs.
    pub fn name(self) -> &'static str {
        match self {
            Step::Queued => "queued",
            Step::Sync => "sync",
            Step::Transfer => "transfer",
            Step::Route => "route",
            Step::Verify => "verify",
            Step::Done => "done",
            Step::RolledBack => "rolled_back",
            Step::Refused => "refused",
        }
    }
}

/// One migration as the replicated shard map holds it: enough for any leader to resume it or
/// roll it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// Unique per run (the timeline action's index).
    pub id: u32,
    /// The shard that moves.
    pub shard: u32,
    /// The node that joins the replica set: it becomes the shard's primary, unless the
    /// migration `replaces` a standby.
    pub to: Addr,
    /// The replica that leaves the set for `to` (a drain or a rebalance onto a joined node):
    /// `to` takes its place, and its primary role only if it held one. `None`: an operator's
    /// migration, which makes `to` primary and drops the last standby.
    pub replaces: Option<Addr>,
    /// Where the migration stands.
    pub step: Step,
    /// The replica set before the migration (restored on rollback).
    pub prev_replicas: Vec<Addr>,
    /// The primary before the migration (granted again on rollback).
    pub prev_primary: Option<Addr>,
    /// The replica set after the migration: the target first, then the old replicas (the old
    /// primary kept as a standby), cut to the replication factor.
    pub next_replicas: Vec<Addr>,
    /// Why it rolled back, if it did.
    pub failure: Option<Failure>,
}

/// Why a migration was rolled back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A copy arrived with a checksum that did not match the sender's.
    VerifyMismatch,
    /// A step did not finish within the step timeout.
    Timeout(Step),
}

/// What the leader reports when a migration enters a step (the history's step events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStep {
    /// The migration.
    pub id: u32,
    /// Its shard.
    pub shard: u32,
    /// The replica set before and the target.
    pub from: Vec<Addr>,
    /// The target node.
    pub to: Addr,
    /// The replica `to` replaces (a leader's migration for a join or a drain).
    pub replaces: Option<Addr>,
    /// The step entered (as committed by the leader).
    pub step: Step,
    /// The epoch of the committed map that holds the step: commits are ordered by it, whatever
    /// order they are reported in (a leader paused with acks queued reports its commit late).
    pub epoch: u64,
    /// Bytes copied to the target so far, as the target reported them.
    pub bytes: u64,
    /// The shard's replica set in the map that committed this report (the next set from the
    /// transfer on, the previous one again after a rollback).
    pub replicas: Vec<Addr>,
}
