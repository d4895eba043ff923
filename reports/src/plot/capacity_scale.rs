//! The axes of the capacity plot, shared by every run drawn together: demand (node-equivalents),
//! node count and p99 latency per SLO window.

use crate::capacity::CapacitySummary;
use crate::run_data::RunData;

/// Axis ranges of the capacity plot's three panels.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityScale {
    /// Top of the demand axis, busy node-equivalents.
    pub demand_hi: f64,
    /// Top of the node-count axis.
    pub nodes_hi: f64,
    /// The p99 axis (log scale), ms.
    pub p99_lo_ms: f64,
    /// Top of the p99 axis, ms; failed windows are drawn just under it.
    pub p99_hi_ms: f64,
}

impl CapacityScale {
    /// The axes fitted to every run of `runs` that has a capacity section.
    pub fn of(runs: &[&RunData]) -> Self {
        let caps: Vec<&CapacitySummary> = runs.iter().filter_map(|r| r.summary.capacity.as_ref()).collect();
        let demand = caps.iter().flat_map(|c| &c.series).map(|p| {
            let forecast = p.forecast.map_or(0.0, |f| f + p.spread);
            p.demand.max(forecast).max(f64::from(p.serving))
        });
        let demand_hi = demand.fold(1.0f64, f64::max) * 1.1;
        let sizes = caps.iter().flat_map(|c| c.series.iter().map(|p| p.machines.max(p.serving)));
        let wanted = caps.iter().flat_map(|c| c.decisions.iter().map(|d| d.from.max(d.to)));
        let most = sizes.chain(wanted).max().unwrap_or(1).max(1);
        let nodes_hi = f64::from(most) * 1.15 + 1.0;
        let p99s = caps.iter().flat_map(|c| c.windows.iter().filter_map(|w| w.p99_ms));
        let slos = caps.iter().map(|c| c.slo_p99_ms as f64);
        let all: Vec<f64> = p99s.chain(slos).collect();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(0.0, f64::max);
        let (lo, hi) = if all.is_empty() { (1.0, 1.0) } else { (lo, hi) };
        // Down to a power of ten below the fastest window (at least 0.5 ms), so the log axis has
        // a labelled decade; room above the slowest for the marks of failed windows.
        let p99_lo_ms = (lo / 1.5).max(0.5);
        let p99_lo_ms = p99_lo_ms.min(10f64.powf(p99_lo_ms.log10().floor()));
        let p99_hi_ms = (hi * 1.5).max(p99_lo_ms * 4.0) * 2.0;
        CapacityScale { demand_hi, nodes_hi, p99_lo_ms, p99_hi_ms }
    }
}
