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

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).expect("yaml")
    }

    fn refused(result: Result<impl std::fmt::Debug, Invalid>, field: &str, says: &str) {
        let e = result.expect_err("refused");
        assert_eq!(e.field, field, "{e:?}");
        assert!(e.message.contains(says), "message lacks `{says}`: {}", e.message);
    }

    #[test]
    fn every_hedge_shape_reads_and_writes_back() {
        let cases = [
            ("off", Hedge::Off),
            ("{ after: never }", Hedge::Targeted(HedgeDelay::Never)),
            ("{ after: 20ms }", Hedge::Targeted(HedgeDelay::Fixed { ms: 20 })),
            (
                "{ percentile: 95, after: 30ms }",
                Hedge::Targeted(HedgeDelay::Percentile { percentile: 95, fallback_ms: 30 }),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(hedge(&yaml(text), 500).unwrap(), want, "{text}");
            assert_eq!(hedge_yaml(want), text);
        }
        let p = hedge(&yaml("{ percentile: 99 }"), 500).unwrap();
        assert_eq!(p, Hedge::Targeted(HedgeDelay::Percentile { percentile: 99, fallback_ms: PERCENTILE_FALLBACK_MS }));
    }

    #[test]
    fn hedge_mistakes_name_their_field() {
        refused(hedge(&yaml("on"), 500), "cluster.storage.hedge", "`{ after: 20ms }`");
        refused(hedge(&yaml("{}"), 500), "cluster.storage.hedge", "give `after` or `percentile`");
        refused(hedge(&yaml("{ delay: 5ms }"), 500), "cluster.storage.hedge.delay", "unknown field");
        refused(hedge(&yaml("{ after: 500ms }"), 500), "cluster.storage.hedge.after", "request timeout");
        refused(hedge(&yaml("{ after: 0ms }"), 500), "cluster.storage.hedge.after", "greater than 0");
        refused(hedge(&yaml("{ percentile: 100 }"), 500), "cluster.storage.hedge.percentile", "1 to 99");
        refused(hedge(&yaml("{ percentile: 99.9 }"), 500), "cluster.storage.hedge.percentile", "whole");
        refused(hedge(&yaml("{ percentile: 90, after: never }"), 500), "cluster.storage.hedge.after", "`never`");
    }

    #[test]
    fn a_breaker_reads_with_defaults_and_writes_back() {
        assert_eq!(breaker(&yaml("off")).unwrap(), None);
        assert_eq!(breaker(&yaml("{}")).unwrap(), Some(BREAKER_DEFAULT));
        let b = breaker(&yaml("{ timeouts: 5, window: 3s, probe: 500ms }")).unwrap();
        assert_eq!(b, Some(BreakerConfig { timeouts: 5, window_ms: 3_000, probe_ms: 500 }));
        assert_eq!(breaker_yaml(b), "{ timeouts: 5, window: 3s, probe: 500ms }");
        assert_eq!(breaker(&yaml(&breaker_yaml(b))).unwrap(), b);
    }

    #[test]
    fn breaker_mistakes_name_their_field() {
        refused(breaker(&yaml("yes")), "cluster.storage.breaker", "`off`");
        refused(breaker(&yaml("{ timeouts: 0 }")), "cluster.storage.breaker.timeouts", "1 to 64");
        refused(breaker(&yaml("{ timeouts: 2.5 }")), "cluster.storage.breaker.timeouts", "whole");
        refused(breaker(&yaml("{ window: 0s }")), "cluster.storage.breaker.window", "greater than 0");
        refused(breaker(&yaml("{ probe: soon }")), "cluster.storage.breaker.probe", "");
        refused(breaker(&yaml("{ open: 1s }")), "cluster.storage.breaker.open", "unknown field");
    }
}
