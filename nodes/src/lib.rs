//! The system under test for clustersim: storage nodes with versioned values, a quorum
//! coordinator on every node, workload clients, and the simulated network they talk over.
//!
//! Every component is a pure state machine (`on_input` writing to an [`actor::Outbox`]);
//! [`cluster::Cluster`] is the thin async shell that runs them on madsim. This crate knows
//! nothing of scenarios or checkers: it reports what happens through [`observer::Observer`].

#[cfg(not(madsim))]
compile_error!(
    "clustersim only runs under madsim's deterministic runtime: build with RUSTFLAGS=\"--cfg madsim\" \
     (the workspace's .cargo/config.toml sets it; do not override RUSTFLAGS without it)"
);

pub mod actor;
pub mod client;
pub mod clock;
pub mod cluster;
pub mod consistency;
pub mod control;
pub mod echo;
pub mod latency;
pub mod message;
pub mod network;
pub mod node;
pub mod observer;
pub mod placement;
pub mod store;
pub mod version;
pub mod wheel;

/// True in the deliberately broken test build (`--features clustersim-nodes/bug-early-ack`),
/// whose coordinators acknowledge writes after W-1 replicas.
pub const BUG_EARLY_ACK: bool = cfg!(feature = "bug-early-ack");

pub use cluster::{ClientSetup, Cluster, ClusterConfig, NetStats};
pub use consistency::Consistency;
pub use latency::Latency;
pub use observer::{Event, FailReason, NodeChange, Observer, OpKind, OpRecord, Outcome};
pub use version::{VersionVector, Versioned};
