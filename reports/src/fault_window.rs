//! A stretch of simulated time during which a fault was in effect, as plots shade it.

use serde::{Deserialize, Serialize};

/// A fault in effect from `start_ms` to `end_ms`, with the label it was applied under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultWindow {
    /// When the fault was applied (simulated ms).
    pub start_ms: u64,
    /// When it was undone: its `for` ran out, a restart or resume, a `heal`, or the end-of-run
    /// heal (simulated ms, at or after `start_ms`).
    pub end_ms: u64,
    /// What it did, with resolved targets: `crash n4,n5`, `partition [n1,n2] | [n3,n4,n5]`.
    pub label: String,
    /// Family of the fault, which picks its colour: `crash`, `pause`, `partition`, `one-way`,
    /// `isolate`, `slow`, `loss`, `duplicate`, or another word for faults added later.
    pub kind: String,
}

impl FaultWindow {
    /// The fault family of a label: its first word (`crash n4` is a `crash`).
    pub fn kind_of(label: &str) -> String {
        label.split_whitespace().next().unwrap_or("fault").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_is_the_first_word_of_the_label() {
        assert_eq!(FaultWindow::kind_of("crash n4,n5"), "crash");
        assert_eq!(FaultWindow::kind_of("one-way cut n1 -> n2"), "one-way");
        assert_eq!(FaultWindow::kind_of(""), "fault");
    }
}
