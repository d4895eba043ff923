//! Messages and timers as the shell carries them: each subsystem owns its types, and these
//! enums only wrap them, one variant per subsystem type.

use crate::actor::{Input, Outbox};
use crate::anti_entropy::{AeMsg, AeTimer};
use crate::client::ClientTimer;
use crate::control::MigrateMsg;
use crate::control::{ControlTimer, Ctl};
use crate::coordinator::{ClientAnswer, ClientRequest, CoordinatorTimer, ForwardWrite, Reply};
use crate::handoff::{HandoffMsg, HandoffTimer};
use crate::hop::MsgFacts;
use crate::membership::{GossipMsg, GossipTimer};
use crate::observer::Event;
use crate::replica::{DiskTimer, RepairMsg, ReplicaAnswer, ReplicaRequest};

/// A message on the simulated network.
#[derive(Clone, Debug)]
pub enum Msg {
    /// A client's request to a coordinator.
    Request(ClientRequest),
    /// A coordinator's (or the network's) answer to a client.
    Answer(ClientAnswer),
    /// A write forwarded to its shard's primary.
    Forward(ForwardWrite),
    /// A coordinator's request to a replica.
    Replica(ReplicaRequest),
    /// A replica's answer to a coordinator.
    Replied(ReplicaAnswer),
    /// Leader election and shard-map replication.
    Ctl(Ctl),
    /// Hinted handoff: writes to stand-ins and their delivery.
    Handoff(HandoffMsg),
    /// A payload the transport benchmark's echo endpoints bounce (no protocol behind it).
    Echo(u64),
    /// Anti-entropy between two replicas of a shard.
    AntiEntropy(AeMsg),
    /// Between replicas: fetching a key again to repair a damaged record.
    Repair(RepairMsg),
    /// SWIM gossip membership (probes, acks, announcements, piggybacked updates).
    Gossip(GossipMsg),
}

impl Msg {
    /// The operation id of a client's request to a coordinator (which a node that is down
    /// refuses), or `None` for any other message.
    pub fn client_request_op(&self) -> Option<u64> {
        match self {
            Msg::Request(r) => Some(r.op()),
            _ => None,
        }
    }

    /// What a trace shows of the message: kind, request id, key, value, versions. Only
    /// called when messages are traced.
    pub fn facts(&self) -> MsgFacts<'_> {
        let f = |kind, req, key| MsgFacts { kind, req, key, ..MsgFacts::default() };
        match self {
            Msg::Request(ClientRequest::Read { op, key, .. }) => f("read_request", Some(*op), Some(*key)),
            Msg::Request(ClientRequest::Write { op, key, value, .. }) => {
                MsgFacts { value: Some(*value), ..f("write_request", Some(*op), Some(*key)) }
            }
            Msg::Answer(ClientAnswer::Refused { op }) => f("refused", Some(*op), None),
            Msg::Answer(ClientAnswer::Reply { op, reply }) => match reply {
                Reply::WriteOk { .. } => f("write_ok", Some(*op), None),
                Reply::ReadOk { versions } => MsgFacts { versions: Some(versions), ..f("read_ok", Some(*op), None) },
                Reply::Timeout { .. } => f("timeout", Some(*op), None),
                Reply::NotPrimary { .. } => f("not_primary", Some(*op), None),
                Reply::ShardMoving { .. } => f("shard_moving", Some(*op), None),
                Reply::SiblingBound { .. } => f("sibling_bound", Some(*op), None),
                Reply::Fenced { .. } => f("fenced", Some(*op), None),
            },
            Msg::Forward(w) => MsgFacts { value: Some(w.value), ..f("forward", Some(w.op), Some(w.key)) },
            Msg::Replica(ReplicaRequest::Write { req, key, item, .. }) => {
                MsgFacts { value: Some(item.value), ..f("replica_write", Some(*req), Some(*key)) }
            }
            Msg::Replica(ReplicaRequest::Repair { req, key, item }) => {
                MsgFacts { value: Some(item.value), ..f("read_repair", Some(*req), Some(*key)) }
            }
            Msg::Replica(ReplicaRequest::Read { req, key, .. }) => f("replica_read", Some(*req), Some(*key)),
            Msg::Replied(ReplicaAnswer::WriteAck { req }) => f("write_ack", Some(*req), None),
            Msg::Replied(ReplicaAnswer::StaleRoute { req, .. }) => f("stale_route", Some(*req), None),
            Msg::Replied(ReplicaAnswer::Refused { req }) => f("write_refused", Some(*req), None),
            Msg::Replied(ReplicaAnswer::Fenced { req }) => f("write_fenced", Some(*req), None),
            Msg::Replied(ReplicaAnswer::ReadReply { req, versions }) => MsgFacts {
                versions: Some(versions.as_deref().map_or(&[], Vec::as_slice)),
                ..f("read_reply", Some(*req), None)
            },
            Msg::Ctl(c) => f(ctl_kind(c), None, None),
            Msg::Handoff(HandoffMsg::Hinted { req, key, item, .. }) => {
                MsgFacts { value: Some(item.value), ..f("hinted", Some(*req), Some(*key)) }
            }
            Msg::Handoff(HandoffMsg::HintAck { req, .. }) => f("hint_ack", Some(*req), None),
            Msg::Handoff(HandoffMsg::Deliver { key, item }) => {
                MsgFacts { value: Some(item.value), ..f("hint_deliver", None, Some(*key)) }
            }
            Msg::Handoff(HandoffMsg::Delivered { key, .. }) => f("hint_delivered", None, Some(*key)),
            Msg::Echo(_) => f("echo", None, None),
            Msg::AntiEntropy(AeMsg::Root { .. }) => f("ae_root", None, None),
            Msg::AntiEntropy(AeMsg::Leaves { .. }) => f("ae_leaves", None, None),
            Msg::AntiEntropy(AeMsg::Push { .. }) => f("ae_push", None, None),
            Msg::AntiEntropy(AeMsg::Pull { .. }) => f("ae_pull", None, None),
            Msg::Repair(RepairMsg::Fetch { key }) => f("repair_fetch", None, Some(*key)),
            Msg::Repair(RepairMsg::Fetched { key, versions }) => MsgFacts {
                versions: Some(versions.as_deref().map_or(&[], Vec::as_slice)),
                ..f("repair_fetched", None, Some(*key))
            },
            Msg::Gossip(GossipMsg::Swim(_)) => f("gossip", None, None),
            Msg::Gossip(GossipMsg::RosterAsk) => f("roster_ask", None, None),
            Msg::Gossip(GossipMsg::Roster(_)) => f("roster", None, None),
        }
    }
}

/// The trace name of a control-plane message.
fn ctl_kind(c: &Ctl) -> &'static str {
    match c {
        Ctl::PreVote { .. } => "prevote",
        Ctl::PreVoteReply { .. } => "prevote_reply",
        Ctl::Vote { .. } => "vote",
        Ctl::VoteReply { .. } => "vote_reply",
        Ctl::Append(_) => "append",
        Ctl::AppendAck(_) => "append_ack",
        Ctl::Migrate(MigrateMsg::Request { .. }) => "migrate_request",
        Ctl::Migrate(MigrateMsg::Copy { .. }) => "migrate_copy",
        Ctl::Migrate(MigrateMsg::Chunk { .. }) => "migrate_chunk",
        Ctl::Migrate(MigrateMsg::Copied { .. }) => "migrate_copied",
        Ctl::Migrate(MigrateMsg::Member { .. }) => "member_request",
    }
}

/// A timer an endpoint set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A coordinator's request deadline.
    Coordinator(CoordinatorTimer),
    /// A client's next operation or timeout.
    Client(ClientTimer),
    /// The control plane's wake-up.
    Control(ControlTimer),
    /// A stand-in's hint delivery retry.
    Handoff(HandoffTimer),
    /// Anti-entropy's next round.
    AntiEntropy(AeTimer),
    /// A replica's group commit or scrub.
    Disk(DiskTimer),
    /// Gossip membership's probe rounds, suspicion timeouts and rejoin checks.
    Gossip(GossipTimer),
}

/// What the shell delivers to an endpoint.
pub type NodeInput = Input<Msg, Timer>;

/// The outbox the shell drains after every batch of inputs.
pub type NodeOut = Outbox<Msg, Timer, Event>;

macro_rules! wraps {
    ($outer:ident :: $variant:ident ($inner:ty)) => {
        impl From<$inner> for $outer {
            fn from(inner: $inner) -> Self {
                $outer::$variant(inner)
            }
        }
    };
}

wraps!(Msg::Request(ClientRequest));
wraps!(Msg::Answer(ClientAnswer));
wraps!(Msg::Forward(ForwardWrite));
wraps!(Msg::Replica(ReplicaRequest));
wraps!(Msg::Replied(ReplicaAnswer));
wraps!(Msg::Ctl(Ctl));
wraps!(Msg::Handoff(HandoffMsg));
wraps!(Timer::Coordinator(CoordinatorTimer));
wraps!(Timer::Client(ClientTimer));
wraps!(Timer::Control(ControlTimer));
wraps!(Timer::Handoff(HandoffTimer));
wraps!(Msg::AntiEntropy(AeMsg));
wraps!(Timer::AntiEntropy(AeTimer));
wraps!(Msg::Repair(RepairMsg));
wraps!(Timer::Disk(DiskTimer));
wraps!(Msg::Gossip(GossipMsg));
wraps!(Timer::Gossip(GossipTimer));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_inputs_stay_small() {
        // Every queued input is moved through the timing wheel: keep the wrapper as small as
        // the largest subsystem message (64 bytes; a boxed map rides on few heartbeats).
        assert!(std::mem::size_of::<Msg>() <= 64, "Msg is {} bytes", std::mem::size_of::<Msg>());
        assert!(std::mem::size_of::<NodeInput>() <= 72, "Input is {} bytes", std::mem::size_of::<NodeInput>());
    }
}
