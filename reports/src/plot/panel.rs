//! Pieces every time-based plot shares: the note at the right end of the legend row, the fault
//! band above the panels, and a panel whose x axis is simulated time and whose y axis is
//! latency on a log scale, with the heal already marked.

use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::fault_band;
use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::scope::Scope;
use super::shading::heal_line;
use super::style::{bold, font, level_color, ms_label, text, GRID_BOLD, INK};
use crate::summary::Summary;

/// A chart over (simulated seconds, latency ms on a log scale).
pub type LatencyChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, LogCoord<f64>>>;

/// Writes `note` right-aligned in the legend row `header`.
pub fn header_note<DB: DrawingBackend>(header: &DrawingArea<DB, Shift>, note: &str) -> Result<(), PlotError> {
    let (w, _) = header.dim_in_pixel();
    let style = text(12, INK);
    let (tw, _) = header.estimate_text_size(note, &style)?;
    header.draw_text(note, &style, (w as i32 - tw as i32 - 10, 6))?;
    Ok(())
}

/// A chart builder with the margins and axis-label room every panel uses, titled `caption`.
pub fn panel_builder<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder.margin_left(8).margin_right(16).margin_top(2).x_label_area_size(34).y_label_area_size(56);
    if !caption.is_empty() {
        builder.caption(caption, bold(13));
    }
    builder
}

/// The legend row naming each consistency level in its colour.
pub fn level_legend<DB: DrawingBackend>(header: &DrawingArea<DB, Shift>, scope: &Scope) -> Result<(), PlotError> {
    let items: Vec<(String, RGBColor, Mark)> =
        scope.levels.iter().enumerate().map(|(i, l)| (l.clone(), level_color(i), Mark::Line)).collect();
    legend(header, 70, &items)
}

/// Draws the fault band of `summary` at the top of `area` (`scope.band_px` high, the same for
/// every run drawn together) and returns the rest of `area`, for the panels.
pub fn below_band<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    summary: &Summary,
    scope: &Scope,
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    if scope.band_px == 0 {
        return Ok(area.clone());
    }
    let (band, rest) = area.split_vertically(scope.band_px);
    fault_band::draw(&band, summary, scope.span_ms)?;
    Ok(rest)
}

/// A latency-over-time panel on `area` titled `caption`, its mesh drawn and the heal of
/// `summary` marked, ready for series.
pub fn latency_over_time<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    scope: &Scope,
    summary: &Summary,
) -> Result<LatencyChart<'a, DB>, PlotError> {
    let mut chart = panel_builder(area, caption)
        .build_cartesian_2d(0f64..scope.span_s(), (scope.latency_lo_ms..scope.latency_hi_ms).log_scale())?;
    grid(&mut chart.configure_mesh())
        .x_desc("invocation time (s)")
        .y_desc("latency (ms)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| ms_label(*v))
        .draw()?;
    let plot = chart.plotting_area().strip_coord_spec();
    heal_line(&plot, scope.span_ms, summary.heal_at_ms)?;
    Ok(chart)
}

/// The mesh every panel shares: bold grid lines only, 12 px tick labels and axis titles.
pub fn grid<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.bold_line_style(GRID_BOLD).light_line_style(TRANSPARENT).label_style(font(12)).axis_desc_style(font(12))
}
