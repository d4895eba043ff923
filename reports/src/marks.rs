//! What the time plots mark besides faults: when a property was seen violated, and the
//! availability bounds the scenario expected, with whether each held.

use serde::{Deserialize, Serialize};

/// A property violation at one moment of the run, drawn as a tick in the plots' fault band.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationMark {
    /// The property, as named in the verdicts.
    pub property: String,
    /// When the offending operation completed (simulated ms).
    pub at_ms: u64,
}

/// An `availability` expectation, drawn as a dashed line on the availability plot over the
/// stretch of time it covers; that stretch is highlighted when the bound failed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoundMark {
    /// The property name, e.g. `availability(QUORUM, 0s.., min 0.99)`.
    pub property: String,
    /// The level it covers (`QUORUM`), or every level when `None`.
    pub consistency: Option<String>,
    /// Lowest success rate allowed.
    pub min: Option<f64>,
    /// Highest success rate allowed.
    pub max: Option<f64>,
    /// Operations invoked from this time on count (simulated ms).
    pub from_ms: u64,
    /// Operations invoked before this time count; `None`: to the end of the run.
    pub to_ms: Option<u64>,
    /// Whether the bound held.
    pub passed: bool,
}
