//! What a run must show: properties that hold, properties expected to be violated, and
//! availability bounds.

use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{consistency, duration};
use super::locate::item;
use super::units::format_ms;
use super::value::{duration_text, expected, number, string, Fields};
use crate::check::{AvailabilityBound, Expectation, Property};
use crate::history::OpKind;

/// Most expectations in one scenario.
const EXPECTATIONS_MAX: usize = 64;

/// Reads `expect:`; `n` bounds replica counts, `end_ms` (duration + heal) bounds time windows.
pub fn expectations(raw: &[Value], n: u8, end_ms: u64) -> Result<Vec<Expectation>, Invalid> {
    if raw.len() > EXPECTATIONS_MAX {
        return Err(Invalid::new("expect", format!("at most {EXPECTATIONS_MAX} expectations")));
    }
    let mut out: Vec<Expectation> = Vec::with_capacity(raw.len());
    for (i, value) in raw.iter().enumerate() {
        let path = item("expect", i);
        let expectation = expectation(value, &path, n, end_ms)?;
        if let Expectation::Holds(p) | Expectation::Violated(p) = &expectation {
            let clash = out.iter().find_map(|e| match e {
                Expectation::Holds(q) | Expectation::Violated(q) if q == p => Some(e == &expectation),
                _ => None,
            });
            match clash {
                Some(true) => return Err(Invalid::new(path, format!("`{p}` is listed twice"))),
                Some(false) => {
                    return Err(Invalid::new(path, format!("`{p}` is expected both to hold and to be violated")))
                }
                None => {}
            }
        }
        out.push(expectation);
    }
    Ok(out)
}

fn expectation(value: &Value, path: &str, n: u8, end_ms: u64) -> Result<Expectation, Invalid> {
    match value {
        Value::String(name) => Ok(Expectation::Holds(property(name, path)?)),
        Value::Mapping(map) if map.len() == 1 => {
            let fields = Fields::new(value, path, &["violated", "availability"])?;
            if let Some(v) = fields.get("violated") {
                let field = fields.field("violated");
                return Ok(Expectation::Violated(property(string(v, &field, "a property name")?, &field)?));
            }
            availability(fields.required("availability")?, &fields.field("availability"), n, end_ms)
        }
        other => {
            Err(expected(path, "a property name, `{ violated: <property> }` or `{ availability: { ... } }`", other))
        }
    }
}

fn property(name: &str, field: &str) -> Result<&'static Property, Invalid> {
    Property::named(name).map_err(|m| Invalid::new(field, m))
}

fn availability(value: &Value, path: &str, n: u8, end_ms: u64) -> Result<Expectation, Invalid> {
    let fields = Fields::new(value, path, &["consistency", "kind", "min", "max", "from", "to"])?;
    let consistency = fields.get("consistency").map(|v| consistency(v, &fields.field("consistency"), n)).transpose()?;
    let kind = match fields.get("kind") {
        None => None,
        Some(v) => match v.as_str() {
            Some("read") => Some(OpKind::Read),
            Some("write") => Some(OpKind::Write),
            _ => return Err(expected(&fields.field("kind"), "`read` or `write`", v)),
        },
    };
    let rate = |key: &str| -> Result<Option<f64>, Invalid> {
        let Some(v) = fields.get(key) else {
            return Ok(None);
        };
        let field = fields.field(key);
        let rate = number(v, &field)?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(Invalid::new(field, format!("{rate} is not a success rate: it must be between 0 and 1")));
        }
        Ok(Some(rate))
    };
    let (min, max) = (rate("min")?, rate("max")?);
    match (min, max) {
        (None, None) => return Err(Invalid::new(path, "give `min`, `max` or both")),
        (Some(lo), Some(hi)) if lo > hi => return Err(Invalid::new(fields.field("max"), "`max` is below `min`")),
        _ => {}
    }
    let time = |key: &str| -> Result<Option<u64>, Invalid> {
        let Some(v) = fields.get(key) else {
            return Ok(None);
        };
        let field = fields.field(key);
        duration(&duration_text(v, &field)?, &field).map(Some)
    };
    let from_ms = time("from")?.unwrap_or(0);
    let to_ms = time("to")?;
    let end = format_ms(end_ms);
    if from_ms >= end_ms {
        return Err(Invalid::new(
            fields.field("from"),
            format!("the window starts at or after the end of the run and heal ({end})"),
        ));
    }
    if let Some(to) = to_ms {
        if to > end_ms {
            return Err(Invalid::new(fields.field("to"), format!("the window ends after the run and heal ({end})")));
        }
        if to <= from_ms {
            return Err(Invalid::new(
                fields.field("to"),
                "the window ends before it starts (`to` must be after `from`)",
            ));
        }
    }
    Ok(Expectation::Availability(AvailabilityBound { consistency, kind, min, max, from_ms, to_ms }))
}
