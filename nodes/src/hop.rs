//! One message's fate as the shell reports it to an observer that traces messages: sent (and
//! when it will arrive), delivered, or dropped and why. A leaf module: the observer and the
//! message types both use it, so it imports neither.

use crate::actor::Addr;
use crate::storage::Versioned;

/// Why the network did not deliver a message. The discriminants are stable: traces name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// A partition cut the link from sender to receiver.
    Partition,
    /// Random loss on the link.
    Loss,
    /// The receiver's process was down (crashed) when the message left or arrived.
    Crash,
    /// The receiver crashed and restarted while the message was in flight: it went to a life
    /// that is gone.
    Restarted,
    /// The receiver's queue was full (its workers were all busy).
    Overloaded,
}

impl DropReason {
    /// The reason as a trace names it: `partition`, `loss`, `crash`, `restarted`, `overloaded`.
    pub fn name(self) -> &'static str {
        match self {
            DropReason::Partition => "partition",
            DropReason::Loss => "loss",
            DropReason::Crash => "crash",
            DropReason::Restarted => "restarted",
            DropReason::Overloaded => "overloaded",
        }
    }
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HopEvent {
    /// It left its sender and will arrive at `deliver_ms` (and a duplicate at `duplicate_ms`).
    Sent { deliver_ms: u64, duplicate_ms: Option<u64> },
    /// It reached its receiver's state machine.
    Delivered,
    /// The network dropped it.
    Dropped(DropReason),
}

/// What a trace shows of a message: its kind, the request it belongs to and the key it is
/// about (when it has them), the value it carries and the versions it answers with.
#[derive(Clone, Copy, Debug, Default)]
pub struct MsgFacts<'a> {
    /// Short name of the message kind, e.g. `replica_read` or `read_reply`.
    pub kind: &'static str,
    /// The request id: a client's operation id (client messages) or a coordinator's request
    /// id (coordinator-replica messages).
    pub req: Option<u64>,
    /// The key the message is about, when it names one.
    pub key: Option<u64>,
    /// The value a write carries.
    pub value: Option<u64>,
    /// The versions a read answer carries (`Some(&[])`: the replica holds none).
    pub versions: Option<&'a [Versioned]>,
}

/// One message's fate at one moment.
#[derive(Clone, Copy, Debug)]
pub struct Hop<'a> {
    /// Sender.
    pub from: Addr,
    /// Receiver.
    pub to: Addr,
    /// What happened.
    pub event: HopEvent,
    /// What the message is.
    pub msg: MsgFacts<'a>,
}
