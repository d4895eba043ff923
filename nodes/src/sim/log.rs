//! Logs in simulated time through `tracing` (`RUST_LOG`), only when a subscriber is installed:
//! a span per endpoint (`endpoint{name=n3}`; madsim has a `node` span of its own) around what
//! it handles, and events for every message's send (trace), delivery and drop (debug), every
//! observed event (debug) and node crashes and restarts (info), so `RUST_LOG=nodes::net=debug`
//! or `RUST_LOG='[endpoint{name=n3}]=debug'` selects by module and by node. The subscriber
//! stamps lines with [`now_ms`], the simulated time.

use std::cell::Cell;

use crate::actor::Addr;
use crate::hop::{Hop, HopEvent};
use crate::observer::Event;

thread_local! {
    /// The simulated millisecond being logged, for the subscriber's timestamps (each seed runs
    /// on a thread of its own).
    static NOW_MS: Cell<Option<u64>> = const { Cell::new(None) };
}

/// The simulated time of the latest log line on this thread, in ms (`None` before any).
pub fn now_ms() -> Option<u64> {
    NOW_MS.with(Cell::get)
}

/// Sets the simulated time log lines on this thread are stamped with.
pub(super) fn set_now(now_ms: u64) {
    NOW_MS.with(|t| t.set(Some(now_ms)));
}

fn name(names: &[String], addr: Addr) -> &str {
    names.get(addr as usize).map_or("?", String::as_str)
}

/// The span of endpoint `addr` handling its inputs of simulated millisecond `now`, entered.
pub(super) fn endpoint_span(names: &[String], addr: Addr, now: u64) -> tracing::span::EnteredSpan {
    set_now(now);
    tracing::debug_span!(target: "nodes::node", "endpoint", name = %name(names, addr)).entered()
}

/// One message's fate.
pub(super) fn hop(names: &[String], now: u64, hop: &Hop<'_>) {
    set_now(now);
    let (from, to, m) = (name(names, hop.from), name(names, hop.to), &hop.msg);
    match hop.event {
        HopEvent::Sent { deliver_ms, .. } => {
            tracing::trace!(target: "nodes::net", from, to, kind = m.kind, req = ?m.req, key = ?m.key, deliver_ms, "send")
        }
        HopEvent::Delivered => {
            tracing::debug!(target: "nodes::net", from, to, kind = m.kind, req = ?m.req, key = ?m.key, "deliver")
        }
        HopEvent::Dropped(why) => {
            tracing::debug!(target: "nodes::net", from, to, kind = m.kind, req = ?m.req, key = ?m.key, why = why.name(), "drop")
        }
    }
}

/// An event an endpoint reported (an operation's end, an election, a lease, a crash).
pub(super) fn event(names: &[String], now: u64, source: Addr, event: &Event) {
    set_now(now);
    tracing::debug!(target: "nodes::event", node = name(names, source), event = ?event, "event");
}
