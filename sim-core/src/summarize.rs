//! Turns a run's result into the report crate's plain-data [`reports::Summary`].

use reports::{ControlSummary, FaultSummary, LeaderSpan, NetSummary, Summary, VerdictSummary, WindowSummary};

use crate::check::availability::per_window;

use crate::check::PropertyClass;
use crate::run::RunResult;
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
            })
            .collect(),
        exit_code: result.exit_code(),
    }
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
