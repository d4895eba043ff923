//! Version vectors: which coordinator writes a value has seen, for causality between versions.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// A version vector: for each coordinator node id, the highest write counter seen from it.
/// Displayed as `{#0:4,#2:1}`, where `#0` is the node at address 0 (the first node).
///
/// Kept as a small slice sorted by node id: vectors have at most one entry per node, are
/// compared far more often than built, and a sorted slice compares with one linear merge.
/// The slice is shared and copied on write: a version is cloned into every replica message,
/// store, reply and history record but changed only by the coordinator that assigns it, so a
/// clone is a reference count, not an allocation. `None` when empty (allocates nothing).
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionVector {
    entries: Option<Arc<[(u32, u64)]>>,
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
        let mut v: Vec<(u32, u64)> = entries.into_iter().filter(|e| e.1 > 0).collect();
        // Highest counter first within a node, then keep the first entry of each node.
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        v.dedup_by_key(|e| e.0);
        Self::from_sorted(v)
    }

    fn from_sorted(entries: Vec<(u32, u64)>) -> Self {
        VersionVector { entries: (!entries.is_empty()).then(|| Arc::from(entries)) }
    }

    /// The counter for `node`, zero when absent.
    pub fn get(&self, node: u32) -> u64 {
        let e = self.entries();
        match e.binary_search_by_key(&node, |e| e.0) {
            Ok(i) => e[i].1,
            Err(_) => 0,
        }
    }

    /// Sets the counter for `node` (zero removes it).
    pub fn set(&mut self, node: u32, counter: u64) {
        if self.get(node) == counter {
            return;
        }
        let e = self.entries();
        let i = e.partition_point(|x| x.0 < node);
        let after = if e.get(i).is_some_and(|x| x.0 == node) { &e[i + 1..] } else { &e[i..] };
        let new = (counter > 0).then_some((node, counter));
        // An exact-size chain: the shared slice is allocated once, with no vector in between
        // (a coordinator sets one entry on every write).
        let entries: Arc<[(u32, u64)]> = e[..i].iter().copied().chain(new).chain(after.iter().copied()).collect();
        *self = VersionVector { entries: (!entries.is_empty()).then_some(entries) };
    }

    /// The shared `(node, counter)` entries, sorted by node (`None` when empty): hands the
    /// vector to a recorder without copying it.
    pub fn into_shared(self) -> Option<Arc<[(u32, u64)]>> {
        self.entries
    }

    /// The `(node, counter)` entries, sorted by node.
    pub fn entries(&self) -> &[(u32, u64)] {
        self.entries.as_deref().unwrap_or(&[])
    }

    /// True when the vector has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_none()
    }

    /// Joins `other` into `self`: the entrywise maximum.
    pub fn merge(&mut self, other: &VersionVector) {
        // The common cases first: merging into nothing, or a vector into itself.
        if self.entries.is_none() || other.entries.is_none() {
            if self.entries.is_none() {
                *self = other.clone();
            }
            return;
        }
        if let (Some(a), Some(b)) = (&self.entries, &other.entries) {
            if Arc::ptr_eq(a, b) {
                return;
            }
        }
        match self.compare(other) {
            Causality::Equal | Causality::Dominates => {}
            Causality::Dominated => *self = other.clone(),
            Causality::Concurrent => {
                let (a, b) = (self.entries(), other.entries());
                let mut v = Vec::with_capacity(a.len() + b.len());
                let (mut i, mut j) = (0, 0);
                while i < a.len() || j < b.len() {
                    match (a.get(i), b.get(j)) {
                        (Some(x), Some(y)) if x.0 == y.0 => {
                            v.push((x.0, x.1.max(y.1)));
                            i += 1;
                            j += 1;
                        }
                        (Some(x), Some(y)) if x.0 < y.0 => {
                            v.push(*x);
                            i += 1;
                        }
                        (Some(x), None) => {
                            v.push(*x);
                            i += 1;
                        }
                        (_, Some(y)) => {
                            v.push(*y);
                            j += 1;
                        }
                        (None, None) => unreachable!("loop condition"),
                    }
                }
                *self = Self::from_sorted(v);
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
        let (a, b) = (self.entries(), other.entries());
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
        for (i, (node, counter)) in self.entries().iter().enumerate() {
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
    // One comparison per sibling. Siblings are mutually concurrent, so if one of them descends
    // from `incoming`, `incoming` descends from none of them and nothing was dropped before
    // the early return.
    let mut kept = 0;
    for i in 0..siblings.len() {
        match siblings[i].version.compare(&incoming.version) {
            Causality::Equal | Causality::Dominates => {
                debug_assert_eq!(kept, i, "siblings are mutually concurrent");
                return false;
            }
            Causality::Dominated => {}
            Causality::Concurrent => {
                siblings.swap(kept, i);
                kept += 1;
            }
        }
    }
    siblings.truncate(kept);
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
    fn from_entries_set_and_merge_keep_one_sorted_entry_per_node() {
        let v = vv(&[(3, 1), (1, 2), (3, 4), (2, 0)]);
        assert_eq!(v.entries(), &[(1, 2), (3, 4)]);
        let mut w = v.clone();
        w.set(2, 5);
        w.set(1, 0);
        assert_eq!(w.entries(), &[(2, 5), (3, 4)]);
        assert_eq!(v.entries(), &[(1, 2), (3, 4)], "a clone is not changed by writes to another");
        let mut m = v.clone();
        m.merge(&w);
        assert_eq!(m.entries(), &[(1, 2), (2, 5), (3, 4)]);
        let mut e = VersionVector::new();
        e.merge(&VersionVector::new());
        assert!(e.is_empty() && e == VersionVector::default());
        e.set(4, 0);
        assert!(e.is_empty(), "a zero counter adds nothing");
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
