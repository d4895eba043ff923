//! Fuzzing the scenario format end to end: generated scenarios (valid bases mutated field by
//! field with extreme numbers, wrong types and contradictory faults, see [`generate`]) must
//! each be refused with a location (exit 2) or run cleanly, never panic, and never do more work
//! than the budget's estimate allowed for. [`judge`] checks one case in this process (what the
//! test suite runs); `clustersim fuzz` runs each case as a `clustersim run` child process and
//! also bounds its wall time and peak memory.

pub mod generate;

use std::path::Path;
use std::sync::Arc;

pub use generate::case;

use crate::drive::run_seed;
use crate::scenario::budget::{estimate, total};
use crate::scenario::{self, ScenarioError, FILE_BYTES_MAX};

/// How one generated scenario fared.
#[derive(Debug)]
pub enum Outcome {
    /// Validation refused it; `whole_file` when the file as a whole was refused (larger than
    /// a scenario may be), which has no line to point at.
    Refused {
        /// The error.
        error: ScenarioError,
        /// The text is over [`FILE_BYTES_MAX`].
        whole_file: bool,
    },
    /// It ran to the end.
    Ran {
        /// The run's exit code (0, 1 or 3).
        exit_code: i32,
        /// Operations the run recorded.
        ops: u64,
        /// Inputs (messages and timer firings) the transport delivered.
        delivered: u64,
        /// Operations the budget estimated.
        estimated_ops: f64,
        /// Messages and timer firings the budget estimated.
        estimated_messages: f64,
    },
    /// The simulation panicked.
    Crashed(String),
}

/// How far a run may go past its estimate before the estimate counts as wrong: Poisson
/// arrivals scatter around their mean, so a small run can exceed it by a few standard
/// deviations.
pub fn allowed(estimate: f64) -> f64 {
    2.0 * estimate + 100.0 + 10.0 * estimate.sqrt()
}

impl Outcome {
    /// What is wrong with the outcome, if anything: a refusal without a location, a crash, or
    /// a run that did more than its budget estimate.
    pub fn problem(&self) -> Option<String> {
        match self {
            Outcome::Refused { error, whole_file } => located(error, *whole_file),
            Outcome::Crashed(message) => Some(format!("the simulation crashed: {message}")),
            Outcome::Ran { ops, estimated_ops, .. } if *ops as f64 > allowed(*estimated_ops) => {
                Some(format!("{ops} operations ran, {estimated_ops:.0} were estimated"))
            }
            Outcome::Ran { delivered, estimated_messages, .. } if *delivered as f64 > allowed(*estimated_messages) => {
                Some(format!("{delivered} inputs were delivered, {estimated_messages:.0} were estimated"))
            }
            Outcome::Ran { .. } => None,
        }
    }
}

/// A problem when a refusal names neither a line nor a field, unless the file as a whole was
/// refused (it is larger than a scenario may be: the file is the location).
pub fn located(error: &ScenarioError, whole_file: bool) -> Option<String> {
    if error.line.is_none() && error.field.is_none() && !whole_file {
        Some(format!("refused without a location: {error}"))
    } else {
        None
    }
}

/// Parses `text` and, when it is valid, runs it with `seed` in this process.
pub fn judge(text: &str, seed: u64) -> Outcome {
    let scenario = match scenario::parse(Path::new("fuzz.yaml"), text) {
        Ok(s) => Arc::new(s),
        Err(error) => return Outcome::Refused { error, whole_file: text.len() > FILE_BYTES_MAX },
    };
    let work = estimate(&scenario);
    match run_seed(&scenario, seed) {
        Ok(r) => Outcome::Ran {
            exit_code: r.exit_code(),
            ops: r.history.ops.len() as u64,
            delivered: r.net.delivered,
            estimated_ops: total(&work.operations),
            estimated_messages: total(&work.messages),
        },
        Err(crash) => Outcome::Crashed(crash.message),
    }
}
