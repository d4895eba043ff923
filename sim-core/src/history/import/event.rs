//! An operation event as histories from other tools record them (Jepsen's and Knossos's
//! `{:process 0, :type :invoke, :f :read, :value nil}`), in a vocabulary of our own: what
//! the importers produce and the linearizability checker reads.

use std::fmt;

/// A value, key or process as a history writes it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Datum {
    /// `nil` / `null`.
    Nil,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// An EDN keyword, without its colon (`:read` is `Keyword("read")`).
    Keyword(String),
    /// A vector, list or set, in order.
    List(Vec<Datum>),
    /// A map, in the order written.
    Map(Vec<(Datum, Datum)>),
    /// Anything else (a float, a symbol), as written.
    Other(String),
}

impl Datum {
    /// The text of a keyword or string (`:read` and `"read"` both give `read`).
    pub fn name(&self) -> Option<&str> {
        match self {
            Datum::Keyword(s) | Datum::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Datum::Nil => f.write_str("nil"),
            Datum::Bool(b) => write!(f, "{b}"),
            Datum::Int(i) => write!(f, "{i}"),
            Datum::Str(s) => write!(f, "{s:?}"),
            Datum::Keyword(k) => write!(f, ":{k}"),
            Datum::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Datum::Map(pairs) => {
                f.write_str("{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} {v}")?;
                }
                f.write_str("}")
            }
            Datum::Other(s) => f.write_str(s),
        }
    }
}

/// What an event says about its operation (Jepsen's `:type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    /// The operation began.
    Invoke,
    /// It completed and took effect.
    Ok,
    /// It completed without taking effect.
    Fail,
    /// Its outcome is unknown: it may take effect at any later point, or never.
    Info,
}

impl EventType {
    /// The type called `name` (`invoke`, `ok`, `fail`, `info`).
    pub fn named(name: &str) -> Option<EventType> {
        match name {
            "invoke" => Some(EventType::Invoke),
            "ok" => Some(EventType::Ok),
            "fail" => Some(EventType::Fail),
            "info" => Some(EventType::Info),
            _ => None,
        }
    }
}

/// One event of an imported history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The 1-based line it starts on in its file.
    pub line: usize,
    /// The process (a client, one operation at a time); Jepsen's nemesis is `:nemesis`.
    pub process: Datum,
    /// Invocation or completion.
    pub kind: EventType,
    /// The operation's function: `read`, `write`, `cas`.
    pub f: String,
    /// The key, when the history names one separately (`"key"` in JSON lines, `:key` in EDN).
    pub key: Option<Datum>,
    /// The operation's value: what a write writes, what a read returned, `[old new]` for cas.
    pub value: Datum,
}

/// An input that is not a history: what is wrong, and on which line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// 1-based line of the offending text.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl ImportError {
    /// An error at `line`.
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        ImportError { line, message: message.into() }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ImportError {}
