//! `workload[i].shape:`: `steady`, or a mapping of a base (`ramp` or `trace`) and multipliers
//! (`daily`, `spikes`, `event`), checked into a [`Shape`].

use std::path::Path;

use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{duration, positive_ms, probability, rate};
use super::locate::item;
use super::shape::{Base, Daily, Event, Interpolate, Pulse, Ramp, Shape, EVENTS_MAX, SPIKES_MAX};
use super::trace::{read, TraceSpec};
use super::units::{format_ms, RATE_PER_S_MAX};
use super::value::{duration_text, expected, number, string, Fields};

const FIELDS: &[&str] = &["ramp", "daily", "spikes", "event", "trace"];

/// Where a group runs and where its scenario is, for the checks of its shape.
pub struct Window<'a> {
    /// The scenario file (traces are found relative to it).
    pub scenario: &'a Path,
    /// The group's start.
    pub start_ms: u64,
    /// The group's stop.
    pub stop_ms: u64,
}

/// Checks the `shape:` value at `field`.
pub fn shape(value: &Value, field: &str, w: &Window) -> Result<Shape, Invalid> {
    if value.as_str() == Some("steady") {
        return Ok(Shape::default());
    }
    if !value.is_mapping() {
        return Err(expected(field, "`steady` or a mapping of `ramp`, `trace`, `daily`, `spikes` and `event`", value));
    }
    let fields = Fields::new(value, field, FIELDS)?;
    if fields.get("ramp").is_some() && fields.get("trace").is_some() {
        return Err(Invalid::new(
            fields.field("trace"),
            "`ramp` and `trace` both set the base rate: a shape has one of them",
        ));
    }
    let base = match (fields.get("ramp"), fields.get("trace")) {
        (Some(v), _) => Base::Ramp(ramp(v, &fields.field("ramp"), w)?),
        (_, Some(v)) => Base::Trace(trace(v, &fields.field("trace"), w)?),
        _ => Base::Steady,
    };
    let daily = fields.get("daily").map(|v| daily(v, &fields.field("daily"))).transpose()?;
    let spikes = match fields.get("spikes") {
        Some(v) => pulses(v, &fields.field("spikes"), w, SPIKES_MAX, false)?.into_iter().map(|(p, _)| p).collect(),
        None => vec![],
    };
    let events = match fields.get("event") {
        Some(v) => pulses(v, &fields.field("event"), w, EVENTS_MAX, true)?
            .into_iter()
            .map(|(pulse, announced_ms)| Event { pulse, announced_ms })
            .collect(),
        None => vec![],
    };
    Ok(Shape { base, daily, spikes, events })
}

/// Checks that `shape` over the group's window offers some load and at most the highest rate.
pub fn check_peak(shape: &Shape, steady_per_s: f64, field: &str, w: &Window) -> Result<(), Invalid> {
    let peak = shape.peak_per_s(steady_per_s, w.start_ms, w.stop_ms);
    if peak > RATE_PER_S_MAX {
        return Err(Invalid::new(
            field,
            format!("the shape offers up to {peak}/s while the group runs, above the highest rate, {RATE_PER_S_MAX}/s"),
        ));
    }
    if peak <= 0.0 {
        return Err(Invalid::new(field, "the shape offers no load while the group runs"));
    }
    Ok(())
}

fn ramp(value: &Value, field: &str, w: &Window) -> Result<Ramp, Invalid> {
    let f = Fields::new(value, field, &["to", "from", "until"])?;
    let to_per_s = rate(string(f.required("to")?, &f.field("to"), "a rate like `800/s`")?, &f.field("to"))?;
    let time = |key: &str, default: u64| -> Result<u64, Invalid> {
        match f.get(key) {
            Some(v) => duration(&duration_text(v, &f.field(key))?, &f.field(key)),
            None => Ok(default),
        }
    };
    let from_ms = time("from", w.start_ms)?;
    let until_ms = time("until", w.stop_ms)?;
    if from_ms >= w.stop_ms {
        return Err(Invalid::new(
            f.field("from"),
            format!("the ramp starts after the group stops ({})", format_ms(w.stop_ms)),
        ));
    }
    if until_ms <= from_ms {
        return Err(Invalid::new(
            f.field("until"),
            format!("the ramp must end after it starts ({})", format_ms(from_ms)),
        ));
    }
    Ok(Ramp { to_per_s, from_ms, until_ms })
}

fn daily(value: &Value, field: &str) -> Result<Daily, Invalid> {
    let f = Fields::new(value, field, &["period", "low", "peak_at"])?;
    let period_ms = positive_ms(&duration_text(f.required("period")?, &f.field("period"))?, &f.field("period"))?;
    let low = probability(number(f.required("low")?, &f.field("low"))?, false, &f.field("low"))?;
    let peak_at_ms = match f.get("peak_at") {
        Some(v) => duration(&duration_text(v, &f.field("peak_at"))?, &f.field("peak_at"))?,
        None => period_ms / 2,
    };
    if peak_at_ms >= period_ms {
        return Err(Invalid::new(
            f.field("peak_at"),
            format!("the peak falls within the period: before {}", format_ms(period_ms)),
        ));
    }
    Ok(Daily { period_ms, low, peak_at_ms })
}

/// Spikes or events: one mapping or a list of them; with `announced`, an announcement time each.
fn pulses(
    value: &Value,
    field: &str,
    w: &Window,
    most: usize,
    announced: bool,
) -> Result<Vec<(Pulse, u64)>, Invalid> {
    let list: Vec<(String, &Value)> = match value {
        Value::Sequence(items) => items.iter().enumerate().map(|(i, v)| (item(field, i), v)).collect(),
        Value::Mapping(_) => vec![(field.to_string(), value)],
        other => return Err(expected(field, "a mapping like `{ at: 30s, for: 5s, factor: 4 }` or a list of them", other)),
    };
    if list.is_empty() || list.len() > most {
        return Err(Invalid::new(field, format!("list 1 to {most}")));
    }
    let keys: &[&str] = if announced { &["at", "for", "factor", "announced"] } else { &["at", "for", "factor"] };
    let mut out = Vec::with_capacity(list.len());
    for (path, v) in list {
        let f = Fields::new(v, &path, keys)?;
        let at_ms = duration(&duration_text(f.required("at")?, &f.field("at"))?, &f.field("at"))?;
        if at_ms < w.start_ms || at_ms >= w.stop_ms {
            return Err(Invalid::new(
                f.field("at"),
                format!("it must start while the group runs, in [{}, {})", format_ms(w.start_ms), format_ms(w.stop_ms)),
            ));
        }
        let for_ms = positive_ms(&duration_text(f.required("for")?, &f.field("for"))?, &f.field("for"))?;
        let factor = number(f.required("factor")?, &f.field("factor"))?;
        if factor <= 0.0 {
            return Err(Invalid::new(f.field("factor"), "the factor must be greater than 0 (below 1 is a dip)"));
        }
        let announced_ms = match f.get("announced") {
            Some(v) => duration(&duration_text(v, &f.field("announced"))?, &f.field("announced"))?,
            None => 0,
        };
        if announced_ms > at_ms {
            return Err(Invalid::new(
                f.field("announced"),
                format!("an event is announced at or before it starts ({})", format_ms(at_ms)),
            ));
        }
        out.push((Pulse { at_ms, for_ms, factor }, announced_ms));
    }
    Ok(out)
}

fn trace(value: &Value, field: &str, w: &Window) -> Result<std::sync::Arc<super::shape::Trace>, Invalid> {
    let (written, file_field, interpolate, scale) = match value {
        Value::String(s) => (s.as_str(), field.to_string(), Interpolate::Linear, 1.0),
        Value::Mapping(_) => {
            let f = Fields::new(value, field, &["file", "interpolate", "scale"])?;
            let written = string(f.required("file")?, &f.field("file"), "a file name like `traces/day.csv`")?;
            let interpolate = match f.get("interpolate").map(|v| (v.as_str(), v)) {
                None | Some((Some("linear"), _)) => Interpolate::Linear,
                Some((Some("step"), _)) => Interpolate::Step,
                Some((_, v)) => return Err(expected(&f.field("interpolate"), "`linear` or `step`", v)),
            };
            let scale = match f.get("scale") {
                Some(v) => number(v, &f.field("scale"))?,
                None => 1.0,
            };
            if scale <= 0.0 {
                return Err(Invalid::new(f.field("scale"), "the scale must be greater than 0"));
            }
            (written, f.field("file"), interpolate, scale)
        }
        other => return Err(expected(field, "a CSV file name or `{ file: ..., interpolate: step }`", other)),
    };
    let spec = TraceSpec { written, interpolate, scale, start_ms: w.start_ms };
    read(w.scenario, &file_field, &spec)
}
