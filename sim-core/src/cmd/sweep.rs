//! `clustersim sweep`: many seeds of one or more scenarios, each seed on a fresh thread, spread
//! over cores, with a progress bar, a table of failures with their replay commands, and JSON and
//! JUnit XML results; optionally recording failing seeds in a regression corpus.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;

use crate::corpus;
use crate::outcome::{default_dir, with_output_failure, EXIT_BAD_INPUT};
use crate::scenario;
use crate::seed_set::{SeedSet, Shard};
use crate::sweep::jobs::{progress_bar, run_all, scenario_files, Job, SeedOutcome};
use crate::sweep::keep::{mark_kept, write_kept, KEEP_FAILURES_DEFAULT};
use crate::sweep::page::sweep_page;
use crate::sweep::report::{finish, ScenarioSweep, SweepReport, RESULTS_MARKER};

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
    /// Seeds run at once, at least 1 (default: the number of cores).
    #[arg(long, short, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub jobs: Option<u32>,
    /// Folder for sweep.json and junit.xml (default: target/clustersim/sweep).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replay commands listed per scenario before the table says "and N more".
    #[arg(long, default_value_t = 10)]
    pub show: usize,
    /// Append every failing seed to this regression corpus file (see `clustersim corpus`).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Failing seeds per scenario whose whole report folder (plots, summary, ops.csv) is kept
    /// under `failures/<scenario>/seed-<seed>` of the results folder; 0 keeps none.
    #[arg(long, value_name = "N", default_value_t = KEEP_FAILURES_DEFAULT)]
    pub keep_failures: usize,
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
    if let Some(shard) = args.shard.filter(|_| seeds.is_empty()) {
        eprintln!(
            "error: --shard {shard}: no seed of --seeds {} falls in this shard (s % {} == {})",
            args.seeds, shard.count, shard.index
        );
        return EXIT_BAD_INPUT;
    }
    let dir = args.out.clone().unwrap_or_else(|| match args.shard {
        Some(s) => default_dir(&format!("sweep-shard-{}-of-{}", s.index, s.count)),
        None => default_dir("sweep"),
    });
    if let Err(e) = check_outputs(args, &dir) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    let jobs: Vec<Job> =
        scenarios.iter().flat_map(|sc| seeds.iter().map(move |&seed| Job { scenario: sc.clone(), seed })).collect();
    let threads = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let shard = args.shard.map(|s| format!(" (shard {s})")).unwrap_or_default();
    println!(
        "clustersim sweep: {} scenario(s) x {} seeds ({}{shard}) = {} runs on {threads} threads",
        scenarios.len(),
        seeds.len(),
        args.seeds,
        jobs.len()
    );
    for p in nodes::bugs::planted() {
        println!("warning: planted bug `{}` is on ({})", p.name, p.breaks);
    }
    let started = Instant::now();
    let outcomes = run_all(&jobs, threads, &progress_bar(jobs.len() as u64));
    let wall_ms = started.elapsed().as_secs_f64() * 1_000.0;
    let mut by_scenario: BTreeMap<usize, Vec<SeedOutcome>> = BTreeMap::new();
    for (i, outcome) in outcomes.into_iter().enumerate() {
        by_scenario.entry(i / seeds.len().max(1)).or_default().push(outcome);
    }
    let mut report = SweepReport::new(
        scenarios
            .iter()
            .enumerate()
            .map(|(i, sc)| ScenarioSweep::new(&sc.name, &sc.path, by_scenario.remove(&i).unwrap_or_default()))
            .collect(),
        args.seeds.to_string(),
        args.shard.map(|s| s.to_string()),
        wall_ms,
        threads,
    );
    let mut recorded = true;
    if let Some(corpus_file) = &args.record {
        let note = format!("found by `clustersim sweep --seeds {}`", args.seeds);
        match corpus::record_failures(corpus_file, &report, &note) {
            Ok(added) => {
                let _ =
                    writeln!(std::io::stdout(), "recorded {added} new failing seed(s) in {}", corpus_file.display());
            }
            Err(e) => {
                eprintln!("error: cannot record failures in {}: {e}", corpus_file.display());
                recorded = false;
            }
        }
    }
    mark_kept(&mut report, args.keep_failures);
    let code = finish(&report, &dir, args.show, &|staged| {
        write_kept(staged, &report, &scenarios)?;
        std::fs::write(staged.join("index.html"), sweep_page(&report))
    });
    if recorded {
        code
    } else {
        with_output_failure(code)
    }
}

/// The results folder and the corpus file, checked before any seed runs.
fn check_outputs(args: &SweepArgs, dir: &Path) -> Result<(), String> {
    reports::files::check_out_dir(dir, RESULTS_MARKER).map_err(|e| format!("--out: {e}"))?;
    if let Some(file) = &args.record {
        reports::files::check_out_file(file).map_err(|e| format!("--record: {e}"))?;
    }
    Ok(())
}
