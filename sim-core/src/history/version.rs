//! Versions as the system under test tags values: kept to show and to hash, never to judge.
//! Checkers decide what superseded what from the history itself (values and sessions, see
//! `check::causality`): a checker that asked the system's versions inherited their bugs.

use std::fmt;
use std::sync::Arc;

/// A system's version of a value: here the write's dot (the coordinator and its counter for
/// the key) and the causal context its client passed, both opaque to the history.
///
/// Context entries are `(node << 1 | kind, counter)` as the system keeps them: kind 0 is every
/// write of the node up to `counter`, kind 1 that one write.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Version {
    dot: Option<(u32, u64)>,
    context: Option<Arc<[(u64, u64)]>>,
}

impl Version {
    /// No version (nothing known).
    pub fn new() -> Self {
        Self::default()
    }

    /// A version from its parts, the context shared rather than copied.
    pub fn from_parts(dot: Option<(u32, u64)>, context: Option<Arc<[(u64, u64)]>>) -> Self {
        Version { dot, context }
    }

    /// The write's dot, when this is a written version (a client's context has none).
    pub fn dot(&self) -> Option<(u32, u64)> {
        self.dot
    }

    /// The context entries.
    pub fn context(&self) -> &[(u64, u64)] {
        self.context.as_deref().unwrap_or(&[])
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Displayed as `#1:2{#0:..4}`: the 2nd write of node 1, whose client had seen node 0's
/// writes up to the 4th.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((node, counter)) = self.dot {
            write!(f, "#{node}:{counter}")?;
        }
        f.write_str("{")?;
        for (i, &(key, counter)) in self.context().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let prefix = if key & 1 == 0 { ".." } else { "" };
            write!(f, "#{}:{prefix}{counter}", key >> 1)?;
        }
        f.write_str("}")
    }
}

/// A value with the version it was written under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The system's version (opaque to the checkers).
    pub version: Version,
    /// The value; unique per write, so reads reveal which writes they saw.
    pub value: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_shows_its_dot_and_context() {
        let v = Version::from_parts(Some((1, 2)), Some(Arc::from([(0, 4), (5, 7)])));
        assert_eq!(v.to_string(), "#1:2{#0:..4,#2:7}");
        assert_eq!(Version::new().to_string(), "{}");
        assert_eq!((v.dot(), v.context().len()), (Some((1, 2)), 2));
    }
}
