//! The end-of-run heal as a dashed line through a time plot. Faults themselves are drawn in
//! the band above the plot (see `fault_band`), never over the data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::style::HEAL;

/// Draws the heal line at `heal_at_ms` on `plot` (a chart's plotting area, in pixels relative
/// to it, whose x axis runs linearly from 0 to `span_ms`). Call it before the data.
pub fn heal_line<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    span_ms: u64,
    heal_at_ms: Option<u64>,
) -> Result<(), PlotError> {
    let Some(at) = heal_at_ms else { return Ok(()) };
    let (w, h) = plot.dim_in_pixel();
    let h = h as i32;
    let hx = ((at as f64 / span_ms.max(1) as f64) * w as f64).round().clamp(0.0, w as f64) as i32;
    let mut y = 0;
    while y < h {
        plot.draw(&PathElement::new(vec![(hx, y), (hx, (y + 5).min(h))], HEAL.mix(0.7).stroke_width(1)))?;
        y += 9;
    }
    Ok(())
}
