//! The zone rebalancer's peer in the run loop (`rebalance:`): a monitoring service beside the
//! cluster, as seed 001's Predictive Load Analysis Module is. Every second it samples each
//! serving node's workers into per-zone loads; every interval it scores the zones
//! ([`ZoneBalancer`]) and turns the Shard Migration Recommendation list into ordinary
//! migration requests to the leader (`Cluster::request_migration`, the shard-management API).
//!
//! Shard selection runs here, not in the leader: it needs the zone loads this peer measures,
//! and a request is exactly what an operator's `migrate` is, so the leader's migration policies
//! (concurrency limit, one migration per shard, refusal of a drained target, rollback) apply
//! unchanged. For each move it picks, among the shards whose primary is in the relinquishing
//! zone and that have no migration under way nor moved in the last few rounds, first those
//! with a replica already in the receiving zone (seed 001 prefers shards whose data is
//! already replicated there: the copy is a catch-up), then the lowest shard; the target is
//! that replica, else the receiving zone's serving node with the fewest primaries. Per-shard
//! load is not in our model, so it is not a criterion.

use std::collections::BTreeMap;

use nodes::capacity::WorkerStats;
use nodes::capacity::{Quiet, ZoneBalancer};
use nodes::shard_map::ShardMap;
use nodes::{Addr, Cluster, Requirement};

use super::recorder::Recorder;
use crate::history::zones::{ZoneLog, ZoneMove, ZoneRound, ZoneScoreRecord, ZONE_IDS};
use crate::scenario::model::Scenario;

const SAMPLE_MS: u64 = 1_000;

/// The rebalancer in the run loop.
pub struct Rebalancer<'a> {
    cluster: Cluster<Recorder>,
    scenario: &'a Scenario,
    balancer: ZoneBalancer,
    last: Vec<WorkerStats>,
    workers: u32,
    next_sample_ms: u64,
    next_round_ms: u64,
    /// Shard → when the rebalancer last asked to move it.
    moved: BTreeMap<u32, u64>,
    log: ZoneLog,
}

impl<'a> Rebalancer<'a> {
    /// The rebalancer of `scenario`, if it has `rebalance:` (and costed load).
    pub fn new(cluster: Cluster<Recorder>, scenario: &'a Scenario) -> Option<Self> {
        let config = scenario.rebalance.clone()?;
        let (workers, stats) = cluster.service_stats()?;
        let zones = scenario.cluster.zones.len();
        let next_round_ms = config.interval_ms;
        Some(Rebalancer {
            balancer: ZoneBalancer::new(config, zones),
            last: stats.iter().map(|s| s.0).collect(),
            workers,
            next_sample_ms: SAMPLE_MS,
            next_round_ms,
            moved: BTreeMap::new(),
            log: ZoneLog { zones: scenario.cluster.zones.clone(), ..ZoneLog::default() },
            cluster,
            scenario,
        })
    }

    /// When it acts next.
    pub fn next_at(&self) -> u64 {
        self.next_sample_ms.min(self.next_round_ms)
    }

    /// Samples and, when a round is due, evaluates and requests migrations.
    pub fn step(&mut self) {
        let now = self.next_at();
        let map = self.cluster.maps().into_iter().max_by_key(|m| m.epoch);
        if now == self.next_sample_ms {
            self.next_sample_ms += SAMPLE_MS;
            self.sample(now, map.as_ref());
        }
        if now == self.next_round_ms {
            self.next_round_ms += self.balancer.config().interval_ms;
            if let Some(map) = map {
                self.round(now, &map);
            }
        }
    }

    /// The log.
    pub fn finish(self) -> ZoneLog {
        self.log
    }

    fn zone(&self, node: Addr) -> usize {
        self.scenario.cluster.nodes[node as usize].zone as usize
    }

    fn serving(&self, map: Option<&ShardMap>, node: Addr) -> bool {
        self.cluster.is_up(node) && map.is_none_or(|m| m.standing_of(node).serves())
    }

    /// Each zone's load since the last sample: busy time over workers × interval, summed over
    /// its serving nodes.
    fn sample(&mut self, now: u64, map: Option<&ShardMap>) {
        let Some((_, stats)) = self.cluster.service_stats() else { return };
        let capacity_us = f64::from(self.workers) * SAMPLE_MS as f64 * 1_000.0;
        let mut loads = vec![0.0; self.scenario.cluster.zones.len()];
        for (node, (s, _)) in stats.iter().enumerate() {
            let prev = std::mem::replace(&mut self.last[node], *s);
            if self.serving(map, node as Addr) {
                loads[self.zone(node as Addr)] += ((s.busy_us - prev.busy_us) as f64 / capacity_us).min(1.0);
            }
        }
        self.balancer.observe(now, &loads);
        self.log.loads.push((now, loads));
    }

    /// Migrations this rebalancer asked for that the newest map does not show ended.
    fn under_way(&self, now: u64, map: &ShardMap) -> bool {
        let patience = 2 * self.balancer.config().interval_ms;
        self.log.requested.iter().any(|r| match map.migration(r.id) {
            Some(m) => !m.step.is_terminal(),
            None => now < r.at_ms + patience,
        })
    }

    fn round(&mut self, now: u64, map: &ShardMap) {
        let zones = self.scenario.cluster.zones.len();
        let mut primaries = vec![0u32; zones];
        for p in map.primaries().iter().flatten() {
            primaries[self.zone(*p)] += 1;
        }
        let busy = self.under_way(now, map);
        let e = self.balancer.evaluate(now, &primaries, busy);
        let scores = e
            .scores
            .iter()
            .map(|s| ZoneScoreRecord { load: s.load, forecast: s.forecast, score: s.score, confidence: s.confidence })
            .collect();
        let quiet = e.quiet.map(|q| match q {
            Quiet::Balanced => "balanced",
            Quiet::LowConfidence => "low_confidence",
            Quiet::Settling => "settling",
        });
        let moves = e.moves.iter().map(|m| (m.from, m.to, m.primaries)).collect();
        self.log.rounds.push(ZoneRound { at_ms: now, scores, moves, quiet });
        let act = self.balancer.config().act;
        for m in e.moves.iter().filter(|_| act) {
            for _ in 0..m.primaries {
                let Some((shard, to)) = self.pick(now, map, m.from as usize, m.to as usize) else { break };
                let id = ZONE_IDS + self.log.requested.len() as u32;
                let from = map.primary_of(shard).expect("picked shards have a primary");
                self.cluster.request_migration(id, shard, to);
                self.moved.insert(shard, now);
                self.log.requested.push(ZoneMove { at_ms: now, id, shard, from, to });
            }
        }
    }

    /// A shard whose primary is in zone `from` and where in zone `to` it should go.
    fn pick(&self, now: u64, map: &ShardMap, from: usize, to: usize) -> Option<(u32, Addr)> {
        let hold = 4 * self.balancer.config().interval_ms;
        let moving = |shard: u32| map.migrations().iter().any(|m| m.shard == shard && !m.step.is_terminal());
        let mut load = vec![0u32; self.scenario.cluster.nodes.len()];
        for p in map.primaries().iter().flatten() {
            load[*p as usize] += 1;
        }
        for r in self.log.requested.iter().filter(|r| r.at_ms == now) {
            load[r.to as usize] += 1;
            load[r.from as usize] = load[r.from as usize].saturating_sub(1);
        }
        let picked_now = |shard: u32| self.log.requested.iter().any(|r| r.at_ms == now && r.shard == shard);
        let fresh = |shard: u32| self.moved.get(&shard).is_none_or(|&t| now >= t + hold);
        let targets: Vec<Addr> = (0..self.scenario.cluster.nodes.len() as Addr)
            .filter(|&a| self.zone(a) == to && self.serving(Some(map), a))
            .collect();
        let coolest = targets.iter().copied().min_by_key(|&a| (load[a as usize], a))?;
        let mut best: Option<(Preference, Addr)> = None;
        for shard in 0..map.shards() {
            let Some(p) = map.primary_of(shard) else { continue };
            if self.zone(p) != from || moving(shard) || picked_now(shard) || !fresh(shard) {
                continue;
            }
            let replica = map.replica_sets()[shard as usize].iter().copied().find(|r| targets.contains(r));
            let candidate = (preference(map, shard, replica.is_some()), replica.unwrap_or(coolest));
            if best.is_none_or(|b| candidate.0 < b.0) {
                best = Some(candidate);
            }
        }
        best.map(|(p, to)| (p.3, to))
    }
}

/// Which shard moves first, smallest first: fewer replicas (less to copy and fence), eventual
/// before strong (a strong shard's cut-over refuses its reads and writes), a replica already in
/// the target zone (promoted, not copied), then the lowest shard.
type Preference = (u8, Requirement, bool, u32);

fn preference(map: &ShardMap, shard: u32, replica_in_target: bool) -> Preference {
    (map.n_of(shard), map.requirement_of(shard), !replica_in_target, shard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodes::ShardSpec;

    #[test]
    fn shards_with_fewer_replicas_then_eventual_ones_move_first() {
        let nodes: Vec<(Addr, u16)> = (0..6).map(|a| (a, (a % 3) as u16)).collect();
        let spec = ShardSpec::uniform(4, 3, Requirement::Eventual)
            .with_class((0, 0), 5, Requirement::Eventual)
            .with_class((1, 1), 2, Requirement::Strong)
            .with_class((2, 2), 2, Requirement::Eventual);
        let map = ShardMap::placed(&nodes, &spec);
        let mut order: Vec<Preference> = (0..4).map(|s| preference(&map, s, s == 3)).collect();
        order.sort();
        let shards: Vec<u32> = order.iter().map(|p| p.3).collect();
        assert_eq!(shards, [2, 1, 3, 0], "N=2 eventual, N=2 strong, N=3, N=5");
        // Equal otherwise, a replica already in the target zone goes first.
        assert!(preference(&map, 3, true) < preference(&map, 3, false));
    }
}
