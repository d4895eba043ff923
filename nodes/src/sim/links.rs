//! Link conditions of the simulated network: latency per link, loss, duplication, partitions, slow nodes.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::latency::Latency;
use crate::actor::Addr;

/// Network settings of a cluster.
#[derive(Clone, Debug)]
pub struct NetConfig {
    /// One-way delay between nodes of the same zone, and between clients and nodes.
    pub latency: Latency,
    /// One-way delay between nodes of different zones (defaults to `latency`).
    pub cross_zone: Option<Latency>,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice.
    pub duplicate: f64,
}

/// What the network decides for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Deliver after this many milliseconds (and again after the second delay if duplicated).
    Deliver { delay_ms: u64, duplicate_ms: Option<u64> },
    /// Dropped by a partition.
    Partitioned,
    /// Dropped by random loss.
    Lost,
}

/// Current link conditions between storage nodes; clients are never partitioned.
///
/// Nodes are found by address through a slot table (addresses are identities, not positions),
/// and per-link state is kept by slot. Faults are counted, not flagged, so overlapping faults
/// compose and each one's undo removes exactly what it added.
#[derive(Clone, Debug)]
pub struct Links {
    cfg: NetConfig,
    /// `slots[addr]`: the node's slot, or `NOT_A_NODE` (clients).
    slots: Vec<u32>,
    /// Zone of each node, by slot.
    zones: Vec<u16>,
    /// `blocked[from_slot * nodes + to_slot]`: how many active faults cut the link from -> to.
    blocked: Vec<u16>,
    /// Extra one-way delay on every link touching a node ("slow node"), by slot.
    extra_delay_ms: Vec<u64>,
}

const NOT_A_NODE: u32 = u32::MAX;

impl Links {
    /// Healthy links between `nodes` (address and zone each).
    pub fn new(cfg: NetConfig, nodes: &[(Addr, u16)]) -> Self {
        let table = nodes.iter().map(|&(a, _)| a as usize + 1).max().unwrap_or(0);
        let mut slots = vec![NOT_A_NODE; table];
        for (slot, &(addr, _)) in nodes.iter().enumerate() {
            assert_eq!(slots[addr as usize], NOT_A_NODE, "node address {addr} given twice");
            slots[addr as usize] = slot as u32;
        }
        let n = nodes.len();
        Links {
            cfg,
            slots,
            zones: nodes.iter().map(|&(_, z)| z).collect(),
            blocked: vec![0; n * n],
            extra_delay_ms: vec![0; n],
        }
    }

    fn slot(&self, addr: Addr) -> Option<usize> {
        match self.slots.get(addr as usize) {
            Some(&s) if s != NOT_A_NODE => Some(s as usize),
            _ => None,
        }
    }

    fn node_slot(&self, addr: Addr) -> usize {
        self.slot(addr).unwrap_or_else(|| panic!("address {addr} is not a storage node"))
    }

    /// Decides the fate of one message; all network randomness goes through here.
    pub fn fate(&self, from: Addr, to: Addr, rng: &mut ChaCha8Rng) -> Fate {
        let (f, t) = (self.slot(from), self.slot(to));
        if let (Some(f), Some(t)) = (f, t) {
            if self.blocked[f * self.zones.len() + t] > 0 {
                return Fate::Partitioned;
            }
        }
        if self.cfg.loss > 0.0 && rng.random_bool(self.cfg.loss) {
            return Fate::Lost;
        }
        let delay_ms = self.delay_ms(f, t, rng);
        let duplicate_ms =
            (self.cfg.duplicate > 0.0 && rng.random_bool(self.cfg.duplicate)).then(|| self.delay_ms(f, t, rng));
        Fate::Deliver { delay_ms, duplicate_ms }
    }

    /// One delay between slots `f` and `t` (`None` for a client).
    fn delay_ms(&self, f: Option<usize>, t: Option<usize>, rng: &mut ChaCha8Rng) -> u64 {
        let dist = match (&self.cfg.cross_zone, f, t) {
            (Some(cross), Some(f), Some(t)) if self.zones[f] != self.zones[t] => cross,
            _ => &self.cfg.latency,
        };
        let extra = f.map_or(0, |f| self.extra_delay_ms[f]) + t.map_or(0, |t| self.extra_delay_ms[t]);
        // Whole-millisecond ticks (madsim timers have 1 ms granularity); never zero, so a
        // message never arrives in the tick that sent it.
        (ceil_ms(dist.sample_ms(rng))).max(1) + extra
    }

    /// Cuts (`cut = true`) or restores one direction of one link.
    pub fn set_blocked(&mut self, from: Addr, to: Addr, cut: bool) {
        let (f, t) = (self.node_slot(from), self.node_slot(to));
        let cell = &mut self.blocked[f * self.zones.len() + t];
        *cell = if cut { cell.saturating_add(1) } else { cell.saturating_sub(1) };
    }

    /// True when the link from -> to is cut.
    pub fn is_blocked(&self, from: Addr, to: Addr) -> bool {
        match (self.slot(from), self.slot(to)) {
            (Some(f), Some(t)) => self.blocked[f * self.zones.len() + t] > 0,
            _ => false,
        }
    }

    /// Adds (or with `add = false` removes) extra delay on a node's links.
    pub fn slow(&mut self, node: Addr, delay_ms: u64, add: bool) {
        let slot = self.node_slot(node);
        let d = &mut self.extra_delay_ms[slot];
        *d = if add { *d + delay_ms } else { d.saturating_sub(delay_ms) };
    }

    /// Sets the loss probability, returning the previous one.
    pub fn set_loss(&mut self, p: f64) -> f64 {
        std::mem::replace(&mut self.cfg.loss, p)
    }

    /// Sets the duplication probability, returning the previous one.
    pub fn set_duplicate(&mut self, p: f64) -> f64 {
        std::mem::replace(&mut self.cfg.duplicate, p)
    }

    /// Removes every partition and slow-down (the end-of-run heal).
    pub fn heal_all(&mut self) {
        self.blocked.iter_mut().for_each(|b| *b = 0);
        self.extra_delay_ms.iter_mut().for_each(|d| *d = 0);
    }
}

/// `ms.ceil() as u64` without the libm call (`ceil` is not inlined without SSE4.1); negative
/// and NaN give 0, as the cast does.
fn ceil_ms(ms: f64) -> u64 {
    let whole = ms as u64;
    if (whole as f64) < ms {
        whole + 1
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn links() -> Links {
        let cfg = NetConfig {
            latency: Latency::Constant { ms: 2.0 },
            cross_zone: Some(Latency::Constant { ms: 10.0 }),
            loss: 0.0,
            duplicate: 0.0,
        };
        Links::new(cfg, &[(0, 0), (1, 0), (2, 1)])
    }

    #[test]
    fn cross_zone_links_use_their_own_latency_and_slow_nodes_add_delay() {
        let mut l = links();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(l.fate(0, 1, &mut rng), Fate::Deliver { delay_ms: 2, duplicate_ms: None });
        assert_eq!(l.fate(0, 2, &mut rng), Fate::Deliver { delay_ms: 10, duplicate_ms: None });
        l.slow(1, 100, true);
        assert_eq!(l.fate(0, 1, &mut rng), Fate::Deliver { delay_ms: 102, duplicate_ms: None });
        l.slow(1, 100, false);
        assert_eq!(l.fate(1, 0, &mut rng), Fate::Deliver { delay_ms: 2, duplicate_ms: None });
    }

    #[test]
    fn overlapping_cuts_heal_one_at_a_time_and_are_directional() {
        let mut l = links();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        l.set_blocked(0, 1, true);
        l.set_blocked(0, 1, true);
        assert_eq!(l.fate(0, 1, &mut rng), Fate::Partitioned);
        assert!(matches!(l.fate(1, 0, &mut rng), Fate::Deliver { .. }), "one-way cut");
        l.set_blocked(0, 1, false);
        assert_eq!(l.fate(0, 1, &mut rng), Fate::Partitioned);
        l.set_blocked(0, 1, false);
        assert!(matches!(l.fate(0, 1, &mut rng), Fate::Deliver { .. }));
        assert!(matches!(l.fate(0, 9, &mut rng), Fate::Deliver { .. }), "clients are never cut");
    }

    #[test]
    fn loss_and_duplication_happen_at_their_rates() {
        let mut l = links();
        l.set_loss(0.25);
        l.set_duplicate(0.5);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let fates: Vec<_> = (0..10_000).map(|_| l.fate(0, 1, &mut rng)).collect();
        let lost = fates.iter().filter(|f| **f == Fate::Lost).count();
        let dup = fates.iter().filter(|f| matches!(f, Fate::Deliver { duplicate_ms: Some(_), .. })).count();
        assert!((2_300..2_700).contains(&lost), "{lost}");
        assert!((3_500..4_000).contains(&dup), "{dup}");
    }
}
