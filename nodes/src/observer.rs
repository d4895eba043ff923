//! What the system under test reports: typed events from each subsystem, delivered with the
//! endpoint that caused them to an observer the simulator supplies.

use crate::actor::Addr;
use crate::client::OpRecord;
use crate::control::ControlEvent;
use crate::coordinator::{PrimaryAct, PrimarySaw};
use crate::hop::Hop;
use crate::membership::MemberSaw;
use crate::replica::FenceAct;

/// Receives every observable event, in simulated-time order.
pub trait Observer: Send {
    /// Records `event`, which endpoint `source` caused at simulated time `now_ms`.
    fn record(&mut self, now_ms: u64, source: Addr, event: Event);

    /// Whether the shell should report every message's fate through [`Observer::message`].
    /// Asked once, when the cluster is built: when false, the transport does no tracing work.
    fn traces_messages(&self) -> bool {
        false
    }

    /// Records what happened to one message at simulated time `now_ms` (only called when
    /// [`Observer::traces_messages`] said so).
    fn message(&mut self, _now_ms: u64, _hop: Hop<'_>) {}

    /// A client's request, sent at simulated time `now_ms`, reached `node` while it was down
    /// (the node refuses the connection): what the network saw, whatever the client believed.
    fn client_refused(&mut self, _now_ms: u64, _client: Addr, _node: Addr) {}
}

/// An observable event.
#[derive(Clone, Debug)]
pub enum Event {
    /// A client operation finished (or was abandoned); carries its whole life.
    Op(OpRecord),
    /// A node's control plane reported something (elections, roles, commits).
    Control(ControlEvent),
    /// A node changed state.
    Node(NodeChange),
    /// A node's lease now runs until this simulated time (the shell converts the node's local
    /// lease end through the node's clock).
    Lease { until_ms: u64 },
    /// A primary gave a write its version after seeing these values of the key (what it read,
    /// or the last write it acknowledged in its tenure): evidence of what the node did, so
    /// checkers can tell what the write legitimately supersedes.
    PrimarySaw(PrimarySaw),
    /// A node acted as a shard's primary.
    PrimaryAct(PrimaryAct),
    /// A replica accepted, refused or installed a primary's fence.
    FenceAct(FenceAct),
    /// A leader's bound on a node's lease, converted to simulated time by the shell.
    LeaseBound { node: Addr, until_ms: u64 },
    /// The node's gossip view of a member changed state.
    Member(MemberSaw),
}

impl From<MemberSaw> for Event {
    fn from(saw: MemberSaw) -> Self {
        Event::Member(saw)
    }
}

impl From<PrimaryAct> for Event {
    fn from(act: PrimaryAct) -> Self {
        Event::PrimaryAct(act)
    }
}

impl From<FenceAct> for Event {
    fn from(act: FenceAct) -> Self {
        Event::FenceAct(act)
    }
}

impl From<PrimarySaw> for Event {
    fn from(saw: PrimarySaw) -> Self {
        Event::PrimarySaw(saw)
    }
}

impl From<OpRecord> for Event {
    fn from(record: OpRecord) -> Self {
        Event::Op(record)
    }
}

impl From<ControlEvent> for Event {
    fn from(event: ControlEvent) -> Self {
        Event::Control(event)
    }
}

/// A change in a node's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeChange {
    /// The node's process was killed; volatile state is gone.
    Crashed,
    /// The node booted again from its durable state.
    Restarted,
    /// The node was frozen (a long GC pause).
    Paused,
    /// The node runs again after a pause.
    Resumed,
    /// The node joined the gossip membership (a `join` action).
    Joined,
    /// The node left the gossip membership (a `leave` action).
    Left,
}
