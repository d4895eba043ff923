//! Convergence (eventually): at the end of the heal phase, every replica of every key holds the
//! same set of values. Judged from the replica states recorded at the end of the run, by value
//! (values are unique per write), so no version vector or repair counter of the system decides.
//!
//! The budget is the heal phase: the scenario's `heal:` (5 s by default) after every fault was
//! healed at the end of `duration`. Writes stop with the fault phase, so whatever replicas still
//! disagree on by then, no mechanism repaired in the time given: with read repair and
//! anti-entropy both off, a replica that missed a write during a partition never gets it.
//!
//! Keys are the ones the history's operations touched, each on the replica set of its shard; a
//! key's shard comes from its operations. Cost: O(keys × N × siblings).

use std::collections::BTreeMap;

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{FinalState, History};

const NAME: &str = "eventually_converged";

/// Judges `eventually_converged`: `violations` counts keys whose replicas hold different
/// values at the end of the heal phase, `checked` the keys judged.
pub fn eventually_converged(history: &History) -> Verdict {
    let mut v = Verdict {
        name: NAME.to_string(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: 0,
        checked: 0,
        passed: false,
        detail: String::new(),
        examples: vec![],
    };
    let Some(state) = &history.final_state else {
        v.detail = "no final replica state was recorded, so convergence cannot be judged".to_string();
        return v;
    };
    let mut shard_of: BTreeMap<u64, u32> = BTreeMap::new();
    for op in &history.ops {
        if let Some(shard) = op.shard {
            shard_of.insert(op.key, shard);
        }
    }
    let healed_ms = history.healed_at_ms.unwrap_or(0);
    let budget = format!("{}, {} after the heal", secs(state.at_ms), secs(state.at_ms.saturating_sub(healed_ms)));
    for (&key, &shard) in &shard_of {
        let replicas = state.replica_sets.get(shard as usize).map_or(&[][..], Vec::as_slice);
        v.checked += 1;
        let held: Vec<Vec<u64>> = replicas.iter().map(|&node| values(state, node, key)).collect();
        if held.windows(2).all(|w| w[0] == w[1]) {
            continue;
        }
        v.violations += 1;
        if v.examples.len() < EXAMPLES_MAX {
            let parts: Vec<String> = replicas
                .iter()
                .zip(&held)
                .map(|(&node, vals)| format!("{} {}", history.node_name(node), value_list(vals)))
                .collect();
            v.examples.push(format!(
                "key {key} (shard {shard}) differs at {}: {}",
                secs(state.at_ms),
                parts.join(", ")
            ));
        }
    }
    v.passed = v.violations == 0;
    v.detail = if v.passed {
        format!("the replicas of each of {} keys hold the same values at {budget}", v.checked)
    } else {
        format!(
            "{} of {} keys differ between their replicas at {budget} (the heal phase is the budget: \
             turn on anti_entropy or read_repair, or lengthen heal)",
            v.violations, v.checked
        )
    };
    v
}

/// The values `node` holds for `key`, sorted.
fn values(state: &FinalState, node: u32, key: u64) -> Vec<u64> {
    let mut vals: Vec<u64> =
        state.replicas.get(node as usize).map_or(vec![], |r| r.get(key).iter().map(|v| v.value).collect());
    vals.sort_unstable();
    vals
}

fn value_list(vals: &[u64]) -> String {
    let parts: Vec<String> = vals.iter().map(u64::to_string).collect();
    format!("{{{}}}", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Level, Op, OpKind, ReplicaState, Version, Versioned};

    /// A write of `value` to `key`, which lives in shard `key % 2`.
    fn write(key: u64, value: u64) -> Op {
        Op {
            seq: value,
            shard: Some((key % 2) as u32),
            level: Level::Quorum,
            required: 2,
            value: Some(value),
            ..Op::blank(OpKind::Write, key, (1_000, 1_020))
        }
    }

    /// Four nodes; shard 0 on nodes 0, 1, 2 and shard 1 on nodes 1, 2, 3. `held` is
    /// `(node, key, value)`.
    fn history(ops: Vec<Op>, held: &[(u32, u64, u64)]) -> History {
        let mut replicas = vec![ReplicaState::default(); 4];
        for &(node, key, value) in held {
            let version = Version::from_parts(Some((node, value)), None);
            replicas[node as usize].keys.entry(key).or_default().push(Versioned { version, value });
        }
        let mut h = History::new();
        h.ops = ops;
        h.healed_at_ms = Some(30_000);
        h.record_final_state(FinalState { at_ms: 35_000, replicas, replica_sets: vec![vec![0, 1, 2], vec![1, 2, 3]] });
        h
    }

    #[test]
    fn identical_replicas_pass_whatever_the_order_or_the_versions() {
        let h = history(
            vec![write(2, 7), write(2, 8), write(3, 9)],
            &[(0, 2, 7), (0, 2, 8), (1, 2, 8), (1, 2, 7), (2, 2, 7), (2, 2, 8), (1, 3, 9), (2, 3, 9), (3, 3, 9)],
        );
        let v = eventually_converged(&h);
        assert!(v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked, v.class), (0, 2, PropertyClass::Liveness));
        assert!(v.detail.contains("each of 2 keys hold the same values at 35.000s, 5.000s after the heal"), "{v:?}");
    }

    #[test]
    fn diverged_replicas_fail_and_show_what_each_holds() {
        // Key 2: node 2 missed value 8 (no repair reached it). Key 3: node 3 missed the only
        // write. Node 0 holds key 3 too, but is not its replica: that does not count.
        let h = history(
            vec![write(2, 7), write(2, 8), write(3, 9)],
            &[(0, 2, 7), (0, 2, 8), (1, 2, 7), (1, 2, 8), (2, 2, 7), (1, 3, 9), (2, 3, 9), (0, 3, 9)],
        );
        let v = eventually_converged(&h);
        assert!(!v.passed);
        assert_eq!((v.violations, v.checked), (2, 2));
        assert_eq!(v.examples[0], "key 2 (shard 0) differs at 35.000s: #0 {7,8}, #1 {7,8}, #2 {7}");
        assert_eq!(v.examples[1], "key 3 (shard 1) differs at 35.000s: #1 {9}, #2 {9}, #3 {}");
        assert!(v.detail.starts_with("2 of 2 keys differ between their replicas"), "{}", v.detail);
    }

    #[test]
    fn without_a_final_state_nothing_can_be_judged() {
        let v = eventually_converged(&History::new());
        assert!(!v.passed && v.detail.contains("no final replica state"));
    }
}
