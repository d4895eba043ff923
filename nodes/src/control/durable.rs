//! The durable part of the control plane (Raft's persistent state): it survives a crash.

use crate::actor::Addr;
use crate::shard_map::ShardMap;

/// Term, vote, and the accepted shard map with the term that proposed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlDurable {
    /// Latest term seen.
    pub term: u64,
    /// Whom this node voted for in `term`.
    pub voted_for: Option<Addr>,
    /// Term of the leader that proposed the accepted map.
    pub accepted_term: u64,
    /// The accepted shard map.
    pub map: ShardMap,
}

impl ControlDurable {
    /// Fresh state that has accepted `map` (the initial placement, every shard unassigned).
    pub fn new(map: ShardMap) -> Self {
        ControlDurable { term: 0, voted_for: None, accepted_term: 0, map }
    }

    /// What the election restriction compares: the accepted `(term, epoch)`.
    pub fn last(&self) -> (u64, u64) {
        (self.accepted_term, self.map.epoch)
    }
}
