//! When each applied fault was in effect: the spans that reports shade and that checkers ask
//! whether a node was touched by a fault.

use reports::FaultWindow;

use super::{History, NodeChange};

/// One applied fault's time in effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpan {
    /// Its index in `History::faults` (label and nodes there).
    pub fault: usize,
    /// When it was applied.
    pub start_ms: u64,
    /// When it ended.
    pub end_ms: u64,
    /// Its kind: the label's first word (`crash`, `isolate`, `loss`, ...).
    pub kind: String,
}

impl FaultSpan {
    /// True when the fault touched `node` at some instant of `[from_ms, to_ms]`: it names the
    /// node, or it names none (loss and duplication reach every node).
    pub fn touches(&self, history: &History, node: u32, from_ms: u64, to_ms: u64) -> bool {
        let nodes = &history.faults[self.fault].nodes;
        self.start_ms <= to_ms && self.end_ms >= from_ms && (nodes.is_empty() || nodes.contains(&node))
    }
}

/// Each applied fault as the time it was in effect. Restarts, resumes and heals are not
/// windows of their own: they end earlier ones.
///
/// A fault ends when its nodes come back (crash: every node restarted; pause: every node
/// resumed, as the node events record it, whether by a `restart` fault, its `for`, or the
/// final heal), else at its matching `end <label>` undo (its `for` ran out, a `heal`, or the
/// final heal), else at its scheduled end, else when the run healed, else at `end_ms`.
pub fn fault_spans(history: &History, end_ms: u64) -> Vec<FaultSpan> {
    let fallback = history.healed_at_ms.unwrap_or(end_ms);
    let mut windows = vec![];
    for (i, f) in history.faults.iter().enumerate() {
        let kind = FaultWindow::kind_of(&f.label);
        if f.undo || matches!(kind.as_str(), "restart" | "resume" | "heal") {
            continue;
        }
        let back = match kind.as_str() {
            "crash" => Some(NodeChange::Restarted),
            "pause" => Some(NodeChange::Resumed),
            _ => None,
        };
        let by_node_events = back.filter(|_| !f.nodes.is_empty()).and_then(|back| {
            let ends: Option<Vec<u64>> = f
                .nodes
                .iter()
                .map(|&n| {
                    history
                        .node_events
                        .iter()
                        .find(|e| e.node == n && e.change == back && e.at_ms >= f.at_ms)
                        .map(|e| e.at_ms)
                })
                .collect();
            ends.and_then(|e| e.into_iter().max())
        });
        let undo_label = format!("end {}", f.label);
        let by_undo = || history.faults[i + 1..].iter().find(|u| u.undo && u.label == undo_label).map(|u| u.at_ms);
        // Damage to a disk is done at once: its window is an instant.
        let end = if kind == "corrupt" {
            f.at_ms
        } else {
            by_node_events.or_else(by_undo).or(f.until_ms).unwrap_or(fallback).max(f.at_ms)
        };
        windows.push(FaultSpan { fault: i, start_ms: f.at_ms, end_ms: end, kind });
    }
    windows
}
