//! A workload client: issues one operation at a time to a coordinator and records its life.

use std::collections::BTreeMap;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::actor::{Input, Outbox, Timer, Wake};
use crate::consistency::Consistency;
use crate::message::{Addr, Msg, Reply};
use crate::observer::{Event, FailReason, OpKind, OpRecord, Outcome};
use crate::version::VersionVector;

/// The next operation a workload wants a client to issue.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedOp {
    /// Earliest simulated time to issue it (the client may be late if busy).
    pub at_ms: u64,
    /// Read or write.
    pub kind: OpKind,
    /// Key to touch.
    pub key: u64,
    /// Requested consistency level.
    pub consistency: Consistency,
}

/// Decides what a client does next; the simulator implements it from the scenario's workload.
pub trait Workload: Send {
    /// The next operation, given the current time; `None` when the client is done.
    fn next_op(&mut self, now_ms: u64) -> Option<PlannedOp>;
}

/// Settings of a client.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Workload group, reported with every operation.
    pub group: u16,
    /// How long to wait for a coordinator's answer.
    pub timeout_ms: u64,
    /// Storage nodes that can coordinate are addresses `0..coordinators`.
    pub coordinators: u32,
    /// Replication factor N, to resolve levels into answer counts.
    pub n: u8,
    /// Pass the version context of the last read (or write) of a key with the next write to it.
    pub send_context: bool,
}

#[derive(Debug)]
struct InFlight {
    seq: u64,
    op: PlannedOp,
    invoke_ms: u64,
    coordinator: Addr,
    tried: u32,
    value: Option<u64>,
    context: VersionVector,
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
    contexts: BTreeMap<u64, VersionVector>,
    /// The one timer armed for the operation in flight's timeout (or an earlier one's).
    due: Wake,
}

impl Client {
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
    pub fn start(&mut self, now_ms: u64, out: &mut Outbox) {
        self.plan(now_ms, out);
    }

    /// True while an operation is outstanding.
    pub fn busy(&self) -> bool {
        self.current.is_some()
    }

    /// Handles one input at simulated time `now_ms`.
    pub fn on_input(&mut self, now_ms: u64, input: Input, out: &mut Outbox) {
        match input {
            Input::Timer(Timer::ClientIssue) => self.issue(now_ms, out),
            Input::Timer(Timer::ClientDue { at }) => {
                self.due.fired(at);
                let Some(c) = &self.current else { return };
                let deadline = c.invoke_ms + self.cfg.timeout_ms;
                if now_ms >= deadline {
                    let outcome = if c.op.kind == OpKind::Write { Outcome::Indeterminate } else { Outcome::Fail };
                    self.finish(now_ms, outcome, Some(FailReason::ClientTimeout), None, Vec::new(), out);
                } else {
                    self.due.ensure(now_ms, deadline, out, |at| Timer::ClientDue { at });
                }
            }
            Input::Msg { from, msg: Msg::Refused { op } } => {
                let Some(c) = self.current.as_mut().filter(|c| c.seq == op && c.coordinator == from) else {
                    return;
                };
                c.tried += 1;
                if c.tried >= self.cfg.coordinators {
                    self.finish(now_ms, Outcome::Fail, Some(FailReason::NoCoordinator), None, Vec::new(), out);
                } else {
                    c.coordinator = (c.coordinator + 1) % self.cfg.coordinators;
                    let (to, msg) = self.request();
                    out.send(to, msg);
                }
            }
            Input::Msg { msg: Msg::ClientReply { op, reply }, .. } => {
                if self.current.as_ref().is_none_or(|c| c.seq != op) {
                    return; // an answer to an operation we gave up on
                }
                match reply {
                    Reply::WriteOk { version } => {
                        self.finish(now_ms, Outcome::Ok, None, Some(version), Vec::new(), out)
                    }
                    Reply::ReadOk { versions } => self.finish(now_ms, Outcome::Ok, None, None, versions, out),
                    Reply::NotPrimary => {
                        self.finish(now_ms, Outcome::Fail, Some(FailReason::NotPrimary), None, Vec::new(), out)
                    }
                    Reply::Timeout { version, .. } => {
                        let write = self.current.as_ref().is_some_and(|c| c.op.kind == OpKind::Write);
                        let outcome = if write { Outcome::Indeterminate } else { Outcome::Fail };
                        self.finish(now_ms, outcome, Some(FailReason::QuorumTimeout), version, Vec::new(), out)
                    }
                }
            }
            Input::Msg { .. } | Input::Timer(_) => {}
        }
    }

    fn plan(&mut self, now_ms: u64, out: &mut Outbox) {
        self.planned = self.workload.next_op(now_ms);
        if let Some(op) = &self.planned {
            out.timer(op.at_ms.saturating_sub(now_ms).max(1), Timer::ClientIssue);
        }
    }

    fn issue(&mut self, now_ms: u64, out: &mut Outbox) {
        let Some(op) = self.planned.take() else { return };
        self.seq += 1;
        let value = (op.kind == OpKind::Write).then_some(((self.addr as u64) << 40) | self.seq);
        let context = match (op.kind, self.cfg.send_context) {
            (OpKind::Write, true) => self.contexts.get(&op.key).cloned().unwrap_or_default(),
            _ => VersionVector::new(),
        };
        let coordinator = self.rng.random_range(0..self.cfg.coordinators);
        self.current = Some(InFlight { seq: self.seq, op, invoke_ms: now_ms, coordinator, tried: 0, value, context });
        let (to, msg) = self.request();
        out.send(to, msg);
        self.due.ensure(now_ms, now_ms + self.cfg.timeout_ms, out, |at| Timer::ClientDue { at });
    }

    fn request(&self) -> (Addr, Msg) {
        let c = self.current.as_ref().expect("an operation is in flight");
        let required = c.op.consistency.required(self.cfg.n);
        let msg = match c.op.kind {
            OpKind::Read => Msg::ClientRead { op: c.seq, key: c.op.key, r: required },
            OpKind::Write => Msg::ClientWrite {
                op: c.seq,
                key: c.op.key,
                w: required,
                value: c.value.expect("writes carry a value"),
                context: c.context.clone(),
            },
        };
        (c.coordinator, msg)
    }

    fn finish(
        &mut self,
        now_ms: u64,
        outcome: Outcome,
        reason: Option<FailReason>,
        version: Option<VersionVector>,
        read: Vec<crate::version::Versioned>,
        out: &mut Outbox,
    ) {
        let c = self.current.take().expect("an operation is in flight");
        if self.cfg.send_context && outcome == Outcome::Ok {
            let ctx = self.contexts.entry(c.op.key).or_default();
            match c.op.kind {
                OpKind::Read => {
                    *ctx = VersionVector::new();
                    for v in &read {
                        ctx.merge(&v.version);
                    }
                }
                OpKind::Write => *ctx = version.clone().unwrap_or_default(),
            }
        }
        let coordinator = (reason != Some(FailReason::NoCoordinator)).then_some(c.coordinator);
        out.event(Event::Op(OpRecord {
            client: self.addr,
            group: self.cfg.group,
            seq: c.seq,
            kind: c.op.kind,
            key: c.op.key,
            consistency: c.op.consistency,
            required: c.op.consistency.required(self.cfg.n),
            n: self.cfg.n,
            invoke_ms: c.invoke_ms,
            complete_ms: now_ms,
            outcome,
            reason,
            coordinator,
            value: c.value,
            context: c.context,
            version,
            read,
        }));
        self.plan(now_ms, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    struct Script(Vec<PlannedOp>);
    impl Workload for Script {
        fn next_op(&mut self, _now_ms: u64) -> Option<PlannedOp> {
            (!self.0.is_empty()).then(|| self.0.remove(0))
        }
    }

    fn client(ops: Vec<PlannedOp>) -> Client {
        let cfg = ClientConfig { group: 0, timeout_ms: 50, coordinators: 3, n: 3, send_context: true };
        Client::new(10, cfg, Box::new(Script(ops)), ChaCha8Rng::seed_from_u64(1))
    }

    fn op(kind: OpKind) -> PlannedOp {
        PlannedOp { at_ms: 5, kind, key: 1, consistency: Consistency::Quorum }
    }

    fn records(out: &Outbox) -> Vec<&OpRecord> {
        out.events.iter().filter_map(|e| if let Event::Op(r) = e { Some(r) } else { None }).collect()
    }

    #[test]
    fn timed_out_write_is_indeterminate_and_read_fails() {
        let mut c = client(vec![op(OpKind::Write), op(OpKind::Read)]);
        let mut out = Outbox::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(Timer::ClientIssue), &mut out);
        c.on_input(55, Input::Timer(Timer::ClientDue { at: 55 }), &mut out);
        c.on_input(60, Input::Timer(Timer::ClientIssue), &mut out);
        c.on_input(110, Input::Timer(Timer::ClientDue { at: 110 }), &mut out);
        let r = records(&out);
        assert_eq!((r[0].kind, r[0].outcome), (OpKind::Write, Outcome::Indeterminate));
        assert_eq!((r[1].kind, r[1].outcome), (OpKind::Read, Outcome::Fail));
    }

    #[test]
    fn a_timer_armed_for_an_earlier_operation_re_arms_for_the_current_one() {
        let mut c = client(vec![op(OpKind::Read), PlannedOp { at_ms: 10, ..op(OpKind::Read) }]);
        let mut out = Outbox::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(Timer::ClientIssue), &mut out);
        let ok = Msg::ClientReply { op: 1, reply: Reply::ReadOk { versions: vec![] } };
        c.on_input(8, Input::Msg { from: 0, msg: ok }, &mut out);
        c.on_input(10, Input::Timer(Timer::ClientIssue), &mut out);
        let due = |out: &Outbox| out.timers.iter().filter(|(_, t)| matches!(t, Timer::ClientDue { .. })).count();
        assert_eq!(due(&out), 1, "the second operation's deadline (60) is covered by the first's timer (55)");
        let mut out = Outbox::default();
        c.on_input(55, Input::Timer(Timer::ClientDue { at: 55 }), &mut out);
        assert!(records(&out).is_empty(), "the second operation is not due before 60");
        assert_eq!(out.timers, [(5, Timer::ClientDue { at: 60 })]);
        c.on_input(60, Input::Timer(Timer::ClientDue { at: 60 }), &mut out);
        assert_eq!(records(&out)[0].reason, Some(FailReason::ClientTimeout));
    }

    #[test]
    fn refused_everywhere_is_a_known_failure() {
        let mut c = client(vec![op(OpKind::Write)]);
        let mut out = Outbox::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(Timer::ClientIssue), &mut out);
        for _ in 0..3 {
            let to = c.current.as_ref().unwrap().coordinator;
            c.on_input(6, Input::Msg { from: to, msg: Msg::Refused { op: 1 } }, &mut out);
        }
        let r = records(&out);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].outcome, r[0].reason), (Outcome::Fail, Some(FailReason::NoCoordinator)));
    }

    #[test]
    fn write_after_read_carries_the_read_context() {
        let mut c = client(vec![op(OpKind::Read), op(OpKind::Write)]);
        let mut out = Outbox::default();
        c.start(0, &mut out);
        c.on_input(5, Input::Timer(Timer::ClientIssue), &mut out);
        let seen = VersionVector::from_entries([(0, 4), (2, 1)]);
        let versions = vec![crate::version::Versioned { version: seen.clone(), value: 3 }];
        c.on_input(
            8,
            Input::Msg { from: 0, msg: Msg::ClientReply { op: 1, reply: Reply::ReadOk { versions } } },
            &mut out,
        );
        c.on_input(9, Input::Timer(Timer::ClientIssue), &mut out);
        let sent = out.sends.iter().rev().find_map(|(_, m)| match m {
            Msg::ClientWrite { context, .. } => Some(context.clone()),
            _ => None,
        });
        assert_eq!(sent, Some(seen));
    }
}
