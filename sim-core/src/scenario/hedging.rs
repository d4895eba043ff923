//! `cluster.storage.hedge` and `cluster.storage.breaker`: targeted reads with hedges after a
//! fixed delay or a latency percentile, and the per-replica circuit breaker.

use nodes::coordinator::{BreakerConfig, Hedge, HedgeDelay, BREAKER_TIMEOUTS_MAX};
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::positive_ms;
use super::units::format_ms;
use super::value::{duration_text, expected, number, Fields};

/// The hedge delay used with `percentile` until the window holds enough latencies, unless
/// `after` says otherwise.
pub const PERCENTILE_FALLBACK_MS: u64 = 20;

/// The breaker's settings when a field is left out.
pub const BREAKER_DEFAULT: BreakerConfig = BreakerConfig { timeouts: 3, window_ms: 2_000, probe_ms: 1_000 };

const HEDGE_FIELD: &str = "cluster.storage.hedge";
const BREAKER_FIELD: &str = "cluster.storage.breaker";

/// Reads `hedge:` (`off`, `{ after: 20ms }`, `{ after: never }`, `{ percentile: 95 }` or
/// `{ percentile: 95, after: 20ms }`); delays must come before the request timeout.
pub(super) fn hedge(value: &Value, request_timeout_ms: u64) -> Result<Hedge, Invalid> {
    if value.as_str() == Some("off") {
        return Ok(Hedge::Off);
    }
    let shapes = "`off`, `{ after: 20ms }`, `{ after: never }` or `{ percentile: 95 }`";
    if !value.is_mapping() {
        return Err(expected(HEDGE_FIELD, shapes, value));
    }
    let fields = Fields::new(value, HEDGE_FIELD, &["after", "percentile"])?;
    let after = match fields.get("after") {
        None => None,
        Some(v) if v.as_str() == Some("never") => Some(None),
        Some(v) => {
            let field = fields.field("after");
            let ms = positive_ms(&duration_text(v, &field)?, &field)?;
            if ms >= request_timeout_ms {
                return Err(Invalid::new(
                    field,
                    format!(
                        "a hedge after {} would come at or after the request timeout ({}): hedge sooner",
                        format_ms(ms),
                        format_ms(request_timeout_ms)
                    ),
                ));
            }
            Some(Some(ms))
        }
    };
    let delay = match (fields.get("percentile"), after) {
        (None, None) => return Err(Invalid::new(HEDGE_FIELD, format!("give `after` or `percentile`: {shapes}"))),
        (None, Some(None)) => HedgeDelay::Never,
        (None, Some(Some(ms))) => HedgeDelay::Fixed { ms },
        (Some(_), Some(None)) => {
            return Err(Invalid::new(fields.field("after"), "`never` does not go with `percentile`"));
        }
        (Some(p), fallback) => {
            let field = fields.field("percentile");
            let percentile = number(p, &field)?;
            if percentile.fract() != 0.0 || !(1.0..=99.0).contains(&percentile) {
                return Err(Invalid::new(field, format!("{percentile}: give a whole percentile from 1 to 99")));
            }
            let fallback_ms = fallback.flatten().unwrap_or(PERCENTILE_FALLBACK_MS.min(request_timeout_ms - 1).max(1));
            HedgeDelay::Percentile { percentile: percentile as u8, fallback_ms }
        }
    };
    Ok(Hedge::Targeted(delay))
}

/// Reads `breaker:` (`off`, or `{ timeouts: 3, window: 2s, probe: 1s }`, each field optional).
pub(super) fn breaker(value: &Value) -> Result<Option<BreakerConfig>, Invalid> {
    if value.as_str() == Some("off") {
        return Ok(None);
    }
    if !value.is_mapping() {
        return Err(expected(BREAKER_FIELD, "`off` or `{ timeouts: 3, window: 2s, probe: 1s }`", value));
    }
    let fields = Fields::new(value, BREAKER_FIELD, &["timeouts", "window", "probe"])?;
    let mut cfg = BREAKER_DEFAULT;
    if let Some(v) = fields.get("timeouts") {
        let field = fields.field("timeouts");
        let k = number(v, &field)?;
        if k.fract() != 0.0 || !(1.0..=BREAKER_TIMEOUTS_MAX as f64).contains(&k) {
            return Err(Invalid::new(
                field,
                format!("{k}: give a whole number of timeouts from 1 to {BREAKER_TIMEOUTS_MAX}"),
            ));
        }
        cfg.timeouts = k as u32;
    }
    let ms = |key: &str| -> Result<Option<u64>, Invalid> {
        let field = fields.field(key);
        fields.get(key).map(|v| positive_ms(&duration_text(v, &field)?, &field)).transpose()
    };
    cfg.window_ms = ms("window")?.unwrap_or(cfg.window_ms);
    cfg.probe_ms = ms("probe")?.unwrap_or(cfg.probe_ms);
    Ok(Some(cfg))
}

/// The YAML for a hedge setting (the scenario writer uses it).
pub fn hedge_yaml(h: Hedge) -> String {
    match h {
        Hedge::Off => "off".into(),
        Hedge::Targeted(HedgeDelay::Never) => "{ after: never }".into(),
        Hedge::Targeted(HedgeDelay::Fixed { ms }) => format!("{{ after: {} }}", format_ms(ms)),
        Hedge::Targeted(HedgeDelay::Percentile { percentile, fallback_ms }) => {
            format!("{{ percentile: {percentile}, after: {} }}", format_ms(fallback_ms))
        }
    }
}

/// The YAML for a breaker setting.
pub fn breaker_yaml(b: Option<BreakerConfig>) -> String {
    match b {
        None => "off".into(),
        Some(b) => format!(
            "{{ timeouts: {}, window: {}, probe: {} }}",
            b.timeouts,
            format_ms(b.window_ms),
            format_ms(b.probe_ms)
        ),
    }
}
