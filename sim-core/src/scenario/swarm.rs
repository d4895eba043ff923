//! Swarm faults: a scenario's `swarm:` asks for random faults, drawn from the seed, on top of
//! its scripted ones. This module checks the request (the raw form is in `spec`, the checked
//! [`Swarm`] in `model`); `crate::swarm` draws the faults.

use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{duration, positive_ms};
use super::locate::{item, Index};
use super::model::{ClusterSpec, Swarm, SwarmFault, SwarmMode, SWARM_FAULTS_MAX};
use super::model::{N5_REPLICATION, SKEW_BEYOND_MARGIN, SKEW_SLOW_MOST};
use super::spec::RawSwarm;
use super::units::{self, format_ms};
use super::value::{describe, duration_text, number, one_of};

/// Most swarm faults in effect at once.
pub const CONCURRENT_MAX: u32 = 16;

const FOR_MS_DEFAULT: (u64, u64) = (1_000, 10_000);
const DELAY_MS_DEFAULT: (u64, u64) = (50, 500);
const LOSS_DEFAULT: (f64, f64) = (0.05, 0.5);
const DUPLICATE_DEFAULT: (f64, f64) = (0.05, 0.3);
const CORRUPT_DEFAULT: (f64, f64) = (0.01, 0.1);

/// Checks `swarm:` against the cluster and the run's duration.
pub(crate) fn swarm(raw: &RawSwarm, cluster: &ClusterSpec, duration_ms: u64, index: &Index) -> Result<Swarm, Invalid> {
    let kinds = kinds(raw.faults.as_ref(), cluster)?;
    let rate_text = raw.rate.as_deref().ok_or_else(|| {
        Invalid::new(
            "swarm.rate",
            "required field `rate` is missing: how many faults per second, e.g. `0.1/s` or `6/min`",
        )
    })?;
    let rate_per_s = rate(rate_text).map_err(|m| Invalid::new("swarm.rate", m))?;
    let max_concurrent = raw.max_concurrent.unwrap_or(1);
    if max_concurrent == 0 || max_concurrent > CONCURRENT_MAX {
        return Err(Invalid::new("swarm.max_concurrent", format!("use 1 to {CONCURRENT_MAX}")));
    }
    let for_ms = match &raw.for_ {
        Some(v) => duration_range(v, "swarm.for")?,
        None => FOR_MS_DEFAULT,
    };
    let start_ms = raw.start.as_deref().map(|t| duration(t, "swarm.start")).transpose()?.unwrap_or(0);
    if start_ms >= duration_ms {
        return Err(Invalid::new(
            "swarm.start",
            format!("the swarm starts at or after the end of the run ({})", format_ms(duration_ms)),
        ));
    }
    let stop_ms = raw.stop.as_deref().map(|t| duration(t, "swarm.stop")).transpose()?.unwrap_or(duration_ms);
    if stop_ms > duration_ms {
        return Err(Invalid::new(
            "swarm.stop",
            format!("the swarm stops after the end of the run ({})", format_ms(duration_ms)),
        ));
    }
    if stop_ms <= start_ms {
        return Err(Invalid::new("swarm.stop", format!("the swarm stops before it starts ({})", format_ms(start_ms))));
    }
    let expected = rate_per_s * (stop_ms - start_ms) as f64 / 1_000.0;
    if expected > SWARM_FAULTS_MAX as f64 {
        return Err(Invalid::new(
            "swarm.rate",
            format!("this rate draws about {expected:.0} faults: at most {SWARM_FAULTS_MAX}; lower the rate"),
        ));
    }
    let nodes = cluster.nodes.len() as u32;
    let max_nodes = raw.max_nodes.unwrap_or(1);
    if max_nodes == 0 || max_nodes > nodes {
        return Err(Invalid::new("swarm.max_nodes", format!("{max_nodes}: use 1 to the number of nodes ({nodes})")));
    }
    let delay_ms = match &raw.delay {
        Some(v) => duration_range(v, "swarm.delay")?,
        None => DELAY_MS_DEFAULT,
    };
    let loss = match &raw.loss {
        Some(v) => probability_range(v, "swarm.loss")?,
        None => LOSS_DEFAULT,
    };
    let duplicate = match &raw.duplicate {
        Some(v) => probability_range(v, "swarm.duplicate")?,
        None => DUPLICATE_DEFAULT,
    };
    let modes = modes(raw.modes.as_ref(), cluster)?;
    let corrupt = match &raw.corrupt {
        Some(v) => probability_range(v, "swarm.corrupt")?,
        None => CORRUPT_DEFAULT,
    };
    if corrupt.0 == 0.0 {
        return Err(Invalid::new("swarm.corrupt", "a fraction of a node's records above 0"));
    }
    let aim = raw.aim.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&aim) {
        return Err(Invalid::new(
            "swarm.aim",
            format!("{aim}: the share of node-targeted faults aimed at the leader or a primary, from 0 to 1"),
        ));
    }
    let skew_beyond = skew_beyond(raw.skew.as_deref(), &kinds, cluster)?;
    let line = index.locate("swarm").map_or(0, |p| p.line);
    Ok(Swarm {
        kinds,
        rate_per_s,
        max_concurrent,
        for_ms,
        start_ms,
        stop_ms,
        max_nodes,
        delay_ms,
        loss,
        duplicate,
        modes,
        corrupt,
        line,
        aim,
        skew_beyond,
    })
}

/// `skew: within` (the default) or `skew: beyond` (the promised drift bound), which only
/// means something when the swarm draws `skew`.
fn skew_beyond(value: Option<&str>, kinds: &[SwarmFault], cluster: &ClusterSpec) -> Result<bool, Invalid> {
    let field = "swarm.skew";
    let beyond = match value {
        None | Some("within") => false,
        Some("beyond") => true,
        Some(other) => {
            return Err(Invalid::new(
                field,
                format!(
                    "`{other}`: write `within` (rate errors within cluster.control.max_drift, the default) or \
                     `beyond` (rate errors past it and clock steps: the promise broken, for expected violations)"
                ),
            ))
        }
    };
    if value.is_some() && !kinds.contains(&SwarmFault::Skew) {
        return Err(Invalid::new(field, "`skew` says how clocks are skewed, but `faults` does not list `skew`"));
    }
    let rho = cluster.control.max_drift;
    if beyond && rho + SKEW_BEYOND_MARGIN >= SKEW_SLOW_MOST {
        return Err(Invalid::new(
            field,
            format!(
                "`beyond` draws clocks at least {SKEW_BEYOND_MARGIN} past the bound and no slower than half speed: \
                 cluster.control.max_drift ({rho}) must be below {}",
                SKEW_SLOW_MOST - SKEW_BEYOND_MARGIN
            ),
        ));
    }
    Ok(beyond)
}

/// `modes: [read_repair, hinted_handoff]`: mechanisms to switch at random; none by default.
fn modes(value: Option<&Value>, cluster: &ClusterSpec) -> Result<Vec<SwarmMode>, Invalid> {
    let field = "swarm.modes";
    let names: Vec<&str> = SwarmMode::ALL.iter().map(|m| m.name()).collect();
    let list = match value {
        None => return Ok(Vec::new()),
        Some(Value::Sequence(list)) => list,
        Some(other) => {
            return Err(Invalid::new(
                field,
                format!("expected a list of storage modes ({}), found {}", one_of(&names), describe(other)),
            ))
        }
    };
    let mut modes = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let at = item(field, i);
        let name = value.as_str().unwrap_or_default();
        let Some(mode) = SwarmMode::ALL.into_iter().find(|m| m.name() == name) else {
            return Err(Invalid::new(
                at,
                format!("unknown storage mode {}: expected {}", describe(value), one_of(&names)),
            ));
        };
        if modes.contains(&mode) {
            return Err(Invalid::new(at, format!("`{name}` is listed twice")));
        }
        if mode == SwarmMode::N5 && cluster.nodes.len() < N5_REPLICATION as usize {
            return Err(Invalid::new(
                at,
                format!(
                    "`n5` draws replication N = {N5_REPLICATION}, which needs at least {N5_REPLICATION} nodes (cluster.nodes has {})",
                    cluster.nodes.len()
                ),
            ));
        }
        if mode == SwarmMode::Rebalance && (cluster.service.is_none() || cluster.zones.len() < 2) {
            return Err(Invalid::new(at, "`rebalance` needs `cluster.capacity` and at least two zones"));
        }
        if mode == SwarmMode::PrimaryWrites && cluster.storage.linearizable {
            return Err(Invalid::new(
                at,
                "`primary_writes` draws `writes: primary`, which cluster.storage.linearizable (on) rules out",
            ));
        }
        modes.push(mode);
    }
    Ok(modes)
}

/// A rate as workloads write it (`0.1/s`, `6/min`), or as a count per duration (`1/10s`).
fn rate(text: &str) -> Result<f64, String> {
    if let Some((count, per)) = text.split_once('/') {
        if per.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
            let per_ms = units::positive_duration_ms(per)?;
            let count: f64 = match count.trim().parse() {
                Ok(n) if n > 0.0 && f64::is_finite(n) => n,
                _ => return Err(format!("`{count}` in `{text}` is not a count greater than 0")),
            };
            return Ok(count * 1_000.0 / per_ms as f64);
        }
    }
    units::rate_per_s(text)
}

fn kinds(value: Option<&Value>, cluster: &ClusterSpec) -> Result<Vec<SwarmFault>, Invalid> {
    let field = "swarm.faults";
    let names: Vec<&str> = SwarmFault::ALL.iter().map(|k| k.name()).collect();
    let list = match value {
        None => {
            return Err(Invalid::new(
                field,
                format!("required field `faults` is missing: list some of {}", one_of(&names)),
            ))
        }
        Some(Value::Sequence(list)) if !list.is_empty() => list,
        Some(other) => {
            return Err(Invalid::new(
                field,
                format!("expected a list of fault kinds ({}), found {}", one_of(&names), describe(other)),
            ))
        }
    };
    let mut kinds = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let at = item(field, i);
        let name = value.as_str().unwrap_or_default();
        let Some(kind) = SwarmFault::ALL.into_iter().find(|k| k.name() == name) else {
            return Err(Invalid::new(
                at,
                format!("unknown swarm fault {}: expected {}", describe(value), one_of(&names)),
            ));
        };
        if kinds.contains(&kind) {
            return Err(Invalid::new(at, format!("`{name}` is listed twice")));
        }
        if needs_two_nodes(kind) && cluster.nodes.len() < 2 {
            return Err(Invalid::new(at, format!("`{name}` cuts links between nodes: it needs at least 2 nodes")));
        }
        let zones_with_nodes = (0..cluster.zones.len()).filter(|&z| cluster.nodes.iter().any(|n| n.zone as usize == z));
        if kind == SwarmFault::ZoneOutage && zones_with_nodes.count() < 2 {
            return Err(Invalid::new(
                at,
                "`zone_outage` takes a whole zone down: it needs nodes in at least 2 zones (cluster.zones)",
            ));
        }
        kinds.push(kind);
    }
    Ok(kinds)
}

/// True for kinds that cut links between nodes, which need at least two nodes.
fn needs_two_nodes(kind: SwarmFault) -> bool {
    matches!(kind, SwarmFault::Partition | SwarmFault::Isolate | SwarmFault::OneWay)
}

/// `5s` (a fixed value) or `[1s, 10s]` (a uniform range), each greater than 0.
fn duration_range(value: &Value, field: &str) -> Result<(u64, u64), Invalid> {
    let one = |v: &Value, f: &str| positive_ms(&duration_text(v, f)?, f);
    range(value, field, one, |ms| format_ms(*ms))
}

/// `0.1` (a fixed value) or `[0.05, 0.3]` (a uniform range), each from 0 to below 1.
fn probability_range(value: &Value, field: &str) -> Result<(f64, f64), Invalid> {
    let one = |v: &Value, f: &str| units::probability(number(v, f)?, true).map_err(|m| Invalid::new(f, m));
    range(value, field, one, |p| p.to_string())
}

fn range<T: PartialOrd + Copy>(
    value: &Value,
    field: &str,
    one: impl Fn(&Value, &str) -> Result<T, Invalid>,
    show: impl Fn(&T) -> String,
) -> Result<(T, T), Invalid> {
    match value {
        Value::Sequence(list) if list.len() == 2 => {
            let lo = one(&list[0], &item(field, 0))?;
            let hi = one(&list[1], &item(field, 1))?;
            if hi < lo {
                return Err(Invalid::new(
                    item(field, 1),
                    format!("the upper bound is below the lower bound ({})", show(&lo)),
                ));
            }
            Ok((lo, hi))
        }
        Value::Sequence(_) => Err(Invalid::new(field, "a range is a list of two values, `[lo, hi]`")),
        single => one(single, field).map(|v| (v, v)),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::{parse, ScenarioError};

    use super::*;

    const BASE: &str = "\
name: swarm-test
description: random faults
duration: 60s
cluster:
  nodes: 5
  replication: { n: 3 }
workload:
  - { clients: 2, rate: 10/s, keys: 10 }
swarm:
  faults: [crash, partition, slow, loss]
  rate: 0.2/s
  max_concurrent: 2
  for: [2s, 8s]
  max_nodes: 2
  delay: [100ms, 200ms]
  loss: 0.3
";

    fn load(text: &str) -> Result<Swarm, ScenarioError> {
        parse(Path::new("s.yaml"), text).map(|s| s.swarm.expect("a swarm"))
    }

    fn error(text: &str) -> ScenarioError {
        load(text).expect_err("an invalid swarm")
    }

    #[test]
    fn a_full_swarm_reads_with_its_defaults() {
        let s = load(BASE).expect("valid");
        assert_eq!(s.kinds, [SwarmFault::Crash, SwarmFault::Partition, SwarmFault::Slow, SwarmFault::Loss]);
        assert_eq!((s.rate_per_s, s.max_concurrent, s.for_ms, s.max_nodes), (0.2, 2, (2_000, 8_000), 2));
        assert_eq!((s.start_ms, s.stop_ms, s.delay_ms, s.loss), (0, 60_000, (100, 200), (0.3, 0.3)));
        assert_eq!((s.duplicate, s.corrupt, s.line), (DUPLICATE_DEFAULT, CORRUPT_DEFAULT, 9));
    }

    #[test]
    fn rates_read_per_unit_or_as_a_count_per_duration() {
        for (text, per_s) in [("0.2/s", 0.2), ("6/min", 0.1), ("1/10s", 0.1), ("3/1m", 0.05), ("1/500ms", 2.0)] {
            assert_eq!(rate(text), Ok(per_s), "{text}");
        }
        for bad in ["1/0s", "0/10s", "x/10s", "1/10", "10"] {
            assert!(rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_and_kinds_are_named_at_their_line() {
        let e = error(&BASE.replace("  rate: 0.2/s\n", "  rate: 0.2/s\n  rait: 1/s\n"));
        assert_eq!((e.field.as_deref(), e.line), (Some("swarm.rait"), Some(12)), "{e}");
        let e = error(&BASE.replace("slow, loss", "slow, meteor"));
        assert_eq!(e.field.as_deref(), Some("swarm.faults[3]"), "{e}");
        assert!(e.message.contains("unknown swarm fault `meteor`"), "{e}");
        assert_eq!(e.line, Some(10), "{e}");
    }

    #[test]
    fn bad_values_are_rejected_with_their_field() {
        let cases = [
            ("rate: 0.2/s", "rate: 0.2", "swarm.rate"),
            ("rate: 0.2/s", "rate: 100/s", "swarm.rate"),
            ("max_concurrent: 2", "max_concurrent: 0", "swarm.max_concurrent"),
            ("max_nodes: 2", "max_nodes: 6", "swarm.max_nodes"),
            ("for: [2s, 8s]", "for: [8s, 2s]", "swarm.for[1]"),
            ("for: [2s, 8s]", "for: [0s, 2s]", "swarm.for[0]"),
            ("for: [2s, 8s]", "for: [1s, 2s, 3s]", "swarm.for"),
            ("loss: 0.3", "loss: 1.0", "swarm.loss"),
            ("loss: 0.3", "loss: 0.3\n  corrupt: 0", "swarm.corrupt"),
            ("loss: 0.3", "loss: 0.3\n  corrupt: [0.2, 0.1]", "swarm.corrupt[1]"),
            ("delay: [100ms, 200ms]", "delay: 100", "swarm.delay"),
            ("slow, loss]", "slow, loss, crash]", "swarm.faults[4]"),
            ("  max_nodes: 2\n", "  max_nodes: 2\n  start: 70s\n", "swarm.start"),
        ];
        for (from, to, field) in cases {
            let e = error(&BASE.replace(from, to));
            assert_eq!(e.field.as_deref(), Some(field), "{from} -> {to}: {e}");
        }
        let e = error(&BASE.replace("  faults: [crash, partition, slow, loss]\n", ""));
        assert_eq!(e.field.as_deref(), Some("swarm.faults"), "{e}");
    }

    #[test]
    fn aim_and_skew_read_and_default_to_off() {
        let s = load(BASE).expect("valid");
        assert_eq!((s.aim, s.skew_beyond), (0.0, false));
        let s = load(&BASE.replace("slow, loss]", "slow, loss, skew]\n  aim: 0.4\n  skew: beyond")).expect("valid");
        assert_eq!((s.aim, s.skew_beyond), (0.4, true));
        let s = load(&BASE.replace("slow, loss]", "slow, loss, skew, long_pause]\n  skew: within")).expect("valid");
        assert_eq!((s.kinds.len(), s.skew_beyond), (6, false));
    }

    #[test]
    fn new_kinds_and_modes_are_refused_where_they_cannot_work_naming_field_and_line() {
        let cases = [
            // (from, to, field, line, words in the message)
            ("slow, loss]", "slow, loss]\n  aim: 1.5", "swarm.aim", 11, "from 0 to 1"),
            ("slow, loss]", "slow, loss, skew]\n  skew: sideways", "swarm.skew", 11, "`within`"),
            ("slow, loss]", "slow, loss]\n  skew: beyond", "swarm.skew", 11, "does not list `skew`"),
            ("slow, loss]", "slow, loss, zone_outage]", "swarm.faults[4]", 10, "at least 2 zones"),
            ("slow, loss]", "slow, loss]\n  modes: [read_repair, n5]", "swarm.modes[1]", 11, "at least 5 nodes"),
        ];
        for (from, to, field, line, words) in cases {
            let text =
                BASE.replace(from, to).replace(if field.contains("modes") { "nodes: 5" } else { "@" }, "nodes: 4");
            let e = error(&text);
            assert_eq!((e.field.as_deref(), e.line), (Some(field), Some(line)), "{to}: {e}");
            assert!(e.message.contains(words), "{to}: {e}");
        }
        let beyond = BASE
            .replace("  replication: { n: 3 }\n", "  replication: { n: 3 }\n  control: { max_drift: 0.45 }\n")
            .replace("slow, loss]", "slow, loss, skew]\n  skew: beyond");
        assert_eq!(error(&beyond).field.as_deref(), Some("swarm.skew"));
        let linear = BASE
            .replace("  replication: { n: 3 }\n", "  replication: { n: 3 }\n  storage: { linearizable: on }\n")
            .replace("slow, loss]", "slow, loss]\n  modes: [primary_writes]");
        let e = error(&linear);
        assert_eq!(e.field.as_deref(), Some("swarm.modes[0]"), "{e}");
        let zones = BASE
            .replace("  nodes: 5\n", "  zones: [az-a, az-b]\n  nodes: 5\n")
            .replace("slow, loss]", "slow, loss, zone_outage]");
        assert_eq!(load(&zones).expect("two zones").kinds[4], SwarmFault::ZoneOutage);
    }
}
