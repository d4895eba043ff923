//! Which members vote and may lead: spread over zones, and kept up by the leader one member at a
//! time (Raft's single-server changes, so the old and new sets' majorities always overlap).
//!
//! The first set takes members round-robin over zones (lowest addresses first), so losing one
//! zone loses as few voters as it can. Later the leader, with no other change in flight, makes
//! at most one change per step: it removes a voter it has not heard from for `down_ms`, adds a
//! live member from the zone with the fewest voters while the set is short, and moves a voter
//! out of a zone holding two more than another zone with a live candidate. Before, the voters
//! were the seven lowest addresses for good: losing four of them stopped elections however
//! many nodes were up.

use crate::actor::Addr;

/// The first voters: up to `count` of `members`, round-robin over their zones.
pub(super) fn initial(members: &[Addr], zone_of: impl Fn(Addr) -> Option<u16>, count: usize) -> Vec<Addr> {
    let mut by_zone: std::collections::BTreeMap<u16, Vec<Addr>> = std::collections::BTreeMap::new();
    for &m in members {
        by_zone.entry(zone_of(m).unwrap_or(0)).or_default().push(m);
    }
    let mut chosen = Vec::with_capacity(count);
    for round in 0.. {
        let before = chosen.len();
        for zone in by_zone.values() {
            if let Some(&m) = zone.get(round) {
                if chosen.len() < count {
                    chosen.push(m);
                }
            }
        }
        if chosen.len() == before || chosen.len() == count {
            break;
        }
    }
    chosen.sort_unstable();
    chosen
}

/// What the leader knows of one member when it weighs a voter change.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate {
    /// The member.
    pub(super) addr: Addr,
    /// Its zone.
    pub(super) zone: u16,
    /// Heard from recently (within the longest election timeout).
    pub(super) live: bool,
    /// Not heard from for the voter down time.
    pub(super) down: bool,
}

/// The next voter set, differing from `voters` by one member, or `None` when none is due.
/// `leader` is never removed; `target` is the wanted size.
pub(super) fn next(voters: &[Addr], members: &[Candidate], leader: Addr, target: usize) -> Option<Vec<Addr>> {
    let is_voter = |a: Addr| voters.binary_search(&a).is_ok();
    let without = |gone: Addr| Some(voters.iter().copied().filter(|&v| v != gone).collect());
    // A voter gone quiet for long leaves first: removing it keeps the majority reachable.
    if let Some(gone) = members.iter().find(|c| c.down && c.addr != leader && is_voter(c.addr)) {
        if voters.len() > 1 {
            return without(gone.addr);
        }
    }
    let zones = members.iter().map(|c| c.zone as usize + 1).max().unwrap_or(0);
    let mut count = vec![0usize; zones];
    for c in members.iter().filter(|c| is_voter(c.addr)) {
        count[c.zone as usize] += 1;
    }
    // The live non-voter in the zone with the fewest voters (then lowest address).
    let best = members
        .iter()
        .filter(|c| c.live && !c.down && !is_voter(c.addr))
        .min_by_key(|c| (count[c.zone as usize], c.addr));
    let best = best?;
    if voters.len() < target {
        let mut grown = voters.to_vec();
        grown.push(best.addr);
        grown.sort_unstable();
        return Some(grown);
    }
    // A zone holding two more voters than the best candidate's: give one up (the next step adds
    // the candidate). The leader stays.
    let crowded = members
        .iter()
        .filter(|c| is_voter(c.addr) && c.addr != leader && count[c.zone as usize] > count[best.zone as usize] + 1)
        .max_by_key(|c| (count[c.zone as usize], c.addr))?;
    without(crowded.addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(a: Addr) -> Option<u16> {
        Some((a % 3) as u16)
    }

    fn members(n: u32, live: impl Fn(Addr) -> bool, down: impl Fn(Addr) -> bool) -> Vec<Candidate> {
        (0..n).map(|a| Candidate { addr: a, zone: (a % 3) as u16, live: live(a), down: down(a) }).collect()
    }

    #[test]
    fn the_first_voters_spread_over_zones() {
        let all: Vec<Addr> = (0..30).collect();
        let v = initial(&all, |a| Some((a / 10) as u16), 7);
        assert_eq!(v, [0, 1, 2, 10, 11, 20, 21], "3 + 2 + 2 over three zones, lowest addresses first");
        assert_eq!(initial(&[4, 9], zone, 7), [4, 9], "never more voters than members");
    }

    #[test]
    fn a_dead_voter_is_removed_then_replaced_from_the_emptiest_zone() {
        let voters = initial(&(0..30).collect::<Vec<_>>(), zone, 7);
        assert_eq!(voters, [0, 1, 2, 3, 4, 5, 6]);
        let down = |a: Addr| a == 3;
        let step = next(&voters, &members(30, |a| !down(a), down), 0, 7).expect("a change");
        assert_eq!(step, [0, 1, 2, 4, 5, 6], "the dead voter goes first");
        let step = next(&step, &members(30, |a| !down(a), down), 0, 7).expect("a change");
        assert_eq!(step, [0, 1, 2, 4, 5, 6, 7], "every zone holds two: the lowest live non-voter joins");
        assert_eq!(next(&step, &members(30, |a| !down(a), down), 0, 7), None, "settled");
    }

    #[test]
    fn the_leader_is_never_removed_and_a_crowded_zone_gives_one_up() {
        let voters = vec![0, 1, 3, 6, 9];
        // Zone 0 holds four voters, zone 2 none though it has live members.
        let all = members(12, |_| true, |_| false);
        let step = next(&voters, &all, 0, 5).expect("a move");
        assert!(!step.contains(&9) && step.contains(&0) && step.len() == 4, "{step:?}");
        let step = next(&step, &all, 0, 5).expect("the add");
        assert!(step.contains(&2), "zone 2's lowest member joins: {step:?}");
        let lone = members(12, |a| a == 0, |a| a != 0);
        assert_eq!(next(&[0], &lone, 0, 5), None, "a lone leader keeps itself");
    }

    #[test]
    fn no_change_without_a_live_candidate() {
        let voters = vec![0, 1, 2];
        let all = members(3, |_| true, |_| false);
        assert_eq!(next(&voters, &all, 0, 7), None, "every member votes already");
    }
}
