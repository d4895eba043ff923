//! `--set path=value` overrides: run the same scenario with one setting changed (a mechanism on
//! or off, another conflict policy) without editing the file, so the two runs differ in exactly
//! that setting and `compare` can put them side by side.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde_yaml::{Mapping, Value};

use super::error::ScenarioError;
use super::file::{load, parse};
use super::model::Scenario;

/// One override: a dotted field path (`cluster.storage.read_repair`) and a YAML value.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The field's path, one name per level.
    pub path: Vec<String>,
    /// The new value, as YAML (`off`, `3`, `{ after: 20ms }`).
    pub value: Value,
    /// The override as written, for messages.
    pub text: String,
}

impl FromStr for Override {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (path, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: write FIELD=VALUE, e.g. cluster.storage.read_repair=off"))?;
        let path: Vec<String> = path.trim().split('.').map(str::to_string).collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(format!("`{text}`: the field path has an empty part"));
        }
        let value = serde_yaml::from_str(value).map_err(|e| format!("`{text}`: the value is not YAML: {e}"))?;
        Ok(Override { path, value, text: text.to_string() })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Loads the scenario at `path` with `overrides` applied. The file is first validated as it is
/// (so its own mistakes are reported at their lines), then with the overrides, whose mistakes
/// are reported against them.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let plain = load(path)?;
    if overrides.is_empty() {
        return Ok(plain);
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| ScenarioError::file(path, format!("cannot read the file: {e}")))?;
    let mut doc: Value = serde_yaml::from_str(&text).map_err(|e| ScenarioError::file(path, e.to_string()))?;
    for o in overrides {
        set(&mut doc, &o.path, o.value.clone()).map_err(|m| ScenarioError::file(path, format!("--set {o}: {m}")))?;
    }
    let changed = serde_yaml::to_string(&doc).map_err(|e| ScenarioError::file(path, e.to_string()))?;
    let list: Vec<String> = overrides.iter().map(|o| format!("--set {o}")).collect();
    parse(path, &changed).map_err(|e| {
        let field = e.field.map(|f| format!("{f}: ")).unwrap_or_default();
        ScenarioError::file(path, format!("with {}: {field}{}", list.join(" "), e.message))
    })
}

/// Sets the field at `path` in `doc`, creating missing maps on the way.
fn set(doc: &mut Value, path: &[String], value: Value) -> Result<(), String> {
    let (last, parents) = path.split_last().expect("a path has at least one part");
    let mut at = doc;
    for (i, part) in parents.iter().enumerate() {
        let map = as_map(at, &path[..i])?;
        at = map.entry(Value::String(part.clone())).or_insert_with(|| Value::Mapping(Mapping::new()));
    }
    as_map(at, parents)?.insert(Value::String(last.clone()), value);
    Ok(())
}

fn as_map<'a>(v: &'a mut Value, path: &[String]) -> Result<&'a mut Mapping, String> {
    if v.is_null() {
        *v = Value::Mapping(Mapping::new());
    }
    let shown = if path.is_empty() { "the file".to_string() } else { format!("`{}`", path.join(".")) };
    v.as_mapping_mut().ok_or_else(|| format!("{shown} is not a map of fields"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("clustersim-overrides-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("s{}.yaml", text.len()));
        std::fs::write(&path, text).unwrap();
        path
    }

    const SCENARIO: &str = "name: s\ndescription: d\nduration: 2s\ncluster: { nodes: 3, replication: { n: 3 } }\n\
                            workload: [{ clients: 1, rate: 10/s, keys: 5 }]\n";

    #[test]
    fn an_override_changes_exactly_its_field_and_creates_the_maps_on_the_way() {
        let path = file(SCENARIO);
        let set: Override = "cluster.storage.conflicts=lww".parse().unwrap();
        let s = load_with(&path, &[set]).unwrap();
        assert_eq!(s.cluster.storage.store.conflicts, nodes::storage::ConflictPolicy::Lww);
        assert_eq!(s.cluster.nodes.len(), 3);
        let plain = load_with(&path, &[]).unwrap();
        assert_eq!(plain.cluster.storage.store.conflicts, nodes::storage::ConflictPolicy::Siblings);
    }

    #[test]
    fn a_bad_override_is_reported_against_itself() {
        let path = file(SCENARIO);
        let err = load_with(&path, &["cluster.storage.conflicts=newest".parse().unwrap()]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("with --set cluster.storage.conflicts=newest: cluster.storage.conflicts: `newest`"),
            "{text}"
        );
        let err = load_with(&path, &["name.x=1".parse().unwrap()]).unwrap_err();
        assert!(err.to_string().contains("`name` is not a map of fields"), "{err}");
        assert!("no-equals".parse::<Override>().is_err());
        assert!("a..b=1".parse::<Override>().is_err());
    }
}
