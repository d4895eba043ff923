//! Stale routes, retried. A replica that does not serve a request's shard by its own map (the
//! shard moved away from it, or is being cut over) refuses the request and names the map epoch
//! it knows the shard by. A request routed by an older map waits here until this node's map is
//! that new and has the shard out of its cut-over, then goes to the shard's replicas by that
//! map, within its first deadline. The old replicas never serve it; the client sees one answer.
//! A refusal from a replica whose own map is behind the request's changes nothing: that replica
//! serves once it catches up, or the request completes without it.

use super::requests::{PendingKind, ReadPhase};
use super::{Coordinator, CoordinatorOut, Ctx};
use crate::actor::Addr;

impl Coordinator {
    /// True while some request waits for a newer map (the node then calls [`Self::on_map`]
    /// when its map changes).
    pub fn has_parked(&self) -> bool {
        !self.parked.is_empty()
    }

    /// This node's map changed: routes again the parked requests it is new enough for.
    pub fn on_map<O: CoordinatorOut>(&mut self, cx: &mut Ctx<'_, O>) {
        self.reroute_ready(cx);
    }

    /// `replica` refused request `req` as routed by a map older than `epoch`.
    pub(super) fn stale_route<O: CoordinatorOut>(&mut self, req: u64, replica: Addr, epoch: u64, cx: &mut Ctx<'_, O>) {
        // The replica answered: its breaker must not count it as timed out.
        if self.tracks_replicas() && self.heard(req, replica, cx) {
            return;
        }
        let Some(p) = self.pending.get(req) else { return };
        if epoch <= p.routed || !reroutable(&p.kind) {
            return;
        }
        let wait = self.parked.entry(req).or_insert(0);
        *wait = (*wait).max(epoch);
        self.reroute_ready(cx);
    }

    /// This node's own replica does not serve request `req`'s key: a refusal like any other
    /// replica's (a migration's final copy may have fenced the shard here before this node's
    /// map moved it).
    pub(super) fn refused_locally<O: CoordinatorOut>(&mut self, req: u64, key: u64, cx: &mut Ctx<'_, O>) {
        let map = cx.control.map();
        let epoch = cx.replica.route_epoch(map, map.shard_of(key));
        self.stale_route(req, cx.id, epoch, cx);
    }

    /// Routes again every parked request whose awaited map this node has now (with its shard
    /// not being cut over); forgets those that ended meanwhile.
    fn reroute_ready<O: CoordinatorOut>(&mut self, cx: &mut Ctx<'_, O>) {
        let map = cx.control.map();
        let pending = &self.pending;
        self.parked.retain(|&req, _| pending.get(req).is_some_and(|p| reroutable(&p.kind)));
        let ready: Vec<u64> = self
            .parked
            .iter()
            .filter(|&(&req, &epoch)| map.epoch >= epoch && pending.get(req).is_some_and(|p| !map.moving(p.shard)))
            .map(|(&req, _)| req)
            .collect();
        for req in ready {
            self.parked.remove(&req);
            self.reroute(req, cx);
        }
    }

    /// Sends request `req` again, afresh, to its shard's replicas by this node's map: answers
    /// counted under the old route are dropped (their replicas are asked again, and a write's
    /// version is the same, so storing it twice changes nothing).
    fn reroute<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        let map = cx.control.map();
        let Some(p) = self.pending.get_mut(req) else { return };
        if let PendingKind::Write { fence: Some(fence), .. } = p.kind {
            // A primary's write goes on only within the same grant; otherwise the new replicas
            // would refuse it anyway, and it times out.
            if !(cx.control.is_primary(p.shard, cx.now) && map.granted_at(p.shard) == fence) {
                return;
            }
        }
        p.sets = map.replica_table();
        let replicas = p.replicas().len();
        p.routed = map.epoch;
        p.answered = 0;
        p.heard = 0;
        p.hedged = 0;
        p.refused = 0;
        p.asked = u64::MAX >> (64 - replicas.max(1));
        cx.stats.stale_routes_retried += 1;
        match &mut p.kind {
            PendingKind::Write { key, item, stand_ins, fence } => {
                *stand_ins = 0;
                let (key, item, fence) = (*key, item.clone(), *fence);
                self.send_write(req, key, &item, fence, cx);
            }
            PendingKind::Read { key, versions, answers, .. } => {
                versions.clear();
                answers.clear();
                let key = *key;
                self.send_read(req, key, cx);
            }
            PendingKind::PrimaryRead { .. } | PendingKind::Settled => {}
        }
    }
}

/// True for the requests a stale route is retried for: writes, and reads still collecting
/// answers (a read repairing has its answer; a primary's quorum read is asked again by its
/// write's retry).
fn reroutable(kind: &PendingKind) -> bool {
    matches!(kind, PendingKind::Write { .. } | PendingKind::Read { phase: ReadPhase::Collecting, .. })
}
