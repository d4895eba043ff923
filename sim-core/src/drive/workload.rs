//! Workload generation: when each client issues what, from the scenario's workload groups.

use std::sync::Arc;

use nodes::client::{PlannedOp, Workload};

use super::recorder::consistency;
use crate::history::OpKind;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::scenario::model::{KeyDist, WorkloadGroup};

/// Cumulative Zipf probabilities over `0..keys`, shared by all clients of a group.
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

/// One client's share of a workload group: a Poisson arrival process at `rate / clients`.
pub struct ClientWorkload {
    group: Arc<WorkloadGroup>,
    zipf: Option<Arc<ZipfTable>>,
    rng: ChaCha8Rng,
    next_at_ms: f64,
}

impl ClientWorkload {
    /// A client of `group` drawing from `rng`; `zipf` must be given for Zipf key popularity.
    pub fn new(group: Arc<WorkloadGroup>, zipf: Option<Arc<ZipfTable>>, rng: ChaCha8Rng) -> Self {
        let mut w = ClientWorkload { next_at_ms: group.start_ms as f64, group, zipf, rng };
        w.next_at_ms += w.gap_ms(w.next_at_ms);
        w
    }

    fn gap_ms(&mut self, at_ms: f64) -> f64 {
        let per_client_per_ms = self.group.rate.at(at_ms as u64) / self.group.clients as f64 / 1000.0;
        let u: f64 = self.rng.random_range(f64::MIN_POSITIVE..1.0);
        -u.ln() / per_client_per_ms
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
            rate: RateSchedule { base_per_s: rate, changes },
            keys: 100,
            key_dist: KeyDist::Uniform,
            reads: 0.25,
            read_consistency: Level::One,
            write_consistency: Level::All,
            send_context: true,
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
    fn zipf_prefers_low_keys() {
        let t = ZipfTable::new(1000, 1.0);
        let mut rng = stream(1, Stream::Workload, 0);
        let hits = (0..10_000).filter(|_| t.sample(&mut rng) < 10).count();
        // With s = 1 and 1000 keys, the top 10 keys take about 39% of draws.
        assert!((3_500..4_300).contains(&hits), "{hits}");
    }
}
