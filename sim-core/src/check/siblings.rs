//! Siblings seen: the run really produced concurrent versions that a reader saw.

use crate::history::{OpKind, Outcome};

use super::describe::{op_label, secs, versions};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::History;

/// Judges `no_siblings`: the reads that returned more than one version are violations (e.g.
/// with writes serialized by primaries).
pub fn none(history: &History) -> Verdict {
    let mut v = seen(history);
    v.name = "no_siblings".into();
    v.class = PropertyClass::Safety;
    v.passed = !v.passed;
    v.violations =
        history.ops.iter().filter(|o| o.kind == OpKind::Read && o.is_ok() && o.read.len() > 1).count() as u64;
    v
}

/// Judges `siblings_seen`: holds when at least one ok read returned more than one version.
///
/// `checked` counts ok reads; `violations` is 0 when siblings were seen, else 1. `examples`
/// lists the first reads that saw siblings (the offenders when the scenario expects none).
pub fn seen(history: &History) -> Verdict {
    let mut ok_reads = 0u64;
    let mut sibling_reads = 0u64;
    let mut widest = 0usize;
    let mut examples = Vec::new();
    for op in history.ops.iter().filter(|o| o.kind == OpKind::Read && o.outcome == Outcome::Ok) {
        ok_reads += 1;
        if op.read.len() > 1 {
            sibling_reads += 1;
            widest = widest.max(op.read.len());
            if examples.len() < EXAMPLES_MAX {
                examples.push(format!(
                    "read {} invoked {} returned {} siblings {}",
                    op_label(op),
                    secs(op.invoke_ms),
                    op.read.len(),
                    versions(&op.read)
                ));
            }
        }
    }
    let seen = sibling_reads > 0;
    let detail = if seen {
        format!("{sibling_reads} of {ok_reads} ok reads returned siblings (up to {widest} versions)")
    } else {
        format!("none of {ok_reads} ok reads returned more than one version")
    };
    Verdict {
        name: "siblings_seen".to_string(),
        class: PropertyClass::Sometimes,
        expected_violation: false,
        violations: u64::from(!seen),
        checked: ok_reads,
        passed: seen,
        detail,
        examples,
    }
}

#[cfg(test)]
mod tests {
    use crate::history::{Op, Version, Versioned};

    use super::*;

    fn read(outcome: Outcome, result: &[(u32, u64)]) -> Op {
        Op {
            client: 10,
            seq: 1,
            outcome,
            read: result
                .iter()
                .map(|&(node, value)| Versioned { version: Version::from_parts(Some((node, 1)), None), value })
                .collect(),
            ..Op::blank(OpKind::Read, 4, (2000, 2010))
        }
    }

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::new();
        h.ops = ops;
        h
    }

    #[test]
    fn a_read_returning_two_versions_counts_as_siblings() {
        let v = seen(&history(vec![read(Outcome::Ok, &[(0, 5)]), read(Outcome::Ok, &[(0, 5), (1, 6)])]));
        assert!(v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (0, 2));
        assert_eq!(v.class, PropertyClass::Sometimes);
        assert_eq!(v.name, "siblings_seen");
        assert_eq!(
            v.examples,
            vec!["read c10#1 key 4 ONE R=1 invoked 2.000s returned 2 siblings [#0:1{}=5, #1:1{}=6]"]
        );
    }

    #[test]
    fn single_version_reads_never_show_siblings() {
        // A failed read is not looked at, whatever it carries.
        let failed = read(Outcome::Fail, &[(0, 5), (1, 6)]);
        let v = seen(&history(vec![read(Outcome::Ok, &[(0, 5)]), read(Outcome::Ok, &[]), failed]));
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (1, 2));
        assert!(v.examples.is_empty());
    }
}
