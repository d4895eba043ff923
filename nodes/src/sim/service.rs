//! Service times in the shell: which messages cost a node's workers what, and each node's
//! pool ([`Workers`]). Off unless a scenario gives nodes a capacity; then every costed
//! message waits for a worker and is delivered when its service ends, or is rejected when the
//! node's queue is full (a client's request is then refused, anything else dropped).

use rand_chacha::ChaCha8Rng;

use super::latency::Latency;
use crate::actor::Addr;
use crate::actor::Input;
use crate::capacity::workers::{WorkerStats, Workers};
use crate::control::Ctl;
use crate::coordinator::{ClientAnswer, Reply};
use crate::handoff::HandoffMsg;
use crate::message::{Msg, NodeInput};
use crate::replica::ReplicaRequest;

/// What a request costs, by what it asks of the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Coordinating a client's request (or a write forwarded to the primary).
    Coordinate,
    /// Reading a key on a replica.
    Read,
    /// Writing a key on a replica (a hinted write delivered included).
    Write,
    /// Repairing (read repair, damaged-record repair, anti-entropy).
    Repair,
    /// Migration traffic: copying a shard's data to its new replica.
    Migration,
}

impl Work {
    /// Every kind, in report order.
    pub const ALL: [Work; 5] = [Work::Coordinate, Work::Read, Work::Write, Work::Repair, Work::Migration];

    /// The kind's name in scenarios and reports.
    pub fn name(self) -> &'static str {
        match self {
            Work::Coordinate => "coordinate",
            Work::Read => "read",
            Work::Write => "write",
            Work::Repair => "repair",
            Work::Migration => "migration",
        }
    }

    /// The work a message asks of the node it reaches; `None` for what costs nothing here
    /// (control plane, gossip, answers, timers).
    pub fn of(input: &NodeInput) -> Option<Work> {
        let Input::Msg { msg, .. } = input else { return None };
        Some(match msg {
            Msg::Request(_) | Msg::Forward(_) => Work::Coordinate,
            Msg::Replica(ReplicaRequest::Read { .. }) => Work::Read,
            Msg::Replica(ReplicaRequest::Write { .. }) | Msg::Handoff(HandoffMsg::Deliver { .. }) => Work::Write,
            Msg::Replica(ReplicaRequest::Repair { .. }) | Msg::Repair(_) | Msg::AntiEntropy(_) => Work::Repair,
            Msg::Ctl(Ctl::Migrate(m)) if m.is_data() => Work::Migration,
            _ => return None,
        })
    }
}

/// A node's capacity: its workers, queue bound and service time of each kind of work.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// Requests served at once.
    pub workers: u32,
    /// Requests that may wait for a worker; one more is rejected.
    pub queue: u32,
    /// Service time of each kind, in [`Work::ALL`] order.
    pub times: [Latency; 5],
}

impl ServiceConfig {
    /// The service time distribution of `work`.
    pub fn time(&self, work: Work) -> &Latency {
        &self.times[work as usize]
    }
}

/// What became of a costed input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    /// Its service ends within this tick: deliver it now.
    Now,
    /// Deliver it at this later tick.
    At(u64),
    /// The queue was full.
    Rejected,
}

/// Every node's pool, and the stream service times are drawn from.
pub(super) struct Service {
    cfg: ServiceConfig,
    rng: ChaCha8Rng,
    /// By node address.
    pools: Vec<Workers>,
    /// Per node address: messages sent, messages received, error answers sent to clients
    /// (node stats; counted only when nodes have a capacity, so other runs pay nothing).
    traffic: Vec<Traffic>,
}

/// A node's message counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Messages it sent.
    pub sent: u64,
    /// Messages that reached it (before admission: rejected ones included).
    pub received: u64,
    /// Answers it gave clients that were errors: timeouts, no primary, shard moving.
    pub error_answers: u64,
    /// Replica reads its workers admitted (its store's reads).
    pub reads: u64,
    /// Replica writes, repairs and migration chunks its workers admitted (its store's writes).
    pub writes: u64,
}

impl Service {
    pub(super) fn new(cfg: ServiceConfig, rng: ChaCha8Rng, nodes: usize) -> Self {
        let pools = (0..nodes).map(|_| Workers::new(cfg.workers, cfg.queue)).collect();
        Service { cfg, rng, pools, traffic: vec![Traffic::default(); nodes] }
    }

    /// `from` sent `msg` (anything but a node is not counted).
    #[inline]
    pub(super) fn sent(&mut self, from: Addr, msg: &Msg) {
        if let Some(t) = self.traffic.get_mut(from as usize) {
            t.sent += 1;
            if let Msg::Answer(ClientAnswer::Reply {
                reply:
                    Reply::Timeout { .. }
                    | Reply::NotPrimary { .. }
                    | Reply::ShardMoving { .. }
                    | Reply::SiblingBound { .. }
                    | Reply::Fenced { .. },
                ..
            }) = msg
            {
                t.error_answers += 1;
            }
        }
    }

    /// A message reached `to` (anything but a node is not counted).
    #[inline]
    pub(super) fn received(&mut self, to: Addr) {
        if let Some(t) = self.traffic.get_mut(to as usize) {
            t.received += 1;
        }
    }

    /// Each node's message counts, by node address.
    pub(super) fn traffic(&self) -> &[Traffic] {
        &self.traffic
    }

    /// Admits `work` arriving at `node` at tick `now_ms`. A service shorter than what is left
    /// of the tick is delivered in it: ticks are milliseconds, service times microseconds.
    pub(super) fn admit(&mut self, node: Addr, now_ms: u64, work: Work) -> Served {
        let us = (self.cfg.time(work).sample_ms(&mut self.rng) * 1_000.0).round().max(1.0) as u64;
        let done = self.pools[node as usize].admit(now_ms * 1_000, us);
        if let (Some(t), Some(_)) = (self.traffic.get_mut(node as usize), done) {
            match work {
                Work::Read => t.reads += 1,
                Work::Write | Work::Repair | Work::Migration => t.writes += 1,
                Work::Coordinate => {}
            }
        }
        match done {
            None => Served::Rejected,
            Some(done_us) if done_us / 1_000 <= now_ms => Served::Now,
            Some(done_us) => Served::At(done_us / 1_000),
        }
    }

    /// A node (re)booted: its queue went with the old process.
    pub(super) fn reset(&mut self, node: Addr) {
        self.pools[node as usize].reset();
    }

    /// Each node's counters, and its queue length at `now_ms`.
    pub(super) fn stats(&mut self, now_ms: u64) -> Vec<(WorkerStats, usize)> {
        self.pools.iter_mut().map(|p| (p.stats(), p.queue_len(now_ms * 1_000))).collect()
    }

    /// Workers per node.
    pub(super) fn workers(&self) -> u32 {
        self.cfg.workers
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn service(ms: f64, workers: u32, queue: u32) -> Service {
        let c = Latency::Constant { ms };
        let cfg = ServiceConfig { workers, queue, times: [c.clone(), c.clone(), c.clone(), c.clone(), c] };
        Service::new(cfg, ChaCha8Rng::seed_from_u64(1), 2)
    }

    #[test]
    fn replica_reads_and_writes_cost_their_own_kinds_of_work() {
        let replica = |request| Input::Msg { from: 0, msg: Msg::Replica(request) };
        let read = replica(ReplicaRequest::Read { req: 1, key: 1, fence: None, epoch: 0 });
        assert_eq!(Work::of(&read), Some(Work::Read));
        use crate::storage::version::{Context, Dot, Versioned};
        let item = std::sync::Arc::new(Versioned {
            dot: Dot { node: 0, counter: 1 },
            context: Context::new(),
            stamp: 0,
            value: 1,
        });
        let write = replica(ReplicaRequest::Write { req: 2, key: 1, item: item.clone(), fence: None, epoch: 0 });
        assert_eq!(Work::of(&write), Some(Work::Write));
        assert_eq!(Work::of(&replica(ReplicaRequest::Repair { req: 3, key: 1, item })), Some(Work::Repair));
    }

    #[test]
    fn sub_millisecond_work_is_served_in_its_tick_until_the_workers_fall_behind() {
        let mut s = service(0.4, 1, 8);
        assert_eq!(s.admit(0, 10, Work::Read), Served::Now); // 10.000-10.400
        assert_eq!(s.admit(0, 10, Work::Read), Served::Now); // 10.400-10.800
        assert_eq!(s.admit(0, 10, Work::Read), Served::At(11)); // 10.800-11.200
        assert_eq!(s.admit(1, 10, Work::Read), Served::Now, "another node's workers are free");
        let stats = s.stats(10);
        assert_eq!((stats[0].0.admitted, stats[0].1), (3, 2));
    }

    #[test]
    fn a_full_queue_rejects_until_a_reset() {
        let mut s = service(5.0, 1, 1);
        assert_eq!(s.admit(0, 0, Work::Write), Served::At(5));
        assert_eq!(s.admit(0, 0, Work::Write), Served::At(10));
        assert_eq!(s.admit(0, 0, Work::Write), Served::Rejected);
        s.reset(0);
        assert_eq!(s.admit(0, 1, Work::Write), Served::At(6));
    }
}
