//! What a sweep runs: the scenario files it names, one job per scenario and seed, each job on a
//! fresh thread spread over worker threads behind a progress bar, and what each seed gave.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::coverage::{self, CoverageCount};
use crate::drive::run_seed;
use crate::outcome::{EXIT_OK, EXIT_SIM_CRASH};
use crate::scenario::model::Scenario;

/// What one seed of one scenario gave, as stored in `sweep.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedOutcome {
    /// The seed.
    pub seed: u64,
    /// The run's exit code: 0 passed, 1 safety, 3 liveness, 4 crash.
    pub exit_code: i32,
    /// Names of the properties that failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// Violations found per failed property.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub violations: BTreeMap<String, u64>,
    /// The first counterexample of the first failed property, as the run describes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<String>,
    /// The kept report folder of a failing seed, relative to the sweep's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The trace hash (absent when the simulation crashed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_hash: Option<String>,
    /// The panic message, when the simulation crashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crash: Option<String>,
    /// Client operations recorded.
    pub ops: u64,
    /// Wall-clock time of the run, in milliseconds.
    pub wall_ms: f64,
    /// The run's fault-coverage table (see `coverage`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<CoverageCount>,
}

impl SeedOutcome {
    /// A seed's outcome with nothing failed, recorded or kept: tests fill in what they test.
    #[cfg(test)]
    pub(crate) fn blank(seed: u64, exit_code: i32) -> SeedOutcome {
        SeedOutcome {
            seed,
            exit_code,
            failed: vec![],
            violations: Default::default(),
            counterexample: None,
            report: None,
            trace_hash: None,
            crash: None,
            ops: 1,
            wall_ms: 1.0,
            coverage: Vec::new(),
        }
    }

    /// True when the seed met every expectation.
    pub fn passed(&self) -> bool {
        self.exit_code == EXIT_OK
    }
}

/// One seed of one scenario to run.
#[derive(Clone)]
pub struct Job {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The seed.
    pub seed: u64,
}

/// Runs one seed and reduces its result to what a sweep keeps.
pub fn run_one(job: &Job) -> SeedOutcome {
    match run_seed(&job.scenario, job.seed) {
        Ok(r) => SeedOutcome {
            seed: job.seed,
            exit_code: r.exit_code(),
            failed: r.verdicts.iter().filter(|v| !v.passed).map(|v| v.name.clone()).collect(),
            violations: r.verdicts.iter().filter(|v| !v.passed).map(|v| (v.name.clone(), v.violations)).collect(),
            counterexample: r.verdicts.iter().filter(|v| !v.passed).find_map(|v| {
                v.examples
                    .first()
                    .map(|e| format!("{}: {e}", v.name))
                    .or_else(|| Some(format!("{}: {}", v.name, v.detail)))
            }),
            report: None,
            trace_hash: Some(r.trace_hash()),
            crash: None,
            ops: r.history.ops.len() as u64,
            wall_ms: r.wall.as_secs_f64() * 1_000.0,
            coverage: coverage::of_run(&r.history, &coverage::mode(&crate::swarm::resolve(&job.scenario, job.seed))),
        },
        Err(crash) => SeedOutcome {
            seed: job.seed,
            exit_code: EXIT_SIM_CRASH,
            failed: vec!["simulation crashed".into()],
            violations: BTreeMap::new(),
            counterexample: None,
            report: None,
            trace_hash: None,
            crash: Some(crash.message),
            ops: 0,
            wall_ms: 0.0,
            coverage: Vec::new(),
        },
    }
}

/// Runs `jobs` on `threads` worker threads (each seed still on a fresh thread of its own),
/// showing `progress`; results come back in the order of `jobs`.
pub fn run_all(jobs: &[Job], threads: usize, progress: &ProgressBar) -> Vec<SeedOutcome> {
    let next = AtomicUsize::new(0);
    let failures = AtomicU64::new(0);
    let results: Mutex<Vec<Option<SeedOutcome>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let outcome = run_one(job);
                if !outcome.passed() {
                    let failed = failures.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.set_message(format!("{failed} failed"));
                }
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
                progress.inc(1);
            });
        }
    });
    progress.finish_and_clear();
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.into_iter().map(|r| r.expect("every job ran")).collect()
}

/// A progress bar on stderr, hidden when stdout is not a terminal or under CI.
pub fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stdout().is_terminal() || std::env::var_os("CI").is_some() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} seeds  {rate}  ETA {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate_text(state.per_sec()));
            });
    bar.set_style(style.progress_chars("=> "));
    bar.set_message("0 failed");
    bar
}

/// Seeds per second for the progress bar, without false precision: `8.7/s`, `42/s`.
pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        "-/s".to_string()
    } else if per_sec < 10.0 {
        format!("{per_sec:.1}/s")
    } else {
        format!("{per_sec:.0}/s")
    }
}

/// The scenario files named by `paths`: files as given, folders as their `*.yaml`, sorted.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries =
                std::fs::read_dir(path).map_err(|e| format!("{}: cannot read the folder: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect();
            if found.is_empty() {
                return Err(format!("{}: no *.yaml scenario files in this folder", path.display()));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn rates_are_short() {
        assert_eq!(rate_text(8.6675), "8.7/s");
        assert_eq!(rate_text(42.49), "42/s");
        assert_eq!(rate_text(0.0), "-/s");
        assert_eq!(rate_text(f64::INFINITY), "-/s");
    }

    #[test]
    fn folders_expand_to_their_sorted_yaml_files() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let files = scenario_files(std::slice::from_ref(&dir)).expect("scenarios");
        assert!(files.len() >= 6 && files.windows(2).all(|w| w[0] < w[1]));
        assert!(files.iter().all(|f| f.extension().is_some_and(|x| x == "yaml")));
        let empty = std::env::temp_dir().join(format!("clustersim-empty-{}", std::process::id()));
        std::fs::create_dir_all(&empty).expect("temp dir");
        assert!(scenario_files(std::slice::from_ref(&empty)).is_err(), "a folder without scenarios is an error");
        std::fs::remove_dir_all(&empty).ok();
    }
}
