//! Anti-entropy: every node, for each shard it replicates in turn, compares its hash tree of the
//! shard (`storage/merkle.rs`) with another replica's and both merge the keys of the buckets that
//! differ through the store's conflict policy. Replicas that missed writes (a partition, a crash,
//! lost messages) converge even on keys nobody reads, which read repair never reaches.
//!
//! Rounds are spread evenly over the interval, one shard each, so a node compares every shard it
//! replicates once per interval. The peer is the next other replica of the shard in a rotation
//! that starts at a random place (the node's own seeded stream): every pair of replicas of a shard
//! meets within N-1 intervals, and nodes do not all pick the same peer. The messages travel the
//! simulated network like any other (lost, cut by partitions, never delivered to a node that is
//! down), and a node that is down has no timer armed: it starts again at boot.

mod config;
mod msg;

use std::sync::Arc;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::actor::{Addr, Outbox};
use crate::shard_map::ShardMap;
use crate::storage::merkle::set_hash;
use crate::storage::{Merged, StorageStats, Store, Versioned};

pub use config::{AntiEntropyConfig, BUCKETS_DEFAULT, INTERVAL_MS_DEFAULT};
pub use msg::{AeMsg, AeTimer, Entry};

/// One node's anti-entropy: the shards it replicates, the next one to compare, and with whom.
/// Kept across crashes (it is a schedule, not state a crash would lose).
#[derive(Clone, Debug)]
pub struct AntiEntropy {
    id: Addr,
    cfg: AntiEntropyConfig,
    rng: ChaCha8Rng,
    /// The shards this node replicates, as the map of epoch `mine_epoch` placed them.
    mine: Vec<u32>,
    mine_epoch: Option<u64>,
    /// Index in `mine` of the next shard to compare.
    cursor: usize,
    /// Which of a shard's other replicas this sweep compares with (random start, then the next
    /// one each sweep).
    peer_turn: usize,
}

/// The parts of its node anti-entropy works with while handling one input.
pub struct AeCtx<'a, M, T, E> {
    /// This node's shard map (replica sets).
    pub map: &'a ShardMap,
    /// This node's store: its hash tree, and where merges go.
    pub store: &'a mut Store,
    /// The node's counters (rounds, bytes, keys repaired).
    pub stats: &'a mut StorageStats,
    /// Where messages and the timer go.
    pub out: &'a mut Outbox<M, T, E>,
}

impl<M: From<AeMsg>, T, E> AeCtx<'_, M, T, E> {
    fn send(&mut self, to: Addr, msg: AeMsg) {
        self.stats.anti_entropy_bytes += msg.size_bytes();
        self.out.send(to, msg);
    }
}

impl AntiEntropy {
    /// Anti-entropy for node `id`; `node_rng` is the node's own stream, from which a stream of
    /// anti-entropy's own is derived (so its draws shift no other part's).
    pub fn new(id: Addr, cfg: AntiEntropyConfig, node_rng: &ChaCha8Rng) -> Self {
        let mut rng = ChaCha8Rng::from_seed(node_rng.get_seed());
        // Node streams are numbered `kind << 32 | index` with small kinds: the complement is
        // none of them.
        rng.set_stream(!node_rng.get_stream());
        let peer_turn = rng.random_range(0..64);
        AntiEntropy { id, cfg, rng, mine: Vec::new(), mine_epoch: None, cursor: 0, peer_turn }
    }

    /// Starts a life of the node: the first round comes at a random point of one round's
    /// period, so nodes booted together do not compare in step.
    pub fn boot<M, T: From<AeTimer>, E>(&mut self, map: &ShardMap, out: &mut Outbox<M, T, E>) {
        self.refresh(map);
        let delay = 1 + self.rng.random_range(0..self.period_ms());
        out.timer(delay, AeTimer::Round);
    }

    /// The time between rounds: the interval shared by the shards this node replicates.
    fn period_ms(&self) -> u64 {
        (self.cfg.interval_ms / self.mine.len().max(1) as u64).max(1)
    }

    /// Re-reads which shards this node replicates when the map changed.
    fn refresh(&mut self, map: &ShardMap) {
        if self.mine_epoch == Some(map.epoch) {
            return;
        }
        self.mine_epoch = Some(map.epoch);
        let id = self.id;
        self.mine = (0..map.shards()).filter(|&s| map.replica_sets()[s as usize].contains(&id)).collect();
        if self.cursor >= self.mine.len() {
            self.cursor = 0;
        }
    }

    /// The round timer fired: compares the next shard with one peer, then arms the next round.
    pub fn on_timer<M: From<AeMsg>, T: From<AeTimer>, E>(&mut self, cx: &mut AeCtx<'_, M, T, E>) {
        self.refresh(cx.map);
        if let Some(&shard) = self.mine.get(self.cursor) {
            self.cursor += 1;
            if self.cursor == self.mine.len() {
                self.cursor = 0;
                self.peer_turn += 1;
            }
            self.begin_round(shard, cx);
        }
        cx.out.timer(self.period_ms(), AeTimer::Round);
    }

    fn begin_round<M: From<AeMsg>, T, E>(&mut self, shard: u32, cx: &mut AeCtx<'_, M, T, E>) {
        let Some(digest) = cx.store.digest() else { return };
        let replicas = &cx.map.replica_sets()[shard as usize];
        let peers = replicas.len() - 1;
        if peers == 0 {
            return; // N = 1: nobody to compare with
        }
        let others = replicas.iter().copied().filter(|&r| r != self.id);
        let peer = others.cycle().nth(self.peer_turn % peers).expect("a peer");
        let root = digest.root(shard);
        cx.stats.anti_entropy_rounds += 1;
        cx.send(peer, AeMsg::Root { shard, root });
    }

    /// Another replica's anti-entropy message; messages about shards this node does not
    /// replicate, or from a node this node's map does not name a replica of the shard, are
    /// ignored: a node still on a map from before its replicas moved (restarted, or cut off)
    /// would otherwise be sent writes it must no longer store.
    pub fn on_msg<M: From<AeMsg>, T, E>(&mut self, from: Addr, msg: AeMsg, cx: &mut AeCtx<'_, M, T, E>) {
        let shard = match &msg {
            AeMsg::Root { shard, .. } | AeMsg::Leaves { shard, .. } => *shard,
            AeMsg::Push { shard, .. } | AeMsg::Pull { shard, .. } => *shard,
        };
        let replicates =
            cx.map.replica_sets().get(shard as usize).is_some_and(|r| r.contains(&self.id) && r.contains(&from));
        if !replicates || cx.store.digest().is_none() {
            return;
        }
        match msg {
            AeMsg::Root { root, .. } => answer_root(from, shard, root, cx),
            AeMsg::Leaves { leaves, .. } => push_differences(from, shard, &leaves, cx),
            AeMsg::Push { buckets, entries, .. } => {
                merge(&entries, cx);
                pull_differences(from, shard, &buckets, &entries, cx);
            }
            AeMsg::Pull { entries, .. } => merge(&entries, cx),
        }
    }
}

/// Peer: sends its leaves when the initiator's root differs from its own.
fn answer_root<M: From<AeMsg>, T, E>(from: Addr, shard: u32, root: u64, cx: &mut AeCtx<'_, M, T, E>) {
    let digest = cx.store.digest().expect("checked by the caller");
    if digest.root(shard) != root {
        let leaves = Arc::from(digest.leaves(shard));
        cx.send(from, AeMsg::Leaves { shard, leaves });
    }
}

/// Initiator: sends its keys of every bucket whose leaf differs from the peer's.
fn push_differences<M: From<AeMsg>, T, E>(from: Addr, shard: u32, theirs: &[u64], cx: &mut AeCtx<'_, M, T, E>) {
    let digest = cx.store.digest().expect("checked by the caller");
    let mine = digest.leaves(shard);
    if mine.len() != theirs.len() {
        return; // another bucket count: the trees cannot be compared
    }
    let buckets: Vec<u32> = (0..mine.len() as u32).filter(|&b| mine[b as usize] != theirs[b as usize]).collect();
    if buckets.is_empty() {
        return; // converged since the round began
    }
    let mut keys: Vec<u64> = buckets.iter().flat_map(|&b| digest.keys(shard, b).iter().copied()).collect();
    keys.sort_unstable();
    let entries: Vec<Entry> = keys.into_iter().map(|k| (k, held(cx.store, k))).collect();
    cx.send(from, AeMsg::Push { shard, buckets: Arc::from(buckets), entries: Arc::from(entries) });
}

/// Peer, after merging what it was pushed: sends back its versions of the keys in those buckets
/// where it holds something other than what it was pushed.
fn pull_differences<M: From<AeMsg>, T, E>(
    from: Addr,
    shard: u32,
    buckets: &[u32],
    pushed: &[Entry],
    cx: &mut AeCtx<'_, M, T, E>,
) {
    let digest = cx.store.digest().expect("checked by the caller");
    let mut entries: Vec<Entry> = Vec::new();
    for &bucket in buckets.iter().filter(|&&b| b < digest.buckets()) {
        for &key in digest.keys(shard, bucket) {
            let theirs = pushed.binary_search_by_key(&key, |e| e.0).map_or(&[][..], |i| pushed[i].1.as_slice());
            if set_hash(key, cx.store.get(key)) != set_hash(key, theirs) {
                entries.push((key, held(cx.store, key)));
            }
        }
    }
    if !entries.is_empty() {
        entries.sort_unstable_by_key(|e| e.0);
        cx.send(from, AeMsg::Pull { shard, entries: Arc::from(entries) });
    }
}

/// The versions `store` holds for `key`, shared.
fn held(store: &Store, key: u64) -> Arc<Vec<Versioned>> {
    store.shared(key).unwrap_or_default()
}

/// Merges another replica's versions into the store, counting the keys that changed.
fn merge<M, T, E>(entries: &[Entry], cx: &mut AeCtx<'_, M, T, E>) {
    for (key, versions) in entries {
        let mut changed = false;
        for v in versions.iter() {
            changed |= cx.store.apply(*key, v) == Merged::Stored;
        }
        cx.stats.anti_entropy_keys_repaired += u64::from(changed);
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::storage::{Context, Dot};

    type Out = Outbox<AeMsg, AeTimer, ()>;

    /// One node: its anti-entropy, store and counters.
    struct Side {
        ae: AntiEntropy,
        store: Store,
        stats: StorageStats,
    }

    fn map() -> ShardMap {
        ShardMap::ring(&[(0, 0), (1, 0), (2, 0), (3, 0)], 4, 3)
    }

    fn sides(cfg: AntiEntropyConfig) -> Vec<Side> {
        (0..4)
            .map(|id| {
                let mut store = Store::new();
                store.track_digest(4, cfg.buckets);
                let ae = AntiEntropy::new(id, cfg, &ChaCha8Rng::seed_from_u64(id as u64));
                Side { ae, store, stats: StorageStats::default() }
            })
            .collect()
    }

    fn write(store: &mut Store, key: u64, node: u32, counter: u64) {
        let v = Versioned { dot: Dot { node, counter }, context: Context::new(), stamp: 0, value: key * 100 + counter };
        store.apply(key, &v);
    }

    fn contents(store: &Store) -> Vec<(u64, Vec<u64>)> {
        store.iter().map(|(k, vs)| (k, vs.iter().map(|v| v.value).collect())).collect()
    }

    /// Delivers `sent` and everything it causes, dropping messages `drop` refuses.
    fn deliver(sides: &mut [Side], sent: Vec<(Addr, Addr, AeMsg)>, drop: impl Fn(&AeMsg) -> bool) -> usize {
        let map = map();
        let mut queue = std::collections::VecDeque::from(sent);
        let mut delivered = 0;
        while let Some((from, to, msg)) = queue.pop_front() {
            if drop(&msg) {
                continue;
            }
            delivered += 1;
            let side = &mut sides[to as usize];
            let mut out = Out::default();
            let mut cx = AeCtx { map: &map, store: &mut side.store, stats: &mut side.stats, out: &mut out };
            side.ae.on_msg(from, msg, &mut cx);
            queue.extend(out.sends.into_iter().map(|(next, m)| (to, next, m)));
        }
        delivered
    }

    /// Node `id`'s next round: the message it sends (if any).
    fn round(sides: &mut [Side], id: Addr) -> Vec<(Addr, Addr, AeMsg)> {
        let map = map();
        let side = &mut sides[id as usize];
        let mut out = Out::default();
        side.ae.on_timer(&mut AeCtx { map: &map, store: &mut side.store, stats: &mut side.stats, out: &mut out });
        assert_eq!(out.timers.len(), 1, "the next round is armed");
        out.sends.into_iter().map(|(to, m)| (id, to, m)).collect()
    }

    /// Keys of shard `shard` (under `map()`), the first `n` of them.
    fn keys_of(shard: u32, n: usize) -> Vec<u64> {
        (0..).filter(|&k| map().shard_of(k) == shard).take(n).collect()
    }

    #[test]
    fn one_round_makes_two_diverged_replicas_hold_the_same_versions() {
        let mut s = sides(AntiEntropyConfig { interval_ms: 1_000, buckets: 8 });
        // Node 0 replicates shards 0, 2 and 3 (ring of 4, N=3); its first round is its first shard.
        let shard = s[0].ae.mine_first(&map());
        let keys = keys_of(shard, 30);
        for (i, &k) in keys.iter().enumerate() {
            match i % 3 {
                0 => write(&mut s[0].store, k, 0, 1),
                1 => write(&mut s[1].store, k, 1, 1),
                _ => {
                    write(&mut s[0].store, k, 0, 1);
                    write(&mut s[1].store, k, 1, 1); // concurrent: siblings after the merge
                    write(&mut s[2].store, k, 1, 1);
                }
            }
        }
        s[0].ae.peer_turn = 0; // its first peer: node 1
        let sent = round(&mut s, 0);
        assert!(matches!(sent[..], [(0, 1, AeMsg::Root { .. })]), "{sent:?}");
        assert_eq!(deliver(&mut s, sent, |_| false), 4, "root, leaves, push, pull");
        assert_eq!(contents(&s[0].store), contents(&s[1].store));
        assert_eq!(s[0].store.digest().unwrap().root(shard), s[1].store.digest().unwrap().root(shard));
        assert_eq!(s[0].stats.anti_entropy_rounds, 1);
        assert_eq!((s[0].stats.anti_entropy_keys_repaired, s[1].stats.anti_entropy_keys_repaired), (20, 20));
        assert!(s[0].stats.anti_entropy_bytes > 12 && s[1].stats.anti_entropy_bytes > 8 * 8);
        assert!(contents(&s[0].store).iter().filter(|(_, vs)| vs.len() == 2).count() == 10, "siblings kept");
    }

    #[test]
    fn replicas_in_step_exchange_only_a_root() {
        let mut s = sides(AntiEntropyConfig { interval_ms: 1_000, buckets: 8 });
        let shard = s[0].ae.mine_first(&map());
        for k in keys_of(shard, 10) {
            for side in s.iter_mut() {
                write(&mut side.store, k, 3, 1);
            }
        }
        let sent = round(&mut s, 0);
        assert_eq!(deliver(&mut s, sent, |_| false), 1, "the peer's root is the same: no answer");
        assert_eq!(s[0].stats.anti_entropy_bytes, 12);
        assert_eq!(s[1].stats.anti_entropy_bytes + s[2].stats.anti_entropy_bytes, 0);
    }

    #[test]
    fn a_lost_message_ends_the_round_and_the_next_one_repairs() {
        let mut s = sides(AntiEntropyConfig { interval_ms: 1_000, buckets: 8 });
        let shard = s[0].ae.mine_first(&map());
        let peer = s[0].ae.peer_of(shard, &map());
        for k in keys_of(shard, 5) {
            write(&mut s[peer as usize].store, k, peer, 1);
        }
        let sent = round(&mut s, 0);
        deliver(&mut s, sent, |m| matches!(m, AeMsg::Pull { .. }));
        assert!(s[0].store.is_empty(), "the pull was lost");
        // A sweep later node 0 comes back to the shard (its next peer may be another replica).
        for _ in 0..s[0].ae.mine.len() * 3 {
            let sent = round(&mut s, 0);
            deliver(&mut s, sent, |_| false);
        }
        assert_eq!(contents(&s[0].store), contents(&s[peer as usize].store));
    }

    #[test]
    fn each_sweep_compares_a_shard_with_the_next_peer() {
        let mut s = sides(AntiEntropyConfig::default());
        let m = map();
        let shards = s[2].ae.mine_len(&m);
        let mut peers = std::collections::BTreeSet::new();
        for _ in 0..shards * 2 {
            for (_, to, msg) in round(&mut s, 2) {
                if let AeMsg::Root { shard: 0, .. } = msg {
                    peers.insert(to);
                }
            }
        }
        let others: std::collections::BTreeSet<Addr> =
            m.replica_sets()[0].iter().copied().filter(|&r| r != 2).collect();
        assert_eq!(peers, others, "two sweeps, both other replicas of shard 0");
        assert_eq!(s[2].stats.anti_entropy_rounds, 2 * shards as u64);
    }

    #[test]
    fn messages_about_shards_a_node_does_not_replicate_are_ignored() {
        let mut s = sides(AntiEntropyConfig::default());
        let m = map();
        let foreign = (0..4).find(|&sh| !m.replica_sets()[sh as usize].contains(&3)).expect("a shard without node 3");
        let k = keys_of(foreign, 1)[0];
        let entries: Arc<[Entry]> = Arc::from(vec![(k, Arc::new(vec![]))]);
        let mut v = Store::new();
        write(&mut v, k, 0, 1);
        let entries_with: Arc<[Entry]> = Arc::from(vec![(k, v.shared(k).unwrap())]);
        let sent = vec![
            (0, 3, AeMsg::Root { shard: foreign, root: 1 }),
            (0, 3, AeMsg::Pull { shard: foreign, entries: entries_with }),
            (0, 3, AeMsg::Push { shard: foreign, buckets: Arc::from(vec![0]), entries }),
        ];
        assert_eq!(deliver(&mut s, sent, |_| false), 3, "nothing answered");
        assert!(s[3].store.is_empty());
    }

    #[test]
    fn messages_from_a_node_that_no_longer_replicates_the_shard_are_ignored() {
        let mut s = sides(AntiEntropyConfig::default());
        let m = map();
        let (shard, outsider) = (0..4)
            .find_map(|sh| {
                let set = &m.replica_sets()[sh as usize];
                let outsider = (0..4).find(|n| !set.contains(n))?;
                set.contains(&3).then_some((sh, outsider))
            })
            .expect("a shard node 3 replicates and another node does not");
        let k = keys_of(shard, 1)[0];
        write(&mut s[3].store, k, 3, 1);
        let entries: Arc<[Entry]> = Arc::from(vec![(k, Arc::new(vec![]))]);
        let sent = vec![
            (outsider, 3, AeMsg::Root { shard, root: 1 }),
            (outsider, 3, AeMsg::Push { shard, buckets: Arc::from(vec![0]), entries }),
        ];
        assert_eq!(deliver(&mut s, sent, |_| false), 2, "the outsider is sent no leaves and no versions");
    }

    impl AntiEntropy {
        fn mine_first(&mut self, map: &ShardMap) -> u32 {
            self.refresh(map);
            self.mine[self.cursor]
        }

        fn mine_len(&mut self, map: &ShardMap) -> usize {
            self.refresh(map);
            self.mine.len()
        }

        fn peer_of(&self, shard: u32, map: &ShardMap) -> Addr {
            let others: Vec<Addr> =
                map.replica_sets()[shard as usize].iter().copied().filter(|&r| r != self.id).collect();
            others[self.peer_turn % others.len()]
        }
    }
}
