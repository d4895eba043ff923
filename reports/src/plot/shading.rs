//! Fault windows shaded behind a time plot, each labelled with its fault, and the end-of-run
//! heal marked with a dashed line: every time plot draws them the same way.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::style::{darker, fault_color, text, HEAL};
use crate::fault_window::FaultWindow;

/// Label rows at the top of a plot; labels that would overlap go to the next free row.
const LABEL_ROWS: usize = 4;
/// Height of one label row, pixels.
const ROW_PX: i32 = 15;

/// Shades `faults` on `plot` (a chart's plotting area, in pixels relative to it, whose x axis
/// runs linearly from 0 to `span_ms`) and draws the heal line at `heal_at_ms`. Call it before
/// the data, so the bands lie beneath it.
pub fn shade<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    span_ms: u64,
    faults: &[FaultWindow],
    heal_at_ms: Option<u64>,
) -> Result<(), PlotError> {
    let (w, h) = plot.dim_in_pixel();
    let h = h as i32;
    let x = to_x(span_ms, w);
    for f in faults {
        let c = fault_color(&f.kind);
        let x0 = x(f.start_ms);
        // An instant (or very short) fault still gets a visible band.
        let x1 = x(f.end_ms).max(x0 + 2);
        plot.draw(&Rectangle::new([(x0, 0), (x1, h)], c.mix(0.14).filled()))?;
        plot.draw(&PathElement::new(vec![(x0, 0), (x0, h)], c.mix(0.6)))?;
    }
    if let Some(at) = heal_at_ms {
        let hx = x(at);
        let mut y = 0;
        while y < h {
            plot.draw(&PathElement::new(vec![(hx, y), (hx, (y + 5).min(h))], HEAL.stroke_width(1)))?;
            y += 9;
        }
    }
    Ok(())
}

/// Writes each fault's label at the top of its window and `heal` by the heal line, on the same
/// area as [`shade`]. Call it after the data, so no point hides a label.
pub fn annotate<DB: DrawingBackend>(
    plot: &DrawingArea<DB, Shift>,
    span_ms: u64,
    faults: &[FaultWindow],
    heal_at_ms: Option<u64>,
) -> Result<(), PlotError> {
    let (w, h) = plot.dim_in_pixel();
    let (x, w, h) = (to_x(span_ms, w), w as i32, h as i32);
    if let Some(at) = heal_at_ms {
        let hx = x(at);
        let style = text(12, HEAL);
        let (tw, _) = plot.estimate_text_size("heal", &style)?;
        let tx = if hx + 4 + tw as i32 > w { hx - 4 - tw as i32 } else { hx + 4 };
        plot.draw(&Text::new("heal", (tx, h - 16), style))?;
    }
    let mut row_end = [i32::MIN; LABEL_ROWS];
    for f in faults {
        let style = text(12, darker(fault_color(&f.kind)));
        let (tw, th) = plot.estimate_text_size(&f.label, &style)?;
        let tw = tw as i32;
        // Keep the label inside the plot: shift it left when it would run off the right edge.
        let tx = (x(f.start_ms) + 3).min(w - tw - 2).max(0);
        let row = (0..LABEL_ROWS)
            .find(|&r| row_end[r] < tx)
            .unwrap_or_else(|| (0..LABEL_ROWS).min_by_key(|&r| row_end[r]).unwrap_or(0));
        row_end[row] = tx + tw + 6;
        let ty = 3 + ROW_PX * row as i32;
        plot.draw(&Rectangle::new([(tx - 1, ty - 1), (tx + tw + 1, ty + th as i32 + 1)], WHITE.mix(0.8).filled()))?;
        plot.draw(&Text::new(f.label.clone(), (tx, ty), style))?;
    }
    Ok(())
}

/// Maps simulated ms to a pixel column of an area `w` pixels wide showing `0..span_ms`.
fn to_x(span_ms: u64, w: u32) -> impl Fn(u64) -> i32 {
    move |ms: u64| ((ms as f64 / span_ms.max(1) as f64) * w as f64).round().clamp(0.0, w as f64) as i32
}
