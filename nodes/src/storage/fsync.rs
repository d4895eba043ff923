//! The disk model: when writes become durable, and what a crash takes with it.
//!
//! A store's records are what readers see (the page cache); a write is durable only once
//! synced. Instead of keeping a second copy of the data, the store remembers, for every key
//! changed since the last sync, the record the disk still holds (its image before the first
//! change): a sync forgets the images, a crash puts them back. A crash models a machine
//! failure (power loss), which loses the page cache, not just a process.

use std::collections::BTreeMap;

use super::record::Record;

/// When a store makes its writes durable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Every write is synced before it is acknowledged: a crash loses nothing acknowledged.
    #[default]
    Always,
    /// A group commit on the node's clock every this many ms; writes are acknowledged before
    /// it, so a crash loses the last interval's.
    EveryMs(u64),
    /// Never synced: a crash loses everything the node stored since it started.
    Never,
}

/// What a crash would lose: every key's durable record from before its first unsynced change.
#[derive(Clone, Debug, Default)]
pub struct Unsynced {
    /// Per key changed since the last sync, the record on disk (`None`: the key was absent).
    images: BTreeMap<u64, Option<Record>>,
    /// The node's write counters moved since the last sync.
    counters: bool,
}

impl Unsynced {
    /// Key `key`, now `current`, is about to change: keeps its durable image unless it
    /// already changed since the last sync.
    pub fn note(&mut self, key: u64, current: Option<&Record>) {
        self.images.entry(key).or_insert_with(|| current.cloned());
    }

    /// The write counters moved.
    pub fn note_counters(&mut self) {
        self.counters = true;
    }

    /// True when nothing changed since the last sync.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty() && !self.counters
    }

    /// A sync: everything is durable now.
    pub fn clear(&mut self) {
        self.images.clear();
        self.counters = false;
    }

    /// A crash: the durable images to put back, by key, and whether counters were lost.
    pub fn take(&mut self) -> (BTreeMap<u64, Option<Record>>, bool) {
        let counters = std::mem::take(&mut self.counters);
        (std::mem::take(&mut self.images), counters)
    }
}
