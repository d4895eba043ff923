//! NodeStats (seed 000): each node's CPU (busy fraction of its workers), memory (keys and
//! versions held, requests queued), network and disk I/O, errors and a health score, sampled
//! on a fixed simulated interval into bounded windows.
//!
//! The shell reads each node's cumulative counters ([`NodeCounters`]) every interval; the
//! difference from the previous reading is one [`NodeSample`]. Seed 000's security
//! considerations are enforced here: a sample with a NaN, infinite, negative or out-of-range
//! metric, a counter that went backwards or a time before the newest sample's is refused and
//! counted, never stored (metric validation); each node keeps at most `window` samples, at most
//! `max_nodes` nodes are tracked, and the product of the two is capped (resource limits).
//! Nothing here knows madsim or a clock.

use std::collections::VecDeque;

/// Most samples a node's window holds.
pub const WINDOW_MAX: usize = 3_600;
/// Most nodes tracked.
pub const NODES_MAX: usize = 1_024;
/// Most samples held over all windows (`window × nodes`): about 40 MB of [`NodeSample`]s.
pub const SAMPLES_MAX: usize = 262_144;

/// Busy fraction above which a node's CPU starts to count against its health.
pub const CPU_KNEE: f64 = 0.8;

/// How often, how much and how many nodes are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeStatsConfig {
    /// The sampling interval (simulated ms, at least 1).
    pub interval_ms: u64,
    /// Samples kept per node (1..=[`WINDOW_MAX`]).
    pub window: usize,
    /// Nodes tracked (1..=[`NODES_MAX`]); nodes with higher addresses are refused.
    pub max_nodes: usize,
}

impl Default for NodeStatsConfig {
    fn default() -> Self {
        NodeStatsConfig { interval_ms: 1_000, window: 60, max_nodes: NODES_MAX }
    }
}

impl NodeStatsConfig {
    /// The same settings brought within the caps: a window of 1..=[`WINDOW_MAX`], 1..=
    /// [`NODES_MAX`] nodes, and at most [`SAMPLES_MAX`] samples in all (the window shrinks).
    pub fn capped(self) -> Self {
        let max_nodes = self.max_nodes.clamp(1, NODES_MAX);
        let window = self.window.clamp(1, WINDOW_MAX).min(SAMPLES_MAX / max_nodes).max(1);
        NodeStatsConfig { interval_ms: self.interval_ms.max(1), window, max_nodes }
    }
}

/// A node's counters as the shell reads them: cumulative since the run began, except the
/// gauges (`queue`, `keys`, `versions`) which are the values at the reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCounters {
    /// The node's process is up (a down node is not sampled: it serves nothing to measure).
    pub up: bool,
    /// Worker time taken by admitted requests (µs).
    pub busy_us: u64,
    /// Requests its workers admitted.
    pub admitted: u64,
    /// Requests its full queue rejected.
    pub rejected: u64,
    /// Requests waiting for a worker now.
    pub queue: u64,
    /// Keys its store holds now.
    pub keys: u64,
    /// Versions (siblings included) its store holds now.
    pub versions: u64,
    /// Messages it sent.
    pub sent: u64,
    /// Messages that reached it.
    pub received: u64,
    /// Replica reads served (each reads its store).
    pub disk_reads: u64,
    /// Replica writes, repairs and migration chunks served (each writes its store).
    pub disk_writes: u64,
    /// Syncs of its store to disk.
    pub fsyncs: u64,
    /// Errors it produced besides rejections: timeouts and refusals it answered clients with,
    /// replica requests it refused.
    pub errors: u64,
}

/// One node over one interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeSample {
    /// End of the interval (simulated ms).
    pub at_ms: u64,
    /// Busy fraction of its workers in `[0, 1]`: worker time admitted over worker time
    /// available (work admitted beyond the interval counts in it, so a backlog reads as 1).
    pub cpu: f64,
    /// Requests queued at the sample.
    pub queue: u64,
    /// The queue's fill in `[0, 1]` (a node without a queue reads 1 when anything waits).
    pub queue_fill: f64,
    /// Keys held.
    pub keys: u64,
    /// Versions held.
    pub versions: u64,
    /// Messages sent in the interval.
    pub sent: u64,
    /// Messages received in the interval.
    pub received: u64,
    /// Replica reads served in the interval.
    pub disk_reads: u64,
    /// Replica writes (repairs, migration chunks) served in the interval.
    pub disk_writes: u64,
    /// Syncs in the interval.
    pub fsyncs: u64,
    /// Requests offered to its workers in the interval (admitted and rejected).
    pub requests: u64,
    /// Rejections, timeouts and refusals in the interval.
    pub errors: u64,
    /// Errors over requests, in `[0, 1]`.
    pub error_rate: f64,
    /// The health score, in `[0, 1]` (see [`health`]).
    pub health: f64,
}

/// Why a sample was not stored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Refused {
    /// A metric is NaN or infinite.
    NotFinite(&'static str),
    /// A metric is negative or above its range.
    OutOfRange(&'static str, f64),
    /// A cumulative counter is below its previous reading.
    CounterWentBack(&'static str),
    /// The sample is older than the newest one stored.
    TimeWentBack { at_ms: u64, newest_ms: u64 },
    /// The node's address is beyond the nodes tracked.
    Untracked(u32),
}

/// A node's health in `[0, 1]` from its busy fraction, queue fill and error rate:
///
/// `1 − 0.4·clamp((cpu − 0.8) / 0.2, 0, 1) − 0.3·queue_fill − 0.3·error_rate`
///
/// Why these terms: up to about 80 % busy a pool of workers queues little, and beyond it the
/// waiting time grows steeply (it diverges as utilisation nears 1), so CPU counts only above
/// the knee; a filling queue is latency already paid and rejection close; the error rate is
/// what clients see. The weights sum to 1: a saturated node with a full queue failing
/// everything scores 0, an idle healthy one 1, and any one term alone leaves at least 0.6, so
/// a low score means trouble on several fronts. The score never rises when any input does.
/// Inputs out of range are clamped; a NaN input gives NaN (and the sample is refused).
pub fn health(cpu: f64, queue_fill: f64, error_rate: f64) -> f64 {
    let cpu_penalty = ((cpu - CPU_KNEE) / (1.0 - CPU_KNEE)).clamp(0.0, 1.0);
    let h = 1.0 - 0.4 * cpu_penalty - 0.3 * queue_fill.clamp(0.0, 1.0) - 0.3 * error_rate.clamp(0.0, 1.0);
    if h.is_nan() {
        h
    } else {
        h.clamp(0.0, 1.0)
    }
}

impl NodeSample {
    /// The interval from reading `prev` (at `prev_ms`) to `now` (at `at_ms`), for a node of
    /// `workers` workers and a queue of `queue_limit`.
    pub fn between(
        (prev_ms, prev): (u64, &NodeCounters),
        (at_ms, now): (u64, &NodeCounters),
        workers: u32,
        queue_limit: u32,
    ) -> Result<NodeSample, Refused> {
        if at_ms < prev_ms {
            return Err(Refused::TimeWentBack { at_ms, newest_ms: prev_ms });
        }
        let d = |name: &'static str, a: u64, b: u64| b.checked_sub(a).ok_or(Refused::CounterWentBack(name));
        let busy_us = d("busy", prev.busy_us, now.busy_us)?;
        let admitted = d("admitted", prev.admitted, now.admitted)?;
        let rejected = d("rejected", prev.rejected, now.rejected)?;
        let errors = rejected + d("errors", prev.errors, now.errors)?;
        let requests = admitted + rejected;
        let capacity_us = f64::from(workers) * (at_ms - prev_ms) as f64 * 1_000.0;
        // A backlog reads as 1; no worker time at all (NaN, infinite) is left for validation.
        let raw = busy_us as f64 / capacity_us;
        let cpu = if raw.is_finite() { raw.min(1.0) } else { raw };
        let queue_fill = match queue_limit {
            0 => f64::from(u8::from(now.queue > 0)),
            q => now.queue as f64 / f64::from(q),
        };
        let error_rate = if errors == 0 { 0.0 } else { errors as f64 / requests.max(errors) as f64 };
        Ok(NodeSample {
            at_ms,
            cpu,
            queue: now.queue,
            queue_fill,
            keys: now.keys,
            versions: now.versions,
            sent: d("sent", prev.sent, now.sent)?,
            received: d("received", prev.received, now.received)?,
            disk_reads: d("disk_reads", prev.disk_reads, now.disk_reads)?,
            disk_writes: d("disk_writes", prev.disk_writes, now.disk_writes)?,
            fsyncs: d("fsyncs", prev.fsyncs, now.fsyncs)?,
            requests,
            errors,
            error_rate,
            health: health(cpu, queue_fill, error_rate),
        })
    }

    /// Checks every fractional metric is finite and within `[0, 1]`.
    pub fn validate(&self) -> Result<(), Refused> {
        for (name, v) in [
            ("cpu", self.cpu),
            ("queue_fill", self.queue_fill),
            ("error_rate", self.error_rate),
            ("health", self.health),
        ] {
            if !v.is_finite() {
                return Err(Refused::NotFinite(name));
            }
            if !(0.0..=1.0).contains(&v) {
                return Err(Refused::OutOfRange(name, v));
            }
        }
        Ok(())
    }
}

/// A node's figures over the whole run (the window holds only the last samples).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NodeTotals {
    /// Samples stored.
    pub samples: u64,
    /// Intervals the node was down (not sampled).
    pub down: u64,
    /// Samples refused.
    pub refused: u64,
    /// Sum of busy fractions (mean = sum / samples).
    pub cpu_sum: f64,
    /// Highest busy fraction.
    pub cpu_max: f64,
    /// Most keys held.
    pub peak_keys: u64,
    /// Most versions held.
    pub peak_versions: u64,
    /// Longest queue.
    pub peak_queue: u64,
    /// Messages sent.
    pub sent: u64,
    /// Messages received.
    pub received: u64,
    /// Replica reads served.
    pub disk_reads: u64,
    /// Replica writes served.
    pub disk_writes: u64,
    /// Syncs.
    pub fsyncs: u64,
    /// Rejections, timeouts and refusals.
    pub errors: u64,
    /// Lowest health (1 before any sample).
    pub health_min: f64,
    /// Sum of health scores (mean = sum / samples).
    pub health_sum: f64,
}

impl NodeTotals {
    fn add(&mut self, s: &NodeSample) {
        if self.samples == 0 {
            self.health_min = 1.0;
        }
        self.samples += 1;
        self.cpu_sum += s.cpu;
        self.cpu_max = self.cpu_max.max(s.cpu);
        self.peak_keys = self.peak_keys.max(s.keys);
        self.peak_versions = self.peak_versions.max(s.versions);
        self.peak_queue = self.peak_queue.max(s.queue);
        self.sent += s.sent;
        self.received += s.received;
        self.disk_reads += s.disk_reads;
        self.disk_writes += s.disk_writes;
        self.fsyncs += s.fsyncs;
        self.errors += s.errors;
        self.health_min = self.health_min.min(s.health);
        self.health_sum += s.health;
    }

    /// Mean busy fraction (0 without samples).
    pub fn cpu_mean(&self) -> f64 {
        self.cpu_sum / self.samples.max(1) as f64
    }

    /// Mean health (1 without samples).
    pub fn health_mean(&self) -> f64 {
        if self.samples == 0 {
            1.0
        } else {
            self.health_sum / self.samples as f64
        }
    }
}

/// One tracked node.
#[derive(Clone, Debug, Default)]
struct Tracked {
    /// The previous reading and when it was taken.
    last: Option<(u64, NodeCounters)>,
    window: VecDeque<NodeSample>,
    totals: NodeTotals,
}

/// Every node's window and totals.
#[derive(Clone, Debug)]
pub struct NodeStats {
    cfg: NodeStatsConfig,
    workers: u32,
    queue_limit: u32,
    /// By node address (at most `max_nodes`).
    nodes: Vec<Tracked>,
    /// Readings refused because their node was beyond the nodes tracked.
    untracked: u64,
}

impl NodeStats {
    /// Stats for nodes of `workers` workers and a queue of `queue_limit`, the config capped.
    pub fn new(cfg: NodeStatsConfig, workers: u32, queue_limit: u32) -> Self {
        NodeStats { cfg: cfg.capped(), workers, queue_limit, nodes: Vec::new(), untracked: 0 }
    }

    /// The settings in force (capped).
    pub fn config(&self) -> NodeStatsConfig {
        self.cfg
    }

    /// Takes `node`'s reading at `at_ms`: the interval since its previous reading becomes a
    /// sample, stored if valid. The first reading of a node (or the first after it was down)
    /// only sets the baseline. Returns the sample stored, if any.
    pub fn observe(&mut self, node: u32, at_ms: u64, counters: &NodeCounters) -> Result<Option<NodeSample>, Refused> {
        let i = node as usize;
        if i >= self.cfg.max_nodes {
            self.untracked += 1;
            return Err(Refused::Untracked(node));
        }
        if self.nodes.len() <= i {
            self.nodes.resize_with(i + 1, Tracked::default);
        }
        let (workers, queue_limit) = (self.workers, self.queue_limit);
        let t = &mut self.nodes[i];
        let prev = t.last.replace((at_ms, *counters));
        if !counters.up {
            t.totals.down += 1;
            t.last = None;
            return Ok(None);
        }
        let Some((prev_ms, prev)) = prev.filter(|(_, c)| c.up) else { return Ok(None) };
        let sample = NodeSample::between((prev_ms, &prev), (at_ms, counters), workers, queue_limit);
        self.store(node, sample).map(Some)
    }

    /// Stores `sample` for `node` after validating it (a refusal is counted).
    pub fn record(&mut self, node: u32, sample: NodeSample) -> Result<NodeSample, Refused> {
        let i = node as usize;
        if i >= self.cfg.max_nodes {
            self.untracked += 1;
            return Err(Refused::Untracked(node));
        }
        if self.nodes.len() <= i {
            self.nodes.resize_with(i + 1, Tracked::default);
        }
        self.store(node, Ok(sample))
    }

    fn store(&mut self, node: u32, sample: Result<NodeSample, Refused>) -> Result<NodeSample, Refused> {
        let window = self.cfg.window;
        let t = &mut self.nodes[node as usize];
        let checked = sample.and_then(|s| {
            s.validate()?;
            match t.window.back() {
                Some(newest) if s.at_ms < newest.at_ms => {
                    Err(Refused::TimeWentBack { at_ms: s.at_ms, newest_ms: newest.at_ms })
                }
                _ => Ok(s),
            }
        });
        let s = match checked {
            Ok(s) => s,
            Err(e) => {
                t.totals.refused += 1;
                return Err(e);
            }
        };
        if t.window.len() == window {
            t.window.pop_front();
        }
        t.window.push_back(s);
        t.totals.add(&s);
        Ok(s)
    }

    /// `node`'s window, oldest first (empty for a node never sampled).
    pub fn window(&self, node: u32) -> impl Iterator<Item = &NodeSample> + '_ {
        self.nodes.get(node as usize).into_iter().flat_map(|t| t.window.iter())
    }

    /// `node`'s totals (`None` for a node never read).
    pub fn totals(&self, node: u32) -> Option<&NodeTotals> {
        self.nodes.get(node as usize).map(|t| &t.totals)
    }

    /// Nodes read so far (addresses `0..tracked()`).
    pub fn tracked(&self) -> usize {
        self.nodes.len()
    }

    /// Readings refused because their node was beyond the nodes tracked.
    pub fn untracked(&self) -> u64 {
        self.untracked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(window: usize, max_nodes: usize) -> NodeStatsConfig {
        NodeStatsConfig { interval_ms: 1_000, window, max_nodes }
    }

    /// Counters after `s` seconds of a node 40% busy (2 workers), sending 10 messages a second.
    fn at(s: u64) -> NodeCounters {
        NodeCounters {
            up: true,
            busy_us: s * 800_000,
            admitted: s * 100,
            sent: s * 10,
            received: s * 12,
            disk_writes: s * 5,
            keys: 7,
            versions: 9,
            ..NodeCounters::default()
        }
    }

    fn sample(at_ms: u64, cpu: f64) -> NodeSample {
        let (s0, s1) = (at(0), at(1));
        let s = NodeSample::between((0, &s0), (1_000, &s1), 2, 10).unwrap();
        NodeSample { at_ms, cpu, health: health(cpu, 0.0, 0.0), ..s }
    }

    #[test]
    fn an_interval_becomes_a_sample_of_its_differences() {
        let mut st = NodeStats::new(cfg(10, 8), 2, 10);
        assert_eq!(st.observe(0, 1_000, &at(1)), Ok(None), "the first reading is the baseline");
        let s = st.observe(0, 2_000, &at(2)).unwrap().unwrap();
        assert!((s.cpu - 0.4).abs() < 1e-12);
        assert_eq!((s.sent, s.received, s.disk_writes, s.keys, s.versions, s.requests), (10, 12, 5, 7, 9, 100));
        assert_eq!(s.health, 1.0, "40% busy, nothing queued, no errors");
        assert_eq!(st.totals(0).unwrap().samples, 1);
    }

    #[test]
    fn the_window_keeps_the_last_k_samples_and_the_totals_all() {
        let mut st = NodeStats::new(cfg(3, 8), 2, 10);
        for s in 0..=10 {
            st.observe(1, s * 1_000, &at(s)).unwrap();
        }
        let times: Vec<u64> = st.window(1).map(|s| s.at_ms).collect();
        assert_eq!(times, vec![8_000, 9_000, 10_000]);
        assert_eq!(st.totals(1).unwrap().samples, 10);

        assert_eq!(st.totals(1).unwrap().sent, 100);
        assert_eq!(st.window(0).count(), 0, "node 0 was never read");
    }

    #[test]
    fn totals_keep_the_mean_and_the_lowest_health() {
        let mut st = NodeStats::new(cfg(3, 8), 2, 10);
        st.observe(0, 0, &at(0)).unwrap();
        let base = st.observe(0, 1_000, &at(1)).unwrap().expect("a sample");
        let mut t = NodeTotals::default();
        assert_eq!((t.health_mean(), t.samples), (1.0, 0), "healthy before any sample");
        for health in [0.5, 1.0, 0.75] {
            t.add(&NodeSample { health, ..base });
        }
        assert_eq!((t.health_mean(), t.health_min), (0.75, 0.5));
    }

    #[test]
    fn the_caps_hold_whatever_is_asked() {
        let c = NodeStatsConfig { interval_ms: 0, window: 1_000_000, max_nodes: 1_000_000 }.capped();
        assert_eq!((c.interval_ms, c.max_nodes), (1, NODES_MAX));
        assert!(c.window * c.max_nodes <= SAMPLES_MAX && c.window >= 1);
        let c = NodeStatsConfig { interval_ms: 5, window: 0, max_nodes: 0 }.capped();
        assert_eq!((c.window, c.max_nodes), (1, 1));
        let mut st = NodeStats::new(cfg(4, 2), 2, 10);
        assert_eq!(st.observe(2, 0, &at(0)), Err(Refused::Untracked(2)));
        assert_eq!(st.record(5, sample(0, 0.5)), Err(Refused::Untracked(5)));
        assert_eq!((st.tracked(), st.untracked()), (0, 2), "no room taken for refused nodes");
    }

    #[test]
    fn invalid_samples_are_refused_counted_and_never_stored() {
        let mut st = NodeStats::new(cfg(10, 4), 2, 10);
        let bad = [
            (sample(1_000, f64::NAN), Refused::NotFinite("cpu")),
            (sample(1_000, -0.1), Refused::OutOfRange("cpu", -0.1)),
            (sample(1_000, 1.5), Refused::OutOfRange("cpu", 1.5)),
            (NodeSample { queue_fill: f64::INFINITY, ..sample(1_000, 0.5) }, Refused::NotFinite("queue_fill")),
            (NodeSample { error_rate: -1.0, ..sample(1_000, 0.5) }, Refused::OutOfRange("error_rate", -1.0)),
            (NodeSample { health: 2.0, ..sample(1_000, 0.5) }, Refused::OutOfRange("health", 2.0)),
        ];
        for (s, why) in bad {
            assert_eq!(st.record(0, s), Err(why));
        }
        assert_eq!(st.window(0).count(), 0);
        assert_eq!(st.record(0, sample(5_000, 0.5)).map(|s| s.at_ms), Ok(5_000));
        assert_eq!(st.record(0, sample(4_000, 0.5)), Err(Refused::TimeWentBack { at_ms: 4_000, newest_ms: 5_000 }));
        let t = st.totals(0).unwrap();
        assert_eq!((t.samples, t.refused), (1, 7));
    }

    #[test]
    fn a_counter_that_goes_back_or_a_zero_capacity_is_refused() {
        let mut st = NodeStats::new(cfg(10, 4), 2, 10);
        st.observe(0, 1_000, &at(5)).unwrap();
        assert_eq!(st.observe(0, 2_000, &at(4)), Err(Refused::CounterWentBack("busy")));
        // Two readings at the same time: no worker time at all to be busy in.
        assert_eq!(st.observe(0, 2_000, &at(6)), Err(Refused::NotFinite("cpu")));
        let mut zero = NodeStats::new(cfg(10, 4), 0, 10);
        zero.observe(0, 0, &at(0)).unwrap();
        assert_eq!(zero.observe(0, 1_000, &at(1)), Err(Refused::NotFinite("cpu")));
        assert_eq!(st.totals(0).unwrap().refused, 2);
    }

    #[test]
    fn a_down_node_is_not_sampled_and_restarts_from_a_new_baseline() {
        let mut st = NodeStats::new(cfg(10, 4), 2, 10);
        st.observe(0, 0, &at(0)).unwrap();
        assert_eq!(st.observe(0, 1_000, &NodeCounters { up: false, ..at(1) }), Ok(None));
        assert_eq!(st.observe(0, 2_000, &at(2)), Ok(None), "a baseline again");
        assert!(st.observe(0, 3_000, &at(3)).unwrap().is_some());
        let t = st.totals(0).unwrap();
        assert_eq!((t.samples, t.down), (1, 1));
    }

    #[test]
    fn health_never_rises_when_an_input_does() {
        let steps: Vec<f64> = (0..=20).map(|i| f64::from(i) / 20.0).collect();
        for &a in &steps {
            for &b in &steps {
                for w in steps.windows(2) {
                    let (lo, hi) = (w[0], w[1]);
                    assert!(health(hi, a, b) <= health(lo, a, b), "cpu {lo} -> {hi}");
                    assert!(health(a, hi, b) <= health(a, lo, b), "queue {lo} -> {hi}");
                    assert!(health(a, b, hi) <= health(a, b, lo), "errors {lo} -> {hi}");
                }
            }
        }
        assert_eq!(health(0.8, 0.0, 0.0), 1.0, "no penalty up to the knee");
        assert!(health(0.9, 0.0, 0.0) < 1.0);
        assert!(health(1.0, 1.0, 1.0).abs() < 1e-12, "everything wrong at once");
        assert!((health(1.0, 0.0, 0.0) - 0.6).abs() < 1e-12);
        assert!(health(f64::NAN, 0.0, 0.0).is_nan());
    }

    #[test]
    fn rejections_and_errors_make_the_error_rate() {
        let prev = at(0);
        let now = NodeCounters { rejected: 25, errors: 25, queue: 5, ..at(1) };
        let s = NodeSample::between((0, &prev), (1_000, &now), 2, 10).unwrap();
        assert_eq!((s.requests, s.errors), (125, 50));
        assert!((s.error_rate - 0.4).abs() < 1e-12 && (s.queue_fill - 0.5).abs() < 1e-12);
        assert!((s.health - (1.0 - 0.15 - 0.12)).abs() < 1e-12);
    }
}
