//! The control plane of one node: Raft-style leader election and the replicated shard
//! assignment (which node is each shard's primary), as a pure state machine.
//!
//! The replicated state is a single value, the [`Assignment`], not a log: every append
//! carries the leader's whole assignment, and followers replace theirs. This is Raft with the
//! log compacted to its latest snapshot: an assignment counts (is committed) once a majority
//! accepted it in the proposing leader's term, a candidate needs votes from a majority whose
//! accepted `(term, epoch)` is not newer than its own (the election restriction), and a new
//! leader re-proposes its assignment under its own term before changing anything. So a new
//! leader always starts from the latest committed assignment.
//!
//! Safety of primaries (never two at once) rests on leases measured on local clocks whose
//! rate error is bounded by `max_drift` (ρ):
//! - a node acts as primary only for shards the committed assignment gives it, and only while
//!   its lease is valid; a lease is anchored at the node's own send time of the ack the leader
//!   answers, so it always ends before the leader thinks it does;
//! - the leader revokes before it grants: it commits an assignment without the old primary,
//!   then waits until that node acknowledged it or the last lease it sent there has surely
//!   expired (`lease·(1+ρ)/(1−ρ)` on its own clock), and only then grants the shard anew;
//! - a new leader grants nothing for `(check_quorum + lease)·(1+ρ)/(1−ρ)` after its election,
//!   which covers leases granted by a deposed leader until check-quorum made it step down.

use std::collections::BTreeSet;
use std::sync::Arc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::message::Addr;

/// Settings of the control plane (all durations in local milliseconds).
#[derive(Clone, Debug)]
pub struct ControlConfig {
    /// Election timeouts are drawn uniformly from this range.
    pub election_timeout_ms: (u64, u64),
    /// Leader heartbeat interval.
    pub heartbeat_ms: u64,
    /// How often the state machine wakes up to check its timers.
    pub tick_ms: u64,
    /// Length of a primary's lease.
    pub lease_ms: u64,
    /// Promised bound on clock rate error (e.g. 0.01 for 1%).
    pub max_drift: f64,
    /// A leader whose median heartbeat round trip exceeds this steps down (0: never).
    pub slow_leader_rtt_ms: u64,
    /// After stepping down for being slow, do not campaign for this long.
    pub step_down_cooldown_ms: u64,
    /// Only the nodes with the lowest addresses, this many at most, vote and may lead; the
    /// others follow. Raft over 1,000 voters split its votes forever (dozens of candidates per
    /// round trip) and flooded the network with vote requests.
    pub voters_max: u32,
}

impl Default for ControlConfig {
    fn default() -> Self {
        ControlConfig {
            election_timeout_ms: (150, 300),
            heartbeat_ms: 50,
            tick_ms: 10,
            lease_ms: 2_000,
            max_drift: 0.01,
            slow_leader_rtt_ms: 0,
            step_down_cooldown_ms: 5_000,
            voters_max: 7,
        }
    }
}

impl ControlConfig {
    /// How long, on the leader's clock, until a lease sent now has surely expired everywhere.
    pub fn lease_wait_ms(&self) -> u64 {
        stretch(self.lease_ms, self.max_drift)
    }

    /// How long a new leader waits before its first grant.
    pub fn election_wait_ms(&self) -> u64 {
        stretch(self.election_timeout_ms.1 + self.lease_ms, self.max_drift)
    }
}

/// `ms · (1+ρ)/(1−ρ)`, rounded up: a local duration that covers `ms` on any clock within ρ.
fn stretch(ms: u64, rho: f64) -> u64 {
    (ms as f64 * (1.0 + rho) / (1.0 - rho)).ceil() as u64
}

/// Which node is the primary (owner) of each shard, versioned by an epoch.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Assignment {
    /// Bumped by every change.
    pub epoch: u64,
    /// Primary per shard (`None`: unassigned). Shared (copy on write): heartbeats to followers
    /// that are behind carry the whole assignment, and clones must not copy 10,000 shards.
    pub primaries: Arc<Vec<Option<Addr>>>,
    /// Per shard, the epoch its current primary (or vacancy) was set at: the fencing token
    /// a primary stamps its writes with.
    pub granted_at: Arc<Vec<u64>>,
}

/// The durable part of the control plane (Raft's persistent state).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControlDurable {
    /// Latest term seen.
    pub term: u64,
    /// Whom this node voted for in `term`.
    pub voted_for: Option<Addr>,
    /// Term of the leader that proposed the accepted assignment.
    pub accepted_term: u64,
    /// The accepted assignment.
    pub assignment: Assignment,
}

impl ControlDurable {
    /// Fresh state with `shards` unassigned shards.
    pub fn new(shards: u32) -> Self {
        ControlDurable {
            assignment: Assignment {
                epoch: 0,
                primaries: Arc::new(vec![None; shards as usize]),
                granted_at: Arc::new(vec![0; shards as usize]),
            },
            ..Default::default()
        }
    }

    fn last(&self) -> (u64, u64) {
        (self.accepted_term, self.assignment.epoch)
    }
}

/// Control-plane messages.
#[derive(Clone, Debug)]
pub enum Ctl {
    /// "Would you vote for me in `term`?" (does not change anyone's term).
    PreVote { term: u64, last: (u64, u64) },
    /// Answer to a pre-vote.
    PreVoteReply { term: u64, granted: bool },
    /// Vote request of a candidate.
    Vote { term: u64, last: (u64, u64) },
    /// Answer to a vote request.
    VoteReply { term: u64, granted: bool },
    /// Leader heartbeat; carries the assignment when the follower is behind, the committed
    /// epoch, and the echo of the follower's last ack time, which renews its lease.
    /// The assignment is boxed: it rides on few heartbeats, and inline it made every message
    /// (and so every queued input) 16 bytes larger.
    Append {
        term: u64,
        assignment: Option<Box<(u64, Assignment)>>,
        commit_epoch: u64,
        lease_echo: Option<u64>,
        sent: u64,
    },
    /// Follower's answer: what it has accepted, its local send time (lease anchor) and the
    /// leader's send time echoed (for round-trip measurement).
    AppendAck { term: u64, ok: bool, accepted: (u64, u64), sent: u64, echo: u64 },
}

/// Observable changes of the control plane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ControlEvent {
    /// This node became leader of `term`.
    BecameLeader { term: u64 },
    /// This node stopped being leader.
    SteppedDown { term: u64, reason: StepDownReason },
    /// The set of shards this node acts as primary for changed (valid only under a lease).
    Roles { epoch: u64, shards: Vec<u32> },
    /// The node's lease now runs until this local time (converted to simulated time by the driver).
    Lease { until_local: u64 },
    /// The leader committed an assignment.
    Committed { epoch: u64, assigned: u32 },
}

/// Why a leader stopped leading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDownReason {
    /// It saw a higher term.
    HigherTerm,
    /// It could not reach a majority for an election timeout (check-quorum).
    LostQuorum,
    /// Its own heartbeat round trips were too slow.
    Slow,
}

#[derive(Clone, Debug, Default)]
struct Peer {
    last_ack: Option<u64>,
    accepted: (u64, u64),
    /// Follower's send time of its latest ack: echoed back to renew its lease.
    lease_anchor: Option<u64>,
    /// Local time the leader last sent this follower a lease echo.
    last_echo_sent: Option<u64>,
    /// Leader send time of the latest heartbeat this follower answered.
    acked_sent: u64,
}

#[derive(Clone, Debug)]
struct Revoke {
    shard: u32,
    from: Addr,
    epoch: u64,
    wait_until: u64,
}

#[derive(Clone, Debug)]
struct LeaderState {
    /// When this node became leader: check-quorum counts a peer as heard from then.
    since: u64,
    peers: Vec<Peer>,
    last_heartbeat: u64,
    grant_ready_at: u64,
    /// The assignment proposed and not yet committed, if any.
    in_flight: Option<u64>,
    /// Revokes waiting for the old primary's confirmation or lease expiry.
    revokes: Vec<Revoke>,
    /// Where each revoked shard is meant to go, so the grant follows the revoke's intent.
    planned: Vec<Option<Addr>>,
    rtts: Vec<u64>,
    /// What the last reconciliation that changed nothing saw: peer liveness, the assignment
    /// epoch and whether grants were allowed. Until one of them changes (and with no revoke
    /// under way) another pass would change nothing either, so the 10 ms tick skips it.
    settled: Option<(Vec<bool>, u64, bool)>,
    /// A buffer for the lease anchor computation (no allocation per acknowledgement).
    scratch: Vec<u64>,
}

#[derive(Clone, Debug)]
enum Role {
    Follower { leader: Option<Addr> },
    // Votes are a set, not a u64 bitmask: beyond 64 nodes the shift wrapped and nobody could win.
    PreCandidate { votes: BTreeSet<Addr> },
    Candidate { votes: BTreeSet<Addr> },
    Leader(Box<LeaderState>),
}

/// The outputs of one control-plane step.
#[derive(Debug, Default)]
pub struct ControlOut {
    /// Messages to send.
    pub sends: Vec<(Addr, Ctl)>,
    /// Events to report.
    pub events: Vec<ControlEvent>,
}

/// One node's control plane.
pub struct Control {
    id: Addr,
    nodes: u32,
    cfg: ControlConfig,
    /// Replica set of each shard (primaries are chosen among them).
    replicas: Arc<Vec<Vec<Addr>>>,
    durable: ControlDurable,
    role: Role,
    rng: ChaCha8Rng,
    election_deadline: u64,
    last_leader_contact: Option<u64>,
    cooldown_until: u64,
    commit_epoch: u64,
    lease_until: u64,
    roles: BTreeSet<u32>,
    /// Whether this life took its roles from a committed assignment yet.
    roles_taken: bool,
    reported_roles: Option<(u64, Vec<u32>)>,
    /// Counts changes to `roles`; with the lease's liveness, what `report_roles` last looked
    /// at, so a heartbeat that changed neither skips comparing thousands of shards.
    roles_changes: u64,
    roles_checked: Option<(u64, bool)>,
    /// Local time of the last `on_tick` (a leader ticks every `tick_ms`).
    last_tick: u64,
}

impl Control {
    /// A node booting at local time `now` with durable state `durable`.
    pub fn new(
        id: Addr,
        nodes: u32,
        cfg: ControlConfig,
        replicas: Arc<Vec<Vec<Addr>>>,
        durable: ControlDurable,
        rng: ChaCha8Rng,
        now: u64,
    ) -> Self {
        let mut c = Control {
            id,
            nodes,
            cfg,
            replicas,
            durable,
            role: Role::Follower { leader: None },
            rng,
            election_deadline: 0,
            last_leader_contact: None,
            cooldown_until: 0,
            commit_epoch: 0,
            lease_until: 0,
            roles: BTreeSet::new(),
            roles_taken: false,
            reported_roles: None,
            roles_changes: 0,
            roles_checked: None,
            last_tick: now,
        };
        c.reset_election_timer(now);
        c
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

    /// The primary of `shard` according to the accepted assignment.
    pub fn primary_of(&self, shard: u32) -> Option<Addr> {
        self.durable.assignment.primaries.get(shard as usize).copied().flatten()
    }

    /// The epoch at which `shard`'s current primary was granted (its fencing token).
    pub fn granted_at(&self, shard: u32) -> u64 {
        self.durable.assignment.granted_at.get(shard as usize).copied().unwrap_or(0)
    }

    /// The epoch of the accepted assignment.
    pub fn epoch(&self) -> u64 {
        self.durable.assignment.epoch
    }

    /// Local time this node's lease runs until.
    pub fn lease_until(&self) -> u64 {
        self.lease_until
    }

    /// True when this node may act as primary of `shard` at local time `now`.
    pub fn is_primary(&self, shard: u32, now: u64) -> bool {
        self.roles.contains(&shard) && now < self.lease_until
    }

    fn majority(&self) -> u32 {
        self.voters() / 2 + 1
    }

    /// How many nodes vote: the lowest addresses, at most `voters_max`.
    fn voters(&self) -> u32 {
        self.nodes.min(self.cfg.voters_max.max(1))
    }

    fn reset_election_timer(&mut self, now: u64) {
        let (lo, hi) = self.cfg.election_timeout_ms;
        self.election_deadline = now + self.rng.random_range(lo..=hi.max(lo));
    }

    fn broadcast(&self, out: &mut ControlOut, msg: Ctl) {
        for peer in 0..self.voters() {
            if peer != self.id {
                out.sends.push((peer, msg.clone()));
            }
        }
    }

    /// The local time by which `on_tick` must run next: a leader every `tick_ms` (heartbeats,
    /// check-quorum, reconciliation); anyone else at its election deadline or when its lease
    /// runs out. Earlier ticks are harmless.
    pub fn next_wake(&self, now: u64) -> u64 {
        if self.is_leader() {
            return self.last_tick + self.cfg.tick_ms;
        }
        if !self.roles.is_empty() && self.lease_until > now {
            return self.election_deadline.min(self.lease_until);
        }
        self.election_deadline
    }

    /// Wake-up at local time `now` (see `next_wake`).
    pub fn on_tick(&mut self, now: u64, out: &mut ControlOut) {
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

    fn start_pre_vote(&mut self, now: u64, out: &mut ControlOut) {
        self.reset_election_timer(now);
        if now < self.cooldown_until || self.id >= self.voters() {
            return;
        }
        if self.voters() == 1 {
            self.become_candidate(now, out);
            return;
        }
        self.role = Role::PreCandidate { votes: BTreeSet::from([self.id]) };
        self.broadcast(out, Ctl::PreVote { term: self.durable.term + 1, last: self.durable.last() });
    }

    fn become_candidate(&mut self, now: u64, out: &mut ControlOut) {
        self.durable.term += 1;
        self.durable.voted_for = Some(self.id);
        self.role = Role::Candidate { votes: BTreeSet::from([self.id]) };
        self.reset_election_timer(now);
        if self.voters() == 1 {
            self.become_leader(now, out);
            return;
        }
        self.broadcast(out, Ctl::Vote { term: self.durable.term, last: self.durable.last() });
    }

    fn become_leader(&mut self, now: u64, out: &mut ControlOut) {
        let term = self.durable.term;
        // The first leader of a cluster (term 1) has no predecessor whose leases it must outwait.
        let grant_ready_at = if term <= 1 { now } else { now + self.cfg.election_wait_ms() };
        self.role = Role::Leader(Box::new(LeaderState {
            since: now,
            peers: vec![Peer::default(); self.nodes as usize],
            last_heartbeat: 0,
            grant_ready_at,
            in_flight: None,
            revokes: Vec::new(),
            planned: vec![None; self.durable.assignment.primaries.len()],
            rtts: Vec::new(),
            settled: None,
            scratch: Vec::new(),
        }));
        out.events.push(ControlEvent::BecameLeader { term });
        // Re-propose the assignment under this term (Raft's no-op entry): it commits once a
        // majority accepts it, which also commits everything before it.
        let next = Assignment { epoch: self.durable.assignment.epoch + 1, ..self.durable.assignment.clone() };
        self.propose(next, now);
        self.leader_tick(now, out);
    }

    fn step_down(&mut self, now: u64, reason: StepDownReason, out: &mut ControlOut) {
        if let Role::Leader(_) = self.role {
            out.events.push(ControlEvent::SteppedDown { term: self.durable.term, reason });
        }
        self.role = Role::Follower { leader: None };
        self.reset_election_timer(now);
        if reason == StepDownReason::Slow {
            self.cooldown_until = now + self.cfg.step_down_cooldown_ms;
        }
    }

    fn observe_term(&mut self, term: u64, now: u64, out: &mut ControlOut) {
        if term > self.durable.term {
            self.step_down(now, StepDownReason::HigherTerm, out);
            self.durable.term = term;
            self.durable.voted_for = None;
        }
    }

    fn propose(&mut self, assignment: Assignment, now: u64) {
        self.durable.accepted_term = self.durable.term;
        self.durable.assignment = assignment;
        if let Role::Leader(l) = &mut self.role {
            l.in_flight = Some(self.durable.assignment.epoch);
            l.last_heartbeat = 0; // send at once
        }
        self.drop_roles_not_in_assignment();
        let _ = now;
    }

    /// Handles a control message from `from` at local time `now`.
    pub fn on_msg(&mut self, now: u64, from: Addr, msg: Ctl, out: &mut ControlOut) {
        match msg {
            Ctl::PreVote { term, last } => {
                // Grant only if we would vote (log as fresh as ours) and we have not heard from
                // a leader within the minimum election timeout: a node that merely lost touch
                // cannot disrupt a healthy leader.
                let leader_alive = self.is_leader()
                    || self.last_leader_contact.is_some_and(|t| now < t + self.cfg.election_timeout_ms.0);
                let granted = term > self.durable.term && last >= self.durable.last() && !leader_alive;
                out.sends.push((from, Ctl::PreVoteReply { term, granted }));
            }
            Ctl::PreVoteReply { term, granted } => {
                let voter = from < self.voters();
                if let Role::PreCandidate { votes } = &mut self.role {
                    if granted && term == self.durable.term + 1 && voter {
                        votes.insert(from);
                        if votes.len() as u32 >= self.majority() {
                            self.become_candidate(now, out);
                        }
                    }
                } else if term > self.durable.term + 1 {
                    self.observe_term(term - 1, now, out);
                }
            }
            Ctl::Vote { term, last } => {
                self.observe_term(term, now, out);
                let granted = term == self.durable.term
                    && self.durable.voted_for.is_none_or(|v| v == from)
                    && last >= self.durable.last();
                if granted {
                    self.durable.voted_for = Some(from);
                    self.reset_election_timer(now);
                }
                out.sends.push((from, Ctl::VoteReply { term: self.durable.term, granted }));
            }
            Ctl::VoteReply { term, granted } => {
                self.observe_term(term, now, out);
                let voter = from < self.voters();
                if let Role::Candidate { votes } = &mut self.role {
                    if granted && term == self.durable.term && voter {
                        votes.insert(from);
                        if votes.len() as u32 >= self.majority() {
                            self.become_leader(now, out);
                        }
                    }
                }
            }
            Ctl::Append { term, assignment, commit_epoch, lease_echo, sent } => {
                self.observe_term(term, now, out);
                if term < self.durable.term {
                    let accepted = self.durable.last();
                    out.sends.push((
                        from,
                        Ctl::AppendAck { term: self.durable.term, ok: false, accepted, sent: now, echo: sent },
                    ));
                    return;
                }
                if !matches!(self.role, Role::Follower { leader: Some(l) } if l == from) {
                    self.role = Role::Follower { leader: Some(from) };
                }
                self.last_leader_contact = Some(now);
                self.reset_election_timer(now);
                let mut replaced = false;
                if let Some((acc_term, a)) = assignment.map(|b| *b) {
                    if (acc_term, a.epoch) != self.durable.last() {
                        self.durable.accepted_term = acc_term;
                        self.durable.assignment = a;
                        self.drop_roles_not_in_assignment();
                        replaced = true;
                    }
                }
                if self.durable.accepted_term == term && self.durable.assignment.epoch <= commit_epoch {
                    // Taking roles scans every shard: only when something changed, not on
                    // every heartbeat (at 10,000 shards that scan dominated the run).
                    if replaced || self.commit_epoch != self.durable.assignment.epoch || !self.roles_taken {
                        self.commit_epoch = self.durable.assignment.epoch;
                        self.take_committed_roles();
                    }
                }
                if let Some(anchor) = lease_echo {
                    self.extend_lease(anchor + self.cfg.lease_ms, out);
                }
                self.report_roles(out, now);
                let accepted = self.durable.last();
                out.sends.push((from, Ctl::AppendAck { term, ok: true, accepted, sent: now, echo: sent }));
            }
            Ctl::AppendAck { term, ok, accepted, sent, echo } => {
                self.observe_term(term, now, out);
                if term != self.durable.term || !ok {
                    return;
                }
                if let Role::Leader(l) = &mut self.role {
                    let p = &mut l.peers[from as usize];
                    p.last_ack = Some(now);
                    p.accepted = p.accepted.max(accepted);
                    p.lease_anchor = Some(sent);
                    p.acked_sent = p.acked_sent.max(echo);
                    l.rtts.push(now.saturating_sub(echo));
                    if l.rtts.len() > 64 {
                        l.rtts.drain(..32);
                    }
                }
                self.advance_commit(now, out);
            }
        }
    }

    fn extend_lease(&mut self, until: u64, out: &mut ControlOut) {
        if until > self.lease_until {
            self.lease_until = until;
            out.events.push(ControlEvent::Lease { until_local: until });
        }
    }

    fn drop_roles_not_in_assignment(&mut self) {
        let a = &self.durable.assignment;
        let id = self.id;
        let before = self.roles.len();
        self.roles.retain(|&s| a.primaries.get(s as usize).copied().flatten() == Some(id));
        if self.roles.len() != before {
            self.roles_changes += 1;
        }
    }

    fn take_committed_roles(&mut self) {
        self.roles_taken = true;
        let id = self.id;
        for (s, p) in self.durable.assignment.primaries.iter().enumerate() {
            if *p == Some(id) && self.roles.insert(s as u32) {
                self.roles_changes += 1;
            }
        }
    }

    fn report_roles(&mut self, out: &mut ControlOut, now: u64) {
        let live = now < self.lease_until;
        let state = (self.roles_changes, live);
        if self.roles_checked == Some(state) {
            return; // nothing it depends on changed since the last check
        }
        self.roles_checked = Some(state);
        // Called on every heartbeat: compare before building anything.
        let unchanged =
            self.reported_roles.as_ref().is_some_and(
                |(_, s)| {
                    if live {
                        s.iter().eq(self.roles.iter())
                    } else {
                        s.is_empty()
                    }
                },
            );
        if unchanged {
            return;
        }
        let shards: Vec<u32> = if live { self.roles.iter().copied().collect() } else { Vec::new() };
        let epoch = self.durable.assignment.epoch;
        out.events.push(ControlEvent::Roles { epoch, shards: shards.clone() });
        self.reported_roles = Some((epoch, shards));
    }

    /// Commits the in-flight assignment once a majority accepted it, and renews the leader's
    /// own lease from the round trips a majority answered.
    fn advance_commit(&mut self, now: u64, out: &mut ControlOut) {
        let majority = self.majority() as usize;
        let voters = self.voters() as usize;
        let last = self.durable.last();
        let id = self.id as usize;
        let Role::Leader(l) = &mut self.role else { return };
        let accepted = l.peers[..voters].iter().enumerate().filter(|(i, p)| *i == id || p.accepted >= last).count();
        let mut committed = None;
        if l.in_flight.is_some() && accepted >= majority {
            l.in_flight = None;
            committed = Some(last.1);
        }
        // The leader's own lease: anchored at the send time of the newest heartbeat that a
        // majority (counting itself, at `now`) has answered.
        // Runs on every acknowledgement: sort in a buffer kept with the leader.
        let sent = &mut l.scratch;
        sent.clear();
        sent.extend(l.peers[..voters].iter().enumerate().filter(|(i, _)| *i != id).map(|(_, p)| p.acked_sent));
        sent.sort_unstable_by(|a, b| b.cmp(a));
        let anchor = if majority <= 1 { Some(now) } else { sent.get(majority - 2).copied().filter(|&t| t > 0) };
        if let Some(epoch) = committed {
            self.commit_epoch = epoch;
            self.take_committed_roles();
            let assigned = self.durable.assignment.primaries.iter().filter(|p| p.is_some()).count() as u32;
            out.events.push(ControlEvent::Committed { epoch, assigned });
        }
        if let Some(anchor) = anchor {
            self.extend_lease(anchor + self.cfg.lease_ms, out);
        }
        self.report_roles(out, now);
    }

    fn leader_tick(&mut self, now: u64, out: &mut ControlOut) {
        let majority = self.majority() as usize;
        let voters = self.voters() as usize;
        let id = self.id;
        let election_max = self.cfg.election_timeout_ms.1;
        let Role::Leader(l) = &mut self.role else { return };
        // Check-quorum: a leader that has not heard from a majority for an election timeout
        // steps down, so a partitioned leader stops granting leases.
        // A peer not heard from yet counts from the election, so a new leader gets a full
        // election timeout to collect its first acknowledgements.
        let recent = l.peers[..voters]
            .iter()
            .enumerate()
            .filter(|(i, p)| *i == id as usize || now < p.last_ack.unwrap_or(l.since).max(l.since) + election_max)
            .count();
        if recent < majority {
            self.step_down(now, StepDownReason::LostQuorum, out);
            return;
        }
        if self.cfg.slow_leader_rtt_ms > 0 && l.rtts.len() >= 16 {
            let mut recent_rtts: Vec<u64> = l.rtts[l.rtts.len() - 16..].to_vec();
            recent_rtts.sort_unstable();
            if recent_rtts[8] > self.cfg.slow_leader_rtt_ms {
                self.step_down(now, StepDownReason::Slow, out);
                return;
            }
        }
        if l.in_flight.is_none() {
            self.reconcile(now);
        }
        let Role::Leader(l) = &mut self.role else { return };
        if now >= l.last_heartbeat + self.cfg.heartbeat_ms {
            l.last_heartbeat = now;
            let term = self.durable.term;
            let last = (self.durable.accepted_term, self.durable.assignment.epoch);
            for peer in 0..self.nodes {
                if peer == id {
                    continue;
                }
                let p = &mut l.peers[peer as usize];
                let assignment = (p.accepted < last)
                    .then(|| Box::new((self.durable.accepted_term, self.durable.assignment.clone())));
                let lease_echo = p.lease_anchor.take();
                if lease_echo.is_some() {
                    p.last_echo_sent = Some(now);
                }
                out.sends.push((
                    peer,
                    Ctl::Append { term, assignment, commit_epoch: self.commit_epoch, lease_echo, sent: now },
                ));
            }
        }
    }

    /// The reconciliation loop: one safe step toward the target assignment.
    fn reconcile(&mut self, now: u64) {
        let lease_wait = self.cfg.lease_wait_ms();
        let id = self.id;
        let Role::Leader(l) = &self.role else { return };
        let live = self.live(l, now);
        let inputs = (live, self.durable.assignment.epoch, now >= l.grant_ready_at);
        if l.revokes.is_empty() && l.settled.as_ref() == Some(&inputs) {
            return;
        }
        let target = self.target(&inputs.0);
        let current = self.durable.assignment.clone();
        let Role::Leader(l) = &mut self.role else { return };
        // Revokes are confirmed by the old primary's ack of the revoking epoch, or by time.
        l.revokes.retain(|r| {
            let acked = l.peers[r.from as usize].accepted.1 >= r.epoch && r.from != id;
            !(acked || now >= r.wait_until || r.from == id)
        });
        let mut next = current.clone();
        let mut changed = false;
        // Shards with a revoke under way, looked up per shard below: a scan of `revokes` per
        // shard was quadratic when a crash moved thousands of shards at once.
        let mut revoking = vec![false; current.primaries.len()];
        for r in &l.revokes {
            if let Some(slot) = revoking.get_mut(r.shard as usize) {
                *slot = true;
            }
        }
        for (s, (cur, want)) in current.primaries.iter().zip(&target).enumerate() {
            if cur == want {
                continue;
            }
            match cur {
                Some(old) => {
                    // Revoke first.
                    Arc::make_mut(&mut next.primaries)[s] = None;
                    Arc::make_mut(&mut next.granted_at)[s] = current.epoch + 1;
                    changed = true;
                    let last_echo = l.peers[*old as usize].last_echo_sent.unwrap_or(0);
                    let wait_until = if *old == id { now } else { last_echo + lease_wait };
                    l.revokes.push(Revoke { shard: s as u32, from: *old, epoch: current.epoch + 1, wait_until });
                    l.planned[s] = *want;
                }
                None => {
                    if now >= l.grant_ready_at && !revoking[s] {
                        Arc::make_mut(&mut next.primaries)[s] = *want;
                        Arc::make_mut(&mut next.granted_at)[s] = current.epoch + 1;
                        l.planned[s] = None;
                        changed = true;
                    }
                }
            }
        }
        l.settled = (!changed && l.revokes.is_empty()).then_some(inputs);
        if changed {
            next.epoch = current.epoch + 1;
            self.propose(next, now);
        }
    }

    /// Which nodes the leader counts as live: itself, and peers heard from within the
    /// longest election timeout.
    fn live(&self, l: &LeaderState, now: u64) -> Vec<bool> {
        let election_max = self.cfg.election_timeout_ms.1;
        (0..self.nodes)
            .map(|n| n == self.id || l.peers[n as usize].last_ack.is_some_and(|t| now < t + election_max))
            .collect()
    }

    /// The evaluation loop: an even spread of primaries (by shard count) over live nodes,
    /// each shard's primary among its replicas, moving as few shards as possible.
    fn target(&self, live: &[bool]) -> Vec<Option<Addr>> {
        let Role::Leader(l) = &self.role else { return Vec::clone(&self.durable.assignment.primaries) };
        let mut target = Vec::clone(&self.durable.assignment.primaries);
        for (t, planned) in target.iter_mut().zip(&l.planned) {
            if t.is_none() {
                *t = *planned;
            }
        }
        let mut count = vec![0u32; self.nodes as usize];
        for p in target.iter_mut() {
            match p {
                Some(n) if live[*n as usize] => count[*n as usize] += 1,
                _ => *p = None,
            }
        }
        // Unassigned shards go to their least loaded live replica.
        for (s, p) in target.iter_mut().enumerate() {
            if p.is_none() {
                let best =
                    self.replicas[s].iter().filter(|&&r| live[r as usize]).min_by_key(|&&r| (count[r as usize], r));
                if let Some(&r) = best {
                    *p = Some(r);
                    count[r as usize] += 1;
                }
            }
        }
        // Move shards from the most to the least loaded live node while the spread exceeds one.
        // Each pass moves every shard it can: restarting the scan after each move was
        // quadratic when a restarted node had thousands of shards to take back.
        for _ in 0..target.len() {
            let mut moved = false;
            for (slot, replicas) in target.iter_mut().zip(self.replicas.iter()) {
                let Some(from) = *slot else { continue };
                let to = replicas
                    .iter()
                    .filter(|&&r| live[r as usize] && count[r as usize] + 1 < count[from as usize])
                    .min_by_key(|&&r| (count[r as usize], r));
                if let Some(&to) = to {
                    *slot = Some(to);
                    count[from as usize] -= 1;
                    count[to as usize] += 1;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        target
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A tiny synchronous network of control planes for unit tests: delivers every message
    /// after 1 ms, drops those to nodes in `down`.
    struct Net {
        nodes: Vec<Control>,
        queue: Vec<(u64, Addr, Addr, Ctl)>,
        now: u64,
        down: BTreeSet<Addr>,
        events: Vec<(u64, Addr, ControlEvent)>,
        /// One-way delay of messages to each node.
        delay: Vec<u64>,
    }

    impl Net {
        fn new(n: u32, shards: u32) -> Self {
            let replicas: Arc<Vec<Vec<Addr>>> =
                Arc::new((0..shards).map(|s| (0..3.min(n)).map(|i| (s + i) % n).collect()).collect());
            let nodes = (0..n)
                .map(|id| {
                    let rng = ChaCha8Rng::seed_from_u64(id as u64 + 1);
                    Control::new(id, n, ControlConfig::default(), replicas.clone(), ControlDurable::new(shards), rng, 0)
                })
                .collect();
            Net { nodes, queue: vec![], now: 0, down: BTreeSet::new(), events: vec![], delay: vec![1; n as usize] }
        }

        fn run_until(&mut self, end: u64) {
            while self.now < end {
                self.now += 1;
                let due: Vec<_> = self.queue.iter().filter(|q| q.0 <= self.now).cloned().collect();
                self.queue.retain(|q| q.0 > self.now);
                for (_, from, to, msg) in due {
                    if self.down.contains(&to) {
                        continue;
                    }
                    let mut out = ControlOut::default();
                    self.nodes[to as usize].on_msg(self.now, from, msg, &mut out);
                    self.absorb(to, out);
                }
                if self.now.is_multiple_of(10) {
                    for id in 0..self.nodes.len() as u32 {
                        if self.down.contains(&id) {
                            continue;
                        }
                        let mut out = ControlOut::default();
                        self.nodes[id as usize].on_tick(self.now, &mut out);
                        self.absorb(id, out);
                    }
                }
            }
        }

        fn absorb(&mut self, from: Addr, out: ControlOut) {
            for e in out.events {
                self.events.push((self.now, from, e));
            }
            for (to, msg) in out.sends {
                self.queue.push((self.now + self.delay[to as usize] + self.delay[from as usize] - 1, from, to, msg));
            }
        }

        fn leaders(&self) -> Vec<Addr> {
            (0..self.nodes.len() as u32)
                .filter(|&i| !self.down.contains(&i) && self.nodes[i as usize].is_leader())
                .collect()
        }
    }

    #[test]
    fn a_single_leader_is_elected_and_assigns_every_shard() {
        let mut net = Net::new(5, 8);
        net.run_until(2_000);
        assert_eq!(net.leaders().len(), 1);
        let l = net.leaders()[0] as usize;
        let a = &net.nodes[l].durable.assignment;
        assert!(a.primaries.iter().all(|p| p.is_some()), "{a:?}");
        let mut count = [0; 5];
        a.primaries.iter().for_each(|p| count[p.unwrap() as usize] += 1);
        assert!(count.iter().max().unwrap() - count.iter().min().unwrap() <= 1, "{count:?}");
        let now = net.now;
        let owners: usize = net.nodes.iter().map(|n| (0..8).filter(|&s| n.is_primary(s, now)).count()).sum();
        assert_eq!(owners, 8, "every shard has exactly one acting primary");
    }

    #[test]
    fn leader_crash_elects_a_new_leader_that_reassigns_after_the_lease() {
        let mut net = Net::new(5, 8);
        net.run_until(2_000);
        let old = net.leaders()[0];
        net.down.insert(old);
        net.run_until(8_000);
        let leaders = net.leaders();
        assert_eq!(leaders.len(), 1);
        assert_ne!(leaders[0], old);
        let new = &net.nodes[leaders[0] as usize];
        assert!(new.term() > net.nodes[old as usize].term());
        assert!(new.durable.assignment.primaries.iter().all(|p| p.is_some() && *p != Some(old)));
    }

    #[test]
    fn terms_have_at_most_one_leader() {
        let mut net = Net::new(5, 4);
        net.run_until(1_000);
        for round in 0..5u32 {
            // A deposed leader that came back may still think it leads until it hears the
            // new term: crash the leader of the highest term.
            let l = net.leaders().into_iter().max_by_key(|&l| net.nodes[l as usize].term()).unwrap();
            net.down.insert(l);
            net.run_until(1_000 + (round as u64 + 1) * 3_000);
            net.down.remove(&l);
        }
        let mut by_term = std::collections::BTreeMap::new();
        for (_, node, e) in &net.events {
            if let ControlEvent::BecameLeader { term } = e {
                assert!(by_term.insert(*term, *node).is_none(), "two leaders in term {term}");
            }
        }
        assert!(by_term.len() >= 5);
    }

    #[test]
    fn a_minority_partitioned_leader_steps_down() {
        let mut net = Net::new(5, 4);
        net.run_until(1_000);
        let l = net.leaders()[0];
        // Everyone else is unreachable from the leader's point of view.
        for n in 0..5 {
            if n != l {
                net.down.insert(n);
            }
        }
        let until = net.now + 400;
        while net.now < until {
            net.run_until(net.now + 10);
        }
        assert!(!net.nodes[l as usize].is_leader(), "check-quorum made it step down");
        assert!(net
            .events
            .iter()
            .any(|(_, n, e)| *n == l
                && matches!(e, ControlEvent::SteppedDown { reason: StepDownReason::LostQuorum, .. })));
    }

    #[test]
    fn a_new_leader_is_not_deposed_by_check_quorum_before_its_first_acks() {
        let mut net = Net::new(5, 4);
        // Three of five nodes are far away: a new leader hears from them only after 80 ms.
        net.delay = vec![1, 1, 40, 40, 40];
        net.run_until(3_000);
        let step_downs = net
            .events
            .iter()
            .filter(|(_, _, e)| matches!(e, ControlEvent::SteppedDown { reason: StepDownReason::LostQuorum, .. }))
            .count();
        assert_eq!(
            step_downs,
            0,
            "{:?}",
            net.events.iter().filter(|e| !matches!(e.2, ControlEvent::Lease { .. })).collect::<Vec<_>>()
        );
        assert_eq!(net.events.iter().filter(|(_, _, e)| matches!(e, ControlEvent::BecameLeader { .. })).count(), 1);
    }

    #[test]
    fn lease_waits_cover_clock_drift() {
        let cfg =
            ControlConfig { lease_ms: 1_000, max_drift: 0.05, election_timeout_ms: (150, 300), ..Default::default() };
        assert_eq!(cfg.lease_wait_ms(), 1_106);
        assert_eq!(cfg.election_wait_ms(), 1_437);
    }
}
