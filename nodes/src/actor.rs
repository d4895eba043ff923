//! The interface between pure state machines and the shell that runs them: addresses, inputs,
//! outboxes typed by each subsystem's own messages, timers and events, and one armed timer per
//! deadline kind. This module knows no subsystem: each one names its own types here.

/// An endpoint on the simulated network (a storage node or a client): an identity handed out by
/// the shell, not a position. Components keep the addresses they were given (members, replica
/// sets, coordinators) and never assume that nodes come first or are numbered from zero.
pub type Addr = u32;

/// Something delivered to an endpoint at one simulated millisecond tick.
#[derive(Clone, Debug)]
pub enum Input<M, T> {
    /// A message from another endpoint.
    Msg {
        /// The sender.
        from: Addr,
        /// What it sent.
        msg: M,
    },
    /// A timer the endpoint set earlier.
    Timer(T),
}

/// Commands a state machine produced while handling inputs; the shell performs them.
///
/// Typed by the machine's own message, timer and event types (`M`, `T`, `E`): a subsystem writes
/// what it owns, and a composer appends its outbox into its own with [`Outbox::append`], each
/// command wrapped by `Into`. Pushing converts too, so a part can write straight into a wider
/// outbox (no second move on the hot path).
#[derive(Debug)]
pub struct Outbox<M, T, E> {
    /// Messages to send: `(destination, message)`.
    pub sends: Vec<(Addr, M)>,
    /// Timers to set: `(delay in local ms, timer)`.
    pub timers: Vec<(u64, T)>,
    /// Events to report to the observer.
    pub events: Vec<E>,
}

impl<M, T, E> Default for Outbox<M, T, E> {
    fn default() -> Self {
        Outbox { sends: Vec::new(), timers: Vec::new(), events: Vec::new() }
    }
}

impl<M, T, E> Outbox<M, T, E> {
    /// Queues a message.
    pub fn send(&mut self, to: Addr, msg: impl Into<M>) {
        self.sends.push((to, msg.into()));
    }

    /// Queues a timer `delay_ms` of local time from now.
    pub fn timer(&mut self, delay_ms: u64, timer: impl Into<T>) {
        self.timers.push((delay_ms, timer.into()));
    }

    /// Queues an event for the observer.
    pub fn event(&mut self, event: impl Into<E>) {
        self.events.push(event.into());
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty() && self.events.is_empty()
    }

    /// Moves everything `part` queued to the end of this outbox, in order, wrapping each
    /// command; `part` keeps its buffers (no allocation once warm).
    pub fn append<M2: Into<M>, T2: Into<T>, E2: Into<E>>(&mut self, part: &mut Outbox<M2, T2, E2>) {
        // Called after every input of a composed node, and mostly with nothing queued: an empty
        // queue costs one comparison, not a drain.
        if !part.sends.is_empty() {
            self.sends.extend(part.sends.drain(..).map(|(to, msg)| (to, msg.into())));
        }
        if !part.timers.is_empty() {
            self.timers.extend(part.timers.drain(..).map(|(delay, timer)| (delay, timer.into())));
        }
        if !part.events.is_empty() {
            self.events.extend(part.events.drain(..).map(Into::into));
        }
    }
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

    /// Makes sure a timer fires by local time `deadline`: returns the delay to arm one with
    /// (at least one tick), or `None` when the armed timer already fires by then. The caller
    /// arms its own timer kind for `deadline`.
    #[must_use = "arm the timer with the delay returned"]
    pub fn ensure(&mut self, now: u64, deadline: u64) -> Option<u64> {
        if self.armed.is_some_and(|a| a <= deadline) {
            return None;
        }
        self.armed = Some(deadline);
        Some(deadline.saturating_sub(now).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Part(u8);
    #[derive(Debug, PartialEq)]
    enum Whole {
        Part(Part),
        Other,
    }
    impl From<Part> for Whole {
        fn from(p: Part) -> Self {
            Whole::Part(p)
        }
    }

    #[test]
    fn a_part_outbox_appends_in_order_and_keeps_its_buffers() {
        let mut whole: Outbox<Whole, Whole, Whole> = Outbox::default();
        whole.send(1, Whole::Other);
        let mut part: Outbox<Part, Part, Part> = Outbox::default();
        part.send(2, Part(1));
        part.send(3, Part(2));
        part.timer(5, Part(3));
        part.event(Part(4));
        let capacity = part.sends.capacity();
        whole.append(&mut part);
        assert_eq!(whole.sends, [(1, Whole::Other), (2, Whole::Part(Part(1))), (3, Whole::Part(Part(2)))]);
        assert_eq!((whole.timers.len(), whole.events.len()), (1, 1));
        assert!(part.is_empty() && part.sends.capacity() == capacity);
    }

    #[test]
    fn wake_arms_once_for_the_earliest_deadline() {
        let mut wake = Wake::default();
        assert_eq!(wake.ensure(10, 50), Some(40));
        assert_eq!(wake.ensure(10, 60), None, "a later deadline is covered by the armed one");
        assert_eq!(wake.ensure(10, 30), Some(20), "an earlier one arms again");
        wake.fired(50);
        assert_eq!(wake.ensure(31, 70), None, "the timer for 30 is still armed");
        wake.fired(30);
        assert_eq!(wake.ensure(31, 70), Some(39));
        assert_eq!(wake.ensure(80, 70), None);
        wake.fired(70);
        assert_eq!(wake.ensure(80, 70), Some(1), "a deadline already past fires next tick");
    }
}
