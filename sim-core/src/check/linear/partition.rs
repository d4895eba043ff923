//! One object's history as the search takes it ([`Partition`]), built from operations with
//! invocation and return times, and simplified before the search.

use std::borrow::Cow;

use super::model::{Action, Value};

/// One operation of a single-object history, as the search sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinOp {
    /// What it did (and, for reads, what it returned).
    pub action: Action,
    /// It returned ok, so it took effect between its invocation and its return. False for an
    /// operation that never returned (Jepsen's `:info`): it may have taken effect at any point
    /// after its invocation, or never.
    pub returned: bool,
    /// The caller's id for the operation, for reports.
    pub id: u32,
}

/// A single-object history: its operations, and their invocations and returns in real-time
/// order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Partition {
    /// The operations.
    pub ops: Vec<LinOp>,
    /// Invocations (`true`) and returns (`false`) as `(index into ops, is_invocation)`, in the
    /// order they happened: each operation's invocation comes before its return, and an
    /// operation that never returned has no return.
    pub events: Vec<(u32, bool)>,
}

/// An operation with its times, for [`Partition::from_timed`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timed {
    /// The operation.
    pub op: LinOp,
    /// When it was invoked.
    pub invoke: u64,
    /// When it returned; ignored for an operation that never returned.
    pub complete: u64,
}

impl Partition {
    /// The history of operations with times. Invocations and returns are ordered by time; at
    /// equal times invocations come first, so two operations that meet in one tick count as
    /// concurrent (the order between them cannot be told, so neither is assumed).
    pub fn from_timed(timed: &[Timed]) -> Partition {
        let mut order: Vec<(u64, bool, u32)> = Vec::with_capacity(2 * timed.len());
        for (i, t) in timed.iter().enumerate() {
            debug_assert!(!t.op.returned || t.invoke <= t.complete, "an operation returns after its invocation");
            order.push((t.invoke, false, i as u32));
            if t.op.returned {
                order.push((t.complete, true, i as u32));
            }
        }
        // (time, is_return, op): invocations before returns at equal times, then by op.
        order.sort_unstable();
        Partition {
            ops: timed.iter().map(|t| t.op).collect(),
            events: order.into_iter().map(|(_, is_return, op)| (op, !is_return)).collect(),
        }
    }

    /// The same history without operations that cannot matter: reads that never returned
    /// (they constrain nothing) and operations that never returned whose written value nobody
    /// observed. Such a write may be left out of any linearization that includes it: the next
    /// operation after it can only be another write (a read or cas would have to observe its
    /// value), which does not care what it overwrote.
    pub fn pruned(&self) -> Cow<'_, Partition> {
        if self.ops.iter().all(|o| o.returned) {
            return Cow::Borrowed(self);
        }
        let matters = |o: &&LinOp| o.returned || !matches!(o.action, Action::Read(_));
        let mut observed: Vec<Value> = self.ops.iter().filter(matters).filter_map(|o| o.action.observed()).collect();
        observed.sort_unstable();
        observed.dedup();
        let seen = |v: Value| observed.binary_search(&v).is_ok();
        let keep: Vec<bool> = self.ops.iter().map(|o| o.returned || o.action.written().is_some_and(seen)).collect();
        let mut index = vec![u32::MAX; self.ops.len()];
        let mut ops = Vec::with_capacity(self.ops.len());
        for (i, o) in self.ops.iter().enumerate().filter(|(i, _)| keep[*i]) {
            index[i] = ops.len() as u32;
            ops.push(*o);
        }
        let events = self.events.iter().filter(|(op, _)| keep[*op as usize]).map(|&(op, c)| (index[op as usize], c));
        Cow::Owned(Partition { ops, events: events.collect() })
    }

    /// Operations that returned ok.
    pub fn returned(&self) -> usize {
        self.ops.iter().filter(|o| o.returned).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(action: Action, returned: bool, id: u32) -> LinOp {
        LinOp { action, returned, id }
    }

    #[test]
    fn events_meeting_in_one_tick_are_concurrent() {
        let p = Partition::from_timed(&[
            Timed { op: op(Action::Write(1), true, 0), invoke: 0, complete: 5 },
            Timed { op: op(Action::Read(1), true, 1), invoke: 5, complete: 9 },
            Timed { op: op(Action::Write(2), false, 2), invoke: 7, complete: 0 },
        ]);
        assert_eq!(p.events, vec![(0, true), (1, true), (0, false), (2, true), (1, false)]);
    }

    #[test]
    fn pruning_drops_unobserved_unreturned_writes_and_unreturned_reads() {
        let p = Partition::from_timed(&[
            Timed { op: op(Action::Write(1), false, 10), invoke: 0, complete: 0 },
            Timed { op: op(Action::Write(2), false, 11), invoke: 1, complete: 0 },
            Timed { op: op(Action::Read(2), true, 12), invoke: 2, complete: 3 },
            Timed { op: op(Action::Read(1), false, 13), invoke: 2, complete: 0 },
            Timed { op: op(Action::Write(3), true, 14), invoke: 4, complete: 5 },
        ]);
        let q = p.pruned();
        // The unreturned read of 1 goes, and with it the only observer of write 1.
        let ids: Vec<u32> = q.ops.iter().map(|o| o.id).collect();
        assert_eq!(ids, vec![11, 12, 14]);
        assert_eq!(q.events, vec![(0, true), (1, true), (1, false), (2, true), (2, false)]);
    }
}
