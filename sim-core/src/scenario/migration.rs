//! `cluster.control.migration:` the policies of shard migrations (concurrency limit, start
//! rate, per-zone data budget, step timeout, copy resend interval) and a fault that damages
//! every copy in transit.

use nodes::control::{MigrationPolicy, ZoneBudget};
use serde_yaml::Value;

use super::budget::memory_size;
use super::error::Invalid;
use super::fields::{positive_ms, rate};
use super::units::format_ms;
use super::value::{expected, number, Fields};

const FIELD: &str = "cluster.control.migration";

/// Most migrations that may run at once.
const CONCURRENCY_MAX: f64 = 1_000.0;

/// Reads `{ concurrency: 2, rate: 6/min, zone_budget: { bytes: 1MiB, per: 1m }, step_timeout:
/// 10s, resend: 500ms, corrupt_copies: false }` (each optional) over the defaults.
pub(crate) fn policy(raw: &Value) -> Result<MigrationPolicy, Invalid> {
    let keys = ["concurrency", "rate", "zone_budget", "step_timeout", "resend", "corrupt_copies"];
    let fields = Fields::new(raw, FIELD, &keys)?;
    let mut p = MigrationPolicy::default();
    if let Some(v) = fields.get("concurrency") {
        let at = fields.field("concurrency");
        let n = number(v, &at)?;
        if !(1.0..=CONCURRENCY_MAX).contains(&n) || n.fract() != 0.0 {
            return Err(Invalid::new(at, format!("{n}: a whole number of migrations from 1 to {CONCURRENCY_MAX}")));
        }
        p.concurrency = n as u32;
    }
    for (key, slot) in [("step_timeout", &mut p.step_timeout_ms), ("resend", &mut p.resend_ms)] {
        if let Some(v) = fields.get(key) {
            let at = fields.field(key);
            let text = v.as_str().ok_or_else(|| expected(&at, "a duration such as `10s`", v))?;
            *slot = positive_ms(text, &at)?;
        }
    }
    if let Some(v) = fields.get("corrupt_copies") {
        let at = fields.field("corrupt_copies");
        p.corrupt_copies = v.as_bool().ok_or_else(|| expected(&at, "`true` or `false`", v))?;
    }
    if let Some(v) = fields.get("rate") {
        let at = fields.field("rate");
        let text = v.as_str().ok_or_else(|| expected(&at, "a rate such as `6/min`", v))?;
        let per_s = rate(text, &at)?;
        // A leader spaces its starts evenly: `6/min` starts one at most every 10 s.
        if per_s > 1_000.0 {
            return Err(Invalid::new(at, format!("`{text}` starts more than one a millisecond: at most 1000/s")));
        }
        p.start_spacing_ms = ((1_000.0 / per_s).round() as u64).max(1);
    }
    if let Some(v) = fields.get("zone_budget") {
        p.zone_budget = Some(zone_budget(v, &fields.field("zone_budget"))?);
    }
    Ok(p)
}

/// Reads `{ bytes: 1MiB, per: 1m }`: the bytes migrations into one zone may copy within the window.
fn zone_budget(raw: &Value, field: &str) -> Result<ZoneBudget, Invalid> {
    let fields = Fields::new(raw, field, &["bytes", "per"])?;
    let size = memory_size(fields.required("bytes")?, &fields.field("bytes"))?;
    let per = fields.required("per")?;
    let at = fields.field("per");
    let text = per.as_str().ok_or_else(|| expected(&at, "a duration such as `1m`", per))?;
    Ok(ZoneBudget { bytes: size, window_ms: positive_ms(text, &at)? })
}

/// A start spacing as the rate a scenario writes (`6/min`, `0.5/min`).
fn rate_text(spacing_ms: u64) -> String {
    let per_min = 60_000.0 / spacing_ms as f64;
    let text = format!("{per_min:.12}");
    format!("{}/min", text.trim_end_matches('0').trim_end_matches('.'))
}

/// The policy as scenario YAML, or `None` when it is the default (written only when set).
pub fn policy_text(p: &MigrationPolicy) -> Option<String> {
    (*p != MigrationPolicy::default()).then(|| {
        let mut limits = String::new();
        if p.start_spacing_ms > 0 {
            limits += &format!("rate: {}, ", rate_text(p.start_spacing_ms));
        }
        if let Some(b) = p.zone_budget {
            limits += &format!("zone_budget: {{ bytes: {}, per: {} }}, ", b.bytes, format_ms(b.window_ms));
        }
        format!(
            "migration: {{ concurrency: {}, {limits}step_timeout: {}, resend: {}, corrupt_copies: {} }}",
            p.concurrency,
            format_ms(p.step_timeout_ms),
            format_ms(p.resend_ms),
            p.corrupt_copies
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<MigrationPolicy, Invalid> {
        policy(&serde_yaml::from_str(text).expect("yaml"))
    }

    #[test]
    fn settings_override_the_defaults_and_write_back() {
        let p = read("{ concurrency: 4, step_timeout: 3s, corrupt_copies: true }").expect("valid");
        let expect = MigrationPolicy {
            concurrency: 4,
            step_timeout_ms: 3_000,
            resend_ms: 500,
            corrupt_copies: true,
            ..MigrationPolicy::default()
        };
        assert_eq!(p, expect);
        let text = policy_text(&p).expect("not the default");
        assert_eq!(read(text.trim_start_matches("migration: ")).expect("reads back"), p);
        assert_eq!(policy_text(&MigrationPolicy::default()), None);
    }

    #[test]
    fn the_rate_becomes_a_spacing_and_the_budget_a_size_per_window_and_both_write_back() {
        let p = read("{ rate: 6/min, zone_budget: { bytes: 64KiB, per: 10s } }").expect("valid");
        assert_eq!(p.start_spacing_ms, 10_000);
        assert_eq!(p.zone_budget, Some(ZoneBudget { bytes: 65_536, window_ms: 10_000 }));
        for spacing in [1, 7, 333, 7_000, 10_000, 45_000, 3_600_000] {
            let p = MigrationPolicy { start_spacing_ms: spacing, ..p };
            let text = policy_text(&p).expect("not the default");
            assert_eq!(read(text.trim_start_matches("migration: ")).expect(&text), p, "{text}");
        }
        assert_eq!(read("{ rate: 2/s }").expect("valid").start_spacing_ms, 500);
    }

    #[test]
    fn bad_settings_name_their_field() {
        for (text, field) in [
            ("{ concurrency: 0 }", "cluster.control.migration.concurrency"),
            ("{ concurrency: 1.5 }", "cluster.control.migration.concurrency"),
            ("{ step_timeout: 0s }", "cluster.control.migration.step_timeout"),
            ("{ resend: 5 }", "cluster.control.migration.resend"),
            ("{ corrupt_copies: 1 }", "cluster.control.migration.corrupt_copies"),
            ("{ limit: 2 }", "cluster.control.migration.limit"),
            ("{ rate: 6 }", "cluster.control.migration.rate"),
            ("{ rate: 0/min }", "cluster.control.migration.rate"),
            ("{ rate: 2000/s }", "cluster.control.migration.rate"),
            ("{ rate: -1/s }", "cluster.control.migration.rate"),
            ("{ zone_budget: 1MiB }", "cluster.control.migration.zone_budget"),
            ("{ zone_budget: { bytes: 1MiB } }", "cluster.control.migration.zone_budget.per"),
            ("{ zone_budget: { bytes: 0, per: 1s } }", "cluster.control.migration.zone_budget.bytes"),
            ("{ zone_budget: { bytes: 1MB, per: 1s } }", "cluster.control.migration.zone_budget.bytes"),
            ("{ zone_budget: { bytes: 1KiB, per: 0s } }", "cluster.control.migration.zone_budget.per"),
            ("{ zone_budget: { bytes: 1KiB, per: 1s, burst: 2 } }", "cluster.control.migration.zone_budget.burst"),
        ] {
            let e = read(text).expect_err(text);
            assert_eq!(e.field, field, "{text}: {}", e.message);
        }
    }
}
