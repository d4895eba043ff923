//! Sweeps: many seeds of one or more scenarios, each seed on a fresh thread, spread over cores,
//! with a progress bar, a table of failures with their replay commands, and JSON and JUnit XML
//! results (`clustersim sweep`, `clustersim merge`).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::corpus;
use crate::outcome::{default_dir, EXIT_BAD_INPUT, EXIT_OK, EXIT_SIM_CRASH};
use crate::run::run_seed;
use crate::scenario::{self, model::Scenario};
use crate::seed_set::{SeedSet, Shard};
use crate::sweep_report::{self, SweepReport};

/// Arguments of `sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Scenario file, or a folder whose `*.yaml` files are all swept; may be repeated.
    #[arg(long, value_name = "FILE|DIR", required = true)]
    pub scenario: Vec<PathBuf>,
    /// Seeds to run: inclusive ranges and lists, e.g. `1..1000` or `1..10,42`.
    #[arg(long, default_value = "1..100")]
    pub seeds: SeedSet,
    /// Run only shard i of n (0-based): the seeds s with s % n == i.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<Shard>,
    /// Seeds run at once (default: the number of cores).
    #[arg(long, short)]
    pub jobs: Option<usize>,
    /// Folder for sweep.json and junit.xml (default: target/clustersim/sweep).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replay commands listed per scenario before the table says "and N more".
    #[arg(long, default_value_t = 10)]
    pub show: usize,
    /// Append every failing seed to this regression corpus file (see `clustersim corpus`).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

/// Arguments of `merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// `sweep.json` files written by sweeps (for example one per shard).
    #[arg(required = true, value_name = "JSON")]
    pub inputs: Vec<PathBuf>,
    /// Folder for the merged sweep.json and junit.xml (default: target/clustersim/sweep-merged).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replay commands listed per scenario before the table says "and N more".
    #[arg(long, default_value_t = 10)]
    pub show: usize,
}

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
}

impl SeedOutcome {
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
            trace_hash: Some(r.trace_hash()),
            crash: None,
            ops: r.history.ops.len() as u64,
            wall_ms: r.wall.as_secs_f64() * 1_000.0,
        },
        Err(crash) => SeedOutcome {
            seed: job.seed,
            exit_code: EXIT_SIM_CRASH,
            failed: vec!["simulation crashed".into()],
            trace_hash: None,
            crash: Some(crash.message),
            ops: 0,
            wall_ms: 0.0,
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
    let style = ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} seeds  {per_sec}  {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style.progress_chars("=> "));
    bar.set_message("0 failed");
    bar
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

/// `clustersim sweep`: returns the process exit code.
pub fn command(args: &SweepArgs) -> i32 {
    let files = match scenario_files(&args.scenario) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut scenarios = Vec::with_capacity(files.len());
    for file in &files {
        match scenario::load(file) {
            Ok(s) => scenarios.push(Arc::new(s)),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    let seeds: Vec<u64> =
        args.seeds.seeds().into_iter().filter(|&s| args.shard.is_none_or(|sh| sh.contains(s))).collect();
    let jobs: Vec<Job> =
        scenarios.iter().flat_map(|sc| seeds.iter().map(move |&seed| Job { scenario: sc.clone(), seed })).collect();
    let threads = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let shard = args.shard.map(|s| format!(" (shard {s})")).unwrap_or_default();
    println!(
        "clustersim sweep: {} scenario(s) x {} seeds ({}{shard}) = {} runs on {threads} threads",
        scenarios.len(),
        seeds.len(),
        args.seeds,
        jobs.len()
    );
    if nodes::BUG_EARLY_ACK {
        println!("warning: built with the test-only bug `bug-early-ack` (writes acknowledged after W-1 replicas)");
    }
    let started = Instant::now();
    let outcomes = run_all(&jobs, threads, &progress_bar(jobs.len() as u64));
    let wall_ms = started.elapsed().as_secs_f64() * 1_000.0;
    let mut by_scenario: BTreeMap<usize, Vec<SeedOutcome>> = BTreeMap::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        by_scenario.entry(i / seeds.len().max(1)).or_default().push(outcome);
    }
    let report = SweepReport::new(
        scenarios
            .iter()
            .enumerate()
            .map(|(i, sc)| {
                sweep_report::ScenarioSweep::new(&sc.name, &sc.path, by_scenario.remove(&i).unwrap_or_default())
            })
            .collect(),
        args.seeds.to_string(),
        args.shard.map(|s| s.to_string()),
        wall_ms,
        threads,
    );
    if let Some(corpus_file) = &args.record {
        let note = format!("found by `clustersim sweep --seeds {}`", args.seeds);
        match corpus::record_failures(corpus_file, &report, &note) {
            Ok(added) => println!("recorded {added} new failing seed(s) in {}", corpus_file.display()),
            Err(e) => eprintln!("warning: cannot record failures in {}: {e}", corpus_file.display()),
        }
    }
    let dir = args.out.clone().unwrap_or_else(|| match args.shard {
        Some(s) => default_dir(&format!("sweep-shard-{}-of-{}", s.index, s.count)),
        None => default_dir("sweep"),
    });
    finish(&report, &dir, args.show)
}

/// `clustersim merge`: returns the process exit code.
pub fn merge_command(args: &MergeArgs) -> i32 {
    let mut reports = Vec::with_capacity(args.inputs.len());
    for input in &args.inputs {
        match sweep_report::read(input) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {}: {e}", input.display());
                return EXIT_BAD_INPUT;
            }
        }
    }
    match sweep_report::merge(reports) {
        Ok(report) => {
            println!("clustersim merge: {} sweep result(s)", args.inputs.len());
            finish(&report, &args.out.clone().unwrap_or_else(|| default_dir("sweep-merged")), args.show)
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

/// Prints the table, writes sweep.json and junit.xml into `dir`, and returns the exit code.
fn finish(report: &SweepReport, dir: &Path, show: usize) -> i32 {
    println!("\n{}", report.to_text(show).trim_end());
    match report.write_files(dir) {
        Ok(()) => println!("results: {} and {}", dir.join("sweep.json").display(), dir.join("junit.xml").display()),
        Err(e) => eprintln!("warning: cannot write the results to {}: {e}", dir.display()),
    }
    let code = report.exit_code();
    if code != EXIT_OK {
        eprintln!("FAILED: {} of {} runs failed (exit {code})", report.failures(), report.runs());
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

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
