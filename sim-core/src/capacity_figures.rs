//! Capacity figures of a run, from what clients observed and which machines ran (never from
//! the autoscaler's own accounting): SLO-violation seconds, node-seconds, rejections, the
//! forecast's error, and the series a capacity plot draws.

use crate::history::capacity::CapacityLog;
use crate::history::{History, Op, Outcome};

/// The SLO figure of one window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SloWindow {
    /// Window start (simulated ms).
    pub from_ms: u64,
    /// p99 latency of the operations invoked in it, failed ones counted as infinitely slow
    /// (`None`: no operation).
    pub p99_ms: Option<f64>,
    /// The window violates the SLO.
    pub violated: bool,
}

/// A run's capacity figures.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityFigures {
    /// The autoscaler's mode.
    pub mode: String,
    /// Seconds in windows whose p99 was above the SLO.
    pub slo_violation_s: f64,
    /// Node-seconds of the machines that were on, over the fault phase.
    pub node_seconds: f64,
    /// Most machines on at once.
    pub peak_machines: u32,
    /// Scale-outs and scale-ins decided.
    pub scale_outs: u32,
    /// Scale-ins decided.
    pub scale_ins: u32,
    /// Requests nodes rejected with a full queue.
    pub rejected: u64,
    /// Mean absolute percentage error of the forecasts against the demand then observed
    /// (`None`: no forecasts).
    pub forecast_mape: Option<f64>,
    /// The SLO windows.
    pub windows: Vec<SloWindow>,
}

/// The figures of `history` over `[0, end_ms)`, `None` without an autoscaler.
pub fn figures(history: &History, end_ms: u64) -> Option<CapacityFigures> {
    let log = history.capacity.as_ref()?;
    let windows = slo_windows(&history.ops, log.slo_window_ms, log.slo_p99_ms, end_ms);
    let violated = windows.iter().filter(|w| w.violated).count() as f64;
    let peak = log.machine_counts().iter().map(|a| a.to).chain([log.initial]).max().unwrap_or(log.initial);
    Some(CapacityFigures {
        mode: log.mode.clone(),
        slo_violation_s: violated * log.slo_window_ms as f64 / 1000.0,
        node_seconds: log.node_seconds(end_ms),
        peak_machines: peak,
        scale_outs: log.decisions.iter().filter(|d| d.to > d.from).count() as u32,
        scale_ins: log.decisions.iter().filter(|d| d.to < d.from).count() as u32,
        rejected: log.node_loads.iter().map(|l| l.rejected).sum(),
        forecast_mape: forecast_mape(log),
        windows,
    })
}

/// The SLO windows over `[0, end_ms)`: each operation counts in the window it was invoked in.
pub fn slo_windows(ops: &[Op], window_ms: u64, p99_ms: u64, end_ms: u64) -> Vec<SloWindow> {
    let window_ms = window_ms.max(1);
    let count = end_ms.div_ceil(window_ms) as usize;
    let mut latencies: Vec<Vec<f64>> = vec![Vec::new(); count];
    for op in ops.iter().filter(|o| o.invoke_ms < end_ms) {
        let latency = match op.outcome {
            Outcome::Ok => (op.complete_ms - op.invoke_ms) as f64,
            Outcome::Fail | Outcome::Indeterminate => f64::INFINITY,
        };
        latencies[(op.invoke_ms / window_ms) as usize].push(latency);
    }
    latencies
        .into_iter()
        .enumerate()
        .map(|(i, mut l)| {
            let p99 = p99(&mut l);
            SloWindow { from_ms: i as u64 * window_ms, p99_ms: p99, violated: p99.is_some_and(|p| p > p99_ms as f64) }
        })
        .collect()
}

/// The 99th percentile (nearest rank).
fn p99(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((values.len() as f64) * 0.99).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

/// MAPE of each forecast against the demand sampled at (or first after) the time it forecast.
fn forecast_mape(log: &CapacityLog) -> Option<f64> {
    let pairs: Vec<(f64, f64)> = log
        .forecasts
        .iter()
        .filter_map(|f| {
            let i = log.samples.partition_point(|s| s.at_ms < f.for_ms);
            log.samples.get(i).map(|s| (f.demand, s.demand))
        })
        .collect();
    nodes::capacity::mape(&pairs)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::history::{Level, OpKind, Version};

    fn op(invoke_ms: u64, latency_ms: u64, outcome: Outcome) -> Op {
        Op {
            client: 0,
            group: 0,
            seq: 0,
            kind: OpKind::Read,
            key: 0,
            shard: None,
            level: Level::Quorum,
            required: 2,
            n: 3,
            invoke_ms,
            complete_ms: invoke_ms + latency_ms,
            outcome,
            reason: None::<Cow<'static, str>>,
            coordinator: None,
            value: None,
            context: Version::default(),
            version: None,
            read: vec![],
            primary_saw: vec![],
            stand_ins: 0,
            retries: 0,
        }
    }

    #[test]
    fn a_window_violates_when_its_p99_is_slow_or_one_in_a_hundred_fails() {
        let mut ops: Vec<Op> = (0..100).map(|i| op(i * 10, 5, Outcome::Ok)).collect(); // window 0
        ops.extend((0..100).map(|i| op(1_000 + i * 10, if i < 2 { 500 } else { 5 }, Outcome::Ok))); // window 1
        ops.extend((0..100).map(|i| op(2_000 + i * 10, 5, if i == 0 { Outcome::Fail } else { Outcome::Ok }))); // window 2
        let w = slo_windows(&ops, 1_000, 100, 4_000);
        let violated: Vec<bool> = w.iter().map(|w| w.violated).collect();
        assert_eq!(violated, [false, true, false, false], "one failure in 100 is within the 99th percentile");
        assert_eq!(w[3].p99_ms, None);
        assert_eq!(w[1].p99_ms, Some(500.0));
    }
}
