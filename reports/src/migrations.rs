//! The per-migration status table: state, when each step began, bytes moved; as summary.json
//! rows and terminal text (`html.rs` draws it as a table).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

/// One migration of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationSummary {
    /// The migration's id: the timeline action's order, or from [`LEADER_IDS`] up for the
    /// leader's own migrations (joins and drains).
    pub id: u32,
    /// The shard that moved.
    pub shard: u32,
    /// The replica set before, by node name.
    pub from: Vec<String>,
    /// The target node's name.
    pub to: String,
    /// The replica the target replaced, for a leader's migration (a join or a drain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// Its last state: `done`, `rolled_back`, or the step it was left in.
    pub state: String,
    /// When each step began (simulated ms), in order.
    pub steps: Vec<(String, u64)>,
    /// Bytes copied to the target.
    pub bytes: u64,
}

/// The first id of a leader's own migrations (`nodes::control::AUTO_IDS`; reports do not
/// depend on nodes).
pub const LEADER_IDS: u32 = 1 << 31;

/// The id as shown: `3` for the timeline's fourth migration, `L0` for the leader's first.
pub fn id_text(r: &MigrationSummary) -> String {
    if r.id >= LEADER_IDS {
        format!("L{}", r.id - LEADER_IDS)
    } else {
        r.id.to_string()
    }
}

/// The move as shown: `n1,n2,n3 -> n6`, with ` for n2` when the target replaced a replica.
pub fn route_text(r: &MigrationSummary) -> String {
    match &r.replaces {
        Some(old) => format!("{} -> {} for {old}", r.from.join(","), r.to),
        None => format!("{} -> {}", r.from.join(","), r.to),
    }
}

/// Each step's name and start in seconds: `sync 5.012, done 7.250`.
pub fn steps_text(r: &MigrationSummary) -> String {
    let steps: Vec<String> = r.steps.iter().map(|(n, at)| format!("{n} {:.3}", *at as f64 / 1000.0)).collect();
    steps.join(", ")
}

/// What routing did around the migrations, from the storage counters summed over the nodes:
/// requests refused during cut-overs, stale routes refused, routed again and held.
pub fn routing_text(storage: &BTreeMap<String, u64>) -> String {
    let n = |name: &str| storage.get(name).copied().unwrap_or(0);
    format!(
        "routing: {} requests refused while their shard was cut over (ShardMoving: applied nowhere); {} replica requests refused as routed by a stale map, {} requests routed again by a newer map, {} held until the replica's map caught up",
        n("moving_refused"),
        n("stale_routes_refused"),
        n("stale_routes_retried"),
        n("routes_held"),
    )
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
    let _ = writeln!(s, "   id  shard  {:<24}  state        bytes  steps (s)", "from -> to");
    for r in rows {
        let route = route_text(r);
        let _ = writeln!(
            s,
            "  {:>3}  {:>5}  {:<24}  {:<11}  {:>6}  {}",
            id_text(r),
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
            replaces: None,
            state: state.into(),
            steps: vec![("sync".into(), 5_012), (state.into(), 7_250)],
            bytes: 4_096,
        }
    }

    #[test]
    fn the_table_counts_outcomes_and_lists_each_step() {
        let t = text(&[row("done"), row("rolled_back"), row("transfer")]);
        assert!(t.contains("3 started, 1 completed, 1 rolled back"), "{t}");
        let storage =
            BTreeMap::from([("stale_routes_refused".to_string(), 4), ("stale_routes_retried".to_string(), 3)]);
        let routing = routing_text(&storage);
        assert!(routing.starts_with("routing: 0 requests refused while their shard was cut over"), "{routing}");
        assert!(
            routing.contains("4 replica requests refused as routed by a stale map, 3 requests routed again"),
            "{routing}"
        );
        assert!(t.contains("n1,n2,n3 -> n6") && t.contains("sync 5.012, done 7.250"), "{t}");
        assert_eq!(text(&[]), String::new(), "nothing when nothing migrated");
    }
}
