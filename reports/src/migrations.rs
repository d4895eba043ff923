//! The per-migration status table: state, when each step began, bytes moved; as summary.json
//! rows and terminal text (`html.rs` draws it as a table).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

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

/// Each step's name and start in seconds: `sync 5.012, done 7.250`.
pub fn steps_text(r: &MigrationSummary) -> String {
    let steps: Vec<String> = r.steps.iter().map(|(n, at)| format!("{n} {:.3}", *at as f64 / 1000.0)).collect();
    steps.join(", ")
}

/// The table as terminal text (empty when the run had no migration).
pub fn text(rows: &[MigrationSummary]) -> String {
    let mut s = String::new();
    if rows.is_empty() {
        return s;
    }
    let done = rows.iter().filter(|r| r.state == "done").count();
    let back = rows.iter().filter(|r| r.state == "rolled_back").count();
    let refused = rows.iter().filter(|r| r.state == "refused").count();
    let started = rows.len() - refused;
    let _ = writeln!(s, "\nmigrations: {started} started, {done} completed, {back} rolled back, {refused} refused");
    let _ = writeln!(s, "  id  shard  from -> to          state        bytes  steps (s)");
    for r in rows {
        let route = format!("{} -> {}", r.from.join(","), r.to);
        let _ = writeln!(
            s,
            "  {:>2}  {:>5}  {:<18}  {:<11}  {:>6}  {}",
            r.id,
            r.shard,
            route,
            r.state,
            r.bytes,
            steps_text(r)
        );
    }
    s
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
        assert_eq!(text(&[]), String::new(), "nothing when nothing migrated");
    }
}
