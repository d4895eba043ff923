//! Which replicas a targeted read asks, and in what order: this node first when it is a replica
//! (it answers without a message), then the others in a rotation that starts at a different
//! replica for each request (spreading the load), those behind an open breaker last.

use crate::actor::Addr;

/// The next replica a targeted read asks, as an index into `replicas`: the first in preference
/// order not in `asked` (bit i: replica i was asked); `None` when all were. `start` turns the
/// rotation; `healthy` tells whether a replica's breaker is closed.
pub(super) fn next_target(
    replicas: &[Addr],
    me: Addr,
    start: usize,
    asked: u64,
    healthy: impl Fn(Addr) -> bool,
) -> Option<usize> {
    let n = replicas.len();
    debug_assert!(n <= 64, "the asked bitmask holds 64 replicas");
    let unasked = |i: usize| asked & (1 << i) == 0;
    if let Some(i) = replicas.iter().position(|&r| r == me) {
        if unasked(i) {
            return Some(i);
        }
    }
    let rotation = (0..n).map(|k| (start + k) % n).filter(|&i| unasked(i) && replicas[i] != me);
    let mut behind_breaker = None;
    for i in rotation {
        if healthy(replicas[i]) {
            return Some(i);
        }
        behind_breaker = behind_breaker.or(Some(i));
    }
    behind_breaker
}

/// The first `count` replicas a targeted read asks, as a bitmask over `replicas`.
pub(super) fn first_targets(
    replicas: &[Addr],
    me: Addr,
    start: usize,
    count: usize,
    healthy: impl Fn(Addr) -> bool,
) -> u64 {
    let mut asked = 0u64;
    for _ in 0..count.min(replicas.len()) {
        match next_target(replicas, me, start, asked, &healthy) {
            Some(i) => asked |= 1 << i,
            None => break,
        }
    }
    asked
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: [Addr; 3] = [4, 7, 9];

    #[test]
    fn this_node_comes_first_when_it_is_a_replica() {
        assert_eq!(next_target(&SET, 7, 2, 0, |_| true), Some(1));
        assert_eq!(first_targets(&SET, 7, 2, 2, |_| true), 0b110, "then the rotation from replica 2");
        assert_eq!(first_targets(&SET, 7, 0, 2, |_| true), 0b011);
    }

    #[test]
    fn the_rotation_start_spreads_reads_over_the_replicas() {
        let firsts: Vec<u64> = (0..3).map(|start| first_targets(&SET, 1, start, 1, |_| true)).collect();
        assert_eq!(firsts, [0b001, 0b010, 0b100]);
    }

    #[test]
    fn replicas_behind_an_open_breaker_come_last_but_are_never_excluded() {
        let healthy = |r: Addr| r != 4;
        assert_eq!(first_targets(&SET, 1, 0, 1, healthy), 0b010, "4 is skipped");
        assert_eq!(first_targets(&SET, 1, 0, 2, healthy), 0b110);
        assert_eq!(first_targets(&SET, 1, 0, 3, healthy), 0b111, "needed for R = 3: asked anyway");
        assert_eq!(next_target(&SET, 1, 0, 0b110, healthy), Some(0), "a hedge after the healthy ones");
        assert_eq!(next_target(&SET, 1, 0, 0b111, healthy), None);
    }

    #[test]
    fn hedges_ask_the_next_replica_in_the_same_order() {
        let asked = first_targets(&SET, 9, 1, 1, |_| true);
        assert_eq!(asked, 0b100, "this node");
        assert_eq!(next_target(&SET, 9, 1, asked, |_| true), Some(1));
        assert_eq!(next_target(&SET, 9, 1, asked | 0b010, |_| true), Some(0));
    }
}
