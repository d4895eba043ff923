//! Version vectors: which coordinator writes a value has seen, for causality between versions.

use std::cmp::Ordering;
use std::fmt;

/// A version vector: for each coordinator node id, the highest write counter seen from it.
/// Displayed as `{#0:4,#2:1}`, where `#0` is the node at address 0 (the first node).
///
/// Kept as a small vector sorted by node id: vectors have at most one entry per node, are
/// compared far more often than built, and a sorted vec compares with one linear merge.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionVector {
    entries: Vec<(u32, u64)>,
}

/// How two version vectors relate causally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Causality {
    /// Both vectors are identical.
    Equal,
    /// The left vector is strictly newer than the right one.
    Dominates,
    /// The right vector is strictly newer than the left one.
    Dominated,
    /// Neither descends from the other.
    Concurrent,
}

impl VersionVector {
    /// The empty vector, older than every other.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a vector from `(node, counter)` pairs in any order; zero counters are dropped.
    pub fn from_entries(entries: impl IntoIterator<Item = (u32, u64)>) -> Self {
        let mut vv = Self::new();
        for (node, counter) in entries {
            if counter > vv.get(node) {
                vv.set(node, counter);
            }
        }
        vv
    }

    /// The counter for `node`, zero when absent.
    pub fn get(&self, node: u32) -> u64 {
        match self.entries.binary_search_by_key(&node, |e| e.0) {
            Ok(i) => self.entries[i].1,
            Err(_) => 0,
        }
    }

    /// Sets the counter for `node`.
    pub fn set(&mut self, node: u32, counter: u64) {
        match self.entries.binary_search_by_key(&node, |e| e.0) {
            Ok(i) => self.entries[i].1 = counter,
            Err(i) => {
                if counter > 0 {
                    self.entries.insert(i, (node, counter))
                }
            }
        }
    }

    /// The `(node, counter)` entries, sorted by node.
    pub fn entries(&self) -> &[(u32, u64)] {
        &self.entries
    }

    /// True when the vector has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Joins `other` into `self`: the entrywise maximum.
    pub fn merge(&mut self, other: &VersionVector) {
        for &(node, counter) in &other.entries {
            if counter > self.get(node) {
                self.set(node, counter);
            }
        }
    }

    /// True when `self >= other` in every entry (a vector descends from itself).
    pub fn descends(&self, other: &VersionVector) -> bool {
        matches!(self.compare(other), Causality::Equal | Causality::Dominates)
    }

    /// Compares two vectors with one merge pass over their sorted entries.
    pub fn compare(&self, other: &VersionVector) -> Causality {
        let (mut greater, mut less) = (false, false);
        let (a, b) = (&self.entries, &other.entries);
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let ord = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.0.cmp(&y.0),
                (Some(_), None) => Ordering::Less,
                (None, _) => Ordering::Greater,
            };
            match ord {
                Ordering::Less => {
                    greater = true;
                    i += 1;
                }
                Ordering::Greater => {
                    less = true;
                    j += 1;
                }
                Ordering::Equal => {
                    match a[i].1.cmp(&b[j].1) {
                        Ordering::Greater => greater = true,
                        Ordering::Less => less = true,
                        Ordering::Equal => {}
                    }
                    i += 1;
                    j += 1;
                }
            }
            if greater && less {
                return Causality::Concurrent;
            }
        }
        match (greater, less) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Dominates,
            (false, true) => Causality::Dominated,
            (true, true) => Causality::Concurrent,
        }
    }
}

impl fmt::Debug for VersionVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for VersionVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (node, counter)) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "#{node}:{counter}")?;
        }
        f.write_str("}")
    }
}

/// A value together with the version vector it was written under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The version the coordinator assigned to the write.
    pub version: VersionVector,
    /// The written value; unique per write so checkers can tell writes apart.
    pub value: u64,
}

/// Adds `incoming` to a set of mutually concurrent versions (siblings), dropping dominated ones.
///
/// Returns false when the set already holds `incoming` or something newer.
pub fn add_sibling(siblings: &mut Vec<Versioned>, incoming: &Versioned) -> bool {
    if siblings.iter().any(|s| s.version.descends(&incoming.version)) {
        return false;
    }
    siblings.retain(|s| !incoming.version.descends(&s.version));
    siblings.push(incoming.clone());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vv(e: &[(u32, u64)]) -> VersionVector {
        VersionVector::from_entries(e.iter().copied())
    }

    #[test]
    fn compare_orders_descendants_and_detects_concurrency() {
        assert_eq!(vv(&[(1, 2)]).compare(&vv(&[(1, 2)])), Causality::Equal);
        assert_eq!(vv(&[(1, 3)]).compare(&vv(&[(1, 2)])), Causality::Dominates);
        assert_eq!(vv(&[(1, 2), (2, 1)]).compare(&vv(&[(1, 2)])), Causality::Dominates);
        assert_eq!(vv(&[(1, 2)]).compare(&vv(&[(1, 2), (3, 1)])), Causality::Dominated);
        assert_eq!(vv(&[(1, 3)]).compare(&vv(&[(2, 1)])), Causality::Concurrent);
        assert_eq!(vv(&[(1, 3), (2, 1)]).compare(&vv(&[(1, 2), (2, 2)])), Causality::Concurrent);
        assert_eq!(VersionVector::new().compare(&vv(&[(4, 1)])), Causality::Dominated);
    }

    #[test]
    fn merge_takes_entrywise_maximum() {
        let mut a = vv(&[(1, 3), (2, 1)]);
        a.merge(&vv(&[(2, 5), (7, 1)]));
        assert_eq!(a, vv(&[(1, 3), (2, 5), (7, 1)]));
        assert!(a.descends(&vv(&[(2, 5)])));
    }

    #[test]
    fn add_sibling_keeps_only_concurrent_versions() {
        let mut s = vec![];
        let a = Versioned { version: vv(&[(1, 1)]), value: 10 };
        let b = Versioned { version: vv(&[(2, 1)]), value: 20 };
        let c = Versioned { version: vv(&[(1, 1), (2, 1), (3, 1)]), value: 30 };
        assert!(add_sibling(&mut s, &a));
        assert!(add_sibling(&mut s, &b));
        assert_eq!(s.len(), 2);
        assert!(!add_sibling(&mut s, &a), "a duplicate is not added twice");
        assert!(add_sibling(&mut s, &c));
        assert_eq!(s, vec![c.clone()]);
        assert!(!add_sibling(&mut s, &b), "an older version is ignored");
    }
}
