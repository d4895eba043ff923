//! Reading a scenario file: size limits, parsing, and validation into a typed scenario.

use std::path::Path;

use super::error::ScenarioError;
use super::locate::Index;
use super::{model, spec, validate};

/// Largest scenario file we read; anything bigger is surely not a hand-written scenario.
pub const FILE_BYTES_MAX: usize = 1 << 20;

/// Reads, parses and validates the scenario file at `path`. Only a regular file is read (a
/// FIFO or `/dev/zero` is refused before it is opened), and at most `FILE_BYTES_MAX` + 1 bytes.
pub fn load(path: &Path) -> Result<model::Scenario, ScenarioError> {
    let text = reports::files::read_text(path, FILE_BYTES_MAX as u64).map_err(|e| match e {
        reports::files::ReadError::TooLarge(_) => ScenarioError::file(
            path,
            format!("the file has more than {FILE_BYTES_MAX} bytes; scenario files are at most {FILE_BYTES_MAX}"),
        ),
        other => ScenarioError::file(path, other.to_string()),
    })?;
    parse(path, &text)
}

/// Parses and validates scenario `text`; `path` is only used in messages and in the result.
pub fn parse(path: &Path, text: &str) -> Result<model::Scenario, ScenarioError> {
    if text.len() > FILE_BYTES_MAX {
        return Err(too_large(path, text.len() as u64));
    }
    let index = Index::build(text);
    if let Some(dup) = index.duplicate() {
        let line = dup.first.line;
        let message = format!("this field is written twice (first on line {line})");
        return Err(ScenarioError::at(path, Some(dup.again), Some(dup.path.clone()), message));
    }
    let spec: spec::ScenarioSpec = serde_yaml::from_str(text).map_err(|e| ScenarioError::serde(path, &index, &e))?;
    // An empty file or one of only comments deserializes as a scenario with every field absent.
    if matches!(serde_yaml::from_str(text), Ok(serde_yaml::Value::Null)) {
        return Err(ScenarioError::file(
            path,
            "the file is empty: a scenario needs at least `name`, `description`, `duration`, `cluster` and `workload`",
        ));
    }
    validate::scenario(path, &spec, &index).map_err(|invalid| ScenarioError::invalid(path, &index, invalid))
}

fn too_large(path: &Path, size: u64) -> ScenarioError {
    ScenarioError::file(path, format!("the file has {size} bytes; scenario files are at most {FILE_BYTES_MAX}"))
}
