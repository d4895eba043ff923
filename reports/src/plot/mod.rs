//! The plots of a run (or of two runs side by side, on shared scales): which there are, how big
//! they are, and rendering them all.

use plotters::coord::Shift;
use plotters::prelude::*;

pub mod availability;
pub mod capacity;
pub mod capacity_scale;
pub mod fault_band;
pub mod figure;
mod kind;
pub mod latency_distribution;
pub mod latency_quantiles;
pub mod latency_raw;
pub mod legend;
pub mod nodes;
pub mod panel;
pub mod placement;
pub mod scope;
pub mod shading;
pub mod staleness;
pub mod style;
pub mod timelines;

pub use figure::Figure;
use figure::{render, Paint};
pub use kind::{PlotError, PlotKind};
use scope::{Prepared, Scope};
use style::{bold, INK};

use crate::run_data::RunData;

/// Width of a single run's figure, pixels.
pub const WIDTH_PX: u32 = 1200;
/// Width of each run's half of a side-by-side figure, pixels.
pub const HALF_WIDTH_PX: u32 = 900;
/// Height of the title strip at the top of every figure, pixels.
const TITLE_PX: u32 = 30;

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
impl PlotKind {
    /// Whether the plot has anything to show for `runs`.
    pub fn applies(self, runs: &[&RunData]) -> bool {
        match self {
            PlotKind::Timelines => runs.iter().any(|r| !r.summary.timelines.is_empty()),
            PlotKind::Staleness => runs.iter().any(|r| !r.summary.staleness.is_empty()),
            PlotKind::Nodes => !scope::nodes(runs).is_empty(),
            PlotKind::Placement => runs.iter().any(|r| placement::applies(r)),
            PlotKind::Capacity => capacity::applies(runs),
            _ => true,
        }
    }

    fn body_height(self, scope: &Scope, runs: &[&RunData]) -> u32 {
        let levels = scope.levels.len().max(1) as u32;
        let band = scope.band_px;
        match self {
            PlotKind::LatencyRaw => latency_raw::HEADER_PX + band + latency_raw::PANEL_PX * levels,
            PlotKind::LatencyQuantiles => latency_quantiles::HEADER_PX + band + latency_quantiles::PANEL_PX * levels,
            PlotKind::LatencyDistribution => latency_distribution::HEADER_PX + latency_distribution::PLOT_PX,
            PlotKind::Availability => {
                availability::HEADER_PX + band + availability::RATE_PX + availability::THROUGHPUT_PX
            }
            PlotKind::Timelines => band + runs.iter().map(|r| timelines::height(r)).max().unwrap_or(0).max(1),
            PlotKind::Staleness => staleness::HEADER_PX + staleness::PLOT_PX,
            PlotKind::Placement => {
                placement::HEADER_PX + band + runs.iter().map(|r| placement::height(r)).max().unwrap_or(0)
            }
            PlotKind::Capacity => band + capacity::height(),
            PlotKind::Nodes => {
                nodes::HEADER_PX + band + nodes::PANEL_PX * scope.nodes.len().clamp(1, nodes::NODES_MAX) as u32
            }
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
            PlotKind::Staleness => staleness::draw(area, p.run),
            PlotKind::Nodes => nodes::draw(area, p, scope),
            PlotKind::Placement => placement::draw(area, p.run, scope),
            PlotKind::Capacity => capacity::draw(area, p, scope),
        }
    }
}
