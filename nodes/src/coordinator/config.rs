//! A coordinator's settings: timeouts, write routing, read repair and hinted handoff.

use crate::handoff::HandoffConfig;

/// Settings of a coordinator.
#[derive(Clone, Debug)]
pub struct CoordinatorConfig {
    /// How long to wait for W or R answers before failing the request.
    pub request_timeout_ms: u64,
    /// Only a shard's primary coordinates writes to it (others forward), so writes to a shard
    /// are serialized and produce no siblings.
    pub writes_via_primary: bool,
    /// Whether reads repair replicas that answered without a version others had.
    pub read_repair: ReadRepair,
    /// Hinted handoff (sloppy quorums): `None` keeps quorums strict.
    pub handoff: Option<HandoffConfig>,
}

/// Whether and how reads repair the replicas they read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadRepair {
    /// No repair: replicas converge only through later writes (and anti-entropy, if on).
    #[default]
    Off,
    /// Answer the client at R; repair every replica once all answered (or at the deadline).
    Async,
    /// Repair the replicas that answered, and answer the client once they acknowledged.
    Blocking,
}
