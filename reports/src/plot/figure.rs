//! A rendered plot: the same drawing as a PNG (drawn into an RGB buffer, encoded with `png`)
//! and as an SVG document. Both are byte-identical for the same data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::{PlotError, PlotKind};
use crate::font;

/// One plot, rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Figure {
    /// Which plot it is.
    pub kind: PlotKind,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// The PNG file's bytes.
    pub png: Vec<u8>,
    /// The SVG document.
    pub svg: String,
}

/// Something that draws a whole figure onto any plotters backend.
pub trait Paint {
    /// Draws onto `root`, which covers the whole figure.
    fn paint<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// Renders `painter` at `width` × `height` pixels into both formats.
pub fn render<P: Paint>(kind: PlotKind, painter: &P, width: u32, height: u32) -> Result<Figure, PlotError> {
    font::register();
    let mut rgb = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        painter.paint(&root)?;
        root.present()?;
    }
    let png = encode_png(&rgb, width, height)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        painter.paint(&root)?;
        root.present()?;
    }
    Ok(Figure { kind, width, height, png, svg })
}

/// Encodes an RGB buffer as a PNG. `Fast` compression: these are flat-coloured pictures that
/// compress well anyway, and encoding time counts against the run.
pub fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(|e| PlotError(format!("png header: {e}")))?;
        writer.write_image_data(rgb).map_err(|e| PlotError(format!("png data: {e}")))?;
        writer.finish().map_err(|e| PlotError(format!("png end: {e}")))?;
    }
    Ok(out)
}
