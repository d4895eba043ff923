//! Latency by message kind, after the WARS model of Bailis et al. ("Probabilistically Bounded
//! Staleness", VLDB 2012): the delay of a write request (W), its acknowledgement (A), a read
//! request (R) and a read response (S) between a coordinator and a replica can each follow a
//! distribution of their own. Every other message keeps its link's latency.

use super::latency::Latency;
use crate::message::Msg;
use crate::replica::{ReplicaAnswer, ReplicaRequest};

/// The four message kinds of the WARS model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// A coordinator asks a replica to store a version (W).
    WriteRequest,
    /// A replica acknowledges a stored version (A).
    WriteAck,
    /// A coordinator asks a replica for a key's versions (R).
    ReadRequest,
    /// A replica answers with its versions (S).
    ReadResponse,
}

impl MessageKind {
    /// Every kind, in W, A, R, S order.
    pub const ALL: [MessageKind; 4] =
        [MessageKind::WriteRequest, MessageKind::WriteAck, MessageKind::ReadRequest, MessageKind::ReadResponse];

    /// The name scenario files use: `write_request`, `write_ack`, `read_request`, `read_response`.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::WriteRequest => "write_request",
            MessageKind::WriteAck => "write_ack",
            MessageKind::ReadRequest => "read_request",
            MessageKind::ReadResponse => "read_response",
        }
    }

    /// The kind of `msg`, or `None` for a message outside the model (client traffic,
    /// forwarded writes, the control plane).
    pub fn of(msg: &Msg) -> Option<MessageKind> {
        match msg {
            Msg::Replica(ReplicaRequest::Write { .. }) => Some(MessageKind::WriteRequest),
            Msg::Replica(ReplicaRequest::Read { .. }) => Some(MessageKind::ReadRequest),
            Msg::Replied(ReplicaAnswer::WriteAck { .. }) => Some(MessageKind::WriteAck),
            Msg::Replied(ReplicaAnswer::ReadReply { .. }) => Some(MessageKind::ReadResponse),
            _ => None,
        }
    }
}

/// A latency for each message kind that has one of its own.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KindLatencies {
    by_kind: [Option<Latency>; 4],
}

impl KindLatencies {
    /// The latency of `kind`, if it has its own.
    pub fn get(&self, kind: MessageKind) -> Option<&Latency> {
        self.by_kind[kind as usize].as_ref()
    }

    /// Gives `kind` a latency of its own.
    pub fn set(&mut self, kind: MessageKind, latency: Latency) {
        self.by_kind[kind as usize] = Some(latency);
    }

    /// True when no kind has a latency of its own.
    pub fn is_empty(&self) -> bool {
        self.by_kind.iter().all(Option::is_none)
    }
}
