//! The evidence a sweep keeps: the full report folder (plots, summary, ops.csv, index.html) of
//! the first failing seeds of each scenario, run again from their seed (a run replays bit for
//! bit, so the folder is the one the failing run would have written).

use std::path::Path;
use std::sync::Arc;

use crate::drive::run_seed;
use crate::outcome::{replay_command, EXIT_SIM_CRASH};
use crate::scenario::model::Scenario;
use crate::summarize::run_data;
use crate::sweep::report::SweepReport;

/// Default of `sweep --keep-failures`: failing seeds per scenario whose report folder is kept.
pub const KEEP_FAILURES_DEFAULT: usize = 5;

/// Marks the lowest `limit` failing seeds of each scenario as kept, under
/// `failures/<scenario>/seed-<seed>` of the sweep's folder. Crashed seeds have no report.
pub fn mark_kept(report: &mut SweepReport, limit: usize) {
    for s in &mut report.scenarios {
        let folder = format!("failures/{}", file_name(&s.name));
        let failing = s.results.iter_mut().filter(|r| !r.passed() && r.exit_code != EXIT_SIM_CRASH);
        for r in failing.take(limit) {
            r.report = Some(format!("{folder}/seed-{}", r.seed));
        }
    }
}

/// Writes the report folder of every kept seed of `report` into `dir`, running each again;
/// `scenarios` are the sweep's scenarios in the order of `report.scenarios`.
pub fn write_kept(dir: &Path, report: &SweepReport, scenarios: &[Arc<Scenario>]) -> std::io::Result<()> {
    for (s, scenario) in report.scenarios.iter().zip(scenarios) {
        for r in s.results.iter() {
            let Some(rel) = &r.report else { continue };
            let Ok(result) = run_seed(scenario, r.seed) else { continue };
            let mut data = run_data(scenario, &result, &replay_command(&scenario.path, r.seed));
            let out = dir.join(rel);
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent)?;
            }
            reports::write_run_folder(&out, &mut data).map_err(|e| std::io::Error::other(e.to_string()))?;
        }
    }
    Ok(())
}

/// `name` with anything but letters, digits, `-`, `_` and `.` replaced by `_`, for a folder.
fn file_name(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    if s.is_empty() || s.starts_with('.') {
        format!("_{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::jobs::SeedOutcome;
    use crate::sweep::report::ScenarioSweep;

    fn outcome(seed: u64, exit_code: i32) -> SeedOutcome {
        SeedOutcome::blank(seed, exit_code)
    }

    #[test]
    fn the_lowest_failing_seeds_are_kept_up_to_the_limit_crashes_aside() {
        let results = vec![outcome(9, 1), outcome(1, 0), outcome(2, 4), outcome(5, 3), outcome(7, 1)];
        let mut report = SweepReport::new(
            vec![ScenarioSweep::new("a b/c", Path::new("x.yaml"), results)],
            "1..9".into(),
            None,
            1.0,
            1,
        );
        mark_kept(&mut report, 2);
        let kept: Vec<(u64, &str)> =
            report.scenarios[0].results.iter().filter_map(|r| r.report.as_deref().map(|d| (r.seed, d))).collect();
        assert_eq!(kept, vec![(5, "failures/a_b_c/seed-5"), (7, "failures/a_b_c/seed-7")]);
    }
}
