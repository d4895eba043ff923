//! Node stats' peer in the run loop: reads every storage node's counters on the scenario's
//! fixed simulated interval (`cluster.capacity.stats`, default 1 s) into [`NodeStats`]' bounded
//! windows. It runs whenever nodes have a capacity, with or without an autoscaler, and only
//! reads: the cluster runs to each sample time as it would run through it.

use nodes::capacity::{NodeStats, NodeTotals};
use nodes::Cluster;
use reports::node_stats::{HealthPoint, NodeStatsRow, NodeStatsSummary};

use super::recorder::Recorder;
use crate::scenario::model::Scenario;

/// Most points of the health series kept for the summary and plot.
pub const HEALTH_SERIES_MAX: usize = 10_000;

/// The sampler in the run loop.
pub struct StatsSampler {
    cluster: Cluster<Recorder>,
    stats: NodeStats,
    names: Vec<String>,
    next_ms: u64,
    health: Vec<HealthPoint>,
    series_cut: bool,
}

impl StatsSampler {
    /// The sampler of `scenario`, if its nodes have a capacity; takes the baseline reading now.
    pub fn new(cluster: Cluster<Recorder>, scenario: &Scenario) -> Option<Self> {
        let cfg = scenario.cluster.node_stats?;
        let service = scenario.cluster.service.as_ref()?;
        let stats = NodeStats::new(cfg, service.workers, service.queue);
        let names = scenario.cluster.nodes.iter().map(|n| n.name.clone()).collect();
        let next_ms = cluster.now_ms() + stats.config().interval_ms;
        let mut s = StatsSampler { cluster, stats, names, next_ms, health: Vec::new(), series_cut: false };
        s.read(s.cluster.now_ms());
        Some(s)
    }

    /// When it samples next.
    pub fn next_at(&self) -> u64 {
        self.next_ms
    }

    /// Samples at the current time (the run loop brought the cluster to [`StatsSampler::next_at`]).
    pub fn step(&mut self) {
        let now = self.next_ms;
        self.next_ms += self.stats.config().interval_ms;
        self.read(now);
    }

    fn read(&mut self, now: u64) {
        let Some(counters) = self.cluster.node_counters() else { return };
        let (mut min, mut sum, mut n) = (f64::INFINITY, 0.0, 0u32);
        for (node, c) in counters.iter().enumerate() {
            // A refusal is counted in the node's totals (or as untracked); nothing is stored.
            if let Ok(Some(s)) = self.stats.observe(node as u32, now, c) {
                min = min.min(s.health);
                sum += s.health;
                n += 1;
            }
        }
        if n == 0 {
            return;
        }
        if self.health.len() < HEALTH_SERIES_MAX {
            self.health.push(HealthPoint { at_ms: now, min, mean: sum / f64::from(n) });
        } else {
            self.series_cut = true;
        }
    }

    /// The run's node stats.
    pub fn finish(self) -> NodeStatsSummary {
        let cfg = self.stats.config();
        let nodes = (0..self.stats.tracked() as u32)
            .map(|a| {
                let name = self.names.get(a as usize).cloned().unwrap_or_else(|| format!("#{a}"));
                row(name, self.stats.totals(a).copied().unwrap_or_default())
            })
            .collect();
        NodeStatsSummary {
            interval_ms: cfg.interval_ms,
            window: cfg.window,
            max_nodes: cfg.max_nodes,
            untracked: self.stats.untracked(),
            nodes,
            health: self.health,
            series_cut: self.series_cut,
        }
    }
}

fn row(node: String, t: NodeTotals) -> NodeStatsRow {
    NodeStatsRow {
        node,
        samples: t.samples,
        down: t.down,
        refused: t.refused,
        cpu_mean: t.cpu_mean(),
        cpu_max: t.cpu_max,
        peak_keys: t.peak_keys,
        peak_versions: t.peak_versions,
        peak_queue: t.peak_queue,
        sent: t.sent,
        received: t.received,
        disk_reads: t.disk_reads,
        disk_writes: t.disk_writes,
        fsyncs: t.fsyncs,
        errors: t.errors,
        health_min: if t.samples == 0 { 1.0 } else { t.health_min },
        health_mean: t.health_mean(),
    }
}
