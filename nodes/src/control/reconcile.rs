//! The reconciliation loop: one safe step at a time toward the placement target. A primary is
//! revoked first; the shard is granted anew only once the old primary acknowledged the
//! revoking epoch or its lease has surely expired, and never before a new leader's wait.

use super::placement;
use super::state::Revoke;
use super::voters::{self, Candidate};
use super::{Control, ControlEvent, ControlOut, Role};
use crate::bugs::{self, Bug};

impl Control {
    /// One reconciliation pass: confirm revokes, revoke what must move, grant what is ready,
    /// and propose the result as the next map.
    pub(super) fn reconcile(&mut self, now: u64, out: &mut impl ControlOut) {
        if self.upkeep_voters(now, out) {
            return; // one change per proposal
        }
        let lease_wait = self.cfg.lease_wait_ms();
        let id = self.id;
        let Role::Leader(l) = &self.role else { return };
        let live = self.live(now);
        let inputs = (live, self.durable.map.epoch, now >= l.grant_ready_at);
        if l.revokes.is_empty() && l.settled.as_ref() == Some(&inputs) {
            return;
        }
        let current = self.durable.map.clone();
        // While it may not grant, a new leader moves only primaries it counts as down: a
        // rebalancing move then revoked a healthy primary whose shard stayed without one until
        // the wait ended (seconds), which is the unavailability the wait exists to bound.
        let rebalance = inputs.2 || bugs::on(Bug::EagerRebalance);
        let mut target = placement::target(
            current.primaries(),
            &l.planned,
            current.replica_sets(),
            &self.members,
            &inputs.0,
            rebalance,
        );
        self.pin_migrations(&mut target, &inputs.0, rebalance); // migration hook (control/migrating.rs)
        let members = &self.members;
        let Role::Leader(l) = &mut self.role else { return };
        let peer_slot = |a| members.slot(a).expect("primaries are members");
        // Revokes are confirmed by the old primary's ack of the revoking epoch, or by time,
        // and never before the post-election wait (grants of a deposed leader may run until then).
        let ready = now >= l.grant_ready_at;
        if ready && !l.grants_open {
            l.grants_open = true;
            out.event(ControlEvent::GrantsOpen { term: self.durable.term });
        }
        let peers = &l.peers;
        l.revokes.retain(|r| {
            let acked = r.from != id && peers[peer_slot(r.from)].accepted.1 >= r.epoch;
            let done = ready && (acked || now >= r.wait_until || r.from == id);
            if done {
                out.event(ControlEvent::Released { shard: r.shard, node: r.from, epoch: r.granted, by_ack: acked });
            }
            !done
        });
        let epoch = current.epoch + 1;
        let mut next = current.clone();
        let mut changed = false;
        // Shards with a revoke under way, looked up per shard below: a scan of `revokes` per
        // shard was quadratic when a crash moved thousands of shards at once.
        let mut revoking = vec![false; current.shards() as usize];
        for r in &l.revokes {
            if let Some(slot) = revoking.get_mut(r.shard as usize) {
                *slot = true;
            }
        }
        for (s, (cur, want)) in current.primaries().iter().zip(&target).enumerate() {
            if cur == want {
                continue;
            }
            match cur {
                Some(old) => {
                    // Revoke first.
                    next.set_primary(s as u32, None, epoch);
                    changed = true;
                    let last_echo = l.peers[peer_slot(*old)].last_echo_sent.unwrap_or(0);
                    let wait_until = if *old == id { now } else { last_echo + lease_wait };
                    let granted = current.granted_at(s as u32);
                    let dead = !members.slot(*old).is_some_and(|slot| inputs.0[slot]);
                    out.event(ControlEvent::Revoked { shard: s as u32, node: *old, epoch: granted, dead });
                    l.revokes.push(Revoke { shard: s as u32, from: *old, epoch, granted, wait_until });
                    l.planned[s] = *want;
                }
                None => {
                    if now >= l.grant_ready_at && !revoking[s] {
                        next.set_primary(s as u32, *want, epoch);
                        if let Some(node) = *want {
                            out.event(ControlEvent::Granted { shard: s as u32, node, epoch });
                        }
                        l.planned[s] = None;
                        changed = true;
                    }
                }
            }
        }
        l.settled = (!changed && l.revokes.is_empty()).then_some(inputs);
        if changed {
            next.epoch = epoch;
            self.propose(next);
        }
    }

    /// Proposes the next voter set when one is due (see [`voters::next`]); true when it did.
    /// Looked at once a heartbeat interval: it walks every member.
    fn upkeep_voters(&mut self, now: u64, out: &mut impl ControlOut) -> bool {
        let (election_max, down_ms) = (self.cfg.election_timeout_ms.1, self.cfg.lease_ms);
        let Role::Leader(l) = &mut self.role else { return false };
        if now < l.voters_checked + self.cfg.heartbeat_ms {
            return false;
        }
        l.voters_checked = now;
        let map = &self.durable.map;
        let since = l.since;
        let members: Vec<Candidate> = self
            .members
            .addrs()
            .iter()
            .zip(&l.peers)
            .map(|(&addr, p)| {
                let heard = if addr == self.id { now } else { p.last_ack.unwrap_or(since).max(since) };
                let zone = map.zone_of(addr).unwrap_or(0);
                // A node outside the cluster, draining or drained leaves the voters as if down.
                let serves = map.standing_of(addr).serves();
                Candidate {
                    addr,
                    zone,
                    live: serves && now < heard + election_max,
                    down: !serves || now >= heard + down_ms,
                }
            })
            .collect();
        let target = (self.cfg.voters_max.max(1) as usize).min(self.members.len());
        let Some(voters) = voters::next(map.voters(), &members, self.id, target) else { return false };
        let mut next = map.clone();
        next.epoch += 1;
        out.event(ControlEvent::Voters { epoch: next.epoch, voters: voters.clone() });
        next.set_voters(voters);
        self.propose(next);
        true
    }

    /// Which members the leader counts as live, by slot: itself, and peers heard from within
    /// the longest election timeout. A peer not heard from yet counts from the election, as in
    /// check-quorum: a new leader counted every peer whose first answer had not arrived as down
    /// and revoked its primaries.
    pub(super) fn live(&self, now: u64) -> Vec<bool> {
        let Role::Leader(l) = &self.role else { return vec![false; self.members.len()] };
        let election_max = self.cfg.election_timeout_ms.1;
        self.members
            .addrs()
            .iter()
            .zip(&l.peers)
            .map(|(&n, p)| n == self.id || now < p.last_ack.unwrap_or(l.since).max(l.since) + election_max)
            .collect()
    }
}
