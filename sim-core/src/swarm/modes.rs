//! The swarm's modes: settings of the cluster and the workload switched per seed, each among
//! settings that must keep every safety property, from a sub-stream of their own so they
//! shift no fault.

use nodes::anti_entropy::AntiEntropyConfig;
use nodes::client::{BalancerConfig, RetryPolicy, Strategy};
use nodes::control::ZoneBudget;
use nodes::coordinator::{BreakerConfig, Hedge, HedgeDelay, ReadRepair};
use nodes::handoff::HandoffConfig;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::history::Level;
use crate::scenario::model::{Scenario, SwarmFault, SwarmMode, N5_REPLICATION};
use crate::scenario::shard_classes::ShardClass;
use crate::seed::{stream, Stream};
use nodes::Requirement;

/// The levels `mixed_levels` draws from.
const LEVELS: [Level; 3] = [Level::One, Level::Quorum, Level::All];

/// Switches each of `modes` in `scenario` to a setting drawn from the seed (a sub-stream of
/// its own, so modes shift no fault draws).
pub fn draw_modes(modes: &[SwarmMode], scenario: &mut Scenario, seed: u64) {
    let mut rng = stream(seed, Stream::Swarm, 1);
    // Nodes holding replicas from the start: not those that join later (the swarm's join
    // takes one) or the autoscaler's spares.
    let draws = |kind: SwarmFault| scenario.swarm.as_ref().is_some_and(|s| s.kinds.contains(&kind));
    let joining = draws(SwarmFault::Join);
    let members = scenario.cluster.nodes.len() - scenario.outside_at_start().len() - usize::from(joining);
    // A join or a drain moves about N replicas per shard it touches, each copied from N old
    // replicas: classes above the scenario's N would outgrow the heal that the migration
    // limits are drawn to fit (swarm-migrations seed 686 left a late join's moves queued).
    let most_n = if joining || draws(SwarmFault::Drain) { scenario.cluster.n } else { 5 };
    let cluster = &mut scenario.cluster;
    let storage = &mut cluster.storage;
    for mode in modes {
        match mode {
            SwarmMode::ReadRepair => {
                storage.read_repair =
                    [ReadRepair::Off, ReadRepair::Async, ReadRepair::Blocking][rng.random_range(0..3)];
            }
            SwarmMode::HintedHandoff => {
                // Stand-ins must be asked before the request times out.
                let after_ms = rng.random_range(10..=(cluster.request_timeout_ms / 2).max(10));
                let retry_ms = rng.random_range(100..=2_000);
                storage.hinted_handoff = rng.random_bool(0.5).then_some(HandoffConfig { after_ms, retry_ms });
            }
            SwarmMode::SiblingBound => storage.store.max_siblings = rng.random_range(2..=64),
            SwarmMode::AntiEntropy => {
                let interval_ms = rng.random_range(250..=2_000);
                let buckets = [1, 8, 64, 512][rng.random_range(0..4)];
                storage.anti_entropy = Some(AntiEntropyConfig { interval_ms, buckets });
            }
            SwarmMode::Hedge => storage.hedge = draw_hedge(cluster.request_timeout_ms, &mut rng),
            SwarmMode::Breaker => {
                storage.breaker = rng.random_bool(0.5).then(|| BreakerConfig {
                    timeouts: rng.random_range(1..=5),
                    window_ms: rng.random_range(200..=5_000),
                    probe_ms: rng.random_range(100..=3_000),
                });
            }
            // Validation refuses it beside `linearizable: on`, which orders writes otherwise.
            SwarmMode::PrimaryWrites => cluster.writes_via_primary = rng.random_bool(0.5),
            SwarmMode::MixedLevels => {
                for group in &mut scenario.workload {
                    group.read_consistency = LEVELS[rng.random_range(0..LEVELS.len())];
                    group.write_consistency = LEVELS[rng.random_range(0..LEVELS.len())];
                }
            }
            // Levels are ONE, QUORUM, ALL or counts up to the scenario's N: valid at 5 too.
            SwarmMode::N5 => {
                if rng.random_bool(0.5) && members >= N5_REPLICATION as usize {
                    cluster.n = cluster.n.max(N5_REPLICATION);
                }
            }
            SwarmMode::Voters => {
                let most = cluster.nodes.len().max(1) as u32;
                cluster.control.voters_max = [3, 5, 7][rng.random_range(0..3)].min(most);
            }
            SwarmMode::Balancer => cluster.balancer = draw_balancer(&mut rng),
            SwarmMode::Retry => {
                let most = (cluster.client_timeout_ms / 2).clamp(1, 100);
                for group in &mut scenario.workload {
                    group.retry = match rng.random_bool(0.5) {
                        true => {
                            RetryPolicy { attempts: rng.random_range(1..=5), backoff_ms: rng.random_range(1..=most) }
                        }
                        false => RetryPolicy::default(),
                    };
                }
            }
            SwarmMode::Rebalance => scenario.rebalance = draw_rebalance(&mut rng),
            SwarmMode::MigrationLimits => {
                let m = &mut cluster.control.migration;
                m.concurrency = rng.random_range(1..=4);
                // Limits a drain can finish under within a swarm's heal (a drain moves about 8
                // replicas of 15 to 40 KiB each): they bind now and then, never for long.
                m.start_spacing_ms = if rng.random_bool(0.5) { rng.random_range(100..=1_000) } else { 0 };
                m.zone_budget = rng.random_bool(0.5).then(|| ZoneBudget {
                    bytes: rng.random_range(64..=256) * 1_024,
                    window_ms: rng.random_range(1..=5) * 1_000,
                });
            }
            SwarmMode::ShardClasses => {
                let counts = scenario.workload.iter().flat_map(|g| [g.read_consistency, g.write_consistency]);
                let probes = scenario.probes.iter().flat_map(|p| [p.read_consistency, p.write_consistency]);
                // A count level must stay reachable on every shard.
                let floor = counts.chain(probes).map(|l| if let Level::Count(k) = l { k } else { 1 }).max();
                if rng.random_bool(0.5) {
                    let top = (members.min(usize::from(most_n)) as u8).max(floor.unwrap_or(1));
                    cluster.classes = draw_classes(cluster.shards, (floor.unwrap_or(1), top), &mut rng);
                }
            }
        }
    }
}

/// Consecutive runs of `shards`, each given its own class two times in three: N from 2 (at
/// least `floor`) to `top`, strong or eventual.
fn draw_classes(shards: u32, (floor, top): (u8, u8), rng: &mut ChaCha8Rng) -> Vec<ShardClass> {
    let low = floor.max(2).min(top);
    let mut out = Vec::new();
    let mut first = 0;
    while first < shards {
        let len = rng.random_range(1..=shards.div_ceil(2)).min(shards - first);
        let last = first + len - 1;
        if rng.random_bool(2.0 / 3.0) {
            let n = rng.random_range(low..=top);
            let requirement = if rng.random_bool(0.5) { Requirement::Strong } else { Requirement::Eventual };
            out.push(ShardClass { first, last, n, requirement });
        }
        first = last + 1;
    }
    out
}

/// Off half the time; else every 5 to 20 s over a horizon of 1 to 3 intervals, a threshold of
/// 0.1 to 0.3, 1 to 3 moves a round, a confidence of 0 to 0.5.
fn draw_rebalance(rng: &mut ChaCha8Rng) -> Option<nodes::capacity::RebalanceConfig> {
    if !rng.random_bool(0.5) {
        return None;
    }
    let interval_ms = rng.random_range(5..=20) * 1_000;
    let horizon_ms = interval_ms * rng.random_range(1..=3);
    Some(nodes::capacity::RebalanceConfig {
        interval_ms,
        horizon_ms,
        threshold: rng.random_range(0.1..0.3),
        max_moves: rng.random_range(1..=3),
        confidence_min: rng.random_range(0.0..0.5),
        window_samples_max: (4 * horizon_ms / 1_000).clamp(60, 1_024) as usize,
        ..nodes::capacity::RebalanceConfig::default()
    })
}

/// A balancer: any strategy (`random` among them), a window of 4 to 64 answers kept 1 to 10 s,
/// a first back-off of 10 to 500 ms and a longest of that to 5 s.
fn draw_balancer(rng: &mut ChaCha8Rng) -> BalancerConfig {
    let strategy = Strategy::ALL[rng.random_range(0..Strategy::ALL.len())];
    let backoff_base_ms = rng.random_range(10..=500);
    BalancerConfig {
        strategy,
        window: rng.random_range(4..=64),
        window_ms: rng.random_range(1_000..=10_000),
        backoff_base_ms,
        backoff_max_ms: rng.random_range(backoff_base_ms..=5_000),
    }
}

/// A hedge setting: off, targeted reads without hedges, a fixed delay, or a percentile; delays
/// come before the request timeout, as validation asks of a scenario.
fn draw_hedge(request_timeout_ms: u64, rng: &mut ChaCha8Rng) -> Hedge {
    let most = (request_timeout_ms / 2).max(2);
    match rng.random_range(0..4) {
        0 => Hedge::Off,
        1 => Hedge::Targeted(HedgeDelay::Never),
        2 => Hedge::Targeted(HedgeDelay::Fixed { ms: rng.random_range(1..most) }),
        _ => Hedge::Targeted(HedgeDelay::Percentile {
            percentile: rng.random_range(50..=99),
            fallback_ms: rng.random_range(1..most),
        }),
    }
}
