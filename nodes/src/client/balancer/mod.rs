//! How a client chooses the coordinator of an operation, and whom it tries next when a
//! coordinator refuses the connection: the load balancer.
//!
//! `random` (the default) is the original rule and keeps no state: uniformly at random from
//! the client's own stream, then the next one in order after a refusal. Every other strategy
//! is a [`LoadBalancer`] shared by the clients of one workload group, like a proxy in front of
//! the cluster: its windows, requests in flight and back-offs are the group's. The simulated
//! world is single-threaded and steps in a fixed order, so the sharing is deterministic (the
//! lock is never contended).

mod config;
mod strategy;
mod window;

use std::sync::{Arc, Mutex, MutexGuard};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::actor::Addr;

pub use config::{BalancerConfig, Strategy};
pub use strategy::{Answer, LoadBalancer};

/// What one client holds: the coordinators, and the group's balancer unless the strategy is
/// `random`.
#[derive(Clone, Debug)]
pub struct Balancer {
    /// Nodes that can coordinate, ascending.
    coordinators: Arc<[Addr]>,
    /// The group's shared state (`None` for `random`).
    shared: Option<Arc<Mutex<LoadBalancer>>>,
    /// The client's zone (for `zone_aware`).
    zone: u16,
}

impl Balancer {
    /// The `random` rule among `coordinators` (at least one).
    pub fn random(coordinators: Arc<[Addr]>) -> Self {
        assert!(!coordinators.is_empty(), "a client needs a coordinator");
        Balancer { coordinators, shared: None, zone: 0 }
    }

    /// A balancer over `coordinators` (address and zone, ascending) with `cfg`, to hand to a
    /// group's clients with [`Balancer::for_zone`]; `random` shares nothing.
    pub fn group(cfg: BalancerConfig, coordinators: &[(Addr, u16)]) -> Self {
        let addrs: Arc<[Addr]> = coordinators.iter().map(|&(a, _)| a).collect();
        let shared =
            (cfg.strategy != Strategy::Random).then(|| Arc::new(Mutex::new(LoadBalancer::new(cfg, coordinators))));
        Balancer { shared, ..Balancer::random(addrs) }
    }

    /// Sends later operations to `coordinators` (ascending; the cluster's nodes changed). The
    /// group's shared state keeps what it knew of the nodes that stay; a node it never saw
    /// gets zone `u16::MAX` (no client's own zone, so `zone_aware` uses it only to fall back).
    /// Every client of the group may call it with the same list: the first one retargets.
    pub fn set_coordinators(&mut self, coordinators: Arc<[Addr]>) {
        assert!(!coordinators.is_empty(), "a client needs a coordinator");
        if let Some(shared) = &self.shared {
            Self::lock(shared).set_coordinators(&coordinators, |_| u16::MAX);
        }
        self.coordinators = coordinators;
    }

    /// The same balancer for a client in `zone`.
    pub fn for_zone(&self, zone: u16) -> Self {
        Balancer { zone, ..self.clone() }
    }

    /// Number of coordinators to choose from (never 0: the constructors refuse none).
    pub fn coordinator_count(&self) -> usize {
        self.coordinators.len()
    }

    fn lock(shared: &Mutex<LoadBalancer>) -> MutexGuard<'_, LoadBalancer> {
        // A panic elsewhere poisons the lock; the run is lost already, keep going to report it.
        shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The coordinator of a new operation at `now_ms`.
    #[inline]
    pub fn pick(&self, now_ms: u64, rng: &mut ChaCha8Rng) -> Addr {
        match &self.shared {
            // Drawn as a u32 range: the same draw whatever the width of an index.
            None => self.coordinators[rng.random_range(0..self.coordinators.len() as u32) as usize],
            Some(shared) => Self::lock(shared).pick(now_ms, self.zone, None, rng),
        }
    }

    /// The coordinator to try after `refused` turned the client away at `now_ms` (which
    /// [`Balancer::done`] has been told).
    pub fn after(&self, now_ms: u64, refused: Addr, rng: &mut ChaCha8Rng) -> Addr {
        match &self.shared {
            None => {
                let i = self.coordinators.iter().position(|&c| c == refused).map_or(0, |i| i + 1);
                self.coordinators[i % self.coordinators.len()]
            }
            Some(shared) => Self::lock(shared).pick(now_ms, self.zone, Some(refused), rng),
        }
    }

    /// How the attempt at `coordinator` ended at `now_ms` (nothing to record for `random`).
    #[inline]
    pub fn done(&self, now_ms: u64, coordinator: Addr, answer: Answer) {
        if let Some(shared) = &self.shared {
            Self::lock(shared).done(now_ms, coordinator, answer);
        }
    }
}

#[cfg(test)]
mod tests;
