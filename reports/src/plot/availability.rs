//! Availability over time: the success rate of the operations invoked in each window, per
//! consistency level, and below it the throughput per window (successful operations per
//! second, solid; everything invoked, faint). The scenario's `availability` bounds are drawn
//! as dashed lines over the time they cover, that time highlighted when a bound failed.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::kind::PlotError;
use super::panel::{below_band, grid, header_note, level_legend, panel_builder};
use super::scope::{Prepared, Scope};
use super::shading::heal_line;
use super::style::{level_color, text, INK};
use crate::marks::BoundMark;
use crate::window::Window;

/// Height of the success-rate panel, pixels.
pub const RATE_PX: u32 = 280;
/// Height of the throughput panel, pixels.
pub const THROUGHPUT_PX: u32 = 240;
/// Height of the legend row.
pub const HEADER_PX: u32 = 26;

/// Draws the availability and throughput panels of `p` on `area`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Prepared<'_>,
    scope: &Scope,
) -> Result<(), PlotError> {
    let (header, body) = area.split_vertically(HEADER_PX);
    level_legend(&header, scope)?;
    let note = format!("per {} s window, by invocation time", scope.window_ms / 1000);
    header_note(&header, &note)?;
    let summary = &p.run.summary;
    let body = below_band(&body, summary, scope)?;
    let (rate_area, throughput_area) = body.split_vertically(RATE_PX);
    let window_s = Scope::seconds(scope.window_ms);
    let mid = |w: &Window| Scope::seconds(w.start_ms) + window_s / 2.0;

    let mut rate = panel_builder(&rate_area, "success rate")
        // Headroom above 100% keeps a fully available level's line off the frame.
        .build_cartesian_2d(0f64..scope.span_s(), 0f64..1.05)?;
    grid(&mut rate.configure_mesh())
        .x_desc("invocation time (s)")
        .y_desc("ok / invoked")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| if *v <= 1.0 { format!("{:.0}%", v * 100.0) } else { String::new() })
        .draw()?;
    let rate_plot = rate.plotting_area().strip_coord_spec();
    heal_line(&rate_plot, scope.span_ms, summary.heal_at_ms)?;
    bounds(&mut rate, &summary.availability_bounds, scope)?;
    for (i, windows) in p.windows.iter().enumerate() {
        let color = level_color(i);
        // Windows in which nothing was invoked have no rate: they break the line.
        let mut segment: Vec<(f64, f64)> = vec![];
        for w in windows {
            if w.total == 0 {
                flush(&mut rate, &mut segment, color)?;
            } else {
                segment.push((mid(w), w.ok as f64 / w.total as f64));
            }
        }
        flush(&mut rate, &mut segment, color)?;
    }

    let mut throughput = panel_builder(&throughput_area, "throughput (solid: ok, faint: invoked)")
        .build_cartesian_2d(0f64..scope.span_s(), 0f64..scope.throughput_hi)?;
    grid(&mut throughput.configure_mesh())
        .x_desc("invocation time (s)")
        .y_desc("operations / s")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    heal_line(&throughput.plotting_area().strip_coord_spec(), scope.span_ms, summary.heal_at_ms)?;
    // No client invokes anything after the faults are healed: the heal phase would only show a
    // drop to zero that is not a loss of throughput.
    let until_ms = summary.heal_at_ms.unwrap_or(u64::MAX);
    for (i, windows) in p.windows.iter().enumerate() {
        let color = level_color(i);
        let windows: Vec<&Window> = windows.iter().filter(|w| w.start_ms < until_ms).collect();
        let invoked: Vec<(f64, f64)> = windows.iter().map(|w| (mid(w), w.total as f64 / window_s)).collect();
        let ok: Vec<(f64, f64)> = windows.iter().map(|w| (mid(w), w.ok as f64 / window_s)).collect();
        throughput.draw_series(std::iter::once(PathElement::new(invoked, color.mix(0.35).stroke_width(1))))?;
        throughput.draw_series(std::iter::once(PathElement::new(ok, color.stroke_width(2))))?;
    }
    Ok(())
}

/// Draws each bound as a dashed line at its limits over the time it covers, in its level's
/// colour (grey for a bound over every level); a failed bound's time is highlighted in red and
/// named.
fn bounds<DB: DrawingBackend, CT: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    bounds: &[BoundMark],
    scope: &Scope,
) -> Result<(), PlotError> {
    for b in bounds {
        let color = match &b.consistency {
            Some(level) => scope.levels.iter().position(|l| l == level).map_or(INK, level_color),
            None => INK,
        };
        let (x0, x1) = (Scope::seconds(b.from_ms), Scope::seconds(b.to_ms.unwrap_or(scope.span_ms).min(scope.span_ms)));
        if !b.passed {
            let red = RGBColor(214, 39, 40);
            chart.draw_series(std::iter::once(Rectangle::new([(x0, 0.0), (x1, 1.05)], red.mix(0.08).filled())))?;
            let label = format!("failed: {}", b.property);
            chart.draw_series(std::iter::once(Text::new(label, (x0, 0.12), text(11, RGBColor(150, 20, 20)))))?;
        }
        for limit in [b.min, b.max].into_iter().flatten() {
            let line = vec![(x0, limit), (x1, limit)];
            chart.draw_series(std::iter::once(DashedPathElement::new(line, 6, 4, color.stroke_width(2))))?;
        }
    }
    Ok(())
}

/// Draws `segment` as a line with dots on its points, then empties it.
fn flush<DB: DrawingBackend, CT: plotters::coord::CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    segment: &mut Vec<(f64, f64)>,
    color: RGBColor,
) -> Result<(), PlotError> {
    if segment.len() > 1 {
        chart.draw_series(std::iter::once(PathElement::new(segment.clone(), color.stroke_width(2))))?;
    }
    chart.draw_series(segment.iter().map(|&p| Circle::new(p, 2, color.filled())))?;
    segment.clear();
    Ok(())
}
