//! The `cluster.storage:` section: how replicas resolve concurrent writes, how many siblings a
//! key may hold, and whether reads repair replicas. Each mechanism is switchable, so one
//! scenario run both ways shows what it buys.

use nodes::coordinator::ReadRepair;
use nodes::handoff::HandoffConfig;
use nodes::storage::{ConflictPolicy, StorageConfig};
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::positive_ms;
use super::spec::RawStorage;
use super::value::{describe, duration_text, Fields};

/// Most siblings a key may be allowed.
pub const MAX_SIBLINGS_MAX: u64 = 1_024;

/// The storage settings of a cluster, validated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageSpec {
    /// Conflict policy and sibling bound of every store.
    pub store: StorageConfig,
    /// Read repair of every coordinator.
    pub read_repair: ReadRepair,
    /// Hinted handoff (sloppy quorums); `None`: strict quorums.
    pub hinted_handoff: Option<HandoffConfig>,
}

/// Reads `cluster.storage`; every field has a default (siblings, 64 siblings, no read repair).
pub(super) fn storage(raw: Option<&RawStorage>) -> Result<StorageSpec, Invalid> {
    let mut spec = StorageSpec::default();
    let Some(raw) = raw else { return Ok(spec) };
    if let Some(c) = raw.conflicts.as_deref() {
        spec.store.conflicts = match c {
            "siblings" => ConflictPolicy::Siblings,
            "lww" => ConflictPolicy::Lww,
            other => {
                return Err(Invalid::new(
                    "cluster.storage.conflicts",
                    format!(
                        "`{other}`: write `siblings` (concurrent writes kept side by side for the client) or \
                         `lww` (last write wins by the coordinator's clock)"
                    ),
                ))
            }
        };
    }
    if let Some(max) = raw.max_siblings {
        if max == 0 || max > MAX_SIBLINGS_MAX {
            return Err(Invalid::new(
                "cluster.storage.max_siblings",
                format!("{max}: allow 1 to {MAX_SIBLINGS_MAX} siblings per key"),
            ));
        }
        spec.store.max_siblings = max as usize;
    }
    if let Some(r) = raw.read_repair.as_deref() {
        spec.read_repair = read_repair(r)?;
    }
    if let Some(h) = &raw.hinted_handoff {
        spec.hinted_handoff = hinted_handoff(h)?;
    }
    Ok(spec)
}

/// Default wait for a replica's answer before a write turns to a stand-in.
pub const HANDOFF_AFTER_MS_DEFAULT: u64 = 100;
/// Default interval between a stand-in's attempts to deliver its hints.
pub const HANDOFF_RETRY_MS_DEFAULT: u64 = 500;

fn hinted_handoff(raw: &Value) -> Result<Option<HandoffConfig>, Invalid> {
    const FIELD: &str = "cluster.storage.hinted_handoff";
    let on = HandoffConfig { after_ms: HANDOFF_AFTER_MS_DEFAULT, retry_ms: HANDOFF_RETRY_MS_DEFAULT };
    match raw {
        Value::String(s) if s == "off" => Ok(None),
        Value::String(s) if s == "on" => Ok(Some(on)),
        Value::Mapping(_) => {
            let fields = Fields::new(raw, FIELD, &["after", "retry"])?;
            let mut cfg = on;
            if let Some(v) = fields.get("after") {
                cfg.after_ms = positive_ms(&duration_text(v, &fields.field("after"))?, &fields.field("after"))?;
            }
            if let Some(v) = fields.get("retry") {
                cfg.retry_ms = positive_ms(&duration_text(v, &fields.field("retry"))?, &fields.field("retry"))?;
            }
            Ok(Some(cfg))
        }
        other => Err(Invalid::new(
            FIELD,
            format!(
                "{}: write `off`, `on`, or `{{ after: 100ms, retry: 500ms }}` (wait before using a stand-in, \
                 and between hint deliveries)",
                describe(other)
            ),
        )),
    }
}

fn read_repair(raw: &str) -> Result<ReadRepair, Invalid> {
    Ok(match raw {
        "off" => ReadRepair::Off,
        "async" => ReadRepair::Async,
        "blocking" => ReadRepair::Blocking,
        other => {
            return Err(Invalid::new(
                "cluster.storage.read_repair",
                format!("`{other}`: write `off`, `async` (repair after answering) or `blocking` (repair, then answer)"),
            ))
        }
    })
}

/// The YAML words for these settings (the scenario writer uses them).
pub fn conflicts_word(c: ConflictPolicy) -> &'static str {
    match c {
        ConflictPolicy::Siblings => "siblings",
        ConflictPolicy::Lww => "lww",
    }
}

/// The YAML word for a read repair mode.
pub fn read_repair_word(r: ReadRepair) -> &'static str {
    match r {
        ReadRepair::Off => "off",
        ReadRepair::Async => "async",
        ReadRepair::Blocking => "blocking",
    }
}
