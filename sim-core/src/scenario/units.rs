//! Durations (`1.5s`, `200ms`) and rates (`400/s`) as written in scenario files.
//!
//! Numbers are parsed as exact decimals, not floats, so `0.1s` is exactly 100 ms and a value
//! that is not a whole number of milliseconds is caught instead of silently rounded.

/// Longest duration a scenario may name: 30 days of simulated time.
pub const DURATION_MS_MAX: u64 = 30 * 24 * 3_600_000;

/// Highest rate a workload group may offer, in operations per second.
pub const RATE_PER_S_MAX: f64 = 1_000_000.0;

/// Most digits on either side of the decimal point; keeps the exact arithmetic in range.
const DIGITS_MAX: usize = 18;

/// A non-negative decimal as `numerator / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decimal {
    numerator: u128,
    scale: u32,
}

impl Decimal {
    /// Parses `12`, `1.5` or `0.25` (digits on both sides of at most one point), or says why not.
    fn parse(text: &str) -> Result<Decimal, &'static str> {
        const NOT_A_NUMBER: &str = "is not a number";
        let (int, frac) = match text.split_once('.') {
            Some((_, "")) => return Err(NOT_A_NUMBER),
            Some((int, frac)) => (int, frac),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) {
            return Err(NOT_A_NUMBER);
        }
        if int.len() > DIGITS_MAX || frac.len() > DIGITS_MAX {
            return Err("has too many digits");
        }
        let too_many = |_| "has too many digits";
        let scale = u32::try_from(frac.len()).map_err(too_many)?;
        let int: u128 = int.parse().map_err(|_| NOT_A_NUMBER)?;
        let frac: u128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| NOT_A_NUMBER)? };
        // 18 + 18 digits fit in a u128 (about 3.4e38), so these cannot overflow.
        let numerator = int * 10u128.pow(scale) + frac;
        Ok(Decimal { numerator, scale })
    }

    fn as_f64(self) -> f64 {
        self.numerator as f64 / 10f64.powi(self.scale as i32)
    }
}

/// Milliseconds in one duration unit.
fn unit_ms(unit: &str) -> Option<u128> {
    match unit {
        "ms" => Some(1),
        "s" => Some(1_000),
        "m" | "min" => Some(60_000),
        "h" => Some(3_600_000),
        _ => None,
    }
}

/// Splits `1.5s` into the number and the unit, or explains what is wrong with it.
fn split_duration(text: &str) -> Result<(Decimal, u128), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration: write a number and a unit, e.g. `500ms` or `1.5s`".into());
    }
    if t.starts_with('-') {
        return Err(format!("`{t}` is negative: durations are at least 0"));
    }
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() {
        return Err(format!("`{t}` is not a duration: write a number and a unit, e.g. `500ms` or `1.5s`"));
    }
    let value = Decimal::parse(number).map_err(|why| format!("`{number}` in `{t}` {why}"))?;
    if unit.is_empty() {
        return Err(format!("`{t}` has no unit: write e.g. `{t}s` or `{t}ms`"));
    }
    let Some(ms) = unit_ms(unit.trim_start()) else {
        return Err(format!("unknown unit `{unit}` in `{t}`: use ms, s, m (or min) or h"));
    };
    Ok((value, ms))
}

/// Parses a duration such as `500ms`, `1.5s`, `2m`, `1min` or `1h` into whole milliseconds.
pub fn duration_ms(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (value, unit) = split_duration(t)?;
    let too_long = || format!("`{t}` is too long: at most 30 days (720h)");
    let scaled = value.numerator.checked_mul(unit).ok_or_else(too_long)?;
    let divisor = 10u128.pow(value.scale);
    if !scaled.is_multiple_of(divisor) {
        return Err(format!("`{t}` is not a whole number of milliseconds"));
    }
    let ms = u64::try_from(scaled / divisor).map_err(|_| too_long())?;
    if ms > DURATION_MS_MAX {
        return Err(too_long());
    }
    Ok(ms)
}

/// Parses a duration that must be greater than zero.
pub fn positive_duration_ms(text: &str) -> Result<u64, String> {
    match duration_ms(text)? {
        0 => Err(format!("`{}` is zero: it must be greater than 0", text.trim())),
        ms => Ok(ms),
    }
}

/// Parses a latency parameter such as `2ms` or `0.5ms` into (possibly fractional) milliseconds.
///
/// Latencies are distribution parameters, not timer deadlines, so fractions are allowed here.
pub fn latency_ms(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let (value, unit) = split_duration(t)?;
    let ms = value.as_f64() * unit as f64;
    if ms > nodes::sim::latency::LATENCY_MS_MAX {
        return Err(format!("`{t}` is too long: latencies are at most 60s"));
    }
    Ok(ms)
}

/// Parses a rate such as `400/s`, `2/ms` or `30/min` into operations per second.
pub fn rate_per_s(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!("`{t}` is negative: a rate must be greater than 0"));
    }
    let Some((number, unit)) = t.split_once('/') else {
        return Err(if Decimal::parse(t).is_ok() {
            format!("`{t}` has no unit: write e.g. `{t}/s`")
        } else {
            format!("`{t}` is not a rate: write a number per unit, e.g. `400/s`, `2/ms` or `30/min`")
        });
    };
    let number = number.trim();
    let value = Decimal::parse(number).map_err(|why| format!("`{number}` in `{t}` {why}"))?;
    let per_s = match unit.trim() {
        "s" => value.as_f64(),
        "ms" => value.as_f64() * 1_000.0,
        "min" => value.as_f64() / 60.0,
        other => return Err(format!("unknown rate unit `{other}` in `{t}`: use /s, /ms or /min")),
    };
    if per_s <= 0.0 {
        return Err(format!("`{t}` is zero: a rate must be greater than 0"));
    }
    if per_s > RATE_PER_S_MAX {
        return Err(format!("`{t}` is too high: at most 1000000/s"));
    }
    Ok(per_s)
}

/// Checks a probability: a finite number in `0..=1`, or in `0..1` when `below_one`.
pub fn probability(value: f64, below_one: bool) -> Result<f64, String> {
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{value} is not a probability: it must be between 0 and 1"));
    }
    if below_one && value >= 1.0 {
        return Err(format!("{value} would drop or repeat every message: it must be below 1"));
    }
    Ok(value)
}

/// Formats milliseconds the way a scenario would write them (`1500ms`, `2s`, `3m`).
pub fn format_ms(ms: u64) -> String {
    match ms {
        0 => "0s".into(),
        ms if ms.is_multiple_of(60_000) => format!("{}m", ms / 60_000),
        ms if ms.is_multiple_of(1_000) => format!("{}s", ms / 1_000),
        ms => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_every_unit_become_whole_milliseconds() {
        assert_eq!(duration_ms("500ms"), Ok(500));
        assert_eq!(duration_ms("1.5s"), Ok(1_500));
        assert_eq!(duration_ms("0.1s"), Ok(100));
        assert_eq!(duration_ms("2m"), Ok(120_000));
        assert_eq!(duration_ms("2min"), Ok(120_000));
        assert_eq!(duration_ms("1h"), Ok(3_600_000));
        assert_eq!(duration_ms(" 0s "), Ok(0));
    }

    #[test]
    fn malformed_durations_are_explained() {
        let err = |t: &str| duration_ms(t).unwrap_err();
        assert!(err("0.5ms").contains("whole number of milliseconds"));
        assert!(err("-5s").contains("negative"));
        assert!(err("60").contains("no unit"));
        assert!(err("5d").contains("unknown unit"));
        assert!(err("abc").contains("not a duration"));
        assert!(err("1.2.3s").contains("not a number"));
        assert!(err("1.s").contains("not a number"));
        assert!(err("").contains("empty"));
        assert!(err("99999999999999999999h").contains("too many digits"));
        assert!(err("800h").contains("too long"));
        assert!(positive_duration_ms("0s").unwrap_err().contains("greater than 0"));
    }

    #[test]
    fn latencies_may_be_fractional() {
        assert_eq!(latency_ms("0.5ms"), Ok(0.5));
        assert_eq!(latency_ms("2s"), Ok(2_000.0));
        assert!(latency_ms("2h").is_err());
    }

    #[test]
    fn rates_convert_to_per_second_and_must_be_positive() {
        assert_eq!(rate_per_s("400/s"), Ok(400.0));
        assert_eq!(rate_per_s("2/ms"), Ok(2_000.0));
        assert_eq!(rate_per_s("30/min"), Ok(0.5));
        assert!(rate_per_s("400").unwrap_err().contains("no unit"));
        assert!(rate_per_s("abc/s").unwrap_err().contains("not a number"));
        assert!(rate_per_s("-3/s").unwrap_err().contains("negative"));
        assert!(rate_per_s("0/s").unwrap_err().contains("greater than 0"));
        assert!(rate_per_s("3/h").unwrap_err().contains("unknown rate unit"));
        assert!(rate_per_s("fast").unwrap_err().contains("not a rate"));
    }

    #[test]
    fn probabilities_must_lie_in_the_unit_interval() {
        assert_eq!(probability(0.2, true), Ok(0.2));
        assert_eq!(probability(1.0, false), Ok(1.0));
        assert!(probability(1.0, true).is_err());
        assert!(probability(-0.1, false).is_err());
        assert!(probability(f64::NAN, false).is_err());
    }

    #[test]
    fn milliseconds_format_in_the_largest_whole_unit() {
        assert_eq!(format_ms(1_500), "1500ms");
        assert_eq!(format_ms(5_000), "5s");
        assert_eq!(format_ms(120_000), "2m");
    }
}
