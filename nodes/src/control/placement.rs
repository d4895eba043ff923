//! The evaluation loop's placement target: which live replica should be each shard's primary,
//! spreading primaries evenly while moving as few shards as possible. A pure function of what
//! the leader knows, so it is tested on its own.

use crate::actor::Addr;
use crate::membership::Members;

/// The primaries the leader aims for.
///
/// `current` is the committed plan (a vacancy keeps its `planned` destination), `replicas` each
/// shard's replica set, and `live[slot]` whether the member in that slot counts as live.
/// Primaries on dead nodes are dropped, vacant shards go to their least loaded live replica,
/// then, with `rebalance`, shards move from the most to the least loaded live node while the
/// spread exceeds one.
pub(super) fn target(
    current: &[Option<Addr>],
    planned: &[Option<Addr>],
    replicas: &[Vec<Addr>],
    members: &Members,
    live: &[bool],
    rebalance: bool,
) -> Vec<Option<Addr>> {
    let slot = |a: Addr| members.slot(a).filter(|&s| live[s]);
    let mut target = current.to_vec();
    for (t, planned) in target.iter_mut().zip(planned) {
        if t.is_none() {
            *t = *planned;
        }
    }
    let mut count = vec![0u32; members.len()];
    for p in target.iter_mut() {
        match p.and_then(slot) {
            Some(s) => count[s] += 1,
            None => *p = None,
        }
    }
    // Unassigned shards go to their least loaded live replica.
    for (p, replicas) in target.iter_mut().zip(replicas) {
        if p.is_none() {
            let best = replicas.iter().filter_map(|&r| slot(r).map(|s| (count[s], r, s))).min();
            if let Some((_, r, s)) = best {
                *p = Some(r);
                count[s] += 1;
            }
        }
    }
    // Move shards from the most to the least loaded live node while the spread exceeds one.
    // Each pass moves every shard it can: restarting the scan after each move was quadratic
    // when a restarted node had thousands of shards to take back.
    let passes = if rebalance { target.len() } else { 0 };
    for _ in 0..passes {
        let mut moved = false;
        for (p, replicas) in target.iter_mut().zip(replicas) {
            let Some(from) = p.and_then(|a| members.slot(a)) else { continue };
            let to = replicas
                .iter()
                .filter_map(|&r| slot(r).map(|s| (count[s], r, s)))
                .filter(|&(c, _, _)| c + 1 < count[from])
                .min();
            if let Some((_, r, s)) = to {
                *p = Some(r);
                count[from] -= 1;
                count[s] += 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(shards: u32, nodes: &[Addr]) -> Vec<Vec<Addr>> {
        let n = nodes.len() as u32;
        (0..shards).map(|s| (0..3).map(|i| nodes[((s + i) % n) as usize]).collect()).collect()
    }

    #[test]
    fn vacant_shards_spread_over_live_replicas_evenly() {
        let nodes = [10, 20, 30, 40, 50];
        let members = Members::new(nodes);
        let t = target(&[None; 10], &[None; 10], &ring(10, &nodes), &members, &[true; 5], true);
        let mut count = [0; 5];
        for p in &t {
            count[members.slot(p.expect("assigned")).unwrap()] += 1;
        }
        assert_eq!(count, [2; 5]);
    }

    #[test]
    fn a_dead_primary_loses_its_shards_and_healthy_ones_stay() {
        let nodes = [0, 1, 2];
        let members = Members::new(nodes);
        let replicas = ring(3, &nodes);
        let current = [Some(0), Some(1), Some(2)];
        let t = target(&current, &[None; 3], &replicas, &members, &[true, false, true], true);
        assert_eq!(t[0], Some(0), "healthy primaries are not moved");
        assert_eq!(t[2], Some(2));
        assert!(t[1].is_some_and(|p| p != 1), "shard 1 leaves the dead node: {t:?}");
    }

    #[test]
    fn a_vacancy_keeps_its_planned_destination_and_imbalance_is_evened_out() {
        let nodes = [0, 1, 2];
        let members = Members::new(nodes);
        let replicas = vec![vec![0, 1, 2]; 4];
        let t = target(
            &[Some(0), Some(0), Some(0), None],
            &[None, None, None, Some(2)],
            &replicas,
            &members,
            &[true; 3],
            true,
        );
        assert_eq!(t[3], Some(2), "the planned grant is kept");
        let on = |n| t.iter().filter(|p| **p == Some(n)).count();
        assert!(on(0) <= 2 && on(1) >= 1, "{t:?}");
    }

    #[test]
    fn without_rebalancing_only_dead_primaries_move() {
        let nodes = [0, 1, 2];
        let members = Members::new(nodes);
        let replicas = vec![vec![0, 1, 2]; 4];
        let current = [Some(0), Some(0), Some(0), Some(1)];
        let frozen = target(&current, &[None; 4], &replicas, &members, &[true; 3], false);
        assert_eq!(frozen, current, "a live primary stays put however uneven the spread");
        let t = target(&current, &[None; 4], &replicas, &members, &[true, false, true], false);
        assert_eq!(&t[..3], &current[..3]);
        assert!(t[3].is_some_and(|p| p != 1), "the dead node's shard still moves: {t:?}");
    }
}
