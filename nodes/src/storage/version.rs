//! Causality between versions of a key: dotted version vectors (Preguiça et al.; Almeida et
//! al., "Scalable and Accurate Causality Tracking for Eventually Consistent Stores").
//!
//! Every write gets a [`Dot`]: the coordinator that took it and that coordinator's next counter
//! for the key, so a dot names one write. It is stored with the [`Context`] its client passed:
//! exactly the writes the client had seen. A version supersedes another only when the other's
//! dot is in its context, so two writes whose clients never saw each other stay siblings, even
//! through one coordinator. (Plain per-coordinator version vectors gave the second of two such
//! writes a higher counter that "dominated" the first, and replicas discarded an acknowledged
//! write.)
//!
//! Pruning rule: a context keeps, per coordinator, the prefix of that coordinator's dots for the
//! key it has seen (`1..=n`, one entry), plus the dots seen beyond a gap; a dot joins the prefix
//! as soon as the gap before it closes. Nothing else is dropped below a bound: forgetting a dot would
//! make the write it names concurrent again (a sibling back from the dead), and forgetting a
//! gap would make an unseen write look seen (a lost write). Contexts stay small because
//! coordinators' counters are dense per key, and siblings are bounded by the store.
//!
//! Gaps can be permanent, though: a dot handed to a write that no replica stored (refused at
//! the sibling bound, or lost with its coordinator) is never seen, so the dots after it stay
//! singles, and over a long run with many writers a context grew to hundreds of entries and
//! every read paid for them (a one-hour run of 394 clients on 5 keys took 16 s instead of
//! 0.4 s). So a context keeps at most [`SINGLES_MAX`] singles per node, the newest. Dropping a
//! seen dot never loses a write: it only means a later write does not supersede that version,
//! which then stays a sibling (or comes back as one, as with Riak's vector clock pruning).

use crate::bugs::{self, Bug};
use std::fmt;
use std::sync::Arc;

/// One write: the coordinator that took it and its counter for the key (from 1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dot {
    /// The coordinating node's address.
    pub node: u32,
    /// The coordinator's counter for this key: 1 for its first write to it, then 2, ...
    pub counter: u64,
}

/// A causal context: the set of writes (dots) seen, kept as per-node prefixes plus the dots
/// beyond a gap (see the module's pruning rule).
///
/// Entries are `(node << 1 | kind, counter)`, sorted: kind 0 is a prefix ("every dot of the node
/// up to `counter`"), kind 1 a single dot past the prefix and its gap. Shared, copied on write: a
/// context rides in messages, stores, replies and records but is built only when a client or
/// coordinator joins what it saw. `None` when empty (allocates nothing).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Context {
    entries: Option<Arc<[(u64, u64)]>>,
}

const PREFIX: u64 = 0;
const SINGLE: u64 = 1;

/// Most single dots a context keeps per node (see the module's pruning rule).
pub const SINGLES_MAX: usize = 32;

impl Context {
    /// The empty context: nothing seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// The context of exactly these dots (any order, repeats allowed).
    pub fn of(dots: impl IntoIterator<Item = Dot>) -> Self {
        let mut c = Context::new();
        for d in dots {
            c = c.with(d);
        }
        c
    }

    /// The shared raw entries (`None` when empty): hands the context to a recorder without a copy.
    pub fn into_shared(self) -> Option<Arc<[(u64, u64)]>> {
        self.entries
    }

    /// The raw entries: `(node << 1 | kind, counter)`, kind 0 a prefix and 1 a single dot.
    pub fn entries(&self) -> &[(u64, u64)] {
        self.entries.as_deref().unwrap_or(&[])
    }

    /// True when nothing was seen.
    pub fn is_empty(&self) -> bool {
        self.entries.is_none()
    }

    /// The longest prefix of `node`'s dots seen (0 when none).
    pub fn prefix(&self, node: u32) -> u64 {
        let key = (node as u64) << 1 | PREFIX;
        let e = self.entries();
        match e.binary_search_by(|x| x.0.cmp(&key)) {
            Ok(i) => e[i].1,
            Err(_) => 0,
        }
    }

    /// True when the write `dot` was seen.
    pub fn contains(&self, dot: Dot) -> bool {
        if dot.counter <= self.prefix(dot.node) {
            return true;
        }
        let key = (dot.node as u64) << 1 | SINGLE;
        self.entries().binary_search(&(key, dot.counter)).is_ok()
    }

    /// This context and `dot` too.
    pub fn with(&self, dot: Dot) -> Context {
        if self.contains(dot) {
            return self.clone();
        }
        // The common case, a node's next dot with no gap after its prefix: the prefix grows in
        // place (one copy of the entries, no sort).
        let (prefix_key, single_key) = ((dot.node as u64) << 1 | PREFIX, (dot.node as u64) << 1 | SINGLE);
        let e = self.entries();
        let no_singles = e.binary_search_by(|x| x.0.cmp(&single_key)).is_err();
        if no_singles && dot.counter == self.prefix(dot.node) + 1 {
            let at = e.partition_point(|x| x.0 < prefix_key);
            let rest = if e.get(at).is_some_and(|x| x.0 == prefix_key) { at + 1 } else { at };
            // Built straight into the shared slice: one allocation.
            let entries: Arc<[(u64, u64)]> =
                e[..at].iter().copied().chain([(prefix_key, dot.counter)]).chain(e[rest..].iter().copied()).collect();
            return Context { entries: Some(entries) };
        }
        let single = [(single_key, dot.counter)];
        Context::normalized(self.entries().iter().chain(single.iter()).copied())
    }

    /// Everything a client saw that read `versions`: their contexts and the versions
    /// themselves, normalized once (a fold of joins built a context per version).
    pub fn seen_reading(versions: &[Versioned]) -> Context {
        match versions {
            [] => Context::new(),
            [v] => v.history(),
            _ => Context::normalized(versions.iter().flat_map(|v| {
                v.context.entries().iter().copied().chain([((v.dot.node as u64) << 1 | SINGLE, v.dot.counter)])
            })),
        }
    }

    /// Everything this context or `other` saw.
    pub fn join(&self, other: &Context) -> Context {
        if other.entries.is_none() || self.entries == other.entries {
            return self.clone();
        }
        if self.entries.is_none() {
            return other.clone();
        }
        Context::normalized(self.entries().iter().chain(other.entries()).copied())
    }

    /// Builds a context from entries in any order: per node, the longest prefix wins, single
    /// dots inside it go, and dots that continue it join it.
    fn normalized(entries: impl Iterator<Item = (u64, u64)>) -> Context {
        let mut all: Vec<(u64, u64)> = entries.filter(|e| e.1 > 0).collect();
        all.sort_unstable();
        all.dedup();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(all.len());
        let mut i = 0;
        while i < all.len() {
            let node = all[i].0 >> 1;
            let mut prefix = 0;
            let mut singles = Vec::new();
            while i < all.len() && all[i].0 >> 1 == node {
                if all[i].0 & 1 == PREFIX {
                    prefix = prefix.max(all[i].1);
                } else {
                    singles.push(all[i].1);
                }
                i += 1;
            }
            // Singles are sorted: each one that continues the prefix joins it.
            singles.retain(|&c| {
                if c == prefix + 1 {
                    prefix = c;
                }
                c > prefix
            });
            if prefix > 0 {
                out.push((node << 1 | PREFIX, prefix));
            }
            // The bound of the pruning rule: only the newest singles are kept.
            let oldest_kept = singles.len().saturating_sub(SINGLES_MAX);
            out.extend(singles[oldest_kept..].iter().map(|&c| (node << 1 | SINGLE, c)));
        }
        Context { entries: (!out.is_empty()).then(|| Arc::from(out)) }
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Displayed as `{#0:..4,#2:7}`: every write of node 0 up to its 4th, and the 7th of node 2.
impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, &(key, counter)) in self.entries().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let dots = if key & 1 == PREFIX { ".." } else { "" };
            write!(f, "#{}:{dots}{counter}", key >> 1)?;
        }
        f.write_str("}")
    }
}

/// A value with the write that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The write's identity.
    pub dot: Dot,
    /// What the writing client had seen: the writes this one supersedes.
    pub context: Context,
    /// The coordinator's local clock when it took the write (last-write-wins orders by it).
    pub stamp: u64,
    /// The written value; unique per write so checkers can tell writes apart.
    pub value: u64,
}

impl Versioned {
    /// Everything a client that reads this version has seen: its context and itself.
    pub fn history(&self) -> Context {
        self.context.with(self.dot)
    }

    /// True when this version's writer had seen `other`'s write (so `other` is obsolete).
    pub fn supersedes(&self, other: &Versioned) -> bool {
        self.context.contains(other.dot) || falsely_ordered(self.dot, other.dot)
    }
}

/// The deliberately broken versioning of planted bug `false-dominance`: a later write
/// through the same coordinator "supersedes" an earlier one whether or not its client saw it,
/// as per-coordinator version vectors did. Always false in a real build.
fn falsely_ordered(newer: Dot, older: Dot) -> bool {
    bugs::on(Bug::FalseDominance) && newer.node == older.node && newer.counter > older.counter
}

/// Adds `incoming` to a set of siblings (no one superseding another), dropping those it
/// supersedes; false when the set already holds it or something that supersedes it.
pub fn add_sibling(siblings: &mut Vec<Versioned>, incoming: &Versioned) -> bool {
    // One pass. Siblings never supersede one another, so if one of them holds or supersedes
    // `incoming`, `incoming` supersedes none of them and nothing was dropped before returning.
    let mut kept = 0;
    for i in 0..siblings.len() {
        let held = &siblings[i];
        if held.dot == incoming.dot || held.supersedes(incoming) {
            debug_assert_eq!(kept, i, "siblings never supersede one another");
            return false;
        }
        if !incoming.supersedes(held) {
            siblings.swap(kept, i);
            kept += 1;
        }
    }
    siblings.truncate(kept);
    siblings.push(incoming.clone());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(node: u32, counter: u64) -> Dot {
        Dot { node, counter }
    }

    fn version(d: Dot, seen: &[Dot], value: u64) -> Versioned {
        Versioned { dot: d, context: Context::of(seen.iter().copied()), stamp: 0, value }
    }

    #[test]
    fn a_context_keeps_prefixes_and_the_dots_beyond_a_gap() {
        let c = Context::of([dot(0, 1), dot(0, 2), dot(0, 4), dot(2, 3)]);
        assert_eq!(c.to_string(), "{#0:..2,#0:4,#2:3}");
        assert!(c.contains(dot(0, 1)) && c.contains(dot(0, 2)) && c.contains(dot(0, 4)));
        assert!(!c.contains(dot(0, 3)) && !c.contains(dot(0, 5)) && !c.contains(dot(1, 1)));
        let closed = c.with(dot(0, 3));
        assert_eq!(closed.to_string(), "{#0:..4,#2:3}", "the gap closes and the dot joins the prefix");
        assert_eq!(c.join(&Context::of([dot(2, 1), dot(2, 2)])).to_string(), "{#0:..2,#0:4,#2:..3}");
        assert_eq!(c.join(&Context::new()), c);
        assert!(Context::new().is_empty() && Context::of([]).is_empty());
    }

    #[test]
    fn concurrent_writes_through_one_coordinator_stay_siblings() {
        // Two clients write through node 1 without having seen each other's write.
        let a = version(dot(1, 1), &[], 10);
        let b = version(dot(1, 2), &[], 20);
        let mut s = vec![];
        assert!(add_sibling(&mut s, &a) && add_sibling(&mut s, &b));
        assert_eq!(s.len(), 2, "neither saw the other: {s:?}");
        // A client that read both writes over them.
        let c = version(dot(3, 1), &[dot(1, 1), dot(1, 2)], 30);
        assert!(add_sibling(&mut s, &c));
        assert_eq!(s, vec![c.clone()]);
        assert!(!add_sibling(&mut s, &a), "an obsolete version is ignored");
        assert!(!add_sibling(&mut s, &c), "and a duplicate");
    }

    #[test]
    fn a_write_supersedes_exactly_what_its_client_saw() {
        let a = version(dot(1, 1), &[], 10);
        let b = version(dot(1, 2), &[], 20);
        // The client read only `b` (a replica that had not got `a` yet).
        let c = version(dot(2, 1), &[dot(1, 2)], 30);
        let mut s = vec![a.clone(), b.clone()];
        assert!(add_sibling(&mut s, &c));
        assert_eq!(s, vec![a.clone(), c.clone()], "`a` was never seen: it survives");
        assert!(c.history().contains(dot(1, 2)) && c.history().contains(dot(2, 1)));
        assert!(!c.history().contains(dot(1, 1)));
    }

    #[test]
    fn adding_a_dot_in_place_gives_the_context_normalizing_gives() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut c = Context::new();
        for _ in 0..2_000 {
            let dot = Dot { node: next(4) as u32, counter: 1 + next(12) };
            let slow = Context::normalized(
                c.entries().iter().copied().chain([((dot.node as u64) << 1 | SINGLE, dot.counter)]),
            );
            c = c.with(dot);
            assert_eq!(c, slow, "{dot:?}");
            if next(50) == 0 {
                c = Context::new();
            }
        }
    }

    #[test]
    fn what_a_reader_saw_is_the_join_of_the_versions_histories() {
        let v = |node: u32, counter: u64, seen: &[Dot]| Versioned {
            dot: dot(node, counter),
            context: Context::of(seen.iter().copied()),
            stamp: 0,
            value: counter,
        };
        let read = [v(1, 3, &[dot(1, 1), dot(2, 4)]), v(2, 5, &[dot(2, 1), dot(2, 2)]), v(3, 1, &[dot(1, 2)])];
        for n in 0..=read.len() {
            let folded = read[..n].iter().fold(Context::new(), |seen, x| seen.join(&x.history()));
            assert_eq!(Context::seen_reading(&read[..n]), folded, "{n} versions");
        }
    }

    #[test]
    fn a_context_keeps_the_newest_singles_up_to_the_bound_and_forgets_only_into_siblings() {
        // Node 1's dots 2, 4, 6, ...: every one beyond a gap.
        let many = Context::of((1..=SINGLES_MAX as u64 + 10).map(|i| dot(1, 2 * i)));
        let singles: Vec<u64> = many.entries().iter().filter(|e| e.0 & 1 == SINGLE).map(|e| e.1).collect();
        assert_eq!(singles.len(), SINGLES_MAX);
        assert_eq!(singles[0], 2 * 11, "the ten oldest went");
        // A write with that context no longer supersedes the forgotten version: it stays a sibling.
        let forgotten = Versioned { dot: dot(1, 2), context: Context::new(), stamp: 0, value: 1 };
        let newer = Versioned { dot: dot(2, 1), context: many, stamp: 0, value: 2 };
        assert!(!newer.supersedes(&forgotten));
    }
}
