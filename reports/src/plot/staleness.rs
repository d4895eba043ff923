//! PBS t-visibility: the share of consistent reads against how long after the newest
//! acknowledged write they began, one line per pair of levels (each point a bucket of t,
//! drawn at its lower edge), with what the probes measured directly as crosses.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{grid, panel_builder};
use super::style::{level_color, ms_label};
use crate::run_data::RunData;

/// Height of the plot, pixels.
pub const PLOT_PX: u32 = 420;
/// Height of the legend row.
pub const HEADER_PX: u32 = 26;
/// The t axis (log scale), ms: t = 0 is drawn at the left edge.
const T_LO_MS: f64 = 0.5;
const T_HI_MS: f64 = 2_000.0;

/// The colour of each label: the workload's levels first, then probe-only labels.
fn labels(run: &RunData) -> Vec<String> {
    let s = &run.summary.staleness;
    let mut out: Vec<String> = s.levels.iter().filter(|l| l.reads > 0).map(|l| l.label.clone()).collect();
    for p in &s.probes {
        if !out.contains(&p.label) {
            out.push(p.label.clone());
        }
    }
    out
}

fn x_of(t_ms: u64) -> f64 {
    (t_ms as f64).clamp(T_LO_MS, T_HI_MS)
}

/// Draws `run`'s t-visibility on `area`.
pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, run: &RunData) -> Result<(), PlotError> {
    let s = &run.summary.staleness;
    let names = labels(run);
    let color = |label: &str| level_color(names.iter().position(|n| n == label).unwrap_or(0));
    let (header, body) = area.split_vertically(HEADER_PX);
    let mut items: Vec<(String, RGBColor, Mark)> = vec![];
    for l in s.levels.iter().filter(|l| l.reads > 0) {
        items.push((l.title(), color(&l.label), Mark::Line));
    }
    let mut probe_labels: Vec<&str> = s.probes.iter().map(|p| p.label.as_str()).collect();
    probe_labels.dedup();
    for p in &probe_labels {
        items.push((format!("probe {p}"), color(p), Mark::Dot));
    }
    legend(&header, 70, &items)?;
    let mut chart =
        panel_builder(&body, "").margin_top(8).build_cartesian_2d((T_LO_MS..T_HI_MS).log_scale(), 0f64..1.05f64)?;
    grid(&mut chart.configure_mesh())
        .x_desc("t: ms after the newest acknowledged write (0 at the left edge)")
        .y_desc("consistent reads")
        .x_label_formatter(&|v| if *v <= T_LO_MS { "0".into() } else { ms_label(*v) })
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .draw()?;
    for l in s.levels.iter().filter(|l| l.reads > 0) {
        let c = color(&l.label);
        let points: Vec<(f64, f64)> =
            l.t.iter()
                .filter(|b| b.reads > 0)
                .map(|b| (x_of(b.from_ms), b.consistent as f64 / b.reads as f64))
                .collect();
        chart.draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?;
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
    }
    for p in s.probes.iter().filter(|p| p.probes > 0) {
        let at = (x_of(p.t_ms), p.fresh as f64 / p.probes as f64);
        chart.draw_series(std::iter::once(Cross::new(at, 6, color(&p.label).stroke_width(2))))?;
    }
    Ok(())
}
