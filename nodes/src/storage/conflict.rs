//! The conflict policy: which versions of a key a replica keeps (and a read returns) when a new
//! version meets the ones already held. The one place a store and a coordinator merge versions,
//! so another policy (last write wins) changes both together.

use super::version::{add_sibling, Versioned};

/// How concurrent versions of a key are resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConflictPolicy {
    /// Keep every version no other version descends from: concurrent writes survive side by
    /// side as siblings, for the client to merge (Dynamo, Riak).
    #[default]
    Siblings,
    /// Keep one version: the one with the latest coordinator clock stamp (ties broken by dot).
    /// Concurrent writes lose all but one, and a coordinator whose clock runs behind loses
    /// writes that came after others in real time (Cassandra's classic trade).
    Lww,
}

/// What a merge did with an incoming version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merged {
    /// Stored (it may have replaced versions it supersedes, or under LWW older stamps).
    Stored,
    /// Already held, or something that supersedes it is: nothing changed.
    Known,
    /// Refused: the key already holds the most siblings allowed.
    Refused,
    /// LWW: a version with a later stamp is held, so the incoming one was discarded.
    Discarded,
}

impl ConflictPolicy {
    /// Merges `incoming` into `held`, holding at most `max_siblings` siblings.
    pub fn merge(self, held: &mut Vec<Versioned>, incoming: &Versioned, max_siblings: usize) -> Merged {
        match self {
            ConflictPolicy::Siblings => {
                let adds_one = held.len() >= max_siblings
                    && !held.iter().any(|h| h.dot == incoming.dot || h.supersedes(incoming) || incoming.supersedes(h));
                if adds_one {
                    return Merged::Refused;
                }
                if add_sibling(held, incoming) {
                    Merged::Stored
                } else {
                    Merged::Known
                }
            }
            ConflictPolicy::Lww => {
                let order = |v: &Versioned| (v.stamp, v.dot.node, v.dot.counter);
                match held.first() {
                    Some(h) if h.dot == incoming.dot => Merged::Known,
                    Some(h) if order(h) > order(incoming) => Merged::Discarded,
                    _ => {
                        held.clear();
                        held.push(incoming.clone());
                        Merged::Stored
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Context, Dot};

    fn v(node: u32, counter: u64, stamp: u64, seen: &[Dot]) -> Versioned {
        Versioned { dot: Dot { node, counter }, context: Context::of(seen.iter().copied()), stamp, value: counter }
    }

    #[test]
    fn siblings_beyond_the_bound_are_refused_but_supersession_still_works() {
        let mut held = vec![];
        let p = ConflictPolicy::Siblings;
        assert_eq!(p.merge(&mut held, &v(0, 1, 0, &[]), 2), Merged::Stored);
        assert_eq!(p.merge(&mut held, &v(1, 1, 0, &[]), 2), Merged::Stored);
        assert_eq!(p.merge(&mut held, &v(2, 1, 0, &[]), 2), Merged::Refused, "a third sibling");
        assert_eq!(p.merge(&mut held, &v(1, 1, 0, &[]), 2), Merged::Known, "held already");
        let over = v(2, 2, 0, &[Dot { node: 0, counter: 1 }]);
        assert_eq!(p.merge(&mut held, &over, 2), Merged::Stored, "replaces the sibling it saw");
        assert_eq!(held.len(), 2);
    }

    #[test]
    fn last_write_wins_keeps_the_latest_stamp_whatever_the_context() {
        let mut held = vec![];
        let p = ConflictPolicy::Lww;
        assert_eq!(p.merge(&mut held, &v(0, 1, 50, &[]), 1), Merged::Stored);
        // Written later in real time, but through a coordinator whose clock is behind.
        assert_eq!(p.merge(&mut held, &v(1, 1, 40, &[Dot { node: 0, counter: 1 }]), 1), Merged::Discarded);
        assert_eq!(p.merge(&mut held, &v(0, 1, 50, &[]), 1), Merged::Known);
        assert_eq!(p.merge(&mut held, &v(2, 1, 60, &[]), 1), Merged::Stored);
        assert_eq!(held.iter().map(|h| h.dot.node).collect::<Vec<_>>(), vec![2]);
    }
}
