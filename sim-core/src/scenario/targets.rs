//! Fault targets: node names, zone names, `random`, `leader` and `primary`, resolved against
//! the cluster.

use serde_yaml::Value;

use super::error::Invalid;
use super::locate::item;
use super::model::{ClusterSpec, Target};
use super::value::expected;

/// Most entries in one target list.
const TARGETS_MAX: usize = 2_048;

/// Names listed in an "unknown node" message before it trails off.
const NAMES_SHOWN_MAX: usize = 12;

/// Resolves target names against one cluster's nodes and zones.
pub struct Names<'a> {
    cluster: &'a ClusterSpec,
}

impl<'a> Names<'a> {
    /// Names of `cluster`.
    pub fn new(cluster: &'a ClusterSpec) -> Names<'a> {
        Names { cluster }
    }

    /// Number of shards of the cluster (a migration names one).
    pub fn shards(&self) -> u32 {
        self.cluster.shards
    }

    /// Reads one target name at `field`.
    pub fn target(&self, value: &Value, field: &str) -> Result<Target, Invalid> {
        let Some(name) = value.as_str() else {
            return Err(expected(field, "a node name, a zone name, `random`, `leader` or `primary`", value));
        };
        match name {
            "random" => return Ok(Target::Random),
            "leader" => return Ok(Target::Leader),
            "primary" => return Ok(Target::Primary),
            "all" => return Err(Invalid::new(field, "`all` is not a target: name the nodes or a zone")),
            _ => {}
        }
        if let Some(i) = self.cluster.nodes.iter().position(|n| n.name == name) {
            return Ok(Target::Node(i as u32));
        }
        if let Some(z) = self.cluster.zones.iter().position(|z| z == name) {
            return Ok(Target::Zone(z as u16));
        }
        let nodes = shown(self.cluster.nodes.iter().map(|n| n.name.as_str()));
        let zones = shown(self.cluster.zones.iter().map(String::as_str));
        Err(Invalid::new(field, format!("unknown node `{name}` (nodes are {nodes}; zones are {zones})")))
    }

    /// Reads a target list at `field`; a single name counts as a list of one.
    pub fn targets(&self, value: &Value, field: &str) -> Result<Vec<Target>, Invalid> {
        let list = match value {
            Value::String(_) => return Ok(vec![self.target(value, field)?]),
            Value::Sequence(list) => list,
            Value::Null => return Err(Invalid::new(field, "name at least one node, zone or `random`")),
            other => return Err(expected(field, "a target name or a list of them", other)),
        };
        if list.is_empty() {
            return Err(Invalid::new(field, "the list is empty: name at least one node, zone or `random`"));
        }
        if list.len() > TARGETS_MAX {
            return Err(Invalid::new(field, format!("at most {TARGETS_MAX} targets")));
        }
        let mut targets = Vec::with_capacity(list.len());
        for (i, value) in list.iter().enumerate() {
            let field = item(field, i);
            let target = self.target(value, &field)?;
            // Two `random`s draw two nodes; any other repeat is a slip.
            if target != Target::Random && targets.contains(&target) {
                return Err(Invalid::new(field, format!("`{}` is listed twice", self.name(&target))));
            }
            targets.push(target);
        }
        Ok(targets)
    }

    /// The nodes a target surely covers (none for `random`, `leader` and `primary`, which are
    /// known only when the fault fires).
    pub fn nodes_of(&self, target: &Target) -> Vec<u32> {
        match target {
            Target::Node(i) => vec![*i],
            Target::Zone(z) => (0..self.cluster.nodes.len() as u32)
                .filter(|i| self.cluster.nodes.get(*i as usize).is_some_and(|n| n.zone == *z))
                .collect(),
            Target::Random | Target::Leader | Target::Primary => Vec::new(),
        }
    }

    /// The name a target was written with.
    pub fn name(&self, target: &Target) -> String {
        match target {
            Target::Node(i) => self.node_name(*i),
            Target::Zone(z) => self.cluster.zones.get(*z as usize).cloned().unwrap_or_default(),
            Target::Random => "random".into(),
            Target::Leader => "leader".into(),
            Target::Primary => "primary".into(),
        }
    }

    /// The name of node `i`.
    pub fn node_name(&self, i: u32) -> String {
        self.cluster.nodes.get(i as usize).map(|n| n.name.clone()).unwrap_or_default()
    }
}

/// `a, b, c`, cut short after a dozen names.
fn shown<'n>(names: impl Iterator<Item = &'n str>) -> String {
    let names: Vec<&str> = names.collect();
    let mut text = names.iter().take(NAMES_SHOWN_MAX).copied().collect::<Vec<_>>().join(", ");
    if names.len() > NAMES_SHOWN_MAX {
        text.push_str(&format!(", … ({} in all)", names.len()));
    }
    text
}
