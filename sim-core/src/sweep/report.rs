//! A sweep's results: per scenario, every seed's outcome and the failures by property; shown as
//! a table, stored as `sweep.json` (which `merge` combines) and as JUnit XML for CI systems.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use reports::files::{read_text, StagedDir};

use crate::coverage::{self, CoverageCount};
use crate::outcome::{replay_command, with_output_failure, worst, EXIT_LIVENESS, EXIT_OK, EXIT_SAFETY, EXIT_SIM_CRASH};
use crate::sweep::jobs::SeedOutcome;

/// Version of the `sweep.json` layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Results of a whole sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    /// Layout version, [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The seed list as given (`1..1000`), or the lists of merged sweeps.
    pub seeds: String,
    /// The shard that ran (`0/4`), or none for a whole sweep or a merge.
    pub shard: Option<String>,
    /// Wall-clock time of the sweep (summed over merged sweeps), in milliseconds.
    pub wall_ms: f64,
    /// Worker threads used (the most of merged sweeps).
    pub jobs: usize,
    /// Results per scenario, in the order they were given.
    pub scenarios: Vec<ScenarioSweep>,
}

/// Results of one scenario over many seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSweep {
    /// Scenario name.
    pub name: String,
    /// Scenario file, as given.
    pub file: String,
    /// Seeds run.
    pub seeds: u64,
    /// Seeds that failed.
    pub failures: u64,
    /// Failed seeds per property name.
    pub by_property: BTreeMap<String, u64>,
    /// Violations found per property name, summed over the failed seeds.
    #[serde(default)]
    pub violations: BTreeMap<String, u64>,
    /// The lowest failing seed.
    pub first_failing_seed: Option<u64>,
    /// The fault-coverage table summed over the seeds.
    #[serde(default)]
    pub coverage: Vec<CoverageCount>,
    /// Every seed's outcome, by seed.
    pub results: Vec<SeedOutcome>,
}

impl ScenarioSweep {
    /// Summarises `results` of the scenario `name` read from `file`.
    pub fn new(name: &str, file: &Path, mut results: Vec<SeedOutcome>) -> ScenarioSweep {
        results.sort_by_key(|r| r.seed);
        let mut by_property = BTreeMap::new();
        let mut violations = BTreeMap::new();
        for r in &results {
            for p in &r.failed {
                *by_property.entry(p.clone()).or_insert(0) += 1;
            }
            for (p, n) in &r.violations {
                *violations.entry(p.clone()).or_insert(0) += n;
            }
        }
        let failed: Vec<&SeedOutcome> = results.iter().filter(|r| !r.passed()).collect();
        ScenarioSweep {
            name: name.to_string(),
            file: file.display().to_string(),
            seeds: results.len() as u64,
            failures: failed.len() as u64,
            by_property,
            violations,
            first_failing_seed: failed.first().map(|r| r.seed),
            coverage: coverage::sum(results.iter().flat_map(|r| &r.coverage)),
            results,
        }
    }

    /// The seeds that failed, by seed.
    pub fn failing(&self) -> impl Iterator<Item = &SeedOutcome> {
        self.results.iter().filter(|r| !r.passed())
    }
}

impl SweepReport {
    /// The fault-coverage table summed over every scenario.
    pub fn coverage(&self) -> Vec<CoverageCount> {
        coverage::sum(self.scenarios.iter().flat_map(|s| &s.coverage))
    }

    /// A report over `scenarios`.
    pub fn new(
        scenarios: Vec<ScenarioSweep>,
        seeds: String,
        shard: Option<String>,
        wall_ms: f64,
        jobs: usize,
    ) -> SweepReport {
        SweepReport { schema: SCHEMA_VERSION, seeds, shard, wall_ms, jobs, scenarios }
    }

    /// Runs in all.
    pub fn runs(&self) -> u64 {
        self.scenarios.iter().map(|s| s.seeds).sum()
    }

    /// Failed runs in all.
    pub fn failures(&self) -> u64 {
        self.scenarios.iter().map(|s| s.failures).sum()
    }

    /// The worst exit code of any run: 4 crash, 1 safety, 3 liveness, else 0.
    pub fn exit_code(&self) -> i32 {
        worst(self.scenarios.iter().flat_map(|s| s.results.iter().map(|r| r.exit_code)))
    }

    /// The table: one row per scenario, then up to `show` replay commands per scenario.
    pub fn to_text(&self, show: usize) -> String {
        let mut out = String::new();
        let wall_s = self.wall_ms / 1_000.0;
        let rate = if wall_s > 0.0 { self.runs() as f64 / wall_s } else { 0.0 };
        let _ = writeln!(
            out,
            "{} runs, {} failed, in {wall_s:.1} s on {} threads ({rate:.1} seeds/s)\n",
            self.runs(),
            self.failures(),
            self.jobs
        );
        let width = self.scenarios.iter().map(|s| s.name.len()).max().unwrap_or(8).max(8);
        let _ = writeln!(
            out,
            "{:<width$}  {:>6}  {:>6}  {:<44}  first failing",
            "scenario", "seeds", "failed", "failures by property"
        );
        for s in &self.scenarios {
            let props = if s.by_property.is_empty() {
                "-".to_string()
            } else {
                s.by_property.iter().map(|(p, n)| format!("{p}: {n}")).collect::<Vec<_>>().join(", ")
            };
            let first = s.first_failing_seed.map_or("-".to_string(), |seed| seed.to_string());
            let _ = writeln!(out, "{:<width$}  {:>6}  {:>6}  {props:<44}  {first}", s.name, s.seeds, s.failures);
        }
        let table = self.coverage();
        if !table.is_empty() {
            let _ = write!(out, "\n{}", coverage::to_text(&table));
        }
        if self.failures() > 0 {
            let _ = writeln!(out, "\nfailures (replay commands, at most {show} per scenario):");
            for s in self.scenarios.iter().filter(|s| s.failures > 0) {
                for r in s.failing().take(show) {
                    let _ = writeln!(
                        out,
                        "  {} seed {} [{}] {}\n    {}",
                        s.name,
                        r.seed,
                        class(r.exit_code),
                        r.failed.join(", "),
                        replay_command(Path::new(&s.file), r.seed)
                    );
                    if let Some(report) = &r.report {
                        let _ = writeln!(out, "    report: {report}/index.html");
                    }
                }
                let more = s.failures.saturating_sub(show as u64);
                if more > 0 {
                    let _ = writeln!(out, "  ... and {more} more failing seeds of {} (see sweep.json)", s.name);
                }
            }
        }
        out
    }

    /// The report as JUnit XML: a test suite per scenario, a test case per seed.
    pub fn to_junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"clustersim sweep\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
            self.runs(),
            self.failures(),
            self.wall_ms / 1_000.0
        );
        for s in &self.scenarios {
            let time: f64 = s.results.iter().map(|r| r.wall_ms).sum::<f64>() / 1_000.0;
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{time:.3}\">",
                xml(&s.name),
                s.seeds,
                s.failures
            );
            for r in &s.results {
                let _ = write!(
                    out,
                    "    <testcase classname=\"clustersim.{}\" name=\"seed {}\" time=\"{:.3}\"",
                    xml(&s.name),
                    r.seed,
                    r.wall_ms / 1_000.0
                );
                if r.passed() {
                    out.push_str("/>\n");
                    continue;
                }
                let mut body = format!("replay: {}", replay_command(Path::new(&s.file), r.seed));
                if let Some(example) = &r.counterexample {
                    let _ = write!(body, "\nfirst counterexample: {example}");
                }
                if let Some(report) = &r.report {
                    let _ = write!(body, "\nreport: {report}/index.html");
                }
                if let Some(crash) = &r.crash {
                    let _ = write!(body, "\npanic: {crash}");
                }
                let _ = writeln!(
                    out,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    class(r.exit_code),
                    xml(&r.failed.join(", ")),
                    xml(&body)
                );
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// Writes `sweep.json` and `junit.xml` into the folder `dir`, whole, and lets `keep` write
    /// the rest (the sweep's `index.html`, the kept report folders) into it first: everything is written beside
    /// `dir` and the folder is renamed into place, replacing an old result folder whole.
    pub fn write_files(&self, dir: &Path, keep: &dyn Fn(&Path) -> std::io::Result<()>) -> std::io::Result<()> {
        let staged = StagedDir::new(dir, RESULTS_MARKER)?;
        keep(staged.path())?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(staged.path().join("sweep.json"), json + "\n")?;
        std::fs::write(staged.path().join("junit.xml"), self.to_junit())?;
        staged.commit()
    }
}

/// The file a sweep's result folder holds: an existing folder with it may be replaced whole.
pub const RESULTS_MARKER: &str = "sweep.json";

/// Most bytes read from a `sweep.json` (some 130 bytes a seed: about 8 million seeds).
pub const SWEEP_JSON_BYTES_MAX: u64 = 1 << 30;

/// Reads a `sweep.json`, refusing exit codes a run cannot have (a result of 99 must not pass
/// through `merge` as the merged exit code).
pub fn read(path: &Path) -> Result<SweepReport, String> {
    let text = read_text(path, SWEEP_JSON_BYTES_MAX).map_err(|e| e.to_string())?;
    let report: SweepReport = serde_json::from_str(&text).map_err(|e| format!("not a sweep.json: {e}"))?;
    if report.schema != SCHEMA_VERSION {
        return Err(format!("sweep.json schema {} is not {SCHEMA_VERSION}", report.schema));
    }
    for s in &report.scenarios {
        if let Some(r) = s.results.iter().find(|r| !RUN_EXIT_CODES.contains(&r.exit_code)) {
            return Err(format!(
                "not a sweep.json: {} seed {} has exit code {}, but a run ends with 0, 1, 3 or 4",
                s.name, r.seed, r.exit_code
            ));
        }
    }
    Ok(report)
}

/// The exit codes a seed of a sweep can end with.
const RUN_EXIT_CODES: [i32; 4] = [EXIT_OK, EXIT_SAFETY, EXIT_LIVENESS, EXIT_SIM_CRASH];

/// Combines sweeps (typically shards of one sweep): results of the same scenario file are
/// joined by seed. A seed run twice must have the same outcome and trace hash.
pub fn merge(reports: Vec<SweepReport>) -> Result<SweepReport, String> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut results: BTreeMap<(String, String), BTreeMap<u64, SeedOutcome>> = BTreeMap::new();
    let mut seeds: Vec<String> = Vec::new();
    let (mut wall_ms, mut jobs) = (0.0, 0);
    for report in reports {
        wall_ms += report.wall_ms;
        jobs = jobs.max(report.jobs);
        let label = match &report.shard {
            Some(shard) => format!("{} (shard {shard})", report.seeds),
            None => report.seeds.clone(),
        };
        if !seeds.contains(&label) {
            seeds.push(label);
        }
        for s in report.scenarios {
            let key = (s.file.clone(), s.name.clone());
            if !order.contains(&key) {
                order.push(key.clone());
            }
            let merged = results.entry(key).or_default();
            for mut r in s.results {
                // Kept report folders stay with the sweep that wrote them.
                r.report = None;
                match merged.get(&r.seed) {
                    Some(seen) if seen.exit_code != r.exit_code || seen.trace_hash != r.trace_hash => {
                        return Err(format!(
                            "{} seed {} has two different results ({:?} vs {:?}): were the sweeps built from different code?",
                            s.name, r.seed, seen.trace_hash, r.trace_hash
                        ));
                    }
                    Some(_) => {}
                    None => {
                        merged.insert(r.seed, r);
                    }
                }
            }
        }
    }
    let scenarios = order
        .into_iter()
        .map(|key| {
            let list = results.remove(&key).unwrap_or_default().into_values().collect();
            ScenarioSweep::new(&key.1, Path::new(&key.0), list)
        })
        .collect();
    Ok(SweepReport::new(scenarios, seeds.join(" + "), None, wall_ms, jobs))
}

/// Prints the table, writes sweep.json, junit.xml, index.html and (through `keep`) the kept
/// report folders into `dir`, and returns the exit code (bad input, 2, when the results cannot
/// be written and no run failed worse).
pub fn finish(report: &SweepReport, dir: &Path, show: usize, keep: &dyn Fn(&Path) -> std::io::Result<()>) -> i32 {
    // Written, not println!'d: a reader that stops early (`| head`) must not panic the sweep,
    // which still writes its files and exits with the runs' code.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "\n{}", report.to_text(show).trim_end());
    let mut code = report.exit_code();
    if code != EXIT_OK {
        eprintln!("FAILED: {} of {} runs failed (exit {code})", report.failures(), report.runs());
    }
    match report.write_files(dir, keep) {
        Ok(()) => {
            _ = writeln!(
                stdout,
                "results: {}, {} and {}",
                dir.join("sweep.json").display(),
                dir.join("junit.xml").display(),
                dir.join("index.html").display()
            )
        }
        Err(e) => {
            eprintln!("error: cannot write the results to {}: {e}", dir.display());
            code = with_output_failure(code);
        }
    }
    code
}

fn class(code: i32) -> &'static str {
    match code {
        EXIT_SAFETY => "safety",
        EXIT_LIVENESS => "liveness",
        EXIT_SIM_CRASH => "crash",
        EXIT_OK => "ok",
        _ => "error",
    }
}

/// Escapes text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(seed: u64, exit_code: i32, failed: &[&str]) -> SeedOutcome {
        SeedOutcome {
            seed,
            exit_code,
            failed: failed.iter().map(|s| s.to_string()).collect(),
            violations: failed.iter().map(|s| (s.to_string(), 3)).collect(),
            counterexample: failed.first().map(|p| format!("{p}: read c1#2 key 3 missed write c2#1")),
            report: None,
            trace_hash: Some(format!("{seed:016x}")),
            crash: None,
            ops: 100,
            wall_ms: 10.0,
            coverage: Vec::new(),
        }
    }

    fn shard(seeds: &[u64], failing: &[u64]) -> SweepReport {
        let results = seeds
            .iter()
            .map(|&s| if failing.contains(&s) { outcome(s, 1, &["no_stale_quorum_reads"]) } else { outcome(s, 0, &[]) })
            .collect();
        SweepReport::new(
            vec![ScenarioSweep::new("x", Path::new("scenarios/x.yaml"), results)],
            "1..6".into(),
            Some("0/2".into()),
            100.0,
            2,
        )
    }

    #[test]
    fn failures_are_counted_by_property_with_the_first_failing_seed() {
        let r = shard(&[5, 1, 3], &[5, 3]);
        let s = &r.scenarios[0];
        assert_eq!((s.seeds, s.failures, s.first_failing_seed), (3, 2, Some(3)));
        assert_eq!(s.by_property.get("no_stale_quorum_reads"), Some(&2));
        assert_eq!(s.violations.get("no_stale_quorum_reads"), Some(&6), "3 violations in each of 2 seeds");
        assert_eq!(r.exit_code(), 1);
        let text = r.to_text(1);
        assert!(text.contains("x seed 3 [safety] no_stale_quorum_reads"), "{text}");
        assert!(text.contains("--scenario scenarios/x.yaml --seed 3"), "{text}");
        assert!(text.contains("... and 1 more failing seeds of x"), "{text}");
    }

    #[test]
    fn shards_merge_into_the_whole_sweep() {
        let merged = merge(vec![shard(&[2, 4, 6], &[4]), shard(&[1, 3, 5], &[])]).expect("merges");
        let s = &merged.scenarios[0];
        let seeds: Vec<u64> = s.results.iter().map(|r| r.seed).collect();
        assert_eq!(seeds, [1, 2, 3, 4, 5, 6]);
        assert_eq!((s.failures, s.first_failing_seed, merged.wall_ms), (1, Some(4), 200.0));
        let again = merge(vec![shard(&[2, 4], &[4]), shard(&[4], &[])]);
        assert!(again.is_err(), "seed 4 cannot both fail and pass");
    }

    #[test]
    fn json_round_trips_and_junit_has_a_case_per_seed() {
        let r = shard(&[1, 2], &[2]);
        let json = serde_json::to_string(&r).expect("json");
        assert_eq!(serde_json::from_str::<SweepReport>(&json).expect("reads back"), r);
        let junit = r.to_junit();
        assert_eq!(junit.matches("<testcase ").count(), 2);
        assert_eq!(junit.matches("<failure type=\"safety\"").count(), 1);
        assert!(
            junit.contains("first counterexample: no_stale_quorum_reads: read c1#2 key 3 missed write c2#1"),
            "{junit}"
        );
        assert!(junit.contains("tests=\"2\" failures=\"1\""));
        assert_eq!(xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
