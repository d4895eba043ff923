//! Checkers: each a function from the recorded history to verdicts, one invariant family per
//! module, each with tests that feed it a deliberately broken history and see it fail.

use nodes::shard_map::ShardMap;

use crate::history::History;
use crate::scenario::model::{Expectation, Property, Scenario};

pub mod availability;
pub mod leaders;
pub mod lost_writes;
pub mod primaries;
pub mod siblings;
pub mod stale_reads;

/// What kind of property a verdict is about; decides the exit code when it fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PropertyClass {
    /// Must always hold (exit code 1 when it does not).
    Safety,
    /// Must hold eventually or within a bound, e.g. availability (exit code 3).
    Liveness,
    /// Must happen at least once in the run (exit code 3).
    Sometimes,
}

/// The judgement of one expectation over one history.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Property name as written in `expect`, e.g. `no_stale_quorum_reads` or
    /// `availability(QUORUM, 12s..40s)`.
    pub name: String,
    /// Safety, liveness or sometimes.
    pub class: PropertyClass,
    /// The scenario declared that this property is expected to be violated.
    pub expected_violation: bool,
    /// Number of violations found (for availability: 1 when out of bounds).
    pub violations: u64,
    /// Number of things examined (reads, writes, operations).
    pub checked: u64,
    /// The final judgement, after taking `expected_violation` into account.
    pub passed: bool,
    /// One line describing the result, with figures.
    pub detail: String,
    /// A few offending operations, described for a human (at most `EXAMPLES_MAX`).
    pub examples: Vec<String>,
}

/// How many offending operations a verdict lists.
pub const EXAMPLES_MAX: usize = 5;

/// Everything a checker may look at.
pub struct CheckInput<'a> {
    /// The run's history.
    pub history: &'a History,
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// Shard placement, to find the replicas of a key.
    pub shards: &'a ShardMap,
}

/// Judges every expectation of the scenario.
pub fn check_all(input: &CheckInput<'_>) -> Vec<Verdict> {
    input
        .scenario
        .expect
        .iter()
        .map(|e| match e {
            Expectation::Holds(p) => check_property(input, *p, false),
            Expectation::Violated(p) => check_property(input, *p, true),
            Expectation::Availability(bound) => availability::check(input.history, bound),
        })
        .collect()
}

fn check_property(input: &CheckInput<'_>, property: Property, expected_violation: bool) -> Verdict {
    let mut v = match property {
        Property::NoStaleQuorumReads => stale_reads::check(input.history, true),
        Property::NoStaleReads => stale_reads::check(input.history, false),
        Property::NoLostAcknowledgedWrites => lost_writes::check(input.history, input.shards),
        Property::SiblingsSeen => siblings::check(input.history),
        Property::NoSiblings => {
            // The same count as siblings_seen, judged the other way round, as a safety property.
            let mut v = siblings::check(input.history);
            v.name = "no_siblings".into();
            v.class = PropertyClass::Safety;
            v.passed = !v.passed;
            v.violations = input
                .history
                .ops
                .iter()
                .filter(|o| o.kind == nodes::OpKind::Read && o.outcome == nodes::Outcome::Ok && o.read.len() > 1)
                .count() as u64;
            v
        }
        Property::OneLeaderPerTerm => leaders::one_per_term(input.history),
        Property::EventuallyOneLeader => leaders::eventually_one(input.history),
        Property::LeaderChanged => leaders::changed(input.history),
        Property::SlowLeaderSteppedDown => leaders::stepped_down_slow(input.history),
        Property::OnePrimaryPerShard => primaries::one_per_shard(input.history),
        Property::EventuallyAllShardsOwned => primaries::eventually_all_owned(input.history),
    };
    v.expected_violation = expected_violation;
    if expected_violation {
        // A "sometimes" property is violated when it never happened; others when violations exist.
        v.passed = !v.passed;
    }
    v
}
