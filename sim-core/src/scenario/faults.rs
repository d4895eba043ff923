//! Scripted faults: `at`, an optional `for`, and exactly one action field per item.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{duration, positive_ms, required};
use super::locate::{item, join, Index};
use super::model::{ClusterSpec, Fault, FaultAction, Target};
use super::spec::RawFault;
use super::targets::Names;
use super::units::{self, format_ms};
use super::value::{describe, number, one_of, Fields};

/// Most faults in one scenario.
const FAULTS_MAX: usize = 10_000;

/// Most groups in one partition.
const PARTITION_GROUPS_MAX: usize = 1_024;

/// Fraction of a node's records `corrupt` damages when `keys` is not given.
pub const CORRUPT_FRACTION_DEFAULT: f64 = 0.1;

const ACTIONS: &[&str] = &[
    "crash",
    "restart",
    "pause",
    "resume",
    "partition",
    "one_way",
    "isolate",
    "heal",
    "slow",
    "loss",
    "duplicate",
    "skew",
    "corrupt",
    "migrate",
    "join",
    "leave",
    "drain",
];

/// Checks every fault and returns them sorted by time (ties keep file order).
pub fn faults(raw: &[RawFault], cluster: &ClusterSpec, duration_ms: u64, index: &Index) -> Result<Vec<Fault>, Invalid> {
    if raw.len() > FAULTS_MAX {
        return Err(Invalid::new("faults", format!("at most {FAULTS_MAX} faults")));
    }
    let names = Names::new(cluster);
    let mut faults = raw
        .iter()
        .enumerate()
        .map(|(i, f)| fault(f, &item("faults", i), &names, duration_ms, index))
        .collect::<Result<Vec<_>, _>>()?;
    // A `join` goes through the leader's map (the swarm draws it without gossip too); a
    // `leave` is gossip's alone.
    if cluster.membership.is_none() {
        if let Some(i) = faults.iter().position(|f| matches!(f.action, FaultAction::Leave(_))) {
            return Err(Invalid::new(
                join(&item("faults", i), "leave"),
                "`leave` changes the gossip membership: set `cluster.membership: { gossip: on }`",
            ));
        }
    }
    faults.sort_by_key(|f| f.at_ms);
    Ok(faults)
}

fn fault(raw: &RawFault, path: &str, names: &Names, duration_ms: u64, index: &Index) -> Result<Fault, Invalid> {
    let field = |key: &str| join(path, key);
    let at_ms = duration(required(&raw.at, &field("at"))?, &field("at"))?;
    if at_ms >= duration_ms {
        return Err(Invalid::new(
            field("at"),
            format!(
                "the fault fires at or after the end of the run ({}): faults must fire before it",
                format_ms(duration_ms)
            ),
        ));
    }
    let for_ms = raw.for_.as_deref().map(|text| positive_ms(text, &field("for"))).transpose()?;
    let present = [
        ("crash", &raw.crash),
        ("restart", &raw.restart),
        ("pause", &raw.pause),
        ("resume", &raw.resume),
        ("partition", &raw.partition),
        ("one_way", &raw.one_way),
        ("isolate", &raw.isolate),
        ("heal", &raw.heal),
        ("slow", &raw.slow),
        ("loss", &raw.loss),
        ("duplicate", &raw.duplicate),
        ("skew", &raw.skew),
        ("corrupt", &raw.corrupt),
        ("migrate", &raw.migrate),
        ("join", &raw.join),
        ("leave", &raw.leave),
        ("drain", &raw.drain),
    ];
    let mut actions = present.iter().filter_map(|(key, value)| value.as_ref().map(|v| (*key, v)));
    let Some((kind, value)) = actions.next() else {
        return Err(Invalid::new(path, format!("a fault needs exactly one action: {}", one_of(ACTIONS))));
    };
    if let Some((second, _)) = actions.next() {
        return Err(Invalid::new(
            field(second),
            format!("a fault has exactly one action, but this one has both `{kind}` and `{second}`: split it into two faults"),
        ));
    }
    if raw.delay.is_some() && kind != "slow" {
        return Err(Invalid::new(field("delay"), "`delay` only goes with `slow`"));
    }
    if raw.scope.is_some() && kind != "slow" {
        return Err(Invalid::new(field("scope"), "`scope` only goes with `slow`"));
    }
    for (key, set) in [("drift", raw.drift.is_some()), ("offset", raw.offset.is_some())] {
        if set && kind != "skew" {
            return Err(Invalid::new(field(key), format!("`{key}` only goes with `skew`")));
        }
    }
    let at = field(kind);
    let action = match kind {
        "crash" => FaultAction::Crash(names.targets(value, &at)?),
        "restart" => FaultAction::Restart(names.targets(value, &at)?),
        "pause" => FaultAction::Pause(names.targets(value, &at)?),
        "resume" => FaultAction::Resume(names.targets(value, &at)?),
        "isolate" => FaultAction::Isolate(names.targets(value, &at)?),
        "partition" => partition(value, &at, names)?,
        "one_way" => one_way(value, &at, names)?,
        "heal" => match value {
            Value::Bool(true) => FaultAction::Heal,
            other => return Err(Invalid::new(at, format!("write `heal: true` (found {})", describe(other)))),
        },
        "slow" => slow(raw, value, &at, path, names)?,
        "loss" => FaultAction::Loss(probability(value, &at)?),
        "skew" => skew(raw, value, &at, path, names)?,
        "corrupt" => corrupt(value, &at, names)?,
        "migrate" => migrate(value, &at, names)?,
        "join" => FaultAction::Join(named_nodes(names.targets(value, &at)?, &at)?),
        "leave" => FaultAction::Leave(names.targets(value, &at)?),
        "drain" => FaultAction::Drain(names.targets(value, &at)?),
        _ => FaultAction::Duplicate(probability(value, &at)?),
    };
    if for_ms.is_some()
        && matches!(kind, "heal" | "restart" | "resume" | "corrupt" | "migrate" | "join" | "leave" | "drain")
    {
        return Err(Invalid::new(field("for"), format!("`{kind}` cannot be undone, so it cannot have `for`")));
    }
    let line = index.locate(path).map_or(0, |p| p.line);
    Ok(Fault { at_ms, for_ms, action, line })
}

/// A `join`'s targets: named nodes only (they start outside the membership, which must be
/// known before the run).
fn named_nodes(targets: Vec<Target>, at: &str) -> Result<Vec<Target>, Invalid> {
    match targets.iter().find(|t| !matches!(t, Target::Node(_))) {
        Some(_) => Err(Invalid::new(
            at,
            "name the joining nodes (`random`, `leader`, `primary` and zones are decided too late)",
        )),
        None => Ok(targets),
    }
}

/// `slow: [targets]` with its `delay` and optional `scope` (node or replica).
fn slow(raw: &RawFault, value: &Value, at: &str, path: &str, names: &Names) -> Result<FaultAction, Invalid> {
    let field = |key: &str| join(path, key);
    let targets = names.targets(value, at)?;
    let delay = required(&raw.delay, &field("delay"))
        .map_err(|_| Invalid::new(field("delay"), "`slow` needs a `delay`, e.g. `delay: 200ms`"))?;
    let delay_ms = positive_ms(delay, &field("delay"))?;
    match raw.scope.as_deref() {
        None | Some("node") => Ok(FaultAction::Slow { targets, delay_ms }),
        Some("replica") => Ok(FaultAction::SlowReplica { targets, delay_ms }),
        Some(other) => Err(Invalid::new(
            field("scope"),
            format!(
                "`{other}`: write `node` (every message to or from the nodes, the default) or \
                 `replica` (only the answers they send as replicas: a slow disk)"
            ),
        )),
    }
}

/// `skew: [targets]` with a `drift` (rate error) and/or an `offset`.
fn skew(raw: &RawFault, value: &Value, at: &str, path: &str, names: &Names) -> Result<FaultAction, Invalid> {
    let field = |key: &str| join(path, key);
    let targets = names.targets(value, at)?;
    let drift = raw.drift.unwrap_or(0.0);
    if !drift.is_finite() || drift <= -1.0 || drift > 10.0 {
        return Err(Invalid::new(
            field("drift"),
            format!("drift {drift} is a rate error: above -1 (a stopped clock) and at most 10"),
        ));
    }
    let offset_ms = match raw.offset.as_deref() {
        None => 0,
        Some(text) => {
            let (sign, magnitude) = text.strip_prefix('-').map_or((1, text), |rest| (-1, rest));
            sign * duration(magnitude, &field("offset"))? as i64
        }
    };
    if raw.drift.is_none() && raw.offset.is_none() {
        return Err(Invalid::new(
            at,
            "`skew` needs a `drift` (e.g. `drift: 0.05`) or an `offset` (e.g. `offset: -50ms`)",
        ));
    }
    Ok(FaultAction::Skew { targets, rate: 1.0 + drift, offset_ms })
}

fn probability(value: &Value, field: &str) -> Result<f64, Invalid> {
    units::probability(number(value, field)?, true).map_err(|m| Invalid::new(field, m))
}

/// `corrupt: n2` (the default fraction of its records) or `corrupt: { node: n2, keys: 0.2 }`.
fn corrupt(value: &Value, field: &str, names: &Names) -> Result<FaultAction, Invalid> {
    if !value.is_mapping() {
        return Ok(FaultAction::Corrupt { targets: names.targets(value, field)?, fraction: CORRUPT_FRACTION_DEFAULT });
    }
    let fields = Fields::new(value, field, &["node", "keys"])?;
    let targets = names.targets(fields.required("node")?, &fields.field("node"))?;
    let fraction = match fields.get("keys") {
        None => CORRUPT_FRACTION_DEFAULT,
        Some(v) => {
            let at = fields.field("keys");
            let p = units::probability(number(v, &at)?, false).map_err(|m| Invalid::new(&at, m))?;
            if p == 0.0 {
                return Err(Invalid::new(at, "a fraction of the node's records above 0 and at most 1"));
            }
            p
        }
    };
    Ok(FaultAction::Corrupt { targets, fraction })
}

/// `migrate: { shard: 3, to: n4 }`: the shard must exist and `to` name one node (or `random`,
/// `leader`, or a zone, whose first node when it fires is taken).
fn migrate(value: &Value, field: &str, names: &Names) -> Result<FaultAction, Invalid> {
    let fields = Fields::new(value, field, &["shard", "to"])?;
    let at = fields.field("shard");
    let shard = number(fields.required("shard")?, &at)?;
    let shards = names.shards();
    if shard < 0.0 || shard.fract() != 0.0 || shard >= f64::from(shards) {
        return Err(Invalid::new(at, format!("a shard number from 0 to {} (the cluster has {shards})", shards - 1)));
    }
    let to = names.targets(fields.required("to")?, &fields.field("to"))?;
    if to.len() != 1 {
        return Err(Invalid::new(fields.field("to"), "name exactly one target: a node, `random`, `leader` or a zone"));
    }
    Ok(FaultAction::Migrate { shard: shard as u32, to })
}

/// Groups that cannot reach each other; a node may be in at most one group.
fn partition(value: &Value, field: &str, names: &Names) -> Result<FaultAction, Invalid> {
    let groups = match value.as_sequence() {
        Some(list) if list.len() >= 2 && list.len() <= PARTITION_GROUPS_MAX => list,
        _ => return Err(Invalid::new(field, "a partition is a list of at least 2 groups, e.g. `[[n1, n2], [n3]]`")),
    };
    let mut owner: BTreeMap<u32, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        let group_field = item(field, g);
        let targets = names.targets(group, &group_field)?;
        for (t, target) in targets.iter().enumerate() {
            for node in names.nodes_of(target) {
                if let Some(first) = owner.insert(node, g) {
                    if first != g {
                        return Err(Invalid::new(
                            item(&group_field, t),
                            format!(
                                "node `{}` is already in group {first}: a node can be on one side only",
                                names.node_name(node)
                            ),
                        ));
                    }
                }
            }
        }
        out.push(targets);
    }
    Ok(FaultAction::Partition(out))
}

/// Cuts messages from `from` to `to` only.
fn one_way(value: &Value, field: &str, names: &Names) -> Result<FaultAction, Invalid> {
    let fields = Fields::new(value, field, &["from", "to"])?;
    let from = names.targets(fields.required("from")?, &fields.field("from"))?;
    let to = names.targets(fields.required("to")?, &fields.field("to"))?;
    let senders: Vec<u32> = from.iter().flat_map(|t| names.nodes_of(t)).collect();
    for (t, target) in to.iter().enumerate() {
        if let Some(node) = names.nodes_of(target).into_iter().find(|n| senders.contains(n)) {
            return Err(Invalid::new(
                item(&fields.field("to"), t),
                format!("node `{}` is on both sides of the cut", names.node_name(node)),
            ));
        }
    }
    Ok(FaultAction::OneWay { from, to })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::scenario::parse;

    const BASE: &str = "\
name: faults
description: d
duration: 10s
cluster:
  nodes: 3
  replication: { n: 3 }
workload:
  - { clients: 1, rate: 1/s, keys: 1 }
";

    #[test]
    fn corrupt_faults_take_targets_and_a_fraction_of_the_records() {
        use crate::scenario::model::{FaultAction, Target};
        let faults = "faults:\n  - { at: 1s, corrupt: n2 }\n  - { at: 2s, corrupt: { node: [n1, n3], keys: 0.5 } }\n";
        let s = parse(Path::new("s.yaml"), &format!("{BASE}{faults}")).expect("valid");
        let actions: Vec<FaultAction> = s.faults.into_iter().map(|f| f.action).collect();
        assert_eq!(
            actions,
            [
                FaultAction::Corrupt { targets: vec![Target::Node(1)], fraction: 0.1 },
                FaultAction::Corrupt { targets: vec![Target::Node(0), Target::Node(2)], fraction: 0.5 },
            ]
        );
        for (fault, field) in [
            ("{ at: 1s, for: 1s, corrupt: n2 }", "faults[0].for"),
            ("{ at: 1s, corrupt: { node: n2, keys: 0 } }", "faults[0].corrupt.keys"),
            ("{ at: 1s, corrupt: { node: n2, keys: 1.5 } }", "faults[0].corrupt.keys"),
            ("{ at: 1s, corrupt: { keys: 0.5 } }", "faults[0].corrupt.node"),
            ("{ at: 1s, corrupt: { node: n9 } }", "faults[0].corrupt.node"),
            ("{ at: 1s, corrupt: { node: n2, records: 3 } }", "faults[0].corrupt.records"),
        ] {
            let e = parse(Path::new("s.yaml"), &format!("{BASE}faults:\n  - {fault}\n")).expect_err(fault);
            assert_eq!(e.field.as_deref(), Some(field), "{fault}: {e}");
        }
    }
}
