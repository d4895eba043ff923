//! Counters of the transport, for reports and benchmarks.

/// Counters of the transport.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages handed to the network.
    pub sent: u64,
    /// Inputs (messages and timers) handed to state machines.
    pub delivered: u64,
    /// Messages dropped by partitions.
    pub partitioned: u64,
    /// Messages dropped by random loss.
    pub lost: u64,
    /// Messages to nodes that were down (or crashed before delivery).
    pub to_down_node: u64,
    /// Extra copies delivered by duplication.
    pub duplicated: u64,
    /// Ticks (simulated milliseconds) with at least one delivery due.
    pub batches: u64,
}
