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

/// Timers endpoints can set. Those that stand for deadlines carry the local time they were
/// armed for (`at`), so a [`Wake`] can tell its armed timer from superseded ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// Coordinator: some request may have reached its timeout.
    RequestsDue { at: u64 },
    /// Client: time to issue the next operation.
    ClientIssue,
    /// Client: the operation in flight may have reached its timeout.
    ClientDue { at: u64 },
    /// Node: the control plane's wake-up (elections, leases, a leader's heartbeats).
    ControlTick { at: u64 },
}

/// One armed timer standing for the earliest of a changing set of deadlines.
///
/// Arming a timer per deadline delivered one input per request and per client operation
/// whose timeout almost never fired (a third of all inputs), and a control tick every 10 ms
/// on every node. Instead an endpoint keeps at most one timer armed per kind, for its
/// earliest deadline, and re-arms from the handler; a timer that was superseded by an earlier
/// one still arrives and finds nothing due.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wake {
    armed: Option<u64>,
}

impl Wake {
    /// A timer armed for `at` arrived (superseded ones are recognised and ignored).
    pub fn fired(&mut self, at: u64) {
        if self.armed == Some(at) {
            self.armed = None;
        }
    }

    /// Makes sure a timer fires by local time `deadline` (next tick if already past).
    pub fn ensure(&mut self, now: u64, deadline: u64, out: &mut Outbox, timer: impl FnOnce(u64) -> Timer) {
        if self.armed.is_some_and(|a| a <= deadline) {
            return;
        }
        self.armed = Some(deadline);
        out.timer(deadline.saturating_sub(now).max(1), timer(deadline));
    }
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
