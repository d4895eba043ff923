//! What the autoscaler saw and did, as the run loop recorded it: load samples (the demand the
//! nodes were offered and each node's busy fraction, queue and rejections), forecasts, scale
//! decisions, and the machines it actually turned on and off. Checkers judge bounds from the
//! machines, cooldowns and flapping from the decisions; figures (node-seconds, SLO-violation
//! seconds) come from the machines and the clients' operations, never from the autoscaler's
//! own accounting.

/// One scale action as the history records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleAction {
    /// When it was decided.
    pub at_ms: u64,
    /// Nodes before.
    pub from: u32,
    /// Nodes after.
    pub to: u32,
    /// Why, as the autoscaler said (quoted in examples only).
    pub reason: String,
}

/// The bounds and cooldowns a run was configured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleLimits {
    /// Fewest nodes.
    pub min_nodes: u32,
    /// Most nodes.
    pub max_nodes: u32,
    /// No scale-out sooner than this after the previous action (either direction).
    pub scale_up_cooldown_ms: u64,
    /// No scale-in sooner than this after the previous action (either direction).
    pub scale_down_cooldown_ms: u64,
}

/// One sample of the whole cluster's load.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadSample {
    /// When.
    pub at_ms: u64,
    /// Work offered since the previous sample, in busy node-equivalents (service time offered
    /// ÷ one node's worker time): rejected work included, so it does not saturate.
    pub demand: f64,
    /// Machines on (serving, starting or draining).
    pub machines: u32,
    /// Nodes that clients may use.
    pub serving: u32,
}

/// One node's load over one sample interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeLoad {
    /// When.
    pub at_ms: u64,
    /// The node.
    pub node: u32,
    /// Share of its worker time taken (0..=1, rounded to what was admitted).
    pub busy: f64,
    /// Requests waiting for a worker at the sample.
    pub queue: u32,
    /// Requests rejected since the previous sample.
    pub rejected: u64,
}

/// A forecast the predictor made: at `at_ms`, the demand it expected at `for_ms`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForecastRecord {
    /// When it was made.
    pub at_ms: u64,
    /// The time it forecast.
    pub for_ms: u64,
    /// Predicted demand (node-equivalents).
    pub demand: f64,
    /// Residual spread (RMS), for a confidence band.
    pub spread: f64,
    /// The model's confidence in `[0, 1]`.
    pub confidence: f64,
}

/// A machine turned on (a scale-out: billed from now, serving after its start-up) or off (a
/// scale-in, once its drain finished).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MachineRecord {
    /// When.
    pub at_ms: u64,
    /// The node.
    pub node: u32,
    /// On or off.
    pub on: bool,
}

/// A client's request that reached a node while it was down, as the network saw it (the node
/// refused the connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefusedRequest {
    /// When the client sent it.
    pub at_ms: u64,
    /// The client.
    pub client: u32,
    /// The node that was down.
    pub node: u32,
}

/// Everything capacity-related a run recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CapacityLog {
    /// The autoscaler's mode, as the scenario names it.
    pub mode: String,
    /// Its bounds and cooldowns.
    pub limits: Option<ScaleLimits>,
    /// Machines on at the start.
    pub initial: u32,
    /// The SLO: a window whose p99 latency is above this violates it.
    pub slo_p99_ms: u64,
    /// The SLO's window.
    pub slo_window_ms: u64,
    /// Cluster load, one per sample.
    pub samples: Vec<LoadSample>,
    /// Per-node load, one per node and sample (machines on only).
    pub node_loads: Vec<NodeLoad>,
    /// Forecasts, one per sample once the predictor has a model.
    pub forecasts: Vec<ForecastRecord>,
    /// Decisions that changed the wanted count (and holds inside a cooldown are not listed).
    pub decisions: Vec<ScaleAction>,
    /// Machines turned on and off, in time order.
    pub machines: Vec<MachineRecord>,
    /// A reversal of direction within this long is flapping.
    pub flap_window_ms: u64,
}

impl CapacityLog {
    /// Node-seconds of the machines that were on, up to `end_ms`.
    pub fn node_seconds(&self, end_ms: u64) -> f64 {
        let mut on = self.initial as f64;
        let (mut last, mut total) = (0u64, 0.0);
        for m in &self.machines {
            total += on * (m.at_ms.min(end_ms).saturating_sub(last)) as f64 / 1000.0;
            last = last.max(m.at_ms.min(end_ms));
            on += if m.on { 1.0 } else { -1.0 };
        }
        total + on * end_ms.saturating_sub(last) as f64 / 1000.0
    }

    /// The count of machines on after each change, as actions (for the bounds checker).
    pub fn machine_counts(&self) -> Vec<ScaleAction> {
        let mut count = self.initial;
        self.machines
            .iter()
            .map(|m| {
                let from = count;
                count = if m.on { count + 1 } else { count.saturating_sub(1) };
                let what = if m.on { "on" } else { "off" };
                ScaleAction { at_ms: m.at_ms, from, to: count, reason: format!("machine {} {what}", m.node) }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_seconds_count_the_machines_that_were_on() {
        let log = CapacityLog {
            initial: 2,
            machines: vec![
                MachineRecord { at_ms: 10_000, node: 2, on: true },
                MachineRecord { at_ms: 20_000, node: 3, on: true },
                MachineRecord { at_ms: 30_000, node: 2, on: false },
            ],
            ..CapacityLog::default()
        };
        // 2 x 10 s + 3 x 10 s + 4 x 10 s + 3 x 10 s
        assert_eq!(log.node_seconds(40_000), 120.0);
        let counts: Vec<u32> = log.machine_counts().iter().map(|a| a.to).collect();
        assert_eq!(counts, [3, 4, 3]);
    }
}
