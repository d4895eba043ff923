//! Histories from other tools, as a list of imported [`Event`]s, made into one [`Partition`]
//! per key: invocations paired with their completions by process, values interned, failed
//! operations dropped (they did not take effect), and operations that never completed (or
//! completed `info`) left open to the end.

use std::collections::BTreeMap;

use super::model::{Action, Model, Value, NIL};
use super::partition::{LinOp, Partition};
use crate::history::import::{Datum, Event, EventType, ImportError};

/// An imported operation, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpInfo {
    /// The process that ran it.
    pub process: i64,
    /// `read`, `write` or `cas`.
    pub f: String,
    /// The key (the kv model only).
    pub key: Option<Datum>,
    /// What it wrote (`[old new]` for cas) or, for a read, what it returned.
    pub value: Datum,
    /// The line of its invocation.
    pub invoke_line: usize,
    /// The line of its completion, if it completed.
    pub complete_line: Option<usize>,
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
    /// The datum of each interned value (index = value id; `nil` first).
    pub values: Vec<Datum>,
}

/// An imported history, split by key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Every operation of a client process, in invocation order.
    pub ops: Vec<OpInfo>,
    /// One history per key, in key order.
    pub keys: Vec<KeyHistory>,
    /// Events of processes that are not clients (such as Jepsen's `:nemesis`), skipped.
    pub skipped_events: usize,
}

/// Pairs `events` into operations of `model` and splits them by key; the first event that
/// does not fit is an error naming its line.
pub fn import(events: &[Event], model: Model) -> Result<Imported, ImportError> {
    let mut ops: Vec<OpInfo> = vec![];
    // Per operation: its key and its action's data, before values are interned.
    let mut data: Vec<(Option<Datum>, Datum)> = vec![];
    let mut order: Vec<(usize, bool)> = vec![];
    let mut pending: BTreeMap<i64, usize> = BTreeMap::new();
    let mut skipped_events = 0;
    for e in events {
        let Datum::Int(process) = e.process else {
            skipped_events += 1;
            continue;
        };
        let (key, value) = split_key(e, model)?;
        if e.kind == EventType::Invoke {
            if let Some(&open) = pending.get(&process) {
                return Err(ImportError::new(
                    e.line,
                    format!(
                        "process {process} invokes an operation before its previous one (invoked on line {}) completed",
                        ops[open].invoke_line
                    ),
                ));
            }
            check_f(e, model)?;
            pending.insert(process, ops.len());
            order.push((ops.len(), true));
            data.push((key.clone(), value.clone()));
            ops.push(OpInfo {
                process,
                f: e.f.clone(),
                key,
                value,
                invoke_line: e.line,
                complete_line: None,
                outcome: EventType::Info,
            });
            continue;
        }
        let Some(i) = pending.remove(&process) else {
            return Err(ImportError::new(e.line, format!("process {process} completes an operation it never invoked")));
        };
        let op = &mut ops[i];
        if op.f != e.f || op.key != key {
            return Err(ImportError::new(
                e.line,
                format!("this completion does not match the operation invoked on line {}", op.invoke_line),
            ));
        }
        op.complete_line = Some(e.line);
        op.outcome = e.kind;
        if op.f == "read" && e.kind == EventType::Ok {
            op.value = value.clone();
            data[i].1 = value;
        }
        order.push((i, false));
    }
    let keys = split(&ops, &data, &order)?;
    Ok(Imported { ops, keys, skipped_events })
}

/// The event's key and value: `key` given apart, or (kv) a `[key value]` tuple as Jepsen's
/// independent histories write it.
fn split_key(e: &Event, model: Model) -> Result<(Option<Datum>, Datum), ImportError> {
    match (model, &e.key, &e.value) {
        (Model::Kv, Some(k), v) => Ok((Some(k.clone()), v.clone())),
        (Model::Kv, None, Datum::List(kv)) if kv.len() == 2 => Ok((Some(kv[0].clone()), kv[1].clone())),
        (Model::Kv, None, v) => Err(ImportError::new(
            e.line,
            format!("the kv model needs a key: a `key` field or a `[key value]` value, not `{v}`"),
        )),
        (_, Some(_), _) => Err(ImportError::new(
            e.line,
            format!("this event names a key, but the {model} model is one object: use --model kv"),
        )),
        (_, None, v) => Ok((None, v.clone())),
    }
}

fn check_f(e: &Event, model: Model) -> Result<(), ImportError> {
    match e.f.as_str() {
        "read" | "write" => Ok(()),
        "cas" if model.has_cas() => Ok(()),
        other => {
            let known = if model.has_cas() { "read, write and cas" } else { "read and write" };
            Err(ImportError::new(e.line, format!("`f` is `{other}`: the {model} model has {known}")))
        }
    }
}

/// One partition per key: failed operations dropped, returns only for ok operations.
fn split(
    ops: &[OpInfo],
    data: &[(Option<Datum>, Datum)],
    order: &[(usize, bool)],
) -> Result<Vec<KeyHistory>, ImportError> {
    let mut by_key: BTreeMap<Option<Datum>, (KeyHistory, BTreeMap<Datum, Value>)> = BTreeMap::new();
    // Each operation's index in its key's partition.
    let mut local = vec![u32::MAX; ops.len()];
    for &(i, call) in order {
        let op = &ops[i];
        if op.outcome == EventType::Fail || (!call && op.outcome != EventType::Ok) {
            continue;
        }
        let (key, value) = &data[i];
        let (h, interned) = by_key.entry(key.clone()).or_insert_with(|| {
            let h = KeyHistory { key: key.clone(), partition: Partition::default(), values: vec![Datum::Nil] };
            (h, BTreeMap::from([(Datum::Nil, NIL)]))
        });
        if call {
            let mut intern = |d: &Datum| -> Value {
                let next = h.values.len() as Value;
                *interned.entry(d.clone()).or_insert_with(|| {
                    h.values.push(d.clone());
                    next
                })
            };
            let action = match op.f.as_str() {
                "read" => Action::Read(intern(value)),
                "write" => Action::Write(intern(value)),
                _ => match value {
                    Datum::List(pair) if pair.len() == 2 => {
                        Action::Cas { from: intern(&pair[0]), to: intern(&pair[1]) }
                    }
                    other => {
                        return Err(ImportError::new(
                            op.invoke_line,
                            format!("a cas value must be `[expected new]`, not `{other}`"),
                        ))
                    }
                },
            };
            local[i] = h.partition.ops.len() as u32;
            h.partition.ops.push(LinOp { action, returned: op.outcome == EventType::Ok, id: i as u32 });
        }
        h.partition.events.push((local[i], call));
    }
    Ok(by_key.into_values().map(|(h, _)| h).collect())
}
