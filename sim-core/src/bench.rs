//! The benchmark suite behind `clustersim bench`: the bare madsim floor, the transport alone, the
//! full stack at two loads, cluster size scaling, seed sweeps and the checkers, each measured as
//! wall time, simulated time, their ratio, messages and operations per wall second, and peak memory.
//!
//! The command (`cmd::bench`) runs each benchmark in a child process of its own, so peak memory
//! is that child's VmHWM from /proc/self/status. Benchmarks report figures; nothing here asserts
//! on time.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant as WallInstant};

use madsim::runtime::Runtime;
use nodes::{Cluster, Observer};

use crate::check::check_all;
use crate::check::linear::{self, generate, generate::Shape, Action, Model};
use crate::drive::run_seed;
use crate::history::import::EventType;
use crate::history::{FinalState, History, Level, Op, OpKind, Outcome, ReplicaState, Version, Versioned};
use crate::scenario::{self, model::Scenario};
use crate::seed::{stream, Stream};
use crate::sweep::jobs::{run_all, Job};

/// Benchmark names, in the order they run.
pub const NAMES: [&str; 10] =
    ["floor", "transport", "r1", "r2", "scale", "sweep", "checkers", "linearizability", "r1-repair", "capacity"];

/// The figures of one benchmark.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Figures {
    /// Benchmark name.
    pub name: String,
    /// Wall-clock time.
    pub wall: Duration,
    /// Simulated time covered.
    pub simulated_ms: u64,
    /// Inputs (messages and timers) delivered to state machines.
    pub delivered: u64,
    /// Client operations completed (or history operations checked).
    pub ops: u64,
    /// Seeds run (sweeps only).
    pub seeds: u64,
    /// Peak resident memory during the benchmark, in KiB (VmHWM).
    pub peak_kib: u64,
}

impl Figures {
    /// Wall nanoseconds per delivered input.
    pub fn ns_per_message(&self) -> f64 {
        if self.delivered == 0 {
            return 0.0;
        }
        self.wall.as_nanos() as f64 / self.delivered as f64
    }
}

/// The performance issue's targets, judged on the figures that were run (printed, never
/// asserted: wall times depend on the machine and its load).
pub fn targets(figures: &[Figures]) -> String {
    let find = |name: &str| figures.iter().find(|f| f.name == name);
    let secs = |f: &Figures| f.wall.as_secs_f64().max(1e-9);
    let mut rows: Vec<(String, String, bool)> = vec![];
    if let Some(floor) = find("floor").map(Figures::ns_per_message) {
        for f in figures.iter().filter(|f| f.name.starts_with("R1") || f.name.starts_with("R2")) {
            let x = f.ns_per_message() / floor;
            rows.push((format!("{}: cost per input within 2x the floor", f.name), format!("{x:.1}x"), x <= 2.0));
        }
    }
    if let Some(r1) = find("R1 200 ops/s") {
        let ratio = r1.simulated_ms as f64 / 1_000.0 / secs(r1);
        rows.push(("R1 at least 1,000x real time".into(), format!("{ratio:.0}x"), ratio >= 1_000.0));
    }
    if let Some(r1) = find("R1 + repair") {
        let ratio = r1.simulated_ms as f64 / 1_000.0 / secs(r1);
        let target = "R1 with read repair and anti-entropy at least 1,000x real time";
        rows.push((target.into(), format!("{ratio:.0}x"), ratio >= 1_000.0));
    }
    if let (Some(small), Some(large)) = (find("scale 5 nodes"), find("scale 1000 nodes")) {
        let (a, b) = (small.ns_per_message(), large.ns_per_message());
        rows.push((
            "cost per input at 1,000 nodes within 1.5x of 5 nodes".into(),
            format!("{b:.0} vs {a:.0} ns"),
            b <= 1.5 * a,
        ));
    }
    if let Some(c) = find("checkers 1M ops") {
        rows.push(("1,000,000 operations checked in under 2 s".into(), format!("{:.2} s", secs(c)), secs(c) < 2.0));
    }
    if let Some(l) = find("linearizable 1M ops 1000 keys") {
        rows.push((
            "1,000,000 operations over 1,000 keys checked for linearizability in under 2 s".into(),
            format!("{:.2} s", secs(l)),
            secs(l) < 2.0,
        ));
    }
    for (name, what) in
        [("linearizable 1 key 10k ops", ""), ("not linearizable 1 key 10k ops", ", a stale read at the end")]
    {
        if let Some(l) = find(name) {
            rows.push((
                format!("one key, 10 processes, 10,000 operations{what}: decided within seconds (under 5 s)"),
                format!("{:.2} s", secs(l)),
                secs(l) < 5.0,
            ));
        }
    }
    if let Some(sw) = find("sweep 60 s") {
        let rate = sw.seeds as f64 / secs(sw);
        rows.push(("at least 10 seeds/s of a 60 s scenario".into(), format!("{rate:.1} seeds/s"), rate >= 10.0));
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut t = String::from("| target | measured | |\n|---|---:|---|\n");
    for (target, measured, met) in rows {
        t.push_str(&format!("| {target} | {measured} | {} |\n", if met { "met" } else { "NOT met" }));
    }
    t
}

/// Runs every wanted benchmark and returns their figures.
pub fn run_suite(smoke: bool, wanted: &dyn Fn(&str) -> bool) -> Vec<Figures> {
    let s = |full: u64| if smoke { 1 } else { full };
    let mut out = vec![];
    if wanted("floor") {
        out.push(measure("floor", || floor(if smoke { 1_000 } else { 200_000 })));
    }
    if wanted("transport") {
        out.push(measure("transport", || transport(5, 64, s(60) * 1_000)));
    }
    if wanted("r1") {
        out.push(measure("R1 200 ops/s", || full_stack(&r1(200, s(600), 5, 16), 1)));
    }
    if wanted("r2") {
        out.push(measure("R2 2000 ops/s", || full_stack(&r1(2_000, s(600), 5, 16), 1)));
    }
    if wanted("scale") {
        for nodes in [5, 50, 200, 1_000] {
            // Gossip membership on: every node probes, so its cost per input is part of the figure.
            let expect = "[no_stale_quorum_reads, no_lost_acknowledged_writes]";
            let sc = r1_with(1_000, s(15), nodes, 10_000, expect, "{}\n  membership: { gossip: on }");
            out.push(measure(&format!("scale {nodes} nodes"), || full_stack(&sc, 1)));
        }
    }
    if wanted("sweep") {
        out.push(measure("sweep 60 s", || sweep(&r1(200, s(60), 5, 16), if smoke { 2 } else { 40 })));
    }
    if wanted("checkers") {
        out.push(measure("checkers 1M ops", || checkers(if smoke { 10_000 } else { 1_000_000 })));
    }
    if wanted("linearizability") {
        let scale = |n: u32| if smoke { n / 100 } else { n };
        let many = Shape { processes: scale(5_000), ops: scale(1_000_000), keys: 1_000, ..LIN_SHAPE };
        out.push(measure("linearizable 1M ops 1000 keys", || linearizability(many, 1, false)));
        let hot = Shape { processes: 10, ops: scale(10_000), keys: 1, ..LIN_SHAPE };
        out.push(measure("linearizable 1 key 10k ops", || linearizability(hot, 2, false)));
        out.push(measure("not linearizable 1 key 10k ops", || linearizability(hot, 2, true)));
    }
    if wanted("capacity") {
        // Issue 13's capacity benchmark: 100 nodes, a day compressed to 10 simulated minutes.
        out.push(measure("capacity 100 nodes, day in 10 min", || full_stack(&capacity(s(600)), 1)));
    }
    if wanted("r1-repair") {
        // R1 with each repair mechanism, then both: each row's cost over R1's is the mechanism's.
        for (name, storage) in REPAIR_VARIANTS {
            let sc = r1_storage(200, s(600), storage);
            out.push(measure(name, || full_stack(&sc, 1)));
        }
    }
    out
}

/// The R1 variants of the `r1-repair` benchmark: row name and `cluster.storage` settings.
pub const REPAIR_VARIANTS: [(&str, &str); 3] = [
    ("R1 + read repair", "{ read_repair: async }"),
    ("R1 + anti-entropy", "{ anti_entropy: on }"),
    ("R1 + repair", "{ read_repair: async, anti_entropy: on }"),
];

/// Formats the figures as a Markdown table; per-message cost is also given in floors.
pub fn table(figures: &[Figures], floor_ns: Option<f64>) -> String {
    let mut t = String::from(
        "| benchmark | wall | simulated | sim/wall | delivered/s | ops/s | ns/msg | x floor | peak MiB |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for f in figures {
        let secs = f.wall.as_secs_f64().max(1e-9);
        let ratio = f.simulated_ms as f64 / 1_000.0 / secs;
        let ns = f.ns_per_message();
        let floors = match (floor_ns, ns > 0.0) {
            (Some(floor), true) => format!("{:.1}", ns / floor),
            _ => "-".into(),
        };
        let extra = if f.seeds > 0 { format!(" ({:.1} seeds/s)", f.seeds as f64 / secs) } else { String::new() };
        t.push_str(&format!(
            "| {}{} | {:.3} s | {:.0} s | {:.0}x | {:.0} | {:.0} | {:.0} | {} | {:.0} |\n",
            f.name,
            extra,
            secs,
            f.simulated_ms as f64 / 1_000.0,
            ratio,
            f.delivered as f64 / secs,
            f.ops as f64 / secs,
            ns,
            floors,
            f.peak_kib as f64 / 1_024.0,
        ));
    }
    t
}

fn measure(name: &str, body: impl FnOnce() -> Figures) -> Figures {
    // Within one process (scale runs four sizes), reset the high-water mark so VmHWM is this
    // run's peak; harmless if the kernel refuses.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut f = body();
    f.name = name.to_string();
    f.peak_kib = peak_kib();
    eprintln!("bench: {name} done in {:.2} s", f.wall.as_secs_f64());
    f
}

/// CPU time this process has used so far (user and system, all threads), in milliseconds;
/// 0 where `/proc` has none. `/proc/self/stat` counts clock ticks, 100 a second on Linux.
pub fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the state, field 3;
    // utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = rest.split_whitespace().skip(11).take(2).filter_map(|t| t.parse::<u64>().ok()).sum();
    ticks * 10
}

/// This process's peak resident memory so far (`VmHWM`), in KiB; 0 where `/proc` has none.
pub fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The capacity benchmark: up to 100 nodes (10 at the start) sized by the HPA rule under a
/// daily cycle compressed to 10 minutes; requests cost worker time.
pub fn capacity(duration_s: u64) -> Arc<Scenario> {
    let text = format!(
        "name: bench-capacity\ndescription: benchmark capacity shape\nseed: 1\nduration: {duration_s}s\ncluster:\n  zones: [az-a, az-b, az-c]\n  nodes: 100\n  \
         replication: {{ n: 3 }}\n  shards: 300\n  network: {{ latency: {{ uniform: [1ms, 3ms] }} }}\n  \
         capacity: {{ workers: 1, queue: 64, service: {{ coordinate: {{ exponential: {{ min: 1ms, mean: 1ms }} }}, \
         read: {{ exponential: {{ min: 4ms, mean: 4ms }} }}, write: {{ exponential: {{ min: 8ms, mean: 8ms }} }} }} }}\n\
         workload:\n  - {{ clients: 400, rate: 1200/s, keys: 100000, reads: 0.7, consistency: QUORUM, shape: {{ daily: {{ period: 10m, low: 0.2, peak_at: 5m }} }} }}\n\
         autoscaler: {{ mode: hpa, min: 10, max: 100, initial: 10, startup: 30s, target: 0.6 }}\n\
         expect: [no_lost_acknowledged_writes, node_count_within_bounds]\n\
         budget: {{ operations: 100000000, messages: 10000000000, clients: 100000, memory: 64GiB }}\n",
    );
    Arc::new(scenario::parse(Path::new("bench/capacity.yaml"), &text).expect("the benchmark scenario is valid"))
}

/// A scenario shaped like R1: three zones, N=3 QUORUM, a crash, a restart and a partition.
pub fn r1(rate: u32, duration_s: u64, nodes: u32, shards: u32) -> Arc<Scenario> {
    r1_expecting(rate, duration_s, nodes, shards, "[no_stale_quorum_reads, no_lost_acknowledged_writes]")
}

/// R1 (5 nodes, 16 shards) with these `cluster.storage` settings; it expects convergence too.
pub fn r1_storage(rate: u32, duration_s: u64, storage: &str) -> Arc<Scenario> {
    let expect = "[no_stale_quorum_reads, no_lost_acknowledged_writes, eventually_converged]";
    r1_with(rate, duration_s, 5, 16, expect, storage)
}

fn r1_expecting(rate: u32, duration_s: u64, nodes: u32, shards: u32, expect: &str) -> Arc<Scenario> {
    r1_with(rate, duration_s, nodes, shards, expect, "{}")
}

fn r1_with(rate: u32, duration_s: u64, nodes: u32, shards: u32, expect: &str, storage: &str) -> Arc<Scenario> {
    let at = |frac: f64| format!("{}ms", (duration_s as f64 * 1_000.0 * frac) as u64);
    let text = format!(
        "name: bench-r1\ndescription: benchmark R1 shape\nseed: 1\nduration: {duration_s}s\ncluster:\n  zones: [az-a, az-b, az-c]\n  nodes: {nodes}\n  \
         replication: {{ n: 3 }}\n  shards: {shards}\n  network: {{ latency: {{ uniform: [1ms, 10ms] }} }}\n  storage: {storage}\n\
         workload:\n  - {{ clients: 16, rate: {rate}/s, keys: 10000, reads: 0.5, consistency: QUORUM }}\n\
         faults:\n  - {{ at: {}, crash: [n2] }}\n  - {{ at: {}, restart: [n2] }}\n  \
         - {{ at: {}, for: {}, partition: [[n1, n2], [n3, n4, n5]] }}\n\
         expect: {expect}\n\
         budget: {{ operations: 100000000, messages: 10000000000, memory: 64GiB }}\n",
        at(0.2),
        at(0.3),
        at(0.5),
        at(0.05),
    );
    Arc::new(scenario::parse(Path::new("bench/r1.yaml"), &text).expect("the benchmark scenario is valid"))
}

fn full_stack(sc: &Arc<Scenario>, seed: u64) -> Figures {
    let r = run_seed(sc, seed).expect("the benchmark scenario runs");
    Figures {
        wall: r.wall,
        simulated_ms: r.simulated_ms,
        delivered: r.net.delivered,
        ops: r.history.ops.len() as u64,
        ..Figures::default()
    }
}

fn sweep(sc: &Arc<Scenario>, seeds: u64) -> Figures {
    let jobs: Vec<Job> = (1..=seeds).map(|seed| Job { scenario: sc.clone(), seed }).collect();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let started = WallInstant::now();
    let outcomes = run_all(&jobs, threads, &indicatif::ProgressBar::hidden());
    Figures {
        wall: started.elapsed(),
        simulated_ms: seeds * (sc.duration_ms + sc.heal_ms),
        ops: outcomes.iter().map(|o| o.ops).sum(),
        seeds,
        ..Figures::default()
    }
}

/// Echo endpoints on our transport, `in_flight` messages each, for `sim_ms` simulated ms.
fn transport(nodes: u32, in_flight: u32, sim_ms: u64) -> Figures {
    let sc = r1(1, 1, nodes, 16);
    let started = WallInstant::now();
    // A fresh OS thread per runtime, outside the simulation (as run::run_seed does).
    let delivered = std::thread::spawn(move || {
        let rt = Runtime::with_seed_and_config(1, madsim::Config::default());
        rt.block_on(async move {
            let c = &sc.cluster;
            let zones = c.nodes.iter().map(|n| n.zone).collect();
            let observer = Discard;
            let cluster = Cluster::build_echo(zones, c.net.clone(), stream(1, Stream::Network, 0), in_flight, observer);
            cluster.run_to(sim_ms);
            cluster.stats().delivered
        })
    })
    .join()
    .expect("the transport benchmark runs");
    Figures { wall: started.elapsed(), simulated_ms: sim_ms, delivered, ..Figures::default() }
}

/// One task sleeps 1 ms and sends on a channel, another receives: per round one timer, two
/// task wake-ups and one channel hop, the least any delivery on madsim can cost.
fn floor(rounds: u64) -> Figures {
    let started = WallInstant::now();
    // A fresh OS thread per runtime, outside the simulation (as run::run_seed does).
    std::thread::spawn(move || {
        let rt = Runtime::with_seed_and_config(1, madsim::Config::default());
        rt.block_on(async move {
            let chan = Arc::new(Chan::default());
            let rx = chan.clone();
            let receiver = madsim::task::spawn(async move {
                let mut got = 0;
                while got < rounds {
                    got += rx.recv().await;
                }
            });
            for _ in 0..rounds {
                madsim::time::sleep(Duration::from_millis(1)).await;
                chan.send(1);
            }
            let _ = receiver.await;
        })
    })
    .join()
    .expect("the floor benchmark runs");
    Figures { wall: started.elapsed(), simulated_ms: rounds, delivered: rounds, ..Figures::default() }
}

/// The least channel there is: a queue and the receiver's waker.
#[derive(Default)]
struct Chan {
    inner: Mutex<(VecDeque<u64>, Option<Waker>)>,
}

impl Chan {
    fn send(&self, v: u64) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0.push_back(v);
        if let Some(w) = g.1.take() {
            w.wake();
        }
    }

    async fn recv(&self) -> u64 {
        std::future::poll_fn(|cx| {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            match g.0.pop_front() {
                Some(v) => Poll::Ready(v),
                None => {
                    g.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
    }
}

/// Checks a synthetic history of `ops` operations (half writes, half QUORUM reads of the latest
/// version, 10,000 keys, one coordinator per key) with every client-history checker.
fn checkers(ops: u64) -> Figures {
    let sc = r1_expecting(
        200,
        600,
        5,
        16,
        "[no_stale_quorum_reads, no_stale_reads, no_lost_acknowledged_writes, no_siblings]",
    );
    let history = synthetic_history(ops, &sc);
    let started = WallInstant::now();
    let verdicts = check_all(&history, &sc.expect);
    let wall = started.elapsed();
    for v in verdicts.iter().filter(|v| !v.passed) {
        eprintln!("bench: checker {} unexpectedly failed on the synthetic history: {}", v.name, v.detail);
    }
    Figures { wall, ops, ..Figures::default() }
}

/// A history that passes every client-history checker: each key belongs to one client's
/// session (so each write observed the ones before it), and each read returns the latest
/// write generated before it, invoked when no later write has completed yet.
fn synthetic_history(ops: u64, sc: &Scenario) -> History {
    const KEYS: u64 = 10_000;
    let nodes = sc.cluster.nodes.len() as u32;
    let mut latest: Vec<Option<Versioned>> = vec![None; KEYS as usize];
    let mut counters = vec![0u64; KEYS as usize];
    let mut h = History::default();
    h.ops.reserve(ops as usize);
    for i in 0..ops {
        let key = nodes::shard_map::mix64(i) % KEYS;
        let coordinator = (key % nodes as u64) as u32;
        // Four operations per millisecond bucket `t`: writes complete at t + 3, reads are
        // invoked at t + 3, so a read must see the writes of earlier buckets (complete before
        // it began), and those of its own bucket are concurrent with it.
        let t = i / 4;
        let mut op = Op {
            client: nodes + (key % 16) as u32,
            group: 0,
            seq: i,
            kind: OpKind::Read,
            key,
            shard: Some(0),
            level: Level::Quorum,
            required: 2,
            n: 3,
            invoke_ms: t,
            complete_ms: t + 3,
            outcome: Outcome::Ok,
            reason: None,
            coordinator: Some(coordinator),
            value: None,
            context: Version::new(),
            version: None,
            read: vec![],
            primary_saw: vec![],
            stand_ins: 0,
            retries: 0,
        };
        let slot = &mut latest[key as usize];
        if i % 2 == 0 {
            counters[key as usize] += 1;
            let version = Version::from_parts(Some((coordinator, counters[key as usize])), None);
            let item = Versioned { version, value: i };
            op.kind = OpKind::Write;
            op.value = Some(i);
            op.context = slot.as_ref().map(|v| v.version.clone()).unwrap_or_default();
            op.version = Some(item.version.clone());
            *slot = Some(item);
        } else {
            op.invoke_ms = t + 3;
            op.complete_ms = t + 6;
            op.read = slot.iter().cloned().collect();
        }
        h.ops.push(op);
    }
    let mut state = ReplicaState::default();
    for (key, v) in latest.into_iter().enumerate() {
        if let Some(v) = v {
            state.keys.insert(key as u64, vec![v]);
        }
    }
    // One shard held by every node.
    let replica_sets = vec![(0..nodes).collect()];
    let end = ops / 4 + 10;
    h.nodes = nodes;
    h.shards = sc.cluster.shards;
    h.healed_at_ms = Some(end);
    h.record_final_state(FinalState { at_ms: end, replicas: vec![state; nodes as usize], replica_sets });
    h
}

/// The shape of the linearizability benchmark's histories: a compare-and-set register per
/// key, unique values, a few operations of unknown outcome and some that fail.
const LIN_SHAPE: Shape =
    Shape { processes: 10, ops: 0, keys: 1, values: 0, cas: true, p_info: 0.02, p_no_effect: 0.05, anomaly: false };

/// Checks a history drawn from a reference register (so linearizable, unless `stale_at_end`
/// changes the last ok read to return a value it cannot have) key by key: importing its events
/// into per-key histories and searching them on all cores, as `check-history` does; drawing the
/// history is not timed. A stale read at the end makes the search rule out every linearization
/// of everything before it: the slowest case.
fn linearizability(shape: Shape, seed: u64, stale_at_end: bool) -> Figures {
    let mut ops = generate::history(&shape, &mut generate::Rng::new(seed));
    if stale_at_end {
        let ok_read = |o: &generate::GenOp| matches!(o.action, Action::Read(_)) && o.outcome == EventType::Ok;
        if let Some(last) = ops.iter_mut().rev().find(|o| ok_read(o)) {
            // Values are unique per write, and no write wrote this one.
            last.action = Action::Read(u32::MAX);
        }
    }
    let events = generate::events(&ops, shape.keys > 1);
    let model = if shape.keys > 1 { Model::Kv } else { Model::CasRegister };
    let started = WallInstant::now();
    let imported = linear::import(&events, model).expect("generated histories import");
    let partitions: Vec<&linear::Partition> = imported.keys.iter().map(|k| &k.partition).collect();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let answers = linear::check_each(&partitions, linear::STEPS_MAX_DEFAULT, threads);
    let wall = started.elapsed();
    let failed = answers.iter().filter(|s| s.answer != linear::Answer::Linearizable).count();
    if failed != usize::from(stale_at_end) {
        eprintln!("bench: {failed} keys not found linearizable (expected {})", usize::from(stale_at_end));
    }
    Figures { wall, ops: ops.len() as u64, ..Figures::default() }
}

/// Takes every event and keeps none: the transport benchmark has no protocol to observe.
struct Discard;

impl Observer for Discard {
    fn record(&mut self, _: u64, _: nodes::Addr, _: nodes::Event) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_judged_from_the_figures_and_can_fail() {
        let fig = |name: &str, wall_ms: u64, sim_ms: u64, delivered: u64, seeds: u64| Figures {
            name: name.into(),
            wall: Duration::from_millis(wall_ms),
            simulated_ms: sim_ms,
            delivered,
            seeds,
            ..Figures::default()
        };
        let good = [
            fig("floor", 100, 0, 200_000, 0),
            fig("R1 200 ops/s", 500, 605_000, 1_000_000, 0),
            fig("scale 5 nodes", 100, 0, 100_000, 0),
            fig("scale 1000 nodes", 400, 0, 1_000_000, 0),
            fig("checkers 1M ops", 1_000, 0, 0, 0),
            fig("sweep 60 s", 1_000, 0, 0, 40),
        ];
        let t = targets(&good);
        assert_eq!(t.matches("| met |").count(), 5, "{t}");
        let bad = [
            fig("floor", 100, 0, 200_000, 0),
            fig("R1 200 ops/s", 1_000, 605_000, 100_000, 0),
            fig("checkers 1M ops", 2_500, 0, 0, 0),
            fig("sweep 60 s", 1_000, 0, 0, 5),
        ];
        let t = targets(&bad);
        assert_eq!(t.matches("NOT met").count(), 4, "{t}");
        assert!(t.contains("| R1 at least 1,000x real time | 605x | NOT met |"), "{t}");
        assert!(targets(&[]).is_empty());
    }

    #[test]
    fn smoke_run_of_every_benchmark_prints_a_row_each() {
        let figures = run_suite(true, &|name| name != "scale");
        let t = table(&figures, Some(100.0));
        for name in ["floor", "transport", "R1", "R2", "sweep", "checkers", "R1 + anti-entropy", "R1 + repair"] {
            assert!(t.contains(name), "{name} missing from\n{t}");
        }
    }
}
