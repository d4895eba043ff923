//! A storage node's durable state: versioned values per key and the node's write counter.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::config::StorageConfig;
use super::conflict::Merged;
use super::merkle::{set_hash, Digest};
use super::stats::StorageStats;
use super::version::{Dot, Versioned};

/// Durable state of one storage node; survives crash and restart (it models an fsynced disk).
#[derive(Clone, Debug, Default)]
pub struct Store {
    /// Per key, the versions this replica holds (mutually concurrent under `Siblings`).
    /// Shared, copied on write: a read reply carries them without a copy, and a write copies
    /// them only while such a reply is still on its way.
    data: BTreeMap<u64, Arc<Vec<Versioned>>>,
    /// Per key, the counter of the last write this node coordinated: dots are dense per key
    /// (which keeps contexts small) and durable, so a restarted node never gives two writes
    /// the same dot.
    counters: BTreeMap<u64, u64>,
    /// How a new version meets the ones held, and how many siblings a key may hold.
    cfg: StorageConfig,
    /// What merges did (refusals at the sibling bound, last-write-wins discards).
    stats: StorageStats,
    /// The hash tree anti-entropy compares, kept up to date by every merge (`None` while
    /// anti-entropy is off: then merges pay nothing for it).
    digest: Option<Digest>,
}

impl Store {
    /// An empty store with the default conflict policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store with these settings.
    pub fn with_config(cfg: StorageConfig) -> Self {
        Store { cfg, ..Self::default() }
    }

    /// Applies the first copies of a client's write: stored, already known, refused at the
    /// sibling bound (the write is then not acknowledged by this replica), or (last write wins)
    /// discarded for an older stamp.
    pub fn apply_new(&mut self, key: u64, item: &Versioned) -> Merged {
        self.merge(key, item, self.cfg.max_siblings)
    }

    /// Applies a version that may already be acknowledged elsewhere (read repair, hinted
    /// handoff, anti-entropy): never refused, even beyond the sibling bound, since refusing
    /// could leave an acknowledged write on too few replicas or none. The bound limits what new
    /// writes add; repairs can carry a replica past it until a write supersedes the siblings.
    pub fn apply(&mut self, key: u64, item: &Versioned) -> Merged {
        self.merge(key, item, usize::MAX)
    }

    fn merge(&mut self, key: u64, item: &Versioned, max_siblings: usize) -> Merged {
        let held = self.data.entry(key).or_default();
        // Look before copying: a version already held changes nothing, so a shared value
        // (a read reply still on its way) is not copied for it.
        if held.iter().any(|h| h.dot == item.dot) {
            return Merged::Known;
        }
        let new_key = held.is_empty();
        let before = self.digest.as_ref().map_or(0, |_| set_hash(key, held));
        let merged = self.cfg.conflicts.merge(Arc::make_mut(held), item, max_siblings);
        match merged {
            Merged::Refused => self.stats.sibling_cap_hits += 1,
            Merged::Discarded => self.stats.lww_discarded += 1,
            Merged::Stored => {
                if let Some(digest) = &mut self.digest {
                    digest.update(key, before, set_hash(key, held), new_key);
                }
            }
            Merged::Known => {}
        }
        merged
    }

    /// Keeps a hash tree of `shards` shards and `buckets` leaves each from now on (built from
    /// what the store holds); anti-entropy compares it with other replicas'.
    pub fn track_digest(&mut self, shards: u32, buckets: u32) {
        let mut digest = Digest::new(shards, buckets);
        for (key, versions) in &self.data {
            if !versions.is_empty() {
                digest.update(*key, 0, set_hash(*key, versions), true);
            }
        }
        self.digest = Some(digest);
    }

    /// The hash tree, when one is kept.
    pub fn digest(&self) -> Option<&Digest> {
        self.digest.as_ref()
    }

    /// The store's settings.
    pub fn config(&self) -> StorageConfig {
        self.cfg
    }

    /// What merges did so far.
    pub fn stats(&self) -> StorageStats {
        self.stats
    }

    /// The versions held for `key` (empty when none).
    pub fn get(&self, key: u64) -> &[Versioned] {
        self.data.get(&key).map_or(&[], |v| v.as_slice())
    }

    /// The versions held for `key`, shared rather than copied (`None` when none).
    pub fn shared(&self, key: u64) -> Option<Arc<Vec<Versioned>>> {
        self.data.get(&key).cloned()
    }

    /// The dot of the next write to `key` that node `node` (this one) coordinates.
    pub fn next_dot(&mut self, node: u32, key: u64) -> Dot {
        let counter = self.counters.entry(key).or_insert(0);
        *counter += 1;
        Dot { node, counter: *counter }
    }

    /// All keys with their versions, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[Versioned])> {
        self.data.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{ConflictPolicy, Context};

    fn v(node: u32, counter: u64, seen: &[Dot]) -> Versioned {
        Versioned {
            dot: Dot { node, counter },
            context: Context::of(seen.iter().copied()),
            stamp: counter,
            value: counter,
        }
    }

    #[test]
    fn the_digest_kept_on_every_merge_equals_one_built_from_scratch() {
        for conflicts in [ConflictPolicy::Siblings, ConflictPolicy::Lww] {
            let mut kept = Store::with_config(StorageConfig { conflicts, ..StorageConfig::default() });
            kept.track_digest(3, 4);
            for key in 0..20 {
                kept.apply(key, &v(1, 1, &[]));
                kept.apply(key, &v(2, 1, &[]));
                kept.apply(key % 3, &v(3, 2, &[Dot { node: 1, counter: 1 }]));
                kept.apply(key, &v(1, 1, &[]));
            }
            let mut rebuilt = kept.clone();
            rebuilt.track_digest(3, 4);
            assert_eq!(kept.digest(), rebuilt.digest(), "{conflicts:?}");
        }
        assert!(Store::new().digest().is_none(), "no digest unless anti-entropy asks for one");
    }
}
