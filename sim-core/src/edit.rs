//! Edits of a typed scenario: resolve what ran into a concrete schedule, stop early, and the
//! small reductions `shrink` tries. Every edit returns a new scenario (or `None` when it would
//! not be valid); callers still re-read the written YAML to be sure.

use crate::check::Expectation;
use crate::history::History;
use std::sync::Arc;

use crate::scenario::model::{Fault, FaultAction, Scenario, Target};
use crate::scenario::shape::{Base, Shape};

/// `scenario` with every `random` target replaced by the nodes the run recorded for it, so it
/// replays without drawing. `scenario` must be the one that ran (swarm already resolved).
pub fn concrete(scenario: &Scenario, history: &History) -> Scenario {
    let mut out = scenario.clone();
    let applied = history.faults.iter().filter(|r| !r.undo);
    for (fault, record) in out.faults.iter_mut().zip(applied) {
        if !has_random(&fault.action) {
            continue;
        }
        let nodes = || record.nodes.iter().map(|&n| Target::Node(n)).collect::<Vec<_>>();
        let by_name = |names: &str| -> Vec<Target> {
            names
                .split(',')
                .filter_map(|name| scenario.cluster.nodes.iter().position(|n| n.name == name.trim()))
                .map(|i| Target::Node(i as u32))
                .collect()
        };
        fault.action = match &fault.action {
            // Groups are not kept apart in `nodes`; the label names them: `partition [a,b] | [c]`.
            FaultAction::Partition(_) => match record.label.strip_prefix("partition ") {
                Some(groups) => FaultAction::Partition(
                    groups.split(" | ").map(|g| by_name(g.trim_start_matches('[').trim_end_matches(']'))).collect(),
                ),
                None => fault.action.clone(),
            },
            // `one-way cut a,b -> c`.
            FaultAction::OneWay { .. } => {
                match record.label.strip_prefix("one-way cut ").and_then(|r| r.split_once(" -> ")) {
                    Some((from, to)) => FaultAction::OneWay { from: by_name(from), to: by_name(to) },
                    None => fault.action.clone(),
                }
            }
            // One list of targets: the nodes it hit.
            other => {
                let mut action = other.clone();
                action.target_lists_mut().into_iter().for_each(|t| *t = nodes());
                action
            }
        };
    }
    // A `leader` fault that fired during an election hit nobody: it has nothing to replay.
    out.faults.retain(|f| !f.action.hits_nobody());
    out
}

/// True when a target is only known once the fault fires (`random`, `leader`, `primary`).
fn has_random(action: &FaultAction) -> bool {
    action
        .target_lists()
        .iter()
        .flat_map(|t| t.iter())
        .any(|t| matches!(t, Target::Random | Target::Leader | Target::Primary))
}

/// `scenario` ending at `until_ms`: later faults are dropped, clients stop then, and the heal
/// phase starts then. `None` when nothing would run (every client group starts later).
pub fn until(scenario: &Scenario, until_ms: u64) -> Option<Scenario> {
    if until_ms == 0 {
        return None;
    }
    if until_ms >= scenario.duration_ms {
        return Some(scenario.clone());
    }
    let mut out = scenario.clone();
    out.duration_ms = until_ms;
    out.faults.retain(|f| f.at_ms < until_ms);
    out.workload.retain(|g| g.start_ms < until_ms);
    out.probes.retain(|p| p.start_ms < until_ms);
    if out.workload.is_empty() && out.probes.is_empty() {
        return None;
    }
    for p in &mut out.probes {
        p.stop_ms = p.stop_ms.min(until_ms);
    }
    for g in &mut out.workload {
        g.stop_ms = g.stop_ms.min(until_ms);
        g.rate.changes.retain(|(at, _)| *at < g.stop_ms);
        truncate_shape(&mut g.rate.shape, g.stop_ms);
    }
    if let Some(swarm) = &mut out.swarm {
        swarm.stop_ms = swarm.stop_ms.min(until_ms);
        if swarm.start_ms >= swarm.stop_ms {
            out.swarm = None;
        }
    }
    let end_ms = until_ms + out.heal_ms;
    out.expect.retain_mut(|e| match e {
        Expectation::Availability(b) => {
            b.to_ms = b.to_ms.map(|to| to.min(end_ms));
            b.from_ms < b.to_ms.unwrap_or(end_ms)
        }
        _ => true,
    });
    Some(out)
}

/// `scenario` without the faults whose index is in `drop` (sorted or not).
pub fn without_faults(scenario: &Scenario, drop: &[usize]) -> Scenario {
    let mut out = scenario.clone();
    out.faults =
        scenario.faults.iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, f)| f.clone()).collect();
    out
}

/// `scenario` without its last node, while the replication factor still fits; faults lose
/// their targets on it, and faults left with nothing to hit are dropped.
pub fn without_last_node(scenario: &Scenario) -> Option<Scenario> {
    let nodes = scenario.cluster.nodes.len();
    if nodes <= scenario.cluster.n_range().1 as usize || nodes <= 1 {
        return None;
    }
    let gone = (nodes - 1) as u32;
    let mut out = scenario.clone();
    out.cluster.nodes.pop();
    if let Some(swarm) = &mut out.swarm {
        swarm.max_nodes = swarm.max_nodes.min(gone);
    }
    out.faults = scenario.faults.iter().filter_map(|f| fault_without_node(f, gone)).collect();
    Some(out)
}

/// `fault` with node `gone` removed from every target list (skew and the rest alike);
/// `None` when that leaves it nothing to act on.
fn fault_without_node(fault: &Fault, gone: u32) -> Option<Fault> {
    let mut out = fault.clone();
    let had_nobody = out.action.hits_nobody();
    for list in out.action.target_lists_mut() {
        list.retain(|t| *t != Target::Node(gone));
    }
    if let FaultAction::Partition(groups) = &mut out.action {
        groups.retain(|g| !g.is_empty());
    }
    (had_nobody || !out.action.hits_nobody()).then_some(out)
}

/// `scenario` with workload group `group` at `clients` clients, its rates scaled to match so
/// each client offers the same load as before.
pub fn with_clients(scenario: &Scenario, group: usize, clients: u32) -> Option<Scenario> {
    let g = scenario.workload.get(group)?;
    if clients == 0 || clients >= g.clients {
        return None;
    }
    let scale = clients as f64 / g.clients as f64;
    let mut out = scenario.clone();
    let g = &mut out.workload[group];
    g.clients = clients;
    g.rate.base_per_s *= scale;
    g.rate.changes.iter_mut().for_each(|c| c.1 *= scale);
    match &mut g.rate.shape.base {
        Base::Steady => {}
        Base::Ramp(r) => r.to_per_s *= scale,
        Base::Trace(t) => Arc::make_mut(t).scale *= scale,
    }
    Some(out)
}

/// `shape` for a group that now stops at `stop_ms`: spikes and events that would start after
/// it are dropped, and a ramp that would start after it is no ramp (the rest is unchanged:
/// a ramp may end after the group stops, a trace may run longer).
fn truncate_shape(shape: &mut Shape, stop_ms: u64) {
    shape.spikes.retain(|p| p.at_ms < stop_ms);
    shape.events.retain(|e| e.pulse.at_ms < stop_ms);
    if matches!(&shape.base, Base::Ramp(r) if r.from_ms >= stop_ms) {
        shape.base = Base::Steady;
    }
}

/// `scenario` with workload group `group` picking from `keys` keys.
pub fn with_keys(scenario: &Scenario, group: usize, keys: u64) -> Option<Scenario> {
    let g = scenario.workload.get(group)?;
    if keys == 0 || keys >= g.keys {
        return None;
    }
    let mut out = scenario.clone();
    out.workload[group].keys = keys;
    Some(out)
}

/// `scenario` without workload group `group` (one group must remain).
pub fn without_group(scenario: &Scenario, group: usize) -> Option<Scenario> {
    if scenario.workload.len() <= 1 || group >= scenario.workload.len() {
        return None;
    }
    let mut out = scenario.clone();
    out.workload.remove(group);
    Some(out)
}

/// `scenario` with `shards` shards.
pub fn with_shards(scenario: &Scenario, shards: u32) -> Option<Scenario> {
    if shards == 0 || shards >= scenario.cluster.shards {
        return None;
    }
    let mut out = scenario.clone();
    out.cluster.shards = shards;
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::history::FaultRecord;
    use crate::scenario::parse;

    const TEXT: &str = "\
name: edits
description: d
duration: 60s
cluster: { zones: [az-a, az-b], nodes: 5, replication: { n: 3 }, shards: 16 }
workload:
  - { clients: 8, rate: 400/s, keys: 100, rate_changes: [{ at: 40s, rate: 800/s }] }
  - { clients: 2, rate: 10/s, keys: 10, start: 30s }
faults:
  - { at: 10s, crash: [random] }
  - { at: 20s, for: 5s, partition: [[n1, random], [n3, n4, n5]] }
  - { at: 25s, for: 5s, one_way: { from: [random], to: [n5] } }
  - { at: 50s, for: 5s, slow: [n5], delay: 100ms }
expect:
  - no_stale_quorum_reads
  - { availability: { min: 0.9, from: 50s, to: 60s } }
  - { availability: { min: 0.9, from: 0s, to: 60s } }
";

    fn scenario() -> Scenario {
        parse(Path::new("e.yaml"), TEXT).expect("valid")
    }

    fn record(at_ms: u64, label: &str, nodes: Vec<u32>, undo: bool) -> FaultRecord {
        FaultRecord { at_ms, label: label.into(), nodes, until_ms: None, undo }
    }

    #[test]
    fn random_targets_become_the_nodes_that_were_drawn() {
        let mut history = History::new();
        history.faults = vec![
            record(10_000, "crash n2", vec![1], false),
            record(20_000, "partition [n1,n2] | [n3,n4,n5]", vec![0, 1, 2, 3, 4], false),
            record(25_000, "end partition", vec![], true),
            record(25_000, "one-way cut n3 -> n5", vec![2, 4], false),
            record(50_000, "slow n5 +100ms", vec![4], false),
        ];
        let c = concrete(&scenario(), &history);
        let node = |i| Target::Node(i);
        assert_eq!(c.faults[0].action, FaultAction::Crash(vec![node(1)]));
        assert_eq!(
            c.faults[1].action,
            FaultAction::Partition(vec![vec![node(0), node(1)], vec![node(2), node(3), node(4)]])
        );
        assert_eq!(c.faults[2].action, FaultAction::OneWay { from: vec![node(2)], to: vec![node(4)] });
        assert_eq!(c.faults[3].action, scenario().faults[3].action);
    }

    #[test]
    fn stopping_early_drops_later_faults_and_clips_clients_and_windows() {
        let s = until(&scenario(), 22_000).expect("runs");
        assert_eq!((s.duration_ms, s.faults.len(), s.workload.len()), (22_000, 2, 1));
        assert_eq!((s.workload[0].stop_ms, s.workload[0].rate.changes.len()), (22_000, 0));
        assert_eq!(s.expect.len(), 2, "the window starting at 50s is gone");
        assert!(until(&scenario(), 0).is_none());
        assert_eq!(until(&scenario(), 90_000).expect("whole").duration_ms, 60_000);
    }

    #[test]
    fn shrinking_keeps_the_shape_valid_and_the_load_per_client() {
        let text = TEXT.replace(
            "rate_changes: [{ at: 40s, rate: 800/s }]",
            "shape: { ramp: { to: 800/s, from: 30s }, spikes: [{ at: 10s, for: 2s, factor: 3 }, { at: 40s, for: 2s, factor: 2 }], event: { at: 50s, for: 5s, factor: 2, announced: 20s } }",
        );
        let s = parse(Path::new("e.yaml"), &text).expect("valid");
        let cut = until(&s, 22_000).expect("runs");
        let shape = &cut.workload[0].rate.shape;
        assert_eq!((shape.spikes.len(), shape.events.len()), (1, 0), "what starts after the stop is gone");
        assert_eq!(shape.base, Base::Steady, "a ramp that would start after the stop is no ramp");
        let written = crate::yaml::to_yaml(&cut, &[]);
        let reread = parse(Path::new("e.yaml"), &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(reread.workload[0].rate, cut.workload[0].rate, "the shrunk scenario keeps its shape");
        let fewer = with_clients(&s, 0, 2).expect("fewer clients");
        let (a, b) = (&s.workload[0].rate, &fewer.workload[0].rate);
        assert_eq!(b.at(45_000) * 4.0, a.at(45_000), "each client offers what it did");
        assert_eq!(b.shape.spikes, a.shape.spikes, "factors stay");
        let reread = parse(Path::new("e.yaml"), &crate::yaml::to_yaml(&fewer, &[])).expect("valid");
        assert_eq!(&reread.workload[0].rate, b);
    }

    #[test]
    fn removing_the_last_node_drops_what_only_it_was_hit_by() {
        let s = without_last_node(&scenario()).expect("5 > 3 nodes");
        assert_eq!(s.cluster.nodes.len(), 4);
        assert_eq!(s.faults.len(), 2, "the one-way cut to n5 and the slow-down of n5 are gone");
        assert_eq!(
            s.faults[1].action,
            FaultAction::Partition(vec![vec![Target::Node(0), Target::Random], vec![Target::Node(2), Target::Node(3)]])
        );
        let s = without_last_node(&s).expect("4 > 3");
        assert!(without_last_node(&s).is_none(), "N = 3 needs 3 nodes");
    }

    #[test]
    fn removing_a_node_takes_it_out_of_a_skew_too() {
        let text = TEXT.replace(
            "  - { at: 50s, for: 5s, slow: [n5], delay: 100ms }",
            "  - { at: 50s, for: 5s, slow: [n5], delay: 100ms }\n  - { at: 52s, skew: [n4, n5], drift: 0.1 }",
        );
        let s = without_last_node(&parse(Path::new("e.yaml"), &text).expect("valid")).expect("5 > 3 nodes");
        let skew = s.faults.last().expect("the skew stays, on n4 only");
        assert!(matches!(&skew.action, FaultAction::Skew { targets, .. } if *targets == vec![Target::Node(3)]));
        let s = without_last_node(&s).expect("4 > 3");
        assert!(s.faults.iter().all(|f| !matches!(f.action, FaultAction::Skew { .. })), "nothing left to skew");
    }

    #[test]
    fn a_scenario_without_a_skewed_node_is_written_and_read_back() {
        // `shrink` once panicked in the YAML writer here: a skew still named the dropped node.
        let text = TEXT.replace(
            "  - { at: 50s, for: 5s, slow: [n5], delay: 100ms }",
            "  - { at: 50s, for: 5s, slow: [n5], delay: 100ms }\n  - { at: 52s, skew: [n5, primary, leader], drift: -0.1 }\n  - { at: 53s, skew: n5, offset: 20ms }",
        );
        let s = without_last_node(&parse(Path::new("e.yaml"), &text).expect("valid")).expect("5 > 3 nodes");
        let written = crate::yaml::to_yaml(&s, &[]);
        let again = parse(Path::new("e.yaml"), &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        let skews: Vec<&FaultAction> =
            again.faults.iter().map(|f| &f.action).filter(|a| matches!(a, FaultAction::Skew { .. })).collect();
        assert_eq!(skews.len(), 1, "the skew of n5 alone is gone: {written}");
        assert!(
            matches!(skews[0], FaultAction::Skew { targets, .. } if *targets == vec![Target::Primary, Target::Leader])
        );
    }

    #[test]
    fn fewer_clients_keep_the_load_per_client() {
        let s = with_clients(&scenario(), 0, 2).expect("fewer");
        assert_eq!((s.workload[0].clients, s.workload[0].rate.base_per_s), (2, 100.0));
        assert_eq!(s.workload[0].rate.changes, [(40_000, 200.0)]);
        assert!(with_clients(&scenario(), 0, 8).is_none() && with_clients(&scenario(), 0, 0).is_none());
        assert_eq!(with_keys(&scenario(), 1, 1).expect("fewer").workload[1].keys, 1);
        assert_eq!(without_group(&scenario(), 0).expect("two groups").workload.len(), 1);
        assert_eq!(with_shards(&scenario(), 1).expect("fewer").cluster.shards, 1);
        assert_eq!(without_faults(&scenario(), &[0, 2]).faults.len(), 2);
    }
}
