//! `linearizable`: each key of a run, judged as a single register, has a linearization.
//!
//! Our operations map onto Jepsen's: an acknowledged write is `:ok`, a failed one `:fail` (it
//! is known not to have been applied, so it is dropped), an indeterminate one `:info` (it may
//! take effect at any point after its invocation, or never). A read that returned ok with one
//! version read that version's value, with none the register's initial value; reads that
//! failed constrain nothing. A read that returned several versions (siblings) is not a
//! register read at all, since a register holds one value: it makes its key not
//! linearizable, and the key is then also searched without it, to tell whether its
//! single-value reads could be ordered. Times are whole milliseconds, and an operation
//! invoked in the millisecond another returned counts as concurrent with it (the order
//! between them cannot be told from the history). Each key is searched on its own with a
//! step budget; a key undecided within it fails the property without counting as a violation.

use std::collections::BTreeMap;

use super::describe::{op_label, secs, versions};
use super::linear::{check as search, Action, Answer, LinOp, Partition, Stuck, Timed, Value, NIL, STEPS_MAX_DEFAULT};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{History, Op, OpKind, Outcome};

/// What was found on one key.
enum Finding {
    /// A read returned siblings (the first such read).
    Siblings(usize),
    /// The single-value reads cannot be ordered.
    Unordered(Stuck),
    /// Undecided within the budget.
    Unknown,
}

/// Judges `linearizable` on `history`.
pub fn check(history: &History) -> Verdict {
    check_with(history, STEPS_MAX_DEFAULT)
}

/// Judges `linearizable` with at most `steps_max` search steps per key.
pub fn check_with(history: &History, steps_max: u64) -> Verdict {
    let ops = &history.ops;
    let mut by_key: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        by_key.entry(op.key).or_default().push(i);
    }
    let (mut siblings, mut unordered, mut unknown, mut steps, mut open) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut found: Vec<(u64, Finding, Vec<u64>)> = vec![];
    for (&key, indices) in &by_key {
        let (partition, values, sibling_read) = partition(ops, indices);
        open += partition.ops.iter().filter(|o| !o.returned).count() as u64;
        let s = search(&partition, steps_max);
        steps += s.steps;
        if let Some(read) = sibling_read {
            siblings += 1;
            found.push((key, Finding::Siblings(read), values.clone()));
        }
        match s.answer {
            Answer::Linearizable => {}
            Answer::NotLinearizable(stuck) => {
                unordered += 1;
                found.push((key, Finding::Unordered(stuck), values));
            }
            Answer::Unknown(_) => {
                unknown += 1;
                found.push((key, Finding::Unknown, values));
            }
        }
    }
    let failed_keys: std::collections::BTreeSet<u64> =
        found.iter().filter(|f| !matches!(f.1, Finding::Unknown)).map(|f| f.0).collect();
    let violations = failed_keys.len() as u64;
    let keys = by_key.len() as u64;
    let mut detail = format!(
        "{violations} of {keys} keys not linearizable as a register ({siblings} with a read that returned \
         siblings, {unordered} whose single-value reads cannot be ordered); {} operations, {open} \
         indeterminate writes left open; {steps} search steps",
        ops.len()
    );
    if unknown > 0 {
        detail.push_str(&format!("; {unknown} keys undecided within {steps_max} steps each"));
    }
    // The most telling examples first: reads that cannot be ordered, then siblings.
    found.sort_by_key(|f| match f.1 {
        Finding::Unordered(_) => 0,
        Finding::Siblings(_) => 1,
        Finding::Unknown => 2,
    });
    let examples = found.iter().take(EXAMPLES_MAX).map(|(key, f, values)| example(ops, *key, f, values)).collect();
    Verdict {
        name: "linearizable".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: keys,
        passed: violations == 0 && unknown == 0,
        detail,
        examples,
    }
}

/// One key's operations as a register history (sibling reads left out), the value behind
/// each interned id, and the first read that returned siblings.
fn partition(ops: &[Op], indices: &[usize]) -> (Partition, Vec<u64>, Option<usize>) {
    let mut values: Vec<u64> = vec![0];
    let mut ids: BTreeMap<u64, Value> = BTreeMap::new();
    let mut intern = |v: u64| {
        *ids.entry(v).or_insert_with(|| {
            values.push(v);
            (values.len() - 1) as Value
        })
    };
    let mut timed = Vec::with_capacity(indices.len());
    let mut sibling_read = None;
    for &i in indices {
        let op = &ops[i];
        let (action, returned) = match (op.kind, op.outcome) {
            (OpKind::Write, Outcome::Fail) | (OpKind::Read, Outcome::Fail | Outcome::Indeterminate) => continue,
            (OpKind::Write, outcome) => {
                let Some(v) = op.value else { continue };
                (Action::Write(intern(v)), outcome == Outcome::Ok)
            }
            (OpKind::Read, Outcome::Ok) => match op.read.as_slice() {
                [] => (Action::Read(NIL), true),
                [one] => (Action::Read(intern(one.value)), true),
                _ => {
                    sibling_read.get_or_insert(i);
                    continue;
                }
            },
        };
        timed.push(Timed {
            op: LinOp { action, returned, id: i as u32 },
            invoke: op.invoke_ms,
            complete: op.complete_ms,
        });
    }
    (Partition::from_timed(&timed), values, sibling_read)
}

fn example(ops: &[Op], key: u64, finding: &Finding, values: &[u64]) -> String {
    // A value by the write that wrote it (values are unique per write), for a human.
    let written = |v: u64| match ops.iter().find(|o| o.kind == OpKind::Write && o.key == key && o.value == Some(v)) {
        Some(w) => format!("{v} (written by c{}#{})", w.client, w.seq),
        None => v.to_string(),
    };
    let value = |v: Value| if v == NIL { "nothing".to_string() } else { written(values[v as usize]) };
    match finding {
        Finding::Siblings(i) => {
            let r = &ops[*i];
            format!(
                "key {key}: read {} invoked {} returned {} siblings {}: a register holds one value",
                op_label(r),
                secs(r.invoke_ms),
                r.read.len(),
                versions(&r.read)
            )
        }
        Finding::Unordered(stuck) => {
            let Some(op) = stuck.blocked.map(|i| &ops[i as usize]) else {
                return format!("key {key}: not linearizable");
            };
            let what = match op.kind {
                OpKind::Read => {
                    format!(
                        "read {} returning {}",
                        op_label(op),
                        op.read.first().map_or("nothing".into(), |v| written(v.value))
                    )
                }
                OpKind::Write => {
                    format!("write {} of {}", op_label(op), op.value.map_or("?".into(), |v| v.to_string()))
                }
            };
            let states: Vec<String> = stuck.states.iter().map(|&v| value(v)).collect();
            format!(
                "key {key}: the operations up to {} are linearizable, but {what} (invoked {}, completed {}) \
                 cannot be placed after any of their linearizations: the register could hold only {} then",
                secs(op.complete_ms),
                secs(op.invoke_ms),
                secs(op.complete_ms),
                states.join(" or ")
            )
        }
        Finding::Unknown => format!("key {key}: undecided within the step budget"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Level, Version, Versioned};

    fn op(kind: OpKind, outcome: Outcome, (invoke_ms, complete_ms): (u64, u64)) -> Op {
        Op { level: Level::Quorum, required: 2, outcome, ..Op::blank(kind, 7, (invoke_ms, complete_ms)) }
    }

    fn write(value: u64, outcome: Outcome, at: (u64, u64)) -> Op {
        Op {
            value: Some(value),
            version: Some(Version::from_parts(Some((0, value)), None)),
            ..op(OpKind::Write, outcome, at)
        }
    }

    fn read(values: &[u64], at: (u64, u64)) -> Op {
        let read =
            values.iter().map(|&v| Versioned { version: Version::from_parts(Some((1, v)), None), value: v }).collect();
        Op { read, ..op(OpKind::Read, Outcome::Ok, at) }
    }

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::new();
        h.ops = ops;
        h
    }

    #[test]
    fn reads_that_follow_the_writes_are_linearizable() {
        let v = check(&history(vec![
            read(&[], (0, 5)),
            write(1, Outcome::Ok, (10, 20)),
            read(&[1], (15, 25)),
            write(2, Outcome::Indeterminate, (30, 40)),
            read(&[2], (50, 60)),
            write(3, Outcome::Fail, (61, 62)),
            read(&[2], (70, 80)),
        ]));
        assert!(v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (0, 1));
        assert!(v.detail.contains("1 indeterminate writes left open"), "{}", v.detail);
    }

    #[test]
    fn a_new_value_then_an_old_one_is_not_linearizable() {
        // Two reads during one write: the first sees the new value, the later one the old.
        let v = check(&history(vec![
            write(1, Outcome::Ok, (0, 10)),
            write(2, Outcome::Ok, (20, 100)),
            read(&[2], (30, 40)),
            read(&[1], (50, 60)),
        ]));
        assert!(!v.passed, "{v:?}");
        assert_eq!(v.violations, 1);
        assert!(v.examples[0].contains("read c1#0 key 7 QUORUM R=2 returning 1"), "{}", v.examples[0]);
        assert!(v.examples[0].contains("the register could hold only 2 (written by c1#0) then"), "{}", v.examples[0]);
    }

    #[test]
    fn a_failed_write_never_took_effect_and_siblings_are_not_a_register() {
        let v = check(&history(vec![write(1, Outcome::Fail, (0, 10)), read(&[1], (20, 30))]));
        assert_eq!(v.violations, 1, "{v:?}");
        let v = check(&history(vec![
            write(1, Outcome::Ok, (0, 10)),
            write(2, Outcome::Ok, (0, 10)),
            read(&[1, 2], (20, 30)),
        ]));
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.detail.contains("1 with a read that returned siblings, 0 whose"), "{}", v.detail);
        assert!(v.examples[0].contains("returned 2 siblings"), "{}", v.examples[0]);
    }

    #[test]
    fn an_undecided_key_fails_without_a_violation() {
        let v = check_with(&history(vec![write(1, Outcome::Ok, (0, 10)), read(&[1], (20, 30))]), 1);
        assert!(!v.passed && v.violations == 0, "{v:?}");
        assert!(v.detail.contains("1 keys undecided within 1 steps each"), "{}", v.detail);
    }
}
