//! How a node stores versions: the conflict policy, the bound on siblings, and the disk (when
//! writes are synced, how often records are scrubbed for damage).

use super::conflict::ConflictPolicy;
use super::fsync::FsyncPolicy;

/// Default bound on the siblings of one key.
pub const MAX_SIBLINGS_DEFAULT: usize = 64;

/// Settings of a node's store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StorageConfig {
    /// Which versions of a key survive when a new one meets them.
    pub conflicts: ConflictPolicy,
    /// Most siblings a key may hold: a write that would add one more is refused (not stored,
    /// not acknowledged) and counted, rather than dropping a sibling someone was promised.
    pub max_siblings: usize,
    /// When writes become durable (a crash loses what was not).
    pub fsync: FsyncPolicy,
    /// Every this many ms (local clock) the node checks a batch of its records' checksums and
    /// repairs damaged ones from the other replicas; `None`: only reads find damage.
    pub scrub_ms: Option<u64>,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            conflicts: ConflictPolicy::Siblings,
            max_siblings: MAX_SIBLINGS_DEFAULT,
            fsync: FsyncPolicy::Always,
            scrub_ms: None,
        }
    }
}
