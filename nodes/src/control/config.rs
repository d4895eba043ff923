//! Settings of the control plane and the lease arithmetic derived from them.

/// Settings of the control plane (all durations in local milliseconds).
#[derive(Clone, Debug)]
pub struct ControlConfig {
    /// Election timeouts are drawn uniformly from this range.
    pub election_timeout_ms: (u64, u64),
    /// Leader heartbeat interval.
    pub heartbeat_ms: u64,
    /// How often a leader wakes up (heartbeats, check-quorum, reconciliation).
    pub tick_ms: u64,
    /// Length of a primary's lease.
    pub lease_ms: u64,
    /// Promised bound on clock rate error (e.g. 0.01 for 1%).
    pub max_drift: f64,
    /// A leader whose median heartbeat round trip exceeds this steps down (0: never).
    pub slow_leader_rtt_ms: u64,
    /// After stepping down for being slow, do not campaign for this long.
    pub step_down_cooldown_ms: u64,
    /// At most this many members vote and may lead (today the lowest addresses); the others
    /// follow. Raft over 1,000 voters split its votes forever (dozens of candidates per round
    /// trip) and flooded the network with vote requests.
    pub voters_max: u32,
    /// Limits and timeouts of shard migrations.
    pub migration: MigrationPolicy,
}

/// Limits and timeouts of shard migrations (the scenario's `cluster.storage.migration_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigrationPolicy {
    /// At most this many migrations run at once; the others wait queued.
    pub concurrency: u32,
    /// A step that has not finished this long after the leader saw it begin rolls back.
    pub step_timeout_ms: u64,
    /// Copy orders not answered yet are sent again this often.
    pub resend_ms: u64,
    /// A fault for tests and scenarios: every copy a target receives loses its last key in
    /// transit, so its checksum no longer matches and the migration must roll back.
    pub corrupt_copies: bool,
    /// At least this long between two starts by one leader (the scenario's `rate`, as the
    /// spacing it implies); 0: no limit. See [`throttle`](super::throttle).
    pub start_spacing_ms: u64,
    /// A cap on the bytes migrations copy into one zone (`None`: none).
    pub zone_budget: Option<ZoneBudget>,
}

/// The per-zone data budget: a migration into a zone starts only while the migrations into
/// that zone that started within the last `window_ms` have copied fewer than `bytes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneBudget {
    /// Bytes a zone may take within a window.
    pub bytes: u64,
    /// The window.
    pub window_ms: u64,
}

impl Default for MigrationPolicy {
    fn default() -> Self {
        MigrationPolicy {
            concurrency: 2,
            step_timeout_ms: 10_000,
            resend_ms: 500,
            corrupt_copies: false,
            start_spacing_ms: 0,
            zone_budget: None,
        }
    }
}

impl Default for ControlConfig {
    fn default() -> Self {
        ControlConfig {
            election_timeout_ms: (150, 300),
            heartbeat_ms: 50,
            tick_ms: 10,
            lease_ms: 2_000,
            max_drift: 0.01,
            slow_leader_rtt_ms: 0,
            step_down_cooldown_ms: 5_000,
            voters_max: 7,
            migration: MigrationPolicy::default(),
        }
    }
}

impl ControlConfig {
    /// How long, on the leader's clock, until a lease sent now has surely expired everywhere.
    pub fn lease_wait_ms(&self) -> u64 {
        stretch(self.lease_ms, self.max_drift)
    }

    /// How long a new leader waits before its first grant.
    pub fn election_wait_ms(&self) -> u64 {
        stretch(self.election_timeout_ms.1 + self.lease_ms, self.max_drift)
    }
}

/// `ms · (1+ρ)/(1−ρ)`, rounded up: a local duration that covers `ms` on any clock within ρ.
fn stretch(ms: u64, rho: f64) -> u64 {
    (ms as f64 * (1.0 + rho) / (1.0 - rho)).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_waits_cover_clock_drift() {
        let cfg =
            ControlConfig { lease_ms: 1_000, max_drift: 0.05, election_timeout_ms: (150, 300), ..Default::default() };
        assert_eq!(cfg.lease_wait_ms(), 1_106);
        assert_eq!(cfg.election_wait_ms(), 1_437);
    }
}
