//! The typed, validated scenario: what a run builds, offers and breaks. Produced only by
//! `scenario::validate` from the raw serde form, so everything here is already checked.

pub use super::shape::Shape;
use std::path::PathBuf;

use super::storage::StorageSpec;
use crate::check::Expectation;
use crate::history::{Level, OpKind};
use nodes::sim::links::NetConfig;

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file it came from (for messages and replay commands).
    pub path: PathBuf,
    /// Short name, used for the run folder.
    pub name: String,
    /// What the scenario shows.
    pub description: String,
    /// Seed from the file, if any (the CLI's `--seed` overrides it).
    pub seed: Option<u64>,
    /// Simulated time during which clients issue operations and faults fire.
    pub duration_ms: u64,
    /// After `duration_ms`, every fault is healed and the cluster gets this long to converge
    /// (and outstanding operations to finish) before final state is read.
    pub heal_ms: u64,
    /// The cluster to build.
    pub cluster: ClusterSpec,
    /// Groups of clients and what they do.
    pub workload: Vec<WorkloadGroup>,
    /// Staleness probes (`- probe:` items of `workload:`), each a writer and a reader client.
    pub probes: Vec<Probe>,
    /// Scripted faults, sorted by `at_ms`.
    pub faults: Vec<Fault>,
    /// Properties the run must satisfy.
    pub expect: Vec<Expectation>,
    /// Random faults drawn from the seed on top of `faults` (see `crate::swarm`).
    pub swarm: Option<Swarm>,
    /// The most work the scenario may ask for (`budget:`; the defaults unless raised).
    pub budget: Budget,
    /// Who sizes the cluster (`autoscaler:`; `None`: the declared nodes, all running).
    pub autoscaler: Option<AutoscalerSpec>,
    /// Zone scores and primaries moved off zones predicted hot (`rebalance:`; `None`: off).
    pub rebalance: Option<nodes::capacity::RebalanceConfig>,
}

/// `autoscaler:` the autoscaler's rule and bounds, the nodes it starts with, and the SLO a run
/// is judged by. Nodes beyond `initial` (by declaration order) are its spares: their machines
/// are off until it starts them.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscalerSpec {
    /// Mode, bounds, interval, cooldowns, start-up time.
    pub config: nodes::capacity::AutoScalerConfig,
    /// Nodes running at the start.
    pub initial: u32,
    /// How often node stats are sampled.
    pub sample_ms: u64,
    /// The predictor's seasonal period (`None`: the workload's daily period, else the duration).
    pub period_ms: Option<u64>,
    /// A window whose p99 latency is above this violates the SLO.
    pub slo_p99_ms: u64,
    /// Length of the SLO's windows.
    pub slo_window_ms: u64,
}

/// Limits on the work one run may take, checked against an estimate made from the scenario as
/// a whole at validation (see `scenario::budget`). Each field of a scenario has a cap of its
/// own; this bounds their products. A scenario raises it with `budget:` when it means it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Most client operations offered (rate × time, summed over groups).
    pub operations: u64,
    /// Most messages and timer firings the transport delivers.
    pub messages: u64,
    /// Most clients, summed over groups.
    pub clients: u64,
    /// Most memory the run is estimated to need, in bytes.
    pub memory_bytes: u64,
}

impl Budget {
    /// The budget of a scenario that does not raise it: runs of a few seconds and well under
    /// a gigabyte on a laptop.
    pub const DEFAULT: Budget =
        Budget { operations: 1_000_000, messages: 5_000_000, clients: 100_000, memory_bytes: 768 << 20 };
}

impl Default for Budget {
    fn default() -> Self {
        Budget::DEFAULT
    }
}

/// The cluster: nodes, zones, replication and network.
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    /// Zone names; a node's zone is an index into this list.
    pub zones: Vec<String>,
    /// Storage nodes, index = network address.
    pub nodes: Vec<NodeSpec>,
    /// Replication factor N (1..=nodes) of every shard no class names.
    pub n: u8,
    /// Consistency requirement of every shard no class names.
    pub requirement: nodes::Requirement,
    /// Shards with their own N and requirement (`cluster.replication.classes`), disjoint.
    pub classes: Vec<super::shard_classes::ShardClass>,
    /// Number of shards.
    pub shards: u32,
    /// Link conditions.
    pub net: NetConfig,
    /// How long a coordinator waits for W/R answers.
    pub request_timeout_ms: u64,
    /// How long a client waits for a coordinator.
    pub client_timeout_ms: u64,
    /// Leader election and shard assignment settings.
    pub control: nodes::control::ControlConfig,
    /// `writes: primary`: only each shard's primary coordinates its writes.
    pub writes_via_primary: bool,
    /// Conflict resolution, sibling bound and repair mechanisms.
    pub storage: StorageSpec,
    /// SWIM gossip membership (`None`: off).
    pub membership: Option<nodes::membership::GossipConfig>,
    /// What a request costs a node: workers, queue, service times (`None`: only network time).
    pub service: Option<nodes::sim::service::ServiceConfig>,
    /// Node stats' interval, window and node cap (`Some` exactly when `service` is).
    pub node_stats: Option<nodes::capacity::NodeStatsConfig>,
    /// How clients choose coordinators (default `random`).
    pub balancer: nodes::client::BalancerConfig,
}

impl Scenario {
    /// The declared nodes that start outside the cluster (and its gossip membership): those a
    /// `join` action names, and the autoscaler's spares.
    pub fn outside_at_start(&self) -> Vec<u32> {
        let joins = self.faults.iter().filter_map(|f| match &f.action {
            FaultAction::Join(targets) => Some(targets),
            _ => None,
        });
        let named = joins.flatten().filter_map(|t| match t {
            Target::Node(i) => Some(*i),
            _ => None,
        });
        let mut outside: Vec<u32> = named.chain(self.standby()).collect();
        outside.sort_unstable();
        outside.dedup();
        outside
    }

    /// The autoscaler's spares: declared nodes beyond the ones it starts with, machines off.
    pub fn standby(&self) -> Vec<u32> {
        let nodes = self.cluster.nodes.len() as u32;
        self.autoscaler.as_ref().map_or(vec![], |a| (a.initial..nodes).collect())
    }
}

impl ClusterSpec {
    /// Every shard's N and requirement.
    pub fn shard_spec(&self) -> nodes::ShardSpec {
        super::shard_classes::shard_spec(self.shards, self.n, self.requirement, &self.classes)
    }

    /// The shards' classes in one line (`None`: every shard has the same N and requirement).
    pub fn classes_text(&self) -> Option<String> {
        super::shard_classes::classes_text(self.shards, self.n, self.requirement, &self.classes)
    }

    /// Smallest and largest N over the shards.
    pub fn n_range(&self) -> (u8, u8) {
        let ns = self.classes.iter().map(|c| c.n);
        // Every shard may be in a class: then `n` is nobody's, unless the classes leave a gap.
        let covered: u32 = self.classes.iter().map(|c| c.last - c.first + 1).sum();
        let ns: Vec<u8> = if covered < self.shards { ns.chain([self.n]).collect() } else { ns.collect() };
        (ns.iter().copied().min().unwrap_or(self.n), ns.iter().copied().max().unwrap_or(self.n))
    }
}

/// One storage node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpec {
    /// Unique name, used by fault targets.
    pub name: String,
    /// Index into `ClusterSpec::zones`.
    pub zone: u16,
}

/// A group of identical clients.
#[derive(Clone, Debug)]
pub struct WorkloadGroup {
    /// Number of clients; each runs one operation at a time.
    pub clients: u32,
    /// Offered operations per second for the whole group, over time.
    pub rate: RateSchedule,
    /// Keys are `0..keys`.
    pub keys: u64,
    /// How keys are picked.
    pub key_dist: KeyDist,
    /// Fraction of operations that are reads (0..=1).
    pub reads: f64,
    /// Level of reads.
    pub read_consistency: Level,
    /// Level of writes.
    pub write_consistency: Level,
    /// Writes carry the context of the client's last read of the key.
    pub send_context: bool,
    /// How its clients resend an operation refused before it was applied (off by default).
    pub retry: nodes::client::RetryPolicy,
    /// Simulated time the group starts at.
    pub start_ms: u64,
    /// Simulated time the group stops at (at most the scenario's duration).
    pub stop_ms: u64,
}

impl WorkloadGroup {
    /// The level an operation of `kind` uses.
    pub fn consistency(&self, kind: OpKind) -> Level {
        match kind {
            OpKind::Read => self.read_consistency,
            OpKind::Write => self.write_consistency,
        }
    }
}

/// A staleness probe: a writer writes a fresh key every `every_ms`, and a reader reads it
/// exactly `t` after the writer saw the acknowledgement, cycling through `t_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// The waits between acknowledgement and read, in milliseconds (each at least 1).
    pub t_ms: Vec<u64>,
    /// A round starts this often (longer than every `t`).
    pub every_ms: u64,
    /// Level of the reads.
    pub read_consistency: Level,
    /// Level of the writes.
    pub write_consistency: Level,
    /// Simulated time the first round starts at.
    pub start_ms: u64,
    /// No round starts at or after this time.
    pub stop_ms: u64,
}

/// Offered rate over time: `base_per_s` until the first change, then each change in turn,
/// shaped by `shape` (which goes with no changes unless it is steady).
#[derive(Clone, Debug, PartialEq)]
pub struct RateSchedule {
    /// Operations per second at the start (for a trace: its first row's rate, scaled).
    pub base_per_s: f64,
    /// `(at_ms, per_s)` changes, sorted by time.
    pub changes: Vec<(u64, f64)>,
    /// Ramp, daily cycle, spikes, events or a recorded trace (steady by default).
    pub shape: Shape,
}

impl RateSchedule {
    /// A steady rate with `changes`.
    pub fn steps(base_per_s: f64, changes: Vec<(u64, f64)>) -> RateSchedule {
        RateSchedule { base_per_s, changes, shape: Shape::default() }
    }

    /// The steady rate (before the shape) at simulated time `t_ms`.
    fn steady_at(&self, t_ms: u64) -> f64 {
        self.changes.iter().take_while(|(at, _)| *at <= t_ms).last().map_or(self.base_per_s, |c| c.1)
    }

    /// The offered rate at simulated time `t_ms`.
    pub fn at(&self, t_ms: u64) -> f64 {
        self.at_ms_f64(t_ms as f64)
    }

    /// The offered rate at a (fractional) simulated time.
    pub fn at_ms_f64(&self, t_ms: f64) -> f64 {
        let steady = self.steady_at(t_ms as u64);
        if self.shape.is_steady() {
            steady
        } else {
            self.shape.rate_per_s(steady, t_ms)
        }
    }
}

/// Key popularity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyDist {
    /// Every key equally likely.
    Uniform,
    /// Zipf with this exponent (key 0 most popular).
    Zipf(f64),
}

/// A scripted fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// When it fires.
    pub at_ms: u64,
    /// If set, it is undone automatically this long after it fires.
    pub for_ms: Option<u64>,
    /// What it does.
    pub action: FaultAction,
    /// Line in the scenario file, for messages.
    pub line: usize,
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultAction {
    /// Kill the targets' processes.
    Crash(Vec<Target>),
    /// Restart the targets from their durable state.
    Restart(Vec<Target>),
    /// Freeze the targets (a GC pause).
    Pause(Vec<Target>),
    /// Resume paused targets.
    Resume(Vec<Target>),
    /// Split nodes into groups that cannot talk to each other (nodes in no group keep all links).
    Partition(Vec<Vec<Target>>),
    /// Cut messages from `from` to `to` only.
    OneWay { from: Vec<Target>, to: Vec<Target> },
    /// Cut the targets off from every other node, both ways.
    Isolate(Vec<Target>),
    /// Undo every active partition, isolation, one-way cut and slow-down.
    Heal,
    /// Add `delay_ms` to every message to or from the targets.
    Slow { targets: Vec<Target>, delay_ms: u64 },
    /// Set the loss probability of every link.
    Loss(f64),
    /// Set the duplication probability of every link.
    Duplicate(f64),
    /// From now on the targets' clocks jump by `offset_ms` and run at `rate` (1.0 exact);
    /// undoing sets the rate back to 1.0 (the offset stays).
    Skew { targets: Vec<Target>, rate: f64, offset_ms: i64 },
    /// Damage `fraction` of the records on the targets' disks (values change, checksums do
    /// not); cannot be undone.
    Corrupt { targets: Vec<Target>, fraction: f64 },
    /// Add `delay_ms` to every answer the targets send as replicas (a slow disk); their other
    /// messages keep their speed (`slow` with `scope: replica`).
    SlowReplica { targets: Vec<Target>, delay_ms: u64 },
    /// Ask the leader to move `shard`'s primary to the node `to` resolves to (a timeline
    /// action, not a fault: the leader migrates the shard step by step, or rolls it back).
    Migrate { shard: u32, to: Vec<Target> },
    /// The targets (declared nodes that start outside the gossip membership) join it.
    Join(Vec<Target>),
    /// The targets leave the gossip membership gracefully, announcing it.
    Leave(Vec<Target>),
    /// Ask the leader to drain the targets (a timeline action): their replicas move to other
    /// nodes by migration, then they are recorded drained and leave the gossip membership.
    Drain(Vec<Target>),
}

impl FaultAction {
    /// The fault's lists of targets: one list, a partition's groups, or a one-way cut's two
    /// sides (`from`, then `to`); none for cluster-wide faults (heal, loss, duplication).
    pub fn target_lists(&self) -> Vec<&Vec<Target>> {
        match self {
            FaultAction::Crash(t)
            | FaultAction::Restart(t)
            | FaultAction::Pause(t)
            | FaultAction::Resume(t)
            | FaultAction::Isolate(t)
            | FaultAction::Slow { targets: t, .. }
            | FaultAction::Skew { targets: t, .. }
            | FaultAction::Corrupt { targets: t, .. } => vec![t],
            FaultAction::SlowReplica { targets: t, .. } | FaultAction::Migrate { to: t, .. } => vec![t],
            FaultAction::Join(t) | FaultAction::Leave(t) | FaultAction::Drain(t) => vec![t],
            FaultAction::Partition(groups) => groups.iter().collect(),
            FaultAction::OneWay { from, to } => vec![from, to],
            FaultAction::Heal | FaultAction::Loss(_) | FaultAction::Duplicate(_) => vec![],
        }
    }

    /// The same lists, to change them in place.
    pub fn target_lists_mut(&mut self) -> Vec<&mut Vec<Target>> {
        match self {
            FaultAction::Crash(t)
            | FaultAction::Restart(t)
            | FaultAction::Pause(t)
            | FaultAction::Resume(t)
            | FaultAction::Isolate(t)
            | FaultAction::Slow { targets: t, .. }
            | FaultAction::Skew { targets: t, .. }
            | FaultAction::Corrupt { targets: t, .. } => vec![t],
            FaultAction::SlowReplica { targets: t, .. } | FaultAction::Migrate { to: t, .. } => vec![t],
            FaultAction::Join(t) | FaultAction::Leave(t) | FaultAction::Drain(t) => vec![t],
            FaultAction::Partition(groups) => groups.iter_mut().collect(),
            FaultAction::OneWay { from, to } => vec![from, to],
            FaultAction::Heal | FaultAction::Loss(_) | FaultAction::Duplicate(_) => vec![],
        }
    }

    /// True when its targets leave the fault nothing to act on: an empty list, a partition
    /// with fewer than two non-empty groups, a one-way cut with an empty side.
    pub fn hits_nobody(&self) -> bool {
        match self {
            FaultAction::Partition(groups) => groups.iter().filter(|g| !g.is_empty()).count() < 2,
            other => other.target_lists().iter().any(|t| t.is_empty()),
        }
    }
}

/// Who a fault hits; resolved to nodes when it fires, and the resolution is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// One node, by address.
    Node(u32),
    /// Every node of a zone, by zone index.
    Zone(u16),
    /// One node drawn from the fault stream when the fault fires.
    Random,
    /// Whichever node leads (highest term) when the fault fires.
    Leader,
    /// The node acting as primary of a shard drawn from the fault stream when the fault fires
    /// (the lowest address if several act; a node drawn like `random` if none does).
    Primary,
}

/// The replication factor the swarm's `n5` mode draws (it needs at least this many nodes).
pub const N5_REPLICATION: u8 = 5;

/// A rate error the swarm's `skew: beyond` draws is at least this much past the bound.
pub const SKEW_BEYOND_MARGIN: f64 = 0.1;
/// The slowest clock `skew: beyond` draws runs at half speed (a rate from 0.5 to 2 writes as
/// a drift and reads back exactly).
pub const SKEW_SLOW_MOST: f64 = 0.5;
/// The fastest clock `skew: beyond` draws gains 90%.
pub const SKEW_FAST_MOST: f64 = 0.9;

/// Most swarm faults one scenario may expect to draw (rate × window).
pub const SWARM_FAULTS_MAX: u64 = 2_000;

/// A kind of fault the swarm may draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SwarmFault {
    /// Crash some nodes; they restart when the fault ends.
    Crash,
    /// Freeze some nodes (a GC pause).
    Pause,
    /// Split all nodes into two random sides.
    Partition,
    /// Cut some nodes off from all others.
    Isolate,
    /// Cut messages from some nodes to all the others, one way.
    OneWay,
    /// Delay every message to or from some nodes.
    Slow,
    /// Raise every link's loss probability.
    Loss,
    /// Raise every link's duplication probability.
    Duplicate,
    /// Damage some records on one node's disk (instant; nothing to undo).
    Corrupt,
    /// Delay the answers some nodes send as replicas (a slow disk).
    SlowReplica,
    /// Make 1 or 2 nodes' clocks run fast or slow (within the promised drift bound unless the
    /// swarm allows more).
    Skew,
    /// Freeze one node (often a primary or the leader) for longer than a lease.
    LongPause,
    /// Take a whole zone down: cut off or crashed.
    ZoneOutage,
    /// Ask the leader to migrate a random shard to a random node (instant; the migration then
    /// runs or rolls back on its own).
    Migrate,
    /// Ask the leader to drain a random node (instant; its replicas then move away). At most
    /// nodes − N − 1 drains a run, each of a different node, never the joining node.
    Drain,
    /// The highest-addressed node starts outside the cluster and joins at a random time (at
    /// most once a run); the leader then moves replicas onto it.
    Join,
}

impl SwarmFault {
    /// Every kind, in the order the scenario format documents them.
    pub const ALL: [SwarmFault; 16] = [
        SwarmFault::Crash,
        SwarmFault::Pause,
        SwarmFault::Partition,
        SwarmFault::Isolate,
        SwarmFault::OneWay,
        SwarmFault::Slow,
        SwarmFault::Loss,
        SwarmFault::Duplicate,
        SwarmFault::Corrupt,
        SwarmFault::SlowReplica,
        SwarmFault::Skew,
        SwarmFault::LongPause,
        SwarmFault::ZoneOutage,
        SwarmFault::Migrate,
        SwarmFault::Drain,
        SwarmFault::Join,
    ];

    /// The name scenario files use, like `one_way`.
    pub fn name(self) -> &'static str {
        match self {
            SwarmFault::Crash => "crash",
            SwarmFault::Pause => "pause",
            SwarmFault::Partition => "partition",
            SwarmFault::Isolate => "isolate",
            SwarmFault::OneWay => "one_way",
            SwarmFault::Slow => "slow",
            SwarmFault::Loss => "loss",
            SwarmFault::Duplicate => "duplicate",
            SwarmFault::Corrupt => "corrupt",
            SwarmFault::SlowReplica => "slow_replica",
            SwarmFault::Skew => "skew",
            SwarmFault::LongPause => "long_pause",
            SwarmFault::ZoneOutage => "zone_outage",
            SwarmFault::Migrate => "migrate",
            SwarmFault::Drain => "drain",
            SwarmFault::Join => "join",
        }
    }
}

/// A storage mechanism the swarm switches at random, per seed, among its settings that must
/// keep every safety property (so `conflicts: lww`, which loses writes by design, is not one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwarmMode {
    /// `read_repair`: off, async or blocking.
    ReadRepair,
    /// `hinted_handoff`: off, or on with a random hand-off wait and retry interval.
    HintedHandoff,
    /// `max_siblings`: a random bound from 2 to 64 (writes beyond it are refused).
    SiblingBound,
    /// `anti_entropy`: always on (so `eventually_converged` can be expected), with a random
    /// interval from 250ms to 2s and 1, 8, 64 or 512 leaves per shard.
    AntiEntropy,
    /// `hedge`: off, targeted without hedges, after a fixed delay, or at a latency percentile.
    Hedge,
    /// `breaker`: off, or on with random timeouts, window and probe interval.
    Breaker,
    /// `cluster.writes`: through any node or through each shard's primary.
    PrimaryWrites,
    /// Each workload group's read and write levels, each ONE, QUORUM or ALL.
    MixedLevels,
    /// `cluster.replication.n`: the scenario's N or 5 (needs at least 5 nodes).
    N5,
    /// `cluster.control.voters`: 3, 5 or 7, at most the node count, so some members do not
    /// vote and the leader's voter changes replace lost voters with them.
    Voters,
    /// `cluster.balancer`: any strategy, with a random window and back-off.
    Balancer,
    /// Each workload group's `retry:` policy: off, or 1 to 5 attempts after a back-off of
    /// 1 ms to half the client timeout (at most 100 ms).
    Retry,
    /// `rebalance`: off, or on with a random interval, horizon, threshold and moves per round.
    Rebalance,
    /// `cluster.control.migration`: a concurrency of 1 to 4, a start rate (off, or one start
    /// every 100 ms to 1 s) and a per-zone data budget (off, or 64 to 256 KiB per 1 to 5 s).
    MigrationLimits,
    /// `cluster.replication.classes`: off half the time, else consecutive runs of shards each
    /// given (two times in three) its own N, from 2 (or the largest replica count a level asks)
    /// to 5 (at most the nodes present from the start, and the scenario's N in swarms that draw
    /// joins or drains), strong or eventual.
    ShardClasses,
}

impl SwarmMode {
    /// Every mode, in the order the scenario format documents them.
    pub const ALL: [SwarmMode; 15] = [
        SwarmMode::ReadRepair,
        SwarmMode::HintedHandoff,
        SwarmMode::SiblingBound,
        SwarmMode::AntiEntropy,
        SwarmMode::Hedge,
        SwarmMode::Breaker,
        SwarmMode::PrimaryWrites,
        SwarmMode::MixedLevels,
        SwarmMode::N5,
        SwarmMode::Voters,
        SwarmMode::Balancer,
        SwarmMode::Retry,
        SwarmMode::Rebalance,
        SwarmMode::MigrationLimits,
        SwarmMode::ShardClasses,
    ];

    /// The name scenario files use, like `read_repair`.
    pub fn name(self) -> &'static str {
        match self {
            SwarmMode::ReadRepair => "read_repair",
            SwarmMode::HintedHandoff => "hinted_handoff",
            SwarmMode::SiblingBound => "sibling_bound",
            SwarmMode::AntiEntropy => "anti_entropy",
            SwarmMode::Hedge => "hedge",
            SwarmMode::Breaker => "breaker",
            SwarmMode::PrimaryWrites => "primary_writes",
            SwarmMode::MixedLevels => "mixed_levels",
            SwarmMode::N5 => "n5",
            SwarmMode::Voters => "voters",
            SwarmMode::Balancer => "balancer",
            SwarmMode::Retry => "retry",
            SwarmMode::Rebalance => "rebalance",
            SwarmMode::MigrationLimits => "migration_limits",
            SwarmMode::ShardClasses => "shard_classes",
        }
    }
}

/// A validated `swarm:`: which random faults to draw, how often, how long and how large.
#[derive(Clone, Debug, PartialEq)]
pub struct Swarm {
    /// Kinds to draw from, each equally likely, without repeats.
    pub kinds: Vec<SwarmFault>,
    /// Mean number of faults started per second (a Poisson process).
    pub rate_per_s: f64,
    /// Most swarm faults in effect at once; an arrival while that many are active is skipped.
    pub max_concurrent: u32,
    /// How long each fault lasts, drawn uniformly from `[lo, hi]` milliseconds.
    pub for_ms: (u64, u64),
    /// Faults start at or after this time.
    pub start_ms: u64,
    /// Faults start before this time (at most the scenario's duration).
    pub stop_ms: u64,
    /// Most nodes one crash, pause, isolate, slow or one-way cut touches.
    pub max_nodes: u32,
    /// Extra delay of `slow`, drawn uniformly from `[lo, hi]` milliseconds.
    pub delay_ms: (u64, u64),
    /// Loss probability of `loss`, drawn uniformly from `[lo, hi]`.
    pub loss: (f64, f64),
    /// Duplication probability of `duplicate`, drawn uniformly from `[lo, hi]`.
    pub duplicate: (f64, f64),
    /// Storage mechanisms switched at random per seed.
    pub modes: Vec<SwarmMode>,
    /// Fraction of a node's records `corrupt` damages, drawn uniformly from `[lo, hi]`.
    pub corrupt: (f64, f64),
    /// Line of `swarm:` in the scenario file, given to the faults it draws.
    pub line: usize,
    /// Share of node-targeted draws (crash, pause, isolate, slow, slow_replica, skew, a
    /// partition's first side) aimed at `leader` or `primary` instead of drawn nodes.
    pub aim: f64,
    /// `skew` draws rate errors beyond the promised drift bound, and clock steps: for
    /// expected-violation scenarios only.
    pub skew_beyond: bool,
}
