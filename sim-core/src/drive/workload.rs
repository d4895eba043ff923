//! Workload generation: when each client issues what, from the scenario's workload groups.

use std::sync::Arc;

use nodes::client::{PlannedOp, Workload};

use super::recorder::consistency;
use crate::history::OpKind;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::scenario::model::{KeyDist, WorkloadGroup};

pub use crate::scenario::budget::ZIPF_TABLE_KEYS_MAX;

/// Zipf key popularity over `0..keys` (key 0 most popular), shared by all clients of a group:
/// exact inversion of a table for key spaces up to [`ZIPF_TABLE_KEYS_MAX`], rejection-inversion
/// sampling (which needs no table) above it, so memory does not grow with the key space.
#[derive(Debug)]
pub enum Zipf {
    /// Cumulative probabilities of every key.
    Table(ZipfTable),
    /// Rejection-inversion sampling without a table.
    Rejection(ZipfRejection),
}

impl Zipf {
    /// The sampler for `keys` keys with exponent `s`.
    pub fn new(keys: u64, s: f64) -> Zipf {
        if keys <= ZIPF_TABLE_KEYS_MAX {
            Zipf::Table(ZipfTable::new(keys, s))
        } else {
            Zipf::Rejection(ZipfRejection::new(keys, s))
        }
    }

    /// Draws a key.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        match self {
            Zipf::Table(t) => t.sample(rng),
            Zipf::Rejection(r) => r.sample(rng),
        }
    }
}

/// Cumulative Zipf probabilities over `0..keys`.
#[derive(Debug)]
pub struct ZipfTable {
    cdf: Vec<f64>,
}

impl ZipfTable {
    /// Builds the table for `keys` keys with exponent `s` (key 0 is the most popular).
    pub fn new(keys: u64, s: f64) -> Self {
        let mut cdf = Vec::with_capacity(keys as usize);
        let mut total = 0.0;
        for k in 1..=keys {
            total += 1.0 / (k as f64).powf(s);
            cdf.push(total);
        }
        cdf.iter_mut().for_each(|c| *c /= total);
        ZipfTable { cdf }
    }

    /// Draws a key.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        let u: f64 = rng.random_range(0.0..1.0);
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1) as u64
    }
}

/// Zipf sampling by rejection-inversion (W. Hörmann and G. Derflinger, "Rejection-inversion to
/// generate variates from monotone discrete distributions", 1996; the form of Apache Commons
/// Math's `ZipfRejectionInversionSampler`): a few arithmetic operations a draw, no table.
#[derive(Debug)]
pub struct ZipfRejection {
    keys: f64,
    exponent: f64,
    h_integral_x1: f64,
    h_integral_keys: f64,
    s: f64,
}

/// Most rounds of rejection per draw; each is accepted with probability above 0.9, so this
/// bound is never reached in practice, but it is a bound.
const REJECTION_ROUNDS_MAX: u32 = 64;

impl ZipfRejection {
    /// The sampler for `keys` keys (at least 1) with exponent `exponent` (> 0).
    pub fn new(keys: u64, exponent: f64) -> Self {
        let mut z = ZipfRejection { keys: keys as f64, exponent, h_integral_x1: 0.0, h_integral_keys: 0.0, s: 0.0 };
        z.h_integral_x1 = z.h_integral(1.5) - 1.0;
        z.h_integral_keys = z.h_integral(z.keys + 0.5);
        z.s = 2.0 - z.h_integral_inverse(z.h_integral(2.5) - z.h(2.0));
        z
    }

    /// Draws a key in `0..keys`.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        let mut k = 1.0;
        for _ in 0..REJECTION_ROUNDS_MAX {
            let v: f64 = rng.random_range(0.0..1.0);
            let u = self.h_integral_keys + v * (self.h_integral_x1 - self.h_integral_keys);
            let x = self.h_integral_inverse(u);
            k = (x + 0.5).floor().clamp(1.0, self.keys);
            if k - x <= self.s || u >= self.h_integral(k + 0.5) - self.h(k) {
                break;
            }
        }
        k as u64 - 1
    }

    fn h(&self, x: f64) -> f64 {
        (-self.exponent * x.ln()).exp()
    }

    fn h_integral(&self, x: f64) -> f64 {
        let log_x = x.ln();
        helper2((1.0 - self.exponent) * log_x) * log_x
    }

    fn h_integral_inverse(&self, x: f64) -> f64 {
        let t = (x * (1.0 - self.exponent)).max(-1.0);
        (helper1(t) * x).exp()
    }
}

/// `ln(1 + x) / x`, accurate near 0.
fn helper1(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.ln_1p() / x
    } else {
        1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }
}

/// `(e^x - 1) / x`, accurate near 0.
fn helper2(x: f64) -> f64 {
    if x.abs() > 1e-8 {
        x.exp_m1() / x
    } else {
        1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x))
    }
}

/// One client's share of a workload group: a Poisson arrival process at `rate / clients`.
pub struct ClientWorkload {
    group: Arc<WorkloadGroup>,
    zipf: Option<Arc<Zipf>>,
    rng: ChaCha8Rng,
    next_at_ms: f64,
}

impl ClientWorkload {
    /// A client of `group` drawing from `rng`; `zipf` must be given for Zipf key popularity.
    pub fn new(group: Arc<WorkloadGroup>, zipf: Option<Arc<Zipf>>, rng: ChaCha8Rng) -> Self {
        let mut w = ClientWorkload { next_at_ms: group.start_ms as f64, group, zipf, rng };
        w.next_at_ms += w.gap_ms(w.next_at_ms);
        w
    }

    /// How long after `at_ms` the next operation arrives. A steady group draws an exponential
    /// gap at the rate in force at `at_ms`; a shaped group follows its rate exactly.
    fn gap_ms(&mut self, at_ms: f64) -> f64 {
        if !self.group.rate.shape.is_steady() {
            return self.shaped_arrival_ms(at_ms) - at_ms;
        }
        let per_client_per_ms = self.group.rate.at(at_ms as u64) / self.group.clients as f64 / 1000.0;
        let u: f64 = self.rng.random_range(f64::MIN_POSITIVE..1.0);
        -u.ln() / per_client_per_ms
    }
}

/// Most candidate arrivals one shaped arrival draws; with bounds as tight as a shape's
/// segments give, it is never reached, but it is a bound.
const CANDIDATES_MAX: u32 = 1 << 20;

impl ClientWorkload {
    /// The next arrival after `from_ms` of a Poisson process whose rate follows the group's
    /// shape, by thinning (Lewis and Shedler, 1979): candidates come at the bound of the
    /// shape's current segment, each kept with probability rate / bound; a candidate past the
    /// segment's end restarts from there at the next bound (exact: the process has no memory).
    /// Segments ignore the daily cycle (bounded by 1): at least half the candidates are kept
    /// over a period, and a client does not step through eighths of every period it sleeps.
    fn shaped_arrival_ms(&mut self, from_ms: f64) -> f64 {
        let (rate, clients) = (&self.group.rate, self.group.clients as f64);
        let stop_ms = self.group.stop_ms as f64;
        let mut t = from_ms;
        for _ in 0..CANDIDATES_MAX {
            if t >= stop_ms {
                return t;
            }
            let segment = rate.shape.segment(rate.base_per_s, t, false, stop_ms);
            let bound_per_ms = segment.bound_per_s / clients / 1_000.0;
            if bound_per_ms <= 0.0 {
                t = segment.end_ms;
                continue;
            }
            let u: f64 = self.rng.random_range(f64::MIN_POSITIVE..1.0);
            let candidate = t - u.ln() / bound_per_ms;
            if candidate >= segment.end_ms {
                t = segment.end_ms;
                continue;
            }
            t = candidate;
            let keep: f64 = self.rng.random_range(0.0..1.0);
            if keep * segment.bound_per_s < rate.at_ms_f64(t) {
                return t;
            }
        }
        t
    }
}

impl Workload for ClientWorkload {
    fn next_op(&mut self, now_ms: u64) -> Option<PlannedOp> {
        // A client that fell behind (slow operations) issues at once and does not try to
        // catch up: each client has one operation in flight, like a Jepsen process.
        let at = self.next_at_ms.max(now_ms as f64);
        if at >= self.group.stop_ms as f64 {
            return None;
        }
        self.next_at_ms = at + self.gap_ms(at);
        let read = self.rng.random_bool(self.group.reads);
        let kind = if read { OpKind::Read } else { OpKind::Write };
        let key = match (&self.group.key_dist, &self.zipf) {
            (KeyDist::Zipf(_), Some(table)) => table.sample(&mut self.rng),
            _ => self.rng.random_range(0..self.group.keys),
        };
        let level = consistency(self.group.consistency(kind));
        let kind = if read { nodes::OpKind::Read } else { nodes::OpKind::Write };
        Some(PlannedOp { at_ms: at.ceil() as u64, kind, key, consistency: level })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Level;
    use crate::scenario::model::RateSchedule;
    use crate::seed::{stream, Stream};
    use nodes::Consistency;

    fn group(rate: f64, changes: Vec<(u64, f64)>) -> Arc<WorkloadGroup> {
        Arc::new(WorkloadGroup {
            clients: 2,
            rate: RateSchedule::steps(rate, changes),
            keys: 100,
            key_dist: KeyDist::Uniform,
            reads: 0.25,
            read_consistency: Level::One,
            write_consistency: Level::All,
            send_context: true,
            retry: Default::default(),
            start_ms: 0,
            stop_ms: 100_000,
        })
    }

    fn drain(mut w: ClientWorkload) -> Vec<PlannedOp> {
        std::iter::from_fn(|| {
            let op = w.next_op(0)?;
            Some(op)
        })
        .collect()
    }

    #[test]
    fn arrivals_follow_the_rate_and_its_changes() {
        let g = group(200.0, vec![(50_000, 20.0)]);
        let ops = drain(ClientWorkload::new(g, None, stream(1, Stream::Workload, 0)));
        let first = ops.iter().filter(|o| o.at_ms < 50_000).count() as f64;
        let second = ops.iter().filter(|o| o.at_ms >= 50_000).count() as f64;
        // One client of two: 100/s for 50 s, then 10/s for 50 s.
        assert!((first - 5_000.0).abs() < 250.0, "{first}");
        assert!((second - 500.0).abs() < 80.0, "{second}");
        let read = |o: &PlannedOp| o.kind == nodes::OpKind::Read;
        let reads = ops.iter().filter(|o| read(o)).count() as f64 / ops.len() as f64;
        assert!((reads - 0.25).abs() < 0.02, "{reads}");
        assert!(ops.iter().all(|o| o.consistency == if read(o) { Consistency::One } else { Consistency::All }));
    }

    #[test]
    fn shaped_arrivals_follow_the_shape_exactly() {
        use crate::scenario::shape::{Daily, Pulse, Shape};
        let mut g = (*group(100.0, vec![])).clone();
        g.rate.shape = Shape {
            daily: Some(Daily { period_ms: 40_000, low: 0.2, peak_at_ms: 10_000 }),
            spikes: vec![Pulse { at_ms: 60_000, for_ms: 10_000, factor: 5.0 }],
            ..Shape::default()
        };
        let g = Arc::new(g);
        let ops: Vec<PlannedOp> = (0..g.clients)
            .flat_map(|c| drain(ClientWorkload::new(g.clone(), None, stream(4, Stream::Workload, c))))
            .collect();
        // Expected counts per 5 s window: the shape integrated over it, against the draws.
        for w in 0..20u64 {
            let (from, to) = (w * 5_000, (w + 1) * 5_000);
            let expected = g.rate.shape.operations(100.0, from, to);
            let seen = ops.iter().filter(|o| (from..to).contains(&o.at_ms)).count() as f64;
            assert!((seen - expected).abs() < 4.0 * expected.sqrt() + 2.0, "{from}..{to}: {seen} vs {expected}");
        }
        let again: Vec<u64> = drain(ClientWorkload::new(g.clone(), None, stream(4, Stream::Workload, 0)))
            .iter()
            .map(|o| o.at_ms)
            .collect();
        let first: Vec<u64> =
            drain(ClientWorkload::new(g, None, stream(4, Stream::Workload, 0))).iter().map(|o| o.at_ms).collect();
        assert_eq!(again, first, "a pure function of the seed");
    }

    #[test]
    fn zipf_prefers_low_keys() {
        let t = ZipfTable::new(1000, 1.0);
        let mut rng = stream(1, Stream::Workload, 0);
        let hits = (0..10_000).filter(|_| t.sample(&mut rng) < 10).count();
        // With s = 1 and 1000 keys, the top 10 keys take about 39% of draws.
        assert!((3_500..4_300).contains(&hits), "{hits}");
    }

    #[test]
    fn rejection_sampling_draws_the_same_distribution_as_the_table() {
        for s in [0.5, 0.99, 1.0, 1.5] {
            let (table, rejection) = (ZipfTable::new(1000, s), ZipfRejection::new(1000, s));
            let mut rng = stream(2, Stream::Workload, 0);
            let share = |draw: &mut dyn FnMut(&mut ChaCha8Rng) -> u64, rng: &mut ChaCha8Rng| {
                let draws: Vec<u64> = (0..40_000).map(|_| draw(rng)).collect();
                assert!(draws.iter().all(|&k| k < 1000));
                [1, 10, 100].map(|top| draws.iter().filter(|&&k| k < top).count() as f64 / draws.len() as f64)
            };
            let a = share(&mut |r| table.sample(r), &mut rng);
            let b = share(&mut |r| rejection.sample(r), &mut rng);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() < 0.02, "s = {s}: table {a:?}, rejection {b:?}");
            }
        }
    }

    #[test]
    fn a_billion_keys_need_no_table() {
        let z = Zipf::new(1_000_000_000, 0.99);
        assert!(matches!(z, Zipf::Rejection(_)));
        assert!(
            matches!(Zipf::new(ZIPF_TABLE_KEYS_MAX, 0.99), Zipf::Table(_)),
            "small key spaces keep the exact table"
        );
        let mut rng = stream(3, Stream::Workload, 0);
        let draws: Vec<u64> = (0..10_000).map(|_| z.sample(&mut rng)).collect();
        assert!(draws.iter().all(|&k| k < 1_000_000_000));
        // P(key 0) = 1 / H(1e9, 0.99), about 4.2%.
        let zeros = draws.iter().filter(|&&k| k == 0).count();
        assert!((300..560).contains(&zeros), "key 0 is the most popular: {zeros}");
        assert!(draws.iter().any(|&k| k > 1_000_000), "and the tail reaches far keys");
    }
}
