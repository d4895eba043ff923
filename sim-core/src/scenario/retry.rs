//! A workload group's `retry:` policy: how its clients resend an operation that a coordinator
//! refused before applying it anywhere (`ShardMoving`, `NotPrimary`).

use nodes::client::RetryPolicy;
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::positive_ms;
use super::units::format_ms;
use super::value::{duration_text, expected, number, Fields};

/// Most retries of one operation.
pub const ATTEMPTS_MAX: u8 = 10;

/// Reads `retry: { attempts: 3, backoff: 20ms }`; absent is no retries. The back-off must be
/// shorter than the client's timeout (`client_timeout_ms`), or no retry could ever be sent.
pub fn retry(raw: Option<&Value>, field: &str, client_timeout_ms: u64) -> Result<RetryPolicy, Invalid> {
    let Some(raw) = raw else { return Ok(RetryPolicy::default()) };
    if !raw.is_mapping() {
        return Err(expected(field, "a mapping like `{ attempts: 3, backoff: 20ms }`", raw));
    }
    let fields = Fields::new(raw, field, &["attempts", "backoff"])?;
    let attempts_field = fields.field("attempts");
    let attempts = number(fields.required("attempts")?, &attempts_field)?;
    if attempts.fract() != 0.0 || !(0.0..=f64::from(ATTEMPTS_MAX)).contains(&attempts) {
        return Err(Invalid::new(attempts_field, format!("{attempts}: use a whole number from 0 to {ATTEMPTS_MAX}")));
    }
    let backoff_field = fields.field("backoff");
    let backoff_ms = positive_ms(&duration_text(fields.required("backoff")?, &backoff_field)?, &backoff_field)?;
    if backoff_ms >= client_timeout_ms {
        return Err(Invalid::new(
            backoff_field,
            format!(
                "a back-off of {} is not shorter than the client timeout ({}): no retry could be sent",
                format_ms(backoff_ms),
                format_ms(client_timeout_ms)
            ),
        ));
    }
    Ok(RetryPolicy { attempts: attempts as u8, backoff_ms })
}

/// The policy as scenario YAML, or `None` when retries are off.
pub fn retry_text(p: &RetryPolicy) -> Option<String> {
    (p.attempts > 0).then(|| format!("retry: {{ attempts: {}, backoff: {} }}", p.attempts, format_ms(p.backoff_ms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RetryPolicy, Invalid> {
        let v: Value = serde_yaml::from_str(text).unwrap();
        retry(Some(&v), "workload[0].retry", 1_000)
    }

    #[test]
    fn reads_a_policy_and_writes_it_back() {
        let p = parse("{ attempts: 3, backoff: 20ms }").unwrap();
        assert_eq!(p, RetryPolicy { attempts: 3, backoff_ms: 20 });
        assert_eq!(retry_text(&p).as_deref(), Some("retry: { attempts: 3, backoff: 20ms }"));
        assert_eq!(retry_text(&RetryPolicy::default()), None);
        assert_eq!(retry(None, "x", 1_000).unwrap(), RetryPolicy::default());
    }

    #[test]
    fn refuses_bad_policies_naming_the_field() {
        for (text, field) in [
            ("{ attempts: 11, backoff: 20ms }", "workload[0].retry.attempts"),
            ("{ attempts: 1.5, backoff: 20ms }", "workload[0].retry.attempts"),
            ("{ attempts: -1, backoff: 20ms }", "workload[0].retry.attempts"),
            ("{ attempts: 2, backoff: -5ms }", "workload[0].retry.backoff"),
            ("{ attempts: 2, backoff: 1s }", "workload[0].retry.backoff"),
            ("{ attempts: 2 }", "workload[0].retry.backoff"),
            ("{ attempts: 2, backoff: 5ms, jitter: 1 }", "workload[0].retry.jitter"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.field, field, "{text}: {e:?}");
        }
        assert!(retry(Some(&Value::from(3)), "workload[0].retry", 1_000).is_err());
    }
}
