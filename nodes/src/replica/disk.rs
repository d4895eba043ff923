//! A replica's disk work: the group commit on its clock (`fsync: <interval>`), what a crash
//! does to the store, the scrub that checks records' checksums in batches, and the repair of
//! damaged records from the key's other replicas (ask them for their versions, store what
//! comes back). Until every other replica has answered, the key's reads are refused here:
//! the dropped record may have held a write only this replica and one other acknowledged.
//! A replica whose record of the key is damaged too answers with what it still holds: a write
//! only the two of them held is gone either way, and waiting for each other would never end.

use super::msg::{DiskTimer, RepairMsg};
use super::Replica;
use crate::actor::{Addr, Outbox};
use crate::bugs::{self, Bug, BUG_SYNC_DELAY_MS};
use crate::shard_map::ShardMap;
use crate::storage::FsyncPolicy;

/// Most records one scrub round checks.
pub const SCRUB_KEYS_MAX: usize = 256;

/// Most repairs under way at once; more wait until some finish.
pub const REPAIRS_MAX: usize = 4_096;

/// How long a repair waits before asking the replicas that have not answered again.
pub const REPAIR_RETRY_MS: u64 = 200;

impl Replica {
    /// Starts a life of node `me` (shard map `map`): arms the group commit and the scrub, and
    /// resumes the repairs a crash interrupted (the keys owed are durable, the progress is not).
    pub fn boot<M, T, E>(&mut self, me: Addr, map: &ShardMap, out: &mut Outbox<M, T, E>)
    where
        M: From<RepairMsg>,
        T: From<DiskTimer>,
    {
        self.repairs.clear();
        self.repair_armed = false;
        self.scrub_from = 0;
        if let Some(ms) = self.sync_interval_ms() {
            out.timer(ms, DiskTimer::Sync);
        }
        if let Some(ms) = self.store.config().scrub_ms {
            out.timer(ms, DiskTimer::Scrub);
        }
        self.send_repairs(me, map, out);
    }

    /// The machine crashed: unsynced writes are gone, and so is the repair work under way.
    pub fn crash(&mut self) {
        self.store.crash();
        self.repairs.clear();
        self.held.clear();
    }

    /// A disk timer of node `me`, whose shard map is `map`.
    pub fn on_timer<M, T, E>(&mut self, timer: DiskTimer, me: Addr, map: &ShardMap, out: &mut Outbox<M, T, E>)
    where
        M: From<RepairMsg>,
        T: From<DiskTimer>,
    {
        match timer {
            DiskTimer::Sync => {
                self.store.sync();
                if let Some(ms) = self.sync_interval_ms() {
                    out.timer(ms, DiskTimer::Sync);
                }
            }
            DiskTimer::Scrub => {
                self.scrub_from = self.store.scrub(self.scrub_from, SCRUB_KEYS_MAX).unwrap_or(0);
                self.send_repairs(me, map, out);
                if let Some(ms) = self.store.config().scrub_ms {
                    out.timer(ms, DiskTimer::Scrub);
                }
            }
            DiskTimer::Repair => {
                self.repair_armed = false;
                for (&key, (waiting, _)) in &self.repairs {
                    waiting.iter().for_each(|&r| out.send(r, RepairMsg::Fetch { key }));
                }
                self.send_repairs(me, map, out);
            }
        }
    }

    /// Another replica's repair message.
    pub fn on_repair<M, T, E>(&mut self, from: Addr, msg: RepairMsg, out: &mut Outbox<M, T, E>)
    where
        M: From<RepairMsg>,
    {
        match msg {
            // Checked like any read (a damaged record of its own is found and dropped here
            // too); what it holds intact is sent, even while its own repair is under way.
            RepairMsg::Fetch { key } => {
                let _ = self.store.read(key);
                out.send(from, RepairMsg::Fetched { key, versions: self.store.shared(key) });
            }
            RepairMsg::Fetched { key, versions } => {
                let versions = versions.filter(|v| !v.is_empty());
                for v in versions.iter().flat_map(|v| v.iter()) {
                    self.store.apply(key, v);
                }
                let Some((waiting, restored)) = self.repairs.get_mut(&key) else { return };
                *restored |= versions.is_some();
                waiting.retain(|&r| r != from);
                if waiting.is_empty() {
                    let restored = *restored;
                    self.repairs.remove(&key);
                    self.store.repaired(key, restored);
                }
            }
        }
    }

    /// Starts a repair for every dropped record not being repaired yet (node `me`, shard map
    /// `map`): asks the key's other replicas for their versions, and arms the retry.
    pub fn send_repairs<M, T, E>(&mut self, me: Addr, map: &ShardMap, out: &mut Outbox<M, T, E>)
    where
        M: From<RepairMsg>,
        T: From<DiskTimer>,
    {
        self.store.take_detected();
        let room = REPAIRS_MAX.saturating_sub(self.repairs.len());
        let new: Vec<u64> = self.store.unrepaired().filter(|k| !self.repairs.contains_key(k)).take(room).collect();
        for key in new {
            let others: Vec<Addr> =
                map.replica_sets()[map.shard_of(key) as usize].iter().copied().filter(|&r| r != me).collect();
            if others.is_empty() {
                self.store.repaired(key, false); // the only replica: nobody to ask
                continue;
            }
            others.iter().for_each(|&r| out.send(r, RepairMsg::Fetch { key }));
            self.repairs.insert(key, (others, false));
        }
        if !self.repairs.is_empty() && !self.repair_armed {
            self.repair_armed = true;
            out.timer(REPAIR_RETRY_MS, DiskTimer::Repair);
        }
    }

    /// How often the group commit runs: the scenario's interval; under `always` never (every
    /// write syncs), except with `--bug ack-before-sync`, whose syncs lag its acks.
    fn sync_interval_ms(&self) -> Option<u64> {
        match self.store.config().fsync {
            FsyncPolicy::Always => bugs::on(Bug::AckBeforeSync).then_some(BUG_SYNC_DELAY_MS),
            FsyncPolicy::EveryMs(ms) => Some(ms),
            FsyncPolicy::Never => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::message::{Msg, NodeOut, Timer};
    use crate::replica::{ReplicaAnswer, ReplicaRequest};
    use crate::storage::{Context, Dot, StorageConfig, Store, Versioned};

    fn replica(fsync: FsyncPolicy, scrub_ms: Option<u64>) -> (Replica, NodeOut) {
        let cfg = StorageConfig { fsync, scrub_ms, ..StorageConfig::default() };
        let mut r = Replica::new(Store::with_config(cfg));
        let mut out = NodeOut::default();
        r.boot(0, &map(), &mut out);
        (r, out)
    }

    fn map() -> ShardMap {
        ShardMap::ring(&[(0, 0), (1, 0), (2, 0)], 1, 3)
    }

    fn version(value: u64) -> Versioned {
        Versioned { dot: Dot { node: 1, counter: value }, context: Context::new(), stamp: 0, value }
    }

    fn write(r: &mut Replica, key: u64, value: u64, out: &mut NodeOut) {
        let item = Arc::new(version(value));
        r.on_request(1, ReplicaRequest::Write { req: value, key, item, fence: None, epoch: 0 }, &map(), out);
    }

    fn read(r: &mut Replica, key: u64) -> NodeOut {
        let mut out = NodeOut::default();
        r.on_request(2, ReplicaRequest::Read { req: 7, key, fence: None, epoch: 0 }, &map(), &mut out);
        out
    }

    fn fetched(key: u64, values: &[u64]) -> RepairMsg {
        let versions = (!values.is_empty()).then(|| Arc::new(values.iter().map(|&v| version(v)).collect()));
        RepairMsg::Fetched { key, versions }
    }

    fn fetches(out: &NodeOut) -> Vec<u32> {
        out.sends.iter().filter(|(_, m)| matches!(m, Msg::Repair(RepairMsg::Fetch { .. }))).map(|s| s.0).collect()
    }

    #[test]
    fn the_group_commit_runs_on_its_interval_and_a_crash_loses_only_what_came_after() {
        let (mut r, out) = replica(FsyncPolicy::EveryMs(100), None);
        assert_eq!(out.timers, [(100, Timer::Disk(DiskTimer::Sync))]);
        let mut out = NodeOut::default();
        write(&mut r, 1, 10, &mut out);
        assert!(matches!(out.sends[..], [(1, Msg::Replied(ReplicaAnswer::WriteAck { req: 10 }))]), "acked unsynced");
        r.on_timer(DiskTimer::Sync, 0, &map(), &mut out);
        assert_eq!(out.timers, [(100, Timer::Disk(DiskTimer::Sync))], "armed again");
        write(&mut r, 2, 20, &mut out);
        r.crash();
        assert_eq!((r.store().get(1).len(), r.store().get(2).len()), (1, 0));
        assert_eq!((r.store().stats().fsyncs, r.store().stats().unsynced_lost), (1, 1));
    }

    #[test]
    fn under_fsync_always_no_timer_is_armed_and_a_crash_keeps_every_acknowledged_write() {
        let (mut r, out) = replica(FsyncPolicy::Always, None);
        if bugs::on(Bug::AckBeforeSync) {
            // The broken build acknowledges first and syncs later: the crash takes the write.
            assert_eq!(out.timers, [(BUG_SYNC_DELAY_MS, Timer::Disk(DiskTimer::Sync))]);
            return;
        }
        assert!(out.timers.is_empty());
        let mut out = NodeOut::default();
        write(&mut r, 1, 10, &mut out);
        r.crash();
        assert_eq!(r.store().get(1).len(), 1);
    }

    #[test]
    fn a_damaged_record_is_not_answered_for_until_every_other_replica_answered_its_repair() {
        let (mut r, out) = replica(FsyncPolicy::Always, Some(1_000));
        assert_eq!(out.timers, [(1_000, Timer::Disk(DiskTimer::Scrub))]);
        let mut out = NodeOut::default();
        write(&mut r, 5, 10, &mut out);
        r.store_mut().corrupt(1.0, &mut ChaCha8Rng::seed_from_u64(1));
        if bugs::on(Bug::ServeCorrupt) {
            return;
        }
        assert!(read(&mut r, 5).sends.is_empty(), "no answer: not a claim that the key is empty");
        let mut out = NodeOut::default();
        r.send_repairs(0, &map(), &mut out);
        assert_eq!(fetches(&out), [1, 2], "every other replica of the key");
        assert_eq!(out.timers, [(REPAIR_RETRY_MS, Timer::Disk(DiskTimer::Repair))]);
        r.on_repair(1, fetched(5, &[10]), &mut out);
        assert!(read(&mut r, 5).sends.is_empty(), "replica 2 has not answered: it may hold more");
        let mut out = NodeOut::default();
        r.on_timer(DiskTimer::Repair, 0, &map(), &mut out);
        assert_eq!(fetches(&out), [2], "only the replica that owes an answer is asked again");
        r.on_repair(2, fetched(5, &[11]), &mut out);
        let answer = read(&mut r, 5);
        assert!(matches!(&answer.sends[..], [(2, Msg::Replied(ReplicaAnswer::ReadReply { versions: Some(v), .. }))]
            if v.len() == 2));
        let stats = r.store().stats();
        assert_eq!((stats.corrupt_detected, stats.corrupt_repaired), (1, 1));
    }

    #[test]
    fn a_scrub_finds_damage_no_reader_asked_for_and_a_restart_resumes_its_repair() {
        let (mut r, _) = replica(FsyncPolicy::Always, Some(1_000));
        let mut out = NodeOut::default();
        (0..4).for_each(|k| write(&mut r, k, k + 1, &mut out));
        let damaged = r.store_mut().corrupt(0.25, &mut ChaCha8Rng::seed_from_u64(3));
        let mut out = NodeOut::default();
        r.on_timer(DiskTimer::Scrub, 0, &map(), &mut out);
        assert!(out.timers.contains(&(1_000, Timer::Disk(DiskTimer::Scrub))), "the scrub is armed again");
        if bugs::on(Bug::ServeCorrupt) {
            return;
        }
        assert_eq!(fetches(&out), [1, 2]);
        r.crash();
        let mut out = NodeOut::default();
        r.boot(0, &map(), &mut out);
        assert_eq!(fetches(&out), [1, 2], "the key is still owed after the crash");
        let key = damaged[0].0;
        r.on_repair(1, fetched(key, &[key + 1]), &mut out);
        r.on_repair(2, fetched(key, &[]), &mut out);
        assert_eq!(r.store().get(key).len(), 1);
        assert!(!read(&mut r, key).sends.is_empty());
    }

    #[test]
    fn two_replicas_with_the_same_key_damaged_repair_from_the_third_without_waiting_on_each_other() {
        if bugs::on(Bug::ServeCorrupt) {
            return;
        }
        let (mut a, _) = replica(FsyncPolicy::Always, None);
        let mut out = NodeOut::default();
        write(&mut a, 5, 10, &mut out);
        a.store_mut().corrupt(1.0, &mut ChaCha8Rng::seed_from_u64(1));
        assert!(read(&mut a, 5).sends.is_empty());
        // Replica 1, damaged too, asks this one: it answers with what it holds intact (nothing).
        let mut out = NodeOut::default();
        a.on_repair(1, RepairMsg::Fetch { key: 5 }, &mut out);
        assert!(matches!(&out.sends[..], [(1, Msg::Repair(RepairMsg::Fetched { key: 5, versions: None }))]));
        a.send_repairs(0, &map(), &mut out);
        a.on_repair(1, fetched(5, &[]), &mut out);
        a.on_repair(2, fetched(5, &[10]), &mut out);
        assert!(!read(&mut a, 5).sends.is_empty(), "served again, with the third replica's copy");
    }
}
