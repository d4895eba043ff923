//! The JSON-lines history format: one event a line, as a JSON object with Jepsen's fields
//! (`{"process": 0, "type": "invoke", "f": "write", "key": 3, "value": 5}`); blank lines
//! are skipped.

use super::event::{Datum, ImportError};

/// Every non-blank line of `text` as `(line, form)`.
pub fn items(text: &str) -> Result<Vec<(usize, Datum)>, ImportError> {
    let mut items = vec![];
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| ImportError::new(line, format!("not a JSON object: {e}")))?;
        if !value.is_object() {
            return Err(ImportError::new(line, "each line must be one JSON object like {\"process\": 0, ...}"));
        }
        items.push((line, datum(value)));
    }
    Ok(items)
}

fn datum(v: serde_json::Value) -> Datum {
    use serde_json::Value as J;
    match v {
        J::Null => Datum::Nil,
        J::Bool(b) => Datum::Bool(b),
        J::Number(n) => n.as_i64().map_or_else(|| Datum::Other(n.to_string()), Datum::Int),
        J::String(s) => Datum::Str(s),
        J::Array(items) => Datum::List(items.into_iter().map(datum).collect()),
        J::Object(map) => Datum::Map(map.into_iter().map(|(k, v)| (Datum::Str(k), datum(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_maps_and_bad_lines_are_named() {
        let got = items("{\"process\": 1, \"value\": [1, null, 2.5]}\n\n{\"f\": \"read\"}\n").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, 3);
        let Datum::Map(pairs) = &got[0].1 else { panic!() };
        let value = pairs.iter().find(|p| p.0 == Datum::Str("value".into())).unwrap();
        assert_eq!(value.1, Datum::List(vec![Datum::Int(1), Datum::Nil, Datum::Other("2.5".into())]));
        assert_eq!(items("{}\n{\"a\": 1\n").unwrap_err().line, 2);
        assert!(items("{}\n[1]\n").unwrap_err().message.contains("one JSON object"));
    }
}
