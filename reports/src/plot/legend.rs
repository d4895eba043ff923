//! A row of coloured marks and labels across the top of a figure: one legend for all its
//! panels, kept outside the plots so it never hides data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::style::{text, INK};

/// How an item's mark is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A filled dot (scatter points, markers).
    Dot,
    /// A short thick line (line series).
    Line,
    /// A light filled box (shaded areas).
    Band,
    /// A filled triangle (writes in the scatter).
    Triangle,
    /// A short dashed line (bounds, the max line).
    Dashed,
}

/// Draws `items` left to right on `area`, starting `x0` pixels in, vertically centred.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x0: i32,
    items: &[(String, RGBColor, Mark)],
) -> Result<(), PlotError> {
    let (_, h) = area.dim_in_pixel();
    let cy = h as i32 / 2;
    let style = text(13, INK);
    let mut x = x0;
    for (label, color, mark) in items {
        match mark {
            Mark::Dot => area.draw(&Circle::new((x + 5, cy), 4, color.filled()))?,
            Mark::Line => area.draw(&Rectangle::new([(x, cy - 1), (x + 16, cy + 1)], color.filled()))?,
            Mark::Band => area.draw(&Rectangle::new([(x, cy - 6), (x + 14, cy + 6)], color.mix(0.3).filled()))?,
            Mark::Triangle => area.draw(&TriangleMarker::new((x + 5, cy), 5, color.filled()))?,
            Mark::Dashed => {
                area.draw(&Rectangle::new([(x, cy - 1), (x + 5, cy + 1)], color.filled()))?;
                area.draw(&Rectangle::new([(x + 10, cy - 1), (x + 16, cy + 1)], color.filled()))?;
            }
        }
        let mark_w = if matches!(mark, Mark::Dot | Mark::Triangle) { 14 } else { 22 };
        let (tw, th) = area.estimate_text_size(label, &style)?;
        area.draw(&Text::new(label.clone(), (x + mark_w, cy - th as i32 / 2), style.clone()))?;
        x += mark_w + tw as i32 + 18;
    }
    Ok(())
}
