//! The raw form of a scenario file, exactly as serde reads it.
//!
//! Every field is optional here, even the required ones, so that a missing field is reported
//! by validation with the same wording and position as any other mistake. Fields that take
//! several shapes (`nodes: 5` or a list, `crash: n4` or a list, latencies, expectations) are
//! kept as YAML values: serde's messages for untagged enums do not say what went wrong.

use serde::{Deserialize, Deserializer};
use serde_yaml::Value;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub duration: Option<String>,
    pub heal: Option<String>,
    pub cluster: Option<RawCluster>,
    pub workload: Option<Vec<RawGroup>>,
    pub faults: Option<Vec<RawFault>>,
    pub expect: Option<Vec<Value>>,
    pub swarm: Option<RawSwarm>,
    pub budget: Option<RawBudget>,
    #[serde(default, deserialize_with = "present")]
    pub autoscaler: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub rebalance: Option<Value>,
}

/// `budget:` the work a scenario may ask for, raised above the defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    pub operations: Option<u64>,
    pub messages: Option<u64>,
    pub clients: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    pub memory: Option<Value>,
}

/// `cluster:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    pub zones: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub nodes: Option<Value>,
    pub replication: Option<RawReplication>,
    pub shards: Option<u32>,
    pub network: Option<RawNetwork>,
    pub timeouts: Option<RawTimeouts>,
    pub control: Option<RawControl>,
    pub writes: Option<String>,
    pub storage: Option<RawStorage>,
    /// `{ gossip: on, probe_period: 500ms, ... }`.
    #[serde(default, deserialize_with = "present")]
    pub membership: Option<Value>,
    /// `{ workers: 4, queue: 64, service: { read: 0.5ms } }`.
    #[serde(default, deserialize_with = "present")]
    pub capacity: Option<Value>,
    /// A strategy name, or `{ strategy: power_of_two, window: 32, backoff: { base: 100ms, max: 5s } }`.
    #[serde(default, deserialize_with = "present")]
    pub balancer: Option<Value>,
}

/// `cluster.storage:` conflict resolution, sibling bound, repair mechanisms and the disk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    pub linearizable: Option<String>,
    pub conflicts: Option<String>,
    pub max_siblings: Option<u64>,
    pub read_repair: Option<String>,
    /// `off`, `on`, or `{ after: 100ms, retry: 500ms }`.
    #[serde(default, deserialize_with = "present")]
    pub hinted_handoff: Option<Value>,
    /// `off`, `on`, or `{ interval: 5s, buckets: 64 }`.
    #[serde(default, deserialize_with = "present")]
    pub anti_entropy: Option<Value>,
    pub fsync: Option<String>,
    pub scrub: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub hedge: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub breaker: Option<Value>,
}

/// `cluster.control:` leader election and shard assignment settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawControl {
    pub election_timeout: Option<Vec<String>>,
    pub heartbeat: Option<String>,
    pub lease: Option<String>,
    pub max_drift: Option<f64>,
    pub slow_leader_rtt: Option<String>,
    pub step_down_cooldown: Option<String>,
    pub voters: Option<i64>,
    /// `{ concurrency: 2, step_timeout: 10s, resend: 500ms, corrupt_copies: false }`.
    #[serde(default, deserialize_with = "present")]
    pub migration: Option<Value>,
}

/// `cluster.replication:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReplication {
    pub n: Option<u32>,
    pub requirement: Option<Value>,
    /// `[{ shards: 0..3, n: 5, requirement: strong }]`.
    #[serde(default, deserialize_with = "present")]
    pub classes: Option<Value>,
}

/// `cluster.network:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    #[serde(default, deserialize_with = "present")]
    pub latency: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub cross_zone_latency: Option<Value>,
    pub loss: Option<f64>,
    pub duplicate: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    pub message_latency: Option<Value>,
}

/// `cluster.timeouts:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeouts {
    pub request: Option<String>,
    pub client: Option<String>,
}

/// One item of `workload:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub clients: Option<u32>,
    pub rate: Option<String>,
    pub keys: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    pub key_distribution: Option<Value>,
    pub reads: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    pub consistency: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub read_consistency: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub write_consistency: Option<Value>,
    pub context: Option<bool>,
    pub retry: Option<Value>,
    pub start: Option<String>,
    pub stop: Option<String>,
    pub rate_changes: Option<Vec<RawRateChange>>,
    #[serde(default, deserialize_with = "present")]
    pub shape: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub probe: Option<Value>,
}

/// One item of `workload[i].rate_changes:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateChange {
    pub at: Option<String>,
    pub rate: Option<String>,
}

/// One item of `faults:`: a time, an optional duration and one action field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub at: Option<String>,
    #[serde(rename = "for")]
    pub for_: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub crash: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub restart: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub pause: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub resume: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub partition: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub one_way: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub isolate: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub heal: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub slow: Option<Value>,
    pub delay: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub loss: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub duplicate: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub skew: Option<Value>,
    pub drift: Option<f64>,
    pub offset: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub corrupt: Option<Value>,
    pub scope: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub migrate: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub join: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub leave: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub drain: Option<Value>,
}

/// Keeps a field that is written but empty (`crash:`) as `Some(Null)`, so validation can say
/// "needs at least one target" instead of "has no action".
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// The raw `swarm:` mapping, exactly as serde reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSwarm {
    pub faults: Option<Value>,
    pub rate: Option<String>,
    pub max_concurrent: Option<u32>,
    #[serde(rename = "for")]
    pub for_: Option<Value>,
    pub start: Option<String>,
    pub stop: Option<String>,
    pub max_nodes: Option<u32>,
    pub delay: Option<Value>,
    pub loss: Option<Value>,
    pub duplicate: Option<Value>,
    pub modes: Option<Value>,
    pub corrupt: Option<Value>,
    pub aim: Option<f64>,
    pub skew: Option<String>,
}
