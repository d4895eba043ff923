//! Planted bugs: test-only cargo features that break the system on purpose, so sweeps and
//! shrinking can be shown to catch a real bug. Off by default; never set by a scenario.

/// True in the deliberately broken test build (`--features clustersim-nodes/bug-early-ack`),
/// whose coordinators acknowledge writes after W-1 replicas.
pub const BUG_EARLY_ACK: bool = cfg!(feature = "bug-early-ack");
