//! Checkers: each a function from the recorded history to a verdict, one invariant family per
//! module, each with tests that feed it a deliberately broken history and see it fail. The
//! [`property`] registry names them; a scenario's [`Expectation`]s say which must hold.

pub mod availability;
pub mod causality;
pub mod convergence;
pub mod corruption;
pub mod counterexample;
pub mod describe;
pub mod evidence;
pub mod fencing;
pub mod leader_change;
pub mod leaders;
pub mod linear;
pub mod linearizable;
pub mod lost_writes;
pub mod machines;
pub mod membership;
pub mod migration_limits;
pub mod migrations;
pub mod ownership;
pub mod primaries;
pub mod property;
pub mod scaling;
pub mod siblings;
pub mod sometimes;
pub mod stale_reads;
pub mod standing;
pub mod timeouts;
pub mod verdict;

pub use availability::AvailabilityBound;
pub use evidence::Evidence;
pub use property::{Expectation, Property, PROPERTIES};
pub use verdict::{PropertyClass, Verdict, EXAMPLES_MAX};

use crate::history::History;

/// Judges every expectation against `history`, in order.
pub fn check_all(history: &History, expectations: &[Expectation]) -> Vec<Verdict> {
    let evidence = Evidence::new(history);
    expectations.iter().map(|e| e.judge_evidence(&evidence)).collect()
}
