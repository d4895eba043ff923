//! Link conditions of the simulated network: latency per link, loss, duplication, partitions, slow nodes.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::latency::Latency;
use super::wars::{KindLatencies, MessageKind};
use crate::actor::Addr;
use crate::message::Msg;

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
    /// Latency of coordinator-replica messages by kind (the WARS model), in place of `latency`
    /// and `cross_zone` for the kinds that have one.
    pub by_kind: KindLatencies,
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
/// Per-link state is kept by address in tables that span the node addresses (addresses are
/// identities, not positions: a node may have any address, and a client's address inside the
/// span has no zone and is never cut). Faults are counted, not flagged, so overlapping faults
/// compose and each one's undo removes exactly what it added.
#[derive(Clone, Debug)]
pub struct Links {
    cfg: NetConfig,
    /// Addresses below this span the tables.
    span: usize,
    /// Zone of each address (`None`: not a storage node).
    zones: Vec<Option<u16>>,
    /// `blocked[from * span + to]`: how many active faults cut the link from -> to.
    blocked: Vec<u16>,
    /// Extra one-way delay on every link touching a node ("slow node"), by address.
    extra_delay_ms: Vec<u64>,
    /// A cross-zone latency or latencies by message kind are set: the delay's distribution
    /// depends on more than the one `latency` (one flag, so the plain case tests once).
    varied: bool,
    /// Extra delay on the answers a node sends as a replica ("slow replica": a slow disk), by
    /// address; its coordinator and control plane keep their speed.
    answer_delay_ms: Vec<u64>,
}

impl Links {
    /// Healthy links between `nodes` (address and zone each).
    pub fn new(cfg: NetConfig, nodes: &[(Addr, u16)]) -> Self {
        let span = nodes.iter().map(|&(a, _)| a as usize + 1).max().unwrap_or(0);
        let mut zones = vec![None; span];
        for &(addr, zone) in nodes {
            assert!(zones[addr as usize].replace(zone).is_none(), "node address {addr} given twice");
        }
        let varied = cfg.cross_zone.is_some() || !cfg.by_kind.is_empty();
        Links {
            cfg,
            span,
            zones,
            blocked: vec![0; span * span],
            extra_delay_ms: vec![0; span],
            answer_delay_ms: vec![0; span],
            varied,
        }
    }

    fn node_index(&self, addr: Addr) -> usize {
        let i = addr as usize;
        assert!(self.zones.get(i).is_some_and(Option::is_some), "address {addr} is not a storage node");
        i
    }

    /// Decides the fate of one message; all network randomness goes through here.
    pub fn fate(&self, from: Addr, to: Addr, msg: &Msg, rng: &mut ChaCha8Rng) -> Fate {
        let (f, t) = (from as usize, to as usize);
        if f < self.span && t < self.span && self.blocked[f * self.span + t] > 0 {
            return Fate::Partitioned;
        }
        if self.cfg.loss > 0.0 && rng.random_bool(self.cfg.loss) {
            return Fate::Lost;
        }
        let delay_ms = self.delay_ms(f, t, msg, rng);
        let duplicate_ms =
            (self.cfg.duplicate > 0.0 && rng.random_bool(self.cfg.duplicate)).then(|| self.delay_ms(f, t, msg, rng));
        Fate::Deliver { delay_ms, duplicate_ms }
    }

    fn delay_ms(&self, f: usize, t: usize, msg: &Msg, rng: &mut ChaCha8Rng) -> u64 {
        let dist = if self.varied { self.distribution(f, t, msg) } else { &self.cfg.latency };
        let extra = self.extra_delay_ms.get(f).copied().unwrap_or(0) + self.extra_delay_ms.get(t).copied().unwrap_or(0);
        // Whole-millisecond ticks (madsim timers have 1 ms granularity); never zero, so a
        // message never arrives in the tick that sent it.
        (ceil_ms(dist.sample_ms(rng))).max(1) + extra
    }

    /// The delay distribution of `msg` from `f` to `t`: its kind's own, else the cross-zone
    /// latency between zones, else the plain one.
    fn distribution(&self, f: usize, t: usize, msg: &Msg) -> &Latency {
        if let Some(own) = MessageKind::of(msg).and_then(|k| self.cfg.by_kind.get(k)) {
            return own;
        }
        match (&self.cfg.cross_zone, self.zones.get(f), self.zones.get(t)) {
            (Some(cross), Some(Some(zf)), Some(Some(zt))) if zf != zt => cross,
            _ => &self.cfg.latency,
        }
    }

    /// Cuts (`cut = true`) or restores one direction of one link.
    pub fn set_blocked(&mut self, from: Addr, to: Addr, cut: bool) {
        let (f, t) = (self.node_index(from), self.node_index(to));
        let cell = &mut self.blocked[f * self.span + t];
        *cell = if cut { cell.saturating_add(1) } else { cell.saturating_sub(1) };
    }

    /// True when the link from -> to is cut.
    pub fn is_blocked(&self, from: Addr, to: Addr) -> bool {
        let (f, t) = (from as usize, to as usize);
        f < self.span && t < self.span && self.blocked[f * self.span + t] > 0
    }

    /// Adds (or with `add = false` removes) extra delay on a node's links.
    pub fn slow(&mut self, node: Addr, delay_ms: u64, add: bool) {
        let i = self.node_index(node);
        let d = &mut self.extra_delay_ms[i];
        *d = if add { *d + delay_ms } else { d.saturating_sub(delay_ms) };
    }

    /// Adds (or with `add = false` removes) extra delay on the answers a node sends as a replica.
    pub fn slow_answers(&mut self, node: Addr, delay_ms: u64, add: bool) {
        let i = self.node_index(node);
        let d = &mut self.answer_delay_ms[i];
        *d = if add { *d + delay_ms } else { d.saturating_sub(delay_ms) };
    }

    /// Extra delay on a replica answer sent by `from` (0 for a client or a healthy node).
    #[inline]
    pub fn answer_delay_ms(&self, from: Addr) -> u64 {
        self.answer_delay_ms.get(from as usize).copied().unwrap_or(0)
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
        self.answer_delay_ms.iter_mut().for_each(|d| *d = 0);
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

    impl Links {
        /// The fate of a message outside the WARS kinds.
        fn fate_of(&self, from: Addr, to: Addr, rng: &mut ChaCha8Rng) -> Fate {
            self.fate(from, to, &Msg::Echo(0), rng)
        }
    }

    fn links() -> Links {
        let cfg = NetConfig {
            latency: Latency::Constant { ms: 2.0 },
            cross_zone: Some(Latency::Constant { ms: 10.0 }),
            loss: 0.0,
            duplicate: 0.0,
            by_kind: KindLatencies::default(),
        };
        Links::new(cfg, &[(0, 0), (1, 0), (2, 1)])
    }

    #[test]
    fn cross_zone_links_use_their_own_latency_and_slow_nodes_add_delay() {
        let mut l = links();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(l.fate_of(0, 1, &mut rng), Fate::Deliver { delay_ms: 2, duplicate_ms: None });
        assert_eq!(l.fate_of(0, 2, &mut rng), Fate::Deliver { delay_ms: 10, duplicate_ms: None });
        l.slow(1, 100, true);
        assert_eq!(l.fate_of(0, 1, &mut rng), Fate::Deliver { delay_ms: 102, duplicate_ms: None });
        l.slow(1, 100, false);
        assert_eq!(l.fate_of(1, 0, &mut rng), Fate::Deliver { delay_ms: 2, duplicate_ms: None });
    }

    #[test]
    fn overlapping_cuts_heal_one_at_a_time_and_are_directional() {
        let mut l = links();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        l.set_blocked(0, 1, true);
        l.set_blocked(0, 1, true);
        assert_eq!(l.fate_of(0, 1, &mut rng), Fate::Partitioned);
        assert!(matches!(l.fate_of(1, 0, &mut rng), Fate::Deliver { .. }), "one-way cut");
        l.set_blocked(0, 1, false);
        assert_eq!(l.fate_of(0, 1, &mut rng), Fate::Partitioned);
        l.set_blocked(0, 1, false);
        assert!(matches!(l.fate_of(0, 1, &mut rng), Fate::Deliver { .. }));
        assert!(matches!(l.fate_of(0, 9, &mut rng), Fate::Deliver { .. }), "clients are never cut");
    }

    #[test]
    fn nodes_at_any_address_are_cut_and_zoned_and_clients_between_them_are_not() {
        let cfg = NetConfig {
            latency: Latency::Constant { ms: 2.0 },
            cross_zone: Some(Latency::Constant { ms: 10.0 }),
            loss: 0.0,
            duplicate: 0.0,
            by_kind: KindLatencies::default(),
        };
        // Nodes at 3 and 9; 5 is a client inside the span of the tables.
        let mut l = Links::new(cfg, &[(3, 0), (9, 1)]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(l.fate_of(3, 9, &mut rng), Fate::Deliver { delay_ms: 10, duplicate_ms: None }, "cross zone");
        assert_eq!(
            l.fate_of(5, 9, &mut rng),
            Fate::Deliver { delay_ms: 2, duplicate_ms: None },
            "a client has no zone"
        );
        l.set_blocked(3, 9, true);
        assert!(l.is_blocked(3, 9) && !l.is_blocked(9, 3) && !l.is_blocked(5, 9));
        assert_eq!(l.fate_of(3, 9, &mut rng), Fate::Partitioned);
        l.slow(9, 100, true);
        assert_eq!(l.fate_of(5, 9, &mut rng), Fate::Deliver { delay_ms: 102, duplicate_ms: None });
    }

    #[test]
    fn a_slow_replica_delays_only_its_answers_and_heals() {
        let mut l = links();
        l.slow_answers(1, 300, true);
        l.slow_answers(1, 100, true);
        assert_eq!((l.answer_delay_ms(1), l.answer_delay_ms(0), l.answer_delay_ms(99)), (400, 0, 0));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(
            l.fate_of(0, 1, &mut rng),
            Fate::Deliver { delay_ms: 2, duplicate_ms: None },
            "links keep their speed"
        );
        l.slow_answers(1, 100, false);
        assert_eq!(l.answer_delay_ms(1), 300, "each fault's undo removes what it added");
        l.heal_all();
        assert_eq!(l.answer_delay_ms(1), 0);
    }

    #[test]
    fn loss_and_duplication_happen_at_their_rates() {
        let mut l = links();
        l.set_loss(0.25);
        l.set_duplicate(0.5);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let fates: Vec<_> = (0..10_000).map(|_| l.fate_of(0, 1, &mut rng)).collect();
        let lost = fates.iter().filter(|f| **f == Fate::Lost).count();
        let dup = fates.iter().filter(|f| matches!(f, Fate::Deliver { duplicate_ms: Some(_), .. })).count();
        assert!((2_300..2_700).contains(&lost), "{lost}");
        assert!((3_500..4_000).contains(&dup), "{dup}");
    }
}

#[cfg(test)]
mod kind_tests {
    use std::sync::Arc;

    use super::*;
    use crate::replica::{ReplicaAnswer, ReplicaRequest};
    use rand::SeedableRng;

    #[test]
    fn replica_messages_take_their_kind_s_latency_and_the_rest_the_link_s() {
        let mut by_kind = KindLatencies::default();
        by_kind.set(MessageKind::WriteRequest, Latency::Constant { ms: 7.0 });
        by_kind.set(MessageKind::ReadResponse, Latency::Constant { ms: 30.0 });
        let cfg = NetConfig {
            latency: Latency::Constant { ms: 2.0 },
            cross_zone: Some(Latency::Constant { ms: 10.0 }),
            loss: 0.0,
            duplicate: 0.0,
            by_kind,
        };
        let mut l = Links::new(cfg, &[(0, 0), (1, 0), (2, 1)]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let delay = |l: &Links, to: Addr, msg: &Msg, rng: &mut ChaCha8Rng| match l.fate(0, to, msg, rng) {
            Fate::Deliver { delay_ms, .. } => delay_ms,
            other => panic!("{other:?}"),
        };
        let read = Msg::Replica(ReplicaRequest::Read { req: 1, key: 1, fence: None, epoch: 0 });
        let reply = Msg::Replied(ReplicaAnswer::ReadReply { req: 1, versions: Some(Arc::new(vec![])) });
        let ack = Msg::Replied(ReplicaAnswer::WriteAck { req: 1 });
        let write = Msg::Replica(ReplicaRequest::Write {
            req: 1,
            key: 1,
            item: Arc::new(crate::storage::Versioned {
                dot: crate::storage::Dot { node: 0, counter: 1 },
                context: Default::default(),
                stamp: 0,
                value: 1,
            }),
            fence: None,
            epoch: 0,
        });
        assert_eq!(delay(&l, 2, &write, &mut rng), 7);
        // A read request has no latency of its own: the link's (same zone, then cross zone).
        assert_eq!(delay(&l, 1, &read, &mut rng), 2);
        assert_eq!(delay(&l, 2, &read, &mut rng), 10);
        assert_eq!(delay(&l, 2, &reply, &mut rng), 30, "its kind's, whatever the zones");
        assert_eq!(delay(&l, 1, &ack, &mut rng), 2);
        l.slow(1, 100, true);
        assert_eq!(delay(&l, 1, &reply, &mut rng), 130, "a slow node still adds its delay");
        assert_eq!(MessageKind::of(&read), Some(MessageKind::ReadRequest));
        assert_eq!(MessageKind::of(&Msg::Echo(1)), None);
    }
}
