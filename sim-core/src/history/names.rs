//! How the history names things for a person: nodes by their scenario names (`n1`), clients
//! as `c12`, writes by their client and sequence number (`c12#40`) instead of their 14-digit
//! values, versions with node names (`n2:4{n1:..4}`).

use std::collections::HashMap;

use super::{History, OpKind, Version, Versioned};

/// Names for the nodes, clients and writes of one history.
#[derive(Clone, Debug, Default)]
pub struct Names {
    nodes: Vec<String>,
    /// Looked up, never iterated.
    writes: HashMap<u64, (u32, u64)>,
}

impl Names {
    /// The names of `history`'s nodes and writes.
    pub fn of(history: &History) -> Names {
        let writes = history
            .ops
            .iter()
            .filter(|o| o.kind == OpKind::Write)
            .filter_map(|o| Some((o.value?, (o.client, o.seq))))
            .collect();
        Names { nodes: history.node_names.clone(), writes }
    }

    /// A node's name (`n3`), or a client's (`c12`) for an address past the nodes.
    pub fn node(&self, addr: u32) -> String {
        match self.nodes.get(addr as usize) {
            Some(name) => name.clone(),
            None if self.nodes.is_empty() => format!("#{addr}"),
            None => format!("c{addr}"),
        }
    }

    /// The write that wrote `value` as `c12#40` (client and sequence number), or the value
    /// itself when no recorded write wrote it.
    pub fn write(&self, value: u64) -> String {
        match self.writes.get(&value) {
            Some((client, seq)) => format!("c{client}#{seq}"),
            None => value.to_string(),
        }
    }

    /// [`Names::write`] appended to `out` without an allocation (traces write millions).
    pub fn write_into(&self, value: u64, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let _ = match self.writes.get(&value) {
            Some((client, seq)) => write!(out, "c{client}#{seq}"),
            None => write!(out, "{value}"),
        };
    }

    /// [`Names::version`] appended to `out`, allocating nothing but what `out` grows by.
    pub fn version_into(&self, v: &Version, out: &mut Vec<u8>) {
        use std::io::Write as _;
        let node = |out: &mut Vec<u8>, addr: u32| match self.nodes.get(addr as usize) {
            Some(name) => out.extend_from_slice(name.as_bytes()),
            None if self.nodes.is_empty() => {
                let _ = write!(out, "#{addr}");
            }
            None => {
                let _ = write!(out, "c{addr}");
            }
        };
        if let Some((n, counter)) = v.dot() {
            node(out, n);
            let _ = write!(out, ":{counter}");
        }
        out.push(b'{');
        for (i, &(key, counter)) in v.context().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            node(out, (key >> 1) as u32);
            let _ = write!(out, ":{}{counter}", if key & 1 == 0 { ".." } else { "" });
        }
        out.push(b'}');
    }

    /// A version with node names: `n2:4{n1:..4}`, the 4th write coordinated by n2, whose client
    /// had seen n1's writes up to the 4th.
    pub fn version(&self, v: &Version) -> String {
        let mut out = String::new();
        if let Some((node, counter)) = v.dot() {
            out.push_str(&format!("{}:{counter}", self.node(node)));
        }
        let context: Vec<String> = v
            .context()
            .iter()
            .map(|&(key, counter)| {
                let prefix = if key & 1 == 0 { ".." } else { "" };
                format!("{}:{prefix}{counter}", self.node((key >> 1) as u32))
            })
            .collect();
        format!("{out}{{{}}}", context.join(","))
    }

    /// Versioned values by their writes and dots only: `[c12#40@n2:4, c3#7@n1:2]`.
    pub fn writes(&self, items: &[Versioned]) -> String {
        let parts: Vec<String> = items
            .iter()
            .map(|v| match v.version.dot() {
                Some((node, counter)) => format!("{}@{}:{counter}", self.write(v.value), self.node(node)),
                None => self.write(v.value),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }

    /// Versioned values as `[c12#40 n2:4{}, c3#7 n1:2{}]`.
    pub fn versions(&self, items: &[Versioned]) -> String {
        let parts: Vec<String> =
            items.iter().map(|v| format!("{} {}", self.write(v.value), self.version(&v.version))).collect();
        format!("[{}]", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Op;
    use std::sync::Arc;

    #[test]
    fn nodes_clients_writes_and_versions_get_readable_names() {
        let mut h = History::new();
        h.node_names = vec!["n1".into(), "n2".into()];
        let value = (12u64 << 40) | 40;
        h.record_op(5, Op { client: 12, seq: 40, value: Some(value), ..Op::blank(OpKind::Write, 1, (1, 5)) });
        let names = Names::of(&h);
        assert_eq!((names.node(1), names.node(12)), ("n2".to_string(), "c12".to_string()));
        assert_eq!(names.write(value), "c12#40");
        assert_eq!(names.write(99), "99", "a value no write wrote stays a number");
        let v = Version::from_parts(Some((1, 4)), Some(Arc::from([(0, 4), (3, 7)])));
        assert_eq!(names.version(&v), "n2:4{n1:..4,n2:7}");
        let mut bytes = Vec::new();
        names.version_into(&v, &mut bytes);
        assert_eq!(String::from_utf8(bytes).unwrap(), names.version(&v));
        let items = [Versioned { version: v, value }];
        assert_eq!(names.versions(&items), "[c12#40 n2:4{n1:..4,n2:7}]");
        assert_eq!(names.writes(&items), "[c12#40@n2:4]");
    }
}
