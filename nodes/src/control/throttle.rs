//! Start limits of shard migrations beside the concurrency limit: the rate (a leader spaces
//! its starts) and the per-zone data budget (a zone that took its budget of copied bytes
//! within the window takes no new migration until older ones leave the window).
//!
//! Both are judged on the leader's clock and from what it knows, and a start counts from when
//! the leader sees it committed: proposals go one at a time, so the next start is decided
//! after the last one committed. A new leader cannot know when its predecessor last started
//! one, so it waits one spacing after its election; it counts the bytes of migrations from
//! when it first sees them committed (volatile, like the rest of a leader's evidence).

use std::collections::{BTreeMap, BTreeSet};

use super::config::MigrationPolicy;
use crate::bugs::{self, Bug};

/// A leader's record of migration starts.
#[derive(Clone, Debug, Default)]
pub struct StartLog {
    /// Local time of the last start this leader saw committed, or of its election.
    pub last: u64,
    /// Per migration this leader saw committed past its queue: when it first did, and the
    /// target's zone (`None`: the target is no member).
    pub started: BTreeMap<u32, (u64, Option<u16>)>,
}

impl StartLog {
    /// The log of a leader elected at `now`.
    pub fn since(now: u64) -> Self {
        StartLog { last: now, started: BTreeMap::new() }
    }

    /// Notes that migration `id`, into `zone`, stands committed at a step past the queue at
    /// `now`; `entered_sync` when that step is `sync`, which this leader counts as a start.
    pub fn committed(&mut self, id: u32, zone: Option<u16>, entered_sync: bool, now: u64) {
        if self.started.contains_key(&id) {
            return;
        }
        self.started.insert(id, (now, zone));
        if entered_sync {
            self.last = self.last.max(now);
        }
    }
}

/// What the limits allow now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    /// How many migrations may start (`usize::MAX`: no rate).
    pub starts: usize,
    /// Zones whose budget is spent: no migration into them starts.
    pub full: BTreeSet<u16>,
}

impl Gate {
    /// True when a migration into `zone` may start (given a start is left).
    pub fn admits(&self, zone: Option<u16>) -> bool {
        zone.is_none_or(|z| !self.full.contains(&z))
    }
}

/// The limits at `now`: one start when the spacing since the last start has passed (none
/// before), and the zones whose migrations started within the window copied the budget
/// (`bytes`: what a migration copied so far, as the leader counted it).
pub fn gate(policy: &MigrationPolicy, log: &StartLog, bytes: impl Fn(u32) -> u64, now: u64) -> Gate {
    if bugs::on(Bug::PolicyIgnored) {
        return Gate { starts: usize::MAX, full: BTreeSet::new() };
    }
    let starts = match policy.start_spacing_ms {
        0 => usize::MAX,
        s => usize::from(now >= log.last + s),
    };
    let mut full = BTreeSet::new();
    if let Some(budget) = policy.zone_budget {
        let mut spent: BTreeMap<u16, u64> = BTreeMap::new();
        for (id, &(at, zone)) in &log.started {
            if let Some(z) = zone.filter(|_| now < at + budget.window_ms) {
                *spent.entry(z).or_default() += bytes(*id);
            }
        }
        full.extend(spent.into_iter().filter(|&(_, b)| b >= budget.bytes).map(|(z, _)| z));
    }
    Gate { starts, full }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::ZoneBudget;

    fn policy(spacing: u64, budget: Option<(u64, u64)>) -> MigrationPolicy {
        MigrationPolicy {
            start_spacing_ms: spacing,
            zone_budget: budget.map(|(bytes, window_ms)| ZoneBudget { bytes, window_ms }),
            ..MigrationPolicy::default()
        }
    }

    /// What each migration copied, as `gate` asks for it.
    fn bytes(pairs: &[(u32, u64)]) -> impl Fn(u32) -> u64 + '_ {
        move |id| pairs.iter().find(|p| p.0 == id).map_or(0, |p| p.1)
    }

    fn none(_: u32) -> u64 {
        0
    }

    #[test]
    fn without_limits_everything_may_start() {
        let g = gate(&policy(0, None), &StartLog::since(5_000), none, 5_000);
        assert_eq!(g, Gate { starts: usize::MAX, full: BTreeSet::new() });
    }

    #[test]
    fn a_new_leader_waits_one_spacing_and_then_one_start_at_a_time() {
        let p = policy(2_000, None);
        let mut log = StartLog::since(10_000);
        assert_eq!(gate(&p, &log, none, 11_999).starts, 0, "within a spacing of the election");
        assert_eq!(gate(&p, &log, none, 12_000).starts, 1);
        log.committed(4, Some(0), true, 12_050);
        assert_eq!(gate(&p, &log, none, 14_049).starts, 0, "spaced from the start's commit");
        assert_eq!(gate(&p, &log, none, 14_050).starts, 1);
    }

    #[test]
    fn only_a_migration_seen_entering_sync_counts_as_a_start_and_only_once() {
        let p = policy(2_000, None);
        let mut log = StartLog::since(0);
        // Inherited past its sync: its start was the predecessor's.
        log.committed(1, Some(0), false, 5_000);
        assert_eq!(log.last, 0);
        log.committed(2, Some(0), true, 6_000);
        log.committed(2, Some(0), true, 7_000); // reported again by a later commit
        assert_eq!(log.last, 6_000);
        assert_eq!(gate(&p, &log, none, 7_999).starts, 0);
    }

    #[test]
    fn a_zone_that_took_its_budget_within_the_window_takes_no_more_until_the_window_passes() {
        let p = policy(0, Some((100, 10_000)));
        let mut log = StartLog::since(0);
        log.committed(1, Some(1), true, 1_000);
        log.committed(2, Some(1), true, 3_000);
        log.committed(3, Some(2), true, 3_000);
        log.committed(4, None, true, 3_000);
        let copied = [(1, 60), (2, 40), (3, 99), (4, 1_000)];
        let ev = bytes(&copied);
        let g = gate(&p, &log, &ev, 5_000);
        assert_eq!(g.full, BTreeSet::from([1]), "zone 1 took 100 bytes; zone 2 only 99");
        assert!(!g.admits(Some(1)) && g.admits(Some(2)) && g.admits(None) && g.admits(Some(0)));
        // Migration 1 leaves the window at 11 s: zone 1 is back under its budget.
        assert!(gate(&p, &log, &ev, 10_999).full.contains(&1));
        assert!(gate(&p, &log, &ev, 11_000).full.is_empty());
    }
}
