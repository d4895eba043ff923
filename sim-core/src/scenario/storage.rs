//! The `cluster.storage:` section: how replicas resolve concurrent writes, how many siblings a
//! key may hold, whether reads repair replicas, when writes are synced to disk and how often
//! records are scrubbed for damage. Each mechanism is switchable, so one scenario run both
//! ways shows what it buys.

use nodes::coordinator::ReadRepair;
use nodes::storage::{ConflictPolicy, FsyncPolicy, StorageConfig};

use super::error::Invalid;
use super::fields::positive_ms;
use super::spec::RawStorage;
use super::units::format_ms;

/// Most siblings a key may be allowed.
pub const MAX_SIBLINGS_MAX: u64 = 1_024;

/// Longest group commit interval of `fsync: <interval>`.
pub const FSYNC_MS_MAX: u64 = 60_000;

/// Shortest and longest scrub interval.
pub const SCRUB_MS_RANGE: (u64, u64) = (10, 3_600_000);

/// The storage settings of a cluster, validated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageSpec {
    /// Conflict policy and sibling bound of every store.
    pub store: StorageConfig,
    /// Read repair of every coordinator.
    pub read_repair: ReadRepair,
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
    if let Some(f) = raw.fsync.as_deref() {
        spec.store.fsync = fsync(f)?;
    }
    if let Some(s) = raw.scrub.as_deref() {
        spec.store.scrub_ms = scrub(s)?;
    }
    Ok(spec)
}

fn fsync(raw: &str) -> Result<FsyncPolicy, Invalid> {
    let field = "cluster.storage.fsync";
    match raw {
        "always" => Ok(FsyncPolicy::Always),
        "never" => Ok(FsyncPolicy::Never),
        interval => {
            let ms = positive_ms(interval, field).map_err(|e| {
                Invalid::new(
                    field,
                    format!(
                        "`{interval}`: write `always` (sync every write before acknowledging it), `never`, or a \
                         group commit interval like `100ms` ({})",
                        e.message
                    ),
                )
            })?;
            if ms > FSYNC_MS_MAX {
                return Err(Invalid::new(
                    field,
                    format!("{interval}: a group commit interval is at most {}", format_ms(FSYNC_MS_MAX)),
                ));
            }
            Ok(FsyncPolicy::EveryMs(ms))
        }
    }
}

fn scrub(raw: &str) -> Result<Option<u64>, Invalid> {
    let field = "cluster.storage.scrub";
    if raw == "off" {
        return Ok(None);
    }
    let ms = positive_ms(raw, field)
        .map_err(|e| Invalid::new(field, format!("`{raw}`: write `off` or an interval like `1s` ({})", e.message)))?;
    let (lo, hi) = SCRUB_MS_RANGE;
    if !(lo..=hi).contains(&ms) {
        return Err(Invalid::new(
            field,
            format!("{raw}: a scrub interval is from {} to {}", format_ms(lo), format_ms(hi)),
        ));
    }
    Ok(Some(ms))
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

/// The YAML word for an fsync policy.
pub fn fsync_word(f: FsyncPolicy) -> String {
    match f {
        FsyncPolicy::Always => "always".into(),
        FsyncPolicy::Never => "never".into(),
        FsyncPolicy::EveryMs(ms) => format_ms(ms),
    }
}

/// The YAML word for a scrub interval.
pub fn scrub_word(ms: Option<u64>) -> String {
    ms.map_or_else(|| "off".into(), format_ms)
}

/// The YAML word for a read repair mode.
pub fn read_repair_word(r: ReadRepair) -> &'static str {
    match r {
        ReadRepair::Off => "off",
        ReadRepair::Async => "async",
        ReadRepair::Blocking => "blocking",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use nodes::storage::FsyncPolicy;

    use crate::scenario::parse;

    const BASE: &str = "\
name: disk
description: d
duration: 10s
cluster:
  nodes: 3
  replication: { n: 3 }
  storage: { fsync: always }
workload:
  - { clients: 1, rate: 1/s, keys: 1 }
";

    fn storage(line: &str) -> Result<nodes::storage::StorageConfig, (String, String)> {
        let text = BASE.replace("{ fsync: always }", line);
        parse(Path::new("s.yaml"), &text)
            .map(|s| s.cluster.storage.store)
            .map_err(|e| (e.field.unwrap_or_default(), e.message))
    }

    #[test]
    fn fsync_and_scrub_read_as_policies_and_intervals() {
        assert_eq!(storage("{ fsync: always }").map(|s| (s.fsync, s.scrub_ms)), Ok((FsyncPolicy::Always, None)));
        assert_eq!(storage("{ fsync: never, scrub: off }").map(|s| s.fsync), Ok(FsyncPolicy::Never));
        let s = storage("{ fsync: 100ms, scrub: 2s }").expect("valid");
        assert_eq!((s.fsync, s.scrub_ms), (FsyncPolicy::EveryMs(100), Some(2_000)));
        assert_eq!(storage("{}").map(|s| s.fsync), Ok(FsyncPolicy::Always), "the default promises sync before ack");
    }

    #[test]
    fn bad_disk_settings_name_their_field() {
        for (line, field, says) in [
            ("{ fsync: sometimes }", "cluster.storage.fsync", "write `always`"),
            ("{ fsync: 0ms }", "cluster.storage.fsync", "`never`"),
            ("{ fsync: 2m }", "cluster.storage.fsync", "at most 1m"),
            ("{ scrub: often }", "cluster.storage.scrub", "write `off`"),
            ("{ scrub: 1ms }", "cluster.storage.scrub", "from 10ms"),
            ("{ fsyncc: always }", "cluster.storage.fsyncc", "unknown field"),
        ] {
            let (f, message) = storage(line).expect_err(line);
            assert_eq!(f, field, "{line}: {message}");
            assert!(message.contains(says), "{line}: {message}");
        }
    }
}
