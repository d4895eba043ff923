//! A coordinator's recent replica latencies, for hedging at a percentile of them: a fixed ring
//! of the last answers' latencies and the percentile, recomputed every few samples.

/// Latencies kept (the most recent ones).
pub(super) const WINDOW: usize = 128;

/// Fewer latencies than this tell nothing: the fallback delay is used.
pub(super) const MIN_SAMPLES: usize = 20;

/// The percentile is recomputed after this many new latencies (selection is O(WINDOW); doing
/// it per request would cost more than the request).
const REFRESH_EVERY: u32 = 16;

/// The last [`WINDOW`] replica latencies of one coordinator, in local milliseconds.
#[derive(Debug)]
pub(super) struct Latencies {
    ring: Vec<u32>,
    /// Where the next latency goes once the ring is full.
    next: usize,
    /// Latencies since the percentile was computed.
    fresh: u32,
    /// The percentile last computed (for `percentile`), if any.
    cached: Option<(u8, u64)>,
    /// Reused buffer for selection.
    scratch: Vec<u32>,
}

impl Latencies {
    pub(super) fn new() -> Self {
        Latencies { ring: Vec::with_capacity(WINDOW), next: 0, fresh: 0, cached: None, scratch: Vec::new() }
    }

    /// Records one replica's answer latency.
    pub(super) fn record(&mut self, ms: u64) {
        let ms = ms.min(u32::MAX as u64) as u32;
        if self.ring.len() < WINDOW {
            self.ring.push(ms);
        } else {
            self.ring[self.next] = ms;
            self.next = (self.next + 1) % WINDOW;
        }
        self.fresh += 1;
    }

    /// The `percentile` (1 to 99, nearest rank) of the window, or `None` while it holds
    /// fewer than [`MIN_SAMPLES`].
    pub(super) fn percentile(&mut self, percentile: u8) -> Option<u64> {
        if self.ring.len() < MIN_SAMPLES {
            return None;
        }
        match self.cached {
            Some((p, ms)) if p == percentile && self.fresh < REFRESH_EVERY => Some(ms),
            _ => {
                self.scratch.clear();
                self.scratch.extend_from_slice(&self.ring);
                let n = self.scratch.len();
                let rank = (n * percentile as usize).div_ceil(100).clamp(1, n);
                let (_, &mut ms, _) = self.scratch.select_nth_unstable(rank - 1);
                self.cached = Some((percentile, ms as u64));
                self.fresh = 0;
                Some(ms as u64)
            }
        }
    }
}

/// The hedge delay for a percentile: the window's percentile, or `fallback_ms` while it knows
/// too little; at least 1 ms (a hedge in the same tick as the request would be a fan-out) and at
/// most `ceiling_ms` (a hedge after the request's deadline is useless).
pub(super) fn hedge_delay_ms(latencies: &mut Latencies, percentile: u8, fallback_ms: u64, ceiling_ms: u64) -> u64 {
    latencies.percentile(percentile).unwrap_or(fallback_ms).clamp(1, ceiling_ms.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_latencies_fall_back_to_the_fixed_delay() {
        let mut l = Latencies::new();
        for ms in 0..MIN_SAMPLES as u64 - 1 {
            l.record(ms);
        }
        assert_eq!(l.percentile(95), None);
        assert_eq!(hedge_delay_ms(&mut l, 95, 20, 500), 20);
        l.record(7);
        assert!(l.percentile(95).is_some());
    }

    #[test]
    fn the_percentile_is_the_nearest_rank_of_the_window() {
        let mut l = Latencies::new();
        for ms in 1..=100 {
            l.record(ms);
        }
        assert_eq!((l.percentile(50), l.percentile(95), l.percentile(99)), (Some(50), Some(95), Some(99)));
        assert_eq!(hedge_delay_ms(&mut l, 95, 20, 60), 60, "capped at the ceiling");
    }

    #[test]
    fn old_latencies_leave_the_window_and_the_percentile_follows_after_a_refresh() {
        let mut l = Latencies::new();
        for _ in 0..WINDOW {
            l.record(300);
        }
        assert_eq!(l.percentile(90), Some(300));
        for _ in 0..WINDOW {
            l.record(4);
        }
        assert_eq!(l.percentile(90), Some(4), "the slow ones are gone");
        for _ in 0..REFRESH_EVERY - 1 {
            l.record(900);
        }
        assert_eq!(l.percentile(90), Some(4), "kept until enough new latencies came");
        for _ in 0..WINDOW {
            l.record(900);
        }
        assert_eq!(l.percentile(90), Some(900));
    }

    #[test]
    fn a_zero_latency_still_hedges_a_tick_later() {
        let mut l = Latencies::new();
        for _ in 0..WINDOW {
            l.record(0);
        }
        assert_eq!(hedge_delay_ms(&mut l, 95, 20, 500), 1);
    }
}
