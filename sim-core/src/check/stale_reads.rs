//! Stale reads: an ok read that misses a write acknowledged before the read was invoked.
//!
//! A read `r` is stale against an acknowledged write `w` on the same key when `w` completed
//! before `r` was invoked and `r` returned neither `w`'s value nor the value of a write that
//! observed `w` (see `causality`: judged from the history, never from the system's versions; a
//! result of only writes concurrent with `w`, or an empty result, is stale too). The quorum
//! form counts only pairs with `W(w) + R(r) > N`, where `W(w)` counts only the key's own
//! replicas: answers from hinted-handoff stand-ins do not make a read quorum overlap the write
//! (Dynamo's sloppy-quorum caveat); the plain form counts every pair.
//!
//! The check is one sweep per key over time. Acknowledged writes are sorted by completion,
//! reads by invocation; before judging a read, every write acknowledged strictly before it is
//! folded into per-threshold *frontiers*: `frontier[k]` is the antichain of the latest writes
//! (none observed by another) among those with `W >= k` (`frontier[0]`: all writes). Checking a read against a frontier is
//! the same as checking it against every write folded into it: a write that observed `w` was
//! observed by nothing less than what observes it. A read with `R` out of `N` needs the
//! frontier for `k = N - R + 1` (the writes with `W + R > N`), and `frontier[0]` for the
//! level-blind count. Frontiers stay as small as the number of concurrent writes of a key, so
//! the sweep costs O(ops log ops) for sorting plus O(ops × N × frontier × clock length) for the
//! rest, instead of O(reads × writes).

use super::causality::Causality;
use super::describe::{op_label, secs};
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::names::Names;
use crate::history::{History, Op, OpKind, Outcome};

/// Judges `no_stale_quorum_reads`: reads with W+R>N.
pub fn quorum(history: &History) -> Verdict {
    check(history, true)
}

/// Judges `no_stale_reads`: reads at every level.
pub fn any_level(history: &History) -> Verdict {
    check(history, false)
}

/// Judges `no_stale_quorum_reads` (`quorum_only`) or `no_stale_reads` (every level).
///
/// `violations` counts stale reads (a read stale against several writes counts once);
/// `detail` also reports how many reads were stale regardless of levels, so runs with
/// `W + R <= N` can show their measured staleness.
pub fn check(history: &History, quorum_only: bool) -> Verdict {
    check_with(history, &Causality::of(&history.ops), quorum_only)
}

/// What one sweep over the history found: counts, and the earliest stale reads with the write
/// each one missed.
pub struct Scan {
    /// Reads stale at any level.
    pub stale_any: u64,
    /// Reads stale against a write with W+R>N.
    pub stale_quorum: u64,
    /// Ok reads examined.
    pub checked: u64,
    /// Acknowledged writes with a value.
    pub writes: u64,
    /// Acknowledged writes without a value (ignored).
    pub valueless_writes: u64,
    /// `(read, missed write)` op indices of the earliest stale reads, at most `EXAMPLES_MAX`.
    pub examples: Vec<(usize, usize)>,
}

/// [`check`] with the history's causality already worked out (shared between checkers).
pub fn check_with(history: &History, causality: &Causality, quorum_only: bool) -> Verdict {
    let scan = scan(history, causality, quorum_only);
    let Scan { stale_any, stale_quorum, checked, .. } = scan;
    let percent = |n: u64| if checked == 0 { 0.0 } else { 100.0 * n as f64 / checked as f64 };
    let mut detail = if quorum_only {
        format!(
            "{stale_quorum} of {checked} ok reads stale against a write with W+R>N; \
             {stale_any} ({:.2}%) stale counting every level; {} acknowledged writes",
            percent(stale_any),
            scan.writes
        )
    } else {
        format!(
            "{stale_any} of {checked} ok reads ({:.2}%) stale; {stale_quorum} of them against a \
             write with W+R>N; {} acknowledged writes",
            percent(stale_any),
            scan.writes
        )
    };
    if scan.valueless_writes > 0 {
        detail.push_str(&format!("; {} acknowledged writes without a value ignored", scan.valueless_writes));
    }
    let violations = if quorum_only { stale_quorum } else { stale_any };
    Verdict {
        name: if quorum_only { "no_stale_quorum_reads" } else { "no_stale_reads" }.to_string(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked,
        passed: violations == 0,
        detail,
        examples: describe(history, causality, &scan.examples),
    }
}

/// Judges `strong_shards_read_fresh`: no ok read of a shard the scenario declared `strong`
/// misses a write acknowledged before it began, whatever levels the clients asked. Which
/// shards are strong comes from the scenario, never from the system's map.
pub fn strong_shards(history: &History, causality: &Causality) -> Verdict {
    let strong = |op: &Op| op.shard.is_some_and(|s| history.strong_shards.binary_search(&s).is_ok());
    let scan = scan_reads(history, causality, false, strong);
    let detail = format!(
        "{} of {} ok reads of the {} strong shards stale, whatever level they asked; {} acknowledged writes",
        scan.stale_any,
        scan.checked,
        history.strong_shards.len(),
        scan.writes
    );
    Verdict {
        name: "strong_shards_read_fresh".to_string(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations: scan.stale_any,
        checked: scan.checked,
        passed: scan.stale_any == 0,
        detail,
        examples: describe(history, causality, &scan.examples),
    }
}

/// Sweeps the history for stale reads (`quorum_only`: only against writes with W+R>N for
/// the examples).
pub fn scan(history: &History, causality: &Causality, quorum_only: bool) -> Scan {
    scan_reads(history, causality, quorum_only, |_| true)
}

/// [`scan`] over the ok reads `judged` keeps.
fn scan_reads(history: &History, causality: &Causality, quorum_only: bool, judged: impl Fn(&Op) -> bool) -> Scan {
    let ops = &history.ops;
    let mut writes: Vec<usize> = Vec::new();
    let mut reads: Vec<usize> = Vec::new();
    let mut valueless_writes = 0u64;
    for (i, op) in ops.iter().enumerate() {
        match (op.kind, op.outcome) {
            (OpKind::Write, Outcome::Ok) if op.value.is_some() => writes.push(i),
            (OpKind::Write, Outcome::Ok) => valueless_writes += 1,
            (OpKind::Read, Outcome::Ok) if judged(op) => reads.push(i),
            _ => {}
        }
    }
    // The index breaks ties, so the order (and so the examples) never depends on the sort.
    writes.sort_unstable_by_key(|&i| (ops[i].key, ops[i].complete_ms, i));
    reads.sort_unstable_by_key(|&i| (ops[i].key, ops[i].invoke_ms, i));

    let mut stale_any = 0u64;
    let mut stale_quorum = 0u64;
    let mut examples = Examples::default();
    let mut frontiers = Frontiers { ops, causality, levels: Vec::new() };
    let (mut wi, mut ri) = (0, 0);
    while ri < reads.len() {
        let key = ops[reads[ri]].key;
        while wi < writes.len() && ops[writes[wi]].key < key {
            wi += 1;
        }
        frontiers.clear();
        while ri < reads.len() && ops[reads[ri]].key == key {
            let r = &ops[reads[ri]];
            while wi < writes.len() && ops[writes[wi]].key == key && ops[writes[wi]].complete_ms < r.invoke_ms {
                frontiers.insert(writes[wi]);
                wi += 1;
            }
            if let Some(missed) = frontiers.first_missed(0, r) {
                stale_any += 1;
                // W + R > N  <=>  W >= N - R + 1, with N the key's replication factor (the read's).
                let quorum_threshold = (r.n as usize + 1).saturating_sub(r.required as usize).max(1);
                let missed_quorum = frontiers.first_missed(quorum_threshold, r);
                if missed_quorum.is_some() {
                    stale_quorum += 1;
                }
                let witness = if quorum_only { missed_quorum } else { Some(missed) };
                if let Some(w) = witness {
                    examples.offer(reads[ri], w, ops);
                }
            }
            ri += 1;
        }
    }

    Scan {
        stale_any,
        stale_quorum,
        checked: reads.len() as u64,
        writes: writes.len() as u64,
        valueless_writes,
        examples: examples.picked.iter().map(|&(_, r, w)| (r, w)).collect(),
    }
}

/// Per-threshold antichains of the latest writes acknowledged so far for one key.
struct Frontiers<'a> {
    ops: &'a [Op],
    causality: &'a Causality,
    /// `levels[0]`: indices of the latest writes among all; `levels[k]` (k >= 1): among those
    /// that `k` or more of the key's own replicas acknowledged (stand-ins do not count).
    levels: Vec<Vec<usize>>,
}

impl Frontiers<'_> {
    /// Forgets everything (keeps the allocations for the next key).
    fn clear(&mut self) {
        for level in &mut self.levels {
            level.clear();
        }
    }

    /// Folds acknowledged write `w` into the frontier of every threshold it meets.
    fn insert(&mut self, w: usize) {
        let strict = self.ops[w].required.saturating_sub(self.ops[w].stand_ins) as usize;
        if self.levels.len() < strict + 1 {
            self.levels.resize_with(strict + 1, Vec::new);
        }
        let (ops, c) = (self.ops, self.causality);
        for level in &mut self.levels[..=strict] {
            if level.iter().any(|&f| c.covers(ops, f, w)) {
                continue;
            }
            level.retain(|&f| !c.covers(ops, w, f));
            level.push(w);
        }
    }

    /// The first write of `level` (0: any; k: acknowledged by k or more replicas) that read `r`
    /// returned neither nor an observer of.
    fn first_missed(&self, level: usize, r: &Op) -> Option<usize> {
        let level = self.levels.get(level)?;
        level.iter().copied().find(|&f| !self.causality.values_cover(self.ops, r.read.iter().map(|v| v.value), f))
    }
}

/// The earliest stale reads (by invocation time), with the write each one missed.
#[derive(Default)]
struct Examples {
    /// `(invoke_ms, read index, write index)`, sorted, at most `EXAMPLES_MAX`.
    picked: Vec<(u64, usize, usize)>,
}

impl Examples {
    fn offer(&mut self, read: usize, write: usize, ops: &[Op]) {
        let item = (ops[read].invoke_ms, read, write);
        if self.picked.len() == EXAMPLES_MAX && item >= self.picked[EXAMPLES_MAX - 1] {
            return;
        }
        let at = self.picked.partition_point(|p| *p < item);
        self.picked.insert(at, item);
        self.picked.truncate(EXAMPLES_MAX);
    }
}

/// What kind of anomaly a stale read is, as Jepsen and the session-guarantee literature name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anomaly {
    /// The client missed its own earlier write.
    ReadYourWrites,
    /// The client had already read the write (or a later one that observed it) and now reads
    /// something older.
    MonotonicRead,
    /// Another client's acknowledged write is missing.
    StaleRead,
}

impl Anomaly {
    /// The anomaly's name in summary.json: `read_your_writes`, `monotonic_read`, `stale_read`.
    pub fn name(self) -> &'static str {
        match self {
            Anomaly::ReadYourWrites => "read_your_writes",
            Anomaly::MonotonicRead => "monotonic_read",
            Anomaly::StaleRead => "stale_read",
        }
    }

    /// The words that open its description.
    fn words(self) -> &'static str {
        match self {
            Anomaly::ReadYourWrites => "read-your-writes violation: ",
            Anomaly::MonotonicRead => "monotonic-read violation: ",
            Anomaly::StaleRead => "",
        }
    }
}

/// Which anomaly read `r` missing write `w` is: the client's own write, a write it had
/// already read, or another client's write.
pub fn anomaly(ops: &[Op], causality: &Causality, r: usize, w: usize) -> Anomaly {
    let (read, write) = (&ops[r], &ops[w]);
    if write.client == read.client {
        return Anomaly::ReadYourWrites;
    }
    let saw_before = ops.iter().any(|o| {
        o.client == read.client
            && o.key == read.key
            && o.kind == OpKind::Read
            && o.outcome == Outcome::Ok
            && o.complete_ms <= read.invoke_ms
            && causality.values_cover(ops, o.read.iter().map(|v| v.value), w)
    });
    if saw_before {
        Anomaly::MonotonicRead
    } else {
        Anomaly::StaleRead
    }
}

/// The stale reads `picked` (read and missed write) for a human, nodes and writes named.
fn describe(history: &History, causality: &Causality, picked: &[(usize, usize)]) -> Vec<String> {
    if picked.is_empty() {
        return Vec::new();
    }
    let (ops, names) = (&history.ops, Names::of(history));
    picked
        .iter()
        .map(|&(ri, wi)| {
            let (r, w) = (&ops[ri], &ops[wi]);
            let older = |value: u64| causality.writer_of(value).is_some_and(|x| causality.covers(ops, wi, x));
            let how = if r.read.is_empty() {
                "nothing"
            } else if r.read.iter().all(|v| older(v.value)) {
                "only writes the write had observed"
            } else {
                "no write that observed it; some are concurrent with it"
            };
            let via = |op: &Op| op.coordinator.map(|c| format!(" via {}", names.node(c))).unwrap_or_default();
            format!(
                "{}read {} N={}{} invoked {} returned {} at {} ({how}), but write {}{} {} was \
                 acknowledged at {}",
                anomaly(ops, causality, ri, wi).words(),
                op_label(r),
                r.n,
                via(r),
                secs(r.invoke_ms),
                names.versions(&r.read),
                secs(r.complete_ms),
                op_label(w),
                via(w),
                w.version.as_ref().map_or_else(String::new, |v| names.version(v)),
                secs(w.complete_ms),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::causality::tests::observed_by_definition;
    use crate::history::{Level, Version, Versioned};

    const N: u8 = 3;

    fn level(required: u8) -> Level {
        match required {
            1 => Level::One,
            2 => Level::Quorum,
            3 => Level::All,
            k => Level::Count(k),
        }
    }

    fn op(client: u32, kind: OpKind, key: u64, required: u8, (invoke_ms, complete_ms): (u64, u64)) -> Op {
        Op { client, level: level(required), required, n: N, ..Op::blank(kind, key, (invoke_ms, complete_ms)) }
    }

    /// The version the system would show for `value` (display only: the checker ignores it).
    fn shown(value: u64) -> Version {
        Version::from_parts(Some((0, value)), None)
    }

    /// An acknowledged write of `value` by `client`.
    fn write(client: u32, key: u64, w: u8, at: (u64, u64), value: u64) -> Op {
        Op { value: Some(value), version: Some(shown(value)), ..op(client, OpKind::Write, key, w, at) }
    }

    /// An ok read by `client` that returned `values`.
    fn read(client: u32, key: u64, r: u8, at: (u64, u64), values: &[u64]) -> Op {
        let read = values.iter().map(|&value| Versioned { version: shown(value), value }).collect();
        Op { read, ..op(client, OpKind::Read, key, r, at) }
    }

    /// Records `ops` in completion order, numbering each client's operations in the given order.
    fn history(mut ops: Vec<Op>) -> History {
        for (i, op) in ops.iter_mut().enumerate() {
            op.seq = i as u64;
        }
        ops.sort_by_key(|o| o.complete_ms);
        let mut h = History::new();
        for op in ops {
            h.record_op(op.complete_ms, op);
        }
        h
    }

    #[test]
    fn a_read_at_one_missing_a_write_fails_on_a_strong_shard_only() {
        // Keys 7 and 8 are in shards 0 and 1; shard 0 is strong. Both reads ask ONE after
        // writes at ONE and miss them: only the strong shard's read is a violation.
        let on = |shard: u32, op: Op| Op { shard: Some(shard), ..op };
        let mut h = history(vec![
            on(0, write(10, 7, 1, (0, 10), 1)),
            on(0, read(11, 7, 1, (20, 30), &[])),
            on(1, write(10, 8, 1, (40, 50), 2)),
            on(1, read(11, 8, 1, (60, 70), &[])),
            on(0, read(12, 7, 1, (80, 90), &[1])),
        ]);
        h.strong_shards = vec![0];
        let v = strong_shards(&h, &Causality::of(&h.ops));
        assert_eq!((v.name.as_str(), v.violations, v.checked, v.passed), ("strong_shards_read_fresh", 1, 2, false));
        assert!(v.examples[0].contains("key 7"), "{:?}", v.examples);
        h.strong_shards = vec![1];
        assert_eq!(strong_shards(&h, &Causality::of(&h.ops)).violations, 1);
        h.strong_shards = vec![];
        let v = strong_shards(&h, &Causality::of(&h.ops));
        assert_eq!((v.violations, v.checked, v.passed), (0, 0, true));
    }

    #[test]
    fn read_missing_an_earlier_acknowledged_write_is_stale() {
        let h = history(vec![
            write(10, 7, 2, (90, 100), 1),
            // Same session: the second write observed the first.
            write(10, 7, 2, (110, 200), 2),
            read(11, 7, 2, (250, 260), &[1]),
            read(12, 7, 2, (300, 310), &[]),
        ]);
        let v = check(&h, true);
        assert!(!v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (2, 2));
        assert_eq!(v.name, "no_stale_quorum_reads");
        assert_eq!(v.class, PropertyClass::Safety);
        assert!(!v.expected_violation);
        assert_eq!(v.examples.len(), 2);
        assert_eq!(
            v.examples[0],
            "read c11#2 key 7 QUORUM R=2 N=3 via #0 invoked 0.250s returned [c10#0 #0:1{}] at 0.260s \
             (only writes the write had observed), but write c10#1 key 7 QUORUM W=2 via #0 #0:2{} was \
             acknowledged at 0.200s"
        );
        assert!(v.examples[1].contains("returned [] at 0.310s (nothing)"), "{}", v.examples[1]);
    }

    #[test]
    fn read_returning_the_latest_write_holds() {
        let h = history(vec![
            write(10, 7, 2, (90, 100), 1),
            write(10, 7, 2, (110, 200), 2),
            read(11, 7, 2, (250, 260), &[2]),
            read(11, 8, 2, (250, 260), &[]),
        ]);
        let v = check(&h, true);
        assert!(v.passed, "{v:?}");
        assert_eq!((v.violations, v.checked), (0, 2));
        assert!(v.examples.is_empty());
    }

    #[test]
    fn read_concurrent_with_the_write_is_not_stale() {
        let h = history(vec![
            write(10, 1, 3, (100, 200), 1),
            // Invoked before the write was acknowledged: it may or may not see it.
            read(11, 1, 3, (150, 250), &[]),
            // Invoked at the very millisecond of the acknowledgement: not strictly after.
            read(12, 1, 3, (200, 210), &[]),
        ]);
        assert!(check(&h, true).passed);
        assert!(check(&h, false).passed);
    }

    #[test]
    fn read_returning_only_a_concurrent_write_is_stale() {
        // Client 11 wrote 9 without having seen 1: 9 does not stand in for 1.
        let h = history(vec![write(10, 1, 2, (0, 10), 1), write(11, 1, 2, (0, 10), 9), read(12, 1, 2, (20, 30), &[9])]);
        let v = check(&h, true);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("concurrent"), "{}", v.examples[0]);
    }

    #[test]
    fn read_returning_a_write_that_observed_it_holds() {
        let h = history(vec![
            write(10, 1, 2, (0, 10), 1),
            read(11, 1, 1, (11, 12), &[1]),
            write(11, 1, 1, (13, 15), 5),
            write(12, 1, 1, (13, 15), 6),
            read(13, 1, 2, (20, 30), &[5]),
            // Siblings: one of them observed the write, which is enough.
            read(13, 1, 2, (40, 50), &[6, 5]),
            // 6 alone did not observe 1.
            read(14, 1, 2, (40, 50), &[6]),
        ]);
        let v = check(&h, true);
        assert_eq!((v.violations, v.checked), (1, 4), "{v:?}");
        assert!(v.examples[0].starts_with("read c14#"), "{}", v.examples[0]);
    }

    /// The system's versions claim that 2 supersedes 1 (a bug that orders unrelated writes); the
    /// history says 2's client never saw 1, so a read of 2 alone is stale whatever versions say.
    #[test]
    fn versions_that_order_unrelated_writes_do_not_hide_a_stale_read() {
        let mut first = write(10, 1, 2, (0, 10), 1);
        first.version = Some(Version::from_parts(Some((0, 1)), None));
        let mut second = write(11, 1, 2, (20, 30), 2);
        second.version = Some(Version::from_parts(Some((0, 2)), Some(std::sync::Arc::from([(0, 1)]))));
        let mut r = read(12, 1, 2, (40, 50), &[]);
        r.read = vec![Versioned { version: second.version.clone().unwrap(), value: 2 }];
        let v = check(&history(vec![first, second, r]), true);
        assert_eq!(v.violations, 1, "{v:?}");
    }

    #[test]
    fn weak_pairs_are_ignored_by_the_quorum_check_but_counted_by_the_plain_one() {
        // W=1, R=1, N=3: W+R<=N, so staleness is allowed and only measured.
        let h = history(vec![write(10, 1, 1, (0, 10), 1), read(11, 1, 1, (20, 30), &[])]);
        let quorum = check(&h, true);
        assert!(quorum.passed, "{quorum:?}");
        assert_eq!(quorum.violations, 0);
        assert!(quorum.detail.contains("1 (100.00%) stale counting every level"), "{}", quorum.detail);
        let plain = check(&h, false);
        assert!(!plain.passed);
        assert_eq!(plain.name, "no_stale_reads");
        assert_eq!(plain.violations, 1);
        assert!(plain.detail.starts_with("1 of 1 ok reads (100.00%) stale; 0 of them"), "{}", plain.detail);
    }

    #[test]
    fn quorum_pairs_depend_on_both_levels() {
        // R=1 only pairs with W=3 writes; R=2 with W>=2; R=3 with any write.
        let h = history(vec![
            write(10, 1, 2, (0, 10), 1),
            read(11, 1, 1, (20, 30), &[]),
            read(12, 1, 2, (20, 30), &[]),
            read(13, 1, 3, (20, 30), &[]),
        ]);
        let v = check(&h, true);
        assert_eq!(v.violations, 2, "{v:?}");
        assert_eq!(check(&h, false).violations, 3);
    }

    #[test]
    fn quorum_write_superseded_by_a_weak_write_still_counts() {
        // The W=1 write supersedes the W=3 one; an R=1 read pairs only with the W=3 write, so it
        // must be judged against 1, not against the newer 2.
        let h = history(vec![
            write(10, 1, 3, (0, 10), 1),
            write(10, 1, 1, (20, 30), 2),
            write(11, 1, 1, (0, 10), 8),
            read(12, 1, 1, (40, 50), &[1]),
            read(13, 1, 1, (40, 50), &[8]),
        ]);
        let quorum = check(&h, true);
        assert_eq!(quorum.violations, 1, "{quorum:?}");
        assert!(quorum.examples[0].contains("returned [c11#2 #0:8{}]"), "{}", quorum.examples[0]);
        assert!(quorum.examples[0].contains("W=3 via #0 #0:1{}"), "{}", quorum.examples[0]);
        assert_eq!(check(&h, false).violations, 2);
    }

    #[test]
    fn a_write_acknowledged_by_stand_ins_is_not_strictly_quorum_acknowledged() {
        // W=2 of N=3, but one acknowledgement came from a stand-in holding a hint: only one
        // replica holds it, so an R=2 read need not overlap it (measured, not a violation),
        // while an R=3 read must still see it.
        let mut sloppy = write(10, 1, 2, (0, 10), 1);
        sloppy.stand_ins = 1;
        let h = history(vec![sloppy, read(11, 1, 2, (20, 30), &[]), read(12, 1, 3, (20, 30), &[])]);
        let quorum = check(&h, true);
        assert_eq!(quorum.violations, 1, "{quorum:?}");
        assert!(quorum.examples[0].starts_with("read c12#"), "{}", quorum.examples[0]);
        assert_eq!(check(&h, false).violations, 2);
        // All W answers from stand-ins: no read quorum is bound to see it.
        let mut all_hinted = write(10, 1, 2, (0, 10), 1);
        all_hinted.stand_ins = 2;
        let h = history(vec![all_hinted, read(12, 1, 3, (20, 30), &[])]);
        assert_eq!((check(&h, true).violations, check(&h, false).violations), (0, 1));
    }

    #[test]
    fn a_read_missing_several_writes_counts_once() {
        let h = history(vec![write(10, 1, 2, (0, 10), 1), write(11, 1, 2, (0, 10), 2), read(12, 1, 2, (20, 30), &[])]);
        let v = check(&h, true);
        assert_eq!((v.violations, v.checked), (1, 1));
        assert_eq!(v.examples.len(), 1);
    }

    #[test]
    fn unacknowledged_writes_and_failed_reads_are_not_judged() {
        let mut failed = write(10, 1, 2, (0, 10), 1);
        failed.outcome = Outcome::Fail;
        let mut maybe = write(11, 1, 2, (0, 10), 2);
        maybe.outcome = Outcome::Indeterminate;
        let mut failed_read = read(12, 1, 2, (20, 30), &[]);
        failed_read.outcome = Outcome::Fail;
        let h = history(vec![failed, maybe, failed_read, read(13, 1, 2, (20, 30), &[])]);
        let v = check(&h, false);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 1);
    }

    #[test]
    fn examples_are_the_earliest_stale_reads() {
        let mut ops = vec![];
        for key in 0..20u64 {
            ops.push(write(10, key, 2, (0, 10), key));
            ops.push(read(11, key, 2, (1000 - key * 10, 1000), &[]));
        }
        let v = check(&history(ops), true);
        assert_eq!(v.violations, 20);
        assert_eq!(v.examples.len(), EXAMPLES_MAX);
        for (i, e) in v.examples.iter().enumerate() {
            assert!(e.contains(&format!(" key {} ", 19 - i)), "{e}");
        }
    }

    /// The definition applied literally to every (read, write) pair, with "observed" worked out
    /// by walking sessions back (not by `Causality`).
    fn brute_force(h: &History, quorum_only: bool) -> u64 {
        let observed = observed_by_definition(&h.ops);
        let is_ok = |o: &(usize, &Op)| o.1.outcome == Outcome::Ok;
        let writes: Vec<(usize, &Op)> =
            h.ops.iter().enumerate().filter(is_ok).filter(|(_, o)| o.kind == OpKind::Write).collect();
        let any_writer = |value: u64| h.ops.iter().position(|w| w.kind == OpKind::Write && w.value == Some(value));
        let stale = |r: &Op| {
            writes.iter().any(|&(_, w)| {
                let value = w.value.unwrap();
                w.key == r.key
                    && w.complete_ms < r.invoke_ms
                    && (!quorum_only || w.required + r.required > r.n)
                    && !r
                        .read
                        .iter()
                        .any(|v| v.value == value || any_writer(v.value).is_some_and(|x| observed[x].contains(&value)))
            })
        };
        h.ops.iter().filter(|o| o.outcome == Outcome::Ok && o.kind == OpKind::Read && stale(o)).count() as u64
    }

    #[test]
    fn sweep_agrees_with_the_definition_on_random_overlapping_histories() {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |bound: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % bound
        };
        let (mut stale_quorum, mut stale_any, mut reads) = (0, 0, 0);
        for round in 0..20 {
            // Per key: every value written so far, and the latest ones (none observed by another).
            let mut written: Vec<Vec<u64>> = vec![vec![]; 4];
            let mut latest: Vec<Vec<u64>> = vec![vec![]; 4];
            let mut ops = vec![];
            for i in 0..300u64 {
                let key = next(4);
                let invoke_ms = i * 3 + next(5);
                let at = (invoke_ms, invoke_ms + next(40));
                let required = 1 + next(3) as u8;
                let client = 100 + i as u32;
                let past = &written[key as usize];
                if next(2) == 0 {
                    // A fresh client that first read some of the latest writes (or none), then wrote.
                    let seen: Vec<u64> = latest[key as usize].iter().copied().filter(|_| next(3) != 0).collect();
                    if !seen.is_empty() {
                        ops.push(read(client, key, 1, (at.0, at.0), &seen));
                    }
                    ops.push(write(client, key, required, at, 1000 + i));
                    let current = &mut latest[key as usize];
                    current.retain(|v| !seen.contains(v));
                    current.push(1000 + i);
                    written[key as usize].push(1000 + i);
                } else if next(3) != 0 {
                    // The latest writes (acknowledged or not): never stale.
                    ops.push(read(client, key, required, at, &latest[key as usize]));
                } else {
                    // A few random past writes: often stale, sometimes not.
                    let result: Vec<u64> = (0..next(3))
                        .filter(|_| !past.is_empty())
                        .map(|_| past[next(past.len() as u64) as usize])
                        .collect();
                    ops.push(read(client, key, required, at, &result));
                }
            }
            let h = history(ops);
            for quorum_only in [true, false] {
                let expected = brute_force(&h, quorum_only);
                let v = check(&h, quorum_only);
                assert_eq!(v.violations, expected, "round {round}, quorum_only {quorum_only}");
                *(if quorum_only { &mut stale_quorum } else { &mut stale_any }) += expected;
                reads += if quorum_only { v.checked } else { 0 };
            }
        }
        // The histories are varied enough to be a test: some reads stale, most not, levels matter.
        assert!(
            0 < stale_quorum && stale_quorum < stale_any && stale_any < reads / 2,
            "{stale_quorum} {stale_any} {reads}"
        );
    }

    /// Not a benchmark (nothing is timed): a 200,000-operation history with siblings, checked
    /// end to end, finds exactly the stale reads planted in it.
    #[test]
    fn large_history_with_siblings_finds_exactly_the_planted_stale_reads() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |bound: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % bound
        };
        let keys = 500u64;
        let mut current: Vec<Vec<u64>> = vec![vec![]; keys as usize];
        let mut ops = Vec::with_capacity(200_000);
        let mut planted = 0u64;
        let mut i = 0u64;
        while ops.len() < 200_000 {
            i += 1;
            let key = next(keys);
            let at = (i * 2, i * 2 + 1);
            let required = 1 + next(3) as u8;
            let client = i as u32;
            let now = &mut current[key as usize];
            if next(2) == 0 {
                // Half the writers first read everything current; the rest race.
                if next(2) == 0 && !now.is_empty() {
                    ops.push(read(client, key, 1, (at.0, at.0), now));
                    now.clear();
                }
                now.push(i);
                ops.push(write(client, key, required, at, i));
            } else if !now.is_empty() && next(1000) == 0 {
                planted += 1;
                ops.push(read(client, key, N, at, &[]));
            } else {
                ops.push(read(client, key, required, at, now));
            }
        }
        let h = history(ops);
        let quorum = check(&h, true);
        let plain = check(&h, false);
        assert!(planted > 10, "{planted}");
        assert_eq!(quorum.violations, planted, "{quorum:?}");
        assert_eq!(plain.violations, planted, "{plain:?}");
        assert!(quorum.checked > 90_000, "{quorum:?}");
    }
}
