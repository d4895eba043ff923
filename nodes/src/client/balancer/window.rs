//! A coordinator's recent answers as its clients saw them: a bounded window of latencies and
//! errors, and the health score the balancer weighs it by.

use std::collections::VecDeque;

/// One answer in a window.
#[derive(Clone, Copy, Debug)]
struct Sample {
    at_ms: u64,
    latency_ms: u64,
    error: bool,
}

/// The last `capacity` answers of one coordinator, none older than `age_ms`; sums are kept
/// as samples come and go, so a score costs O(1) after the expired ones are dropped.
#[derive(Clone, Debug)]
pub struct Window {
    samples: VecDeque<Sample>,
    capacity: usize,
    age_ms: u64,
    ok: u32,
    errors: u32,
    ok_latency_ms: u64,
}

impl Window {
    /// A window of at most `capacity` answers (at least one), each kept for `age_ms`.
    pub fn new(capacity: u32, age_ms: u64) -> Self {
        let capacity = capacity.max(1) as usize;
        Window { samples: VecDeque::with_capacity(capacity), capacity, age_ms, ok: 0, errors: 0, ok_latency_ms: 0 }
    }

    /// Adds an answer at `at_ms` that took `latency_ms`; `error` for a timeout, a refusal or a
    /// failed reply (an error's latency does not count toward the mean).
    pub fn push(&mut self, at_ms: u64, latency_ms: u64, error: bool) {
        if self.samples.len() == self.capacity {
            self.pop();
        }
        if error {
            self.errors += 1;
        } else {
            self.ok += 1;
            self.ok_latency_ms += latency_ms;
        }
        self.samples.push_back(Sample { at_ms, latency_ms, error });
    }

    /// Drops the answers older than the window's age at `now_ms`.
    pub fn expire(&mut self, now_ms: u64) {
        while self.samples.front().is_some_and(|s| s.at_ms + self.age_ms < now_ms) {
            self.pop();
        }
    }

    fn pop(&mut self) {
        if let Some(s) = self.samples.pop_front() {
            if s.error {
                self.errors -= 1;
            } else {
                self.ok -= 1;
                self.ok_latency_ms -= s.latency_ms;
            }
        }
    }

    /// Fraction of the window's answers that were errors (0 when empty).
    pub fn error_fraction(&self) -> f64 {
        let total = self.ok + self.errors;
        if total == 0 {
            0.0
        } else {
            f64::from(self.errors) / f64::from(total)
        }
    }

    /// Mean latency of the successful answers, if any (at least 1 ms, so ratios stay finite).
    pub fn mean_latency_ms(&self) -> Option<f64> {
        (self.ok > 0).then(|| (self.ok_latency_ms as f64 / f64::from(self.ok)).max(1.0))
    }

    /// The health score in [0, 1]: `(1 − error fraction) × best / mean`, where `mean` is this
    /// window's mean latency of successful answers and `best` the lowest such mean among the
    /// coordinators compared (given by the caller). A window without successful answers takes
    /// the latency factor 1 (unknown is presumed good, so an idle or recovered coordinator gets
    /// tried again); an empty window scores 1.
    pub fn health(&self, best_mean_ms: f64) -> f64 {
        let latency = match self.mean_latency_ms() {
            Some(mean) => (best_mean_ms / mean).min(1.0),
            None => 1.0,
        };
        (1.0 - self.error_fraction()) * latency
    }
}

#[cfg(test)]
impl Window {
    /// Answers in the window.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when the window holds no answer.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_answers_and_their_sums() {
        let mut w = Window::new(3, 10_000);
        for (i, lat) in [10, 20, 30, 40].into_iter().enumerate() {
            w.push(i as u64, lat, false);
        }
        assert_eq!(w.len(), 3);
        assert_eq!(w.mean_latency_ms(), Some(30.0));
        w.push(5, 999, true);
        assert_eq!(w.mean_latency_ms(), Some(35.0), "an error's latency does not count");
        assert!((w.error_fraction() - 1.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn old_answers_expire() {
        let mut w = Window::new(8, 100);
        w.push(0, 10, true);
        w.push(50, 10, false);
        w.expire(120);
        assert_eq!((w.len(), w.error_fraction()), (1, 0.0));
        w.expire(150);
        assert_eq!(w.len(), 1, "an answer exactly the window's age old still counts");
        w.expire(151);
        assert!(w.is_empty());
        assert_eq!(w.health(5.0), 1.0, "an empty window is presumed healthy");
    }

    #[test]
    fn health_falls_with_errors_and_latency() {
        let mut w = Window::new(4, 10_000);
        w.push(0, 40, false);
        w.push(1, 40, false);
        assert_eq!(w.health(10.0), 0.25, "four times the best mean");
        w.push(2, 0, true);
        w.push(3, 0, true);
        assert_eq!(w.health(40.0), 0.5, "half errors");
        assert!((0.0..=1.0).contains(&w.health(1_000.0)));
    }
}
