//! The swarm generator: turns a scenario's `swarm:` into concrete faults before the run, drawn
//! from the seed's own [`Stream::Swarm`], so the ordinary injector applies them and the
//! schedule that ran can be written out as a plain scenario.

use std::sync::Arc;

use nodes::anti_entropy::AntiEntropyConfig;
use nodes::coordinator::{BreakerConfig, Hedge, HedgeDelay, ReadRepair};
use nodes::handoff::HandoffConfig;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::scenario::model::{ClusterSpec, Swarm, SwarmFault, SwarmMode, SWARM_FAULTS_MAX};
use crate::scenario::model::{Fault, FaultAction, Scenario, Target};
use crate::seed::{stream, Stream};

/// Bound on arrivals drawn (taken or skipped), so a swarm can never loop for long.
const ARRIVALS_MAX: u64 = SWARM_FAULTS_MAX * 8;

/// The scenario as it runs with `seed`: its swarm (if any) drawn into concrete faults, merged
/// with the scripted ones in time order (scripted first on ties), and the swarm removed.
pub fn resolve(scenario: &Arc<Scenario>, seed: u64) -> Arc<Scenario> {
    let Some(swarm) = &scenario.swarm else {
        return scenario.clone();
    };
    let mut concrete = Scenario::clone(scenario);
    concrete.faults.extend(draw(swarm, scenario.cluster.nodes.len() as u32, seed));
    draw_modes(&swarm.modes, &mut concrete.cluster, seed);
    // A stable sort keeps scripted faults (listed first) ahead of swarm faults at the same time.
    concrete.faults.sort_by_key(|f| f.at_ms);
    concrete.swarm = None;
    Arc::new(concrete)
}

/// The faults `swarm` draws for root seed `seed` in a cluster of `nodes` nodes, in time order.
pub fn draw(swarm: &Swarm, nodes: u32, seed: u64) -> Vec<Fault> {
    let mut rng = stream(seed, Stream::Swarm, 0);
    let mut faults = Vec::new();
    let mut active_until: Vec<u64> = Vec::new();
    // Damaged disks, one at a time: until the last `corrupt`'s window has passed, no other.
    let mut disk_quiet_until = 0u64;
    let mean_gap_ms = 1_000.0 / swarm.rate_per_s;
    let mut t_ms = swarm.start_ms as f64;
    for _ in 0..ARRIVALS_MAX {
        let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
        t_ms += -u.ln() * mean_gap_ms;
        let at_ms = t_ms.ceil() as u64;
        if at_ms >= swarm.stop_ms {
            break;
        }
        active_until.retain(|&end| end > at_ms);
        if active_until.len() >= swarm.max_concurrent as usize {
            continue; // too many at once: this arrival is skipped, the process goes on
        }
        let kind = swarm.kinds[rng.random_range(0..swarm.kinds.len())];
        let for_ms = rng.random_range(swarm.for_ms.0..=swarm.for_ms.1);
        let action = action(kind, swarm, nodes, &mut rng);
        if kind == SwarmFault::Corrupt {
            // Damage is done at once and cannot be undone, but the cluster needs a while to
            // find and repair it: a second disk damaged before then could hold the other copy
            // of a write, and no design survives losing every copy. So a corrupt takes a
            // concurrency slot for its window, and no other corrupt is drawn in it.
            if at_ms < disk_quiet_until {
                continue;
            }
            disk_quiet_until = at_ms + for_ms;
            active_until.push(at_ms + for_ms);
            faults.push(Fault { at_ms, for_ms: None, action, line: swarm.line });
            continue;
        }
        active_until.push(at_ms + for_ms);
        faults.push(Fault { at_ms, for_ms: Some(for_ms), action, line: swarm.line });
    }
    faults
}

/// Switches each of `modes` in `cluster` to a setting drawn from the seed (a sub-stream of its
/// own, so modes shift no fault draws).
pub fn draw_modes(modes: &[SwarmMode], cluster: &mut ClusterSpec, seed: u64) {
    let mut rng = stream(seed, Stream::Swarm, 1);
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
        }
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

fn action(kind: SwarmFault, swarm: &Swarm, nodes: u32, rng: &mut ChaCha8Rng) -> FaultAction {
    let some = |rng: &mut ChaCha8Rng, most: u32| {
        let count = rng.random_range(1..=most.clamp(1, nodes));
        targets(&shuffled(nodes, rng)[..count as usize])
    };
    match kind {
        SwarmFault::Crash => FaultAction::Crash(some(rng, swarm.max_nodes)),
        SwarmFault::Pause => FaultAction::Pause(some(rng, swarm.max_nodes)),
        // Isolating or cutting every node would cut nothing: leave at least one on the other side.
        SwarmFault::Isolate => FaultAction::Isolate(some(rng, swarm.max_nodes.min(nodes - 1))),
        SwarmFault::Slow => {
            let targets = some(rng, swarm.max_nodes);
            FaultAction::Slow { targets, delay_ms: rng.random_range(swarm.delay_ms.0..=swarm.delay_ms.1) }
        }
        SwarmFault::SlowReplica => {
            let targets = some(rng, swarm.max_nodes);
            FaultAction::SlowReplica { targets, delay_ms: rng.random_range(swarm.delay_ms.0..=swarm.delay_ms.1) }
        }
        SwarmFault::Partition => {
            let order = shuffled(nodes, rng);
            let cut = rng.random_range(1..nodes) as usize;
            FaultAction::Partition(vec![targets(&order[..cut]), targets(&order[cut..])])
        }
        SwarmFault::OneWay => {
            let order = shuffled(nodes, rng);
            let cut = rng.random_range(1..=swarm.max_nodes.min(nodes - 1)) as usize;
            FaultAction::OneWay { from: targets(&order[..cut]), to: targets(&order[cut..]) }
        }
        SwarmFault::Loss => FaultAction::Loss(probability(swarm.loss, rng)),
        SwarmFault::Duplicate => FaultAction::Duplicate(probability(swarm.duplicate, rng)),
        // One node's disk at a time: damage on two replicas of a key before either is repaired
        // could destroy every copy of an acknowledged write, which no design survives.
        SwarmFault::Corrupt => {
            FaultAction::Corrupt { targets: some(rng, 1), fraction: probability(swarm.corrupt, rng) }
        }
    }
}

/// Node addresses `0..nodes` in a random order (Fisher–Yates).
fn shuffled(nodes: u32, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let mut order: Vec<u32> = (0..nodes).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    order
}

/// Sorted node targets, so the written scenario reads well and compares equal.
fn targets(nodes: &[u32]) -> Vec<Target> {
    let mut sorted = nodes.to_vec();
    sorted.sort_unstable();
    sorted.into_iter().map(Target::Node).collect()
}

/// A probability drawn from `[lo, hi]`, rounded to three decimals so it reads (and writes) exactly.
fn probability((lo, hi): (f64, f64), rng: &mut ChaCha8Rng) -> f64 {
    let p = if hi > lo { rng.random_range(lo..=hi) } else { lo };
    ((p * 1_000.0).round() / 1_000.0).min(hi)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::parse;

    const SWARM: &str = "\
name: swarm-test
description: random faults
duration: 120s
cluster:
  nodes: 5
  replication: { n: 3 }
workload:
  - { clients: 2, rate: 10/s, keys: 10 }
faults:
  - { at: 30s, crash: n1 }
swarm:
  faults: [crash, pause, partition, isolate, one_way, slow, loss, duplicate, corrupt, slow_replica]
  rate: 0.5/s
  max_concurrent: 2
  for: [1s, 5s]
  max_nodes: 2
";

    fn scenario() -> Arc<Scenario> {
        Arc::new(parse(Path::new("s.yaml"), SWARM).expect("valid"))
    }

    #[test]
    fn the_same_seed_draws_the_same_schedule_and_another_seed_another() {
        let s = scenario();
        let swarm = s.swarm.as_ref().expect("swarm");
        assert_eq!(draw(swarm, 5, 7), draw(swarm, 5, 7));
        assert_ne!(draw(swarm, 5, 7), draw(swarm, 5, 8));
    }

    #[test]
    fn modes_are_drawn_per_seed_within_their_safe_settings_and_shift_no_fault() {
        let plain = scenario();
        let mut with_modes = Scenario::clone(&plain);
        with_modes.swarm.as_mut().expect("swarm").modes = SwarmMode::ALL.to_vec();
        let with_modes = Arc::new(with_modes);
        let (mut repairs, mut handoffs, mut bounds) = (vec![], vec![], vec![]);
        let (mut hedges, mut breakers) = (vec![], vec![]);
        for seed in 0..40 {
            let r = resolve(&with_modes, seed);
            assert_eq!(r.faults, resolve(&plain, seed).faults, "modes draw from a stream of their own");
            assert_eq!(r.cluster.storage, resolve(&with_modes, seed).cluster.storage, "deterministic");
            let s = r.cluster.storage;
            assert!(s.hinted_handoff.is_none_or(|h| h.after_ms < r.cluster.request_timeout_ms));
            assert!((2..=64).contains(&s.store.max_siblings));
            assert_eq!(s.store.conflicts, nodes::storage::ConflictPolicy::Siblings, "never a lossy policy");
            assert!(s.anti_entropy.is_some_and(|a| (250..=2_000).contains(&a.interval_ms)), "always on");
            let delay = match s.hedge {
                Hedge::Targeted(HedgeDelay::Fixed { ms } | HedgeDelay::Percentile { fallback_ms: ms, .. }) => ms,
                _ => 0,
            };
            assert!(delay < r.cluster.request_timeout_ms, "hedges come before the timeout");
            repairs.push(s.read_repair);
            handoffs.push(s.hinted_handoff.is_some());
            hedges.push(std::mem::discriminant(&s.hedge));
            breakers.push(s.breaker.is_some());
            bounds.push(s.store.max_siblings);
        }
        assert!(repairs.contains(&ReadRepair::Off) && repairs.contains(&ReadRepair::Async));
        assert!(repairs.contains(&ReadRepair::Blocking));
        assert!(handoffs.contains(&true) && handoffs.contains(&false));
        assert!(bounds.iter().min() < bounds.iter().max());
        assert!(hedges.contains(&std::mem::discriminant(&Hedge::Off)));
        assert!(hedges.iter().any(|&h| h != std::mem::discriminant(&Hedge::Off)));
        assert!(breakers.contains(&true) && breakers.contains(&false));
        assert_eq!(resolve(&plain, 3).cluster.storage, plain.cluster.storage, "no modes, nothing switched");
    }

    #[test]
    fn drawn_faults_respect_the_window_and_the_concurrency_bound() {
        let s = scenario();
        let swarm = s.swarm.as_ref().expect("swarm");
        for seed in 0..20 {
            let faults = draw(swarm, 5, seed);
            assert!(faults.len() > 10, "about 0.5/s over 120s, fewer when too many are active");
            let disks: Vec<u64> =
                faults.iter().filter(|f| matches!(f.action, FaultAction::Corrupt { .. })).map(|f| f.at_ms).collect();
            assert!(
                disks.windows(2).all(|w| w[1] - w[0] >= 1_000),
                "seed {seed}: one damaged disk at a time: {disks:?}"
            );
            for f in &faults {
                assert!(f.at_ms < 120_000);
                if let FaultAction::Corrupt { targets, fraction } = &f.action {
                    assert!(f.for_ms.is_none() && targets.len() == 1 && (0.01..=0.1).contains(fraction));
                    continue;
                }
                assert!((1_000..=5_000).contains(&f.for_ms.expect("swarm faults end")));
                let active = faults
                    .iter()
                    .filter(|g| g.for_ms.is_some_and(|d| g.at_ms <= f.at_ms && f.at_ms < g.at_ms + d))
                    .count();
                assert!(active <= 2, "seed {seed}: {active} faults active at {}", f.at_ms);
                match &f.action {
                    FaultAction::Crash(t) | FaultAction::Pause(t) | FaultAction::Isolate(t) => {
                        assert!((1..=2).contains(&t.len()))
                    }
                    FaultAction::Partition(groups) => {
                        assert_eq!(groups.iter().map(Vec::len).sum::<usize>(), 5);
                        assert!(groups.iter().all(|g| !g.is_empty()));
                    }
                    FaultAction::OneWay { from, to } => assert_eq!(from.len() + to.len(), 5),
                    FaultAction::Slow { delay_ms, .. } | FaultAction::SlowReplica { delay_ms, .. } => {
                        assert!((50..=500).contains(delay_ms))
                    }
                    FaultAction::Loss(p) | FaultAction::Duplicate(p) => assert!((0.05..=0.5).contains(p)),
                    other => panic!("the swarm never draws {other:?}"),
                }
            }
        }
    }

    #[test]
    fn resolving_merges_swarm_faults_after_scripted_ones_and_drops_the_swarm() {
        let s = scenario();
        let resolved = resolve(&s, 3);
        assert!(resolved.swarm.is_none());
        assert!(resolved.faults.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        assert!(resolved.faults.iter().any(|f| f.action == FaultAction::Crash(vec![Target::Node(0)])));
        assert_eq!(resolved.faults.len(), 1 + draw(s.swarm.as_ref().expect("swarm"), 5, 3).len());
        let plain = Arc::new(Scenario { swarm: None, ..Scenario::clone(&s) });
        assert!(Arc::ptr_eq(&resolve(&plain, 3), &plain), "no swarm, nothing to do");
    }
}
