//! The load balancer's state machine: per coordinator a window of answers, the requests in
//! flight and a back-off; one rule per strategy to choose among them. Pure: time and random
//! draws come from the caller.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::config::{BalancerConfig, Strategy};
use super::window::Window;
use crate::actor::Addr;

/// Error fraction at or above which `zone_aware` no longer counts a coordinator as healthy.
pub const UNHEALTHY_ERRORS: f64 = 0.5;
/// Least weight `health_weighted` gives a coordinator that is not backed off, so one whose
/// window looks bad still gets an occasional request and its window can recover.
pub const WEIGHT_FLOOR: f64 = 0.02;

/// How one attempt at a coordinator ended, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// It replied (successfully, or with a routing answer such as `NotPrimary`) after `latency_ms`.
    Replied { latency_ms: u64 },
    /// It replied with a failure (a quorum timeout) or never replied in time.
    Failed { latency_ms: u64 },
    /// It refused the connection (down, or overloaded).
    Refused,
}

#[derive(Clone, Debug)]
struct Coordinator {
    addr: Addr,
    zone: u16,
    window: Window,
    outstanding: u32,
    /// Errors in a row since its last good answer.
    failures: u32,
    /// Not chosen before this time (ms) unless every other is backed off too.
    backoff_until: u64,
}

/// One balancer, shared by the clients of a workload group (see `Balancer`).
#[derive(Clone, Debug)]
pub struct LoadBalancer {
    cfg: BalancerConfig,
    coords: Vec<Coordinator>,
    /// Where `round_robin` goes next, and where ties are broken from.
    cursor: usize,
    /// Scratch list of the candidates of a choice (kept to avoid an allocation per choice).
    candidates: Vec<usize>,
}

impl LoadBalancer {
    /// A balancer over `coordinators` (address and zone; at least one, addresses ascending).
    pub fn new(cfg: BalancerConfig, coordinators: &[(Addr, u16)]) -> Self {
        assert!(!coordinators.is_empty(), "a balancer needs a coordinator");
        assert!(coordinators.windows(2).all(|w| w[0].0 < w[1].0), "coordinators ascending by address");
        let coords = coordinators
            .iter()
            .map(|&(addr, zone)| Coordinator {
                addr,
                zone,
                window: Window::new(cfg.window, cfg.window_ms),
                outstanding: 0,
                failures: 0,
                backoff_until: 0,
            })
            .collect();
        LoadBalancer { cfg, coords, cursor: 0, candidates: Vec::new() }
    }

    fn index(&self, addr: Addr) -> Option<usize> {
        self.coords.binary_search_by_key(&addr, |c| c.addr).ok()
    }

    /// Chooses the coordinator of an attempt at `now_ms` for a client in `zone`, other than
    /// `not` (the one that just refused) while there is another; counts it in flight.
    pub fn pick(&mut self, now_ms: u64, zone: u16, not: Option<Addr>, rng: &mut ChaCha8Rng) -> Addr {
        let not = not.and_then(|a| self.index(a));
        self.candidates(now_ms, not);
        let i = match self.cfg.strategy {
            Strategy::Random => self.candidates[rng.random_range(0..self.candidates.len() as u32) as usize],
            Strategy::RoundRobin => self.rotate_first(),
            Strategy::LeastOutstanding => self.least_outstanding(|_| true),
            Strategy::PowerOfTwo => self.power_of_two(now_ms, rng),
            Strategy::HealthWeighted => self.health_weighted(now_ms, rng),
            Strategy::ZoneAware => self.zone_aware(now_ms, zone),
        };
        self.cursor = (i + 1) % self.coords.len();
        self.coords[i].outstanding += 1;
        self.coords[i].addr
    }

    /// Records how an attempt at `addr` ended at `now_ms`: no longer in flight, its answer in
    /// the window, and a back-off after an error (`base × 2^(errors in a row − 1)`, at most
    /// `max`; deterministic, no jitter) or none after a reply.
    pub fn done(&mut self, now_ms: u64, addr: Addr, answer: Answer) {
        let Some(i) = self.index(addr) else { return };
        let (base, max) = (self.cfg.backoff_base_ms, self.cfg.backoff_max_ms);
        let c = &mut self.coords[i];
        c.outstanding = c.outstanding.saturating_sub(1);
        let error = match answer {
            Answer::Replied { latency_ms } => {
                c.window.push(now_ms, latency_ms, false);
                false
            }
            Answer::Failed { latency_ms } => {
                c.window.push(now_ms, latency_ms, true);
                true
            }
            Answer::Refused => {
                c.window.push(now_ms, 0, true);
                true
            }
        };
        if error {
            c.failures = c.failures.saturating_add(1);
            let delay = base.saturating_mul(1u64 << (c.failures - 1).min(32)).min(max);
            c.backoff_until = c.backoff_until.max(now_ms + delay);
        } else {
            c.failures = 0;
            c.backoff_until = 0;
        }
    }

    /// Fills `candidates` with the coordinators not backed off at `now_ms` (and not `not`);
    /// when every one is, the one whose back-off ends first; `not` itself only when alone.
    fn candidates(&mut self, now_ms: u64, not: Option<usize>) {
        self.candidates.clear();
        let allowed = |i: usize| Some(i) != not;
        self.candidates
            .extend((0..self.coords.len()).filter(|&i| allowed(i) && self.coords[i].backoff_until <= now_ms));
        if self.candidates.is_empty() {
            let soonest = (0..self.coords.len()).filter(|&i| allowed(i)).min_by_key(|&i| self.coords[i].backoff_until);
            self.candidates.push(soonest.or(not).unwrap_or(0));
        }
    }

    /// The first candidate at or after the cursor (in address order, wrapping).
    fn rotate_first(&self) -> usize {
        let n = self.coords.len();
        *self.candidates.iter().min_by_key(|&&i| (i + n - self.cursor) % n).expect("a candidate")
    }

    /// Fewest in flight among the candidates `keep` accepts (all when it accepts none); ties
    /// to the first from the cursor on.
    fn least_outstanding(&self, keep: impl Fn(usize) -> bool) -> usize {
        let n = self.coords.len();
        let cursor = self.cursor;
        let key = |i: &usize| (self.coords[*i].outstanding, (*i + n - cursor) % n);
        let kept = self.candidates.iter().copied().filter(|&i| keep(i)).min_by_key(key);
        kept.or_else(|| self.candidates.iter().copied().min_by_key(key)).expect("a candidate")
    }

    /// The lowest mean latency among the candidates' windows (1 ms when none has one).
    fn best_mean(&mut self, now_ms: u64) -> f64 {
        let mut best = f64::INFINITY;
        for &i in &self.candidates {
            let w = &mut self.coords[i].window;
            w.expire(now_ms);
            if let Some(m) = w.mean_latency_ms() {
                best = best.min(m);
            }
        }
        if best.is_finite() {
            best
        } else {
            1.0
        }
    }

    /// Health of candidate `i` (its window already expired by `best_mean`).
    fn health(&self, i: usize, best: f64) -> f64 {
        self.coords[i].window.health(best)
    }

    /// Two distinct candidates drawn at random; the one with the higher
    /// `health / (1 + in flight)`, the first drawn on a tie.
    fn power_of_two(&mut self, now_ms: u64, rng: &mut ChaCha8Rng) -> usize {
        let m = self.candidates.len() as u32;
        if m == 1 {
            return self.candidates[0];
        }
        let a = rng.random_range(0..m);
        let b = (a + 1 + rng.random_range(0..m - 1)) % m;
        let (a, b) = (self.candidates[a as usize], self.candidates[b as usize]);
        let best = self.best_mean(now_ms);
        let score = |i: usize| self.health(i, best) / f64::from(1 + self.coords[i].outstanding);
        if score(b) > score(a) {
            b
        } else {
            a
        }
    }

    /// A candidate drawn with probability proportional to its health (at least `WEIGHT_FLOOR`).
    fn health_weighted(&mut self, now_ms: u64, rng: &mut ChaCha8Rng) -> usize {
        let best = self.best_mean(now_ms);
        let weight = |i: usize| self.health(i, best).max(WEIGHT_FLOOR);
        let total: f64 = self.candidates.iter().map(|&i| weight(i)).sum();
        let mut draw = rng.random_range(0.0..total);
        for &i in &self.candidates {
            draw -= weight(i);
            if draw < 0.0 {
                return i;
            }
        }
        *self.candidates.last().expect("a candidate")
    }

    /// Least in flight among the healthy candidates of the client's zone (error fraction below
    /// `UNHEALTHY_ERRORS` over the window); when it has none, among the healthy ones of any
    /// zone; when no candidate is healthy, among all.
    fn zone_aware(&mut self, now_ms: u64, zone: u16) -> usize {
        for &i in &self.candidates {
            self.coords[i].window.expire(now_ms);
        }
        let healthy = |i: usize| self.coords[i].window.error_fraction() < UNHEALTHY_ERRORS;
        let home = |i: usize| self.coords[i].zone == zone && healthy(i);
        if self.candidates.iter().any(|&i| home(i)) {
            self.least_outstanding(home)
        } else {
            self.least_outstanding(healthy)
        }
    }

    /// Chooses among `coordinators` (ascending) from now on: those it knew keep their window,
    /// requests in flight and back-off; new ones start fresh, in the zone `zone_of` gives.
    pub fn set_coordinators(&mut self, coordinators: &[Addr], zone_of: impl Fn(Addr) -> u16) {
        assert!(!coordinators.is_empty(), "a balancer needs a coordinator");
        if self.coords.iter().map(|c| c.addr).eq(coordinators.iter().copied()) {
            return;
        }
        let (window, window_ms) = (self.cfg.window, self.cfg.window_ms);
        let mut old = std::mem::take(&mut self.coords).into_iter().peekable();
        for &addr in coordinators {
            while old.peek().is_some_and(|c| c.addr < addr) {
                old.next();
            }
            let kept = old.next_if(|c| c.addr == addr);
            self.coords.push(kept.unwrap_or_else(|| Coordinator {
                addr,
                zone: zone_of(addr),
                window: Window::new(window, window_ms),
                outstanding: 0,
                failures: 0,
                backoff_until: 0,
            }));
        }
        assert!(self.coords.windows(2).all(|w| w[0].addr < w[1].addr), "coordinators ascending by address");
        self.cursor %= self.coords.len();
    }

    /// Requests in flight at `addr` (for tests and reports).
    pub fn outstanding(&self, addr: Addr) -> u32 {
        self.index(addr).map_or(0, |i| self.coords[i].outstanding)
    }

    /// The time until which `addr` is backed off (0 when it is not).
    pub fn backoff_until(&self, addr: Addr) -> u64 {
        self.index(addr).map_or(0, |i| self.coords[i].backoff_until)
    }
}
