//! Static shard placement: which storage nodes replicate which shard.

use std::sync::Arc;

/// Maps keys to shards and shards to their replica sets.
#[derive(Clone, Debug)]
pub struct ShardMap {
    /// Replicas of each shard; the first one is the shard's primary. Shared: every node's
    /// control plane holds it, and at 1,000 nodes × 10,000 shards private copies cost gigabytes.
    replicas: Arc<Vec<Vec<u32>>>,
    /// Replication factor N.
    n: u8,
}

impl ShardMap {
    /// Places `shards` shards on nodes given by their zone index, N replicas each.
    ///
    /// Nodes are laid on a ring that alternates zones (a node of zone 0, of zone 1, ...), and
    /// shard `s` takes N consecutive ring positions starting at `s`, so each replica set spans
    /// as many zones as it can.
    pub fn ring(node_zones: &[u16], shards: u32, n: u8) -> Self {
        assert!(n as usize <= node_zones.len() && n > 0, "N must be in 1..=nodes");
        let zones = node_zones.iter().copied().max().map_or(0, |z| z + 1);
        let mut per_zone: Vec<Vec<u32>> = vec![vec![]; zones as usize];
        for (node, &zone) in node_zones.iter().enumerate() {
            per_zone[zone as usize].push(node as u32);
        }
        let mut ring = Vec::with_capacity(node_zones.len());
        for round in 0.. {
            let before = ring.len();
            for z in &per_zone {
                if let Some(&node) = z.get(round) {
                    ring.push(node);
                }
            }
            if ring.len() == before {
                break;
            }
        }
        let replicas =
            (0..shards as usize).map(|s| (0..n as usize).map(|i| ring[(s + i) % ring.len()]).collect()).collect();
        ShardMap { replicas: Arc::new(replicas), n }
    }

    /// The shard a key belongs to: a fixed hash of the key, modulo the shard count.
    pub fn shard_of(&self, key: u64) -> u32 {
        (mix64(key) % self.replicas.len() as u64) as u32
    }

    /// The replica set of `key`'s shard.
    pub fn replicas_of(&self, key: u64) -> &[u32] {
        &self.replicas[self.shard_of(key) as usize]
    }

    /// The replica set of every shard, by shard.
    pub fn replica_sets(&self) -> &[Vec<u32>] {
        &self.replicas
    }

    /// The replica sets, shared rather than copied.
    pub fn shared_replica_sets(&self) -> Arc<Vec<Vec<u32>>> {
        self.replicas.clone()
    }

    /// Replication factor N.
    pub fn n(&self) -> u8 {
        self.n
    }

    /// Number of shards.
    pub fn shards(&self) -> u32 {
        self.replicas.len() as u32
    }
}

/// SplitMix64 finalizer: a fixed, well-spread hash that never changes across Rust versions.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_sets_span_zones() {
        let zones = [0, 0, 1, 1, 2, 2];
        let map = ShardMap::ring(&zones, 12, 3);
        for s in 0..12u64 {
            let reps = &map.replicas[s as usize];
            let mut zs: Vec<u16> = reps.iter().map(|&r| zones[r as usize]).collect();
            zs.sort();
            zs.dedup();
            assert_eq!(zs.len(), 3, "shard {s} replicas {reps:?} should cover 3 zones");
        }
    }

    #[test]
    fn every_node_gets_shards_and_keys_spread() {
        let map = ShardMap::ring(&[0, 1, 2, 0, 1], 16, 3);
        let mut load = [0; 5];
        for r in map.replicas.iter() {
            for &n in r {
                load[n as usize] += 1;
            }
        }
        assert!(load.iter().all(|&l| l > 0), "{load:?}");
        let mut per_shard = [0; 16];
        for k in 0..1600 {
            per_shard[map.shard_of(k) as usize] += 1;
        }
        assert!(per_shard.iter().all(|&c| c > 50), "{per_shard:?}");
    }
}
