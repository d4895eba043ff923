//! The reconciliation loop: one safe step at a time toward the placement target. A primary is
//! revoked first; the shard is granted anew only once the old primary acknowledged the
//! revoking epoch or its lease has surely expired, and never before a new leader's wait.

use super::placement;
use super::state::Revoke;
use super::{Control, ControlEvent, ControlOut, Role};

impl Control {
    /// One reconciliation pass: confirm revokes, revoke what must move, grant what is ready,
    /// and propose the result as the next map.
    pub(super) fn reconcile(&mut self, now: u64, out: &mut impl ControlOut) {
        let lease_wait = self.cfg.lease_wait_ms();
        let id = self.id;
        let Role::Leader(l) = &self.role else { return };
        let live = self.live(now);
        let inputs = (live, self.durable.map.epoch, now >= l.grant_ready_at);
        if l.revokes.is_empty() && l.settled.as_ref() == Some(&inputs) {
            return;
        }
        let current = self.durable.map.clone();
        let mut target =
            placement::target(current.primaries(), &l.planned, current.replica_sets(), &self.members, &inputs.0);
        self.pin_migrations(&mut target, &inputs.0); // migration hook (control/migrating.rs)
        let members = &self.members;
        let Role::Leader(l) = &mut self.role else { return };
        let peer_slot = |a| members.slot(a).expect("primaries are members");
        // Revokes are confirmed by the old primary's ack of the revoking epoch, or by time,
        // and never before the post-election wait (grants of a deposed leader may run until then).
        let ready = now >= l.grant_ready_at;
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

    /// Which members the leader counts as live, by slot: itself, and peers heard from within
    /// the longest election timeout.
    fn live(&self, now: u64) -> Vec<bool> {
        let Role::Leader(l) = &self.role else { return vec![false; self.members.len()] };
        let election_max = self.cfg.election_timeout_ms.1;
        self.members
            .addrs()
            .iter()
            .zip(&l.peers)
            .map(|(&n, p)| n == self.id || p.last_ack.is_some_and(|t| now < t + election_max))
            .collect()
    }
}
