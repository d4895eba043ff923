//! A replica's part in a shard migration: an old replica sends its copy of the shard to the
//! target with a checksum; the target checks the checksum, merges the copy through its conflict
//! policy and tells the leader. Both are pure functions of the store, so a repeated copy order
//! or a duplicated copy only merges what is already there.

use std::sync::Arc;

use crate::actor::Addr;
use crate::anti_entropy::AeMsg;
use crate::control::{Entry, MigrateMsg};
use crate::shard_map::ShardMap;
use crate::storage::merkle::set_hash;
use crate::storage::Store;

/// The copy of `shard` that `store` holds, as a chunk for the target (every key of the shard,
/// sorted, with the checksum the target must find again).
pub fn chunk(store: &Store, map: &ShardMap, id: u32, shard: u32, round: u8, leader: Addr) -> MigrateMsg {
    let mut entries: Vec<Entry> = store
        .iter()
        .filter(|&(key, _)| map.shard_of(key) == shard)
        .map(|(key, _)| (key, store.shared(key).unwrap_or_default()))
        .collect();
    entries.sort_unstable_by_key(|e| e.0);
    let checksum = checksum(&entries);
    MigrateMsg::Chunk { id, shard, round, leader, entries: Arc::from(entries), checksum }
}

/// The target merges a chunk from `from` into `store` when its checksum holds, and answers the
/// leader with the receipt; with `corrupt` the chunk loses its last key on the way (a fault).
pub fn receive(store: &mut Store, from: Addr, chunk: MigrateMsg, corrupt: bool) -> Option<(Addr, MigrateMsg)> {
    let MigrateMsg::Chunk { id, shard, round, leader, entries, checksum: sent } = chunk else { return None };
    let got = if corrupt && !entries.is_empty() { &entries[..entries.len() - 1] } else { &entries[..] };
    let ok = checksum(got) == sent;
    if ok {
        for (key, versions) in got {
            for v in versions.iter() {
                store.apply(*key, v);
            }
        }
    }
    let bytes = AeMsg::Pull { shard, entries: Arc::from(got.to_vec()) }.size_bytes();
    Some((leader, MigrateMsg::Copied { id, round, from, bytes, ok }))
}

/// An order-sensitive hash of a copy: every key's version-set hash, folded in key order.
fn checksum(entries: &[Entry]) -> u64 {
    entries.iter().fold(entries.len() as u64, |h, (key, vs)| crate::shard_map::mix64(h ^ set_hash(*key, vs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Context, Dot, Versioned};

    fn filled(keys: std::ops::Range<u64>) -> Store {
        let mut store = Store::new();
        for key in keys {
            let v = Versioned { dot: Dot { node: 1, counter: key + 1 }, context: Context::new(), stamp: 0, value: key };
            store.apply(key, &v);
        }
        store
    }

    fn map() -> ShardMap {
        ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0)], 4, 3)
    }

    #[test]
    fn a_copy_reaches_the_target_whole_and_a_duplicate_changes_nothing() {
        let (source, map) = (filled(0..40), map());
        let shard_keys: Vec<u64> = (0..40).filter(|&k| map.shard_of(k) == 2).collect();
        let mut target = Store::new();
        let msg = chunk(&source, &map, 5, 2, 0, 0);
        let (to, receipt) = receive(&mut target, 1, msg.clone(), false).unwrap();
        assert!(matches!(receipt, MigrateMsg::Copied { id: 5, ok: true, from: 1, .. }) && to == 0, "{receipt:?}");
        assert_eq!(target.iter().map(|(k, _)| k).collect::<Vec<_>>(), shard_keys);
        let before: Vec<(u64, Vec<Versioned>)> = target.iter().map(|(k, v)| (k, v.to_vec())).collect();
        receive(&mut target, 1, msg, false).unwrap();
        assert_eq!(target.iter().map(|(k, v)| (k, v.to_vec())).collect::<Vec<_>>(), before);
    }

    #[test]
    fn a_copy_damaged_in_transit_fails_its_checksum_and_is_not_merged() {
        let (source, map) = (filled(0..40), map());
        let mut target = Store::new();
        let (_, receipt) = receive(&mut target, 1, chunk(&source, &map, 5, 2, 1, 0), true).unwrap();
        assert!(matches!(receipt, MigrateMsg::Copied { ok: false, round: 1, .. }), "{receipt:?}");
        assert!(target.is_empty());
    }
}
