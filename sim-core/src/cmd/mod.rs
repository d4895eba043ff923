//! The command line: `clustersim run --scenario FILE [--seed N] [--out DIR] [--check-determinism]`
//! (or the bare `clustersim --scenario FILE ...` form), `compare RUN_A RUN_B`, and `sweep`,
//! `merge`, `shrink`, `corpus`, `bench`. This module only parses and dispatches: each subcommand
//! lives in a file of its own, and commands never import each other (what they share is in
//! library modules such as [`crate::outcome`] and [`crate::sweep`]).

pub mod bench;
pub mod check_history;
pub mod compare;
pub mod corpus;
pub mod explain;
pub mod fuzz;
pub mod merge;
pub mod run;
pub mod shrink;
pub mod sweep;

use clap::{Parser, Subcommand};

use crate::outcome::{EXIT_BAD_INPUT, EXIT_OK};

/// Deterministic simulation testbed for a quorum-replicated cluster.
#[derive(Parser, Debug)]
#[command(name = "clustersim", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: run::RunArgs,
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
}

/// Parses the command line and runs it; returns the process exit code.
pub fn main_with_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_BAD_INPUT } else { EXIT_OK };
        }
    };
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
        None => run::command(&cli.run),
    }
}
