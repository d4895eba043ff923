//! Read repair: when the replicas that answered a read disagree, the coordinator sends each one
//! the versions it lacked. Asynchronously (answer the client at R, then wait for the other
//! replicas until every one answered or the deadline, and repair them all), or blocking
//! (repair the replicas that answered, and answer the client once they acknowledged).

use std::sync::Arc;

use super::config::ReadRepair;
use super::requests::{PendingKind, ReadPhase};
use super::{ClientAnswer, Coordinator, CoordinatorOut, Ctx, Reply};
use crate::actor::Addr;
use crate::bugs::{self, Bug};
use crate::replica::ReplicaRequest;
use crate::storage::Versioned;

impl Coordinator {
    /// Read `req` has its R answers (or, after replying, all of them; or its repairs were
    /// acknowledged): answers the client and repairs as configured.
    pub(super) fn read_complete<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        let Some(p) = self.pending.get_mut(req) else { return };
        // The replicas asked (every one, unless the read was targeted).
        let replicas = p.asked.count_ones() as u8;
        let all_answered = p.answers() >= replicas;
        let PendingKind::Read { phase, .. } = &mut p.kind else { return };
        let mode = match self.cfg.read_repair {
            ReadRepair::Blocking if bugs::on(Bug::NoWriteBack) && self.cfg.linearizable => ReadRepair::Async,
            mode => mode,
        };
        match (mode, *phase) {
            (ReadRepair::Off, _) | (ReadRepair::Blocking, ReadPhase::Repairing) => self.reply_read(req, cx),
            (ReadRepair::Async, ReadPhase::Collecting) => {
                self.send_reply(req, cx);
                if all_answered {
                    self.finish_repair(req, cx);
                } else if let Some(p) = self.pending.get_mut(req) {
                    // Keep listening: the replicas that have not answered yet are the likeliest
                    // to be behind.
                    p.required = replicas;
                    if let PendingKind::Read { phase, .. } = &mut p.kind {
                        *phase = ReadPhase::Replied;
                    }
                }
            }
            (ReadRepair::Async, _) => self.finish_repair(req, cx),
            (ReadRepair::Blocking, _) => {
                let waiting = self.repair(req, cx);
                if waiting == 0 {
                    self.reply_read(req, cx);
                } else if let Some(p) = self.pending.get_mut(req) {
                    // From now on only the repaired replicas' acknowledgements count.
                    p.answered = 0;
                    p.required = waiting;
                    if let PendingKind::Read { phase, .. } = &mut p.kind {
                        *phase = ReadPhase::Repairing;
                    }
                }
            }
        }
    }

    /// Answers the client with the merged versions and forgets the read.
    pub(super) fn reply_read<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        if let Some(p) = self.retire(req, cx) {
            if let PendingKind::Read { mut versions, .. } = p.kind {
                versions.sort_by_key(|v| v.dot);
                cx.out.to_client(p.client, ClientAnswer::Reply { op: p.op, reply: Reply::ReadOk { versions } });
            }
        }
    }

    /// Answers the client with a copy of the merged versions; the read stays pending.
    fn send_reply<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        if let Some(p) = self.pending.get(req) {
            if let PendingKind::Read { versions, .. } = &p.kind {
                let mut versions = versions.clone();
                versions.sort_by_key(|v| v.dot);
                cx.out.to_client(p.client, ClientAnswer::Reply { op: p.op, reply: Reply::ReadOk { versions } });
            }
        }
    }

    /// Repairs from the answers gathered and forgets the read (the client already has its answer).
    pub(super) fn finish_repair<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        self.repair(req, cx);
        self.retire(req, cx);
    }

    /// Sends every replica that answered the versions it lacks (this node's own store is
    /// repaired in place); returns how many other replicas were sent repairs.
    fn repair<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) -> u8 {
        let Some(PendingKind::Read { key, versions, answers, .. }) = self.pending.get(req).map(|p| &p.kind) else {
            return 0;
        };
        let key = *key;
        let mut remote = 0u8;
        let mut repaired_any = false;
        for (replica, held) in answers {
            let held = held.as_deref().map_or(&[][..], Vec::as_slice);
            let lacking = versions.iter().filter(|v| !held.iter().any(|h| h.dot == v.dot));
            let sent = send_lacking(*replica, req, key, lacking, cx);
            if sent > 0 {
                repaired_any = true;
                remote += u8::from(*replica != cx.id);
                cx.stats.read_repair_versions += sent;
            }
        }
        cx.stats.read_repairs += u64::from(repaired_any);
        remote
    }
}

/// Sends `replica` each of `lacking` (or stores them, when it is this node); returns how many.
fn send_lacking<'v, O: CoordinatorOut>(
    replica: Addr,
    req: u64,
    key: u64,
    lacking: impl Iterator<Item = &'v Versioned>,
    cx: &mut Ctx<'_, O>,
) -> u64 {
    let mut sent = 0;
    for v in lacking {
        sent += 1;
        if replica == cx.id {
            cx.replica.store_mut().apply(key, v);
        } else {
            let item = Arc::new(v.clone());
            cx.out.to_replica(replica, ReplicaRequest::Repair { req, key, item });
        }
    }
    sent
}
