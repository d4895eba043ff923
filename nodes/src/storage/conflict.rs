//! The conflict policy: which versions of a key a replica keeps (and a read returns) when a new
//! version meets the ones already held. The one place a store and a coordinator merge versions,
//! so another policy (last write wins) changes both together.

use super::version::{add_sibling, Versioned};

/// How concurrent versions of a key are resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Keep every version no other version descends from: concurrent writes survive side by
    /// side as siblings, for the client to merge (Dynamo, Riak).
    #[default]
    Siblings,
}

impl ConflictPolicy {
    /// Merges `incoming` into `held` (mutually concurrent versions); false when `held` already
    /// had it or something that supersedes it.
    pub fn merge(self, held: &mut Vec<Versioned>, incoming: &Versioned) -> bool {
        match self {
            ConflictPolicy::Siblings => add_sibling(held, incoming),
        }
    }
}
