//! Migration step events as the history records them: the leader's report of each step a
//! migration entered in a committed map, in the history's own vocabulary.

/// A migration's step. The discriminants are hashed into the trace: never reorder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MigrationStep {
    /// Waiting under the concurrency limit.
    Queued = 0,
    /// Copying the shard to the target.
    Sync = 1,
    /// The new replica set named, the old primary revoked.
    Transfer = 2,
    /// Every live member learning the new map.
    Route = 3,
    /// Copying the tail again and comparing checksums.
    Verify = 4,
    /// Finished.
    Done = 5,
    /// Given up, the previous replica set restored.
    RolledBack = 6,
    /// Never started: the target was already primary or the shard was migrating.
    Refused = 7,
}

impl MigrationStep {
    /// True for the steps that end a migration.
    pub fn is_terminal(self) -> bool {
        matches!(self, MigrationStep::Done | MigrationStep::RolledBack | MigrationStep::Refused)
    }

    /// The step's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            MigrationStep::Queued => "queued",
            MigrationStep::Sync => "sync",
            MigrationStep::Transfer => "transfer",
            MigrationStep::Route => "route",
            MigrationStep::Verify => "verify",
            MigrationStep::Done => "done",
            MigrationStep::RolledBack => "rolled_back",
            MigrationStep::Refused => "refused",
        }
    }
}

/// A leader reported that migration `id` entered `step` (in a map it committed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationRecord {
    /// Simulated time of the report.
    pub at_ms: u64,
    /// The reporting leader.
    pub node: u32,
    /// The migration (unique per run).
    pub id: u32,
    /// The shard that moves.
    pub shard: u32,
    /// The replica set before the migration.
    pub from: Vec<u32>,
    /// The target node.
    pub to: u32,
    /// The replica the target replaces (a leader's migration for a join or a drain).
    pub replaces: Option<u32>,
    /// The step entered.
    pub step: MigrationStep,
    /// The epoch of the committed map that holds the step (commits are ordered by it; a leader
    /// paused with acknowledgements queued reports an older commit late).
    pub epoch: u64,
    /// Bytes the target had confirmed by then (as this leader saw them).
    pub bytes: u64,
    /// The shard's replica set in the map that committed the step (empty when not recorded).
    pub replicas: Vec<u32>,
}

/// The limits leaders were given for starting migrations, as the run's checkers judge them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MigrationLimits {
    /// At most this many migrations run at once.
    pub concurrency: u32,
    /// At least this long (on the leader's clock) between two starts by one leader; 0: no rate.
    pub start_spacing_ms: u64,
    /// Bytes migrations into one zone may copy within a window, and the window (`None`: no budget).
    pub zone_budget: Option<(u64, u64)>,
    /// The promised bound on clock drift: a leader's clock measures spans this much short at most.
    pub max_drift: f64,
}
