//! Writes through primaries (`writes: primary`): only a shard's acting primary coordinates its
//! writes. It stamps them with the epoch it was granted the shard at (replicas that know a
//! later grant refuse them: fencing), and reads a quorum before its first write to a key in its
//! tenure, so its versions descend from every acknowledged write, the previous primary's too.

use super::requests::{PendingKind, WriteReq};
use super::{
    ClientAnswer, Coordinator, CoordinatorOut, Ctx, ForwardWrite, PrimaryAct, PrimaryActKind, PrimarySaw, Reply,
};
use crate::bugs::{self, Bug};
use crate::replica::ReplicaRequest;
use crate::storage::Versioned;

impl Coordinator {
    /// Writes as the acting primary, forwards to the primary, or refuses when nobody can take
    /// the write (it is then known not to be applied). A forwarded write is never forwarded on.
    pub(super) fn route_write<O: CoordinatorOut>(&mut self, mut write: WriteReq, forwarded: bool, cx: &mut Ctx<'_, O>) {
        let key = write.key;
        let map = cx.control.map();
        let shard = map.shard_of(key);
        let (fence, primary) = (map.granted_at(shard), map.primary_of(shard));
        if cx.control.is_primary(shard, cx.now) {
            if !self.take_once(&write) {
                return; // a copy, or a write its client gave up on: never versioned twice
            }
            match self.primary_cache.get(&key) {
                Some((f, latest, value)) if *f == fence => {
                    let saw = PrimarySaw { client: write.client, op: write.op, values: vec![*value] };
                    cx.out.primary_saw(saw);
                    write.context = write.context.join(latest);
                    self.write(write, Some(fence), None, cx);
                }
                _ => self.read_before_first_write(write, fence, cx),
            }
            return;
        }
        match primary {
            Some(p) if p != cx.id && !forwarded => {
                let WriteReq { client, op, key, w, value, context, attempt, .. } = write;
                cx.out.to_primary(p, ForwardWrite { client, op, key, w, value, context, attempt });
            }
            None if !forwarded && bugs::on(Bug::VacancyWrites) => self.write(write, None, None, cx),
            _ => self.refuse_write(&write, Reply::NotPrimary { attempt: write.attempt }, cx),
        }
    }

    /// Notes that this primary takes `write`; false when it already took this attempt or a
    /// later one of the same client. A per-key ring of recent values missed copies that a
    /// paused forwarder released in a burst of 20 writes (swarm-primary-writes seed 360: one
    /// write versioned twice, 20 versions apart, hid an acknowledged write behind it).
    fn take_once(&mut self, write: &WriteReq) -> bool {
        let attempt = (write.op, write.attempt);
        match self.primary_taken.get_mut(&write.client) {
            Some(last) if *last >= attempt => false,
            Some(last) => {
                *last = attempt;
                true
            }
            None => {
                self.primary_taken.insert(write.client, attempt);
                true
            }
        }
    }

    /// First write to this key in this tenure: read a quorum so the new version descends from
    /// every acknowledged write, including the previous primary's. Asks every replica (and
    /// fences them all); the timeout settles for a quorum.
    fn read_before_first_write<O: CoordinatorOut>(&mut self, write: WriteReq, fence: u64, cx: &mut Ctx<'_, O>) {
        let (client, op, key) = (write.client, write.op, write.key);
        let shard = cx.control.map().shard_of(key);
        let n = cx.control.map().n_of(shard);
        cx.out.primary_act(PrimaryAct { shard, epoch: fence, kind: PrimaryActKind::Fence });
        let kind = PendingKind::PrimaryRead { write: Box::new(write), fence: Some(fence), versions: Vec::new() };
        let req = self.begin(client, op, key, n, kind, cx);
        let local =
            self.fan_out(req, key, cx, |req, key, epoch| ReplicaRequest::Read { req, key, fence: Some(fence), epoch });
        self.probe_due_replicas(req, cx);
        if local {
            self.answer_locally(req, key, cx);
        }
    }

    /// Writes as primary with a version that descends from everything the read returned, if
    /// this node still holds the grant the read was fenced with and its lease; otherwise the
    /// write is refused, known not applied (the read can outlast the lease).
    pub(super) fn write_after_read<O: CoordinatorOut>(
        &mut self,
        mut write: WriteReq,
        fence: u64,
        versions: &[Versioned],
        cx: &mut Ctx<'_, O>,
    ) {
        let shard = cx.control.map().shard_of(write.key);
        if !cx.control.is_primary(shard, cx.now) || cx.control.map().granted_at(shard) != fence {
            self.refuse_write(&write, Reply::NotPrimary { attempt: write.attempt }, cx);
            return;
        }
        for v in versions {
            write.context = write.context.join(&v.history());
        }
        let mut values: Vec<u64> = versions.iter().map(|v| v.value).collect();
        // Writes that arrived while this one's read was out were versioned first: order after them.
        if let Some((f, latest, value)) = self.primary_cache.get(&write.key) {
            if *f == fence {
                write.context = write.context.join(latest);
                values.push(*value);
            }
        }
        cx.out.primary_saw(PrimarySaw { client: write.client, op: write.op, values });
        self.write(write, Some(fence), None, cx);
    }

    /// A primary's read that timed out with a quorum of answers: write after it.
    pub(super) fn finish_primary_read<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        if let Some(p) = self.retire(req, cx) {
            match p.kind {
                PendingKind::PrimaryRead { write, fence: Some(fence), versions } => {
                    self.write_after_read(*write, fence, &versions, cx)
                }
                PendingKind::PrimaryRead { write, fence: None, versions } => self.write_tagged(*write, &versions, cx),
                _ => {}
            }
        }
    }

    /// Tells the client its write was applied nowhere, and remembers this attempt so a late
    /// network copy of it is dropped rather than applied behind the client's back.
    /// A copy of an attempt already taken is dropped instead: the first copy will be answered.
    pub(super) fn refuse_write<O: CoordinatorOut>(&mut self, write: &WriteReq, reply: Reply, cx: &mut Ctx<'_, O>) {
        if write.copy {
            cx.stats.refused_copies_dropped += 1;
            return;
        }
        self.attempts.refuse(cx.now, (write.client, write.op, write.attempt));
        cx.out.to_client(write.client, ClientAnswer::Reply { op: write.op, reply });
    }
}
