//! Field validators shared by every section of a scenario: required fields, durations, rates,
//! probabilities, consistency levels and names, each turning a mistake into an [`Invalid`] that
//! names its field. A leaf: it imports none of the sections that use it.

use crate::history::Level;
use serde_yaml::Value;

use super::error::Invalid;
use super::units;
use super::value::describe;

/// Longest name of a scenario, node or zone.
pub const NAME_LEN_MAX: usize = 64;
/// Words that cannot name a node or zone because targets use them.
pub const RESERVED: &[&str] = &["random", "leader", "all", "primary"];

/// The value of a required field.
pub fn required<'a, T>(value: &'a Option<T>, field: &str) -> Result<&'a T, Invalid> {
    let key = field.rsplit('.').next().unwrap_or(field);
    value.as_ref().ok_or_else(|| Invalid::new(field, format!("required field `{key}` is missing")))
}

/// A duration at `field`, zero allowed.
pub fn duration(text: &str, field: &str) -> Result<u64, Invalid> {
    units::duration_ms(text).map_err(|m| Invalid::new(field, m))
}

/// A duration at `field` that must be greater than zero.
pub fn positive_ms(text: &str, field: &str) -> Result<u64, Invalid> {
    units::positive_duration_ms(text).map_err(|m| Invalid::new(field, m))
}

/// A rate at `field`, like `400/s` or `30/min`, in operations per second.
pub fn rate(text: &str, field: &str) -> Result<f64, Invalid> {
    units::rate_per_s(text).map_err(|m| Invalid::new(field, m))
}

/// A probability at `field`, from 0 to 1 (below 1 when `below_one`).
pub fn probability(value: f64, below_one: bool, field: &str) -> Result<f64, Invalid> {
    units::probability(value, below_one).map_err(|m| Invalid::new(field, m))
}

/// Checks the scenario's name: it names the run's folder, so it must be a plain word.
pub fn check_scenario_name(name: &str) -> Result<(), Invalid> {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if name.is_empty() || name.len() > NAME_LEN_MAX || !name.chars().all(ok) {
        return Err(Invalid::new(
            "name",
            format!("`{name}` is not a valid name: use 1 to {NAME_LEN_MAX} of a-z, 0-9, `-` and `_` (it names the run's folder)"),
        ));
    }
    Ok(())
}

/// Checks a node or zone name: it is used as a fault target, so it must be a plain word.
pub fn check_name(name: &str, field: &str, what: &str) -> Result<(), Invalid> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if name.is_empty() || name.len() > NAME_LEN_MAX || !name.chars().all(ok) {
        return Err(Invalid::new(
            field,
            format!("`{name}` is not a valid {what} name: use 1 to {NAME_LEN_MAX} of A-Z, a-z, 0-9, `-`, `_` and `.`"),
        ));
    }
    if RESERVED.contains(&name) {
        return Err(Invalid::new(field, format!("`{name}` is a reserved target word and cannot name a {what}")));
    }
    Ok(())
}

/// Reads a consistency level: `ONE`, `QUORUM`, `ALL` or a replica count `1..=n`.
pub fn consistency(value: &Value, field: &str, n: u8) -> Result<Level, Invalid> {
    let levels = format!("`ONE`, `QUORUM`, `ALL` or a replica count from 1 to {n}");
    match value {
        Value::String(s) => match s.as_str() {
            "ONE" => Ok(Level::One),
            "QUORUM" => Ok(Level::Quorum),
            "ALL" => Ok(Level::All),
            other => Err(Invalid::new(field, format!("unknown consistency level `{other}`: expected {levels}"))),
        },
        Value::Number(k) => match k.as_u64() {
            Some(0) => Err(Invalid::new(field, "a consistency level waits for at least 1 replica")),
            Some(k) if k <= u64::from(n) => Ok(Level::Count(k as u8)),
            Some(k) => Err(Invalid::new(
                field,
                format!("{k} replicas is more than the replication factor of some shard (the smallest N is {n})"),
            )),
            None => Err(Invalid::new(field, format!("{k} is not a replica count: expected {levels}"))),
        },
        other => Err(Invalid::new(field, format!("expected {levels}, found {}", describe(other)))),
    }
}
