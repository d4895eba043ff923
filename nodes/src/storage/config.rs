//! How a node stores versions: the conflict policy and the bound on siblings.

use super::conflict::ConflictPolicy;

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
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { conflicts: ConflictPolicy::Siblings, max_siblings: MAX_SIBLINGS_DEFAULT }
    }
}
