//! Errors in scenario files, each naming the file, the line and column, and the field.

use std::fmt;
use std::path::{Path, PathBuf};

use super::locate::{join, Index, Pos};

/// A scenario file that cannot be read, parsed or validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario file.
    pub path: PathBuf,
    /// 1-based line of the offending text, when known.
    pub line: Option<usize>,
    /// 1-based column of the offending text, when known.
    pub column: Option<usize>,
    /// Path of the offending field, like `faults[2].crash[1]`, when known.
    pub field: Option<String>,
    /// What is wrong, and where it helps, how to fix it.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl ScenarioError {
    /// An error about the file as a whole (unreadable, empty, too large).
    pub(crate) fn file(path: &Path, message: impl Into<String>) -> ScenarioError {
        ScenarioError { path: path.to_path_buf(), line: None, column: None, field: None, message: message.into() }
    }

    /// An error at a known position.
    pub(crate) fn at(path: &Path, pos: Option<Pos>, field: Option<String>, message: String) -> ScenarioError {
        ScenarioError {
            path: path.to_path_buf(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            field: field.filter(|f| !f.is_empty()),
            message,
        }
    }

    /// A validation error, placed at its field via the index.
    /// A failure inside a file the scenario names (a trace) is placed in that file instead.
    pub(crate) fn invalid(path: &Path, index: &Index, invalid: Invalid) -> ScenarioError {
        if let Some(at) = invalid.file {
            let pos = at.line.map(|line| Pos { line, column: at.column.unwrap_or(1) });
            let mut e = ScenarioError::at(&at.path, pos, Some(invalid.field), invalid.message);
            e.column = at.column;
            return e;
        }
        ScenarioError::at(path, index.locate(&invalid.field), Some(invalid.field), invalid.message)
    }

    /// A serde_yaml error: its position, its field (from the path it prefixes to the message
    /// or, failing that, from the index) and its message without the duplicated position.
    pub(crate) fn serde(path: &Path, index: &Index, err: &serde_yaml::Error) -> ScenarioError {
        let pos = err.location().map(|l| Pos { line: l.line(), column: l.column() });
        let mut message = err.to_string();
        if let Some(p) = pos {
            message = message.replacen(&format!(" at line {} column {}", p.line, p.column), "", 1);
        }
        let (mut field, mut message) = match split_path(&message) {
            Some((field, rest)) => (Some(field.to_string()), rest.to_string()),
            None => (None, message),
        };
        let parent = field.clone().unwrap_or_default();
        if let Some(name) = quoted_after(&message, "unknown field `") {
            field = Some(join(&parent, name));
        } else if let Some(name) = quoted_after(&message, "missing field `") {
            field = Some(join(&parent, name));
            message = format!("required field `{name}` is missing");
        } else if message.starts_with("deserializing from YAML containing more than one document") {
            // The message is about the file, not the field that happens to precede the `---`.
            return ScenarioError::at(
                path,
                index.second_document().or(pos),
                None,
                "a scenario file holds one YAML document, but this one has several: remove the `---` separators"
                    .to_string(),
            );
        }
        if field.is_none() {
            field = pos.and_then(|p| index.path_at(p)).map(str::to_string);
        }
        ScenarioError::at(path, pos, field, readable(&message))
    }
}

/// A validation failure: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// Path of the field, like `workload[0].rate`.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// Set when the mistake is in another file the scenario names (a trace): `field` is then
    /// that file's field.
    pub file: Option<FileAt>,
}

/// A place in a file other than the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileAt {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when the mistake is on one.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
}

impl Invalid {
    /// A failure of `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Invalid {
        Invalid { field: field.into(), message: message.into(), file: None }
    }
}

/// Splits `cluster.network: rest` into the serde path and the rest, if the prefix is a path.
fn split_path(message: &str) -> Option<(&str, &str)> {
    let (prefix, rest) = message.split_once(": ")?;
    let path_char = |c: char| c.is_ascii_alphanumeric() || "_-.[]?".contains(c);
    (!prefix.is_empty() && prefix.chars().all(path_char)).then_some((prefix, rest))
}

/// The text between `start` and the next backtick, if `message` begins with `start`.
fn quoted_after<'a>(message: &'a str, start: &str) -> Option<&'a str> {
    message.strip_prefix(start)?.split('`').next()
}

/// Replaces serde's Rust-flavoured words with the scenario's own: `struct RawFault` → `a mapping`.
fn readable(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("struct ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "struct ".len()..];
        let name_len = after.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(after.len());
        out.push_str("a mapping");
        rest = &after[name_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: Option<usize>, column: Option<usize>, field: Option<&str>) -> ScenarioError {
        ScenarioError {
            path: PathBuf::from("scenarios/x.yaml"),
            line,
            column,
            field: field.map(str::to_string),
            message: "unknown node `n9`".into(),
        }
    }

    #[test]
    fn display_names_file_line_column_field_and_message() {
        let e = error(Some(14), Some(7), Some("faults[2].crash[1]"));
        assert_eq!(e.to_string(), "scenarios/x.yaml:14:7: faults[2].crash[1]: unknown node `n9`");
    }

    #[test]
    fn display_omits_the_parts_that_are_unknown() {
        assert_eq!(error(Some(3), None, None).to_string(), "scenarios/x.yaml:3: unknown node `n9`");
        assert_eq!(error(None, None, Some("seed")).to_string(), "scenarios/x.yaml: seed: unknown node `n9`");
    }

    #[test]
    fn serde_paths_and_struct_names_are_taken_apart() {
        assert_eq!(split_path("cluster.nodes[0]: invalid type"), Some(("cluster.nodes[0]", "invalid type")));
        assert_eq!(split_path("invalid type: string"), None);
        assert_eq!(
            readable("invalid type: sequence, expected struct RawFault"),
            "invalid type: sequence, expected a mapping"
        );
        assert_eq!(quoted_after("unknown field `foo`, expected `a`", "unknown field `"), Some("foo"));
    }
}
