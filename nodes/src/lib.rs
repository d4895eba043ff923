//! The system under test for clustersim: storage nodes with versioned values, a quorum
//! coordinator on every node, a control plane that elects a leader and assigns shard
//! primaries, workload clients, and the simulated network they talk over.
//!
//! Every component is a pure state machine writing messages, timers and events of its own
//! types to an [`actor::Outbox`]; [`node::StorageNode`] composes a node's parts and routes each
//! input to one of them, and [`sim::Cluster`] is the thin shell that runs them on madsim. This
//! crate knows nothing of scenarios or checkers: it reports what happens through
//! [`observer::Observer`].
//!
//! Layout: `capacity/` (load predictor, Kubernetes HPA rule, autoscaler modes, node-seconds),
//! `storage/` (store, version vectors, conflict policy, hash tree), `replica/` (serving
//! reads and writes, fences), `anti_entropy/` (replicas comparing hash trees and merging),
//! `coordinator/` (fan-out, quorum wait, request table, primary routing), `control/` (election,
//! replication and commit, leases, reconciliation, placement target), `membership/` (the member
//! view), `client/` (the workload client and its choice of coordinator), `sim/` (the madsim
//! shell: cluster, transport, links, timing wheel, latency, clocks).

#[cfg(not(madsim))]
compile_error!(
    "clustersim only runs under madsim's deterministic runtime: build with RUSTFLAGS=\"--cfg madsim\" \
     (the workspace's .cargo/config.toml sets it; do not override RUSTFLAGS without it)"
);

pub mod actor;
pub mod anti_entropy;
pub mod bugs;
pub mod capacity;
pub mod client;
pub mod consistency;
pub mod control;
pub mod coordinator;
pub mod handoff;
pub mod hop;
pub mod membership;
pub mod message;
pub mod migration_msg;
pub mod node;
pub mod observer;
pub mod replica;
pub mod shard_map;
pub mod shard_spec;
pub mod sim;
pub mod storage;

pub use actor::Addr;
pub use client::{FailReason, OpKind, OpRecord, Outcome};
pub use consistency::Consistency;
pub use coordinator::{PrimaryAct, PrimaryActKind, PrimarySaw};
pub use hop::{DropReason, Hop, HopEvent, MsgFacts};
pub use observer::{Event, NodeChange, Observer};
pub use shard_spec::{Requirement, ShardSpec};
pub use sim::latency::Latency;
pub use sim::{ClientSetup, Cluster, ClusterConfig, NetStats};
pub use storage::{Context, Dot, Versioned};
