//! The transport inside the shell: the world every endpoint lives in, and how inputs move.
//!
//! Delivery times are whole-millisecond ticks, and every input waits in one timing wheel
//! (`wheel.rs`) tagged with its endpoint and the endpoint's incarnation. [`fire`] hands every
//! endpoint its batch of one tick in an order drawn from the network's seeded stream; after a
//! batch, [`flush`] reports the events, arms the timers and transmits the messages it queued,
//! each message's fate (loss, partition, delay, duplication) drawn by [`Links::fate`].

use std::collections::BTreeMap;

use madsim::time::Instant;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::clock::Clock;
use super::echo::Echo;
use super::links::{Fate, Links};
use super::service::{Served, Service, Work};
use super::stats::NetStats;
use super::wheel::Wheel;
use crate::actor::{Addr, Input};
use crate::client::Client;
use crate::control::ControlEvent;
use crate::coordinator::ClientAnswer;
use crate::hop::{DropReason, Hop, HopEvent};
use crate::message::{Msg, NodeInput, NodeOut, Timer};
use crate::node::StorageNode;
use crate::observer::{Event, Observer};

/// Endpoints live in one vector; a client is bigger than a node (its rng), which is fine:
/// there are few endpoints and they never move.
#[allow(clippy::large_enum_variant)]
pub(super) enum Actor {
    Node(StorageNode),
    Client(Client),
    /// Only in transport benchmarks (`Cluster::build_echo`).
    Echo(Echo),
}

pub(super) struct Endpoint {
    pub(super) actor: Actor,
    pub(super) up: bool,
    pub(super) incarnation: u32,
    /// Frozen (a GC pause): batches wait in `held` until resume.
    pub(super) paused: bool,
    /// Batches that came due while paused, by tick.
    pub(super) held: BTreeMap<u64, Vec<NodeInput>>,
    /// Its inputs of the tick being delivered.
    inbox: Vec<NodeInput>,
    /// The last tick whose batch included this endpoint.
    seen: u64,
    /// The endpoint's clock (clients keep a perfect one).
    pub(super) clock: Clock,
}

impl Endpoint {
    pub(super) fn new(actor: Actor) -> Self {
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

/// Everything the shell simulates, behind the cluster's one lock; `O` observes it.
pub(super) struct World<O> {
    /// Every endpoint, by address.
    pub(super) endpoints: Vec<Endpoint>,
    pub(super) links: Links,
    pub(super) rng: ChaCha8Rng,
    pub(super) observer: O,
    /// madsim's instant at simulated millisecond 0 of the cluster.
    pub(super) start: Instant,
    /// The current simulated millisecond: the tick being fired, or where `run_to` stopped.
    pub(super) now: u64,
    pub(super) stats: NetStats,
    pub(super) outbox: NodeOut,
    /// Addresses of the storage nodes (or echo endpoints), ascending.
    pub(super) nodes: Vec<Addr>,
    /// Every input in flight, by delivery tick.
    pub(super) wheel: Wheel<Queued>,
    /// The batch being delivered (kept for its capacity: a warm run allocates no batch).
    batch: Vec<Queued>,
    /// Endpoints of the current tick in delivery order (kept for its capacity).
    order: Vec<Addr>,
    /// The observer traces messages or logs are on (asked once): when false, the hot path
    /// looks at no message (one flag, so the common case tests once).
    watching: bool,
    /// The observer traces messages.
    trace_messages: bool,
    /// A `tracing` subscriber was installed (`RUST_LOG`): log what happens, in simulated time.
    logging: bool,
    /// Endpoint names for logs, by address (`Cluster::name_nodes`).
    pub(super) names: Vec<String>,
    /// Nodes' workers and service times (`None`: requests cost nothing but network time).
    pub(super) service: Option<Service>,
}

impl<O: Observer> World<O> {
    pub(super) fn new(endpoints: Vec<Endpoint>, nodes: Vec<Addr>, links: Links, rng: ChaCha8Rng, observer: O) -> Self {
        let (trace_messages, logging) = (observer.traces_messages(), tracing::dispatcher::has_been_set());
        let names = (0..endpoints.len()).map(|a| format!("#{a}")).collect();
        World {
            watching: trace_messages || logging,
            trace_messages,
            logging,
            names,
            endpoints,
            links,
            rng,
            observer,
            start: Instant::now(),
            now: 0,
            stats: NetStats::default(),
            outbox: NodeOut::default(),
            nodes,
            wheel: Wheel::default(),
            batch: Vec::new(),
            order: Vec::new(),
            service: None,
        }
    }
}

/// An input on its way to an endpoint's incarnation (a crash makes it stale).
pub(super) struct Queued {
    to: Addr,
    incarnation: u32,
    /// Its service is done (it waited for a worker): deliver it as it is.
    served: bool,
    input: NodeInput,
}

/// Starts a life of a storage node (or echo endpoint): it boots from its durable state.
pub(super) fn boot_node<O: Observer>(w: &mut World<O>, node: Addr) {
    let real = w.now;
    let ep = &mut w.endpoints[node as usize];
    ep.up = true;
    let (incarnation, local) = (ep.incarnation, ep.clock.local(real));
    if let Some(s) = &mut w.service {
        s.reset(node);
    }
    match &mut ep.actor {
        Actor::Node(n) => n.boot(local, incarnation, &mut w.outbox),
        Actor::Echo(e) => e.boot(&mut w.outbox),
        Actor::Client(_) => {}
    }
    flush(w, node, real);
}

/// Starts every client, in address order.
pub(super) fn boot_clients<O: Observer>(w: &mut World<O>) {
    let now = w.now;
    for addr in 0..w.endpoints.len() {
        let ep = &mut w.endpoints[addr];
        if let Actor::Client(c) = &mut ep.actor {
            ep.up = true;
            c.start(now, &mut w.outbox);
            flush(w, addr as Addr, now);
        }
    }
}

/// Delivers every input due at `tick`: endpoint by endpoint, in an order drawn from the
/// network's stream, each endpoint's inputs in the order they were queued.
pub(super) fn fire<O: Observer>(w: &mut World<O>, tick: u64) {
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
            if w.watching {
                let why = if ep.up { DropReason::Restarted } else { DropReason::Crash };
                watch_input(w, tick, q.to, &q.input, HopEvent::Dropped(why));
            }
            continue;
        }
        if let (Some(service), false, false, Actor::Node(_)) = (&mut w.service, q.served, ep.paused, &ep.actor) {
            // Counted here, where only runs with a capacity look: messages held by a pause are
            // not counted (node stats).
            if let Input::Msg { .. } = q.input {
                service.received(q.to);
            }
            if let Some(work) = Work::of(&q.input) {
                match service.admit(q.to, tick, work) {
                    Served::Now => {}
                    Served::At(done) => {
                        w.wheel.push(done, Queued { served: true, ..q });
                        continue;
                    }
                    Served::Rejected => {
                        rejected(w, q, tick);
                        continue;
                    }
                }
            }
        }
        let ep = &mut w.endpoints[q.to as usize];
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
pub(super) fn handle<O: Observer>(w: &mut World<O>, addr: Addr, inputs: &mut Vec<NodeInput>, now: u64) {
    if w.watching {
        handle_watched(w, addr, inputs, now);
    } else {
        handle_inputs(w, addr, inputs, now);
    }
}

/// [`handle`] when messages are traced or logs are on: each delivery reported, the batch
/// handled inside the endpoint's log span. Kept apart so the common path holds no span.
#[cold]
#[inline(never)]
fn handle_watched<O: Observer>(w: &mut World<O>, addr: Addr, inputs: &mut Vec<NodeInput>, now: u64) {
    let _span = w.logging.then(|| super::log::endpoint_span(&w.names, addr, now));
    inputs.iter().for_each(|input| watch_input(w, now, addr, input, HopEvent::Delivered));
    handle_inputs(w, addr, inputs, now);
}

#[inline(always)]
fn handle_inputs<O: Observer>(w: &mut World<O>, addr: Addr, inputs: &mut Vec<NodeInput>, now: u64) {
    let ep = &mut w.endpoints[addr as usize];
    w.stats.delivered += inputs.len() as u64;
    let local = ep.clock.local(now);
    for input in inputs.drain(..) {
        match &mut ep.actor {
            Actor::Node(n) => n.on_input(local, input, &mut w.outbox),
            // A client takes answers and its own timers; nothing else is sent to it.
            Actor::Client(c) => match input {
                Input::Msg { from, msg: Msg::Answer(answer) } => c.on_answer(now, from, answer, &mut w.outbox),
                Input::Timer(Timer::Client(t)) => c.on_timer(now, t, &mut w.outbox),
                Input::Msg { .. } | Input::Timer(_) => {}
            },
            Actor::Echo(e) => e.on_input(input, &mut w.outbox),
        }
    }
    flush(w, addr, now);
}

/// Performs what a state machine queued: report events, arm timers, transmit messages.
/// Each queue is taken out and put back, keeping its buffer: no allocation once warm.
pub(super) fn flush<O: Observer>(w: &mut World<O>, from: Addr, now: u64) {
    let clock = w.endpoints[from as usize].clock;
    if !w.outbox.events.is_empty() {
        let mut events = std::mem::take(&mut w.outbox.events);
        for event in events.drain(..) {
            let event = match event {
                // Leases end at a local time; checkers judge in simulated time.
                Event::Control(ControlEvent::Lease { until_local }) => {
                    Event::Lease { until_ms: clock.real_at(until_local) }
                }
                Event::Control(ControlEvent::LeaseBound { node, until_local }) => {
                    Event::LeaseBound { node, until_ms: clock.real_at(until_local) }
                }
                e => e,
            };
            if w.logging {
                super::log::event(&w.names, now, from, &event);
            }
            w.observer.record(now, from, event);
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
        if let Some(s) = &mut w.service {
            sends.iter().for_each(|(_, msg)| s.sent(from, msg));
        }
        for (to, msg) in sends.drain(..) {
            transmit(w, from, to, msg, now);
        }
        w.outbox.sends = sends;
    }
}

fn transmit<O: Observer>(w: &mut World<O>, from: Addr, to: Addr, msg: Msg, now: u64) {
    w.stats.sent += 1;
    match w.links.fate(from, to, &msg, &mut w.rng) {
        Fate::Partitioned => {
            w.stats.partitioned += 1;
            if w.watching {
                watch(w, now, from, to, &msg, HopEvent::Dropped(DropReason::Partition));
            }
        }
        Fate::Lost => {
            w.stats.lost += 1;
            if w.watching {
                watch(w, now, from, to, &msg, HopEvent::Dropped(DropReason::Loss));
            }
        }
        Fate::Deliver { mut delay_ms, mut duplicate_ms } => {
            if let Msg::Replied(_) = msg {
                // A slow replica (a slow disk): its answers leave late, its other messages do not.
                let late = w.links.answer_delay_ms(from);
                delay_ms += late;
                duplicate_ms = duplicate_ms.map(|d| d + late);
            }
            if w.watching {
                let (deliver_ms, dup) = (now + delay_ms.max(1), duplicate_ms.map(|d| now + d.max(1)));
                let event = match w.endpoints[to as usize].up {
                    true => HopEvent::Sent { deliver_ms, duplicate_ms: dup },
                    false => HopEvent::Dropped(DropReason::Crash),
                };
                watch(w, now, from, to, &msg, event);
            }
            if !w.endpoints[to as usize].up {
                w.stats.to_down_node += 1;
                if let Some(op) = msg.client_request_op() {
                    w.observer.client_refused(now, from, to);
                    // A process that is down refuses connections: the client hears so after a round trip.
                    let refused = Input::Msg { from: to, msg: Msg::Answer(ClientAnswer::Refused { op }) };
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

/// Reports a message's fate to the observer (when it traces messages) and to the log (when
/// logs are on).
#[cold]
fn watch<O: Observer>(w: &mut World<O>, now: u64, from: Addr, to: Addr, msg: &Msg, event: HopEvent) {
    let hop = Hop { from, to, event, msg: msg.facts() };
    if w.trace_messages {
        w.observer.message(now, hop);
    }
    if w.logging {
        super::log::hop(&w.names, now, &hop);
    }
}

/// Reports the fate of an input that is a message (timers are not traced).
#[cold]
fn watch_input<O: Observer>(w: &mut World<O>, now: u64, to: Addr, input: &NodeInput, event: HopEvent) {
    if let Input::Msg { from, msg } = input {
        watch(w, now, *from, to, msg, event);
    }
}

/// A node's queue was full: a client's request is refused (as a real server answers 503,
/// and the client tries another coordinator); any other request is dropped, and its sender
/// times out.
#[cold]
fn rejected<O: Observer>(w: &mut World<O>, q: Queued, tick: u64) {
    if let Input::Msg { from, msg } = &q.input {
        if let Some(op) = msg.client_request_op() {
            let refused = Msg::Answer(ClientAnswer::Refused { op });
            if let Some(s) = &mut w.service {
                s.sent(q.to, &refused);
            }
            transmit(w, q.to, *from, refused, tick);
        }
    }
    if w.watching {
        watch_input(w, tick, q.to, &q.input, HopEvent::Dropped(DropReason::Overloaded));
    }
}

/// Queues `input` for `to` at `tick` (at least one tick after now: nothing is instantaneous).
fn schedule<O: Observer>(w: &mut World<O>, to: Addr, tick: u64, input: NodeInput) {
    let incarnation = w.endpoints[to as usize].incarnation;
    w.wheel.push(tick.max(w.now + 1), Queued { to, incarnation, served: false, input });
}
