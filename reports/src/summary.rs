//! The run summary: a documented, machine-readable record of one run, and its renderings.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::fault_window::FaultWindow;
use crate::timeline::Timeline;

/// Version of the `summary.json` schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a person or a CI job needs to know about one run (`summary.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Schema version of this document.
    pub schema: u32,
    /// Scenario name.
    pub scenario: String,
    /// Scenario description.
    pub description: String,
    /// Scenario file as given on the command line.
    pub file: String,
    /// Root seed of the run.
    pub seed: u64,
    /// The command that reproduces this run exactly.
    pub replay: String,
    /// Trace hash over the ordered event log, 16 hex digits.
    pub trace_hash: String,
    /// Simulated time covered, including the heal phase.
    pub simulated_ms: u64,
    /// Wall-clock time of the simulation, in milliseconds.
    pub wall_ms: f64,
    /// Client operations completed per wall-clock second.
    pub ops_per_wall_s: f64,
    /// Simulated time divided by wall time.
    pub speedup: f64,
    /// Operation counts, success rates and latencies per consistency level and kind.
    pub ops: Vec<LevelStats>,
    /// Success counts per one-second window (by invocation time) and level.
    pub availability_windows: Vec<WindowSummary>,
    /// Transport counters.
    pub net: NetSummary,
    /// Faults as applied, with resolved targets.
    pub faults: Vec<FaultSummary>,
    /// Leader election and shard ownership figures.
    pub control: ControlSummary,
    /// Property verdicts.
    pub verdicts: Vec<VerdictSummary>,
    /// Process exit code: 0 pass, 1 safety failure, 3 liveness failure.
    pub exit_code: i32,
    /// When every fault was healed for the convergence phase (simulated ms), if it was.
    #[serde(default)]
    pub heal_at_ms: Option<u64>,
    /// Each fault as the stretch of time it was in effect; plots shade these.
    #[serde(default)]
    pub fault_windows: Vec<FaultWindow>,
    /// Control-plane timelines (leader, shard primaries, node count); empty until the
    /// simulator records them.
    #[serde(default)]
    pub timelines: Vec<Timeline>,
    /// The plots written into the run folder, in the order the report shows them.
    #[serde(default)]
    pub plots: Vec<PlotFile>,
    /// Wall-clock time spent rendering and encoding the plots, in milliseconds.
    #[serde(default)]
    pub render_ms: f64,
    /// Counters of the storage mechanisms (read repair, conflicts, ...), by name, summed over
    /// the nodes.
    #[serde(default)]
    pub storage: BTreeMap<String, u64>,
    /// How often each dangerous interleaving happened (a deposed primary's write arrived after
    /// a newer grant, a lease ran out during a pause, ...), by property name.
    #[serde(default)]
    pub interleavings: BTreeMap<String, u64>,
    /// The simulated time the run was cut at by `--until`, when it was (`replay` carries it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// PBS staleness of the reads (t-visibility and k-staleness per pair of levels, and what
    /// the probes measured).
    #[serde(default)]
    pub staleness: crate::staleness::Staleness,
    /// When properties were seen violated (the offending operations' completion times).
    #[serde(default)]
    pub violation_marks: Vec<crate::marks::ViolationMark>,
    /// The scenario's `availability` expectations, for the availability plot to draw.
    #[serde(default)]
    pub availability_bounds: Vec<crate::marks::BoundMark>,
    /// Per node, when it was down (`down`) or paused (`paused`): the per-node plot draws it.
    #[serde(default)]
    pub node_status: Vec<crate::timeline::Lane>,
    /// The message trace written with the run (`--trace`), as given, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_file: Option<String>,
    /// The story of the first counterexample of the first failed property (what `clustersim
    /// explain` prints), when a property failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    /// Every migration: its state, step times and bytes moved.
    #[serde(default)]
    pub migrations: Vec<crate::migrations::MigrationSummary>,
    /// Where shards lived over time: how many moved, and the first moved ones' spans.
    #[serde(default)]
    pub placement: crate::placement::PlacementSummary,
    /// The voter set over time, when the run recorded voter proposals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters: Option<crate::placement::VotersSummary>,
    /// The offered load of each workload group with a shape (`workload[0]: 32 clients, 300/s,
    /// daily cycle (...)`); steady groups are not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load: Vec<String>,
    /// The autoscaler's figures and series, when the scenario has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<crate::capacity::CapacitySummary>,
    /// Each node's stats (seed 000's NodeStats), when nodes have a capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_stats: Option<crate::node_stats::NodeStatsSummary>,
    /// Operations coordinated per node under the run's balancer strategy, and their spread.
    #[serde(default)]
    pub spread: crate::spread::LoadSpread,
    /// The zone rebalancer's scores and moves, when the scenario has `rebalance:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zones: Option<crate::zones::ZoneSummary>,
}

/// One plot of the run folder, as a PNG and an SVG file of the same picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlotFile {
    /// Short name, also the file stem: `latency-raw`.
    pub name: String,
    /// Title shown above it in the report.
    pub title: String,
    /// PNG file, relative to the run folder: `plots/latency-raw.png`.
    pub png: String,
    /// SVG file, relative to the run folder: `plots/latency-raw.svg`.
    pub svg: String,
}

/// Figures for the operations of one consistency level and kind (`kind` = `all` for both).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelStats {
    /// `ONE`, `QUORUM`, `ALL` or a number.
    pub consistency: String,
    /// `read`, `write` or `all`.
    pub kind: String,
    /// Operations issued.
    pub total: u64,
    /// Completed successfully.
    pub ok: u64,
    /// Known not to have taken effect.
    pub fail: u64,
    /// Outcome unknown (writes that timed out).
    pub indeterminate: u64,
    /// `ok / total`.
    pub success_rate: f64,
    /// Latency percentiles of successful operations, in ms (0 when none).
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Maximum.
    pub max_ms: f64,
    /// Lowest success rate over the one-second windows that had operations of this row.
    pub worst_window_rate: f64,
    /// Operations sent again after a refusal (the group's `retry:` policy), however they ended.
    #[serde(default)]
    pub retried: u64,
}

/// Operations invoked in one window at one level, and how many succeeded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowSummary {
    /// Window start, simulated ms.
    pub start_ms: u64,
    /// Window length, ms.
    pub window_ms: u64,
    /// `ONE`, `QUORUM`, `ALL` or a number.
    pub consistency: String,
    /// Successful operations.
    pub ok: u64,
    /// All operations invoked in the window.
    pub total: u64,
}

/// Transport counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetSummary {
    /// Messages handed to the network.
    pub sent: u64,
    /// Inputs (messages and timers) delivered to state machines.
    pub delivered: u64,
    /// Dropped by partitions.
    pub partitioned: u64,
    /// Dropped by random loss.
    pub lost: u64,
    /// Sent to nodes that were down.
    pub to_down_node: u64,
    /// Extra duplicate copies.
    pub duplicated: u64,
    /// Delivery batches: one armed madsim timer each (inputs due at one tick for one endpoint).
    pub batches: u64,
}

/// Leader election and shard ownership over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ControlSummary {
    /// Every leadership: who, which term, from when to when (`None`: to the end).
    pub leaders: Vec<LeaderSpan>,
    /// Leaders elected.
    pub elections: u64,
    /// For each loss of a leader, milliseconds until a new one existed (0 if one already did).
    pub leaderless_ms: Vec<u64>,
    /// Times a shard's primary changed hands.
    pub ownership_changes: u64,
    /// Per shard, milliseconds without a primary after its first one.
    pub unowned_ms: Vec<u64>,
}

/// One node's time as leader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeaderSpan {
    /// Node name.
    pub node: String,
    /// Term.
    pub term: u64,
    /// Became leader.
    pub from_ms: u64,
    /// Stopped leading (`None`: still leading at the end).
    pub to_ms: Option<u64>,
}

impl ControlSummary {
    /// `min / p50 / p90 / max` of the leaderless gaps, or `none`.
    pub fn leaderless_text(&self) -> String {
        // Zero gaps are losses after which another leader already existed: nothing to report.
        if self.leaderless_ms.iter().all(|&ms| ms == 0) {
            return "none".into();
        }
        if let [ms] = self.leaderless_ms[..] {
            return format!("{ms} ms (one loss)");
        }
        let mut v = self.leaderless_ms.clone();
        v.sort_unstable();
        let q = |f: f64| v[((f * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        format!("n={} min {} / p50 {} / p90 {} / max {} ms", v.len(), v[0], q(0.5), q(0.9), v[v.len() - 1])
    }
}

/// A fault as applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaultSummary {
    /// Simulated time it was applied.
    pub at_ms: u64,
    /// What it did, with resolved targets.
    pub label: String,
    /// When it was undone, if it had a duration.
    pub until_ms: Option<u64>,
}

/// The verdict on one expected property.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictSummary {
    /// Property as named in `expect`.
    pub name: String,
    /// `safety`, `liveness` or `sometimes`.
    pub class: String,
    /// The scenario expects this property to be violated.
    pub expected_violation: bool,
    /// The expectation was met.
    pub passed: bool,
    /// Violations found.
    pub violations: u64,
    /// Things examined.
    pub checked: u64,
    /// One line with figures.
    pub detail: String,
    /// Some offending operations.
    pub examples: Vec<String>,
    /// The same examples as fields (the first is what `clustersim explain` tells the story of).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counterexamples: Vec<Counterexample>,
}

impl VerdictSummary {
    /// Violations found beyond the examples shown (the "and N more").
    pub fn more(&self) -> u64 {
        self.violations.saturating_sub(self.examples.len() as u64)
    }
}

/// One counterexample as fields: what anomaly, on which key, by which client, and the
/// operations involved, with nodes and writes named (`n3`, `c12#40`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counterexample {
    /// `stale_read`, `read_your_writes`, `monotonic_read`, or the property's name for others.
    pub kind: String,
    /// The key, when the anomaly is about one.
    #[serde(default)]
    pub key: Option<u64>,
    /// The client of the offending operation (`c12`).
    #[serde(default)]
    pub client: Option<String>,
    /// When the offending operation was invoked, simulated ms.
    #[serde(default)]
    pub at_ms: Option<u64>,
    /// The key's replicas (its shard's replica set), when known.
    #[serde(default)]
    pub replicas: Vec<String>,
    /// The operations involved, each with its role (`read`, `missed_write`).
    #[serde(default)]
    pub ops: Vec<CounterexampleOp>,
    /// The example as one line for a person.
    pub text: String,
}

/// An operation in a counterexample.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CounterexampleOp {
    /// What it is in the story: `read`, `missed_write`.
    pub role: String,
    /// The operation as client and sequence number: `c12#40` (a write's id).
    pub id: String,
    /// `read` or `write`.
    pub kind: String,
    /// Invoked, simulated ms.
    pub invoke_ms: u64,
    /// Completed, simulated ms.
    pub complete_ms: u64,
    /// The node that coordinated it.
    #[serde(default)]
    pub coordinator: Option<String>,
    /// Consistency level (`ONE`, `QUORUM`, ...), answers required and replication factor.
    pub level: String,
    /// Answers required (W or R).
    pub required: u8,
    /// Replication factor of the key.
    pub n: u8,
    /// A write's version (`n2:4{n1:..4}`).
    #[serde(default)]
    pub version: Option<String>,
    /// What a read returned: the writes (`c12#40`) and their versions.
    #[serde(default)]
    pub read: Vec<ReadValue>,
}

/// A value a read returned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadValue {
    /// The write that wrote it (`c12#40`).
    pub write: String,
    /// Its version (`n2:4{}`).
    pub version: String,
}

impl Summary {
    /// Writes `summary.json` and `summary.md` into `dir` (which must exist).
    pub fn write_files(&self, dir: &Path) -> io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        std::fs::write(dir.join("summary.json"), json + "\n")?;
        std::fs::write(dir.join("summary.md"), self.to_markdown())
    }

    /// The optional sections (capacity, node stats, zones) as markdown, in that order.
    fn sections_markdown(&self) -> String {
        let sections = [
            self.capacity.as_ref().map(|c| c.markdown()),
            self.node_stats.as_ref().map(|n| n.markdown()),
            self.zones.as_ref().map(|z| z.markdown()),
        ];
        sections.into_iter().flatten().collect()
    }

    /// The summary as Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {}\n\n{}\n", self.scenario, self.description);
        let _ =
            writeln!(s, "- seed: `{}`\n- replay: `{}`\n- trace hash: `{}`", self.seed, self.replay, self.trace_hash);
        let _ = writeln!(
            s,
            "- simulated {:.1} s in {:.0} ms wall ({:.0}x real time, {:.0} ops/s wall)\n",
            self.simulated_ms as f64 / 1000.0,
            self.wall_ms,
            self.speedup,
            self.ops_per_wall_s
        );
        for l in &self.load {
            let _ = writeln!(s, "- offered load: {l}");
        }
        if !self.load.is_empty() {
            s.push('\n');
        }
        let _ = writeln!(s, "- {}\n", self.spread.text());
        s.push_str(&self.sections_markdown());
        let _ = writeln!(
            s,
            "## Properties\n\n| property | result | violations | checked | detail |\n|---|---|---|---|---|"
        );
        for v in &self.verdicts {
            let result = verdict_word(v);
            let _ = writeln!(s, "| {} | {} | {} | {} | {} |", v.name, result, v.violations, v.checked, v.detail);
        }
        let _ = writeln!(
            s,
            "\n## Operations\n\n| level | kind | total | ok | fail | indet. | success | worst 1s window | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for l in &self.ops {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {:.4} | {:.4} | {:.1} | {:.1} | {:.1} | {:.1} |",
                l.consistency,
                l.kind,
                l.total,
                l.ok,
                l.fail,
                l.indeterminate,
                l.success_rate,
                l.worst_window_rate,
                l.p50_ms,
                l.p95_ms,
                l.p99_ms,
                l.max_ms
            );
        }
        if !self.staleness.is_empty() {
            let _ = writeln!(s, "\n## Staleness\n\n{}", self.staleness.to_markdown());
        }
        let _ = writeln!(s, "\n## Control plane\n\n- leaders elected: {}\n- leaderless after a loss: {}\n- primary changes: {}\n- unowned ms per shard: {:?}\n", self.control.elections, self.control.leaderless_text(), self.control.ownership_changes, self.control.unowned_ms);
        if !self.control.leaders.is_empty() {
            let _ = writeln!(s, "| leader | term | from | to |\n|---|---|---|---|");
            for l in &self.control.leaders {
                let to = l.to_ms.map_or("end".to_string(), |t| format!("{:.3}s", t as f64 / 1000.0));
                let _ = writeln!(s, "| {} | {} | {:.3}s | {} |", l.node, l.term, l.from_ms as f64 / 1000.0, to);
            }
        }
        let active: Vec<_> = self.storage.iter().filter(|(_, &n)| n > 0).collect();
        if !active.is_empty() {
            let _ = writeln!(s, "\n## Storage mechanisms\n\n| counter | count |\n|---|---:|");
            for (name, n) in active {
                let _ = writeln!(s, "| {name} | {n} |");
            }
        }
        if !self.faults.is_empty() {
            let _ = writeln!(s, "\n## Faults\n");
            for f in &self.faults {
                let _ = writeln!(s, "- {:.3}s {}", f.at_ms as f64 / 1000.0, f.label);
            }
        }
        let failing: Vec<_> = self.verdicts.iter().filter(|v| !v.passed && !v.examples.is_empty()).collect();
        if !failing.is_empty() {
            let _ = writeln!(s, "\n## Offending operations\n");
            for v in failing {
                let _ = writeln!(s, "### {}\n", v.name);
                for e in &v.examples {
                    let _ = writeln!(s, "- {e}");
                }
                if v.more() > 0 {
                    let _ = writeln!(s, "- ... and {} more", v.more());
                }
            }
        }
        if !self.plots.is_empty() {
            let _ = writeln!(s, "\n## Plots\n\nRendered {} plots in {:.0} ms.\n", self.plots.len(), self.render_ms);
            for p in &self.plots {
                let _ = writeln!(s, "### {}\n\n![{}]({}) ([SVG]({}))\n", p.title, p.name, p.png, p.svg);
            }
        }
        s
    }

    /// A compact plain-text summary for the terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<8} {:<6} {:>8} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8}",
            "level", "kind", "ops", "success", "worst 1s", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        for l in self.ops.iter().filter(|l| l.kind == "all") {
            let _ = writeln!(
                s,
                "{:<8} {:<6} {:>8} {:>8.2}% {:>9.2}% {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
                l.consistency,
                l.kind,
                l.total,
                l.success_rate * 100.0,
                l.worst_window_rate * 100.0,
                l.p50_ms,
                l.p95_ms,
                l.p99_ms,
                l.max_ms
            );
        }
        let retried: u64 = self.ops.iter().filter(|l| l.kind == "all").map(|l| l.retried).sum();
        if retried > 0 {
            let _ = writeln!(s, "retried: {retried} operations sent again after a refusal (ShardMoving, NotPrimary)");
        }
        let _ = writeln!(s);
        let word_width = self.verdicts.iter().map(|v| verdict_word(v).len()).max().unwrap_or(4);
        for v in &self.verdicts {
            let _ = writeln!(s, "{:<word_width$} {:<40} {}", verdict_word(v), v.name, v.detail);
            if !v.passed {
                for e in &v.examples {
                    let _ = writeln!(s, "        {e}");
                }
                if v.more() > 0 && !v.examples.is_empty() {
                    let _ = writeln!(s, "        ... and {} more", v.more());
                }
            }
        }
        if !self.staleness.is_empty() {
            let _ = write!(s, "\n{}", self.staleness.to_text());
        }
        let c = &self.control;
        let unowned_total: u64 = c.unowned_ms.iter().sum();
        let unowned_max = c.unowned_ms.iter().max().copied().unwrap_or(0);
        let _ = writeln!(
            s,
            "\ncontrol: {} elected; leaderless after a loss: {}; {} primary changes; shards without a primary: {} ms in all, at most {} ms for one shard",
            plural(c.elections, "leader", "leaders"),
            c.leaderless_text(),
            c.ownership_changes,
            unowned_total,
            unowned_max
        );
        s.push_str(&crate::migrations::text(&self.migrations));
        if !self.migrations.is_empty() {
            let _ = writeln!(s, "{}", crate::migrations::routing_text(&self.storage));
        }
        s.push_str(&crate::placement::text(&self.placement, self.voters.as_ref(), self.simulated_ms));
        let _ = writeln!(s, "{}", self.spread.text());
        if !self.interleavings.is_empty() {
            let seen: Vec<String> = self.interleavings.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let _ = writeln!(s, "interleavings reached: {}", seen.join(", "));
        }
        if let Some(c) = &self.capacity {
            let _ = writeln!(s, "capacity: {}", c.headline());
        }
        if let Some(n) = &self.node_stats {
            let _ = writeln!(s, "node stats: {}", n.headline());
        }
        if let Some(z) = &self.zones {
            let _ = writeln!(s, "zones: {}", z.headline());
        }
        let _ = writeln!(
            s,
            "simulated {:.1}s in {:.0} ms ({:.0}x real time, {:.0} ops/s wall); messages: {} sent, {} partitioned, {} lost; {} inputs delivered in {} batches",
            self.simulated_ms as f64 / 1000.0,
            self.wall_ms,
            self.speedup,
            self.ops_per_wall_s,
            self.net.sent,
            self.net.partitioned,
            self.net.lost,
            self.net.delivered,
            self.net.batches
        );
        let _ = writeln!(s, "trace hash: {}", self.trace_hash);
        s
    }
}

/// `1 leader`, `3 leaders`: a count with its noun in the right number.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn verdict_word(v: &VerdictSummary) -> &'static str {
    match (v.passed, v.expected_violation) {
        (true, false) => "PASS",
        (true, true) => "PASS (violation expected and found)",
        (false, true) => "FAIL (violation expected, none found)",
        (false, false) => "FAIL",
    }
}

/// Summaries for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// An empty summary of scenario `name` covering `simulated_ms`.
    pub(crate) fn summary(name: &str, simulated_ms: u64) -> Summary {
        Summary {
            schema: SCHEMA_VERSION,
            scenario: name.into(),
            description: format!("{name} for tests"),
            file: format!("scenarios/{name}.yaml"),
            seed: 7,
            replay: format!("clustersim run --scenario scenarios/{name}.yaml --seed 7"),
            trace_hash: "00000000deadbeef".into(),
            simulated_ms,
            wall_ms: 100.0,
            ops_per_wall_s: 1000.0,
            speedup: 100.0,
            ops: vec![],
            availability_windows: vec![],
            net: NetSummary::default(),
            faults: vec![],
            control: ControlSummary::default(),
            verdicts: vec![],
            exit_code: 0,
            heal_at_ms: None,
            fault_windows: vec![],
            timelines: vec![],
            plots: vec![],
            render_ms: 0.0,
            storage: BTreeMap::new(),
            interleavings: BTreeMap::new(),
            until_ms: None,
            staleness: Default::default(),
            violation_marks: vec![],
            availability_bounds: vec![],
            node_status: vec![],
            trace_file: None,
            story: None,
            migrations: Vec::new(),
            placement: Default::default(),
            voters: None,
            load: vec![],
            capacity: None,
            node_stats: None,
            spread: Default::default(),
            zones: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Summary {
        Summary {
            schema: SCHEMA_VERSION,
            scenario: "baseline".into(),
            description: "healthy".into(),
            file: "scenarios/baseline.yaml".into(),
            seed: 7,
            replay: "clustersim run --scenario scenarios/baseline.yaml --seed 7".into(),
            trace_hash: "00000000deadbeef".into(),
            simulated_ms: 65_000,
            wall_ms: 120.0,
            ops_per_wall_s: 1000.0,
            speedup: 541.0,
            ops: vec![LevelStats {
                consistency: "QUORUM".into(),
                kind: "all".into(),
                total: 10,
                ok: 9,
                fail: 1,
                indeterminate: 0,
                success_rate: 0.9,
                p50_ms: 4.0,
                p95_ms: 6.0,
                p99_ms: 7.0,
                max_ms: 9.0,
                worst_window_rate: 0.5,
                retried: 0,
            }],
            availability_windows: vec![WindowSummary {
                start_ms: 0,
                window_ms: 1000,
                consistency: "QUORUM".into(),
                ok: 9,
                total: 10,
            }],
            net: NetSummary::default(),
            faults: vec![],
            control: ControlSummary::default(),
            verdicts: vec![VerdictSummary {
                name: "no_stale_quorum_reads".into(),
                class: "safety".into(),
                expected_violation: false,
                passed: false,
                violations: 1,
                checked: 5,
                detail: "1 stale read".into(),
                examples: vec!["read c1#2 key 3".into()],
                counterexamples: vec![],
            }],
            exit_code: 1,
            heal_at_ms: Some(60_000),
            fault_windows: vec![],
            timelines: vec![],
            plots: vec![PlotFile {
                name: "latency-raw".into(),
                title: "Latency of every operation".into(),
                png: "plots/latency-raw.png".into(),
                svg: "plots/latency-raw.svg".into(),
            }],
            render_ms: 12.0,
            storage: BTreeMap::from([("read_repairs".to_string(), 3), ("sibling_cap_hits".to_string(), 0)]),
            interleavings: BTreeMap::new(),
            until_ms: None,
            staleness: Default::default(),
            violation_marks: vec![],
            availability_bounds: vec![],
            node_status: vec![],
            trace_file: None,
            story: None,
            migrations: Vec::new(),
            placement: Default::default(),
            voters: None,
            load: vec![],
            capacity: None,
            node_stats: None,
            spread: Default::default(),
            zones: None,
        }
    }

    #[test]
    fn counts_read_in_the_right_number_and_empty_gaps_say_none() {
        assert_eq!(plural(1, "leader", "leaders"), "1 leader");
        assert_eq!(plural(0, "leader", "leaders"), "0 leaders");
        let mut c = ControlSummary { leaderless_ms: vec![0], ..Default::default() };
        assert_eq!(c.leaderless_text(), "none");
        c.leaderless_ms = vec![250];
        assert_eq!(c.leaderless_text(), "250 ms (one loss)");
        c.leaderless_ms = vec![0, 100, 300];
        assert_eq!(c.leaderless_text(), "n=3 min 0 / p50 100 / p90 300 / max 300 ms");
    }

    #[test]
    fn verdict_words_keep_the_columns_aligned() {
        let mut s = sample();
        let mut expected = s.verdicts[0].clone();
        expected.name = "stale_reads".into();
        expected.expected_violation = true;
        expected.passed = true;
        s.verdicts.push(expected);
        let text = s.to_text();
        let column = |name: &str| text.lines().find(|l| l.contains(name)).and_then(|l| l.find(name));
        assert_eq!(column("no_stale_quorum_reads"), column("stale_reads "), "{text}");
    }

    #[test]
    fn json_round_trips() {
        let s = sample();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Summary>(&json).unwrap(), s);
    }

    #[test]
    fn json_without_the_report_fields_still_reads() {
        let mut v = serde_json::to_value(sample()).unwrap();
        let o = v.as_object_mut().unwrap();
        for field in ["heal_at_ms", "fault_windows", "timelines", "plots", "render_ms", "storage"] {
            o.remove(field);
        }
        let s: Summary = serde_json::from_value(v).unwrap();
        assert!(s.plots.is_empty() && s.fault_windows.is_empty() && s.heal_at_ms.is_none());
    }

    #[test]
    fn markdown_and_text_show_failures_with_examples() {
        let s = sample();
        let md = s.to_markdown();
        assert!(md.contains("| no_stale_quorum_reads | FAIL |"), "{md}");
        assert!(md.contains("- read c1#2 key 3"));
        assert!(md.contains("![latency-raw](plots/latency-raw.png)"), "{md}");
        let header = md.lines().find(|l| l.starts_with("| level | kind |")).expect("operations table");
        let row = md.lines().find(|l| l.starts_with("| QUORUM | all |")).expect("a row");
        assert_eq!(header.matches('|').count(), row.matches('|').count(), "as many cells as headers:\n{header}\n{row}");
        assert!(row.contains("| 0.9000 | 0.5000 |"), "success, then the worst window: {row}");
        let text = s.to_text();
        assert!(text.contains("FAIL"));
        assert!(text.contains("read c1#2 key 3"));
        assert!(text.contains("trace hash: 00000000deadbeef"));
    }
}
