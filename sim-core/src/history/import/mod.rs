//! Importers of histories written by other tools: Jepsen/Knossos EDN and our JSON-lines
//! format, both read into a list of [`Event`]s (an operation's invocation or completion, by
//! process, in the order they happened).
//!
//! Both formats hold the same fields: `process` (an integer; other processes, such as
//! Jepsen's `:nemesis`, are skipped by the checker), `type` (`invoke`, `ok`, `fail`, `info`),
//! `f` (`read`, `write`, `cas`), `value`, and an optional `key`. Other fields (`time`,
//! `index`, `error`, ...) are ignored.

mod edn;
mod event;
mod jsonl;

use std::path::Path;

pub use event::{Datum, Event, EventType, ImportError};

/// Largest history file read (512 MiB).
pub const FILE_BYTES_MAX: u64 = 512 << 20;

/// How a history file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Jepsen/Knossos EDN: maps one per line, or a vector of maps.
    Edn,
    /// One JSON object a line.
    JsonLines,
}

impl Format {
    /// The format called `name` on the command line (`edn`, `jsonl`).
    pub fn named(name: &str) -> Option<Format> {
        match name {
            "edn" => Some(Format::Edn),
            "jsonl" | "json" => Some(Format::JsonLines),
            _ => None,
        }
    }

    /// Tells the format from the text: JSON objects start `{"`, EDN maps `{:`, and an EDN
    /// history may also be one vector, start with a tag (`#jepsen.history.Op{`) or a comment.
    pub fn detect(text: &str) -> Format {
        let mut chars = text.chars().filter(|c| !c.is_whitespace() && *c != ',');
        match (chars.next(), chars.next()) {
            (Some('{'), Some('"')) | (Some('{'), Some('}')) | (None, _) => Format::JsonLines,
            _ => Format::Edn,
        }
    }
}

/// The events of `text` written in `format`, in order.
pub fn events(text: &str, format: Format) -> Result<Vec<Event>, ImportError> {
    let items = match format {
        Format::Edn => edn::items(text)?,
        Format::JsonLines => jsonl::items(text)?,
    };
    items.into_iter().map(|(line, form)| event(line, form)).collect()
}

/// Reads the history file at `path` (its format detected when `format` is `None`). A file
/// that cannot be read is an error on line 0.
pub fn read(path: &Path, format: Option<Format>) -> Result<(Format, Vec<Event>), ImportError> {
    let size = std::fs::metadata(path).map_err(|e| ImportError::new(0, format!("cannot read the file: {e}")))?.len();
    if size > FILE_BYTES_MAX {
        return Err(ImportError::new(
            0,
            format!("the file has {size} bytes; history files are at most {FILE_BYTES_MAX}"),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| ImportError::new(0, format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        ImportError::new(line, "the file is not valid UTF-8 text")
    })?;
    let format = format.unwrap_or_else(|| Format::detect(&text));
    Ok((format, events(&text, format)?))
}

/// The event a map describes: `process`, `type` and `f` are required, `value` defaults to nil.
fn event(line: usize, form: Datum) -> Result<Event, ImportError> {
    let Datum::Map(pairs) = form else {
        return Err(ImportError::new(
            line,
            format!("an event must be a map like {{:process 0, :type :invoke, :f :read, :value nil}}, not `{form}`"),
        ));
    };
    let (mut process, mut kind, mut f, mut value, mut key) = (None, None, None, None, None);
    for (k, v) in pairs {
        let Some(name) = k.name().map(str::to_string) else { continue };
        let slot = match name.as_str() {
            "process" => &mut process,
            "type" => &mut kind,
            "f" => &mut f,
            "value" => &mut value,
            "key" => &mut key,
            _ => continue,
        };
        if slot.replace(v).is_some() {
            return Err(ImportError::new(line, format!("field `{name}` is given twice")));
        }
    }
    let missing = |field: &str| ImportError::new(line, format!("required field `{field}` is missing"));
    let process = process.ok_or_else(|| missing("process"))?;
    let kind_datum = kind.ok_or_else(|| missing("type"))?;
    let kind = kind_datum.name().and_then(EventType::named).ok_or_else(|| {
        ImportError::new(line, format!("`type` is `{kind_datum}`: it must be invoke, ok, fail or info"))
    })?;
    let f_datum = f.ok_or_else(|| missing("f"))?;
    let f = f_datum
        .name()
        .ok_or_else(|| ImportError::new(line, format!("`f` is `{f_datum}`: it must name the operation, like read")))?
        .to_string();
    Ok(Event { line, process, kind, f, key, value: value.unwrap_or(Datum::Nil) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_give_the_same_events() {
        let edn = "{:process 0, :type :invoke, :f :write, :value 3, :time 10}\n{:process 0, :type :ok, :f :write, :value 3}\n";
        let json = "{\"process\": 0, \"type\": \"invoke\", \"f\": \"write\", \"value\": 3, \"time\": 10}\n{\"process\": 0, \"type\": \"ok\", \"f\": \"write\", \"value\": 3}\n";
        assert_eq!(Format::detect(edn), Format::Edn);
        assert_eq!(Format::detect(json), Format::JsonLines);
        assert_eq!(Format::detect("  [{:process 0}]"), Format::Edn);
        let a = events(edn, Format::Edn).unwrap();
        let b = events(json, Format::JsonLines).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].process, Datum::Int(0));
        assert_eq!((a[0].kind, a[0].f.as_str(), &a[0].value), (EventType::Invoke, "write", &Datum::Int(3)));
        assert_eq!((a[1].kind, a[1].line), (EventType::Ok, 2));
        // Keywords and strings name the same things.
        assert_eq!(
            a.iter().map(|e| (e.kind, e.f.clone(), e.value.clone())).collect::<Vec<_>>(),
            b.iter().map(|e| (e.kind, e.f.clone(), e.value.clone())).collect::<Vec<_>>()
        );
    }

    #[test]
    fn bad_events_name_their_line_and_field() {
        let err = |t: &str| events(t, Format::Edn).unwrap_err();
        let e = err("{:process 0, :type :invoke, :f :read}\n{:process 0, :f :read}\n");
        assert_eq!((e.line, e.message.as_str()), (2, "required field `type` is missing"));
        assert!(err("{:process 0, :type :done, :f :read}").message.contains("invoke, ok, fail or info"));
        assert!(err("{:process 0, :type :ok, :type :ok, :f :read}").message.contains("twice"));
        assert!(err("[1 2]").message.contains("must be a map"));
    }
}
