//! A store's hash tree for anti-entropy: per shard, a fixed number of leaves (buckets of keys by
//! hash) under one root. Two replicas of a shard compare roots, then leaves, and exchange only the
//! keys of the buckets that differ.
//!
//! The tree is kept up to date on every change of the store rather than rebuilt for a round: a
//! leaf's hash is the XOR of one hash per version held in it (of its key and dot), so a write
//! updates its leaf in O(siblings), and a round costs O(buckets), not O(keys). XOR is a fair
//! set hash here because a key holds each dot at most once (no duplicates to cancel out) and the
//! per-version hashes are well spread (SplitMix64). A dot names one write, so two replicas whose
//! leaves agree hold the same writes in them (up to a 2^-64 collision).

use std::collections::BTreeMap;

use super::version::{Dot, Versioned};
use crate::shard_map::mix64;

/// One leaf: a bucket's hash and its keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Leaf {
    /// XOR of the hashes of every version held under this leaf.
    hash: u64,
    /// The keys held under this leaf, sorted.
    keys: Vec<u64>,
}

/// The hash tree of one store over every shard: only leaves holding keys are kept (a node holds
/// few of many shards, and a shard's empty buckets hash to 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    shards: u32,
    buckets: u32,
    /// By leaf index, `shard * buckets + bucket`, so one shard's leaves are one range.
    leaves: BTreeMap<u64, Leaf>,
}

impl Digest {
    /// An empty tree for `shards` shards (the shard map's count: keys go to shards as
    /// [`crate::shard_map::ShardMap::shard_of`] sends them) of `buckets` leaves each.
    pub fn new(shards: u32, buckets: u32) -> Self {
        assert!(shards > 0 && buckets > 0, "a digest needs shards and buckets");
        Digest { shards, buckets, leaves: BTreeMap::new() }
    }

    /// Number of leaves per shard.
    pub fn buckets(&self) -> u32 {
        self.buckets
    }

    /// The shard and bucket of `key`: the shard as the shard map computes it, the bucket from the
    /// hash's remaining bits.
    pub fn place(&self, key: u64) -> (u32, u32) {
        let h = mix64(key);
        let shards = self.shards as u64;
        ((h % shards) as u32, ((h / shards) % self.buckets as u64) as u32)
    }

    fn leaf_index(&self, shard: u32, bucket: u32) -> u64 {
        shard as u64 * self.buckets as u64 + bucket as u64
    }

    /// Records that `key`'s versions hashed `before` and now hash `after` (see [`set_hash`]);
    /// `new_key` when the store did not hold the key before.
    pub fn update(&mut self, key: u64, before: u64, after: u64, new_key: bool) {
        let (shard, bucket) = self.place(key);
        let leaf = self.leaves.entry(self.leaf_index(shard, bucket)).or_default();
        leaf.hash ^= before ^ after;
        if new_key {
            if let Err(at) = leaf.keys.binary_search(&key) {
                leaf.keys.insert(at, key);
            }
        }
    }

    /// The leaf hashes of `shard`, by bucket (0 for an empty bucket).
    pub fn leaves(&self, shard: u32) -> Vec<u64> {
        let mut out = vec![0; self.buckets as usize];
        let first = self.leaf_index(shard, 0);
        for (index, leaf) in self.leaves.range(first..first + self.buckets as u64) {
            out[(index - first) as usize] = leaf.hash;
        }
        out
    }

    /// The root hash of `shard`: its leaves folded in bucket order.
    pub fn root(&self, shard: u32) -> u64 {
        root_of(&self.leaves(shard))
    }

    /// The keys held in `bucket` of `shard`, sorted.
    pub fn keys(&self, shard: u32, bucket: u32) -> &[u64] {
        self.leaves.get(&self.leaf_index(shard, bucket)).map_or(&[], |l| l.keys.as_slice())
    }
}

/// The root of a shard's leaves, in bucket order.
pub fn root_of(leaves: &[u64]) -> u64 {
    leaves.iter().fold(0x5A17_ED00_0000_0000, |acc, &leaf| mix64(acc ^ leaf))
}

/// The hash of one version of `key`: of the key and the write's dot (a dot names one write).
pub fn version_hash(key: u64, dot: Dot) -> u64 {
    mix64(mix64(mix64(key) ^ dot.node as u64) ^ dot.counter)
}

/// The hash of the versions a replica holds for `key` (0 for none): order does not matter.
pub fn set_hash(key: u64, versions: &[Versioned]) -> u64 {
    versions.iter().fold(0, |acc, v| acc ^ version_hash(key, v.dot))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shard_map::ShardMap;
    use crate::storage::Context;

    fn v(node: u32, counter: u64) -> Versioned {
        Versioned { dot: Dot { node, counter }, context: Context::new(), stamp: 0, value: counter }
    }

    #[test]
    fn keys_go_to_the_shard_the_shard_map_names() {
        let map = ShardMap::ring(&[(0, 0), (1, 1), (2, 2)], 7, 3);
        let d = Digest::new(7, 16);
        for key in 0..500 {
            let (shard, bucket) = d.place(key);
            assert_eq!(shard, map.shard_of(key));
            assert!(bucket < 16);
        }
    }

    #[test]
    fn leaves_follow_the_versions_held_whatever_the_order_of_updates() {
        let (a, b) = (v(1, 1), v(2, 1));
        let only_a = set_hash(10, std::slice::from_ref(&a));
        let both = set_hash(10, &[a.clone(), b.clone()]);
        let mut one = Digest::new(4, 8);
        one.update(10, 0, only_a, true);
        one.update(10, only_a, both, false);
        let mut two = Digest::new(4, 8);
        two.update(10, 0, set_hash(10, &[b, a]), true);
        let (shard, bucket) = one.place(10);
        assert_eq!(one, two, "same versions, same tree");
        assert_eq!(one.keys(shard, bucket), [10]);
        assert_ne!(one.root(shard), Digest::new(4, 8).root(shard));
        // Dropping back to `a` only gives `a`'s tree.
        let mut three = Digest::new(4, 8);
        three.update(10, 0, only_a, true);
        one.update(10, both, only_a, false);
        assert_eq!(one.leaves(shard), three.leaves(shard));
        assert_eq!(one.leaves(shard).iter().filter(|&&h| h != 0).count(), 1, "one bucket holds the key");
    }

    #[test]
    fn another_dot_or_key_changes_the_hash() {
        let h = version_hash(5, Dot { node: 1, counter: 2 });
        assert_ne!(h, version_hash(5, Dot { node: 2, counter: 1 }));
        assert_ne!(h, version_hash(6, Dot { node: 1, counter: 2 }));
        assert_eq!(set_hash(5, &[]), 0);
    }
}
