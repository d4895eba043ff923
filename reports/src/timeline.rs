//! Control-plane timelines: named lanes of labelled intervals (a leader and its term, each
//! shard's primary; later the node count and migrations), drawn next to the fault windows.

use serde::{Deserialize, Serialize};

/// One named timeline (for example `leader` or `shard primaries`), drawn as a block of lanes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// What the timeline shows, e.g. `leader`.
    pub name: String,
    /// Its lanes, drawn top to bottom in this order.
    pub lanes: Vec<Lane>,
}

/// One row of a timeline (for example a node, or a shard).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    /// Row label, e.g. `n3` or `shard 7`.
    pub name: String,
    /// Intervals on this row, in time order; they should not overlap.
    pub intervals: Vec<Interval>,
}

/// A labelled stretch of simulated time on a lane, e.g. `leader, term 4` from 12.3 s to 31 s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// Start, simulated ms.
    pub start_ms: u64,
    /// End, simulated ms (at or after `start_ms`).
    pub end_ms: u64,
    /// Short text drawn on the bar when it fits, e.g. `term 4`.
    pub label: String,
}
