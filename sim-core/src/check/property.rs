//! The property registry: every named property a scenario can expect, declared once with its
//! name, class and checker. Adding a property is a checker file plus one entry here.

use std::fmt;

use super::availability::{self, AvailabilityBound};
use super::evidence::Evidence;
use super::verdict::{PropertyClass, Verdict};
use super::{
    convergence, corruption, fencing, leader_change, leaders, linearizable, lost_writes, machines, membership,
    migration_limits, migrations, ownership, primaries, scaling, siblings, sometimes, stale_reads, standing, timeouts,
};
use crate::history::{History, MigrationStep};
use sometimes::Interleaving;

/// A property a history is judged by.
pub struct Property {
    /// The name scenario files use, like `no_stale_reads`.
    pub name: &'static str,
    /// Safety, liveness or sometimes: decides the exit code when it fails.
    pub class: PropertyClass,
    /// When it holds, in one line.
    pub holds_when: &'static str,
    check: fn(&Evidence) -> Verdict,
}

use PropertyClass::{Liveness, Safety, Sometimes};

/// Every property, in the order the scenario format documents them.
pub static PROPERTIES: [Property; 39] = [
    Property {
        name: "no_stale_quorum_reads",
        class: Safety,
        holds_when: "no read with W+R>N misses a write acknowledged before it began",
        check: |e| stale_reads::check_with(e.history, e.causality(), true),
    },
    Property {
        name: "no_stale_reads",
        class: Safety,
        holds_when: "no read at any level misses a write acknowledged before it began",
        check: |e| stale_reads::check_with(e.history, e.causality(), false),
    },
    Property {
        name: "strong_shards_read_fresh",
        class: Safety,
        holds_when: "no read of a shard the scenario declared strong misses a write acknowledged before it began, whatever level it asked",
        check: |e| stale_reads::strong_shards(e.history, e.causality()),
    },
    Property {
        name: "no_lost_acknowledged_writes",
        class: Safety,
        holds_when:
            "after the heal every acknowledged write is held (or superseded) by a replica, and no failed write is",
        check: |e| lost_writes::check_with(e.history, e.causality()),
    },
    Property {
        name: "siblings_seen",
        class: Sometimes,
        holds_when: "some read returned concurrent versions",
        check: |e| siblings::seen(e.history),
    },
    Property {
        name: "no_siblings",
        class: Safety,
        holds_when: "no read returned concurrent versions",
        check: |e| siblings::none(e.history),
    },
    Property {
        name: "linearizable",
        class: Safety,
        holds_when: "every key's operations, read as one register, have a linearization",
        check: |e| linearizable::check(e.history),
    },
    Property {
        name: "one_leader_per_term",
        class: Safety,
        holds_when: "no two nodes became or acted as leader in the same term",
        check: |e| leaders::one_per_term(e.history),
    },
    Property {
        name: "one_primary_per_shard",
        class: Safety,
        holds_when: "at no instant do two nodes act as primary of a shard",
        check: |e| primaries::one_per_shard(e.history),
    },
    Property {
        name: "primary_acts_within_grant",
        class: Safety,
        holds_when:
            "every act as primary falls inside a grant the leader made that node and the lease bound it computed",
        check: |e| ownership::within_grant(e.history),
    },
    Property {
        name: "replicas_honour_fences",
        class: Safety,
        holds_when: "no replica stores a write fenced with an epoch older than a grant it has seen",
        check: |e| fencing::honoured(e.history),
    },
    Property {
        name: "deposed_write_arrived",
        class: Sometimes,
        holds_when: "some replica got a write fenced older than a grant it knew (a deposed primary's late write)",
        check: |e| sometimes::verdict(e.history, Interleaving::DeposedWrite),
    },
    Property {
        name: "lease_expired_in_pause",
        class: Sometimes,
        holds_when: "some primary's lease ran out while its node was paused",
        check: |e| sometimes::verdict(e.history, Interleaving::LeaseExpiredInPause),
    },
    Property {
        name: "revoke_waited_under_drift",
        class: Sometimes,
        holds_when: "some leader released a grant by waiting out its lease while a clock was skewed",
        check: |e| sometimes::verdict(e.history, Interleaving::RevokeUnderDrift),
    },
    Property {
        name: "read_raced_write",
        class: Sometimes,
        holds_when: "some successful read overlapped a successful write to the same key",
        check: |e| sometimes::verdict(e.history, Interleaving::ReadRacedWrite),
    },
    Property {
        name: "healthy_primaries_kept",
        class: Liveness,
        holds_when: "a new leader revokes no primary of a node no fault touched before it may grant again",
        check: |e| leader_change::healthy_primaries_kept(e.history),
    },
    Property {
        name: "eventually_one_leader",
        class: Liveness,
        holds_when: "after the heal exactly one node leads",
        check: |e| leaders::eventually_one(e.history),
    },
    Property {
        name: "eventually_all_shards_owned",
        class: Liveness,
        holds_when: "after the heal every shard has an acting primary",
        check: |e| primaries::eventually_all_owned(e.history),
    },
    Property {
        name: "leader_changed",
        class: Sometimes,
        holds_when: "leadership changed hands at least once",
        check: |e| leaders::changed(e.history),
    },
    Property {
        name: "slow_leader_stepped_down",
        class: Sometimes,
        holds_when: "some leader stepped down because its own heartbeat round trips were too slow",
        check: |e| leaders::stepped_down_slow(e.history),
    },
    Property {
        name: "eventually_converged",
        class: Liveness,
        holds_when: "at the end of the heal phase every replica of every key holds the same values",
        check: |e| convergence::eventually_converged(e.history),
    },
    Property {
        name: "no_corrupt_reads",
        class: Safety,
        holds_when: "no read returned a value that disk corruption left on a replica",
        check: |e| corruption::no_corrupt_reads(e.history),
    },
    Property {
        name: "eventually_corruption_repaired",
        class: Liveness,
        holds_when: "after the heal no disk holds a damaged value, and each damaged record's key is held again",
        check: |e| corruption::eventually_repaired(e.history),
    },
    Property {
        name: "migrations_settled",
        class: Liveness,
        holds_when: "after the heal every migration has completed or rolled back (none left half-done)",
        check: |e| migrations::settled(e.history),
    },
    Property {
        name: "migration_steps_in_order",
        class: Safety,
        holds_when: "no migration is reported entering a step it already passed, nor both completed and rolled back",
        check: |e| migrations::steps_in_order(e.history),
    },
    Property {
        name: "migration_limits_held",
        class: Safety,
        holds_when: "no map ran more migrations than the limit, and no leader started one faster than the rate or into a zone past its data budget",
        check: |e| migration_limits::held(e.history),
    },
    Property {
        name: "migration_completed",
        class: Sometimes,
        holds_when: "some migration completed",
        check: |e| migrations::ended(e.history, MigrationStep::Done),
    },
    Property {
        name: "migration_rolled_back",
        class: Sometimes,
        holds_when: "some migration rolled back",
        check: |e| migrations::ended(e.history, MigrationStep::RolledBack),
    },
    Property {
        name: "drained_nodes_idle",
        class: Safety,
        holds_when: "once recorded drained, a node acts as no primary and stores no write issued after its drain",
        check: |e| standing::drained_nodes_idle(e.history),
    },
    Property {
        name: "drains_settled",
        class: Liveness,
        holds_when: "every node asked to drain before the heal is recorded drained by the end",
        check: |e| standing::drains_settled(e.history),
    },
    Property {
        name: "joined_nodes_hold_data",
        class: Liveness,
        holds_when: "every node that joined before the heal holds data on its disk at the end",
        check: |e| standing::joined_nodes_hold_data(e.history),
    },
    Property {
        name: "node_count_within_bounds",
        class: Safety,
        holds_when: "the machines the autoscaler had on never numbered outside its min..max",
        check: |e| scaling::judge(e.history, scaling::Rule::Bounds),
    },
    Property {
        name: "no_scale_in_cooldown",
        class: Safety,
        holds_when: "no scale action came sooner after the previous one than its direction's cooldown",
        check: |e| scaling::judge(e.history, scaling::Rule::Cooldown),
    },
    Property {
        name: "no_flapping",
        class: Safety,
        holds_when:
            "the node count never reversed direction within a start-up plus one decision interval of the last action",
        check: |e| scaling::judge(e.history, scaling::Rule::Flapping),
    },
    Property {
        name: "clients_avoid_stopped_machines",
        class: Safety,
        holds_when: "no client request reached a machine the autoscaler had off (a spare not started, or a node drained and turned off)",
        check: |e| machines::clients_avoid_stopped_machines(e.history),
    },
    Property {
        name: "no_timeouts_without_faults",
        class: Liveness,
        holds_when: "no operation timed out without a fault in effect (or ended under 2 s before it); migrations, joins and drains are not faults",
        check: |e| timeouts::no_timeouts_without_faults(e.history),
    },
    Property {
        name: "membership_converged",
        class: Liveness,
        holds_when:
            "a bound after the last heal, every live node's gossip view holds the live nodes alive and the rest down",
        check: |e| membership::converged(e.history),
    },
    Property {
        name: "no_member_before_join",
        class: Safety,
        holds_when: "no gossip view held a node declared outside the cluster alive or suspect before it joined",
        check: |e| membership::no_member_before_join(e.history),
    },
    Property {
        name: "suspicion_refuted",
        class: Sometimes,
        holds_when: "some node's view held a running member suspect, then alive at a newer incarnation",
        check: |e| membership::suspicion_refuted(e.history),
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
        self.judge(&Evidence::new(history))
    }

    /// Judges the evidence (shared with other properties); the verdict carries this
    /// property's name and class.
    pub fn judge(&self, evidence: &Evidence) -> Verdict {
        let mut v = (self.check)(evidence);
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
        self.judge_evidence(&Evidence::new(history))
    }

    /// Judges the evidence (shared with other expectations) against this expectation.
    pub fn judge_evidence(&self, evidence: &Evidence) -> Verdict {
        match self {
            Expectation::Holds(p) => p.judge(evidence),
            Expectation::Violated(p) => {
                let mut v = p.judge(evidence);
                v.expected_violation = true;
                // A "sometimes" property is violated when it never happened; others when
                // violations exist.
                v.passed = !v.passed;
                v
            }
            Expectation::Availability(bound) => availability::check(evidence.history, bound),
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
