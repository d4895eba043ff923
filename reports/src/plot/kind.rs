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
}

impl PlotKind {
    /// Every plot, in the order the report shows them.
    pub const ALL: [PlotKind; 6] = [
        PlotKind::LatencyRaw,
        PlotKind::LatencyQuantiles,
        PlotKind::LatencyDistribution,
        PlotKind::Availability,
        PlotKind::Timelines,
        PlotKind::Staleness,
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
        }
    }

    /// One sentence on how to read the plot.
    pub fn description(self) -> &'static str {
        match self {
            PlotKind::LatencyRaw => {
                "Each dot is one operation: x is when it was invoked, y how long it took (log scale); \
                 blue ok, red failed, orange indeterminate. One panel per consistency level; faults shaded."
            }
            PlotKind::LatencyQuantiles => {
                "p50, p95, p99 and max latency of the successful operations invoked in each window, \
                 per consistency level (log scale); faults shaded."
            }
            PlotKind::LatencyDistribution => {
                "For each latency x, the fraction of successful operations that took at least x (1 − CDF, \
                 log-log); the dots mark p50, p95 and p99 of each level."
            }
            PlotKind::Availability => {
                "Share of the operations invoked in each window that succeeded, per level, and the \
                 throughput per window (ok solid, invoked faint); faults shaded."
            }
            PlotKind::Timelines => "Control-plane state over time, one row per lane; faults shaded.",
            PlotKind::Staleness => {
                "Share of consistent reads (every write acknowledged before the read began returned, or \
                 something newer) against t, how long after the newest acknowledged write the read began, one \
                 line per pair of levels; crosses: probes reading a fresh write exactly t after its \
                 acknowledgement."
            }
        }
    }
}
