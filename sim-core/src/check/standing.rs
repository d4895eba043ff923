//! Joins and drains: a drained node stays idle (safety), every drain asked for before the heal
//! ends drained, and every node that joined before the heal holds data at the end (liveness).
//! Judged from the operator's requests (the timeline's `drain`/`join` records), what leaders
//! committed as each node's standing, and what nodes did: their acts as primary or fenced
//! replica, and the values their disks hold at the end, never from the shard map's replica sets.

use std::collections::BTreeMap;

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{Act, ControlEvent, History, OpKind, Standing};

/// When each node was first recorded drained, and until when it stayed so (a later join ends it).
fn drained_spans(history: &History) -> BTreeMap<u32, Vec<(u64, u64)>> {
    let mut spans: BTreeMap<u32, Vec<(u64, u64)>> = BTreeMap::new();
    for c in &history.control {
        let ControlEvent::Standing { node, standing } = c.event else { continue };
        let list = spans.entry(node).or_default();
        let open = list.last().is_some_and(|s| s.1 == u64::MAX);
        match standing {
            Standing::Drained if !open => list.push((c.at_ms, u64::MAX)),
            Standing::Joined | Standing::Member if open => list.last_mut().expect("open").1 = c.at_ms,
            _ => {}
        }
    }
    spans.retain(|_, l| !l.is_empty());
    spans
}

/// The nodes the timeline asked to `kind` (`drain` or `join`) before the heal, with the time.
fn requested(history: &History, kind: &str) -> Vec<(u32, u64)> {
    let before_heal = |t: u64| history.healed_at_ms.is_none_or(|h| t < h);
    let prefix = format!("{kind} ");
    history
        .faults
        .iter()
        .filter(|f| !f.undo && f.label.starts_with(&prefix) && before_heal(f.at_ms))
        .flat_map(|f| f.nodes.iter().map(move |&n| (n, f.at_ms)))
        .collect()
}

/// Judges `drained_nodes_idle`: from the moment a node is recorded drained (until it joins
/// again), it acts as no primary, stores no fenced write, and, when it is still drained at the
/// end, its disk holds no value of a write issued after that moment. (A node that joined again
/// may be sent any value after its join, those written while it was drained included: its acts
/// judge it for the time it was drained.)
pub fn drained_nodes_idle(history: &History) -> Verdict {
    let spans = drained_spans(history);
    let inside = |node: u32, t: u64| spans.get(&node).is_some_and(|l| l.iter().any(|&(a, b)| t > a && t < b));
    let mut examples = Vec::new();
    let mut violations = 0u64;
    let mut note = |text: String, examples: &mut Vec<String>| {
        violations += 1;
        if examples.len() < EXAMPLES_MAX {
            examples.push(text);
        }
    };
    for a in &history.acts {
        let what = match a.act {
            Act::Primary { shard, .. } => format!("acted as primary of shard {shard}"),
            Act::Accepted { shard, .. } => format!("stored a write of shard {shard}"),
            _ => continue,
        };
        if inside(a.node, a.at_ms) {
            note(
                format!("{} {what} at {}, after it was drained", history.node_name(a.node), secs(a.at_ms)),
                &mut examples,
            );
        }
    }
    if let Some(state) = &history.final_state {
        for op in history.ops.iter().filter(|o| o.kind == OpKind::Write) {
            let Some(value) = op.value else { continue };
            let drained_at_end =
                |l: &Vec<(u64, u64)>| l.last().is_some_and(|&(a, b)| b == u64::MAX && op.invoke_ms > a);
            for (&node, _) in spans.iter().filter(|(_, l)| drained_at_end(l)) {
                let held =
                    state.replicas.get(node as usize).is_some_and(|r| r.get(op.key).iter().any(|v| v.value == value));
                if held {
                    note(
                        format!(
                            "{} holds the value of key {} written at {}, after it was drained",
                            history.node_name(node),
                            op.key,
                            secs(op.invoke_ms)
                        ),
                        &mut examples,
                    );
                }
            }
        }
    }
    Verdict {
        name: "drained_nodes_idle".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: spans.len() as u64,
        passed: violations == 0,
        detail: format!("{} drained nodes; {violations} acts or stored writes after their drain", spans.len()),
        examples,
    }
}

/// Judges `drains_settled`: every node the timeline asked to drain before the heal was
/// recorded drained by the end of the run.
pub fn drains_settled(history: &History) -> Verdict {
    let spans = drained_spans(history);
    let asked = requested(history, "drain");
    let open: Vec<&(u32, u64)> =
        asked.iter().filter(|(n, t)| !spans.get(n).is_some_and(|l| l.iter().any(|s| s.0 >= *t))).collect();
    let examples = open
        .iter()
        .take(EXAMPLES_MAX)
        .map(|(n, t)| format!("{} asked to drain at {} was never recorded drained", history.node_name(*n), secs(*t)))
        .collect();
    Verdict {
        name: "drains_settled".into(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: open.len() as u64,
        checked: asked.len() as u64,
        passed: open.is_empty(),
        detail: format!("{} drains asked for before the heal, {} not finished", asked.len(), open.len()),
        examples,
    }
}

/// Judges `joined_nodes_hold_data`: every node that joined before the heal holds at least one
/// value on its disk at the end (it received replicas and their data).
pub fn joined_nodes_hold_data(history: &History) -> Verdict {
    let asked = requested(history, "join");
    let empty: Vec<&(u32, u64)> = match &history.final_state {
        Some(state) => asked
            .iter()
            .filter(|(n, _)| state.replicas.get(*n as usize).is_none_or(|r| r.keys.values().all(|v| v.is_empty())))
            .collect(),
        None => asked.iter().collect(),
    };
    let examples = empty
        .iter()
        .take(EXAMPLES_MAX)
        .map(|(n, t)| format!("{} joined at {} and holds no data at the end", history.node_name(*n), secs(*t)))
        .collect();
    Verdict {
        name: "joined_nodes_hold_data".into(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: empty.len() as u64,
        checked: asked.len() as u64,
        passed: empty.is_empty(),
        detail: format!("{} nodes joined before the heal, {} hold no data at the end", asked.len(), empty.len()),
        examples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, FinalState, Op, Outcome, PrimaryActKind, ReplicaState, Version, Versioned};

    fn fault(at_ms: u64, label: &str, nodes: Vec<u32>) -> FaultRecord {
        FaultRecord { at_ms, label: label.into(), nodes, until_ms: None, undo: false }
    }

    fn standing(h: &mut History, at_ms: u64, node: u32, standing: Standing) {
        h.record_control(at_ms, 0, ControlEvent::Standing { node, standing });
    }

    fn write(key: u64, value: u64, invoke_ms: u64) -> Op {
        Op { outcome: Outcome::Ok, value: Some(value), ..Op::blank(OpKind::Write, key, (invoke_ms, invoke_ms + 10)) }
    }

    /// Four nodes; n2 asked to drain at 1 s and recorded drained at 3 s; a write at 5 s.
    fn drained() -> History {
        let mut h = History::new();
        h.nodes = 4;
        h.record_fault(fault(1_000, "drain n2", vec![2]));
        standing(&mut h, 1_100, 2, Standing::Draining);
        standing(&mut h, 3_000, 2, Standing::Drained);
        h.record_op(5_010, write(7, 70, 5_000));
        let replicas = vec![ReplicaState::default(); 4];
        h.record_final_state(FinalState { at_ms: 9_000, replicas, replica_sets: vec![] });
        h
    }

    fn hold(h: &mut History, node: u32, key: u64, value: u64) {
        let state = h.final_state.as_mut().expect("final state");
        state.replicas[node as usize]
            .keys
            .entry(key)
            .or_default()
            .push(Versioned { version: Version::default(), value });
    }

    #[test]
    fn an_idle_drained_node_passes_and_its_drain_settled() {
        let mut h = drained();
        hold(&mut h, 1, 7, 70);
        hold(&mut h, 2, 3, 30); // data from before the drain stays on its disk: no violation
        assert!(drained_nodes_idle(&h).passed, "{:?}", drained_nodes_idle(&h));
        assert!(drains_settled(&h).passed);
    }

    #[test]
    fn a_drained_node_that_stores_a_later_write_or_acts_fails() {
        let mut h = drained();
        hold(&mut h, 2, 7, 70);
        let v = drained_nodes_idle(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        assert!(v.examples[0].contains("after it was drained"), "{v:?}");
        let mut h = drained();
        h.record_act(4_000, 2, Act::Primary { shard: 1, epoch: 3, kind: PrimaryActKind::Stamp });
        h.record_act(2_000, 2, Act::Accepted { shard: 1, epoch: 3 }); // before the drain: fine
        assert_eq!(drained_nodes_idle(&h).violations, 1);
    }

    #[test]
    fn a_node_that_joins_again_may_act_again() {
        let mut h = drained();
        standing(&mut h, 4_000, 2, Standing::Joined);
        hold(&mut h, 2, 7, 70);
        assert!(drained_nodes_idle(&h).passed);
    }

    #[test]
    fn a_node_joined_again_may_be_sent_writes_from_its_drained_time_but_not_store_them_then() {
        // Drained 3-6 s, joined again at 6 s: the 5 s write may reach its disk after the join.
        let mut h = drained();
        standing(&mut h, 6_000, 2, Standing::Joined);
        hold(&mut h, 2, 7, 70);
        assert!(drained_nodes_idle(&h).passed, "{:?}", drained_nodes_idle(&h));
        h.record_act(5_020, 2, Act::Accepted { shard: 1, epoch: 3 });
        assert_eq!(drained_nodes_idle(&h).violations, 1, "stored while drained");
        // Drained again at 8 s and still at the end: a write after that must not be on its disk.
        let mut h = drained();
        standing(&mut h, 6_000, 2, Standing::Joined);
        standing(&mut h, 8_000, 2, Standing::Drained);
        h.record_op(8_510, write(9, 90, 8_500));
        hold(&mut h, 2, 7, 70);
        assert!(drained_nodes_idle(&h).passed, "the 5 s write came in its joined time");
        hold(&mut h, 2, 9, 90);
        assert_eq!(drained_nodes_idle(&h).violations, 1);
    }

    #[test]
    fn a_drain_never_recorded_fails_to_settle() {
        let mut h = History::new();
        h.nodes = 4;
        h.record_fault(fault(1_000, "drain n2", vec![2]));
        standing(&mut h, 1_100, 2, Standing::Draining);
        let v = drains_settled(&h);
        assert!(!v.passed && v.examples[0].contains("never recorded drained"), "{v:?}");
    }

    #[test]
    fn a_joined_node_without_data_fails() {
        let mut h = drained();
        h.record_fault(fault(500, "join n3", vec![3]));
        assert!(!joined_nodes_hold_data(&h).passed);
        hold(&mut h, 3, 7, 70);
        assert!(joined_nodes_hold_data(&h).passed);
    }
}
