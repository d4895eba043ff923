//! Seeding: one root seed per run, an independent random stream per subsystem.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The subsystems that draw randomness, each from its own stream so that adding a draw in
/// one never shifts another's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Link latency, loss and duplication.
    Network = 1,
    /// Operation arrivals, kinds and keys, per workload client.
    Workload = 2,
    /// Client-side choices (which coordinator), per client.
    Client = 3,
    /// Fault targets such as `random`.
    Faults = 4,
    /// The swarm generator: which random faults a scenario's `swarm:` adds, when and where.
    Swarm = 5,
    /// Per-node control-plane randomness (election timeouts), per node.
    Node = 6,
    /// Which records a `corrupt` fault damages, and how, per node (from a root mixed with
    /// the fault's time, so other faults never shift it).
    Disk = 7,
    /// Service times of requests at nodes' workers (`cluster.capacity`).
    Service = 8,
}

/// The stream for `stream`, sub-stream `index` (e.g. the client number), of root seed `root`.
pub fn stream(root: u64, stream: Stream, index: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(root);
    rng.set_stream(((stream as u64) << 32) | index as u64);
    rng
}

/// A default seed when neither the command line nor the scenario gives one. Drawn from the
/// OS outside the simulation, and printed so the run can be replayed.
pub fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish() % 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, Stream::Network, 0).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]), "same stream, same draws");
        let x = stream(7, Stream::Network, 0).next_u64();
        let y = stream(7, Stream::Workload, 0).next_u64();
        let z = stream(7, Stream::Workload, 1).next_u64();
        let w = stream(8, Stream::Network, 0).next_u64();
        assert!(x != y && y != z && x != w);
    }
}
