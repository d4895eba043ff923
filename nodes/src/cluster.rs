//! The shell around the state machines: runs nodes and clients in simulated time and moves
//! messages between them.
//!
//! Transport design (DESIGN.md describes the earlier per-(node, tick) madsim timers; the
//! performance work replaced them): delivery times are whole-millisecond ticks, and every
//! input waits in one timing wheel (`wheel.rs`) tagged with its endpoint and the endpoint's
//! incarnation. The simulation's one madsim task (the run loop) owns every timed action: it
//! calls [`Cluster::run_to`] up to the next fault or the end, which fires the due ticks in
//! order, each handing every endpoint its batch in an order drawn from the network's seeded
//! stream, and then advances madsim's clock to the target. Nothing else sleeps, so no madsim
//! timer or task is armed per tick: an earlier version spawned one task per tick and spent
//! about a third of its time in madsim's executor. Crashes, restarts and pauses are
//! bookkeeping here: a crash makes the endpoint's queued inputs stale (another incarnation), a
//! restart boots it from its durable store at once, a paused endpoint keeps its batches and
//! gets them, in order, at resume.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

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
use crate::wheel::Wheel;

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
    /// Ticks (simulated milliseconds) with at least one delivery due.
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
    /// Frozen (a GC pause): batches wait in `held` until resume.
    paused: bool,
    /// Batches that came due while paused, by tick.
    held: BTreeMap<u64, Vec<Input>>,
    /// Its inputs of the tick being delivered.
    inbox: Vec<Input>,
    /// The last tick whose batch included this endpoint.
    seen: u64,
    /// The endpoint's clock (clients keep a perfect one).
    clock: Clock,
}

impl Endpoint {
    fn new(actor: Actor) -> Self {
        Endpoint {
            actor,
            up: false,
            incarnation: 0,
            paused: false,
            held: BTreeMap::new(),
            inbox: Vec::new(),
            seen: u64::MAX,
            clock: Clock::default(),
        }
    }
}

struct World {
    endpoints: Vec<Endpoint>,
    links: Links,
    rng: ChaCha8Rng,
    observer: Box<dyn Observer>,
    /// madsim's instant at simulated millisecond 0 of the cluster.
    start: Instant,
    /// The current simulated millisecond: the tick being fired, or where `run_to` stopped.
    now: u64,
    stats: NetStats,
    outbox: Outbox,
    nodes: usize,
    /// Every input in flight, by delivery tick.
    wheel: Wheel<Queued>,
    /// The batch being delivered (kept for its capacity: a warm run allocates no batch).
    batch: Vec<Queued>,
    /// Endpoints of the current tick in delivery order (kept for its capacity).
    order: Vec<Addr>,
}

/// An input on its way to an endpoint's incarnation (a crash makes it stale).
struct Queued {
    to: Addr,
    incarnation: u32,
    input: Input,
}

type Shared = Arc<Mutex<World>>;

/// A running cluster: the handle the simulator uses to inject faults and read state.
#[derive(Clone)]
pub struct Cluster {
    world: Shared,
    nodes: usize,
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
        Cluster::start(endpoints, n, cfg.node_zones, cfg.net, cfg.net_seed, observer)
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
        Cluster::start(endpoints, n as usize, node_zones, net, net_seed, observer)
    }

    /// Boots the first `n` endpoints as storage nodes (or echoes), then starts the clients.
    fn start(
        endpoints: Vec<Endpoint>,
        n: usize,
        node_zones: Vec<u16>,
        net: NetConfig,
        net_seed: ChaCha8Rng,
        observer: Box<dyn Observer>,
    ) -> Cluster {
        let world = Arc::new(Mutex::new(World {
            endpoints,
            links: Links::new(net, node_zones),
            rng: net_seed,
            observer,
            start: Instant::now(),
            now: 0,
            stats: NetStats::default(),
            outbox: Outbox::default(),
            nodes: n,
            wheel: Wheel::default(),
            batch: Vec::new(),
            order: Vec::new(),
        }));
        {
            let mut guard = lock(&world);
            let w = &mut *guard;
            // Every process starts at once: none is down to the others' first messages.
            w.endpoints.iter_mut().for_each(|ep| ep.up = true);
            for id in 0..n as Addr {
                boot_node(w, id);
            }
            boot_clients(w);
        }
        Cluster { world, nodes: n }
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

    /// Number of storage nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Simulated milliseconds since the cluster was built.
    pub fn now_ms(&self) -> u64 {
        lock(&self.world).now
    }

    /// True when the node is up (not crashed).
    pub fn is_up(&self, node: Addr) -> bool {
        lock(&self.world).endpoints[node as usize].up
    }

    /// Kills a node: volatile state and in-flight deliveries to it are lost; its store survives.
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
        w.observer.record(now, Event::Node { node, change: NodeChange::Crashed });
    }

    /// Restarts a crashed node from its durable store (a running node is crashed first).
    pub fn restart(&self, node: Addr) {
        self.crash(node);
        let mut guard = lock(&self.world);
        let w = &mut *guard;
        w.observer.record(w.now, Event::Node { node, change: NodeChange::Restarted });
        boot_node(w, node);
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
        let now = w.now;
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

    /// Hands the observer back (call once the run is over).
    pub fn replace_observer(&self, observer: Box<dyn Observer>) -> Box<dyn Observer> {
        std::mem::replace(&mut lock(&self.world).observer, observer)
    }
}

fn boot_node(w: &mut World, node: Addr) {
    let real = w.now;
    let ep = &mut w.endpoints[node as usize];
    ep.up = true;
    let (incarnation, local) = (ep.incarnation, ep.clock.local(real));
    match &mut ep.actor {
        Actor::Node(n) => n.boot(local, incarnation, &mut w.outbox),
        Actor::Echo(e) => e.boot(&mut w.outbox),
        Actor::Client(_) => {}
    }
    flush(w, node, real);
}

fn boot_clients(w: &mut World) {
    let now = w.now;
    for addr in w.nodes..w.endpoints.len() {
        let ep = &mut w.endpoints[addr];
        ep.up = true;
        if let Actor::Client(c) = &mut ep.actor {
            c.start(now, &mut w.outbox);
        }
        flush(w, addr as Addr, now);
    }
}

/// Delivers every input due at `tick`: endpoint by endpoint, in an order drawn from the
/// network's stream, each endpoint's inputs in the order they were queued.
fn fire(w: &mut World, tick: u64) {
    w.now = tick;
    let mut batch = std::mem::take(&mut w.batch);
    w.wheel.take(tick, &mut batch);
    if batch.is_empty() {
        w.batch = batch;
        return;
    }
    w.stats.batches += 1;
    let mut order = std::mem::take(&mut w.order);
    // Sort the batch into inboxes, one move per input; inputs for an earlier incarnation
    // (sent before a crash) are dropped.
    for q in batch.drain(..) {
        let ep = &mut w.endpoints[q.to as usize];
        if q.incarnation != ep.incarnation || !ep.up {
            w.stats.to_down_node += 1;
            continue;
        }
        if ep.seen != tick {
            ep.seen = tick;
            order.push(q.to);
        }
        ep.inbox.push(q.input);
    }
    w.batch = batch;
    // Fisher-Yates with the seeded stream: explores interleavings as madsim's scheduler did.
    for i in (1..order.len()).rev() {
        order.swap(i, w.rng.random_range(0..=i));
    }
    for &addr in &order {
        let ep = &mut w.endpoints[addr as usize];
        let mut inbox = std::mem::take(&mut ep.inbox);
        if ep.paused {
            ep.held.entry(tick).or_default().append(&mut inbox);
        } else {
            handle(w, addr, &mut inbox, tick);
        }
        w.endpoints[addr as usize].inbox = inbox;
    }
    order.clear();
    w.order = order;
}

/// Hands `inputs` to endpoint `addr` (up, not paused) at simulated time `now`, then performs
/// what it queued.
fn handle(w: &mut World, addr: Addr, inputs: &mut Vec<Input>, now: u64) {
    let ep = &mut w.endpoints[addr as usize];
    w.stats.delivered += inputs.len() as u64;
    let local = ep.clock.local(now);
    for input in inputs.drain(..) {
        match &mut ep.actor {
            Actor::Node(n) => n.on_input(local, input, &mut w.outbox),
            Actor::Client(c) => c.on_input(now, input, &mut w.outbox),
            Actor::Echo(e) => e.on_input(input, &mut w.outbox),
        }
    }
    flush(w, addr, now);
}

/// Performs what a state machine queued: report events, arm timers, transmit messages.
/// Each queue is taken out and put back, keeping its buffer: no allocation once warm.
fn flush(w: &mut World, from: Addr, now: u64) {
    let clock = w.endpoints[from as usize].clock;
    if !w.outbox.events.is_empty() {
        let mut events = std::mem::take(&mut w.outbox.events);
        for event in events.drain(..) {
            let event = match event {
                // Leases end at a local time; checkers judge in simulated time.
                Event::Control { node, event: ControlEvent::Lease { until_local } } => {
                    Event::Lease { node, until_ms: clock.real_at(until_local) }
                }
                e => e,
            };
            w.observer.record(now, event);
        }
        w.outbox.events = events;
    }
    if !w.outbox.timers.is_empty() {
        let mut timers = std::mem::take(&mut w.outbox.timers);
        for (delay_ms, timer) in timers.drain(..) {
            // Timers measure local durations: a slow clock fires late in simulated time.
            schedule(w, from, now + clock.real_delay(delay_ms), Input::Timer(timer));
        }
        w.outbox.timers = timers;
    }
    if !w.outbox.sends.is_empty() {
        let mut sends = std::mem::take(&mut w.outbox.sends);
        for (to, msg) in sends.drain(..) {
            transmit(w, from, to, msg, now);
        }
        w.outbox.sends = sends;
    }
}

fn transmit(w: &mut World, from: Addr, to: Addr, msg: Msg, now: u64) {
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
                    schedule(w, from, now + 2 * delay_ms, refused);
                }
                return;
            }
            if let Some(dup_ms) = duplicate_ms {
                w.stats.duplicated += 1;
                schedule(w, to, now + dup_ms, Input::Msg { from, msg: msg.clone() });
            }
            schedule(w, to, now + delay_ms, Input::Msg { from, msg });
        }
    }
}

/// Queues `input` for `to` at `tick` (at least one tick after now: nothing is instantaneous).
fn schedule(w: &mut World, to: Addr, tick: u64, input: Input) {
    let incarnation = w.endpoints[to as usize].incarnation;
    w.wheel.push(tick.max(w.now + 1), Queued { to, incarnation, input });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::Latency;
    use rand::SeedableRng;

    struct Ignore;
    impl Observer for Ignore {
        fn record(&mut self, _: u64, _: Event) {}
    }

    /// Two echo endpoints 5 ms apart, one message each bouncing between them: every 5 ms
    /// both get one input.
    fn run(body: impl FnOnce(&Cluster) + Send + 'static) {
        let rt = madsim::runtime::Runtime::with_seed_and_config(1, madsim::Config::default());
        rt.block_on(async move {
            let net = NetConfig { latency: Latency::Constant { ms: 5.0 }, cross_zone: None, loss: 0.0, duplicate: 0.0 };
            let names = vec!["a".to_string(), "b".to_string()];
            let c = Cluster::build_echo(&names, vec![0, 0], net, ChaCha8Rng::seed_from_u64(1), 1, Box::new(Ignore));
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
