//! `clustersim shrink`: from a failing scenario and seed, writes the smallest scenario found that
//! still fails the same property (or still crashes) with the same seed.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use crate::check::Property;
use crate::drive::{run_plan, Plan};
use crate::edit;
use crate::outcome::{default_run_dir, replay_command, EXIT_BAD_INPUT, EXIT_OK, EXIT_SIM_CRASH};
use crate::scenario::{self, model::Scenario};
use crate::shrink::{size_table, Goal, Shrinker, Size};
use crate::yaml::to_yaml;

/// Arguments of `shrink`.
#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// The failing scenario file (YAML).
    #[arg(long, value_name = "FILE")]
    pub scenario: PathBuf,
    /// The failing seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where to write the smallest failing scenario (default:
    /// target/clustersim/<scenario>/seed-<seed>-shrunk.yaml).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Most runs to try, at least 1.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_runs: u32,
    /// The property that must keep failing (default: the first failed one of the worst class).
    #[arg(long)]
    pub property: Option<String>,
}

/// Where `shrink` writes by default: `target/clustersim/<scenario>/seed-<seed>-shrunk.yaml`.
fn default_shrunk_file(name: &str, seed: u64) -> PathBuf {
    let run_dir = default_run_dir(name, seed);
    run_dir.with_file_name(format!("seed-{seed}-shrunk.yaml"))
}

/// `clustersim shrink`: returns the process exit code.
pub fn command(args: &ShrinkArgs) -> i32 {
    let original = match scenario::load(&args.scenario) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let Some(seed) = args.seed.or(original.seed) else {
        eprintln!("error: give --seed N (the scenario has no `seed`)");
        return EXIT_BAD_INPUT;
    };
    if let Some(name) = &args.property {
        if let Err(e) = Property::named(name) {
            eprintln!("error: --property: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    // Beside the run folder, not in it: a run folder is replaced whole by the next run.
    let out = args.out.clone().unwrap_or_else(|| default_shrunk_file(&original.name, seed));
    if let Err(e) = reports::files::check_out_file(&out) {
        eprintln!("error: --out: {e}");
        return EXIT_BAD_INPUT;
    }
    println!("clustersim shrink: scenario {} seed {seed}", args.scenario.display());
    // The run as it happened, with swarm faults and `random` targets made concrete.
    let plan = Plan::new(&original, seed);
    let resolved = plan.scenario();
    let first = run_plan(&plan);
    let (goal, start) = match &first {
        Err(crash) => {
            println!("seed {seed} crashes the simulation: {}", crash.message);
            (Goal::Crash, Scenario::clone(resolved))
        }
        Ok(r) => {
            // Verdicts come one per expectation, in order: keep the index to keep the expectation.
            let failed: Vec<(usize, &crate::check::Verdict)> =
                r.verdicts.iter().enumerate().filter(|(_, v)| !v.passed).collect();
            let chosen = match &args.property {
                Some(p) => failed.iter().find(|(_, v)| &v.name == p).copied(),
                None => failed.iter().min_by_key(|(_, v)| v.class).copied(),
            };
            let Some((index, verdict)) = chosen else {
                let what = args.property.as_deref().map_or("any property".to_string(), |p| format!("`{p}`"));
                println!("seed {seed} does not fail {what}: nothing to shrink");
                return EXIT_OK;
            };
            println!("seed {seed} fails {}: {}", verdict.name, verdict.detail);
            let mut concrete = edit::concrete(resolved, &r.history);
            // Only the failing expectation stays: the others would only distract from it.
            concrete.expect = vec![concrete.expect[index].clone()];
            (Goal::Property(verdict.name.clone()), concrete)
        }
    };
    let ops_before = first.as_ref().map_or(0, |r| r.history.ops.len());
    let mut start = start;
    start.path = out.clone();
    start.seed = Some(seed);
    // A name of its own keeps its report folder apart from the original's.
    start.name = format!("{}-shrunk", original.name.chars().take(57).collect::<String>());
    start.description =
        format!("Shrunk from {} seed {seed}. {}", args.scenario.display(), original.description.trim_end());
    let mut shrinker = Shrinker::new(seed, goal.clone(), out.clone(), args.max_runs.max(1));
    if !shrinker.fails(&start) {
        eprintln!("error: the concrete form of the run did not fail again; shrinking needs a reproducible failure");
        return EXIT_SIM_CRASH;
    }
    let minimal = shrinker.shrink(start.clone());
    let goal_text = match &goal {
        Goal::Property(p) => format!("fails {p}"),
        Goal::Crash => "crashes the simulation".into(),
    };
    let replay = replay_command(&out, seed);
    let comments = vec![
        format!("Shrunk by `clustersim shrink` from {} seed {seed}: still {goal_text}.", args.scenario.display()),
        format!("replay: {replay}"),
    ];
    if let Err(e) = reports::files::write_file(&out, to_yaml(&minimal, &comments)) {
        eprintln!("error: cannot write {}: {e}", out.display());
        return EXIT_BAD_INPUT;
    }
    println!("\n{}", size_table(&Size::of(&start), &Size::of(&minimal), ops_before, shrinker.ops));
    println!("{} runs tried (at most {})", shrinker.runs(), args.max_runs);
    println!("smallest failing scenario: {}", out.display());
    println!("replay: {replay}");
    EXIT_OK
}
