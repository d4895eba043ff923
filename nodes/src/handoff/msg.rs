//! Messages of hinted handoff: a coordinator's write to a stand-in, the stand-in's answer, and
//! the stand-in's delivery of the hint to the replica it was meant for.

use std::sync::Arc;

use crate::actor::Addr;
use crate::storage::{Dot, Versioned};

/// Hinted handoff traffic.
#[derive(Clone, Debug)]
pub enum HandoffMsg {
    /// Coordinator to stand-in: hold `item` for `intended`, which did not answer in time.
    Hinted { req: u64, key: u64, item: Arc<Versioned>, intended: Addr },
    /// Stand-in to coordinator: the hint for `intended` is held (counts toward W, sloppily).
    HintAck { req: u64, intended: Addr },
    /// Stand-in to the intended replica: the write it missed.
    Deliver { key: u64, item: Arc<Versioned> },
    /// Intended replica to stand-in: stored (or already held); the hint can go.
    Delivered { key: u64, dot: Dot },
}

/// The hint-delivery timer of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandoffTimer {
    /// Time to retry delivering the hints held (local time it was armed for).
    DeliverDue { at: u64 },
}
