//! `clustersim fuzz`: generated scenarios (see [`crate::fuzz`]), each run as a `clustersim run`
//! child process and judged from outside: refused with a location (exit 2), or run cleanly
//! within a wall-time and a peak-memory limit; never a panic, an abort or a signal. It prints
//! the figures (outcomes, slowest case, largest peak) and writes them to `fuzz.json`, with
//! every finding's scenario and output beside it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use crate::console::say;
use crate::fuzz::{allowed, case, located};
use crate::outcome::{default_dir, EXIT_BAD_INPUT, EXIT_OK, EXIT_SAFETY};
use crate::scenario::budget::{estimate, total};
use crate::scenario::{self, duration_ms};

/// Arguments of `fuzz`.
#[derive(Args, Debug)]
pub struct FuzzArgs {
    /// Generated scenarios to run.
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub cases: u64,
    /// Index of the first case (to resume or split a long run).
    #[arg(long, default_value_t = 0)]
    pub first: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Cases run at once, each in a child process, at least 1 (default: the number of cores).
    #[arg(long, short, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub jobs: Option<u32>,
    /// Folder for fuzz.json and the findings (default: target/clustersim/fuzz).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Longest a case may take, wall clock (slower is a finding).
    #[arg(long, default_value = "10s", value_parser = parse_limit)]
    pub time_limit: u64,
    /// Most memory a case's process may reach, in MiB of peak resident set (more is a finding).
    #[arg(long, default_value_t = 1_024, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub memory_limit_mib: u64,
}

fn parse_limit(text: &str) -> Result<u64, String> {
    match duration_ms(text)? {
        0 => Err("the limit must be greater than 0".into()),
        ms => Ok(ms),
    }
}

/// What one case did, as `fuzz.json` keeps the notable ones.
#[derive(Clone, Debug, Default, Serialize)]
struct CaseResult {
    index: u64,
    what: String,
    exit: String,
    wall_ms: u64,
    cpu_ms: u64,
    peak_kib: u64,
    ops: u64,
    estimated_ops: f64,
    delivered: u64,
    estimated_messages: f64,
    finding: Option<String>,
}

/// The figures of a whole fuzz run (`fuzz.json`).
#[derive(Debug, Default, Serialize)]
struct Figures {
    seed: u64,
    first: u64,
    cases: u64,
    time_limit_ms: u64,
    memory_limit_mib: u64,
    refused_located: u64,
    ran: u64,
    findings: u64,
    wall_s: f64,
    slowest: CaseResult,
    most_cpu: CaseResult,
    largest: CaseResult,
    most_ops: CaseResult,
    run_wall_ms_p50: u64,
    run_wall_ms_p99: u64,
    run_peak_kib_p50: u64,
    run_peak_kib_p99: u64,
    found: Vec<CaseResult>,
}

/// Most findings kept with their scenario text; the count goes on.
const FINDINGS_KEPT: usize = 200;

/// `clustersim fuzz`: returns 0 when no case had a finding, 1 otherwise (2 on bad arguments).
pub fn command(args: &FuzzArgs) -> i32 {
    let out = args.out.clone().unwrap_or_else(|| default_dir("fuzz"));
    if let Err(e) = std::fs::create_dir_all(out.join("findings")) {
        eprintln!("error: --out {}: {e}", out.display());
        return EXIT_BAD_INPUT;
    }
    let work = std::env::temp_dir().join(format!("clustersim-fuzz-{}", std::process::id()));
    let threads = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    say!(
        "clustersim fuzz: cases {}..{} of seed {} on {threads} threads (limits {} ms, {} MiB)",
        args.first,
        args.first + args.cases,
        args.seed,
        args.time_limit,
        args.memory_limit_mib
    );
    let started = Instant::now();
    let next = AtomicU64::new(args.first);
    let results: Mutex<Vec<CaseResult>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..threads {
            let (next, results, out, work) = (&next, &results, &out, work.join(format!("w{worker}")));
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= args.first + args.cases {
                    break;
                }
                let result = run_case(args, index, &work, out);
                let mut all = results.lock().unwrap_or_else(|e| e.into_inner());
                all.push(result);
                if all.len() % 1_000 == 0 {
                    say!("{}", progress(&all, started.elapsed()));
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&work);
    let all = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let figures = figures(args, &all, started.elapsed());
    say!("{}", report(&figures));
    let json = serde_json::to_string_pretty(&figures).unwrap_or_default();
    if let Err(e) = reports::files::write_file(&out.join("fuzz.json"), json + "\n") {
        eprintln!("error: cannot write {}: {e}", out.join("fuzz.json").display());
        return EXIT_BAD_INPUT;
    }
    say!("results: {}", out.join("fuzz.json").display());
    if figures.findings == 0 {
        EXIT_OK
    } else {
        EXIT_SAFETY
    }
}

/// Generates case `index`, runs it in a child process and judges it.
fn run_case(args: &FuzzArgs, index: u64, work: &Path, out: &Path) -> CaseResult {
    let (text, what) = case(args.seed, index);
    let mut result = CaseResult { index, what, ..CaseResult::default() };
    let parsed = scenario::parse(Path::new("case.yaml"), &text);
    if let Ok(s) = &parsed {
        let w = estimate(s);
        (result.estimated_ops, result.estimated_messages) = (total(&w.operations), total(&w.messages));
    }
    let child = match Child::run(work, &text, index, args) {
        Ok(child) => child,
        Err(e) => {
            result.finding = Some(format!("cannot run the case: {e}"));
            return result;
        }
    };
    (result.wall_ms, result.cpu_ms, result.peak_kib) = (child.wall.as_millis() as u64, child.cpu_ms, child.peak_kib);
    result.exit = child.exit.clone();
    result.finding = match (child.exit.as_str(), &parsed) {
        ("2", Err(e)) => located(e, text.len() > scenario::FILE_BYTES_MAX),
        ("2", Ok(_)) => Some("exit 2 for a valid scenario".into()),
        (_, Err(e)) => Some(format!("exit {} for an invalid scenario ({e})", child.exit)),
        ("0" | "1" | "3", Ok(_)) => ran_finding(&mut result, work, args),
        _ => Some(format!("exit {}", child.exit)),
    };
    if result.finding.is_some() {
        keep_finding(out, &result, &text, &child.stderr);
    }
    result
}

/// Limits a clean run must keep: wall time, peak memory, work within its estimate.
fn ran_finding(result: &mut CaseResult, work: &Path, args: &FuzzArgs) -> Option<String> {
    if let Ok(text) = reports::files::read_text(&work.join("run/summary.json"), reports::run_folder::SUMMARY_BYTES_MAX)
    {
        if let Ok(summary) = serde_json::from_str::<reports::Summary>(&text) {
            result.ops = summary.ops.iter().filter(|s| s.kind == "all").map(|s| s.total).sum();
            result.delivered = summary.net.delivered;
        }
    }
    if result.wall_ms > args.time_limit {
        Some(format!("took {} ms, over the limit of {} ms", result.wall_ms, args.time_limit))
    } else if result.peak_kib > args.memory_limit_mib * 1_024 {
        Some(format!("peaked at {} MiB, over the limit of {} MiB", result.peak_kib / 1_024, args.memory_limit_mib))
    } else if result.ops as f64 > allowed(result.estimated_ops) {
        Some(format!("{} operations ran, {:.0} were estimated", result.ops, result.estimated_ops))
    } else if result.delivered as f64 > allowed(result.estimated_messages) {
        Some(format!("{} inputs delivered, {:.0} estimated", result.delivered, result.estimated_messages))
    } else {
        None
    }
}

fn keep_finding(out: &Path, result: &CaseResult, text: &str, stderr: &str) {
    let dir = out.join("findings");
    let note = format!("# case {}: {}\n# {}\n", result.index, result.what, result.finding.as_deref().unwrap_or(""));
    let _ = reports::files::write_file(&dir.join(format!("case-{}.yaml", result.index)), format!("{note}{text}"));
    let _ = reports::files::write_file(&dir.join(format!("case-{}.stderr.txt", result.index)), stderr);
}

/// A finished child process: how it ended, how long it took, its peak memory and its stderr.
struct Child {
    exit: String,
    wall: Duration,
    cpu_ms: u64,
    peak_kib: u64,
    stderr: String,
}

impl Child {
    /// Runs `clustersim run` on `text` in `work`, killing it at 6 times the time limit or at 4
    /// times the memory limit (a finding either way, but the machine survives it).
    fn run(work: &Path, text: &str, index: u64, args: &FuzzArgs) -> std::io::Result<Child> {
        std::fs::create_dir_all(work)?;
        let file = work.join("case.yaml");
        std::fs::write(&file, text)?;
        let _ = std::fs::remove_dir_all(work.join("run"));
        let stderr_file = work.join("stderr.txt");
        let mut child = Command::new(std::env::current_exe()?)
            .args(["run", "--scenario"])
            .arg(&file)
            .args(["--seed", &index.to_string(), "--out"])
            .arg(work.join("run"))
            .args(nodes::bugs::planted().flat_map(|p| ["--bug", p.name]))
            .env(PEAK_MEMORY_ENV, "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr_file)?)
            .spawn()?;
        let started = Instant::now();
        let (kill_after, kill_above_kib) = (Duration::from_millis(args.time_limit * 6), args.memory_limit_mib * 4_096);
        let mut polled_peak = 0;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            polled_peak = polled_peak.max(proc_status_kib(child.id(), "VmHWM:"));
            if started.elapsed() > kill_after || polled_peak > kill_above_kib {
                let _ = child.kill();
                break child.wait()?;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let wall = started.elapsed();
        let stderr = reports::files::read_text(&stderr_file, 1 << 20).unwrap_or_default();
        let reported = stderr.lines().find_map(|l| l.strip_prefix("peak memory: ")?.strip_suffix(" KiB")?.parse().ok());
        let cpu_ms = stderr.lines().find_map(|l| l.strip_prefix("cpu time: ")?.strip_suffix(" ms")?.parse().ok());
        let exit = match (status.code(), status_signal(&status)) {
            (Some(code), _) => code.to_string(),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => "unknown".into(),
        };
        Ok(Child { exit, wall, cpu_ms: cpu_ms.unwrap_or(0), peak_kib: reported.unwrap_or(polled_peak), stderr })
    }
}

/// The variable that makes `clustersim` print its peak memory (`VmHWM`) on stderr as it exits.
pub const PEAK_MEMORY_ENV: &str = "CLUSTERSIM_PRINT_PEAK_MEMORY";

#[cfg(unix)]
fn status_signal(status: &std::process::ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

#[cfg(not(unix))]
fn status_signal(_: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// A `kB` figure of `/proc/<pid>/status` (0 where there is none).
fn proc_status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix(key)?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

fn progress(all: &[CaseResult], elapsed: Duration) -> String {
    let findings = all.iter().filter(|r| r.finding.is_some()).count();
    let slowest = all.iter().map(|r| r.wall_ms).max().unwrap_or(0);
    let largest = all.iter().map(|r| r.peak_kib).max().unwrap_or(0);
    format!(
        "{} cases, {findings} findings, slowest {slowest} ms, largest {} MiB, {:.0} cases/s",
        all.len(),
        largest / 1_024,
        all.len() as f64 / elapsed.as_secs_f64().max(1e-9)
    )
}

fn percentile(mut values: Vec<u64>, p: f64) -> u64 {
    values.sort_unstable();
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len().max(1));
    values.get(rank - 1).copied().unwrap_or(0)
}

fn figures(args: &FuzzArgs, all: &[CaseResult], elapsed: Duration) -> Figures {
    let ran: Vec<&CaseResult> = all.iter().filter(|r| matches!(r.exit.as_str(), "0" | "1" | "3")).collect();
    let max_by = |key: fn(&CaseResult) -> u64| all.iter().max_by_key(|r| key(r)).cloned().unwrap_or_default();
    let found: Vec<CaseResult> = all.iter().filter(|r| r.finding.is_some()).take(FINDINGS_KEPT).cloned().collect();
    Figures {
        seed: args.seed,
        first: args.first,
        cases: all.len() as u64,
        time_limit_ms: args.time_limit,
        memory_limit_mib: args.memory_limit_mib,
        refused_located: all.iter().filter(|r| r.exit == "2" && r.finding.is_none()).count() as u64,
        ran: ran.len() as u64,
        findings: all.iter().filter(|r| r.finding.is_some()).count() as u64,
        wall_s: elapsed.as_secs_f64(),
        slowest: max_by(|r| r.wall_ms),
        most_cpu: max_by(|r| r.cpu_ms),
        largest: max_by(|r| r.peak_kib),
        most_ops: max_by(|r| r.ops),
        run_wall_ms_p50: percentile(ran.iter().map(|r| r.wall_ms).collect(), 0.5),
        run_wall_ms_p99: percentile(ran.iter().map(|r| r.wall_ms).collect(), 0.99),
        run_peak_kib_p50: percentile(ran.iter().map(|r| r.peak_kib).collect(), 0.5),
        run_peak_kib_p99: percentile(ran.iter().map(|r| r.peak_kib).collect(), 0.99),
        found,
    }
}

fn report(f: &Figures) -> String {
    let mut out = format!(
        "\n{} cases in {:.0} s: {} refused with a location (exit 2), {} ran (exit 0, 1 or 3), {} findings\n",
        f.cases, f.wall_s, f.refused_located, f.ran, f.findings
    );
    out += &format!(
        "slowest case: {} ms wall, {} ms CPU (case {}: {})\nmost CPU: {} ms CPU, {} ms wall (case {}: {})\nlargest peak: {} MiB (case {}: {})\nmost operations: {} (case {}, {:.0} estimated)\n",
        f.slowest.wall_ms,
        f.slowest.cpu_ms,
        f.slowest.index,
        f.slowest.what,
        f.most_cpu.cpu_ms,
        f.most_cpu.wall_ms,
        f.most_cpu.index,
        f.most_cpu.what,
        f.largest.peak_kib / 1_024,
        f.largest.index,
        f.largest.what,
        f.most_ops.ops,
        f.most_ops.index,
        f.most_ops.estimated_ops
    );
    out += &format!(
        "runs: wall p50 {} ms, p99 {} ms; peak p50 {} MiB, p99 {} MiB\n",
        f.run_wall_ms_p50,
        f.run_wall_ms_p99,
        f.run_peak_kib_p50 / 1_024,
        f.run_peak_kib_p99 / 1_024
    );
    for r in f.found.iter().take(20) {
        out += &format!("FINDING case {} ({}): {}\n", r.index, r.what, r.finding.as_deref().unwrap_or(""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(vec![5, 1, 3], 0.5), 3);
        assert_eq!(percentile((1..=100).collect(), 0.99), 99);
        assert_eq!(percentile(vec![], 0.5), 0);
    }

    #[test]
    fn limits_are_durations() {
        assert_eq!(parse_limit("10s"), Ok(10_000));
        assert!(parse_limit("0s").is_err());
    }
}
