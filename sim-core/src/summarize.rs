//! Turns a run's result into the report crate's plain data: the [`reports::Summary`], and the
//! [`reports::RunData`] the plots are drawn from (every operation, faults as windows of time).

use crate::history::{NodeChange, OpKind, Outcome};
use reports::{
    ControlSummary, FaultSummary, FaultWindow, LeaderSpan, NetSummary, OpPoint, RunData, Summary, VerdictSummary,
    WindowSummary,
};

use crate::check::availability::per_window;

use crate::check::PropertyClass;
use crate::drive::RunResult;
use crate::history::History;
use crate::scenario::model::Scenario;
use crate::stats::{level_stats, WINDOW_MS};

/// Builds the summary of `result`; `replay` is the exact command that reproduces it.
pub fn summarize(scenario: &Scenario, result: &RunResult, replay: &str) -> Summary {
    let wall_s = result.wall.as_secs_f64().max(1e-9);
    let n = &result.net;
    Summary {
        schema: reports::summary::SCHEMA_VERSION,
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        file: scenario.path.display().to_string(),
        seed: result.seed,
        replay: replay.to_string(),
        trace_hash: result.trace_hash(),
        simulated_ms: result.simulated_ms,
        wall_ms: result.wall.as_secs_f64() * 1000.0,
        ops_per_wall_s: result.history.ops.len() as f64 / wall_s,
        speedup: result.simulated_ms as f64 / 1000.0 / wall_s,
        ops: level_stats(&result.history.ops),
        availability_windows: per_window(&result.history, WINDOW_MS)
            .into_iter()
            .map(|w| WindowSummary {
                start_ms: w.start_ms,
                window_ms: WINDOW_MS,
                consistency: w.consistency.to_string(),
                ok: w.ok,
                total: w.total,
            })
            .collect(),
        net: NetSummary {
            sent: n.sent,
            delivered: n.delivered,
            partitioned: n.partitioned,
            lost: n.lost,
            to_down_node: n.to_down_node,
            duplicated: n.duplicated,
            batches: n.batches,
        },
        faults: result
            .history
            .faults
            .iter()
            .map(|f| FaultSummary { at_ms: f.at_ms, label: f.label.clone(), until_ms: f.until_ms })
            .collect(),
        control: control_summary(&result.history),
        verdicts: result
            .verdicts
            .iter()
            .map(|v| VerdictSummary {
                name: v.name.clone(),
                class: match v.class {
                    PropertyClass::Safety => "safety",
                    PropertyClass::Liveness => "liveness",
                    PropertyClass::Sometimes => "sometimes",
                }
                .to_string(),
                expected_violation: v.expected_violation,
                passed: v.passed,
                violations: v.violations,
                checked: v.checked,
                detail: v.detail.clone(),
                examples: v.examples.clone(),
                counterexamples: crate::check::counterexample::structured(&result.history, v),
            })
            .collect(),
        exit_code: result.exit_code(),
        heal_at_ms: result.history.healed_at_ms,
        fault_windows: fault_windows(&result.history, result.simulated_ms),
        timelines: timelines(&result.history, result.simulated_ms),
        plots: vec![],
        render_ms: 0.0,
        storage: result.storage.counters().iter().map(|&(name, n)| (name.to_string(), n)).collect(),
        interleavings: crate::check::sometimes::Interleaving::ALL
            .iter()
            .map(|&i| (i.name().to_string(), 0))
            .chain(
                crate::check::sometimes::occurrences(&result.history)
                    .into_iter()
                    .map(|(i, _)| (i.name().to_string(), 1)),
            )
            .fold(std::collections::BTreeMap::new(), |mut m, (k, n)| {
                *m.entry(k).or_insert(0) += n;
                m
            }),
        until_ms: None,
        staleness: crate::staleness::analyze(&result.history),
        violation_marks: violation_marks(&result.history, &result.verdicts),
        availability_bounds: availability_bounds(scenario, result),
        node_status: node_status(&result.history, result.simulated_ms),
        trace_file: None,
        story: None,
        migrations: migrations(&result.history),
        placement: placement(&result.history, result.simulated_ms, scenario),
        voters: voters(&result.history),
        load: load_shapes(scenario),
        capacity: capacity(&result.history, scenario.duration_ms),
        node_stats: result.history.node_stats.clone(),
        spread: spread(scenario, &result.history),
        zones: zones(scenario, result),
    }
}

/// The zone rebalancer's section, when the scenario has `rebalance:`.
fn zones(scenario: &Scenario, result: &RunResult) -> Option<reports::zones::ZoneSummary> {
    let r = scenario.rebalance.as_ref()?;
    crate::zone_figures::summary(&result.history, r.interval_ms, scenario.duration_ms)
}

/// The capacity section: figures from what clients saw and which machines ran, and the series
/// the capacity plot draws.
pub fn capacity(history: &History, end_ms: u64) -> Option<reports::capacity::CapacitySummary> {
    use reports::capacity::{CapacityPoint, CapacitySummary, ScaleDecision, SloPoint};
    let f = crate::capacity_figures::figures(history, end_ms)?;
    let log = history.capacity.as_ref()?;
    let series = log
        .samples
        .iter()
        .map(|s| {
            // The forecast made one lead time before this sample, for (about) this time.
            let i = log.forecasts.partition_point(|p| p.for_ms < s.at_ms);
            let fc = log.forecasts.get(i).filter(|p| p.for_ms < s.at_ms + 1_000);
            let (a, b) = (
                log.node_loads.partition_point(|l| l.at_ms < s.at_ms),
                log.node_loads.partition_point(|l| l.at_ms <= s.at_ms),
            );
            let loads = &log.node_loads[a..b];
            CapacityPoint {
                busy_max: loads.iter().map(|l| l.busy).fold(0.0, f64::max),
                busy_mean: loads.iter().map(|l| l.busy).sum::<f64>() / loads.len().max(1) as f64,
                queue_max: loads.iter().map(|l| l.queue).max().unwrap_or(0),
                at_ms: s.at_ms,
                demand: s.demand,
                machines: s.machines,
                serving: s.serving,
                forecast: fc.map(|p| p.demand),
                spread: fc.map_or(0.0, |p| p.spread),
            }
        })
        .collect();
    Some(CapacitySummary {
        mode: f.mode,
        slo_p99_ms: log.slo_p99_ms,
        slo_window_ms: log.slo_window_ms,
        slo_violation_s: f.slo_violation_s,
        node_seconds: f.node_seconds,
        peak_machines: f.peak_machines,
        scale_outs: f.scale_outs,
        scale_ins: f.scale_ins,
        rejected: f.rejected,
        forecast_mape: f.forecast_mape,
        series,
        windows: f
            .windows
            .iter()
            .map(|w| SloPoint {
                from_ms: w.from_ms,
                p99_ms: w.p99_ms.filter(|p| p.is_finite()),
                failed: w.p99_ms.is_some_and(|p| p.is_infinite()),
                violated: w.violated,
            })
            .collect(),
        decisions: log
            .decisions
            .iter()
            .map(|d| ScaleDecision { at_ms: d.at_ms, from: d.from, to: d.to, reason: d.reason.clone() })
            .collect(),
    })
}

/// Operations coordinated per declared node (from each operation's record) and their spread.
fn spread(scenario: &Scenario, history: &History) -> reports::LoadSpread {
    let mut per_node = vec![0u64; scenario.cluster.nodes.len()];
    for c in history.ops.iter().filter_map(|op| op.coordinator) {
        if let Some(count) = per_node.get_mut(c as usize) {
            *count += 1;
        }
    }
    reports::LoadSpread::new(scenario.cluster.balancer.strategy.name(), per_node)
}

/// Shard placement over the run (see [`crate::placement`]): the moved shards, the first
/// [`reports::placement::LISTED_SHARDS_MAX`] of them with their spans.
fn placement(history: &History, end_ms: u64, scenario: &Scenario) -> reports::PlacementSummary {
    use reports::placement::{LISTED_SHARDS_MAX, SPANS_MAX};
    let moved: Vec<crate::placement::ShardPlacement> =
        crate::placement::placements(history, end_ms).into_iter().filter(|p| p.moved()).collect();
    let zone = |n: u32| history.node_zones.get(n as usize).cloned();
    let listed = moved
        .iter()
        .take(LISTED_SHARDS_MAX)
        .map(|p| reports::ShardPlacement {
            shard: p.shard,
            spans: p
                .spans
                .iter()
                .take(SPANS_MAX)
                .map(|s| reports::PlacementSpan {
                    from_ms: s.from_ms,
                    to_ms: s.to_ms,
                    primary: s.primary.map(|n| history.node_name(n)),
                    zone: s.primary.and_then(zone),
                    replicas: s.replicas.iter().map(|&n| history.node_name(n)).collect(),
                })
                .collect(),
            spans_more: p.spans.len().saturating_sub(SPANS_MAX) as u32,
        })
        .collect();
    let classes = scenario.cluster.classes_text();
    reports::PlacementSummary { shards: history.shards, moved: moved.len() as u32, listed, classes }
}

/// The voter set over time, when leaders proposed any (see [`crate::placement::voter_sets`]).
fn voters(history: &History) -> Option<reports::VotersSummary> {
    let sets = crate::placement::voter_sets(history);
    let named = |s: &crate::placement::VoterSet| reports::VoterSet {
        at_ms: s.at_ms,
        set: s.voters.iter().map(|&n| history.node_name(n)).collect(),
    };
    let (first, last) = (sets.first()?, sets.last()?);
    Some(reports::VotersSummary {
        first: named(first),
        changes: (sets.len() - 1) as u32,
        listed: sets[1..].iter().take(reports::placement::VOTER_CHANGES_MAX).map(named).collect(),
        last: named(last),
    })
}

/// The per-migration status table, from the step events leaders recorded.
fn migrations(history: &History) -> Vec<reports::MigrationSummary> {
    crate::check::migrations::table(history)
        .into_iter()
        .map(|r| reports::MigrationSummary {
            id: r.id,
            shard: r.shard,
            from: r.from.iter().map(|&n| history.node_name(n)).collect(),
            to: history.node_name(r.to),
            replaces: r.replaces.map(|n| history.node_name(n)),
            state: r.state.name().to_string(),
            steps: r.steps.iter().map(|&(s, at)| (s.name().to_string(), at)).collect(),
            bytes: r.bytes,
        })
        .collect()
}

/// Most violation marks drawn per property: the plots need where, not every one.
pub const MARKS_MAX: usize = 200;

/// When each property with violations was seen violated: the completion time of the first
/// operation (`c12#40`) each of its examples names, else the first time (`10.512s`) it
/// gives. Availability bounds are drawn as bounds instead.
pub fn violation_marks(history: &History, verdicts: &[crate::check::Verdict]) -> Vec<reports::ViolationMark> {
    let mut marks = vec![];
    let mut completed: Option<std::collections::BTreeMap<(u32, u64), u64>> = None;
    for v in verdicts.iter().filter(|v| v.violations > 0 && !v.name.starts_with("availability(")) {
        for example in v.examples.iter().take(MARKS_MAX) {
            let by_op = op_ref(example).and_then(|key| {
                let map = completed
                    .get_or_insert_with(|| history.ops.iter().map(|o| ((o.client, o.seq), o.complete_ms)).collect());
                map.get(&key).copied()
            });
            if let Some(at_ms) = by_op.or_else(|| time_ref(example)) {
                marks.push(reports::ViolationMark { property: v.name.clone(), at_ms });
            }
        }
    }
    marks
}

/// The first operation an example names, `c12#40` → (12, 40).
fn op_ref(text: &str) -> Option<(u32, u64)> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).find_map(|word| {
        let (client, seq) = word.strip_prefix('c')?.split_once('#')?;
        Some((client.parse().ok()?, seq.parse().ok()?))
    })
}

/// The first simulated time an example gives, `10.512s` → 10512.
fn time_ref(text: &str) -> Option<u64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == 's')).find_map(|word| {
        let (whole, ms) = word.strip_suffix('s')?.split_once('.')?;
        (ms.len() == 3).then_some(())?;
        Some(whole.parse::<u64>().ok()? * 1000 + ms.parse::<u64>().ok()?)
    })
}

/// The scenario's availability expectations with their verdicts (verdicts come in the order
/// of `expect`).
fn availability_bounds(scenario: &Scenario, result: &RunResult) -> Vec<reports::BoundMark> {
    use crate::check::Expectation;
    scenario
        .expect
        .iter()
        .zip(&result.verdicts)
        .filter_map(|(e, v)| match e {
            Expectation::Availability(b) => Some(reports::BoundMark {
                property: v.name.clone(),
                consistency: b.consistency.map(|c| c.to_string()),
                min: b.min,
                max: b.max,
                from_ms: b.from_ms,
                to_ms: b.to_ms,
                passed: v.passed,
            }),
            _ => None,
        })
        .collect()
}

/// Per node, the stretches it was down (crashed until restarted) or paused, from the node
/// events; a node still down at the end stays down until `end_ms`.
pub fn node_status(history: &History, end_ms: u64) -> Vec<reports::Lane> {
    let mut lanes: Vec<reports::Lane> = (0..history.nodes.min(TIMELINE_LANES_MAX))
        .map(|n| reports::Lane { name: history.node_name(n), intervals: vec![] })
        .collect();
    let mut since: std::collections::BTreeMap<u32, (u64, &str)> = std::collections::BTreeMap::new();
    for e in &history.node_events {
        let Some(lane) = lanes.get_mut(e.node as usize) else { continue };
        match e.change {
            NodeChange::Crashed => {
                since.entry(e.node).or_insert((e.at_ms, "down"));
            }
            NodeChange::Paused => {
                since.entry(e.node).or_insert((e.at_ms, "paused"));
            }
            NodeChange::Restarted | NodeChange::Resumed => {
                if let Some((start_ms, label)) = since.remove(&e.node) {
                    let label = label.to_string();
                    lane.intervals.push(reports::Interval { start_ms, end_ms: e.at_ms, label });
                }
            }
            NodeChange::Joined | NodeChange::Left => {} // membership, not the process
        }
    }
    for (node, (start_ms, label)) in since {
        if let Some(lane) = lanes.get_mut(node as usize) {
            lane.intervals.push(reports::Interval { start_ms, end_ms, label: label.to_string() });
        }
    }
    lanes
}

/// Everything the report of `result` is drawn from: its summary and every operation.
pub fn run_data(scenario: &Scenario, result: &RunResult, replay: &str) -> RunData {
    let ops = result
        .history
        .ops
        .iter()
        .map(|op| OpPoint {
            invoke_ms: op.invoke_ms,
            complete_ms: op.complete_ms,
            level: op.level.to_string(),
            kind: match op.kind {
                OpKind::Read => reports::OpKind::Read,
                OpKind::Write => reports::OpKind::Write,
            },
            outcome: match op.outcome {
                Outcome::Ok => reports::Outcome::Ok,
                Outcome::Fail => reports::Outcome::Fail,
                Outcome::Indeterminate => reports::Outcome::Indeterminate,
            },
            node: op.coordinator.map(|n| result.history.node_name(n)).unwrap_or_default(),
            client: op.client,
            key: op.key,
        })
        .collect();
    RunData { summary: summarize(scenario, result, replay), ops }
}

/// The offered load of each shaped workload group, in words.
pub fn load_shapes(scenario: &Scenario) -> Vec<String> {
    let shaped = scenario.workload.iter().enumerate().filter(|(_, g)| !g.rate.shape.is_steady());
    shaped
        .map(|(i, g)| {
            let base = match g.rate.shape.base {
                crate::scenario::shape::Base::Trace(_) => String::new(),
                _ => format!("{}/s, ", g.rate.base_per_s),
            };
            format!("workload[{i}]: {} clients, {base}{}", g.clients, g.rate.shape.describe())
        })
        .collect()
}

/// Each applied fault as the time it was in effect (see [`crate::history::fault_span::fault_spans`]).
pub fn fault_windows(history: &History, end_ms: u64) -> Vec<FaultWindow> {
    crate::history::fault_span::fault_spans(history, end_ms)
        .into_iter()
        .map(|f| FaultWindow {
            start_ms: f.start_ms,
            end_ms: f.end_ms,
            label: history.faults[f.fault].label.clone(),
            kind: f.kind,
        })
        .collect()
}

/// Leader timeline, leaderless gaps and ownership figures of a history.
pub fn control_summary(history: &crate::history::History) -> ControlSummary {
    use crate::check::{leaders, primaries};
    let intervals = leaders::leader_intervals(history);
    ControlSummary {
        elections: intervals.len() as u64,
        leaders: intervals
            .iter()
            .map(|i| LeaderSpan { node: history.node_name(i.node), term: i.term, from_ms: i.from_ms, to_ms: i.to_ms })
            .collect(),
        leaderless_ms: leaders::downtimes_ms(history),
        ownership_changes: primaries::ownership_changes(history),
        unowned_ms: primaries::unowned_ms(history),
    }
}

/// Most lanes a timeline shows (nodes for the leader, shards for primaries): a plot is 24
/// pixels a lane, so 65,536 shards would need a bitmap of gigabytes. The rest are counted in
/// the timeline's name.
pub const TIMELINE_LANES_MAX: u32 = 64;

/// The control-plane timelines: who led in which term, and each shard's primary over time
/// (the first [`TIMELINE_LANES_MAX`] nodes and shards).
pub fn timelines(history: &History, end_ms: u64) -> Vec<reports::Timeline> {
    use crate::check::{leaders, primaries};
    use reports::{Interval, Lane, Timeline};
    let intervals = leaders::leader_intervals(history);
    if intervals.is_empty() {
        return Vec::new();
    }
    let leader_lanes = (0..history.nodes.min(TIMELINE_LANES_MAX))
        .map(|n| Lane {
            name: history.node_name(n),
            intervals: intervals
                .iter()
                .filter(|i| i.node == n)
                .map(|i| Interval {
                    start_ms: i.from_ms,
                    end_ms: i.to_ms.unwrap_or(end_ms),
                    label: format!("term {}", i.term),
                })
                .collect(),
        })
        .collect();
    // Grouped once by shard: filtering every tenure for every shard is quadratic.
    let mut by_shard: std::collections::BTreeMap<u32, Vec<Interval>> = std::collections::BTreeMap::new();
    for t in primaries::tenures(history, end_ms).into_iter().filter(|t| t.shard < TIMELINE_LANES_MAX) {
        let interval = Interval { start_ms: t.from_ms, end_ms: t.to_ms, label: history.node_name(t.node) };
        by_shard.entry(t.shard).or_default().push(interval);
    }
    let shard_lanes = (0..history.shards.min(TIMELINE_LANES_MAX))
        .map(|s| Lane { name: format!("shard {s}"), intervals: by_shard.remove(&s).unwrap_or_default() })
        .collect();
    vec![
        Timeline { name: lanes_name("leader", history.nodes, "nodes"), lanes: leader_lanes },
        Timeline { name: lanes_name("shard primaries", history.shards, "shards"), lanes: shard_lanes },
    ]
}

/// `name`, or `name (first 64 of 1024 nodes)` when there are more lanes than are drawn.
fn lanes_name(name: &str, lanes: u32, what: &str) -> String {
    if lanes > TIMELINE_LANES_MAX {
        format!("{name} (first {TIMELINE_LANES_MAX} of {lanes} {what})")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, NodeEventRecord};

    fn fault(at_ms: u64, label: &str, nodes: Vec<u32>, until_ms: Option<u64>, undo: bool) -> FaultRecord {
        FaultRecord { at_ms, label: label.into(), nodes, until_ms, undo }
    }

    #[test]
    fn examples_name_their_operation_or_time() {
        assert_eq!(op_ref("stale read c12#40 key 3 missed c2#1"), Some((12, 40)));
        assert_eq!(op_ref("no op here"), None);
        assert_eq!(time_ref("leader n1 at 10.512s and 11.000s"), Some(10_512));
        assert_eq!(time_ref("took 1.5s"), None);
    }

    #[test]
    fn node_status_spans_crashes_and_pauses() {
        let mut h = History::new();
        h.nodes = 2;
        h.node_events = vec![
            NodeEventRecord { at_ms: 1_000, node: 0, change: NodeChange::Crashed },
            NodeEventRecord { at_ms: 2_000, node: 1, change: NodeChange::Paused },
            NodeEventRecord { at_ms: 3_000, node: 0, change: NodeChange::Restarted },
            NodeEventRecord { at_ms: 4_000, node: 1, change: NodeChange::Resumed },
            NodeEventRecord { at_ms: 5_000, node: 0, change: NodeChange::Crashed },
        ];
        let lanes = node_status(&h, 9_000);
        let spans =
            |n: usize| lanes[n].intervals.iter().map(|i| (i.start_ms, i.end_ms, i.label.clone())).collect::<Vec<_>>();
        assert_eq!(spans(0), vec![(1_000, 3_000, "down".into()), (5_000, 9_000, "down".into())]);
        assert_eq!(spans(1), vec![(2_000, 4_000, "paused".into())]);
    }

    #[test]
    fn fault_windows_end_at_restart_undo_or_heal() {
        let mut h = History::new();
        h.faults = vec![
            fault(10_000, "crash n4,n5", vec![3, 4], None, false),
            fault(20_000, "partition [n1] | [n2,n3]", vec![0, 1, 2], Some(35_000), false),
            fault(25_000, "heal links", vec![], None, false),
            fault(25_000, "end partition [n1] | [n2,n3]", vec![], None, true),
            fault(30_000, "loss 0.2", vec![], None, false),
            fault(40_000, "restart n4,n5", vec![3, 4], None, false),
            fault(60_000, "end crash n4,n5", vec![3, 4], None, true),
            fault(60_000, "heal all", vec![], None, true),
        ];
        h.node_events = vec![
            NodeEventRecord { at_ms: 10_000, node: 3, change: NodeChange::Crashed },
            NodeEventRecord { at_ms: 10_000, node: 4, change: NodeChange::Crashed },
            NodeEventRecord { at_ms: 40_000, node: 3, change: NodeChange::Restarted },
            NodeEventRecord { at_ms: 40_000, node: 4, change: NodeChange::Restarted },
        ];
        h.healed_at_ms = Some(60_000);
        let w = fault_windows(&h, 65_000);
        let spans: Vec<(u64, u64, &str, &str)> =
            w.iter().map(|f| (f.start_ms, f.end_ms, f.label.as_str(), f.kind.as_str())).collect();
        assert_eq!(
            spans,
            vec![
                (10_000, 40_000, "crash n4,n5", "crash"),
                (20_000, 25_000, "partition [n1] | [n2,n3]", "partition"),
                (30_000, 60_000, "loss 0.2", "loss"),
            ]
        );
    }
}
