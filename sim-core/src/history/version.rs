//! Versions as the history records them: opaque data with a causal partial order that the
//! checkers compute themselves, never asking the system under test how its versions compare.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// A version vector: `(writer, counter)` entries sorted by writer, shared (a clone is a
/// reference count). Displayed as `{#0:4,#2:1}`.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Version {
    entries: Option<Arc<[(u32, u64)]>>,
}

impl Version {
    /// The empty version, older than every other.
    pub fn new() -> Self {
        Self::default()
    }

    /// A version from entries already sorted by writer, one each, no zero counter (a system's
    /// version vector, shared rather than copied).
    pub fn from_shared(entries: Option<Arc<[(u32, u64)]>>) -> Self {
        debug_assert!(
            entries.as_deref().is_none_or(|e| e.windows(2).all(|w| w[0].0 < w[1].0) && e.iter().all(|x| x.1 > 0)),
            "entries sorted by writer, one each, non-zero"
        );
        Version { entries }
    }

    /// A version from `(writer, counter)` entries in any order; zero counters are dropped and
    /// a writer given twice keeps its highest counter.
    pub fn from_entries(entries: impl IntoIterator<Item = (u32, u64)>) -> Self {
        let mut v: Vec<(u32, u64)> = entries.into_iter().filter(|e| e.1 > 0).collect();
        v.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        v.dedup_by_key(|e| e.0);
        Version { entries: (!v.is_empty()).then(|| Arc::from(v)) }
    }

    /// The `(writer, counter)` entries, sorted by writer.
    pub fn entries(&self) -> &[(u32, u64)] {
        self.entries.as_deref().unwrap_or(&[])
    }

    /// True when `self >= other` in every entry (a version descends from itself).
    pub fn descends(&self, other: &Version) -> bool {
        let (mut a, b) = (self.entries().iter().peekable(), other.entries());
        b.iter().all(|&(writer, counter)| {
            while a.next_if(|e| e.0 < writer).is_some() {}
            a.peek().is_some_and(|e| e.0 == writer && e.1 >= counter)
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A total order for sorting and tie-breaking only (by entries, lexicographically); causality
/// is [`Version::descends`].
impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.entries.cmp(&other.entries)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (writer, counter)) in self.entries().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "#{writer}:{counter}")?;
        }
        f.write_str("}")
    }
}

/// A value with the version it was written under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The version the write was given.
    pub version: Version,
    /// The value; unique per write, so reads reveal which writes they saw.
    pub value: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(e: &[(u32, u64)]) -> Version {
        Version::from_entries(e.iter().copied())
    }

    #[test]
    fn descends_is_entrywise_at_least() {
        assert!(v(&[(1, 2)]).descends(&v(&[(1, 2)])));
        assert!(v(&[(1, 3)]).descends(&v(&[(1, 2)])));
        assert!(v(&[(1, 2), (2, 1)]).descends(&v(&[(1, 2)])));
        assert!(!v(&[(1, 2)]).descends(&v(&[(1, 2), (3, 1)])));
        assert!(!v(&[(1, 3)]).descends(&v(&[(2, 1)])) && !v(&[(2, 1)]).descends(&v(&[(1, 3)])));
        assert!(v(&[(0, 1), (4, 2)]).descends(&Version::new()));
        assert!(!Version::new().descends(&v(&[(4, 1)])));
        assert!(!v(&[(1, 3), (2, 1)]).descends(&v(&[(1, 2), (2, 2)])));
    }

    #[test]
    fn entries_are_sorted_deduplicated_and_displayed() {
        let x = v(&[(3, 1), (1, 2), (3, 4), (2, 0)]);
        assert_eq!(x.entries(), &[(1, 2), (3, 4)]);
        assert_eq!(x.to_string(), "{#1:2,#3:4}");
        assert_eq!(Version::from_shared(Some(Arc::from([(1, 2), (3, 4)]))), x);
    }
}
