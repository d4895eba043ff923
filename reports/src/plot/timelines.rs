//! Control-plane timelines (leader and term, shard primaries, node count): each timeline a
//! block of lanes, each lane a row of labelled bars over simulated time, below the fault band.
//! Drawn only for runs that recorded timelines.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::panel::{below_band, grid, panel_builder};
use super::scope::Scope;
use super::shading::heal_line;
use super::style::{level_color, text, INK};
use crate::run_data::RunData;

/// Height of one lane, pixels.
pub const LANE_PX: u32 = 24;
/// Extra height of each timeline block (caption and time axis), pixels.
pub const BLOCK_PX: u32 = 70;

/// Height of the timelines of `run`, pixels.
pub fn height(run: &RunData) -> u32 {
    run.summary.timelines.iter().map(|t| BLOCK_PX + LANE_PX * t.lanes.len().max(1) as u32).sum()
}

/// Draws the timelines of `run` on `area`.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, run: &RunData, scope: &Scope) -> Result<(), PlotError> {
    let summary = &run.summary;
    let mut rest = below_band(area, summary, scope)?;
    for timeline in &summary.timelines {
        let lanes = timeline.lanes.len().max(1);
        let (block, below) = rest.split_vertically(BLOCK_PX + LANE_PX * lanes as u32);
        rest = below;
        // Lane k is the band [lanes - k - 1, lanes - k] of the y axis, so the first lane is on top.
        let mut chart = panel_builder(&block, timeline.name.as_str())
            .build_cartesian_2d(0f64..scope.span_s(), 0f64..lanes as f64)?;
        grid(&mut chart.configure_mesh())
            .x_desc("time (s)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(0)
            .draw()?;
        let plot = chart.plotting_area().strip_coord_spec();
        heal_line(&plot, scope.span_ms, summary.heal_at_ms)?;
        let (base_x, base_y) = block.get_base_pixel();
        let (plot_x, _) = chart.plotting_area().get_pixel_range();
        // Bars with the same label (the same term, the same primary) share a colour.
        let mut labels: Vec<&str> = vec![];
        for (k, lane) in timeline.lanes.iter().enumerate() {
            let top = (lanes - k) as f64;
            let name_style = text(12, INK);
            let (nw, nh) = block.estimate_text_size(&lane.name, &name_style)?;
            let (_, cy) = chart.backend_coord(&(0.0, top - 0.5));
            let at = (plot_x.start - base_x - 6 - nw as i32, cy - base_y - nh as i32 / 2);
            block.draw(&Text::new(lane.name.clone(), at, name_style))?;
            for interval in &lane.intervals {
                let shade_index = labels.iter().position(|l| *l == interval.label).unwrap_or_else(|| {
                    labels.push(&interval.label);
                    labels.len() - 1
                });
                let color = level_color(shade_index);
                let (x0, x1) = (Scope::seconds(interval.start_ms), Scope::seconds(interval.end_ms));
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, top - 0.1), (x1, top - 0.9)],
                    color.mix(0.55).filled(),
                )))?;
                let (px0, _) = chart.backend_coord(&(x0, top));
                let (px1, _) = chart.backend_coord(&(x1, top));
                let style = text(11, INK);
                let (tw, th) = block.estimate_text_size(&interval.label, &style)?;
                if (px1 - px0) > tw as i32 + 6 {
                    let offset = (3, -(th as i32) / 2);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x0, top - 0.5)) + Text::new(interval.label.clone(), offset, style),
                    ))?;
                }
            }
        }
    }
    Ok(())
}
