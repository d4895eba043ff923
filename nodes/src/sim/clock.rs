//! Node clocks: each node reads a local time that may be offset from simulated time and may
//! run fast or slow (drift), to test protocols whose timeouts and leases use local clocks.

/// A node's clock: `local = anchor_local + (real - anchor_real) * rate`, re-anchored whenever
/// its offset or rate changes so local time stays continuous unless an offset jump is asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    anchor_real: u64,
    anchor_local: f64,
    rate: f64,
    /// `anchor_local` when it is whole and the rate is exactly 1: then every conversion is
    /// integer arithmetic (the common case, and on every delivery's path).
    exact: Option<u64>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { anchor_real: 0, anchor_local: 0.0, rate: 1.0, exact: Some(0) }
    }
}

impl Clock {
    /// Local time at simulated time `real_ms`, in whole milliseconds (never negative).
    pub fn local(&self, real_ms: u64) -> u64 {
        if let Some(anchor) = self.exact {
            return (anchor + real_ms).saturating_sub(self.anchor_real);
        }
        let l = self.anchor_local + (real_ms as f64 - self.anchor_real as f64) * self.rate;
        l.max(0.0).floor() as u64
    }

    /// Simulated time at which this clock will read `local_ms` (if its rate stays as it is).
    pub fn real_at(&self, local_ms: u64) -> u64 {
        if let Some(anchor) = self.exact {
            return (self.anchor_real + local_ms).saturating_sub(anchor);
        }
        let r = self.anchor_real as f64 + (local_ms as f64 - self.anchor_local) / self.rate;
        r.max(0.0).ceil() as u64
    }

    /// Simulated milliseconds until a local duration of `local_ms` has passed (at least 1).
    pub fn real_delay(&self, local_ms: u64) -> u64 {
        if self.exact.is_some() {
            return local_ms.max(1);
        }
        ((local_ms as f64 / self.rate).ceil() as u64).max(1)
    }

    /// From simulated time `now_ms` on, the clock jumps by `offset_ms` and runs at `rate`
    /// (1.0 is exact; 1.05 gains 5%, 0.5 runs at half speed).
    pub fn adjust(&mut self, now_ms: u64, offset_ms: i64, rate: f64) {
        let local = self.anchor_local + (now_ms as f64 - self.anchor_real as f64) * self.rate;
        self.anchor_real = now_ms;
        self.anchor_local = (local + offset_ms as f64).max(0.0);
        self.rate = rate;
        let whole = self.anchor_local as u64;
        self.exact = (rate == 1.0 && whole as f64 == self.anchor_local).then_some(whole);
    }

    /// Current rate.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drift_and_offset_change_local_time_continuously() {
        let mut c = Clock::default();
        assert_eq!(c.local(1_000), 1_000);
        c.adjust(1_000, 0, 0.5);
        assert_eq!(c.local(3_000), 2_000, "half speed after t=1s");
        assert_eq!(c.rate(), 0.5);
        assert_eq!(c.real_delay(100), 200);
        assert_eq!(c.real_at(2_000), 3_000);
        c.adjust(3_000, 500, 1.0);
        assert_eq!(c.local(3_000), 2_500, "an offset jumps");
        assert_eq!(c.local(4_000), 3_500);
        assert!(c.exact.is_some(), "back to integer arithmetic");
        assert_eq!((c.real_at(3_500), c.real_delay(7), c.local(2_000)), (4_000, 7, 1_500));
        c.adjust(4_000, -5_000, 1.0);
        assert_eq!((c.local(4_000), c.local(5_000), c.real_at(0), c.real_at(10)), (0, 1_000, 4_000, 4_010));
    }
}
