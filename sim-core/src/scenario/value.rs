//! Reading the free-form parts of a scenario (latencies, targets, expectations) from YAML
//! values, with the field path in every error.

use serde_yaml::Value;

use super::error::Invalid;
use super::locate::join;

/// What a value is, for messages: `expected a list, found a number`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("`{s}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged `{}`", t.tag),
    }
}

/// An error for a value of the wrong shape at `field`.
pub fn expected(field: &str, what: &str, value: &Value) -> Invalid {
    Invalid::new(field, format!("expected {what}, found {}", describe(value)))
}

/// `` `a`, `b` or `c` ``, for lists of allowed words.
pub fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The entries of a mapping, checked against the keys it may have.
pub struct Fields<'a> {
    path: String,
    entries: Vec<(&'a str, &'a Value)>,
}

impl<'a> Fields<'a> {
    /// Reads `value` at `path` as a mapping whose keys are all in `allowed`.
    pub fn new(value: &'a Value, path: &str, allowed: &[&str]) -> Result<Fields<'a>, Invalid> {
        let Value::Mapping(map) = value else {
            return Err(expected(path, &format!("a mapping with {}", one_of(allowed)), value));
        };
        let mut entries = Vec::with_capacity(map.len());
        for (key, value) in map {
            let Some(key) = key.as_str() else {
                return Err(expected(path, "field names", key));
            };
            if !allowed.contains(&key) {
                return Err(Invalid::new(
                    join(path, key),
                    format!("unknown field `{key}`, expected {}", one_of(allowed)),
                ));
            }
            entries.push((key, value));
        }
        Ok(Fields { path: path.to_string(), entries })
    }

    /// The value of `key`, if it is present and not null.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.entries.iter().find(|(k, v)| *k == key && !v.is_null()).map(|(_, v)| *v)
    }

    /// The value of `key`, which must be present.
    pub fn required(&self, key: &str) -> Result<&'a Value, Invalid> {
        self.get(key).ok_or_else(|| Invalid::new(self.field(key), format!("required field `{key}` is missing")))
    }

    /// The path of `key` in this mapping.
    pub fn field(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The mapping's keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.entries.iter().map(|(k, _)| *k)
    }
}

/// The string at `field`.
pub fn string<'a>(value: &'a Value, field: &str, what: &str) -> Result<&'a str, Invalid> {
    value.as_str().ok_or_else(|| expected(field, what, value))
}

/// The text of a duration at `field`; a bare number is passed on so the unit parser can say
/// that it lacks a unit.
pub fn duration_text(value: &Value, field: &str) -> Result<String, Invalid> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(expected(field, "a duration like `2ms` or `1.5s`", other)),
    }
}

/// The number at `field` (integers too), which must be finite.
pub fn number(value: &Value, field: &str) -> Result<f64, Invalid> {
    match value.as_f64() {
        Some(n) if n.is_finite() => Ok(n),
        _ => Err(expected(field, "a finite number", value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).expect("test yaml")
    }

    #[test]
    fn unknown_keys_are_named_with_their_path() {
        let v = yaml("{ weight: 1, latncy: 2ms }");
        let err = Fields::new(&v, "net.mixture[0]", &["weight", "latency"]).err().expect("error");
        assert_eq!(err.field, "net.mixture[0].latncy");
        assert_eq!(err.message, "unknown field `latncy`, expected `weight` or `latency`");
    }

    #[test]
    fn missing_and_null_fields_are_required_errors() {
        let v = yaml("{ weight: ~ }");
        let fields = Fields::new(&v, "m", &["weight", "latency"]).expect("fields");
        assert_eq!(fields.required("weight").err().map(|e| e.field), Some("m.weight".into()));
        assert!(fields.get("latency").is_none());
    }

    #[test]
    fn wrong_shapes_say_what_was_found() {
        assert_eq!(expected("x", "a list", &yaml("3")).message, "expected a list, found the number 3");
        assert!(number(&yaml(".inf"), "x").is_err());
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
