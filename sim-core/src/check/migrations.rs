//! Migrations: none left half-done after the heal (liveness: each ends completed or rolled
//! back), steps entered only in their order (safety), some completed and some rolled back
//! (sometimes), and the per-migration table the reports print. Judged from the step events
//! leaders recorded when they committed each step.

use std::collections::BTreeMap;

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{History, MigrationRecord, MigrationStep};

/// One migration as the reports show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationRow {
    /// The migration's id.
    pub id: u32,
    /// The shard that moved.
    pub shard: u32,
    /// The replica set before.
    pub from: Vec<u32>,
    /// The target node.
    pub to: u32,
    /// The replica the target replaced (a leader's migration for a join or a drain).
    pub replaces: Option<u32>,
    /// The last step reported.
    pub state: MigrationStep,
    /// When each step was first reported, in step order.
    pub steps: Vec<(MigrationStep, u64)>,
    /// Bytes copied to the target (the largest figure reported).
    pub bytes: u64,
}

/// Every migration's row, by id. Its state is the step of the newest commit (highest epoch),
/// whenever it was reported.
pub fn table(history: &History) -> Vec<MigrationRow> {
    let mut rows: BTreeMap<u32, MigrationRow> = BTreeMap::new();
    let mut newest: BTreeMap<u32, u64> = BTreeMap::new();
    for r in &history.migrations {
        let row = rows.entry(r.id).or_insert_with(|| MigrationRow {
            id: r.id,
            shard: r.shard,
            from: r.from.clone(),
            to: r.to,
            replaces: r.replaces,
            state: r.step,
            steps: Vec::new(),
            bytes: 0,
        });
        let epoch = newest.entry(r.id).or_insert(0);
        if r.epoch >= *epoch {
            *epoch = r.epoch;
            row.state = r.step;
        }
        row.bytes = row.bytes.max(r.bytes);
        if !row.steps.iter().any(|(s, _)| *s == r.step) {
            row.steps.push((r.step, r.at_ms));
        }
    }
    rows.into_values().collect()
}

/// Judges `migrations_settled`: at the end of the run every migration whose steps were
/// reported last entered `done` or `rolled_back`.
pub fn settled(history: &History) -> Verdict {
    let rows = table(history);
    let open: Vec<&MigrationRow> = rows.iter().filter(|r| !r.state.is_terminal()).collect();
    let examples = open
        .iter()
        .take(EXAMPLES_MAX)
        .map(|r| {
            let (_, at) = r.steps.last().copied().unwrap_or((r.state, 0));
            format!("migration #{} of shard {} stuck in {} since {}", r.id, r.shard, r.state.name(), secs(at))
        })
        .collect();
    let count = |s: MigrationStep| rows.iter().filter(|r| r.state == s).count();
    let (done, back, refused) =
        (count(MigrationStep::Done), count(MigrationStep::RolledBack), count(MigrationStep::Refused));
    Verdict {
        name: "migrations_settled".into(),
        class: PropertyClass::Liveness,
        expected_violation: false,
        violations: open.len() as u64,
        checked: rows.len() as u64,
        passed: open.is_empty(),
        detail: format!(
            "{} migrations: {done} completed, {back} rolled back, {refused} refused, {} half-done at the end",
            rows.len(),
            open.len()
        ),
        examples,
    }
}

/// Judges `migration_steps_in_order`: no migration is reported entering a step before one it
/// already passed (a repeat of the current step is allowed: a new leader reports it again), and
/// none is reported both completed and rolled back.
/// Reports are ordered by the epoch of the map that committed them, not by when they were
/// reported: a leader paused with acknowledgements queued reports its commit late.
pub fn steps_in_order(history: &History) -> Verdict {
    let mut last: BTreeMap<u32, &MigrationRecord> = BTreeMap::new();
    let mut violations = 0;
    let mut examples = Vec::new();
    for r in &history.migrations {
        if let Some(prev) = last.get(&r.id) {
            if r.epoch < prev.epoch {
                continue; // an older commit reported late (its leader was paused): not a step back
            }
            let backwards = r.step < prev.step || (prev.step.is_terminal() && r.step != prev.step);
            if backwards {
                violations += 1;
                if examples.len() < EXAMPLES_MAX {
                    examples.push(format!(
                        "migration #{} of shard {}: {} at {} (reported by {}) after {} at {} (by {})",
                        r.id,
                        r.shard,
                        r.step.name(),
                        secs(r.at_ms),
                        history.node_name(r.node),
                        prev.step.name(),
                        secs(prev.at_ms),
                        history.node_name(prev.node)
                    ));
                }
            }
        }
        last.insert(r.id, r);
    }
    Verdict {
        name: "migration_steps_in_order".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked: history.migrations.len() as u64,
        passed: violations == 0,
        detail: format!(
            "{} step reports over {} migrations, {violations} out of order",
            history.migrations.len(),
            last.len()
        ),
        examples,
    }
}

/// Judges `migration_completed` (`step` done) or `migration_rolled_back` (`step` rolled back):
/// some migration ended that way.
pub fn ended(history: &History, step: MigrationStep) -> Verdict {
    let rows = table(history);
    let count = rows.iter().filter(|r| r.state == step).count();
    Verdict {
        name: format!("migration_{}", step.name()),
        class: PropertyClass::Sometimes,
        expected_violation: false,
        violations: u64::from(count == 0),
        checked: rows.len() as u64,
        passed: count > 0,
        detail: format!("{count} of {} migrations ended {}", rows.len(), step.name()),
        examples: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(h: &mut History, at_ms: u64, id: u32, step: MigrationStep) {
        h.record_migration(MigrationRecord {
            at_ms,
            node: 0,
            id,
            shard: id,
            from: vec![0, 1, 2],
            to: 3,
            replaces: None,
            step,
            epoch: at_ms,
            bytes: at_ms,
            replicas: vec![0, 1, 2],
        });
    }

    fn walk(h: &mut History, id: u32, steps: &[MigrationStep]) {
        for (i, &s) in steps.iter().enumerate() {
            step(h, 1_000 * (i as u64 + 1), id, s);
        }
    }

    use MigrationStep::*;

    #[test]
    fn a_migration_left_in_transfer_after_the_heal_fails_settled() {
        let mut h = History::new();
        walk(&mut h, 1, &[Queued, Sync, Transfer, Route, Verify, Done]);
        walk(&mut h, 2, &[Queued, Sync, Transfer]);
        let v = settled(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        assert!(v.examples[0].contains("#2") && v.examples[0].contains("transfer"), "{:?}", v.examples);
    }

    #[test]
    fn completed_and_rolled_back_migrations_are_settled_and_tabled() {
        let mut h = History::new();
        walk(&mut h, 1, &[Queued, Sync, Transfer, Route, Verify, Done]);
        walk(&mut h, 2, &[Queued, Sync, RolledBack]);
        step(&mut h, 9_000, 2, RolledBack); // a new leader reports it again
        assert!(settled(&h).passed);
        assert!(steps_in_order(&h).passed);
        assert!(ended(&h, Done).passed && ended(&h, RolledBack).passed);
        let rows = table(&h);
        assert_eq!(rows[1].steps, vec![(Queued, 1_000), (Sync, 2_000), (RolledBack, 3_000)]);
        assert_eq!((rows[0].state, rows[0].bytes), (Done, 6_000));
    }

    #[test]
    fn a_step_reported_after_a_later_one_or_after_the_end_is_out_of_order() {
        let mut h = History::new();
        walk(&mut h, 1, &[Queued, Sync, Transfer]);
        step(&mut h, 5_000, 1, Sync);
        walk(&mut h, 2, &[Queued, Sync, Done]);
        step(&mut h, 6_000, 2, RolledBack);
        let v = steps_in_order(&h);
        assert_eq!(v.violations, 2, "{v:?}");
        assert!(!ended(&History::new(), Done).passed, "no migration: nothing completed");
    }

    #[test]
    fn an_older_commit_reported_late_is_no_step_back_and_leaves_the_state() {
        let mut h = History::new();
        walk(&mut h, 1, &[Queued, Sync, Transfer, Route, Verify, Done]);
        // A leader paused with acknowledgements queued reports its transfer commit at 9 s.
        h.record_migration(MigrationRecord { at_ms: 9_000, epoch: 3_000, ..h.migrations[2].clone() });
        assert!(steps_in_order(&h).passed, "{:?}", steps_in_order(&h));
        assert_eq!(table(&h)[0].state, Done);
        assert!(settled(&h).passed);
    }
}
