//! The node stats section of a run summary (seed 000's NodeStats): per node, its busy fraction,
//! memory, network and disk I/O, errors and health over the run, and the lowest health of any
//! node at each sample for the capacity plot.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// One node's figures over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeStatsRow {
    /// The node's name.
    pub node: String,
    /// Samples stored.
    pub samples: u64,
    /// Intervals it was down (not sampled).
    pub down: u64,
    /// Samples refused by validation (NaN, negative, out of range, counters going back).
    pub refused: u64,
    /// Mean busy fraction of its workers.
    pub cpu_mean: f64,
    /// Highest busy fraction.
    pub cpu_max: f64,
    /// Most keys held.
    pub peak_keys: u64,
    /// Most versions held (siblings included).
    pub peak_versions: u64,
    /// Longest queue of requests waiting for a worker.
    pub peak_queue: u64,
    /// Messages sent (bytes are not modelled).
    pub sent: u64,
    /// Messages received.
    pub received: u64,
    /// Replica reads served (store reads).
    pub disk_reads: u64,
    /// Replica writes, repairs and migration chunks served (store writes).
    pub disk_writes: u64,
    /// Syncs of its store.
    pub fsyncs: u64,
    /// Rejections (full queue), timeouts and refusals it produced.
    pub errors: u64,
    /// Lowest health score.
    pub health_min: f64,
    /// Mean health score.
    pub health_mean: f64,
}

impl NodeStatsRow {
    /// The row's cells as the node stats table shows them.
    pub fn cells(&self) -> [String; 15] {
        let f2 = |x: f64| format!("{x:.2}");
        [
            self.node.clone(),
            f2(self.cpu_mean),
            f2(self.cpu_max),
            self.peak_keys.to_string(),
            self.peak_versions.to_string(),
            self.peak_queue.to_string(),
            self.sent.to_string(),
            self.received.to_string(),
            self.disk_reads.to_string(),
            self.disk_writes.to_string(),
            self.fsyncs.to_string(),
            self.errors.to_string(),
            f2(self.health_min),
            f2(self.health_mean),
            self.refused.to_string(),
        ]
    }
}

/// The lowest and mean health over the nodes sampled at one time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthPoint {
    /// When (simulated ms).
    pub at_ms: u64,
    /// Lowest health of a node.
    pub min: f64,
    /// Mean health of the nodes sampled.
    pub mean: f64,
}

/// A run's node stats.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeStatsSummary {
    /// The sampling interval (simulated ms).
    pub interval_ms: u64,
    /// Samples kept per node's window.
    pub window: usize,
    /// Nodes tracked at most.
    pub max_nodes: usize,
    /// Readings refused because their node was beyond the nodes tracked.
    pub untracked: u64,
    /// Every node tracked, by address.
    pub nodes: Vec<NodeStatsRow>,
    /// Health over time (at most one point per sample; capped, see `series_cut`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub health: Vec<HealthPoint>,
    /// The series stopped at its cap.
    #[serde(default)]
    pub series_cut: bool,
}

impl NodeStatsSummary {
    /// The node with the lowest health (the first at a tie), among those sampled.
    pub fn worst(&self) -> Option<&NodeStatsRow> {
        self.nodes.iter().filter(|n| n.samples > 0).fold(None, |worst: Option<&NodeStatsRow>, n| match worst {
            Some(w) if w.health_min <= n.health_min => Some(w),
            _ => Some(n),
        })
    }

    /// Samples refused over all nodes (the untracked node readings included).
    pub fn refused(&self) -> u64 {
        self.untracked + self.nodes.iter().map(|n| n.refused).sum::<u64>()
    }

    /// One line: the worst node by health, e.g. `n3 health 0.41 min (cpu 0.97 max, queue 64)`.
    pub fn headline(&self) -> String {
        let refused = match self.refused() {
            0 => String::new(),
            r => format!("; {r} samples refused"),
        };
        match self.worst() {
            Some(w) => format!(
                "{} health {:.2} min, {:.2} mean (cpu {:.2} max, queue {}, {} errors){refused}",
                w.node, w.health_min, w.health_mean, w.cpu_max, w.peak_queue, w.errors
            ),
            None => format!("no node sampled{refused}"),
        }
    }

    /// The table's column names, in the order of [`NodeStatsRow::cells`].
    const COLUMNS: [&'static str; 15] = [
        "node",
        "cpu mean",
        "cpu max",
        "keys",
        "versions",
        "queue",
        "sent",
        "received",
        "disk reads",
        "disk writes",
        "fsyncs",
        "errors",
        "health min",
        "health mean",
        "refused",
    ];

    /// The Markdown section: the headline and a row per node.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "## Node stats\n\nEvery {} ms, last {} samples per node. Worst: {}\n\n| {} |\n|{}\n",
            self.interval_ms,
            self.window,
            self.headline(),
            Self::COLUMNS.join(" | "),
            "---|".repeat(Self::COLUMNS.len())
        );
        for n in &self.nodes {
            let _ = writeln!(s, "| {} |", n.cells().join(" | "));
        }
        s.push('\n');
        s
    }

    /// The HTML table (cells escaped by `escape`).
    pub fn html(&self, escape: impl Fn(&str) -> String) -> String {
        let head: String = Self::COLUMNS.iter().map(|c| format!("<th>{c}</th>")).collect();
        let mut h = format!("<h2>Node stats</h2>\n<table>\n<tr>{head}</tr>\n");
        for n in &self.nodes {
            let cells: String = n.cells().iter().map(|c| format!("<td>{}</td>", escape(c))).collect();
            let _ = writeln!(h, "<tr>{cells}</tr>");
        }
        h.push_str("</table>\n");
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(node: &str, samples: u64, health_min: f64) -> NodeStatsRow {
        NodeStatsRow {
            node: node.into(),
            samples,
            health_min,
            cpu_max: 0.97,
            peak_queue: 64,
            ..NodeStatsRow::default()
        }
    }

    #[test]
    fn the_headline_names_the_worst_sampled_node() {
        let s = NodeStatsSummary {
            nodes: vec![row("n1", 5, 0.9), row("n2", 0, 0.0), row("n3", 5, 0.41), row("n4", 5, 0.41)],
            untracked: 2,
            ..NodeStatsSummary::default()
        };
        assert_eq!(s.worst().map(|w| w.node.as_str()), Some("n3"), "never sampled is not worst; first at a tie");
        assert!(s.headline().starts_with("n3 health 0.41 min"), "{}", s.headline());
        assert!(s.headline().ends_with("; 2 samples refused"));
        assert!(s.markdown().contains("| n4 |"));
        assert!(s.html(|t| t.to_string()).contains("<td>n2</td>"));
    }
}
