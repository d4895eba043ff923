//! Targeted reads, hedges and the circuit breaker's bookkeeping. With hedging on, a read asks
//! exactly R replicas ([`targets`](super::targets) says which) and, while fewer than R answered,
//! one more after each hedge delay. With the breaker on, replicas behind an open breaker are
//! left out of reads when others suffice, every replica asked is followed until it answers or
//! the request's deadline (a done request stays as a stub until then), and the ones that did
//! not answer in time count as timeouts.

use std::cmp::Reverse;

use super::breaker::Change;
use super::config::{Hedge, HedgeDelay};
use super::latencies::hedge_delay_ms;
use super::requests::{Pending, PendingKind};
use super::targets::{first_targets, next_target};
use super::{Coordinator, CoordinatorOut, CoordinatorTimer, Ctx};
use crate::replica::ReplicaRequest;

impl Coordinator {
    /// True when answers are followed per replica (hedging or the breaker is on).
    #[inline]
    pub(super) fn tracks_replicas(&self) -> bool {
        self.cfg.hedge != Hedge::Off || self.breakers.is_some()
    }

    /// Notes that `replica` answered request `req` (its latency, its breaker); true when the
    /// request was already done and this was a straggler it waited for.
    pub(super) fn heard<O: CoordinatorOut>(&mut self, req: u64, replica: u32, cx: &mut Ctx<'_, O>) -> bool {
        let Some(p) = self.pending.get_mut(req) else { return false };
        let Some(i) = p.replicas().iter().position(|&r| r == replica) else { return false };
        let bit = 1u64 << i;
        let first = p.asked & bit != 0 && p.heard & bit == 0;
        p.heard |= bit;
        let settled = matches!(p.kind, PendingKind::Settled);
        let all_heard = p.asked & !p.heard == 0;
        // Latencies of replicas asked when a read began (a hedge's clock starts later), answering
        // while it still waited. Answers after it completed are left out: a replica that hedges
        // always beat would otherwise pull the delay up to its own latency, and hedging would
        // stop helping exactly where it should (the same with the breaker on or off).
        let waiting = p.hedgeable();
        let started = p.deadline - self.cfg.request_timeout_ms;
        let latency = (waiting && p.hedged & bit == 0).then(|| cx.now.saturating_sub(started));
        if first && replica != cx.id {
            if let (Some(ms), Hedge::Targeted(HedgeDelay::Percentile { .. })) = (latency, self.cfg.hedge) {
                self.latencies.record(ms);
            }
            if let Some(b) = &mut self.breakers {
                b.answered(replica, req);
            }
        }
        if settled && all_heard {
            self.pending.remove(req);
        }
        settled
    }

    /// Asks the replicas a read needs (R of them with hedging on; every one that is not behind
    /// an open breaker, when the others suffice, otherwise), plus any whose probe is due; true
    /// when this node is among them (it answers itself without a message).
    pub(super) fn ask_readers<O: CoordinatorOut>(&mut self, req: u64, key: u64, cx: &mut Ctx<'_, O>) -> bool {
        let Some(p) = self.pending.get(req) else { return false };
        let (required, all, epoch) = (p.required as usize, p.asked, p.routed);
        let sets = p.sets.clone();
        let replicas = &sets[p.shard as usize];
        let healthy = |r: u32| self.breakers.as_ref().is_none_or(|b| b.healthy(r));
        let any_unhealthy = self.breakers.as_ref().is_some_and(|b| b.any_unhealthy());
        let mut asked = match self.cfg.hedge {
            Hedge::Targeted(_) => {
                let start = (req % replicas.len() as u64) as usize;
                let chosen = first_targets(replicas, cx.id, start, required, healthy);
                if any_unhealthy && chosen != first_targets(replicas, cx.id, start, required, |_| true) {
                    cx.stats.breaker_routed_around += 1;
                }
                chosen
            }
            Hedge::Off => {
                let mut healthy_ones = 0u64;
                for (i, &r) in replicas.iter().enumerate() {
                    if r == cx.id || healthy(r) {
                        healthy_ones |= 1 << i;
                    }
                }
                if healthy_ones != all && healthy_ones.count_ones() as usize >= required {
                    cx.stats.breaker_routed_around += 1;
                    healthy_ones
                } else {
                    all
                }
            }
        };
        asked |= self.probe_due_replicas(req, cx);
        if let Some(p) = self.pending.get_mut(req) {
            p.asked = asked;
        }
        let mut local = false;
        for (i, &replica) in replicas.iter().enumerate() {
            if asked & (1 << i) == 0 {
                continue;
            }
            if replica == cx.id {
                local = true;
            } else {
                cx.out.to_replica(replica, ReplicaRequest::Read { req, key, fence: None, epoch });
            }
        }
        local
    }

    /// Makes request `req` the probe of every replica of its set whose breaker's probe is
    /// due; returns them as a bitmask over the replica set.
    pub(super) fn probe_due_replicas<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) -> u64 {
        let (Some(b), Some(p)) = (&mut self.breakers, self.pending.get(req)) else { return 0 };
        if !b.any_unhealthy() {
            return 0;
        }
        let mut probes = 0;
        for (i, &replica) in p.replicas().iter().enumerate() {
            if b.probe_due(replica, cx.now) {
                b.probe(replica, req);
                cx.stats.breaker_probes += 1;
                probes |= 1 << i;
            }
        }
        probes
    }

    /// The current hedge delay, if targeted reads hedge at all.
    fn hedge_delay(&mut self) -> Option<u64> {
        match self.cfg.hedge {
            Hedge::Off | Hedge::Targeted(HedgeDelay::Never) => None,
            Hedge::Targeted(HedgeDelay::Fixed { ms }) => Some(ms.max(1)),
            Hedge::Targeted(HedgeDelay::Percentile { percentile, fallback_ms }) => {
                Some(hedge_delay_ms(&mut self.latencies, percentile, fallback_ms, self.cfg.request_timeout_ms))
            }
        }
    }

    /// Sets read `req`'s next hedge one hedge delay from now, if it still lacks answers, some
    /// replica is left to ask and the hedge would come before its deadline.
    pub(super) fn schedule_hedge<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        let Some(p) = self.pending.get(req) else { return };
        let replicas = p.replicas().len();
        if !p.hedgeable() || p.asked.count_ones() as usize >= replicas {
            return;
        }
        let deadline = p.deadline;
        let Some(delay) = self.hedge_delay() else { return };
        let due = cx.now + delay;
        if due >= deadline {
            return;
        }
        self.hedges.push(Reverse((due, req)));
        if let Some(delay) = self.wake.ensure(cx.now, due) {
            cx.out.timer(delay, CoordinatorTimer::RequestsDue { at: due });
        }
    }

    /// Read `req`'s hedge is due: if it still lacks answers, ask the next replica.
    pub(super) fn hedge<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) {
        let Some(p) = self.pending.get_mut(req) else { return };
        let PendingKind::Read { key, .. } = p.kind else { return };
        if !p.hedgeable() {
            return;
        }
        let (sets, epoch) = (p.sets.clone(), p.routed);
        let replicas = &sets[p.shard as usize];
        let start = (req % replicas.len() as u64) as usize;
        let healthy = |r: u32| self.breakers.as_ref().is_none_or(|b| b.healthy(r));
        let Some(i) = next_target(replicas, cx.id, start, p.asked, healthy) else { return };
        p.asked |= 1 << i;
        p.hedged |= 1 << i;
        cx.stats.hedges += 1;
        if replicas[i] == cx.id {
            self.answer_locally(req, key, cx);
        } else {
            cx.out.to_replica(replicas[i], ReplicaRequest::Read { req, key, fence: None, epoch });
        }
        self.schedule_hedge(req, cx);
    }

    /// Takes request `req` out of the table because it is done (or at its deadline). With the
    /// breaker on, a request done before its deadline whose replicas have not all answered
    /// leaves a stub that waits for them; at the deadline, those that never answered time out.
    pub(super) fn retire<O: CoordinatorOut>(&mut self, req: u64, cx: &mut Ctx<'_, O>) -> Option<Pending> {
        if self.breakers.is_none() {
            return self.pending.remove(req);
        }
        let p = self.pending.get_mut(req)?;
        let missing = p.asked & !p.heard;
        if missing != 0 && cx.now < p.deadline {
            let stub = p.settled();
            return Some(std::mem::replace(p, stub));
        }
        let p = self.pending.remove(req)?;
        if missing != 0 {
            let replicas = p.replicas();
            let b = self.breakers.as_mut().expect("breakers on");
            for (i, &replica) in replicas.iter().enumerate() {
                if missing & (1 << i) != 0 && replica != cx.id && b.timed_out(replica, req, cx.now) == Change::Opened {
                    cx.stats.breaker_opened += 1;
                }
            }
        }
        Some(p)
    }
}
