//! The fault-coverage table: which dangerous interleavings (`check::sometimes`) a run reached,
//! filed by the fault kind active then (or the last one healed before), the run's mode and the
//! phase. A sweep sums its runs' tables, so it shows what it exercised, not only what failed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::sometimes::{occurrences, Interleaving};
use crate::history::{FaultRecord, History, Level};
use crate::scenario::model::Scenario;

/// One cell of the table: how often `event` happened in `phase` of a fault of kind `fault`,
/// in runs of mode `mode`. The event `faults` counts the faults of that kind applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageCount {
    /// Fault kind (`crash`, `pause`, `partition`, ...; `none` before any fault).
    pub fault: String,
    /// The run's mode, e.g. `writes=primary N=3 levels=QUORUM`.
    pub mode: String,
    /// `during` the fault, `after` its heal, or `none`.
    pub phase: String,
    /// An interleaving's property name, or `faults`.
    pub event: String,
    /// How many.
    pub count: u64,
}

/// The mode a run ran in, from its resolved scenario (swarm modes drawn).
pub fn mode(scenario: &Scenario) -> String {
    let mut levels: Vec<Level> =
        scenario.workload.iter().flat_map(|g| [g.read_consistency, g.write_consistency]).collect();
    levels.sort_by_key(|l| l.to_string());
    levels.dedup();
    let levels = if levels.len() == 1 { levels[0].to_string() } else { "mixed".to_string() };
    let writes = if scenario.cluster.writes_via_primary { "primary" } else { "any" };
    let n = match scenario.cluster.n_range() {
        (lo, hi) if lo == hi => lo.to_string(),
        (lo, hi) => format!("{lo}..{hi}"),
    };
    let mut mode = format!("writes={writes} N={n} levels={levels}");
    if scenario.cluster.shard_spec().requirements().contains(&nodes::Requirement::Strong) {
        mode.push_str(" strong");
    }
    // Named only when some members do not vote: then lost voters are replaced.
    let voters = scenario.cluster.control.voters_max as usize;
    if voters < scenario.cluster.nodes.len() {
        mode.push_str(&format!(" voters={voters}"));
    }
    mode
}

/// The kind of a recorded fault, from its label (`one-way cut ...` is `one_way`, a slow replica
/// `slow_replica`).
pub fn kind(f: &FaultRecord) -> String {
    let first = f.label.split_whitespace().next().unwrap_or("fault");
    match first {
        "one-way" => "one_way".into(),
        "slow" if f.label.ends_with("(replica answers)") => "slow_replica".into(),
        k => k.to_string(),
    }
}

/// The run's table: every interleaving filed by fault kind and phase, plus the faults applied.
pub fn of_run(history: &History, mode: &str) -> Vec<CoverageCount> {
    let faults: Vec<&FaultRecord> = history.faults.iter().filter(|f| !f.undo).collect();
    let mut cells: BTreeMap<(String, &'static str, &'static str), u64> = BTreeMap::new();
    for f in &faults {
        *cells.entry((kind(f), "during", "faults")).or_insert(0) += 1;
    }
    for (what, at) in occurrences(history) {
        let active: Vec<&&FaultRecord> =
            faults.iter().filter(|f| f.at_ms <= at && f.until_ms.is_none_or(|u| at < u)).collect();
        if active.is_empty() {
            let healed = faults.iter().filter(|f| f.until_ms.is_some_and(|u| u <= at)).max_by_key(|f| f.until_ms);
            let (fault, phase) = healed.map_or(("none".to_string(), "none"), |f| (kind(f), "after"));
            *cells.entry((fault, phase, what.name())).or_insert(0) += 1;
        } else {
            let mut kinds: Vec<String> = active.iter().map(|f| kind(f)).collect();
            kinds.dedup();
            for k in kinds {
                *cells.entry((k, "during", what.name())).or_insert(0) += 1;
            }
        }
    }
    cells
        .into_iter()
        .map(|((fault, phase, event), count)| CoverageCount {
            fault,
            mode: mode.to_string(),
            phase: phase.to_string(),
            event: event.to_string(),
            count,
        })
        .collect()
}

/// Sums tables of many runs.
pub fn sum<'a>(tables: impl IntoIterator<Item = &'a CoverageCount>) -> Vec<CoverageCount> {
    let mut cells: BTreeMap<(String, String, String, String), u64> = BTreeMap::new();
    for c in tables {
        *cells.entry((c.fault.clone(), c.mode.clone(), c.phase.clone(), c.event.clone())).or_insert(0) += c.count;
    }
    cells
        .into_iter()
        .map(|((fault, mode, phase, event), count)| CoverageCount { fault, mode, phase, event, count })
        .collect()
}

/// One row's counts, by (event, phase).
type Row<'a> = BTreeMap<(&'a str, &'a str), u64>;

/// The table as text: a row per fault kind and mode, the faults applied, then each
/// interleaving as `during/after`.
pub fn to_text(cells: &[CoverageCount]) -> String {
    let mut rows: BTreeMap<(&str, &str), Row<'_>> = BTreeMap::new();
    for c in cells {
        rows.entry((&c.fault, &c.mode)).or_default().insert((&c.event, &c.phase), c.count);
    }
    let mut out = String::from("fault coverage: dangerous interleavings reached, during the fault / after its heal\n");
    let names: Vec<&str> = Interleaving::ALL.iter().map(|i| i.name()).collect();
    out.push_str(&format!("  {:<14} {:<36} {:>6}", "fault", "mode", "faults"));
    for n in &names {
        out.push_str(&format!("  {n}"));
    }
    out.push('\n');
    for ((fault, mode), cells) in &rows {
        let get = |e: &str, p: &str| cells.get(&(e, p)).copied().unwrap_or(0);
        out.push_str(&format!("  {fault:<14} {mode:<36} {:>6}", get("faults", "during")));
        for n in &names {
            let cell = if *fault == "none" {
                get(n, "none").to_string()
            } else {
                format!("{}/{}", get(n, "during"), get(n, "after"))
            };
            out.push_str(&format!("  {cell:>w$}", w = n.len()));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Act, Op, OpKind};

    fn fault(at_ms: u64, until_ms: u64, label: &str) -> FaultRecord {
        FaultRecord { at_ms, label: label.into(), nodes: vec![1], until_ms: Some(until_ms), undo: false }
    }

    #[test]
    fn interleavings_are_filed_under_the_active_fault_or_the_last_healed_one() {
        let mut h = History::new();
        h.record_fault(fault(1_000, 2_000, "pause n2"));
        h.record_fault(fault(3_000, 4_000, "one-way cut n1 -> n2"));
        h.record_act(500, 2, Act::Refused { shard: 0, epoch: 1, known: 2 }); // before any fault
        h.record_act(1_500, 2, Act::Refused { shard: 0, epoch: 1, known: 2 }); // during the pause
        h.record_act(2_500, 2, Act::Refused { shard: 0, epoch: 1, known: 2 }); // after it healed
        h.record_act(3_500, 2, Act::Refused { shard: 0, epoch: 1, known: 2 }); // during the cut
        let t = of_run(&h, "m");
        let get = |f: &str, p: &str, e: &str| {
            t.iter().find(|c| c.fault == f && c.phase == p && c.event == e).map_or(0, |c| c.count)
        };
        assert_eq!(get("none", "none", "deposed_write_arrived"), 1);
        assert_eq!(get("pause", "during", "deposed_write_arrived"), 1);
        assert_eq!(get("pause", "after", "deposed_write_arrived"), 1);
        assert_eq!(get("one_way", "during", "deposed_write_arrived"), 1);
        assert_eq!(get("pause", "during", "faults"), 1);
        let text = to_text(&sum(t.iter().chain(t.iter())));
        assert!(text.contains("pause") && text.contains("2/2"), "{text}");
    }

    #[test]
    fn a_quiet_run_has_only_its_faults() {
        let mut h = History::new();
        h.record_fault(fault(0, 10, "crash n1"));
        h.record_op(20, Op::blank(OpKind::Read, 1, (10, 20)));
        let t = of_run(&h, "m");
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!((t[0].fault.as_str(), t[0].event.as_str(), t[0].count), ("crash", "faults", 1));
    }
}
