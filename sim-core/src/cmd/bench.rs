//! `clustersim bench`: runs each benchmark of the suite in a child process of its own
//! (`clustersim bench --only NAME --json`), so one benchmark's heap does not slow the next, and
//! prints their figures, the spread over repeated runs and the performance targets.

use std::time::Duration;

use clap::Args;

use crate::bench::{run_suite, table, targets, Figures, NAMES};
use crate::console::say;
use crate::outcome::{EXIT_BAD_INPUT, EXIT_SIM_CRASH};

/// Arguments of `bench`.
#[derive(Args, Debug, Default)]
pub struct BenchArgs {
    /// Run only these benchmarks (floor, transport, r1, r2, scale, sweep, checkers, linearizability, r1-repair, capacity); default all.
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Shrink every benchmark to about one simulated second (a smoke run of the machinery).
    #[arg(long)]
    pub smoke: bool,
    /// Run each benchmark this many times (each in a fresh child process) and report the run
    /// with the median wall time, with the fastest and slowest in a second table: wall times
    /// on a shared machine vary by 10% or more from run to run.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=99))]
    pub repeat: u32,
    /// Run in this process and print figures as JSON lines (what each child process does).
    #[arg(long)]
    pub json: bool,
}

/// Runs the benchmarks and prints a table; returns the process exit code.
pub fn command(args: &BenchArgs) -> i32 {
    let wanted = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    if let Some(bad) = args.only.iter().find(|o| !NAMES.contains(&o.as_str())) {
        eprintln!("error: no benchmark named {bad} (known: {})", NAMES.join(", "));
        return EXIT_BAD_INPUT;
    }
    if args.json {
        for f in run_suite(args.smoke, &wanted) {
            say!("{}", serde_json::to_string(&f).expect("figures serialize"));
        }
        return 0;
    }
    say!(
        "clustersim bench{}{} (each benchmark in a child process; peak memory: its VmHWM)",
        if args.smoke { " --smoke" } else { "" },
        if args.repeat > 1 { format!(" --repeat {}", args.repeat) } else { String::new() },
    );
    let mut figures = vec![];
    let mut spreads = vec![];
    for name in NAMES.into_iter().filter(|n| wanted(n)) {
        let mut runs: Vec<Vec<Figures>> = vec![];
        for _ in 0..args.repeat {
            match run_child(name, args.smoke) {
                Ok(f) => runs.push(f),
                Err(e) => {
                    eprintln!("error: benchmark {name}: {e}");
                    return EXIT_SIM_CRASH;
                }
            }
        }
        // A child reports one row per benchmark (scale reports several): pick per row.
        for row in 0..runs[0].len() {
            let mut same: Vec<&Figures> = runs.iter().filter_map(|r| r.get(row)).collect();
            same.sort_by_key(|f| f.wall);
            let median = same[same.len() / 2].clone();
            if same.len() > 1 {
                spreads.push((median.name.clone(), same[0].wall, median.wall, same[same.len() - 1].wall));
            }
            figures.push(median);
        }
    }
    let floor_ns = figures.iter().find(|f| f.name == "floor").map(|f| f.ns_per_message());
    say!("{}", table(&figures, floor_ns));
    if !spreads.is_empty() {
        say!("{}", spread_table(&spreads, args.repeat));
    }
    let verdicts = targets(&figures);
    if !verdicts.is_empty() {
        say!("{}", verdicts);
    }
    0
}

/// Fastest, median and slowest wall time of each benchmark over repeated runs.
fn spread_table(spreads: &[(String, Duration, Duration, Duration)], repeat: u32) -> String {
    let mut t = format!(
        "wall time over {repeat} runs (the table above shows the median run)\n\n\
         | benchmark | fastest | median | slowest | spread |\n|---|---:|---:|---:|---:|\n"
    );
    for (name, lo, mid, hi) in spreads {
        let spread = (hi.as_secs_f64() - lo.as_secs_f64()) / mid.as_secs_f64().max(1e-9) * 100.0;
        t.push_str(&format!(
            "| {name} | {:.3} s | {:.3} s | {:.3} s | {spread:.0}% |\n",
            lo.as_secs_f64(),
            mid.as_secs_f64(),
            hi.as_secs_f64()
        ));
    }
    t
}

fn run_child(name: &str, smoke: bool) -> Result<Vec<Figures>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["bench", "--json", "--only", name]);
    cmd.args(nodes::bugs::planted().flat_map(|p| ["--bug", p.name]));
    if smoke {
        cmd.arg("--smoke");
    }
    let out = cmd.stderr(std::process::Stdio::inherit()).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("child exited with {}", out.status));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).map_err(|e| e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_table_gives_fastest_median_slowest_and_their_spread() {
        let ms = Duration::from_millis;
        let t = spread_table(&[("R1 200 ops/s".into(), ms(1_000), ms(1_100), ms(1_200))], 3);
        assert!(t.contains("over 3 runs") && t.contains("\n| benchmark | fastest |"), "{t}");
        assert!(t.contains("| R1 200 ops/s | 1.000 s | 1.100 s | 1.200 s | 18% |"), "{t}");
    }
}
