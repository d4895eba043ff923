//! Elections: randomized timeouts, pre-votes (a node that merely lost touch cannot disrupt a
//! healthy leader), votes under the election restriction, becoming leader, stepping down.

use std::collections::BTreeSet;

use rand::RngExt;

use super::state::LeaderState;
use super::{Control, ControlEvent, ControlOut, Ctl, Role, StepDownReason};
use crate::actor::Addr;
use crate::bugs::{self, Bug};

impl Control {
    /// Votes needed to win, and acknowledgements needed to commit.
    pub(super) fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    pub(super) fn reset_election_timer(&mut self, now: u64) {
        let (lo, hi) = self.cfg.election_timeout_ms;
        self.election_deadline = now + self.rng.random_range(lo..=hi.max(lo));
    }

    fn broadcast_to_voters(&self, out: &mut impl ControlOut, msg: Ctl) {
        for &peer in self.voters.addrs() {
            if peer != self.id {
                out.send(peer, msg.clone());
            }
        }
    }

    pub(super) fn start_pre_vote(&mut self, now: u64, out: &mut impl ControlOut) {
        self.reset_election_timer(now);
        if now < self.cooldown_until || !self.voters.contains(self.id) {
            return;
        }
        if self.voters.len() == 1 {
            self.become_candidate(now, out);
            return;
        }
        self.role = Role::PreCandidate { votes: BTreeSet::from([self.id]) };
        self.broadcast_to_voters(out, Ctl::PreVote { term: self.durable.term + 1, last: self.durable.last() });
    }

    fn become_candidate(&mut self, now: u64, out: &mut impl ControlOut) {
        self.durable.term += 1;
        self.durable.voted_for = Some(self.id);
        self.role = Role::Candidate { votes: BTreeSet::from([self.id]) };
        self.reset_election_timer(now);
        if self.voters.len() == 1 {
            self.become_leader(now, out);
            return;
        }
        self.broadcast_to_voters(out, Ctl::Vote { term: self.durable.term, last: self.durable.last() });
    }

    fn become_leader(&mut self, now: u64, out: &mut impl ControlOut) {
        let term = self.durable.term;
        // The first leader of a cluster (term 1) has no predecessor whose leases it must outwait.
        let grant_ready_at = if term <= 1 { now } else { now + self.cfg.election_wait_ms() };
        let shards = self.durable.map.shards() as usize;
        self.role = Role::Leader(Box::new(LeaderState::new(now, self.members.len(), shards, grant_ready_at)));
        self.map_confirmed = true; // elected: its map is at least as new as any committed one
        out.event(ControlEvent::BecameLeader { term });
        // Re-propose the map under this term (Raft's no-op entry): it commits once a majority
        // accepts it, which also commits everything before it.
        let mut next = self.durable.map.clone();
        next.epoch += 1;
        self.propose(next);
        self.leader_tick(now, out);
    }

    pub(super) fn step_down(&mut self, now: u64, reason: StepDownReason, out: &mut impl ControlOut) {
        if let Role::Leader(_) = self.role {
            out.event(ControlEvent::SteppedDown { term: self.durable.term, reason });
        }
        self.role = Role::Follower { leader: None };
        self.reset_election_timer(now);
        if reason == StepDownReason::Slow {
            self.cooldown_until = now + self.cfg.step_down_cooldown_ms;
        }
    }

    /// Adopts a higher term seen in any message, stepping down if leading.
    pub(super) fn observe_term(&mut self, term: u64, now: u64, out: &mut impl ControlOut) {
        if term > self.durable.term {
            if !(bugs::on(Bug::LeaderLingers) && self.is_leader()) {
                self.step_down(now, StepDownReason::HigherTerm, out);
            }
            self.durable.term = term;
            self.durable.voted_for = None;
        }
    }

    /// Grants a pre-vote only if this node would vote (map as fresh as ours) and has not heard
    /// from a leader within the minimum election timeout.
    pub(super) fn on_pre_vote(&mut self, now: u64, from: Addr, term: u64, last: (u64, u64), out: &mut impl ControlOut) {
        let leader_alive =
            self.is_leader() || self.last_leader_contact.is_some_and(|t| now < t + self.cfg.election_timeout_ms.0);
        let granted = term > self.durable.term && last >= self.durable.last() && !leader_alive;
        out.send(from, Ctl::PreVoteReply { term, granted });
    }

    pub(super) fn on_pre_vote_reply(
        &mut self,
        now: u64,
        from: Addr,
        term: u64,
        granted: bool,
        out: &mut impl ControlOut,
    ) {
        let voter = self.voters.contains(from);
        let majority = self.majority();
        if let Role::PreCandidate { votes } = &mut self.role {
            if granted && term == self.durable.term + 1 && voter {
                votes.insert(from);
                if votes.len() >= majority {
                    self.become_candidate(now, out);
                }
            }
        } else if term > self.durable.term + 1 {
            self.observe_term(term - 1, now, out);
        }
    }

    pub(super) fn on_vote(&mut self, now: u64, from: Addr, term: u64, last: (u64, u64), out: &mut impl ControlOut) {
        self.observe_term(term, now, out);
        let granted = term == self.durable.term
            && self.durable.voted_for.is_none_or(|v| v == from)
            && last >= self.durable.last();
        if granted {
            self.durable.voted_for = Some(from);
            self.reset_election_timer(now);
        }
        out.send(from, Ctl::VoteReply { term: self.durable.term, granted });
    }

    pub(super) fn on_vote_reply(&mut self, now: u64, from: Addr, term: u64, granted: bool, out: &mut impl ControlOut) {
        self.observe_term(term, now, out);
        let voter = self.voters.contains(from);
        let majority = self.majority();
        if let Role::Candidate { votes } = &mut self.role {
            if granted && term == self.durable.term && voter {
                votes.insert(from);
                if votes.len() >= majority {
                    self.become_leader(now, out);
                }
            }
        }
    }
}
