//! Disk corruption: a damaged record must never reach a client, and after the heal every
//! damaged record must be gone from its disk and its key held again.
//!
//! The evidence is the history's corruption records (which values the damage left on which
//! node's disk: no write wrote them, so a read returning one returned damage), the values
//! reads returned, and the final state of every disk. What the nodes say about checksums
//! decides nothing.

use std::collections::{BTreeMap, BTreeSet};

use super::describe::{op_label, secs};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{CorruptionRecord, FinalState, History, OpKind, Outcome};

/// Judges `no_corrupt_reads`: no ok read returned a value that a `corrupt` fault left on a
/// disk. `checked` counts ok reads of damaged keys that completed after the damage.
pub fn no_corrupt_reads(history: &History) -> Verdict {
    let damaged: BTreeMap<u64, &CorruptionRecord> =
        history.corruptions.iter().flat_map(|c| c.damaged.iter().map(move |&v| (v, c))).collect();
    let damaged_keys: BTreeMap<u64, u64> = history.corruptions.iter().fold(BTreeMap::new(), |mut m, c| {
        let first = m.entry(c.key).or_insert(c.at_ms);
        *first = (*first).min(c.at_ms);
        m
    });
    let mut checked = 0;
    let mut violations = 0;
    let mut examples = Vec::new();
    let reads = history.ops.iter().filter(|o| o.kind == OpKind::Read && o.outcome == Outcome::Ok);
    for op in reads.filter(|o| damaged_keys.get(&o.key).is_some_and(|&at| o.complete_ms >= at)) {
        checked += 1;
        let bad = op.read.iter().filter_map(|v| damaged.get(&v.value).filter(|c| c.at_ms <= op.complete_ms));
        let bad: Vec<&CorruptionRecord> = bad.copied().collect();
        if bad.is_empty() {
            continue;
        }
        violations += 1;
        if examples.len() < EXAMPLES_MAX {
            let c = bad[0];
            examples.push(format!(
                "read {} completed {} returned damaged value {} of key {}, damaged on {} at {}",
                op_label(op),
                secs(op.complete_ms),
                c.damaged.iter().find(|&&d| op.read.iter().any(|v| v.value == d)).copied().unwrap_or_default(),
                c.key,
                history.node_name(c.node),
                secs(c.at_ms),
            ));
        }
    }
    let detail = if history.corruptions.is_empty() {
        "no record was damaged".to_string()
    } else if violations == 0 {
        format!(
            "{} damaged records; none of the {checked} ok reads of their keys after the damage returned a damaged value",
            history.corruptions.len()
        )
    } else {
        format!("{violations} of {checked} ok reads of damaged keys returned a damaged value")
    };
    Verdict::judged("no_corrupt_reads", PropertyClass::Safety, violations, checked, detail, examples)
}

/// Judges `eventually_corruption_repaired`: after the heal, no disk holds a damaged value,
/// and each node whose record of a key was damaged holds that key again wherever another
/// replica of the key holds it. `checked` counts damaged (node, key) records.
pub fn eventually_repaired(history: &History) -> Verdict {
    let name = "eventually_corruption_repaired".to_string();
    let Some(state) = &history.final_state else {
        return Verdict {
            name,
            class: PropertyClass::Liveness,
            expected_violation: false,
            violations: 0,
            checked: 0,
            passed: false,
            detail: "no final replica state was recorded, so repairs cannot be judged".to_string(),
            examples: vec![],
        };
    };
    let all_damaged: BTreeSet<u64> = history.corruptions.iter().flat_map(|c| c.damaged.iter().copied()).collect();
    let records: BTreeMap<(u32, u64), &CorruptionRecord> =
        history.corruptions.iter().map(|c| ((c.node, c.key), c)).collect();
    let mut violations = 0;
    let mut examples = Vec::new();
    for (&(node, key), c) in &records {
        let Some(problem) = unrepaired(state, &all_damaged, c) else { continue };
        violations += 1;
        if examples.len() < EXAMPLES_MAX {
            examples.push(format!(
                "key {key} on {} (damaged at {}) {problem} after the heal",
                history.node_name(node),
                secs(c.at_ms)
            ));
        }
    }
    let checked = records.len() as u64;
    Verdict {
        name,
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations,
        checked,
        passed: violations == 0,
        detail: format!("{} of {checked} damaged records repaired by the end", checked - violations),
        examples,
    }
}

/// What is still wrong with damaged record `c` in the final state, if anything.
fn unrepaired(state: &FinalState, all_damaged: &BTreeSet<u64>, c: &CorruptionRecord) -> Option<&'static str> {
    let held = |node: u32| state.replicas.get(node as usize).map_or(&[][..], |r| r.get(c.key));
    if held(c.node).iter().any(|v| all_damaged.contains(&v.value)) {
        return Some("still holds a damaged value");
    }
    let replicas = c.shard.and_then(|s| state.replica_sets.get(s as usize)).map_or(&[][..], Vec::as_slice);
    let elsewhere = replicas.iter().any(|&r| r != c.node && !held(r).is_empty());
    (replicas.contains(&c.node) && held(c.node).is_empty() && elsewhere)
        .then_some("is missing, though other replicas hold it")
}

#[cfg(test)]
mod tests {
    use crate::history::{Level, Op, ReplicaState, Version, Versioned};

    use super::*;

    fn read(key: u64, complete_ms: u64, values: &[u64]) -> Op {
        Op {
            client: 10,
            seq: 1,
            shard: Some(0),
            level: Level::Quorum,
            required: 2,
            read: values.iter().map(|&value| Versioned { version: Version::new(), value }).collect(),
            ..Op::blank(OpKind::Read, key, (complete_ms - 5, complete_ms))
        }
    }

    const BAD: u64 = 1 << 63 | 77;

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::new();
        h.ops = ops;
        h.corruptions = vec![CorruptionRecord { at_ms: 1_000, node: 1, key: 4, shard: Some(0), damaged: vec![BAD] }];
        h
    }

    fn state(holdings: &[&[u64]]) -> FinalState {
        let replica = |values: &[u64]| ReplicaState {
            keys: [(4, values.iter().map(|&value| Versioned { version: Version::new(), value }).collect())]
                .into_iter()
                .filter(|(_, v): &(u64, Vec<Versioned>)| !v.is_empty())
                .collect(),
        };
        FinalState {
            at_ms: 9_000,
            replicas: holdings.iter().map(|h| replica(h)).collect(),
            replica_sets: vec![vec![0, 1, 2]],
        }
    }

    #[test]
    fn a_read_returning_a_damaged_value_is_a_violation() {
        let v = no_corrupt_reads(&history(vec![read(4, 1_500, &[5]), read(4, 2_000, &[5, BAD]), read(3, 2_000, &[9])]));
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 2), "two reads of the damaged key after the damage");
        assert!(v.examples[0].contains("returned damaged value") && v.examples[0].contains("#1"), "{:?}", v.examples);
    }

    #[test]
    fn reads_that_return_only_written_values_pass() {
        let v = no_corrupt_reads(&history(vec![read(4, 500, &[5]), read(4, 1_500, &[6])]));
        assert!(v.passed && v.checked == 1, "{v:?}");
        assert!(no_corrupt_reads(&History::new()).passed);
    }

    #[test]
    fn a_damaged_value_left_on_disk_or_a_key_left_missing_is_unrepaired() {
        let mut h = history(vec![]);
        h.final_state = Some(state(&[&[5], &[BAD], &[5]]));
        let v = eventually_repaired(&h);
        assert!(!v.passed && v.examples[0].contains("still holds a damaged value"), "{v:?}");
        h.final_state = Some(state(&[&[5], &[], &[5]]));
        let v = eventually_repaired(&h);
        assert!(!v.passed && v.examples[0].contains("is missing"), "{v:?}");
        h.final_state = Some(state(&[&[5], &[5], &[5]]));
        assert!(eventually_repaired(&h).passed);
        h.final_state = Some(state(&[&[], &[], &[]]));
        assert!(eventually_repaired(&h).passed, "nobody holds the key: nothing to repair from");
        h.final_state = None;
        assert!(!eventually_repaired(&h).passed);
    }
}
