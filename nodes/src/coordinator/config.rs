//! A coordinator's settings: timeouts, write routing, read repair, hinted handoff, hedged
//! reads and the circuit breaker.

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
    /// Whether reads ask every replica at once or only R of them, hedging after a delay.
    pub hedge: Hedge,
    /// Per-replica circuit breaker (off when `None`).
    pub breaker: Option<BreakerConfig>,
    /// Linearizable (ABD) mode: every write first reads a quorum and takes a tag above every
    /// one it saw; reads write the newest value back to the replicas they read (blocking read
    /// repair) and fail rather than answer before that is done. Needs `Lww` stores (one
    /// version per key, ordered by tag) and quorum reads and writes.
    pub linearizable: bool,
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

/// Which replicas a read asks. Writes always go to every replica: a replica left out of a
/// write holds an older value until repair, so saving messages on writes costs durability.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Hedge {
    /// Every replica at once (nothing is left to hedge with).
    #[default]
    Off,
    /// Exactly R replicas (this node first when it is one, healthy ones before those behind an
    /// open breaker); while fewer than R answered, one more replica after each delay.
    Targeted(HedgeDelay),
}

/// How long a targeted read waits before asking one more replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HedgeDelay {
    /// Never: targeted reads without hedges (the baseline hedging is measured against).
    Never,
    /// A fixed delay.
    Fixed {
        /// The delay.
        ms: u64,
    },
    /// A percentile of this coordinator's recent replica latencies; `fallback_ms` until it has
    /// seen enough answers to tell.
    Percentile {
        /// The percentile, 1 to 99.
        percentile: u8,
        /// The delay while the window holds too few latencies.
        fallback_ms: u64,
    },
}

/// Circuit breaker settings: `timeouts` replica timeouts within `window_ms` open a replica's
/// breaker; after `probe_ms` one request probes it, and an answer in time closes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Timeouts that open the breaker (K).
    pub timeouts: u32,
    /// The window they must fall in.
    pub window_ms: u64,
    /// How long an open breaker waits before a probe.
    pub probe_ms: u64,
}
