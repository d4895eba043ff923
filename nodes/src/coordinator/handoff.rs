//! The coordinator's side of hinted handoff: a write still short of W when its hand-off time
//! comes is sent, for each replica that has not answered, to a stand-in outside the replica set
//! with a hint; a stand-in's acknowledgement counts for the replica it stands in for.

use std::cmp::Reverse;

use super::requests::PendingKind;
use super::{Coordinator, CoordinatorOut, Ctx};
use crate::actor::Addr;
use crate::handoff::HandoffMsg;

impl Coordinator {
    /// Sends every write whose hand-off time has come, and still lacks answers, to stand-ins.
    pub(super) fn handoffs_due<O: CoordinatorOut>(&mut self, cx: &mut Ctx<'_, O>) {
        while let Some(&Reverse((at, req))) = self.handoff_due.peek() {
            if at > cx.now {
                break;
            }
            self.handoff_due.pop();
            self.hand_off(req, cx);
        }
    }

    fn hand_off<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        let Some(p) = self.pending.get(req) else { return };
        let PendingKind::Write { key, item, .. } = &p.kind else { return };
        let set = p.replicas();
        // A replica that refused (at its sibling bound, or as fenced) answered: nobody stands in for it.
        let silent: Vec<Addr> =
            set.iter().enumerate().filter(|(i, _)| (p.answered | p.refused) & (1 << i) == 0).map(|(_, &r)| r).collect();
        let stand_ins = stand_ins(cx.members.addrs(), set, cx.id, silent.len());
        for (&intended, to) in silent.iter().zip(stand_ins) {
            cx.stats.hinted_writes += 1;
            cx.out.to_stand_in(to, HandoffMsg::Hinted { req, key: *key, item: item.clone(), intended });
        }
    }

    /// A stand-in holds the hint for `intended`: counts as `intended`'s answer, sloppily.
    pub fn on_hint_ack<O: CoordinatorOut>(&mut self, req: u64, intended: Addr, cx: &mut Ctx<'_, O>) {
        let Some(p) = self.pending.get_mut(req) else { return };
        if !matches!(p.kind, PendingKind::Write { .. }) {
            return;
        }
        if p.mark(intended) {
            if let PendingKind::Write { stand_ins, .. } = &mut p.kind {
                *stand_ins += 1;
            }
            self.complete_if_done(req, cx);
        }
    }
}

/// Up to `count` stand-ins for a replica set: the nodes outside it (and other than the
/// coordinator, which would have to hold a hint for itself), in address order starting after
/// the set's first replica, as Dynamo walks its ring past the preference list.
pub(super) fn stand_ins(members: &[Addr], set: &[Addr], coordinator: Addr, count: usize) -> Vec<Addr> {
    let start = set.first().map_or(0, |&first| members.partition_point(|&m| m <= first));
    let ring = members[start..].iter().chain(&members[..start]);
    ring.copied().filter(|m| !set.contains(m) && *m != coordinator).take(count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_walk_the_ring_past_the_replica_set_skipping_the_coordinator() {
        let members = [0, 1, 2, 3, 4, 5];
        assert_eq!(stand_ins(&members, &[3, 4, 5], 9, 2), [0, 1]);
        assert_eq!(stand_ins(&members, &[1, 2, 3], 4, 3), [5, 0]);
        assert_eq!(stand_ins(&members, &[0, 1, 2], 9, 9), [3, 4, 5], "never more than the nodes outside");
    }
}
