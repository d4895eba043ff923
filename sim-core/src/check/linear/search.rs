//! The search for a linearization of one object's history: Wing and Gong's backtracking over
//! the invocations and returns in real-time order, with Lowe's memoization of every visited
//! (set of linearized operations, register value) pair, as Porcupine does.
//!
//! The history is a doubly linked list of events. Walking it from the front, the search tries
//! to linearize each invocation it meets (its action must be possible in the current value,
//! and the resulting (set, value) must not have been visited); on success it unlinks the
//! operation's invocation and return and starts again from the front. Meeting the return of
//! an operation it has not linearized means that operation cannot come next: it undoes the
//! most recent choice and tries the invocation after it. Every event before the first
//! remaining return has then been explained, which is how the longest linearizable prefix is
//! found. Operations that never returned have no return event: they may be linearized
//! anywhere after their invocation, or left out, and the search succeeds once every operation
//! that returned ok is linearized.
//!
//! The visited set holds 128-bit Zobrist fingerprints (an XOR of one random word pair per
//! linearized operation, mixed with the register value), kept up to date in O(1) per step
//! instead of hashing a bitset of every operation: a wrong answer needs two fingerprints to
//! collide in all 128 bits. Work is counted in steps (one per event the walk looks at), so
//! the budget gives the same answer on every machine.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::model::{Value, NIL};
use super::partition::Partition;

/// The most register values a failure report lists.
pub const STATES_SHOWN: usize = 8;

/// Where the search got furthest: the longest prefix of the events it could explain, and the
/// operation whose return it could not get past.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stuck {
    /// Events of the partition, counted from its first, that form the longest linearizable
    /// prefix found (operations invoked in it but returning later count as still running).
    pub prefix_events: usize,
    /// The operation (caller's id) whose return ends that prefix: no linearization of the
    /// prefix can be extended to place it. `None` when the search never got stuck.
    pub blocked: Option<u32>,
    /// Values the register could hold at that point, ascending (at most [`STATES_SHOWN`]).
    pub states: Vec<Value>,
}

/// The answer for one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A linearization exists.
    Linearizable,
    /// None exists; where the search got furthest.
    NotLinearizable(Stuck),
    /// The step budget ran out first; how far the search had got.
    Unknown(Stuck),
}

/// The answer and what it cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Searched {
    /// Linearizable, not, or unknown within the budget.
    pub answer: Answer,
    /// Steps taken: events the walk looked at.
    pub steps: u64,
    /// (set, value) pairs visited.
    pub visited: u64,
}

const NONE: u32 = u32::MAX;

/// Searches `p` for a linearization from an empty register, in at most `steps_max` steps.
pub fn search(p: &Partition, steps_max: u64) -> Searched {
    Search::new(p).run(steps_max)
}

/// The search's working state over the linked list of events.
struct Search<'a> {
    p: &'a Partition,
    /// `next[i]`, `prev[i]`: neighbours of event `i`; index `events.len()` is the head.
    next: Vec<u32>,
    prev: Vec<u32>,
    /// The return event of each operation, or `NONE`.
    ret: Vec<u32>,
    /// Fingerprint words of each operation.
    zobrist: Vec<(u64, u64)>,
    stuck: Stuck,
}

impl<'a> Search<'a> {
    fn new(p: &'a Partition) -> Self {
        let n = p.events.len();
        assert!(n < NONE as usize, "too many events in one partition");
        let head = n as u32;
        let mut next = vec![NONE; n + 1];
        let mut prev = vec![NONE; n + 1];
        let mut last = head;
        for i in 0..n as u32 {
            next[last as usize] = i;
            prev[i as usize] = last;
            last = i;
        }
        let mut ret = vec![NONE; p.ops.len()];
        for (i, &(op, call)) in p.events.iter().enumerate() {
            if !call {
                ret[op as usize] = i as u32;
            }
        }
        let zobrist = (0..p.ops.len() as u64).map(|i| (mix(2 * i + 1), mix(2 * i + 2))).collect();
        Search { p, next, prev, ret, zobrist, stuck: Stuck::default() }
    }

    fn head(&self) -> usize {
        self.p.events.len()
    }

    /// Unlinks the operation invoked at event `call` (its invocation and return).
    fn lift(&mut self, call: u32) {
        self.unlink(call);
        let r = self.ret[self.p.events[call as usize].0 as usize];
        if r != NONE {
            self.unlink(r);
        }
    }

    /// Links the operation invoked at `call` back in (the reverse of [`Self::lift`]).
    fn unlift(&mut self, call: u32) {
        let r = self.ret[self.p.events[call as usize].0 as usize];
        if r != NONE {
            self.relink(r);
        }
        self.relink(call);
    }

    fn unlink(&mut self, i: u32) {
        let (p, n) = (self.prev[i as usize], self.next[i as usize]);
        self.next[p as usize] = n;
        if n != NONE {
            self.prev[n as usize] = p;
        }
    }

    fn relink(&mut self, i: u32) {
        let (p, n) = (self.prev[i as usize], self.next[i as usize]);
        self.next[p as usize] = i;
        if n != NONE {
            self.prev[n as usize] = i;
        }
    }

    /// Notes that every event before `ret` was explained with the register holding `state`.
    fn reached(&mut self, ret: u32, state: Value) {
        let at = ret as usize;
        let s = &mut self.stuck;
        if at > s.prefix_events || s.blocked.is_none() {
            let op = self.p.events[at].0;
            *s = Stuck { prefix_events: at, blocked: Some(self.p.ops[op as usize].id), states: vec![state] };
        } else if at == s.prefix_events && s.states.len() < STATES_SHOWN && !s.states.contains(&state) {
            s.states.push(state);
        }
    }

    fn run(mut self, steps_max: u64) -> Searched {
        let mut remaining = self.p.ops.iter().filter(|o| o.returned).count();
        // Sized for a history that goes straight through (one pair per operation).
        let mut visited: HashSet<Fingerprint, BuildHasherDefault<FirstWord>> =
            HashSet::with_capacity_and_hasher(self.p.ops.len(), BuildHasherDefault::default());
        let mut chosen: Vec<(u32, Value)> = Vec::new();
        let (mut state, mut h) = (NIL, (0u64, 0u64));
        let mut e = self.next[self.head()];
        let mut steps = 0u64;
        let answer = loop {
            if remaining == 0 {
                break Answer::Linearizable;
            }
            if steps >= steps_max {
                break Answer::Unknown(self.finish_stuck());
            }
            steps += 1;
            // With an ok operation left, its return is still linked, so the walk meets a return
            // before it runs off the end.
            debug_assert!(e != NONE, "an unlinearized ok operation's return is still linked");
            let (op, call) = self.p.events[e as usize];
            let o = self.p.ops[op as usize];
            if call {
                if let Some(after) = o.action.step(state) {
                    let z = self.zobrist[op as usize];
                    let h2 = (h.0 ^ z.0, h.1 ^ z.1);
                    if visited.insert(Fingerprint::of(h2, after)) {
                        chosen.push((e, state));
                        state = after;
                        h = h2;
                        self.lift(e);
                        remaining -= usize::from(o.returned);
                        e = self.next[self.head()];
                        continue;
                    }
                }
                e = self.next[e as usize];
            } else {
                self.reached(e, state);
                let Some((c, before)) = chosen.pop() else {
                    break Answer::NotLinearizable(self.finish_stuck());
                };
                self.unlift(c);
                let undone = self.p.events[c as usize].0 as usize;
                let z = self.zobrist[undone];
                h = (h.0 ^ z.0, h.1 ^ z.1);
                state = before;
                remaining += usize::from(self.p.ops[undone].returned);
                e = self.next[c as usize];
            }
        };
        Searched { answer, steps, visited: visited.len() as u64 }
    }

    fn finish_stuck(&mut self) -> Stuck {
        let mut s = std::mem::take(&mut self.stuck);
        s.states.sort_unstable();
        s
    }
}

/// A visited (set, value) pair's 128-bit fingerprint.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Fingerprint(u64, u64);

impl Fingerprint {
    #[inline]
    fn of(set: (u64, u64), value: Value) -> Self {
        let v = value as u64;
        Fingerprint(set.0 ^ mix(v.wrapping_mul(2) ^ 0x5bd1_e995), set.1 ^ mix(v.wrapping_mul(2) ^ 0x1b87_3593))
    }
}

impl Hash for Fingerprint {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

/// A hasher for words that are already random: it passes the first word through.
#[derive(Default)]
struct FirstWord(u64);

impl Hasher for FirstWord {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// SplitMix64's finalizer: a fixed, well-mixed word for each input.
#[inline]
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
