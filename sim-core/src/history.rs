//! The recorded history of a run: client operations, node events, applied faults and the
//! final replica state. Checkers and reports read it; the trace hash summarises it.

use std::sync::{Arc, Mutex};

use nodes::control::ControlEvent;
use nodes::storage::Store;
use nodes::{Addr, Event, NodeChange, Observer, OpKind, OpRecord, Outcome};

use crate::trace::TraceHasher;

/// A node's change of state, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeEventRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// Node address.
    pub node: u32,
    /// What happened.
    pub change: NodeChange,
}

/// Something a node's control plane reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlRecord {
    /// Simulated time.
    pub at_ms: u64,
    /// Node address.
    pub node: u32,
    /// What happened.
    pub event: ControlEvent,
}

/// A node's lease was extended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseRecord {
    /// Simulated time of the renewal.
    pub at_ms: u64,
    /// Node address.
    pub node: u32,
    /// Simulated time the lease now ends (converted from the node's clock).
    pub until_ms: u64,
}

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

/// Every replica's durable state after the heal phase.
#[derive(Clone, Debug, Default)]
pub struct FinalState {
    /// Simulated time the state was read.
    pub at_ms: u64,
    /// Store of each node, by address.
    pub replicas: Vec<Store>,
}

/// Everything observed in one run, in order.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Client operations, in completion order.
    pub ops: Vec<OpRecord>,
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
    /// Applied faults and undos.
    pub faults: Vec<FaultRecord>,
    /// When the end-of-run heal happened (faults are healed from then on).
    pub healed_at_ms: Option<u64>,
    /// Replica state after the heal phase.
    pub final_state: Option<FinalState>,
    /// Node names by address, for messages.
    pub node_names: Vec<String>,
    trace: TraceHasher,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
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

    /// Records the final state and folds it into the trace.
    pub fn record_final_state(&mut self, state: FinalState) {
        self.trace.u64(0xFE);
        self.trace.u64(state.at_ms);
        for store in &state.replicas {
            self.trace.u64(store.len() as u64);
            for (key, versions) in store.iter() {
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
    pub fn ops_of(&self, kind: OpKind) -> impl Iterator<Item = &OpRecord> {
        self.ops.iter().filter(move |o| o.kind == kind)
    }

    fn hash_op(&mut self, now_ms: u64, op: &OpRecord) {
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
    }
}

impl Observer for History {
    fn record(&mut self, now_ms: u64, source: Addr, event: Event) {
        match event {
            Event::Op(op) => {
                self.hash_op(now_ms, &op);
                self.ops.push(op);
            }
            Event::Node(change) => {
                let node = source;
                self.trace.u64(0x0B);
                self.trace.u64(now_ms);
                self.trace.u64(node as u64);
                self.trace.u64(change as u64);
                self.node_events.push(NodeEventRecord { at_ms: now_ms, node, change });
            }
            Event::Control(event) => {
                let node = source;
                self.trace.u64(0x0C);
                self.trace.u64(now_ms);
                self.trace.u64(node as u64);
                hash_control(&mut self.trace, &event);
                self.control.push(ControlRecord { at_ms: now_ms, node, event });
            }
            Event::Lease { until_ms } => {
                let node = source;
                self.trace.u64(0x0D);
                self.trace.u64(now_ms);
                self.trace.u64(node as u64);
                self.trace.u64(until_ms);
                self.leases.push(LeaseRecord { at_ms: now_ms, node, until_ms });
            }
        }
    }
}

fn hash_control(t: &mut TraceHasher, event: &ControlEvent) {
    match event {
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
        ControlEvent::Lease { until_local } => {
            t.u64(4);
            t.u64(*until_local);
        }
        ControlEvent::Committed { epoch, assigned } => {
            t.u64(5);
            t.u64(*epoch);
            t.u64(*assigned as u64);
        }
    }
}

/// A history shared between the cluster (which records into it) and the run loop.
#[derive(Clone, Default)]
pub struct SharedHistory(pub Arc<Mutex<History>>);

impl Observer for SharedHistory {
    fn record(&mut self, now_ms: u64, source: Addr, event: Event) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).record(now_ms, source, event);
    }
}

/// True for operations that completed successfully.
pub fn is_ok(op: &OpRecord) -> bool {
    op.outcome == Outcome::Ok
}
