//! `cluster.capacity:` (what a request costs a node: workers, queue, service times) and
//! `autoscaler:` (who sizes the cluster, within which bounds, judged by which SLO).

use nodes::capacity::node_stats::{NODES_MAX, SAMPLES_MAX, WINDOW_MAX};
use nodes::capacity::{AutoScalerConfig, HpaConfig, Mode, NodeStatsConfig, PredictiveConfig, ThresholdConfig};
use nodes::sim::service::{ServiceConfig, Work};
use nodes::Latency;
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::duration;
use super::latency::latency;
use super::model::AutoscalerSpec;
use super::units::format_ms;
use super::value::{duration_text, expected, number, one_of, string, Fields};

/// Most workers per node.
pub const WORKERS_MAX: u64 = 1_024;
/// Longest queue per node.
pub const QUEUE_MAX: u64 = 1_000_000;

/// Service times when a scenario gives workers but no times: a replica read 0.5 ms, a write
/// 1 ms, coordinating 0.2 ms, a repair 1 ms, a migration chunk 2 ms (exponential around
/// those means, a small server's figures).
fn default_time(work: Work) -> Latency {
    let mean_ms = match work {
        Work::Coordinate => 0.2,
        Work::Read => 0.5,
        Work::Write | Work::Repair => 1.0,
        Work::Migration => 2.0,
    };
    Latency::Exponential { min_ms: 0.0, mean_ms }
}

/// `capacity: { workers: 4, queue: 64, service: { read: 0.5ms, write: { exponential: ... } } }`.
pub fn capacity(raw: Option<&Value>) -> Result<Option<ServiceConfig>, Invalid> {
    const FIELD: &str = "cluster.capacity";
    let Some(raw) = raw else { return Ok(None) };
    if !raw.is_mapping() {
        return Err(expected(FIELD, "a mapping like `{ workers: 4, queue: 64 }`", raw));
    }
    let fields = Fields::new(raw, FIELD, &["workers", "queue", "service", "stats"])?;
    let whole = |key: &str, lo: u64, hi: u64| -> Result<u64, Invalid> {
        let field = fields.field(key);
        let v = number(fields.required(key)?, &field)?;
        if v.fract() != 0.0 || v < lo as f64 || v > hi as f64 {
            return Err(Invalid::new(field, format!("{v}: use a whole number from {lo} to {hi}")));
        }
        Ok(v as u64)
    };
    let workers = whole("workers", 1, WORKERS_MAX)? as u32;
    let queue = whole("queue", 0, QUEUE_MAX)? as u32;
    let mut times = Work::ALL.map(default_time);
    if let Some(service) = fields.get("service") {
        let field = fields.field("service");
        let names = Work::ALL.map(Work::name);
        if !service.is_mapping() {
            return Err(expected(&field, &format!("a mapping with some of {}", one_of(&names)), service));
        }
        let kinds = Fields::new(service, &field, &names)?;
        for work in Work::ALL {
            if let Some(v) = kinds.get(work.name()) {
                let f = kinds.field(work.name());
                let t = latency(v, &f)?;
                if !(t.mean_ms() > 0.0 && t.mean_ms().is_finite()) {
                    return Err(Invalid::new(f, "a service time needs a positive, finite mean"));
                }
                times[work as usize] = t;
            }
        }
    }
    Ok(Some(ServiceConfig { workers, queue, times }))
}

/// Longest node stats interval.
pub const STATS_INTERVAL_MAX_MS: u64 = 3_600_000;

/// `cluster.capacity.stats: { interval: 1s, window: 60, nodes: 128 }`: how often each node's
/// stats are sampled, how many samples each keeps, how many nodes are tracked (default all
/// declared, at most 1,024; window × nodes at most 262,144). `Some` whenever nodes have a
/// capacity: every capacity run keeps node stats.
pub fn node_stats(raw: Option<&Value>, declared_nodes: usize) -> Result<Option<NodeStatsConfig>, Invalid> {
    const FIELD: &str = "cluster.capacity.stats";
    let Some(capacity) = raw else { return Ok(None) };
    let nodes_default = declared_nodes.clamp(1, NODES_MAX);
    let mut cfg = NodeStatsConfig { max_nodes: nodes_default, ..NodeStatsConfig::default() };
    let Some(raw) = capacity.get("stats") else { return Ok(Some(cfg)) };
    if !raw.is_mapping() {
        return Err(expected(FIELD, "a mapping like `{ interval: 1s, window: 60 }`", raw));
    }
    let fields = Fields::new(raw, FIELD, &["interval", "window", "nodes"])?;
    let whole = |key: &str, hi: usize| -> Result<Option<usize>, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(None) };
        let field = fields.field(key);
        let x = number(v, &field)?;
        if x.fract() != 0.0 || x < 1.0 || x > hi as f64 {
            return Err(Invalid::new(field, format!("{x}: use a whole number from 1 to {hi}")));
        }
        Ok(Some(x as usize))
    };
    if let Some(v) = fields.get("interval") {
        let field = fields.field("interval");
        let ms = duration(&duration_text(v, &field)?, &field)?;
        if !(1..=STATS_INTERVAL_MAX_MS).contains(&ms) {
            return Err(Invalid::new(field, format!("{}: sample every 1ms to 1h", format_ms(ms))));
        }
        cfg.interval_ms = ms;
    }
    cfg.window = whole("window", WINDOW_MAX)?.unwrap_or(cfg.window);
    cfg.max_nodes = whole("nodes", NODES_MAX)?.unwrap_or(nodes_default);
    let held = cfg.window * cfg.max_nodes.min(declared_nodes.max(1));
    if held > SAMPLES_MAX {
        return Err(Invalid::new(
            fields.field("window"),
            format!(
                "{} samples × {} nodes is {held}: at most {SAMPLES_MAX} samples are kept",
                cfg.window, cfg.max_nodes
            ),
        ));
    }
    Ok(Some(cfg))
}

/// `autoscaler: { mode: hpa, min: 3, max: 12, initial: 3, startup: 30s, target: 0.6, ... }`.
pub fn autoscaler(
    raw: Option<&Value>,
    (nodes, zones): (usize, usize),
    n: u8,
    has_capacity: bool,
) -> Result<Option<AutoscalerSpec>, Invalid> {
    const FIELD: &str = "autoscaler";
    const KEYS: &[&str] = &[
        "mode", "min", "max", "initial", "startup", "interval", "cooldown", "target", "high", "low", "period", "slo",
        "sample",
    ];
    let Some(raw) = raw else { return Ok(None) };
    if !raw.is_mapping() {
        return Err(expected(FIELD, "a mapping like `{ mode: hpa, min: 3, max: 12 }`", raw));
    }
    let fields = Fields::new(raw, FIELD, KEYS)?;
    if !has_capacity {
        return Err(Invalid::new(
            FIELD,
            "an autoscaler needs load that costs something: give `cluster.capacity: { workers, queue }`",
        ));
    }
    let count = |key: &str| -> Result<Option<u32>, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(None) };
        let field = fields.field(key);
        let x = number(v, &field)?;
        if x.fract() != 0.0 || x < 1.0 || x > nodes as f64 {
            return Err(Invalid::new(field, format!("{x}: use a whole number from 1 to the {nodes} declared nodes")));
        }
        Ok(Some(x as u32))
    };
    let ms = |key: &str| -> Result<Option<u64>, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(None) };
        let field = fields.field(key);
        Ok(Some(duration(&duration_text(v, &field)?, &field)?))
    };
    let mode = mode(&fields, zones)?;
    let max = count("max")?.unwrap_or(nodes as u32);
    let min = count("min")?.unwrap_or(1.max(u32::from(n)));
    if min > max {
        return Err(Invalid::new(fields.field("min"), format!("min ({min}) is above max ({max})")));
    }
    if min < u32::from(n) {
        return Err(Invalid::new(fields.field("min"), format!("min ({min}) is below the replication factor ({n})")));
    }
    let initial = count("initial")?.unwrap_or(min);
    if !(min..=max).contains(&initial) {
        return Err(Invalid::new(fields.field("initial"), format!("{initial}: start within min..max ({min}..{max})")));
    }
    let mut config = AutoScalerConfig { min_nodes: min, max_nodes: max, ..AutoScalerConfig::new(mode) };
    config.startup_ms = ms("startup")?.unwrap_or(config.startup_ms);
    config.interval_ms = ms("interval")?.unwrap_or(config.interval_ms).max(1);
    if let Some(c) = fields.get("cooldown") {
        let field = fields.field("cooldown");
        let cd = Fields::new(c, &field, &["up", "down"])?;
        for (key, slot) in [("up", &mut config.scale_up_cooldown_ms), ("down", &mut config.scale_down_cooldown_ms)] {
            if let Some(v) = cd.get(key) {
                *slot = duration(&duration_text(v, &cd.field(key))?, &cd.field(key))?;
            }
        }
    }
    let sample_ms = ms("sample")?.unwrap_or(1_000).max(1);
    if sample_ms > config.interval_ms {
        return Err(Invalid::new(
            fields.field("sample"),
            format!("sample every {} at most: the interval is {}", format_ms(sample_ms), format_ms(config.interval_ms)),
        ));
    }
    let (slo_p99_ms, slo_window_ms) = slo(fields.get("slo"), &fields.field("slo"))?;
    Ok(Some(AutoscalerSpec { config, initial, sample_ms, period_ms: ms("period")?, slo_p99_ms, slo_window_ms }))
}

/// The `mode` with its own settings (`target`; `high` and `low` for `threshold`).
fn mode(fields: &Fields, zones: usize) -> Result<Mode, Invalid> {
    let fraction = |key: &str, default: f64| -> Result<f64, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(default) };
        let field = fields.field(key);
        let x = number(v, &field)?;
        if !(x > 0.0 && x <= 4.0) {
            return Err(Invalid::new(field, format!("{x}: a busy fraction above 0 (at most 4)")));
        }
        Ok(x)
    };
    let mode_name = string(fields.required("mode")?, &fields.field("mode"), "a mode")?;
    let target = fraction("target", 0.6)?;
    let mode = match mode_name {
        "threshold" => {
            // A step is a whole round of zones: the scaler carries counts out in rounds.
            let step_nodes = zones.max(1) as u32;
            let t = ThresholdConfig { high: fraction("high", 0.8)?, low: fraction("low", 0.3)?, step_nodes };
            if t.low >= t.high {
                return Err(Invalid::new(
                    fields.field("low"),
                    format!("low ({}) must be below high ({})", t.low, t.high),
                ));
            }
            Mode::Threshold(t)
        }
        "hpa" => Mode::Hpa(HpaConfig { target, ..HpaConfig::default() }),
        "predictive" => Mode::Predictive(PredictiveConfig { target, ..PredictiveConfig::default() }),
        other => {
            return Err(Invalid::new(
                fields.field("mode"),
                format!("`{other}`: use {}", one_of(&["threshold", "hpa", "predictive"])),
            ))
        }
    };
    Ok(mode)
}

/// `slo: { p99: 100ms, window: 10s }` (defaults 100 ms over 10 s windows).
fn slo(raw: Option<&Value>, field: &str) -> Result<(u64, u64), Invalid> {
    let Some(raw) = raw else { return Ok((100, 10_000)) };
    let fields = Fields::new(raw, field, &["p99", "window"])?;
    let get = |key: &str, default: u64| -> Result<u64, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(default) };
        let f = fields.field(key);
        let ms = duration(&duration_text(v, &f)?, &f)?;
        if ms == 0 {
            return Err(Invalid::new(f, "must be positive"));
        }
        Ok(ms)
    };
    Ok((get("p99", 100)?, get("window", 10_000)?))
}
