//! Control-plane timelines (leader and term, shard primaries, node count): each timeline a
//! block of lanes, each lane a row of labelled bars over simulated time, with the fault windows
//! shaded behind. Drawn only for runs that recorded timelines.

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::scope::Scope;
use super::shading::{annotate, shade};
use super::style::{bold, font, level_color, text, GRID_BOLD, INK};
use super::PlotError;
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
    let mut rest = area.clone();
    for (t, timeline) in summary.timelines.iter().enumerate() {
        let lanes = timeline.lanes.len().max(1);
        let (block, below) = rest.split_vertically(BLOCK_PX + LANE_PX * lanes as u32);
        rest = below;
        let names: Vec<String> = timeline.lanes.iter().map(|l| l.name.clone()).collect();
        let mut chart = ChartBuilder::on(&block)
            .margin_left(8)
            .margin_right(16)
            .margin_top(2)
            .caption(timeline.name.as_str(), bold(13))
            .x_label_area_size(34)
            .y_label_area_size(56)
            .build_cartesian_2d(0f64..scope.span_s(), (0..lanes).into_segmented())?;
        chart
            .configure_mesh()
            .bold_line_style(GRID_BOLD)
            .light_line_style(TRANSPARENT)
            .label_style(font(12))
            .axis_desc_style(font(12))
            .x_desc("time (s)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_labels(lanes)
            .y_label_formatter(&|v| match v {
                // Row 0 is at the bottom of the axis; the first lane is drawn at the top.
                SegmentValue::CenterOf(i) => {
                    lanes.checked_sub(i + 1).and_then(|k| names.get(k)).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .draw()?;
        let plot = chart.plotting_area().strip_coord_spec();
        shade(&plot, scope.span_ms, &summary.fault_windows, summary.heal_at_ms)?;
        // Bars with the same label (the same term, the same primary) share a colour.
        let mut labels: Vec<&str> = vec![];
        for (k, lane) in timeline.lanes.iter().enumerate() {
            let row = lanes - 1 - k;
            for interval in &lane.intervals {
                let shade_index = labels.iter().position(|l| *l == interval.label).unwrap_or_else(|| {
                    labels.push(&interval.label);
                    labels.len() - 1
                });
                let color = level_color(shade_index);
                let (x0, x1) = (Scope::seconds(interval.start_ms), Scope::seconds(interval.end_ms));
                let top = (SegmentValue::Exact(row + 1), SegmentValue::Exact(row));
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, top.0.clone()), (x1, top.1.clone())],
                    color.mix(0.55).filled(),
                )))?;
                let (px0, _) = chart.backend_coord(&(x0, SegmentValue::Exact(row)));
                let (px1, _) = chart.backend_coord(&(x1, SegmentValue::Exact(row)));
                let style = text(11, INK);
                let (tw, _) = block.estimate_text_size(&interval.label, &style)?;
                if (px1 - px0) > tw as i32 + 6 {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x0, SegmentValue::CenterOf(row)))
                            + Text::new(interval.label.clone(), (3, -6), style),
                    ))?;
                }
            }
        }
        if t == 0 {
            annotate(&plot, scope.span_ms, &summary.fault_windows, summary.heal_at_ms)?;
        }
    }
    Ok(())
}
