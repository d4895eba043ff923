//! `migration_limits_held`: leaders kept the migration policy's limits. Judged from the step
//! reports leaders recorded at each commit, never from a leader's own account of its limits:
//! - concurrency: no committed map had more migrations running (past the queue, not ended)
//!   than the limit. Exact by map epoch: a step counts from the epoch of its first report.
//! - rate: a migration starts when its first report past the queue is `sync`; one leader's
//!   starts within one tenure are at least the spacing apart, shortened by the promised drift
//!   (a leader measures on its own clock). Across tenures nothing is judged: a new leader
//!   reports what its predecessor started as its own first sight of it.
//! - zone budget: when a leader starts a migration into a zone, the migrations into that zone
//!   it saw start within the window (shortened by the drift) had copied less than the budget,
//!   counting the bytes it reported at earlier commits (it knew at least those when it decided:
//!   proposals go one at a time, so the start was decided after the previous commit).

use std::collections::BTreeMap;

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{ControlEvent, History, MigrationLimits, MigrationRecord, MigrationStep};

/// What the checker keeps of one leader's tenure.
#[derive(Default)]
struct Tenure {
    /// Its last start.
    last_start: Option<u64>,
    /// Per migration: when this tenure first saw it past the queue, and its target.
    seen: BTreeMap<u32, (u64, u32)>,
    /// Per migration: the most bytes this tenure reported.
    bytes: BTreeMap<u32, u64>,
}

/// Judges `migration_limits_held` (see the module comment).
pub fn held(history: &History) -> Verdict {
    let mut violations = 0;
    let mut examples = Vec::new();
    let mut flag = |text: String| {
        violations += 1;
        if examples.len() < EXAMPLES_MAX {
            examples.push(text);
        }
    };
    let Some(limits) = history.migration_limits else {
        return verdict(0, 0, "no migration limits recorded".into(), Vec::new());
    };
    let (most, at_epoch) = most_running(&history.migrations);
    if most > limits.concurrency as usize {
        flag(format!(
            "the map of epoch {at_epoch} had {most} migrations running, over the limit of {}",
            limits.concurrency
        ));
    }
    let shrink = 1.0 / (1.0 + limits.max_drift);
    let spacing = (limits.start_spacing_ms as f64 * shrink).floor() as u64;
    let elected = elections(history);
    let tenure_of = |node: u32, at: u64| {
        let times = elected.get(&node).map_or(&[][..], Vec::as_slice);
        times[..times.partition_point(|&t| t <= at)].last().copied().unwrap_or(0)
    };
    let mut tenures: BTreeMap<(u32, u64), Tenure> = BTreeMap::new();
    let mut started = BTreeMap::new(); // first record past the queue, by migration
    let (mut starts, mut closest) = (0u64, u64::MAX);
    let records = &history.migrations;
    let mut i = 0;
    while i < records.len() {
        // One commit's reports: judged against what the leader knew before that commit.
        let (node, at) = (records[i].node, records[i].at_ms);
        let end = i + records[i..].iter().take_while(|r| r.node == node && r.at_ms == at).count();
        let t = tenures.entry((node, tenure_of(node, at))).or_default();
        for r in &records[i..end] {
            if matches!(r.step, MigrationStep::Queued | MigrationStep::Refused) || started.contains_key(&r.id) {
                continue;
            }
            started.insert(r.id, at);
            if r.step != MigrationStep::Sync {
                continue;
            }
            starts += 1;
            if let Some(last) = t.last_start.replace(at) {
                closest = closest.min(at - last);
                if limits.start_spacing_ms > 0 && at - last < spacing {
                    flag(format!(
                        "{} started migration #{} at {}, {} after its previous start (one every {} ms allowed)",
                        history.node_name(node),
                        r.id,
                        secs(at),
                        secs(at - last),
                        limits.start_spacing_ms
                    ));
                }
            }
            if let Some(text) = over_budget(history, &limits, t, r, shrink) {
                flag(text);
            }
        }
        for r in &records[i..end] {
            if !matches!(r.step, MigrationStep::Queued | MigrationStep::Refused) {
                t.seen.entry(r.id).or_insert((at, r.to));
            }
            let b = t.bytes.entry(r.id).or_default();
            *b = (*b).max(r.bytes);
        }
        i = end;
    }
    let mut detail = format!("{starts} starts; at most {most} migrations ran at once (limit {})", limits.concurrency);
    if limits.start_spacing_ms > 0 && closest < u64::MAX {
        detail += &format!("; one leader's closest starts {} apart", secs(closest));
    }
    verdict(violations, starts, detail, examples)
}

/// The most migrations running in any committed map, and the first epoch with that many.
fn most_running(records: &[MigrationRecord]) -> (usize, u64) {
    let running = |s: MigrationStep| {
        matches!(s, MigrationStep::Sync | MigrationStep::Transfer | MigrationStep::Route | MigrationStep::Verify)
    };
    let (mut from, mut until): (BTreeMap<u32, u64>, BTreeMap<u32, u64>) = Default::default();
    for r in records {
        if running(r.step) || r.step == MigrationStep::Done {
            let e = from.entry(r.id).or_insert(r.epoch);
            *e = (*e).min(r.epoch);
        }
        if r.step.is_terminal() {
            let e = until.entry(r.id).or_insert(r.epoch);
            *e = (*e).min(r.epoch);
        }
    }
    // Ends before starts at one epoch: a map that ends one migration and starts another.
    let mut points: Vec<(u64, i32)> = from.values().map(|&s| (s, 1)).collect();
    points.extend(until.iter().filter(|(id, _)| from.contains_key(id)).map(|(_, &e)| (e, -1)));
    points.sort();
    let (mut now, mut most, mut at) = (0i32, 0usize, 0);
    for (epoch, d) in points {
        now += d;
        if now as usize > most {
            (most, at) = (now as usize, epoch);
        }
    }
    (most, at)
}

/// Each node's election times, ascending.
fn elections(history: &History) -> BTreeMap<u32, Vec<u64>> {
    let mut out: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for c in &history.control {
        if let ControlEvent::BecameLeader { .. } = c.event {
            out.entry(c.node).or_default().push(c.at_ms);
        }
    }
    out
}

/// A violation when `r` started into a zone whose migrations, seen starting by this tenure
/// within the window, had copied the budget by its earlier commits.
fn over_budget(
    history: &History,
    limits: &MigrationLimits,
    t: &Tenure,
    r: &MigrationRecord,
    shrink: f64,
) -> Option<String> {
    let (budget, window) = limits.zone_budget?;
    let zone = history.node_zones.get(r.to as usize)?;
    let window = window as f64 * shrink;
    let spent: u64 = t
        .seen
        .iter()
        .filter(|&(_, &(seen, to))| {
            ((r.at_ms - seen) as f64) < window && history.node_zones.get(to as usize) == Some(zone)
        })
        .map(|(id, _)| t.bytes.get(id).copied().unwrap_or(0))
        .sum();
    (spent >= budget).then(|| {
        format!(
            "{} started migration #{} into {zone} at {}, when migrations into {zone} had copied {spent} bytes within the window (budget {budget})",
            history.node_name(r.node),
            r.id,
            secs(r.at_ms)
        )
    })
}

fn verdict(violations: u64, checked: u64, detail: String, examples: Vec<String>) -> Verdict {
    Verdict::judged("migration_limits_held", PropertyClass::Safety, violations, checked, detail, examples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MigrationStep::*;

    fn limits(concurrency: u32, spacing: u64, budget: Option<(u64, u64)>) -> History {
        let mut h = History::new();
        h.migration_limits =
            Some(MigrationLimits { concurrency, start_spacing_ms: spacing, zone_budget: budget, max_drift: 0.01 });
        h.node_zones = ["a", "a", "b", "b"].map(String::from).to_vec();
        h.record_control(0, 0, ControlEvent::BecameLeader { term: 1 });
        h
    }

    /// Leader `node` reports migration `id` (into `to`) entering `step`, in the map of epoch `at_ms / 100`.
    fn report(h: &mut History, at_ms: u64, node: u32, id: u32, to: u32, step: MigrationStep, bytes: u64) {
        h.record_migration(MigrationRecord {
            at_ms,
            node,
            id,
            shard: id,
            from: vec![0, 1],
            to,
            replaces: None,
            step,
            epoch: at_ms / 100,
            bytes,
            replicas: vec![0, 1],
        });
    }

    #[test]
    fn more_migrations_running_in_one_map_than_the_limit_fail() {
        let mut h = limits(2, 0, None);
        report(&mut h, 1_000, 0, 1, 2, Sync, 0);
        report(&mut h, 1_100, 0, 2, 2, Sync, 0);
        report(&mut h, 1_200, 0, 1, 2, Done, 10);
        report(&mut h, 1_200, 0, 3, 3, Sync, 0); // ends one and starts one: two at a time
        let v = held(&h);
        assert!(v.passed, "{v:?}");
        assert!(v.detail.contains("at most 2 migrations ran at once"), "{}", v.detail);
        report(&mut h, 1_300, 0, 4, 3, Sync, 0);
        let v = held(&h);
        assert!(!v.passed && v.examples[0].contains("epoch 13 had 3 migrations"), "{v:?}");
    }

    #[test]
    fn starts_closer_than_the_spacing_by_one_leader_fail_and_a_new_tenure_is_judged_apart() {
        let mut h = limits(9, 2_000, None);
        report(&mut h, 1_000, 0, 1, 2, Sync, 0);
        report(&mut h, 3_000, 0, 2, 2, Sync, 0);
        // A re-elected leader's first sight of its predecessor's start is no start of its own.
        h.record_control(3_500, 0, ControlEvent::BecameLeader { term: 3 });
        report(&mut h, 3_600, 0, 3, 2, Sync, 0);
        // Another node's start is judged in its own tenure.
        h.record_control(3_000, 1, ControlEvent::BecameLeader { term: 2 });
        report(&mut h, 3_100, 1, 4, 2, Sync, 0);
        // A repeated report of a start is no new start.
        report(&mut h, 4_000, 1, 4, 2, Sync, 0);
        let v = held(&h);
        assert!(v.passed, "{v:?}");
        report(&mut h, 5_000, 0, 5, 3, Sync, 0);
        let v = held(&h);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("#5") && v.examples[0].contains("1.400s after"), "{v:?}");
    }

    #[test]
    fn a_start_into_a_zone_whose_window_holds_the_budget_fails_and_counts_only_earlier_commits() {
        let mut h = limits(9, 0, Some((100, 10_000)));
        report(&mut h, 1_000, 0, 1, 2, Sync, 0);
        report(&mut h, 2_000, 0, 1, 2, Transfer, 60);
        report(&mut h, 3_000, 0, 2, 3, Sync, 0); // zone b held 60: under budget
        report(&mut h, 4_000, 0, 2, 3, Transfer, 39);
        report(&mut h, 5_000, 0, 3, 0, Sync, 0); // zone a: nothing spent there
        report(&mut h, 6_000, 0, 4, 2, Sync, 0); // zone b: 99 bytes
        report(&mut h, 6_000, 0, 1, 2, Done, 1_000); // this commit's own bytes come after
        let v = held(&h);
        assert!(v.passed, "{v:?}");
        report(&mut h, 7_000, 0, 5, 3, Sync, 0); // zone b: 1,039 bytes within the window
                                                 // Migration 1 left the window (seen at 1 s, window 10 s shortened by the drift).
        report(&mut h, 11_000, 0, 6, 2, Sync, 0);
        let v = held(&h);
        assert_eq!(v.violations, 1, "{v:?}");
        assert!(v.examples[0].contains("#5 into b") && v.examples[0].contains("1039 bytes"), "{v:?}");
    }

    #[test]
    fn without_limits_recorded_nothing_is_judged() {
        let mut h = History::new();
        report(&mut h, 1_000, 0, 1, 2, Sync, 0);
        assert!(held(&h).passed && held(&h).checked == 0);
    }
}
