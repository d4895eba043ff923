//! The control plane of one node: Raft-style leader election and the replicated shard map
//! (which node is each shard's primary), as a pure state machine split by concern:
//! [`election`] (terms, pre-votes, votes, stepping down), [`replication`] (the leader's
//! heartbeats, appends, acknowledgements and commits), [`lease`] (a primary's lease and roles)
//! and [`reconcile`] (the evaluation loop's target and the one-safe-step-at-a-time moves).
//!
//! The replicated state is a single value, the [`ShardMap`], not a log: every append carries
//! the leader's whole map, and followers replace theirs. This is Raft with the log compacted to
//! its latest snapshot: a map counts (is committed) once a majority of voters accepted it in
//! the proposing leader's term, a candidate needs votes from a majority whose accepted
//! `(term, epoch)` is not newer than its own (the election restriction), and a new leader
//! re-proposes its map under its own term before changing anything. So a new leader always
//! starts from the latest committed map.
//!
//! Safety of primaries (never two at once) rests on leases measured on local clocks whose
//! rate error is bounded by `max_drift` (ρ):
//! - a node acts as primary only for shards the committed map gives it, and only while its
//!   lease is valid; a lease is anchored at the node's own send time of the ack the leader
//!   answers, so it always ends before the leader thinks it does;
//! - the leader revokes before it grants: it commits a map without the old primary, then waits
//!   until that node acknowledged it or the last lease it sent there has surely expired
//!   (`lease·(1+ρ)/(1−ρ)` on its own clock), and only then grants the shard anew;
//! - a new leader grants nothing for `(check_quorum + lease)·(1+ρ)/(1−ρ)` after its election,
//!   which covers leases granted by a deposed leader until check-quorum made it step down.

mod config;
mod durable;
mod election;
mod lease;
mod migrating;
pub mod migration;
mod msg;
mod placement;
mod reconcile;
mod replication;
mod standing;
mod state;
pub mod throttle;
mod voters;

use std::collections::BTreeSet;

use rand_chacha::ChaCha8Rng;

use crate::actor::{Addr, Input, Outbox, Wake};
use crate::bugs::{self, Bug};
use crate::membership::Members;
use crate::shard_map::ShardMap;

pub use config::{ControlConfig, MigrationPolicy, ZoneBudget};
pub use durable::ControlDurable;
pub use msg::{Append, AppendAck, ControlEvent, ControlTimer, Ctl, Entry, MemberChange, MigrateMsg, StepDownReason};
pub use standing::AUTO_IDS;

use state::LeaderState;

/// Where the control plane writes: its messages, its timer and its events. Any outbox whose
/// types wrap these takes them, so the control plane writes straight into its node's outbox
/// (an outbox of its own, appended afterwards, cost a drain per input).
pub trait ControlOut {
    /// Queues a message to another node.
    fn send(&mut self, to: Addr, msg: Ctl);
    /// Arms the wake-up timer.
    fn timer(&mut self, delay_ms: u64, timer: ControlTimer);
    /// Reports a change.
    fn event(&mut self, event: ControlEvent);
}

impl<M: From<Ctl>, T: From<ControlTimer>, E: From<ControlEvent>> ControlOut for Outbox<M, T, E> {
    fn send(&mut self, to: Addr, msg: Ctl) {
        Outbox::send(self, to, msg);
    }

    fn timer(&mut self, delay_ms: u64, timer: ControlTimer) {
        Outbox::timer(self, delay_ms, timer);
    }

    fn event(&mut self, event: ControlEvent) {
        Outbox::event(self, event);
    }
}

#[derive(Clone, Debug)]
enum Role {
    Follower { leader: Option<Addr> },
    // Votes are a set, not a u64 bitmask: beyond 64 nodes the shift wrapped and nobody could win.
    PreCandidate { votes: BTreeSet<Addr> },
    Candidate { votes: BTreeSet<Addr> },
    Leader(Box<LeaderState>),
}

/// One node's control plane.
pub struct Control {
    id: Addr,
    cfg: ControlConfig,
    /// Every storage node: followers the leader heartbeats, candidates for primaries.
    members: Members,
    /// The members that vote and may lead: those of the accepted map (see [`voters`]).
    voters: Members,
    /// Each voter's slot among the members, in voter order (looked up on every acknowledgement).
    voter_slots: Vec<usize>,
    durable: ControlDurable,
    role: Role,
    rng: ChaCha8Rng,
    election_deadline: u64,
    last_leader_contact: Option<u64>,
    /// False from a restart until a leader's heartbeat (or leading): the map this life booted
    /// with may name this node a replica of shards moved off it while it was down.
    map_confirmed: bool,
    cooldown_until: u64,
    commit_epoch: u64,
    lease_until: u64,
    roles: BTreeSet<u32>,
    /// Whether this life took its roles from a committed map yet.
    roles_taken: bool,
    reported_roles: Option<(u64, Vec<u32>)>,
    /// Counts changes to `roles`; with the lease's liveness, what `report_roles` last looked
    /// at, so a heartbeat that changed neither skips comparing thousands of shards.
    roles_changes: u64,
    roles_checked: Option<(u64, bool)>,
    /// Local time of the last `on_tick` (a leader ticks every `tick_ms`).
    last_tick: u64,
    /// The one timer armed for the next wake-up.
    wake: Wake,
    /// Migration requests (id, shard, target) this node heard and its map does not hold yet.
    /// Every node keeps them, not only the leader: a request that reached the cluster during an
    /// election, or just before its leader was deposed, is proposed by the next leader instead
    /// of vanishing; a follower also passes them to its leader (a new leader may never have
    /// heard one). Volatile: a crash forgets them (the other nodes still hold them).
    requested: Vec<(u32, u32, Addr)>,
    /// Joins and drains this node heard and its map does not show yet (kept as `requested`).
    member_requests: Vec<(Addr, MemberChange)>,
    /// The leader this node last passed its held requests to, and when (local time).
    forwarded: Option<(Addr, u64)>,
}

impl Control {
    /// A node booting at local time `now` with durable state `durable`, among `members`.
    pub fn new(
        id: Addr,
        members: Members,
        cfg: ControlConfig,
        durable: ControlDurable,
        rng: ChaCha8Rng,
        now: u64,
    ) -> Self {
        let mut durable = durable;
        if durable.map.voters().is_empty() {
            // Every node computes the same first set from the same map: no message needed.
            let map = &durable.map;
            let serving: Vec<Addr> = members.addrs().iter().copied().filter(|&a| map.standing_of(a).serves()).collect();
            let first = voters::initial(&serving, |a| map.zone_of(a), cfg.voters_max.max(1) as usize);
            durable.map.set_voters(first);
        }
        let mut c = Control {
            id,
            cfg,
            members,
            voters: Members::new([]),
            voter_slots: Vec::new(),
            durable,
            role: Role::Follower { leader: None },
            rng,
            election_deadline: 0,
            last_leader_contact: None,
            map_confirmed: true,
            cooldown_until: 0,
            commit_epoch: 0,
            lease_until: 0,
            roles: BTreeSet::new(),
            roles_taken: false,
            reported_roles: None,
            roles_changes: 0,
            roles_checked: None,
            last_tick: now,
            wake: Wake::default(),
            requested: Vec::new(),
            member_requests: Vec::new(),
            forwarded: None,
        };
        c.refresh_voters();
        c.reset_election_timer(now);
        c
    }

    /// Takes the voters of the accepted map (after it changed): Raft uses the newest
    /// configuration a node has, committed or not.
    fn refresh_voters(&mut self) {
        if self.voters.addrs() == self.durable.map.voters() {
            return;
        }
        let members = &self.members;
        self.voters = Members::new(self.durable.map.voters().iter().copied().filter(|&v| members.contains(v)));
        self.voter_slots = self.voters.addrs().iter().map(|&v| members.slot(v).expect("voters are members")).collect();
    }

    /// The durable state (to keep across a crash).
    pub fn durable(&self) -> &ControlDurable {
        &self.durable
    }

    /// Takes the durable state and the random stream out (the node is restarting).
    pub fn into_parts(self) -> (ControlDurable, ChaCha8Rng) {
        (self.durable, self.rng)
    }

    /// True while this node leads.
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// Current term.
    pub fn term(&self) -> u64 {
        self.durable.term
    }

    /// The leader this node follows, if known (itself when leading).
    pub fn leader(&self) -> Option<Addr> {
        match &self.role {
            Role::Leader(_) => Some(self.id),
            Role::Follower { leader } => *leader,
            _ => None,
        }
    }

    /// The shard map this node accepted: replica sets, primaries and their grant epochs.
    pub fn map(&self) -> &ShardMap {
        &self.durable.map
    }

    /// After a restart: the booted map is not trusted for this node's own replica sets until a
    /// leader is heard from (see [`map_confirmed`](Self::map_confirmed)).
    pub fn doubt_map(&mut self) {
        self.map_confirmed = false;
    }

    /// False from a restart until this life heard from a leader or became one: until then its
    /// map may be older than moves made while it was down.
    pub fn map_confirmed(&self) -> bool {
        self.map_confirmed
    }

    /// True when the map this node accepted is known to be committed.
    pub fn map_committed(&self) -> bool {
        self.commit_epoch >= self.durable.map.epoch
    }

    /// Local time this node's lease runs until.
    pub fn lease_until(&self) -> u64 {
        self.lease_until
    }

    /// True when this node may act as primary of `shard` at local time `now`.
    pub fn is_primary(&self, shard: u32, now: u64) -> bool {
        let overrun = if bugs::on(Bug::LeaseOverrun) { self.cfg.lease_ms / 4 } else { 0 };
        self.roles.contains(&shard) && now < self.lease_until + overrun
    }

    /// Handles one control input at local time `now`.
    pub fn on_input(&mut self, now: u64, input: Input<Ctl, ControlTimer>, out: &mut impl ControlOut) {
        match input {
            Input::Msg { from, msg } => self.on_msg(now, from, msg, out),
            Input::Timer(ControlTimer::Tick { at }) => {
                self.wake.fired(at);
                self.on_tick(now, out);
            }
        }
    }

    /// Makes sure the timer is armed for the next wake-up; called after every control input
    /// and at boot, since any of them may move it (a heartbeat pushes back the election, a vote
    /// makes a leader). Nothing else changes it: with its state unchanged, the next wake-up
    /// only moves later as time passes (a lease running out), so the armed timer still covers it.
    pub fn arm(&mut self, now: u64, out: &mut impl ControlOut) {
        let at = self.next_wake(now);
        if let Some(delay) = self.wake.ensure(now, at) {
            out.timer(delay, ControlTimer::Tick { at });
        }
    }

    /// The local time by which `on_tick` must run next: a leader every `tick_ms` (heartbeats,
    /// check-quorum, reconciliation); anyone else at its election deadline or when its lease
    /// runs out. Earlier ticks are harmless.
    fn next_wake(&self, now: u64) -> u64 {
        if self.is_leader() {
            return self.last_tick + self.cfg.tick_ms;
        }
        if !self.roles.is_empty() && self.lease_until > now {
            return self.election_deadline.min(self.lease_until);
        }
        self.election_deadline
    }

    /// Wake-up at local time `now` (see `next_wake`).
    fn on_tick(&mut self, now: u64, out: &mut impl ControlOut) {
        self.last_tick = now;
        if now >= self.lease_until && !self.roles.is_empty() {
            self.report_roles(out, now);
        }
        match &self.role {
            Role::Leader(_) => self.leader_tick(now, out),
            _ => {
                if now >= self.election_deadline {
                    self.start_pre_vote(now, out);
                }
            }
        }
    }

    /// Handles a control message from `from` at local time `now`: each kind goes to the
    /// concern that owns it.
    fn on_msg(&mut self, now: u64, from: Addr, msg: Ctl, out: &mut impl ControlOut) {
        match msg {
            Ctl::PreVote { term, last } => self.on_pre_vote(now, from, term, last, out),
            Ctl::PreVoteReply { term, granted } => self.on_pre_vote_reply(now, from, term, granted, out),
            Ctl::Vote { term, last } => self.on_vote(now, from, term, last, out),
            Ctl::VoteReply { term, granted } => self.on_vote_reply(now, from, term, granted, out),
            Ctl::Append(append) => self.on_append(now, from, append, out),
            Ctl::AppendAck(ack) => self.on_append_ack(now, from, ack, out),
            Ctl::Migrate(m) => self.on_migrate(m),
        }
    }
}

#[cfg(test)]
mod tests;
