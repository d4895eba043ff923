//! A workload client: issues one operation at a time to a coordinator and records its life.

mod balancer;
mod record;
mod workload;

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::actor::{Addr, Input, Outbox, Wake};
use crate::coordinator::{ClientAnswer, ClientRequest, Reply};
use crate::shard_spec::ShardSpec;
use crate::storage::{Context, Dot, Versioned};

pub use balancer::{Answer, Balancer, BalancerConfig, LoadBalancer, Strategy};
pub use record::{FailReason, OpKind, OpRecord, Outcome};
pub use workload::{PlannedOp, Workload};

/// A client's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientTimer {
    /// Time to issue the next operation.
    Issue,
    /// The operation in flight may have reached its timeout (armed for local time `at`).
    Due { at: u64 },
    /// Ask the workload again (it had nothing to do yet; see `Workload::ask_again_at`).
    AskAgain,
    /// Send operation `seq` again (its last attempt was refused as `ShardMoving` or `NotPrimary`).
    Retry { seq: u64 },
}

/// Where a client writes: requests to coordinators, its timers, and the record of each
/// operation. Any outbox whose types wrap these takes them.
pub trait ClientOut {
    /// Queues a request to a coordinator.
    fn request(&mut self, to: Addr, request: ClientRequest);
    /// Arms a timer.
    fn timer(&mut self, delay_ms: u64, timer: ClientTimer);
    /// Reports a finished operation.
    fn record(&mut self, record: OpRecord);
}

impl<M: From<ClientRequest>, T: From<ClientTimer>, E: From<OpRecord>> ClientOut for Outbox<M, T, E> {
    fn request(&mut self, to: Addr, request: ClientRequest) {
        self.send(to, request);
    }

    fn timer(&mut self, delay_ms: u64, timer: ClientTimer) {
        Outbox::timer(self, delay_ms, timer);
    }

    fn record(&mut self, record: OpRecord) {
        self.event(record);
    }
}

/// Settings of a client.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Workload group, reported with every operation.
    pub group: u16,
    /// How long to wait for a coordinator's answer.
    pub timeout_ms: u64,
    /// The nodes it may send operations to, and how it chooses (its group's balancer).
    pub coordinators: Balancer,
    /// Each shard's replication factor N, to resolve levels into answer counts.
    pub shards: Arc<ShardSpec>,
    /// Pass the version context of the last read (or write) of a key with the next write to it.
    pub send_context: bool,
    /// Whether and how an operation refused as not applied is sent again.
    pub retry: RetryPolicy,
}

/// Retries of an operation that a coordinator refused before applying it anywhere (the shard
/// was being cut over, or the coordinator was not its primary): like a driver's retry policy,
/// after an exponential, jittered back-off, never past the client's own timeout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first; 0 turns retries off (the refusal fails the operation).
    pub attempts: u8,
    /// Back-off before the first retry; each further retry waits twice as long. The wait is
    /// drawn uniformly from its upper half, so clients refused together do not return together.
    pub backoff_ms: u64,
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based), drawn from `rng`.
    fn backoff(&self, retry: u8, rng: &mut ChaCha8Rng) -> u64 {
        let full = self.backoff_ms.saturating_mul(1 << retry.min(16)).max(1);
        full - rng.random_range(0..=full / 2)
    }
}

#[derive(Debug)]
struct InFlight {
    seq: u64,
    op: PlannedOp,
    invoke_ms: u64,
    coordinator: Addr,
    /// When the attempt at `coordinator` was sent (after a refusal, the retry's time).
    sent_ms: u64,
    tried: u32,
    /// Retries made after refusals (see [`RetryPolicy`]).
    retries: u8,
    value: Option<u64>,
    context: Context,
}

/// One sequential client, like a Jepsen process.
pub struct Client {
    addr: Addr,
    cfg: ClientConfig,
    workload: Box<dyn Workload>,
    rng: ChaCha8Rng,
    seq: u64,
    planned: Option<PlannedOp>,
    current: Option<InFlight>,
    contexts: BTreeMap<u64, Context>,
    /// The one timer armed for the operation in flight's timeout (or an earlier one's).
    due: Wake,
}

/// How an operation ended: outcome, reason, and what a write's version or a read returned.
struct Ending {
    outcome: Outcome,
    reason: Option<FailReason>,
    dot: Option<Dot>,
    read: Vec<Versioned>,
    stand_ins: u8,
}

impl Ending {
    fn failed(outcome: Outcome, reason: FailReason) -> Self {
        Ending { outcome, reason: Some(reason), dot: None, read: Vec::new(), stand_ins: 0 }
    }
}

impl Client {
    /// Sends later operations to `coordinators` (the balancer's targets changed).
    pub fn set_coordinators(&mut self, coordinators: Arc<[Addr]>) {
        self.cfg.coordinators.set_coordinators(coordinators);
    }

    /// A client at `addr` drawing its operations from `workload` and its choices from `rng`.
    pub fn new(addr: Addr, cfg: ClientConfig, workload: Box<dyn Workload>, rng: ChaCha8Rng) -> Self {
        Client {
            addr,
            cfg,
            workload,
            rng,
            seq: 0,
            planned: None,
            current: None,
            contexts: BTreeMap::new(),
            due: Wake::default(),
        }
    }

    /// Plans the first operation.
    pub fn start(&mut self, now_ms: u64, out: &mut impl ClientOut) {
        self.plan(now_ms, out);
    }

    /// True while an operation is outstanding.
    pub fn busy(&self) -> bool {
        self.current.is_some()
    }

    /// Handles one input at simulated time `now_ms`.
    pub fn on_input(&mut self, now_ms: u64, input: Input<ClientAnswer, ClientTimer>, out: &mut impl ClientOut) {
        match input {
            Input::Timer(timer) => self.on_timer(now_ms, timer, out),
            Input::Msg { from, msg } => self.on_answer(now_ms, from, msg, out),
        }
    }

    /// One of its timers fired at simulated time `now_ms`.
    #[inline]
    pub fn on_timer(&mut self, now_ms: u64, timer: ClientTimer, out: &mut impl ClientOut) {
        match timer {
            ClientTimer::Issue => self.issue(now_ms, out),
            ClientTimer::AskAgain => self.ask_again(now_ms, out),
            ClientTimer::Retry { seq } => self.retry(now_ms, seq, out),
            ClientTimer::Due { at } => {
                self.due.fired(at);
                let Some(c) = &self.current else { return };
                let deadline = c.invoke_ms + self.cfg.timeout_ms;
                if now_ms >= deadline {
                    let latency_ms = now_ms - c.sent_ms;
                    self.cfg.coordinators.done(now_ms, c.coordinator, Answer::Failed { latency_ms });
                    let outcome = if c.op.kind == OpKind::Write { Outcome::Indeterminate } else { Outcome::Fail };
                    self.finish(now_ms, Ending::failed(outcome, FailReason::ClientTimeout), out);
                } else if let Some(delay) = self.due.ensure(now_ms, deadline) {
                    out.timer(delay, ClientTimer::Due { at: deadline });
                }
            }
        }
    }

    /// A coordinator (or the network, refusing) answered at simulated time `now_ms`.
    #[inline]
    pub fn on_answer(&mut self, now_ms: u64, from: Addr, answer: ClientAnswer, out: &mut impl ClientOut) {
        match answer {
            ClientAnswer::Refused { op } => self.refused(now_ms, from, op, out),
            ClientAnswer::Reply { op, reply } => {
                let Some(c) = self.current.as_ref().filter(|c| c.seq == op) else {
                    return; // an answer to an operation we gave up on
                };
                if let Reply::NotPrimary { attempt } | Reply::ShardMoving { attempt } = reply {
                    if attempt != c.retries {
                        return; // a late copy of an earlier attempt's refusal, not this attempt's
                    }
                }
                let latency_ms = now_ms - c.sent_ms;
                let answer = match reply {
                    Reply::Timeout { .. } => Answer::Failed { latency_ms },
                    _ => Answer::Replied { latency_ms },
                };
                self.cfg.coordinators.done(now_ms, c.coordinator, answer);
                if matches!(reply, Reply::NotPrimary { .. } | Reply::ShardMoving { .. })
                    && self.retry_later(now_ms, out)
                {
                    return;
                }
                let ending = match reply {
                    Reply::WriteOk { dot, stand_ins } => {
                        Ending { outcome: Outcome::Ok, reason: None, dot: Some(dot), read: Vec::new(), stand_ins }
                    }
                    Reply::ReadOk { versions } => {
                        Ending { outcome: Outcome::Ok, reason: None, dot: None, read: versions, stand_ins: 0 }
                    }
                    Reply::NotPrimary { .. } => Ending::failed(Outcome::Fail, FailReason::NotPrimary),
                    Reply::ShardMoving { .. } => Ending::failed(Outcome::Fail, FailReason::ShardMoving),
                    Reply::SiblingBound { dot, .. } => {
                        Ending { dot, ..Ending::failed(Outcome::Indeterminate, FailReason::SiblingBound) }
                    }
                    Reply::Fenced { dot, .. } => {
                        Ending { dot, ..Ending::failed(Outcome::Indeterminate, FailReason::Fenced) }
                    }
                    Reply::Timeout { dot, .. } => {
                        let write = self.current.as_ref().is_some_and(|c| c.op.kind == OpKind::Write);
                        let outcome = if write { Outcome::Indeterminate } else { Outcome::Fail };
                        Ending { dot, ..Ending::failed(outcome, FailReason::QuorumTimeout) }
                    }
                };
                self.finish(now_ms, ending, out);
            }
        }
    }

    /// A coordinator refused the connection: try the next one, or fail once all refused.
    fn refused(&mut self, now_ms: u64, from: Addr, op: u64, out: &mut impl ClientOut) {
        let Some(c) = self.current.as_mut().filter(|c| c.seq == op && c.coordinator == from) else {
            return;
        };
        c.tried += 1;
        self.cfg.coordinators.done(now_ms, from, Answer::Refused);
        if c.tried as usize >= self.cfg.coordinators.coordinator_count() {
            self.finish(now_ms, Ending::failed(Outcome::Fail, FailReason::NoCoordinator), out);
        } else {
            c.coordinator = self.cfg.coordinators.after(now_ms, from, &mut self.rng);
            c.sent_ms = now_ms;
            let (to, request) = self.request();
            out.request(to, request);
        }
    }

    /// Arms a retry of the operation in flight, refused before it was applied anywhere, when the
    /// policy allows one more and the retry could be answered before the client's timeout (its
    /// back-off plus the round trip the refusal just took); true if armed. A retry sent too late
    /// to be answered would turn a definite refusal into a timeout, which may have been applied.
    fn retry_later(&mut self, now_ms: u64, out: &mut impl ClientOut) -> bool {
        let policy = self.cfg.retry;
        let Some(c) = self.current.as_mut() else { return false };
        if c.retries >= policy.attempts {
            return false;
        }
        let delay = policy.backoff(c.retries, &mut self.rng);
        let round_trip = now_ms.saturating_sub(c.sent_ms);
        if now_ms + delay + round_trip >= c.invoke_ms + self.cfg.timeout_ms {
            return false;
        }
        c.retries += 1;
        out.timer(delay, ClientTimer::Retry { seq: c.seq });
        true
    }

    /// Sends the operation in flight again, to a coordinator its balancer picks afresh (a
    /// refusal may have come from a node whose map was behind).
    fn retry(&mut self, now_ms: u64, seq: u64, out: &mut impl ClientOut) {
        if self.current.as_ref().is_none_or(|c| c.seq != seq) {
            return; // it ended meanwhile (a late answer to an earlier attempt, or its timeout)
        }
        let coordinator = self.cfg.coordinators.pick(now_ms, &mut self.rng);
        let c = self.current.as_mut().expect("checked above");
        c.coordinator = coordinator;
        c.sent_ms = now_ms;
        c.tried = 0;
        let (to, request) = self.request();
        out.request(to, request);
    }

    fn plan(&mut self, now_ms: u64, out: &mut impl ClientOut) {
        self.planned = self.workload.next_op(now_ms);
        if let Some(op) = &self.planned {
            out.timer(op.at_ms.saturating_sub(now_ms).max(1), ClientTimer::Issue);
        } else if let Some(at) = self.workload.ask_again_at(now_ms) {
            // Only workloads that wait on another client get here (never on the hot path).
            out.timer(at.saturating_sub(now_ms).max(1), ClientTimer::AskAgain);
        }
    }

    /// The workload had nothing to do when last asked: ask again, and issue at once what is
    /// due now (a probe's read must start exactly its chosen time after the acknowledgement).
    fn ask_again(&mut self, now_ms: u64, out: &mut impl ClientOut) {
        if self.current.is_some() || self.planned.is_some() {
            return;
        }
        match self.workload.next_op(now_ms) {
            Some(op) if op.at_ms <= now_ms => {
                self.planned = Some(op);
                self.issue(now_ms, out);
            }
            Some(op) => {
                out.timer(op.at_ms - now_ms, ClientTimer::Issue);
                self.planned = Some(op);
            }
            None => {
                if let Some(at) = self.workload.ask_again_at(now_ms) {
                    out.timer(at.saturating_sub(now_ms).max(1), ClientTimer::AskAgain);
                }
            }
        }
    }

    fn issue(&mut self, now_ms: u64, out: &mut impl ClientOut) {
        let Some(op) = self.planned.take() else { return };
        self.seq += 1;
        let value = (op.kind == OpKind::Write).then_some(((self.addr as u64) << 40) | self.seq);
        let context = match (op.kind, self.cfg.send_context) {
            (OpKind::Write, true) => self.contexts.get(&op.key).cloned().unwrap_or_default(),
            _ => Context::new(),
        };
        let coordinator = self.cfg.coordinators.pick(now_ms, &mut self.rng);
        self.current = Some(InFlight {
            seq: self.seq,
            op,
            invoke_ms: now_ms,
            coordinator,
            sent_ms: now_ms,
            tried: 0,
            retries: 0,
            value,
            context,
        });
        let (to, request) = self.request();
        out.request(to, request);
        let deadline = now_ms + self.cfg.timeout_ms;
        if let Some(delay) = self.due.ensure(now_ms, deadline) {
            out.timer(delay, ClientTimer::Due { at: deadline });
        }
    }

    fn request(&self) -> (Addr, ClientRequest) {
        let c = self.current.as_ref().expect("an operation is in flight");
        let required = c.op.consistency.required(self.cfg.shards.n_of_key(c.op.key));
        let request = match c.op.kind {
            OpKind::Read => ClientRequest::Read { op: c.seq, key: c.op.key, r: required, attempt: c.retries },
            OpKind::Write => ClientRequest::Write {
                op: c.seq,
                key: c.op.key,
                w: required,
                value: c.value.expect("writes carry a value"),
                context: c.context.clone(),
                attempt: c.retries,
            },
        };
        (c.coordinator, request)
    }

    fn finish(&mut self, now_ms: u64, ending: Ending, out: &mut impl ClientOut) {
        let c = self.current.take().expect("an operation is in flight");
        let Ending { outcome, reason, dot, read, stand_ins } = ending;
        if self.cfg.send_context && outcome == Outcome::Ok {
            // What the client has now seen of the key: everything the versions it read had
            // seen, and themselves; or, after its write, what that write superseded and itself.
            let seen = match (c.op.kind, dot) {
                (OpKind::Read, _) => Context::seen_reading(&read),
                (OpKind::Write, Some(dot)) => c.context.with(dot),
                (OpKind::Write, None) => c.context.clone(),
            };
            self.contexts.insert(c.op.key, seen);
        }
        let coordinator = (reason != Some(FailReason::NoCoordinator)).then_some(c.coordinator);
        let n = self.cfg.shards.n_of_key(c.op.key);
        out.record(OpRecord {
            client: self.addr,
            group: self.cfg.group,
            seq: c.seq,
            kind: c.op.kind,
            key: c.op.key,
            consistency: c.op.consistency,
            required: c.op.consistency.required(n),
            n,
            invoke_ms: c.invoke_ms,
            complete_ms: now_ms,
            outcome,
            reason,
            coordinator,
            value: c.value,
            context: c.context,
            dot,
            read,
            stand_ins,
            retries: c.retries,
        });
        self.plan(now_ms, out);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::shard_spec::Requirement;
    use rand::SeedableRng;

    use crate::consistency::Consistency;

    type Out = Outbox<ClientRequest, ClientTimer, OpRecord>;

    struct Script(Vec<PlannedOp>);
    impl Workload for Script {
        fn next_op(&mut self, _now_ms: u64) -> Option<PlannedOp> {
            (!self.0.is_empty()).then(|| self.0.remove(0))
        }
    }

    fn client(ops: Vec<PlannedOp>) -> Client {
        let cfg = ClientConfig {
            group: 0,
            timeout_ms: 50,
            coordinators: Balancer::random(Arc::from([0, 1, 2])),
            shards: Arc::new(ShardSpec::uniform(16, 3, Requirement::Eventual)),
            send_context: true,
            retry: RetryPolicy::default(),
        };
        Client::new(10, cfg, Box::new(Script(ops)), ChaCha8Rng::seed_from_u64(1))
    }

    fn op(kind: OpKind) -> PlannedOp {
        PlannedOp { at_ms: 5, kind, key: 1, consistency: Consistency::Quorum }
    }

    fn records(out: &Out) -> Vec<&OpRecord> {
        out.events.iter().collect()
    }

    #[test]
    fn timed_out_write_is_indeterminate_and_read_fails() {
        let mut c = client(vec![op(OpKind::Write), op(OpKind::Read)]);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        c.on_input(55, Input::Timer(ClientTimer::Due { at: 55 }), &mut out);
        c.on_input(60, Input::Timer(ClientTimer::Issue), &mut out);
        c.on_input(110, Input::Timer(ClientTimer::Due { at: 110 }), &mut out);
        let r = records(&out);
        assert_eq!((r[0].kind, r[0].outcome), (OpKind::Write, Outcome::Indeterminate));
        assert_eq!((r[1].kind, r[1].outcome), (OpKind::Read, Outcome::Fail));
    }

    #[test]
    fn a_timer_armed_for_an_earlier_operation_re_arms_for_the_current_one() {
        let mut c = client(vec![op(OpKind::Read), PlannedOp { at_ms: 10, ..op(OpKind::Read) }]);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        let ok = ClientAnswer::Reply { op: 1, reply: Reply::ReadOk { versions: vec![] } };
        c.on_input(8, Input::Msg { from: 0, msg: ok }, &mut out);
        c.on_input(10, Input::Timer(ClientTimer::Issue), &mut out);
        let due = |out: &Out| out.timers.iter().filter(|(_, t)| matches!(t, ClientTimer::Due { .. })).count();
        assert_eq!(due(&out), 1, "the second operation's deadline (60) is covered by the first's timer (55)");
        let mut out = Out::default();
        c.on_input(55, Input::Timer(ClientTimer::Due { at: 55 }), &mut out);
        assert!(records(&out).is_empty(), "the second operation is not due before 60");
        assert_eq!(out.timers, [(5, ClientTimer::Due { at: 60 })]);
        c.on_input(60, Input::Timer(ClientTimer::Due { at: 60 }), &mut out);
        assert_eq!(records(&out)[0].reason, Some(FailReason::ClientTimeout));
    }

    /// Nothing to do until asked at 20; then a read due at `at`.
    struct Waiter {
        asked: u32,
        at: u64,
    }
    impl Workload for Waiter {
        fn next_op(&mut self, now_ms: u64) -> Option<PlannedOp> {
            self.asked += 1;
            (now_ms == 20 && self.asked == 2).then_some(PlannedOp { at_ms: self.at, ..op(OpKind::Read) })
        }
        fn ask_again_at(&mut self, _now_ms: u64) -> Option<u64> {
            (self.asked < 2).then_some(20)
        }
    }

    fn waiting_client(at: u64) -> Client {
        let cfg = client(vec![]).cfg;
        Client::new(10, cfg, Box::new(Waiter { asked: 0, at }), ChaCha8Rng::seed_from_u64(1))
    }

    #[test]
    fn a_waiting_workload_whose_operation_is_later_gets_it_issued_at_its_time() {
        let mut c = waiting_client(35);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(20, Input::Timer(ClientTimer::AskAgain), &mut out);
        assert!(!c.busy(), "nothing is issued before 35");
        assert_eq!(out.timers.last(), Some(&(15, ClientTimer::Issue)));
    }

    #[test]
    fn a_waiting_workload_is_asked_again_and_its_due_operation_issued_at_once() {
        let mut c = waiting_client(20);
        let mut out = Out::default();
        c.start(0, &mut out);
        assert_eq!(out.timers, [(20, ClientTimer::AskAgain)]);
        c.on_input(20, Input::Timer(ClientTimer::AskAgain), &mut out);
        assert!(c.busy(), "issued at 20, not a tick later");
        assert_eq!(c.current.as_ref().map(|f| f.invoke_ms), Some(20));
        assert_eq!(out.sends.len(), 1);
        assert_eq!(out.timers.len(), 2, "the AskAgain and the operation's deadline, no Issue");
    }

    #[test]
    fn refused_everywhere_is_a_known_failure() {
        let mut c = client(vec![op(OpKind::Write)]);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        for _ in 0..3 {
            let to = c.current.as_ref().unwrap().coordinator;
            c.on_input(6, Input::Msg { from: to, msg: ClientAnswer::Refused { op: 1 } }, &mut out);
        }
        let r = records(&out);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].outcome, r[0].reason), (Outcome::Fail, Some(FailReason::NoCoordinator)));
    }

    #[test]
    fn write_after_read_carries_the_read_context() {
        let mut c = client(vec![op(OpKind::Read), op(OpKind::Write)]);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        let seen = Context::of([Dot { node: 0, counter: 4 }]);
        let versions = vec![Versioned { dot: Dot { node: 2, counter: 1 }, context: seen.clone(), stamp: 0, value: 3 }];
        c.on_input(
            8,
            Input::Msg { from: 0, msg: ClientAnswer::Reply { op: 1, reply: Reply::ReadOk { versions } } },
            &mut out,
        );
        c.on_input(9, Input::Timer(ClientTimer::Issue), &mut out);
        let sent = out.sends.iter().rev().find_map(|(_, m)| match m {
            ClientRequest::Write { context, .. } => Some(context.clone()),
            _ => None,
        });
        assert_eq!(sent, Some(seen.with(Dot { node: 2, counter: 1 })), "what the version saw, and itself");
    }

    fn retrying(ops: Vec<PlannedOp>, attempts: u8, backoff_ms: u64) -> Client {
        let mut c = client(ops);
        c.cfg.retry = RetryPolicy { attempts, backoff_ms };
        c
    }

    fn answer(c: &mut Client, now_ms: u64, reply: Reply, out: &mut Out) {
        let from = c.current.as_ref().expect("in flight").coordinator;
        c.on_input(now_ms, Input::Msg { from, msg: ClientAnswer::Reply { op: c.seq, reply } }, out);
    }

    fn retry_timers(out: &Out) -> Vec<(u64, ClientTimer)> {
        out.timers.iter().copied().filter(|(_, t)| matches!(t, ClientTimer::Retry { .. })).collect()
    }

    #[test]
    fn a_refused_write_is_sent_again_after_a_jittered_back_off_and_counts_its_retries() {
        let mut c = retrying(vec![op(OpKind::Write)], 3, 8);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c, 7, Reply::ShardMoving { attempt: 0 }, &mut out);
        assert!(records(&out).is_empty(), "not failed: a retry is due");
        let [(delay, timer)] = retry_timers(&out)[..] else { panic!("one retry armed: {:?}", out.timers) };
        assert!((4..=8).contains(&delay), "within the upper half of the back-off: {delay}");
        c.on_input(7 + delay, Input::Timer(timer), &mut out);
        let sent: Vec<_> = out.sends.iter().map(|(_, m)| format!("{m:?}")).collect();
        assert_eq!(sent.len(), 2);
        assert!(sent[0].ends_with("attempt: 0 }") && sent[1].ends_with("attempt: 1 }"), "{sent:?}");
        let same = |m: &str| m.replace("attempt: 1 }", "attempt: 0 }");
        assert_eq!(sent[0], same(&sent[1]), "the same operation, value and context; the next attempt");
        answer(&mut c, 7 + delay, Reply::NotPrimary { attempt: 1 }, &mut out);
        let second = retry_timers(&out)[1].0;
        assert!((8..=16).contains(&second), "the back-off doubles: {second}");
        c.on_input(30, Input::Timer(retry_timers(&out)[1].1), &mut out);
        answer(&mut c, 32, Reply::WriteOk { dot: Dot { node: 0, counter: 1 }, stand_ins: 0 }, &mut out);
        let r = records(&out);
        assert_eq!((r.len(), r[0].outcome, r[0].retries, r[0].invoke_ms), (1, Outcome::Ok, 2, 5));
    }

    #[test]
    fn retries_stop_at_the_policy_limit_and_before_the_client_timeout() {
        let mut c = retrying(vec![op(OpKind::Read), PlannedOp { at_ms: 100, ..op(OpKind::Read) }], 1, 4);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c, 6, Reply::ShardMoving { attempt: 0 }, &mut out);
        c.on_input(10, Input::Timer(retry_timers(&out)[0].1), &mut out);
        answer(&mut c, 11, Reply::ShardMoving { attempt: 1 }, &mut out);
        let r = records(&out);
        assert_eq!((r[0].outcome, r[0].reason, r[0].retries), (Outcome::Fail, Some(FailReason::ShardMoving), 1));
        // The second read is refused 2 ms before its deadline (100 + 50): no back-off fits.
        let mut c2 = retrying(vec![op(OpKind::Read)], 3, 4);
        let mut out = Out::default();
        c2.start(0, &mut out);
        c2.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c2, 53, Reply::ShardMoving { attempt: 0 }, &mut out);
        assert!(retry_timers(&out).is_empty());
        assert_eq!(records(&out)[0].reason, Some(FailReason::ShardMoving));
        // Refused 40 ms after it was sent (deadline 55): a retry at 47 to 49 would be answered
        // about 40 ms later, after the timeout. The refusal stands, a definite failure.
        let mut c3 = retrying(vec![op(OpKind::Write)], 3, 4);
        let mut out = Out::default();
        c3.start(0, &mut out);
        c3.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c3, 45, Reply::ShardMoving { attempt: 0 }, &mut out);
        assert!(retry_timers(&out).is_empty(), "{:?}", out.timers);
        assert_eq!((records(&out)[0].outcome, records(&out)[0].reason), (Outcome::Fail, Some(FailReason::ShardMoving)));
    }

    #[test]
    fn a_retry_timer_of_an_operation_that_ended_sends_nothing() {
        let mut c = retrying(vec![op(OpKind::Read)], 2, 10);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c, 6, Reply::ShardMoving { attempt: 0 }, &mut out);
        // A duplicate of the first request was served meanwhile: its answer ends the read.
        answer(&mut c, 8, Reply::ReadOk { versions: vec![] }, &mut out);
        let sends = out.sends.len();
        c.on_input(16, Input::Timer(ClientTimer::Retry { seq: 1 }), &mut out);
        assert_eq!(out.sends.len(), sends);
        assert_eq!(records(&out)[0].outcome, Outcome::Ok);
    }

    #[test]
    fn a_copy_of_an_earlier_attempts_refusal_neither_arms_another_retry_nor_ends_the_operation() {
        let mut c = retrying(vec![op(OpKind::Write)], 3, 8);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c, 7, Reply::NotPrimary { attempt: 0 }, &mut out);
        answer(&mut c, 7, Reply::NotPrimary { attempt: 0 }, &mut out); // the network's copy
        assert_eq!(retry_timers(&out).len(), 1, "one retry: {:?}", out.timers);
        c.on_input(15, Input::Timer(retry_timers(&out)[0].1), &mut out);
        answer(&mut c, 16, Reply::NotPrimary { attempt: 0 }, &mut out); // a late copy
        assert!(records(&out).is_empty() && retry_timers(&out).len() == 1, "attempt 1 is still in flight");
        answer(&mut c, 18, Reply::WriteOk { dot: Dot { node: 0, counter: 1 }, stand_ins: 0 }, &mut out);
        assert_eq!((records(&out)[0].outcome, records(&out)[0].retries), (Outcome::Ok, 1));
    }

    #[test]
    fn without_a_policy_a_refusal_fails_at_once() {
        let mut c = client(vec![op(OpKind::Write)]);
        let mut out = Out::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(ClientTimer::Issue), &mut out);
        answer(&mut c, 6, Reply::NotPrimary { attempt: 0 }, &mut out);
        assert!(retry_timers(&out).is_empty());
        assert_eq!(records(&out)[0].reason, Some(FailReason::NotPrimary));
    }
}
