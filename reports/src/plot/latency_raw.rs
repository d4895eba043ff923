//! Latency of every operation over time, one panel per consistency level, each point coloured
//! by its outcome (Jepsen's latency-raw) and shaped by its kind (reads dots, writes
//! triangles): x is when the operation was invoked, y how long it took, on a log scale.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{below_band, header_note, latency_over_time};
use super::scope::{Prepared, Scope};
use super::style::{count_label, outcome_color, text, INK};
use crate::op_point::{OpKind, Outcome};

/// Height of one level's panel, pixels.
pub const PANEL_PX: u32 = 230;
/// Height of the legend row (and of the thinning note when there is one).
pub const HEADER_PX: u32 = 26;

/// Draws the scatter of `p` on `area`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Prepared<'_>,
    scope: &Scope,
) -> Result<(), PlotError> {
    let (header, body) = area.split_vertically(HEADER_PX);
    let mut items: Vec<(String, RGBColor, Mark)> =
        Outcome::ALL.iter().map(|&o| (o.as_str().to_string(), outcome_color(o), Mark::Dot)).collect();
    items.push(("read".into(), INK, Mark::Dot));
    items.push(("write".into(), INK, Mark::Triangle));
    legend(&header, 70, &items)?;
    if let Some(note) = &p.scatter.note {
        header_note(&header, note)?;
    }
    let body = below_band(&body, &p.run.summary, scope)?;
    let panels = body.split_evenly((scope.levels.len().max(1), 1));
    for (i, (panel, level)) in panels.iter().zip(&scope.levels).enumerate() {
        let ops = &p.by_level[i];
        let count = |o: Outcome| count_label(ops.iter().filter(|op| op.outcome == o).count() as u64);
        let caption = format!(
            "{level}: {} operations, {} ok, {} fail, {} indeterminate",
            count_label(ops.len() as u64),
            count(Outcome::Ok),
            count(Outcome::Fail),
            count(Outcome::Indeterminate)
        );
        let summary = &p.run.summary;
        let mut chart = latency_over_time(panel, &caption, scope, summary)?;
        let plot = chart.plotting_area().strip_coord_spec();
        // Successes first, failures last: the rare failures must stay visible on top.
        for outcome in [Outcome::Ok, Outcome::Indeterminate, Outcome::Fail] {
            let color = outcome_color(outcome).mix(if outcome == Outcome::Ok { 0.45 } else { 0.8 });
            let of =
                |kind: OpKind| p.scatter.per_level[i].iter().filter(move |o| o.outcome == outcome && o.kind == kind);
            let at = |o: &&&crate::op_point::OpPoint| (Scope::seconds(o.invoke_ms), scope.latency_y(o.latency_ms()));
            chart.draw_series(of(OpKind::Read).map(|o| Circle::new(at(&o), 2, color.filled())))?;
            chart.draw_series(of(OpKind::Write).map(|o| TriangleMarker::new(at(&o), 3, color.filled())))?;
        }
        if ops.is_empty() {
            plot.draw_text("no operations at this level", &text(14, INK), (20, 40))?;
        }
    }
    Ok(())
}
