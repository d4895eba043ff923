//! `clustersim run` (and the bare `clustersim --scenario FILE ...` form): one scenario with one
//! seed, its properties checked, its report folder written, and optionally its trace and the
//! concrete schedule that ran.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use crate::console::say;
use crate::drive::{run_plan, Plan, RunResult};
use crate::outcome::{default_run_dir, replay_command, EXIT_BAD_INPUT, EXIT_LIVENESS, EXIT_SAFETY, EXIT_SIM_CRASH};
use crate::scenario::{self, model::Scenario, Override};
use crate::seed::fresh_seed;
use crate::summarize::run_data;

/// Arguments of `run`.
#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// Scenario file (YAML).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Root seed; overrides the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder for the run's report (default: target/clustersim/<scenario>/seed-<seed>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run the seed twice, each on a fresh thread, and fail unless the trace hashes match.
    #[arg(long)]
    pub check_determinism: bool,
    /// Write the ordered event log as JSON lines (simulated time, node, event) to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Stop at this simulated time (e.g. `25s`): later faults are not applied, heal then.
    #[arg(long, value_name = "TIME", value_parser = parse_until)]
    pub until: Option<u64>,
    /// Write the concrete schedule that ran (swarm and `random` resolved) as a plain scenario.
    #[arg(long, value_name = "FILE")]
    pub emit_scenario: Option<PathBuf>,
    /// Override one scenario field, e.g. `--set cluster.storage.read_repair=off` (repeatable):
    /// the same scenario with one mechanism switched, to compare the two runs.
    #[arg(long = "set", value_name = "FIELD=VALUE")]
    pub set: Vec<Override>,
}

fn parse_until(text: &str) -> Result<u64, String> {
    match scenario::duration_ms(text)? {
        0 => Err("--until must be after 0s".into()),
        ms => Ok(ms),
    }
}

/// `clustersim run`: loads the scenario and runs it; returns the process exit code.
pub fn command(args: &RunArgs) -> i32 {
    let Some(path) = args.scenario.clone() else {
        eprintln!("error: --scenario FILE is required (try `clustersim run --help`)");
        return EXIT_BAD_INPUT;
    };
    match scenario::load_with(&path, &args.set) {
        Ok(scenario) => run_command(Arc::new(scenario), args),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_BAD_INPUT
        }
    }
}

fn run_command(scenario: Arc<Scenario>, args: &RunArgs) -> i32 {
    let (seed, origin) = match (args.seed, scenario.seed) {
        (Some(s), _) => (s, "from --seed"),
        (None, Some(s)) => (s, "from the scenario file"),
        (None, None) => (fresh_seed(), "drawn at random"),
    };
    let mut replay = replay_command(&scenario.path, seed);
    for o in &args.set {
        replay.push_str(&format!(" --set '{o}'"));
    }
    say!("clustersim: scenario {} ({})", scenario.name, scenario.path.display());
    say!("seed: {seed} ({origin})");
    say!("replay: {replay}");
    for (feature, what) in nodes::bugs::enabled() {
        say!("warning: built with the test-only bug `{feature}` ({what})");
    }
    // What runs: the swarm drawn into concrete faults (once), cut short by --until.
    let planned = Plan::new(&scenario, seed);
    if let Some(swarm) = &scenario.swarm {
        let drawn = planned.scenario().faults.len() - scenario.faults.len();
        say!("swarm: {drawn} random faults drawn from seed {seed} ({} kinds)", swarm.kinds.len());
    }
    let plan = match args.until {
        None => planned,
        Some(until_ms) => match planned.until(until_ms) {
            Some(plan) => {
                say!(
                    "until: stopping at {} (faults after it are not applied; heal then)",
                    scenario::format_ms(until_ms)
                );
                plan
            }
            None => {
                eprintln!("error: --until {}: no client group starts by then", scenario::format_ms(until_ms));
                return EXIT_BAD_INPUT;
            }
        },
    };
    let scenario = plan.scenario();
    let result = match run_plan(&plan) {
        Ok(r) => r,
        Err(crash) => {
            eprintln!("error: the simulation crashed with seed {}: {}", crash.seed, crash.message);
            eprintln!("replay: {replay}");
            return EXIT_SIM_CRASH;
        }
    };
    if args.check_determinism {
        match run_plan(&plan) {
            Ok(again) if again.trace_hash() == result.trace_hash() => {
                say!("determinism: two runs of seed {seed} gave trace hash {}", result.trace_hash());
            }
            Ok(again) => {
                eprintln!(
                    "error: not deterministic: seed {seed} gave trace hashes {} and {}",
                    result.trace_hash(),
                    again.trace_hash()
                );
                eprintln!("replay: {replay} --check-determinism");
                return EXIT_SIM_CRASH;
            }
            Err(crash) => {
                eprintln!("error: the simulation crashed on the second run of seed {seed}: {}", crash.message);
                return EXIT_SIM_CRASH;
            }
        }
    }
    if let Some(path) = &args.trace {
        match write_trace(path, &result) {
            Ok(()) => say!("trace: {}", path.display()),
            Err(e) => eprintln!("warning: cannot write the trace to {}: {e}", path.display()),
        }
    }
    if let Some(path) = &args.emit_scenario {
        match emit_scenario(path, scenario, &result, seed) {
            Ok(()) => say!("scenario: {} (replay: {})", path.display(), replay_command(path, seed)),
            Err(e) => eprintln!("warning: cannot write the scenario to {}: {e}", path.display()),
        }
    }
    report(scenario, &result, &replay, args.out.as_deref())
}

fn write_trace(path: &Path, result: &RunResult) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    crate::history::event_log::write(&result.history, &mut out)?;
    std::io::Write::flush(&mut out)
}

/// Writes what ran as a plain scenario: every fault at its time with its resolved targets.
fn emit_scenario(path: &Path, ran: &Scenario, result: &RunResult, seed: u64) -> std::io::Result<()> {
    let mut concrete = crate::edit::concrete(ran, &result.history);
    concrete.seed = Some(seed);
    let comments = [
        format!("The concrete schedule of {} seed {seed}: swarm and `random` faults resolved.", ran.path.display()),
        format!("Same trace as the original run: {}", replay_command(path, seed)),
    ];
    std::fs::write(path, crate::yaml::to_yaml(&concrete, &comments))
}

fn report(scenario: &Scenario, result: &RunResult, replay: &str, out: Option<&Path>) -> i32 {
    let mut data = run_data(scenario, result, replay);
    say!("\n{}", data.summary.to_text().trim_end());
    let dir = out.map(Path::to_path_buf).unwrap_or_else(|| default_run_dir(&scenario.name, result.seed));
    match reports::write_run_folder(&dir, &mut data) {
        Ok(stats) => {
            say!("rendered {} plots in {:.0} ms", stats.plots, stats.render_ms);
            say!("report: {}", dir.join("index.html").display());
        }
        Err(e) => eprintln!("warning: cannot write the report to {}: {e}", dir.display()),
    }
    let code = result.exit_code();
    match code {
        EXIT_SAFETY => eprintln!("FAILED: a safety property was violated (seed {}). replay: {replay}", result.seed),
        EXIT_LIVENESS => eprintln!("FAILED: a liveness property did not hold (seed {}). replay: {replay}", result.seed),
        _ => say!("all expectations met"),
    }
    code
}
