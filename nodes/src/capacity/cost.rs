//! Node-seconds: what a run's capacity cost, the integral of the node count over time.

/// Accrues node-milliseconds as the node count changes over simulated time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeSeconds {
    node_ms: u128,
    since_ms: u64,
    nodes: u32,
}

impl NodeSeconds {
    /// A meter that counts `nodes` from `start_ms` on.
    pub fn new(start_ms: u64, nodes: u32) -> Self {
        NodeSeconds { node_ms: 0, since_ms: start_ms, nodes }
    }

    /// The node count changes to `nodes` at `at_ms` (not before the last change).
    pub fn set(&mut self, at_ms: u64, nodes: u32) {
        self.accrue(at_ms);
        self.nodes = nodes;
    }

    fn accrue(&mut self, at_ms: u64) {
        assert!(at_ms >= self.since_ms, "node-seconds: time went back from {} to {at_ms}", self.since_ms);
        self.node_ms += u128::from(at_ms - self.since_ms) * u128::from(self.nodes);
        self.since_ms = at_ms;
    }

    /// Node-seconds accrued up to `at_ms`.
    pub fn node_seconds(&self, at_ms: u64) -> f64 {
        let mut upto = self.clone();
        upto.accrue(at_ms);
        upto.node_ms as f64 / 1000.0
    }

    /// The cost up to `at_ms` at `per_node_second` (any currency unit).
    pub fn cost(&self, at_ms: u64, per_node_second: f64) -> f64 {
        self.node_seconds(at_ms) * per_node_second
    }

    /// The node count now.
    pub fn nodes(&self) -> u32 {
        self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accrues_the_node_count_over_time() {
        let mut m = NodeSeconds::new(1_000, 3);
        m.set(11_000, 5); // 3 nodes for 10 s
        m.set(11_500, 2); // 5 nodes for 0.5 s
        assert_eq!(m.node_seconds(21_500), 30.0 + 2.5 + 20.0);
        assert_eq!(m.cost(21_500, 0.5), 26.25);
        assert_eq!(m.nodes(), 2);
    }
}
