//! The recorded history of a run, in a vocabulary of its own: client operations ([`Op`]),
//! what nodes did ([`node_event`]), applied faults and the final replica state. Checkers and
//! reports read only this, never the system under test's types, so a history from another tool
//! can be checked too. The trace hash summarises everything recorded, in order.

mod acts;
pub mod capacity;
pub mod event_log;
pub mod fault_span;
pub mod import;
mod message;
mod migration;
pub mod names;
mod node_event;
mod op;
pub mod trace;
pub mod trace_filter;
mod version;
pub mod zones;

use std::collections::BTreeMap;

pub use acts::{Act, ActRecord, GrantChange, GrantRecord, LeaseBoundRecord, PrimaryActKind};
pub use message::{MessageEvent, MessageRecord};
pub use migration::{MigrationLimits, MigrationRecord, MigrationStep};
pub use node_event::{
    ControlEvent, ControlRecord, LeaseRecord, MemberState, MemberViewRecord, MembershipSetup, NodeChange,
    NodeEventRecord, Standing, StepDownReason,
};
pub use op::{Level, Op, OpKind, Outcome};
pub use version::{Version, Versioned};

use trace::TraceHasher;

/// A fault as it was applied, with its targets resolved to nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRecord {
    /// Simulated time it was applied.
    pub at_ms: u64,
    /// Human-readable description, e.g. `crash n4,n5` or `heal partition [n1,n2] | [n3,n4,n5]`.
    pub label: String,
    /// Nodes it touched (empty for cluster-wide faults such as loss).
    pub nodes: Vec<u32>,
    /// When it was (or will be) undone, if it has a duration or a later matching undo.
    pub until_ms: Option<u64>,
    /// True for an automatic undo or an end-of-run heal, not a fault of its own.
    pub undo: bool,
}

/// A record a `corrupt` fault damaged on a node's disk: evidence for the checkers, which
/// know from it which values no reader may ever be given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorruptionRecord {
    /// Simulated time of the damage.
    pub at_ms: u64,
    /// The node whose disk was damaged.
    pub node: u32,
    /// The damaged record's key.
    pub key: u64,
    /// The key's shard, when known.
    pub shard: Option<u32>,
    /// The values the record held after the damage (no write wrote them).
    pub damaged: Vec<u64>,
}

/// What one replica holds after the heal phase: per key, its versions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicaState {
    /// Versions held per key, in key order.
    pub keys: BTreeMap<u64, Vec<Versioned>>,
}

impl ReplicaState {
    /// The versions held for `key` (empty when none).
    pub fn get(&self, key: u64) -> &[Versioned] {
        self.keys.get(&key).map_or(&[], Vec::as_slice)
    }
}

/// Every replica's state after the heal phase, and where each shard was meant to live.
#[derive(Clone, Debug, Default)]
pub struct FinalState {
    /// Simulated time the state was read.
    pub at_ms: u64,
    /// State of each node, by address.
    pub replicas: Vec<ReplicaState>,
    /// The replica set of every shard at the end of the run, by shard.
    pub replica_sets: Vec<Vec<u32>>,
}

impl FinalState {
    /// The replicas `op`'s key was meant to live on (empty when its shard is unknown).
    pub fn replicas_of(&self, op: &Op) -> &[u32] {
        op.shard.and_then(|s| self.replica_sets.get(s as usize)).map_or(&[], Vec::as_slice)
    }
}

/// Everything observed in one run, in order.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Client operations, in completion order.
    pub ops: Vec<Op>,
    /// Node crashes, restarts, pauses.
    pub node_events: Vec<NodeEventRecord>,
    /// Elections, step-downs, primary roles and commits.
    pub control: Vec<ControlRecord>,
    /// Lease renewals.
    pub leases: Vec<LeaseRecord>,
    /// Number of storage nodes.
    pub nodes: u32,
    /// Number of shards.
    pub shards: u32,
    /// Whether writes went through each shard's primary (`writes: primary`): every
    /// acknowledged write was then stamped by a node acting as primary (false when not known).
    pub writes_via_primary: bool,
    /// Applied faults and undos.
    pub faults: Vec<FaultRecord>,
    /// When the end-of-run heal happened (faults are healed from then on).
    pub healed_at_ms: Option<u64>,
    /// Replica state after the heal phase.
    pub final_state: Option<FinalState>,
    /// Node names by address, for messages.
    pub node_names: Vec<String>,
    /// Records damaged by `corrupt` faults, in time order.
    pub corruptions: Vec<CorruptionRecord>,
    /// Acts of leaders, primaries and fenced replicas, in time order.
    pub acts: Vec<ActRecord>,
    /// Grants and releases as leaders made them, in time order.
    pub grants: Vec<GrantRecord>,
    /// Leaders' bounds on nodes' leases, in time order.
    pub lease_bounds: Vec<LeaseBoundRecord>,
    /// Changes of nodes' gossip views, in time order (empty when gossip is off).
    pub member_views: Vec<MemberViewRecord>,
    /// The run's gossip setup (`None`: gossip off).
    pub membership: Option<MembershipSetup>,
    /// Every message's send, delivery and drop, in time order, when the run was traced (and
    /// its filter kept them); not part of the trace hash.
    pub messages: Vec<MessageRecord>,
    /// Migration steps as leaders reported them, in time order.
    pub migrations: Vec<MigrationRecord>,
    /// The limits leaders were given for starting migrations (`None`: not recorded).
    pub migration_limits: Option<MigrationLimits>,
    /// The replica set of every shard in the map the run started with, by shard (empty when
    /// not recorded, as in an imported history).
    pub start_replica_sets: Vec<Vec<u32>>,
    /// Each node's zone name, by address (empty when not recorded).
    pub node_zones: Vec<String>,
    /// The longest a new leader may take to grant after a fault, by the scenario's control
    /// settings: its election timeout's upper bound plus its post-election wait (`None`: not
    /// recorded, as in an imported history).
    pub leader_grant_wait_ms: Option<u64>,
    /// The shards the scenario declared `strong` (a fact of the scenario, not of the system's
    /// map), ascending.
    pub strong_shards: Vec<u32>,
    /// What the autoscaler saw and did (`None`: no autoscaler).
    pub capacity: Option<capacity::CapacityLog>,
    /// Client requests that reached a node while it was down, in time order (not part of the
    /// trace hash).
    pub refused_by_down: Vec<capacity::RefusedRequest>,
    /// Each node's stats, when nodes had a capacity (not part of the trace hash).
    pub node_stats: Option<reports::node_stats::NodeStatsSummary>,
    /// What the zone rebalancer scored and requested (`None`: no `rebalance:`).
    pub zones: Option<zones::ZoneLog>,
    trace: TraceHasher,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a finished client operation, `now_ms` being when it was reported.
    #[inline]
    pub fn record_op(&mut self, now_ms: u64, op: Op) {
        let t = &mut self.trace;
        t.u64(0x0A);
        t.u64(now_ms);
        t.u64(op.client as u64);
        t.u64(op.seq);
        t.u64(op.kind as u64);
        t.u64(op.key);
        t.u64(op.required as u64);
        t.u64(op.invoke_ms);
        t.u64(op.complete_ms);
        t.u64(op.outcome as u64);
        t.u64(op.coordinator.map_or(u64::MAX, |c| c as u64));
        t.u64(op.value.unwrap_or(u64::MAX));
        t.version(&op.context);
        match &op.version {
            Some(v) => t.version(v),
            None => t.u64(u64::MAX),
        }
        t.versioned(&op.read);
        self.ops.push(op);
    }

    /// Records a change in a node's life.
    pub fn record_node(&mut self, at_ms: u64, node: u32, change: NodeChange) {
        self.trace.u64(0x0B);
        self.trace.u64(at_ms);
        self.trace.u64(node as u64);
        self.trace.u64(change as u64);
        self.node_events.push(NodeEventRecord { at_ms, node, change });
    }

    /// Records something a node's control plane reported.
    pub fn record_control(&mut self, at_ms: u64, node: u32, event: ControlEvent) {
        let t = &mut self.trace;
        t.u64(0x0C);
        t.u64(at_ms);
        t.u64(node as u64);
        match &event {
            ControlEvent::BecameLeader { term } => {
                t.u64(1);
                t.u64(*term);
            }
            ControlEvent::SteppedDown { term, reason } => {
                t.u64(2);
                t.u64(*term);
                t.u64(*reason as u64);
            }
            ControlEvent::Roles { epoch, shards } => {
                t.u64(3);
                t.u64(*epoch);
                t.u64(shards.len() as u64);
                shards.iter().for_each(|&s| t.u64(s as u64));
            }
            ControlEvent::Committed { epoch, assigned } => {
                t.u64(5);
                t.u64(*epoch);
                t.u64(*assigned as u64);
            }
            ControlEvent::GrantsOpen { term } => {
                t.u64(6);
                t.u64(*term);
            }
            ControlEvent::Voters { epoch, voters } => {
                t.u64(7);
                t.u64(*epoch);
                t.u64(voters.len() as u64);
                voters.iter().for_each(|&v| t.u64(v as u64));
            }
            ControlEvent::Standing { node, standing } => {
                t.u64(8);
                t.u64(*node as u64);
                t.u64(*standing as u64);
            }
        }
        self.control.push(ControlRecord { at_ms, node, event });
    }

    /// Records a migration step a leader reported.
    pub fn record_migration(&mut self, r: MigrationRecord) {
        let t = &mut self.trace;
        t.u64(0x1A);
        for x in [r.at_ms, r.node as u64, r.id as u64, r.shard as u64, r.to as u64, r.step as u64, r.bytes, r.epoch] {
            t.u64(x);
        }
        r.from.iter().for_each(|&n| t.u64(n as u64));
        if let Some(n) = r.replaces {
            t.u64(0x5E);
            t.u64(n as u64);
        }
        t.u64(r.replicas.len() as u64);
        r.replicas.iter().for_each(|&n| t.u64(n as u64));
        self.migrations.push(r);
    }

    /// Records a lease renewal: `node`'s lease now ends at simulated time `until_ms`.
    pub fn record_lease(&mut self, at_ms: u64, node: u32, until_ms: u64) {
        self.trace.u64(0x0D);
        self.trace.u64(at_ms);
        self.trace.u64(node as u64);
        self.trace.u64(until_ms);
        self.leases.push(LeaseRecord { at_ms, node, until_ms });
    }

    /// Records an act of `node`.
    pub fn record_act(&mut self, at_ms: u64, node: u32, act: Act) {
        let t = &mut self.trace;
        t.u64(0x0E);
        t.u64(at_ms);
        t.u64(node as u64);
        match act {
            Act::Leader { term } => {
                t.u64(1);
                t.u64(term);
            }
            Act::Primary { shard, epoch, kind } => {
                t.u64(2);
                t.u64(shard as u64);
                t.u64(epoch);
                t.u64(kind as u64);
            }
            Act::Accepted { shard, epoch } => {
                t.u64(3);
                t.u64(shard as u64);
                t.u64(epoch);
            }
            Act::Refused { shard, epoch, known } => {
                t.u64(4);
                t.u64(shard as u64);
                t.u64(epoch);
                t.u64(known);
            }
            Act::Fenced { shard, epoch } => {
                t.u64(5);
                t.u64(shard as u64);
                t.u64(epoch);
            }
        }
        self.acts.push(ActRecord { at_ms, node, act });
    }

    /// Records a grant or its release by a leader.
    pub fn record_grant(&mut self, grant: GrantRecord) {
        let t = &mut self.trace;
        t.u64(0x0F);
        t.u64(grant.at_ms);
        t.u64(grant.leader as u64);
        t.u64(grant.shard as u64);
        t.u64(grant.node as u64);
        t.u64(grant.epoch);
        t.u64(match grant.change {
            GrantChange::Granted => 0,
            GrantChange::Released { by_ack: false } => 1,
            GrantChange::Released { by_ack: true } => 2,
            GrantChange::Revoked { dead: false } => 3,
            GrantChange::Revoked { dead: true } => 4,
        });
        self.grants.push(grant);
    }

    /// Records a leader's bound on a node's lease.
    pub fn record_lease_bound(&mut self, bound: LeaseBoundRecord) {
        let t = &mut self.trace;
        t.u64(0x10);
        t.u64(bound.at_ms);
        t.u64(bound.leader as u64);
        t.u64(bound.node as u64);
        t.u64(bound.until_ms);
        self.lease_bounds.push(bound);
    }

    /// Records a change of a node's gossip view.
    pub fn record_member_view(&mut self, r: MemberViewRecord) {
        let t = &mut self.trace;
        t.u64(0x11);
        t.u64(r.at_ms);
        t.u64(r.viewer as u64);
        t.u64(r.member as u64);
        t.u64(r.state as u64);
        t.u64(r.incarnation);
        self.member_views.push(r);
    }

    /// Records an applied fault.
    pub fn record_fault(&mut self, fault: FaultRecord) {
        self.trace.u64(0xF0);
        self.trace.u64(fault.at_ms);
        self.trace.bytes(fault.label.as_bytes());
        self.trace.u64(fault.nodes.len() as u64);
        for &n in &fault.nodes {
            self.trace.u64(n as u64);
        }
        self.faults.push(fault);
    }

    /// Records a record damaged on a node's disk.
    pub fn record_corruption(&mut self, damage: CorruptionRecord) {
        let t = &mut self.trace;
        t.u64(0xF1);
        t.u64(damage.at_ms);
        t.u64(damage.node as u64);
        t.u64(damage.key);
        t.u64(damage.damaged.len() as u64);
        damage.damaged.iter().for_each(|&v| t.u64(v));
        self.corruptions.push(damage);
    }

    /// Records the final state and folds the replicas' contents into the trace.
    pub fn record_final_state(&mut self, state: FinalState) {
        self.trace.u64(0xFE);
        self.trace.u64(state.at_ms);
        for replica in &state.replicas {
            self.trace.u64(replica.keys.len() as u64);
            for (&key, versions) in &replica.keys {
                self.trace.u64(key);
                self.trace.versioned(versions);
            }
        }
        self.final_state = Some(state);
    }

    /// Mixes extra run-level figures (such as transport counters) into the trace.
    pub fn mix_into_trace(&mut self, values: &[u64]) {
        for &v in values {
            self.trace.u64(v);
        }
    }

    /// The name of the node at `addr` (`#addr` when unknown).
    pub fn node_name(&self, addr: u32) -> String {
        self.node_names.get(addr as usize).cloned().unwrap_or_else(|| format!("#{addr}"))
    }

    /// The trace hash of everything recorded so far.
    pub fn trace_hash(&self) -> u64 {
        self.trace.finish()
    }

    /// Operations of one kind.
    pub fn ops_of(&self, kind: OpKind) -> impl Iterator<Item = &Op> {
        self.ops.iter().filter(move |o| o.kind == kind)
    }
}
