//! `cluster.control.migration:` the policies of shard migrations (concurrency limit, step
//! timeout, copy resend interval) and a fault that damages every copy in transit.

use nodes::control::MigrationPolicy;
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::positive_ms;
use super::units::format_ms;
use super::value::{expected, number, Fields};

const FIELD: &str = "cluster.control.migration";

/// Most migrations that may run at once.
const CONCURRENCY_MAX: f64 = 1_000.0;

/// Reads `{ concurrency: 2, step_timeout: 10s, resend: 500ms, corrupt_copies: false }` (each
/// optional) over the defaults.
pub(crate) fn policy(raw: &Value) -> Result<MigrationPolicy, Invalid> {
    let fields = Fields::new(raw, FIELD, &["concurrency", "step_timeout", "resend", "corrupt_copies"])?;
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
    Ok(p)
}

/// The policy as scenario YAML, or `None` when it is the default (written only when set).
pub fn policy_text(p: &MigrationPolicy) -> Option<String> {
    (*p != MigrationPolicy::default()).then(|| {
        format!(
            "migration: {{ concurrency: {}, step_timeout: {}, resend: {}, corrupt_copies: {} }}",
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
        assert_eq!(p, MigrationPolicy { concurrency: 4, step_timeout_ms: 3_000, resend_ms: 500, corrupt_copies: true });
        let text = policy_text(&p).expect("not the default");
        assert_eq!(read(text.trim_start_matches("migration: ")).expect("reads back"), p);
        assert_eq!(policy_text(&MigrationPolicy::default()), None);
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
        ] {
            let e = read(text).expect_err(text);
            assert_eq!(e.field, field, "{text}: {}", e.message);
        }
    }
}
