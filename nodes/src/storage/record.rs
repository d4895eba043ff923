//! A key's record as the disk stores it: its versions and a checksum over them, computed when
//! the record is written. Damage on disk changes the versions but not the checksum, so a
//! reader that checks finds the mismatch and does not serve the record.

use std::sync::Arc;

use super::version::Versioned;
use crate::bugs::{self, Bug};

/// One key's stored versions and their checksum.
#[derive(Clone, Debug)]
pub struct Record {
    /// The versions (siblings), shared with read replies still on their way.
    pub versions: Arc<Vec<Versioned>>,
    /// [`checksum`] of `versions` when they were written.
    sum: u64,
}

impl Default for Record {
    fn default() -> Self {
        Record::new(Arc::default())
    }
}

impl Record {
    /// A record of `versions`, checksummed.
    pub fn new(versions: Arc<Vec<Versioned>>) -> Self {
        let sum = checksum(&versions);
        Record { versions, sum }
    }

    /// Recomputes the checksum after the versions were changed by a write.
    pub fn seal(&mut self) {
        self.sum = checksum(&self.versions);
    }

    /// True when the versions still match their checksum (always true in the
    /// `--bug serve-corrupt` run, which skips the check).
    pub fn intact(&self) -> bool {
        bugs::on(Bug::ServeCorrupt) || checksum(&self.versions) == self.sum
    }

    /// Damages the stored bytes: every version's value is XORed with `mask`, the checksum is
    /// left as written. Returns the damaged values.
    pub fn damage(&mut self, mask: u64) -> Vec<u64> {
        let versions = Arc::make_mut(&mut self.versions);
        versions
            .iter_mut()
            .map(|v| {
                v.value ^= mask;
                v.value
            })
            .collect()
    }
}

/// A cheap 64-bit checksum over every field of every version. Each step is a bijection of
/// the running state for a fixed input, so changing any single field always changes the sum.
pub fn checksum(versions: &[Versioned]) -> u64 {
    let mut h = 0x243F_6A88_85A3_08D3u64 ^ versions.len() as u64;
    let mut mix = |x: u64| h = (h ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    for v in versions {
        mix(v.dot.node as u64);
        mix(v.dot.counter);
        mix(v.stamp);
        mix(v.value);
        for &(entry, counter) in v.context.entries() {
            mix(entry);
            mix(counter);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Context, Dot};

    fn record() -> Record {
        let seen = Context::of([Dot { node: 1, counter: 1 }]);
        let v = |counter, value| Versioned { dot: Dot { node: 2, counter }, context: seen.clone(), stamp: 5, value };
        Record::new(Arc::new(vec![v(1, 10), v(2, 20)]))
    }

    #[test]
    fn damage_is_detected_and_a_rewrite_seals_it_again() {
        let mut r = record();
        assert!(r.intact());
        let damaged = r.damage(1 << 63);
        assert_eq!(damaged, [10 | 1 << 63, 20 | 1 << 63]);
        assert_eq!(r.intact(), bugs::on(Bug::ServeCorrupt), "the checksum no longer matches");
        r.seal();
        assert!(r.intact());
    }

    #[test]
    fn any_single_field_changes_the_checksum() {
        let r = record();
        let base = checksum(&r.versions);
        let mut changed = vec![];
        for field in 0..4 {
            let mut vs = r.versions.to_vec();
            match field {
                0 => vs[1].dot.node ^= 1,
                1 => vs[0].dot.counter += 1,
                2 => vs[1].stamp += 1,
                _ => vs[0].context = Context::new(),
            }
            changed.push(checksum(&vs) != base);
        }
        assert_eq!(changed, [true; 4]);
    }
}
