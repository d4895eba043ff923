//! The YAML form of a typed scenario: what `--emit-scenario` and `shrink` write. The text is a
//! plain scenario file that `scenario::load` reads back to the same scenario.

use std::fmt::Write as _;

use nodes::coordinator::Hedge;
use nodes::Latency;

use crate::check::Expectation;
use crate::history::{Level, OpKind};
use serde_yaml::Value;

use crate::scenario::hedging::{breaker_yaml, hedge_yaml};
use crate::scenario::membership::membership_text;
use crate::scenario::model::{AutoscalerSpec, Budget, Swarm};
use crate::scenario::model::{ClusterSpec, Fault, FaultAction, KeyDist, RateSchedule, Scenario, Target, WorkloadGroup};
use crate::scenario::shape::{Base, Pulse, Shape};
use crate::scenario::shard_classes::replication_text;
use crate::scenario::storage::{anti_entropy_text, conflicts_word, fsync_word, read_repair_word, scrub_word};
use crate::scenario::{format_ms, rate_per_s};

/// Writes `scenario` as a scenario file; `comments` become `#` lines at the top.
pub fn to_yaml(scenario: &Scenario, comments: &[String]) -> String {
    let mut out = String::new();
    for line in comments {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "name: {}", plain(&scenario.name));
    let _ = writeln!(out, "description: {}", quoted(scenario.description.trim_end()));
    if let Some(seed) = scenario.seed {
        let _ = writeln!(out, "seed: {seed}");
    }
    let _ = writeln!(out, "duration: {}", format_ms(scenario.duration_ms));
    let _ = writeln!(out, "heal: {}", format_ms(scenario.heal_ms));
    cluster(&mut out, &scenario.cluster);
    out.push_str("workload:\n");
    for group in &scenario.workload {
        let _ = writeln!(out, "  - {}", workload_group(group));
    }
    for p in &scenario.probes {
        let t: Vec<String> = p.t_ms.iter().map(|&t| format_ms(t)).collect();
        let _ = writeln!(
            out,
            "  - {{ probe: {{ t: [{}], every: {}, read_consistency: {}, write_consistency: {}, start: {}, stop: {} }} }}",
            t.join(", "),
            format_ms(p.every_ms),
            level(p.read_consistency),
            level(p.write_consistency),
            format_ms(p.start_ms),
            format_ms(p.stop_ms)
        );
    }
    if !scenario.faults.is_empty() {
        out.push_str("faults:\n");
        for fault in &scenario.faults {
            let _ = writeln!(out, "  - {}", self::fault(fault, &scenario.cluster));
        }
    }
    if let Some(swarm) = &scenario.swarm {
        self::swarm(&mut out, swarm);
    }
    if !scenario.expect.is_empty() {
        out.push_str("expect:\n");
        for e in &scenario.expect {
            let _ = writeln!(out, "  - {}", expectation(e));
        }
    }
    if let Some(a) = &scenario.autoscaler {
        autoscaler(&mut out, a);
    }
    if let Some(r) = &scenario.rebalance {
        let _ = writeln!(out, "{}", crate::scenario::rebalance::rebalance_text(r));
    }
    if scenario.budget != Budget::DEFAULT {
        let b = &scenario.budget;
        let _ = writeln!(
            out,
            "budget: {{ operations: {}, messages: {}, clients: {}, memory: {} }}",
            b.operations, b.messages, b.clients, b.memory_bytes
        );
    }
    out
}

fn cluster(out: &mut String, c: &ClusterSpec) {
    out.push_str("cluster:\n");
    let zones: Vec<String> = c.zones.iter().map(|z| plain(z)).collect();
    let _ = writeln!(out, "  zones: [{}]", zones.join(", "));
    // `nodes: 5` means n1..n5 spread round-robin over the zones; anything else is listed.
    let generated = c
        .nodes
        .iter()
        .enumerate()
        .all(|(i, n)| n.name == format!("n{}", i + 1) && n.zone as usize == i % c.zones.len());
    if generated {
        let _ = writeln!(out, "  nodes: {}", c.nodes.len());
    } else {
        out.push_str("  nodes:\n");
        for n in &c.nodes {
            let _ = writeln!(out, "    - {{ name: {}, zone: {} }}", plain(&n.name), plain(&c.zones[n.zone as usize]));
        }
    }
    let _ = writeln!(out, "  replication: {}", replication_text(c.n, c.requirement, &c.classes));
    let _ = writeln!(out, "  shards: {}", c.shards);
    out.push_str("  network:\n");
    let _ = writeln!(out, "    latency: {}", latency(&c.net.latency));
    if let Some(cross) = &c.net.cross_zone {
        let _ = writeln!(out, "    cross_zone_latency: {}", latency(cross));
    }
    let _ = writeln!(out, "    loss: {}", c.net.loss);
    let _ = writeln!(out, "    duplicate: {}", c.net.duplicate);
    let kinds: Vec<String> = nodes::sim::wars::MessageKind::ALL
        .iter()
        .filter_map(|&k| c.net.by_kind.get(k).map(|l| format!("{}: {}", k.name(), latency(l))))
        .collect();
    if !kinds.is_empty() {
        let _ = writeln!(out, "    message_latency: {{ {} }}", kinds.join(", "));
    }
    let _ = writeln!(
        out,
        "  timeouts: {{ request: {}, client: {} }}",
        format_ms(c.request_timeout_ms),
        format_ms(c.client_timeout_ms)
    );
    if c.writes_via_primary {
        out.push_str("  writes: primary\n");
    }
    let k = &c.control;
    let mut control = vec![
        format!("election_timeout: [{}, {}]", format_ms(k.election_timeout_ms.0), format_ms(k.election_timeout_ms.1)),
        format!("heartbeat: {}", format_ms(k.heartbeat_ms)),
        format!("lease: {}", format_ms(k.lease_ms)),
        format!("max_drift: {}", k.max_drift),
        format!("step_down_cooldown: {}", format_ms(k.step_down_cooldown_ms)),
        format!("voters: {}", k.voters_max),
    ];
    if k.slow_leader_rtt_ms > 0 {
        control.push(format!("slow_leader_rtt: {}", format_ms(k.slow_leader_rtt_ms)));
    }
    control.extend(crate::scenario::migration::policy_text(&k.migration));
    let _ = writeln!(out, "  control: {{ {} }}", control.join(", "));
    let s = &c.storage;
    let handoff = s.hinted_handoff.map_or("off".to_string(), |h| {
        format!("{{ after: {}, retry: {} }}", format_ms(h.after_ms), format_ms(h.retry_ms))
    });
    let mut storage = vec![
        format!("conflicts: {}", conflicts_word(s.store.conflicts)),
        format!("max_siblings: {}", s.store.max_siblings),
        format!("read_repair: {}", read_repair_word(s.read_repair)),
        format!("hinted_handoff: {handoff}"),
        format!("anti_entropy: {}", anti_entropy_text(s.anti_entropy)),
        format!("fsync: {}", fsync_word(s.store.fsync)),
        format!("scrub: {}", scrub_word(s.store.scrub_ms)),
    ];
    // Written only when on, so scenarios without them are written as before.
    if s.linearizable {
        storage.insert(0, "linearizable: on".to_string());
    }
    if s.hedge != Hedge::Off {
        storage.push(format!("hedge: {}", hedge_yaml(s.hedge)));
    }
    if s.breaker.is_some() {
        storage.push(format!("breaker: {}", breaker_yaml(s.breaker)));
    }
    let _ = writeln!(out, "  storage: {{ {} }}", storage.join(", "));
    if let Some(m) = membership_text(c.membership) {
        let _ = writeln!(out, "  membership: {m}");
    }
    // Written only when not the default, so scenarios without one are written as before.
    if c.balancer != nodes::client::BalancerConfig::default() {
        let _ = writeln!(out, "  balancer: {}", crate::scenario::balancer::balancer_yaml(&c.balancer));
    }
    capacity(out, c);
}

/// `capacity:`, with its node stats settings when not the defaults.
fn capacity(out: &mut String, c: &ClusterSpec) {
    if let Some(svc) = &c.service {
        let times: Vec<String> =
            nodes::sim::service::Work::ALL.iter().map(|&w| format!("{}: {}", w.name(), latency(svc.time(w)))).collect();
        // Node stats written only when not the defaults, so scenarios without them read as before.
        let stats = c
            .node_stats
            .filter(|s| {
                let d = nodes::capacity::NodeStatsConfig::default();
                (s.interval_ms, s.window, s.max_nodes) != (d.interval_ms, d.window, c.nodes.len().clamp(1, 1_024))
            })
            .map_or(String::new(), |s| {
                format!(
                    ", stats: {{ interval: {}, window: {}, nodes: {} }}",
                    format_ms(s.interval_ms),
                    s.window,
                    s.max_nodes
                )
            });
        let _ = writeln!(
            out,
            "  capacity: {{ workers: {}, queue: {}, service: {{ {} }}{stats} }}",
            svc.workers,
            svc.queue,
            times.join(", ")
        );
    }
}

fn autoscaler(out: &mut String, a: &AutoscalerSpec) {
    use nodes::capacity::Mode;
    let c = &a.config;
    let mode = match &c.mode {
        Mode::Threshold(t) => format!("mode: threshold, high: {}, low: {}", t.high, t.low),
        Mode::Hpa(h) => format!("mode: hpa, target: {}", h.target),
        Mode::Predictive(p) => format!("mode: predictive, target: {}", p.target),
    };
    let period = a.period_ms.map_or(String::new(), |p| format!(", period: {}", format_ms(p)));
    let _ = writeln!(
        out,
        "autoscaler: {{ {mode}, min: {}, max: {}, initial: {}, startup: {}, interval: {}, cooldown: {{ up: {}, down: {} }}, sample: {}{period}, slo: {{ p99: {}, window: {} }} }}",
        c.min_nodes,
        c.max_nodes,
        a.initial,
        format_ms(c.startup_ms),
        format_ms(c.interval_ms),
        format_ms(c.scale_up_cooldown_ms),
        format_ms(c.scale_down_cooldown_ms),
        format_ms(a.sample_ms),
        format_ms(a.slo_p99_ms),
        format_ms(a.slo_window_ms),
    );
}

fn latency(l: &Latency) -> String {
    match l {
        Latency::Constant { ms } => format!("{{ constant: {ms}ms }}"),
        Latency::Uniform { lo_ms, hi_ms } => format!("{{ uniform: [{lo_ms}ms, {hi_ms}ms] }}"),
        Latency::Exponential { min_ms, mean_ms } => {
            format!("{{ exponential: {{ min: {min_ms}ms, mean: {mean_ms}ms }} }}")
        }
        Latency::Pareto { scale_ms, shape } => format!("{{ pareto: {{ scale: {scale_ms}ms, shape: {shape} }} }}"),
        Latency::Mixture(parts) => {
            let parts: Vec<String> =
                parts.iter().map(|(w, l)| format!("{{ weight: {w}, latency: {} }}", latency(l))).collect();
            format!("{{ mixture: [{}] }}", parts.join(", "))
        }
    }
}

fn workload_group(g: &WorkloadGroup) -> String {
    let mut fields = vec![format!("clients: {}", g.clients)];
    // A trace brings its own rate.
    if !matches!(g.rate.shape.base, Base::Trace(_)) {
        fields.push(format!("rate: {}", rate(g.rate.base_per_s)));
    }
    fields.push(format!("keys: {}", g.keys));
    if let KeyDist::Zipf(s) = g.key_dist {
        fields.push(format!("key_distribution: {{ zipf: {s} }}"));
    }
    fields.push(format!("reads: {}", g.reads));
    fields.push(format!("read_consistency: {}", level(g.read_consistency)));
    fields.push(format!("write_consistency: {}", level(g.write_consistency)));
    if !g.send_context {
        fields.push("context: false".into());
    }
    fields.extend(crate::scenario::retry_text(&g.retry));
    fields.push(format!("start: {}", format_ms(g.start_ms)));
    fields.push(format!("stop: {}", format_ms(g.stop_ms)));
    if !g.rate.changes.is_empty() {
        fields.push(format!("rate_changes: [{}]", rate_changes(&g.rate)));
    }
    if !g.rate.shape.is_steady() {
        fields.push(format!("shape: {}", shape(&g.rate.shape)));
    }
    format!("{{ {} }}", fields.join(", "))
}

/// A shape as a flow mapping; a trace's file is written as its absolute path, so the text
/// reads back wherever it is saved.
fn shape(s: &Shape) -> String {
    let mut parts = vec![];
    match &s.base {
        Base::Steady => {}
        Base::Ramp(r) => parts.push(format!(
            "ramp: {{ to: {}, from: {}, until: {} }}",
            rate(r.to_per_s),
            format_ms(r.from_ms),
            format_ms(r.until_ms)
        )),
        Base::Trace(t) => parts.push(format!(
            "trace: {{ file: {}, interpolate: {}, scale: {} }}",
            quoted(&t.file.to_string_lossy()),
            t.interpolate.word(),
            t.scale
        )),
    }
    if let Some(d) = &s.daily {
        parts.push(format!(
            "daily: {{ period: {}, low: {}, peak_at: {} }}",
            format_ms(d.period_ms),
            d.low,
            format_ms(d.peak_at_ms)
        ));
    }
    let pulse = |p: &Pulse| format!("at: {}, for: {}, factor: {}", format_ms(p.at_ms), format_ms(p.for_ms), p.factor);
    if !s.spikes.is_empty() {
        let list: Vec<String> = s.spikes.iter().map(|p| format!("{{ {} }}", pulse(p))).collect();
        parts.push(format!("spikes: [{}]", list.join(", ")));
    }
    if !s.events.is_empty() {
        let list: Vec<String> = s
            .events
            .iter()
            .map(|e| format!("{{ {}, announced: {} }}", pulse(&e.pulse), format_ms(e.announced_ms)))
            .collect();
        parts.push(format!("event: [{}]", list.join(", ")));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn rate_changes(r: &RateSchedule) -> String {
    let changes: Vec<String> =
        r.changes.iter().map(|(at, per_s)| format!("{{ at: {}, rate: {} }}", format_ms(*at), rate(*per_s))).collect();
    changes.join(", ")
}

/// A rate in whichever unit reads back to exactly the same number (`/s` when none does).
fn rate(per_s: f64) -> String {
    let candidates = [format!("{per_s}/s"), format!("{}/min", per_s * 60.0), format!("{}/ms", per_s / 1_000.0)];
    let exact = candidates.iter().find(|text| rate_per_s(text).is_ok_and(|r| r == per_s));
    exact.unwrap_or(&candidates[0]).clone()
}

fn level(c: Level) -> String {
    c.to_string()
}

/// One fault as a line of scenario YAML: `{ at: 12s, for: 3s, crash: [n2] }`.
pub fn fault(f: &Fault, c: &ClusterSpec) -> String {
    let mut text = format!("{{ at: {}", format_ms(f.at_ms));
    if let Some(d) = f.for_ms {
        let _ = write!(text, ", for: {}", format_ms(d));
    }
    let list =
        |targets: &[Target]| format!("[{}]", targets.iter().map(|t| target(t, c)).collect::<Vec<_>>().join(", "));
    let action = match &f.action {
        FaultAction::Crash(t) => format!("crash: {}", list(t)),
        FaultAction::Restart(t) => format!("restart: {}", list(t)),
        FaultAction::Pause(t) => format!("pause: {}", list(t)),
        FaultAction::Resume(t) => format!("resume: {}", list(t)),
        FaultAction::Isolate(t) => format!("isolate: {}", list(t)),
        FaultAction::Partition(groups) => {
            format!("partition: [{}]", groups.iter().map(|g| list(g)).collect::<Vec<_>>().join(", "))
        }
        FaultAction::OneWay { from, to } => format!("one_way: {{ from: {}, to: {} }}", list(from), list(to)),
        FaultAction::Heal => "heal: true".into(),
        FaultAction::Slow { targets, delay_ms } => format!("slow: {}, delay: {}", list(targets), format_ms(*delay_ms)),
        FaultAction::SlowReplica { targets, delay_ms } => {
            format!("slow: {}, delay: {}, scope: replica", list(targets), format_ms(*delay_ms))
        }
        FaultAction::Loss(p) => format!("loss: {p}"),
        FaultAction::Duplicate(p) => format!("duplicate: {p}"),
        FaultAction::Skew { targets, rate, offset_ms } => {
            let offset = if *offset_ms < 0 {
                format!("-{}", format_ms(offset_ms.unsigned_abs()))
            } else {
                format_ms(*offset_ms as u64)
            };
            format!("skew: {}, drift: {}, offset: {offset}", list(targets), drift(*rate))
        }
        FaultAction::Corrupt { targets, fraction } => {
            format!("corrupt: {{ node: {}, keys: {fraction} }}", list(targets))
        }
        FaultAction::Migrate { shard, to } => {
            format!("migrate: {{ shard: {shard}, to: {} }}", to.first().map_or(String::new(), |t| target(t, c)))
        }
        FaultAction::Join(t) => format!("join: {}", list(t)),
        FaultAction::Leave(t) => format!("leave: {}", list(t)),
        FaultAction::Drain(t) => format!("drain: {}", list(t)),
    };
    format!("{text}, {action} }}")
}

/// The shortest decimal drift that reads back (as `1 + drift`) to exactly `rate`: `-0.0407`,
/// not `-0.04069999999999996`.
fn drift(rate: f64) -> f64 {
    (1..=17)
        .map(|places| {
            let scale = 10f64.powi(places);
            ((rate - 1.0) * scale).round() / scale
        })
        .find(|d| 1.0 + d == rate)
        .unwrap_or(rate - 1.0)
}

fn target(t: &Target, c: &ClusterSpec) -> String {
    match t {
        Target::Node(i) => plain(&c.nodes[*i as usize].name),
        Target::Zone(z) => plain(&c.zones[*z as usize]),
        Target::Random => "random".into(),
        Target::Leader => "leader".into(),
        Target::Primary => "primary".into(),
    }
}

fn expectation(e: &Expectation) -> String {
    match e {
        Expectation::Holds(p) => p.name.to_string(),
        Expectation::Violated(p) => format!("{{ violated: {} }}", p.name),
        Expectation::Availability(b) => {
            let mut fields = vec![];
            if let Some(c) = b.consistency {
                fields.push(format!("consistency: {}", level(c)));
            }
            if let Some(kind) = b.kind {
                fields.push(format!("kind: {}", if kind == OpKind::Read { "read" } else { "write" }));
            }
            if let Some(min) = b.min {
                fields.push(format!("min: {min}"));
            }
            if let Some(max) = b.max {
                fields.push(format!("max: {max}"));
            }
            fields.push(format!("from: {}", format_ms(b.from_ms)));
            if let Some(to) = b.to_ms {
                fields.push(format!("to: {}", format_ms(to)));
            }
            format!("{{ availability: {{ {} }} }}", fields.join(", "))
        }
    }
}

fn swarm(out: &mut String, s: &Swarm) {
    let kinds: Vec<&str> = s.kinds.iter().map(|k| k.name()).collect();
    out.push_str("swarm:\n");
    let _ = writeln!(out, "  faults: [{}]", kinds.join(", "));
    let _ = writeln!(out, "  rate: {}", rate(s.rate_per_s));
    let _ = writeln!(out, "  max_concurrent: {}", s.max_concurrent);
    let _ = writeln!(out, "  for: [{}, {}]", format_ms(s.for_ms.0), format_ms(s.for_ms.1));
    let _ = writeln!(out, "  start: {}", format_ms(s.start_ms));
    let _ = writeln!(out, "  stop: {}", format_ms(s.stop_ms));
    let _ = writeln!(out, "  max_nodes: {}", s.max_nodes);
    let _ = writeln!(out, "  delay: [{}, {}]", format_ms(s.delay_ms.0), format_ms(s.delay_ms.1));
    let _ = writeln!(out, "  loss: [{}, {}]", s.loss.0, s.loss.1);
    let _ = writeln!(out, "  duplicate: [{}, {}]", s.duplicate.0, s.duplicate.1);
    if !s.modes.is_empty() {
        let modes: Vec<&str> = s.modes.iter().map(|m| m.name()).collect();
        let _ = writeln!(out, "  modes: [{}]", modes.join(", "));
    }
    let _ = writeln!(out, "  corrupt: [{}, {}]", s.corrupt.0, s.corrupt.1);
    // Written only when set, so swarms without them are written as before.
    if s.aim > 0.0 {
        let _ = writeln!(out, "  aim: {}", s.aim);
    }
    if s.skew_beyond {
        out.push_str("  skew: beyond\n");
    }
}

/// A name as a plain scalar when YAML reads it back as that same string, else quoted.
fn plain(name: &str) -> String {
    match serde_yaml::from_str::<Value>(name) {
        Ok(Value::String(s)) if s == name && !name.contains(['#', ',', '[', ']', '{', '}', ':']) => name.to_string(),
        _ => quoted(name),
    }
}

/// A double-quoted scalar; JSON's escapes are valid YAML.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::parse;

    /// Every field the format has, with odd names and a swarm.
    const FULL: &str = "\
name: round-trip
description: \"Every field: quotes \\\" and colons: here.\"
seed: 42
duration: 60s
heal: 7s
cluster:
  zones: [az-a, \"true\"]
  nodes:
    - { name: a1, zone: az-a }
    - { name: \"123\", zone: \"true\" }
    - { name: b.2, zone: \"true\" }
  replication: { n: 2, requirement: strong, classes: [{ shards: 0..2, n: 2, requirement: eventual }, { shards: 5, requirement: eventual }] }
  shards: 8
  network:
    latency:
      mixture:
        - { weight: 0.9, latency: { uniform: [0.5ms, 5ms] } }
        - { weight: 0.1, latency: { pareto: { scale: 5ms, shape: 1.5 } } }
    cross_zone_latency: { exponential: { min: 2ms, mean: 3ms } }
    loss: 0.01
    duplicate: 0.02
    message_latency: { write_ack: 3ms, read_response: { exponential: { min: 1ms, mean: 4ms } } }
  timeouts: { request: 400ms, client: 1500ms }
  storage:
    conflicts: lww
    max_siblings: 3
    read_repair: async
    hinted_handoff: { after: 50ms, retry: 200ms }
    anti_entropy: { interval: 1500ms, buckets: 16 }
    fsync: 100ms
    scrub: 2s
    hedge: { percentile: 90, after: 15ms }
    breaker: { timeouts: 4, window: 3s, probe: 500ms }
  membership: { gossip: on, probe_period: 400ms, suspicion: 3s, indirect_probes: 2 }
workload:
  - clients: 8
    rate: 7/min
    keys: 1000
    key_distribution: { zipf: 0.99 }
    reads: 0.6
    consistency: QUORUM
    write_consistency: ALL
    rate_changes: [{ at: 20s, rate: 133.3/s }]
  - { clients: 2, rate: 10/s, keys: 10, consistency: 2, context: false, start: 5s, stop: 50s }
  - probe: { t: [1ms, 20ms, 1.5s], every: 2s, read_consistency: ONE, start: 1s }
faults:
  - { at: 10s, crash: [a1, random] }
  - { at: 40s, restart: a1 }
  - { at: 20s, for: 10s, slow: \"123\", delay: 200ms }
  - { at: 20s, for: 10s, slow: b.2, delay: 300ms, scope: replica }
  - { at: 30s, for: 5s, partition: [[a1], [\"true\"]] }
  - { at: 30s, for: 5s, one_way: { from: [a1], to: [b.2] } }
  - { at: 35s, isolate: az-a }
  - { at: 45s, heal: true }
  - { at: 5s, for: 5s, loss: 0.2 }
  - { at: 5s, for: 5s, duplicate: 0.1 }
  - { at: 21s, pause: [b.2] }
  - { at: 22s, resume: b.2 }
  - { at: 23s, corrupt: { node: b.2, keys: 0.25 } }
  - { at: 24s, corrupt: a1 }
  - { at: 25s, for: 2s, pause: [primary] }
  - { at: 26s, for: 3s, skew: [primary, b.2], drift: -0.05, offset: -30ms }
  - { at: 27s, join: b.2 }
  - { at: 28s, leave: [a1] }
swarm:
  faults: [crash, one_way, corrupt, skew, long_pause, zone_outage]
  rate: 6/min
  for: [1s, 3s]
  max_nodes: 2
  loss: [0.1, 0.25]
  corrupt: [0.02, 0.05]
  aim: 0.3
  skew: beyond
  modes: [primary_writes, mixed_levels]
expect:
  - no_stale_quorum_reads
  - { violated: no_stale_reads }
  - { availability: { consistency: QUORUM, kind: read, min: 0.99, from: 12s, to: 40s } }
  - { availability: { kind: write, max: 0.5 } }
";

    #[test]
    fn a_written_scenario_reads_back_to_the_same_scenario() {
        let original = parse(Path::new("a.yaml"), FULL).expect("valid");
        let text = to_yaml(&original, &["a comment".to_string()]);
        let again = parse(Path::new("a.yaml"), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(text.starts_with("# a comment\n"));
        assert_eq!(to_yaml(&again, &[]), to_yaml(&original, &[]), "writing is a fixed point");
        assert_eq!((&again.name, again.description.as_str()), (&original.name, original.description.trim_end()));
        assert_eq!((again.seed, again.duration_ms, again.heal_ms), (Some(42), 60_000, 7_000));
        assert_eq!(again.cluster.nodes, original.cluster.nodes);
        assert_eq!(again.cluster.storage, original.cluster.storage);
        assert_eq!(again.cluster.membership, original.cluster.membership);
        assert_eq!(original.cluster.membership.map(|m| (m.probe_period_ms, m.indirect_probes)), Some((400, 2)));
        let ae = original.cluster.storage.anti_entropy.expect("anti-entropy on");
        assert_eq!((ae.interval_ms, ae.buckets), (1_500, 16));
        assert!(original.cluster.storage.breaker.is_some(), "the storage settings are not the defaults");
        let net = |s: &Scenario| {
            let n = &s.cluster.net;
            (n.latency.clone(), n.cross_zone.clone(), n.loss, n.by_kind.clone())
        };
        assert_eq!(net(&again), net(&original));
        assert_eq!(again.workload[0].rate, original.workload[0].rate, "rates read back exactly");
        assert_eq!(again.probes, original.probes);
        assert_eq!(again.probes[0].t_ms, [1, 20, 1_500]);
        assert_eq!(again.cluster.storage.store.fsync, nodes::storage::FsyncPolicy::EveryMs(100));
        let strip = |faults: &[Fault]| faults.iter().map(|f| (f.at_ms, f.for_ms, f.action.clone())).collect::<Vec<_>>();
        assert_eq!(strip(&again.faults), strip(&original.faults));
        assert_eq!(again.expect, original.expect);
        assert_eq!(again.swarm.map(|s| Swarm { line: 0, ..s }), original.swarm.map(|s| Swarm { line: 0, ..s }));
    }

    #[test]
    fn capacity_and_autoscaler_are_written_and_read_back_exactly() {
        let text = "name: sized\ndescription: d\nduration: 2m\ncluster: { nodes: 6, replication: { n: 3 }, \
            capacity: { workers: 2, queue: 16, service: { read: { exponential: { min: 0.5ms, mean: 1.5ms } }, write: 3ms } } }\n\
            workload: [{ clients: 2, rate: 7/s, keys: 5 }]\n\
            autoscaler: { mode: predictive, target: 0.5, min: 3, max: 6, initial: 4, startup: 20s, interval: 10s, \
            cooldown: { up: 30s, down: 1m }, sample: 2s, period: 1m, slo: { p99: 50ms, window: 5s } }\n";
        let original = parse(Path::new("s.yaml"), text).unwrap_or_else(|e| panic!("{e}"));
        let written = to_yaml(&original, &[]);
        let again = parse(Path::new("s.yaml"), &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(to_yaml(&again, &[]), written, "writing is a fixed point");
        assert_eq!(again.cluster.service, original.cluster.service);
        assert_eq!(again.autoscaler, original.autoscaler);
        let threshold = text.replace("mode: predictive, target: 0.5", "mode: threshold, high: 0.9, low: 0.2");
        let original = parse(Path::new("s.yaml"), &threshold).unwrap_or_else(|e| panic!("{e}"));
        let again = parse(Path::new("s.yaml"), &to_yaml(&original, &[])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.autoscaler, original.autoscaler);
    }

    #[test]
    fn shapes_are_written_and_read_back_exactly() {
        let dir = std::env::temp_dir().join(format!("clustersim-yaml-shape-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("traces")).expect("temp folder");
        std::fs::write(dir.join("traces/day.csv"), "time,rate\n0,10\n1m30s,25.5\n").expect("trace");
        let text = "name: shaped\ndescription: d\nduration: 2m\ncluster: { nodes: 3, replication: { n: 3 } }\nworkload:\n  \
            - { clients: 2, rate: 7/min, keys: 5, shape: { ramp: { to: 133.3/s, from: 5s, until: 3m }, daily: { period: 40s, low: 0.35 }, \
            spikes: [{ at: 30s, for: 1.5s, factor: 4.5 }, { at: 31s, for: 2s, factor: 0.5 }], event: { at: 1m, for: 20s, factor: 3, announced: 15s } } }\n  \
            - { clients: 3, keys: 5, start: 10s, shape: { trace: { file: traces/day.csv, interpolate: step, scale: 0.3 } } }\n";
        let original = parse(&dir.join("s.yaml"), text).unwrap_or_else(|e| panic!("{e}"));
        let written = to_yaml(&original, &[]);
        // Read back from elsewhere: the trace's path is absolute.
        let again = parse(Path::new("/elsewhere/s.yaml"), &written).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(to_yaml(&again, &[]), written, "writing is a fixed point");
        assert_eq!(
            again.workload[0].rate, original.workload[0].rate,
            "ramp, cycle, spikes and event read back exactly"
        );
        let trace = |s: &Scenario| match &s.workload[1].rate.shape.base {
            Base::Trace(t) => (t.file.clone(), t.rows.clone(), t.interpolate, t.scale, t.start_ms),
            other => panic!("{other:?}"),
        };
        assert_eq!(trace(&again), trace(&original));
        assert_eq!(again.workload[1].rate.at(100_000), original.workload[1].rate.at(100_000));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn drifts_are_written_short_and_read_back_exactly() {
        assert_eq!(drift(0.9593), -0.0407);
        assert_eq!(drift(1.3), 0.3);
        assert_eq!(drift(1.0), 0.0);
        for rate in [0.5, 0.61234, 1.000_1, 1.9, 0.95, 1.05] {
            assert_eq!(1.0 + drift(rate), rate, "{rate}");
        }
    }

    #[test]
    fn generated_node_names_are_written_as_a_count() {
        let text =
            "name: x\ndescription: d\nduration: 10s\ncluster: { zones: [a, b], nodes: 3, replication: { n: 3 } }\n\
                    workload: [{ clients: 1, rate: 1/s, keys: 1 }]\n";
        let written = to_yaml(&parse(Path::new("x.yaml"), text).expect("valid"), &[]);
        assert!(written.contains("  nodes: 3\n"), "{written}");
        assert!(!written.contains("hedge") && !written.contains("breaker"), "off is not written: {written}");
    }

    #[test]
    fn names_that_yaml_would_read_otherwise_are_quoted() {
        assert_eq!(plain("n1"), "n1");
        assert_eq!(plain("true"), "\"true\"");
        assert_eq!(plain("123"), "\"123\"");
        assert_eq!(plain("null"), "\"null\"");
    }
}
