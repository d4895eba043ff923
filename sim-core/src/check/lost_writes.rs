//! Lost acknowledged writes: after the heal phase, every acknowledged write must be held by some
//! replica of its key, or superseded there by the value of a write that observed it (judged
//! from the history, `causality`: the system's versions decide nothing); and no write known to
//! have failed may be present anywhere.
//!
//! Indeterminate writes (timeouts, a lost coordinator) may be present or absent; the detail
//! line reports how many survived. Each write costs one lookup per replica, so the check is
//! O(writes × N × siblings × vector length).

use super::causality::Causality;
use super::describe::{op_label, secs, versions};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{FinalState, History, Op, OpKind, Outcome, ReplicaState};

const NAME: &str = "no_lost_acknowledged_writes";

/// Judges `no_lost_acknowledged_writes` against the final replica state.
///
/// `violations` counts lost acknowledged writes plus failed writes whose value is present
/// (phantom writes); `checked` counts the acknowledged and failed writes judged.
pub fn check(history: &History) -> Verdict {
    check_with(history, &Causality::of(&history.ops))
}

/// [`check`] with the history's causality already worked out (shared between checkers).
pub fn check_with(history: &History, causality: &Causality) -> Verdict {
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
    let mut tally = Tally {
        ops: &history.ops,
        causality,
        state,
        acked: 0,
        lost: 0,
        failed: 0,
        phantoms: 0,
        indeterminate: 0,
        indeterminate_present: 0,
        examples: Vec::new(),
    };
    for (i, w) in history.ops.iter().enumerate().filter(|(_, o)| o.kind == OpKind::Write) {
        match w.outcome {
            Outcome::Ok => tally.acknowledged(i),
            Outcome::Fail => tally.failed(w),
            Outcome::Indeterminate => tally.indeterminate(i),
        }
    }
    tally.verdict()
}

/// The writes judged so far against the final state, with the first offending ones.
struct Tally<'a> {
    ops: &'a [Op],
    causality: &'a Causality,
    state: &'a FinalState,
    acked: u64,
    lost: u64,
    failed: u64,
    phantoms: u64,
    indeterminate: u64,
    indeterminate_present: u64,
    examples: Vec<String>,
}

impl Tally<'_> {
    fn example(&mut self, text: String) {
        if self.examples.len() < EXAMPLES_MAX {
            self.examples.push(text);
        }
    }

    fn replica(&self, node: u32) -> &ReplicaState {
        static EMPTY: ReplicaState = ReplicaState { keys: std::collections::BTreeMap::new() };
        self.state.replicas.get(node as usize).unwrap_or(&EMPTY)
    }

    /// Every node with a recorded state, by address (replicas of a key or not).
    fn nodes(&self) -> impl Iterator<Item = u32> {
        0..self.state.replicas.len() as u32
    }

    /// True when `node` holds write `w`'s value or the value of a write that observed it.
    fn holds_or_supersedes(&self, node: u32, w: usize) -> bool {
        let held = self.replica(node).get(self.ops[w].key).iter().map(|v| v.value);
        self.causality.values_cover(self.ops, held, w)
    }

    fn holds_value(&self, node: u32, key: u64, value: u64) -> bool {
        self.replica(node).get(key).iter().any(|v| v.value == value)
    }

    /// An acknowledged write (op `i`) must be on some replica of its key, or superseded there.
    fn acknowledged(&mut self, i: usize) {
        self.acked += 1;
        let w = &self.ops[i];
        if w.value.is_none() {
            self.lost += 1;
            let text = format!(
                "write {} acknowledged at {} has no value, so it cannot be found",
                op_label(w),
                secs(w.complete_ms)
            );
            self.example(text);
            return;
        }
        let replicas = self.state.replicas_of(w);
        if replicas.iter().any(|&node| self.holds_or_supersedes(node, i)) {
            return;
        }
        self.lost += 1;
        let elsewhere: Vec<String> = self
            .nodes()
            .filter(|node| !replicas.contains(node) && self.holds_or_supersedes(*node, i))
            .map(|node| format!("n{node}"))
            .collect();
        let mut text = format!(
            "write {} {}={} acknowledged at {} is on no replica of the key ({}), nor superseded there by \
             a write that observed it; they hold {}",
            op_label(w),
            w.version.as_ref().map_or_else(String::new, |v| v.to_string()),
            w.value.map_or_else(|| "?".to_string(), |v| v.to_string()),
            secs(w.complete_ms),
            node_list(replicas),
            self.replica_contents(replicas, w.key),
        );
        if !elsewhere.is_empty() {
            text.push_str(&format!("; only non-replicas hold it: {}", elsewhere.join(",")));
        }
        self.example(text);
    }

    /// A write known to have failed must be nowhere.
    fn failed(&mut self, w: &Op) {
        self.failed += 1;
        let Some(value) = w.value else { return };
        let holders: Vec<u32> = self.nodes().filter(|&node| self.holds_value(node, w.key, value)).collect();
        if holders.is_empty() {
            return;
        }
        self.phantoms += 1;
        self.example(format!(
            "phantom write: {} value {value} failed at {} ({}) but is present on {}",
            op_label(w),
            secs(w.complete_ms),
            w.reason.as_deref().unwrap_or("no reason"),
            node_list(&holders),
        ));
    }

    /// An indeterminate write (op `i`) may be anywhere or nowhere: only counted.
    fn indeterminate(&mut self, i: usize) {
        self.indeterminate += 1;
        let present = self.state.replicas_of(&self.ops[i]).iter().any(|&node| self.holds_or_supersedes(node, i));
        self.indeterminate_present += u64::from(present);
    }

    /// What each replica holds for `key`, e.g. `n1 [{#0:3}=7], n2 []`.
    fn replica_contents(&self, replicas: &[u32], key: u64) -> String {
        let parts: Vec<String> =
            replicas.iter().map(|&node| format!("n{node} {}", versions(self.replica(node).get(key)))).collect();
        parts.join(", ")
    }

    fn verdict(self) -> Verdict {
        let violations = self.lost + self.phantoms;
        Verdict {
            name: NAME.to_string(),
            class: PropertyClass::Safety,
            expected_violation: false,
            violations,
            checked: self.acked + self.failed,
            passed: violations == 0,
            detail: format!(
                "{} of {} acknowledged writes lost; {} of {} failed writes present; {} of {} indeterminate \
                 writes survived (allowed either way); state read at {}",
                self.lost,
                self.acked,
                self.phantoms,
                self.failed,
                self.indeterminate_present,
                self.indeterminate,
                secs(self.state.at_ms)
            ),
            examples: self.examples,
        }
    }
}

fn node_list(nodes: &[u32]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
    names.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Level, Version, Versioned};

    const NODES: usize = 5;

    const SHARDS: u64 = 8;

    /// Three consecutive nodes of five, by key (a key is its own shard, below `SHARDS`).
    fn replicas_of(key: u64) -> Vec<u32> {
        assert!(key < SHARDS);
        (0..3).map(|i| ((key + i) % NODES as u64) as u32).collect()
    }

    /// The version the system would show for `value` (display only: the checker ignores it).
    fn shown(value: u64) -> Version {
        Version::from_parts(Some((0, value)), None)
    }

    /// A write of `value` by `client` (its own session on the key).
    fn write(client: u32, key: u64, outcome: Outcome, value: u64) -> Op {
        Op {
            client,
            seq: value,
            shard: Some(key as u32),
            level: Level::Quorum,
            required: 2,
            outcome,
            reason: (outcome != Outcome::Ok).then_some("NoCoordinator".into()),
            value: Some(value),
            version: Some(shown(value)),
            ..Op::blank(OpKind::Write, key, (1000, 1020))
        }
    }

    /// An ok read by `client` that returned `values`, just before its write `before_seq`.
    fn read(client: u32, key: u64, before_seq: u64, values: &[u64]) -> Op {
        let read = values.iter().map(|&value| Versioned { version: shown(value), value }).collect();
        Op {
            kind: OpKind::Read,
            seq: before_seq - 1,
            value: None,
            version: None,
            read,
            ..write(client, key, Outcome::Ok, 0)
        }
    }

    /// `(node, key, value)`: one value a node holds at the end.
    type Stored = (u32, u64, u64);

    /// A history of `ops` whose final state puts each stored value on its node.
    fn history(ops: Vec<Op>, stored: &[Stored]) -> History {
        let mut replicas = vec![ReplicaState::default(); NODES];
        for &(node, key, value) in stored {
            replicas[node as usize].keys.entry(key).or_default().push(Versioned { version: shown(value), value });
        }
        let replica_sets = (0..SHARDS).map(replicas_of).collect();
        let mut h = History::new();
        h.ops = ops;
        h.record_final_state(FinalState { at_ms: 60_000, replicas, replica_sets });
        h
    }

    fn replica(key: u64, i: usize) -> u32 {
        replicas_of(key)[i]
    }

    fn non_replica(key: u64) -> u32 {
        (0..NODES as u32).find(|n| !replicas_of(key).contains(n)).expect("5 nodes, N=3")
    }

    #[test]
    fn acknowledged_write_missing_from_every_replica_is_lost() {
        let key = 3;
        // The replicas hold only a concurrent write, which does not cover the first.
        let h = history(
            vec![write(10, key, Outcome::Ok, 11), write(20, key, Outcome::Ok, 12)],
            &[(replica(key, 0), key, 12)],
        );
        let v = check(&h);
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 2));
        assert_eq!(v.name, "no_lost_acknowledged_writes");
        assert_eq!(v.class, PropertyClass::Safety);
        assert!(v.examples[0].starts_with("write c10#11 key 3 QUORUM W=2 #0:11{}=11 acknowledged at 1.020s"));
        assert!(v.examples[0].contains("=12]"), "{}", v.examples[0]);
    }

    #[test]
    fn acknowledged_write_on_one_replica_is_kept() {
        let key = 3;
        let h = history(vec![write(10, key, Outcome::Ok, 11)], &[(replica(key, 2), key, 11)]);
        let v = check(&h);
        assert!(v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (0, 1));
    }

    #[test]
    fn write_superseded_by_a_write_that_observed_it_is_kept() {
        let key = 4;
        // Client 20 read 11 before writing 12; client 10's own later write 13 observed 11 too.
        let h = history(
            vec![
                write(10, key, Outcome::Ok, 11),
                read(20, key, 12, &[11]),
                write(20, key, Outcome::Ok, 12),
                write(10, key, Outcome::Ok, 13),
            ],
            &[(replica(key, 1), key, 12), (replica(key, 2), key, 13)],
        );
        let v = check(&h);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 3);
    }

    /// The system's versions claim 12 supersedes 11 (a bug ordering unrelated writes), so the
    /// replicas dropped 11; the history shows 12's client never saw 11: 11 is lost.
    #[test]
    fn versions_that_order_unrelated_writes_do_not_excuse_a_loss() {
        let key = 4;
        let mut second = write(20, key, Outcome::Ok, 12);
        second.version = Some(Version::from_parts(Some((0, 12)), Some(std::sync::Arc::from([(0, 11)]))));
        let h = history(vec![write(10, key, Outcome::Ok, 11), second], &[(replica(key, 0), key, 12)]);
        let v = check(&h);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].starts_with("write c10#11"), "{}", v.examples[0]);
    }

    #[test]
    fn write_held_only_by_a_non_replica_is_lost() {
        let key = 5;
        let outsider = non_replica(key);
        let h = history(vec![write(10, key, Outcome::Ok, 11)], &[(outsider, key, 11)]);
        let v = check(&h);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].ends_with(&format!("only non-replicas hold it: n{outsider}")), "{}", v.examples[0]);
    }

    #[test]
    fn failed_write_whose_value_is_present_is_a_phantom() {
        let key = 6;
        let h = history(
            vec![write(10, key, Outcome::Fail, 21), write(11, key, Outcome::Fail, 22)],
            &[(replica(key, 0), key, 21)],
        );
        let v = check(&h);
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 2));
        assert!(v.examples[0].starts_with("phantom write: c10#21 key 6"), "{}", v.examples[0]);
    }

    #[test]
    fn indeterminate_writes_may_be_present_or_absent() {
        let key = 7;
        let h = history(
            vec![write(10, key, Outcome::Indeterminate, 31), write(11, key, Outcome::Indeterminate, 32)],
            &[(replica(key, 0), key, 31)],
        );
        let v = check(&h);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 0);
        assert!(v.detail.contains("1 of 2 indeterminate writes survived"), "{}", v.detail);
    }

    #[test]
    fn acknowledged_write_without_a_value_is_a_violation() {
        let mut w = write(10, 1, Outcome::Ok, 41);
        w.value = None;
        let v = check(&history(vec![w], &[]));
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("has no value"), "{}", v.examples[0]);
    }

    #[test]
    fn missing_final_state_fails() {
        let mut h = History::new();
        h.ops.push(write(10, 1, Outcome::Ok, 1));
        let v = check(&h);
        assert!(!v.passed);
        assert!(v.detail.contains("no final replica state"), "{}", v.detail);
    }

    #[test]
    fn a_write_left_only_on_the_standby_a_migration_dropped_is_lost() {
        // Key 3's shard lived on nodes 3, 4, 0; a migration moved it to 1, 3, 4 (node 0
        // dropped). The write survives on node 0 alone: the new replica set never got it.
        let key = 3;
        let mut h = history(vec![write(10, key, Outcome::Ok, 11)], &[(0, key, 11)]);
        assert!(check(&h).passed, "judged against the replica sets before the migration it is held");
        let mut state = h.final_state.take().expect("final state");
        state.replica_sets[key as usize] = vec![1, 3, 4];
        h.final_state = Some(state.clone());
        let v = check(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        // Copied to the target during the sync, it is kept.
        state.replicas[1].keys.entry(key).or_default().push(Versioned { version: shown(11), value: 11 });
        h.final_state = Some(state);
        assert!(check(&h).passed);
    }
}
