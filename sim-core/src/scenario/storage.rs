//! The `cluster.storage:` section: how replicas resolve concurrent writes, how many siblings a
//! key may hold, whether reads repair replicas, hinted handoff, anti-entropy, when writes are
//! synced to disk and how often records are scrubbed for damage, hedged reads and the circuit
//! breaker. Each mechanism is switchable, so one scenario run both ways shows what it buys.

use nodes::anti_entropy::AntiEntropyConfig;
use nodes::coordinator::{BreakerConfig, Hedge, ReadRepair};
use nodes::handoff::HandoffConfig;
use nodes::storage::{ConflictPolicy, FsyncPolicy, StorageConfig};
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{duration, positive_ms};
use super::hedging::{breaker, hedge};
use super::spec::RawStorage;
use super::units::format_ms;
use super::value::{describe, duration_text, expected, number, Fields};

/// Most siblings a key may be allowed.
pub const MAX_SIBLINGS_MAX: u64 = 1_024;
/// Most leaves per shard in anti-entropy's hash tree.
pub const BUCKETS_MAX: u32 = 4_096;
/// Longest anti-entropy interval (one hour): longer is off in all but name.
pub const AE_INTERVAL_MS_MAX: u64 = 3_600_000;

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
    /// Hinted handoff (sloppy quorums); `None`: strict quorums.
    pub hinted_handoff: Option<HandoffConfig>,
    /// Anti-entropy between the replicas of every shard (`None`: off).
    pub anti_entropy: Option<AntiEntropyConfig>,
    /// Whether reads ask every replica or R of them with hedges.
    pub hedge: Hedge,
    /// The per-replica circuit breaker of every coordinator (off when `None`).
    pub breaker: Option<BreakerConfig>,
    /// Linearizable (ABD) mode: tagged writes after a quorum read, reads that write back.
    pub linearizable: bool,
}

/// Reads `cluster.storage`; every field has a default (siblings, 64 siblings, no read repair,
/// no hand-off, no anti-entropy, `fsync: always`, no scrub, no hedging, no breaker). Hedge
/// delays and the hand-off wait must come before `request_timeout_ms`.
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
    if let Some(h) = &raw.hinted_handoff {
        spec.hinted_handoff = hinted_handoff(h)?;
    }
    if let Some(ae) = &raw.anti_entropy {
        spec.anti_entropy = anti_entropy(ae)?;
    }
    if let Some(f) = raw.fsync.as_deref() {
        spec.store.fsync = fsync(f)?;
    }
    if let Some(s) = raw.scrub.as_deref() {
        spec.store.scrub_ms = scrub(s)?;
    }
    if let Some(h) = &raw.hedge {
        spec.hedge = hedge(h, request_timeout_ms)?;
    }
    if let Some(b) = &raw.breaker {
        spec.breaker = breaker(b)?;
    }
    if let Some(l) = raw.linearizable.as_deref() {
        spec.linearizable = linearizable(l, raw, &mut spec)?;
    }
    Ok(spec)
}

/// `linearizable: on` (ABD) needs one version per key ordered by tag, and reads that write
/// back before answering: it sets `conflicts: lww` and `read_repair: blocking`, and refuses
/// any other value written for them.
fn linearizable(raw_value: &str, raw: &RawStorage, spec: &mut StorageSpec) -> Result<bool, Invalid> {
    let on = match raw_value {
        "on" => true,
        "off" => false,
        other => {
            return Err(Invalid::new(
                "cluster.storage.linearizable",
                format!("`{other}`: write `on` (ABD: writes read a quorum for a tag, reads write back) or `off`"),
            ))
        }
    };
    if !on {
        return Ok(false);
    }
    if raw.conflicts.as_deref().is_some_and(|c| c != "lww") {
        return Err(Invalid::new(
            "cluster.storage.conflicts",
            "`linearizable: on` keeps one version per key, the highest tag: leave `conflicts` out or write `lww`",
        ));
    }
    if raw.read_repair.as_deref().is_some_and(|r| r != "blocking") {
        return Err(Invalid::new(
            "cluster.storage.read_repair",
            "`linearizable: on` reads write back before answering: leave `read_repair` out or write `blocking`",
        ));
    }
    spec.store.conflicts = ConflictPolicy::Lww;
    spec.read_repair = ReadRepair::Blocking;
    Ok(true)
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

/// `anti_entropy: off`, `on` (the defaults) or `{ interval: 5s, buckets: 64 }` (each optional).
fn anti_entropy(raw: &Value) -> Result<Option<AntiEntropyConfig>, Invalid> {
    const FIELD: &str = "cluster.storage.anti_entropy";
    match raw {
        Value::String(s) if s == "off" => return Ok(None),
        Value::String(s) if s == "on" => return Ok(Some(AntiEntropyConfig::default())),
        Value::Mapping(_) => {}
        other => return Err(expected(FIELD, "`off`, `on` or a mapping like `{ interval: 5s, buckets: 64 }`", other)),
    }
    let fields = Fields::new(raw, FIELD, &["interval", "buckets"])?;
    let mut cfg = AntiEntropyConfig::default();
    if let Some(v) = fields.get("interval") {
        let field = fields.field("interval");
        let ms = duration(&duration_text(v, &field)?, &field)?;
        if ms == 0 || ms > AE_INTERVAL_MS_MAX {
            return Err(Invalid::new(field, "compare every shard once per 1ms to 1h (or write `anti_entropy: off`)"));
        }
        cfg.interval_ms = ms;
    }
    if let Some(v) = fields.get("buckets") {
        let field = fields.field("buckets");
        let n = number(v, &field)?;
        if n.fract() != 0.0 || !(1.0..=BUCKETS_MAX as f64).contains(&n) {
            return Err(Invalid::new(field, format!("{n}: a whole number of leaves per shard, 1 to {BUCKETS_MAX}")));
        }
        cfg.buckets = n as u32;
    }
    Ok(Some(cfg))
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

/// The YAML form of anti-entropy settings.
pub fn anti_entropy_text(ae: Option<AntiEntropyConfig>) -> String {
    match ae {
        None => "off".to_string(),
        Some(c) => format!("{{ interval: {}, buckets: {} }}", super::units::format_ms(c.interval_ms), c.buckets),
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

    use crate::scenario::parse;

    fn with_storage(storage: &str) -> String {
        format!(
            "name: s\ndescription: d\nduration: 10s\ncluster:\n  nodes: 3\n  replication: {{ n: 3 }}\n  \
             storage: {storage}\nworkload: [{{ clients: 1, rate: 1/s, keys: 1 }}]\n"
        )
    }

    fn error(storage: &str) -> String {
        match parse(Path::new("s.yaml"), &with_storage(storage)) {
            Ok(_) => panic!("`{storage}` should be refused"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn anti_entropy_is_off_by_default_and_takes_on_off_or_settings() {
        let spec = |storage: &str| parse(Path::new("s.yaml"), &with_storage(storage)).expect("valid").cluster.storage;
        assert_eq!(spec("{ read_repair: off }").anti_entropy, None);
        assert_eq!(spec("{ anti_entropy: off }").anti_entropy, None);
        let on = spec("{ anti_entropy: on }").anti_entropy.expect("on");
        assert_eq!((on.interval_ms, on.buckets), (5_000, 64));
        let set = spec("{ anti_entropy: { interval: 250ms } }").anti_entropy.expect("on");
        assert_eq!((set.interval_ms, set.buckets), (250, 64));
    }

    #[test]
    fn linearizable_mode_sets_single_versions_and_write_back_and_refuses_what_contradicts_it() {
        let spec = parse(Path::new("s.yaml"), &with_storage("{ linearizable: on }")).expect("valid").cluster.storage;
        assert!(spec.linearizable);
        assert_eq!((spec.store.conflicts, spec.read_repair), (super::ConflictPolicy::Lww, super::ReadRepair::Blocking));
        let text =
            crate::yaml::to_yaml(&parse(Path::new("s.yaml"), &with_storage("{ linearizable: on }")).unwrap(), &[]);
        let again = parse(Path::new("s.yaml"), &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(again.cluster.storage, spec, "written back and read again");
        let e = error("{ linearizable: on, conflicts: siblings }");
        assert!(e.contains("cluster.storage.conflicts: `linearizable: on` keeps one version"), "{e}");
        let e = error("{ linearizable: on, read_repair: async }");
        assert!(e.contains("cluster.storage.read_repair: `linearizable: on` reads write back"), "{e}");
        let e = error("{ linearizable: yes }");
        assert!(e.contains("cluster.storage.linearizable: `yes`"), "{e}");
        let primary = with_storage("{ linearizable: on }").replace("  storage:", "  writes: primary\n  storage:");
        let e = parse(Path::new("s.yaml"), &primary).expect_err("refused").to_string();
        assert!(e.contains("cluster.storage.linearizable:") && e.contains("choose one"), "{e}");
    }

    #[test]
    fn bad_anti_entropy_settings_name_their_field() {
        let e = error("{ anti_entropy: yes }");
        assert!(e.contains("cluster.storage.anti_entropy: expected `off`, `on` or a mapping"), "{e}");
        let e = error("{ anti_entropy: { interval: 0s } }");
        assert!(e.contains("cluster.storage.anti_entropy.interval: compare every shard"), "{e}");
        let e = error("{ anti_entropy: { interval: 5 } }");
        assert!(e.contains("cluster.storage.anti_entropy.interval:"), "{e}");
        let e = error("{ anti_entropy: { buckets: 0 } }");
        assert!(e.contains("cluster.storage.anti_entropy.buckets: 0: a whole number"), "{e}");
        let e = error("{ anti_entropy: { buckets: 2.5 } }");
        assert!(e.contains("cluster.storage.anti_entropy.buckets:"), "{e}");
        let e = error("{ anti_entropy: { intervall: 1s } }");
        assert!(e.contains("cluster.storage.anti_entropy.intervall: unknown field"), "{e}");
    }

    use nodes::storage::FsyncPolicy;

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
