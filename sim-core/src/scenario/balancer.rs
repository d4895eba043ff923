//! `cluster.balancer`: how clients choose coordinators (strategy, window, back-off).

use nodes::client::{BalancerConfig, Strategy};
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::positive_ms;
use super::units::format_ms;
use super::value::{describe, duration_text, expected, number, one_of, Fields};

const FIELD: &str = "cluster.balancer";
/// Most answers a window keeps per coordinator.
pub const WINDOW_MAX: u32 = 4_096;

/// Reads `balancer:` (a strategy name, or `{ strategy, window, window_age, backoff: { base,
/// max } }`, every field but `strategy` optional); `None` is the default (`random`).
pub(crate) fn balancer(value: Option<&Value>) -> Result<BalancerConfig, Invalid> {
    let mut cfg = BalancerConfig::default();
    let Some(value) = value else { return Ok(cfg) };
    if let Some(name) = value.as_str() {
        cfg.strategy = strategy(value, name, FIELD)?;
        return Ok(cfg);
    }
    if !value.is_mapping() {
        return Err(expected(FIELD, "a strategy name or `{ strategy: power_of_two, window: 32, ... }`", value));
    }
    let fields = Fields::new(value, FIELD, &["strategy", "window", "window_age", "backoff"])?;
    let s = fields.required("strategy")?;
    cfg.strategy = strategy(s, s.as_str().unwrap_or_default(), &fields.field("strategy"))?;
    if let Some(v) = fields.get("window") {
        let field = fields.field("window");
        let w = number(v, &field)?;
        if w.fract() != 0.0 || !(1.0..=f64::from(WINDOW_MAX)).contains(&w) {
            return Err(Invalid::new(field, format!("{w}: keep from 1 to {WINDOW_MAX} answers per coordinator")));
        }
        cfg.window = w as u32;
    }
    if let Some(v) = fields.get("window_age") {
        let field = fields.field("window_age");
        cfg.window_ms = positive_ms(&duration_text(v, &field)?, &field)?;
    }
    if let Some(v) = fields.get("backoff") {
        backoff(v, &fields.field("backoff"), &mut cfg)?;
    }
    Ok(cfg)
}

fn strategy(value: &Value, name: &str, field: &str) -> Result<Strategy, Invalid> {
    Strategy::ALL.into_iter().find(|s| s.name() == name).ok_or_else(|| {
        let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
        Invalid::new(field, format!("unknown strategy {}: expected {}", describe(value), one_of(&names)))
    })
}

fn backoff(value: &Value, field: &str, cfg: &mut BalancerConfig) -> Result<(), Invalid> {
    if !value.is_mapping() {
        return Err(expected(field, "`{ base: 100ms, max: 5s }`", value));
    }
    let fields = Fields::new(value, field, &["base", "max"])?;
    let ms = |key: &str| -> Result<Option<u64>, Invalid> {
        let field = fields.field(key);
        fields.get(key).map(|v| positive_ms(&duration_text(v, &field)?, &field)).transpose()
    };
    cfg.backoff_base_ms = ms("base")?.unwrap_or(cfg.backoff_base_ms);
    cfg.backoff_max_ms = ms("max")?.unwrap_or(cfg.backoff_max_ms);
    if cfg.backoff_max_ms < cfg.backoff_base_ms {
        return Err(Invalid::new(
            fields.field("max"),
            format!(
                "{}: the longest back-off must not be shorter than the first ({})",
                format_ms(cfg.backoff_max_ms),
                format_ms(cfg.backoff_base_ms)
            ),
        ));
    }
    Ok(())
}

/// The YAML for a balancer setting (the scenario writer uses it).
pub fn balancer_yaml(b: &BalancerConfig) -> String {
    format!(
        "{{ strategy: {}, window: {}, window_age: {}, backoff: {{ base: {}, max: {} }} }}",
        b.strategy.name(),
        b.window,
        format_ms(b.window_ms),
        format_ms(b.backoff_base_ms),
        format_ms(b.backoff_max_ms)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<BalancerConfig, Invalid> {
        balancer(Some(&serde_yaml::from_str(text).expect("yaml")))
    }

    fn refused(text: &str, field: &str, says: &str) {
        let e = read(text).expect_err("refused");
        assert_eq!(e.field, field, "{e:?}");
        assert!(e.message.contains(says), "message lacks `{says}`: {}", e.message);
    }

    #[test]
    fn reads_a_name_or_a_mapping_and_writes_it_back() {
        assert_eq!(balancer(None).unwrap(), BalancerConfig::default());
        assert_eq!(read("round_robin").unwrap().strategy, Strategy::RoundRobin);
        let b =
            read("{ strategy: power_of_two, window: 16, window_age: 2s, backoff: { base: 50ms, max: 1s } }").unwrap();
        let want = BalancerConfig {
            strategy: Strategy::PowerOfTwo,
            window: 16,
            window_ms: 2_000,
            backoff_base_ms: 50,
            backoff_max_ms: 1_000,
        };
        assert_eq!(b, want);
        assert_eq!(read(&balancer_yaml(&b)).unwrap(), b);
        for s in Strategy::ALL {
            assert_eq!(read(s.name()).unwrap().strategy, s);
        }
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        refused("fastest", "cluster.balancer", "unknown strategy");
        refused("{ window: 3 }", "cluster.balancer.strategy", "missing");
        refused("{ strategy: zone_aware, windw: 3 }", "cluster.balancer.windw", "");
        refused("{ strategy: random, window: 0 }", "cluster.balancer.window", "from 1");
        refused("{ strategy: random, backoff: { base: 1s, max: 10ms } }", "cluster.balancer.backoff.max", "shorter");
        refused("{ strategy: random, backoff: { bse: 1s } }", "cluster.balancer.backoff.bse", "");
        refused("[random]", "cluster.balancer", "strategy name");
    }
}
