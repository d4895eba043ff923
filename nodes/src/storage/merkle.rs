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

/// One shard's leaves: per bucket, its hash and its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ShardTree {
    /// Per bucket, the XOR of the hashes of every version held under it.
    hashes: Box<[u64]>,
    /// Per bucket, the keys held under it, sorted.
    keys: Box<[Vec<u64>]>,
}

/// The hash tree of one store over every shard it holds keys of (a node holds few of many
/// shards, and a shard it holds nothing of hashes like an empty one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digest {
    shards: u32,
    buckets: u32,
    /// By shard: found among the few shards a node holds, then the bucket is an index (a
    /// search over every leaf of the node cost more than the rest of an update).
    trees: BTreeMap<u32, ShardTree>,
}

impl Digest {
    /// An empty tree for `shards` shards (the shard map's count: keys go to shards as
    /// [`crate::shard_map::ShardMap::shard_of`] sends them) of `buckets` leaves each.
    pub fn new(shards: u32, buckets: u32) -> Self {
        assert!(shards > 0 && buckets > 0, "a digest needs shards and buckets");
        Digest { shards, buckets, trees: BTreeMap::new() }
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

    /// Records that `key`'s versions hashed `before` and now hash `after` (see [`set_hash`]);
    /// `new_key` when the store did not hold the key before.
    pub fn update(&mut self, key: u64, before: u64, after: u64, new_key: bool) {
        let (shard, bucket) = self.place(key);
        let buckets = self.buckets as usize;
        let tree = self.trees.entry(shard).or_insert_with(|| ShardTree {
            hashes: vec![0; buckets].into_boxed_slice(),
            keys: vec![Vec::new(); buckets].into_boxed_slice(),
        });
        tree.hashes[bucket as usize] ^= before ^ after;
        if new_key {
            let keys = &mut tree.keys[bucket as usize];
            if let Err(at) = keys.binary_search(&key) {
                keys.insert(at, key);
            }
        }
    }

    /// Records that the store no longer holds `key`, whose versions hashed `before`.
    pub fn remove(&mut self, key: u64, before: u64) {
        let (shard, bucket) = self.place(key);
        if let Some(tree) = self.trees.get_mut(&shard) {
            tree.hashes[bucket as usize] ^= before;
            let keys = &mut tree.keys[bucket as usize];
            if let Ok(at) = keys.binary_search(&key) {
                keys.remove(at);
            }
        }
    }

    /// The leaf hashes of `shard`, by bucket (0 for an empty bucket).
    pub fn leaves(&self, shard: u32) -> Vec<u64> {
        self.trees.get(&shard).map_or_else(|| vec![0; self.buckets as usize], |t| t.hashes.to_vec())
    }

    /// The root hash of `shard`: its leaves folded in bucket order.
    pub fn root(&self, shard: u32) -> u64 {
        match self.trees.get(&shard) {
            Some(t) => root_of(&t.hashes),
            None => root_of(&vec![0; self.buckets as usize]),
        }
    }

    /// The keys held in `bucket` of `shard`, sorted.
    pub fn keys(&self, shard: u32, bucket: u32) -> &[u64] {
        self.trees.get(&shard).and_then(|t| t.keys.get(bucket as usize)).map_or(&[], Vec::as_slice)
    }
}

/// The root of a shard's leaves, in bucket order.
pub fn root_of(leaves: &[u64]) -> u64 {
    leaves.iter().fold(0x5A17_ED00_0000_0000, |acc, &leaf| mix64(acc ^ leaf))
}

/// The hash of one version of `key`: of the key and the write's dot (a dot names one write).
pub fn version_hash(key: u64, dot: Dot) -> u64 {
    dot_hash(mix64(key), dot)
}

/// [`version_hash`] with the key already hashed (once for all its versions).
fn dot_hash(key_hash: u64, dot: Dot) -> u64 {
    mix64(key_hash ^ mix64(dot.counter ^ (dot.node as u64).rotate_right(24)))
}

/// The hash of the versions a replica holds for `key` (0 for none): order does not matter.
pub fn set_hash(key: u64, versions: &[Versioned]) -> u64 {
    match versions {
        [] => 0,
        _ => {
            let k = mix64(key);
            versions.iter().fold(0, |acc, v| acc ^ dot_hash(k, v.dot))
        }
    }
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
