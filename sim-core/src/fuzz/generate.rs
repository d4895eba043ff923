//! Generated scenarios: small valid bases, mutated field by field with extreme numbers, wrong
//! types, deleted and repeated items, contradictory faults, and now and then raw text edits.
//! Everything is drawn from one ChaCha stream per case, so case `i` of seed `s` is the same
//! text on every machine.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_yaml::Value;

/// Small valid scenarios that together use every section and field of the format.
pub const BASES: [&str; 3] = [
    "\
name: fuzz-rich
description: every section, small
seed: 7
duration: 3s
heal: 1s
cluster:
  zones: [az-a, az-b, az-c]
  nodes: 5
  replication: { n: 3, requirement: eventual, classes: [{ shards: 0..2, n: 2, requirement: strong }, { shards: 5, n: 4 }] }
  shards: 8
  network:
    latency: { uniform: [1ms, 5ms] }
    cross_zone_latency: { mixture: [ { weight: 0.9, latency: 2ms }, { weight: 0.1, latency: { pareto: { scale: 5ms, shape: 1.5 } } } ] }
    loss: 0.01
    duplicate: 0.01
  timeouts: { request: 300ms, client: 800ms }
  control: { election_timeout: [150ms, 300ms], heartbeat: 50ms, lease: 1s, max_drift: 0.01, slow_leader_rtt: 80ms, step_down_cooldown: 1s }
workload:
  - { clients: 3, rate: 60/s, keys: 100, key_distribution: { zipf: 0.99 }, reads: 0.5, consistency: QUORUM, rate_changes: [{ at: 1s, rate: 90/s }] }
  - { clients: 1, rate: 10/s, keys: 10, consistency: 2, context: false, start: 500ms, stop: 2500ms }
  - { clients: 2, rate: 20/s, keys: 50, shape: { daily: { period: 1s, low: 0.2, peak_at: 500ms }, spikes: [{ at: 1s, for: 200ms, factor: 4 }], event: { at: 2s, for: 500ms, factor: 3, announced: 1s } } }
faults:
  - { at: 500ms, for: 1s, crash: [n4] }
  - { at: 1s, for: 500ms, partition: [[n1, n2], [n3, az-c]] }
  - { at: 1500ms, for: 500ms, slow: leader, delay: 50ms }
  - { at: 2s, pause: [n2] }
  - { at: 2500ms, resume: n2 }
  - { at: 1200ms, for: 300ms, one_way: { from: [n1], to: [random] } }
  - { at: 2200ms, for: 300ms, skew: n5, drift: 0.2, offset: -10ms }
  - { at: 100ms, for: 200ms, loss: 0.2 }
  - { at: 300ms, for: 200ms, duplicate: 0.1 }
expect:
  - no_stale_quorum_reads
  - no_lost_acknowledged_writes
  - { availability: { consistency: QUORUM, kind: read, min: 0.1, from: 0s, to: 3s } }
",
    "\
name: fuzz-swarm
description: a swarm over named nodes, writes through primaries
duration: 2s
heal: 1s
cluster:
  zones: [east, west]
  nodes:
    - { name: a1, zone: east }
    - { name: a2, zone: east }
    - { name: b1, zone: west }
  replication: { n: 3 }
  writes: primary
workload:
  - { clients: 2, rate: 40/s, keys: 20, read_consistency: ONE, write_consistency: ALL, shape: { ramp: { to: 80/s, from: 500ms, until: 1500ms } } }
faults:
  - { at: 200ms, isolate: west }
  - { at: 800ms, heal: true }
swarm:
  faults: [crash, pause, partition, isolate, one_way, slow, loss, duplicate]
  rate: 2/s
  max_concurrent: 2
  for: [100ms, 500ms]
  max_nodes: 2
  delay: [10ms, 50ms]
  loss: [0.05, 0.2]
  duplicate: [0.05, 0.2]
expect:
  - no_stale_quorum_reads
  - { violated: no_stale_reads }
budget: { operations: 500000, messages: 5000000, clients: 1000, memory: 512MiB }
",
    "\
name: fuzz-minimal
description: the smallest valid scenario
duration: 2s
cluster:
  nodes: 3
  replication: { n: 3 }
workload:
  - { clients: 1, rate: 10/s, keys: 5 }
",
];

/// Durations at and around every limit, and malformed ones.
const DURATIONS: &[&str] = &[
    "0s",
    "1ms",
    "0.5ms",
    "999ms",
    "59s",
    "10m",
    "1h",
    "24h",
    "720h",
    "721h",
    "43200m",
    "2592000000ms",
    "2592000001ms",
    "1e3s",
    "-1s",
    "1.0000000000000000001s",
    "99999999999999999999h",
    "1h30m",
    "",
    "10 s",
];

/// Rates at and around every limit, and malformed ones.
const RATES: &[&str] = &[
    "1/s",
    "0.001/s",
    "1000000/s",
    "1000001/s",
    "999999.9999/s",
    "1/ms",
    "1000/ms",
    "1001/ms",
    "0/s",
    "-1/s",
    "1/h",
    "1e6/s",
    "100000/s",
    "5000/s",
    "30/min",
    "/s",
];

/// Numbers at and around every cap (64 groups, 1,024 nodes, 65,536 shards, 100,000 clients,
/// 10^9 keys, u32 and u64), and the floats that break arithmetic.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "63",
    "64",
    "65",
    "1023",
    "1024",
    "1025",
    "65535",
    "65536",
    "65537",
    "99999",
    "100000",
    "100001",
    "999999999",
    "1000000000",
    "1000000001",
    "2147483647",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "18446744073709551615",
    "18446744073709551616",
    "0.5",
    "1e-320",
    "1e308",
    "-1e308",
    ".nan",
    ".inf",
    "-.inf",
    "0.999999",
    "1.0000001",
    "10",
    "-0",
];

/// Values of the wrong shape for almost any field.
const WRONG: &[&str] = &["~", "true", "x", "[]", "{}", "[1, 2]", "{ zipf: 1 }", "[[n1], [n2]]", "'1ms'", "n1"];

/// Faults that contradict the timeline (templates: `A` and `B` are node names of the base).
const CONTRADICTIONS: &[&str] = &[
    "[{ at: 100ms, for: 1s, crash: [A] }, { at: 500ms, for: 1s, pause: [A] }]",
    "[{ at: 100ms, for: 1s, pause: [A] }, { at: 500ms, restart: [A] }, { at: 700ms, for: 200ms, pause: [A] }]",
    "[{ at: 100ms, crash: [A] }, { at: 200ms, resume: [A] }, { at: 300ms, pause: [A] }]",
    "[{ at: 100ms, pause: [A, B] }, { at: 100ms, crash: [A, B] }, { at: 100ms, restart: [A] }]",
    "[{ at: 100ms, for: 100ms, partition: [[A], [A]] }]",
    "[{ at: 100ms, heal: true }, { at: 100ms, heal: true }]",
    "[{ at: 100ms, for: 2s, skew: [A], drift: 10, offset: -720h }]",
    "[{ at: 100ms, for: 1s, pause: leader }, { at: 150ms, crash: leader }, { at: 200ms, restart: leader }]",
    "[{ at: 0s, for: 1ms, crash: random }, { at: 0s, for: 1ms, pause: random }, { at: 0s, isolate: [A, B] }]",
    "[{ at: 100ms, for: 1s, one_way: { from: [A], to: [B] } }, { at: 100ms, for: 1s, one_way: { from: [B], to: [A] } }]",
];

/// One step from the root of a YAML value to a part of it.
#[derive(Clone, Debug)]
enum Step {
    Key(Value),
    Index(usize),
}

/// Every path to a part of `value` (not the root itself).
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                prefix.push(Step::Key(k.clone()));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Sequence(list) => {
            for (i, v) in list.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut v = value;
    for step in path {
        v = match (step, v) {
            (Step::Key(k), Value::Mapping(map)) => map.get_mut(k)?,
            (Step::Index(i), Value::Sequence(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn pick<'a>(rng: &mut ChaCha8Rng, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or(Value::Null)
}

/// Whether `path` lies under the top-level `budget:`, which mutations only lower: a budget
/// raised on purpose is outside the bounds the fuzz checks.
fn in_budget(path: &[Step]) -> bool {
    matches!(path.first(), Some(Step::Key(Value::String(k))) if k == "budget")
}

/// A replacement for `old`, of the same kind most of the time, of a wrong kind sometimes.
fn replacement(rng: &mut ChaCha8Rng, old: &Value, lower_only: bool) -> Value {
    if lower_only {
        return yaml(pick(rng, &["0", "1", "100", "1000", "1KiB", "64MiB", "~", "-1", "x"]));
    }
    if rng.random_range(0..5) == 0 {
        return yaml(pick(rng, WRONG));
    }
    match old {
        Value::String(s) if s.contains('/') => Value::String(pick(rng, RATES).into()),
        Value::String(s) if s.ends_with('s') || s.ends_with('m') || s.ends_with('h') => {
            Value::String(pick(rng, DURATIONS).into())
        }
        Value::Number(_) | Value::Bool(_) => yaml(pick(rng, NUMBERS)),
        Value::String(_) => {
            yaml(pick(rng, &["n1", "n9", "az-z", "random", "leader", "all", "ALL", "QUORUM", "ONE", "x"]))
        }
        _ => yaml(pick(rng, WRONG)),
    }
}

/// One mutation of `doc`, described in words.
fn mutate(rng: &mut ChaCha8Rng, doc: &mut Value, names: (&str, &str)) -> String {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    if all.is_empty() {
        return "nothing to mutate".into();
    }
    let path = all[rng.random_range(0..all.len())].clone();
    let where_ = format!("{path:?}");
    let lower_only = in_budget(&path);
    match rng.random_range(0..10) {
        0 if !lower_only => contradict(rng, doc, names),
        3 | 4 => grow(rng, doc),
        1 => {
            // Delete the part: a missing field, a shorter list.
            let (parent, last) = path.split_at(path.len() - 1);
            match (at(doc, parent), &last[0]) {
                (Some(Value::Mapping(map)), Step::Key(k)) => {
                    map.remove(k);
                }
                (Some(Value::Sequence(list)), Step::Index(i)) => {
                    list.remove(*i);
                }
                _ => {}
            }
            format!("delete {where_}")
        }
        2 if !lower_only => {
            // Repeat a list item: 64 groups, 10,000 faults.
            let (parent, last) = path.split_at(path.len() - 1);
            let times = *[2usize, 10, 64, 65, 1_000, 10_000].get(rng.random_range(0..6)).unwrap_or(&2);
            if let (Some(Value::Sequence(list)), Step::Index(i)) = (at(doc, parent), &last[0]) {
                let item = list[*i].clone();
                list.extend(std::iter::repeat_n(item, times - 1));
            }
            format!("repeat {where_} x{times}")
        }
        _ => {
            let Some(v) = at(doc, &path) else { return "stale path".into() };
            let new = replacement(rng, v, lower_only);
            let said = format!("{where_} = {}", serde_yaml::to_string(&new).unwrap_or_default().trim());
            *v = new;
            said
        }
    }
}

/// The fields whose products make a run large, with the range each may take: `grow` sets one
/// to a log-uniform value in its range, so a few mutations together reach the work budget.
const GROWTH: &[(&[&str], f64, f64, &str)] = &[
    (&["duration"], 1_000.0, 2_592_000_000.0, "ms"),
    (&["heal"], 1_000.0, 86_400_000.0, "ms"),
    (&["cluster", "nodes"], 1.0, 1_024.0, ""),
    (&["cluster", "shards"], 1.0, 65_536.0, ""),
    (&["cluster", "replication", "n"], 1.0, 64.0, ""),
    (&["cluster", "replication", "classes", "*", "n"], 1.0, 64.0, ""),
    (&["cluster", "control", "heartbeat"], 1.0, 1_000.0, "ms"),
    (&["workload", "*", "clients"], 1.0, 100_000.0, ""),
    (&["workload", "*", "rate"], 0.01, 1_000_000.0, "/s"),
    (&["workload", "*", "keys"], 1.0, 1_000_000_000.0, ""),
    (&["swarm", "rate"], 0.01, 1_000.0, "/s"),
];

/// Sets one of the [`GROWTH`] fields present in `doc` to a log-uniform value in its range.
fn grow(rng: &mut ChaCha8Rng, doc: &mut Value) -> String {
    let (keys, lo, hi, unit) = GROWTH[rng.random_range(0..GROWTH.len())];
    let x = (rng.random_range(lo.ln()..=hi.ln())).exp();
    let text = match unit {
        "/s" => format!("{x:.2}/s"),
        "" => format!("{}", x.round() as u64),
        _ => format!("{}{unit}", x.round() as u64),
    };
    // Where the field is: a list step picks one of the list's items.
    let mut steps = Vec::with_capacity(keys.len());
    let mut v: &Value = doc;
    for key in keys {
        let (step, next) = match (*key, v) {
            ("*", Value::Sequence(list)) if !list.is_empty() => {
                let i = rng.random_range(0..list.len());
                (Step::Index(i), &list[i])
            }
            (key, Value::Mapping(map)) => match map.get(key) {
                Some(inner) => (Step::Key(Value::String(key.into())), inner),
                None => return format!("grow {}: absent", keys.join(".")),
            },
            _ => return format!("grow {}: absent", keys.join(".")),
        };
        steps.push(step);
        v = next;
    }
    let Some(v) = at(doc, &steps) else { return "stale path".into() };
    *v = yaml(&text);
    format!("grow {} = {text}", keys.join("."))
}

/// Appends faults that contradict one another (pause while down, restart while paused, ...).
fn contradict(rng: &mut ChaCha8Rng, doc: &mut Value, (a, b): (&str, &str)) -> String {
    let template = pick(rng, CONTRADICTIONS);
    let text = template.replace('A', a).replace('B', b);
    let Value::Sequence(extra) = yaml(&text) else { return "bad template".into() };
    if let Value::Mapping(map) = doc {
        let key = Value::String("faults".into());
        match map.get_mut(&key) {
            Some(Value::Sequence(list)) => list.extend(extra),
            _ => {
                map.insert(key, Value::Sequence(extra));
            }
        }
    }
    format!("contradictory faults {text}")
}

/// Edits bytes of `text`: half-written YAML, stray brackets.
fn edit_text(rng: &mut ChaCha8Rng, text: &str) -> String {
    let alphabet = b"{}[],:-#&*!|>'\" \t\n0123456789.smh/abnz~";
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.random_range(0..4) {
        if bytes.is_empty() {
            break;
        }
        let i = rng.random_range(0..bytes.len());
        match rng.random_range(0..3) {
            0 => bytes[i] = alphabet[rng.random_range(0..alphabet.len())],
            1 => {
                bytes.remove(i);
            }
            _ => bytes.insert(i, alphabet[rng.random_range(0..alphabet.len())]),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Case `index` of seed `seed`: the scenario text and what was done to its base.
pub fn case(seed: u64, index: u64) -> (String, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index);
    let b = rng.random_range(0..BASES.len());
    let base = BASES[b];
    let names = if b == 1 { ("a1", "b1") } else { ("n1", "n2") };
    if rng.random_range(0..10) == 0 {
        return (edit_text(&mut rng, base), format!("base {b}, text edits"));
    }
    let mut doc = yaml(base);
    let count = match rng.random_range(0..20) {
        0..12 => 1,
        12..17 => 2,
        _ => 3,
    };
    let mut what = vec![format!("base {b}")];
    for _ in 0..count {
        what.push(mutate(&mut rng, &mut doc, names));
    }
    let text = serde_yaml::to_string(&doc).unwrap_or_default();
    (text, what.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_base_is_a_valid_scenario() {
        for base in BASES {
            if let Err(e) = crate::scenario::parse(std::path::Path::new("base.yaml"), base) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn cases_are_the_same_for_the_same_seed_and_index() {
        assert_eq!(case(1, 17), case(1, 17));
        assert_ne!(case(1, 17).0, case(1, 18).0);
        assert_ne!(case(1, 17).0, case(2, 17).0);
    }

    #[test]
    fn mutations_reach_every_kind() {
        let what: Vec<String> = (0..400).map(|i| case(3, i).1).collect();
        for kind in ["delete", "repeat", "contradictory", "text edits", " = ", "grow "] {
            assert!(what.iter().any(|w| w.contains(kind)), "no `{kind}` in 400 cases");
        }
    }
}
