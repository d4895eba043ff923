//! Colours, fonts and number formats shared by every plot, so that the same thing looks the
//! same everywhere (an outcome, a level, a fault family).

use plotters::style::{FontDesc, FontStyle, IntoFont, RGBColor, TextStyle};

use crate::font::FAMILY;
use crate::op_point::Outcome;

/// Text colour.
pub const INK: RGBColor = RGBColor(40, 40, 40);
/// Colour of the end-of-run heal marker.
pub const HEAL: RGBColor = RGBColor(90, 90, 90);
/// Grid lines.
pub const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);

/// Quantile lines: p50, p95, p99, max.
pub const QUANTILES: [(&str, RGBColor); 4] = [
    ("p50", RGBColor(31, 119, 180)),
    ("p95", RGBColor(255, 127, 14)),
    ("p99", RGBColor(214, 39, 40)),
    ("max", RGBColor(60, 60, 60)),
];

/// Level colours, by the level's position in the report (ONE, QUORUM, ALL, ...).
const LEVELS: [RGBColor; 7] = [
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(127, 127, 127),
];

/// The colour of an outcome: ok blue, fail red, indeterminate orange (as Jepsen draws them).
pub fn outcome_color(outcome: Outcome) -> RGBColor {
    match outcome {
        Outcome::Ok => RGBColor(31, 119, 180),
        Outcome::Fail => RGBColor(214, 39, 40),
        Outcome::Indeterminate => RGBColor(255, 127, 14),
    }
}

/// The colour of the level at `index` in the report's list of levels.
pub fn level_color(index: usize) -> RGBColor {
    LEVELS[index % LEVELS.len()]
}

/// The colour a fault family is shaded with.
pub fn fault_color(kind: &str) -> RGBColor {
    match kind {
        "crash" => RGBColor(214, 39, 40),
        "pause" => RGBColor(148, 103, 189),
        "partition" => RGBColor(255, 127, 14),
        "isolate" => RGBColor(200, 82, 0),
        "one-way" => RGBColor(240, 170, 90),
        "slow" => RGBColor(188, 160, 34),
        "loss" => RGBColor(23, 150, 190),
        "duplicate" => RGBColor(100, 190, 220),
        "corrupt" => RGBColor(140, 86, 75),
        _ => RGBColor(120, 120, 120),
    }
}

/// A darker shade of `c`, for text on a light fill of the same colour.
pub fn darker(c: RGBColor) -> RGBColor {
    RGBColor(c.0 / 10 * 6, c.1 / 10 * 6, c.2 / 10 * 6)
}

/// The plots' font at `size` pixels.
pub fn font(size: u32) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

/// The plots' bold font at `size` pixels.
pub fn bold(size: u32) -> FontDesc<'static> {
    (FAMILY, size).into_font().style(FontStyle::Bold)
}

/// Plain text at `size` pixels in `color`.
pub fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    font(size).color(&color)
}

/// Milliseconds for an axis or a label: `0.5`, `3`, `120`, `1.5k`.
pub fn ms_label(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0)
    } else if v >= 10.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn count_label(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short_and_readable() {
        assert_eq!(ms_label(0.5), "0.5");
        assert_eq!(ms_label(3.0), "3");
        assert_eq!(ms_label(120.0), "120");
        assert_eq!(ms_label(1500.0), "1.5k");
        assert_eq!(ms_label(20_000.0), "20k");
        assert_eq!(count_label(1_234_567), "1,234,567");
        assert_eq!(count_label(999), "999");
    }
}
