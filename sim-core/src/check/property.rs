//! The property registry: every named property a scenario can expect, declared once with its
//! name, class and checker. Adding a property is a checker file plus one entry here.

use std::fmt;

use super::availability::{self, AvailabilityBound};
use super::verdict::{PropertyClass, Verdict};
use super::{leaders, linearizable, lost_writes, primaries, siblings, stale_reads};
use crate::history::History;

/// A property a history is judged by.
pub struct Property {
    /// The name scenario files use, like `no_stale_reads`.
    pub name: &'static str,
    /// Safety, liveness or sometimes: decides the exit code when it fails.
    pub class: PropertyClass,
    /// When it holds, in one line.
    pub holds_when: &'static str,
    check: fn(&History) -> Verdict,
}

use PropertyClass::{Liveness, Safety, Sometimes};

/// Every property, in the order the scenario format documents them.
pub static PROPERTIES: [Property; 12] = [
    Property {
        name: "no_stale_quorum_reads",
        class: Safety,
        holds_when: "no read with W+R>N misses a write acknowledged before it began",
        check: stale_reads::quorum,
    },
    Property {
        name: "no_stale_reads",
        class: Safety,
        holds_when: "no read at any level misses a write acknowledged before it began",
        check: stale_reads::any_level,
    },
    Property {
        name: "no_lost_acknowledged_writes",
        class: Safety,
        holds_when:
            "after the heal every acknowledged write is held (or superseded) by a replica, and no failed write is",
        check: lost_writes::check,
    },
    Property {
        name: "siblings_seen",
        class: Sometimes,
        holds_when: "some read returned concurrent versions",
        check: siblings::seen,
    },
    Property {
        name: "no_siblings",
        class: Safety,
        holds_when: "no read returned concurrent versions",
        check: siblings::none,
    },
    Property {
        name: "linearizable",
        class: Safety,
        holds_when: "every key's operations, read as one register, have a linearization",
        check: linearizable::check,
    },
    Property {
        name: "one_leader_per_term",
        class: Safety,
        holds_when: "no two nodes became leader in the same term",
        check: leaders::one_per_term,
    },
    Property {
        name: "one_primary_per_shard",
        class: Safety,
        holds_when: "at no instant do two nodes act as primary of a shard",
        check: primaries::one_per_shard,
    },
    Property {
        name: "eventually_one_leader",
        class: Liveness,
        holds_when: "after the heal exactly one node leads",
        check: leaders::eventually_one,
    },
    Property {
        name: "eventually_all_shards_owned",
        class: Liveness,
        holds_when: "after the heal every shard has an acting primary",
        check: primaries::eventually_all_owned,
    },
    Property {
        name: "leader_changed",
        class: Sometimes,
        holds_when: "leadership changed hands at least once",
        check: leaders::changed,
    },
    Property {
        name: "slow_leader_stepped_down",
        class: Sometimes,
        holds_when: "some leader stepped down because its own heartbeat round trips were too slow",
        check: leaders::stepped_down_slow,
    },
];

impl Property {
    /// The property called `name`; the error lists the known names.
    pub fn named(name: &str) -> Result<&'static Property, String> {
        PROPERTIES.iter().find(|p| p.name == name).ok_or_else(|| {
            let known: Vec<&str> = PROPERTIES.iter().map(|p| p.name).collect();
            format!("unknown property `{name}` (known properties are {})", known.join(", "))
        })
    }

    /// Judges `history`; the verdict carries this property's name and class.
    pub fn check(&self, history: &History) -> Verdict {
        let mut v = (self.check)(history);
        v.name = self.name.to_string();
        v.class = self.class;
        v
    }
}

impl PartialEq for Property {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// What a scenario expects of its run.
#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    /// The property must hold.
    Holds(&'static Property),
    /// The checker must find at least one violation (proves it can fail).
    Violated(&'static Property),
    /// Success rate of matching operations within bounds.
    Availability(AvailabilityBound),
}

impl Expectation {
    /// Judges `history` against this expectation.
    pub fn judge(&self, history: &History) -> Verdict {
        match self {
            Expectation::Holds(p) => p.check(history),
            Expectation::Violated(p) => {
                let mut v = p.check(history);
                v.expected_violation = true;
                // A "sometimes" property is violated when it never happened; others when
                // violations exist.
                v.passed = !v.passed;
                v
            }
            Expectation::Availability(bound) => availability::check(history, bound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for p in &PROPERTIES {
            assert_eq!(Property::named(p.name).map(|q| q.name), Ok(p.name));
            assert_eq!(PROPERTIES.iter().filter(|q| q.name == p.name).count(), 1, "{}", p.name);
        }
        let err = Property::named("nonsense").unwrap_err();
        assert!(err.contains("unknown property `nonsense`") && err.contains("no_stale_reads"), "{err}");
    }

    #[test]
    fn an_expected_violation_passes_only_when_the_checker_finds_one() {
        let empty = History::new();
        let holds = Expectation::Holds(Property::named("no_stale_reads").unwrap()).judge(&empty);
        let violated = Expectation::Violated(Property::named("no_stale_reads").unwrap()).judge(&empty);
        assert!(holds.passed && !violated.passed && violated.expected_violation);
        let never = Expectation::Violated(Property::named("leader_changed").unwrap()).judge(&empty);
        assert!(never.passed, "a sometimes property that never happened is violated: {never:?}");
    }
}
