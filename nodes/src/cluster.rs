//! The async shell: runs nodes and clients on madsim and moves messages between them.
//!
//! Transport design (see DESIGN.md): delivery times are whole-millisecond ticks. Each endpoint
//! keeps its pending inputs per tick, and the world keeps which endpoints have a batch due at
//! each tick. The first input for a tick arms one madsim task (on the never-faulted clients host)
//! that sleeps until the tick and then hands every endpoint its batch, endpoints in an order drawn
//! from the network's seeded stream. One task and timer per tick, not per (endpoint, tick): with
//! many endpoints a task per endpoint was almost a task per message. Because the tasks no longer
//! live on the endpoints' madsim nodes, crashes and pauses are handled here: a crash drops the
//! endpoint's pending inputs, a paused endpoint keeps its batches and gets them, in order, at resume.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use madsim::runtime::{Handle, NodeHandle};
use madsim::time::Instant;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::actor::{Input, Outbox};
use crate::client::{Client, ClientConfig, Workload};
use crate::clock::Clock;
use crate::control::ControlEvent;
use crate::echo::Echo;
use crate::message::{Addr, Msg};
use crate::network::{Fate, Links, NetConfig};
use crate::node::{NodeConfig, StorageNode};
use crate::observer::{Event, NodeChange, Observer};
use crate::placement::ShardMap;
use crate::store::Store;

/// Everything needed to build a cluster.
pub struct ClusterConfig {
    /// Storage node names, index = address.
    pub node_names: Vec<String>,
    /// Zone index of each node.
    pub node_zones: Vec<u16>,
    /// Shard placement.
    pub shards: Arc<ShardMap>,
    /// Link conditions.
    pub net: NetConfig,
    /// Node settings.
    pub node: NodeConfig,
    /// Seed of the network's random stream.
    pub net_seed: ChaCha8Rng,
    /// Random stream of each node (election timeouts), by address.
    pub node_seeds: Vec<ChaCha8Rng>,
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

/// Counters of the transport.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages handed to the network.
    pub sent: u64,
    /// Inputs (messages and timers) handed to state machines.
    pub delivered: u64,
    /// Messages dropped by partitions.
    pub partitioned: u64,
    /// Messages dropped by random loss.
    pub lost: u64,
    /// Messages to nodes that were down (or crashed before delivery).
    pub to_down_node: u64,
    /// Extra copies delivered by duplication.
    pub duplicated: u64,
    /// Delivery batches (one armed timer each).
    pub batches: u64,
}

/// Endpoints live in one vector; a client is bigger than a node (its rng), which is fine:
/// there are few endpoints and they never move.
#[allow(clippy::large_enum_variant)]
enum Actor {
    Node(StorageNode),
    Client(Client),
    /// Only in transport benchmarks (`Cluster::build_echo`).
    Echo(Echo),
}

struct Endpoint {
    actor: Actor,
    up: bool,
    incarnation: u32,
    /// Frozen (a GC pause): batches stay pending until resume.
    paused: bool,
    pending: BTreeMap<u64, Vec<Input>>,
    /// The endpoint's clock (clients keep a perfect one).
    clock: Clock,
}

impl Endpoint {
    fn new(actor: Actor) -> Self {
        Endpoint { actor, up: false, incarnation: 0, paused: false, pending: BTreeMap::new(), clock: Clock::default() }
    }
}

struct World {
    endpoints: Vec<Endpoint>,
    links: Links,
    rng: ChaCha8Rng,
    observer: Box<dyn Observer>,
    start: Instant,
    stats: NetStats,
    outbox: Outbox,
    nodes: usize,
    /// Endpoints with a batch due, by tick (an endpoint may appear twice after a crash; harmless).
    due: BTreeMap<u64, Vec<Addr>>,
    /// Where tick tasks run: the clients host, which is never faulted.
    timer_host: Option<NodeHandle>,
    /// Emptied batches kept for reuse, so a warm run allocates no batch per delivery.
    spare: Vec<Vec<Input>>,
}

type Shared = Arc<Mutex<World>>;

/// A running cluster: the handle the simulator uses to inject faults and read state.
#[derive(Clone)]
pub struct Cluster {
    world: Shared,
    madsim_ids: Vec<madsim::task::NodeId>,
    clients_host: madsim::task::NodeId,
}

fn lock(world: &Shared) -> MutexGuard<'_, World> {
    // A panic inside a handler poisons the lock; the run is already lost, so keep going
    // far enough to report it rather than panicking again here.
    world.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cluster {
    /// Builds nodes and clients on the current madsim runtime. Clients start at once.
    pub fn build(cfg: ClusterConfig, clients: Vec<ClientSetup>, observer: Box<dyn Observer>) -> Cluster {
        let n = cfg.node_names.len();
        let mut endpoints = Vec::with_capacity(n + clients.len());
        let mut node_seeds = cfg.node_seeds.into_iter();
        for id in 0..n as Addr {
            let rng = node_seeds.next().expect("one random stream per node");
            let node = StorageNode::new(id, cfg.node.clone(), cfg.shards.clone(), Store::new(), rng);
            endpoints.push(Endpoint::new(Actor::Node(node)));
        }
        for (i, c) in clients.into_iter().enumerate() {
            let client = Client::new((n + i) as Addr, c.cfg, c.workload, c.rng);
            endpoints.push(Endpoint::new(Actor::Client(client)));
        }
        Cluster::start(endpoints, &cfg.node_names, cfg.node_zones, cfg.net, cfg.net_seed, observer)
    }

    /// Builds a cluster of echo endpoints that keep `in_flight` messages each circulating, for
    /// benchmarks of the transport alone (no protocol logic, no clients).
    pub fn build_echo(
        node_names: &[String],
        node_zones: Vec<u16>,
        net: NetConfig,
        net_seed: ChaCha8Rng,
        in_flight: u32,
        observer: Box<dyn Observer>,
    ) -> Cluster {
        let n = node_names.len() as u32;
        let endpoints = (0..n).map(|a| Endpoint::new(Actor::Echo(Echo::new(a, n, in_flight)))).collect();
        Cluster::start(endpoints, node_names, node_zones, net, net_seed, observer)
    }

    fn start(
        endpoints: Vec<Endpoint>,
        node_names: &[String],
        node_zones: Vec<u16>,
        net: NetConfig,
        net_seed: ChaCha8Rng,
        observer: Box<dyn Observer>,
    ) -> Cluster {
        let handle = Handle::current();
        let n = node_names.len();
        let world = Arc::new(Mutex::new(World {
            endpoints,
            links: Links::new(net, node_zones),
            rng: net_seed,
            observer,
            start: Instant::now(),
            stats: NetStats::default(),
            outbox: Outbox::default(),
            nodes: n,
            due: BTreeMap::new(),
            timer_host: None,
            spare: Vec::new(),
        }));
        let mut madsim_ids = Vec::with_capacity(n);
        for (id, name) in node_names.iter().enumerate() {
            let w = world.clone();
            let node = handle
                .create_node()
                .name(name.clone())
                .ip(IpAddr::V4(Ipv4Addr::new(10, 0, (id / 250) as u8, (id % 250 + 1) as u8)))
                .init(move || {
                    let w = w.clone();
                    async move {
                        boot_node(&w, id as Addr);
                        // The init task must never finish: madsim stops a node whose init returns.
                        std::future::pending::<()>().await
                    }
                })
                .build();
            madsim_ids.push(node.id());
        }
        let w = world.clone();
        let clients_node = handle
            .create_node()
            .name("clients")
            .ip(IpAddr::V4(Ipv4Addr::new(10, 1, 0, 1)))
            .init(move || {
                let w = w.clone();
                async move {
                    boot_clients(&w);
                    std::future::pending::<()>().await
                }
            })
            .build();
        let clients_host = clients_node.id();
        lock(&world).timer_host = Some(clients_node);
        Cluster { world, madsim_ids, clients_host }
    }

    /// Number of storage nodes.
    pub fn nodes(&self) -> usize {
        self.madsim_ids.len()
    }

    /// Simulated milliseconds since the cluster was built.
    pub fn now_ms(&self) -> u64 {
        lock(&self.world).start.elapsed().as_millis() as u64
    }

    /// True when the node is up (not crashed).
    pub fn is_up(&self, node: Addr) -> bool {
        lock(&self.world).endpoints[node as usize].up
    }

    /// Kills a node: volatile state and in-flight deliveries to it are lost; its store survives.
    pub fn crash(&self, node: Addr) {
        {
            let mut w = lock(&self.world);
            let now = w.start.elapsed().as_millis() as u64;
            let ep = &mut w.endpoints[node as usize];
            if !ep.up {
                return;
            }
            ep.up = false;
            ep.paused = false; // a restarted process is not frozen
            ep.incarnation += 1;
            ep.pending.clear();
            w.observer.record(now, Event::Node { node, change: NodeChange::Crashed });
        }
        Handle::current().kill(self.madsim_ids[node as usize]);
    }

    /// Restarts a crashed node from its durable store (a running node is crashed first).
    pub fn restart(&self, node: Addr) {
        self.crash(node);
        {
            let mut w = lock(&self.world);
            let now = w.start.elapsed().as_millis() as u64;
            w.observer.record(now, Event::Node { node, change: NodeChange::Restarted });
        }
        Handle::current().restart(self.madsim_ids[node as usize]);
    }

    /// Freezes a node (a long GC pause): deliveries wait until it resumes.
    pub fn pause(&self, node: Addr) {
        self.record_node(node, NodeChange::Paused);
        lock(&self.world).endpoints[node as usize].paused = true;
        Handle::current().pause(self.madsim_ids[node as usize]);
    }

    /// Resumes a paused node: it handles its backlog at once, oldest tick first.
    pub fn resume(&self, node: Addr) {
        self.record_node(node, NodeChange::Resumed);
        Handle::current().resume(self.madsim_ids[node as usize]);
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        let now = w.start.elapsed().as_millis() as u64;
        let ep = &mut w.endpoints[node as usize];
        if !ep.paused {
            return;
        }
        ep.paused = false;
        let backlog: Vec<u64> = ep.pending.range(..=now).map(|(&t, _)| t).collect();
        for tick in backlog {
            deliver(&self.world, w, node, tick, now);
        }
    }

    fn record_node(&self, node: Addr, change: NodeChange) {
        let mut w = lock(&self.world);
        let now = w.start.elapsed().as_millis() as u64;
        w.observer.record(now, Event::Node { node, change });
    }

    /// Changes link conditions (partitions, slow nodes, loss) under the world's lock.
    pub fn with_links<R>(&self, f: impl FnOnce(&mut Links) -> R) -> R {
        f(&mut lock(&self.world).links)
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

    /// From now on, the node's clock jumps by `offset_ms` and runs at `rate` (1.0 exact).
    pub fn set_clock(&self, node: Addr, offset_ms: i64, rate: f64) {
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        let now = w.start.elapsed().as_millis() as u64;
        let ep = &mut w.endpoints[node as usize];
        ep.clock.adjust(now, offset_ms, rate);
        // The node's lease ends at a local time: under the new clock that is another simulated
        // time, and the checkers must see it.
        if let (true, Actor::Node(n)) = (ep.up, &ep.actor) {
            let until_local = n.control().lease_until();
            if until_local > 0 {
                let until_ms = ep.clock.real_at(until_local);
                w.observer.record(now, Event::Lease { node, until_ms });
            }
        }
    }

    /// Transport counters so far.
    pub fn stats(&self) -> NetStats {
        lock(&self.world).stats
    }

    /// True while any client still has an operation outstanding.
    pub fn clients_busy(&self) -> bool {
        lock(&self.world).endpoints.iter().any(|e| matches!(&e.actor, Actor::Client(c) if c.busy()))
    }

    /// A copy of every node's durable store, by node address.
    pub fn stores(&self) -> Vec<Store> {
        lock(&self.world)
            .endpoints
            .iter()
            .filter_map(|e| match &e.actor {
                Actor::Node(n) => Some(n.store().clone()),
                Actor::Client(_) | Actor::Echo(_) => None,
            })
            .collect()
    }

    /// The madsim node id hosting the clients (never faulted).
    pub fn clients_host(&self) -> madsim::task::NodeId {
        self.clients_host
    }

    /// Hands the observer back (call once the run is over).
    pub fn replace_observer(&self, observer: Box<dyn Observer>) -> Box<dyn Observer> {
        std::mem::replace(&mut lock(&self.world).observer, observer)
    }
}

fn boot_node(world: &Shared, node: Addr) {
    let mut guard = lock(world);
    let w = &mut *guard;
    let real = w.start.elapsed().as_millis() as u64;
    let ep = &mut w.endpoints[node as usize];
    ep.up = true;
    let (incarnation, local) = (ep.incarnation, ep.clock.local(real));
    match &mut ep.actor {
        Actor::Node(n) => n.boot(local, incarnation, &mut w.outbox),
        Actor::Echo(e) => e.boot(&mut w.outbox),
        Actor::Client(_) => {}
    }
    flush(world, w, node, real);
}

fn boot_clients(world: &Shared) {
    let mut guard = lock(world);
    let w = &mut *guard;
    let now = w.start.elapsed().as_millis() as u64;
    for addr in w.nodes..w.endpoints.len() {
        let ep = &mut w.endpoints[addr];
        ep.up = true;
        if let Actor::Client(c) = &mut ep.actor {
            c.start(now, &mut w.outbox);
        }
        flush(world, w, addr as Addr, now);
    }
}

/// Delivers every batch due at `tick`, endpoints in an order drawn from the network's stream.
fn fire(world: &Shared, tick: u64) {
    let mut guard = lock(world);
    let w = &mut *guard;
    let now = w.start.elapsed().as_millis() as u64;
    let Some(mut order) = w.due.remove(&tick) else { return };
    // Fisher-Yates with the seeded stream: explores interleavings as madsim's scheduler did.
    for i in (1..order.len()).rev() {
        order.swap(i, w.rng.random_range(0..=i));
    }
    for &addr in &order {
        deliver(world, w, addr, tick, now);
    }
}

/// Hands `addr` its batch due at `tick`, unless it is paused (the batch waits for resume).
fn deliver(world: &Shared, w: &mut World, addr: Addr, tick: u64, now: u64) {
    let ep = &mut w.endpoints[addr as usize];
    if ep.paused {
        return;
    }
    let Some(mut batch) = ep.pending.remove(&tick) else { return };
    if !ep.up {
        w.stats.to_down_node += batch.len() as u64;
    } else {
        w.stats.delivered += batch.len() as u64;
        let local = ep.clock.local(now);
        for input in batch.drain(..) {
            match &mut ep.actor {
                Actor::Node(n) => n.on_input(local, input, &mut w.outbox),
                Actor::Client(c) => c.on_input(now, input, &mut w.outbox),
                Actor::Echo(e) => e.on_input(input, &mut w.outbox),
            }
        }
        flush(world, w, addr, now);
    }
    batch.clear();
    w.spare.push(batch);
}

/// Performs what a state machine queued: report events, arm timers, transmit messages.
fn flush(world: &Shared, w: &mut World, from: Addr, now: u64) {
    let mut out = std::mem::take(&mut w.outbox);
    let clock = w.endpoints[from as usize].clock;
    for event in out.events.drain(..) {
        let event = match event {
            // Leases end at a local time; checkers judge in simulated time.
            Event::Control { node, event: ControlEvent::Lease { until_local } } => {
                Event::Lease { node, until_ms: clock.real_at(until_local) }
            }
            e => e,
        };
        w.observer.record(now, event);
    }
    for (delay_ms, timer) in out.timers.drain(..) {
        // Timers measure local durations: a slow clock fires late in simulated time.
        schedule(world, w, from, now + clock.real_delay(delay_ms), Input::Timer(timer));
    }
    for (to, msg) in out.sends.drain(..) {
        transmit(world, w, from, to, msg, now);
    }
    w.outbox = out; // keep the buffers: no allocation per batch once warm
}

fn transmit(world: &Shared, w: &mut World, from: Addr, to: Addr, msg: Msg, now: u64) {
    w.stats.sent += 1;
    match w.links.fate(from, to, &mut w.rng) {
        Fate::Partitioned => w.stats.partitioned += 1,
        Fate::Lost => w.stats.lost += 1,
        Fate::Deliver { delay_ms, duplicate_ms } => {
            if !w.endpoints[to as usize].up {
                w.stats.to_down_node += 1;
                if let (true, Msg::ClientRead { op, .. } | Msg::ClientWrite { op, .. }) =
                    (msg.is_client_request(), &msg)
                {
                    // A process that is down refuses connections: the client hears so after a round trip.
                    let refused = Input::Msg { from: to, msg: Msg::Refused { op: *op } };
                    schedule(world, w, from, now + 2 * delay_ms, refused);
                }
                return;
            }
            if let Some(dup_ms) = duplicate_ms {
                w.stats.duplicated += 1;
                schedule(world, w, to, now + dup_ms, Input::Msg { from, msg: msg.clone() });
            }
            schedule(world, w, to, now + delay_ms, Input::Msg { from, msg });
        }
    }
}

fn schedule(world: &Shared, w: &mut World, to: Addr, tick: u64, input: Input) {
    let ep = &mut w.endpoints[to as usize];
    match ep.pending.entry(tick) {
        Entry::Occupied(mut slot) => slot.get_mut().push(input),
        Entry::Vacant(slot) => {
            let mut batch = w.spare.pop().unwrap_or_default();
            batch.push(input);
            slot.insert(batch);
            match w.due.entry(tick) {
                Entry::Occupied(mut due) => due.get_mut().push(to),
                Entry::Vacant(due) => {
                    due.insert(vec![to]);
                    let Some(host) = &w.timer_host else { return };
                    w.stats.batches += 1;
                    let world = world.clone();
                    let at = w.start + Duration::from_millis(tick);
                    host.spawn(async move {
                        madsim::time::sleep_until(at).await;
                        fire(&world, tick);
                    });
                }
            }
        }
    }
}
