//! A checker's judgement: what kind of property, how many violations among how much checked,
//! and the offending evidence.

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

impl Verdict {
    /// The verdict of a property not declared an expected violation: it passes with no
    /// violation.
    pub fn judged(
        name: &str,
        class: PropertyClass,
        violations: u64,
        checked: u64,
        detail: String,
        examples: Vec<String>,
    ) -> Verdict {
        Verdict {
            name: name.into(),
            class,
            expected_violation: false,
            violations,
            checked,
            passed: violations == 0,
            detail,
            examples,
        }
    }
}
