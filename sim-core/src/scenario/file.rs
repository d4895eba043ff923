//! Reading a scenario file: size limits, parsing, and validation into a typed scenario.

use std::path::Path;

use super::error::ScenarioError;
use super::locate::Index;
use super::{model, spec, validate};

/// Largest scenario file we read; anything bigger is surely not a hand-written scenario.
pub const FILE_BYTES_MAX: usize = 1 << 20;

/// Reads, parses and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<model::Scenario, ScenarioError> {
    let size =
        std::fs::metadata(path).map_err(|e| ScenarioError::file(path, format!("cannot read the file: {e}")))?.len();
    if size > FILE_BYTES_MAX as u64 {
        return Err(too_large(path, size));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| ScenarioError::file(path, format!("cannot read the file: {e}")))?;
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
