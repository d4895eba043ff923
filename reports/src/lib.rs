//! Reports for clustersim runs: the run summary (`summary.json`, `summary.md`, the terminal
//! table). Knows nothing of madsim: it renders plain data the simulator hands over.

pub mod summary;

pub use summary::{
    ControlSummary, FaultSummary, LeaderSpan, LevelStats, NetSummary, Summary, VerdictSummary, WindowSummary,
};
