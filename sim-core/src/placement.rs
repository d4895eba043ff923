//! Where each shard lived over a run, from the history alone: its primary over time (each
//! node's reported roles, bounded by the node's lease and cut by its crashes, as
//! [`tenures`](crate::check::primaries::tenures) reads them) and its replica set over time (the
//! starting map, then the set each committed migration step carried). The voter set over time
//! comes from the leaders' voter proposals. Nothing here re-runs the system's placement logic.

use std::collections::BTreeMap;

use crate::check::primaries::{tenures, Tenure};
use crate::history::{ControlEvent, History};

/// A stretch of time over which a shard's primary and replica set stayed the same.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Start, simulated ms.
    pub from_ms: u64,
    /// End (exclusive), simulated ms.
    pub to_ms: u64,
    /// The node acting as primary (`None`: nobody held the shard).
    pub primary: Option<u32>,
    /// The replica set (empty when the history does not record it).
    pub replicas: Vec<u32>,
}

/// One shard's placement over the whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardPlacement {
    /// The shard.
    pub shard: u32,
    /// Its spans, in time order, covering the run from 0 to its end without gaps.
    pub spans: Vec<Span>,
}

impl ShardPlacement {
    /// True when the shard moved after the start: it had more than one primary (a node losing
    /// and regaining the shard is no move), or its replica set changed.
    pub fn moved(&self) -> bool {
        let mut primaries = self.spans.iter().filter_map(|s| s.primary);
        let first = primaries.next();
        let replicas = self.spans.first().map(|s| &s.replicas);
        primaries.any(|p| Some(p) != first) || self.spans.iter().any(|s| Some(&s.replicas) != replicas)
    }

    /// The primaries in order, consecutive spans under the same primary merged, spans without
    /// one left out: `(node, from_ms, to_ms)`.
    pub fn primary_runs(&self) -> Vec<(u32, u64, u64)> {
        let mut out: Vec<(u32, u64, u64)> = Vec::new();
        for s in &self.spans {
            let Some(p) = s.primary else { continue };
            match out.last_mut() {
                Some(last) if last.0 == p && last.2 == s.from_ms => last.2 = s.to_ms,
                _ => out.push((p, s.from_ms, s.to_ms)),
            }
        }
        out
    }
}

/// Every shard's placement from 0 to `end_ms`, by shard.
pub fn placements(history: &History, end_ms: u64) -> Vec<ShardPlacement> {
    let mut held: BTreeMap<u32, Vec<Tenure>> = BTreeMap::new();
    for t in tenures(history, end_ms) {
        held.entry(t.shard).or_default().push(t);
    }
    let mut moves: BTreeMap<u32, Vec<(u64, &[u32])>> = BTreeMap::new();
    for m in history.migrations.iter().filter(|m| !m.replicas.is_empty()) {
        moves.entry(m.shard).or_default().push((m.at_ms, &m.replicas));
    }
    (0..history.shards)
        .map(|shard| {
            let start = history.start_replica_sets.get(shard as usize).map_or(&[][..], Vec::as_slice);
            let sets = replica_changes(start, moves.get(&shard).map_or(&[][..], Vec::as_slice));
            let spans = spans(held.get(&shard).map_or(&[][..], Vec::as_slice), &sets, end_ms);
            ShardPlacement { shard, spans }
        })
        .collect()
}

/// The replica set's changes: the start set at 0, then each recorded set that differs from the
/// one before it (leaders report a step again after an election; repeats change nothing).
fn replica_changes<'a>(start: &'a [u32], recorded: &[(u64, &'a [u32])]) -> Vec<(u64, &'a [u32])> {
    let mut out = vec![(0, start)];
    for &(at_ms, set) in recorded {
        if out.last().is_some_and(|&(_, last)| last != set) {
            out.push((at_ms, set));
        }
    }
    out
}

/// The spans of one shard from its tenures (sorted by start) and its replica set changes.
/// Where two tenures overlap (a safety violation the ownership checker reports), the one that
/// began later is shown.
fn spans(held: &[Tenure], sets: &[(u64, &[u32])], end_ms: u64) -> Vec<Span> {
    let mut cuts: Vec<u64> = vec![0, end_ms];
    cuts.extend(held.iter().flat_map(|t| [t.from_ms, t.to_ms]));
    cuts.extend(sets.iter().map(|&(at, _)| at));
    cuts.retain(|&t| t <= end_ms);
    cuts.sort_unstable();
    cuts.dedup();
    let mut out: Vec<Span> = Vec::new();
    for w in cuts.windows(2) {
        let (from_ms, to_ms) = (w[0], w[1]);
        let primary = held.iter().rev().find(|t| t.from_ms <= from_ms && from_ms < t.to_ms).map(|t| t.node);
        let replicas = sets.iter().rev().find(|&&(at, _)| at <= from_ms).map_or(&[][..], |&(_, s)| s);
        match out.last_mut() {
            Some(last) if last.primary == primary && last.replicas == replicas => last.to_ms = to_ms,
            _ => out.push(Span { from_ms, to_ms, primary, replicas: replicas.to_vec() }),
        }
    }
    out
}

/// A voter set a leader proposed, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoterSet {
    /// Simulated time of the proposal.
    pub at_ms: u64,
    /// The voters, as proposed.
    pub voters: Vec<u32>,
}

/// The voter sets leaders proposed, in time order: the first, then each one that differs
/// from the set before it (empty when the history records no voter proposal).
pub fn voter_sets(history: &History) -> Vec<VoterSet> {
    let mut out: Vec<VoterSet> = Vec::new();
    for c in &history.control {
        if let ControlEvent::Voters { voters, .. } = &c.event {
            if out.last().is_none_or(|last| &last.voters != voters) {
                out.push(VoterSet { at_ms: c.at_ms, voters: voters.clone() });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{MigrationRecord, MigrationStep, NodeChange};

    /// Three nodes, two shards on all three; node `0` reports shard 0 at 100 ms with a lease
    /// to 10 s.
    fn history() -> History {
        let mut h = History::new();
        h.nodes = 4;
        h.shards = 2;
        h.start_replica_sets = vec![vec![0, 1, 2], vec![1, 2, 0]];
        h.record_control(100, 0, ControlEvent::Roles { epoch: 1, shards: vec![0] });
        h.record_lease(100, 0, 10_000);
        h
    }

    fn migration(h: &mut History, at_ms: u64, step: MigrationStep, replicas: Vec<u32>) {
        h.record_migration(MigrationRecord {
            at_ms,
            node: 0,
            id: 0,
            shard: 0,
            from: vec![0, 1, 2],
            to: 3,
            replaces: None,
            step,
            epoch: at_ms,
            bytes: 0,
            replicas,
        });
    }

    fn summary(p: &ShardPlacement) -> Vec<(u64, u64, Option<u32>, Vec<u32>)> {
        p.spans.iter().map(|s| (s.from_ms, s.to_ms, s.primary, s.replicas.clone())).collect()
    }

    #[test]
    fn a_shard_nobody_moved_has_one_primary_and_its_starting_replicas() {
        let p = placements(&history(), 10_000);
        assert_eq!(summary(&p[0]), vec![(0, 100, None, vec![0, 1, 2]), (100, 10_000, Some(0), vec![0, 1, 2])]);
        assert!(!p[0].moved());
        assert_eq!(summary(&p[1]), vec![(0, 10_000, None, vec![1, 2, 0])], "never held");
        assert!(!p[1].moved());
    }

    #[test]
    fn a_migration_moves_the_replica_set_and_the_primary_at_the_recorded_times() {
        let mut h = history();
        migration(&mut h, 2_000, MigrationStep::Sync, vec![0, 1, 2]);
        h.record_control(3_000, 0, ControlEvent::Roles { epoch: 3, shards: vec![] });
        migration(&mut h, 3_000, MigrationStep::Transfer, vec![3, 0, 1]);
        h.record_control(3_200, 3, ControlEvent::Roles { epoch: 4, shards: vec![0] });
        h.record_lease(3_200, 3, 12_000);
        migration(&mut h, 5_000, MigrationStep::Done, vec![3, 0, 1]);
        // A new leader reports the finished migration again: no change.
        migration(&mut h, 7_000, MigrationStep::Done, vec![3, 0, 1]);
        let p = &placements(&h, 10_000)[0];
        assert_eq!(
            summary(p),
            vec![
                (0, 100, None, vec![0, 1, 2]),
                (100, 3_000, Some(0), vec![0, 1, 2]),
                (3_000, 3_200, None, vec![3, 0, 1]),
                (3_200, 10_000, Some(3), vec![3, 0, 1]),
            ]
        );
        assert!(p.moved());
        assert_eq!(p.primary_runs(), vec![(0, 100, 3_000), (3, 3_200, 10_000)]);
    }

    #[test]
    fn a_rollback_restores_the_recorded_set_and_a_regained_shard_is_no_move() {
        let mut h = history();
        migration(&mut h, 3_000, MigrationStep::Transfer, vec![3, 0, 1]);
        migration(&mut h, 4_000, MigrationStep::RolledBack, vec![0, 1, 2]);
        let p = &placements(&h, 10_000)[0];
        let sets: Vec<(u64, Vec<u32>)> = p.spans.iter().map(|s| (s.from_ms, s.replicas.clone())).collect();
        assert_eq!(
            sets,
            vec![(0, vec![0, 1, 2]), (100, vec![0, 1, 2]), (3_000, vec![3, 0, 1]), (4_000, vec![0, 1, 2])]
        );
        assert!(p.moved(), "the replica set changed, if only for a while");
        let mut h = history();
        h.record_node(4_000, 0, NodeChange::Crashed);
        h.record_control(6_000, 0, ControlEvent::Roles { epoch: 5, shards: vec![0] });
        h.record_lease(6_000, 0, 10_000);
        let p = &placements(&h, 10_000)[0];
        assert_eq!(p.primary_runs(), vec![(0, 100, 4_000), (0, 6_000, 10_000)]);
        assert!(!p.moved(), "the same node again after a gap");
    }

    #[test]
    fn a_lapsed_lease_leaves_the_shard_without_a_primary_and_a_new_holder_is_a_move() {
        let mut h = History::new();
        h.nodes = 2;
        h.shards = 1;
        h.record_control(0, 0, ControlEvent::Roles { epoch: 1, shards: vec![0] });
        h.record_lease(0, 0, 1_000);
        h.record_control(2_500, 1, ControlEvent::Roles { epoch: 2, shards: vec![0] });
        h.record_lease(2_500, 1, 9_000);
        let p = &placements(&h, 5_000)[0];
        assert_eq!(
            summary(p),
            vec![(0, 1_000, Some(0), vec![]), (1_000, 2_500, None, vec![]), (2_500, 5_000, Some(1), vec![])]
        );
        assert!(p.moved());
    }

    #[test]
    fn overlapping_holders_show_the_later_one() {
        let mut h = History::new();
        h.nodes = 2;
        h.shards = 1;
        h.record_control(0, 0, ControlEvent::Roles { epoch: 1, shards: vec![0] });
        h.record_lease(0, 0, 3_000);
        h.record_control(1_000, 1, ControlEvent::Roles { epoch: 2, shards: vec![0] });
        h.record_lease(1_000, 1, 5_000);
        let p = &placements(&h, 5_000)[0];
        assert_eq!(p.primary_runs(), vec![(0, 0, 1_000), (1, 1_000, 5_000)]);
    }

    #[test]
    fn voter_sets_keep_the_first_and_each_change() {
        let mut h = History::new();
        let voters = |v: &[u32]| ControlEvent::Voters { epoch: 1, voters: v.to_vec() };
        h.record_control(100, 0, voters(&[0, 1, 2]));
        h.record_control(900, 1, voters(&[0, 1, 2]));
        h.record_control(5_000, 1, voters(&[1, 2, 3]));
        let sets = voter_sets(&h);
        let got: Vec<(u64, Vec<u32>)> = sets.into_iter().map(|s| (s.at_ms, s.voters)).collect();
        assert_eq!(got, vec![(100, vec![0, 1, 2]), (5_000, vec![1, 2, 3])]);
        assert!(voter_sets(&History::new()).is_empty());
    }
}
