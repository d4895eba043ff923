//! The command line: `clustersim run --scenario FILE [--seed N] [--out DIR] [--check-determinism]`
//! (or the bare `clustersim --scenario FILE ...` form), `compare RUN_A RUN_B`, and `sweep`,
//! `merge`, `shrink`, `corpus`, `bench`, `bugs`; the global `--bug NAME` plants a bug in the test
//! build before anything runs. This module only parses and dispatches: each subcommand
//! lives in a file of its own, and commands never import each other (what they share is in
//! library modules such as [`crate::outcome`] and [`crate::sweep`]).

pub mod bench;
pub mod bugs;
pub mod check_history;
pub mod compare;
pub mod corpus;
pub mod explain;
pub mod fuzz;
pub mod merge;
pub mod run;
pub mod shrink;
pub mod sweep;

use std::ffi::OsString;

use clap::{CommandFactory, Parser, Subcommand};

use crate::outcome::{EXIT_BAD_INPUT, EXIT_OK};

/// Deterministic simulation testbed for a quorum-replicated cluster.
#[derive(Parser, Debug)]
#[command(name = "clustersim", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: run::RunArgs,
    /// Plant a bug for this whole process, such as `early-ack` (repeatable; test build only:
    /// `--features clustersim-nodes/planted-bugs`). `clustersim bugs` lists them.
    #[arg(long = "bug", value_name = "NAME", global = true)]
    bugs: Vec<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario with one seed, check its properties and write a report folder.
    Run(run::RunArgs),
    /// Run many seeds of one or more scenarios in parallel; table, JSON and JUnit XML results.
    Sweep(sweep::SweepArgs),
    /// Combine the sweep.json files of several sweeps (for example shards) into one.
    Merge(merge::MergeArgs),
    /// Search for a smaller scenario that still fails the same property with the same seed.
    Shrink(shrink::ShrinkArgs),
    /// Re-run the regression corpus (scenarios/regressions/*.txt): every entry must pass.
    Corpus(corpus::CorpusArgs),
    /// Run the benchmark suite and print wall time, simulated/wall ratio, throughput and peak memory.
    Bench(bench::BenchArgs),
    /// Compare two run folders: key figures side by side, and the plots of both on shared scales.
    Compare(compare::CompareArgs),
    /// Run generated scenarios, each in a child process: refused with a location or run within limits.
    Fuzz(fuzz::FuzzArgs),
    /// Check a history from another tool (Jepsen EDN or JSON lines) for linearizability.
    CheckHistory(check_history::CheckHistoryArgs),
    /// Tell the story of a failed property's first counterexample in a run folder: the
    /// operations on its key, the messages they caused, the replicas that answered, the faults.
    Explain(explain::ExplainArgs),
    /// List the planted bugs `--bug NAME` can turn on, what each breaks, and whether this build can.
    Bugs(bugs::BugsArgs),
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(bugs_after_subcommand(args.into_iter().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK };
        }
    };
    // Planted before anything runs, and never changed after: every run of the process sees them.
    if let Err(e) = nodes::bugs::plant(&cli.bugs) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    match cli.command {
        Some(Command::Run(args)) => run::command(&args),
        Some(Command::Sweep(args)) => sweep::command(&args),
        Some(Command::Merge(args)) => merge::command(&args),
        Some(Command::Shrink(args)) => shrink::command(&args),
        Some(Command::Corpus(args)) => corpus::command(&args),
        Some(Command::Compare(args)) => compare::command(&args),
        Some(Command::Bench(args)) => bench::command(&args),
        Some(Command::Fuzz(args)) => fuzz::command(&args),
        Some(Command::CheckHistory(args)) => check_history::command(&args),
        Some(Command::Explain(args)) => explain::command(&args),
        Some(Command::Bugs(args)) => bugs::command(&args),
        None => run::command(&cli.run),
    }
}

/// Moves `--bug NAME` options given before a subcommand (`clustersim --bug X run ...`) to just
/// after it: clap refuses top-level options before a subcommand (the bare `run` form needs
/// that), while the global option parses anywhere after the subcommand's name.
fn bugs_after_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    let mut end = 1;
    while end < args.len() {
        match args[end].to_str() {
            Some("--bug") => end += 2,
            Some(a) if a.starts_with("--bug=") => end += 1,
            _ => break,
        }
    }
    let end = end.min(args.len());
    let is_subcommand =
        args.get(end).and_then(|a| a.to_str()).is_some_and(|a| Cli::command().find_subcommand(a).is_some());
    if end > 1 && is_subcommand {
        let bugs: Vec<OsString> = args.drain(1..end).collect();
        args.splice(2..2, bugs);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        bugs_after_subcommand(args).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn bugs_before_a_subcommand_move_after_it() {
        assert_eq!(
            moved(&["cs", "--bug", "a", "--bug=b", "run", "--seed", "1"]),
            ["cs", "run", "--bug", "a", "--bug=b", "--seed", "1"]
        );
        assert_eq!(moved(&["cs", "--bug", "a", "--scenario", "x"]), ["cs", "--bug", "a", "--scenario", "x"]);
        assert_eq!(moved(&["cs", "corpus", "--bug", "a"]), ["cs", "corpus", "--bug", "a"]);
        assert_eq!(moved(&["cs", "--bug"]), ["cs", "--bug"]);
        assert!(Cli::try_parse_from(moved(&["cs", "--bug", "a", "sweep", "--seeds", "1..2", "--scenario", "x.yaml"]))
            .is_ok());
    }
}
