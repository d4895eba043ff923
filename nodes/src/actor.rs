//! The interface between pure state machines and the driver that runs them on madsim.

use crate::message::{Addr, Msg};
use crate::observer::Event;

/// Something delivered to an endpoint at one simulated millisecond tick.
#[derive(Clone, Debug)]
pub enum Input {
    /// A message from another endpoint.
    Msg { from: Addr, msg: Msg },
    /// A timer the endpoint set earlier.
    Timer(Timer),
}

/// Timers endpoints can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Coordinator: give up on request `req`.
    RequestTimeout { req: u64 },
    /// Client: time to issue the next operation.
    ClientIssue,
    /// Client: give up on operation `seq`.
    ClientTimeout { seq: u64 },
    /// Node: the control plane's periodic wake-up.
    ControlTick,
}

/// Commands a state machine produces while handling inputs; the driver performs them.
#[derive(Default)]
pub struct Outbox {
    /// Messages to send: `(destination, message)`.
    pub sends: Vec<(Addr, Msg)>,
    /// Timers to set: `(delay in ms, timer)`.
    pub timers: Vec<(u64, Timer)>,
    /// Events to report to the observer.
    pub events: Vec<Event>,
}

impl Outbox {
    /// Queues a message.
    pub fn send(&mut self, to: Addr, msg: Msg) {
        self.sends.push((to, msg));
    }

    /// Queues a timer `delay_ms` from now.
    pub fn timer(&mut self, delay_ms: u64, timer: Timer) {
        self.timers.push((delay_ms, timer));
    }

    /// Queues an event for the observer.
    pub fn event(&mut self, event: Event) {
        self.events.push(event);
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty() && self.events.is_empty()
    }
}
