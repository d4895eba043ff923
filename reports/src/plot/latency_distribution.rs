//! Latency distribution per consistency level: for each latency x, the fraction of successful
//! operations that took at least x (1 − CDF), on log-log axes, so that the tail is as readable
//! as the median; p50, p95 and p99 are the curves' crossings of the 0.5, 0.05 and 0.01 lines
//! and are marked with their values.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::panel::{grid, level_legend, panel_builder};
use super::scope::{Prepared, Scope};
use super::style::{count_label, level_color, ms_label, text, GRID_BOLD, HEAL, INK};
use crate::window::quantile;

/// Height of the plot, pixels.
pub const PLOT_PX: u32 = 480;
/// Height of the legend row.
pub const HEADER_PX: u32 = 26;
/// The marked quantiles and the fraction of operations at least as slow as each.
const MARKS: [(&str, f64); 3] = [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)];

/// Draws the distribution of `p`'s successful latencies on `area`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Prepared<'_>,
    scope: &Scope,
) -> Result<(), PlotError> {
    let (header, body) = area.split_vertically(HEADER_PX);
    level_legend(&header, scope)?;
    // No caption: the legend row names the levels; a little more top margin instead.
    let mut chart = panel_builder(&body, "")
        .margin_top(8)
        .build_cartesian_2d((scope.ok_lo_ms..scope.ok_hi_ms).log_scale(), (scope.fraction_lo..1.3f64).log_scale())?;
    grid(&mut chart.configure_mesh())
        .x_desc("latency (ms), successful operations")
        .y_desc("fraction at least this slow")
        .x_label_formatter(&|v| ms_label(*v))
        .y_label_formatter(&|v| fraction_label(*v))
        .draw()?;
    let (x_lo, x_hi) = (scope.ok_lo_ms, scope.ok_hi_ms);
    for (name, q) in MARKS {
        let y = 1.0 - q;
        chart.draw_series(std::iter::once(PathElement::new(vec![(x_lo, y), (x_hi, y)], HEAL.mix(0.5))))?;
        chart.draw_series(std::iter::once(Text::new(name, (x_lo * 1.05, y * 1.12), text(12, HEAL))))?;
    }
    for (i, sorted) in p.ok_sorted.iter().enumerate() {
        if sorted.is_empty() {
            continue;
        }
        let color = level_color(i);
        chart.draw_series(std::iter::once(PathElement::new(steps(sorted, scope), color.stroke_width(2))))?;
        for (_, q) in MARKS {
            let at = (scope.ok_x(quantile(sorted, q) as u64), 1.0 - q);
            chart.draw_series(std::iter::once(Circle::new(at, 4, color.filled())))?;
        }
    }
    // The values go in a table in the lower left, which a falling curve never reaches: labels
    // next to the dots collide as soon as two levels have similar latencies.
    table(&chart.plotting_area().strip_coord_spec(), p, scope)
}

/// Column offsets of the percentile table, pixels from its left edge.
const COLUMNS_PX: [i32; 5] = [26, 110, 190, 250, 310];

/// Draws the table of ok counts and p50/p95/p99 per level in the lower left of `plot`.
fn table<DB: DrawingBackend>(plot: &DrawingArea<DB, Shift>, p: &Prepared<'_>, scope: &Scope) -> Result<(), PlotError> {
    let (_, h) = plot.dim_in_pixel();
    let rows = scope.levels.len() as i32 + 1;
    let (row_px, width) = (17, 380);
    let (x0, y0) = (10, h as i32 - 12 - rows * row_px);
    plot.draw(&Rectangle::new([(x0, y0), (x0 + width, y0 + rows * row_px + 6)], WHITE.mix(0.9).filled()))?;
    plot.draw(&Rectangle::new([(x0, y0), (x0 + width, y0 + rows * row_px + 6)], GRID_BOLD))?;
    let header = ["level", "ok ops", "p50 ms", "p95 ms", "p99 ms"];
    for (c, label) in header.iter().enumerate() {
        plot.draw(&Text::new(*label, (x0 + COLUMNS_PX[c], y0 + 4), text(12, HEAL)))?;
    }
    for (i, level) in scope.levels.iter().enumerate() {
        let y = y0 + 4 + row_px * (i as i32 + 1);
        let color = level_color(i);
        plot.draw(&Rectangle::new([(x0 + 6, y + 6), (x0 + 20, y + 8)], color.filled()))?;
        let sorted = &p.ok_sorted[i];
        let mut cells = vec![level.clone(), count_label(sorted.len() as u64)];
        for (_, q) in MARKS {
            cells.push(if sorted.is_empty() { "-".into() } else { ms_label(quantile(sorted, q)) });
        }
        for (c, cell) in cells.into_iter().enumerate() {
            plot.draw(&Text::new(cell, (x0 + COLUMNS_PX[c], y), text(12, INK)))?;
        }
    }
    Ok(())
}

/// The step curve of "fraction of `sorted` at least x": it drops just after each value, so that
/// a nearest-rank quantile (a value of `sorted`) lies on one of its vertical steps. After the
/// slowest value the fraction is zero, drawn as a drop to the bottom of the axis.
fn steps(sorted: &[u64], scope: &Scope) -> Vec<(f64, f64)> {
    let n = sorted.len() as f64;
    let mut points = vec![];
    let mut i = 0;
    while i < sorted.len() {
        let value = sorted[i];
        let x = scope.ok_x(value);
        points.push((x, (sorted.len() - i) as f64 / n));
        while i < sorted.len() && sorted[i] == value {
            i += 1;
        }
        let rest = (sorted.len() - i) as f64 / n;
        points.push((x, if i < sorted.len() { rest } else { scope.fraction_lo }));
    }
    points
}

/// A fraction on the log axis: `1`, `0.1`, `0.01`, `1e-4`.
fn fraction_label(v: f64) -> String {
    if v >= 0.001 {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_fall_from_one_to_the_share_of_the_slowest_value() {
        let (scope, _) = Scope::of(&[]);
        let s = steps(&[1, 1, 2, 5], &scope);
        assert_eq!(s, vec![(1.0, 1.0), (1.0, 0.5), (2.0, 0.5), (2.0, 0.25), (5.0, 0.25), (5.0, scope.fraction_lo)]);
    }

    #[test]
    fn fractions_print_plainly() {
        assert_eq!(fraction_label(1.0), "1");
        assert_eq!(fraction_label(0.05), "0.05");
        assert_eq!(fraction_label(0.0001), "1e-4");
    }
}
