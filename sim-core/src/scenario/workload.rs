//! The `workload:` section: groups of clients, their rates over time, keys and consistency.

use std::path::Path;

use crate::history::Level;
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{consistency, duration, probability, rate, required};
use super::locate::{item, join};
use super::model::{ClusterSpec, KeyDist, RateSchedule, WorkloadGroup};
use super::retry::retry;
use super::shape::{Base, Shape};
use super::spec::RawGroup;
use super::units::format_ms;
use super::value::{expected, number, Fields};
use super::workload_shape::{check_peak, shape, Window};

/// Most workload groups.
pub const GROUPS_MAX: usize = 64;
/// Most clients in one group.
pub const CLIENTS_MAX: u32 = 100_000;
/// Most keys in one group.
pub const KEYS_MAX: u64 = 1_000_000_000;
/// Most rate changes in one group.
pub const RATE_CHANGES_MAX: usize = 1_000;

/// Checks `workload:`: every group's clients, rate, keys, mix, consistency, time window and
/// shape; `scenario` is the file, which traces are found relative to.
pub fn workload(
    groups: &[RawGroup],
    cluster: &ClusterSpec,
    duration_ms: u64,
    scenario: &Path,
) -> Result<Vec<WorkloadGroup>, Invalid> {
    if groups.is_empty() || groups.len() > GROUPS_MAX {
        return Err(Invalid::new("workload", format!("list 1 to {GROUPS_MAX} groups of clients")));
    }
    // Probe items are read by `probe.rs`.
    let groups = groups.iter().enumerate().filter(|(_, g)| g.probe.is_none());
    groups
        .map(|(i, g)| {
            let path = item("workload", i);
            let mut group = group(g, &path, cluster.n_range().0, duration_ms, scenario)?;
            group.retry = retry(g.retry.as_ref(), &join(&path, "retry"), cluster.client_timeout_ms)?;
            Ok(group)
        })
        .collect()
}

fn group(raw: &RawGroup, path: &str, n: u8, duration_ms: u64, scenario: &Path) -> Result<WorkloadGroup, Invalid> {
    let field = |key: &str| join(path, key);
    let clients = *required(&raw.clients, &field("clients"))?;
    if clients == 0 || clients > CLIENTS_MAX {
        return Err(Invalid::new(field("clients"), format!("{clients} clients: use 1 to {CLIENTS_MAX}")));
    }
    let keys = *required(&raw.keys, &field("keys"))?;
    if keys == 0 || keys > KEYS_MAX {
        return Err(Invalid::new(field("keys"), format!("{keys} keys: use 1 to {KEYS_MAX}")));
    }
    let key_dist = match &raw.key_distribution {
        Some(v) => key_dist(v, &field("key_distribution"))?,
        None => KeyDist::Uniform,
    };
    let reads = probability(raw.reads.unwrap_or(0.5), false, &field("reads"))?;
    let level = |value: &Option<Value>, key: &str| value.as_ref().map(|v| consistency(v, &field(key), n)).transpose();
    let both = level(&raw.consistency, "consistency")?.unwrap_or(Level::Quorum);
    let read_consistency = level(&raw.read_consistency, "read_consistency")?.unwrap_or(both);
    let write_consistency = level(&raw.write_consistency, "write_consistency")?.unwrap_or(both);
    let start_ms = match &raw.start {
        Some(text) => duration(text, &field("start"))?,
        None => 0,
    };
    if start_ms >= duration_ms {
        return Err(Invalid::new(
            field("start"),
            format!("the group starts at or after the end of the run ({})", format_ms(duration_ms)),
        ));
    }
    let stop_ms = match &raw.stop {
        Some(text) => duration(text, &field("stop"))?,
        None => duration_ms,
    };
    if stop_ms > duration_ms {
        return Err(Invalid::new(
            field("stop"),
            format!("the group stops after the end of the run ({})", format_ms(duration_ms)),
        ));
    }
    if stop_ms <= start_ms {
        return Err(Invalid::new(field("stop"), format!("the group stops before it starts ({})", format_ms(start_ms))));
    }
    let changes = rate_changes(raw, path, start_ms, stop_ms)?;
    let window = Window { scenario, start_ms, stop_ms };
    let rate = shaped_rate(raw, path, changes, &window)?;
    Ok(WorkloadGroup {
        clients,
        rate,
        keys,
        key_dist,
        reads,
        read_consistency,
        write_consistency,
        send_context: raw.context.unwrap_or(true),
        retry: Default::default(),
        start_ms,
        stop_ms,
    })
}

/// The group's rate, rate changes and shape together: a trace brings its own rate (so no
/// `rate`), and a shape other than `steady` goes without `rate_changes`.
fn shaped_rate(raw: &RawGroup, path: &str, changes: Vec<(u64, f64)>, w: &Window) -> Result<RateSchedule, Invalid> {
    let field = |key: &str| join(path, key);
    let shape = match &raw.shape {
        Some(v) => shape(v, &field("shape"), w)?,
        None => Shape::default(),
    };
    if !shape.is_steady() && raw.rate_changes.is_some() {
        return Err(Invalid::new(
            field("rate_changes"),
            "`rate_changes` and `shape` both change the rate over time: use one (a step up for a while is a spike)",
        ));
    }
    let base_per_s = match (&shape.base, &raw.rate) {
        (Base::Trace(_), Some(_)) => {
            return Err(Invalid::new(
                field("rate"),
                "a group with a `trace` shape takes its rate from the trace: remove `rate` (to scale the trace, write `trace: { file: ..., scale: 0.5 }`)",
            ))
        }
        (Base::Trace(trace), None) => trace.at(w.start_ms as f64),
        (_, raw_rate) => rate(required(raw_rate, &field("rate"))?, &field("rate"))?,
    };
    if !shape.is_steady() {
        check_peak(&shape, base_per_s, &field("shape"), w)?;
    }
    Ok(RateSchedule { base_per_s, changes, shape })
}

fn rate_changes(raw: &RawGroup, path: &str, start_ms: u64, stop_ms: u64) -> Result<Vec<(u64, f64)>, Invalid> {
    let list = raw.rate_changes.as_deref().unwrap_or_default();
    let list_field = join(path, "rate_changes");
    if list.len() > RATE_CHANGES_MAX {
        return Err(Invalid::new(list_field, format!("at most {RATE_CHANGES_MAX} rate changes")));
    }
    let mut changes: Vec<(u64, f64)> = Vec::with_capacity(list.len());
    for (i, change) in list.iter().enumerate() {
        let item_path = item(&list_field, i);
        let at_field = join(&item_path, "at");
        let at_ms = duration(required(&change.at, &at_field)?, &at_field)?;
        if at_ms < start_ms || at_ms >= stop_ms {
            return Err(Invalid::new(
                at_field,
                format!(
                    "a rate change must fall while the group runs, in [{}, {})",
                    format_ms(start_ms),
                    format_ms(stop_ms)
                ),
            ));
        }
        if let Some(&(previous_ms, _)) = changes.last() {
            if at_ms <= previous_ms {
                return Err(Invalid::new(
                    at_field,
                    format!(
                        "rate changes must be in increasing time order (the previous one is at {})",
                        format_ms(previous_ms)
                    ),
                ));
            }
        }
        let rate_field = join(&item_path, "rate");
        changes.push((at_ms, rate(required(&change.rate, &rate_field)?, &rate_field)?));
    }
    Ok(changes)
}

fn key_dist(value: &Value, field: &str) -> Result<KeyDist, Invalid> {
    if value.as_str() == Some("uniform") {
        return Ok(KeyDist::Uniform);
    }
    if !value.is_mapping() {
        return Err(expected(field, "`uniform` or `{ zipf: <exponent> }`", value));
    }
    let fields = Fields::new(value, field, &["zipf"])?;
    let exponent = number(fields.required("zipf")?, &fields.field("zipf"))?;
    if exponent <= 0.0 {
        return Err(Invalid::new(fields.field("zipf"), "the zipf exponent must be greater than 0"));
    }
    Ok(KeyDist::Zipf(exponent))
}
