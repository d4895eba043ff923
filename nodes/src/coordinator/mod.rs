//! The coordinator part of a storage node: it takes a client's read or write for any key, fans
//! it out to the key's replicas (from its node's shard map), waits for W or R distinct answers
//! or the request timeout, and answers the client. With writes through primaries, [`primary`]
//! routes each write to its shard's acting primary. With hedging on, [`hedge`] asks only R
//! replicas per read and one more after each hedge delay; with the circuit breaker on
//! ([`breaker`]), replicas that keep timing out are left out of reads until a probe answers.

mod breaker;
mod config;
mod handoff;
mod hedge;
mod latencies;
mod linearizable;
mod msg;
mod primary;
mod read_repair;
mod refused;
mod requests;
mod reroute;
mod targets;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use crate::actor::{Addr, Outbox, Wake};
use crate::bugs::{self, Bug};
use crate::control::Control;
use crate::handoff::HandoffMsg;
use crate::membership::Members;
use crate::replica::{Replica, ReplicaAnswer, ReplicaRequest};
use crate::shard_spec::Requirement;
use crate::storage::{Context, Merged, StorageStats, Versioned};

pub use breaker::BREAKER_TIMEOUTS_MAX;
pub use config::{BreakerConfig, CoordinatorConfig, Hedge, HedgeDelay, ReadRepair};
pub use msg::{
    ClientAnswer, ClientRequest, CoordinatorTimer, ForwardWrite, PrimaryAct, PrimaryActKind, PrimarySaw, Reply,
};

use breaker::Breakers;
use latencies::Latencies;
use refused::{Arrival, Attempts};
use requests::{Got, Pending, PendingKind, ReadPhase, Requests, WriteReq};

/// A coordinator's volatile state: the requests it waits on and their deadlines. A crash
/// loses it all; the node builds a new one at boot.
#[derive(Debug)]
pub struct Coordinator {
    cfg: CoordinatorConfig,
    pending: Requests,
    next_req: u64,
    /// As primary: the latest version written per key, tagged with the tenure's fence, so
    /// only the first write to a key in a tenure needs a quorum read.
    primary_cache: BTreeMap<u64, (u64, Context, u64)>,
    /// As primary, per client, the latest write attempt (operation, attempt) it took to
    /// version. A client's operations are sequential, so anything not after it is a network
    /// copy or an operation its client gave up on: dropped, never versioned again over newer
    /// writes (which put an old value back on top and made newer acknowledged writes vanish).
    primary_taken: BTreeMap<Addr, (u64, u8)>,
    /// Timeout of every request begun, earliest first (completed ones are skipped lazily).
    deadlines: BinaryHeap<Reverse<(u64, u64)>>,
    /// When each write may turn to stand-ins (hinted handoff on), earliest first.
    handoff_due: BinaryHeap<Reverse<(u64, u64)>>,
    /// Hedge times of targeted reads, earliest first (done ones are skipped lazily).
    hedges: BinaryHeap<Reverse<(u64, u64)>>,
    /// The one timer armed for the earliest request deadline, hand-off time or hedge.
    wake: Wake,
    /// Recent replica latencies, for a hedge delay at a percentile of them.
    latencies: Latencies,
    /// Per-replica circuit breakers, when on.
    breakers: Option<Breakers>,
    /// Clients' write attempts taken and refused here, so refusals stay definite under copies.
    attempts: Attempts,
    /// Requests a replica refused as routed by a stale map, with the map epoch each waits for.
    parked: BTreeMap<u64, u64>,
}

/// Where a coordinator writes: requests to replicas, answers to clients, writes forwarded to a
/// shard's primary, and its timer. Any outbox whose types wrap these takes them, so the
/// coordinator writes straight into its node's outbox without naming the node's types.
pub trait CoordinatorOut {
    /// Queues a request to a replica.
    fn to_replica(&mut self, to: Addr, request: ReplicaRequest);
    /// Queues an answer to a client.
    fn to_client(&mut self, to: Addr, answer: ClientAnswer);
    /// Queues a write for the shard's primary.
    fn to_primary(&mut self, to: Addr, write: ForwardWrite);
    /// Arms the request timer.
    fn timer(&mut self, delay_ms: u64, timer: CoordinatorTimer);
    /// Tells the observer what a primary had seen of a key when it versioned a write.
    fn primary_saw(&mut self, saw: PrimarySaw);
    /// Tells the observer this node acted as a shard's primary.
    fn primary_act(&mut self, act: PrimaryAct);
    /// Queues a hinted write to a stand-in.
    fn to_stand_in(&mut self, to: Addr, msg: HandoffMsg);
}

impl<M, T, E> CoordinatorOut for Outbox<M, T, E>
where
    M: From<ReplicaRequest> + From<ClientAnswer> + From<ForwardWrite> + From<HandoffMsg>,
    T: From<CoordinatorTimer>,
    E: From<PrimarySaw> + From<PrimaryAct>,
{
    fn to_replica(&mut self, to: Addr, request: ReplicaRequest) {
        self.send(to, request);
    }

    fn to_client(&mut self, to: Addr, answer: ClientAnswer) {
        self.send(to, answer);
    }

    fn to_primary(&mut self, to: Addr, write: ForwardWrite) {
        self.send(to, write);
    }

    fn timer(&mut self, delay_ms: u64, timer: CoordinatorTimer) {
        Outbox::timer(self, delay_ms, timer);
    }

    fn primary_saw(&mut self, saw: PrimarySaw) {
        self.event(saw);
    }

    fn primary_act(&mut self, act: PrimaryAct) {
        self.event(act);
    }

    fn to_stand_in(&mut self, to: Addr, msg: HandoffMsg) {
        self.send(to, msg);
    }
}

/// The parts of its node a coordinator works with while handling one input.
pub struct Ctx<'a, O> {
    /// This node's address.
    pub id: Addr,
    /// Local time of the input.
    pub now: u64,
    /// The control plane: the shard map, and whether this node may act as a shard's primary.
    pub control: &'a Control,
    /// This node's replica, for keys it holds itself (no message to itself).
    pub replica: &'a mut Replica,
    /// Where commands go.
    pub out: &'a mut O,
    /// The node's storage counters (they outlive this coordinator).
    pub stats: &'a mut StorageStats,
    /// Every storage node, in address order (stand-ins for hinted handoff come from here).
    pub members: &'a Members,
}

impl Coordinator {
    /// A coordinator for one life of its node. `incarnation` keeps request ids of different
    /// lives apart so a late answer to a previous life never matches a new request.
    pub fn new(cfg: CoordinatorConfig, incarnation: u32) -> Self {
        Coordinator {
            breakers: cfg.breaker.map(Breakers::new),
            cfg,
            pending: Requests::default(),
            next_req: (incarnation as u64) << 40,
            primary_cache: BTreeMap::new(),
            primary_taken: BTreeMap::new(),
            deadlines: BinaryHeap::new(),
            handoff_due: BinaryHeap::new(),
            hedges: BinaryHeap::new(),
            wake: Wake::default(),
            latencies: Latencies::new(),
            attempts: Attempts::default(),
            parked: BTreeMap::new(),
        }
    }

    /// Number of requests this coordinator waits on (with the breaker on, done requests whose
    /// replicas have not all answered count until their deadline).
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// For tests: takes over what `other` knows of clients' write attempts.
    #[cfg(test)]
    pub(crate) fn take_attempts_of(&mut self, other: &mut Coordinator) {
        std::mem::swap(&mut self.attempts, &mut other.attempts);
    }

    /// A client's request.
    pub fn on_request<O: CoordinatorOut>(&mut self, from: Addr, request: ClientRequest, cx: &mut Ctx<'_, O>) {
        let mut copy = false;
        if let ClientRequest::Write { op, key, attempt, .. } = request {
            copy = match self.attempts.arrive((from, op, attempt)) {
                Arrival::New => false,
                Arrival::CopyOfTaken => true,
                Arrival::CopyOfRefused => return cx.stats.refused_copies_dropped += 1,
            };
            if copy && moving(key, cx) {
                return cx.stats.refused_copies_dropped += 1; // the first copy will be answered
            }
        }
        if refuse_moving(from, (request.op(), request.attempt()), request.key(), cx) {
            if let ClientRequest::Write { op, attempt, .. } = request {
                self.attempts.refuse(cx.now, (from, op, attempt));
            }
            return;
        }
        match request {
            ClientRequest::Write { op, key, w, value, context, attempt } => {
                let w = required_for(w, key, cx);
                let write = WriteReq { client: from, op, key, w, value, context, attempt, copy };
                if self.cfg.writes_via_primary {
                    self.route_write(write, false, cx);
                } else if self.cfg.linearizable {
                    self.read_tag_then_write(write, cx);
                } else {
                    self.write(write, None, None, cx);
                }
            }
            ClientRequest::Read { op, key, r, .. } => {
                let r = required_for(r, key, cx);
                let kind =
                    PendingKind::Read { key, versions: Vec::new(), answers: Vec::new(), phase: ReadPhase::Collecting };
                let req = self.begin(from, op, key, r, kind, cx);
                self.send_read(req, key, cx);
                self.schedule_hedge(req, cx);
            }
        }
    }

    /// A write another coordinator forwarded to this node as the shard's primary.
    pub fn on_forward<O: CoordinatorOut>(&mut self, f: ForwardWrite, cx: &mut Ctx<'_, O>) {
        let copy = match self.attempts.arrive((f.client, f.op, f.attempt)) {
            Arrival::New => false,
            Arrival::CopyOfTaken => true,
            Arrival::CopyOfRefused => return cx.stats.refused_copies_dropped += 1,
        };
        if copy && moving(f.key, cx) {
            return cx.stats.refused_copies_dropped += 1; // the first copy will be answered
        }
        if refuse_moving(f.client, (f.op, f.attempt), f.key, cx) {
            self.attempts.refuse(cx.now, (f.client, f.op, f.attempt));
            return;
        }
        let ForwardWrite { client, op, key, w, value, context, attempt } = f;
        let w = required_for(w, key, cx);
        let write = WriteReq { client, op, key, w, value, context, attempt, copy };
        self.route_write(write, true, cx);
    }

    /// A replica's answer to request `req`.
    pub fn on_answer<O: CoordinatorOut>(&mut self, from: Addr, answer: ReplicaAnswer, cx: &mut Ctx<'_, O>) {
        match answer {
            ReplicaAnswer::WriteAck { req } => self.answered(req, from, Got::Ack, cx),
            ReplicaAnswer::ReadReply { req, versions } => self.answered(req, from, Got::Held(versions), cx),
            ReplicaAnswer::StaleRoute { req, epoch } => self.stale_route(req, from, epoch, cx),
            ReplicaAnswer::Refused { req } => self.write_refused(req, from, false, cx),
            ReplicaAnswer::Fenced { req } => self.write_refused(req, from, true, cx),
        }
    }

    /// The request timer: sends the hedges that are due, fails every request past its
    /// deadline, then arms for the next.
    pub fn on_timer<O: CoordinatorOut>(&mut self, timer: CoordinatorTimer, cx: &mut Ctx<'_, O>) {
        let CoordinatorTimer::RequestsDue { at } = timer;
        self.wake.fired(at);
        while let Some(&Reverse((due, req))) = self.hedges.peek() {
            if due > cx.now {
                break;
            }
            self.hedges.pop();
            self.hedge(req, cx);
        }
        while let Some(&Reverse((deadline, req))) = self.deadlines.peek() {
            if deadline > cx.now {
                break;
            }
            self.deadlines.pop();
            self.time_out(req, cx);
        }
        self.handoffs_due(cx);
        self.arm(cx);
    }

    /// Coordinates a write: gives it this node's next dot for the key, keeps the client's
    /// context (exactly what it supersedes) and fans it out to the key's replicas. Its stamp
    /// is `tag` in linearizable mode, else this node's clock (what last-write-wins orders by).
    fn write<O: CoordinatorOut>(&mut self, write: WriteReq, fence: Option<u64>, tag: Option<u64>, cx: &mut Ctx<'_, O>) {
        let WriteReq { client, op, key, w, value, context, .. } = write;
        if let Some(epoch) = fence {
            // A fenced write is an act as primary: it must fall inside the node's grant and lease.
            let shard = cx.control.map().shard_of(key);
            assert!(
                cx.control.is_primary(shard, cx.now),
                "node {} writes as primary of shard {shard} without a valid lease",
                cx.id
            );
            cx.out.primary_act(PrimaryAct { shard, epoch, kind: PrimaryActKind::Stamp });
        }
        let dot = cx.replica.store_mut().next_dot(cx.id, key);
        let item = Arc::new(Versioned { dot, context, stamp: tag.unwrap_or(cx.now), value });
        if let Some(fence) = fence {
            // The primary orders the key's writes: the next one it versions supersedes this one,
            // acknowledged or not (superseding a write that may fail loses nothing acknowledged).
            self.primary_cache.insert(key, (fence, item.history(), value));
        }
        let req =
            self.begin(client, op, key, w, PendingKind::Write { key, item: item.clone(), stand_ins: 0, fence }, cx);
        self.send_write(req, key, &item, fence, cx);
    }

    /// Sends write `req` to the key's replicas by this node's map.
    fn send_write<O: CoordinatorOut>(
        &mut self,
        req: u64,
        key: u64,
        item: &Arc<Versioned>,
        fence: Option<u64>,
        cx: &mut Ctx<'_, O>,
    ) {
        let local = self.fan_out(req, key, cx, |req, key, epoch| ReplicaRequest::Write {
            req,
            key,
            item: item.clone(),
            fence,
            epoch,
        });
        // Writes go to every replica, those behind an open breaker too: a due probe rides along.
        self.probe_due_replicas(req, cx);
        // This node is a replica too: it stores the write itself (unless at the sibling bound, or
        // a migration's final copy fenced the shard here: then its route is stale).
        if !local {
            return;
        }
        if !serves_locally(key, cx) {
            self.refused_locally(req, key, cx);
        } else if cx.replica.store_mut().apply_new(key, item) == Merged::Refused {
            self.write_refused(req, cx.id, false, cx);
        } else {
            self.answered(req, cx.id, Got::Ack, cx);
        }
    }

    /// Sends read `req` to the key's replicas by this node's map: all of them, or with hedging
    /// or the breaker on, the ones chosen to answer first.
    fn send_read<O: CoordinatorOut>(&mut self, req: u64, key: u64, cx: &mut Ctx<'_, O>) {
        let local = if self.cfg.hedge == Hedge::Off && self.breakers.is_none() {
            self.fan_out(req, key, cx, |req, key, epoch| ReplicaRequest::Read { req, key, fence: None, epoch })
        } else {
            self.ask_readers(req, key, cx)
        };
        if local {
            self.answer_locally(req, key, cx);
        }
    }

    /// This node, a replica of `key`, answers read `req` from its own store (its versions
    /// shared, not copied) instead of messaging itself. A damaged record is not answered for.
    fn answer_locally<O: CoordinatorOut>(&mut self, req: u64, key: u64, cx: &mut Ctx<'_, O>) {
        if !serves_locally(key, cx) {
            self.refused_locally(req, key, cx);
            return;
        }
        if let Ok(held) = cx.replica.store_mut().read(key) {
            self.answered(req, cx.id, Got::Held(held), cx);
        }
    }

    fn begin<O: CoordinatorOut>(
        &mut self,
        client: Addr,
        op: u64,
        key: u64,
        required: u8,
        kind: PendingKind,
        cx: &mut Ctx<'_, O>,
    ) -> u64 {
        self.next_req += 1;
        let req = self.next_req;
        let shard = cx.control.map().shard_of(key);
        let sets = cx.control.map().replica_table();
        let replicas = sets[shard as usize].len();
        debug_assert!(replicas <= 64, "the answer bitmask holds 64 replicas");
        let deadline = cx.now + self.cfg.request_timeout_ms;
        let asked = u64::MAX >> (64 - replicas.max(1)); // every replica, until a read narrows it
        let routed = cx.control.map().epoch;
        let p = Pending {
            client,
            op,
            shard,
            required,
            answered: 0,
            kind,
            asked,
            heard: 0,
            hedged: 0,
            refused: 0,
            deadline,
            routed,
            sets,
        };
        self.pending.insert(req, p);
        self.deadlines.push(Reverse((deadline, req)));
        let mut due = deadline;
        let handoff = self.cfg.handoff.filter(|_| sloppy(shard, cx));
        if let (Some(h), PendingKind::Write { .. }) = (handoff, &self.pending.get(req).expect("inserted").kind) {
            due = due.min(cx.now + h.after_ms);
            self.handoff_due.push(Reverse((cx.now + h.after_ms, req)));
        }
        if let Some(delay) = self.wake.ensure(cx.now, due) {
            cx.out.timer(delay, CoordinatorTimer::RequestsDue { at: due });
        }
        req
    }

    /// Sends request `req` to every other replica of `key`; true when this node is one too
    /// (it then answers itself without a message).
    fn fan_out<O: CoordinatorOut>(
        &self,
        req: u64,
        key: u64,
        cx: &mut Ctx<'_, O>,
        make: impl Fn(u64, u64, u64) -> ReplicaRequest,
    ) -> bool {
        let Some(p) = self.pending.get(req) else { return false };
        let mut local = false;
        for &replica in p.replicas() {
            if replica == cx.id {
                local = true;
            } else {
                cx.out.to_replica(replica, make(req, key, p.routed));
            }
        }
        local
    }

    /// Arms the request timer for the earliest deadline or hand-off time of a request still
    /// pending, or the earliest hedge of a read still short of answers.
    fn arm<O: CoordinatorOut>(&mut self, cx: &mut Ctx<'_, O>) {
        let pending = &self.pending;
        let earliest = |heap: &mut BinaryHeap<Reverse<(u64, u64)>>, live: fn(&Pending) -> bool| {
            while let Some(&Reverse((at, req))) = heap.peek() {
                if pending.get(req).is_some_and(live) {
                    return Some(at);
                }
                heap.pop();
            }
            None
        };
        let due = [
            earliest(&mut self.deadlines, |_| true),
            earliest(&mut self.handoff_due, |p| matches!(p.kind, PendingKind::Write { .. })),
            earliest(&mut self.hedges, Pending::hedgeable),
        ]
        .into_iter()
        .flatten()
        .min();
        if let Some(at) = due {
            if let Some(delay) = self.wake.ensure(cx.now, at) {
                cx.out.timer(delay, CoordinatorTimer::RequestsDue { at });
            }
        }
    }

    /// Request `req` reached its timeout (if still pending).
    fn time_out<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        if self.pending.get(req).is_some_and(|p| matches!(p.kind, PendingKind::Settled)) {
            // Done already; its replicas that never answered timed out.
            self.retire(req, cx);
            return;
        }
        if self.pending.get(req).is_some_and(|p| {
            matches!(p.kind, PendingKind::PrimaryRead { .. }) && p.answers() > p.replicas().len() as u8 / 2
        }) {
            // Not every replica answered, but a quorum did: enough to descend from
            // every acknowledged write.
            self.finish_primary_read(req, cx);
            return;
        }
        match self.pending.get(req).map(|p| &p.kind) {
            // The client has its answer: repair with the answers that came.
            Some(PendingKind::Read { phase: ReadPhase::Replied, .. }) => {
                self.finish_repair(req, cx);
                return;
            }
            // The read itself succeeded; repair acknowledgements are late, not needed (except
            // in linearizable mode: the value may not be on a quorum yet, so the read fails).
            Some(PendingKind::Read { phase: ReadPhase::Repairing, .. }) if !self.cfg.linearizable => {
                self.reply_read(req, cx);
                return;
            }
            _ => {}
        }
        if let Some(p) = self.retire(req, cx) {
            let answers = p.answers();
            let dot = match p.kind {
                PendingKind::Write { item, .. } => Some(item.dot),
                PendingKind::Read { .. } | PendingKind::PrimaryRead { .. } | PendingKind::Settled => None,
            };
            cx.out.to_client(p.client, ClientAnswer::Reply { op: p.op, reply: Reply::Timeout { dot, answers } });
        }
    }

    /// Counts `replica`'s answer to `req` (with the versions it holds, for reads), and
    /// completes the request once it has W or R.
    fn answered<O: CoordinatorOut>(&mut self, req: u64, replica: Addr, got: Got, cx: &mut Ctx<'_, O>) {
        if self.tracks_replicas() && self.heard(req, replica, cx) {
            return; // a done request's straggler, now counted
        }
        let conflicts = cx.replica.store().config().conflicts;
        let keep_answers = self.cfg.read_repair != ReadRepair::Off;
        let Some(p) = self.pending.get_mut(req) else {
            return; // already complete or timed out: a late answer
        };
        // Writes and reads under blocking repair wait for acknowledgements; other reads for
        // versions. Anything else is late or stray (a read answer after repairs went out).
        let wants_ack = match &p.kind {
            PendingKind::Write { .. } => true,
            PendingKind::Read { phase, .. } => *phase == ReadPhase::Repairing,
            PendingKind::PrimaryRead { .. } | PendingKind::Settled => false,
        };
        if wants_ack != matches!(got, Got::Ack) {
            return;
        }
        if !p.mark(replica) {
            return;
        }
        if let Got::Held(held) = got {
            match &mut p.kind {
                PendingKind::Read { versions, answers, .. } => {
                    for v in held.iter().flat_map(|h| h.iter()) {
                        conflicts.merge(versions, v, usize::MAX);
                    }
                    if keep_answers {
                        answers.push((replica, held));
                    }
                }
                PendingKind::PrimaryRead { versions, .. } => {
                    for v in held.iter().flat_map(|h| h.iter()) {
                        conflicts.merge(versions, v, usize::MAX);
                    }
                }
                PendingKind::Write { .. } | PendingKind::Settled => {}
            }
        }
        self.complete_if_done(req, cx);
    }

    /// `replica` refused write `req`: at its sibling bound, or as `fenced` by a newer grant than
    /// this deposed primary's. That is an answer (its breaker hears it); once the replicas left
    /// cannot make W, the write is given up at once (`SiblingBound` or `Fenced`: it may be
    /// stored on fewer than W), where its timeout would only have come later. Hinted handoff
    /// changes nothing: a stand-in stands in for a silent replica, never for one that refused,
    /// so the replicas still open bound what the write can reach either way.
    fn write_refused<O: CoordinatorOut>(&mut self, req: u64, replica: Addr, fenced: bool, cx: &mut Ctx<'_, O>) {
        if self.tracks_replicas() && self.heard(req, replica, cx) {
            return; // a done request's straggler
        }
        let Some(p) = self.pending.get_mut(req) else { return };
        if !matches!(p.kind, PendingKind::Write { .. }) {
            return;
        }
        let Some(i) = p.replicas().iter().position(|&r| r == replica) else { return };
        p.refused |= 1 << i;
        let open = p.replicas().len() as u32 - (p.answered | p.refused).count_ones();
        if u32::from(p.answers()) + open >= u32::from(p.required_answers()) {
            return;
        }
        if let Some(p) = self.retire(req, cx) {
            let (dot, answers) = match p.kind {
                PendingKind::Write { item, .. } => (Some(item.dot), p.answered.count_ones() as u8),
                _ => (None, 0),
            };
            let reply = if fenced { Reply::Fenced { dot, answers } } else { Reply::SiblingBound { dot, answers } };
            cx.out.to_client(p.client, ClientAnswer::Reply { op: p.op, reply });
        }
    }

    /// Completes request `req` if it has its W or R answers.
    fn complete_if_done<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        let Some(p) = self.pending.get(req) else { return };
        if p.answers() < p.required_answers() {
            return;
        }
        match p.kind {
            PendingKind::Read { phase, .. } => {
                if phase == ReadPhase::Collecting && p.hedged != 0 {
                    cx.stats.hedges_won += p.hedges_won();
                }
                self.read_complete(req, cx)
            }
            PendingKind::Write { ref item, stand_ins, .. } => {
                let dot = item.dot;
                cx.stats.sloppy_acks += u64::from(stand_ins > 0);
                let stand_ins = if bugs::on(Bug::HiddenHandoff) { 0 } else { stand_ins };
                let p = self.retire(req, cx).expect("present");
                cx.out.to_client(p.client, ClientAnswer::Reply { op: p.op, reply: Reply::WriteOk { dot, stand_ins } });
            }
            PendingKind::PrimaryRead { .. } => self.finish_primary_read(req, cx),
            PendingKind::Settled => {}
        }
    }
}

/// Refuses a client's request at once when this node's map has the key's shard being cut over to
/// a migration's new replicas (no replica serves it until the cut-over ends); true when refused.
/// The request is known not applied anywhere, so the client may retry it.
/// The answers a request on `key` waits for: the client's W or R, raised to a quorum of the
/// shard's replicas when the shard is strong, so every read meets every acknowledged write.
fn required_for<O>(asked: u8, key: u64, cx: &Ctx<'_, O>) -> u8 {
    let map = cx.control.map();
    let shard = map.shard_of(key);
    if map.requirement_of(shard) == Requirement::Strong && !bugs::on(Bug::StrongAsAsked) {
        asked.max(map.n_of(shard) / 2 + 1)
    } else {
        asked
    }
}

/// Whether writes to `shard` may turn to stand-ins when hinted handoff is on: the shard is not
/// strong (a stand-in is no replica a quorum read asks, so it cannot count toward a strong W).
fn sloppy<O>(shard: u32, cx: &Ctx<'_, O>) -> bool {
    cx.control.map().requirement_of(shard) != Requirement::Strong || bugs::on(Bug::StrongAsAsked)
}

fn refuse_moving<O: CoordinatorOut>(client: Addr, (op, attempt): (u64, u8), key: u64, cx: &mut Ctx<'_, O>) -> bool {
    if !moving(key, cx) {
        return false;
    }
    cx.stats.moving_refused += 1;
    cx.out.to_client(client, ClientAnswer::Reply { op, reply: Reply::ShardMoving { attempt } });
    true
}

/// True when this node's map has `key`'s shard being cut over (requests for it are refused).
fn moving<O>(key: u64, cx: &Ctx<'_, O>) -> bool {
    let map = cx.control.map();
    !bugs::on(Bug::OpenCutover) && map.moving(map.shard_of(key))
}

/// True when this node, a replica of `key` by its map, may answer for it itself: the same rule
/// its replica applies to requests from other coordinators, once its map is confirmed.
fn serves_locally<O>(key: u64, cx: &Ctx<'_, O>) -> bool {
    let map = cx.control.map();
    // A restarted node whose map may be stale coordinates without its own copy: counted, it
    // could stand in a write's W for a replica it no longer is.
    cx.control.map_confirmed() && cx.replica.serves(cx.id, map, map.shard_of(key))
}
