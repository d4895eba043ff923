//! `clustersim corpus`: re-runs every seed of the regression corpus; each must pass (or, with
//! `--expect-fail`, fail its property).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::corpus;
use crate::outcome::{replay_command, worst, EXIT_BAD_INPUT, EXIT_OK, EXIT_SAFETY};
use crate::scenario;
use crate::sweep::jobs::{progress_bar, run_all, Job};

/// Arguments of `corpus`.
#[derive(Args, Debug)]
pub struct CorpusArgs {
    /// Corpus files, or folders whose `*.txt` files are corpora.
    #[arg(value_name = "FILE|DIR", default_value = "scenarios/regressions")]
    pub paths: Vec<PathBuf>,
    /// Seeds run at once, at least 1 (default: the number of cores).
    #[arg(long, short, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub jobs: Option<u32>,
    /// Require every entry to fail its property instead of passing (to check that a planted
    /// bug, such as `--bug early-ack`, is still caught).
    #[arg(long)]
    pub expect_fail: bool,
}

/// `clustersim corpus`: re-runs every entry; each must pass (or, with `--expect-fail`, fail
/// its property). Returns the process exit code.
pub fn command(args: &CorpusArgs) -> i32 {
    let entries = match corpus::load(&args.paths) {
        Ok(entries) => entries,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut scenarios: BTreeMap<PathBuf, Arc<scenario::model::Scenario>> = BTreeMap::new();
    for e in &entries {
        if scenarios.contains_key(&e.scenario) {
            continue;
        }
        match scenario::load(&e.scenario) {
            Ok(s) => {
                scenarios.insert(e.scenario.clone(), Arc::new(s));
            }
            Err(err) => {
                eprintln!("error: corpus entry on line {}: {err}", e.line);
                return EXIT_BAD_INPUT;
            }
        }
    }
    let jobs: Vec<Job> =
        entries.iter().map(|e| Job { scenario: scenarios[&e.scenario].clone(), seed: e.seed }).collect();
    let threads = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    println!("clustersim corpus: {} regression seed(s)", entries.len());
    for p in nodes::bugs::planted() {
        println!("warning: planted bug `{}` is on ({})", p.name, p.breaks);
    }
    let outcomes = run_all(&jobs, threads, &progress_bar(jobs.len() as u64));
    let mut codes = Vec::new();
    for (e, o) in entries.iter().zip(&outcomes) {
        let ok = if args.expect_fail { o.failed.contains(&e.property) } else { o.passed() };
        let what = if o.passed() { "passed".to_string() } else { format!("failed {}", o.failed.join(", ")) };
        println!(
            "{}  {} seed {}: {what}  ({})",
            if ok { "ok  " } else { "FAIL" },
            e.scenario.display(),
            e.seed,
            e.note
        );
        if !ok {
            codes.push(if o.passed() { EXIT_SAFETY } else { o.exit_code });
            println!("      replay: {}", replay_command(&e.scenario, e.seed));
        }
    }
    let passed = entries.len() - codes.len();
    println!("{passed} passed, {} failed", codes.len());
    if codes.is_empty() {
        EXIT_OK
    } else {
        worst(codes)
    }
}
