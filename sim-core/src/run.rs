//! Running one seed of a scenario: build the cluster on a fresh madsim runtime (on a fresh OS
//! thread), drive the workload and faults, heal, read final state, then check the history.

use std::sync::Arc;
use std::time::{Duration, Instant as WallInstant};

use madsim::runtime::Runtime;
use nodes::client::{ClientConfig, CoordinatorChoice};
use nodes::coordinator::CoordinatorConfig;
use nodes::membership::Members;
use nodes::node::NodeConfig;
use nodes::shard_map::ShardMap;
use nodes::{ClientSetup, Cluster, ClusterConfig, NetStats};

use crate::check::{check_all, CheckInput, PropertyClass, Verdict};
use crate::faults::Injector;
use crate::history::{FinalState, History, SharedHistory};
use crate::scenario::model::{KeyDist, Scenario};
use crate::seed::{stream, Stream};
use crate::workload::{ClientWorkload, ZipfTable};

/// What one seed of a scenario produced.
pub struct RunResult {
    /// The seed that ran.
    pub seed: u64,
    /// Everything observed.
    pub history: History,
    /// Transport counters.
    pub net: NetStats,
    /// Shard placement used.
    pub shards: Arc<ShardMap>,
    /// Simulated time covered (duration + heal).
    pub simulated_ms: u64,
    /// Wall-clock time of the simulation (not of the checks).
    pub wall: Duration,
    /// Verdicts on the scenario's expectations.
    pub verdicts: Vec<Verdict>,
}

impl RunResult {
    /// The process exit code for this result: 1 if a safety property failed, 3 if another
    /// property failed, else 0.
    pub fn exit_code(&self) -> i32 {
        let failed = |class: PropertyClass| self.verdicts.iter().any(|v| !v.passed && v.class == class);
        if failed(PropertyClass::Safety) {
            1
        } else if failed(PropertyClass::Liveness) || failed(PropertyClass::Sometimes) {
            3
        } else {
            0
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

/// Runs `scenario` with `seed` on a fresh OS thread and checks its history.
///
/// A fresh thread per seed matters: std's `RandomState` is seeded once per thread, and a
/// second runtime on one thread was seen to give a different trace for the same seed.
pub fn run_seed(scenario: &Arc<Scenario>, seed: u64) -> Result<RunResult, SimCrash> {
    let scenario = &crate::swarm::resolve(scenario, seed);
    let sc = scenario.clone();
    let started = WallInstant::now();
    let joined = std::thread::Builder::new()
        .name(format!("seed-{seed}"))
        .spawn(move || simulate(&sc, seed))
        .map_err(|e| SimCrash { seed, message: format!("cannot start a thread: {e}") })?
        .join();
    let wall = started.elapsed();
    let (history, net, shards) = joined.map_err(|panic| SimCrash { seed, message: panic_message(&panic) })?;
    let verdicts = check_all(&CheckInput { history: &history, scenario, shards: &shards });
    Ok(RunResult { seed, history, net, shards, simulated_ms: scenario.duration_ms + scenario.heal_ms, wall, verdicts })
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

/// Builds the cluster config and clients of a scenario for root seed `seed`.
pub fn build_config(scenario: &Scenario, seed: u64) -> (ClusterConfig, Vec<ClientSetup>) {
    let c = &scenario.cluster;
    let zones: Vec<u16> = c.nodes.iter().map(|n| n.zone).collect();
    // The cluster gives node i address i.
    let addrs: Vec<u32> = (0..c.nodes.len() as u32).collect();
    let placed: Vec<(u32, u16)> = addrs.iter().copied().zip(zones.iter().copied()).collect();
    let cfg = ClusterConfig {
        node_zones: zones,
        map: ShardMap::ring(&placed, c.shards, c.n),
        net: c.net.clone(),
        node: NodeConfig {
            coordinator: CoordinatorConfig {
                request_timeout_ms: c.request_timeout_ms,
                writes_via_primary: c.writes_via_primary,
            },
            control: c.control.clone(),
            members: Members::new(addrs.iter().copied()),
        },
        net_seed: stream(seed, Stream::Network, 0),
        node_seeds: (0..c.nodes.len() as u32).map(|i| stream(seed, Stream::Node, i)).collect(),
    };
    let coordinators = CoordinatorChoice::new(addrs.into());
    let mut clients = vec![];
    for (gi, group) in scenario.workload.iter().enumerate() {
        let group = Arc::new(group.clone());
        let zipf = match group.key_dist {
            KeyDist::Zipf(s) => Some(Arc::new(ZipfTable::new(group.keys, s))),
            KeyDist::Uniform => None,
        };
        for _ in 0..group.clients {
            let index = clients.len() as u32;
            clients.push(ClientSetup {
                cfg: ClientConfig {
                    group: gi as u16,
                    timeout_ms: c.client_timeout_ms,
                    coordinators: coordinators.clone(),
                    n: c.n,
                    send_context: group.send_context,
                },
                workload: Box::new(ClientWorkload::new(
                    group.clone(),
                    zipf.clone(),
                    stream(seed, Stream::Workload, index),
                )),
                rng: stream(seed, Stream::Client, index),
            });
        }
    }
    (cfg, clients)
}

fn simulate(scenario: &Scenario, seed: u64) -> (History, NetStats, Arc<ShardMap>) {
    let mut rt = Runtime::with_seed_and_config(seed, madsim::Config::default());
    // A bound on simulated time: a run that does not end by then is a bug in the simulator.
    rt.set_time_limit(Duration::from_millis(scenario.duration_ms + scenario.heal_ms + 60_000));
    rt.block_on(async move {
        let (cfg, clients) = build_config(scenario, seed);
        let shards = Arc::new(cfg.map.clone());
        let history = SharedHistory::default();
        let cluster = Cluster::build(cfg, clients, Box::new(history.clone()));
        let mut injector = Injector::new(cluster.clone(), scenario, stream(seed, Stream::Faults, 0), history.clone());
        injector.run_until(scenario.duration_ms);
        cluster.run_to(scenario.duration_ms);
        injector.heal_all(scenario.duration_ms);
        let end_ms = scenario.duration_ms + scenario.heal_ms;
        cluster.run_to(end_ms);
        let net = cluster.stats();
        let replicas = cluster.stores();
        let mut h = std::mem::take(&mut *history.0.lock().unwrap_or_else(|e| e.into_inner()));
        h.healed_at_ms = Some(scenario.duration_ms);
        h.node_names = scenario.cluster.nodes.iter().map(|n| n.name.clone()).collect();
        h.nodes = scenario.cluster.nodes.len() as u32;
        h.shards = scenario.cluster.shards;
        h.record_final_state(FinalState { at_ms: end_ms, replicas });
        h.mix_into_trace(&[net.sent, net.delivered, net.partitioned, net.lost, net.to_down_node, net.duplicated]);
        (h, net, shards)
    })
}
