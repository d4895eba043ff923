//! Operations by coordinator node over time: one panel per node, the operations it coordinated
//! per second in each window (ok, failed, indeterminate), and a strip on top of each panel
//! showing when the node was down or paused. During a partition it shows which side the
//! failures came from.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::legend::{legend, Mark};
use super::panel::{below_band, grid, header_note, panel_builder};
use super::scope::{Prepared, Scope};
use super::shading::heal_line;
use super::style::{count_label, outcome_color, text, INK};
use crate::op_point::{OpPoint, Outcome};

/// Height of one node's panel, pixels.
pub const PANEL_PX: u32 = 100;
/// Height of the legend row.
pub const HEADER_PX: u32 = 26;
/// Most nodes drawn; the others are counted in the header.
pub const NODES_MAX: usize = 16;
/// Colour of a node's down time in its status strip.
const DOWN: RGBColor = RGBColor(60, 60, 60);
/// Colour of a node's paused time.
const PAUSED: RGBColor = RGBColor(148, 103, 189);

/// Per node (in the order of `nodes`) and window, the operations it coordinated by outcome
/// (ok, fail, indeterminate), by invocation time.
pub fn counts(ops: &[OpPoint], nodes: &[String], window_ms: u64, span_ms: u64) -> Vec<Vec<[u64; 3]>> {
    let windows = span_ms.div_ceil(window_ms.max(1)).max(1) as usize;
    let mut out = vec![vec![[0u64; 3]; windows]; nodes.len()];
    for op in ops {
        let Some(n) = nodes.iter().position(|n| *n == op.node) else { continue };
        let w = ((op.invoke_ms / window_ms.max(1)) as usize).min(windows - 1);
        let o = match op.outcome {
            Outcome::Ok => 0,
            Outcome::Fail => 1,
            Outcome::Indeterminate => 2,
        };
        out[n][w][o] += 1;
    }
    out
}

/// Draws the per-node panels of `p` on `area`.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &Prepared<'_>,
    scope: &Scope,
) -> Result<(), PlotError> {
    let (header, body) = area.split_vertically(HEADER_PX);
    let mut items: Vec<(String, RGBColor, Mark)> =
        Outcome::ALL.iter().map(|&o| (o.as_str().to_string(), outcome_color(o), Mark::Line)).collect();
    items.push(("down".into(), DOWN, Mark::Band));
    items.push(("paused".into(), PAUSED, Mark::Band));
    legend(&header, 70, &items)?;
    let summary = &p.run.summary;
    let shown = &scope.nodes[..scope.nodes.len().min(NODES_MAX)];
    let unrouted = p.run.ops.iter().filter(|o| o.node.is_empty()).count();
    let mut note = format!("operations / s by coordinator, per {} s window", scope.window_ms / 1000);
    if shown.len() < scope.nodes.len() {
        note.push_str(&format!("; first {} of {} nodes", shown.len(), scope.nodes.len()));
    }
    if unrouted > 0 {
        note.push_str(&format!("; {} without a coordinator", count_label(unrouted as u64)));
    }
    header_note(&header, &note)?;
    let body = below_band(&body, summary, scope)?;
    let counts = counts(&p.run.ops, shown, scope.window_ms, scope.span_ms);
    let window_s = Scope::seconds(scope.window_ms);
    let busiest = counts.iter().flatten().map(|c| c.iter().sum::<u64>()).max().unwrap_or(0);
    let hi = (busiest as f64 / window_s).max(1.0);
    let panels = body.split_evenly((shown.len().max(1), 1));
    for ((panel, node), per_window) in panels.iter().zip(shown).zip(&counts) {
        let total: u64 = per_window.iter().map(|c| c[0] + c[1] + c[2]).sum();
        let failed: u64 = per_window.iter().map(|c| c[1] + c[2]).sum();
        let caption = format!("{node}: {} coordinated, {} not ok", count_label(total), count_label(failed));
        // The top fifth of the y axis holds the status strip, clear of the data.
        let mut chart = panel_builder(panel, &caption).build_cartesian_2d(0f64..scope.span_s(), 0f64..hi * 1.25)?;
        grid(&mut chart.configure_mesh())
            .x_desc("invocation time (s)")
            .y_labels(3)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| if *v <= hi { format!("{v:.0}") } else { String::new() })
            .draw()?;
        heal_line(&chart.plotting_area().strip_coord_spec(), scope.span_ms, summary.heal_at_ms)?;
        let status = summary.node_status.iter().find(|l| l.name == *node);
        for interval in status.map(|l| l.intervals.as_slice()).unwrap_or_default() {
            let color = if interval.label == "paused" { PAUSED } else { DOWN };
            let (x0, x1) = (Scope::seconds(interval.start_ms), Scope::seconds(interval.end_ms));
            chart.draw_series(std::iter::once(Rectangle::new([(x0, hi * 1.1), (x1, hi * 1.22)], color.filled())))?;
        }
        for (o, outcome) in Outcome::ALL.iter().enumerate() {
            if o > 0 && per_window.iter().all(|c| c[o] == 0) {
                continue;
            }
            let line: Vec<(f64, f64)> = per_window
                .iter()
                .enumerate()
                .map(|(w, c)| (w as f64 * window_s + window_s / 2.0, c[o] as f64 / window_s))
                .collect();
            chart.draw_series(std::iter::once(PathElement::new(line, outcome_color(*outcome).stroke_width(2))))?;
        }
        if total == 0 {
            panel.draw_text("coordinated no operations", &text(12, INK), (80, 30))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op_point::OpKind;

    fn op(invoke_ms: u64, node: &str, outcome: Outcome) -> OpPoint {
        OpPoint { node: node.into(), ..OpPoint::new(invoke_ms, invoke_ms + 2, "ONE", OpKind::Read, outcome) }
    }

    #[test]
    fn nodes_sort_naturally_and_ops_count_per_coordinator_and_window() {
        let ops = [
            op(10, "n10", Outcome::Ok),
            op(20, "n2", Outcome::Fail),
            op(1500, "n2", Outcome::Ok),
            op(1600, "", Outcome::Fail),
            op(1700, "n2", Outcome::Indeterminate),
        ];
        let run =
            crate::run_data::RunData { summary: crate::summary::tests_support::summary("x", 2000), ops: ops.to_vec() };
        let names = super::super::scope::nodes(&[&run]);
        assert_eq!(names, ["n2", "n10"]);
        let c = counts(&run.ops, &names, 1000, 2000);
        assert_eq!(c[0], vec![[0, 1, 0], [1, 0, 1]]);
        assert_eq!(c[1], vec![[1, 0, 0], [0, 0, 0]]);
    }
}
