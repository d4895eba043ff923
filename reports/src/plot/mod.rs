//! The plots of a run (or of two runs side by side, on shared scales): which there are, how big
//! they are, and rendering them all.

use std::fmt;

use plotters::coord::Shift;
use plotters::prelude::*;

pub mod availability;
pub mod figure;
pub mod latency_distribution;
pub mod latency_quantiles;
pub mod latency_raw;
pub mod legend;
pub mod panel;
pub mod scope;
pub mod shading;
pub mod style;
pub mod timelines;

pub use figure::Figure;
use figure::{render, Paint};
use scope::{Prepared, Scope};
use style::{bold, INK};

use crate::run_data::RunData;

/// Width of a single run's figure, pixels.
pub const WIDTH_PX: u32 = 1200;
/// Width of each run's half of a side-by-side figure, pixels.
pub const HALF_WIDTH_PX: u32 = 900;
/// Height of the title strip at the top of every figure, pixels.
const TITLE_PX: u32 = 30;

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
}

impl PlotKind {
    /// Every plot, in the order the report shows them.
    pub const ALL: [PlotKind; 5] = [
        PlotKind::LatencyRaw,
        PlotKind::LatencyQuantiles,
        PlotKind::LatencyDistribution,
        PlotKind::Availability,
        PlotKind::Timelines,
    ];

    /// File stem: `latency-raw`.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::LatencyRaw => "latency-raw",
            PlotKind::LatencyQuantiles => "latency-quantiles",
            PlotKind::LatencyDistribution => "latency-distribution",
            PlotKind::Availability => "availability",
            PlotKind::Timelines => "timelines",
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
        }
    }

    /// Whether the plot has anything to show for `runs`.
    pub fn applies(self, runs: &[&RunData]) -> bool {
        match self {
            PlotKind::Timelines => runs.iter().any(|r| !r.summary.timelines.is_empty()),
            _ => true,
        }
    }

    fn body_height(self, scope: &Scope, runs: &[&RunData]) -> u32 {
        let levels = scope.levels.len().max(1) as u32;
        match self {
            PlotKind::LatencyRaw => latency_raw::HEADER_PX + latency_raw::PANEL_PX * levels,
            PlotKind::LatencyQuantiles => latency_quantiles::HEADER_PX + latency_quantiles::PANEL_PX * levels,
            PlotKind::LatencyDistribution => latency_distribution::HEADER_PX + latency_distribution::PLOT_PX,
            PlotKind::Availability => availability::HEADER_PX + availability::RATE_PX + availability::THROUGHPUT_PX,
            PlotKind::Timelines => runs.iter().map(|r| timelines::height(r)).max().unwrap_or(0).max(1),
        }
    }

    fn draw<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
        p: &Prepared<'_>,
        scope: &Scope,
    ) -> Result<(), PlotError> {
        match self {
            PlotKind::LatencyRaw => latency_raw::draw(area, p, scope),
            PlotKind::LatencyQuantiles => latency_quantiles::draw(area, p, scope),
            PlotKind::LatencyDistribution => latency_distribution::draw(area, p, scope),
            PlotKind::Availability => availability::draw(area, p, scope),
            PlotKind::Timelines => timelines::draw(area, p.run, scope),
        }
    }
}

/// One plot of one or more runs, side by side, each column titled with its run.
struct Columns<'a> {
    kind: PlotKind,
    scope: &'a Scope,
    runs: &'a [Prepared<'a>],
    titles: Vec<String>,
}

impl Paint for Columns<'_> {
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let columns = root.split_evenly((1, self.runs.len().max(1)));
        for ((column, p), title) in columns.iter().zip(self.runs).zip(&self.titles) {
            let (head, body) = column.split_vertically(TITLE_PX);
            head.draw_text(title, &bold(16).color(&INK), (12, 8))?;
            self.kind.draw(&body, p, self.scope)?;
        }
        Ok(())
    }
}

/// Renders every plot that applies to `run`.
pub fn render_run(run: &RunData) -> Result<Vec<Figure>, PlotError> {
    render_columns(&[run], &[""], WIDTH_PX)
}

/// Renders every plot that applies to `a` or `b`, the two runs side by side on shared scales
/// (A on the left, B on the right).
pub fn render_pair(a: &RunData, b: &RunData) -> Result<Vec<Figure>, PlotError> {
    render_columns(&[a, b], &["A: ", "B: "], HALF_WIDTH_PX)
}

fn render_columns(runs: &[&RunData], prefixes: &[&str], column_px: u32) -> Result<Vec<Figure>, PlotError> {
    let (scope, prepared) = Scope::of(runs);
    let mut figures = vec![];
    for kind in PlotKind::ALL.into_iter().filter(|k| k.applies(runs)) {
        let titles =
            runs.iter().zip(prefixes).map(|(r, pre)| format!("{pre}{} — {}", kind.title(), r.label())).collect();
        let painter = Columns { kind, scope: &scope, runs: &prepared, titles };
        let height = TITLE_PX + kind.body_height(&scope, runs);
        figures.push(render(kind, &painter, column_px * runs.len() as u32, height)?);
    }
    Ok(figures)
}
