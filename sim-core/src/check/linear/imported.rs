//! Histories from other tools, as a list of imported [`Event`]s, made into one [`Partition`]
//! per key: invocations paired with their completions by process, values interned, failed
//! operations dropped (they did not take effect), and operations that never completed (or
//! completed `info`) left open to the end.
//!
//! One pass over the events with hash maps (a fast, fixed hasher: nothing here depends on
//! their iteration order), then one pass that deals each operation's events to its key, so a
//! million operations import in a fraction of a second.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::model::{Action, Model, Value, NIL};
use super::partition::{LinOp, Partition};
use crate::history::import::{Datum, Event, EventType, ImportError};

/// What an imported operation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// `read`.
    Read,
    /// `write`.
    Write,
    /// `cas`.
    Cas,
}

/// An imported operation, for reports: where its events are, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// The process that ran it.
    pub process: i64,
    /// What it did.
    pub f: Function,
    /// Index of its invocation among the events.
    pub invoke: usize,
    /// Index of its completion, if it completed.
    pub complete: Option<usize>,
    /// How it ended: `Ok`, `Fail` or `Info` (also for an operation that never completed).
    pub outcome: EventType,
}

/// One key's history, ready for the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHistory {
    /// The key (`None` for a single register).
    pub key: Option<Datum>,
    /// Its operations and events; each operation's `id` indexes [`Imported::ops`].
    pub partition: Partition,
}

/// An imported history, split by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Every operation of a client process, in invocation order.
    pub ops: Vec<OpInfo>,
    /// One history per key, in order of first appearance.
    pub keys: Vec<KeyHistory>,
    /// The datum of each interned value (index = value id; `nil` first).
    pub values: Vec<Datum>,
    /// Events of processes that are not clients (such as Jepsen's `:nemesis`), skipped.
    pub skipped_events: usize,
}

impl Imported {
    /// The key and value `op` carries in `events` (a read's value is what it returned).
    pub fn key_value<'e>(&self, events: &'e [Event], op: &OpInfo, model: Model) -> (Option<&'e Datum>, &'e Datum) {
        let at = match (op.f, op.complete) {
            (Function::Read, Some(c)) if op.outcome == EventType::Ok => c,
            _ => op.invoke,
        };
        split_key(&events[at], model).unwrap_or((None, &events[at].value))
    }
}

/// A hasher for keys that are already small integers or short data (FxHash's multiply and
/// rotate): fixed, so runs never differ, and cheap.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_i64(&mut self, v: i64) {
        self.write_u64(v as u64);
    }

    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Pairs `events` into operations of `model` and splits them by key; the first event that
/// does not fit is an error naming its line.
pub fn import(events: &[Event], model: Model) -> Result<Imported, ImportError> {
    let mut h = Imported { values: vec![Datum::Nil], ..Imported::default() };
    let mut interner = Interner::default();
    let mut keys = Interner::default();
    // Per operation: its key's index and its action (a read's value is set at completion).
    let mut acts: Vec<(u32, Action)> = Vec::with_capacity(events.len() / 2);
    let mut order: Vec<(u32, bool)> = Vec::with_capacity(events.len());
    let mut pending: FxMap<i64, usize> = FxMap::default();
    for (index, e) in events.iter().enumerate() {
        let Datum::Int(process) = e.process else {
            h.skipped_events += 1;
            continue;
        };
        let (key, value) = split_key(e, model)?;
        let mut intern = |d| interner.intern(d, &mut h.values);
        if e.kind == EventType::Invoke {
            if let Some(&open) = pending.get(&process) {
                return Err(ImportError::new(
                    e.line,
                    format!(
                        "process {process} invokes an operation before its previous one (invoked on line {}) completed",
                        events[h.ops[open].invoke].line
                    ),
                ));
            }
            let f = function(e, model)?;
            let action = match f {
                Function::Read => Action::Read(NIL),
                Function::Write => Action::Write(intern(value)),
                Function::Cas => match value {
                    Datum::List(pair) if pair.len() == 2 => {
                        Action::Cas { from: intern(&pair[0]), to: intern(&pair[1]) }
                    }
                    other => {
                        return Err(ImportError::new(
                            e.line,
                            format!("a cas value must be `[expected new]`, not `{other}`"),
                        ))
                    }
                },
            };
            let k =
                keys.index(key, |key| h.keys.push(KeyHistory { key: key.cloned(), partition: Partition::default() }));
            pending.insert(process, h.ops.len());
            order.push((h.ops.len() as u32, true));
            acts.push((k, action));
            h.ops.push(OpInfo { process, f, invoke: index, complete: None, outcome: EventType::Info });
            continue;
        }
        let Some(i) = pending.remove(&process) else {
            return Err(ImportError::new(e.line, format!("process {process} completes an operation it never invoked")));
        };
        let invoked = &events[h.ops[i].invoke];
        if invoked.f != e.f || split_key(invoked, model)?.0 != key {
            return Err(ImportError::new(
                e.line,
                format!("this completion does not match the operation invoked on line {}", invoked.line),
            ));
        }
        let op = &mut h.ops[i];
        op.complete = Some(index);
        op.outcome = e.kind;
        if op.f == Function::Read && e.kind == EventType::Ok {
            acts[i].1 = Action::Read(intern(value));
        }
        order.push((i as u32, false));
    }
    deal(&mut h, &acts, &order);
    Ok(h)
}

/// Dense ids for data borrowed from the events; integers (nearly every value and key in
/// practice) take a map of their own that hashes in two instructions.
#[derive(Default)]
struct Interner<'e> {
    ints: FxMap<i64, u32>,
    others: FxMap<Option<&'e Datum>, u32>,
    count: u32,
}

impl<'e> Interner<'e> {
    /// The id of `d` (ids count from 0 in order of first appearance); `new` is told of each
    /// datum the first time.
    fn index(&mut self, d: Option<&'e Datum>, new: impl FnOnce(Option<&'e Datum>)) -> u32 {
        let next = self.count;
        let id = match d {
            Some(Datum::Int(i)) => *self.ints.entry(*i).or_insert(next),
            _ => *self.others.entry(d).or_insert(next),
        };
        if id == next {
            self.count += 1;
            new(d);
        }
        id
    }

    /// The value id of `d`: `nil` is [`NIL`], others count from 1 and are appended to `values`.
    fn intern(&mut self, d: &'e Datum, values: &mut Vec<Datum>) -> Value {
        if *d == Datum::Nil {
            return NIL;
        }
        1 + self.index(Some(d), |d| values.extend(d.cloned()))
    }
}

/// Deals each operation's events to its key's partition: failed operations dropped, returns
/// only for operations that returned ok.
fn deal(h: &mut Imported, acts: &[(u32, Action)], order: &[(u32, bool)]) {
    let mut local = vec![u32::MAX; h.ops.len()];
    for &(i, call) in order {
        let op = &h.ops[i as usize];
        if op.outcome == EventType::Fail || (!call && op.outcome != EventType::Ok) {
            continue;
        }
        let (k, action) = acts[i as usize];
        let p = &mut h.keys[k as usize].partition;
        if call {
            local[i as usize] = p.ops.len() as u32;
            p.ops.push(LinOp { action, returned: op.outcome == EventType::Ok, id: i });
        }
        p.events.push((local[i as usize], call));
    }
}

/// The event's key and value: `key` given apart, or (kv) a `[key value]` tuple as Jepsen's
/// independent histories write it.
fn split_key(e: &Event, model: Model) -> Result<(Option<&Datum>, &Datum), ImportError> {
    match (model, &e.key, &e.value) {
        (Model::Kv, Some(k), v) => Ok((Some(k), v)),
        (Model::Kv, None, Datum::List(kv)) if kv.len() == 2 => Ok((Some(&kv[0]), &kv[1])),
        (Model::Kv, None, v) => Err(ImportError::new(
            e.line,
            format!("the kv model needs a key: a `key` field or a `[key value]` value, not `{v}`"),
        )),
        (_, Some(_), _) => Err(ImportError::new(
            e.line,
            format!("this event names a key, but the {model} model is one object: use --model kv"),
        )),
        (_, None, v) => Ok((None, v)),
    }
}

fn function(e: &Event, model: Model) -> Result<Function, ImportError> {
    match e.f.as_str() {
        "read" => Ok(Function::Read),
        "write" => Ok(Function::Write),
        "cas" if model.has_cas() => Ok(Function::Cas),
        other => {
            let known = if model.has_cas() { "read, write and cas" } else { "read and write" };
            Err(ImportError::new(e.line, format!("`f` is `{other}`: the {model} model has {known}")))
        }
    }
}
