//! The fault band drawn above every time plot, as Jepsen draws its nemesis bars: one lane per
//! fault family (crash, partition, slow, ...), each fault a bar over the time it was in effect,
//! a last lane of ticks where properties were seen violated, and the end-of-run heal. The
//! band sits outside the plots, so it never hides data or the timelines' lanes, and it stays
//! readable with many faults: lanes are labelled, and a bar carries a short label only when
//! it fits inside the bar.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::kind::PlotError;
use super::style::{darker, fault_color, text, GRID_BOLD, HEAL, INK};
use crate::fault_window::FaultWindow;
use crate::marks::ViolationMark;
use crate::summary::Summary;

/// Height of one row of bars, pixels.
pub const ROW_PX: u32 = 14;
/// Space between two lanes, pixels.
const GAP_PX: u32 = 3;
/// Space above and below the lanes, pixels.
const PAD_PX: u32 = 4;
/// Most rows of bars one family gets; more overlapping faults of one family share rows.
pub const ROWS_MAX: usize = 3;
/// Left edge of the time axis in every time plot (chart margin plus y label area), pixels.
pub const PLOT_LEFT_PX: i32 = 64;
/// Right margin of every time plot, pixels.
pub const PLOT_RIGHT_PX: i32 = 16;
/// Fault families in the order their lanes are drawn; others follow in order of appearance.
const FAMILIES: [&str; 10] =
    ["crash", "pause", "partition", "isolate", "one-way", "slow", "loss", "duplicate", "corrupt", "skew"];

/// One family's lane: which faults it holds and on which of its rows each is drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyLane {
    /// The family, e.g. `partition`.
    pub family: String,
    /// Rows of bars in the lane (1..=[`ROWS_MAX`]).
    pub rows: usize,
    /// Each fault of the family as (index into the fault list, row).
    pub bars: Vec<(usize, usize)>,
}

/// The lanes of a band for `faults`: one per family present, each fault on the first row of
/// its lane that is free when it starts (overlapping faults of one family stack, up to
/// [`ROWS_MAX`] rows; past that a fault shares the row that frees up first).
pub fn lanes(faults: &[FaultWindow]) -> Vec<FamilyLane> {
    let mut families: Vec<&str> = FAMILIES.iter().copied().filter(|f| faults.iter().any(|w| w.kind == *f)).collect();
    for w in faults {
        if !families.contains(&w.kind.as_str()) {
            families.push(&w.kind);
        }
    }
    families
        .into_iter()
        .map(|family| {
            let mut order: Vec<usize> = (0..faults.len()).filter(|&i| faults[i].kind == family).collect();
            order.sort_by_key(|&i| (faults[i].start_ms, faults[i].end_ms));
            // Each row's end; an instant still occupies its millisecond.
            let mut row_end: Vec<u64> = vec![];
            let mut bars = vec![];
            for i in order {
                let (start, end) = (faults[i].start_ms, faults[i].end_ms.max(faults[i].start_ms + 1));
                let row = match row_end.iter().position(|&e| e <= start) {
                    Some(r) => r,
                    None if row_end.len() < ROWS_MAX => {
                        row_end.push(0);
                        row_end.len() - 1
                    }
                    None => (0..row_end.len()).min_by_key(|&r| row_end[r]).unwrap_or(0),
                };
                row_end[row] = row_end[row].max(end);
                bars.push((i, row));
            }
            FamilyLane { family: family.to_string(), rows: row_end.len().max(1), bars }
        })
        .collect()
}

/// Height of the band for `summary`, pixels: 0 when there is nothing to draw.
pub fn height(summary: &Summary) -> u32 {
    let rows: usize = lanes(&summary.fault_windows).iter().map(|l| l.rows).sum();
    let lanes = lanes(&summary.fault_windows).len() + usize::from(!summary.violation_marks.is_empty());
    if lanes == 0 {
        return 0;
    }
    let rows = rows + usize::from(!summary.violation_marks.is_empty());
    2 * PAD_PX + rows as u32 * ROW_PX + (lanes as u32 - 1) * GAP_PX
}

/// What a bar says: its label without the family word and without remarks in parentheses
/// (`crash n2,n4` → `n2,n4`; `slow n1 +243ms (replica answers)` → `n1 +243ms`).
pub fn short_label(label: &str, family: &str) -> String {
    let mut s = label.trim();
    if let Some(rest) = s.strip_prefix(family) {
        s = rest.trim_start();
    }
    let s = match s.find(" (") {
        Some(i) => &s[..i],
        None => s,
    };
    s.trim().to_string()
}

/// Draws the band of `summary` on `area` (as wide as the plots below it), the x axis running
/// from 0 to `span_ms` between the plots' left and right edges.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    summary: &Summary,
    span_ms: u64,
) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    if h == 0 || height(summary) == 0 {
        return Ok(());
    }
    let (left, right) = (PLOT_LEFT_PX, w as i32 - PLOT_RIGHT_PX);
    let x = |ms: u64| left + ((ms.min(span_ms) as f64 / span_ms.max(1) as f64) * (right - left) as f64).round() as i32;
    let faults = &summary.fault_windows;
    let mut y = PAD_PX as i32;
    for lane in lanes(faults) {
        let lane_h = (lane.rows as u32 * ROW_PX) as i32;
        let color = fault_color(&lane.family);
        area.draw(&Rectangle::new([(left, y), (right, y + lane_h)], color.mix(0.05).filled()))?;
        lane_name(area, &lane.family, darker(color), y + lane_h / 2)?;
        // Where the last label on each row ends, so that no label runs into the next.
        let mut label_end = vec![i32::MIN; lane.rows];
        for &(i, row) in &lane.bars {
            let f = &faults[i];
            let top = y + (row as u32 * ROW_PX) as i32 + 1;
            let (x0, x1) = (x(f.start_ms), x(f.end_ms).max(x(f.start_ms) + 2));
            area.draw(&Rectangle::new([(x0, top), (x1, top + ROW_PX as i32 - 2)], color.mix(0.45).filled()))?;
            area.draw(&Rectangle::new([(x0, top), (x1, top + ROW_PX as i32 - 2)], color.mix(0.9)))?;
            let label = short_label(&f.label, &lane.family);
            let style = text(10, INK);
            let (tw, _) = area.estimate_text_size(&label, &style)?;
            if !label.is_empty() && x1 - x0 >= tw as i32 + 6 && x0 + 3 > label_end[row] {
                area.draw(&Text::new(label, (x0 + 3, top + 1), style))?;
                label_end[row] = x0 + 3 + tw as i32;
            }
        }
        y += lane_h + GAP_PX as i32;
    }
    if !summary.violation_marks.is_empty() {
        violations(area, &summary.violation_marks, y, &x)?;
    }
    if let Some(at) = summary.heal_at_ms {
        heal(area, x(at), h as i32)?;
    }
    area.draw(&PathElement::new(vec![(left, h as i32 - 1), (right, h as i32 - 1)], GRID_BOLD))?;
    Ok(())
}

/// The lane's name, right-aligned left of the time axis, centred on `cy`.
fn lane_name<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    color: RGBColor,
    cy: i32,
) -> Result<(), PlotError> {
    let style = text(11, color);
    let (tw, th) = area.estimate_text_size(name, &style)?;
    area.draw(&Text::new(name.to_string(), (PLOT_LEFT_PX - 6 - tw as i32, cy - th as i32 / 2), style))?;
    Ok(())
}

/// The lane of violation ticks at `y`: a red tick at each mark, named by how many there are.
fn violations<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    marks: &[ViolationMark],
    y: i32,
    x: &impl Fn(u64) -> i32,
) -> Result<(), PlotError> {
    let red = RGBColor(200, 20, 20);
    lane_name(area, "violation", red, y + ROW_PX as i32 / 2)?;
    for m in marks {
        let cx = x(m.at_ms);
        area.draw(&Polygon::new(vec![(cx - 4, y + 1), (cx + 4, y + 1), (cx, y + ROW_PX as i32 - 2)], red.filled()))?;
    }
    Ok(())
}

/// The heal: a dashed line through the band and the word `heal` beside it.
fn heal<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, hx: i32, h: i32) -> Result<(), PlotError> {
    let mut y = 0;
    while y < h {
        area.draw(&PathElement::new(vec![(hx, y), (hx, (y + 4).min(h))], HEAL))?;
        y += 7;
    }
    let (w, _) = area.dim_in_pixel();
    let style = text(10, HEAL);
    let (tw, _) = area.estimate_text_size("heal", &style)?;
    let tx = if hx + 3 + tw as i32 > w as i32 { hx - 3 - tw as i32 } else { hx + 3 };
    area.draw(&Text::new("heal", (tx, 0), style))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(start_ms: u64, end_ms: u64, label: &str) -> FaultWindow {
        FaultWindow { start_ms, end_ms, label: label.into(), kind: FaultWindow::kind_of(label) }
    }

    #[test]
    fn each_family_gets_one_lane_in_a_fixed_order() {
        let faults = [
            fault(0, 10, "partition [n1] | [n2]"),
            fault(5, 8, "crash n1"),
            fault(20, 30, "crash n2"),
            fault(1, 2, "x y"),
        ];
        let l = lanes(&faults);
        let names: Vec<&str> = l.iter().map(|l| l.family.as_str()).collect();
        assert_eq!(names, ["crash", "partition", "x"]);
        assert_eq!(l[0].rows, 1, "two crashes that do not overlap share a row");
        assert_eq!(l[0].bars, vec![(1, 0), (2, 0)]);
    }

    #[test]
    fn overlapping_faults_of_one_family_stack_up_to_the_row_limit() {
        let faults: Vec<FaultWindow> = (0..5).map(|i| fault(i * 10, 100 + i * 10, &format!("crash n{i}"))).collect();
        let l = lanes(&faults);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].rows, ROWS_MAX);
        let rows: Vec<usize> = l[0].bars.iter().map(|&(_, r)| r).collect();
        assert_eq!(rows, [0, 1, 2, 0, 1], "past the limit, the row that frees up first is shared");
        let instants = [fault(50, 50, "corrupt n1"), fault(50, 50, "corrupt n2"), fault(51, 51, "corrupt n3")];
        let rows: Vec<usize> = lanes(&instants)[0].bars.iter().map(|&(_, r)| r).collect();
        assert_eq!(rows, [0, 1, 0], "instants at the same millisecond overlap");
    }

    #[test]
    fn bar_labels_drop_the_family_and_the_remarks() {
        assert_eq!(short_label("crash n2,n4", "crash"), "n2,n4");
        assert_eq!(short_label("slow n1 +243ms (replica answers)", "slow"), "n1 +243ms");
        assert_eq!(short_label("corrupt n4 (0.093 of records: 8)", "corrupt"), "n4");
        assert_eq!(short_label("one-way cut n2 -> n1", "one-way"), "cut n2 -> n1");
    }

    #[test]
    fn the_band_grows_with_rows_and_is_empty_without_faults() {
        use crate::summary::tests_support::summary;
        let mut s = summary("x", 60_000);
        assert_eq!(height(&s), 0);
        s.fault_windows = vec![fault(0, 10, "crash n1"), fault(5, 20, "crash n2"), fault(0, 10, "loss 0.1")];
        assert_eq!(height(&s), 2 * PAD_PX + 3 * ROW_PX + GAP_PX);
        s.violation_marks = vec![ViolationMark { property: "p".into(), at_ms: 3 }];
        assert_eq!(height(&s), 2 * PAD_PX + 4 * ROW_PX + 2 * GAP_PX);
    }
}
