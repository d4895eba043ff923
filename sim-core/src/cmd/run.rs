//! `clustersim run` (and the bare `clustersim --scenario FILE ...` form): one scenario with one
//! seed, its properties checked, its report folder written, and optionally its trace and the
//! concrete schedule that ran.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Args;

use crate::console::say;
use crate::drive::{run_plan, Plan, RunResult};
use crate::history::trace_filter::{LineFilter, TraceFilter};
use crate::outcome::{
    default_run_dir, replay_command, replay_command_with, with_output_failure, EXIT_BAD_INPUT, EXIT_LIVENESS,
    EXIT_SAFETY, EXIT_SIM_CRASH,
};
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
    /// Write the ordered event log as JSON lines to FILE: operations, every message's send,
    /// delivery and drop (with why), node, control and fault events, in simulated time.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Keep only some trace lines: `key=12,node=n3,kind=read_reply` (terms of one field widen,
    /// fields narrow; a key keeps faults and crashes too). Needs --trace.
    #[arg(long, value_name = "FILTER", requires = "trace")]
    pub trace_filter: Option<TraceFilter>,
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
    // `--until` and `--set` change the run, so the replay command carries them.
    let mut extra = args.until.map(|ms| format!(" --until {}", scenario::format_ms(ms))).unwrap_or_default();
    for o in &args.set {
        extra.push_str(&format!(" --set '{o}'"));
    }
    // The trace does not change the run, but whoever replays it wants the same trace.
    if let Some(path) = &args.trace {
        extra.push_str(&format!(" --trace {}", path.display()));
    }
    if let Some(filter) = &args.trace_filter {
        extra.push_str(&format!(" --trace-filter '{filter}'"));
    }
    let replay = replay_command_with(&scenario.path, seed, &extra);
    let dir = args.out.clone().unwrap_or_else(|| default_run_dir(&scenario.name, seed));
    if let Some(until_ms) = args.until.filter(|&ms| ms > scenario.duration_ms) {
        eprintln!(
            "error: --until {} is after the end of the run ({}): give a time up to the duration",
            scenario::format_ms(until_ms),
            scenario::format_ms(scenario.duration_ms)
        );
        return EXIT_BAD_INPUT;
    }
    if let Err(e) = check_outputs(args, &dir) {
        eprintln!("error: {e}");
        return EXIT_BAD_INPUT;
    }
    say!("clustersim: scenario {} ({})", scenario.name, scenario.path.display());
    say!("seed: {seed} ({origin})");
    say!("replay: {replay}");
    say!("{}", budget_line(&scenario));
    for line in crate::summarize::load_shapes(&scenario) {
        say!("offered load: {line}");
    }
    for p in nodes::bugs::planted() {
        say!("warning: planted bug `{}` is on ({})", p.name, p.breaks);
    }
    // What runs: the swarm drawn into concrete faults (once), cut short by --until.
    let planned = Plan::new(&scenario, seed);
    if let Some(swarm) = &scenario.swarm {
        let drawn: Vec<&scenario::model::Fault> =
            planned.scenario().faults.iter().filter(|f| !scenario.faults.contains(f)).collect();
        let kinds = swarm.kinds.len();
        say!(
            "swarm: {} random faults drawn from seed {seed} ({kinds} kinds){}",
            drawn.len(),
            swarm_list(&drawn, &scenario)
        );
    }
    let (plan, line_filter) = match final_plan(args, planned) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    let scenario = plan.scenario();
    if let Some(line) = scenario.cluster.classes_text() {
        say!("shards: {line}");
    }
    let result = match run_plan(&plan) {
        Ok(r) => r,
        Err(crash) => {
            eprintln!("error: the simulation crashed with seed {}: {}", crash.seed, crash.message);
            eprintln!("replay: {replay}");
            return EXIT_SIM_CRASH;
        }
    };
    if args.check_determinism {
        if let Err(code) = check_determinism(&plan, &result, &replay) {
            return code;
        }
    }
    let outputs_ok = write_outputs(args, &plan, &result, line_filter.as_ref());
    // A property found violations: the report tells its first counterexample's story.
    let story = match result.verdicts.iter().any(|v| v.violations > 0) {
        true => crate::story::explain(&plan, &result, None, STORY_WINDOW_MS).ok(),
        false => None,
    };
    let trace_file = args.trace.as_ref().map(|t| reports::run_folder::relative(&dir, t));
    let code = report(scenario, &result, &replay, args.until, &dir, (trace_file, story));
    if outputs_ok {
        code
    } else {
        with_output_failure(code)
    }
}

/// Most swarm faults listed at the start of a run; `--emit-scenario` writes them all.
const SWARM_LISTED_MAX: usize = 10;

/// The drawn swarm faults, one per line (when, how long, what, on which nodes), the first
/// [`SWARM_LISTED_MAX`] of them; empty when none were drawn.
fn swarm_list(drawn: &[&scenario::model::Fault], scenario: &Scenario) -> String {
    let mut s = String::new();
    if !drawn.is_empty() {
        s.push(':');
    }
    for f in drawn.iter().take(SWARM_LISTED_MAX) {
        s.push_str(&format!("\n  {}", crate::yaml::fault(f, &scenario.cluster)));
    }
    if drawn.len() > SWARM_LISTED_MAX {
        let more = drawn.len() - SWARM_LISTED_MAX;
        s.push_str(&format!("\n  ... and {more} more (--emit-scenario FILE writes them all)"));
    }
    s
}

/// The plan that runs: cut by `--until`, traced with the resolved `--trace-filter` when
/// `--trace` is given (the filter is returned too, for writing the trace).
fn final_plan(args: &RunArgs, planned: Plan) -> Result<(Plan, Option<LineFilter>), String> {
    let plan = match args.until {
        None => planned,
        Some(until_ms) => until_plan(&planned, until_ms)?,
    };
    let filter = trace_filter(args, plan.scenario()).map_err(|e| format!("--trace-filter {e}"))?;
    match &filter {
        Some(f) => Ok((plan.traced(f.clone()), filter)),
        None => Ok((plan, filter)),
    }
}

/// Writes the trace and the concrete scenario when asked; false when one could not be written.
fn write_outputs(args: &RunArgs, plan: &Plan, result: &RunResult, filter: Option<&LineFilter>) -> bool {
    let mut ok = true;
    if let (Some(path), Some(filter)) = (&args.trace, filter) {
        let started = std::time::Instant::now();
        match write_trace(path, result, filter) {
            Ok(()) => say!(
                "trace: {} ({} message events; written in {:.0} ms)",
                path.display(),
                result.history.messages.len(),
                started.elapsed().as_secs_f64() * 1000.0
            ),
            Err(e) => {
                eprintln!("error: cannot write the trace to {}: {e}", path.display());
                ok = false;
            }
        }
    }
    if let Some(path) = &args.emit_scenario {
        let seed = plan.seed();
        match emit_scenario(path, plan.scenario(), result, seed) {
            Ok(()) => say!("scenario: {} (replay: {})", path.display(), replay_command(path, seed)),
            Err(e) => {
                eprintln!("error: cannot write the scenario to {}: {e}", path.display());
                ok = false;
            }
        }
    }
    ok
}

/// The scenario's estimated work against its budget, as one line.
fn budget_line(scenario: &Scenario) -> String {
    use scenario::budget::{bytes, count, estimate, total};
    let (w, b) = (estimate(scenario), &scenario.budget);
    format!(
        "work: about {} operations, {} messages and timer firings, {} of memory (budget {}, {}, {})",
        count(total(&w.operations)),
        count(total(&w.messages)),
        bytes(total(&w.memory_bytes)),
        count(b.operations as f64),
        count(b.messages as f64),
        bytes(b.memory_bytes as f64)
    )
}

/// Every output the run will write, checked before it starts: a report folder that can be
/// written (or replaced whole), and trace and scenario files that can be.
fn check_outputs(args: &RunArgs, dir: &Path) -> Result<(), String> {
    reports::files::check_out_dir(dir, reports::RUN_FOLDER_MARKER).map_err(|e| format!("--out: {e}"))?;
    if let Some(path) = &args.trace {
        reports::files::check_out_file(path).map_err(|e| format!("--trace: {e}"))?;
    }
    if let Some(path) = &args.emit_scenario {
        reports::files::check_out_file(path).map_err(|e| format!("--emit-scenario: {e}"))?;
    }
    Ok(())
}

/// The plan cut at `until_ms` (at most the duration), or why it cannot be: no client group
/// starts by then.
fn until_plan(planned: &Plan, until_ms: u64) -> Result<Plan, String> {
    let until = scenario::format_ms(until_ms);
    let plan = planned.until(until_ms).ok_or_else(|| format!("--until {until}: no client group starts by then"))?;
    say!("until: stopping at {until} (faults after it are not applied; heal then)");
    Ok(plan)
}

/// Runs the plan again and compares trace hashes; `Err` holds the exit code when they differ.
fn check_determinism(plan: &Plan, result: &RunResult, replay: &str) -> Result<(), i32> {
    let seed = plan.seed();
    match run_plan(plan) {
        Ok(again) if again.trace_hash() == result.trace_hash() => {
            say!("determinism: two runs of seed {seed} gave trace hash {}", result.trace_hash());
            Ok(())
        }
        Ok(again) => {
            eprintln!(
                "error: not deterministic: seed {seed} gave trace hashes {} and {}",
                result.trace_hash(),
                again.trace_hash()
            );
            eprintln!("replay: {replay} --check-determinism");
            Err(EXIT_SIM_CRASH)
        }
        Err(crash) => {
            eprintln!("error: the simulation crashed on the second run of seed {seed}: {}", crash.message);
            Err(EXIT_SIM_CRASH)
        }
    }
}

/// The `--trace-filter` resolved against the scenario's node names; `Some` (keep everything
/// without a filter) whenever `--trace` is given.
fn trace_filter(args: &RunArgs, scenario: &Scenario) -> Result<Option<LineFilter>, String> {
    if args.trace.is_none() {
        return Ok(None);
    }
    let names: Vec<String> = scenario.cluster.nodes.iter().map(|n| n.name.clone()).collect();
    match &args.trace_filter {
        Some(filter) => filter.resolve(&names).map(Some),
        None => Ok(Some(LineFilter::default())),
    }
}

fn write_trace(path: &Path, result: &RunResult, filter: &LineFilter) -> std::io::Result<()> {
    reports::files::write_file_with(path, |mut out| crate::history::event_log::write(&result.history, filter, &mut out))
}

/// Writes what ran as a plain scenario: every fault at its time with its resolved targets.
fn emit_scenario(path: &Path, ran: &Scenario, result: &RunResult, seed: u64) -> std::io::Result<()> {
    let mut concrete = crate::edit::concrete(ran, &result.history);
    concrete.seed = Some(seed);
    let comments = [
        format!("The concrete schedule of {} seed {seed}: swarm and `random` faults resolved.", ran.path.display()),
        format!("Same trace as the original run: {}", replay_command(path, seed)),
    ];
    reports::files::write_file(path, crate::yaml::to_yaml(&concrete, &comments))
}

/// How far around a counterexample the report's story lists the key's operations.
const STORY_WINDOW_MS: u64 = 500;

fn report(
    scenario: &Scenario,
    result: &RunResult,
    replay: &str,
    until_ms: Option<u64>,
    dir: &Path,
    (trace_file, story): (Option<String>, Option<String>),
) -> i32 {
    let mut data = run_data(scenario, result, replay);
    data.summary.until_ms = until_ms;
    data.summary.trace_file = trace_file;
    data.summary.story = story;
    say!("\n{}", data.summary.to_text().trim_end());
    let mut code = result.exit_code();
    match reports::write_run_folder(dir, &mut data) {
        Ok(stats) => {
            say!("rendered {} plots in {:.0} ms", stats.plots, stats.render_ms);
            say!("report: {}", dir.join("index.html").display());
        }
        Err(e) => {
            eprintln!("error: cannot write the report to {}: {e}", dir.display());
            code = with_output_failure(code);
        }
    }
    match result.exit_code() {
        EXIT_SAFETY => eprintln!("FAILED: a safety property was violated (seed {}). replay: {replay}", result.seed),
        EXIT_LIVENESS => eprintln!("FAILED: a liveness property did not hold (seed {}). replay: {replay}", result.seed),
        _ => say!("all expectations met"),
    }
    code
}
