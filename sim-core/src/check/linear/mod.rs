//! Linearizability of register, compare-and-set register and key-value histories: the search
//! ([`search()`]), the models it knows ([`Model`]), one object's history ([`Partition`]) and
//! histories imported from other tools ([`imported`]).
//!
//! A key-value history is linearizable exactly when each key's history is (Herlihy and Wing's
//! locality, P-compositionality in Porcupine's terms), so each key is searched on its own,
//! with its own step budget. Operations that failed did not take effect and are dropped;
//! operations whose outcome is unknown (Jepsen's `:info`, our indeterminate writes) may take
//! effect at any point after their invocation or never, so they stay open to the end of the
//! history; reads that never returned constrain nothing and are dropped.

pub mod generate;
pub mod imported;
mod model;
mod partition;
mod search;

#[cfg(test)]
mod tests;

pub use imported::{import, Imported, KeyHistory, OpInfo};
pub use model::{Action, Model, Value, NIL};
pub use partition::{LinOp, Partition, Timed};
pub use search::{Answer, Searched, Stuck, STATES_SHOWN};

/// The default step budget per key: a few seconds of search on one core at most.
pub const STEPS_MAX_DEFAULT: u64 = 10_000_000;

/// Checks one object's history (simplified first, see [`Partition::pruned`]) in at most
/// `steps_max` steps. [`Stuck::prefix_events`] counts events of the simplified history; its
/// `blocked` operation is the caller's id, so reports place the prefix by that operation.
pub fn check(p: &Partition, steps_max: u64) -> Searched {
    search::search(&p.pruned(), steps_max)
}

/// Checks every partition, each with its own budget, on up to `threads` threads (keys are
/// independent); the answers come back in the partitions' order, the same for any `threads`.
pub fn check_each(partitions: &[&Partition], steps_max: u64, threads: usize) -> Vec<Searched> {
    let threads = threads.clamp(1, partitions.len().max(1));
    if threads == 1 {
        return partitions.iter().map(|p| check(p, steps_max)).collect();
    }
    // Thread t takes partitions t, t + threads, ...: large and small keys spread evenly.
    let mut answers: Vec<Option<Searched>> = vec![None; partitions.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let mine = partitions.iter().enumerate().skip(t).step_by(threads);
                    mine.map(|(i, p)| (i, check(p, steps_max))).collect::<Vec<_>>()
                })
            })
            .collect();
        for w in workers {
            for (i, s) in w.join().expect("a search thread does not panic") {
                answers[i] = Some(s);
            }
        }
    });
    answers.into_iter().map(|s| s.expect("every partition was searched")).collect()
}
