//! The requests a coordinator waits on: what each one still needs, in a ring indexed by id.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::actor::Addr;
use crate::bugs::{self, Bug};
use crate::storage::{Context, Versioned};

/// A client write as a coordinator receives it.
#[derive(Clone, Debug)]
pub(super) struct WriteReq {
    pub(super) client: Addr,
    pub(super) op: u64,
    pub(super) key: u64,
    pub(super) w: u8,
    pub(super) value: u64,
    /// What the client had seen; the new version supersedes exactly that.
    pub(super) context: Context,
    /// The client's attempt (see `ClientRequest::Write`).
    pub(super) attempt: u8,
    /// A network copy of an attempt this node took already: refusing it would contradict the
    /// first copy, which will be answered.
    pub(super) copy: bool,
}

/// A request this node coordinates, waiting for replica answers.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) client: Addr,
    pub(super) op: u64,
    /// The key's shard, found once when the request begins (its replica set answers).
    pub(super) shard: u32,
    pub(super) required: u8,
    /// Bit i set when replica i of the key's replica set answered; duplicated messages
    /// from one replica must not count twice toward W or R.
    pub(super) answered: u64,
    pub(super) kind: PendingKind,
    /// Bit i set when replica i was asked (every replica, unless the read is targeted or
    /// routed around an open breaker).
    pub(super) asked: u64,
    /// Bit i set when replica i answered anything (`answered` is reset for repairs; this is not).
    pub(super) heard: u64,
    /// Bit i set when replica i was asked by a hedge.
    pub(super) hedged: u64,
    /// Bit i set when replica i refused the write at its sibling bound.
    pub(super) refused: u64,
    /// Local time of its timeout (it began one request timeout earlier).
    pub(super) deadline: u64,
    /// Epoch of the map it was last routed by (a replica refusing a route older than its own
    /// map sends it to the replicas of a newer one).
    pub(super) routed: u64,
    /// The replica sets of that map (shared with it): answers count against the set the
    /// request was sent to, even after a migration changed the set in this node's map.
    pub(super) sets: Arc<Vec<Vec<Addr>>>,
}

#[derive(Debug)]
pub(super) enum PendingKind {
    /// A write: the version it was given (the client learns its dot with the acknowledgement;
    /// stand-ins get the version itself), and how many stand-ins' answers count toward W.
    /// A primary's write carries its fence (replicas refuse it once they know a newer grant).
    Write { key: u64, item: Arc<Versioned>, stand_ins: u8, fence: Option<u64> },
    /// A read: the versions merged so far and, with read repair on, each replica's answer.
    Read { key: u64, versions: Vec<Versioned>, answers: Vec<(Addr, Option<Arc<Vec<Versioned>>>)>, phase: ReadPhase },
    /// A primary's quorum read before its first write to a key in this tenure (the write is
    /// boxed: this path is rare, and a smaller request moves for less on the common ones).
    /// In linearizable mode (`fence: None`), the quorum read of every write for its tag.
    PrimaryRead { write: Box<WriteReq>, fence: Option<u64>, versions: Vec<Versioned> },
    /// Done, but with the circuit breaker on, still waiting until its deadline for the
    /// replicas asked that have not answered: each that does not answer in time timed out.
    Settled,
}

/// What a replica answered: an acknowledgement, or the versions it holds for the key
/// (shared with its store, `None` when it holds none).
pub(super) enum Got {
    Ack,
    Held(Option<Arc<Vec<Versioned>>>),
}

/// Where a read stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ReadPhase {
    /// Waiting for R answers.
    Collecting,
    /// Asynchronous read repair: the client has its answer; waiting for the other replicas'
    /// answers (until every replica answered or the deadline) to repair them all.
    Replied,
    /// Blocking read repair: waiting for the repaired replicas' acknowledgements before
    /// answering the client.
    Repairing,
}

impl Pending {
    pub(super) fn answers(&self) -> u8 {
        self.answered.count_ones() as u8
    }

    /// The replica set the request was routed to.
    pub(super) fn replicas(&self) -> &[Addr] {
        &self.sets[self.shard as usize]
    }

    /// Marks `replica` as answered; false for a replica outside the replica set it was routed
    /// to, or a repeat answer.
    pub(super) fn mark(&mut self, replica: Addr) -> bool {
        let replicas = &self.sets[self.shard as usize];
        let Some(i) = replicas.iter().position(|&r| r == replica) else {
            return false;
        };
        let len = replicas.len();
        let bit = 1u64 << i;
        let fresh = self.answered & bit == 0;
        self.answered |= bit;
        // Paired with the replica set's bound where requests begin: answers are counted per
        // distinct replica, never beyond the set.
        assert!(self.answers() as usize <= len, "a request counts at most one answer per replica");
        fresh
    }

    /// Answers this request waits for: W or R, except with the planted bug
    /// `--bug early-ack` on, where writes are acknowledged one replica early (at least one).
    pub(super) fn required_answers(&self) -> u8 {
        match self.kind {
            PendingKind::Write { .. } if bugs::on(Bug::EarlyAck) => self.required.saturating_sub(1).max(1),
            _ => self.required,
        }
    }

    /// True while a read collects and still lacks answers: a hedge may help it.
    pub(super) fn hedgeable(&self) -> bool {
        matches!(self.kind, PendingKind::Read { phase: ReadPhase::Collecting, .. }) && self.answers() < self.required
    }

    /// The hedges that won, once the read has its R answers: hedged replicas whose answers
    /// count, if a replica first asked has still not answered (otherwise the hedge was not needed).
    pub(super) fn hedges_won(&self) -> u64 {
        let first_asked = self.asked & !self.hedged;
        if first_asked & !self.heard == 0 {
            0
        } else {
            (self.answered & self.hedged).count_ones() as u64
        }
    }

    /// A stub standing for this request once it is done: the same ids and replica bits, no
    /// data.
    pub(super) fn settled(&self) -> Pending {
        Pending { kind: PendingKind::Settled, sets: self.sets.clone(), ..*self }
    }
}

/// The requests a coordinator waits on, by id. Ids are handed out in sequence, so this is a
/// ring indexed by id: no tree and no allocation per request (a boxed request in a B-tree
/// was). Finished requests at the front are dropped as they come, so it holds about one
/// timeout's worth of requests.
#[derive(Debug, Default)]
pub(super) struct Requests {
    /// Id of `slots[0]`.
    first: u64,
    slots: VecDeque<Option<Pending>>,
    live: usize,
}

impl Requests {
    pub(super) fn insert(&mut self, req: u64, p: Pending) {
        if self.slots.is_empty() {
            self.first = req;
        }
        assert_eq!(req, self.first + self.slots.len() as u64, "request ids are handed out in sequence");
        self.slots.push_back(Some(p));
        self.live += 1;
    }

    fn index(&self, req: u64) -> Option<usize> {
        req.checked_sub(self.first).map(|i| i as usize).filter(|&i| i < self.slots.len())
    }

    pub(super) fn get(&self, req: u64) -> Option<&Pending> {
        self.index(req).and_then(|i| self.slots[i].as_ref())
    }

    pub(super) fn get_mut(&mut self, req: u64) -> Option<&mut Pending> {
        self.index(req).and_then(|i| self.slots[i].as_mut())
    }

    pub(super) fn remove(&mut self, req: u64) -> Option<Pending> {
        let i = self.index(req)?;
        let p = self.slots[i].take()?;
        self.live -= 1;
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(p)
    }

    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// The oldest request still pending (tests).
    #[cfg(test)]
    pub(super) fn first(&self) -> Option<u64> {
        self.slots.iter().position(Option::is_some).map(|i| self.first + i as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_table_finds_removes_and_shrinks_in_any_completion_order() {
        let p = |op| Pending {
            client: 9,
            op,
            shard: 0,
            required: 1,
            answered: 0,
            kind: PendingKind::Read { key: 1, versions: vec![], answers: vec![], phase: ReadPhase::Collecting },
            asked: 0b111,
            heard: 0,
            hedged: 0,
            refused: 0,
            deadline: 100,
            routed: 0,
            sets: Arc::new(vec![vec![4, 7, 9]]),
        };
        let mut t = Requests::default();
        for req in 100..105 {
            t.insert(req, p(req));
        }
        assert_eq!((t.len(), t.first()), (5, Some(100)));
        assert_eq!(t.remove(102).map(|p| p.op), Some(102));
        assert!(t.remove(102).is_none() && t.get(102).is_none(), "removed once");
        assert!(t.get(99).is_none() && t.get(105).is_none(), "outside the table");
        assert_eq!(t.remove(100).map(|p| p.op), Some(100));
        assert_eq!((t.first, t.slots.len()), (101, 4), "the finished front is dropped");
        assert_eq!(t.remove(101).map(|p| p.op), Some(101));
        assert_eq!((t.first, t.slots.len()), (103, 2), "and the finished slot behind it");
        t.get_mut(104).unwrap().answered = 1;
        assert_eq!(t.get(104).unwrap().answered, 1);
        t.insert(105, p(105));
        assert_eq!((t.len(), t.first()), (3, Some(103)));
        let mut fresh = Requests::default();
        fresh.insert(7, p(7));
        assert_eq!(fresh.first(), Some(7), "a new life starts anywhere");
    }

    #[test]
    fn an_answer_counts_once_and_only_from_the_replica_set() {
        let mut p = Pending {
            client: 9,
            op: 1,
            shard: 0,
            required: 2,
            answered: 0,
            kind: PendingKind::Read { key: 1, versions: vec![], answers: vec![], phase: ReadPhase::Collecting },
            asked: 0b111,
            heard: 0,
            hedged: 0,
            refused: 0,
            deadline: 100,
            routed: 0,
            sets: Arc::new(vec![vec![4, 7, 9]]),
        };
        assert!(p.mark(7));
        assert!(!p.mark(7), "a duplicate");
        assert!(!p.mark(5), "not a replica of the key");
        assert_eq!(p.answers(), 1);
    }
}
