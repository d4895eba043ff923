//! What superseded what, judged from the history alone, never from the system's versions.
//!
//! A write `w'` *observed* a write `w` of the same key when, before `w'` was invoked, its client
//! had read `w`'s value or the value of a write that observed `w`, or had itself issued `w`
//! earlier and seen it acknowledged (a later write in the same session), or the primary that versioned `w'` had read or
//! acknowledged `w` or a write that observed it (`Op::primary_saw`: what the node did, recorded
//! as it happened). Values are unique per write, so a read reveals which writes it saw. Only a
//! write that observed `w` may legitimately make `w` disappear.
//!
//! The relation is kept as vector clocks over sessions that the checker computes itself: per
//! key, each client's acknowledged writes are numbered 1, 2, ... in its session, and a write's
//! clock joins the clock of its client's previous acknowledged write and of every write whose
//! value the client read in between. `w'` observed `w` exactly when
//! `clock(w')[session(w)] >= number(w)`. A write its client never saw acknowledged (failed or
//! indeterminate) is a session of its own: it may take effect long after its client moved on
//! (a request queued at a paused node, versioned on resume after the client's later writes),
//! so the client's later writes did not observe it, and it may observe them.
//!
//! Each write's dependencies come from its own session (a client's operations are sequential,
//! so its sequence numbers order them), and clocks are computed dependencies first. Invocation
//! order nearly always is such an order, but timestamps are whole milliseconds, so a write and
//! the session that read it can share one; the explicit dependency walk does not care.

use std::collections::HashMap;

use crate::history::{Op, OpKind, Outcome};

/// Where a write's clock lies in the shared arena, its session and its number there.
#[derive(Clone, Copy, Default)]
struct Stamp {
    session: u32,
    number: u32,
    start: u32,
    len: u32,
}

/// The observed-by order of every write in a history.
#[derive(Default)]
pub struct Causality {
    /// Per op index: the write's stamp (`number == 0` for reads).
    stamps: Vec<Stamp>,
    /// Every clock, one after another: `(session, number of its writes to the key)`, sorted by
    /// session within a clock. A session is a client, or one unacknowledged write. One arena instead of a vector per write.
    arena: Vec<(u32, u32)>,
    /// The write (op index) of each value. Only looked up, never iterated.
    by_value: HashMap<u64, u32>,
}

/// Per write: where its dependencies (op indices of writes) lie in `Walk::deps`.
#[derive(Clone, Copy, Default)]
struct Deps {
    start: u32,
    len: u32,
}

const UNSEEN: u8 = 0;
const IN_PROGRESS: u8 = 1;
const DONE: u8 = 2;

impl Causality {
    /// Works out, from the operations alone, which writes observed which.
    pub fn of(ops: &[Op]) -> Causality {
        let mut c = Causality {
            stamps: vec![Stamp::default(); ops.len()],
            arena: Vec::new(),
            by_value: HashMap::with_capacity(ops.len() / 2),
        };
        for (i, op) in ops.iter().enumerate() {
            if let (OpKind::Write, Some(v)) = (op.kind, op.value) {
                c.by_value.insert(v, i as u32);
            }
        }
        let (deps_of, deps, mut writes) = c.sessions(ops);
        // Clocks, dependencies first: invocation order, with a walk for the rare exception.
        writes.sort_unstable_by_key(|&i| (ops[i as usize].key, ops[i as usize].invoke_ms, i));
        let mut state = vec![UNSEEN; ops.len()];
        let mut stack: Vec<(u32, u32)> = Vec::new();
        let mut scratch = Vec::new();
        for &root in &writes {
            if state[root as usize] == DONE {
                continue;
            }
            state[root as usize] = IN_PROGRESS;
            stack.push((root, 0));
            while let Some(&(w, next)) = stack.last() {
                let d = deps_of[w as usize];
                let mine = &deps[d.start as usize..(d.start + d.len) as usize];
                // Descend into the first dependency not yet seen (one in progress would be a
                // cycle, impossible in a real history: it is skipped rather than looped on).
                if let Some(p) = mine[next as usize..].iter().position(|&x| state[x as usize] == UNSEEN) {
                    let x = mine[next as usize + p];
                    stack.last_mut().expect("just looked").1 = next + p as u32 + 1;
                    state[x as usize] = IN_PROGRESS;
                    stack.push((x, 0));
                    continue;
                }
                scratch.clear();
                for &x in &deps[d.start as usize..(d.start + d.len) as usize] {
                    if state[x as usize] == DONE {
                        join(&mut scratch, c.clock(x as usize));
                    }
                }
                join(&mut scratch, &[(c.stamps[w as usize].session, c.stamps[w as usize].number)]);
                let stamp = &mut c.stamps[w as usize];
                stamp.start = c.arena.len() as u32;
                stamp.len = scratch.len() as u32;
                c.arena.extend_from_slice(&scratch);
                state[w as usize] = DONE;
                stack.pop();
            }
        }
        c
    }

    /// Walks each session (per key and client, in the client's own order): numbers its
    /// acknowledged writes, gives every unacknowledged write a session of its own, and lists
    /// each write's dependencies. Returns them with every write's op index.
    fn sessions(&mut self, ops: &[Op]) -> (Vec<Deps>, Vec<u32>, Vec<u32>) {
        let c = self;
        // Sessions: per key and client, in the client's own order.
        let mut order: Vec<u32> = (0..ops.len() as u32).collect();
        order.sort_unstable_by_key(|&i| {
            let op = &ops[i as usize];
            (op.key, op.client, op.seq, i)
        });
        let mut deps_of = vec![Deps::default(); ops.len()];
        let mut deps: Vec<u32> = Vec::with_capacity(ops.len());
        let mut writes: Vec<u32> = Vec::new();
        let (mut last, mut number) = (None::<u32>, 0u32);
        // Sessions of unacknowledged writes, above every client address.
        let mut own_session = 1u32 << 31;
        let mut read_since: Vec<u32> = Vec::new();
        for (n, &i) in order.iter().enumerate() {
            let op = &ops[i as usize];
            if n == 0 || {
                let prev = &ops[order[n - 1] as usize];
                (prev.key, prev.client) != (op.key, op.client)
            } {
                (last, number) = (None, 0);
                read_since.clear();
            }
            match (op.kind, op.outcome) {
                (OpKind::Read, Outcome::Ok) => {
                    let writers = op.read.iter().filter_map(|v| c.by_value.get(&v.value).copied());
                    read_since.extend(writers.filter(|&w| ops[w as usize].key == op.key));
                }
                (OpKind::Read, _) => {}
                (OpKind::Write, _) => {
                    let start = deps.len() as u32;
                    deps.extend(last);
                    if op.outcome == Outcome::Ok {
                        deps.append(&mut read_since);
                    } else {
                        // The session's next write still follows these reads: keep them.
                        deps.extend_from_slice(&read_since);
                    }
                    // What the primary had seen when it versioned the write counts as seen too.
                    let saw = op.primary_saw.iter().filter_map(|v| c.by_value.get(v).copied());
                    deps.extend(saw.filter(|&w| ops[w as usize].key == op.key));
                    deps_of[i as usize] = Deps { start, len: deps.len() as u32 - start };
                    let stamp = &mut c.stamps[i as usize];
                    if op.outcome == Outcome::Ok {
                        number += 1;
                        (stamp.session, stamp.number) = (op.client, number);
                        last = Some(i);
                    } else {
                        (stamp.session, stamp.number) = (own_session, 1);
                        own_session += 1;
                    }
                    writes.push(i);
                }
            }
        }
        (deps_of, deps, writes)
    }

    fn clock(&self, write: usize) -> &[(u32, u32)] {
        let s = self.stamps[write];
        &self.arena[s.start as usize..(s.start + s.len) as usize]
    }

    /// The write (op index) that wrote `value`, if the history has it.
    pub fn writer_of(&self, value: u64) -> Option<usize> {
        self.by_value.get(&value).map(|&i| i as usize)
    }

    /// True when write `later` is write `earlier` or observed it (both op indices of writes).
    pub fn covers(&self, ops: &[Op], later: usize, earlier: usize) -> bool {
        if later == earlier {
            return true;
        }
        let number = self.stamps[earlier].number;
        if number == 0 || self.stamps[later].number == 0 || ops[later].key != ops[earlier].key {
            return false;
        }
        let clock = self.clock(later);
        let session = self.stamps[earlier].session;
        clock.binary_search_by_key(&session, |e| e.0).is_ok_and(|i| clock[i].1 >= number)
    }

    /// True when some value in `values` is `earlier`'s or a value of a write that observed it.
    pub fn values_cover(&self, ops: &[Op], values: impl IntoIterator<Item = u64>, earlier: usize) -> bool {
        values.into_iter().any(|v| self.writer_of(v).is_some_and(|w| self.covers(ops, w, earlier)))
    }
}

/// The entrywise maximum, into `clock`.
fn join(clock: &mut Vec<(u32, u32)>, other: &[(u32, u32)]) {
    for &(client, n) in other {
        match clock.binary_search_by_key(&client, |e| e.0) {
            Ok(i) => clock[i].1 = clock[i].1.max(n),
            Err(i) => clock.insert(i, (client, n)),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::history::{Level, Version, Versioned};

    /// An operation of `client` on key 1: a write of `value`, or a read that returned `read`.
    pub fn op(client: u32, seq: u64, invoke_ms: u64, write: Option<u64>, read: &[u64]) -> Op {
        Op {
            client,
            seq,
            level: Level::Quorum,
            required: 2,
            value: write,
            read: read.iter().map(|&value| Versioned { version: Version::new(), value }).collect(),
            ..Op::blank(if write.is_some() { OpKind::Write } else { OpKind::Read }, 1, (invoke_ms, invoke_ms + 5))
        }
    }

    #[test]
    fn only_what_a_session_saw_is_observed() {
        let ops = vec![
            op(1, 1, 0, Some(10), &[]),    // 0: client 1 writes 10
            op(2, 1, 1, Some(20), &[]),    // 1: client 2 writes 20, concurrently
            op(3, 1, 10, None, &[10]),     // 2: client 3 reads 10
            op(3, 2, 20, Some(30), &[]),   // 3: ... then writes 30: it observed 10, not 20
            op(1, 2, 30, Some(11), &[]),   // 4: client 1 writes again: its session observed 10
            op(2, 2, 40, None, &[30, 20]), // 5: client 2 reads 30 and 20
            op(2, 3, 50, Some(21), &[]),   // 6: ... then writes 21: it observed all but 11
        ];
        let c = Causality::of(&ops);
        assert!(c.covers(&ops, 3, 0) && !c.covers(&ops, 3, 1), "30 observed 10 only");
        assert!(c.covers(&ops, 4, 0) && !c.covers(&ops, 4, 3), "a session observes its own writes");
        assert!(c.covers(&ops, 6, 0) && c.covers(&ops, 6, 1) && c.covers(&ops, 6, 3), "transitively");
        assert!(!c.covers(&ops, 6, 4) && !c.covers(&ops, 0, 1), "concurrent writes stay concurrent");
        assert!(c.values_cover(&ops, [21], 0) && !c.values_cover(&ops, [11, 99], 1));
    }

    #[test]
    fn an_unacknowledged_write_that_took_effect_late_is_not_observed_by_its_session() {
        // Client 1's write 10 times out (queued at a paused node); the client goes on and writes
        // 11; on resume the primary versions 10 after seeing 11.
        let mut late = op(1, 1, 0, Some(10), &[]);
        late.outcome = Outcome::Indeterminate;
        late.primary_saw = vec![11];
        let ops =
            vec![late, op(1, 2, 1_000, Some(11), &[]), op(2, 1, 1_500, None, &[10]), op(2, 2, 2_000, Some(20), &[])];
        let c = Causality::of(&ops);
        assert!(!c.covers(&ops, 1, 0), "11 never saw 10 acknowledged");
        assert!(c.covers(&ops, 0, 1), "10 was versioned over 11");
        assert!(c.covers(&ops, 3, 1) && c.covers(&ops, 3, 0), "20's client read 10, which had seen 11");
    }

    /// The definition, literally: the values each write observed, by walking its session back.
    pub fn observed_by_definition(ops: &[Op]) -> Vec<std::collections::BTreeSet<u64>> {
        use std::collections::BTreeSet;
        fn walk(ops: &[Op], w: usize, memo: &mut Vec<Option<BTreeSet<u64>>>) -> BTreeSet<u64> {
            if let Some(known) = &memo[w] {
                return known.clone();
            }
            let me = &ops[w];
            let mut seen = BTreeSet::new();
            for &v in &me.primary_saw {
                seen.insert(v);
                let writer = ops.iter().position(|x| x.kind == OpKind::Write && x.value == Some(v));
                if let Some(x) = writer.filter(|&x| ops[x].key == me.key) {
                    seen.extend(walk(ops, x, memo));
                }
            }
            for (j, o) in ops.iter().enumerate() {
                if o.client != me.client || o.key != me.key || o.seq >= me.seq {
                    continue;
                }
                match (o.kind, o.outcome) {
                    // Its own earlier write, once acknowledged; an unacknowledged one may have
                    // taken effect after this one.
                    (OpKind::Write, Outcome::Ok) => {
                        seen.extend(o.value);
                        seen.extend(walk(ops, j, memo));
                    }
                    (OpKind::Write, _) => {}
                    (OpKind::Read, Outcome::Ok) => {
                        for v in &o.read {
                            seen.insert(v.value);
                            let writer = ops.iter().position(|x| x.kind == OpKind::Write && x.value == Some(v.value));
                            if let Some(x) = writer.filter(|&x| ops[x].key == me.key) {
                                seen.extend(walk(ops, x, memo));
                            }
                        }
                    }
                    (OpKind::Read, _) => {}
                }
            }
            memo[w] = Some(seen.clone());
            seen
        }
        let mut memo = vec![None; ops.len()];
        (0..ops.len())
            .map(|w| if ops[w].kind == OpKind::Write { walk(ops, w, &mut memo) } else { BTreeSet::new() })
            .collect()
    }

    #[test]
    fn agrees_with_the_definition_on_random_sessions() {
        let mut rng = 0x51_7cc1_b727_220au64;
        let mut next = move |bound: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % bound
        };
        let (mut pairs, mut covered) = (0u64, 0u64);
        for _ in 0..30 {
            let mut ops: Vec<Op> = vec![];
            let mut seq = [0u64; 4];
            for i in 0..120u64 {
                let client = next(4) as u32;
                seq[client as usize] += 1;
                // Invocation times collide often: the walk must not depend on them.
                let at = i / 3;
                let written: Vec<u64> = ops.iter().filter_map(|o| o.value).collect();
                let mut o = if next(2) == 0 || written.is_empty() {
                    op(client, seq[client as usize], at, Some(1000 + i), &[])
                } else {
                    let picks: Vec<u64> =
                        (0..1 + next(2)).map(|_| written[next(written.len() as u64) as usize]).collect();
                    op(client, seq[client as usize], at, None, &picks)
                };
                o.key = next(2);
                if o.kind == OpKind::Write && next(6) == 0 && !written.is_empty() {
                    o.primary_saw = vec![written[next(written.len() as u64) as usize]];
                }
                if next(8) == 0 {
                    o.outcome = Outcome::Indeterminate;
                }
                ops.push(o);
            }
            let c = Causality::of(&ops);
            let truth = observed_by_definition(&ops);
            for (later, seen) in truth.iter().enumerate().filter(|(i, _)| ops[*i].kind == OpKind::Write) {
                for earlier in (0..ops.len()).filter(|&e| e != later && ops[e].kind == OpKind::Write) {
                    let expected = ops[earlier].key == ops[later].key && seen.contains(&ops[earlier].value.unwrap());
                    assert_eq!(c.covers(&ops, later, earlier), expected, "{later} over {earlier}");
                    pairs += 1;
                    covered += u64::from(expected);
                }
            }
        }
        assert!(covered > pairs / 10 && covered < pairs / 2, "{covered} of {pairs}");
    }

    #[test]
    fn keys_are_apart() {
        let mut other = op(3, 1, 5, None, &[10]);
        other.key = 2;
        let ops = vec![op(1, 1, 0, Some(10), &[]), other, op(3, 2, 20, Some(30), &[])];
        let c = Causality::of(&ops);
        assert!(!c.covers(&ops, 2, 0), "a read of another key observes nothing here");
    }
}
