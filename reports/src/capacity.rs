//! The capacity section of a run summary: the autoscaler's mode, the figures a run is judged
//! by (SLO-violation seconds against node-seconds), and the series a capacity plot draws.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// One sample of the cluster's load and size.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CapacityPoint {
    /// When (simulated ms).
    pub at_ms: u64,
    /// Demand offered since the previous sample, in busy node-equivalents.
    pub demand: f64,
    /// Machines on (serving, starting or draining).
    pub machines: u32,
    /// Nodes clients used.
    pub serving: u32,
    /// Busy fraction of the busiest machine.
    #[serde(default)]
    pub busy_max: f64,
    /// Mean busy fraction of the machines on.
    #[serde(default)]
    pub busy_mean: f64,
    /// Longest queue of a machine at the sample.
    #[serde(default)]
    pub queue_max: u32,
    /// What the predictor forecast for this time, when it had (predictive mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<f64>,
    /// The forecast's residual spread (RMS), for a confidence band.
    #[serde(default)]
    pub spread: f64,
}

/// One SLO window: its start and p99 latency (failed operations count as infinitely slow).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SloPoint {
    /// Window start (simulated ms).
    pub from_ms: u64,
    /// p99 latency in ms (`None`: no operation; infinite written as `None` too, see `failed`).
    pub p99_ms: Option<f64>,
    /// More than 1% of its operations failed.
    pub failed: bool,
    /// The window violates the SLO.
    pub violated: bool,
}

/// A scale decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaleDecision {
    /// When.
    pub at_ms: u64,
    /// Nodes wanted before.
    pub from: u32,
    /// Nodes wanted after.
    pub to: u32,
    /// Why, as the autoscaler said.
    pub reason: String,
}

/// A run's capacity figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CapacitySummary {
    /// `threshold`, `hpa` or `predictive`.
    pub mode: String,
    /// The SLO: p99 latency bound per window.
    pub slo_p99_ms: u64,
    /// The SLO's window.
    pub slo_window_ms: u64,
    /// Seconds in windows that violated the SLO.
    pub slo_violation_s: f64,
    /// Node-seconds of the machines that were on.
    pub node_seconds: f64,
    /// Most machines on at once.
    pub peak_machines: u32,
    /// Scale-out decisions.
    pub scale_outs: u32,
    /// Scale-in decisions.
    pub scale_ins: u32,
    /// Requests rejected by full queues.
    pub rejected: u64,
    /// Forecast MAPE in percent (predictive mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_mape: Option<f64>,
    /// Load, size and forecast over time.
    pub series: Vec<CapacityPoint>,
    /// p99 per SLO window.
    pub windows: Vec<SloPoint>,
    /// Every scale decision.
    pub decisions: Vec<ScaleDecision>,
}

impl CapacitySummary {
    /// One line of the headline figures.
    pub fn headline(&self) -> String {
        let mape = self.forecast_mape.map_or(String::new(), |m| format!(", forecast MAPE {m:.1}%"));
        format!(
            "{}: SLO (p99 <= {} ms per {} s) violated {:.0} s; {:.0} node-seconds, peak {} nodes; {} scale-outs, {} scale-ins; {} requests rejected{mape}",
            self.mode,
            self.slo_p99_ms,
            self.slo_window_ms / 1000,
            self.slo_violation_s,
            self.node_seconds,
            self.peak_machines,
            self.scale_outs,
            self.scale_ins,
            self.rejected,
        )
    }

    /// The Markdown section.
    pub fn markdown(&self) -> String {
        let mut s = format!("## Capacity\n\n{}\n\n| at | from | to | why |\n|---|---|---|---|\n", self.headline());
        for d in &self.decisions {
            let _ = writeln!(s, "| {:.1}s | {} | {} | {} |", d.at_ms as f64 / 1000.0, d.from, d.to, d.reason);
        }
        s.push('\n');
        s
    }
}
