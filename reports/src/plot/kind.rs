//! The plots a report can hold, and the error drawing one can end in.

use std::fmt;

use plotters::prelude::DrawingAreaErrorKind;

/// Drawing or encoding a plot failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlotError(pub String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot draw a plot: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

/// The plots a report can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlotKind {
    /// Every operation's latency over time, per level, coloured by outcome.
    LatencyRaw,
    /// p50/p95/p99/max latency per window, per level.
    LatencyQuantiles,
    /// Latency distribution (1 − CDF) per level, with p50/p95/p99 marked.
    LatencyDistribution,
    /// Success rate and throughput per window, per level.
    Availability,
    /// Control-plane timelines, when the run recorded any.
    Timelines,
    /// PBS t-visibility per pair of levels, and the probes' measurements.
    Staleness,
    /// Operations and failures per coordinator node over time, and when each node was down.
    Nodes,
    /// Moved shards' primaries over time, coloured by zone, when a shard moved.
    Placement,
    /// Demand, forecast, node count and p99 per SLO window, when the run had an autoscaler.
    Capacity,
}

impl PlotKind {
    /// Every plot, in the order the report shows them.
    pub const ALL: [PlotKind; 9] = [
        PlotKind::LatencyRaw,
        PlotKind::LatencyQuantiles,
        PlotKind::LatencyDistribution,
        PlotKind::Availability,
        PlotKind::Timelines,
        PlotKind::Staleness,
        PlotKind::Nodes,
        PlotKind::Placement,
        PlotKind::Capacity,
    ];

    /// File stem: `latency-raw`.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::LatencyRaw => "latency-raw",
            PlotKind::LatencyQuantiles => "latency-quantiles",
            PlotKind::LatencyDistribution => "latency-distribution",
            PlotKind::Availability => "availability",
            PlotKind::Timelines => "timelines",
            PlotKind::Staleness => "staleness",
            PlotKind::Nodes => "nodes",
            PlotKind::Placement => "placement",
            PlotKind::Capacity => "capacity",
        }
    }

    /// Title above the plot.
    pub fn title(self) -> &'static str {
        match self {
            PlotKind::LatencyRaw => "Latency of every operation",
            PlotKind::LatencyQuantiles => "Latency quantiles over time",
            PlotKind::LatencyDistribution => "Latency distribution",
            PlotKind::Availability => "Availability and throughput",
            PlotKind::Timelines => "Control-plane timelines",
            PlotKind::Staleness => "Staleness: t-visibility (PBS)",
            PlotKind::Nodes => "Operations by coordinator node",
            PlotKind::Placement => "Shard placement",
            PlotKind::Capacity => "Capacity and autoscaling",
        }
    }

    /// One sentence on how to read the plot.
    pub fn description(self) -> &'static str {
        match self {
            PlotKind::LatencyRaw => {
                "Each dot is one operation: x is when it was invoked, y how long it took (log scale); \
                 blue ok, red failed, orange indeterminate; dots reads, triangles writes. One panel per consistency \
                 level; faults in the band above, violations as red ticks under them."
            }
            PlotKind::LatencyQuantiles => {
                "p50, p95, p99 and max (dashed) latency of all the operations invoked in each window, failed \
                 and indeterminate ones included, per consistency level (log scale); faults in the band above."
            }
            PlotKind::LatencyDistribution => {
                "For each latency x, the fraction of successful operations that took at least x (1 − CDF, \
                 log-log); the dots mark p50, p95 and p99 of each level."
            }
            PlotKind::Availability => {
                "Share of the operations invoked in each window that succeeded, per level, and the \
                 throughput per window (ok solid, invoked faint); dashed lines are the expected availability \
                 bounds, red where one failed; faults in the band above."
            }
            PlotKind::Timelines => "Control-plane state over time, one row per lane; faults in the band above.",
            PlotKind::Nodes => {
                "Operations each node coordinated per second (ok, failed, indeterminate), one panel per node, \
                 with the times it was down or paused in the strip at its top; faults in the band above."
            }
            PlotKind::Placement => {
                "One row per shard that moved (its primary or replica set changed; the first 40): each bar a \
                 stretch under one primary, coloured by the primary's zone and labelled with its node; gaps are \
                 times nobody held the shard, dark ticks where the replica set changed; faults in the band above."
            }
            PlotKind::Capacity => {
                "Top: the demand offered each second in busy node-equivalents, the serving nodes (what they \
                 serve at 100% busy) and, in predictive mode, the forecast with its confidence band (± the \
                 residual spread). Middle: machines on and nodes serving, with each scale decision marked at \
                 the size it asked for. Bottom: p99 latency per SLO window (log scale) against the SLO, \
                 violated windows shaded; faults in the band above."
            }
            PlotKind::Staleness => {
                "Share of consistent reads (every write acknowledged before the read began returned, or \
                 something newer) against t, how long after the newest acknowledged write the read began, one \
                 line per pair of levels; crosses: probes reading a fresh write exactly t after its \
                 acknowledgement."
            }
        }
    }
}
