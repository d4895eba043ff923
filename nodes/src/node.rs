//! A storage node that is also a quorum coordinator, as a pure state machine.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::actor::{Input, Outbox, Timer};
use crate::message::{Addr, Msg, Reply};
use crate::placement::ShardMap;
use crate::store::Store;
use crate::version::{add_sibling, VersionVector, Versioned};

/// Settings of a storage node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// How long a coordinator waits for W or R answers before failing the request.
    pub request_timeout_ms: u64,
}

/// A request this node coordinates, waiting for replica answers.
#[derive(Debug)]
struct Pending {
    client: Addr,
    op: u64,
    required: u8,
    /// Bit i set when replica i of the key's replica set answered; duplicated messages
    /// from one replica must not count twice toward W or R.
    answered: u64,
    replicas: Vec<Addr>,
    kind: PendingKind,
}

#[derive(Debug)]
enum PendingKind {
    Write { version: VersionVector },
    Read { versions: Vec<Versioned> },
}

impl Pending {
    fn answers(&self) -> u8 {
        self.answered.count_ones() as u8
    }

    /// Marks `replica` as answered; false for a replica outside the set or a repeat answer.
    fn mark(&mut self, replica: Addr) -> bool {
        let Some(i) = self.replicas.iter().position(|&r| r == replica) else {
            return false;
        };
        let bit = 1u64 << i;
        let fresh = self.answered & bit == 0;
        self.answered |= bit;
        fresh
    }
}

/// One storage node: replica for the shards placed on it, coordinator for any key.
pub struct StorageNode {
    id: Addr,
    cfg: NodeConfig,
    shards: Arc<ShardMap>,
    store: Store,
    pending: BTreeMap<u64, Pending>,
    next_req: u64,
}

impl StorageNode {
    /// A node booting with durable state `store`; `incarnation` keeps request ids of different
    /// lives apart so a late answer to a previous life never matches a new request.
    pub fn new(id: Addr, cfg: NodeConfig, shards: Arc<ShardMap>, store: Store, incarnation: u32) -> Self {
        StorageNode { id, cfg, shards, store, pending: BTreeMap::new(), next_req: (incarnation as u64) << 40 }
    }

    /// Forgets volatile state, as a crash does, keeping the durable store.
    pub fn reboot(&mut self, incarnation: u32) {
        self.pending.clear();
        self.next_req = (incarnation as u64) << 40;
    }

    /// The durable store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of requests this node is coordinating right now.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Handles one input at simulated time `now_ms`.
    pub fn on_input(&mut self, _now_ms: u64, input: Input, out: &mut Outbox) {
        match input {
            Input::Msg { from, msg } => self.on_msg(from, msg, out),
            Input::Timer(Timer::RequestTimeout { req }) => {
                if let Some(p) = self.pending.remove(&req) {
                    let version = match p.kind {
                        PendingKind::Write { version } => Some(version),
                        PendingKind::Read { .. } => None,
                    };
                    let answers = p.answered.count_ones() as u8;
                    out.send(p.client, Msg::ClientReply { op: p.op, reply: Reply::Timeout { version, answers } });
                }
            }
            Input::Timer(_) => {}
        }
    }

    fn on_msg(&mut self, from: Addr, msg: Msg, out: &mut Outbox) {
        match msg {
            Msg::ClientWrite { op, key, w, value, context } => {
                let mut version = context;
                let counter = self.store.next_counter().max(version.get(self.id) + 1);
                version.set(self.id, counter);
                let item = Versioned { version: version.clone(), value };
                let req = self.begin(from, op, key, w, PendingKind::Write { version }, out);
                self.fan_out(req, key, out, |req, key| Msg::ReplicaWrite { req, key, item: item.clone() });
                if self.replicas_contain_self(key) {
                    self.store.apply(key, &item);
                    self.on_answer(req, self.id, None, out);
                }
            }
            Msg::ClientRead { op, key, r } => {
                let req = self.begin(from, op, key, r, PendingKind::Read { versions: Vec::new() }, out);
                self.fan_out(req, key, out, |req, key| Msg::ReplicaRead { req, key });
                if self.replicas_contain_self(key) {
                    let local = self.store.get(key).to_vec();
                    self.on_answer(req, self.id, Some(local), out);
                }
            }
            Msg::ReplicaWrite { req, key, item } => {
                self.store.apply(key, &item);
                out.send(from, Msg::ReplicaWriteAck { req });
            }
            Msg::ReplicaRead { req, key } => {
                out.send(from, Msg::ReplicaReadReply { req, versions: self.store.get(key).to_vec() });
            }
            Msg::ReplicaWriteAck { req } => self.on_answer(req, from, None, out),
            Msg::ReplicaReadReply { req, versions } => self.on_answer(req, from, Some(versions), out),
            Msg::ClientReply { .. } | Msg::Refused { .. } => {}
        }
    }

    fn replicas_contain_self(&self, key: u64) -> bool {
        self.shards.replicas_of(key).contains(&self.id)
    }

    fn begin(&mut self, client: Addr, op: u64, key: u64, required: u8, kind: PendingKind, out: &mut Outbox) -> u64 {
        self.next_req += 1;
        let req = self.next_req;
        let replicas = self.shards.replicas_of(key).to_vec();
        debug_assert!(replicas.len() <= 64, "answer bitmask holds 64 replicas");
        self.pending.insert(req, Pending { client, op, required, answered: 0, replicas, kind });
        out.timer(self.cfg.request_timeout_ms, Timer::RequestTimeout { req });
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
        let Some(p) = self.pending.get_mut(&req) else {
            return; // already complete or timed out: a late answer
        };
        if !p.mark(replica) {
            return;
        }
        if let (PendingKind::Read { versions: acc }, Some(got)) = (&mut p.kind, versions) {
            for v in &got {
                add_sibling(acc, v);
            }
        }
        if p.answers() < required_answers(p) {
            return;
        }
        let p = self.pending.remove(&req).expect("present");
        let reply = match p.kind {
            PendingKind::Write { version } => Reply::WriteOk { version },
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
        let map = Arc::new(ShardMap::ring(&[0, 1, 2], 1, 3));
        StorageNode::new(id, NodeConfig { request_timeout_ms: 100 }, map, Store::new(), 0)
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
        let mut out = Outbox::default();
        let req = n.pending.keys().next().copied().unwrap();
        n.on_input(100, Input::Timer(Timer::RequestTimeout { req }), &mut out);
        match replies(&out)[..] {
            [Reply::Timeout { version: Some(v), answers: 1 }] => assert_eq!(v.get(0), 1),
            ref r => panic!("unexpected {r:?}"),
        }
    }

    #[test]
    fn versions_from_one_coordinator_are_never_reused_across_restarts() {
        let mut n = node(0);
        let mut out = Outbox::default();
        n.on_input(0, client_write(1), &mut out);
        n.reboot(1);
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
        let req = n.pending.keys().next().copied().unwrap();
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
