//! Probe items of `workload:` (`- probe: { t: [1ms, 5ms], every: 100ms, consistency: ONE }`):
//! a writer and a reader client that measure t-visibility directly. The writer writes a fresh
//! key; the reader reads it exactly `t` after the writer saw the acknowledgement; the rounds
//! cycle through the `t` values.

use serde_yaml::Value;

use super::error::Invalid;
use super::fields::{consistency, duration, positive_ms};
use super::locate::{item, join};
use super::model::Probe;
use super::spec::RawGroup;
use super::units::format_ms;
use super::value::{duration_text, expected, Fields};
use crate::history::Level;

/// Most `t` values of one probe.
pub const T_VALUES_MAX: usize = 32;
/// Longest `t`.
pub const T_MS_MAX: u64 = 60_000;
const EVERY_MS_DEFAULT: u64 = 100;
const FIELDS: &[&str] = &["t", "every", "consistency", "read_consistency", "write_consistency", "start", "stop"];

/// The probes among the `workload:` items (the items with `probe:`), in order.
pub fn probes(groups: &[RawGroup], n: u8, duration_ms: u64) -> Result<Vec<Probe>, Invalid> {
    let mut out = vec![];
    for (i, g) in groups.iter().enumerate() {
        let Some(value) = &g.probe else { continue };
        let path = item("workload", i);
        if !alone(g) {
            return Err(Invalid::new(
                join(&path, "probe"),
                "a probe item has only `probe:`; its settings go inside it, like `- probe: { t: [1ms, 5ms] }`",
            ));
        }
        out.push(probe(value, &join(&path, "probe"), n, duration_ms)?);
    }
    Ok(out)
}

/// True when the item sets nothing but `probe`.
fn alone(g: &RawGroup) -> bool {
    g.clients.is_none()
        && g.rate.is_none()
        && g.keys.is_none()
        && g.key_distribution.is_none()
        && g.reads.is_none()
        && g.consistency.is_none()
        && g.read_consistency.is_none()
        && g.write_consistency.is_none()
        && g.context.is_none()
        && g.start.is_none()
        && g.stop.is_none()
        && g.rate_changes.is_none()
        && g.shape.is_none()
}

fn probe(value: &Value, path: &str, n: u8, duration_ms: u64) -> Result<Probe, Invalid> {
    let fields = Fields::new(value, path, FIELDS)?;
    let t_field = fields.field("t");
    let Some(list) = fields.required("t")?.as_sequence() else {
        return Err(expected(&t_field, "a list of durations, like `[1ms, 5ms, 20ms]`", fields.required("t")?));
    };
    if list.is_empty() || list.len() > T_VALUES_MAX {
        return Err(Invalid::new(&t_field, format!("list 1 to {T_VALUES_MAX} values of t")));
    }
    let mut t_ms = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let f = item(&t_field, i);
        let t = positive_ms(&duration_text(v, &f)?, &f).map_err(|e| {
            Invalid::new(&e.field, format!("{}; t = 0 is what the staleness table's first row measures (a client acts on an acknowledgement a tick after it arrives)", e.message))
        })?;
        if t > T_MS_MAX {
            return Err(Invalid::new(f, format!("t is at most {}", format_ms(T_MS_MAX))));
        }
        if t_ms.contains(&t) {
            return Err(Invalid::new(f, format!("t = {} is listed twice", format_ms(t))));
        }
        t_ms.push(t);
    }
    let longest = *t_ms.iter().max().expect("at least one t");
    let every_ms = match fields.get("every") {
        Some(v) => positive_ms(&duration_text(v, &fields.field("every"))?, &fields.field("every"))?,
        None => EVERY_MS_DEFAULT.max(2 * longest),
    };
    if every_ms <= longest {
        return Err(Invalid::new(
            fields.field("every"),
            format!(
                "rounds start every {}: make it longer than the largest t ({})",
                format_ms(every_ms),
                format_ms(longest)
            ),
        ));
    }
    let level = |key: &str| fields.get(key).map(|v| consistency(v, &fields.field(key), n)).transpose();
    let both = level("consistency")?.unwrap_or(Level::Quorum);
    let read_consistency = level("read_consistency")?.unwrap_or(both);
    let write_consistency = level("write_consistency")?.unwrap_or(both);
    let time = |key: &str, default: u64| -> Result<u64, Invalid> {
        match fields.get(key) {
            Some(v) => duration(&duration_text(v, &fields.field(key))?, &fields.field(key)),
            None => Ok(default),
        }
    };
    let start_ms = time("start", 0)?;
    let stop_ms = time("stop", duration_ms)?;
    if start_ms >= duration_ms || stop_ms > duration_ms || stop_ms <= start_ms {
        return Err(Invalid::new(
            fields.field(if start_ms >= duration_ms { "start" } else { "stop" }),
            format!("the probe runs within the run: 0s <= start < stop <= duration ({})", format_ms(duration_ms)),
        ));
    }
    Ok(Probe { t_ms, every_ms, read_consistency, write_consistency, start_ms, stop_ms })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::history::Level;
    use crate::scenario::parse;

    fn scenario(probe: &str) -> String {
        format!(
            "name: p\ndescription: d\nduration: 10s\ncluster: {{ nodes: 3, replication: {{ n: 3 }} }}\nworkload:\n  \
             - {{ clients: 1, rate: 10/s, keys: 5 }}\n  - {probe}\n"
        )
    }

    fn error(probe: &str) -> (String, String) {
        let e = parse(Path::new("p.yaml"), &scenario(probe)).expect_err("invalid");
        assert_eq!(e.line, Some(7), "{e}");
        (e.field.unwrap_or_default(), e.message)
    }

    #[test]
    fn a_probe_reads_with_its_defaults() {
        let s = parse(Path::new("p.yaml"), &scenario("probe: { t: [2ms, 1ms], read_consistency: ONE }")).unwrap();
        assert_eq!(s.workload.len(), 1);
        let p = &s.probes[0];
        assert_eq!((p.t_ms.clone(), p.every_ms, p.start_ms, p.stop_ms), (vec![2, 1], 100, 0, 10_000));
        assert_eq!((p.read_consistency, p.write_consistency), (Level::One, Level::Quorum));
        let long = parse(Path::new("p.yaml"), &scenario("probe: { t: [80ms] }")).unwrap();
        assert_eq!(long.probes[0].every_ms, 160, "by default rounds are at least twice the longest t apart");
    }

    #[test]
    fn bad_probes_name_their_field() {
        assert_eq!(error("probe: { t: [] }").0, "workload[1].probe.t");
        let (field, message) = error("probe: { t: [0ms] }");
        assert_eq!(field, "workload[1].probe.t[0]");
        assert!(message.contains("staleness table's first row"), "{message}");
        assert_eq!(error("probe: { t: [1ms, 1ms] }").0, "workload[1].probe.t[1]");
        assert_eq!(error("probe: { t: [5ms], every: 5ms }").0, "workload[1].probe.every");
        assert_eq!(error("probe: { t: [5ms], keys: 3 }").0, "workload[1].probe.keys");
        assert_eq!(error("probe: { t: [5ms], stop: 20s }").0, "workload[1].probe.stop");
        assert_eq!(error("probe: { t: [5ms], consistency: 4 }").0, "workload[1].probe.consistency");
        assert_eq!(error("{ probe: { t: [5ms] }, clients: 3 }").0, "workload[1].probe");
        assert_eq!(error("probe: 5ms").0, "workload[1].probe");
    }
}
