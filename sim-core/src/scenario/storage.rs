//! The `cluster.storage:` section: how replicas resolve concurrent writes, how many siblings a
//! key may hold, whether reads repair replicas, hedge, and route around replicas that keep
//! timing out. Each mechanism is switchable, so one scenario run both ways shows what it buys.

use nodes::coordinator::{BreakerConfig, Hedge, ReadRepair};
use nodes::storage::{ConflictPolicy, StorageConfig};

use super::error::Invalid;
use super::hedging::{breaker, hedge};
use super::spec::RawStorage;

/// Most siblings a key may be allowed.
pub const MAX_SIBLINGS_MAX: u64 = 1_024;

/// The storage settings of a cluster, validated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageSpec {
    /// Conflict policy and sibling bound of every store.
    pub store: StorageConfig,
    /// Read repair of every coordinator.
    pub read_repair: ReadRepair,
    /// Whether reads ask every replica or R of them with hedges.
    pub hedge: Hedge,
    /// The per-replica circuit breaker of every coordinator (off when `None`).
    pub breaker: Option<BreakerConfig>,
}

/// Reads `cluster.storage`; every field has a default (siblings, 64 siblings, no read repair,
/// no hedging, no breaker). Hedge delays must come before `request_timeout_ms`.
pub(super) fn storage(raw: Option<&RawStorage>, request_timeout_ms: u64) -> Result<StorageSpec, Invalid> {
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
    if let Some(h) = &raw.hedge {
        spec.hedge = hedge(h, request_timeout_ms)?;
    }
    if let Some(b) = &raw.breaker {
        spec.breaker = breaker(b)?;
    }
    Ok(spec)
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
