//! The `cluster:` section: zones, nodes, replication, shards, network, timeouts, control
//! settings and the writes mode.

use nodes::control::ControlConfig;
use nodes::sim::links::NetConfig;
use nodes::{Latency, Requirement};
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{check_name, positive_ms, probability, required};
use super::latency::{by_kind, latency as read_latency};
use super::locate::item;
use super::membership::membership;
use super::model::{ClusterSpec, NodeSpec};
use super::spec::{RawCluster, RawControl, RawNetwork, RawTimeouts};
use super::storage::storage;
use super::units::format_ms;
use super::value::{expected, string, Fields};

/// Most storage nodes in a cluster.
pub const NODES_MAX: u64 = 1_024;
/// Most zones in a cluster.
pub const ZONES_MAX: usize = 64;
/// Highest replication factor.
pub const REPLICATION_MAX: u32 = 64;
/// Most shards.
pub const SHARDS_MAX: u32 = 65_536;

const REQUEST_TIMEOUT_MS_DEFAULT: u64 = 500;
const CLIENT_TIMEOUT_MS_DEFAULT: u64 = 1_000;
const SHARDS_DEFAULT: u32 = 16;
const ZONE_DEFAULT: &str = "az-a";

/// Checks `cluster:`: zones, nodes, replication, shards, network, timeouts, control and writes.
pub fn cluster(raw: &RawCluster) -> Result<ClusterSpec, Invalid> {
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
    let n = u8::try_from(n).map_err(|_| Invalid::new("cluster.replication.n", "too large"))?;
    let requirement = match &replication.requirement {
        Some(v) => super::shard_classes::requirement(v, "cluster.replication.requirement")?,
        None => Requirement::Eventual,
    };
    let classes = super::shard_classes::classes(
        replication.classes.as_ref(),
        shards,
        nodes.len(),
        REPLICATION_MAX,
        (n, requirement),
    )?;
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
    let storage = storage(raw.storage.as_ref(), request_timeout_ms)?;
    if let Some(h) = storage.hinted_handoff.filter(|h| h.after_ms >= request_timeout_ms) {
        return Err(Invalid::new(
            "cluster.storage.hinted_handoff.after",
            format!(
                "{}: stand-ins must be asked before the request times out ({})",
                format_ms(h.after_ms),
                format_ms(request_timeout_ms)
            ),
        ));
    }
    if storage.linearizable && writes_via_primary {
        return Err(Invalid::new(
            "cluster.storage.linearizable",
            "`linearizable: on` orders writes by the tags their quorum reads find, and `writes: primary` \
             orders them at the primary: choose one",
        ));
    }
    let node_stats = super::capacity::node_stats(raw.capacity.as_ref(), nodes.len())?;
    Ok(ClusterSpec {
        zones,
        nodes,
        n,
        requirement,
        classes,
        shards,
        net,
        request_timeout_ms,
        client_timeout_ms,
        control,
        writes_via_primary,
        storage,
        membership: membership(raw.membership.as_ref())?,
        service: super::capacity::capacity(raw.capacity.as_ref())?,
        node_stats,
        balancer: super::balancer::balancer(raw.balancer.as_ref())?,
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
    if let Some(v) = raw.voters {
        if !(1..=VOTERS_MAX).contains(&v) {
            return Err(Invalid::new(field("voters"), format!("{v}: from 1 to {VOTERS_MAX} voters")));
        }
        cfg.voters_max = v as u32;
    }
    if let Some(m) = &raw.migration {
        cfg.migration = super::migration::policy(m)?;
    }
    Ok(cfg)
}

/// Most voters a scenario may ask for: Raft over hundreds of voters split its votes forever.
const VOTERS_MAX: i64 = 15;

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
    NetConfig {
        latency: Latency::Uniform { lo_ms: 1.0, hi_ms: 5.0 },
        cross_zone: None,
        loss: 0.0,
        duplicate: 0.0,
        by_kind: Default::default(),
    }
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
    let by_kind = match &raw.message_latency {
        Some(v) => by_kind(v, "cluster.network.message_latency")?,
        None => Default::default(),
    };
    Ok(NetConfig { latency, cross_zone, loss, duplicate, by_kind })
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
