//! Anti-entropy's settings: how often each shard is compared, and how finely.

/// Default time for a node to compare every shard it replicates once.
pub const INTERVAL_MS_DEFAULT: u64 = 5_000;
/// Default number of leaves (buckets of keys) per shard in the hash tree.
pub const BUCKETS_DEFAULT: u32 = 64;

/// Settings of anti-entropy (off is `None` where it is configured).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AntiEntropyConfig {
    /// Each node compares every shard it replicates with one other replica once per interval,
    /// its rounds spread evenly over it (one shard per round).
    pub interval_ms: u64,
    /// Leaves per shard: more leaves send more hashes per round but fewer keys per difference.
    pub buckets: u32,
}

impl Default for AntiEntropyConfig {
    fn default() -> Self {
        AntiEntropyConfig { interval_ms: INTERVAL_MS_DEFAULT, buckets: BUCKETS_DEFAULT }
    }
}
