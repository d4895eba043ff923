//! The per-migration status table: state, when each step began, bytes moved; as summary.json
//! rows, terminal text and an HTML table.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::html::escape;

/// One migration of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationSummary {
    /// The migration's id (the timeline action's order).
    pub id: u32,
    /// The shard that moved.
    pub shard: u32,
    /// The replica set before, by node name.
    pub from: Vec<String>,
    /// The target node's name.
    pub to: String,
    /// Its last state: `done`, `rolled_back`, or the step it was left in.
    pub state: String,
    /// When each step began (simulated ms), in order.
    pub steps: Vec<(String, u64)>,
    /// Bytes copied to the target.
    pub bytes: u64,
}

/// The table as terminal text (empty when the run had no migration).
pub fn text(rows: &[MigrationSummary]) -> String {
    let mut s = String::new();
    if rows.is_empty() {
        return s;
    }
    let done = rows.iter().filter(|r| r.state == "done").count();
    let back = rows.iter().filter(|r| r.state == "rolled_back").count();
    let _ = writeln!(s, "\nmigrations: {} started, {done} completed, {back} rolled back", rows.len());
    let _ = writeln!(s, "  id  shard  from -> to          state        bytes  steps (s)");
    for r in rows {
        let route = format!("{} -> {}", r.from.join(","), r.to);
        let steps: Vec<String> = r.steps.iter().map(|(n, at)| format!("{n} {:.3}", *at as f64 / 1000.0)).collect();
        let _ = writeln!(
            s,
            "  {:>2}  {:>5}  {:<18}  {:<11}  {:>6}  {}",
            r.id,
            r.shard,
            route,
            r.state,
            r.bytes,
            steps.join(", ")
        );
    }
    s
}

/// The table as an HTML section (empty when the run had no migration).
pub fn html(rows: &[MigrationSummary]) -> String {
    let mut h = String::new();
    if rows.is_empty() {
        return h;
    }
    let _ = writeln!(
        h,
        "<h2>Migrations</h2>\n<table>\n<tr><th>id</th><th>shard</th><th>from</th><th>to</th><th>state</th><th>bytes</th><th>steps (s)</th></tr>"
    );
    for r in rows {
        let steps: Vec<String> = r.steps.iter().map(|(n, at)| format!("{n} {:.3}", *at as f64 / 1000.0)).collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.id,
            r.shard,
            escape(&r.from.join(", ")),
            escape(&r.to),
            escape(&r.state),
            r.bytes,
            escape(&steps.join(", "))
        );
    }
    h.push_str("</table>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str) -> MigrationSummary {
        MigrationSummary {
            id: 0,
            shard: 3,
            from: vec!["n1".into(), "n2".into(), "n3".into()],
            to: "n6".into(),
            state: state.into(),
            steps: vec![("sync".into(), 5_012), (state.into(), 7_250)],
            bytes: 4_096,
        }
    }

    #[test]
    fn the_table_counts_outcomes_and_lists_each_step() {
        let t = text(&[row("done"), row("rolled_back"), row("transfer")]);
        assert!(t.contains("3 started, 1 completed, 1 rolled back"), "{t}");
        assert!(t.contains("n1,n2,n3 -> n6") && t.contains("sync 5.012, done 7.250"), "{t}");
        assert!(html(&[row("done")]).contains("<td>sync 5.012, done 7.250</td>"));
        assert_eq!((text(&[]), html(&[])), (String::new(), String::new()), "nothing when nothing migrated");
    }
}
