//! A storage node that is also a quorum coordinator, as a pure state machine.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;

use crate::actor::{Input, Outbox, Timer, Wake};
use crate::control::{Control, ControlConfig, ControlDurable, ControlOut};
use crate::message::{Addr, Msg, Reply};
use crate::observer::Event;
use crate::placement::ShardMap;
use crate::store::Store;
use crate::version::{add_sibling, VersionVector, Versioned};

/// Settings of a storage node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// How long a coordinator waits for W or R answers before failing the request.
    pub request_timeout_ms: u64,
    /// Leader election and shard assignment settings.
    pub control: ControlConfig,
    /// Number of storage nodes (all take part in elections).
    pub nodes: u32,
    /// Only a shard's primary coordinates writes to it (others forward), so writes to a shard
    /// are serialized and produce no siblings.
    pub writes_via_primary: bool,
}

/// A client write as a coordinator receives it.
#[derive(Clone, Debug)]
struct WriteReq {
    client: Addr,
    op: u64,
    key: u64,
    w: u8,
    value: u64,
    /// The version the client had seen; the new version descends from it.
    context: VersionVector,
}

/// A request this node coordinates, waiting for replica answers.
#[derive(Debug)]
struct Pending {
    client: Addr,
    op: u64,
    key: u64,
    required: u8,
    /// Bit i set when replica i of the key's replica set answered; duplicated messages
    /// from one replica must not count twice toward W or R.
    answered: u64,
    kind: PendingKind,
}

#[derive(Debug)]
enum PendingKind {
    /// `fence`: set when written as the shard's primary, to remember the version afterwards.
    Write {
        version: VersionVector,
        fence: Option<u64>,
    },
    Read {
        versions: Vec<Versioned>,
    },
    /// A primary's quorum read before its first write to a key in this tenure.
    PrimaryRead {
        write: WriteReq,
        fence: u64,
        versions: Vec<Versioned>,
    },
}

impl Pending {
    fn answers(&self) -> u8 {
        self.answered.count_ones() as u8
    }

    /// Marks `replica` as answered; false for a replica outside the key's replica set
    /// (`replicas`) or a repeat answer.
    fn mark(&mut self, replicas: &[Addr], replica: Addr) -> bool {
        let Some(i) = replicas.iter().position(|&r| r == replica) else {
            return false;
        };
        let bit = 1u64 << i;
        let fresh = self.answered & bit == 0;
        self.answered |= bit;
        fresh
    }
}

/// The requests a coordinator waits on, by id. Ids are handed out in sequence, so this is a
/// ring indexed by id: no tree and no allocation per request (a boxed request in a B-tree
/// was). Finished requests at the front are dropped as they come, so it holds about one
/// timeout's worth of requests.
#[derive(Debug, Default)]
struct Requests {
    /// Id of `slots[0]`.
    first: u64,
    slots: VecDeque<Option<Pending>>,
    live: usize,
}

impl Requests {
    fn insert(&mut self, req: u64, p: Pending) {
        if self.slots.is_empty() {
            self.first = req;
        }
        assert_eq!(req, self.first + self.slots.len() as u64, "request ids are handed out in sequence");
        self.slots.push_back(Some(p));
        self.live += 1;
    }

    fn index(&self, req: u64) -> Option<usize> {
        req.checked_sub(self.first).map(|i| i as usize).filter(|&i| i < self.slots.len())
    }

    fn get(&self, req: u64) -> Option<&Pending> {
        self.index(req).and_then(|i| self.slots[i].as_ref())
    }

    fn get_mut(&mut self, req: u64) -> Option<&mut Pending> {
        self.index(req).and_then(|i| self.slots[i].as_mut())
    }

    fn contains(&self, req: u64) -> bool {
        self.get(req).is_some()
    }

    fn remove(&mut self, req: u64) -> Option<Pending> {
        let i = self.index(req)?;
        let p = self.slots[i].take()?;
        self.live -= 1;
        while let Some(None) = self.slots.front() {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(p)
    }

    fn len(&self) -> usize {
        self.live
    }

    fn clear(&mut self) {
        self.slots.clear();
        self.live = 0;
    }

    /// The oldest request still pending (tests).
    #[cfg(test)]
    fn first(&self) -> Option<u64> {
        self.slots.iter().position(Option::is_some).map(|i| self.first + i as u64)
    }
}

/// One storage node: replica for the shards placed on it, coordinator for any key.
pub struct StorageNode {
    id: Addr,
    cfg: NodeConfig,
    shards: Arc<ShardMap>,
    store: Store,
    pending: Requests,
    next_req: u64,
    /// Always `Some` outside `boot`, which rebuilds it from its durable part.
    control: Option<Control>,
    control_out: ControlOut,
    /// Local time of the input being handled.
    now: u64,
    /// Per shard, the highest fence a primary announced here: older fenced writes are refused.
    /// Kept across restarts, like the store.
    fences: BTreeMap<u32, u64>,
    /// As primary: the latest version written per key, tagged with the tenure's fence, so
    /// only the first write to a key in a tenure needs a quorum read.
    primary_cache: BTreeMap<u64, (u64, VersionVector)>,
    /// Timeout of every request begun, earliest first (completed ones are skipped lazily).
    deadlines: BinaryHeap<Reverse<(u64, u64)>>,
    /// The one timer armed for the earliest request deadline.
    request_wake: Wake,
    /// The one timer armed for the control plane's next wake-up.
    control_wake: Wake,
}

impl StorageNode {
    /// A node with durable state `store`, not yet booted; `rng` drives its election timeouts.
    pub fn new(id: Addr, cfg: NodeConfig, shards: Arc<ShardMap>, store: Store, rng: ChaCha8Rng) -> Self {
        let durable = ControlDurable::new(shards.shards());
        let replicas = shards.shared_replica_sets();
        let control = Control::new(id, cfg.nodes, cfg.control.clone(), replicas, durable, rng, 0);
        StorageNode {
            id,
            cfg,
            shards,
            store,
            pending: Requests::default(),
            next_req: 0,
            control: Some(control),
            control_out: ControlOut::default(),
            now: 0,
            fences: BTreeMap::new(),
            primary_cache: BTreeMap::new(),
            deadlines: BinaryHeap::new(),
            request_wake: Wake::default(),
            control_wake: Wake::default(),
        }
    }

    /// Starts a life of the node at local time `now`: volatile state is rebuilt from the
    /// durable parts, as after a crash. `incarnation` keeps request ids of different lives
    /// apart so a late answer to a previous life never matches a new request.
    pub fn boot(&mut self, now: u64, incarnation: u32, out: &mut Outbox) {
        self.pending.clear();
        self.primary_cache.clear();
        self.deadlines.clear();
        // The previous life's timers died with it.
        self.request_wake = Wake::default();
        self.control_wake = Wake::default();
        self.now = now;
        self.next_req = (incarnation as u64) << 40;
        let (durable, rng) = self.control.take().expect("control present").into_parts();
        let replicas = self.shards.shared_replica_sets();
        self.control =
            Some(Control::new(self.id, self.cfg.nodes, self.cfg.control.clone(), replicas, durable, rng, now));
        self.arm_control(out);
    }

    fn arm_control(&mut self, out: &mut Outbox) {
        let at = self.control().next_wake(self.now);
        self.control_wake.ensure(self.now, at, out, |at| Timer::ControlTick { at });
    }

    /// The control plane (election and assignment state).
    pub fn control(&self) -> &Control {
        self.control.as_ref().expect("control present")
    }

    fn run_control(&mut self, out: &mut Outbox, step: impl FnOnce(&mut Control, &mut ControlOut)) {
        let control = self.control.as_mut().expect("control present");
        step(control, &mut self.control_out);
        for (to, msg) in self.control_out.sends.drain(..) {
            out.send(to, Msg::Ctl(msg));
        }
        for event in self.control_out.events.drain(..) {
            out.event(Event::Control { node: self.id, event });
        }
    }

    /// The durable store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of requests this node is coordinating right now.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Handles one input at the node's local time `now_ms`.
    pub fn on_input(&mut self, now_ms: u64, input: Input, out: &mut Outbox) {
        self.now = now_ms;
        match input {
            Input::Msg { from, msg: Msg::Ctl(msg) } => {
                self.run_control(out, |c, o| c.on_msg(now_ms, from, msg, o));
            }
            Input::Timer(Timer::ControlTick { at }) => {
                self.control_wake.fired(at);
                self.run_control(out, |c, o| c.on_tick(now_ms, o));
            }
            Input::Msg { from, msg } => self.on_msg(from, msg, out),
            Input::Timer(Timer::RequestsDue { at }) => {
                self.request_wake.fired(at);
                while let Some(&Reverse((deadline, req))) = self.deadlines.peek() {
                    if deadline > now_ms {
                        break;
                    }
                    self.deadlines.pop();
                    self.time_out(req, out);
                }
                self.arm_requests(out);
            }
            Input::Timer(_) => {}
        }
        // Any input may move the control plane's next deadline (a heartbeat pushes back the
        // election, a vote makes a leader).
        self.arm_control(out);
    }

    /// Request `req` reached its timeout (if still pending).
    fn time_out(&mut self, req: u64, out: &mut Outbox) {
        let quorum = self.shards.n() / 2 + 1;
        if self
            .pending
            .get(req)
            .is_some_and(|p| matches!(p.kind, PendingKind::PrimaryRead { .. }) && p.answers() >= quorum)
        {
            // Not every replica answered, but a quorum did: enough to descend from
            // every acknowledged write.
            self.finish_primary_read(req, out);
            return;
        }
        if let Some(p) = self.pending.remove(req) {
            let version = match p.kind {
                PendingKind::Write { version, .. } => Some(version),
                PendingKind::Read { .. } | PendingKind::PrimaryRead { .. } => None,
            };
            let answers = p.answered.count_ones() as u8;
            out.send(p.client, Msg::ClientReply { op: p.op, reply: Reply::Timeout { version, answers } });
        }
    }

    /// Arms the request timer for the earliest deadline of a request still pending.
    fn arm_requests(&mut self, out: &mut Outbox) {
        while let Some(&Reverse((deadline, req))) = self.deadlines.peek() {
            if self.pending.contains(req) {
                self.request_wake.ensure(self.now, deadline, out, |at| Timer::RequestsDue { at });
                return;
            }
            self.deadlines.pop();
        }
    }

    fn on_msg(&mut self, from: Addr, msg: Msg, out: &mut Outbox) {
        match msg {
            Msg::ClientWrite { op, key, w, value, context } => {
                if self.cfg.writes_via_primary {
                    self.route_write(WriteReq { client: from, op, key, w, value, context }, false, out);
                } else {
                    self.write(WriteReq { client: from, op, key, w, value, context }, None, out);
                }
            }
            Msg::ForwardWrite { client, op, key, w, value, context } => {
                self.route_write(WriteReq { client, op, key, w, value, context }, true, out);
            }
            Msg::ClientRead { op, key, r } => {
                let req = self.begin(from, op, key, r, PendingKind::Read { versions: Vec::new() }, out);
                self.fan_out(req, key, out, |req, key| Msg::ReplicaRead { req, key, fence: None });
                if self.replicas_contain_self(key) {
                    let local = self.store.get(key).to_vec();
                    self.on_answer(req, self.id, Some(local), out);
                }
            }
            Msg::ReplicaWrite { req, key, item, fence } => {
                let shard = self.shards.shard_of(key);
                if fence.is_some_and(|f| f < self.fence_of(shard)) {
                    return; // a deposed primary's write: refused, so it cannot reach W
                }
                self.store.apply(key, &item);
                out.send(from, Msg::ReplicaWriteAck { req });
            }
            Msg::ReplicaRead { req, key, fence } => {
                if let Some(f) = fence {
                    let shard = self.shards.shard_of(key);
                    let known = self.fences.entry(shard).or_insert(0);
                    *known = (*known).max(f);
                }
                out.send(from, Msg::ReplicaReadReply { req, versions: self.store.get(key).to_vec() });
            }
            Msg::ReplicaWriteAck { req } => self.on_answer(req, from, None, out),
            Msg::ReplicaReadReply { req, versions } => self.on_answer(req, from, Some(versions), out),
            Msg::ClientReply { .. } | Msg::Refused { .. } | Msg::Ctl(_) => {}
        }
    }

    /// Coordinates a write: assigns its version (the context plus this node's next counter)
    /// and fans it out to the key's replicas.
    fn write(&mut self, write: WriteReq, fence: Option<u64>, out: &mut Outbox) {
        let WriteReq { client, op, key, w, value, context: mut version } = write;
        let counter = self.store.next_counter().max(version.get(self.id) + 1);
        version.set(self.id, counter);
        let item = Versioned { version: version.clone(), value };
        let req = self.begin(client, op, key, w, PendingKind::Write { version, fence }, out);
        self.fan_out(req, key, out, |req, key| Msg::ReplicaWrite { req, key, item: item.clone(), fence });
        if self.replicas_contain_self(key) {
            self.store.apply(key, &item);
            self.on_answer(req, self.id, None, out);
        }
    }

    /// With writes through primaries: write as the acting primary, forward to the primary,
    /// or refuse when nobody can take the write (it is then known not to be applied).
    fn route_write(&mut self, mut write: WriteReq, forwarded: bool, out: &mut Outbox) {
        let key = write.key;
        let shard = self.shards.shard_of(key);
        let (acting, fence, primary) = {
            let c = self.control();
            (c.is_primary(shard, self.now), c.granted_at(shard), c.primary_of(shard))
        };
        if acting {
            match self.primary_cache.get(&key) {
                Some((f, latest)) if *f == fence => {
                    write.context.merge(latest);
                    self.write(write, Some(fence), out);
                }
                _ => {
                    // First write to this key in this tenure: read a quorum so the new version
                    // descends from every acknowledged write, including the previous primary's.
                    // Ask every replica (and fence them all); the timeout settles for a quorum.
                    let n = self.shards.n();
                    let (client, op) = (write.client, write.op);
                    let kind = PendingKind::PrimaryRead { write, fence, versions: Vec::new() };
                    let req = self.begin(client, op, key, n, kind, out);
                    self.fan_out(req, key, out, |req, key| Msg::ReplicaRead { req, key, fence: Some(fence) });
                    if self.replicas_contain_self(key) {
                        let local = self.store.get(key).to_vec();
                        self.on_answer(req, self.id, Some(local), out);
                    }
                }
            }
            return;
        }
        match primary {
            Some(p) if p != self.id && !forwarded => {
                let WriteReq { client, op, key, w, value, context } = write;
                out.send(p, Msg::ForwardWrite { client, op, key, w, value, context });
            }
            _ => out.send(write.client, Msg::ClientReply { op: write.op, reply: Reply::NotPrimary }),
        }
    }

    /// The fence a write to `shard` must carry at least: the latest grant this node knows of.
    fn fence_of(&self, shard: u32) -> u64 {
        self.control().granted_at(shard).max(self.fences.get(&shard).copied().unwrap_or(0))
    }

    /// Writes as primary with a version that descends from everything the read returned.
    fn write_after_read(&mut self, mut write: WriteReq, fence: u64, versions: &[Versioned], out: &mut Outbox) {
        for v in versions {
            write.context.merge(&v.version);
        }
        self.write(write, Some(fence), out);
    }

    fn finish_primary_read(&mut self, req: u64, out: &mut Outbox) {
        if let Some(p) = self.pending.remove(req) {
            if let PendingKind::PrimaryRead { write, fence, versions } = p.kind {
                self.write_after_read(write, fence, &versions, out);
            }
        }
    }

    fn replicas_contain_self(&self, key: u64) -> bool {
        self.shards.replicas_of(key).contains(&self.id)
    }

    fn begin(&mut self, client: Addr, op: u64, key: u64, required: u8, kind: PendingKind, out: &mut Outbox) -> u64 {
        self.next_req += 1;
        let req = self.next_req;
        debug_assert!(self.shards.replicas_of(key).len() <= 64, "answer bitmask holds 64 replicas");
        self.pending.insert(req, Pending { client, op, key, required, answered: 0, kind });
        let deadline = self.now + self.cfg.request_timeout_ms;
        self.deadlines.push(Reverse((deadline, req)));
        self.request_wake.ensure(self.now, deadline, out, |at| Timer::RequestsDue { at });
        req
    }

    fn fan_out(&self, req: u64, key: u64, out: &mut Outbox, make: impl Fn(u64, u64) -> Msg) {
        for &replica in self.shards.replicas_of(key) {
            if replica != self.id {
                out.send(replica, make(req, key));
            }
        }
    }

    fn on_answer(&mut self, req: u64, replica: Addr, versions: Option<Vec<Versioned>>, out: &mut Outbox) {
        let Some(p) = self.pending.get_mut(req) else {
            return; // already complete or timed out: a late answer
        };
        // The shard map is fixed for a run, so the set is the one the request fanned out to.
        if !p.mark(self.shards.replicas_of(p.key), replica) {
            return;
        }
        if let (PendingKind::Read { versions: acc } | PendingKind::PrimaryRead { versions: acc, .. }, Some(got)) =
            (&mut p.kind, versions)
        {
            for v in &got {
                add_sibling(acc, v);
            }
        }
        if p.answers() < required_answers(p) {
            return;
        }
        let p = self.pending.remove(req).expect("present");
        let reply = match p.kind {
            PendingKind::Write { version, fence } => {
                if let Some(fence) = fence {
                    self.primary_cache.insert(p.key, (fence, version.clone()));
                }
                Reply::WriteOk { version }
            }
            PendingKind::PrimaryRead { write, fence, versions } => {
                self.write_after_read(write, fence, &versions, out);
                return;
            }
            PendingKind::Read { mut versions } => {
                versions.sort_by(|a, b| a.version.cmp(&b.version));
                Reply::ReadOk { versions }
            }
        };
        out.send(p.client, Msg::ClientReply { op: p.op, reply });
    }
}

/// Answers a pending request waits for: W or R, except in the deliberately broken
/// `bug-early-ack` build, where writes are acknowledged one replica early (at least one).
fn required_answers(p: &Pending) -> u8 {
    match p.kind {
        PendingKind::Write { .. } if crate::BUG_EARLY_ACK => p.required.saturating_sub(1).max(1),
        _ => p.required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: Addr) -> StorageNode {
        use rand::SeedableRng;
        let map = Arc::new(ShardMap::ring(&[0, 1, 2], 1, 3));
        let cfg = NodeConfig {
            request_timeout_ms: 100,
            control: ControlConfig::default(),
            nodes: 3,
            writes_via_primary: false,
        };
        let mut n = StorageNode::new(id, cfg, map, Store::new(), ChaCha8Rng::seed_from_u64(1));
        n.boot(0, 0, &mut Outbox::default());
        n
    }

    fn client_write(w: u8) -> Input {
        Input::Msg { from: 9, msg: Msg::ClientWrite { op: 1, key: 5, w, value: 77, context: VersionVector::new() } }
    }

    fn replies(out: &Outbox) -> Vec<&Reply> {
        out.sends
            .iter()
            .filter_map(|(to, m)| match m {
                Msg::ClientReply { reply, .. } if *to == 9 => Some(reply),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn write_completes_after_w_distinct_acks() {
        let mut n = node(0);
        let mut out = Outbox::default();
        n.on_input(0, client_write(3), &mut out);
        assert_eq!(out.sends.len(), 2, "fans out to the two other replicas");
        let req = match &out.sends[0].1 {
            Msg::ReplicaWrite { req, .. } => *req,
            m => panic!("unexpected {m:?}"),
        };
        let mut out = Outbox::default();
        let ack = |from| Input::Msg { from, msg: Msg::ReplicaWriteAck { req } };
        n.on_input(1, ack(1), &mut out);
        n.on_input(1, ack(1), &mut out);
        assert!(replies(&out).is_empty(), "a duplicated ack must not count twice");
        n.on_input(2, ack(2), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { .. }]));
    }

    #[test]
    fn write_times_out_with_its_version() {
        let mut n = node(0);
        let mut out = Outbox::default();
        n.on_input(0, client_write(3), &mut out);
        let due: Vec<_> = out.timers.iter().filter(|(_, t)| matches!(t, Timer::RequestsDue { .. })).collect();
        assert_eq!(due, [&(100, Timer::RequestsDue { at: 100 })], "one timer at the request's deadline");
        let mut out = Outbox::default();
        n.on_input(99, Input::Timer(Timer::RequestsDue { at: 99 }), &mut out);
        assert!(replies(&out).is_empty(), "not due yet");
        n.on_input(100, Input::Timer(Timer::RequestsDue { at: 100 }), &mut out);
        match replies(&out)[..] {
            [Reply::Timeout { version: Some(v), answers: 1 }] => assert_eq!(v.get(0), 1),
            ref r => panic!("unexpected {r:?}"),
        }
    }

    #[test]
    fn the_request_table_finds_removes_and_shrinks_in_any_completion_order() {
        let p = |op| Pending {
            client: 9,
            op,
            key: 1,
            required: 1,
            answered: 0,
            kind: PendingKind::Read { versions: vec![] },
        };
        let mut t = Requests::default();
        for req in 100..105 {
            t.insert(req, p(req));
        }
        assert_eq!((t.len(), t.first()), (5, Some(100)));
        assert_eq!(t.remove(102).map(|p| p.op), Some(102));
        assert!(t.remove(102).is_none() && !t.contains(102), "removed once");
        assert!(t.get(99).is_none() && t.get(105).is_none(), "outside the table");
        assert_eq!(t.remove(100).map(|p| p.op), Some(100));
        assert_eq!((t.first, t.slots.len()), (101, 4), "the finished front is dropped");
        assert_eq!(t.remove(101).map(|p| p.op), Some(101));
        assert_eq!((t.first, t.slots.len()), (103, 2), "and the finished slot behind it");
        t.get_mut(104).unwrap().answered = 1;
        assert_eq!(t.get(104).unwrap().answered, 1);
        t.insert(105, p(105));
        assert_eq!((t.len(), t.first()), (3, Some(103)));
        t.clear();
        t.insert(7, p(7));
        assert_eq!(t.first(), Some(7), "a new life starts anywhere");
    }

    #[test]
    fn one_request_timer_stands_for_many_requests() {
        let mut n = node(0);
        let mut out = Outbox::default();
        for t in 0..5 {
            n.on_input(t, client_write(3), &mut out);
        }
        let armed = |out: &Outbox| out.timers.iter().filter(|(_, t)| matches!(t, Timer::RequestsDue { .. })).count();
        assert_eq!(armed(&out), 1, "later deadlines are covered by the armed earlier one");
        // The first request completes; its timer finds nothing due and re-arms for the second.
        let req = n.pending.first().unwrap();
        for from in [1, 2] {
            n.on_input(20, Input::Msg { from, msg: Msg::ReplicaWriteAck { req } }, &mut out);
        }
        let mut out = Outbox::default();
        n.on_input(100, Input::Timer(Timer::RequestsDue { at: 100 }), &mut out);
        assert!(replies(&out).is_empty(), "the completed request does not time out");
        assert_eq!(
            out.timers.iter().filter(|(_, t)| matches!(t, Timer::RequestsDue { .. })).collect::<Vec<_>>(),
            [&(1, Timer::RequestsDue { at: 101 })]
        );
        n.on_input(101, Input::Timer(Timer::RequestsDue { at: 101 }), &mut out);
        assert_eq!(replies(&out).len(), 1, "the second request times out at its own deadline");
    }

    #[test]
    fn versions_from_one_coordinator_are_never_reused_across_restarts() {
        let mut n = node(0);
        let mut out = Outbox::default();
        n.on_input(0, client_write(1), &mut out);
        n.boot(3, 1, &mut Outbox::default());
        n.on_input(5, client_write(1), &mut out);
        let versions: Vec<_> = replies(&out)
            .into_iter()
            .map(|r| match r {
                Reply::WriteOk { version } => version.clone(),
                r => panic!("{r:?}"),
            })
            .collect();
        assert_eq!(versions.len(), 2);
        assert_ne!(versions[0], versions[1]);
        assert!(versions[1].descends(&versions[0]));
    }

    #[test]
    fn read_merges_answers_into_siblings() {
        let mut n = node(0);
        let mut out = Outbox::default();
        n.on_input(0, Input::Msg { from: 9, msg: Msg::ClientRead { op: 2, key: 5, r: 3 } }, &mut out);
        let req = n.pending.first().unwrap();
        let a = Versioned { version: VersionVector::from_entries([(1, 1)]), value: 1 };
        let b = Versioned { version: VersionVector::from_entries([(2, 1)]), value: 2 };
        let mut out = Outbox::default();
        n.on_input(1, Input::Msg { from: 1, msg: Msg::ReplicaReadReply { req, versions: vec![a.clone()] } }, &mut out);
        n.on_input(1, Input::Msg { from: 2, msg: Msg::ReplicaReadReply { req, versions: vec![b.clone()] } }, &mut out);
        match replies(&out)[..] {
            [Reply::ReadOk { versions }] => assert_eq!(versions, &vec![a, b]),
            ref r => panic!("unexpected {r:?}"),
        }
    }
}
