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
fn pulses(value: &Value, field: &str, w: &Window, most: usize, announced: bool) -> Result<Vec<(Pulse, u64)>, Invalid> {
    let list: Vec<(String, &Value)> = match value {
        Value::Sequence(items) => items.iter().enumerate().map(|(i, v)| (item(field, i), v)).collect(),
        Value::Mapping(_) => vec![(field.to_string(), value)],
        other => {
            return Err(expected(field, "a mapping like `{ at: 30s, for: 5s, factor: 4 }` or a list of them", other))
        }
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::scenario::model::Scenario;
    use crate::scenario::shape::{Base, Interpolate};
    use crate::scenario::{parse, ScenarioError};

    /// A scenario of one group whose last lines are `group` (indented as a list item's fields).
    fn text(group: &str) -> String {
        format!(
            "name: s\ndescription: d\nduration: 60s\ncluster: {{ nodes: 3, replication: {{ n: 3 }} }}\nworkload:\n  \
             - clients: 4\n    keys: 10\n{group}"
        )
    }

    fn ok(group: &str) -> Scenario {
        parse(Path::new("s.yaml"), &text(group)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The error's field and message, checking it points at the line holding `needle`.
    fn error(group: &str, needle: &str) -> (String, String) {
        let t = text(group);
        let e = parse(Path::new("s.yaml"), &t).expect_err("invalid");
        let line = t.lines().position(|l| l.contains(needle)).map(|i| i + 1);
        assert_eq!(e.line, line, "{e}");
        assert!(e.to_string().starts_with(&format!("s.yaml:{}:", line.unwrap_or(0))), "{e}");
        (e.field.unwrap_or_default(), e.message)
    }

    /// A folder of its own under the system's temporary folder, holding `files`.
    fn folder(name: &str, files: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("clustersim-shape-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("traces")).expect("temp folder");
        for (file, content) in files {
            std::fs::write(dir.join(file), content).expect("temp file");
        }
        dir
    }

    fn with_trace(name: &str, csv: &str, shape: &str) -> (PathBuf, Result<Scenario, ScenarioError>) {
        let dir = folder(name, &[("traces/t.csv", csv)]);
        let file = dir.join("s.yaml");
        let result = parse(&file, &text(&format!("    shape: {shape}\n")));
        (dir, result)
    }

    #[test]
    fn every_shape_reads_into_the_model() {
        let s = ok("    rate: 100/s\n    shape: { ramp: { to: 800/s, from: 10s, until: 50s } }\n");
        assert!(
            matches!(&s.workload[0].rate.shape.base, Base::Ramp(r) if (r.to_per_s, r.from_ms, r.until_ms) == (800.0, 10_000, 50_000))
        );
        assert_eq!(s.workload[0].rate.at(30_000), 450.0);
        let s = ok("    rate: 100/s\n    shape:\n      daily: { period: 20s, low: 0.25 }\n      spikes: { at: 30s, for: 5s, factor: 4 }\n      event: [{ at: 40s, for: 10s, factor: 3, announced: 20s }]\n");
        let shape = &s.workload[0].rate.shape;
        let d = shape.daily.as_ref().expect("daily");
        assert_eq!((d.period_ms, d.low, d.peak_at_ms), (20_000, 0.25, 10_000), "peak half a period in by default");
        assert_eq!((shape.spikes.len(), shape.events[0].announced_ms), (1, 20_000));
        assert!(ok("    rate: 100/s\n    shape: steady\n").workload[0].rate.shape.is_steady());
    }

    #[test]
    fn a_trace_is_read_relative_to_the_scenario_and_replayed_from_the_start() {
        let (dir, s) = with_trace(
            "ok",
            "time,rate\n100,10\n110,30\n",
            "{ trace: { file: traces/t.csv, interpolate: step, scale: 2 } }",
        );
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        let Base::Trace(t) = &s.workload[0].rate.shape.base else { panic!("a trace") };
        assert_eq!(
            (t.rows.clone(), t.interpolate, t.written.as_str()),
            (vec![(0.0, 10.0), (10_000.0, 30.0)], Interpolate::Step, "traces/t.csv")
        );
        assert!(t.file.is_absolute(), "the writer needs a path that reads back from anywhere");
        assert_eq!((s.workload[0].rate.at(9_999), s.workload[0].rate.at(10_000)), (20.0, 60.0));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn bad_shapes_name_their_field_and_line() {
        let cases: &[(&str, &str, &str, &str)] = &[
            ("    rate: 100/s\n    shape: bumpy\n", "bumpy", "workload[0].shape", "`steady` or a mapping"),
            ("    rate: 100/s\n    shape: { wave: 1 }\n", "wave", "workload[0].shape.wave", "unknown field"),
            ("    rate: 100/s\n    shape: { ramp: { from: 1s } }\n", "ramp", "workload[0].shape.ramp.to", "required"),
            ("    rate: 100/s\n    shape: { ramp: { to: 1/s, from: 60s } }\n", "ramp", "workload[0].shape.ramp.from", "after the group stops"),
            ("    rate: 100/s\n    shape: { ramp: { to: 1/s, from: 9s, until: 9s } }\n", "ramp", "workload[0].shape.ramp.until", "end after it starts"),
            ("    rate: 100/s\n    shape: { daily: { period: 10s, low: 1.5 } }\n", "daily", "workload[0].shape.daily.low", ""),
            ("    rate: 100/s\n    shape: { daily: { period: 10s, low: 0.5, peak_at: 10s } }\n", "daily", "workload[0].shape.daily.peak_at", "within the period"),
            ("    rate: 100/s\n    shape: { spikes: [{ at: 61s, for: 1s, factor: 2 }] }\n", "spikes", "workload[0].shape.spikes[0].at", "while the group runs"),
            ("    rate: 100/s\n    shape: { spikes: [{ at: 1s, for: 0s, factor: 2 }] }\n", "spikes", "workload[0].shape.spikes[0].for", "zero"),
            ("    rate: 100/s\n    shape: { spikes: { at: 1s, for: 1s, factor: 0 } }\n", "spikes", "workload[0].shape.spikes.factor", "greater than 0"),
            ("    rate: 100/s\n    shape: { event: { at: 10s, for: 1s, factor: 2, announced: 11s } }\n", "event", "workload[0].shape.event.announced", "at or before"),
            ("    rate: 100/s\n    shape: { spikes: { at: 1s, for: 1s, factor: 20000 } }\n", "shape", "workload[0].shape", "above the highest rate"),
            ("    rate: 100/s\n    shape: { ramp: { to: 1/s }, trace: t.csv }\n", "shape", "workload[0].shape.trace", "one of them"),
            ("    rate: 100/s\n    rate_changes: [{ at: 1s, rate: 2/s }]\n    shape: { spikes: { at: 1s, for: 1s, factor: 2 } }\n", "rate_changes", "workload[0].rate_changes", "use one"),
            ("    shape: { spikes: { at: 1s, for: 1s, factor: 2 } }\n", "clients", "workload[0].rate", "required"),
            ("    rate: 100/s\n    shape: { trace: missing.csv }\n", "trace", "workload[0].shape.trace", "cannot read the trace `missing.csv`"),
            ("    rate: 100/s\n    shape: { trace: { file: t.csv, interpolate: cubic } }\n", "trace", "workload[0].shape.trace.interpolate", "`linear` or `step`"),
        ];
        for (group, needle, field, says) in cases {
            let (f, message) = error(group, needle);
            assert_eq!(&f, field, "{group}: {message}");
            assert!(message.contains(says), "{group}: {message}");
        }
    }

    #[test]
    fn a_trace_group_takes_no_rate() {
        let dir = folder("rate", &[("traces/t.csv", "0,10\n")]);
        let t = text("    rate: 5/s\n    shape: { trace: traces/t.csv }\n");
        let e = parse(&dir.join("s.yaml"), &t).expect_err("rate and trace");
        assert_eq!((e.field.as_deref(), e.line), (Some("workload[0].rate"), Some(8)), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_bad_trace_row_names_the_csv_file_its_line_and_field() {
        let (dir, result) = with_trace("bad", "time,rate\n0,10\n15,twelve\n", "{ trace: traces/t.csv }");
        let e = result.expect_err("a malformed row");
        let csv = std::fs::canonicalize(dir.join("traces/t.csv")).expect("the file");
        assert_eq!(
            (e.path.clone(), e.line, e.column, e.field.as_deref()),
            (csv.clone(), Some(3), Some(4), Some("rate"))
        );
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("{}:3:4: rate: `twelve` is not a rate", csv.display())), "{shown}");
        assert!(shown.contains("(the trace of workload[0].shape.trace in "), "{shown}");
        for (name, csv, line, field, says) in [
            ("empty", "# nothing yet\n", None, "row", "no rows"),
            ("order", "0,1\n10,1\n10,2\n", Some(3), "time", "times must increase"),
            ("negative", "0,1\n10,-1\n", Some(2), "rate", "negative"),
            ("time", "0,1\nsoon,1\n", Some(2), "time", "is not a time"),
        ] {
            let (dir, result) = with_trace(name, csv, "{ trace: traces/t.csv }");
            let e = result.expect_err(name);
            assert!(e.path.ends_with("traces/t.csv"), "{name}: {e}");
            assert_eq!((e.line, e.field.as_deref()), (line, Some(field)), "{name}: {e}");
            assert!(e.message.contains(says), "{name}: {e}");
            let _ = std::fs::remove_dir_all(dir);
        }
        let (dir2, result) = with_trace("zero", "0,0\n", "{ trace: traces/t.csv }");
        assert!(result.expect_err("no load").message.contains("no load"));
        let _ = std::fs::remove_dir_all(dir2);
        let _ = std::fs::remove_dir_all(dir);
    }
}
