//! Lost acknowledged writes: after the heal phase, every acknowledged write must be held, or
//! superseded by a version descending from it, by some replica of its key; and no write known
//! to have failed may be present anywhere.
//!
//! Indeterminate writes (timeouts, a lost coordinator) may be present or absent; the detail
//! line reports how many survived. Each write costs one lookup per replica, so the check is
//! O(writes × N × siblings × vector length).

use nodes::shard_map::ShardMap;
use nodes::storage::Store;
use nodes::{OpKind, OpRecord, Outcome, VersionVector};

use super::stale_reads::{op_label, secs, versions};
use super::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::History;

const NAME: &str = "no_lost_acknowledged_writes";

/// Judges `no_lost_acknowledged_writes` against the final replica state.
///
/// `violations` counts lost acknowledged writes plus failed writes whose value is present
/// (phantom writes); `checked` counts the acknowledged and failed writes judged.
pub fn check(history: &History, shards: &ShardMap) -> Verdict {
    let Some(state) = &history.final_state else {
        return Verdict {
            name: NAME.to_string(),
            class: PropertyClass::Safety,
            expected_violation: false,
            violations: 0,
            checked: 0,
            passed: false,
            detail: "no final replica state was recorded, so lost writes cannot be judged".to_string(),
            examples: vec![],
        };
    };
    let stores = &state.replicas;
    let empty = Store::new();
    let store_of = |node: u32| stores.get(node as usize).unwrap_or(&empty);
    let holds_descendant = |node: u32, key: u64, version: &VersionVector| {
        store_of(node).get(key).iter().any(|v| v.version.descends(version))
    };
    let holds_value = |node: u32, key: u64, value: u64| store_of(node).get(key).iter().any(|v| v.value == value);

    let (mut acked, mut lost) = (0u64, 0u64);
    let (mut failed, mut phantoms) = (0u64, 0u64);
    let (mut indeterminate, mut indeterminate_present) = (0u64, 0u64);
    let mut examples = Vec::new();
    let mut example = |text: String| {
        if examples.len() < EXAMPLES_MAX {
            examples.push(text);
        }
    };
    for w in history.ops.iter().filter(|o| o.kind == OpKind::Write) {
        let replicas = shards.replicas_of(w.key);
        match w.outcome {
            Outcome::Ok => {
                acked += 1;
                let Some(version) = &w.version else {
                    lost += 1;
                    example(format!(
                        "write {} acknowledged at {} has no version, so it cannot be found",
                        op_label(w),
                        secs(w.complete_ms)
                    ));
                    continue;
                };
                if replicas.iter().any(|&node| holds_descendant(node, w.key, version)) {
                    continue;
                }
                lost += 1;
                let elsewhere: Vec<String> = (0..stores.len() as u32)
                    .filter(|node| !replicas.contains(node) && holds_descendant(*node, w.key, version))
                    .map(|node| format!("n{node}"))
                    .collect();
                let mut text = format!(
                    "write {} {}={} acknowledged at {} is on no replica of the key ({}); they hold {}",
                    op_label(w),
                    version,
                    value_text(w),
                    secs(w.complete_ms),
                    node_list(replicas),
                    replica_contents(replicas, w.key, &store_of),
                );
                if !elsewhere.is_empty() {
                    text.push_str(&format!("; only non-replicas hold it: {}", elsewhere.join(",")));
                }
                example(text);
            }
            Outcome::Fail => {
                failed += 1;
                let Some(value) = w.value else { continue };
                let holders: Vec<u32> =
                    (0..stores.len() as u32).filter(|&node| holds_value(node, w.key, value)).collect();
                if holders.is_empty() {
                    continue;
                }
                phantoms += 1;
                example(format!(
                    "phantom write: {} value {value} failed at {} ({}) but is present on {}",
                    op_label(w),
                    secs(w.complete_ms),
                    w.reason.map_or_else(|| "no reason".to_string(), |r| format!("{r:?}")),
                    node_list(&holders),
                ));
            }
            Outcome::Indeterminate => {
                indeterminate += 1;
                let present = replicas.iter().any(|&node| match (&w.version, w.value) {
                    (Some(version), _) => holds_descendant(node, w.key, version),
                    (None, Some(value)) => holds_value(node, w.key, value),
                    (None, None) => false,
                });
                if present {
                    indeterminate_present += 1;
                }
            }
        }
    }

    let violations = lost + phantoms;
    Verdict {
        name: NAME.to_string(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: acked + failed,
        passed: violations == 0,
        detail: format!(
            "{lost} of {acked} acknowledged writes lost; {phantoms} of {failed} failed writes present; \
             {indeterminate_present} of {indeterminate} indeterminate writes survived (allowed either way); \
             state read at {}",
            secs(state.at_ms)
        ),
        examples,
    }
}

fn value_text(w: &OpRecord) -> String {
    w.value.map_or_else(|| "?".to_string(), |v| v.to_string())
}

fn node_list(nodes: &[u32]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
    names.join(",")
}

/// What each replica holds for `key`, e.g. `n1 [{#0:3}=7], n2 []`.
fn replica_contents<'a>(replicas: &[u32], key: u64, store_of: &impl Fn(u32) -> &'a Store) -> String {
    let parts: Vec<String> =
        replicas.iter().map(|&node| format!("n{node} {}", versions(store_of(node).get(key)))).collect();
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use nodes::{Consistency, FailReason, Versioned};

    use super::*;
    use crate::history::FinalState;

    const NODES: usize = 5;

    fn shards() -> ShardMap {
        ShardMap::ring(&[(0, 0), (1, 1), (2, 2), (3, 0), (4, 1)], 8, 3)
    }

    fn vv(entries: &[(u32, u64)]) -> VersionVector {
        VersionVector::from_entries(entries.iter().copied())
    }

    fn write(key: u64, outcome: Outcome, version: Option<&[(u32, u64)]>, value: u64) -> OpRecord {
        OpRecord {
            client: 10,
            group: 0,
            seq: value,
            kind: OpKind::Write,
            key,
            consistency: Consistency::Quorum,
            required: 2,
            n: 3,
            invoke_ms: 1000,
            complete_ms: 1020,
            outcome,
            reason: (outcome != Outcome::Ok).then_some(FailReason::NoCoordinator),
            coordinator: Some(0),
            value: Some(value),
            context: VersionVector::new(),
            version: version.map(vv),
            read: vec![],
        }
    }

    /// `(node, key, version entries, value)`: one versioned value a node holds at the end.
    type Stored<'a> = (u32, u64, &'a [(u32, u64)], u64);

    /// A history of `ops` whose final state puts each stored value on its node.
    fn history(ops: Vec<OpRecord>, stored: &[Stored<'_>]) -> History {
        let mut replicas = vec![Store::new(); NODES];
        for &(node, key, version, value) in stored {
            replicas[node as usize].apply(key, &Versioned { version: vv(version), value });
        }
        let mut h = History::new();
        h.ops = ops;
        h.record_final_state(FinalState { at_ms: 60_000, replicas });
        h
    }

    fn replica(key: u64, i: usize) -> u32 {
        shards().replicas_of(key)[i]
    }

    fn non_replica(key: u64) -> u32 {
        let map = shards();
        (0..NODES as u32).find(|n| !map.replicas_of(key).contains(n)).expect("5 nodes, N=3")
    }

    #[test]
    fn acknowledged_write_missing_from_every_replica_is_lost() {
        let key = 3;
        // The replicas hold only a concurrent version, which does not cover the write.
        let h = history(vec![write(key, Outcome::Ok, Some(&[(0, 1)]), 11)], &[(replica(key, 0), key, &[(1, 1)], 12)]);
        let v = check(&h, &shards());
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 1));
        assert_eq!(v.name, "no_lost_acknowledged_writes");
        assert_eq!(v.class, PropertyClass::Safety);
        assert!(v.examples[0].starts_with("write c10#11 key 3 QUORUM W=2 {#0:1}=11 acknowledged at 1.020s"));
        assert!(v.examples[0].contains("=12]"), "{}", v.examples[0]);
    }

    #[test]
    fn acknowledged_write_on_one_replica_is_kept() {
        let key = 3;
        let h = history(vec![write(key, Outcome::Ok, Some(&[(0, 1)]), 11)], &[(replica(key, 2), key, &[(0, 1)], 11)]);
        let v = check(&h, &shards());
        assert!(v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (0, 1));
    }

    #[test]
    fn write_superseded_by_a_descendant_is_kept() {
        let key = 4;
        let h = history(
            vec![write(key, Outcome::Ok, Some(&[(0, 1)]), 11), write(key, Outcome::Ok, Some(&[(0, 1), (2, 5)]), 12)],
            &[(replica(key, 1), key, &[(0, 1), (2, 5)], 12)],
        );
        let v = check(&h, &shards());
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 2);
    }

    #[test]
    fn write_held_only_by_a_non_replica_is_lost() {
        let key = 5;
        let outsider = non_replica(key);
        let h = history(vec![write(key, Outcome::Ok, Some(&[(0, 1)]), 11)], &[(outsider, key, &[(0, 1)], 11)]);
        let v = check(&h, &shards());
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].ends_with(&format!("only non-replicas hold it: n{outsider}")), "{}", v.examples[0]);
    }

    #[test]
    fn failed_write_whose_value_is_present_is_a_phantom() {
        let key = 6;
        let h = history(
            vec![write(key, Outcome::Fail, Some(&[(1, 4)]), 21), write(key, Outcome::Fail, None, 22)],
            &[(replica(key, 0), key, &[(1, 4)], 21)],
        );
        let v = check(&h, &shards());
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 2));
        assert!(v.examples[0].starts_with("phantom write: c10#21 key 6"), "{}", v.examples[0]);
    }

    #[test]
    fn indeterminate_writes_may_be_present_or_absent() {
        let key = 7;
        let h = history(
            vec![
                write(key, Outcome::Indeterminate, Some(&[(0, 1)]), 31),
                write(key, Outcome::Indeterminate, Some(&[(1, 1)]), 32),
            ],
            &[(replica(key, 0), key, &[(0, 1)], 31)],
        );
        let v = check(&h, &shards());
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 0);
        assert!(v.detail.contains("1 of 2 indeterminate writes survived"), "{}", v.detail);
    }

    #[test]
    fn acknowledged_write_without_a_version_is_a_violation() {
        let h = history(vec![write(1, Outcome::Ok, None, 41)], &[]);
        let v = check(&h, &shards());
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("has no version"));
    }

    #[test]
    fn missing_final_state_fails() {
        let mut h = History::new();
        h.ops.push(write(1, Outcome::Ok, Some(&[(0, 1)]), 1));
        let v = check(&h, &shards());
        assert!(!v.passed);
        assert!(v.detail.contains("no final replica state"), "{}", v.detail);
    }
}
