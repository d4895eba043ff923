//! A storage node's stored state: a checksummed record of versions per key, the node's write
//! counters, and the disk model (`fsync.rs`): what is synced survives a crash, the rest does not.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rand::{Rng, RngExt};

use super::config::StorageConfig;
use super::conflict::Merged;
use super::fsync::{FsyncPolicy, Unsynced};
use super::merkle::{set_hash, Digest};
use super::record::Record;
use super::stats::StorageStats;
use super::version::{Dot, Versioned};
use crate::bugs::{self, Bug};

/// Bits of an actor id that hold the node's address; the bits above count the node's lives
/// that lost write counters (see [`Store::next_dot`]).
pub const ACTOR_NODE_BITS: u32 = 12;

/// A read found the key's record damaged, or still being restored from the other replicas:
/// what this replica holds for it is less than it acknowledged, so it must not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Damaged;

/// One storage node's stored state; survives crash and restart, less what was not synced.
#[derive(Clone, Debug)]
pub struct Store {
    /// Per key, the versions this replica holds (mutually concurrent under `Siblings`) and
    /// their checksum. Shared, copied on write: a read reply carries them without a copy, and
    /// a write copies them only while such a reply is still on its way.
    data: BTreeMap<u64, Record>,
    /// Per key, the counter of the last write this node coordinated under its current actor
    /// id: dots are dense per key (which keeps contexts small) and never reused.
    counters: BTreeMap<u64, u64>,
    /// How many crashes lost counters: the node then coordinates under a new actor id, so a
    /// dot handed out before the crash (and perhaps stored elsewhere) is never given to
    /// another write, as Riak takes a new vnode id after an unclean shutdown.
    lives: u32,
    /// How a new version meets the ones held, how many siblings a key may hold, and the disk.
    cfg: StorageConfig,
    /// What merges, syncs, crashes and checksums did.
    stats: StorageStats,
    /// Every write is durable before the store returns (`fsync: always`, unless the
    /// `--bug ack-before-sync` run); otherwise changes wait in `unsynced` for a sync.
    sync_each_write: bool,
    /// What a crash would lose.
    unsynced: Unsynced,
    /// Keys whose damaged records were dropped and not yet restored from the other replicas
    /// (durable, like the drop): reads of them are refused until then.
    unrepaired: BTreeSet<u64>,
    /// Damaged records were dropped since the replica last looked (it then starts repairs).
    detected: bool,
    /// The hash tree anti-entropy compares, kept up to date by every change of the data
    /// (`None` while anti-entropy is off: then changes pay nothing for it).
    digest: Option<Digest>,
}

impl Default for Store {
    fn default() -> Self {
        Store::with_config(StorageConfig::default())
    }
}

impl Store {
    /// An empty store with the default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store with these settings.
    pub fn with_config(cfg: StorageConfig) -> Self {
        Store {
            data: BTreeMap::new(),
            counters: BTreeMap::new(),
            lives: 0,
            cfg,
            stats: StorageStats::default(),
            sync_each_write: cfg.fsync == FsyncPolicy::Always && !bugs::on(Bug::AckBeforeSync),
            unsynced: Unsynced::default(),
            unrepaired: BTreeSet::new(),
            detected: false,
            digest: None,
        }
    }

    /// Applies the first copies of a client's write: stored, already known, refused at the
    /// sibling bound (the write is then not acknowledged by this replica), or (last write wins)
    /// discarded for an older stamp. Under `fsync: always` a stored write is synced before
    /// this returns.
    pub fn apply_new(&mut self, key: u64, item: &Versioned) -> Merged {
        self.merge(key, item, self.cfg.max_siblings)
    }

    /// Applies a version that may already be acknowledged elsewhere (read repair, hinted
    /// handoff, anti-entropy, corruption repair): never refused, even beyond the sibling bound,
    /// since refusing could leave an acknowledged write on too few replicas or none. The bound
    /// limits what new writes add; repairs can carry a replica past it until a write
    /// supersedes the siblings.
    pub fn apply(&mut self, key: u64, item: &Versioned) -> Merged {
        self.merge(key, item, usize::MAX)
    }

    fn merge(&mut self, key: u64, item: &Versioned, max_siblings: usize) -> Merged {
        if let Some(r) = self.data.get(&key) {
            if !r.intact() {
                // A damaged record goes first: merging into it would seal its damage with a
                // new checksum.
                self.drop_damaged(key);
            } else if r.versions.iter().any(|h| h.dot == item.dot) {
                // Look before copying: a version already held changes nothing, so a shared
                // value (a read reply still on its way) is not copied for it.
                return Merged::Known;
            }
        }
        self.note(key);
        let record = self.data.entry(key).or_default();
        let new_key = record.versions.is_empty();
        let before = self.digest.as_ref().map_or(0, |_| set_hash(key, &record.versions));
        let merged = self.cfg.conflicts.merge(Arc::make_mut(&mut record.versions), item, max_siblings);
        match merged {
            Merged::Stored => {
                record.seal();
                if let Some(digest) = &mut self.digest {
                    digest.update(key, before, set_hash(key, &record.versions), new_key);
                }
                self.wrote();
            }
            Merged::Refused => self.stats.sibling_cap_hits += 1,
            Merged::Discarded => self.stats.lww_discarded += 1,
            Merged::Known => {}
        }
        merged
    }

    /// Keeps a hash tree of `shards` shards and `buckets` leaves each from now on (built from
    /// what the store holds); anti-entropy compares it with other replicas'. It hashes the
    /// versions' dots, which damage to a record's values does not change: a damaged record
    /// leaves the tree when its checksum fails and it is dropped.
    pub fn track_digest(&mut self, shards: u32, buckets: u32) {
        let mut digest = Digest::new(shards, buckets);
        for (key, record) in &self.data {
            if !record.versions.is_empty() {
                digest.update(*key, 0, set_hash(*key, &record.versions), true);
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

    /// What merges, syncs, crashes and checksums did so far.
    pub fn stats(&self) -> StorageStats {
        self.stats
    }

    /// Versions held over all keys, damaged records included (what the store takes in memory).
    pub fn versions(&self) -> usize {
        self.data.values().map(|r| r.versions.len()).sum()
    }

    /// The versions held for `key` (empty when none, or when its record is damaged).
    pub fn get(&self, key: u64) -> &[Versioned] {
        self.data.get(&key).filter(|r| r.intact()).map_or(&[], |r| r.versions.as_slice())
    }

    /// The versions held for `key`, shared rather than copied (`None` when none, or damaged).
    pub fn shared(&self, key: u64) -> Option<Arc<Vec<Versioned>>> {
        self.data.get(&key).filter(|r| r.intact()).map(|r| r.versions.clone())
    }

    /// The versions held for `key`, for a reader (`Ok(None)` when none). A damaged record
    /// is never served: it is dropped, counted and left to repair from the other replicas,
    /// and until that repair is done the key is refused (answering "nothing" would claim
    /// less than this replica acknowledged, and break the quorum's intersection).
    pub fn read(&mut self, key: u64) -> Result<Option<Arc<Vec<Versioned>>>, Damaged> {
        if self.unrepaired.contains(&key) {
            return Err(Damaged);
        }
        let Some(record) = self.data.get(&key) else { return Ok(None) };
        if record.intact() {
            return Ok(Some(record.versions.clone()));
        }
        self.drop_damaged(key);
        Err(Damaged)
    }

    /// The dot of the next write to `key` that node `node` (this one) coordinates. Its actor
    /// id is the node's address in the first life and a new id after every crash that lost
    /// counters (`node + lives << ACTOR_NODE_BITS`).
    pub fn next_dot(&mut self, node: u32, key: u64) -> Dot {
        debug_assert!(node < 1 << ACTOR_NODE_BITS, "node address {node} does not fit an actor id");
        let counter = self.counters.entry(key).or_insert(0);
        *counter += 1;
        let counter = *counter;
        if !self.sync_each_write {
            self.unsynced.note_counters();
        }
        Dot { node: node + (self.lives << ACTOR_NODE_BITS), counter }
    }

    /// Syncs the store: everything written so far is durable. False when nothing was waiting.
    pub fn sync(&mut self) -> bool {
        if self.unsynced.is_empty() {
            return false;
        }
        self.unsynced.clear();
        self.stats.fsyncs += 1;
        true
    }

    /// The machine crashed: every record changed since the last sync is back to what the disk
    /// held, and lost counters move the node to a new actor id.
    pub fn crash(&mut self) {
        let (images, counters) = self.unsynced.take();
        for (key, image) in images {
            // Its drop (if any) was not synced: whatever the disk holds is found again.
            self.unrepaired.remove(&key);
            let held = |dot: Dot| image.as_ref().is_some_and(|r| r.versions.iter().any(|v| v.dot == dot));
            let lost = self.data.get(&key).map_or(0, |r| r.versions.iter().filter(|v| !held(v.dot)).count());
            self.stats.unsynced_lost += lost as u64;
            if let Some(digest) = &mut self.digest {
                let now = self.data.get(&key).map_or(0, |r| set_hash(key, &r.versions));
                match image.as_ref().filter(|r| !r.versions.is_empty()) {
                    Some(r) => digest.update(key, now, set_hash(key, &r.versions), true),
                    None => digest.remove(key, now),
                }
            }
            match image {
                Some(record) => self.data.insert(key, record),
                None => self.data.remove(&key),
            };
        }
        if counters {
            self.lives += 1;
            self.counters.clear();
        }
    }

    /// Damages `fraction` of the records held (at least one when any is held), drawn from
    /// `rng`: their values change, their checksums do not. Returns each damaged key with its
    /// damaged values, in key order. The damaged values have the top bit set, which no
    /// client value has, so they can be told apart from every value ever written.
    pub fn corrupt(&mut self, fraction: f64, rng: &mut impl Rng) -> Vec<(u64, Vec<u64>)> {
        let mut keys: Vec<u64> = self.data.iter().filter(|(_, r)| !r.versions.is_empty()).map(|(k, _)| *k).collect();
        let count = ((fraction * keys.len() as f64).ceil() as usize).clamp(usize::from(!keys.is_empty()), keys.len());
        for i in 0..count {
            let j = rng.random_range(i..keys.len());
            keys.swap(i, j);
        }
        keys.truncate(count);
        keys.sort_unstable();
        let mut damaged = Vec::with_capacity(count);
        for key in keys {
            let mask = rng.next_u64() | 1 << 63;
            let record = self.data.get_mut(&key).expect("a held key");
            damaged.push((key, record.damage(mask)));
        }
        damaged
    }

    /// Checks the checksums of up to `max` records from key `from` on, dropping damaged ones
    /// (queued for repair). Returns where the next scrub starts (`None`: from the beginning).
    pub fn scrub(&mut self, from: u64, max: usize) -> Option<u64> {
        let mut damaged = Vec::new();
        let mut next = None;
        for (i, (&key, record)) in self.data.range(from..).enumerate() {
            if i == max {
                next = Some(key);
                break;
            }
            if !record.intact() {
                damaged.push(key);
            }
        }
        damaged.into_iter().for_each(|key| self.drop_damaged(key));
        next
    }

    /// True when damaged records were dropped since the last call (which clears it).
    pub fn take_detected(&mut self) -> bool {
        std::mem::take(&mut self.detected)
    }

    /// True when damaged records were dropped since [`take_detected`](Self::take_detected).
    pub fn has_detected(&self) -> bool {
        self.detected
    }

    /// Keys whose damaged records were dropped and are not restored yet, in key order.
    pub fn unrepaired(&self) -> impl Iterator<Item = u64> + '_ {
        self.unrepaired.iter().copied()
    }

    /// Every other replica of `key` answered the repair: reads of it are served again.
    /// `restored`: some versions came back (counted as a repair).
    pub fn repaired(&mut self, key: u64, restored: bool) {
        if self.unrepaired.remove(&key) && restored {
            self.stats.corrupt_repaired += 1;
        }
    }

    /// All keys with their versions, in key order, as a reader sees them (damaged records left out).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[Versioned])> {
        self.data.iter().filter(|(_, r)| r.intact()).map(|(k, r)| (*k, r.versions.as_slice()))
    }

    /// All keys with their versions as stored, damaged or not: what is on the disk.
    pub fn iter_stored(&self) -> impl Iterator<Item = (u64, &[Versioned])> {
        self.data.iter().map(|(k, r)| (*k, r.versions.as_slice()))
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn drop_damaged(&mut self, key: u64) {
        self.note(key);
        if let (Some(record), Some(digest)) = (self.data.remove(&key), &mut self.digest) {
            digest.remove(key, set_hash(key, &record.versions));
        }
        self.stats.corrupt_detected += 1;
        self.unrepaired.insert(key);
        self.detected = true;
        self.wrote();
    }

    /// `key` is about to change: unless every write is synced, keep what the disk holds.
    fn note(&mut self, key: u64) {
        if !self.sync_each_write {
            self.unsynced.note(key, self.data.get(&key));
        }
    }

    /// A change was made: under `fsync: always` it is synced at once.
    fn wrote(&mut self) {
        if self.sync_each_write {
            self.stats.fsyncs += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::storage::Context;

    fn store(fsync: FsyncPolicy) -> Store {
        Store::with_config(StorageConfig { fsync, ..StorageConfig::default() })
    }

    fn version(node: u32, counter: u64, seen: &[Dot], value: u64) -> Versioned {
        Versioned { dot: Dot { node, counter }, context: Context::of(seen.iter().copied()), stamp: 0, value }
    }

    fn values(s: &Store, key: u64) -> Vec<u64> {
        s.get(key).iter().map(|v| v.value).collect()
    }

    #[test]
    fn under_fsync_always_a_crash_loses_nothing_and_every_write_is_a_sync() {
        let mut s = store(FsyncPolicy::Always);
        s.apply(1, &version(0, 1, &[], 10));
        s.apply(2, &version(0, 1, &[], 20));
        s.apply(2, &version(0, 1, &[], 20));
        let dot = s.next_dot(3, 1);
        s.crash();
        assert_eq!((values(&s, 1), values(&s, 2)), (vec![10], vec![20]));
        assert_eq!(s.next_dot(3, 1), Dot { node: 3, counter: dot.counter + 1 }, "same actor, next counter");
        assert_eq!((s.stats().fsyncs, s.stats().unsynced_lost), (2, 0), "a known version writes nothing");
        assert!(!s.sync(), "nothing waits for a sync");
    }

    #[test]
    fn a_crash_puts_back_what_the_disk_held_at_the_last_sync() {
        let mut s = store(FsyncPolicy::EveryMs(100));
        let a = version(0, 1, &[], 10);
        s.apply(1, &a);
        assert!(s.sync());
        // After the sync: `b` supersedes `a`, key 2 is new.
        s.apply(1, &version(1, 1, &[a.dot], 11));
        s.apply(2, &version(0, 2, &[], 20));
        assert_eq!(values(&s, 1), [11], "readers see unsynced writes");
        s.crash();
        assert_eq!(values(&s, 1), [10], "the superseded version is back, its successor gone");
        assert!(s.get(2).is_empty());
        assert_eq!((s.stats().fsyncs, s.stats().unsynced_lost), (1, 2));
        assert!(!s.sync());
    }

    #[test]
    fn never_synced_writes_are_all_lost() {
        let mut s = store(FsyncPolicy::Never);
        (0..5).for_each(|k| {
            s.apply(k, &version(0, 1, &[], k));
        });
        s.crash();
        assert!(s.is_empty());
        assert_eq!(s.stats().unsynced_lost, 5);
    }

    #[test]
    fn a_crash_that_loses_counters_moves_the_node_to_a_new_actor_so_no_dot_is_reused() {
        let mut s = store(FsyncPolicy::EveryMs(100));
        let first = s.next_dot(3, 7);
        s.sync();
        s.crash();
        assert_eq!(s.next_dot(3, 7), Dot { node: 3, counter: first.counter + 1 }, "synced counters stay");
        s.crash();
        let after = s.next_dot(3, 7);
        assert_eq!(after, Dot { node: 3 + (1 << ACTOR_NODE_BITS), counter: 1 }, "a fresh actor, dense from 1");
        assert_ne!(after, first);
    }

    #[test]
    fn a_damaged_record_is_never_served_and_is_dropped_when_found() {
        let mut s = store(FsyncPolicy::Always);
        (0..10).for_each(|k| {
            s.apply(k, &version(0, 1, &[], k));
        });
        let damaged = s.corrupt(0.2, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(damaged.len(), 2, "a fifth of ten records");
        let (key, bad) = &damaged[0];
        assert!(bad.iter().all(|v| v >> 63 == 1), "damaged values are unlike any written one");
        if bugs::on(Bug::ServeCorrupt) {
            return; // the broken build serves them: the checker must catch it
        }
        assert!(s.get(*key).is_empty() && s.shared(*key).is_none());
        assert_eq!(s.iter().count(), 8);
        assert_eq!(s.iter_stored().count(), 10, "still on the disk until found");
        assert_eq!(s.read(*key), Err(Damaged));
        assert!(s.take_detected() && !s.has_detected());
        // A write to the other damaged key drops the damage first, then stores.
        let other = damaged[1].0;
        assert_eq!(s.apply(other, &version(1, 1, &[], 99)), Merged::Stored);
        assert_eq!(values(&s, other), [99]);
        assert_eq!(s.read(other), Err(Damaged), "refused until repaired: it may lack older siblings");
        assert_eq!(s.unrepaired().collect::<Vec<_>>(), [*key, other]);
        s.repaired(other, true);
        s.repaired(*key, false);
        assert!(s.read(other).is_ok_and(|v| v.is_some()) && s.read(*key) == Ok(None));
        assert_eq!((s.stats().corrupt_detected, s.stats().corrupt_repaired), (2, 1));
    }

    #[test]
    fn a_synced_drop_stays_unrepaired_across_a_crash_and_an_unsynced_one_is_found_again() {
        if bugs::on(Bug::ServeCorrupt) {
            return;
        }
        for (fsync, after_crash) in [(FsyncPolicy::Always, Err(Damaged)), (FsyncPolicy::Never, Ok(None))] {
            let mut s = store(fsync);
            s.apply(1, &version(0, 1, &[], 10));
            s.corrupt(1.0, &mut ChaCha8Rng::seed_from_u64(1));
            assert_eq!(s.read(1), Err(Damaged));
            s.crash();
            // Never synced: the write and its damage are both gone, and nothing is owed.
            assert_eq!(s.read(1), after_crash, "{fsync:?}");
        }
    }

    #[test]
    fn a_scrub_walks_the_records_in_batches_and_drops_the_damaged() {
        let mut s = store(FsyncPolicy::Always);
        (0..10).for_each(|k| {
            s.apply(k, &version(0, 1, &[], k));
        });
        let damaged: Vec<u64> = s.corrupt(0.3, &mut ChaCha8Rng::seed_from_u64(2)).into_iter().map(|d| d.0).collect();
        let mut cursor = s.scrub(0, 4);
        assert_eq!(cursor, Some(4));
        while let Some(from) = cursor {
            cursor = s.scrub(from, 4);
        }
        if !bugs::on(Bug::ServeCorrupt) {
            assert_eq!(s.unrepaired().collect::<Vec<_>>(), damaged);
            assert_eq!(s.iter_stored().count(), 7);
        }
    }

    #[test]
    fn the_digest_kept_on_every_change_equals_one_built_from_scratch() {
        use crate::storage::ConflictPolicy;
        for conflicts in [ConflictPolicy::Siblings, ConflictPolicy::Lww] {
            let cfg = StorageConfig { conflicts, fsync: FsyncPolicy::Never, ..StorageConfig::default() };
            let mut kept = Store::with_config(cfg);
            kept.track_digest(3, 4);
            for key in 0..20 {
                kept.apply(key, &version(1, 1, &[], key));
                kept.apply(key, &version(2, 1, &[], 100 + key));
                kept.apply(key % 3, &version(3, 2, &[Dot { node: 1, counter: 1 }], 200 + key));
                kept.apply(key, &version(1, 1, &[], key));
            }
            kept.sync();
            for key in 20..30 {
                kept.apply(key, &version(1, 1, &[], key));
            }
            kept.apply(4, &version(4, 1, &[], 400));
            // A crash puts back what was synced; a damaged record found on a read is dropped.
            kept.crash();
            kept.corrupt(0.2, &mut ChaCha8Rng::seed_from_u64(3));
            let damaged: Vec<u64> =
                kept.iter_stored().map(|(k, _)| k).filter(|&k| kept.clone().read(k).is_err()).collect();
            assert!(!damaged.is_empty());
            for key in damaged {
                let _ = kept.read(key);
            }
            let mut rebuilt = kept.clone();
            rebuilt.track_digest(3, 4);
            assert_eq!(kept.digest(), rebuilt.digest(), "{conflicts:?}");
        }
        assert!(Store::new().digest().is_none(), "no digest unless anti-entropy asks for one");
    }

    #[test]
    fn a_new_write_is_refused_at_the_sibling_bound_but_a_repair_is_not() {
        let mut s = Store::with_config(StorageConfig { max_siblings: 2, ..StorageConfig::default() });
        assert_eq!(s.apply_new(1, &version(1, 1, &[], 1)), Merged::Stored);
        assert_eq!(s.apply_new(1, &version(2, 1, &[], 2)), Merged::Stored);
        assert_eq!(s.apply_new(1, &version(3, 1, &[], 3)), Merged::Refused);
        assert_eq!(s.apply(1, &version(3, 1, &[], 3)), Merged::Stored, "it may be acknowledged elsewhere");
        assert_eq!(values(&s, 1).len(), 3);
        assert_eq!(s.stats().sibling_cap_hits, 1);
    }
}
