//! A trivial endpoint that bounces every message back to its sender: it lets benchmarks measure
//! the transport alone, with no protocol logic. Only `Cluster::build_echo` creates it.

use crate::actor::{Addr, Input};
use crate::message::{Msg, NodeInput, NodeOut};

/// An endpoint that keeps `in_flight` messages circulating with its neighbours.
pub struct Echo {
    addr: Addr,
    peers: u32,
    in_flight: u32,
}

impl Echo {
    /// An echo endpoint at `addr` among `peers` endpoints that starts `in_flight` round trips.
    pub fn new(addr: Addr, peers: u32, in_flight: u32) -> Self {
        Echo { addr, peers, in_flight }
    }

    /// Sends the first messages, one per neighbour in turn.
    pub fn boot(&mut self, out: &mut NodeOut) {
        for i in 0..self.in_flight {
            let to = (self.addr + 1 + i % self.peers.saturating_sub(1).max(1)) % self.peers;
            out.send(to, Msg::Echo(i as u64));
        }
    }

    /// Bounces a message back; timers never arrive.
    pub fn on_input(&mut self, input: NodeInput, out: &mut NodeOut) {
        if let Input::Msg { from, msg } = input {
            out.send(from, msg);
        }
    }
}
