//! Replication and commit of the shard map: the leader's heartbeats (carrying the map to
//! followers that are behind and the lease echo), check-quorum, the slow-leader check, the
//! followers' acceptance, and the leader's commit once a majority of voters accepted.

use super::msg::{Append, AppendAck};
use super::{Control, ControlEvent, ControlOut, Ctl, Role, StepDownReason};
use crate::actor::Addr;
use crate::bugs::{self, Bug};
use crate::shard_map::ShardMap;

impl Control {
    /// Accepts `map` as this node's own proposal in its current term (a leader's next map).
    pub(super) fn propose(&mut self, map: ShardMap) {
        assert!(map.epoch > self.durable.map.epoch, "a proposal moves the epoch forward");
        // Revoke before grant: a shard never passes straight from one primary to another.
        // One pass over the shards per proposal; proposals are rare.
        assert!(
            self.durable
                .map
                .primaries()
                .iter()
                .zip(map.primaries())
                .all(|(old, new)| old == new || old.is_none() || new.is_none()),
            "a primary is revoked before its shard is granted to another node"
        );
        self.durable.accepted_term = self.durable.term;
        self.durable.map = map;
        self.refresh_voters();
        if let Role::Leader(l) = &mut self.role {
            l.in_flight = Some(self.durable.map.epoch);
            l.last_heartbeat = 0; // send at once
        }
        self.drop_roles_not_in_map();
    }

    /// A follower handles its leader's heartbeat: accepts a newer map, takes committed roles,
    /// renews its lease and answers.
    pub(super) fn on_append(&mut self, now: u64, from: Addr, a: Append, out: &mut impl ControlOut) {
        self.observe_term(a.term, now, out);
        if a.term < self.durable.term {
            let accepted = self.durable.last();
            let ack = AppendAck { term: self.durable.term, ok: false, accepted, sent: now, echo: a.sent };
            out.send(from, Ctl::AppendAck(ack));
            return;
        }
        if bugs::on(Bug::LeaderLingers) && self.is_leader() {
            return; // the lingering leader of the adopted term takes no other leader's word
        }
        if !matches!(self.role, Role::Follower { leader: Some(l) } if l == from) {
            self.role = Role::Follower { leader: Some(from) };
        }
        self.last_leader_contact = Some(now);
        self.map_confirmed = true; // the leader's heartbeat brings any newer map with it
        self.reset_election_timer(now);
        let mut replaced = false;
        if let Some((acc_term, map)) = a.map.map(|b| *b) {
            // Only a newer map replaces ours. A heartbeat delayed behind a later one carries an
            // older map of the same leader: taking it rolled the follower back to stale primary
            // roles (two primaries at once) until the leader, which saw it up to date, resent.
            let newer = (acc_term, map.epoch) > self.durable.last();
            if newer || (bugs::on(Bug::StaleAppend) && (acc_term, map.epoch) != self.durable.last()) {
                self.durable.accepted_term = acc_term;
                self.durable.map = map;
                self.refresh_voters();
                self.drop_roles_not_in_map();
                replaced = true;
            }
        }
        if self.durable.accepted_term == a.term && self.durable.map.epoch <= a.commit_epoch {
            // Taking roles scans every shard: only when something changed, not on every
            // heartbeat (at 10,000 shards that scan dominated the run).
            if replaced || self.commit_epoch != self.durable.map.epoch || !self.roles_taken {
                self.commit_epoch = self.durable.map.epoch;
                self.take_committed_roles();
            }
        }
        if let Some(anchor) = a.lease_echo {
            self.extend_lease(anchor + self.cfg.lease_ms, out);
        }
        self.report_roles(out, now);
        self.assert_commit_within_map();
        let accepted = self.durable.last();
        out.send(from, Ctl::AppendAck(AppendAck { term: a.term, ok: true, accepted, sent: now, echo: a.sent }));
        self.forward_requests(now, from, out);
    }

    /// The leader records a follower's answer, then commits what a majority accepted.
    pub(super) fn on_append_ack(&mut self, now: u64, from: Addr, a: AppendAck, out: &mut impl ControlOut) {
        self.observe_term(a.term, now, out);
        if a.term != self.durable.term || !a.ok {
            return;
        }
        let slot = self.members.slot(from);
        if let (Role::Leader(l), Some(slot)) = (&mut self.role, slot) {
            let p = &mut l.peers[slot];
            p.last_ack = Some(now);
            p.accepted = p.accepted.max(a.accepted);
            p.lease_anchor = Some(a.sent);
            p.acked_sent = p.acked_sent.max(a.echo);
            l.rtts.push(now.saturating_sub(a.echo));
            if l.rtts.len() > 64 {
                l.rtts.drain(..32);
            }
        }
        self.advance_commit(now, out);
    }

    /// Commits the in-flight map once a majority of voters accepted it, and renews the
    /// leader's own lease from the round trips a majority answered.
    fn advance_commit(&mut self, now: u64, out: &mut impl ControlOut) {
        let majority = self.majority();
        let last = self.durable.last();
        let id = self.id;
        let (voters, slots) = (self.voters.addrs(), &self.voter_slots);
        let Role::Leader(l) = &mut self.role else { return };
        let peers = &l.peers;
        let accepted = voters.iter().zip(slots).filter(|&(&v, &s)| v == id || peers[s].accepted >= last).count();
        let mut committed = None;
        if l.in_flight.is_some() && accepted >= majority {
            committed = Some(last.1);
        }
        // The leader's own lease: anchored at the send time of the newest heartbeat that a
        // majority (counting itself, at `now`) has answered.
        // Runs on every acknowledgement: sort in a buffer kept with the leader.
        let mut sent = std::mem::take(&mut l.scratch);
        sent.clear();
        sent.extend(voters.iter().zip(slots).filter(|&(&v, _)| v != id).map(|(_, &s)| peers[s].acked_sent));
        sent.sort_unstable_by(|a, b| b.cmp(a));
        let anchor = if majority <= 1 { Some(now) } else { sent.get(majority - 2).copied().filter(|&t| t > 0) };
        l.scratch = sent;
        if committed.is_some() {
            l.in_flight = None;
        }
        if let Some(epoch) = committed {
            self.commit_epoch = epoch;
            self.take_committed_roles();
            out.event(ControlEvent::Committed { epoch, assigned: self.durable.map.assigned() });
            self.report_migrations(now, out);
            self.report_standing(out);
        }
        if let Some(anchor) = anchor {
            if self.extend_lease(anchor + self.cfg.lease_ms, out) {
                // The leader bounds its own lease: it drops its roles when it runs out.
                out.event(ControlEvent::LeaseBound { node: id, until_local: self.lease_until });
            }
        }
        self.report_roles(out, now);
        self.assert_commit_within_map();
    }

    /// Roles come from a committed map, and the accepted map never moves back: so the commit
    /// epoch never runs past the accepted map's epoch (it did when a delayed heartbeat rolled a
    /// follower back).
    fn assert_commit_within_map(&self) {
        if bugs::on(Bug::StaleAppend) {
            return; // the planted bug breaks this on purpose: the checkers must find it
        }
        assert!(
            self.commit_epoch <= self.durable.map.epoch,
            "node {}: commit epoch {} is past the accepted map's epoch {}",
            self.id,
            self.commit_epoch,
            self.durable.map.epoch
        );
    }

    /// A leader's wake-up: check-quorum, the slow-leader check, one reconciliation step, and
    /// heartbeats when due.
    pub(super) fn leader_tick(&mut self, now: u64, out: &mut impl ControlOut) {
        if !self.check_quorum(now) {
            self.step_down(now, StepDownReason::LostQuorum, out);
            return;
        }
        if self.too_slow() {
            self.step_down(now, StepDownReason::Slow, out);
            return;
        }
        // A migration step and a reconciliation move each propose a map: one per tick.
        if matches!(&self.role, Role::Leader(l) if l.in_flight.is_none()) && !self.migrations_tick(now, out) {
            self.reconcile(now, out);
        }
        self.heartbeat(now, out);
    }

    /// Check-quorum: a leader that has not heard from a majority of voters for an election
    /// timeout must step down, so a partitioned leader stops granting leases. A peer not heard
    /// from yet counts from the election, so a new leader gets a full election timeout to
    /// collect its first acknowledgements.
    fn check_quorum(&self, now: u64) -> bool {
        let Role::Leader(l) = &self.role else { return true };
        let election_max = self.cfg.election_timeout_ms.1;
        let heard = |s: usize| {
            let p = &l.peers[s];
            now < p.last_ack.unwrap_or(l.since).max(l.since) + election_max
        };
        let recent =
            self.voters.addrs().iter().zip(&self.voter_slots).filter(|&(&v, &s)| v == self.id || heard(s)).count();
        recent >= self.majority()
    }

    /// True when the median of the last 16 heartbeat round trips exceeds `slow_leader_rtt`.
    fn too_slow(&self) -> bool {
        let Role::Leader(l) = &self.role else { return false };
        if self.cfg.slow_leader_rtt_ms == 0 || l.rtts.len() < 16 {
            return false;
        }
        let mut recent: Vec<u64> = l.rtts[l.rtts.len() - 16..].to_vec();
        recent.sort_unstable();
        recent[8] > self.cfg.slow_leader_rtt_ms
    }

    /// Sends every member a heartbeat when one is due: the map if it is behind, the commit
    /// epoch, and the echo of its latest ack (which renews its lease).
    fn heartbeat(&mut self, now: u64, out: &mut impl ControlOut) {
        let id = self.id;
        let Role::Leader(l) = &mut self.role else { return };
        if now < l.last_heartbeat + self.cfg.heartbeat_ms {
            return;
        }
        l.last_heartbeat = now;
        let term = self.durable.term;
        let last = self.durable.last();
        let lease_wait = self.cfg.lease_wait_ms();
        out.event(ControlEvent::LeaderAct { term });
        for (p, &peer) in l.peers.iter_mut().zip(self.members.addrs()) {
            if peer == id {
                continue;
            }
            let map = (p.accepted < last).then(|| Box::new((self.durable.accepted_term, self.durable.map.clone())));
            let lease_echo = p.lease_anchor.take();
            if lease_echo.is_some() {
                p.last_echo_sent = Some(now);
                // The revoke wait counts from here: the leader's bound on this node's lease.
                out.event(ControlEvent::LeaseBound { node: peer, until_local: now + lease_wait });
            }
            out.send(peer, Ctl::Append(Append { term, map, commit_epoch: self.commit_epoch, lease_echo, sent: now }));
        }
    }
}
