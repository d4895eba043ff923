//! A storage node's durable state: versioned values per key and the node's write counter.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::conflict::ConflictPolicy;
use super::version::Versioned;

/// Durable state of one storage node; survives crash and restart (it models an fsynced disk).
#[derive(Clone, Debug, Default)]
pub struct Store {
    /// Per key, the versions this replica holds (mutually concurrent under `Siblings`).
    /// Shared, copied on write: a read reply carries them without a copy, and a write copies
    /// them only while such a reply is still on its way.
    data: BTreeMap<u64, Arc<Vec<Versioned>>>,
    /// Counter for versions this node assigns as coordinator; durable so that a restarted
    /// node never reuses a counter (which would give two different writes the same version).
    write_counter: u64,
    /// How a new version meets the ones held.
    policy: ConflictPolicy,
}

impl Store {
    /// An empty store with the default conflict policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies a replicated write; returns false if the store already had it or something newer.
    pub fn apply(&mut self, key: u64, item: &Versioned) -> bool {
        self.policy.merge(Arc::make_mut(self.data.entry(key).or_default()), item)
    }

    /// The versions held for `key` (empty when none).
    pub fn get(&self, key: u64) -> &[Versioned] {
        self.data.get(&key).map_or(&[], |v| v.as_slice())
    }

    /// The versions held for `key`, shared rather than copied (`None` when none).
    pub fn shared(&self, key: u64) -> Option<Arc<Vec<Versioned>>> {
        self.data.get(&key).cloned()
    }

    /// Takes the next write counter for a version this node coordinates.
    pub fn next_counter(&mut self) -> u64 {
        self.write_counter += 1;
        self.write_counter
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
