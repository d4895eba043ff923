//! The staleness probe (`- probe:` in `workload:`): two clients that measure t-visibility
//! directly. The writer writes a fresh key each round; the reader, another client, reads that
//! key exactly `t` after the writer saw the write's acknowledgement (the rounds cycle through
//! the probe's `t` values). The history then says, for each `t`, how often the read returned
//! the write (`crate::staleness` reads it back by key).
//!
//! The two share the rounds through a lock (one simulation thread, so it never waits and never
//! reorders anything). The reader has nothing to do until an acknowledgement: it asks again
//! every millisecond while a write is in flight, and is then woken exactly at the read's time,
//! when its client issues the read at once. A round whose read time passed while the reader was
//! still busy with an earlier read is skipped rather than read late.

use std::sync::{Arc, Mutex};

use nodes::client::{PlannedOp, Workload};

use super::recorder::consistency;
use crate::scenario::model::Probe;

/// Keys of probe rounds start here, far above any workload key (`keys` is at most 10^9):
/// probe `p`'s round `r` writes and reads key `PROBE_KEY_BASE + p * 2^32 + r`.
pub const PROBE_KEY_BASE: u64 = 1 << 48;

/// One round: a write of a fresh key and, `t_ms` after its acknowledgement, a read of it.
#[derive(Clone, Copy, Debug)]
struct Round {
    key: u64,
    t_ms: u64,
    /// When the write is (planned to be) invoked.
    invoke_ms: u64,
    /// When the writer heard back (acknowledged or not).
    done_ms: Option<u64>,
}

#[derive(Debug, Default)]
struct Rounds {
    rounds: Vec<Round>,
    /// The writer will start no more rounds.
    writer_done: bool,
}

/// The writer and reader workloads of probe number `index`.
pub fn pair(probe: &Probe, index: u32) -> (Box<dyn Workload>, Box<dyn Workload>) {
    let shared = Arc::new(Mutex::new(Rounds::default()));
    let writer =
        Writer { probe: probe.clone(), key_base: PROBE_KEY_BASE + ((index as u64) << 32), shared: shared.clone() };
    let reader = Reader { probe: probe.clone(), shared, next: 0, asked_for: None };
    (Box::new(writer), Box::new(reader))
}

fn lock(shared: &Mutex<Rounds>) -> std::sync::MutexGuard<'_, Rounds> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

struct Writer {
    probe: Probe,
    key_base: u64,
    shared: Arc<Mutex<Rounds>>,
}

impl Workload for Writer {
    fn next_op(&mut self, now_ms: u64) -> Option<PlannedOp> {
        let mut s = lock(&self.shared);
        // Asked after its write finished: that round's acknowledgement came now.
        if let Some(last) = s.rounds.last_mut().filter(|r| r.done_ms.is_none()) {
            last.done_ms = Some(now_ms);
        }
        let round = s.rounds.len() as u64;
        let at_ms = (self.probe.start_ms + round * self.probe.every_ms).max(now_ms + 1);
        if at_ms >= self.probe.stop_ms {
            s.writer_done = true;
            return None;
        }
        let t_ms = self.probe.t_ms[round as usize % self.probe.t_ms.len()];
        let key = self.key_base + round;
        s.rounds.push(Round { key, t_ms, invoke_ms: at_ms, done_ms: None });
        Some(PlannedOp {
            at_ms,
            kind: nodes::OpKind::Write,
            key,
            consistency: consistency(self.probe.write_consistency),
        })
    }
}

struct Reader {
    probe: Probe,
    shared: Arc<Mutex<Rounds>>,
    /// The round whose read comes next.
    next: usize,
    /// The time it asked to be asked again at, until then.
    asked_for: Option<u64>,
}

/// What the reader does about its next round at some moment.
enum Next {
    /// Read this key now.
    Read(u64),
    /// Ask again at this time.
    At(u64),
    /// Nothing more to read.
    Done,
}

impl Reader {
    fn next(&mut self, now_ms: u64, asked: bool) -> Next {
        let s = lock(&self.shared);
        while let Some(r) = s.rounds.get(self.next) {
            let Some(done_ms) = r.done_ms else {
                // The write is in flight: look again next millisecond (from its invocation on).
                return Next::At(r.invoke_ms.max(now_ms) + 1);
            };
            let due = done_ms + r.t_ms;
            if due > now_ms {
                return Next::At(due);
            }
            self.next += 1;
            if due == now_ms && asked {
                return Next::Read(r.key);
            }
            // Its time passed while this reader was busy: skipped, not read late.
        }
        if s.writer_done {
            Next::Done
        } else {
            Next::At(now_ms + 1)
        }
    }
}

impl Workload for Reader {
    fn next_op(&mut self, now_ms: u64) -> Option<PlannedOp> {
        // Only a read asked for exactly now can start now; after a read ends the reader waits.
        let asked = self.asked_for.take().is_some_and(|at| at <= now_ms);
        match self.next(now_ms, asked) {
            Next::Read(key) => Some(PlannedOp {
                at_ms: now_ms,
                kind: nodes::OpKind::Read,
                key,
                consistency: consistency(self.probe.read_consistency),
            }),
            Next::At(_) | Next::Done => None,
        }
    }

    fn ask_again_at(&mut self, now_ms: u64) -> Option<u64> {
        match self.next(now_ms, false) {
            Next::At(at) => {
                self.asked_for = Some(at);
                Some(at)
            }
            Next::Read(_) | Next::Done => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Level;

    fn probe() -> Probe {
        Probe {
            t_ms: vec![1, 5],
            every_ms: 100,
            read_consistency: Level::One,
            write_consistency: Level::One,
            start_ms: 0,
            stop_ms: 250,
        }
    }

    #[test]
    fn the_reader_reads_each_fresh_key_exactly_t_after_the_acknowledgement() {
        let (mut w, mut r) = pair(&probe(), 1);
        let first = w.next_op(0).unwrap();
        assert_eq!((first.at_ms, first.key), (1, PROBE_KEY_BASE + (1 << 32)));
        // The write is in flight: the reader looks every millisecond from its invocation.
        assert!(r.next_op(0).is_none());
        assert_eq!(r.ask_again_at(0), Some(2));
        assert!(r.next_op(2).is_none());
        assert_eq!(r.ask_again_at(2), Some(3));
        // Acknowledged at 7 (the writer is asked for its next operation then).
        let second = w.next_op(7).unwrap();
        assert_eq!((second.at_ms, second.key), (100, first.key + 1));
        assert!(r.next_op(3).is_none());
        assert_eq!(r.ask_again_at(3), Some(8), "t = 1 after the acknowledgement");
        let read = r.next_op(8).unwrap();
        assert_eq!((read.at_ms, read.key, read.kind), (8, first.key, nodes::OpKind::Read));
        // After the read ends the reader waits for the second round (t = 5).
        assert!(r.next_op(20).is_none());
        assert_eq!(r.ask_again_at(20), Some(101));
        assert_eq!(w.next_op(104).map(|op| op.at_ms), Some(200), "rounds start every 100 ms");
        assert!(w.next_op(210).is_none(), "none starts at or after stop (the next would start at 300)");
    }

    #[test]
    fn a_round_whose_time_passed_is_skipped_and_the_reader_ends_with_the_writer() {
        let (mut w, mut r) = pair(&Probe { stop_ms: 150, ..probe() }, 0);
        w.next_op(0).unwrap();
        w.next_op(10).unwrap();
        // The reader comes back from a long read at 30: round 0 was due at 11.
        assert!(r.next_op(30).is_none());
        assert_eq!(r.ask_again_at(30), Some(101), "waits for round 1's write");
        assert!(w.next_op(120).is_none(), "no round starts at or after stop");
        assert!(r.next_op(101).is_none());
        assert_eq!(r.ask_again_at(101), Some(125), "round 1: acknowledged at 120, t = 5");
        assert!(r.next_op(125).is_some());
        assert!(r.next_op(140).is_none());
        assert_eq!(r.ask_again_at(140), None, "done");
    }
}
