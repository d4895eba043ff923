//! `rebalance:` (top level): per-zone Load Prediction Scores every `interval` and the Shard
//! Migration Recommendations that move primaries away from zones predicted hot (see
//! `nodes::capacity::zones`).

use nodes::capacity::RebalanceConfig;
use serde_yaml::Value;

use super::error::Invalid;
use super::fields::duration;
use super::value::{duration_text, expected, number, Fields};

/// Most primaries one round may move.
pub const MOVES_MAX: u64 = 64;

/// `rebalance: { interval: 15s, horizon: 30s, threshold: 0.2, max_moves: 2, confidence: 0.3 }`.
pub fn rebalance(raw: Option<&Value>, has_capacity: bool, zones: usize) -> Result<Option<RebalanceConfig>, Invalid> {
    const FIELD: &str = "rebalance";
    let Some(raw) = raw else { return Ok(None) };
    if !raw.is_mapping() {
        return Err(expected(FIELD, "a mapping like `{ interval: 15s, threshold: 0.2 }`", raw));
    }
    let fields = Fields::new(raw, FIELD, &["interval", "horizon", "threshold", "max_moves", "confidence", "act"])?;
    if !has_capacity {
        return Err(Invalid::new(
            FIELD,
            "zone loads need load that costs something: give `cluster.capacity: { workers, queue }`",
        ));
    }
    if zones < 2 {
        return Err(Invalid::new(FIELD, "rebalancing between zones needs at least two `cluster.zones`"));
    }
    let mut c = RebalanceConfig::default();
    let ms = |key: &str, default: u64| -> Result<u64, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(default) };
        let f = fields.field(key);
        let ms = duration(&duration_text(v, &f)?, &f)?;
        if !(1_000..=3_600_000).contains(&ms) {
            return Err(Invalid::new(f, "from 1s to 1h"));
        }
        Ok(ms)
    };
    c.interval_ms = ms("interval", c.interval_ms)?;
    c.horizon_ms = ms("horizon", c.horizon_ms)?;
    let fraction = |key: &str, default: f64, lo: f64, hi: f64, what: &str| -> Result<f64, Invalid> {
        let Some(v) = fields.get(key) else { return Ok(default) };
        let f = fields.field(key);
        let x = number(v, &f)?;
        if !(x >= lo && x <= hi) || (key == "threshold" && x == 0.0) {
            return Err(Invalid::new(f, format!("{x}: {what}")));
        }
        Ok(x)
    };
    c.threshold = fraction("threshold", c.threshold, 0.0, 0.9, "a share of the mean score above 0, at most 0.9")?;
    c.confidence_min = fraction("confidence", c.confidence_min, 0.0, 1.0, "a confidence from 0 to 1")?;
    if let Some(v) = fields.get("max_moves") {
        let f = fields.field("max_moves");
        let x = number(v, &f)?;
        if x.fract() != 0.0 || x < 1.0 || x > MOVES_MAX as f64 {
            return Err(Invalid::new(f, format!("{x}: use a whole number from 1 to {MOVES_MAX}")));
        }
        c.max_moves = x as u32;
    }
    if let Some(v) = fields.get("act") {
        c.act = v.as_bool().ok_or_else(|| expected(&fields.field("act"), "true or false", v))?;
    }
    // The window: four horizons of one-second samples, at least a minute.
    c.window_samples_max = (4 * c.horizon_ms / 1_000).clamp(60, 1_024) as usize;
    Ok(Some(c))
}

/// The YAML form `rebalance` reads back.
pub fn rebalance_text(c: &RebalanceConfig) -> String {
    use super::units::format_ms;
    format!(
        "rebalance: {{ interval: {}, horizon: {}, threshold: {}, max_moves: {}, confidence: {}, act: {} }}",
        format_ms(c.interval_ms),
        format_ms(c.horizon_ms),
        c.threshold,
        c.max_moves,
        c.confidence_min,
        c.act
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<RebalanceConfig>, Invalid> {
        let v: Value = serde_yaml::from_str(text).unwrap();
        rebalance(Some(&v), true, 3)
    }

    #[test]
    fn fields_are_read_and_defaults_kept() {
        let c = parse("{ interval: 10s, threshold: 0.3, max_moves: 4 }").unwrap().unwrap();
        assert_eq!((c.interval_ms, c.threshold, c.max_moves), (10_000, 0.3, 4));
        assert_eq!(c.horizon_ms, RebalanceConfig::default().horizon_ms);
    }

    #[test]
    fn mistakes_name_the_field() {
        let e = |t: &str| format!("{:?}", parse(t).unwrap_err());
        assert!(e("{ intervall: 10s }").contains("intervall"));
        assert!(e("{ threshold: 0 }").contains("rebalance.threshold"));
        assert!(e("{ threshold: 1.5 }").contains("rebalance.threshold"));
        assert!(e("{ max_moves: 0 }").contains("rebalance.max_moves"));
        assert!(e("{ interval: 10ms }").contains("rebalance.interval"));
        assert!(e("{ confidence: 2 }").contains("rebalance.confidence"));
        assert!(e("{ act: maybe }").contains("rebalance.act"));
        let v: Value = serde_yaml::from_str("{ interval: 10s }").unwrap();
        assert!(format!("{:?}", rebalance(Some(&v), false, 3).unwrap_err()).contains("cluster.capacity"));
        assert!(format!("{:?}", rebalance(Some(&v), true, 1).unwrap_err()).contains("two"));
    }

    #[test]
    fn the_text_reads_back() {
        let c = parse("{ interval: 20s, horizon: 40s, threshold: 0.25, max_moves: 3, confidence: 0.4, act: false }")
            .unwrap()
            .unwrap();
        let text = rebalance_text(&c);
        let v: Value = serde_yaml::from_str(&text).unwrap();
        let again = rebalance(v.get("rebalance"), true, 3).unwrap().unwrap();
        assert_eq!(again, c);
    }
}
