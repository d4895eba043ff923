//! SWIM gossip membership on foca: probes, indirect probes, suspicion and piggybacked
//! dissemination run inside foca (sans-IO); this module hands it the node's randomness, carries
//! its packets as `GossipMsg` and its timers as `GossipTimer`, and keeps the node's member view,
//! reporting every change of a member's state as a `MemberSaw` event.

use std::collections::BTreeMap;

use foca::{Foca, Message, NoCustomBroadcast, Notification, Runtime, State};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::codec::{decode_header, decode_member, WireCodec};
use super::config::GossipConfig;
use super::identity::NodeId;
use super::members::Members;
use super::msg::{GossipMsg, GossipTimer, MemberSaw, MemberState};
use super::roster;
use super::view::View;
use crate::actor::{Addr, Outbox};
use crate::bugs::{self, Bug};

type Swim = Foca<NodeId, WireCodec, ChaCha8Rng, NoCustomBroadcast>;

/// Members a (re)joining node announces itself to at once.
const ANNOUNCE_TO: usize = 3;

/// Where the node stands in the cluster: durable, it survives crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Declared but not joined yet (or drained since): it neither gossips nor answers.
    Outside,
    /// A member.
    Inside,
    /// It left (gracefully): it gossips no more, even after a restart.
    Left,
}

/// One node's gossip membership.
pub struct Gossip {
    id: Addr,
    cfg: GossipConfig,
    /// The members the cluster starts with (the others join later).
    initial: Members,
    /// Durable: seeds each life's foca, and picks whom to announce to.
    rng: ChaCha8Rng,
    standing: Standing,
    /// Durable: the lowest life number the next boot may take. A join after a leave or a drain
    /// boots a new life within the same process life, and each life is a new identity that
    /// must win over every earlier one (the members hold the old one down).
    next_life: u32,
    /// Volatile, rebuilt at every boot.
    life: Life,
}

/// What a node that (re)joined still waits for before its view stands on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Awaiting {
    /// Nothing: the view follows foca.
    Nothing,
    /// A feed: the first member to answer its announcement.
    Feed,
    /// The roster it asked of a member that answered.
    Roster,
}

/// The volatile part of gossip: one life of the node.
struct Life {
    number: u32,
    swim: Option<Swim>,
    /// foca's pending timers by number.
    timers: BTreeMap<u32, foca::Timer<NodeId>>,
    next_timer: u32,
    view: View,
    /// The member the last probe went to: the next probe round may suspect it.
    last_probed: Option<Addr>,
    /// A node that (re)joined asks the first member it hears from for the roster, takes the
    /// members from it, and holds the rest down.
    awaiting: Awaiting,
    /// foca's current timer token, as seen on the last timer it set.
    token: foca::TimerToken,
}

impl Gossip {
    /// Gossip for node `id` of the declared `members`, `initial` of which form the cluster at
    /// the start; `node_rng` is the node's own stream (a stream of its own is derived from it).
    pub fn new(id: Addr, cfg: GossipConfig, members: Members, initial: Members, node_rng: &ChaCha8Rng) -> Self {
        let mut rng = ChaCha8Rng::from_seed(node_rng.get_seed());
        // Node streams are numbered `kind << 32 | index` with small kinds, and anti-entropy
        // takes the complement: this one flips only the top bit, which is none of them.
        rng.set_stream(node_rng.get_stream() ^ (1 << 63));
        let inside = initial.contains(id) || bugs::on(Bug::EarlyGossip);
        let standing = if inside { Standing::Inside } else { Standing::Outside };
        let view = View::new(members, &initial);
        let life = Life {
            number: 0,
            swim: None,
            timers: BTreeMap::new(),
            next_timer: 0,
            view,
            last_probed: None,
            awaiting: Awaiting::Nothing,
            token: 0,
        };
        Gossip { id, cfg, initial, rng, standing, next_life: 0, life }
    }

    /// This node's current view of the members.
    pub fn view(&self) -> &View {
        &self.life.view
    }

    /// True when the node takes part in gossip (joined and not left).
    pub fn is_inside(&self) -> bool {
        self.standing == Standing::Inside
    }

    /// Starts a life of the node numbered `life`, or above every earlier one if that is higher
    /// (a join after a leave started one within the process life): a fresh foca under a new
    /// identity. The first life of an initial member knows the initial members; any later life
    /// announces itself instead.
    pub fn boot<M, T, E>(&mut self, life: u32, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        let members = self.life.view.members().clone();
        let life = life.max(self.next_life);
        self.next_life = life + 1;
        self.life = Life {
            number: life,
            swim: None,
            timers: BTreeMap::new(),
            next_timer: 0,
            view: View::new(members, &self.initial),
            last_probed: None,
            awaiting: Awaiting::Nothing,
            token: 0,
        };
        if self.standing != Standing::Inside {
            return;
        }
        let n = self.life.view.members().len();
        let seed = self.rng.random::<u64>();
        let swim = Foca::new(
            NodeId::first_of_life(self.id, life),
            self.cfg.foca(n),
            ChaCha8Rng::seed_from_u64(seed),
            WireCodec,
        );
        self.life.swim = Some(swim);
        if life == 0 {
            let others = self.initial.addrs().iter().filter(|&&a| a != self.id).map(|&a| NodeId::first_of_life(a, 0));
            let known: Vec<foca::Member<NodeId>> = others.map(foca::Member::alive).collect();
            self.with_swim(out, Vec::new(), |swim, rt| swim.apply_many(known.into_iter(), false, rt));
            out.timer(self.cfg.rejoin_ms, GossipTimer::Rejoin { life });
        } else {
            self.announce(out);
        }
    }

    /// True when the node is outside the cluster: declared outside and not joined yet, or
    /// drained since (not when it left by a `leave` action).
    pub fn is_outside(&self) -> bool {
        self.standing == Standing::Outside
    }

    /// The node joins the cluster now (a `join` action, also after it left): it announces
    /// itself to a few members. Nothing when it is inside already.
    pub fn join<M, T, E>(&mut self, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        if self.standing == Standing::Inside {
            return;
        }
        self.standing = Standing::Inside;
        // A join after a leave or a drain starts a new view within the same process life: the
        // entries the fresh view changes are reported like any change, or the record would go
        // on from the old view.
        let before = self.life.view.clone();
        self.boot(self.next_life.max(1), out);
        let view = &self.life.view;
        for (member, state) in view.iter().filter(|&(m, s)| m != self.id && before.state(m) != s) {
            let incarnation = view.entry(member).map_or(0, |e| e.1);
            out.event(MemberSaw { member, state, incarnation });
        }
    }

    /// The node leaves the cluster now (a `leave` action): it gossips its own departure and
    /// stops taking part, even after a restart. True when it left now (false: it was not inside).
    pub fn leave<M, T, E>(&mut self, out: &mut Outbox<M, T, E>) -> bool
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        self.depart(Standing::Left, out)
    }

    /// The node leaves the cluster because its leader drained it: as `leave`, but it is then
    /// outside as before it first joined, so a later join (also one that reached the cluster
    /// while it was down) lets it in again. True when it left now.
    pub fn leave_drained<M, T, E>(&mut self, out: &mut Outbox<M, T, E>) -> bool
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        self.depart(Standing::Outside, out)
    }

    fn depart<M, T, E>(&mut self, standing: Standing, out: &mut Outbox<M, T, E>) -> bool
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        if self.standing != Standing::Inside {
            return false;
        }
        self.with_swim(out, Vec::new(), |swim, rt| swim.leave_cluster(rt));
        self.standing = standing;
        self.life.swim = None;
        self.life.timers.clear();
        true
    }

    /// A gossip message from `from`.
    pub fn on_msg<M, T, E>(&mut self, from: Addr, msg: &GossipMsg, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        let Some(swim) = &self.life.swim else { return };
        match msg {
            GossipMsg::Swim(data) => {
                let touched = self.touched_by(data);
                let active = self.with_swim(out, touched, |swim, rt| swim.handle_data(data, rt));
                if active && self.life.awaiting == Awaiting::Feed {
                    self.ask_roster(from, out);
                }
            }
            GossipMsg::RosterAsk => {
                // Itself first (at incarnation 0: any newer one the asker knows wins), then every
                // member it knows, down ones included, so foca holds their identities down.
                let me = foca::Member::alive(*swim.identity());
                let known = swim.iter_membership_state().filter(|m| m.id().addr != from);
                out.send(from, GossipMsg::Roster(roster::encode(std::iter::once(&me).chain(known))));
            }
            GossipMsg::Roster(data) if self.life.awaiting == Awaiting::Roster => {
                let Ok(members) = roster::decode(data) else { return };
                let members: Vec<_> = members.into_iter().filter(|m| m.id().addr != self.id).collect();
                let touched = members.iter().map(|m| m.id().addr).collect();
                // Not re-gossiped: the cluster knows all this already.
                self.with_swim(out, touched, |swim, rt| swim.apply_many(members.into_iter(), false, rt));
                self.life.awaiting = Awaiting::Nothing;
                self.hold_unknown_down(out);
            }
            GossipMsg::Roster(_) => {} // a duplicate, or an answer to an earlier ask
        }
    }

    /// A gossip timer fired.
    pub fn on_timer<M, T, E>(&mut self, timer: GossipTimer, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        match timer {
            GossipTimer::Foca { life, seq } if life == self.life.number => {
                let Some(event) = self.life.timers.remove(&seq) else { return };
                let mut touched = Vec::new();
                match &event {
                    foca::Timer::ProbeRandomMember(_) => touched.extend(self.life.last_probed),
                    foca::Timer::SendIndirectProbe { probed_id: id, .. }
                    | foca::Timer::ChangeSuspectToDown { member_id: id, .. } => touched.push(id.addr),
                    _ => {}
                }
                self.with_swim(out, touched, |swim, rt| swim.handle_timer(event, rt));
            }
            GossipTimer::Roster { life } if life == self.life.number && self.life.awaiting == Awaiting::Roster => {
                // The ask or its answer was lost, or the member went down: ask another.
                let alive: Vec<Addr> =
                    self.life.swim.iter().flat_map(|s| s.iter_members()).map(|m| m.id().addr).collect();
                if alive.is_empty() {
                    out.timer(self.cfg.rejoin_ms, GossipTimer::Roster { life });
                } else {
                    let to = alive[self.rng.random_range(0..alive.len())];
                    self.ask_roster(to, out);
                }
            }
            GossipTimer::Rejoin { life } if life == self.life.number => {
                if self.life.swim.as_ref().is_some_and(|s| s.num_members() == 0) {
                    self.announce(out);
                } else {
                    self.announce_to_one_down(out);
                }
            }
            _ => {}
        }
    }

    /// Announces this node to a few random declared members (they answer with a feed of the
    /// living), and checks again a rejoin period later.
    fn announce<M, T, E>(&mut self, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        if self.life.awaiting == Awaiting::Nothing {
            self.life.awaiting = Awaiting::Feed;
        }
        let addrs = self.life.view.members().addrs();
        let others: Vec<Addr> = addrs.iter().copied().filter(|&a| a != self.id).collect();
        let mut to = Vec::with_capacity(ANNOUNCE_TO);
        for _ in 0..ANNOUNCE_TO.min(others.len()) {
            let pick = others[self.rng.random_range(0..others.len())];
            if !to.contains(&pick) {
                to.push(pick);
            }
        }
        for dst in to {
            // The generation is a guess: an announcement is accepted by address.
            self.with_swim(out, Vec::new(), |swim, rt| swim.announce(NodeId::first_of_life(dst, 0), rt));
        }
        out.timer(self.cfg.rejoin_ms, GossipTimer::Rejoin { life: self.life.number });
    }

    /// Asks `to` for the roster, and asks again (someone else) a rejoin period later if none came.
    fn ask_roster<M, T, E>(&mut self, to: Addr, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
    {
        self.life.awaiting = Awaiting::Roster;
        out.send(to, GossipMsg::RosterAsk);
        out.timer(self.cfg.rejoin_ms, GossipTimer::Roster { life: self.life.number });
    }

    /// After the roster: every declared member foca does not know is down as far as we know.
    fn hold_unknown_down<M, T, E>(&mut self, out: &mut Outbox<M, T, E>)
    where
        E: From<MemberSaw>,
    {
        let life = &mut self.life;
        let Some(swim) = &life.swim else { return };
        let mut known: Vec<Addr> = swim.iter_membership_state().map(|m| m.id().addr).collect();
        known.sort_unstable();
        let addrs = life.view.members().addrs().to_vec();
        for addr in addrs.into_iter().filter(|&a| a != self.id && known.binary_search(&a).is_err()) {
            if life.view.set(addr, MemberState::Down, 0) {
                out.event(MemberSaw { member: addr, state: MemberState::Down, incarnation: 0 });
            }
        }
    }

    /// Announces this node to one declared member its view holds down, and checks again a
    /// rejoin period later. foca announces only to the down members it still remembers; after
    /// it forgets them (a long partition), this is how the sides find each other again.
    fn announce_to_one_down<M, T, E>(&mut self, out: &mut Outbox<M, T, E>)
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        let down: Vec<Addr> =
            self.life.view.iter().filter(|&(a, s)| a != self.id && s == MemberState::Down).map(|(a, _)| a).collect();
        if !down.is_empty() {
            let dst = down[self.rng.random_range(0..down.len())];
            self.with_swim(out, Vec::new(), |swim, rt| swim.announce(NodeId::first_of_life(dst, 0), rt));
        }
        out.timer(self.cfg.rejoin_ms, GossipTimer::Rejoin { life: self.life.number });
    }

    /// The members a packet may change the state of: its sender (unless already known alive at
    /// that incarnation or newer) and every member update it carries.
    fn touched_by(&self, data: &[u8]) -> Vec<Addr> {
        let mut touched = Vec::new();
        let mut buf = data;
        let Ok(header) = decode_header(&mut buf) else { return touched };
        let src = header.src;
        let inc = (u64::from(src.gen) << 16) | u64::from(header.src_incarnation);
        if !matches!(self.life.view.entry(src.addr), Some((MemberState::Alive, known)) if known >= inc) {
            touched.push(src.addr);
        }
        if buf.len() >= 2 && header.message != Message::Broadcast {
            let count = u16::from_be_bytes([buf[0], buf[1]]);
            buf = &buf[2..];
            for _ in 0..count {
                match decode_member(&mut buf) {
                    Ok(m) if m.id().addr != self.id => touched.push(m.id().addr),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        touched
    }

    /// Runs `f` on foca with a runtime writing into `out`, then brings the view up to date for
    /// the members `touched` (and those foca reported), reporting each change of state. True
    /// when foca became active (it had no member, and now has one).
    fn with_swim<M, T, E>(
        &mut self,
        out: &mut Outbox<M, T, E>,
        mut touched: Vec<Addr>,
        f: impl FnOnce(&mut Swim, &mut Rt<'_, M, T, E>) -> Result<(), foca::Error>,
    ) -> bool
    where
        M: From<GossipMsg>,
        T: From<GossipTimer>,
        E: From<MemberSaw>,
    {
        let life = &mut self.life;
        let Some(swim) = life.swim.as_mut() else { return false };
        let mut active = false;
        let mut rt = Rt {
            out,
            timers: &mut life.timers,
            next_timer: &mut life.next_timer,
            life: life.number,
            touched: &mut touched,
            last_probed: &mut life.last_probed,
            active: &mut active,
            token: &mut life.token,
        };
        // foca refuses malformed or misdirected packets with an error: nothing to do about one.
        let _ = f(swim, &mut rt);
        if *rt.active {
            // foca drops every pending timer when it loses its cluster (or its identity), its
            // suspects' timeouts included, and sets none again when it reconnects: a suspect
            // would stay suspect for good. Their timeouts start again now; one refuted
            // meanwhile has a newer incarnation, and foca then leaves it alive.
            let suspects: Vec<foca::Member<NodeId>> =
                swim.iter_membership_state().filter(|m| m.state() == State::Suspect).cloned().collect();
            for m in suspects {
                let timer = foca::Timer::ChangeSuspectToDown {
                    member_id: *m.id(),
                    incarnation: m.incarnation(),
                    token: *rt.token,
                };
                rt.submit_after(timer, core::time::Duration::from_millis(self.cfg.suspicion_ms));
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for addr in touched {
            if addr == self.id {
                continue;
            }
            if let Some(m) = swim.iter_membership_state().find(|m| m.id().addr == addr) {
                let state = match m.state() {
                    State::Alive => MemberState::Alive,
                    State::Suspect => MemberState::Suspect,
                    State::Down => MemberState::Down,
                };
                let inc = (u64::from(m.id().gen) << 16) | u64::from(m.incarnation());
                if bugs::on(Bug::StickyDown) && life.view.state(addr) == MemberState::Down {
                    continue;
                }
                if life.view.set(addr, state, inc) {
                    out.event(MemberSaw { member: addr, state, incarnation: inc });
                }
            }
        }
        active
    }
}

/// foca's runtime for one call: packets and timers go into the node's outbox.
struct Rt<'a, M, T, E> {
    out: &'a mut Outbox<M, T, E>,
    timers: &'a mut BTreeMap<u32, foca::Timer<NodeId>>,
    next_timer: &'a mut u32,
    life: u32,
    touched: &'a mut Vec<Addr>,
    last_probed: &'a mut Option<Addr>,
    active: &'a mut bool,
    token: &'a mut foca::TimerToken,
}

impl<M: From<GossipMsg>, T: From<GossipTimer>, E> Runtime<NodeId> for Rt<'_, M, T, E> {
    fn notify(&mut self, notification: Notification<'_, NodeId>) {
        match notification {
            Notification::MemberUp(id) | Notification::MemberDown(id) => self.touched.push(id.addr),
            Notification::Rename(old, new) => self.touched.extend([old.addr, new.addr]),
            Notification::Active | Notification::Rejoin(_) => *self.active = true,
            _ => {}
        }
    }

    fn send_to(&mut self, to: NodeId, data: &[u8]) {
        if data.len() > 18 && data[18] == 0 {
            // A ping (tag 0 after two identities and an incarnation): a probe of `to`.
            *self.last_probed = Some(to.addr);
        }
        self.out.send(to.addr, GossipMsg::Swim(data.into()));
    }

    fn submit_after(&mut self, event: foca::Timer<NodeId>, after: core::time::Duration) {
        match &event {
            foca::Timer::ProbeRandomMember(t)
            | foca::Timer::PeriodicAnnounce(t)
            | foca::Timer::PeriodicAnnounceDown(t)
            | foca::Timer::PeriodicGossip(t) => *self.token = *t,
            _ => {}
        }
        let seq = *self.next_timer;
        *self.next_timer = seq.wrapping_add(1);
        self.timers.insert(seq, event);
        self.out.timer(after.as_millis() as u64, GossipTimer::Foca { life: self.life, seq });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    type Out = Outbox<GossipMsg, GossipTimer, MemberSaw>;

    /// What the tiny network delivers to a node: a message with its sender, or a timer.
    type Queued = (Addr, Result<(Addr, GossipMsg), GossipTimer>);

    /// A tiny network of gossip nodes: every packet takes 1 ms; `dead` nodes take nothing.
    struct Net {
        nodes: Vec<Gossip>,
        queue: BTreeMap<(u64, u64), Queued>,
        seq: u64,
        now: u64,
        dead: Vec<Addr>,
        saw: Vec<(Addr, MemberSaw)>,
        /// How many roster asks still to lose on the way.
        lose_asks: usize,
        /// Roster asks sent, by asker and asked.
        asks: Vec<(Addr, Addr)>,
    }

    impl Net {
        fn new(n: u32, outside: &[Addr]) -> Net {
            let members = Members::new(0..n);
            let initial = Members::new((0..n).filter(|a| !outside.contains(a)));
            let cfg = GossipConfig::default();
            let nodes = (0..n)
                .map(|a| Gossip::new(a, cfg, members.clone(), initial.clone(), &ChaCha8Rng::seed_from_u64(a as u64)))
                .collect();
            let mut net = Net {
                nodes,
                queue: BTreeMap::new(),
                seq: 0,
                now: 0,
                dead: vec![],
                saw: vec![],
                lose_asks: 0,
                asks: vec![],
            };
            for a in 0..n {
                net.act(a, |g, out| g.boot(0, out));
            }
            net
        }

        fn act(&mut self, a: Addr, f: impl FnOnce(&mut Gossip, &mut Out)) {
            let mut out = Out::default();
            f(&mut self.nodes[a as usize], &mut out);
            for (to, msg) in out.sends {
                if msg == GossipMsg::RosterAsk {
                    self.asks.push((a, to));
                    if self.lose_asks > 0 {
                        self.lose_asks -= 1;
                        continue;
                    }
                }
                self.seq += 1;
                self.queue.insert((self.now + 1, self.seq), (to, Ok((a, msg))));
            }
            for (delay, t) in out.timers {
                self.seq += 1;
                self.queue.insert((self.now + delay, self.seq), (a, Err(t)));
            }
            self.saw.extend(out.events.into_iter().map(|e| (a, e)));
        }

        fn run_to(&mut self, end: u64) {
            while let Some((&(at, seq), _)) = self.queue.first_key_value() {
                if at > end {
                    break;
                }
                let (to, input) = self.queue.remove(&(at, seq)).expect("queued");
                self.now = at;
                if self.dead.contains(&to) {
                    continue;
                }
                match input {
                    Ok((from, msg)) => self.act(to, |g, out| g.on_msg(from, &msg, out)),
                    Err(t) => self.act(to, |g, out| g.on_timer(t, out)),
                }
            }
            self.now = end;
        }
    }

    #[test]
    fn a_silent_member_is_suspected_then_declared_down_by_everyone() {
        let mut net = Net::new(5, &[]);
        net.run_to(5_000);
        assert!(net.saw.is_empty(), "nothing changes while everyone answers: {:?}", net.saw);
        net.dead.push(3);
        net.run_to(30_000);
        for a in [0, 1, 2, 4] {
            assert_eq!(net.nodes[a].view().state(3), MemberState::Down, "node {a}");
            assert_eq!(net.nodes[a].view().state(1), MemberState::Alive, "node {a}");
        }
        assert!(net.saw.iter().any(|(_, s)| s.member == 3 && s.state == MemberState::Suspect));
    }

    #[test]
    fn a_joining_node_is_learned_and_a_leaving_one_is_dropped() {
        let mut net = Net::new(4, &[3]);
        net.run_to(2_000);
        assert_eq!(net.nodes[0].view().state(3), MemberState::Down, "not joined yet");
        net.act(3, |g, out| g.join(out));
        net.run_to(15_000);
        for a in 0..4 {
            let others: Vec<MemberState> =
                (0..4).filter(|&m| m != a).map(|m| net.nodes[a as usize].view().state(m)).collect();
            assert!(others.iter().all(|&s| s == MemberState::Alive), "node {a}: {others:?}");
        }
        net.act(1, |g, out| assert!(g.leave(out), "it was inside"));
        net.run_to(30_000);
        for a in [0, 2, 3] {
            assert_eq!(net.nodes[a].view().state(1), MemberState::Down, "node {a}");
        }
        assert!(!net.nodes[1].is_inside() && !net.nodes[1].is_outside());
        // Asked to join again (a drained node may be), it comes back under a newer identity.
        net.act(1, |g, out| g.join(out));
        net.run_to(50_000);
        for a in [0, 2, 3] {
            assert_eq!(net.nodes[a].view().state(1), MemberState::Alive, "node {a}");
        }
        assert_eq!(wrong_in_view(&net, 1), vec![]);
    }

    /// Restarts node `a` into life `life` at the current time.
    fn restart(net: &mut Net, a: Addr, life: u32) {
        net.dead.retain(|&d| d != a);
        net.act(a, |g, out| g.boot(life, out));
    }

    /// Members `viewer`'s view gets wrong: the dead ones not down, the others not alive.
    fn wrong_in_view(net: &Net, viewer: Addr) -> Vec<(Addr, MemberState)> {
        let view = net.nodes[viewer as usize].view();
        let wrong = |&(a, s): &(Addr, MemberState)| a != viewer && (s == MemberState::Down) != net.dead.contains(&a);
        view.iter().filter(wrong).collect()
    }

    #[test]
    fn a_restarted_node_learns_every_member_from_one_roster_more_than_a_feed_holds() {
        // 200 members: a feed holds about 120 of them.
        let mut net = Net::new(200, &[]);
        net.run_to(2_000);
        net.dead.extend([0, 9]);
        net.run_to(15_000);
        assert_eq!(net.nodes[1].view().state(9), MemberState::Down, "9 is known down before the restart");
        let seen = net.saw.len();
        restart(&mut net, 0, 1);
        net.run_to(15_100);
        assert_eq!(net.asks.len(), 1, "one ask, of the member that fed it");
        assert_eq!(wrong_in_view(&net, 0), vec![], "right 100 ms after the restart");
        let false_downs: Vec<Addr> = net.saw[seen..]
            .iter()
            .filter(|(v, s)| *v == 0 && s.state == MemberState::Down && s.member != 9)
            .map(|(_, s)| s.member)
            .collect();
        assert_eq!(false_downs, vec![], "no live member was held down on the way");
    }

    #[test]
    fn a_lost_roster_ask_is_sent_again_a_rejoin_period_later() {
        let mut net = Net::new(6, &[]);
        net.run_to(2_000);
        net.dead.push(0);
        net.run_to(10_000);
        net.lose_asks = 1;
        restart(&mut net, 0, 1);
        net.run_to(10_100);
        assert_eq!(net.asks.len(), 1);
        net.run_to(10_000 + GossipConfig::default().rejoin_ms + 100);
        assert_eq!(net.asks.len(), 2, "asked again a rejoin period later");
        assert_eq!(wrong_in_view(&net, 0), vec![]);
        net.run_to(30_000);
        assert_eq!(net.asks.len(), 2, "and no more once it came");
    }

    #[test]
    fn a_drained_node_is_outside_again_after_a_restart_and_a_leave_is_not() {
        let mut net = Net::new(4, &[]);
        net.run_to(2_000);
        net.act(1, |g, out| assert!(g.leave_drained(out), "it was inside"));
        net.act(2, |g, out| assert!(g.leave(out), "it was inside"));
        net.run_to(20_000);
        assert_eq!(net.nodes[0].view().state(1), MemberState::Down);
        for (a, outside) in [(1, true), (2, false)] {
            net.dead.push(a);
            restart(&mut net, a, 1);
            assert!(!net.nodes[a as usize].is_inside(), "node {a} stays out across its restart");
            assert_eq!(net.nodes[a as usize].is_outside(), outside, "node {a}");
        }
    }

    #[test]
    fn the_recorded_changes_replay_a_view_across_a_leave_and_a_join_again() {
        // Node 1 leaves holding node 3 down; node 3 comes back; node 1 joins again with a
        // fresh view. Rebuilt from what node 1 reported, its view must be what it holds.
        let mut net = Net::new(4, &[]);
        net.run_to(2_000);
        net.dead.push(3);
        net.run_to(15_000);
        assert_eq!(net.nodes[1].view().state(3), MemberState::Down);
        let identity = |net: &Net| *net.nodes[1].life.swim.as_ref().expect("inside").identity();
        let old = identity(&net);
        net.act(1, |g, out| assert!(g.leave(out)));
        restart(&mut net, 3, 1);
        net.run_to(25_000);
        net.act(1, |g, out| g.join(out));
        net.run_to(25_001);
        let new = identity(&net);
        assert!(new.gen > old.gen, "a new identity, above the one the members hold down");
        for m in [0, 2, 3] {
            let recorded = net.saw.iter().rev().find(|(v, s)| *v == 1 && s.member == m).map(|(_, s)| s.state);
            let held = net.nodes[1].view().state(m);
            assert_eq!(recorded.unwrap_or(MemberState::Alive), held, "node 1's record of node {m}");
        }
        // And again: every join takes an identity above all earlier ones.
        net.act(1, |g, out| assert!(g.leave(out)));
        net.act(1, |g, out| g.join(out));
        assert!(identity(&net).gen > new.gen);
    }

    #[test]
    fn a_roster_nobody_asked_for_is_ignored() {
        // Node 3 crashed long ago: everyone holds it down and foca has forgotten it. A roster
        // from before (a late duplicate) that names it alive must not bring it back.
        let mut net = Net::new(4, &[]);
        net.run_to(2_000);
        net.dead.push(3);
        net.run_to(40_000);
        assert_eq!(net.nodes[0].view().state(3), MemberState::Down);
        let stale = foca::Member::alive(NodeId::first_of_life(3, 0));
        let roster = GossipMsg::Roster(roster::encode(std::iter::once(&stale)));
        net.act(0, |g, out| g.on_msg(1, &roster, out));
        net.run_to(40_100);
        assert_eq!(net.nodes[0].view().state(3), MemberState::Down, "an unasked roster changes nothing");
    }

    #[test]
    fn the_same_seeds_give_the_same_gossip() {
        let run = || {
            let mut net = Net::new(5, &[]);
            net.dead.push(2);
            net.run_to(20_000);
            net.saw
        };
        assert_eq!(run(), run());
    }
}
