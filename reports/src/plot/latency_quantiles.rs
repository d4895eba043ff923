//! Latency quantiles over time, one panel per consistency level: p50, p95, p99 and max of the
//! successful operations invoked in each window, on a log scale.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{header_note, latency_over_time};
use super::scope::{Prepared, Scope};
use super::shading::annotate;
use super::style::{INK, QUANTILES};

/// Height of one level's panel, pixels.
pub const PANEL_PX: u32 = 210;
/// Height of the legend row.
pub const HEADER_PX: u32 = 26;

/// Draws the quantile lines of `p` on `area`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Prepared<'_>,
    scope: &Scope,
) -> Result<(), PlotError> {
    let (header, body) = area.split_vertically(HEADER_PX);
    let mut items: Vec<(String, RGBColor, Mark)> =
        QUANTILES.iter().map(|(name, c)| (name.to_string(), *c, Mark::Line)).collect();
    items.push((format!("of successful operations, per {} s window", scope.window_ms / 1000), INK, Mark::Band));
    legend(&header, 70, &items[..QUANTILES.len()])?;
    let note = &items[QUANTILES.len()].0;
    header_note(&header, note)?;
    let panels = body.split_evenly((scope.levels.len().max(1), 1));
    let half_window_s = Scope::seconds(scope.window_ms) / 2.0;
    for (i, (panel, level)) in panels.iter().zip(&scope.levels).enumerate() {
        let summary = &p.run.summary;
        let mut chart = latency_over_time(panel, level, scope, summary)?;
        let plot = chart.plotting_area().strip_coord_spec();
        // Max first so the percentiles are drawn over it.
        for q in (0..QUANTILES.len()).rev() {
            let color = QUANTILES[q].1;
            // A window without successes breaks the line rather than bridging the gap.
            let mut segment: Vec<(f64, f64)> = vec![];
            for w in p.windows[i].iter() {
                match &w.quantiles_ms {
                    Some(values) => {
                        let x = Scope::seconds(w.start_ms) + half_window_s;
                        segment.push((x, values[q].max(scope.latency_lo_ms)));
                    }
                    None => draw_segment(&mut chart, &mut segment, color)?,
                }
            }
            draw_segment(&mut chart, &mut segment, color)?;
        }
        if i == 0 {
            annotate(&plot, scope.span_ms, &summary.fault_windows, summary.heal_at_ms)?;
        }
    }
    Ok(())
}

/// Draws `segment` as a line (a lone point as a dot) and empties it.
fn draw_segment<DB: DrawingBackend, CT: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    segment: &mut Vec<(f64, f64)>,
    color: RGBColor,
) -> Result<(), PlotError> {
    match segment.len() {
        0 => {}
        1 => {
            chart.draw_series(std::iter::once(Circle::new(segment[0], 2, color.filled())))?;
        }
        _ => {
            chart.draw_series(std::iter::once(PathElement::new(segment.clone(), color.stroke_width(2))))?;
        }
    }
    segment.clear();
    Ok(())
}
