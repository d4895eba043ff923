//! The shard-placement timeline: one lane per moved shard (the first [`LANES_MAX`] the summary
//! lists), time across, each stretch under one primary a bar coloured by the primary's zone and
//! labelled with its node; a dark tick where the replica set changed. Drawn only when a shard
//! moved.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{below_band, grid, header_note, panel_builder};
use super::scope::Scope;
use super::shading::heal_line;
use super::style::{darker, level_color, text, INK};
use crate::placement::PlacementSummary;
use crate::run_data::RunData;

/// Height of the legend row, pixels.
pub const HEADER_PX: u32 = 26;
/// Height of one lane, pixels.
pub const LANE_PX: u32 = 24;
/// Extra height of the block (time axis), pixels.
pub const BLOCK_PX: u32 = 50;
/// Most shards drawn.
pub const LANES_MAX: usize = 40;

/// Whether `run` has a moved shard to draw.
pub fn applies(run: &RunData) -> bool {
    !run.summary.placement.listed.is_empty()
}

/// Height of the lanes of `run`, pixels (legend and fault band not included).
pub fn height(run: &RunData) -> u32 {
    BLOCK_PX + LANE_PX * run.summary.placement.listed.len().clamp(1, LANES_MAX) as u32
}

/// The zones primaries were in, sorted: a zone's colour is its position here.
fn zones(p: &PlacementSummary) -> Vec<&str> {
    let mut zones: Vec<&str> = p.listed.iter().flat_map(|s| &s.spans).filter_map(|s| s.zone.as_deref()).collect();
    zones.sort_unstable();
    zones.dedup();
    zones
}

/// Draws the placement timeline of `run` on `area`.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, run: &RunData, scope: &Scope) -> Result<(), PlotError> {
    let summary = &run.summary;
    let p = &summary.placement;
    let zones = zones(p);
    let (header, body) = area.split_vertically(HEADER_PX);
    let mut items: Vec<(String, RGBColor, Mark)> =
        zones.iter().enumerate().map(|(i, z)| (z.to_string(), level_color(i), Mark::Band)).collect();
    items.push(("replica set changed".into(), INK, Mark::Line));
    legend(&header, 70, &items)?;
    let shown = p.listed.len().min(LANES_MAX);
    header_note(&header, &format!("{shown} of {} moved shards, {} shards in all", p.moved, p.shards))?;
    let rest = below_band(&body, summary, scope)?;
    let lanes = shown.max(1);
    let mut chart = panel_builder(&rest, "").build_cartesian_2d(0f64..scope.span_s(), 0f64..lanes as f64)?;
    grid(&mut chart.configure_mesh())
        .x_desc("time (s)")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(0)
        .draw()?;
    let plot = chart.plotting_area().strip_coord_spec();
    heal_line(&plot, scope.span_ms, summary.heal_at_ms)?;
    let (base_x, base_y) = rest.get_base_pixel();
    let (plot_x, _) = chart.plotting_area().get_pixel_range();
    // Lane k is the band [lanes - k - 1, lanes - k] of the y axis, so the first shard is on top.
    for (k, shard) in p.listed.iter().take(shown).enumerate() {
        let top = (lanes - k) as f64;
        let name = format!("shard {}", shard.shard);
        let name_style = text(12, INK);
        let (nw, nh) = rest.estimate_text_size(&name, &name_style)?;
        let (_, cy) = chart.backend_coord(&(0.0, top - 0.5));
        rest.draw(&Text::new(name, (plot_x.start - base_x - 6 - nw as i32, cy - base_y - nh as i32 / 2), name_style))?;
        for (i, span) in shard.spans.iter().enumerate() {
            let (x0, x1) = (Scope::seconds(span.from_ms), Scope::seconds(span.to_ms));
            if i > 0 && shard.spans[i - 1].replicas != span.replicas {
                let tick = vec![(x0, top - 0.02), (x0, top - 0.98)];
                chart.draw_series(std::iter::once(PathElement::new(tick, INK.stroke_width(2))))?;
            }
            let Some(node) = &span.primary else { continue };
            let zone = span.zone.as_deref().and_then(|z| zones.iter().position(|&x| x == z)).unwrap_or(0);
            let color = level_color(zone);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, top - 0.15), (x1, top - 0.85)],
                color.mix(0.55).filled(),
            )))?;
            let (px0, _) = chart.backend_coord(&(x0, top));
            let (px1, _) = chart.backend_coord(&(x1, top));
            let style = text(11, darker(color));
            let (tw, th) = rest.estimate_text_size(node, &style)?;
            if (px1 - px0) > tw as i32 + 6 {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x0, top - 0.5)) + Text::new(node.clone(), (3, -(th as i32) / 2), style),
                ))?;
            }
        }
    }
    Ok(())
}
