//! `clustersim check-history FILE --model register|cas-register|kv`: checks a history written
//! by another tool (Jepsen/Knossos EDN, or our JSON-lines format) for linearizability, key by
//! key. Exit code 0 linearizable, 1 not, 3 undecided within the step budget, 2 bad input (the
//! file and line named).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use crate::check::linear::imported::Function;
use crate::check::linear::{
    check_each, import, Answer, Imported, KeyHistory, Model, OpInfo, Partition, Stuck, STEPS_MAX_DEFAULT,
};
use crate::console::say;
use crate::history::import::{self as importer, Event, EventType, Format};
use crate::outcome::{EXIT_BAD_INPUT, EXIT_LIVENESS, EXIT_OK, EXIT_SAFETY};

/// Most failing or undecided keys described one by one.
const KEYS_SHOWN: usize = 10;

/// Arguments of `check-history`.
#[derive(Args, Debug, Default)]
pub struct CheckHistoryArgs {
    /// The history: EDN (one map a line, or a vector of maps) or JSON lines.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// What the history's operations act on: `register` (read, write), `cas-register` (read,
    /// write, cas) or `kv` (a cas-register per key, the key in `key` or a `[key value]` tuple).
    #[arg(long, value_name = "MODEL")]
    pub model: String,
    /// `edn` or `jsonl`; by default told from the text.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Search steps allowed per key before the answer is "unknown" (exit 3).
    #[arg(long, value_name = "STEPS", default_value_t = STEPS_MAX_DEFAULT)]
    pub max_steps: u64,
}

/// How the keys came out.
#[derive(Default)]
struct Tally {
    steps: u64,
    failed: Vec<(usize, Stuck)>,
    unknown: Vec<(usize, Stuck)>,
}

/// Runs `check-history`; returns the process exit code.
pub fn command(args: &CheckHistoryArgs) -> i32 {
    let Some(model) = Model::named(&args.model) else {
        eprintln!("error: --model {}: use register, cas-register or kv", args.model);
        return EXIT_BAD_INPUT;
    };
    let format = match args.format.as_deref().map(|f| (f, Format::named(f))) {
        None => None,
        Some((_, Some(f))) => Some(f),
        Some((f, None)) => {
            eprintln!("error: --format {f}: use edn or jsonl");
            return EXIT_BAD_INPUT;
        }
    };
    let file = args.file.display();
    let started = Instant::now();
    let imported = importer::read(&args.file, format)
        .and_then(|(format, events)| import(&events, model).map(|h| (format, events, h)));
    let (format, events, h) = match imported {
        Ok(x) => x,
        Err(e) if e.line == 0 => {
            eprintln!("error: {file}: {}", e.message);
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            eprintln!("error: {file}:{}: {}", e.line, e.message);
            return EXIT_BAD_INPUT;
        }
    };
    say!("check-history: {file} ({}, model {model})", if format == Format::Edn { "EDN" } else { "JSON lines" });
    say!("{}", census(&h));
    let seen = Seen { h: &h, events: &events, model };
    let mut tally = Tally::default();
    let partitions: Vec<&Partition> = h.keys.iter().map(|k| &k.partition).collect();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    for (i, s) in check_each(&partitions, args.max_steps, threads).into_iter().enumerate() {
        tally.steps += s.steps;
        match s.answer {
            Answer::Linearizable => {}
            Answer::NotLinearizable(stuck) => tally.failed.push((i, stuck)),
            Answer::Unknown(stuck) => tally.unknown.push((i, stuck)),
        }
    }
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    for (i, stuck) in tally.failed.iter().take(KEYS_SHOWN) {
        say!("NOT linearizable{}", seen.explain(&h.keys[*i], stuck, false));
    }
    for (i, stuck) in tally.unknown.iter().take(KEYS_SHOWN) {
        say!("unknown{}", seen.explain(&h.keys[*i], stuck, true));
    }
    let shown = tally.failed.len().min(KEYS_SHOWN) + tally.unknown.len().min(KEYS_SHOWN);
    if tally.failed.len() + tally.unknown.len() > shown {
        say!("... and {} more keys", tally.failed.len() + tally.unknown.len() - shown);
    }
    let cost = format!("{} search steps, {wall_ms:.0} ms", tally.steps);
    if !tally.failed.is_empty() {
        say!("not linearizable: {} of {} ({cost})", tally.failed.len(), keys(h.keys.len()));
        EXIT_SAFETY
    } else if !tally.unknown.is_empty() {
        say!(
            "unknown: {} of {} undecided within {} steps each (--max-steps); the others are linearizable ({cost})",
            tally.unknown.len(),
            keys(h.keys.len()),
            args.max_steps
        );
        EXIT_LIVENESS
    } else {
        say!("linearizable ({}, {cost})", keys(h.keys.len()));
        EXIT_OK
    }
}

/// `1 key`, `2 keys`.
fn keys(n: usize) -> String {
    format!("{n} key{}", if n == 1 { "" } else { "s" })
}

/// Operations by outcome, keys, and skipped events, in one line.
fn census(h: &Imported) -> String {
    let count = |t: EventType| h.ops.iter().filter(|o| o.outcome == t).count();
    let never = h.ops.iter().filter(|o| o.complete.is_none()).count();
    let mut s = format!(
        "{} operations: {} ok, {} failed (never took effect), {} unknown (info; {never} never completed); {}",
        h.ops.len(),
        count(EventType::Ok),
        count(EventType::Fail),
        count(EventType::Info),
        keys(h.keys.len())
    );
    if h.skipped_events > 0 {
        s.push_str(&format!("; {} events of non-client processes (such as :nemesis) skipped", h.skipped_events));
    }
    s
}

/// An imported history with its events, to describe what the search found.
struct Seen<'a> {
    h: &'a Imported,
    events: &'a [Event],
    model: Model,
}

impl Seen<'_> {
    /// Where the search got stuck on `key`, for a human.
    fn explain(&self, key: &KeyHistory, stuck: &Stuck, unknown: bool) -> String {
        let at = key.key.as_ref().map(|k| format!(" at key {k}")).unwrap_or_default();
        let Some(op) = stuck.blocked.map(|i| &self.h.ops[i as usize]) else {
            return format!("{at}: the budget ran out before the search placed any operation");
        };
        let end = self.events[op.complete.unwrap_or(op.invoke)].line;
        let states: Vec<String> = stuck.states.iter().map(|&v| self.h.values[v as usize].to_string()).collect();
        let could = match states.len() {
            1 => format!("the register could only hold {} there", states[0]),
            _ => format!("the register could hold only {} there", states.join(" or ")),
        };
        if unknown {
            format!(
                "{at}: the search stopped within its budget; furthest it got: everything before line {end} \
                 explained, then {} not yet placed",
                self.label(op)
            )
        } else {
            format!(
                "{at}: everything before line {end} is linearizable, but {} cannot be placed after any of its \
                 linearizations: {could}",
                self.label(op)
            )
        }
    }

    /// An operation for a human: `the read by process 2 (lines 5-6) that returned 1`.
    fn label(&self, op: &OpInfo) -> String {
        let invoked = self.events[op.invoke].line;
        let lines = match op.complete {
            Some(c) => format!("lines {invoked}-{}", self.events[c].line),
            None => format!("line {invoked}, never completed"),
        };
        let value = self.h.key_value(self.events, op, self.model).1;
        let what = match op.f {
            Function::Read => ("read", format!("that returned {value}")),
            Function::Write => ("write", format!("of {value}")),
            Function::Cas => ("cas", format!("{value}")),
        };
        format!("the {} by process {} ({lines}) {}", what.0, op.process, what.1)
    }
}
