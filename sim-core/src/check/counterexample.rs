//! Counterexamples as fields for summary.json: for stale reads, the read and the write it
//! missed with their clients, coordinators, levels, versions and the key's replicas, and the
//! anomaly named (read-your-writes, monotonic read, stale read); for other properties, the
//! checker's example lines under the property's name.

use reports::summary::{Counterexample, CounterexampleOp, ReadValue};

use super::causality::Causality;
use super::stale_reads::{self, anomaly};
use super::verdict::Verdict;
use crate::history::names::Names;
use crate::history::{History, Op, OpKind};

/// The counterexamples of `verdict` over `history`, as fields (empty when it found none).
pub fn structured(history: &History, verdict: &Verdict) -> Vec<Counterexample> {
    if verdict.violations == 0 || verdict.examples.is_empty() {
        return Vec::new();
    }
    let quorum_only = match verdict.name.as_str() {
        "no_stale_quorum_reads" => true,
        "no_stale_reads" => false,
        _ => {
            let plain =
                |text: &String| Counterexample { kind: verdict.name.clone(), text: text.clone(), ..Default::default() };
            return verdict.examples.iter().map(plain).collect();
        }
    };
    let causality = Causality::of(&history.ops);
    let scan = stale_reads::scan(history, &causality, quorum_only);
    let names = Names::of(history);
    let ops = &history.ops;
    scan.examples
        .iter()
        .zip(&verdict.examples)
        .map(|(&(ri, wi), text)| {
            let (r, w) = (&ops[ri], &ops[wi]);
            let replicas = history.final_state.as_ref().map_or(&[][..], |s| s.replicas_of(r));
            Counterexample {
                kind: anomaly(ops, &causality, ri, wi).name().to_string(),
                key: Some(r.key),
                client: Some(format!("c{}", r.client)),
                at_ms: Some(r.invoke_ms),
                replicas: replicas.iter().map(|&n| names.node(n)).collect(),
                ops: vec![op_fields("read", r, &names), op_fields("missed_write", w, &names)],
                text: text.clone(),
            }
        })
        .collect()
}

/// One operation of a counterexample, nodes and writes named.
pub fn op_fields(role: &str, op: &Op, names: &Names) -> CounterexampleOp {
    CounterexampleOp {
        role: role.to_string(),
        id: format!("c{}#{}", op.client, op.seq),
        kind: match op.kind {
            OpKind::Read => "read",
            OpKind::Write => "write",
        }
        .to_string(),
        invoke_ms: op.invoke_ms,
        complete_ms: op.complete_ms,
        coordinator: op.coordinator.map(|c| names.node(c)),
        level: op.level.to_string(),
        required: op.required,
        n: op.n,
        version: op.version.as_ref().map(|v| names.version(v)),
        read: op
            .read
            .iter()
            .map(|v| ReadValue { write: names.write(v.value), version: names.version(&v.version) })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::stale_reads;
    use crate::history::{FinalState, Level, Outcome, Version, Versioned};

    fn op(client: u32, seq: u64, kind: OpKind, at: (u64, u64)) -> Op {
        Op {
            client,
            seq,
            level: Level::Quorum,
            required: 2,
            n: 3,
            shard: Some(0),
            coordinator: Some(1),
            outcome: Outcome::Ok,
            ..Op::blank(kind, 7, at)
        }
    }

    /// Client 10 writes 1 and then reads nothing back: a read-your-writes violation; client 11
    /// reads it, then misses it: a monotonic read; client 12 just misses it: a stale read.
    fn broken_history() -> History {
        let mut h = History::new();
        h.node_names = ["n1", "n2", "n3"].map(String::from).to_vec();
        let value = (10 << 40) | 1;
        let version = Version::from_parts(Some((1, 1)), None);
        let write = Op { value: Some(value), version: Some(version.clone()), ..op(10, 1, OpKind::Write, (0, 10)) };
        let saw = Op { read: vec![Versioned { version, value }], ..op(11, 1, OpKind::Read, (11, 12)) };
        for o in [
            write,
            saw,
            op(10, 2, OpKind::Read, (20, 30)),
            op(11, 2, OpKind::Read, (20, 31)),
            op(12, 1, OpKind::Read, (20, 32)),
        ] {
            h.record_op(o.complete_ms, o);
        }
        h.final_state = Some(FinalState { replica_sets: vec![vec![0, 1, 2]], ..FinalState::default() });
        h
    }

    #[test]
    fn stale_reads_come_out_as_fields_with_the_anomaly_named() {
        let h = broken_history();
        let verdict = stale_reads::check(&h, true);
        assert_eq!(verdict.violations, 3, "{verdict:?}");
        let found = structured(&h, &verdict);
        let kinds: Vec<&str> = found.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["read_your_writes", "monotonic_read", "stale_read"]);
        let first = &found[0];
        assert_eq!((first.key, first.client.as_deref(), first.at_ms), (Some(7), Some("c10"), Some(20)));
        assert_eq!(first.replicas, ["n1", "n2", "n3"]);
        assert_eq!((first.ops[0].role.as_str(), first.ops[0].id.as_str()), ("read", "c10#2"));
        let missed = &first.ops[1];
        assert_eq!((missed.role.as_str(), missed.id.as_str()), ("missed_write", "c10#1"));
        assert_eq!((missed.coordinator.as_deref(), missed.version.as_deref()), (Some("n2"), Some("n2:1{}")));
        assert!(first.text.starts_with("read-your-writes violation: read c10#2"), "{}", first.text);
        assert!(found[1].text.starts_with("monotonic-read violation: "), "{}", found[1].text);
        let json = serde_json::to_value(first).unwrap();
        assert_eq!(json["ops"][1]["id"], "c10#1");
        assert_eq!(json["kind"], "read_your_writes");
    }

    #[test]
    fn other_properties_keep_their_example_lines_under_their_name() {
        let h = History::new();
        let v = Verdict {
            name: "one_leader_per_term".into(),
            class: crate::check::PropertyClass::Safety,
            expected_violation: false,
            violations: 1,
            checked: 1,
            passed: false,
            detail: String::new(),
            examples: vec!["term 3: n1 and n2".into()],
        };
        let found = structured(&h, &v);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].kind.as_str(), found[0].text.as_str()), ("one_leader_per_term", "term 3: n1 and n2"));
    }
}
