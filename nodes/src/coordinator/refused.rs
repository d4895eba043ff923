//! The client write attempts a coordinator took and refused, so that a refusal it sends is
//! definite. The network may duplicate a request: a late copy of an attempt that was refused
//! (`ShardMoving`, `NotPrimary`) must not be applied after the client was told it was not,
//! and a copy of an attempt that was taken must not be refused while the first copy is being
//! applied (the client would take the copy's refusal as the answer). A client's retry is
//! another attempt, so it is neither.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::actor::Addr;

/// How long a refusal is remembered: longer than any copy of a request stays in flight.
pub(super) const KEEP_MS: u64 = 60_000;
/// Most refusals remembered at once (the oldest are forgotten first).
pub(super) const KEEP_MAX: usize = 16_384;

/// One attempt of a client's write: client, operation id and attempt number.
pub(super) type Attempt = (Addr, u64, u8);

/// What a coordinator knows of an arriving write attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arrival {
    /// Not seen before.
    New,
    /// A copy of an attempt this node took (and did not refuse).
    CopyOfTaken,
    /// A copy of an attempt this node refused: drop it, the client has its answer.
    CopyOfRefused,
}

/// Each client's last write attempt taken here (a client has one operation in flight, so one
/// entry per client), and the refused attempts, oldest first.
#[derive(Debug, Default)]
pub(super) struct Attempts {
    taken: BTreeMap<Addr, (u64, u8)>,
    refused: BTreeSet<Attempt>,
    order: VecDeque<(u64, Attempt)>,
}

impl Attempts {
    /// Notes that `attempt` arrived; says whether it is a copy, and of what.
    pub(super) fn arrive(&mut self, attempt: Attempt) -> Arrival {
        let (client, op, n) = attempt;
        if !self.refused.is_empty() && self.refused.contains(&attempt) {
            return Arrival::CopyOfRefused;
        }
        match self.taken.insert(client, (op, n)) {
            Some(last) if last == (op, n) => Arrival::CopyOfTaken,
            _ => Arrival::New,
        }
    }

    /// Notes that `attempt` was refused at `now_ms` (its later copies are dropped).
    pub(super) fn refuse(&mut self, now_ms: u64, attempt: Attempt) {
        while let Some(&(at, old)) = self.order.front() {
            if now_ms.saturating_sub(at) < KEEP_MS && self.order.len() < KEEP_MAX {
                break;
            }
            self.order.pop_front();
            self.refused.remove(&old);
        }
        if self.refused.insert(attempt) {
            self.order.push_back((now_ms, attempt));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_told_apart_from_retries_and_new_operations() {
        let mut a = Attempts::default();
        assert_eq!(a.arrive((7, 3, 0)), Arrival::New);
        assert_eq!(a.arrive((7, 3, 0)), Arrival::CopyOfTaken);
        a.refuse(10, (7, 3, 0));
        assert_eq!(a.arrive((7, 3, 0)), Arrival::CopyOfRefused);
        assert_eq!(a.arrive((7, 3, 1)), Arrival::New, "a retry is a new attempt");
        assert_eq!(a.arrive((7, 4, 0)), Arrival::New);
        assert_eq!(a.arrive((8, 3, 0)), Arrival::New);
    }

    #[test]
    fn refusals_are_forgotten_after_the_keep_time_and_beyond_the_bound() {
        let mut a = Attempts::default();
        a.refuse(0, (1, 1, 0));
        a.refuse(KEEP_MS - 1, (1, 2, 0));
        assert_eq!(a.arrive((1, 1, 0)), Arrival::CopyOfRefused);
        a.refuse(KEEP_MS, (1, 3, 0));
        assert_eq!(a.arrive((1, 1, 0)), Arrival::New);
        assert_eq!(a.arrive((1, 2, 0)), Arrival::CopyOfRefused);
        for op in 0..KEEP_MAX as u64 + 5 {
            a.refuse(KEEP_MS, (2, op, 0));
        }
        assert!(a.refused.len() <= KEEP_MAX && a.order.len() == a.refused.len());
        assert_eq!(a.arrive((2, 0, 0)), Arrival::New);
        assert_eq!(a.arrive((2, KEEP_MAX as u64 + 4, 0)), Arrival::CopyOfRefused);
    }
}
