//! The per-shard part of `cluster.replication:`: a default consistency requirement, and
//! classes of shards with their own replication factor N and requirement.
//!
//! ```yaml
//! replication:
//!   n: 3                      # every shard's N unless a class says otherwise
//!   requirement: eventual     # or strong; default eventual
//!   classes:
//!     - { shards: 0..3, n: 5, requirement: strong }
//!     - { shards: 12, n: 2 }
//! ```

use nodes::{Requirement, ShardSpec};
use serde_yaml::Value;

use super::error::Invalid;
use super::locate::item;
use super::value::{expected, number, Fields};

/// Shards `first..=last` with their own N and requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardClass {
    /// First shard of the class.
    pub first: u32,
    /// Last shard of the class (inclusive).
    pub last: u32,
    /// Replication factor of its shards.
    pub n: u8,
    /// Consistency requirement of its shards.
    pub requirement: Requirement,
}

/// Every shard's N and requirement: `n` and `requirement` unless a class says otherwise.
pub fn shard_spec(shards: u32, n: u8, requirement: Requirement, classes: &[ShardClass]) -> ShardSpec {
    classes.iter().fold(ShardSpec::uniform(shards, n, requirement), |spec, c| {
        spec.with_class((c.first, c.last), c.n, c.requirement)
    })
}

/// Reads a requirement: `strong` or `eventual`.
pub(crate) fn requirement(value: &Value, field: &str) -> Result<Requirement, Invalid> {
    match value.as_str() {
        Some("strong") => Ok(Requirement::Strong),
        Some("eventual") => Ok(Requirement::Eventual),
        _ => Err(expected(field, "`strong` (every read sees every acknowledged write) or `eventual`", value)),
    }
}

/// Reads `cluster.replication.classes` for a cluster of `shards` shards and `nodes` nodes; a
/// class without `n` or `requirement` takes `defaults`.
pub(crate) fn classes(
    raw: Option<&Value>,
    shards: u32,
    nodes: usize,
    max_n: u32,
    defaults: (u8, Requirement),
) -> Result<Vec<ShardClass>, Invalid> {
    const FIELD: &str = "cluster.replication.classes";
    let Some(raw) = raw else { return Ok(vec![]) };
    let Value::Sequence(list) = raw else {
        return Err(expected(FIELD, "a list like `[{ shards: 0..3, n: 5, requirement: strong }]`", raw));
    };
    let mut out: Vec<ShardClass> = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let path = item(FIELD, i);
        let fields = Fields::new(v, &path, &["shards", "n", "requirement"])?;
        let (first, last) = range(fields.required("shards")?, &fields.field("shards"), shards)?;
        if let Some(other) = out.iter().find(|c| first <= c.last && c.first <= last) {
            return Err(Invalid::new(
                fields.field("shards"),
                format!("shards {first}..{last} overlap an earlier class ({}..{})", other.first, other.last),
            ));
        }
        let n = match fields.get("n") {
            None => defaults.0,
            Some(v) => {
                let field = fields.field("n");
                let k = number(v, &field)?;
                let top = max_n.min(nodes as u32);
                if k.fract() != 0.0 || k < 1.0 || k > f64::from(top) {
                    return Err(Invalid::new(
                        field,
                        format!("n = {k} must be between 1 and the number of nodes ({nodes}), at most {max_n}"),
                    ));
                }
                k as u8
            }
        };
        let requirement = match fields.get("requirement") {
            None => defaults.1,
            Some(v) => requirement(v, &fields.field("requirement"))?,
        };
        out.push(ShardClass { first, last, n, requirement });
    }
    Ok(out)
}

/// A shard or an inclusive range of shards, `5` or `"2..7"`, within `0..shards`.
fn range(value: &Value, field: &str, shards: u32) -> Result<(u32, u32), Invalid> {
    let what = "a shard like `5` or an inclusive range like `0..3`";
    let (first, last) = match value {
        Value::Number(k) => {
            let k = k.as_u64().ok_or_else(|| expected(field, what, value))?;
            (k, k)
        }
        Value::String(s) => {
            let (a, b) = s.split_once("..").ok_or_else(|| expected(field, what, value))?;
            let parse = |t: &str| t.trim().parse::<u64>().map_err(|_| expected(field, what, value));
            (parse(a)?, parse(b)?)
        }
        _ => return Err(expected(field, what, value)),
    };
    if first > last {
        return Err(Invalid::new(field, format!("{first}..{last}: the first shard must not exceed the last")));
    }
    if last >= u64::from(shards) {
        return Err(Invalid::new(field, format!("shard {last} does not exist: shards are 0 to {}", shards - 1)));
    }
    Ok((first as u32, last as u32))
}

/// The shards' classes in one line, as they run (`None`: every shard has the same N and
/// requirement): `0-5 strong N=5, 6-9 eventual N=2, the other 6 eventual N=3`.
pub fn classes_text(shards: u32, n: u8, requirement: Requirement, classes: &[ShardClass]) -> Option<String> {
    if !classes.iter().any(|c| c.n != n || c.requirement != requirement) {
        return None;
    }
    let mut parts: Vec<String> = classes
        .iter()
        .map(|c| {
            let shards = if c.first == c.last { c.first.to_string() } else { format!("{}-{}", c.first, c.last) };
            format!("{shards} {} N={}", c.requirement.name(), c.n)
        })
        .collect();
    let covered: u32 = classes.iter().map(|c| c.last - c.first + 1).sum();
    if covered < shards {
        parts.push(format!("the other {} {} N={}", shards - covered, requirement.name(), n));
    }
    Some(parts.join(", "))
}

/// The `replication:` line the scenario writer emits.
pub fn replication_text(n: u8, requirement: Requirement, classes: &[ShardClass]) -> String {
    let mut text = format!("{{ n: {n}");
    if requirement != Requirement::Eventual {
        text.push_str(&format!(", requirement: {}", requirement.name()));
    }
    if !classes.is_empty() {
        let list: Vec<String> = classes
            .iter()
            .map(|c| {
                let shards =
                    if c.first == c.last { c.first.to_string() } else { format!("\"{}..{}\"", c.first, c.last) };
                format!("{{ shards: {shards}, n: {}, requirement: {} }}", c.n, c.requirement.name())
            })
            .collect();
        text.push_str(&format!(", classes: [{}]", list.join(", ")));
    }
    text.push_str(" }");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<ShardClass>, Invalid> {
        let v: Value = serde_yaml::from_str(text).unwrap();
        classes(Some(&v), 16, 5, 64, (3, Requirement::Eventual))
    }

    #[test]
    fn classes_read_ranges_single_shards_and_defaults() {
        let c = parse("[{ shards: 0..3, n: 5, requirement: strong }, { shards: 12, n: 2 }]").unwrap();
        assert_eq!(
            c,
            [
                ShardClass { first: 0, last: 3, n: 5, requirement: Requirement::Strong },
                ShardClass { first: 12, last: 12, n: 2, requirement: Requirement::Eventual },
            ]
        );
        let spec = shard_spec(16, 3, Requirement::Eventual, &c);
        assert_eq!((spec.n_of(2), spec.n_of(4), spec.n_of(12)), (5, 3, 2));
        assert_eq!(spec.requirement_of(3), Requirement::Strong);
    }

    #[test]
    fn bad_classes_are_refused_naming_the_field() {
        let cases = [
            ("[{ shards: 0..3, n: 6 }]", "classes[0].n", "between 1 and the number of nodes"),
            ("[{ shards: 0..16 }]", "classes[0].shards", "shard 16 does not exist"),
            ("[{ shards: 4..2 }]", "classes[0].shards", "must not exceed"),
            ("[{ shards: 0..3 }, { shards: 3..5 }]", "classes[1].shards", "overlap an earlier class"),
            ("[{ shards: 0..3, requirement: linear }]", "classes[0].requirement", "`strong`"),
            ("[{ shards: 0..3, w: 2 }]", "classes[0]", "w"),
            ("[{ n: 2 }]", "classes[0].shards", "missing"),
            ("{ shards: 1 }", "classes", "a list"),
        ];
        for (text, field, words) in cases {
            let e = parse(text).unwrap_err();
            let e = format!("{}: {}", e.field, e.message);
            assert!(e.contains(field) && e.contains(words), "{text}: {e}");
        }
    }

    #[test]
    fn the_written_line_reads_back() {
        let c = parse("[{ shards: 0..3, n: 5, requirement: strong }, { shards: 12, n: 2 }]").unwrap();
        let text = replication_text(3, Requirement::Strong, &c);
        let v: Value = serde_yaml::from_str(&text).unwrap();
        let back = classes(v.get("classes"), 16, 5, 64, (3, Requirement::Strong)).unwrap();
        assert_eq!(back, c);
    }
}
