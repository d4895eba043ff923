//! A node's worker pool: what makes load cost something. Each costed request takes one of
//! `workers` for its service time; when all are busy it waits in a bounded FIFO queue, and
//! when the queue is full it is rejected. Overload then shows as queueing latency and
//! errors, as in a real server, instead of being invisible behind network latency alone.
//!
//! The pool is a virtual queue: admission computes when a request starts (the earliest free
//! worker) and finishes, and the shell delivers it at its finish. Requests are admitted in
//! arrival order to the earliest-free worker, so start times never decrease and the waiting
//! requests are a prefix-free run of a deque. Times are in microseconds (service times are
//! well under a millisecond tick); nothing here knows madsim.

use std::collections::VecDeque;

/// Counters of one pool since its node last booted, for node stats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStats {
    /// Service time of admitted requests (work taken on).
    pub busy_us: u64,
    /// Service time of every request offered, rejected ones included (the demand).
    pub offered_us: u64,
    /// Requests admitted.
    pub admitted: u64,
    /// Requests rejected because the queue was full.
    pub rejected: u64,
    /// Time admitted requests spent waiting for a worker.
    pub waited_us: u64,
}

/// A pool of identical workers with a bounded queue.
#[derive(Clone, Debug)]
pub struct Workers {
    /// When each worker is next free.
    free_at_us: Vec<u64>,
    /// Start times of admitted requests that had to wait (non-decreasing).
    waiting: VecDeque<u64>,
    queue_limit: usize,
    stats: WorkerStats,
}

impl Workers {
    /// `workers` workers (at least one) and room for `queue_limit` waiting requests.
    pub fn new(workers: u32, queue_limit: u32) -> Self {
        assert!(workers > 0, "a pool needs a worker");
        Workers {
            free_at_us: vec![0; workers as usize],
            waiting: VecDeque::new(),
            queue_limit: queue_limit as usize,
            stats: WorkerStats::default(),
        }
    }

    /// A request arriving at `now_us` needing `service_us`: when it finishes, or `None` when
    /// it waits behind a full queue and is rejected.
    pub fn admit(&mut self, now_us: u64, service_us: u64) -> Option<u64> {
        self.stats.offered_us += service_us;
        let (i, free) = self.free_at_us.iter().copied().enumerate().min_by_key(|&(_, t)| t).expect("a worker");
        let start = free.max(now_us);
        if start > now_us {
            if self.queue_len(now_us) >= self.queue_limit {
                self.stats.rejected += 1;
                return None;
            }
            self.waiting.push_back(start);
            self.stats.waited_us += start - now_us;
        }
        let done = start + service_us;
        self.free_at_us[i] = done;
        self.stats.busy_us += service_us;
        self.stats.admitted += 1;
        Some(done)
    }

    /// Requests waiting for a worker at `now_us`.
    pub fn queue_len(&mut self, now_us: u64) -> usize {
        while self.waiting.front().is_some_and(|&s| s <= now_us) {
            self.waiting.pop_front();
        }
        self.waiting.len()
    }

    /// The counters so far.
    pub fn stats(&self) -> WorkerStats {
        self.stats
    }

    /// A restarted process: nothing queued, every worker free, counters kept (they are the
    /// node's, for stats over the whole run).
    pub fn reset(&mut self) {
        self.free_at_us.iter_mut().for_each(|t| *t = 0);
        self.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_workers_start_at_once_and_busy_ones_queue_in_order() {
        let mut w = Workers::new(2, 10);
        assert_eq!(w.admit(1_000, 500), Some(1_500));
        assert_eq!(w.admit(1_000, 500), Some(1_500));
        // Both busy: the third waits for the first free worker, the fourth for the next.
        assert_eq!(w.admit(1_100, 500), Some(2_000));
        assert_eq!(w.admit(1_100, 300), Some(1_800));
        assert_eq!(w.queue_len(1_100), 2);
        assert_eq!(w.queue_len(1_500), 0, "both started at 1,500");
        let s = w.stats();
        assert_eq!((s.admitted, s.rejected, s.busy_us, s.waited_us), (4, 0, 1_800, 800));
    }

    #[test]
    fn a_full_queue_rejects_and_counts_the_demand_all_the_same() {
        let mut w = Workers::new(1, 1);
        assert_eq!(w.admit(0, 1_000), Some(1_000));
        assert_eq!(w.admit(0, 1_000), Some(2_000), "one may wait");
        assert_eq!(w.admit(0, 1_000), None, "the queue is full");
        assert_eq!(w.admit(1_000, 1_000), Some(3_000), "the waiting one started: room again");
        let s = w.stats();
        assert_eq!((s.admitted, s.rejected, s.busy_us, s.offered_us), (3, 1, 3_000, 4_000));
    }

    #[test]
    fn a_reset_frees_every_worker_but_keeps_the_counters() {
        let mut w = Workers::new(1, 0);
        assert_eq!(w.admit(0, 5_000), Some(5_000));
        assert_eq!(w.admit(10, 1), None, "no queue at all");
        w.reset();
        assert_eq!(w.admit(20, 1), Some(21));
        assert_eq!(w.stats().rejected, 1);
    }
}
