//! The capacity plot of a run with an autoscaler: the offered demand against the forecast and
//! its confidence band and the serving capacity; the machines on and serving with the scale
//! decisions; and the p99 latency of each SLO window against the SLO, violated windows
//! highlighted. Fault windows are drawn in the band above, as on every time plot.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{below_band, grid, header_note, panel_builder};
use super::scope::{Prepared, Scope};
use super::shading::heal_line;
use super::style::{ms_label, text, INK};
use crate::capacity::{CapacityPoint, CapacitySummary};
use crate::run_data::RunData;

/// Height of the note row.
pub const HEADER_PX: u32 = 26;
/// Height of each panel's legend row.
const LEGEND_PX: u32 = 22;
/// Height of the demand panel (legend included).
pub const DEMAND_PX: u32 = 260;
/// Height of the node-count panel (legend included).
pub const NODES_PX: u32 = 220;
/// Height of the p99 panel (legend included).
pub const P99_PX: u32 = 240;

const DEMAND: RGBColor = RGBColor(31, 119, 180);
const FORECAST: RGBColor = RGBColor(255, 127, 14);
const SERVING: RGBColor = RGBColor(44, 160, 44);
const MACHINES: RGBColor = RGBColor(60, 60, 60);
const SCALE_OUT: RGBColor = RGBColor(214, 39, 40);
const SCALE_IN: RGBColor = RGBColor(23, 150, 190);
const VIOLATED: RGBColor = RGBColor(214, 39, 40);
const P99: RGBColor = RGBColor(148, 103, 189);

/// Whether any of `runs` ran an autoscaler.
pub fn applies(runs: &[&RunData]) -> bool {
    runs.iter().any(|r| r.summary.capacity.is_some())
}

/// The body's height below the fault band.
pub fn height() -> u32 {
    HEADER_PX + DEMAND_PX + NODES_PX + P99_PX
}

/// Draws the capacity panels of `p` on `area`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Prepared<'_>,
    scope: &Scope,
) -> Result<(), PlotError> {
    let (header, body) = area.split_vertically(HEADER_PX);
    let summary = &p.run.summary;
    let body = below_band(&body, summary, scope)?;
    let Some(c) = &summary.capacity else {
        body.draw_text("this run has no autoscaler", &text(13, INK), (80, 40))?;
        return Ok(());
    };
    let note = format!(
        "{} autoscaler; SLO p99 <= {} ms per {} s window; {:.0} s violated, {:.0} node-seconds",
        c.mode,
        c.slo_p99_ms,
        c.slo_window_ms / 1000,
        c.slo_violation_s,
        c.node_seconds
    );
    header_note(&header, &note)?;
    let (demand_area, rest) = body.split_vertically(DEMAND_PX);
    let (nodes_area, p99_area) = rest.split_vertically(NODES_PX);
    let heal = summary.heal_at_ms;
    demand(&demand_area, c, scope, heal)?;
    nodes(&nodes_area, c, scope, heal)?;
    latency(&p99_area, c, scope, heal)
}

/// Steps through `points`: each value holds until the next point.
pub fn steps(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = vec![];
    for (x, y) in points {
        if let Some(&(_, prev)) = out.last() {
            if prev != y {
                out.push((x, prev));
            }
        }
        out.push((x, y));
    }
    out
}

/// The forecast's confidence band (forecast ± spread, floored at 0) as one polygon per stretch
/// of samples that have a forecast.
pub fn forecast_bands(series: &[CapacityPoint]) -> Vec<Vec<(f64, f64)>> {
    let mut bands = vec![];
    let mut stretch: Vec<&CapacityPoint> = vec![];
    for p in series.iter().chain(std::iter::once(&CapacityPoint::default())) {
        if p.forecast.is_some() {
            stretch.push(p);
            continue;
        }
        if stretch.len() > 1 {
            let x = |p: &CapacityPoint| Scope::seconds(p.at_ms);
            let f = |p: &CapacityPoint| p.forecast.unwrap_or(0.0);
            let upper = stretch.iter().map(|p| (x(p), f(p) + p.spread));
            let lower = stretch.iter().rev().map(|p| (x(p), (f(p) - p.spread).max(0.0)));
            bands.push(upper.chain(lower).collect());
        }
        stretch.clear();
    }
    bands
}

/// A panel's legend row on top of `area`; returns the rest.
fn with_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(&str, RGBColor, Mark)],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (row, rest) = area.split_vertically(LEGEND_PX);
    let items: Vec<(String, RGBColor, Mark)> = items.iter().map(|&(l, c, m)| (l.to_string(), c, m)).collect();
    legend(&row, 70, &items)?;
    Ok(rest)
}

fn demand<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &CapacitySummary,
    scope: &Scope,
    heal: Option<u64>,
) -> Result<(), PlotError> {
    let mut items =
        vec![("offered demand", DEMAND, Mark::Line), ("serving nodes (capacity at 100% busy)", SERVING, Mark::Line)];
    let has_forecast = c.series.iter().any(|p| p.forecast.is_some());
    if has_forecast {
        items.push(("forecast", FORECAST, Mark::Line));
        items.push(("forecast ± spread", FORECAST, Mark::Band));
    }
    let area = with_legend(area, &items)?;
    let mut chart =
        panel_builder(&area, "").build_cartesian_2d(0f64..scope.span_s(), 0f64..scope.capacity.demand_hi)?;
    grid(&mut chart.configure_mesh())
        .x_desc("simulated time (s)")
        .y_desc("busy node-equivalents")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()?;
    heal_line(&chart.plotting_area().strip_coord_spec(), scope.span_ms, heal)?;
    for band in forecast_bands(&c.series) {
        chart.draw_series(std::iter::once(Polygon::new(band, FORECAST.mix(0.2).filled())))?;
    }
    let x = |p: &CapacityPoint| Scope::seconds(p.at_ms);
    let serving = steps(c.series.iter().map(|p| (x(p), f64::from(p.serving))));
    chart.draw_series(std::iter::once(PathElement::new(serving, SERVING.mix(0.7).stroke_width(2))))?;
    let demand: Vec<(f64, f64)> = c.series.iter().map(|p| (x(p), p.demand)).collect();
    chart.draw_series(std::iter::once(PathElement::new(demand, DEMAND.stroke_width(2))))?;
    let mut segment: Vec<(f64, f64)> = vec![];
    for p in c.series.iter().chain(std::iter::once(&CapacityPoint::default())) {
        match p.forecast {
            Some(f) => segment.push((x(p), f)),
            None if segment.len() > 1 => {
                let line = std::mem::take(&mut segment);
                chart.draw_series(std::iter::once(PathElement::new(line, FORECAST.stroke_width(2))))?;
            }
            None => segment.clear(),
        }
    }
    Ok(())
}

fn nodes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &CapacitySummary,
    scope: &Scope,
    heal: Option<u64>,
) -> Result<(), PlotError> {
    let items = [
        ("machines on", MACHINES, Mark::Line),
        ("serving", SERVING, Mark::Line),
        ("scale-out (to)", SCALE_OUT, Mark::Triangle),
        ("scale-in (to)", SCALE_IN, Mark::Dot),
    ];
    let area = with_legend(area, &items)?;
    let mut chart = panel_builder(&area, "").build_cartesian_2d(0f64..scope.span_s(), 0f64..scope.capacity.nodes_hi)?;
    grid(&mut chart.configure_mesh())
        .x_desc("simulated time (s)")
        .y_desc("nodes")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    heal_line(&chart.plotting_area().strip_coord_spec(), scope.span_ms, heal)?;
    let x = |p: &CapacityPoint| Scope::seconds(p.at_ms);
    let machines = steps(c.series.iter().map(|p| (x(p), f64::from(p.machines))));
    let serving = steps(c.series.iter().map(|p| (x(p), f64::from(p.serving))));
    chart.draw_series(std::iter::once(PathElement::new(machines, MACHINES.stroke_width(2))))?;
    chart.draw_series(std::iter::once(PathElement::new(serving, SERVING.stroke_width(2))))?;
    for d in &c.decisions {
        let at = (Scope::seconds(d.at_ms), f64::from(d.to));
        if d.to > d.from {
            chart.draw_series(std::iter::once(TriangleMarker::new(at, 6, SCALE_OUT.filled())))?;
        } else {
            chart.draw_series(std::iter::once(Circle::new(at, 4, SCALE_IN.filled())))?;
        }
    }
    Ok(())
}

fn latency<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &CapacitySummary,
    scope: &Scope,
    heal: Option<u64>,
) -> Result<(), PlotError> {
    let items = [
        ("p99 per SLO window", P99, Mark::Line),
        ("SLO", VIOLATED, Mark::Dashed),
        ("violated window", VIOLATED, Mark::Band),
        ("failed window (>1% errors)", VIOLATED, Mark::Dot),
    ];
    let area = with_legend(area, &items)?;
    let (lo, hi) = (scope.capacity.p99_lo_ms, scope.capacity.p99_hi_ms);
    let mut chart = panel_builder(&area, "").build_cartesian_2d(0f64..scope.span_s(), (lo..hi).log_scale())?;
    grid(&mut chart.configure_mesh())
        .x_desc("simulated time (s)")
        .y_desc("p99 latency (ms)")
        .y_labels(20)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| ms_label(*v))
        .draw()?;
    heal_line(&chart.plotting_area().strip_coord_spec(), scope.span_ms, heal)?;
    let window_s = Scope::seconds(c.slo_window_ms);
    for w in c.windows.iter().filter(|w| w.violated) {
        let x0 = Scope::seconds(w.from_ms);
        let rect = Rectangle::new([(x0, lo), ((x0 + window_s).min(scope.span_s()), hi)], VIOLATED.mix(0.15).filled());
        chart.draw_series(std::iter::once(rect))?;
    }
    let slo = c.slo_p99_ms as f64;
    let line = vec![(0.0, slo), (scope.span_s(), slo)];
    chart.draw_series(std::iter::once(DashedPathElement::new(line, 6, 4, VIOLATED.stroke_width(2))))?;
    let mid = |from_ms: u64| Scope::seconds(from_ms) + window_s / 2.0;
    let mut segment: Vec<(f64, f64)> = vec![];
    for w in &c.windows {
        match w.p99_ms {
            Some(v) => segment.push((mid(w.from_ms), v.max(lo))),
            None => {
                let line = std::mem::take(&mut segment);
                chart.draw_series(std::iter::once(PathElement::new(line, P99.stroke_width(2))))?;
            }
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(segment, P99.stroke_width(2))))?;
    let dots = c.windows.iter().filter_map(|w| w.p99_ms.map(|v| (mid(w.from_ms), v.max(lo))));
    chart.draw_series(dots.map(|p| Circle::new(p, 2, P99.filled())))?;
    let failed = c.windows.iter().filter(|w| w.failed).map(|w| (mid(w.from_ms), hi / 1.4));
    chart.draw_series(failed.map(|p| Circle::new(p, 4, VIOLATED.filled())))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at_ms: u64, forecast: Option<f64>) -> CapacityPoint {
        CapacityPoint { at_ms, forecast, spread: 0.5, ..CapacityPoint::default() }
    }

    #[test]
    fn steps_hold_each_value_until_the_next_point() {
        let s = steps([(0.0, 3.0), (1.0, 3.0), (2.0, 5.0), (3.0, 4.0)]);
        assert_eq!(s, vec![(0.0, 3.0), (1.0, 3.0), (2.0, 3.0), (2.0, 5.0), (3.0, 5.0), (3.0, 4.0)]);
    }

    #[test]
    fn the_band_covers_each_stretch_with_a_forecast_and_never_goes_below_zero() {
        let series =
            [point(0, None), point(1000, Some(2.0)), point(2000, Some(0.2)), point(3000, None), point(4000, Some(1.0))];
        let bands = forecast_bands(&series);
        assert_eq!(bands.len(), 1, "a lone forecast makes no band");
        assert_eq!(bands[0], vec![(1.0, 2.5), (2.0, 0.7), (2.0, 0.0), (1.0, 1.5)]);
    }
}
