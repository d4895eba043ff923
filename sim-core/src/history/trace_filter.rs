//! Which lines a trace keeps (`--trace-filter key=12,node=n3,kind=read_reply`): terms of one
//! field keep a line matching any of them, terms of different fields must all match. A key
//! term keeps faults and node crashes and restarts too (they have no key but explain what
//! happened to it); a node term keeps the lines that name the node as sender, receiver,
//! coordinator, client or fault target; a kind term matches the event (`send`, `drop`,
//! `read`, `fault`, `became_leader`, ...) or the message kind (`replica_read`, ...).

use std::fmt;
use std::str::FromStr;

/// The filter as written on the command line: node names not yet resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    /// Keys to keep (any).
    pub keys: Vec<u64>,
    /// Node (`n3`) or client (`c12`) names to keep (any).
    pub nodes: Vec<String>,
    /// Event or message kinds to keep (any).
    pub kinds: Vec<String>,
}

impl FromStr for TraceFilter {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut filter = TraceFilter::default();
        for term in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (field, value) = term
                .split_once('=')
                .ok_or_else(|| format!("`{term}`: expected FIELD=VALUE with FIELD one of key, node, kind"))?;
            let value = value.trim();
            if value.is_empty() {
                return Err(format!("`{term}`: the value is empty"));
            }
            match field.trim() {
                "key" => filter.keys.push(value.parse().map_err(|_| format!("`{term}`: a key is a whole number"))?),
                "node" => filter.nodes.push(value.to_string()),
                "kind" => filter.kinds.push(value.to_string()),
                other => return Err(format!("`{term}`: unknown field `{other}` (key, node or kind)")),
            }
        }
        if filter == TraceFilter::default() {
            return Err("the filter is empty: give key=K, node=NAME or kind=KIND terms, comma-separated".into());
        }
        Ok(filter)
    }
}

impl fmt::Display for TraceFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.keys.iter().map(|k| format!("key={k}"));
        let nodes = self.nodes.iter().map(|n| format!("node={n}"));
        let kinds = self.kinds.iter().map(|k| format!("kind={k}"));
        let terms: Vec<String> = keys.chain(nodes).chain(kinds).collect();
        f.write_str(&terms.join(","))
    }
}

impl TraceFilter {
    /// The filter with names resolved against the cluster's `node_names` (node `i` has address
    /// `i`; a client `cA` has address `A`); an unknown name is an error naming it.
    pub fn resolve(&self, node_names: &[String]) -> Result<LineFilter, String> {
        let mut addrs = Vec::new();
        for name in &self.nodes {
            let addr = match node_names.iter().position(|n| n == name) {
                Some(i) => i as u32,
                None => name
                    .strip_prefix('c')
                    .and_then(|a| a.parse::<u32>().ok())
                    .filter(|&a| a as usize >= node_names.len())
                    .ok_or_else(|| {
                        format!("node={name}: no such node (nodes: {}; clients: c<address>)", node_names.join(", "))
                    })?,
            };
            addrs.push(addr);
        }
        Ok(LineFilter { keys: self.keys.clone(), addrs, kinds: self.kinds.clone() })
    }
}

/// A filter ready to test lines: node names resolved to addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineFilter {
    keys: Vec<u64>,
    addrs: Vec<u32>,
    kinds: Vec<String>,
}

impl LineFilter {
    /// A filter that keeps the lines about these keys (and faults and crashes).
    pub fn keys(keys: Vec<u64>) -> LineFilter {
        LineFilter { keys, ..LineFilter::default() }
    }

    /// Whether a line about `key`, naming `nodes`, of kinds `kinds` is kept; `context` lines
    /// (faults, crashes) pass a key term without a key.
    pub fn keeps(&self, key: Option<u64>, nodes: &[u32], kinds: &[&str], context: bool) -> bool {
        let key_ok = self.keys.is_empty() || key.map_or(context, |k| self.keys.contains(&k));
        let node_ok = self.addrs.is_empty() || nodes.iter().any(|n| self.addrs.contains(n));
        let kind_ok = self.kinds.is_empty() || kinds.iter().any(|k| self.kinds.iter().any(|w| w == k));
        key_ok && node_ok && kind_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["n1", "n2", "n3"].map(String::from).to_vec()
    }

    #[test]
    fn a_filter_parses_its_terms_and_prints_them_back() {
        let f: TraceFilter = "key=12, node=n3,kind=read_reply,kind=drop".parse().unwrap();
        assert_eq!(f.keys, [12]);
        assert_eq!(f.nodes, ["n3"]);
        assert_eq!(f.kinds, ["read_reply", "drop"]);
        assert_eq!(f.to_string(), "key=12,node=n3,kind=read_reply,kind=drop");
    }

    #[test]
    fn bad_terms_are_refused_with_the_term_named() {
        for (text, says) in [
            ("key=x", "`key=x`: a key is a whole number"),
            ("shard=3", "unknown field `shard`"),
            ("key", "expected FIELD=VALUE"),
            ("node=", "the value is empty"),
            ("", "the filter is empty"),
        ] {
            let e = text.parse::<TraceFilter>().unwrap_err();
            assert!(e.contains(says), "{text}: {e}");
        }
        let e = "node=n9".parse::<TraceFilter>().unwrap().resolve(&names()).unwrap_err();
        assert!(e.contains("node=n9: no such node (nodes: n1, n2, n3"), "{e}");
    }

    #[test]
    fn terms_of_one_field_widen_and_fields_narrow() {
        let f = "key=12,key=13,node=n3".parse::<TraceFilter>().unwrap().resolve(&names()).unwrap();
        assert!(f.keeps(Some(12), &[2, 7], &["send", "replica_read"], false));
        assert!(f.keeps(Some(13), &[2], &["read"], false));
        assert!(!f.keeps(Some(14), &[2], &["read"], false), "another key");
        assert!(!f.keeps(Some(12), &[0, 1], &["read"], false), "another node");
        assert!(!f.keeps(None, &[2], &["became_leader"], false), "no key, not context");
        assert!(f.keeps(None, &[2], &["fault"], true), "a fault on n3 explains key 12");
        let kinds = "kind=drop,node=c7".parse::<TraceFilter>().unwrap().resolve(&names()).unwrap();
        assert!(kinds.keeps(Some(1), &[7, 0], &["drop", "read_reply"], false));
        assert!(!kinds.keeps(Some(1), &[7, 0], &["send", "read_reply"], false));
        assert!(LineFilter::default().keeps(None, &[], &[], false), "no terms keep everything");
    }
}
