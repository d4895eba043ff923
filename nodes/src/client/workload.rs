//! What a client does next: the simulator implements [`Workload`] from the scenario.

use super::record::OpKind;
use crate::consistency::Consistency;

/// The next operation a workload wants a client to issue.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedOp {
    /// Earliest simulated time to issue it (the client may be late if busy).
    pub at_ms: u64,
    /// Read or write.
    pub kind: OpKind,
    /// Key to touch.
    pub key: u64,
    /// Requested consistency level.
    pub consistency: Consistency,
}

/// Decides what a client does next; the simulator implements it from the scenario's workload.
pub trait Workload: Send {
    /// The next operation, given the current time; `None` when the client is done (or, with
    /// [`Workload::ask_again_at`], has nothing to do yet).
    fn next_op(&mut self, now_ms: u64) -> Option<PlannedOp>;

    /// When `next_op` gave nothing: the simulated time to ask again, for a workload that waits
    /// on something another client does (a probe reader waits for its writer's
    /// acknowledgement). Asked again then, an operation due at that time is issued at once.
    /// `None` (the default): the client is done.
    fn ask_again_at(&mut self, _now_ms: u64) -> Option<u64> {
        None
    }
}
