//! Random histories from a reference register: concurrent processes whose operations take
//! effect at one instant between invocation and completion, so the histories are
//! linearizable by construction, optionally with one anomaly injected. The tests compare the
//! search with a brute-force checker on them, and the benchmark checks large ones.

use super::model::{Action, Value, NIL};
use crate::history::import::{Datum, Event, EventType};

/// One generated operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenOp {
    /// The process that ran it.
    pub process: u32,
    /// The key it touched.
    pub key: u64,
    /// Invocation time (every event has a time of its own).
    pub invoke: u64,
    /// Completion time; `None` for an operation that never completed.
    pub complete: Option<u64>,
    /// What it did; a read carries the value it returned.
    pub action: Action,
    /// `Ok`, `Fail` or `Info`.
    pub outcome: EventType,
}

/// What to generate.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// Concurrent processes.
    pub processes: u32,
    /// Operations in all.
    pub ops: u32,
    /// Keys (1 for a single register).
    pub keys: u64,
    /// Values written are drawn from `1..=values`; 0 gives every write a value of its own.
    pub values: u32,
    /// Include compare-and-set operations.
    pub cas: bool,
    /// Chance that an operation's outcome is unknown (`info`).
    pub p_info: f64,
    /// Chance that an operation does not take effect (and then fails, or is `info`).
    pub p_no_effect: f64,
    /// Inject one anomaly (a read's value changed, or an outcome misreported).
    pub anomaly: bool,
}

/// A small deterministic random stream (xorshift64*), so generated histories are the same
/// everywhere and need no crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(super::search::mix(seed) | 1)
    }

    /// A number in `0..bound` (`bound > 0`).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) % bound
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.below(1 << 30) as f64) < p * (1u64 << 30) as f64
    }
}

enum Proc {
    Idle,
    /// Running operation `op`; it has taken effect (or decided not to) when `.1`.
    Running(usize, bool),
}

/// A history of `shape` drawn from `rng`.
pub fn history(shape: &Shape, rng: &mut Rng) -> Vec<GenOp> {
    let mut ops: Vec<GenOp> = Vec::with_capacity(shape.ops as usize);
    let mut effect: Vec<bool> = Vec::with_capacity(shape.ops as usize);
    let mut state: Vec<Value> = vec![NIL; shape.keys as usize];
    let mut procs: Vec<Proc> = (0..shape.processes).map(|_| Proc::Idle).collect();
    // A process whose operation never completed is replaced by a new one, as Jepsen does.
    let mut ids: Vec<u32> = (0..shape.processes).collect();
    let mut running = 0;
    let mut fresh: Value = 0;
    let mut clock = 0u64;
    while ops.len() < shape.ops as usize || running > 0 {
        let p = rng.below(shape.processes as u64) as usize;
        clock += 1;
        match procs[p] {
            Proc::Idle if ops.len() < shape.ops as usize => {
                let key = rng.below(shape.keys);
                let value = |rng: &mut Rng, fresh: &mut Value| {
                    *fresh += 1;
                    if shape.values == 0 {
                        *fresh
                    } else {
                        1 + rng.below(shape.values as u64) as Value
                    }
                };
                let action = match rng.below(if shape.cas { 3 } else { 2 }) {
                    0 => Action::Read(NIL),
                    1 => Action::Write(value(rng, &mut fresh)),
                    _ => {
                        let to = value(rng, &mut fresh);
                        let from =
                            if rng.chance(0.2) { NIL } else { 1 + rng.below(shape.values.max(1) as u64) as Value };
                        Action::Cas { from, to }
                    }
                };
                procs[p] = Proc::Running(ops.len(), false);
                running += 1;
                ops.push(GenOp { process: ids[p], key, invoke: clock, complete: None, action, outcome: EventType::Ok });
                effect.push(false);
            }
            Proc::Idle => {}
            Proc::Running(i, false) => {
                let s = &mut state[ops[i].key as usize];
                let took = !rng.chance(shape.p_no_effect);
                if took {
                    match ops[i].action.step(*s) {
                        Some(after) => {
                            *s = after;
                            effect[i] = true;
                        }
                        None if matches!(ops[i].action, Action::Read(_)) => {
                            ops[i].action = Action::Read(*s);
                            effect[i] = true;
                        }
                        None => {}
                    }
                }
                procs[p] = Proc::Running(i, true);
            }
            Proc::Running(i, true) => {
                let op = &mut ops[i];
                op.outcome = match (effect[i], rng.chance(shape.p_info)) {
                    (_, true) => EventType::Info,
                    (true, false) => EventType::Ok,
                    (false, false) => EventType::Fail,
                };
                // Some unknown outcomes are never reported at all (a crashed process).
                if op.outcome == EventType::Info && rng.chance(0.5) {
                    ids[p] += shape.processes;
                } else {
                    op.complete = Some(clock);
                }
                procs[p] = Proc::Idle;
                running -= 1;
            }
        }
    }
    if shape.anomaly {
        inject(&mut ops, &effect, shape, rng);
    }
    ops
}

/// Changes one read's value, or misreports one outcome.
fn inject(ops: &mut [GenOp], effect: &[bool], shape: &Shape, rng: &mut Rng) {
    if ops.is_empty() {
        return;
    }
    let i = rng.below(ops.len() as u64) as usize;
    let count = ops.len() as u64;
    let op = &mut ops[i];
    match (op.action, op.outcome) {
        (Action::Read(v), EventType::Ok) => {
            let top = if shape.values == 0 { count } else { shape.values as u64 };
            let w = (v as u64 + 1 + rng.below(top)) % (top + 1);
            op.action = Action::Read(w as Value);
        }
        (_, EventType::Fail) => op.outcome = EventType::Ok,
        (_, EventType::Ok) if effect[i] && op.complete.is_some() => op.outcome = EventType::Fail,
        _ => {}
    }
}

/// The history as Jepsen-style events in time order (`key` set only with several keys).
pub fn events(ops: &[GenOp], keyed: bool) -> Vec<Event> {
    let value = |v: Value| if v == NIL { Datum::Nil } else { Datum::Int(v as i64) };
    let mut timed: Vec<(u64, Event)> = Vec::with_capacity(2 * ops.len());
    for op in ops {
        let (f, invoke_value, done_value) = match op.action {
            Action::Read(v) => ("read", Datum::Nil, value(v)),
            Action::Write(v) => ("write", value(v), value(v)),
            Action::Cas { from, to } => ("cas", Datum::List(vec![value(from), value(to)]), Datum::Nil),
        };
        let done_value = if f == "cas" { invoke_value.clone() } else { done_value };
        let event = |kind, value| Event {
            line: 0,
            process: Datum::Int(op.process as i64),
            kind,
            f: f.to_string(),
            key: keyed.then_some(Datum::Int(op.key as i64)),
            value,
        };
        timed.push((op.invoke, event(EventType::Invoke, invoke_value)));
        if let Some(t) = op.complete {
            timed.push((t, event(op.outcome, done_value)));
        }
    }
    // Sorted by time alone: every event has a time of its own.
    timed.sort_unstable_by_key(|(t, _)| *t);
    timed.into_iter().enumerate().map(|(i, (_, e))| Event { line: i + 1, ..e }).collect()
}
