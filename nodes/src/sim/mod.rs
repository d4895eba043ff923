//! The madsim shell: runs the pure state machines in simulated time. [`Cluster`] is the handle
//! the simulator drives; the transport moves inputs through one timing wheel over simulated
//! links; every node has its own clock.

pub mod clock;
mod cluster;
mod echo;
pub mod latency;
pub mod links;
pub mod log;
pub mod service;
mod stats;
mod transport;
pub mod wars;
pub mod wheel;

pub use cluster::{ClientSetup, Cluster, ClusterConfig};
pub use stats::NetStats;
