//! What replicas exchange in an anti-entropy round, and what each message would weigh on a
//! real wire (counted in `anti_entropy_bytes`).
//!
//! A round, initiator I and peer P, one shard: I sends its root; P, if its root differs, sends
//! its leaves; I sends its keys (with their versions) in the buckets that differ; P merges them
//! and sends back its versions of the keys in those buckets where it holds something else. Both
//! then hold the merge. No side keeps state between messages, so a lost message only ends the
//! round early, and a crash loses nothing.

use std::sync::Arc;

use crate::storage::Versioned;

/// One key and every version a replica holds of it (shared with its store, not copied).
pub type Entry = (u64, Arc<Vec<Versioned>>);

/// A message between two replicas of a shard.
#[derive(Clone, Debug)]
pub enum AeMsg {
    /// A round begins: the initiator's root hash of the shard.
    Root { shard: u32, root: u64 },
    /// The peer's roots differed: its leaf hashes, by bucket.
    Leaves { shard: u32, leaves: Arc<[u64]> },
    /// The initiator's keys in the buckets whose leaves differed, sorted by key.
    Push { shard: u32, buckets: Arc<[u32]>, entries: Arc<[Entry]> },
    /// The peer's keys in those buckets whose versions differ from what it was pushed.
    Pull { shard: u32, entries: Arc<[Entry]> },
}

/// Anti-entropy's timer: time for the next round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AeTimer {
    /// Begin a round.
    Round,
}

/// Bytes of a shard id, a bucket id or a version count on the wire.
const SMALL: u64 = 4;
/// Bytes of a hash, a key, a counter, a stamp or a value.
const WORD: u64 = 8;

impl AeMsg {
    /// The message's estimated size on a wire: 4 bytes per shard, bucket or count, 8 per hash
    /// and key, and per version its dot (12), stamp (8), value (8) and 16 per context entry.
    pub fn size_bytes(&self) -> u64 {
        match self {
            AeMsg::Root { .. } => SMALL + WORD,
            AeMsg::Leaves { leaves, .. } => SMALL + WORD * leaves.len() as u64,
            AeMsg::Push { buckets, entries, .. } => SMALL + SMALL * buckets.len() as u64 + entries_bytes(entries),
            AeMsg::Pull { entries, .. } => SMALL + entries_bytes(entries),
        }
    }
}

fn entries_bytes(entries: &[Entry]) -> u64 {
    let version = |v: &Versioned| SMALL + WORD * 3 + 2 * WORD * v.context.entries().len() as u64;
    entries.iter().map(|(_, vs)| WORD + SMALL + vs.iter().map(version).sum::<u64>()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Context, Dot};

    #[test]
    fn sizes_count_hashes_keys_and_version_fields() {
        assert_eq!(AeMsg::Root { shard: 1, root: 2 }.size_bytes(), 12);
        assert_eq!(AeMsg::Leaves { shard: 1, leaves: Arc::from(vec![0; 64]) }.size_bytes(), 4 + 512);
        let seen = Context::of([Dot { node: 2, counter: 1 }]);
        let v = Versioned { dot: Dot { node: 1, counter: 1 }, context: seen, stamp: 0, value: 7 };
        let entries: Arc<[Entry]> = Arc::from(vec![(5, Arc::new(vec![v])), (6, Arc::new(vec![]))]);
        // Two keys (12 each), one version (28) with one context entry (16).
        assert_eq!(AeMsg::Pull { shard: 1, entries: entries.clone() }.size_bytes(), 4 + 24 + 28 + 16);
        assert_eq!(AeMsg::Push { shard: 1, buckets: Arc::from(vec![3]), entries }.size_bytes(), 4 + 4 + 24 + 44);
    }
}
