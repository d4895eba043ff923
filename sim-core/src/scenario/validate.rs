//! Validation: the raw [`ScenarioSpec`] becomes a typed [`Scenario`], or the first mistake in
//! file order is reported with the path of its field.

use std::path::Path;

use nodes::sim::links::NetConfig;
use nodes::{Consistency, Latency};
use serde_yaml::Value;

use super::error::Invalid;
use super::expect::expectations;
use super::faults::faults;
use super::latency::latency as read_latency;
use super::locate::{item, join, Index};
use super::model::{ClusterSpec, KeyDist, NodeSpec, RateSchedule, Scenario, WorkloadGroup};
use super::spec::{RawCluster, RawControl, RawGroup, RawNetwork, RawTimeouts, ScenarioSpec};
use super::units::{self, format_ms};
use super::value::{describe, expected, number, string, Fields};
use nodes::control::ControlConfig;

/// Most storage nodes in a cluster.
pub const NODES_MAX: u64 = 1_024;
/// Most zones in a cluster.
pub const ZONES_MAX: usize = 64;
/// Highest replication factor.
pub const REPLICATION_MAX: u32 = 64;
/// Most shards.
pub const SHARDS_MAX: u32 = 65_536;
/// Most workload groups.
pub const GROUPS_MAX: usize = 64;
/// Most clients in one group.
pub const CLIENTS_MAX: u32 = 100_000;
/// Most keys in one group.
pub const KEYS_MAX: u64 = 1_000_000_000;
/// Most rate changes in one group.
pub const RATE_CHANGES_MAX: usize = 1_000;
/// Longest name of a scenario, node or zone.
pub const NAME_LEN_MAX: usize = 64;
/// Words that cannot name a node or zone because targets use them.
pub const RESERVED: &[&str] = &["random", "leader", "all"];

const HEAL_MS_DEFAULT: u64 = 5_000;
const REQUEST_TIMEOUT_MS_DEFAULT: u64 = 500;
const CLIENT_TIMEOUT_MS_DEFAULT: u64 = 1_000;
const SHARDS_DEFAULT: u32 = 16;
const ZONE_DEFAULT: &str = "az-a";

/// Checks `spec`, read from `path`, and builds the scenario; `index` gives faults their lines.
pub fn scenario(path: &Path, spec: &ScenarioSpec, index: &Index) -> Result<Scenario, Invalid> {
    let name = required(&spec.name, "name")?;
    check_scenario_name(name)?;
    let description = required(&spec.description, "description")?;
    if description.trim().is_empty() {
        return Err(Invalid::new("description", "the description must not be empty: say what the scenario shows"));
    }
    let duration_ms = positive_ms(required(&spec.duration, "duration")?, "duration")?;
    let heal_ms = match &spec.heal {
        Some(text) => duration(text, "heal")?,
        None => HEAL_MS_DEFAULT,
    };
    let cluster = cluster(required(&spec.cluster, "cluster")?)?;
    if heal_ms < cluster.client_timeout_ms {
        let client = format_ms(cluster.client_timeout_ms);
        let heal = format_ms(heal_ms);
        return Err(match spec.heal {
            Some(_) => Invalid::new(
                "heal",
                format!("heal ({heal}) is shorter than the client timeout ({client}): operations still running at the end could not finish"),
            ),
            None => Invalid::new(
                "cluster.timeouts.client",
                format!("the client timeout ({client}) is longer than the default heal (5s): set `heal` to at least {client}"),
            ),
        });
    }
    let groups = required(&spec.workload, "workload")?;
    let workload = workload(groups, &cluster, duration_ms)?;
    let faults = faults(spec.faults.as_deref().unwrap_or_default(), &cluster, duration_ms, index)?;
    let swarm = spec.swarm.as_ref().map(|raw| super::swarm::swarm(raw, &cluster, duration_ms, index)).transpose()?;
    let expect = expectations(spec.expect.as_deref().unwrap_or_default(), cluster.n, duration_ms + heal_ms)?;
    Ok(Scenario {
        path: path.to_path_buf(),
        name: name.clone(),
        description: description.clone(),
        seed: spec.seed,
        duration_ms,
        heal_ms,
        cluster,
        workload,
        faults,
        expect,
        swarm,
    })
}

/// The value of a required field.
pub fn required<'a, T>(value: &'a Option<T>, field: &str) -> Result<&'a T, Invalid> {
    let key = field.rsplit('.').next().unwrap_or(field);
    value.as_ref().ok_or_else(|| Invalid::new(field, format!("required field `{key}` is missing")))
}

/// A duration at `field`, zero allowed.
pub fn duration(text: &str, field: &str) -> Result<u64, Invalid> {
    units::duration_ms(text).map_err(|m| Invalid::new(field, m))
}

/// A duration at `field` that must be greater than zero.
pub fn positive_ms(text: &str, field: &str) -> Result<u64, Invalid> {
    units::positive_duration_ms(text).map_err(|m| Invalid::new(field, m))
}

fn rate(text: &str, field: &str) -> Result<f64, Invalid> {
    units::rate_per_s(text).map_err(|m| Invalid::new(field, m))
}

fn probability(value: f64, below_one: bool, field: &str) -> Result<f64, Invalid> {
    units::probability(value, below_one).map_err(|m| Invalid::new(field, m))
}

fn check_scenario_name(name: &str) -> Result<(), Invalid> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if name.is_empty() || name.len() > NAME_LEN_MAX || !name.chars().all(ok) {
        return Err(Invalid::new(
            "name",
            format!("`{name}` is not a valid name: use 1 to {NAME_LEN_MAX} of a-z, 0-9, `-` and `_` (it names the run's folder)"),
        ));
    }
    Ok(())
}

/// Checks a node or zone name: it is used as a fault target, so it must be a plain word.
fn check_name(name: &str, field: &str, what: &str) -> Result<(), Invalid> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if name.is_empty() || name.len() > NAME_LEN_MAX || !name.chars().all(ok) {
        return Err(Invalid::new(
            field,
            format!("`{name}` is not a valid {what} name: use 1 to {NAME_LEN_MAX} of A-Z, a-z, 0-9, `-`, `_` and `.`"),
        ));
    }
    if RESERVED.contains(&name) {
        return Err(Invalid::new(field, format!("`{name}` is a reserved target word and cannot name a {what}")));
    }
    Ok(())
}

fn cluster(raw: &RawCluster) -> Result<ClusterSpec, Invalid> {
    let zones = zones(raw.zones.as_deref())?;
    let nodes = nodes(required(&raw.nodes, "cluster.nodes")?, &zones)?;
    let replication = required(&raw.replication, "cluster.replication")?;
    let n = *required(&replication.n, "cluster.replication.n")?;
    if n == 0 || n > REPLICATION_MAX || n as usize > nodes.len() {
        return Err(Invalid::new(
            "cluster.replication.n",
            format!("n = {n} must be between 1 and the number of nodes ({}), at most {REPLICATION_MAX}", nodes.len()),
        ));
    }
    let shards = raw.shards.unwrap_or(SHARDS_DEFAULT);
    if shards == 0 || shards > SHARDS_MAX {
        return Err(Invalid::new("cluster.shards", format!("{shards} shards: use 1 to {SHARDS_MAX}")));
    }
    let net = match &raw.network {
        Some(network) => net(network)?,
        None => default_net(),
    };
    let (request_timeout_ms, client_timeout_ms) = timeouts(raw.timeouts.as_ref())?;
    let control = control(raw.control.as_ref())?;
    let writes_via_primary = match raw.writes.as_deref() {
        None | Some("any") => false,
        Some("primary") => true,
        Some(other) => {
            return Err(Invalid::new(
                "cluster.writes",
                format!(
                    "`{other}`: write `any` (every node coordinates writes) or `primary` (only each shard's primary)"
                ),
            ))
        }
    };
    Ok(ClusterSpec {
        zones,
        nodes,
        n: u8::try_from(n).map_err(|_| Invalid::new("cluster.replication.n", "too large"))?,
        shards,
        net,
        request_timeout_ms,
        client_timeout_ms,
        control,
        writes_via_primary,
    })
}

/// Reads `cluster.control`; every field has a default.
fn control(raw: Option<&RawControl>) -> Result<ControlConfig, Invalid> {
    let mut cfg = ControlConfig::default();
    let Some(raw) = raw else { return Ok(cfg) };
    let field = |key: &str| format!("cluster.control.{key}");
    if let Some(range) = &raw.election_timeout {
        let f = field("election_timeout");
        let [lo, hi] = range.as_slice() else {
            return Err(Invalid::new(f, "give the range as two durations, e.g. `[150ms, 300ms]`"));
        };
        let (lo, hi) = (positive_ms(lo, &item(&f, 0))?, positive_ms(hi, &item(&f, 1))?);
        if lo > hi {
            return Err(Invalid::new(f, "the first bound must not exceed the second"));
        }
        cfg.election_timeout_ms = (lo, hi);
    }
    if let Some(t) = &raw.heartbeat {
        cfg.heartbeat_ms = positive_ms(t, &field("heartbeat"))?;
    }
    if cfg.heartbeat_ms >= cfg.election_timeout_ms.0 {
        return Err(Invalid::new(field("heartbeat"), "the heartbeat must be shorter than the election timeout"));
    }
    if let Some(t) = &raw.lease {
        cfg.lease_ms = positive_ms(t, &field("lease"))?;
    }
    if let Some(d) = raw.max_drift {
        if !(0.0..0.5).contains(&d) {
            return Err(Invalid::new(
                field("max_drift"),
                format!("{d}: the promised drift bound is from 0 to below 0.5"),
            ));
        }
        cfg.max_drift = d;
    }
    if let Some(t) = &raw.slow_leader_rtt {
        cfg.slow_leader_rtt_ms = positive_ms(t, &field("slow_leader_rtt"))?;
    }
    if let Some(t) = &raw.step_down_cooldown {
        cfg.step_down_cooldown_ms = positive_ms(t, &field("step_down_cooldown"))?;
    }
    Ok(cfg)
}

fn zones(raw: Option<&[String]>) -> Result<Vec<String>, Invalid> {
    let Some(raw) = raw else {
        return Ok(vec![ZONE_DEFAULT.to_string()]);
    };
    if raw.is_empty() || raw.len() > ZONES_MAX {
        return Err(Invalid::new(
            "cluster.zones",
            format!("list 1 to {ZONES_MAX} zones (or leave `zones` out for one zone, `az-a`)"),
        ));
    }
    for (i, zone) in raw.iter().enumerate() {
        let field = item("cluster.zones", i);
        check_name(zone, &field, "zone")?;
        if raw[..i].contains(zone) {
            return Err(Invalid::new(field, format!("zone `{zone}` is listed twice")));
        }
    }
    Ok(raw.to_vec())
}

/// Reads `nodes: 5` (named n1..n5, zones round-robin) or a list of `{ name, zone }`.
fn nodes(value: &Value, zones: &[String]) -> Result<Vec<NodeSpec>, Invalid> {
    let field = "cluster.nodes";
    let nodes = match value {
        Value::Number(count) => {
            let count = match count.as_u64() {
                Some(c) if (1..=NODES_MAX).contains(&c) => c,
                _ => return Err(Invalid::new(field, format!("{count} nodes: use 1 to {NODES_MAX}"))),
            };
            (0..count)
                .map(|i| NodeSpec { name: format!("n{}", i + 1), zone: (i % zones.len() as u64) as u16 })
                .collect()
        }
        Value::Sequence(list) => node_list(list, zones)?,
        _ => return Err(expected(field, "a node count or a list of `{ name, zone }`", value)),
    };
    // Generated names can collide with zone names only now that both are known.
    for (i, zone) in zones.iter().enumerate() {
        if nodes.iter().any(|n: &NodeSpec| &n.name == zone) {
            return Err(Invalid::new(
                item("cluster.zones", i),
                format!("zone `{zone}` has the same name as a node, so fault targets would be ambiguous"),
            ));
        }
    }
    Ok(nodes)
}

fn node_list(list: &[Value], zones: &[String]) -> Result<Vec<NodeSpec>, Invalid> {
    if list.is_empty() || list.len() as u64 > NODES_MAX {
        return Err(Invalid::new("cluster.nodes", format!("list 1 to {NODES_MAX} nodes")));
    }
    let mut nodes: Vec<NodeSpec> = Vec::with_capacity(list.len());
    for (i, node) in list.iter().enumerate() {
        let path = item("cluster.nodes", i);
        let fields = Fields::new(node, &path, &["name", "zone"])?;
        let name_field = fields.field("name");
        let name = string(fields.required("name")?, &name_field, "a node name")?;
        check_name(name, &name_field, "node")?;
        if nodes.iter().any(|n| n.name == name) {
            return Err(Invalid::new(name_field, format!("node `{name}` is listed twice")));
        }
        let zone = match fields.get("zone") {
            Some(zone) => {
                let zone_field = fields.field("zone");
                let zone = string(zone, &zone_field, "a zone name")?;
                zones.iter().position(|z| z == zone).ok_or_else(|| {
                    Invalid::new(&zone_field, format!("unknown zone `{zone}` (zones are {})", zones.join(", ")))
                })?
            }
            // With one zone there is nothing to choose.
            None if zones.len() == 1 => 0,
            None => return Err(Invalid::new(fields.field("zone"), "required field `zone` is missing")),
        };
        nodes.push(NodeSpec { name: name.to_string(), zone: zone as u16 });
    }
    Ok(nodes)
}

fn default_net() -> NetConfig {
    NetConfig { latency: Latency::Uniform { lo_ms: 1.0, hi_ms: 5.0 }, cross_zone: None, loss: 0.0, duplicate: 0.0 }
}

fn net(raw: &RawNetwork) -> Result<NetConfig, Invalid> {
    let defaults = default_net();
    let latency = match &raw.latency {
        Some(v) => read_latency(v, "cluster.network.latency")?,
        None => defaults.latency,
    };
    let cross_zone = match &raw.cross_zone_latency {
        Some(v) => Some(read_latency(v, "cluster.network.cross_zone_latency")?),
        None => None,
    };
    let loss = probability(raw.loss.unwrap_or(0.0), true, "cluster.network.loss")?;
    let duplicate = probability(raw.duplicate.unwrap_or(0.0), true, "cluster.network.duplicate")?;
    Ok(NetConfig { latency, cross_zone, loss, duplicate })
}

fn timeouts(raw: Option<&RawTimeouts>) -> Result<(u64, u64), Invalid> {
    let request = match raw.and_then(|t| t.request.as_deref()) {
        Some(text) => positive_ms(text, "cluster.timeouts.request")?,
        None => REQUEST_TIMEOUT_MS_DEFAULT,
    };
    let client = match raw.and_then(|t| t.client.as_deref()) {
        Some(text) => positive_ms(text, "cluster.timeouts.client")?,
        None => CLIENT_TIMEOUT_MS_DEFAULT,
    };
    if client <= request {
        return Err(Invalid::new(
            "cluster.timeouts.client",
            format!(
                "the client timeout ({}) must be longer than the request timeout ({}), so a client hears why its request failed",
                format_ms(client),
                format_ms(request)
            ),
        ));
    }
    Ok((request, client))
}

fn workload(groups: &[RawGroup], cluster: &ClusterSpec, duration_ms: u64) -> Result<Vec<WorkloadGroup>, Invalid> {
    if groups.is_empty() || groups.len() > GROUPS_MAX {
        return Err(Invalid::new("workload", format!("list 1 to {GROUPS_MAX} groups of clients")));
    }
    groups.iter().enumerate().map(|(i, g)| group(g, &item("workload", i), cluster.n, duration_ms)).collect()
}

fn group(raw: &RawGroup, path: &str, n: u8, duration_ms: u64) -> Result<WorkloadGroup, Invalid> {
    let field = |key: &str| join(path, key);
    let clients = *required(&raw.clients, &field("clients"))?;
    if clients == 0 || clients > CLIENTS_MAX {
        return Err(Invalid::new(field("clients"), format!("{clients} clients: use 1 to {CLIENTS_MAX}")));
    }
    let base_per_s = rate(required(&raw.rate, &field("rate"))?, &field("rate"))?;
    let keys = *required(&raw.keys, &field("keys"))?;
    if keys == 0 || keys > KEYS_MAX {
        return Err(Invalid::new(field("keys"), format!("{keys} keys: use 1 to {KEYS_MAX}")));
    }
    let key_dist = match &raw.key_distribution {
        Some(v) => key_dist(v, &field("key_distribution"))?,
        None => KeyDist::Uniform,
    };
    let reads = probability(raw.reads.unwrap_or(0.5), false, &field("reads"))?;
    let level = |value: &Option<Value>, key: &str| value.as_ref().map(|v| consistency(v, &field(key), n)).transpose();
    let both = level(&raw.consistency, "consistency")?.unwrap_or(Consistency::Quorum);
    let read_consistency = level(&raw.read_consistency, "read_consistency")?.unwrap_or(both);
    let write_consistency = level(&raw.write_consistency, "write_consistency")?.unwrap_or(both);
    let start_ms = match &raw.start {
        Some(text) => duration(text, &field("start"))?,
        None => 0,
    };
    if start_ms >= duration_ms {
        return Err(Invalid::new(
            field("start"),
            format!("the group starts at or after the end of the run ({})", format_ms(duration_ms)),
        ));
    }
    let stop_ms = match &raw.stop {
        Some(text) => duration(text, &field("stop"))?,
        None => duration_ms,
    };
    if stop_ms > duration_ms {
        return Err(Invalid::new(
            field("stop"),
            format!("the group stops after the end of the run ({})", format_ms(duration_ms)),
        ));
    }
    if stop_ms <= start_ms {
        return Err(Invalid::new(field("stop"), format!("the group stops before it starts ({})", format_ms(start_ms))));
    }
    let changes = rate_changes(raw, path, start_ms, stop_ms)?;
    Ok(WorkloadGroup {
        clients,
        rate: RateSchedule { base_per_s, changes },
        keys,
        key_dist,
        reads,
        read_consistency,
        write_consistency,
        send_context: raw.context.unwrap_or(true),
        start_ms,
        stop_ms,
    })
}

fn rate_changes(raw: &RawGroup, path: &str, start_ms: u64, stop_ms: u64) -> Result<Vec<(u64, f64)>, Invalid> {
    let list = raw.rate_changes.as_deref().unwrap_or_default();
    let list_field = join(path, "rate_changes");
    if list.len() > RATE_CHANGES_MAX {
        return Err(Invalid::new(list_field, format!("at most {RATE_CHANGES_MAX} rate changes")));
    }
    let mut changes: Vec<(u64, f64)> = Vec::with_capacity(list.len());
    for (i, change) in list.iter().enumerate() {
        let item_path = item(&list_field, i);
        let at_field = join(&item_path, "at");
        let at_ms = duration(required(&change.at, &at_field)?, &at_field)?;
        if at_ms < start_ms || at_ms >= stop_ms {
            return Err(Invalid::new(
                at_field,
                format!(
                    "a rate change must fall while the group runs, in [{}, {})",
                    format_ms(start_ms),
                    format_ms(stop_ms)
                ),
            ));
        }
        if let Some(&(previous_ms, _)) = changes.last() {
            if at_ms <= previous_ms {
                return Err(Invalid::new(
                    at_field,
                    format!(
                        "rate changes must be in increasing time order (the previous one is at {})",
                        format_ms(previous_ms)
                    ),
                ));
            }
        }
        let rate_field = join(&item_path, "rate");
        changes.push((at_ms, rate(required(&change.rate, &rate_field)?, &rate_field)?));
    }
    Ok(changes)
}

fn key_dist(value: &Value, field: &str) -> Result<KeyDist, Invalid> {
    if value.as_str() == Some("uniform") {
        return Ok(KeyDist::Uniform);
    }
    if !value.is_mapping() {
        return Err(expected(field, "`uniform` or `{ zipf: <exponent> }`", value));
    }
    let fields = Fields::new(value, field, &["zipf"])?;
    let exponent = number(fields.required("zipf")?, &fields.field("zipf"))?;
    if exponent <= 0.0 {
        return Err(Invalid::new(fields.field("zipf"), "the zipf exponent must be greater than 0"));
    }
    Ok(KeyDist::Zipf(exponent))
}

/// Reads a consistency level: `ONE`, `QUORUM`, `ALL` or a replica count `1..=n`.
pub fn consistency(value: &Value, field: &str, n: u8) -> Result<Consistency, Invalid> {
    let levels = format!("`ONE`, `QUORUM`, `ALL` or a replica count from 1 to {n}");
    match value {
        Value::String(s) => match s.as_str() {
            "ONE" => Ok(Consistency::One),
            "QUORUM" => Ok(Consistency::Quorum),
            "ALL" => Ok(Consistency::All),
            other => Err(Invalid::new(field, format!("unknown consistency level `{other}`: expected {levels}"))),
        },
        Value::Number(k) => match k.as_u64() {
            Some(0) => Err(Invalid::new(field, "a consistency level waits for at least 1 replica")),
            Some(k) if k <= u64::from(n) => Ok(Consistency::Count(k as u8)),
            Some(k) => Err(Invalid::new(
                field,
                format!("{k} replicas is more than the replication factor (cluster.replication.n = {n})"),
            )),
            None => Err(Invalid::new(field, format!("{k} is not a replica count: expected {levels}"))),
        },
        other => Err(Invalid::new(field, format!("expected {levels}, found {}", describe(other)))),
    }
}
