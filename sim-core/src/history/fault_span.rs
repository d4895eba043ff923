//! When each applied fault was in effect: the spans that reports shade and that checkers ask
//! whether a node was touched by a fault.

use std::collections::BTreeMap;

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
    let undone = undo_times(history);
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
        let by_undo = || undone[i];
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

/// When each fault's `end <label>` undo came, pairing every undo with one fault of its label
/// still open: the one scheduled to end just then (its `until_ms`), else the earliest opened.
/// Two faults with one label can overlap (a swarm draws the same partition twice): the first
/// undo ends only one of them.
fn undo_times(history: &History) -> Vec<Option<u64>> {
    let mut ends = vec![None; history.faults.len()];
    let mut open: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in history.faults.iter().enumerate() {
        if !f.undo {
            open.entry(f.label.as_str()).or_default().push(i);
            continue;
        }
        let Some(list) = f.label.strip_prefix("end ").and_then(|label| open.get_mut(label)) else { continue };
        if list.is_empty() {
            continue;
        }
        let pick = list.iter().position(|&j| history.faults[j].until_ms == Some(f.at_ms)).unwrap_or(0);
        ends[list.remove(pick)] = Some(f.at_ms);
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::FaultRecord;

    fn record(h: &mut History, at_ms: u64, label: &str, until_ms: Option<u64>, undo: bool) {
        h.record_fault(FaultRecord { at_ms, label: label.into(), nodes: vec![1, 2], until_ms, undo });
    }

    #[test]
    fn two_overlapping_faults_with_one_label_each_end_at_their_own_undo() {
        let mut h = History::new();
        let cut = "partition [n2,n6] | [n1,n3]";
        record(&mut h, 21_000, cut, Some(27_700), false);
        record(&mut h, 27_500, cut, Some(32_800), false);
        record(&mut h, 27_700, &format!("end {cut}"), None, true);
        record(&mut h, 32_800, &format!("end {cut}"), None, true);
        let spans = fault_spans(&h, 60_000);
        let ends: Vec<(u64, u64)> = spans.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(ends, [(21_000, 27_700), (27_500, 32_800)]);
        // Without durations, undos close the earliest fault of the label still open.
        let mut h = History::new();
        record(&mut h, 1_000, "loss 0.2", None, false);
        record(&mut h, 2_000, "loss 0.2", None, false);
        record(&mut h, 3_000, "end loss 0.2", None, true);
        let ends: Vec<(u64, u64)> = fault_spans(&h, 9_000).iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(ends, [(1_000, 3_000), (2_000, 9_000)], "the second lasts to the end of the run");
    }
}
