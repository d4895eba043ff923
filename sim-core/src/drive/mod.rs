//! Running one seed of a scenario. A [`Plan`] fixes what runs (the swarm drawn into concrete
//! faults, once); [`run_plan`] builds the cluster on a fresh madsim runtime on a fresh OS
//! thread and steps the cluster and the fault injector as peers to the end of the run, heals,
//! reads the final state, then checks the history.

mod build;
mod injector;
pub mod probe;
mod rebalancer;
mod recorder;
mod scaler;
mod stats;
pub mod workload;

use std::sync::Arc;
use std::time::{Duration, Instant as WallInstant};

use madsim::runtime::Runtime;
use nodes::storage::StorageStats;
use nodes::{Cluster, NetStats, Requirement};

pub use build::build_config;
pub use recorder::{consistency, level};

use crate::check::{check_all, PropertyClass, Verdict};
use crate::history::trace_filter::LineFilter;
use crate::history::{FinalState, History, MembershipSetup, MigrationLimits};
use crate::outcome::{EXIT_LIVENESS, EXIT_OK, EXIT_SAFETY};
use crate::scenario::model::Scenario;
use crate::seed::{stream, Stream};
use injector::Injector;
use rebalancer::Rebalancer;
use recorder::{replica_state, Recorder};
use scaler::Scaler;
use stats::StatsSampler;

/// What runs for one seed: the scenario with its swarm (if any) drawn into concrete faults.
#[derive(Clone, Debug)]
pub struct Plan {
    scenario: Arc<Scenario>,
    seed: u64,
    /// Record every message (kept by this filter) into the history's `messages`.
    trace: Option<LineFilter>,
}

impl Plan {
    /// The run of `scenario` with root seed `seed`.
    pub fn new(scenario: &Arc<Scenario>, seed: u64) -> Plan {
        Plan { scenario: crate::swarm::resolve(scenario, seed), seed, trace: None }
    }

    /// The same run with every message kept by `filter` recorded (`--trace`); the trace hash
    /// does not change.
    pub fn traced(&self, filter: LineFilter) -> Plan {
        Plan { trace: Some(filter), ..self.clone() }
    }

    /// The same run cut short at simulated time `until_ms` (later faults dropped, the heal
    /// starting then); `None` when no client group starts by then.
    pub fn until(&self, until_ms: u64) -> Option<Plan> {
        let cut = crate::edit::until(&self.scenario, until_ms)?;
        Some(Plan { scenario: Arc::new(cut), seed: self.seed, trace: self.trace.clone() })
    }

    /// The concrete scenario that runs.
    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// The root seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// What one seed of a scenario produced.
pub struct RunResult {
    /// The seed that ran.
    pub seed: u64,
    /// Everything observed.
    pub history: History,
    /// Transport counters.
    pub net: NetStats,
    /// Storage mechanism counters, summed over the nodes.
    pub storage: StorageStats,
    /// Simulated time covered (duration + heal).
    pub simulated_ms: u64,
    /// Wall-clock time of the simulation (not of the checks).
    pub wall: Duration,
    /// Verdicts on the scenario's expectations.
    pub verdicts: Vec<Verdict>,
}

impl RunResult {
    /// The process exit code for this result: a safety failure first, then any other failure.
    pub fn exit_code(&self) -> i32 {
        let failed = |class: PropertyClass| self.verdicts.iter().any(|v| !v.passed && v.class == class);
        if failed(PropertyClass::Safety) {
            EXIT_SAFETY
        } else if failed(PropertyClass::Liveness) || failed(PropertyClass::Sometimes) {
            EXIT_LIVENESS
        } else {
            EXIT_OK
        }
    }

    /// The trace hash, as printed and stored.
    pub fn trace_hash(&self) -> String {
        format!("{:016x}", self.history.trace_hash())
    }
}

/// The simulation itself failed (a panic inside it): the run proves nothing.
#[derive(Debug, Clone)]
pub struct SimCrash {
    /// The seed that crashed.
    pub seed: u64,
    /// The panic message.
    pub message: String,
}

/// Plans and runs `scenario` with `seed` (see [`run_plan`]).
pub fn run_seed(scenario: &Arc<Scenario>, seed: u64) -> Result<RunResult, SimCrash> {
    run_plan(&Plan::new(scenario, seed))
}

/// Runs `plan` on a fresh OS thread and checks its history.
///
/// A fresh thread per seed matters: std's `RandomState` is seeded once per thread, and a
/// second runtime on one thread was seen to give a different trace for the same seed.
pub fn run_plan(plan: &Plan) -> Result<RunResult, SimCrash> {
    let (scenario, seed, trace) = (plan.scenario.clone(), plan.seed, plan.trace.clone());
    let started = WallInstant::now();
    let joined = std::thread::Builder::new()
        .name(format!("seed-{seed}"))
        .spawn(move || simulate(&scenario, seed, trace))
        .map_err(|e| SimCrash { seed, message: format!("cannot start a thread: {e}") })?
        .join();
    let wall = started.elapsed();
    let (history, net, storage) = joined.map_err(|panic| SimCrash { seed, message: panic_message(&panic) })?;
    let scenario = &plan.scenario;
    let verdicts = check_all(&history, &scenario.expect);
    Ok(RunResult { seed, history, net, storage, simulated_ms: scenario.duration_ms + scenario.heal_ms, wall, verdicts })
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// The run loop: the simulation's one madsim task. Never inlined: scripts/bench-instructions.sh
/// finds the simulation's cost under this name.
#[inline(never)]
fn simulate(scenario: &Scenario, seed: u64, trace: Option<LineFilter>) -> (History, NetStats, StorageStats) {
    let mut rt = Runtime::with_seed_and_config(seed, madsim::Config::default());
    // A bound on simulated time: a run that does not end by then is a bug in the simulator.
    rt.set_time_limit(Duration::from_millis(scenario.duration_ms + scenario.heal_ms + 60_000));
    rt.block_on(async move {
        let (cfg, clients) = build_config(scenario, seed);
        let map = Arc::new(cfg.map.clone());
        let recorder = match trace {
            Some(filter) => Recorder::tracing(map.clone(), filter),
            None => Recorder::new(map.clone()),
        };
        let cluster = Cluster::build(cfg, clients, recorder);
        if tracing::dispatcher::has_been_set() {
            cluster.name_nodes(&scenario.cluster.nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>());
        }
        let mut injector = Injector::new(cluster.clone(), scenario, stream(seed, Stream::Faults, 0), seed);
        let mut scaler = Scaler::new(cluster.clone(), scenario);
        let mut rebalancer = Rebalancer::new(cluster.clone(), scenario);
        let mut sampler = StatsSampler::new(cluster.clone(), scenario);
        // The cluster, the injector, the autoscaler, the zone rebalancer and node stats advance
        // as peers: the cluster runs up to the next action of any, which acts (at a tie a fault
        // first, then the autoscaler, then the rebalancer, then node stats, which only read),
        // until the end of the fault phase.
        let end = scenario.duration_ms;
        loop {
            let fault = injector.next_at().filter(|&t| t < end);
            let scale = scaler.as_ref().map(Scaler::next_at).filter(|&t| t < end);
            let zones = rebalancer.as_ref().map(Rebalancer::next_at).filter(|&t| t < end);
            let sample = sampler.as_ref().map(StatsSampler::next_at).filter(|&t| t < end);
            let Some(t) = [fault, scale, zones, sample].into_iter().flatten().min() else { break };
            cluster.run_to(t);
            if fault == Some(t) {
                injector.step();
            } else if let (Some(s), true) = (scaler.as_mut(), scale == Some(t)) {
                s.step();
            } else if let (Some(r), true) = (rebalancer.as_mut(), zones == Some(t)) {
                r.step();
            } else if let Some(s) = &mut sampler {
                s.step();
            }
        }
        cluster.run_to(scenario.duration_ms);
        injector.heal_all(scenario.duration_ms);
        let end_ms = scenario.duration_ms + scenario.heal_ms;
        cluster.run_to(end_ms);
        let net = cluster.stats();
        let storage = cluster.storage_stats();
        let mut replicas = Vec::new();
        cluster.each_store(|store| replicas.push(replica_state(store)));
        let mut h = cluster.with_observer(Recorder::take_history);
        // Where each shard was meant to live: migrations move replica sets, so the newest
        // map any node holds says it (the starting map when nothing moved).
        let newest = cluster.maps().into_iter().max_by_key(|m| m.epoch);
        let replica_sets = newest.as_ref().unwrap_or(&map).replica_sets().to_vec();
        h.healed_at_ms = Some(scenario.duration_ms);
        h.node_names = scenario.cluster.nodes.iter().map(|n| n.name.clone()).collect();
        h.nodes = scenario.cluster.nodes.len() as u32;
        h.shards = scenario.cluster.shards;
        h.writes_via_primary = scenario.cluster.writes_via_primary;
        let control = &scenario.cluster.control;
        h.migration_limits = Some(MigrationLimits {
            concurrency: control.migration.concurrency,
            start_spacing_ms: control.migration.start_spacing_ms,
            zone_budget: control.migration.zone_budget.map(|b| (b.bytes, b.window_ms)),
            max_drift: control.max_drift,
        });
        h.start_replica_sets = map.replica_sets().to_vec();
        h.leader_grant_wait_ms = Some(control.election_timeout_ms.1 + control.election_wait_ms());
        let spec = scenario.cluster.shard_spec();
        h.strong_shards = (0..spec.shards()).filter(|&s| spec.requirement_of(s) == Requirement::Strong).collect();
        let zones = &scenario.cluster.zones;
        h.node_zones = scenario.cluster.nodes.iter().map(|n| zones[n.zone as usize].clone()).collect();
        h.membership = scenario.cluster.membership.map(|g| MembershipSetup {
            bound_ms: g.convergence_bound_ms(scenario.cluster.nodes.len()),
            outside: scenario.outside_at_start(),
        });
        h.record_final_state(FinalState { at_ms: end_ms, replicas, replica_sets });
        // Not in the trace: node stats only read, and a run is the same run without them.
        h.node_stats = sampler.map(StatsSampler::finish);
        if let Some(log) = scaler.map(Scaler::finish) {
            h.mix_into_trace(&[log.decisions.len() as u64, log.machines.len() as u64, log.samples.len() as u64]);
            h.capacity = Some(log);
        }
        if let Some(log) = rebalancer.map(Rebalancer::finish) {
            h.mix_into_trace(&[log.rounds.len() as u64, log.requested.len() as u64]);
            h.zones = Some(log);
        }
        h.mix_into_trace(&[net.sent, net.delivered, net.partitioned, net.lost, net.to_down_node, net.duplicated]);
        h.mix_into_trace(&storage.counters().map(|(_, n)| n));
        (h, net, storage)
    })
}
