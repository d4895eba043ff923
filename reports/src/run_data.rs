//! Everything the report of one run is drawn from: its summary and every operation.

use crate::op_point::OpPoint;
use crate::summary::Summary;

/// One run's data as the reports need it; the simulator builds it, or it is read back from a
/// run folder (`summary.json` + `ops.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct RunData {
    /// The run's summary, with its fault windows and timelines.
    pub summary: Summary,
    /// Every client operation, in completion order.
    pub ops: Vec<OpPoint>,
}

impl RunData {
    /// Consistency levels of the run: in the summary's order (ONE, QUORUM, ALL, counts), then any
    /// level seen only among the operations, in order of first appearance.
    pub fn levels(&self) -> Vec<String> {
        let mut levels: Vec<String> = vec![];
        let listed = self.summary.ops.iter().map(|l| l.consistency.as_str());
        for level in listed.chain(self.ops.iter().map(|o| o.level.as_str())) {
            if !levels.iter().any(|l| l == level) {
                levels.push(level.to_string());
            }
        }
        levels
    }

    /// Simulated time the plots cover: the whole run, or the last completion if that is later.
    pub fn span_ms(&self) -> u64 {
        let last = self.ops.iter().map(|o| o.complete_ms).max().unwrap_or(0);
        let faults = self.summary.fault_windows.iter().map(|f| f.end_ms).max().unwrap_or(0);
        self.summary.simulated_ms.max(last).max(faults).max(1)
    }

    /// A label naming the run: `two-replicas-down seed 2`.
    pub fn label(&self) -> String {
        format!("{} seed {}", self.summary.scenario, self.summary.seed)
    }
}
