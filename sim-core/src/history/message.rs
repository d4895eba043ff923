//! Messages as a traced run records them (`--trace`): each send, delivery and drop with its
//! endpoints, kind, request id and key. Kept beside the history, never hashed into the trace:
//! tracing a run must not change its trace hash.

use super::Versioned;

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageEvent {
    /// It left its sender, due at `deliver_ms`.
    Send {
        /// Simulated time it is due at its receiver.
        deliver_ms: u64,
    },
    /// It reached its receiver.
    Deliver,
    /// The network dropped it: `partition`, `loss`, `crash` or `restarted`.
    Drop(&'static str),
}

impl MessageEvent {
    /// The event's name in a trace: `send`, `deliver` or `drop`.
    pub fn name(&self) -> &'static str {
        match self {
            MessageEvent::Send { .. } => "send",
            MessageEvent::Deliver => "deliver",
            MessageEvent::Drop(_) => "drop",
        }
    }
}

/// One message's fate at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// Sender's address.
    pub from: u32,
    /// Receiver's address.
    pub to: u32,
    /// Message kind, e.g. `replica_read`.
    pub kind: &'static str,
    /// Send, deliver or drop.
    pub event: MessageEvent,
    /// Request id: the client's operation id, or the coordinator's request id.
    pub req: Option<u64>,
    /// The key it is about (answers get their request's key).
    pub key: Option<u64>,
    /// The value a write carries.
    pub value: Option<u64>,
    /// The versions a read answer carries.
    pub versions: Option<Box<[Versioned]>>,
}
