//! PBS staleness of a run's reads (Bailis et al., VLDB 2012), measured from the history: for
//! every ok read, how long after the newest acknowledged write to its key it began (t) and how
//! many acknowledged writes it missed (k); and what the probes measured directly.
//!
//! A write is acknowledged before a read when it completed ok at or before the millisecond the
//! read was invoked. (The stale-read checker asks for strictly before, to be safe about order
//! within a millisecond; here the same millisecond is t = 0. In this simulator it is a real
//! "after": a client learns of an acknowledgement at least one network hop after the
//! coordinator collected it, so the write's replicas already held it.) A read misses a write
//! when no value it returned is the write's or a value of a write that observed it, judged
//! from the history as `no_stale_reads` judges (`check::causality`, never the system's
//! version vectors); a read is consistent when it misses none. Reads are grouped by their own level and the
//! level of the newest write acknowledged before them; probe keys are left to the probe table.

use std::collections::BTreeMap;

use reports::{LevelStaleness, ProbeRow, Staleness, TBucket};

use crate::check::causality::Causality;
use crate::drive::probe::PROBE_KEY_BASE;
use crate::history::{History, Level, Op, OpKind, Outcome};

/// Lower edges of the t buckets, ms; the last bucket has no upper edge.
pub const T_EDGES_MS: [u64; 12] = [0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1_000];

/// Most acknowledged writes looked at, newest first, to count what one read missed: k counts
/// misses among these (a bound on the work per read on very hot keys).
pub const SCAN_MAX: usize = 1_024;

/// The staleness of `history`'s reads.
pub fn analyze(history: &History) -> Staleness {
    let ops = &history.ops;
    let causality = Causality::of(ops);
    let mut by_key: BTreeMap<u64, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        let entry = by_key.entry(op.key).or_default();
        match (op.kind, op.outcome) {
            (OpKind::Write, _) => entry.0.push(i),
            (OpKind::Read, Outcome::Ok) => entry.1.push(i),
            _ => {}
        }
    }
    let mut groups: BTreeMap<(Level, Level, u8), LevelStaleness> = BTreeMap::new();
    let mut probes: BTreeMap<(Level, Level, u64), (u64, u64)> = BTreeMap::new();
    for (key, (writes, reads)) in by_key {
        if key >= PROBE_KEY_BASE {
            probe_key(ops, &writes, &reads, &mut probes);
        } else {
            workload_key(ops, &causality, writes, reads, &mut groups);
        }
    }
    Staleness {
        levels: groups.into_values().collect(),
        probes: probes
            .into_iter()
            .map(|((r, w, t_ms), (n, fresh))| ProbeRow { label: label(r, w), t_ms, probes: n, fresh })
            .collect(),
    }
}

/// `ONE`, or `W QUORUM / R ONE` when the levels differ.
fn label(read: Level, write: Level) -> String {
    if read == write {
        read.to_string()
    } else {
        format!("W {write} / R {read}")
    }
}

fn empty_group(read: &Op, write_level: Level, w: u8) -> LevelStaleness {
    let mut t: Vec<TBucket> =
        T_EDGES_MS.windows(2).map(|e| TBucket { from_ms: e[0], to_ms: Some(e[1]), reads: 0, consistent: 0 }).collect();
    t.push(TBucket { from_ms: T_EDGES_MS[T_EDGES_MS.len() - 1], to_ms: None, reads: 0, consistent: 0 });
    LevelStaleness {
        label: label(read.level, write_level),
        n: read.n,
        r: read.required,
        w,
        t,
        k: vec![0; reports::staleness::K_MAX + 1],
        ..LevelStaleness::default()
    }
}

/// One workload key: writes acknowledged in completion order, reads in invocation order.
fn workload_key(
    ops: &[Op],
    causality: &Causality,
    mut writes: Vec<usize>,
    mut reads: Vec<usize>,
    groups: &mut BTreeMap<(Level, Level, u8), LevelStaleness>,
) {
    writes.retain(|&i| ops[i].outcome == Outcome::Ok && ops[i].value.is_some());
    writes.sort_unstable_by_key(|&i| (ops[i].complete_ms, i));
    reads.sort_unstable_by_key(|&i| (ops[i].invoke_ms, i));
    let mut acked = Acked::default();
    let mut next = 0;
    for &ri in &reads {
        let r = &ops[ri];
        while next < writes.len() && ops[writes[next]].complete_ms <= r.invoke_ms {
            acked.push(ops, causality, writes[next]);
            next += 1;
        }
        let Some(&newest) = acked.writes.last() else {
            groups.entry((r.level, r.level, r.n)).or_insert_with(|| empty_group(r, r.level, r.required)).unjudged += 1;
            continue;
        };
        let w = &ops[newest];
        let g = groups.entry((r.level, w.level, r.n)).or_insert_with(|| empty_group(r, w.level, w.required));
        let k = acked.missed(ops, causality, r);
        let t_ms = r.invoke_ms - w.complete_ms;
        let bucket = T_EDGES_MS.partition_point(|&e| e <= t_ms) - 1;
        g.reads += 1;
        g.t[bucket].reads += 1;
        g.k[k.min(reports::staleness::K_MAX)] += 1;
        if k == 0 {
            g.consistent += 1;
            g.t[bucket].consistent += 1;
        }
    }
}

/// A key's acknowledged writes in order, each marked when it observed every write
/// acknowledged before it (then a read that has it has all earlier ones too).
#[derive(Default)]
struct Acked {
    writes: Vec<usize>,
    covers_all_before: Vec<bool>,
    /// The writes no later write observed so far (op indices; an antichain).
    frontier: Vec<usize>,
}

impl Acked {
    fn push(&mut self, ops: &[Op], c: &Causality, w: usize) {
        self.covers_all_before.push(self.frontier.iter().all(|&f| c.covers(ops, w, f)));
        if !self.frontier.iter().any(|&f| c.covers(ops, f, w)) {
            self.frontier.retain(|&f| !c.covers(ops, w, f));
            self.frontier.push(w);
        }
        self.writes.push(w);
    }

    /// How many acknowledged writes read `r` missed, looking newest first and stopping at one
    /// it has that covers everything before it (or after [`SCAN_MAX`] writes).
    fn missed(&self, ops: &[Op], c: &Causality, r: &Op) -> usize {
        let mut missed = 0;
        for (j, &w) in self.writes.iter().enumerate().rev().take(SCAN_MAX) {
            if c.values_cover(ops, r.read.iter().map(|x| x.value), w) {
                if self.covers_all_before[j] {
                    break;
                }
            } else {
                missed += 1;
            }
        }
        missed
    }
}

/// One probe round's key: its write and the read of it, if both went through.
fn probe_key(ops: &[Op], writes: &[usize], reads: &[usize], probes: &mut BTreeMap<(Level, Level, u64), (u64, u64)>) {
    let Some(w) = writes.first().map(|&i| &ops[i]).filter(|w| w.is_ok()) else { return };
    for r in reads.iter().map(|&i| &ops[i]) {
        let Some(t_ms) = r.invoke_ms.checked_sub(w.complete_ms) else { continue };
        let fresh = r.read.iter().any(|v| Some(v.value) == w.value);
        let e = probes.entry((r.level, w.level, t_ms)).or_default();
        e.0 += 1;
        e.1 += u64::from(fresh);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Version, Versioned};

    fn op(kind: OpKind, key: u64, (invoke_ms, complete_ms): (u64, u64)) -> Op {
        Op::blank(kind, key, (invoke_ms, complete_ms))
    }

    fn v(c: u64) -> Version {
        Version::from_parts(Some((0, c)), None)
    }

    fn write(key: u64, c: u64, at: (u64, u64)) -> Op {
        Op { value: Some(c), version: Some(v(c)), ..op(OpKind::Write, key, at) }
    }

    fn read(key: u64, c: Option<u64>, at: (u64, u64)) -> Op {
        let read = c.map(|c| Versioned { version: v(c), value: c }).into_iter().collect();
        Op { read, ..op(OpKind::Read, key, at) }
    }

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::new();
        h.ops = ops;
        h
    }

    #[test]
    fn reads_are_bucketed_by_t_and_counted_by_versions_missed() {
        let s = analyze(&history(vec![
            read(1, None, (0, 5)),
            write(1, 1, (0, 10)),
            write(1, 2, (11, 20)),
            write(1, 3, (21, 30)),
            // t = 0: began in the millisecond of the newest acknowledgement; it has it.
            read(1, Some(3), (30, 35)),
            // t = 2, two versions behind.
            read(1, Some(1), (32, 40)),
            // t = 70, nothing at all: three behind.
            read(1, None, (100, 110)),
        ]));
        let g = &s.levels[0];
        assert_eq!((g.label.as_str(), g.n, g.r, g.w), ("ONE", 3, 1, 1));
        assert_eq!((g.reads, g.consistent, g.unjudged), (3, 1, 1));
        assert_eq!((g.t[0].reads, g.t[0].consistent), (1, 1));
        assert_eq!(g.t[2].reads, 1, "t = 2");
        assert_eq!((g.t[7].from_ms, g.t[7].reads), (50, 1), "t = 70");
        assert_eq!(&g.k[..4], &[1, 0, 1, 1]);
    }

    #[test]
    fn a_read_with_a_write_that_observed_both_is_consistent_and_concurrent_misses_count() {
        // Client 2's write never saw client 1's: concurrent, whatever versions the system gave.
        let concurrent = Op { client: 2, ..write(1, 9, (0, 10)) };
        // Client 3 read both (siblings), then wrote 5: 5 observed both.
        let siblings = Op {
            client: 3,
            read: vec![Versioned { version: v(1), value: 1 }, Versioned { version: v(9), value: 9 }],
            ..read(1, None, (11, 12))
        };
        let merged = Op { client: 3, seq: 1, ..write(1, 5, (13, 15)) };
        let s = analyze(&history(vec![
            write(1, 1, (0, 10)),
            concurrent,
            siblings,
            merged,
            // Has 1 but neither 9 nor 5: two behind.
            read(1, Some(1), (20, 30)),
            // Has 5, which observed everything before it.
            read(1, Some(5), (20, 30)),
        ]));
        let g = &s.levels[0];
        assert_eq!((g.reads, g.consistent), (3, 2), "the sibling read missed nothing, nor did the read of 5");
        assert_eq!(&g.k[..3], &[2, 0, 1]);
    }

    #[test]
    fn version_vectors_that_claim_an_order_do_not_hide_a_miss() {
        // The system gave client 2's write a version that "descends" from client 1's, but
        // client 2 never saw it: a read of 9 alone missed 1.
        let unrelated = Op {
            client: 2,
            version: Some(Version::from_parts(Some((0, 5)), Some(vec![(0, 1)].into()))),
            ..write(1, 9, (0, 12))
        };
        let s = analyze(&history(vec![write(1, 1, (0, 10)), unrelated, read(1, Some(9), (20, 30))]));
        assert_eq!(&s.levels[0].k[..2], &[0, 1]);
    }

    #[test]
    fn probe_rounds_report_fresh_reads_by_t() {
        let key = PROBE_KEY_BASE + 3;
        let s = analyze(&history(vec![
            write(key, 1, (0, 10)),
            read(key, Some(1), (15, 20)),
            write(key + 1, 2, (100, 110)),
            read(key + 1, None, (115, 120)),
            Op { outcome: Outcome::Indeterminate, ..write(key + 2, 3, (200, 210)) },
            read(key + 2, None, (215, 220)),
        ]));
        assert!(s.levels.is_empty(), "probe keys stay out of the workload table");
        assert_eq!(s.probes, vec![ProbeRow { label: "ONE".into(), t_ms: 5, probes: 2, fresh: 1 }]);
    }
}
