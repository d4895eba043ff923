//! Latency quantiles over time, one panel per consistency level: p50, p95, p99 and max of all
//! the operations invoked in each window, failed and indeterminate ones included (a partition
//! shows as the timeouts it causes), on a log scale. The max is drawn last, dashed, so that it
//! stays visible where it meets p99.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{below_band, header_note, latency_over_time};
use super::scope::{Prepared, Scope};
use super::style::{count_label, QUANTILES};
use crate::op_point::Outcome;

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
    let items: Vec<(String, RGBColor, Mark)> = QUANTILES
        .iter()
        .map(|(name, c)| (name.to_string(), *c, if *name == "max" { Mark::Dashed } else { Mark::Line }))
        .collect();
    legend(&header, 70, &items)?;
    let note = format!("of all operations, failed and indeterminate included, per {} s window", scope.window_ms / 1000);
    header_note(&header, &note)?;
    let body = below_band(&body, &p.run.summary, scope)?;
    let panels = body.split_evenly((scope.levels.len().max(1), 1));
    let half_window_s = Scope::seconds(scope.window_ms) / 2.0;
    for (i, (panel, level)) in panels.iter().zip(&scope.levels).enumerate() {
        let summary = &p.run.summary;
        let ops = &p.by_level[i];
        let count = |o: Outcome| count_label(ops.iter().filter(|op| op.outcome == o).count() as u64);
        let caption = format!(
            "{level}: {} operations ({} failed, {} indeterminate)",
            count_label(ops.len() as u64),
            count(Outcome::Fail),
            count(Outcome::Indeterminate)
        );
        let mut chart = latency_over_time(panel, &caption, scope, summary)?;
        for q in 0..QUANTILES.len() {
            let (name, color) = QUANTILES[q];
            // A window without operations breaks the line rather than bridging the gap.
            let mut segment: Vec<(f64, f64)> = vec![];
            for w in p.windows[i].iter() {
                match &w.quantiles_ms {
                    Some(values) => {
                        let x = Scope::seconds(w.start_ms) + half_window_s;
                        segment.push((x, values[q].max(scope.latency_lo_ms)));
                    }
                    None => draw_segment(&mut chart, &mut segment, color, name == "max")?,
                }
            }
            draw_segment(&mut chart, &mut segment, color, name == "max")?;
        }
    }
    Ok(())
}

/// Draws `segment` as a line (dashed when `dashed`; a lone point as a dot) and empties it.
fn draw_segment<DB: DrawingBackend, CT: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    segment: &mut Vec<(f64, f64)>,
    color: RGBColor,
    dashed: bool,
) -> Result<(), PlotError> {
    match segment.len() {
        0 => {}
        1 => {
            chart.draw_series(std::iter::once(Circle::new(segment[0], 2, color.filled())))?;
        }
        _ if dashed => {
            let style = color.stroke_width(2);
            chart.draw_series(std::iter::once(DashedPathElement::new(segment.clone(), 6, 4, style)))?;
        }
        _ => {
            chart.draw_series(std::iter::once(PathElement::new(segment.clone(), color.stroke_width(2))))?;
        }
    }
    segment.clear();
    Ok(())
}
