//! The importer from the system under test: a `nodes::Observer` that turns what nodes and
//! clients report into the history's own records. The only place that reads `nodes`' event
//! types; checkers and reports see the neutral history.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use nodes::control::{ControlEvent as NodeControl, StepDownReason as NodeStepDown};
use nodes::replica::FenceActKind;
use nodes::shard_map::ShardMap;
use nodes::storage::Store;
use nodes::{Addr, Consistency, Event, FailReason, Hop, HopEvent, Observer, OpRecord};

use crate::history::capacity::RefusedRequest;
use crate::history::trace_filter::LineFilter;
use crate::history::{
    Act, ControlEvent, GrantChange, GrantRecord, History, LeaseBoundRecord, Level, MemberState, MemberViewRecord,
    MessageEvent, MessageRecord, MigrationRecord, MigrationStep, NodeChange, Op, OpKind, Outcome, PrimaryActKind,
    ReplicaState, Standing, StepDownReason, Version, Versioned,
};

/// The cluster's observer: it records into a history of its own. The cluster owns it (no lock
/// per event); the injector records its faults through `Cluster::with_observer`, and the run
/// loop takes the history the same way at the end.
pub struct Recorder {
    /// Everything recorded so far.
    pub history: History,
    /// The shard map the run started with, to file each operation under its key's shard.
    map: Arc<ShardMap>,
    /// What primaries saw for writes still in flight, by (client, op); every attempt's values.
    primary_saw: BTreeMap<(u32, u64), Vec<u64>>,
    /// Set when the run traces messages.
    messages: Option<MessageTracer>,
}

/// What a traced run needs to record messages: the filter, and the key of every request by
/// (sender, request id), so answers (which carry no key) are filed under their request's key.
struct MessageTracer {
    filter: LineFilter,
    /// Looked up, never iterated: a hash map keeps the lookups cheap without touching order.
    keys: HashMap<(Addr, u64), u64>,
}

impl Recorder {
    /// A recorder into an empty history, for a cluster that starts from `map`.
    pub fn new(map: Arc<ShardMap>) -> Self {
        Recorder { history: History::new(), map, primary_saw: BTreeMap::new(), messages: None }
    }

    /// A recorder that also records every message kept by `filter` (see `--trace`).
    pub fn tracing(map: Arc<ShardMap>, filter: LineFilter) -> Self {
        Recorder { messages: Some(MessageTracer { filter, keys: HashMap::new() }), ..Recorder::new(map) }
    }

    /// Takes the history recorded so far. What primaries saw for writes already recorded (a
    /// write versioned again after its client gave up, or from a duplicated request) is filed
    /// under those writes now: dropping it lost the evidence that the late version descends
    /// from the writes the primary had seen, and made reads of its descendants look stale.
    pub fn take_history(&mut self) -> History {
        let mut history = std::mem::take(&mut self.history);
        if !self.primary_saw.is_empty() {
            for op in history.ops.iter_mut() {
                if let Some(values) = self.primary_saw.remove(&(op.client, op.seq)) {
                    op.primary_saw.extend(values);
                }
            }
        }
        history
    }

    /// The shard of `key` in the map the run started with.
    pub fn shard_of(&self, key: u64) -> u32 {
        self.map.shard_of(key)
    }

    fn op(&mut self, r: OpRecord) -> Op {
        // The written version: the dot the coordinator gave it and the context the client sent.
        let context_of_write = r.context.clone().into_shared();
        Op {
            client: r.client,
            group: r.group,
            seq: r.seq,
            kind: match r.kind {
                nodes::OpKind::Read => OpKind::Read,
                nodes::OpKind::Write => OpKind::Write,
            },
            key: r.key,
            shard: Some(self.map.shard_of(r.key)),
            level: level(r.consistency),
            required: r.required,
            n: r.n,
            invoke_ms: r.invoke_ms,
            complete_ms: r.complete_ms,
            outcome: match r.outcome {
                nodes::Outcome::Ok => Outcome::Ok,
                nodes::Outcome::Fail => Outcome::Fail,
                nodes::Outcome::Indeterminate => Outcome::Indeterminate,
            },
            reason: r.reason.map(reason),
            coordinator: r.coordinator,
            value: r.value,
            context: Version::from_parts(None, r.context.into_shared()),
            version: r.dot.map(|d| Version::from_parts(Some((d.node, d.counter)), context_of_write)),
            // Same layout on both sides: the vector is converted in place, not reallocated;
            // a write's empty result skips the conversion altogether.
            read: if r.read.is_empty() { Vec::new() } else { r.read.into_iter().map(versioned).collect() },
            primary_saw: self.primary_saw.remove(&(r.client, r.seq)).unwrap_or_default(),
            stand_ins: r.stand_ins,
            retries: r.retries,
        }
    }
}

impl Observer for Recorder {
    fn record(&mut self, now_ms: u64, source: Addr, event: Event) {
        match event {
            Event::Op(record) => {
                let op = self.op(record);
                self.history.record_op(now_ms, op);
            }
            Event::Node(change) => self.history.record_node(now_ms, source, node_change(change)),
            Event::Control(NodeControl::Migration(m)) => self.history.record_migration(migration(now_ms, source, m)),
            Event::Control(e) => self.control(now_ms, source, e),
            Event::Lease { until_ms } => self.history.record_lease(now_ms, source, until_ms),
            Event::PrimarySaw(saw) => self.primary_saw.entry((saw.client, saw.op)).or_default().extend(saw.values),
            Event::PrimaryAct(a) => {
                let kind = match a.kind {
                    nodes::PrimaryActKind::Stamp => PrimaryActKind::Stamp,
                    nodes::PrimaryActKind::Fence => PrimaryActKind::Fence,
                };
                self.history.record_act(now_ms, source, Act::Primary { shard: a.shard, epoch: a.epoch, kind });
            }
            Event::FenceAct(a) => {
                let (shard, epoch) = (a.shard, a.epoch);
                let act = match a.kind {
                    FenceActKind::Accepted => Act::Accepted { shard, epoch },
                    FenceActKind::Refused { known } => Act::Refused { shard, epoch, known },
                    FenceActKind::Fenced => Act::Fenced { shard, epoch },
                };
                self.history.record_act(now_ms, source, act);
            }
            Event::LeaseBound { node, until_ms } => {
                self.history.record_lease_bound(LeaseBoundRecord { at_ms: now_ms, leader: source, node, until_ms })
            }
            Event::Member(saw) => self.history.record_member_view(MemberViewRecord {
                at_ms: now_ms,
                viewer: source,
                member: saw.member,
                state: match saw.state {
                    nodes::membership::MemberState::Alive => MemberState::Alive,
                    nodes::membership::MemberState::Suspect => MemberState::Suspect,
                    nodes::membership::MemberState::Down => MemberState::Down,
                },
                incarnation: saw.incarnation,
            }),
        }
    }

    fn traces_messages(&self) -> bool {
        self.messages.is_some()
    }

    fn client_refused(&mut self, now_ms: u64, client: Addr, node: Addr) {
        self.history.refused_by_down.push(RefusedRequest { at_ms: now_ms, client, node });
    }

    fn message(&mut self, now_ms: u64, hop: Hop<'_>) {
        let Some(tracer) = &mut self.messages else { return };
        let m = hop.msg;
        let key = match (m.key, m.req) {
            (Some(key), Some(req)) => {
                // A forwarded write carries the client's operation id: its answer goes to the
                // client, and the id must not shadow the forwarder's own request ids.
                if m.kind != "forward" {
                    tracer.keys.insert((hop.from, req), key);
                }
                Some(key)
            }
            (None, Some(req)) => tracer.keys.get(&(hop.to, req)).copied(),
            (key, None) => key,
        };
        let event = match hop.event {
            HopEvent::Sent { deliver_ms, .. } => MessageEvent::Send { deliver_ms },
            HopEvent::Delivered => MessageEvent::Deliver,
            HopEvent::Dropped(why) => MessageEvent::Drop(why.name()),
        };
        if !tracer.filter.keeps(key, &[hop.from, hop.to], &[event.name(), m.kind], false) {
            return;
        }
        self.history.messages.push(MessageRecord {
            at_ms: now_ms,
            from: hop.from,
            to: hop.to,
            kind: m.kind,
            event,
            req: m.req,
            key,
            value: m.value,
            versions: m.versions.map(|vs| vs.iter().cloned().map(versioned).collect()),
        });
    }
}

impl Recorder {
    /// Files a control-plane event: acts and grants have records of their own.
    fn control(&mut self, at_ms: u64, source: Addr, e: NodeControl) {
        let grant = |shard, node, epoch, change| GrantRecord { at_ms, leader: source, shard, node, epoch, change };
        match e {
            NodeControl::LeaderAct { term } => self.history.record_act(at_ms, source, Act::Leader { term }),
            NodeControl::Granted { shard, node, epoch } => {
                self.history.record_grant(grant(shard, node, epoch, GrantChange::Granted))
            }
            NodeControl::Released { shard, node, epoch, by_ack } => {
                self.history.record_grant(grant(shard, node, epoch, GrantChange::Released { by_ack }))
            }
            NodeControl::Revoked { shard, node, epoch, dead } => {
                self.history.record_grant(grant(shard, node, epoch, GrantChange::Revoked { dead }))
            }
            e => {
                if let Some(e) = control(e) {
                    self.history.record_control(at_ms, source, e);
                }
            }
        }
    }
}

/// A node's store as the history keeps it: what is on its disk, damaged records included.
pub fn replica_state(store: &Store) -> ReplicaState {
    ReplicaState {
        keys: store.iter_stored().map(|(key, vs)| (key, vs.iter().cloned().map(versioned).collect())).collect(),
    }
}

/// The history's name for a consistency level.
pub fn level(c: Consistency) -> Level {
    match c {
        Consistency::One => Level::One,
        Consistency::Quorum => Level::Quorum,
        Consistency::All => Level::All,
        Consistency::Count(k) => Level::Count(k),
    }
}

/// The system's name for a level the scenario asks for.
pub fn consistency(l: Level) -> Consistency {
    match l {
        Level::One => Consistency::One,
        Level::Quorum => Consistency::Quorum,
        Level::All => Consistency::All,
        Level::Count(k) => Consistency::Count(k),
    }
}

#[inline]
fn versioned(v: nodes::Versioned) -> Versioned {
    let version = Version::from_parts(Some((v.dot.node, v.dot.counter)), v.context.into_shared());
    Versioned { version, value: v.value }
}

fn reason(r: FailReason) -> Cow<'static, str> {
    Cow::Borrowed(match r {
        FailReason::QuorumTimeout => "QuorumTimeout",
        FailReason::ClientTimeout => "ClientTimeout",
        FailReason::NoCoordinator => "NoCoordinator",
        FailReason::NotPrimary => "NotPrimary",
        FailReason::ShardMoving => "ShardMoving",
        FailReason::SiblingBound => "SiblingBound",
        FailReason::Fenced => "Fenced",
    })
}

fn node_change(c: nodes::NodeChange) -> NodeChange {
    match c {
        nodes::NodeChange::Crashed => NodeChange::Crashed,
        nodes::NodeChange::Restarted => NodeChange::Restarted,
        nodes::NodeChange::Paused => NodeChange::Paused,
        nodes::NodeChange::Resumed => NodeChange::Resumed,
        nodes::NodeChange::Joined => NodeChange::Joined,
        nodes::NodeChange::Left => NodeChange::Left,
    }
}

/// A control-plane report in the history's terms; `None` for a lease end in local time, which
/// the shell reports again in simulated time (`Event::Lease`).
fn control(e: NodeControl) -> Option<ControlEvent> {
    Some(match e {
        NodeControl::BecameLeader { term } => ControlEvent::BecameLeader { term },
        NodeControl::SteppedDown { term, reason } => ControlEvent::SteppedDown {
            term,
            reason: match reason {
                NodeStepDown::HigherTerm => StepDownReason::HigherTerm,
                NodeStepDown::LostQuorum => StepDownReason::LostQuorum,
                NodeStepDown::Slow => StepDownReason::Slow,
            },
        },
        NodeControl::Roles { epoch, shards } => ControlEvent::Roles { epoch, shards },
        NodeControl::Committed { epoch, assigned } => ControlEvent::Committed { epoch, assigned },
        NodeControl::GrantsOpen { term } => ControlEvent::GrantsOpen { term },
        NodeControl::Voters { epoch, voters } => ControlEvent::Voters { epoch, voters },
        NodeControl::Standing { node, standing } => ControlEvent::Standing { node, standing: standing_of(standing) },
        NodeControl::Lease { .. }
        | NodeControl::LeaseBound { .. }
        | NodeControl::LeaderAct { .. }
        | NodeControl::Granted { .. }
        | NodeControl::Released { .. }
        | NodeControl::Revoked { .. }
        | NodeControl::Migration(_) => return None,
    })
}

/// A node's standing in the history's terms.
fn standing_of(s: nodes::shard_map::Standing) -> Standing {
    use nodes::shard_map::Standing as S;
    match s {
        S::Outside => Standing::Outside,
        S::Member => Standing::Member,
        S::Joined => Standing::Joined,
        S::Draining => Standing::Draining,
        S::Drained => Standing::Drained,
    }
}

/// A leader's migration step in the history's terms.
fn migration(at_ms: u64, node: Addr, m: nodes::migration_msg::MigrationStep) -> MigrationRecord {
    use nodes::migration_msg::Step;
    let step = match m.step {
        Step::Queued => MigrationStep::Queued,
        Step::Sync => MigrationStep::Sync,
        Step::Transfer => MigrationStep::Transfer,
        Step::Route => MigrationStep::Route,
        Step::Verify => MigrationStep::Verify,
        Step::Done => MigrationStep::Done,
        Step::RolledBack => MigrationStep::RolledBack,
        Step::Refused => MigrationStep::Refused,
    };
    MigrationRecord {
        at_ms,
        node,
        id: m.id,
        shard: m.shard,
        from: m.from,
        to: m.to,
        replaces: m.replaces,
        step,
        epoch: m.epoch,
        bytes: m.bytes,
        replicas: m.replicas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_convert_both_ways() {
        for l in [Level::One, Level::Quorum, Level::All, Level::Count(4)] {
            assert_eq!(level(consistency(l)), l);
            assert_eq!(level(consistency(l)).to_string(), consistency(l).to_string());
        }
    }
}
