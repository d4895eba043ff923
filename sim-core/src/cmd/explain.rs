//! `clustersim explain RUN_FOLDER [--property NAME]`: the story of one failed property's first
//! counterexample. The folder's `summary.json` says which scenario, seed and options ran; the
//! run is replayed in-process with messages traced on the counterexample's key (the same run:
//! the trace hash is checked), and the story printed: the read and the write it missed, the
//! faults active, the operations on the key around them, the messages they caused and which
//! replicas answered with which versions.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::drive::{run_plan, Plan};
use crate::outcome::{EXIT_BAD_INPUT, EXIT_OK, EXIT_SIM_CRASH};
use crate::scenario::{self, Override};

/// Arguments of `explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A run folder written by `clustersim run` (holds summary.json).
    #[arg(value_name = "RUN_FOLDER")]
    pub folder: PathBuf,
    /// The property to explain (default: the first that found a violation).
    #[arg(long, value_name = "NAME")]
    pub property: Option<String>,
    /// List the operations on the key this long before and after the counterexample (e.g. `500ms`).
    #[arg(long, value_name = "TIME", default_value = "500ms", value_parser = scenario::duration_ms)]
    pub window: u64,
}

/// `clustersim explain`: prints the story; returns the process exit code.
pub fn command(args: &ExplainArgs) -> i32 {
    let summary = match reports::run_folder::read_run_folder(&args.folder) {
        Ok(run) => run.summary,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let overrides = match overrides_of(&summary.replay) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {}: the replay command's --set: {e}", args.folder.display());
            return EXIT_BAD_INPUT;
        }
    };
    if let Err(e) = same_bugs(&summary.replay) {
        eprintln!("error: {}: {e}", args.folder.display());
        return EXIT_BAD_INPUT;
    }
    let scenario = match scenario::load_with(std::path::Path::new(&summary.file), &overrides) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: the run's scenario: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let mut plan = Plan::new(&scenario, summary.seed);
    if let Some(until_ms) = summary.until_ms {
        match plan.until(until_ms) {
            Some(cut) => plan = cut,
            None => {
                eprintln!("error: the run was cut at {until_ms} ms, before any client started");
                return EXIT_BAD_INPUT;
            }
        }
    }
    eprintln!("explain: replaying {} seed {} ({})", summary.scenario, summary.seed, summary.replay);
    let result = match run_plan(&plan) {
        Ok(r) => r,
        Err(crash) => {
            eprintln!("error: the simulation crashed: {}", crash.message);
            return EXIT_SIM_CRASH;
        }
    };
    if result.trace_hash() != summary.trace_hash {
        eprintln!(
            "error: the replay gave trace hash {}, the folder says {}: build the same version and plant the \
             same bugs as the run (replay: {})",
            result.trace_hash(),
            summary.trace_hash,
            summary.replay
        );
        return EXIT_BAD_INPUT;
    }
    match crate::story::explain(&plan, &result, args.property.as_deref(), args.window) {
        Ok(story) => {
            print!("{story}");
            EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

/// Refuses to replay a run whose planted bugs (its replay command's `--bug NAME`s) differ from
/// this process's: the replay would not be the same run.
fn same_bugs(replay: &str) -> Result<(), String> {
    let ran = bugs_of(replay);
    let here: Vec<&str> = nodes::bugs::planted().map(|p| p.name).collect();
    if ran == here {
        return Ok(());
    }
    let list = |names: &[&str]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
    Err(format!(
        "the run had planted bugs {}, this process {}: explain it with the same --bug options as its replay \
         command ({replay})",
        list(&ran),
        list(&here)
    ))
}

/// The `--bug NAME`s of a replay command, in order.
fn bugs_of(replay: &str) -> Vec<&str> {
    replay.split(" --bug ").skip(1).filter_map(|rest| rest.split(' ').next()).collect()
}

/// The `--set 'FIELD=VALUE'` overrides of a replay command, in order.
fn overrides_of(replay: &str) -> Result<Vec<Override>, String> {
    replay.split(" --set '").skip(1).map(|rest| rest.split('\'').next().unwrap_or_default().parse()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_come_back_from_the_replay_command() {
        let replay = "cargo run --release -- run --scenario x.yaml --seed 3 --set 'cluster.storage.read_repair=off' \
                      --until 2s --set 'duration=10s'";
        let o = overrides_of(replay).unwrap();
        let texts: Vec<String> = o.iter().map(|o| o.to_string()).collect();
        assert_eq!(texts, ["cluster.storage.read_repair=off", "duration=10s"]);
        assert!(overrides_of("clustersim run --seed 3").unwrap().is_empty());
    }

    #[test]
    fn planted_bugs_come_back_from_the_replay_command() {
        let replay = "clustersim run --bug early-ack --bug skip-sync --scenario x.yaml --seed 3";
        assert_eq!(bugs_of(replay), ["early-ack", "skip-sync"]);
        assert!(bugs_of("clustersim run --scenario x.yaml --seed 3").is_empty());
        assert!(same_bugs("clustersim run --scenario x.yaml --seed 3").is_ok(), "no bug planted in tests");
        let e = same_bugs(replay).unwrap_err();
        assert!(e.contains("planted bugs early-ack, skip-sync, this process none"), "{e}");
    }
}
