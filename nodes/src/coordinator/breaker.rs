//! The circuit breaker of one coordinator: per replica, K timeouts within a window open it (the
//! coordinator stops choosing the replica for targeted reads); after the probe delay the next
//! request that includes the replica is its probe, and the probe's answer in time closes it
//! again. A timed-out probe opens it for another probe delay.
//!
//! A replica "times out" when it was asked for a request and had not answered by the request's
//! deadline, whether or not the request itself had completed through other replicas: a slow
//! replica hidden by fast ones is still slow.

use std::collections::{BTreeMap, VecDeque};

use super::config::BreakerConfig;
use crate::actor::Addr;

/// Most timeouts a breaker may be set to count (bounds its memory per replica).
pub const BREAKER_TIMEOUTS_MAX: u32 = 64;

#[derive(Debug)]
enum State {
    /// Healthy, with the times of its recent timeouts (at most K).
    Closed { timeouts: VecDeque<u64> },
    /// Unhealthy until a probe may be sent at local time `until`.
    Open { until: u64 },
    /// Request `req` is probing it.
    Probing { req: u64 },
}

/// What a breaker did with an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Nothing that is counted.
    None,
    /// A healthy replica's breaker opened.
    Opened,
    /// A probe failed: open again.
    Reopened,
    /// A probe succeeded: closed.
    Closed,
}

/// The breakers of one coordinator, by replica. Replicas without an entry are healthy with no
/// recent timeout.
#[derive(Debug)]
pub(super) struct Breakers {
    cfg: BreakerConfig,
    states: BTreeMap<Addr, State>,
    /// Replicas whose breaker is open or probing: zero in a healthy cluster, so the common
    /// case asks nothing of the map.
    unhealthy: usize,
}

impl Breakers {
    pub(super) fn new(cfg: BreakerConfig) -> Self {
        assert!((1..=BREAKER_TIMEOUTS_MAX).contains(&cfg.timeouts), "a breaker counts 1 to 64 timeouts");
        Breakers { cfg, states: BTreeMap::new(), unhealthy: 0 }
    }

    /// True when some replica's breaker is not closed.
    #[inline]
    pub(super) fn any_unhealthy(&self) -> bool {
        self.unhealthy > 0
    }

    /// True unless `replica`'s breaker is open or probing.
    #[inline]
    pub(super) fn healthy(&self, replica: Addr) -> bool {
        self.unhealthy == 0 || matches!(self.states.get(&replica), None | Some(State::Closed { .. }))
    }

    /// True when `replica`'s breaker is open and its probe delay ran out by `now`.
    pub(super) fn probe_due(&self, replica: Addr, now: u64) -> bool {
        self.unhealthy > 0 && matches!(self.states.get(&replica), Some(State::Open { until }) if *until <= now)
    }

    /// Request `req` probes `replica` (its probe was due).
    pub(super) fn probe(&mut self, replica: Addr, req: u64) {
        if let Some(state @ State::Open { .. }) = self.states.get_mut(&replica) {
            *state = State::Probing { req };
        }
    }

    /// `replica` answered request `req` before its deadline.
    pub(super) fn answered(&mut self, replica: Addr, req: u64) -> Change {
        match self.states.get(&replica) {
            Some(State::Probing { req: probe }) if *probe == req => {
                self.states.remove(&replica);
                self.unhealthy -= 1;
                Change::Closed
            }
            _ => Change::None,
        }
    }

    /// `replica` had not answered request `req` by its deadline, local time `now`.
    pub(super) fn timed_out(&mut self, replica: Addr, req: u64, now: u64) -> Change {
        let (k, window, probe) = (self.cfg.timeouts as usize, self.cfg.window_ms, self.cfg.probe_ms);
        let state = self.states.entry(replica).or_insert_with(|| State::Closed { timeouts: VecDeque::new() });
        match state {
            State::Closed { timeouts } => {
                timeouts.push_back(now);
                if timeouts.len() > k {
                    timeouts.pop_front();
                }
                let first = timeouts[0];
                if timeouts.len() == k && now.saturating_sub(first) <= window {
                    *state = State::Open { until: now + probe };
                    self.unhealthy += 1;
                    return Change::Opened;
                }
                Change::None
            }
            State::Probing { req: p } if *p == req => {
                *state = State::Open { until: now + probe };
                Change::Reopened
            }
            // Requests sent before the breaker opened time out while it is open: it knows.
            State::Open { .. } | State::Probing { .. } => Change::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breakers() -> Breakers {
        Breakers::new(BreakerConfig { timeouts: 3, window_ms: 2_000, probe_ms: 1_000 })
    }

    #[test]
    fn k_timeouts_within_the_window_open_the_breaker() {
        let mut b = breakers();
        assert_eq!(b.timed_out(7, 1, 100), Change::None);
        assert_eq!(b.timed_out(7, 2, 900), Change::None);
        assert!(b.healthy(7) && !b.any_unhealthy());
        assert_eq!(b.timed_out(7, 3, 2_100), Change::Opened);
        assert!(!b.healthy(7) && b.healthy(8), "only that replica");
        assert_eq!(b.timed_out(7, 4, 2_200), Change::None, "already open");
    }

    #[test]
    fn timeouts_spread_wider_than_the_window_do_not_open_it() {
        let mut b = breakers();
        for (req, t) in [(1, 0), (2, 1_500), (3, 3_000), (4, 4_500), (5, 6_000)] {
            assert_eq!(b.timed_out(7, req, t), Change::None, "at {t}");
        }
        assert!(b.healthy(7));
    }

    #[test]
    fn a_probe_is_due_after_the_probe_delay_and_its_answer_closes_the_breaker() {
        let mut b = breakers();
        for req in 1..=3 {
            b.timed_out(7, req, 500);
        }
        assert!(!b.probe_due(7, 1_499) && b.probe_due(7, 1_500));
        b.probe(7, 10);
        assert!(!b.probe_due(7, 1_600) && !b.healthy(7), "one probe at a time; still unhealthy");
        assert_eq!(b.answered(7, 9), Change::None, "an answer to another request does not close it");
        assert_eq!(b.answered(7, 10), Change::Closed);
        assert!(b.healthy(7) && !b.any_unhealthy());
        assert_eq!(b.timed_out(7, 11, 1_700), Change::None, "closed with a clean slate");
    }

    #[test]
    fn a_probe_that_times_out_opens_the_breaker_for_another_probe_delay() {
        let mut b = breakers();
        for req in 1..=3 {
            b.timed_out(7, req, 500);
        }
        b.probe(7, 10);
        assert_eq!(b.timed_out(7, 4, 1_600), Change::None, "an older request's timeout is not the probe's");
        assert_eq!(b.timed_out(7, 10, 1_800), Change::Reopened);
        assert!(!b.probe_due(7, 2_799) && b.probe_due(7, 2_800));
        assert!(!b.healthy(7));
    }
}
