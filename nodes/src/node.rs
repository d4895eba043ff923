//! A storage node: composes its parts (replica, coordinator, control plane) and routes each
//! input to the one that owns it. Nothing else lives here.

use rand_chacha::ChaCha8Rng;

use crate::actor::{Addr, Input};
use crate::anti_entropy::{AeCtx, AntiEntropy, AntiEntropyConfig};
use crate::bugs::{self, Bug};
use crate::control::{Control, ControlConfig, ControlDurable, ControlTimer, Ctl, MigrateMsg};
use crate::coordinator::{Coordinator, CoordinatorConfig, Ctx};
use crate::handoff::{HandoffMsg, Hints};
use crate::membership::{Gossip, GossipConfig, Members, View};
use crate::message::{Msg, NodeInput, NodeOut, Timer};
use crate::observer::{Event, NodeChange};
use crate::replica::{copy, Replica, ReplicaRequest};
use crate::shard_map::{ShardMap, Standing};
use crate::storage::{StorageConfig, StorageStats, Store};

/// Settings of a storage node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Request timeouts and write routing.
    pub coordinator: CoordinatorConfig,
    /// Leader election and shard assignment settings.
    pub control: ControlConfig,
    /// The storage nodes of the cluster (all take part in the control plane).
    pub members: Members,
    /// Conflict policy and sibling bound of the node's store.
    pub storage: StorageConfig,
    /// Anti-entropy with the other replicas of its shards (`None`: off).
    pub anti_entropy: Option<AntiEntropyConfig>,
    /// Gossip membership (`None`: off), and the members that form the cluster at the start
    /// (the other declared members join later).
    pub gossip: Option<(GossipConfig, Members)>,
}

/// One storage node: replica for the shards placed on it, coordinator for any key, and a
/// member of the control plane.
pub struct StorageNode {
    id: Addr,
    cfg: NodeConfig,
    /// Durable: the store and the fences, kept across crashes.
    replica: Replica,
    /// Volatile: rebuilt at every boot.
    coordinator: Coordinator,
    /// Always `Some` outside `boot`, which rebuilds it from its durable part.
    control: Option<Control>,
    /// Counters of the coordinator's storage mechanisms; kept across crashes (they count what
    /// happened, they are not the node's state).
    stats: StorageStats,
    /// Durable: hints this node holds as a stand-in, until delivered.
    hints: Hints,
    /// Anti-entropy's schedule (`None`: off); its timer is armed at every boot.
    anti_entropy: Option<AntiEntropy>,
    /// Gossip membership (`None`: off); its volatile part is rebuilt at every boot.
    gossip: Option<Gossip>,
}

impl StorageNode {
    /// A node with durable state `store` that starts from shard map `map`, not yet booted;
    /// `rng` drives its election timeouts.
    pub fn new(id: Addr, cfg: NodeConfig, map: ShardMap, mut store: Store, rng: ChaCha8Rng) -> Self {
        let anti_entropy = cfg.anti_entropy.map(|ae| {
            store.track_digest(map.shards(), ae.buckets);
            AntiEntropy::new(id, ae, &rng)
        });
        let gossip =
            cfg.gossip.as_ref().map(|(g, initial)| Gossip::new(id, *g, cfg.members.clone(), initial.clone(), &rng));
        let control = Control::new(id, cfg.members.clone(), cfg.control.clone(), ControlDurable::new(map), rng, 0);
        StorageNode {
            gossip,
            id,
            coordinator: Coordinator::new(cfg.coordinator.clone(), 0),
            cfg,
            replica: Replica::new(store),
            control: Some(control),
            stats: StorageStats::default(),
            hints: Hints::default(),
            anti_entropy,
        }
    }

    /// Starts a life of the node at local time `now`: volatile state is rebuilt from the
    /// durable parts, as after a crash. `incarnation` keeps request ids of different lives
    /// apart so a late answer to a previous life never matches a new request.
    pub fn boot(&mut self, now: u64, incarnation: u32, out: &mut NodeOut) {
        self.coordinator = Coordinator::new(self.cfg.coordinator.clone(), incarnation);
        let (durable, rng) = self.control.take().expect("control present").into_parts();
        let control = Control::new(self.id, self.cfg.members.clone(), self.cfg.control.clone(), durable, rng, now);
        let control = self.control.insert(control);
        if incarnation > 0 {
            control.doubt_map();
        }
        control.arm(now, out);
        if let Some(ae) = &mut self.anti_entropy {
            ae.boot(control.map(), out);
        }
        self.hints.reboot();
        if let Some(cfg) = &self.cfg.coordinator.handoff {
            self.hints.arm(now, cfg, out);
        }
        self.replica.boot(self.id, control.map(), out);
        if let Some(g) = &mut self.gossip {
            g.boot(incarnation, out);
        }
    }

    /// This node's gossip view of the members (`None` when gossip is off): an API for the
    /// control plane (e.g. a leader's liveness), which does not use it yet.
    pub fn member_view(&self) -> Option<&View> {
        self.gossip.as_ref().map(Gossip::view)
    }

    /// The node joins the gossip membership now (it was declared outside it).
    pub fn join(&mut self, out: &mut NodeOut) {
        if let Some(g) = &mut self.gossip {
            g.join(out);
        }
    }

    /// The node leaves the gossip membership now, announcing it (a graceful leave).
    pub fn leave(&mut self, out: &mut NodeOut) {
        if let Some(g) = &mut self.gossip {
            g.leave(out);
        }
    }

    /// The machine crashed (a power loss): the store keeps only what was synced. Volatile state
    /// is rebuilt at the next [`boot`](Self::boot).
    pub fn crash(&mut self) {
        self.replica.crash();
    }

    /// Damages `fraction` of the records on this node's disk (see `Store::corrupt`); returns
    /// each damaged key with its damaged values.
    pub fn corrupt(&mut self, fraction: f64, rng: &mut impl rand::Rng) -> Vec<(u64, Vec<u64>)> {
        self.replica.store_mut().corrupt(fraction, rng)
    }

    /// The control plane (election and shard-map state).
    pub fn control(&self) -> &Control {
        self.control.as_ref().expect("control present")
    }

    /// The durable store.
    pub fn store(&self) -> &Store {
        self.replica.store()
    }

    /// Hinted handoff, this node's part as a stand-in or as the replica a hint was meant for.
    fn on_handoff(&mut self, now: u64, from: Addr, m: HandoffMsg, out: &mut NodeOut) {
        match m {
            HandoffMsg::Hinted { req, key, item, intended } => {
                if let Some(cfg) = &self.cfg.coordinator.handoff {
                    self.hints.on_hinted(now, from, (req, key, item, intended), cfg, &mut self.stats, out);
                }
            }
            HandoffMsg::Deliver { key, item } => {
                // A hint for a shard this node no longer replicates (a migration or a drain moved
                // it) is refused: the stand-in keeps it and sends it to the new replicas.
                let map = self.control.as_ref().expect("control present").map();
                if !self.replica.serves(self.id, map, map.shard_of(key)) {
                    self.stats.stale_routes_refused += 1;
                    return;
                }
                // A hinted write may be acknowledged: stored whatever the sibling bound.
                self.replica.store_mut().apply(key, &item);
                out.send(from, HandoffMsg::Delivered { key, dot: item.dot });
            }
            HandoffMsg::Delivered { key, dot } => self.hints.on_delivered(from, key, dot, &mut self.stats),
            HandoffMsg::HintAck { .. } => {} // the coordinator's
        }
    }

    /// This node's storage counters: its coordinator's and its store's.
    pub fn stats(&self) -> StorageStats {
        let mut s = self.stats;
        s.add(&self.replica.store().stats());
        s
    }

    /// Number of requests this node is coordinating right now.
    pub fn pending_requests(&self) -> usize {
        self.coordinator.pending_requests()
    }

    /// A migration's data message: an old replica sends its copy of the shard, the target
    /// merges it and reports to the leader.
    fn on_migrate_data(&mut self, from: Addr, m: MigrateMsg, out: &mut NodeOut) {
        let map = self.control.as_ref().expect("control present").map();
        match m {
            MigrateMsg::Copy { id, shard, to, round, leader, fence } => {
                if fence > 0 {
                    // The final copy: from now on this replica serves the shard to no stale
                    // route, so the copy holds every write it will ever acknowledge under one.
                    self.replica.fence_route(shard, fence);
                }
                let chunk = copy::chunk(self.replica.store(), map, id, shard, round, leader);
                out.send(to, Msg::Ctl(Ctl::Migrate(chunk)));
            }
            chunk => {
                let corrupt = self.cfg.control.migration.corrupt_copies;
                if let Some((leader, receipt)) = copy::receive(self.replica.store_mut(), from, chunk, corrupt) {
                    out.send(leader, Msg::Ctl(Ctl::Migrate(receipt)));
                }
            }
        }
    }

    /// A control-plane input (election, map replication, migration orders).
    fn on_control(&mut self, now: u64, input: Input<Ctl, ControlTimer>, out: &mut NodeOut) {
        let control = self.control.as_mut().expect("control present");
        let epoch = control.map().epoch;
        let from_peer = matches!(input, Input::Msg { .. });
        let was_drained = control.map().standing_of(self.id) == Standing::Drained && control.map_committed();
        control.on_input(now, input, out);
        // Its next deadline may have moved (a heartbeat pushes back the election, a vote makes
        // a leader); other inputs change nothing it depends on.
        control.arm(now, out);
        // A node leaves the gossip membership when its committed map comes to record it drained
        // (once: a join asked for since, before its map says so, must not undo it).
        let drained = from_peer
            && !was_drained
            && control.map().standing_of(self.id) == Standing::Drained
            && control.map_committed()
            && !bugs::on(Bug::DrainedStays);
        if let (true, Some(g)) = (drained, &mut self.gossip) {
            if g.leave_drained(out) {
                out.event(Event::Node(NodeChange::Left));
            }
        }
        // A node the committed map records joined joins the gossip membership if it never has:
        // the join reached the cluster while the node was down.
        let joined = from_peer && control.map().standing_of(self.id) == Standing::Joined && control.map_committed();
        if let (true, Some(g)) = (joined, &mut self.gossip) {
            if g.is_outside() {
                g.join(out);
            }
        }
        if control.map().epoch == epoch {
            return;
        }
        // A new map serves the requests held for it, and routes again those refused as routed
        // by a stale one.
        let control = self.control.as_ref().expect("control present");
        self.replica.on_map(self.id, control.map(), &mut self.stats, out);
        if self.coordinator.has_parked() {
            let (coordinator, mut cx) = self.coordinator_and_cx(now, out);
            coordinator.on_map(&mut cx);
        }
    }

    /// The coordinator, and the parts of this node it works with (borrowed apart).
    fn coordinator_and_cx<'a>(&'a mut self, now: u64, out: &'a mut NodeOut) -> (&'a mut Coordinator, Ctx<'a, NodeOut>) {
        let cx = Ctx {
            id: self.id,
            now,
            control: self.control.as_ref().expect("control present"),
            replica: &mut self.replica,
            out,
            stats: &mut self.stats,
            members: &self.cfg.members,
        };
        (&mut self.coordinator, cx)
    }

    /// Handles one input at the node's local time `now`: routes it to the part that owns it.
    pub fn on_input(&mut self, now: u64, input: NodeInput, out: &mut NodeOut) {
        let control = self.control.as_mut().expect("control present");
        match input {
            Input::Timer(Timer::Control(t)) => self.on_control(now, Input::Timer(t), out),
            Input::Msg { from, msg: Msg::Ctl(Ctl::Migrate(m)) } if m.is_data() => {
                self.on_migrate_data(from, m, out);
            }
            Input::Msg { from, msg: Msg::Ctl(msg) } => self.on_control(now, Input::Msg { from, msg }, out),
            Input::Msg {
                from,
                msg: Msg::Replica(request @ (ReplicaRequest::Write { key, .. } | ReplicaRequest::Read { key, .. })),
            } if !self.replica.serves(self.id, control.map(), control.map().shard_of(key)) => {
                // Routed by another map than this node's: never served as it stands.
                self.replica.stale_route(from, request, control.map(), &mut self.stats, out);
            }
            Input::Msg { from, msg: Msg::Replica(request) } => {
                self.replica.on_request(from, request, control.map(), out);
            }
            Input::Msg { from, msg: Msg::Handoff(m) } if !matches!(m, HandoffMsg::HintAck { .. }) => {
                self.on_handoff(now, from, m, out);
            }
            Input::Timer(Timer::Handoff(t)) => {
                if let Some(cfg) = &self.cfg.coordinator.handoff {
                    self.hints.on_timer(now, t, cfg, control.map(), out);
                }
            }
            Input::Msg { from, msg: Msg::AntiEntropy(msg) } => {
                if let Some(ae) = &mut self.anti_entropy {
                    let store = self.replica.store_mut();
                    ae.on_msg(from, msg, &mut AeCtx { map: control.map(), store, stats: &mut self.stats, out });
                }
            }
            Input::Timer(Timer::AntiEntropy(_)) => {
                if let Some(ae) = &mut self.anti_entropy {
                    let store = self.replica.store_mut();
                    ae.on_timer(&mut AeCtx { map: control.map(), store, stats: &mut self.stats, out });
                }
            }
            Input::Msg { from, msg: Msg::Repair(msg) } => self.replica.on_repair(from, msg, out),
            Input::Msg { from, msg: Msg::Gossip(msg) } => {
                if let Some(g) = &mut self.gossip {
                    g.on_msg(from, &msg, out);
                }
            }
            Input::Timer(Timer::Gossip(t)) => {
                if let Some(g) = &mut self.gossip {
                    g.on_timer(t, out);
                }
            }
            Input::Timer(Timer::Disk(t)) => self.replica.on_timer(t, self.id, control.map(), out),
            input => {
                let (coordinator, mut cx) = self.coordinator_and_cx(now, out);
                match input {
                    Input::Msg { from, msg: Msg::Request(request) } => coordinator.on_request(from, request, &mut cx),
                    Input::Msg { msg: Msg::Forward(write), .. } => coordinator.on_forward(write, &mut cx),
                    Input::Msg { from, msg: Msg::Replied(answer) } => coordinator.on_answer(from, answer, &mut cx),
                    Input::Msg { msg: Msg::Handoff(HandoffMsg::HintAck { req, intended }), .. } => {
                        coordinator.on_hint_ack(req, intended, &mut cx)
                    }
                    Input::Timer(Timer::Coordinator(t)) => coordinator.on_timer(t, &mut cx),
                    Input::Msg { .. } | Input::Timer(_) => {} // not for a storage node
                }
            }
        }
        // A read or write that found a damaged record dropped it: fetch it again.
        if self.replica.store().has_detected() {
            let map = self.control.as_ref().expect("control present").map();
            self.replica.send_repairs(self.id, map, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use rand::SeedableRng;

    use super::*;
    use crate::coordinator::{
        BreakerConfig, ClientAnswer, ClientRequest, CoordinatorTimer, ForwardWrite, Hedge, HedgeDelay, ReadRepair,
        Reply,
    };
    use crate::handoff::{HandoffConfig, HandoffTimer};
    use crate::replica::ReplicaAnswer;
    use crate::storage::{ConflictPolicy, Context, Dot, Versioned};

    /// The coordinator settings the tests start from: 100 ms timeout, every mechanism off.
    fn coordinator_cfg() -> CoordinatorConfig {
        CoordinatorConfig {
            request_timeout_ms: 100,
            writes_via_primary: false,
            read_repair: ReadRepair::Off,
            handoff: None,
            hedge: Hedge::Off,
            breaker: None,
            linearizable: false,
        }
    }

    fn node(id: Addr) -> StorageNode {
        node_with(id, ReadRepair::Off, StorageConfig::default())
    }

    fn node_with(id: Addr, read_repair: ReadRepair, storage: StorageConfig) -> StorageNode {
        node_in(id, 3, read_repair, None, storage)
    }

    /// Node `id` of a cluster of `members` nodes whose one shard lives on nodes 0, 1 and 2.
    fn node_in(
        id: Addr,
        members: u32,
        read_repair: ReadRepair,
        handoff: Option<HandoffConfig>,
        storage: StorageConfig,
    ) -> StorageNode {
        let coordinator = CoordinatorConfig { read_repair, handoff, ..coordinator_cfg() };
        node_cfg_in(id, members, coordinator, storage)
    }

    fn node_cfg(id: Addr, coordinator: CoordinatorConfig, storage: StorageConfig) -> StorageNode {
        node_cfg_in(id, 3, coordinator, storage)
    }

    fn node_cfg_in(id: Addr, members: u32, coordinator: CoordinatorConfig, storage: StorageConfig) -> StorageNode {
        node_on(id, members, coordinator, storage, ShardMap::ring(&[(0, 0), (1, 0), (2, 0)], 1, 3))
    }

    /// [`node_cfg_in`] with its own map.
    fn node_on(
        id: Addr,
        members: u32,
        coordinator: CoordinatorConfig,
        storage: StorageConfig,
        map: ShardMap,
    ) -> StorageNode {
        let control = ControlConfig::default();
        let cfg = NodeConfig {
            coordinator,
            control,
            members: Members::new(0..members),
            storage,
            anti_entropy: None,
            gossip: None,
        };
        let mut n = StorageNode::new(id, cfg, map, Store::with_config(storage), ChaCha8Rng::seed_from_u64(1));
        n.boot(0, 0, &mut NodeOut::default());
        n
    }

    fn due(at: u64) -> NodeInput {
        Input::Timer(Timer::Coordinator(CoordinatorTimer::RequestsDue { at }))
    }

    fn is_due(t: &Timer) -> bool {
        matches!(t, Timer::Coordinator(_))
    }

    fn client_write(w: u8) -> NodeInput {
        let request = ClientRequest::Write { op: 1, key: 5, w, value: 77, context: Context::new(), attempt: 0 };
        Input::Msg { from: 9, msg: Msg::Request(request) }
    }

    /// The id of the first request the node sent a replica.
    fn first_request(out: &NodeOut) -> u64 {
        out.sends
            .iter()
            .find_map(|(_, m)| match m {
                Msg::Replica(ReplicaRequest::Write { req, .. } | ReplicaRequest::Read { req, .. }) => Some(*req),
                _ => None,
            })
            .expect("a request went out")
    }

    fn replies(out: &NodeOut) -> Vec<&Reply> {
        out.sends
            .iter()
            .filter_map(|(to, m)| match m {
                Msg::Answer(ClientAnswer::Reply { reply, .. }) if *to == 9 => Some(reply),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn write_completes_after_w_distinct_acks() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(3), &mut out);
        assert_eq!(out.sends.len(), 2, "fans out to the two other replicas");
        let req = match &out.sends[0].1 {
            Msg::Replica(ReplicaRequest::Write { req, .. }) => *req,
            m => panic!("unexpected {m:?}"),
        };
        let mut out = NodeOut::default();
        let ack = |from| Input::Msg { from, msg: Msg::Replied(ReplicaAnswer::WriteAck { req }) };
        n.on_input(1, ack(1), &mut out);
        n.on_input(1, ack(1), &mut out);
        assert!(replies(&out).is_empty(), "a duplicated ack must not count twice");
        n.on_input(2, ack(2), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { .. }]));
    }

    #[test]
    fn write_times_out_with_its_version() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(3), &mut out);
        let timers: Vec<_> = out.timers.iter().filter(|(_, t)| is_due(t)).collect();
        assert_eq!(
            timers,
            [&(100, Timer::Coordinator(CoordinatorTimer::RequestsDue { at: 100 }))],
            "one timer at the request's deadline"
        );
        let mut out = NodeOut::default();
        n.on_input(99, due(99), &mut out);
        assert!(replies(&out).is_empty(), "not due yet");
        n.on_input(100, due(100), &mut out);
        match replies(&out)[..] {
            [Reply::Timeout { dot: Some(d), answers: 1 }] => assert_eq!(*d, Dot { node: 0, counter: 1 }),
            ref r => panic!("unexpected {r:?}"),
        }
    }

    #[test]
    fn one_request_timer_stands_for_many_requests() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        for t in 0..5 {
            n.on_input(t, client_write(3), &mut out);
        }
        let armed = |out: &NodeOut| out.timers.iter().filter(|(_, t)| is_due(t)).count();
        assert_eq!(armed(&out), 1, "later deadlines are covered by the armed earlier one");
        // The first request completes; its timer finds nothing due and re-arms for the second.
        let req = first_request(&out);
        for from in [1, 2] {
            n.on_input(20, Input::Msg { from, msg: Msg::Replied(ReplicaAnswer::WriteAck { req }) }, &mut out);
        }
        let mut out = NodeOut::default();
        n.on_input(100, due(100), &mut out);
        assert!(replies(&out).is_empty(), "the completed request does not time out");
        assert_eq!(
            out.timers.iter().filter(|(_, t)| is_due(t)).collect::<Vec<_>>(),
            [&(1, Timer::Coordinator(CoordinatorTimer::RequestsDue { at: 101 }))]
        );
        n.on_input(101, due(101), &mut out);
        assert_eq!(replies(&out).len(), 1, "the second request times out at its own deadline");
    }

    #[test]
    fn dots_from_one_coordinator_are_never_reused_across_restarts() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(1), &mut out);
        n.boot(3, 1, &mut NodeOut::default());
        n.on_input(5, client_write(1), &mut out);
        // The versions sent to the other replicas (after the restart, the only copies).
        let mut dots: Vec<Dot> = out
            .sends
            .iter()
            .filter_map(|(_, m)| match m {
                Msg::Replica(ReplicaRequest::Write { item, .. }) => Some(item.dot),
                _ => None,
            })
            .collect();
        dots.dedup();
        assert_eq!(dots, [Dot { node: 0, counter: 1 }, Dot { node: 0, counter: 2 }], "dense per key, durable");
    }

    #[test]
    fn two_writes_through_one_coordinator_that_never_saw_each_other_stay_siblings() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(1), &mut out);
        n.on_input(1, client_write(1), &mut out);
        let held: Vec<u64> = n.store().get(5).iter().map(|v| v.value).collect();
        assert_eq!(held.len(), 2, "both acknowledged writes survive as siblings: {held:?}");
    }

    #[test]
    fn read_merges_answers_into_siblings() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        n.on_input(
            0,
            Input::Msg { from: 9, msg: Msg::Request(ClientRequest::Read { op: 2, key: 5, r: 3, attempt: 0 }) },
            &mut out,
        );
        let req = first_request(&out);
        let a = Versioned { dot: Dot { node: 1, counter: 1 }, context: Context::new(), stamp: 0, value: 1 };
        let b = Versioned { dot: Dot { node: 2, counter: 1 }, context: Context::new(), stamp: 0, value: 2 };
        let mut out = NodeOut::default();
        n.on_input(
            1,
            Input::Msg {
                from: 1,
                msg: Msg::Replied(ReplicaAnswer::ReadReply { req, versions: Some(Arc::new(vec![a.clone()])) }),
            },
            &mut out,
        );
        n.on_input(
            1,
            Input::Msg {
                from: 2,
                msg: Msg::Replied(ReplicaAnswer::ReadReply { req, versions: Some(Arc::new(vec![b.clone()])) }),
            },
            &mut out,
        );
        match replies(&out)[..] {
            [Reply::ReadOk { versions }] => assert_eq!(versions, &vec![a, b]),
            ref r => panic!("unexpected {r:?}"),
        }
    }

    #[test]
    fn a_restarted_node_coordinates_without_its_own_copy_until_a_leader_confirms_its_map() {
        let mut n = node(0);
        let mut out = NodeOut::default();
        n.boot(10, 1, &mut out);
        let mut out = NodeOut::default();
        n.on_input(20, client_write(3), &mut out);
        assert!(n.store().get(5).is_empty(), "its booted map may be stale: no local copy");
        let asked = out.sends.iter().filter(|(_, m)| matches!(m, Msg::Replica(ReplicaRequest::Write { .. }))).count();
        assert_eq!(asked, 2, "the other replicas are asked as before");
        let mut first_life = node(0);
        first_life.on_input(20, client_write(3), &mut NodeOut::default());
        assert_eq!(first_life.store().get(5).len(), 1, "a node in its first life stores its copy");
    }

    /// The injector records what `corrupt` reports as ground truth for the corruption
    /// checkers, so the report must name exactly the records the disk can no longer serve.
    #[test]
    fn corrupt_reports_exactly_the_records_it_damaged() {
        let mut n = node(0);
        for key in 1..=20 {
            n.replica.store_mut().apply(key, &version(1, 100 + key));
        }
        let damaged = n.corrupt(0.25, &mut rand_chacha::ChaCha8Rng::seed_from_u64(7));
        let unreadable: Vec<u64> = (1..=20).filter(|&k| n.store().get(k).is_empty()).collect();
        assert_eq!(damaged.iter().map(|d| d.0).collect::<Vec<_>>(), unreadable);
        assert_eq!(unreadable.len(), 5, "a quarter of 20 records");
        for (key, values) in &damaged {
            assert_eq!(values.len(), 1, "key {key} held one version");
            assert_ne!(values[0], 100 + key, "the reported value is the damaged one");
            assert!(values[0] >> 63 == 1, "damaged values carry the top bit");
        }
    }

    fn version(node: u32, value: u64) -> Versioned {
        Versioned { dot: Dot { node, counter: 1 }, context: Context::new(), stamp: 0, value }
    }

    fn read_reply(req: u64, from: Addr, held: &[Versioned]) -> NodeInput {
        let versions = (!held.is_empty()).then(|| Arc::new(held.to_vec()));
        Input::Msg { from, msg: Msg::Replied(ReplicaAnswer::ReadReply { req, versions }) }
    }

    fn client_read(r: u8) -> NodeInput {
        Input::Msg { from: 9, msg: Msg::Request(ClientRequest::Read { op: 2, key: 5, r, attempt: 0 }) }
    }

    /// The repair writes in `out`: (replica, value).
    fn repairs(out: &NodeOut) -> Vec<(Addr, u64)> {
        out.sends
            .iter()
            .filter_map(|(to, m)| match m {
                Msg::Replica(ReplicaRequest::Repair { item, .. }) => Some((*to, item.value)),
                _ => None,
            })
            .collect()
    }

    /// Async read repair on node 0, which holds value 1 of key 5 locally: a read at R = 2 that
    /// replica 1 answers with values 1 and 2. Returns the node, the request and what it did.
    fn async_read_answered_by_replica_1() -> (StorageNode, u64, NodeOut) {
        let mut n = node_with(0, ReadRepair::Async, StorageConfig::default());
        n.replica.store_mut().apply(5, &version(1, 1));
        let mut out = NodeOut::default();
        n.on_input(0, client_read(2), &mut out);
        let req = first_request(&out);
        let mut out = NodeOut::default();
        n.on_input(1, read_reply(req, 1, &[version(1, 1), version(2, 2)]), &mut out);
        (n, req, out)
    }

    #[test]
    fn async_read_repair_answers_at_r_then_repairs_every_replica_behind() {
        let (mut n, req, out) = async_read_answered_by_replica_1();
        assert!(matches!(replies(&out)[..], [Reply::ReadOk { versions }] if versions.len() == 2), "answered at R");
        assert_eq!(n.store().get(5).len(), 1, "not repaired before every replica answered");
        // Replica 2 answers late with nothing: it and this node's own store get repaired.
        let mut out = NodeOut::default();
        n.on_input(2, read_reply(req, 2, &[]), &mut out);
        assert!(replies(&out).is_empty(), "the client is answered once");
        assert_eq!(repairs(&out), [(2, 1), (2, 2)]);
        assert_eq!(n.store().get(5).len(), 2, "the local replica repaired in place");
        assert_eq!((n.stats().read_repairs, n.stats().read_repair_versions), (1, 3));
    }

    #[test]
    fn async_read_repair_repairs_with_the_answers_that_came_when_a_replica_never_answers() {
        let (mut n, _, out) = async_read_answered_by_replica_1();
        assert_eq!(replies(&out).len(), 1, "answered at R");
        // Replica 2 never answers: at the deadline the answers that came are repaired.
        let mut out = NodeOut::default();
        n.on_input(100, due(100), &mut out);
        assert!(replies(&out).is_empty(), "no second answer (a timeout) for a read already answered");
        assert_eq!(n.store().get(5).len(), 2, "the local replica repaired in place");
        assert_eq!(n.stats().read_repairs, 1);
    }

    #[test]
    fn blocking_read_repair_answers_after_the_repaired_replicas_acknowledge() {
        let mut n = node_with(1, ReadRepair::Blocking, StorageConfig::default());
        let mut out = NodeOut::default();
        n.on_input(0, client_read(3), &mut out);
        let req = first_request(&out);
        let mut out = NodeOut::default();
        n.on_input(1, read_reply(req, 0, &[version(0, 7)]), &mut out);
        n.on_input(1, read_reply(req, 2, &[]), &mut out);
        assert!(replies(&out).is_empty(), "waits for the repair");
        assert_eq!(repairs(&out), [(2, 7)], "replica 2 lacked value 7");
        let mut out = NodeOut::default();
        n.on_input(2, read_reply(req, 2, &[]), &mut out);
        assert!(replies(&out).is_empty(), "a read answer does not stand for the repair's acknowledgement");
        n.on_input(3, Input::Msg { from: 2, msg: Msg::Replied(ReplicaAnswer::WriteAck { req }) }, &mut out);
        assert!(matches!(replies(&out)[..], [Reply::ReadOk { versions }] if versions.len() == 1));
    }

    /// A node of the linearizable (ABD) mode: `Lww` stores, blocking read repair.
    fn abd(id: Addr) -> StorageNode {
        let coordinator =
            CoordinatorConfig { read_repair: ReadRepair::Blocking, linearizable: true, ..coordinator_cfg() };
        node_cfg(id, coordinator, StorageConfig { conflicts: ConflictPolicy::Lww, ..StorageConfig::default() })
    }

    #[test]
    fn a_linearizable_write_reads_a_quorum_then_writes_with_a_tag_above_what_it_found() {
        let mut n = abd(0);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(2), &mut out);
        assert!(out.sends.iter().all(|(_, m)| !matches!(m, Msg::Replica(ReplicaRequest::Write { .. }))), "reads first");
        let req = first_request(&out);
        let older = Versioned { stamp: 5, ..version(1, 3) };
        let mut out = NodeOut::default();
        n.on_input(1, read_reply(req, 1, &[older]), &mut out);
        let stamps: Vec<u64> = out
            .sends
            .iter()
            .filter_map(|(_, m)| match m {
                Msg::Replica(ReplicaRequest::Write { item, .. }) => Some(item.stamp),
                _ => None,
            })
            .collect();
        assert_eq!(stamps, [6, 6], "after this node's empty answer and replica 1's tag 5");
    }

    #[test]
    fn a_linearizable_read_fails_when_its_write_back_is_not_acknowledged_in_time() {
        for (linearizable, expect_ok) in [(true, false), (false, true)] {
            let mut n = abd(1);
            n.coordinator = Coordinator::new(CoordinatorConfig { linearizable, ..n.cfg.coordinator.clone() }, 0);
            let mut out = NodeOut::default();
            n.on_input(0, client_read(3), &mut out);
            let req = first_request(&out);
            n.on_input(1, read_reply(req, 0, &[version(0, 7)]), &mut out);
            n.on_input(1, read_reply(req, 2, &[]), &mut out);
            assert_eq!(repairs(&out), [(2, 7)], "replica 2 is written back to");
            let mut out = NodeOut::default();
            n.on_input(100, due(100), &mut out);
            let ok = matches!(replies(&out)[..], [Reply::ReadOk { .. }]);
            assert_eq!(ok, expect_ok, "linearizable {linearizable}: {:?}", replies(&out));
        }
    }

    #[test]
    fn without_read_repair_replicas_stay_behind() {
        let mut n = node_with(0, ReadRepair::Off, StorageConfig::default());
        let mut out = NodeOut::default();
        n.on_input(0, client_read(3), &mut out);
        let req = first_request(&out);
        n.on_input(1, read_reply(req, 1, &[version(1, 1)]), &mut out);
        n.on_input(1, read_reply(req, 2, &[]), &mut out);
        assert!(repairs(&out).is_empty());
        assert!(n.store().get(5).is_empty());
        assert_eq!(n.stats().read_repairs, 0);
    }

    #[test]
    fn a_write_beyond_the_sibling_bound_is_refused_and_counted() {
        let storage = StorageConfig { max_siblings: 1, ..StorageConfig::default() };
        let mut n = node_with(0, ReadRepair::Off, storage);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(1), &mut out);
        let mut second = NodeOut::default();
        n.on_input(1, client_write(1), &mut second);
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { .. }]), "only the first is acknowledged");
        assert!(replies(&second).is_empty(), "the other replicas may still store it");
        assert_eq!(n.store().get(5).len(), 1);
        assert_eq!(n.stats().sibling_cap_hits, 1);
        // Both other replicas refuse too: W is out of reach, the write is given up at once (its
        // timeout would only come at 101 ms).
        let req = first_request(&second);
        for from in [1, 2] {
            n.on_input(3, Input::Msg { from, msg: Msg::Replied(ReplicaAnswer::Refused { req }) }, &mut second);
        }
        assert!(matches!(replies(&second)[..], [Reply::SiblingBound { answers: 0, .. }]), "{:?}", replies(&second));
        // As a replica, it answers another coordinator's write past the bound with a refusal.
        let write = ReplicaRequest::Write { req: 9, key: 5, item: Arc::new(version(2, 98)), fence: None, epoch: 0 };
        let mut out = NodeOut::default();
        n.on_input(4, Input::Msg { from: 2, msg: Msg::Replica(write) }, &mut out);
        assert!(matches!(out.sends[..], [(2, Msg::Replied(ReplicaAnswer::Refused { req: 9 }))]), "{:?}", out.sends);
        // A hinted write may have been acknowledged through stand-ins: never refused.
        let item = Arc::new(version(3, 99));
        n.on_input(2, Input::Msg { from: 3, msg: Msg::Handoff(HandoffMsg::Deliver { key: 5, item }) }, &mut out);
        assert_eq!(n.store().get(5).len(), 2, "repairs may carry a key past the bound");
    }

    #[test]
    fn a_strong_shard_raises_one_to_a_quorum_and_asks_no_stand_in() {
        use crate::shard_spec::{Requirement, ShardSpec};
        let handoff = Some(HandoffConfig { after_ms: 50, retry_ms: 200 });
        let strong = ShardMap::placed(&[(0, 0), (1, 0), (2, 0)], &ShardSpec::uniform(1, 3, Requirement::Strong));
        let coordinator = CoordinatorConfig { handoff, ..coordinator_cfg() };
        let mut n = node_on(0, 5, coordinator, StorageConfig::default(), strong);
        // A write at ONE: this node's own copy is not enough on a strong shard.
        let mut out = NodeOut::default();
        n.on_input(0, client_write(1), &mut out);
        let req = first_request(&out);
        assert!(replies(&out).is_empty(), "W=1 raised to 2: {:?}", replies(&out));
        // Replicas 1 and 2 stay silent past the hand-off time: no stand-in is asked.
        let mut out = NodeOut::default();
        n.on_input(50, due(50), &mut out);
        assert!(!out.sends.iter().any(|(_, m)| matches!(m, Msg::Handoff(_))), "{:?}", out.sends);
        n.on_input(60, Input::Msg { from: 1, msg: Msg::Replied(ReplicaAnswer::WriteAck { req }) }, &mut out);
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { stand_ins: 0, .. }]), "{:?}", replies(&out));
        // A read at ONE waits for a second answer too.
        let mut out = NodeOut::default();
        n.on_input(70, client_read(1), &mut out);
        assert!(replies(&out).is_empty(), "R=1 raised to 2: {:?}", replies(&out));
        let req = first_request(&out);
        n.on_input(72, read_reply(req, 2, &[]), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::ReadOk { .. }]), "{:?}", replies(&out));
    }

    #[test]
    fn a_primary_reading_before_its_first_write_goes_on_at_its_timeout_with_a_quorum_only() {
        for (answering, writes) in [(&[][..], false), (&[1][..], true)] {
            let mut n = primary_node();
            let mut out = NodeOut::default();
            n.on_input(100, client_write(2), &mut out);
            let req = first_request(&out);
            for &from in answering {
                let answer = ReplicaAnswer::ReadReply { req, versions: None };
                n.on_input(110, Input::Msg { from, msg: Msg::Replied(answer) }, &mut out);
            }
            let mut out = NodeOut::default();
            n.on_input(200, due(200), &mut out);
            let wrote = out.sends.iter().any(|(_, m)| matches!(m, Msg::Replica(ReplicaRequest::Write { .. })));
            assert_eq!(wrote, writes, "{} of 3 answered: {:?}", answering.len() + 1, out.sends);
        }
    }

    #[test]
    fn with_hinted_handoff_a_write_refused_at_the_bound_is_given_up_and_nobody_stands_in_for_a_refusal() {
        let storage = StorageConfig { max_siblings: 1, ..StorageConfig::default() };
        let handoff = Some(HandoffConfig { after_ms: 50, retry_ms: 200 });
        let mut n = node_in(0, 5, ReadRepair::Off, handoff, storage);
        n.on_input(0, client_write(1), &mut NodeOut::default());
        let mut out = NodeOut::default();
        n.on_input(1, client_write(1), &mut out);
        let req = first_request(&out);
        // Replica 1 refuses too; replica 2 is silent. At 51 ms only replica 2 gets a stand-in.
        n.on_input(3, Input::Msg { from: 1, msg: Msg::Replied(ReplicaAnswer::Refused { req }) }, &mut out);
        assert!(replies(&out).is_empty(), "replica 2 or its stand-in may still make W=1");
        let mut out = NodeOut::default();
        n.on_input(51, due(51), &mut out);
        let hinted: Vec<Addr> = out
            .sends
            .iter()
            .filter_map(|(_, m)| match m {
                Msg::Handoff(HandoffMsg::Hinted { intended, .. }) => Some(*intended),
                _ => None,
            })
            .collect();
        assert_eq!(hinted, [2], "no stand-in for the replicas that refused");
        // Replica 2 refuses as well: no replica is left open, so the write is given up at once.
        let mut out = NodeOut::default();
        n.on_input(60, Input::Msg { from: 2, msg: Msg::Replied(ReplicaAnswer::Refused { req }) }, &mut out);
        assert!(matches!(replies(&out)[..], [Reply::SiblingBound { .. }]), "{:?}", replies(&out));
    }

    #[test]
    fn a_write_short_of_w_turns_to_stand_ins_whose_hints_count_sloppily_and_reach_the_replica() {
        let handoff = Some(HandoffConfig { after_ms: 50, retry_ms: 200 });
        let mut n = node_in(0, 5, ReadRepair::Off, handoff, StorageConfig::default());
        let mut out = NodeOut::default();
        n.on_input(0, client_write(2), &mut out);
        assert!(out.timers.contains(&(50, Timer::Coordinator(CoordinatorTimer::RequestsDue { at: 50 }))));
        // Replicas 1 and 2 stay silent: at 50 ms the write goes to stand-ins 3 and 4.
        let mut out = NodeOut::default();
        n.on_input(50, due(50), &mut out);
        let hinted: Vec<(Addr, Addr)> = out
            .sends
            .iter()
            .filter_map(|(to, m)| match m {
                Msg::Handoff(HandoffMsg::Hinted { intended, .. }) => Some((*to, *intended)),
                _ => None,
            })
            .collect();
        assert_eq!(hinted, [(3, 1), (4, 2)]);
        let Msg::Handoff(HandoffMsg::Hinted { req, .. }) = &out.sends[0].1 else { panic!("a hinted write") };
        let req = *req;
        let mut out = NodeOut::default();
        n.on_input(60, Input::Msg { from: 3, msg: Msg::Handoff(HandoffMsg::HintAck { req, intended: 1 }) }, &mut out);
        assert!(
            matches!(replies(&out)[..], [Reply::WriteOk { stand_ins: 1, .. }]),
            "W=2: this node's own copy and one stand-in's, reported as sloppy"
        );
        assert_eq!((n.stats().hinted_writes, n.stats().sloppy_acks), (2, 1));

        // Node 3, the stand-in, holds the hint and delivers it to replica 1 until it answers.
        let mut stand_in = node_in(3, 5, ReadRepair::Off, handoff, StorageConfig::default());
        let item = Arc::new(version(0, 77));
        let hint = HandoffMsg::Hinted { req: 9, key: 5, item: item.clone(), intended: 1 };
        let mut out = NodeOut::default();
        stand_in.on_input(0, Input::Msg { from: 0, msg: Msg::Handoff(hint) }, &mut out);
        assert!(stand_in.store().get(5).is_empty(), "a hint is not served as the stand-in's own data");
        stand_in.boot(100, 1, &mut NodeOut::default());
        let mut out = NodeOut::default();
        stand_in.on_input(300, Input::Timer(Timer::Handoff(HandoffTimer::DeliverDue { at: 300 })), &mut out);
        assert!(
            matches!(&out.sends[..], [(1, Msg::Handoff(HandoffMsg::Deliver { key: 5, .. }))]),
            "hints survive a crash"
        );
        let mut replica = node_in(1, 5, ReadRepair::Off, handoff, StorageConfig::default());
        let mut back = NodeOut::default();
        replica.on_input(
            301,
            Input::Msg { from: 3, msg: Msg::Handoff(HandoffMsg::Deliver { key: 5, item }) },
            &mut back,
        );
        assert_eq!(replica.store().get(5).len(), 1);
        let Some((3, Msg::Handoff(delivered))) = back.sends.pop() else { panic!("acknowledged to the stand-in") };
        stand_in.on_input(302, Input::Msg { from: 1, msg: Msg::Handoff(delivered) }, &mut out);
        assert_eq!((stand_in.stats().hints_stored, stand_in.stats().hints_delivered), (1, 1));
    }

    #[test]
    fn anti_entropy_arms_at_boot_and_compares_with_a_peer_replica() {
        use crate::anti_entropy::{AeMsg, AeTimer, AntiEntropyConfig};
        let map = ShardMap::ring(&[(0, 0), (1, 0), (2, 0)], 1, 3);
        let cfg = NodeConfig {
            coordinator: coordinator_cfg(),
            control: ControlConfig::default(),
            members: Members::new(0..3),
            storage: StorageConfig::default(),
            anti_entropy: Some(AntiEntropyConfig { interval_ms: 1_000, buckets: 8 }),
            gossip: None,
        };
        let mut n = StorageNode::new(0, cfg, map, Store::new(), ChaCha8Rng::seed_from_u64(1));
        let mut out = NodeOut::default();
        n.boot(0, 0, &mut out);
        let armed: Vec<u64> =
            out.timers.iter().filter(|(_, t)| matches!(t, Timer::AntiEntropy(_))).map(|(d, _)| *d).collect();
        assert!(matches!(armed[..], [d] if (1..=1_000).contains(&d)), "one round within the interval: {armed:?}");
        n.on_input(0, client_write(1), &mut NodeOut::default()); // the store's tree follows its writes
        let mut out = NodeOut::default();
        n.on_input(500, Input::Timer(Timer::AntiEntropy(AeTimer::Round)), &mut out);
        let roots: Vec<Addr> = out
            .sends
            .iter()
            .filter(|(_, m)| matches!(m, Msg::AntiEntropy(AeMsg::Root { .. })))
            .map(|(to, _)| *to)
            .collect();
        assert!(matches!(roots[..], [1] | [2]), "{roots:?}");
        assert_eq!(n.stats().anti_entropy_rounds, 1);
        let empty = crate::storage::Digest::new(1, 8).root(0);
        assert!(n.store().digest().is_some_and(|d| d.root(0) != empty), "the tree holds the write");
    }

    /// Node 0 as the primary of the one shard, its lease renewed by leader 1 until local 2,000.
    fn primary_node() -> StorageNode {
        use crate::control::{Append, Ctl};
        let placed = [(0, 0), (1, 0), (2, 0)];
        let mut map = ShardMap::ring(&placed, 1, 3);
        map.set_primary(0, Some(0), 1);
        map.epoch = 1;
        let cfg = NodeConfig {
            coordinator: CoordinatorConfig { writes_via_primary: true, ..coordinator_cfg() },
            control: ControlConfig::default(),
            members: Members::new(0..3),
            storage: StorageConfig::default(),
            anti_entropy: None,
            gossip: None,
        };
        let mut n = StorageNode::new(0, cfg, ShardMap::ring(&placed, 1, 3), Store::new(), ChaCha8Rng::seed_from_u64(1));
        let mut out = NodeOut::default();
        n.boot(0, 0, &mut out);
        let map = Some(Box::new((1, map)));
        let append = Ctl::Append(Append { term: 1, map, commit_epoch: 1, lease_echo: Some(0), sent: 0 });
        n.on_input(10, Input::Msg { from: 1, msg: Msg::Ctl(append) }, &mut out);
        assert!(n.control().is_primary(0, 1_950));
        n
    }

    #[test]
    fn a_replica_refuses_a_write_fenced_older_than_a_fence_it_has_seen() {
        let mut n = node(1);
        let mut out = NodeOut::default();
        // A new primary's first read fences the replica at epoch 5.
        let fenced_read = ReplicaRequest::Read { req: 1, key: 5, fence: Some(5), epoch: 0 };
        let fenced = |out: &NodeOut| {
            let is_fence =
                |e: &&Event| matches!(e, Event::FenceAct(f) if f.kind == crate::replica::FenceActKind::Fenced);
            out.events.iter().filter(is_fence).count()
        };
        n.on_input(1, Input::Msg { from: 0, msg: Msg::Replica(fenced_read.clone()) }, &mut out);
        assert_eq!(fenced(&out), 1, "the fence is recorded when it rises");
        n.on_input(1, Input::Msg { from: 0, msg: Msg::Replica(fenced_read) }, &mut out);
        assert_eq!(fenced(&out), 1, "and not again for the same epoch");
        let write = |req: u64, fence| {
            let item = Arc::new(Versioned { dot: Dot { node: 2, counter: req }, ..version(2, 70 + req) });
            Input::Msg {
                from: 2,
                msg: Msg::Replica(ReplicaRequest::Write { req, key: 5, item, fence: Some(fence), epoch: 0 }),
            }
        };
        let mut out = NodeOut::default();
        n.on_input(2, write(2, 4), &mut out); // the deposed primary's late write
        n.on_input(3, write(3, 5), &mut out); // the new primary's
        let acked: Vec<u64> = out
            .sends
            .iter()
            .filter_map(|(_, m)| match m {
                Msg::Replied(ReplicaAnswer::WriteAck { req }) => Some(*req),
                _ => None,
            })
            .collect();
        assert_eq!(acked, vec![3], "epoch 4 refused after the epoch-5 fence, epoch 5 taken");
        assert!(n.store().iter().all(|(_, vs)| vs.iter().all(|v| v.value != 72)), "the refused write is not stored");
        let told =
            out.sends.iter().any(|(to, m)| *to == 2 && matches!(m, Msg::Replied(ReplicaAnswer::Fenced { req: 2 })));
        assert!(told, "the deposed primary hears its write refused: {:?}", out.sends);
    }

    #[test]
    fn a_write_whose_replicas_refuse_it_as_fenced_is_given_up_once_w_is_out_of_reach() {
        let mut n = node_with(0, ReadRepair::Off, StorageConfig::default());
        let mut out = NodeOut::default();
        n.on_input(0, client_write(3), &mut out);
        let req = first_request(&out);
        n.on_input(2, Input::Msg { from: 1, msg: Msg::Replied(ReplicaAnswer::Fenced { req }) }, &mut out);
        assert!(
            matches!(replies(&out)[..], [Reply::Fenced { answers: 1, .. }]),
            "W=3 with one replica fenced: given up at once, this node's own copy stored: {:?}",
            replies(&out)
        );
    }

    #[test]
    fn a_primary_versions_each_write_once_whatever_copies_and_late_operations_arrive() {
        let mut n = primary_node();
        // The tenure's first write reads a quorum first; the replicas hold nothing.
        let mut out = NodeOut::default();
        n.on_input(20, client_write(2), &mut out);
        let req = first_request(&out);
        for from in [1, 2] {
            let answer = ReplicaAnswer::ReadReply { req, versions: None };
            n.on_input(21, Input::Msg { from, msg: Msg::Replied(answer) }, &mut out);
        }
        // A paused forwarder lets go of its queue at once: twelve clients' writes, then a copy
        // of the first (more writes apart than any per-key memory of recent values held) and an
        // older operation of the same client, given up on by it.
        let forward = |client: Addr, op: u64| {
            let f = ForwardWrite {
                client,
                op,
                key: 5,
                w: 2,
                value: 1_000 * client as u64 + op,
                context: Context::new(),
                attempt: 0,
            };
            Input::Msg { from: 1, msg: Msg::Forward(f) }
        };
        let mut out = NodeOut::default();
        for client in 30..42 {
            n.on_input(30, forward(client, 7), &mut out);
        }
        n.on_input(31, forward(30, 7), &mut out);
        n.on_input(31, forward(30, 6), &mut out);
        n.on_input(31, forward(31, 8), &mut out); // the client's next operation: taken
        let mut versioned: BTreeMap<u64, usize> = BTreeMap::new();
        for (to, m) in &out.sends {
            if let (1, Msg::Replica(ReplicaRequest::Write { item, .. })) = (*to, m) {
                *versioned.entry(item.value).or_default() += 1;
            }
        }
        assert_eq!(versioned.len(), 13, "every write once, the late operation never: {versioned:?}");
        assert!(versioned.values().all(|&c| c == 1), "no write versioned twice: {versioned:?}");
        assert!(!versioned.contains_key(&30_006), "an operation its client gave up on is not versioned late");
    }

    #[test]
    fn a_primary_whose_lease_ran_out_during_its_first_read_refuses_the_write() {
        let mut n = primary_node();
        // A client write just before the lease ends: the first write of the tenure reads first.
        let mut out = NodeOut::default();
        n.on_input(1_950, client_write(2), &mut out);
        let req = first_request(&out);
        // The replicas answer after the lease ran out.
        let mut out = NodeOut::default();
        for from in [1, 2] {
            let answer = ReplicaAnswer::ReadReply { req, versions: None };
            n.on_input(2_010, Input::Msg { from, msg: Msg::Replied(answer) }, &mut out);
        }
        assert!(matches!(replies(&out)[..], [Reply::NotPrimary { .. }]), "{:?}", replies(&out));
        assert!(
            !out.sends.iter().any(|(_, m)| matches!(m, Msg::Replica(ReplicaRequest::Write { .. }))),
            "nothing was written as primary without a lease"
        );
    }

    fn hedging(hedge: Hedge, breaker: Option<BreakerConfig>) -> StorageNode {
        let coordinator = CoordinatorConfig { hedge, breaker, ..coordinator_cfg() };
        node_cfg(0, coordinator, StorageConfig::default())
    }

    const AFTER_20MS: Hedge = Hedge::Targeted(HedgeDelay::Fixed { ms: 20 });

    /// The replicas sent a read in `out`, with the request id.
    fn reads_sent(out: &NodeOut) -> Vec<(Addr, u64)> {
        out.sends
            .iter()
            .filter_map(|(to, m)| match m {
                Msg::Replica(ReplicaRequest::Read { req, .. }) => Some((*to, *req)),
                _ => None,
            })
            .collect()
    }

    fn targeted_read(n: &mut StorageNode, now: u64, r: u8) -> Vec<(Addr, u64)> {
        let mut out = NodeOut::default();
        n.on_input(now, client_read(r), &mut out);
        reads_sent(&out)
    }

    #[test]
    fn a_targeted_read_asks_r_replicas_and_hedges_one_more_after_the_delay() {
        let mut n = hedging(AFTER_20MS, None);
        let mut out = NodeOut::default();
        n.on_input(0, client_read(2), &mut out);
        let first = reads_sent(&out);
        assert_eq!(first.len(), 1, "this node answers itself; one other replica is asked: {first:?}");
        assert!(out.timers.contains(&(20, Timer::Coordinator(CoordinatorTimer::RequestsDue { at: 20 }))));
        let mut out = NodeOut::default();
        n.on_input(19, due(19), &mut out);
        assert!(reads_sent(&out).is_empty(), "not yet");
        n.on_input(20, due(20), &mut out);
        let hedge = reads_sent(&out);
        assert_eq!(hedge.len(), 1);
        assert_ne!(hedge[0].0, first[0].0, "the hedge goes to the replica not asked yet");
        let mut out = NodeOut::default();
        n.on_input(23, read_reply(hedge[0].1, hedge[0].0, &[]), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::ReadOk { .. }]), "the hedge's answer completes the read");
        assert_eq!((n.stats().hedges, n.stats().hedges_won), (1, 1));
        let mut out = NodeOut::default();
        n.on_input(40, due(40), &mut out);
        assert!(reads_sent(&out).is_empty(), "no replica is left to hedge with");
    }

    #[test]
    fn a_targeted_read_answered_in_time_sends_no_hedge() {
        let mut n = hedging(AFTER_20MS, None);
        let asked = targeted_read(&mut n, 0, 2);
        let mut out = NodeOut::default();
        n.on_input(5, read_reply(asked[0].1, asked[0].0, &[]), &mut out);
        assert_eq!(replies(&out).len(), 1);
        n.on_input(20, due(20), &mut out);
        assert!(reads_sent(&out).is_empty());
        assert_eq!(n.stats().hedges, 0);
    }

    #[test]
    fn a_hedge_beaten_by_the_replica_first_asked_wins_nothing_and_is_waited_for() {
        // With the breaker on, a done read waits for its stragglers (each that stays silent times out).
        let breaker = BreakerConfig { timeouts: 2, window_ms: 2_000, probe_ms: 1_000 };
        let mut n = hedging(AFTER_20MS, Some(breaker));
        let first = targeted_read(&mut n, 0, 2);
        let mut out = NodeOut::default();
        n.on_input(20, due(20), &mut out);
        let hedge = reads_sent(&out);
        assert_eq!(hedge.len(), 1);
        let mut out = NodeOut::default();
        n.on_input(21, read_reply(first[0].1, first[0].0, &[]), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::ReadOk { .. }]), "the replica first asked completes it");
        assert_eq!((n.stats().hedges, n.stats().hedges_won), (1, 0), "the hedge was not needed");
        assert_eq!(n.pending_requests(), 1, "the hedge is still out: its answer is a straggler to wait for");
        n.on_input(23, read_reply(hedge[0].1, hedge[0].0, &[]), &mut NodeOut::default());
        assert_eq!(n.pending_requests(), 0, "every replica asked has answered");
        assert_eq!(n.stats().hedges_won, 0);
    }

    #[test]
    fn targeted_reads_never_hedge_when_told_so_and_time_out_instead() {
        let mut n = hedging(Hedge::Targeted(HedgeDelay::Never), None);
        let asked = targeted_read(&mut n, 0, 3);
        assert_eq!(asked.len(), 2, "R = 3: all three replicas");
        let asked = targeted_read(&mut n, 1, 2);
        assert_eq!(asked.len(), 1);
        let mut out = NodeOut::default();
        n.on_input(101, due(101), &mut out);
        assert_eq!(reads_sent(&out), [], "never hedged");
        assert!(matches!(replies(&out)[..], [Reply::Timeout { .. }, Reply::Timeout { .. }]));
    }

    /// Drives reads at R = 2 through coordinator 0 while replica 1 never answers and replica 2
    /// answers at once, each read's hedge and deadline fired, from `from` until `until`.
    fn reads_with_replica_1_silent(n: &mut StorageNode, from: u64, until: u64) -> Vec<Vec<Addr>> {
        let mut asked_per_read = vec![];
        for t in (from..until).step_by(200) {
            let mut asked: Vec<Addr> = vec![];
            for (to, req) in targeted_read(n, t, 2) {
                asked.push(to);
                if to == 2 {
                    n.on_input(t + 2, read_reply(req, 2, &[]), &mut NodeOut::default());
                }
            }
            let mut out = NodeOut::default();
            n.on_input(t + 20, due(t + 20), &mut out);
            for (to, req) in reads_sent(&out) {
                assert_eq!(to, 2, "hedges go to the replica that answers");
                n.on_input(t + 22, read_reply(req, 2, &[]), &mut NodeOut::default());
            }
            n.on_input(t + 100, due(t + 100), &mut NodeOut::default());
            asked_per_read.push(asked);
        }
        asked_per_read
    }

    #[test]
    fn the_breaker_opens_after_k_timeouts_and_reads_route_around_until_a_probe_answers() {
        let breaker = BreakerConfig { timeouts: 2, window_ms: 2_000, probe_ms: 1_000 };
        let mut n = hedging(AFTER_20MS, Some(breaker));
        // The rotation sends every other read to replica 1, which never answers: its hedge
        // completes the read, and replica 1 times out at the read's deadline.
        let asked = reads_with_replica_1_silent(&mut n, 0, 800);
        assert!(asked.iter().filter(|a| a.contains(&1)).count() >= 2, "{asked:?}");
        assert_eq!(n.stats().breaker_opened, 1);
        assert!(n.stats().hedges >= 2 && n.stats().hedges == n.stats().hedges_won);
        // Open: reads leave replica 1 out until the probe delay has passed.
        let hedges = n.stats().hedges;
        let asked = reads_with_replica_1_silent(&mut n, 800, 1_300);
        assert!(asked.iter().all(|a| a == &[2]), "{asked:?}");
        assert!(n.stats().breaker_routed_around >= 1);
        assert_eq!(n.stats().hedges, hedges, "nothing to hedge for");
        // The probe: the next read also asks replica 1, which answers this time.
        let asked = targeted_read(&mut n, 1_900, 2);
        assert_eq!(n.stats().breaker_probes, 1);
        let (_, probe) = *asked.iter().find(|(to, _)| *to == 1).expect("the probe goes to replica 1");
        n.on_input(1_905, read_reply(probe, 1, &[]), &mut NodeOut::default());
        // Closed: the rotation includes replica 1 again.
        let mut again = vec![];
        for t in [2_000, 2_200, 2_400] {
            again.extend(targeted_read(&mut n, t, 2).into_iter().map(|(to, _)| to));
        }
        assert!(again.contains(&1), "{again:?}");
        assert_eq!(n.stats().breaker_opened, 1);
    }

    #[test]
    fn fan_out_reads_skip_an_open_breaker_only_when_the_rest_suffice_and_writes_never_do() {
        let breaker = BreakerConfig { timeouts: 2, window_ms: 2_000, probe_ms: 10_000 };
        let mut n = hedging(Hedge::Off, Some(breaker));
        for t in [0, 200] {
            let asked = targeted_read(&mut n, t, 2);
            assert_eq!(asked.len(), 2, "every replica while the breaker is closed");
            let (_, req) = asked[0];
            n.on_input(t + 2, read_reply(req, 2, &[]), &mut NodeOut::default());
            n.on_input(t + 100, due(t + 100), &mut NodeOut::default());
            if t == 0 {
                assert_eq!(n.stats().breaker_opened, 0, "one missed deadline of two: still closed");
            }
        }
        assert_eq!(n.stats().breaker_opened, 1, "replica 1 missed two deadlines");
        assert_eq!(targeted_read(&mut n, 400, 2).iter().map(|a| a.0).collect::<Vec<_>>(), [2]);
        assert_eq!(targeted_read(&mut n, 401, 3).len(), 2, "R = 3 needs replica 1: asked anyway");
        assert_eq!(n.stats().breaker_routed_around, 1);
        let mut out = NodeOut::default();
        n.on_input(402, client_write(1), &mut out);
        let writes: Vec<Addr> = out
            .sends
            .iter()
            .filter_map(|(to, m)| matches!(m, Msg::Replica(ReplicaRequest::Write { .. })).then_some(*to))
            .collect();
        assert_eq!(writes, [1, 2], "writes reach every replica");
    }

    #[test]
    fn a_read_is_pending_from_its_request_until_it_is_answered_and_its_deadline_passes() {
        let mut n = hedging(Hedge::Off, None);
        let asked = targeted_read(&mut n, 0, 2);
        assert_eq!(n.pending_requests(), 1, "a read in flight is pending");
        for (to, req) in asked {
            n.on_input(2, read_reply(req, to, &[]), &mut NodeOut::default());
        }
        n.on_input(100, due(100), &mut NodeOut::default());
        assert_eq!(n.pending_requests(), 0);
    }

    #[test]
    fn with_the_breaker_off_a_late_replica_never_counts() {
        let mut n = hedging(AFTER_20MS, None);
        reads_with_replica_1_silent(&mut n, 0, 2_000);
        assert_eq!((n.stats().breaker_opened, n.stats().breaker_routed_around), (0, 0));
        assert_eq!(n.pending_requests(), 0, "done reads leave nothing behind");
    }

    /// Node `id` of four, the one shard on 0, 1, 2 and its migration to 3 at `step` in its map.
    fn migrating_node(id: Addr, step: crate::migration_msg::Step) -> StorageNode {
        use crate::migration_msg::Migration;
        let mut map = ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0)], 1, 3);
        let m = Migration {
            id: 0,
            shard: 0,
            to: 3,
            step,
            prev_replicas: vec![0, 1, 2],
            prev_primary: None,
            next_replicas: vec![3, 0, 1],
            replaces: None,
            failure: None,
        };
        map.put_migration(m);
        map.epoch = 2;
        let cfg = NodeConfig {
            coordinator: coordinator_cfg(),
            control: ControlConfig::default(),
            members: Members::new(0..4),
            storage: StorageConfig::default(),
            anti_entropy: None,
            gossip: None,
        };
        let mut n = StorageNode::new(id, cfg, map, Store::new(), ChaCha8Rng::seed_from_u64(1));
        n.boot(0, 0, &mut NodeOut::default());
        n
    }

    #[test]
    fn a_client_request_for_a_shard_being_cut_over_is_refused_at_once_and_applied_nowhere() {
        use crate::migration_msg::Step;
        let mut n = migrating_node(0, Step::Route);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(1), &mut out);
        n.on_input(0, client_read(1), &mut out);
        assert!(
            matches!(replies(&out)[..], [Reply::ShardMoving { .. }, Reply::ShardMoving { .. }]),
            "{:?}",
            replies(&out)
        );
        assert!(!out.sends.iter().any(|(_, m)| matches!(m, Msg::Replica(_))), "nothing sent to replicas");
        assert_eq!((n.stats().moving_refused, n.replica.store().iter().count()), (2, 0));
        let mut n = migrating_node(0, Step::Sync);
        let mut out = NodeOut::default();
        n.on_input(0, client_write(1), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { .. }]), "syncing: served by the old set");
    }

    #[test]
    fn a_network_copy_of_a_refused_forward_is_dropped_and_counted() {
        use crate::migration_msg::Step;
        let forward = ForwardWrite { client: 9, op: 1, key: 5, w: 1, value: 77, context: Context::new(), attempt: 0 };
        let mut n = migrating_node(0, Step::Route);
        let mut out = NodeOut::default();
        n.on_input(0, Input::Msg { from: 1, msg: Msg::Forward(forward.clone()) }, &mut out);
        n.on_input(1, Input::Msg { from: 1, msg: Msg::Forward(forward) }, &mut out);
        assert!(matches!(replies(&out)[..], [Reply::ShardMoving { .. }]), "{:?}", replies(&out));
        assert_eq!(n.stats().refused_copies_dropped, 1);
    }

    #[test]
    fn network_copies_of_a_write_attempt_never_contradict_its_first_copy() {
        use crate::migration_msg::Step;
        let retry = |attempt| {
            let request = ClientRequest::Write { op: 1, key: 5, w: 1, value: 77, context: Context::new(), attempt };
            Input::Msg { from: 9, msg: Msg::Request(request) }
        };
        // Refused while the shard is cut over: a late copy is dropped, the client's retry is not.
        let mut n = migrating_node(0, Step::Route);
        let mut out = NodeOut::default();
        n.on_input(0, retry(0), &mut out);
        n.on_input(1, retry(0), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::ShardMoving { .. }]), "{:?}", replies(&out));
        assert_eq!(n.stats().refused_copies_dropped, 1);
        n.on_input(2, retry(1), &mut out);
        assert!(
            matches!(replies(&out)[..], [Reply::ShardMoving { .. }, Reply::ShardMoving { .. }]),
            "the retry is answered"
        );
        // Taken before the cut-over: a copy arriving during it is dropped, not refused.
        let mut n = migrating_node(0, Step::Sync);
        let mut out = NodeOut::default();
        n.on_input(0, retry(0), &mut out);
        let mut moving = migrating_node(0, Step::Route);
        moving.coordinator.take_attempts_of(&mut n.coordinator); // as if n's map had moved on
        moving.on_input(1, retry(0), &mut out);
        assert!(
            matches!(replies(&out)[..], [Reply::WriteOk { .. }]),
            "no ShardMoving for the copy: {:?}",
            replies(&out)
        );
    }

    #[test]
    fn the_final_copy_fences_its_replica_against_stale_routes_its_own_coordinator_included() {
        use crate::migration_msg::Step;
        let mut n = migrating_node(1, Step::Sync);
        let mut out = NodeOut::default();
        let copy = MigrateMsg::Copy { id: 0, shard: 0, to: 3, round: 1, leader: 0, fence: 5 };
        n.on_input(0, Input::Msg { from: 0, msg: Msg::Ctl(Ctl::Migrate(copy)) }, &mut out);
        assert!(out
            .sends
            .iter()
            .any(|(to, m)| *to == 3 && matches!(m, Msg::Ctl(Ctl::Migrate(MigrateMsg::Chunk { .. })))));
        // A coordinator on the old map writes here: refused, not acknowledged.
        let item = Arc::new(version(7, 70));
        let stale = ReplicaRequest::Write { req: 1, key: 5, item, fence: None, epoch: 0 };
        let mut out = NodeOut::default();
        n.on_input(1, Input::Msg { from: 0, msg: Msg::Replica(stale) }, &mut out);
        n.on_input(
            1,
            Input::Msg { from: 0, msg: Msg::Replica(ReplicaRequest::Read { req: 2, key: 5, fence: None, epoch: 0 }) },
            &mut out,
        );
        // Neither acknowledged nor answered: refused, naming the map the cut-over waits for.
        let refusals: Vec<_> = out
            .sends
            .iter()
            .map(|(to, m)| match m {
                Msg::Replied(ReplicaAnswer::StaleRoute { req, epoch }) => (*to, *req, *epoch),
                other => panic!("only refusals: {other:?}"),
            })
            .collect();
        assert_eq!(refusals, [(0, 1, 5), (0, 2, 5)]);
        assert_eq!(n.stats().stale_routes_refused, 2);
        // Its own coordinator, on the same old map, does not count itself toward W = 1.
        let mut out = NodeOut::default();
        n.on_input(2, client_write(1), &mut out);
        assert!(replies(&out).is_empty(), "the local copy is refused too: {:?}", replies(&out));
        assert_eq!(n.replica.store().iter().count(), 0);
    }

    /// Installs `map` on node `n` as a heartbeat of leader 0 in term 1 would.
    fn install(n: &mut StorageNode, now: u64, map: ShardMap, out: &mut NodeOut) {
        use crate::control::Append;
        let epoch = map.epoch;
        let map = Some(Box::new((1, map)));
        let append = Ctl::Append(Append { term: 1, map, commit_epoch: epoch, lease_echo: None, sent: now });
        n.on_input(now, Input::Msg { from: 0, msg: Msg::Ctl(append) }, out);
        assert_eq!(n.control().map().epoch, epoch, "the map was taken");
    }

    /// The replica writes node `n` sent: (to, request id, route epoch).
    fn replica_writes(out: &NodeOut) -> Vec<(Addr, u64, u64)> {
        let write = |(to, m): &(Addr, Msg)| match m {
            Msg::Replica(ReplicaRequest::Write { req, epoch, .. }) => Some((*to, *req, *epoch)),
            _ => None,
        };
        out.sends.iter().filter_map(write).collect()
    }

    #[test]
    fn a_write_refused_as_routed_by_a_stale_map_goes_to_the_new_replicas_once_the_map_comes() {
        // Node 4 coordinates for a shard on 0, 1, 2; a migration moved it to 3, 1, 2 at epoch 3.
        let mut n = node_in(4, 5, ReadRepair::Off, None, StorageConfig::default());
        let mut out = NodeOut::default();
        n.on_input(0, client_write(2), &mut out);
        let req = first_request(&out);
        assert_eq!(replica_writes(&out), [(0, req, 0), (1, req, 0), (2, req, 0)]);
        let refused = |epoch| Input::Msg { from: 0, msg: Msg::Replied(ReplicaAnswer::StaleRoute { req, epoch }) };
        let ack = |from| Input::Msg { from, msg: Msg::Replied(ReplicaAnswer::WriteAck { req }) };
        let mut out = NodeOut::default();
        n.on_input(3, refused(3), &mut out);
        n.on_input(3, ack(1), &mut out);
        assert!(out.sends.is_empty(), "it waits for the map the refusal named: {:?}", out.sends);
        let mut moved = n.control().map().clone();
        moved.set_replicas(0, vec![3, 1, 2]);
        moved.epoch = 2;
        install(&mut n, 5, moved.clone(), &mut out);
        assert!(replica_writes(&out).is_empty(), "epoch 2 is older than the refusal's 3");
        moved.epoch = 3;
        let mut out = NodeOut::default();
        install(&mut n, 6, moved, &mut out);
        assert_eq!(replica_writes(&out), [(3, req, 3), (1, req, 3), (2, req, 3)], "the same request, by the new map");
        assert_eq!(n.stats().stale_routes_retried, 1);
        // Answers under the old route are dropped: two new acknowledgements complete it.
        let mut out = NodeOut::default();
        n.on_input(7, ack(3), &mut out);
        assert!(replies(&out).is_empty(), "one answer of the new set is not W = 2: {:?}", replies(&out));
        n.on_input(8, ack(1), &mut out);
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { .. }]), "{:?}", replies(&out));
        // A refusal from a replica whose map is behind the route changes nothing.
        let mut out = NodeOut::default();
        n.on_input(9, client_write(2), &mut out);
        let again = first_request(&out);
        let behind = Input::Msg { from: 3, msg: Msg::Replied(ReplicaAnswer::StaleRoute { req: again, epoch: 2 }) };
        n.on_input(10, behind, &mut out);
        assert_eq!(n.stats().stale_routes_retried, 1);
        assert!(!n.coordinator.has_parked());
    }

    #[test]
    fn answers_count_against_the_replica_set_the_request_was_sent_to() {
        // Node 4 sends a write to 0, 1, 2; before the acknowledgements come, its map moves the
        // shard to 3, 0, 1 (positions shift): the acknowledgements of 1 and 2 are still W = 2.
        let mut n = node_in(4, 5, ReadRepair::Off, None, StorageConfig::default());
        let mut out = NodeOut::default();
        n.on_input(0, client_write(2), &mut out);
        let req = first_request(&out);
        let mut moved = n.control().map().clone();
        moved.set_replicas(0, vec![3, 0, 1]);
        moved.epoch = 1;
        install(&mut n, 2, moved, &mut out);
        let mut out = NodeOut::default();
        for from in [1, 2] {
            n.on_input(3, Input::Msg { from, msg: Msg::Replied(ReplicaAnswer::WriteAck { req }) }, &mut out);
        }
        assert!(matches!(replies(&out)[..], [Reply::WriteOk { .. }]), "{:?}", replies(&out));
    }

    #[test]
    fn a_replica_behind_the_route_holds_the_request_until_its_map_catches_up() {
        use crate::migration_msg::Step;
        // Node 3 is a migration's target, still syncing by its map (epoch 2).
        let mut n = migrating_node(3, Step::Sync);
        let mut out = NodeOut::default();
        let item = Arc::new(version(7, 70));
        let write = |req, epoch| ReplicaRequest::Write { req, key: 5, item: item.clone(), fence: None, epoch };
        n.on_input(1, Input::Msg { from: 2, msg: Msg::Replica(write(1, 5)) }, &mut out);
        assert!(out.sends.is_empty(), "routed by epoch 5, held: {:?}", out.sends);
        n.on_input(1, Input::Msg { from: 2, msg: Msg::Replica(write(2, 1)) }, &mut out);
        assert!(
            matches!(out.sends[..], [(2, Msg::Replied(ReplicaAnswer::StaleRoute { req: 2, epoch: 2 }))]),
            "routed by epoch 1, refused: {:?}",
            out.sends
        );
        assert_eq!((n.stats().routes_held, n.stats().stale_routes_refused), (1, 1));
        // Its map catches up: the migration is done and the node one of the shard's replicas.
        let mut done = n.control().map().clone();
        let mut m = done.migration(0).expect("migration").clone();
        m.step = Step::Done;
        done.put_migration(m);
        done.set_replicas(0, vec![3, 0, 1]);
        done.epoch = 5;
        let mut out = NodeOut::default();
        install(&mut n, 4, done, &mut out);
        let acks: Vec<_> = out.sends.iter().filter(|(_, m)| matches!(m, Msg::Replied(_))).collect();
        assert!(matches!(acks[..], [(2, Msg::Replied(ReplicaAnswer::WriteAck { req: 1 }))]), "{acks:?}");
        assert_eq!(n.store().get(5).len(), 1, "stored");
    }
}
