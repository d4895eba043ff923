//! The cluster handle: builds storage nodes and clients on madsim, runs them in simulated
//! time, and takes the simulator's faults (crash, restart, pause, links, clocks).
//!
//! The simulation's one madsim task (the run loop) owns every timed action: it calls
//! [`Cluster::run_to`] up to the next fault or the end, which fires the due ticks in order
//! (see `transport.rs`) and then advances madsim's clock to the target. Nothing else sleeps,
//! so no madsim timer or task is armed per tick: an earlier version spawned one task per tick
//! and spent about a third of its time in madsim's executor. Crashes, restarts and pauses are
//! bookkeeping here: a crash makes the endpoint's queued inputs stale (another incarnation), a
//! restart boots it from its durable store at once, a paused endpoint keeps its batches and
//! gets them, in order, at resume.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use madsim::time::Instant;
use rand_chacha::ChaCha8Rng;

use super::echo::Echo;
use super::links::{Links, NetConfig};
use super::service::{Service, ServiceConfig};
use super::stats::NetStats;
use super::transport::{boot_clients, boot_node, fire, handle, Actor, Endpoint, World};
use crate::actor::{Addr, Input};
use crate::bugs::{self, Bug};
use crate::capacity::{NodeCounters, WorkerStats};
use crate::client::{Client, ClientConfig, Workload};
use crate::control::{Ctl, MemberChange, MigrateMsg};
use crate::message::Msg;
use crate::message::NodeOut;
use crate::node::{NodeConfig, StorageNode};
use crate::observer::{Event, NodeChange, Observer};
use crate::shard_map::{ShardMap, Standing};
use crate::storage::{StorageStats, Store};

/// Everything needed to build a cluster.
pub struct ClusterConfig {
    /// Zone index of each storage node. Node `i` gets address `i`; clients get the addresses
    /// after the nodes. Components never rely on this: they are given addresses.
    pub node_zones: Vec<u16>,
    /// The shard map every node starts from (replica sets; no primary yet).
    pub map: ShardMap,
    /// Link conditions.
    pub net: NetConfig,
    /// Node settings.
    pub node: NodeConfig,
    /// Seed of the network's random stream.
    pub net_seed: ChaCha8Rng,
    /// Random stream of each node (election timeouts), in node order.
    pub node_seeds: Vec<ChaCha8Rng>,
    /// Nodes' workers and service times, and the stream service times are drawn from (`None`:
    /// requests cost only network time).
    pub service: Option<(ServiceConfig, ChaCha8Rng)>,
    /// Nodes whose machines are off at the start (an autoscaler's spares): down until
    /// [`Cluster::restart`] boots them.
    pub standby: Vec<Addr>,
}

/// One client to start: its settings, workload and random stream.
pub struct ClientSetup {
    /// Client settings.
    pub cfg: ClientConfig,
    /// What it does.
    pub workload: Box<dyn Workload>,
    /// Its own random stream (coordinator choice).
    pub rng: ChaCha8Rng,
}

type Shared<O> = Arc<Mutex<World<O>>>;

/// A running cluster: the handle the simulator uses to inject faults and read state. It owns
/// its observer `O` (static dispatch on every event; no lock of its own).
pub struct Cluster<O> {
    world: Shared<O>,
}

impl<O> Clone for Cluster<O> {
    fn clone(&self) -> Self {
        Cluster { world: self.world.clone() }
    }
}

fn lock<O>(world: &Shared<O>) -> MutexGuard<'_, World<O>> {
    // A panic inside a handler poisons the lock; the run is already lost, so keep going
    // far enough to report it rather than panicking again here.
    world.lock().unwrap_or_else(|e| e.into_inner())
}

impl<O: Observer> Cluster<O> {
    /// Builds nodes and clients on the current madsim runtime. Clients start at once.
    pub fn build(cfg: ClusterConfig, clients: Vec<ClientSetup>, observer: O) -> Cluster<O> {
        let n = cfg.node_zones.len();
        let mut endpoints = Vec::with_capacity(n + clients.len());
        let mut node_seeds = cfg.node_seeds.into_iter();
        for id in 0..n as Addr {
            let rng = node_seeds.next().expect("one random stream per node");
            let node =
                StorageNode::new(id, cfg.node.clone(), cfg.map.clone(), Store::with_config(cfg.node.storage), rng);
            endpoints.push(Endpoint::new(Actor::Node(node)));
        }
        for (i, c) in clients.into_iter().enumerate() {
            let client = Client::new((n + i) as Addr, c.cfg, c.workload, c.rng);
            endpoints.push(Endpoint::new(Actor::Client(client)));
        }
        let service = cfg.service.map(|(c, rng)| Service::new(c, rng, n));
        Cluster::start(endpoints, &cfg.node_zones, (cfg.net, cfg.net_seed), service, &cfg.standby, observer)
    }

    /// Builds a cluster of echo endpoints that keep `in_flight` messages each circulating, for
    /// benchmarks of the transport alone (no protocol logic, no clients).
    pub fn build_echo(
        node_zones: Vec<u16>,
        net: NetConfig,
        net_seed: ChaCha8Rng,
        in_flight: u32,
        observer: O,
    ) -> Cluster<O> {
        let n = node_zones.len() as u32;
        let endpoints = (0..n).map(|a| Endpoint::new(Actor::Echo(Echo::new(a, n, in_flight)))).collect();
        Cluster::start(endpoints, &node_zones, (net, net_seed), None, &[], observer)
    }

    /// Boots the first endpoints (one per zone entry) as storage nodes (or echoes), except the
    /// `standby` ones, then starts the clients.
    fn start(
        endpoints: Vec<Endpoint>,
        node_zones: &[u16],
        (net, net_seed): (NetConfig, ChaCha8Rng),
        service: Option<Service>,
        standby: &[Addr],
        observer: O,
    ) -> Cluster<O> {
        let nodes: Vec<Addr> = (0..node_zones.len() as Addr).collect();
        let placed: Vec<(Addr, u16)> = nodes.iter().copied().zip(node_zones.iter().copied()).collect();
        let links = Links::new(net, &placed);
        let world = Arc::new(Mutex::new(World::new(endpoints, nodes, links, net_seed, observer)));
        {
            let mut guard = lock(&world);
            let w = &mut *guard;
            // Every process starts at once: none is down to the others' first messages.
            w.endpoints.iter_mut().for_each(|ep| ep.up = true);
            w.service = service;
            for id in w.nodes.clone() {
                if standby.contains(&id) {
                    w.endpoints[id as usize].up = false; // its machine is off
                } else {
                    boot_node(w, id);
                }
            }
            boot_clients(w);
        }
        Cluster { world }
    }

    /// Runs the cluster up to simulated millisecond `t_ms`: fires every tick before it, in
    /// order, then advances madsim's clock to it. A fault applied next happens at `t_ms`, before
    /// that tick's deliveries.
    pub fn run_to(&self, t_ms: u64) {
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        while let Some(tick) = w.wheel.next_due(t_ms) {
            fire(w, tick);
        }
        w.now = w.now.max(t_ms);
        // Tick `t_ms` itself is still to come: inputs queued now are due after it.
        w.wheel.skip_to(w.now.saturating_sub(1));
        // Keep madsim's clock on the cluster's: anything reading simulated time sees `now`.
        let target = w.start + Duration::from_millis(w.now);
        let clock = Instant::now();
        if target > clock {
            madsim::time::advance(target - clock);
        }
    }

    /// Addresses of the storage nodes, ascending.
    pub fn node_addrs(&self) -> Vec<Addr> {
        lock(&self.world).nodes.clone()
    }

    /// Simulated milliseconds since the cluster was built.
    pub fn now_ms(&self) -> u64 {
        lock(&self.world).now
    }

    /// True when the node is up (not crashed).
    pub fn is_up(&self, node: Addr) -> bool {
        lock(&self.world).endpoints[node as usize].up
    }

    /// Kills a node's machine: volatile state and in-flight deliveries to it are lost; its store
    /// keeps what was synced.
    pub fn crash(&self, node: Addr) {
        let mut w = lock(&self.world);
        let now = w.now;
        let ep = &mut w.endpoints[node as usize];
        if !ep.up {
            return;
        }
        ep.up = false;
        ep.paused = false; // a restarted process is not frozen
        ep.incarnation += 1;
        ep.held.clear();
        if let Actor::Node(n) = &mut ep.actor {
            n.crash();
        }
        super::log::set_now(now);
        tracing::info!(target: "nodes::node", node = %w.names[node as usize], "crashed");
        w.observer.record(now, node, Event::Node(NodeChange::Crashed));
    }

    /// Damages `fraction` of the records on a storage node's disk, drawing which from `rng`;
    /// returns each damaged key with its damaged values (nothing for other endpoints).
    pub fn corrupt(&self, node: Addr, fraction: f64, rng: &mut impl rand::Rng) -> Vec<(u64, Vec<u64>)> {
        match &mut lock(&self.world).endpoints[node as usize].actor {
            Actor::Node(n) => n.corrupt(fraction, rng),
            Actor::Client(_) | Actor::Echo(_) => Vec::new(),
        }
    }

    /// Restarts a crashed node from its durable store (a running node is crashed first).
    pub fn restart(&self, node: Addr) {
        self.crash(node);
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        super::log::set_now(w.now);
        tracing::info!(target: "nodes::node", node = %w.names[node as usize], "restarted");
        w.observer.record(w.now, node, Event::Node(NodeChange::Restarted));
        boot_node(w, node);
    }

    /// The node joins the gossip membership now (it was declared outside it); nothing when
    /// it is down or gossip is off.
    pub fn join(&self, node: Addr) {
        self.record_node(node, NodeChange::Joined);
        self.membership_action(node, StorageNode::join);
    }

    /// The node leaves the gossip membership now, announcing it (a graceful leave).
    pub fn leave(&self, node: Addr) {
        self.record_node(node, NodeChange::Left);
        self.membership_action(node, StorageNode::leave);
    }

    fn membership_action(&self, node: Addr, act: fn(&mut StorageNode, &mut NodeOut)) {
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        let ep = &mut w.endpoints[node as usize];
        if !ep.up {
            return;
        }
        if let Actor::Node(n) = &mut ep.actor {
            act(n, &mut w.outbox);
        }
        let now = w.now;
        super::transport::flush(w, node, now);
    }

    /// Freezes a node (a long GC pause): deliveries wait until it resumes.
    pub fn pause(&self, node: Addr) {
        self.record_node(node, NodeChange::Paused);
        lock(&self.world).endpoints[node as usize].paused = true;
    }

    /// Resumes a paused node: it handles its backlog at once, oldest tick first.
    pub fn resume(&self, node: Addr) {
        self.record_node(node, NodeChange::Resumed);
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        let now = w.now;
        let ep = &mut w.endpoints[node as usize];
        if !ep.paused {
            return;
        }
        ep.paused = false;
        for (_, mut batch) in std::mem::take(&mut ep.held) {
            handle(w, node, &mut batch, now);
        }
    }

    fn record_node(&self, node: Addr, change: NodeChange) {
        let mut w = lock(&self.world);
        let now = w.now;
        super::log::set_now(now);
        tracing::info!(target: "nodes::node", node = %w.names[node as usize], ?change, "node");
        w.observer.record(now, node, Event::Node(change));
    }

    /// Names the storage nodes (by address) for logs; clients are named `c<address>`.
    pub fn name_nodes(&self, names: &[String]) {
        let mut w = lock(&self.world);
        for (addr, name) in w.names.iter_mut().enumerate() {
            *name = names.get(addr).cloned().unwrap_or_else(|| format!("c{addr}"));
        }
    }

    /// Changes link conditions (partitions, slow nodes, loss) under the world's lock.
    pub fn with_links<R>(&self, f: impl FnOnce(&mut Links) -> R) -> R {
        f(&mut lock(&self.world).links)
    }

    /// An operator asks for migration `id` (move `shard`'s primary to `to`): every storage
    /// node that is up and running gets the request now; only a leader acts on it.
    pub fn request_migration(&self, id: u32, shard: u32, to: Addr) {
        self.request(MigrateMsg::Request { id, shard, to });
    }

    /// An operator asks for `node` to join the cluster or be drained, delivered as
    /// [`request_migration`](Self::request_migration) is.
    pub fn request_member_change(&self, node: Addr, change: MemberChange) {
        self.request(MigrateMsg::Member { node, change });
    }

    fn request(&self, request: MigrateMsg) {
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        let now = w.now;
        let nodes: Vec<Addr> = (0..w.endpoints.len() as Addr)
            .filter(|&a| {
                let e = &w.endpoints[a as usize];
                e.up && !e.paused && matches!(e.actor, Actor::Node(_))
            })
            .collect();
        for node in nodes {
            let msg = Msg::Ctl(Ctl::Migrate(request.clone()));
            handle(w, node, &mut vec![Input::Msg { from: node, msg }], now);
        }
    }

    /// The leader with the highest term among nodes that are up and believe they lead.
    pub fn current_leader(&self) -> Option<Addr> {
        let w = lock(&self.world);
        w.endpoints
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.actor {
                Actor::Node(n) if e.up && n.control().is_leader() => Some((n.control().term(), i as Addr)),
                _ => None,
            })
            .max()
            .map(|(_, i)| i)
    }

    /// The nodes that are up and, by their own clock and lease, act as primary of `shard`
    /// now, ascending (more than one only in a split brain).
    pub fn acting_primaries(&self, shard: u32) -> Vec<Addr> {
        let w = lock(&self.world);
        let now = w.now;
        w.endpoints
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.actor {
                Actor::Node(n) if e.up && n.control().is_primary(shard, e.clock.local(now)) => Some(i as Addr),
                _ => None,
            })
            .collect()
    }

    /// From now on, the node's clock jumps by `offset_ms` and runs at `rate` (1.0 exact).
    pub fn set_clock(&self, node: Addr, offset_ms: i64, rate: f64) {
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        let now = w.now;
        let ep = &mut w.endpoints[node as usize];
        ep.clock.adjust(now, offset_ms, rate);
        // The node's lease ends at a local time: under the new clock that is another simulated
        // time, and the checkers must see it.
        if let (true, Actor::Node(n)) = (ep.up, &ep.actor) {
            let until_local = n.control().lease_until();
            if until_local > 0 {
                let until_ms = ep.clock.real_at(until_local);
                w.observer.record(now, node, Event::Lease { until_ms });
            }
        }
    }

    /// Transport counters so far.
    pub fn stats(&self) -> NetStats {
        lock(&self.world).stats
    }

    /// Storage counters so far, summed over the nodes.
    pub fn storage_stats(&self) -> StorageStats {
        let mut total = StorageStats::default();
        for e in &lock(&self.world).endpoints {
            if let Actor::Node(n) = &e.actor {
                total.add(&n.stats());
            }
        }
        total
    }

    /// Each node's worker counters and queue length now, and the workers per node; `None`
    /// when requests cost nothing (no service times).
    pub fn service_stats(&self) -> Option<(u32, Vec<(WorkerStats, usize)>)> {
        let mut w = lock(&self.world);
        let now = w.now;
        w.service.as_mut().map(|s| (s.workers(), s.stats(now)))
    }

    /// Each storage node's counters for node stats, by address; `None` when requests cost
    /// nothing (no workers to be busy). Reads only: the simulation does not see it.
    pub fn node_counters(&self) -> Option<Vec<NodeCounters>> {
        let mut w = lock(&self.world);
        let now = w.now;
        let w = &mut *w;
        let service = w.service.as_mut()?;
        let pools = service.stats(now);
        let traffic = service.traffic();
        let mut out = Vec::with_capacity(pools.len());
        for (addr, ((workers, queue), t)) in pools.into_iter().zip(traffic).enumerate() {
            let ep = &w.endpoints[addr];
            let Actor::Node(n) = &ep.actor else { continue };
            let (store, storage) = (n.store(), n.stats());
            out.push(NodeCounters {
                up: ep.up,
                busy_us: workers.busy_us,
                admitted: workers.admitted,
                rejected: workers.rejected,
                queue: queue as u64,
                keys: store.len() as u64,
                versions: store.versions() as u64,
                sent: t.sent,
                received: t.received,
                disk_reads: t.reads,
                disk_writes: t.writes,
                fsyncs: storage.fsyncs,
                errors: t.error_answers + storage.stale_routes_refused,
            });
        }
        Some(out)
    }

    /// Points every client at `coordinators` (a load balancer's targets changed: a node was
    /// added or is being removed).
    pub fn set_coordinators(&self, coordinators: &[Addr]) {
        if bugs::on(Bug::StaleCoordinators) {
            return;
        }
        let list: Arc<[Addr]> = coordinators.into();
        for e in &mut lock(&self.world).endpoints {
            if let Actor::Client(c) = &mut e.actor {
                c.set_coordinators(list.clone());
            }
        }
    }

    /// True while any client still has an operation outstanding.
    pub fn clients_busy(&self) -> bool {
        lock(&self.world).endpoints.iter().any(|e| matches!(&e.actor, Actor::Client(c) if c.busy()))
    }

    /// Shows `f` every node's store, by node address (without copying them).
    pub fn each_store(&self, mut f: impl FnMut(&Store)) {
        for e in &lock(&self.world).endpoints {
            if let Actor::Node(n) = &e.actor {
                f(n.store());
            }
        }
    }

    /// The shard map each node has accepted, by node address.
    pub fn maps(&self) -> Vec<ShardMap> {
        lock(&self.world)
            .endpoints
            .iter()
            .filter_map(|e| match &e.actor {
                Actor::Node(n) => Some(n.control().map().clone()),
                Actor::Client(_) | Actor::Echo(_) => None,
            })
            .collect()
    }

    /// `node`'s standing in the newest map any running node holds (by epoch), and whether
    /// `node`'s own map already says so: the autoscaler's view of a join or drain.
    pub fn standing(&self, node: Addr) -> Option<(Standing, bool)> {
        let w = lock(&self.world);
        fn map_of(e: &Endpoint) -> Option<&ShardMap> {
            match &e.actor {
                Actor::Node(n) if e.up => Some(n.control().map()),
                _ => None,
            }
        }
        let newest = w.endpoints.iter().filter_map(map_of).max_by_key(|m| m.epoch)?;
        let standing = newest.standing_of(node);
        let own = map_of(&w.endpoints[node as usize]).is_some_and(|m| m.standing_of(node) == standing);
        Some((standing, own))
    }

    /// Lets `f` work with the observer (the driver records what it did there too, and takes
    /// what was observed when the run is over).
    pub fn with_observer<R>(&self, f: impl FnOnce(&mut O) -> R) -> R {
        f(&mut lock(&self.world).observer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::latency::Latency;
    use rand::SeedableRng;

    struct Ignore;
    impl Observer for Ignore {
        fn record(&mut self, _: u64, _: Addr, _: Event) {}
    }

    /// Two echo endpoints 5 ms apart, one message each bouncing between them: every 5 ms
    /// both get one input.
    fn run(body: impl FnOnce(&Cluster<Ignore>) + Send + 'static) {
        let rt = madsim::runtime::Runtime::with_seed_and_config(1, madsim::Config::default());
        rt.block_on(async move {
            let net = NetConfig {
                latency: Latency::Constant { ms: 5.0 },
                cross_zone: None,
                loss: 0.0,
                duplicate: 0.0,
                by_kind: Default::default(),
            };
            let c = Cluster::build_echo(vec![0, 0], net, ChaCha8Rng::seed_from_u64(1), 1, Ignore);
            body(&c);
        });
    }

    #[test]
    fn inputs_arrive_at_their_tick_and_madsim_time_follows() {
        run(|c| {
            c.run_to(21);
            // Ticks 5, 10, 15, 20: two inputs each.
            assert_eq!(c.stats().delivered, 8);
            assert_eq!(c.now_ms(), 21);
            let elapsed = madsim::time::Instant::now() - lock(&c.world).start;
            assert_eq!(elapsed.as_millis(), 21, "madsim's clock is advanced with the cluster");
            c.run_to(25);
            assert_eq!(c.stats().delivered, 8, "tick 25 is not run by run_to(25)");
            c.run_to(26);
            assert_eq!(c.stats().delivered, 10);
        });
    }

    #[test]
    fn a_paused_endpoint_gets_its_inputs_in_order_at_resume() {
        run(|c| {
            c.run_to(12);
            assert_eq!(c.stats().delivered, 4);
            c.pause(1);
            c.run_to(41);
            // b's input of tick 15 waits; a gets b's bounce of tick 10 at 15, then nothing.
            assert_eq!(c.stats().delivered, 5);
            let held: Vec<u64> = lock(&c.world).endpoints[1].held.keys().copied().collect();
            assert_eq!(held, [15, 20], "the batches of ticks 15 and 20 wait, in tick order");
            c.resume(1);
            assert_eq!(c.stats().delivered, 7, "the backlog is handled at once");
            c.run_to(47);
            // Both bounces from the resume (at 41) arrive at a at 46.
            assert_eq!(c.stats().delivered, 9);
            assert_eq!(c.stats().to_down_node, 0);
        });
    }

    #[test]
    fn what_is_sent_to_a_node_that_is_down_is_counted_and_never_delivered() {
        run(|c| {
            c.run_to(12);
            c.crash(1);
            c.run_to(30);
            // Tick 15: a's message to b, sent before the crash, is dropped on arrival; a gets
            // b's last bounce and answers, and that send finds b down. Then nothing moves.
            let s = c.stats();
            assert_eq!((s.to_down_node, s.delivered, s.sent), (2, 5, 7), "{s:?}");
        });
    }

    #[test]
    fn a_crash_drops_what_was_sent_to_the_old_life() {
        run(|c| {
            c.run_to(12);
            c.restart(1); // crash and boot again within the same millisecond
            c.run_to(16);
            // Tick 15: a gets b's bounce; b's input was sent to its previous life.
            assert_eq!(c.stats().delivered, 5);
            assert_eq!(c.stats().to_down_node, 1);
            // The new life booted with one message of its own (due at 17).
            c.run_to(18);
            assert_eq!(c.stats().delivered, 6);
        });
    }
}
