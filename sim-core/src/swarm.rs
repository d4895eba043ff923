//! The swarm generator: turns a scenario's `swarm:` into concrete faults before the run, drawn
//! from the seed's own [`Stream::Swarm`], so the ordinary injector applies them and the
//! schedule that ran can be written out as a plain scenario.

mod modes;

use std::sync::Arc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

pub use modes::draw_modes;

use crate::check::Expectation;
use crate::scenario::model::{ClusterSpec, Swarm, SwarmFault, SWARM_FAULTS_MAX};
use crate::scenario::model::{Fault, FaultAction, Scenario, Target};
use crate::scenario::model::{SKEW_BEYOND_MARGIN, SKEW_FAST_MOST, SKEW_SLOW_MOST};
use crate::seed::{stream, Stream};

/// Bound on arrivals drawn (taken or skipped), so a swarm can never loop for long.
const ARRIVALS_MAX: u64 = SWARM_FAULTS_MAX * 8;

/// A `long_pause` lasts this many leases, at least and at most: longer than any lease, so the
/// paused node's grants surely run out while it is frozen (the fencing case).
const LONG_PAUSE_LEASES: (f64, f64) = (1.5, 4.0);
/// How long after draining the node that joined a swarm asks it to join again: long enough for
/// a drain of a small cluster's share to finish (a join during the drain would be dropped).
const REJOIN_AFTER_MS: u64 = 8_000;

/// The scenario as it runs with `seed`: its swarm (if any) drawn into concrete faults, merged
/// with the scripted ones in time order (scripted first on ties), and the swarm removed.
pub fn resolve(scenario: &Arc<Scenario>, seed: u64) -> Arc<Scenario> {
    let Some(swarm) = &scenario.swarm else {
        return scenario.clone();
    };
    let mut concrete = Scenario::clone(scenario);
    // Modes first: faults are drawn for the cluster as it runs (a drawn N bounds the drains).
    // Each draws from its own sub-stream, so neither shifts the other.
    draw_modes(&swarm.modes, &mut concrete, seed);
    let faults = draw(swarm, &concrete.cluster, seed);
    concrete.faults.extend(faults);
    expect_membership(&mut concrete);
    // A stable sort keeps scripted faults (listed first) ahead of swarm faults at the same time.
    concrete.faults.sort_by_key(|f| f.at_ms);
    concrete.swarm = None;
    Arc::new(concrete)
}

/// With gossip on, a swarm run expects every view to converge after the heal and no node to
/// be seen before it joined, and its heal phase lasts at least the convergence bound (else the
/// checker could not judge it).
fn expect_membership(scenario: &mut Scenario) {
    let Some(gossip) = scenario.cluster.membership else { return };
    scenario.heal_ms = scenario.heal_ms.max(gossip.convergence_bound_ms(scenario.cluster.nodes.len()));
    for name in ["membership_converged", "no_member_before_join"] {
        let property = crate::check::Property::named(name).expect("registered");
        let expected = Expectation::Holds(property);
        if !scenario.expect.contains(&expected) {
            scenario.expect.push(expected);
        }
    }
}

/// The faults `swarm` draws for root seed `seed` in `cluster`, in time order.
pub fn draw(swarm: &Swarm, cluster: &ClusterSpec, seed: u64) -> Vec<Fault> {
    let mut rng = stream(seed, Stream::Swarm, 0);
    let mut faults = Vec::new();
    let mut active_until: Vec<u64> = Vec::new();
    // Damaged disks, one at a time: until the last `corrupt`'s window has passed, no other.
    let mut disk_quiet_until = 0u64;
    // Joins and drains: one join a run, and drains of distinct nodes while N + 1 serve. A
    // second join drawn drains the node that joined and asks it to join again a while later
    // (once per run), so a drained node's return is reached too.
    let (mut joined, mut rejoined, mut drained): (bool, bool, Vec<Vec<Target>>) = (false, false, Vec::new());
    let drains_max = (cluster.nodes.len()).saturating_sub(cluster.n_range().1 as usize + 1);
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
        let mut for_ms = rng.random_range(swarm.for_ms.0..=swarm.for_ms.1);
        let action = action(kind, swarm, cluster, &mut rng);
        if let FaultAction::Join(_) | FaultAction::Drain(_) = &action {
            let fresh = match &action {
                FaultAction::Drain(t) if drained.len() < drains_max && !drained.contains(t) => {
                    drained.push(t.clone());
                    true
                }
                FaultAction::Drain(_) => false,
                FaultAction::Join(t) if joined => {
                    let again_ms = at_ms + REJOIN_AFTER_MS;
                    if !rejoined && drained.len() < drains_max && again_ms < swarm.stop_ms {
                        rejoined = true;
                        drained.push(t.clone());
                        let drain = FaultAction::Drain(t.clone());
                        faults.push(Fault { at_ms, for_ms: None, action: drain, line: swarm.line });
                        faults.push(Fault { at_ms: again_ms, for_ms: None, action, line: swarm.line });
                    }
                    continue;
                }
                _ => !std::mem::replace(&mut joined, true),
            };
            if fresh {
                faults.push(Fault { at_ms, for_ms: None, action, line: swarm.line });
            }
            continue;
        }
        if kind == SwarmFault::Migrate {
            // A request, not a fault in effect: it takes no concurrency slot and has no end.
            faults.push(Fault { at_ms, for_ms: None, action, line: swarm.line });
            continue;
        }
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
        if kind == SwarmFault::LongPause {
            let lease = cluster.control.lease_ms as f64;
            let (lo, hi) = LONG_PAUSE_LEASES;
            for_ms = rng.random_range((lease * lo).ceil() as u64..=(lease * hi).ceil() as u64);
        }
        active_until.push(at_ms + for_ms);
        faults.push(Fault { at_ms, for_ms: Some(for_ms), action, line: swarm.line });
    }
    // A rejoin's join comes later than the arrivals drawn after it; a stable sort keeps the rest.
    faults.sort_by_key(|f| f.at_ms);
    faults
}

fn action(kind: SwarmFault, swarm: &Swarm, cluster: &ClusterSpec, rng: &mut ChaCha8Rng) -> FaultAction {
    let nodes = cluster.nodes.len() as u32;
    let some = |rng: &mut ChaCha8Rng, most: u32| {
        let count = rng.random_range(1..=most.clamp(1, nodes));
        targets(&shuffled(nodes, rng)[..count as usize])
    };
    // Aimed at the leader or a primary, or drawn nodes; no draw at all without `aim`, so
    // swarms without it draw the schedules they always drew.
    let aimed_or = |rng: &mut ChaCha8Rng, most: u32| match aimed(swarm.aim, rng) {
        Some(target) => vec![target],
        None => some(rng, most),
    };
    match kind {
        SwarmFault::Crash => FaultAction::Crash(aimed_or(rng, swarm.max_nodes)),
        SwarmFault::Pause => FaultAction::Pause(aimed_or(rng, swarm.max_nodes)),
        // Isolating or cutting every node would cut nothing: leave at least one on the other side.
        SwarmFault::Isolate => FaultAction::Isolate(aimed_or(rng, swarm.max_nodes.min(nodes - 1))),
        SwarmFault::Slow => {
            let targets = aimed_or(rng, swarm.max_nodes);
            FaultAction::Slow { targets, delay_ms: rng.random_range(swarm.delay_ms.0..=swarm.delay_ms.1) }
        }
        SwarmFault::SlowReplica => {
            let targets = aimed_or(rng, swarm.max_nodes);
            FaultAction::SlowReplica { targets, delay_ms: rng.random_range(swarm.delay_ms.0..=swarm.delay_ms.1) }
        }
        SwarmFault::Partition => partition(swarm.aim, nodes, rng),
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
        SwarmFault::Skew => {
            let targets = aimed_or(rng, swarm.max_nodes.min(2));
            let (rate, offset_ms) = skew(swarm.skew_beyond, cluster, rng);
            FaultAction::Skew { targets, rate, offset_ms }
        }
        // The fencing case: a primary (or the leader) frozen past its lease, half the time
        // a primary and a quarter the leader, whatever `aim` says.
        SwarmFault::LongPause => FaultAction::Pause(match rng.random_range(0..4) {
            0 | 1 => vec![Target::Primary],
            2 => vec![Target::Leader],
            _ => some(rng, 1),
        }),
        SwarmFault::Migrate => FaultAction::Migrate {
            shard: rng.random_range(0..cluster.shards.max(1)),
            to: vec![Target::Node(rng.random_range(0..nodes))],
        },
        // The joining node (the highest address) is never drained: it starts outside the cluster.
        SwarmFault::Drain => {
            let drainable = if swarm.kinds.contains(&SwarmFault::Join) { nodes - 1 } else { nodes };
            FaultAction::Drain(vec![Target::Node(rng.random_range(0..drainable.max(1)))])
        }
        SwarmFault::Join => FaultAction::Join(vec![Target::Node(nodes - 1)]),
        SwarmFault::ZoneOutage => {
            let zones: Vec<u16> =
                (0..cluster.zones.len() as u16).filter(|&z| cluster.nodes.iter().any(|n| n.zone == z)).collect();
            let zone = vec![Target::Zone(zones[rng.random_range(0..zones.len())])];
            if rng.random_bool(0.5) {
                FaultAction::Isolate(zone)
            } else {
                FaultAction::Crash(zone)
            }
        }
    }
}

/// `leader` or `primary`, with probability `aim`; no draw when `aim` is 0.
fn aimed(aim: f64, rng: &mut ChaCha8Rng) -> Option<Target> {
    if aim <= 0.0 || !rng.random_bool(aim) {
        return None;
    }
    Some(if rng.random_bool(0.5) { Target::Leader } else { Target::Primary })
}

/// All nodes split into two random sides; with `aim`, the first side holds the leader or a
/// primary (the injector keeps a node resolved into both sides in the first).
fn partition(aim: f64, nodes: u32, rng: &mut ChaCha8Rng) -> FaultAction {
    let order = shuffled(nodes, rng);
    let cut = rng.random_range(1..nodes) as usize;
    match aimed(aim, rng) {
        None => FaultAction::Partition(vec![targets(&order[..cut]), targets(&order[cut..])]),
        Some(target) => {
            // The aimed node and cut - 1 others against at least two, so a side stays after
            // the aimed node leaves it.
            let mut first = vec![target];
            first.extend(targets(&order[..cut - 1]));
            FaultAction::Partition(vec![first, targets(&order[cut - 1..])])
        }
    }
}

/// A clock's rate and jump. Within the promised bound ρ (`cluster.control.max_drift`): a rate
/// error from -ρ to ρ and no jump, since a lease is measured on the local clock and a step
/// in it is outside the promise. Beyond: a rate error at least 0.1 past ρ, fast or slow, and
/// half the time a step of up to half a lease, forwards or backwards.
fn skew(beyond: bool, cluster: &ClusterSpec, rng: &mut ChaCha8Rng) -> (f64, i64) {
    let rho = cluster.control.max_drift;
    let round = |d: f64| (d * 10_000.0).trunc() / 10_000.0;
    if !beyond {
        let drift = if rho > 0.0 { round(rng.random_range(-rho..=rho)) } else { 0.0 };
        return (1.0 + drift, 0);
    }
    let slow = rng.random_bool(0.5);
    let most = if slow { SKEW_SLOW_MOST } else { SKEW_FAST_MOST };
    let lo = rho + SKEW_BEYOND_MARGIN;
    let magnitude = if most > lo { rng.random_range(lo..=most) } else { most };
    let drift = round(if slow { -magnitude } else { magnitude });
    let half_lease = (cluster.control.lease_ms / 2) as i64;
    let offset_ms = if rng.random_bool(0.5) { rng.random_range(-half_lease..=half_lease) } else { 0 };
    (1.0 + drift, offset_ms)
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
    use crate::scenario::model::SwarmMode;
    use crate::scenario::parse;
    use nodes::coordinator::{Hedge, HedgeDelay, ReadRepair};

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
        assert_eq!(draw(swarm, &s.cluster, 7), draw(swarm, &s.cluster, 7));
        assert_ne!(draw(swarm, &s.cluster, 7), draw(swarm, &s.cluster, 8));
    }

    #[test]
    fn modes_are_drawn_per_seed_within_their_safe_settings_and_shift_no_fault() {
        let plain = scenario();
        let mut with_modes = Scenario::clone(&plain);
        with_modes.swarm.as_mut().expect("swarm").modes = SwarmMode::ALL[..6].to_vec();
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
            let faults = draw(swarm, &s.cluster, seed);
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
        assert_eq!(resolved.faults.len(), 1 + draw(s.swarm.as_ref().expect("swarm"), &s.cluster, 3).len());
        let plain = Arc::new(Scenario { swarm: None, ..Scenario::clone(&s) });
        assert!(Arc::ptr_eq(&resolve(&plain, 3), &plain), "no swarm, nothing to do");
    }

    /// A swarm of every kind over 5 nodes in 3 zones with a 2 s lease; faults last 1 to 2 s,
    /// so a pause of 3 s or more is a long one.
    fn wide(extra: &str) -> Arc<Scenario> {
        let text = SWARM
            .replace("  for: [1s, 5s]\n", "  for: [1s, 2s]\n")
            .replace("  replication: { n: 3 }\n", "  zones: [az-a, az-b, az-c]\n  replication: { n: 3 }\n  control: { lease: 2s, max_drift: 0.05 }\n")
            .replace(
                "  faults: [crash, pause, partition, isolate, one_way, slow, loss, duplicate, corrupt, slow_replica]\n",
                "  faults: [crash, pause, partition, isolate, one_way, slow, loss, duplicate, corrupt, slow_replica, skew, long_pause, zone_outage]\n",
            )
            + extra;
        Arc::new(parse(Path::new("s.yaml"), &text).unwrap_or_else(|e| panic!("{e}")))
    }

    fn drift(rate: f64) -> f64 {
        rate - 1.0
    }

    #[test]
    fn every_kind_and_aimed_target_is_drawn_over_a_few_hundred_seeds() {
        let s = wide("  aim: 0.3\n  modes: [primary_writes, mixed_levels, n5]\n");
        let swarm = s.swarm.as_ref().expect("swarm");
        let (mut kinds, mut targets) = (vec![], vec![]);
        let (mut fast, mut slow, mut zone_crash, mut zone_cut) = (false, false, false, false);
        for seed in 0..300 {
            for f in draw(swarm, &s.cluster, seed) {
                let kind = std::mem::discriminant(&f.action);
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
                targets.extend(f.action.target_lists().into_iter().flatten().cloned());
                match &f.action {
                    FaultAction::Skew { targets, rate, offset_ms } => {
                        assert!(drift(*rate).abs() <= 0.05 && *offset_ms == 0, "within the bound: {rate}");
                        assert!((1..=2).contains(&targets.len()));
                        fast |= *rate > 1.0;
                        slow |= *rate < 1.0;
                    }
                    FaultAction::Crash(t) if matches!(t[..], [Target::Zone(_)]) => zone_crash = true,
                    FaultAction::Isolate(t) if matches!(t[..], [Target::Zone(_)]) => zone_cut = true,
                    FaultAction::Pause(t) if f.for_ms.is_some_and(|d| d >= 3_000) => {
                        assert!(f.for_ms.is_some_and(|d| d <= 8_000), "at most 4 leases: {f:?}");
                        assert_eq!(t.len(), 1, "a long pause freezes one node: {f:?}");
                    }
                    FaultAction::Partition(groups) => {
                        assert_eq!(groups.len(), 2);
                        let named = groups.iter().flatten().filter(|t| matches!(t, Target::Node(_))).count();
                        assert!(named >= 4, "every node on a side, the aimed one perhaps twice: {groups:?}");
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(kinds.len(), 11, "every action the swarm draws (long pauses pause, zone outages crash or isolate)");
        assert!(fast && slow && zone_crash && zone_cut);
        for t in [Target::Leader, Target::Primary, Target::Zone(0), Target::Zone(2), Target::Node(4)] {
            assert!(targets.contains(&t), "{t:?} is drawn");
        }
        let long = (0..50).flat_map(|seed| draw(swarm, &s.cluster, seed)).filter(|f| {
            matches!(&f.action, FaultAction::Pause(t) if t == &[Target::Primary]) && f.for_ms > Some(swarm.for_ms.1)
        });
        assert!(long.count() > 0, "long pauses freeze primaries, past the drawn `for` range");
    }

    #[test]
    fn without_aim_no_leader_or_primary_is_drawn_but_long_pauses() {
        let s = wide("");
        let swarm = s.swarm.as_ref().expect("swarm");
        for seed in 0..100 {
            for f in draw(swarm, &s.cluster, seed) {
                let symbolic = f
                    .action
                    .target_lists()
                    .into_iter()
                    .flatten()
                    .any(|t| matches!(t, Target::Leader | Target::Primary));
                let long = f.for_ms.is_some_and(|d| d >= 3_000) && matches!(f.action, FaultAction::Pause(_));
                assert!(!symbolic || long, "seed {seed}: {f:?}");
            }
        }
    }

    #[test]
    fn skews_beyond_the_bound_are_fast_or_slow_past_it_and_may_step() {
        let s = wide("  skew: beyond\n");
        let swarm = s.swarm.as_ref().expect("swarm");
        let skews: Vec<(f64, i64)> = (0..200)
            .flat_map(|seed| draw(swarm, &s.cluster, seed))
            .filter_map(|f| match f.action {
                FaultAction::Skew { rate, offset_ms, .. } => Some((rate, offset_ms)),
                _ => None,
            })
            .collect();
        assert!(skews.len() > 50);
        for &(rate, offset_ms) in &skews {
            let d = drift(rate);
            assert!(d.abs() >= 0.15 - 1e-4, "past the bound by 0.1: {rate}");
            assert!((0.5..=1.9).contains(&rate) && offset_ms.abs() <= 1_000, "{rate} {offset_ms}");
        }
        assert!(skews.iter().any(|s| s.0 > 1.0) && skews.iter().any(|s| s.0 < 1.0));
        assert!(skews.iter().any(|s| s.1 > 0) && skews.iter().any(|s| s.1 < 0) && skews.iter().any(|s| s.1 == 0));
    }

    #[test]
    fn the_new_modes_switch_writes_levels_and_replication_per_seed() {
        let s = wide("  modes: [primary_writes, mixed_levels, n5]\n");
        let (mut via, mut levels, mut ns) = (vec![], vec![], vec![]);
        for seed in 0..200 {
            let r = resolve(&s, seed);
            assert_eq!(r.faults, resolve(&s, seed).faults);
            assert_eq!(r.cluster.n, resolve(&s, seed).cluster.n, "deterministic");
            via.push(r.cluster.writes_via_primary);
            ns.push(r.cluster.n);
            levels.extend(r.workload.iter().flat_map(|g| [(0, g.read_consistency), (1, g.write_consistency)]));
        }
        assert!(via.contains(&true) && via.contains(&false));
        assert!(ns.contains(&3) && ns.contains(&5) && ns.iter().all(|&n| n == 3 || n == 5));
        for kind in [0, 1] {
            for level in LEVELS_DRAWN {
                assert!(levels.contains(&(kind, level)), "{kind} {level:?}");
            }
        }
    }

    #[test]
    fn the_shard_classes_mode_draws_valid_classes_of_every_kind() {
        let s = wide("  modes: [shard_classes]\n");
        let (mut off, mut strong, mut eventual, mut ns) = (0, 0, 0, std::collections::BTreeSet::new());
        for seed in 0..200 {
            let r = resolve(&s, seed);
            assert_eq!(r.cluster.classes, resolve(&s, seed).cluster.classes, "deterministic");
            off += usize::from(r.cluster.classes.is_empty());
            let mut end = 0;
            for c in &r.cluster.classes {
                assert!(c.first >= end && c.first <= c.last && c.last < r.cluster.shards, "disjoint: {c:?}");
                assert!((2..=5).contains(&c.n) && c.n as usize <= r.cluster.nodes.len(), "{c:?}");
                end = c.last + 1;
                ns.insert(c.n);
                *(if c.requirement == nodes::Requirement::Strong { &mut strong } else { &mut eventual }) += 1;
            }
        }
        assert!((60..=140).contains(&off), "off half the time: {off}");
        assert!(strong > 50 && eventual > 50 && ns.len() == 4, "{strong} {eventual} {ns:?}");
        assert!(resolve(&wide(""), 1).cluster.classes.is_empty(), "not listed, not drawn");
        // With drains drawn, no class outgrows the scenario's N (the migration limits fit it).
        let draining = Arc::new(Scenario {
            swarm: s.swarm.clone().map(|mut w| {
                w.kinds.push(SwarmFault::Drain);
                w
            }),
            ..Scenario::clone(&s)
        });
        let drawn: Vec<u8> =
            (0..100).flat_map(|seed| resolve(&draining, seed).cluster.classes.clone()).map(|c| c.n).collect();
        assert!(!drawn.is_empty() && drawn.iter().all(|&n| (2..=3).contains(&n)), "{drawn:?}");
    }

    #[test]
    fn the_balancer_mode_reaches_every_strategy() {
        let s = wide("  modes: [balancer]\n");
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..100 {
            let b = resolve(&s, seed).cluster.balancer;
            assert_eq!(b, resolve(&s, seed).cluster.balancer, "deterministic");
            assert!((4..=64).contains(&b.window) && b.backoff_base_ms <= b.backoff_max_ms, "{b:?}");
            seen.insert(b.strategy);
        }
        assert_eq!(seen.len(), nodes::client::Strategy::ALL.len(), "{seen:?}");
        assert_eq!(resolve(&wide(""), 1).cluster.balancer, Default::default(), "not listed, not drawn");
    }

    #[test]
    fn the_retry_mode_turns_retries_on_and_off_within_the_client_timeout() {
        let s = wide("  modes: [retry]\n");
        let timeout = s.cluster.client_timeout_ms;
        let (mut on, mut off) = (0, 0);
        for seed in 0..100 {
            let r = resolve(&s, seed).workload[0].retry;
            assert_eq!(r, resolve(&s, seed).workload[0].retry, "deterministic");
            if r.attempts == 0 {
                off += 1;
            } else {
                on += 1;
                assert!(r.attempts <= 5 && r.backoff_ms >= 1 && r.backoff_ms < timeout, "{r:?}");
            }
        }
        assert!(on > 20 && off > 20, "{on} on, {off} off");
        assert_eq!(resolve(&wide(""), 1).workload[0].retry, Default::default(), "not listed, not drawn");
    }

    const LEVELS_DRAWN: [crate::history::Level; 3] =
        [crate::history::Level::One, crate::history::Level::Quorum, crate::history::Level::All];
}
