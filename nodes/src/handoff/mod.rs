//! Hinted handoff (Dynamo's sloppy quorum): a write whose replica did not answer in time is
//! also sent to a stand-in, a healthy node outside the key's replica set, with a hint naming
//! the replica it was meant for. The stand-in's acknowledgement counts toward W, so writes stay
//! available while replicas are down, but such a write is not on W of its own replicas: a read
//! quorum need not overlap it until the hint is delivered. The stand-in keeps the hint
//! durably (not serving it to reads) and retries delivering it until the replica acknowledges,
//! then deletes it.

mod msg;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::actor::{Addr, Outbox, Wake};
use crate::migration_msg::Step;
use crate::shard_map::ShardMap;
use crate::storage::{Dot, StorageStats, Versioned};

pub use msg::{HandoffMsg, HandoffTimer};

/// Most hints a node holds; beyond it, it refuses (does not acknowledge) new ones.
pub const HINTS_MAX: usize = 100_000;
/// Most hints sent per retry round, so a long outage's backlog drains in bounded bursts.
pub const DELIVER_PER_ROUND_MAX: usize = 256;

/// Settings of hinted handoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HandoffConfig {
    /// How long a coordinator waits for a replica's answer before writing to a stand-in.
    pub after_ms: u64,
    /// How often a stand-in retries delivering the hints it holds.
    pub retry_ms: u64,
}

/// A node's hints: durable (they survive crashes, like the store), keyed by the replica they
/// are meant for, the key and the write's dot.
#[derive(Debug, Default)]
pub struct Hints {
    held: BTreeMap<(Addr, u64, Dot), Arc<Versioned>>,
    /// The delivery timer (volatile: re-armed at boot).
    wake: Wake,
}

impl Hints {
    /// Number of hints held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// True when no hint is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Forgets the armed timer: a new life of the node re-arms it (`arm`).
    pub fn reboot(&mut self) {
        self.wake = Wake::default();
    }

    /// Arms the delivery timer if hints wait.
    pub fn arm<M, T: From<HandoffTimer>, E>(&mut self, now: u64, cfg: &HandoffConfig, out: &mut Outbox<M, T, E>) {
        if self.held.is_empty() {
            return;
        }
        let at = now + cfg.retry_ms;
        if let Some(delay) = self.wake.ensure(now, at) {
            out.timer(delay, HandoffTimer::DeliverDue { at });
        }
    }

    /// A coordinator's hinted write: held (and acknowledged) unless the store of hints is full.
    #[allow(clippy::too_many_arguments)]
    pub fn on_hinted<M, T, E>(
        &mut self,
        now: u64,
        from: Addr,
        (req, key, item, intended): (u64, u64, Arc<Versioned>, Addr),
        cfg: &HandoffConfig,
        stats: &mut StorageStats,
        out: &mut Outbox<M, T, E>,
    ) where
        M: From<HandoffMsg>,
        T: From<HandoffTimer>,
    {
        if self.held.len() >= HINTS_MAX {
            stats.hints_refused += 1;
            return;
        }
        if self.held.insert((intended, key, item.dot), item).is_none() {
            stats.hints_stored += 1;
        }
        out.send(from, HandoffMsg::HintAck { req, intended });
        self.arm(now, cfg, out);
    }

    /// The delivery timer: sends every replica its hints (a bounded number per round). A hint
    /// whose replica is no longer in the key's replica set by `map` (a migration or a drain
    /// moved the shard) is meant for every replica of the set now: the new ones would never get
    /// it otherwise, and a copy on one that has it already is merged away.
    pub fn on_timer<M, T, E>(
        &mut self,
        now: u64,
        timer: HandoffTimer,
        cfg: &HandoffConfig,
        map: &ShardMap,
        out: &mut Outbox<M, T, E>,
    ) where
        M: From<HandoffMsg>,
        T: From<HandoffTimer>,
    {
        let HandoffTimer::DeliverDue { at } = timer;
        self.wake.fired(at);
        if map.migrations().iter().any(|m| m.step >= Step::Transfer) {
            let moved: Vec<(Addr, u64, Dot)> = self
                .held
                .keys()
                .filter(|&&(intended, key, _)| !map.replicas_of(key).contains(&intended))
                .copied()
                .collect();
            for k in moved {
                let item = self.held.remove(&k).expect("held");
                for &r in map.replicas_of(k.1) {
                    self.held.entry((r, k.1, k.2)).or_insert_with(|| item.clone());
                }
            }
        }
        for (&(intended, key, _), item) in self.held.iter().take(DELIVER_PER_ROUND_MAX) {
            out.send(intended, HandoffMsg::Deliver { key, item: item.clone() });
        }
        self.arm(now, cfg, out);
    }

    /// The intended replica has the write: the hint is deleted.
    pub fn on_delivered(&mut self, from: Addr, key: u64, dot: Dot, stats: &mut StorageStats) {
        if self.held.remove(&(from, key, dot)).is_some() {
            stats.hints_delivered += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Context;

    type Out = Outbox<HandoffMsg, HandoffTimer, ()>;

    const CFG: HandoffConfig = HandoffConfig { after_ms: 50, retry_ms: 200 };

    fn item(counter: u64) -> Arc<Versioned> {
        Arc::new(Versioned { dot: Dot { node: 1, counter }, context: Context::new(), stamp: 0, value: counter })
    }

    /// Four nodes, one shard on nodes 0, 1, 2.
    fn map() -> ShardMap {
        ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0)], 1, 3)
    }

    #[test]
    fn a_hint_for_a_replica_that_left_the_set_goes_to_the_new_set() {
        let (mut hints, mut stats, mut out) = (Hints::default(), StorageStats::default(), Out::default());
        hints.on_hinted(0, 7, (3, 42, item(1), 2), &CFG, &mut stats, &mut out);
        // Node 2 was drained: node 3 took its place in the shard's replica set.
        let mut moved = map();
        let m = crate::control::migration::replace(&moved, 9, 0, 3, 2).expect("a replacement");
        moved.put_migration(m);
        for step in [Step::Sync, Step::Transfer] {
            crate::control::migration::apply(&mut moved, 9, step, None, 2).expect("legal");
        }
        let mut out = Out::default();
        hints.on_timer(200, HandoffTimer::DeliverDue { at: 200 }, &CFG, &moved, &mut out);
        let mut to: Vec<Addr> = out.sends.iter().map(|(to, _)| *to).collect();
        to.sort_unstable();
        assert_eq!(to, [0, 1, 3], "every replica of the set now, not the drained node");
        hints.on_delivered(3, 42, Dot { node: 1, counter: 1 }, &mut stats);
        assert_eq!(hints.len(), 2, "each replica's acknowledgement deletes its own copy");
    }

    #[test]
    fn a_hint_is_acknowledged_retried_until_delivered_then_deleted() {
        let (mut hints, mut stats, mut out) = (Hints::default(), StorageStats::default(), Out::default());
        hints.on_hinted(0, 7, (3, 42, item(1), 2), &CFG, &mut stats, &mut out);
        assert!(matches!(out.sends[..], [(7, HandoffMsg::HintAck { req: 3, intended: 2 })]));
        assert_eq!(out.timers, [(200, HandoffTimer::DeliverDue { at: 200 })]);
        let mut out = Out::default();
        hints.on_timer(200, HandoffTimer::DeliverDue { at: 200 }, &CFG, &map(), &mut out);
        assert!(matches!(&out.sends[..], [(2, HandoffMsg::Deliver { key: 42, .. })]), "sent to the intended replica");
        assert_eq!(out.timers.len(), 1, "retried until acknowledged");
        hints.on_delivered(5, 42, Dot { node: 1, counter: 1 }, &mut stats);
        assert_eq!(hints.len(), 1, "only the intended replica's acknowledgement deletes it");
        hints.on_delivered(2, 42, Dot { node: 1, counter: 1 }, &mut stats);
        assert!(hints.is_empty());
        let mut out = Out::default();
        hints.on_timer(400, HandoffTimer::DeliverDue { at: 400 }, &CFG, &map(), &mut out);
        assert!(out.sends.is_empty() && out.timers.is_empty(), "nothing left, no timer");
        assert_eq!((stats.hints_stored, stats.hints_delivered), (1, 1));
    }
}
