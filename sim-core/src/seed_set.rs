//! Which seeds a sweep runs: `--seeds 1..1000` (inclusive ranges and lists) and `--shard i/n`
//! (a deterministic 1/n of them, so n machines can split one sweep).

use std::fmt;
use std::str::FromStr;

/// Most seeds one sweep may name, so a typo like `1..1e12` fails fast instead of running forever.
pub const SEEDS_MAX: u64 = 10_000_000;

/// A list of seeds as written on the command line: `1..1000`, `7`, `1..10,20,30..40`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedSet {
    /// Inclusive ranges, in the order written.
    ranges: Vec<(u64, u64)>,
    text: String,
}

impl SeedSet {
    /// Every seed, in the order written, without repeats.
    pub fn seeds(&self) -> Vec<u64> {
        let mut seen = std::collections::BTreeSet::new();
        self.ranges.iter().flat_map(|&(lo, hi)| lo..=hi).filter(|s| seen.insert(*s)).collect()
    }
}

impl FromStr for SeedSet {
    type Err = String;

    /// Parses comma-separated seeds and inclusive ranges `a..b` (`a..=b` is accepted too).
    fn from_str(text: &str) -> Result<SeedSet, String> {
        let mut ranges = Vec::new();
        let mut total: u64 = 0;
        for part in text.split(',').map(str::trim) {
            let number = |s: &str| {
                s.trim().parse::<u64>().map_err(|_| format!("`{s}` in `{text}` is not a seed (a whole number from 0)"))
            };
            let (lo, hi) = match part.split_once("..") {
                Some((lo, hi)) => (number(lo)?, number(hi.strip_prefix('=').unwrap_or(hi))?),
                None => {
                    let seed = number(part)?;
                    (seed, seed)
                }
            };
            if hi < lo {
                return Err(format!("`{part}` is empty: write the lower seed first, e.g. `1..1000`"));
            }
            // `0..18446744073709551615` names 2^64 seeds, one more than a u64 counts: checked
            // arithmetic keeps it from wrapping to 0 and slipping under the cap.
            let count = (hi - lo).checked_add(1);
            total = count.and_then(|c| total.checked_add(c)).unwrap_or(u64::MAX);
            if total > SEEDS_MAX {
                return Err(format!("`{text}` names more than {SEEDS_MAX} seeds"));
            }
            ranges.push((lo, hi));
        }
        Ok(SeedSet { ranges, text: text.to_string() })
    }
}

impl fmt::Display for SeedSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Shard `index` of `count` (0-based): the seeds `s` with `s % count == index`. The split depends
/// only on the seed, so shards of one seed list never overlap and together cover it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// True when `seed` belongs to this shard.
    pub fn contains(&self, seed: u64) -> bool {
        seed % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `i/n` with `0 <= i < n`.
    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("`{text}` is not a shard: write `i/n` with 0 <= i < n, e.g. `0/4`");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive_and_lists_keep_their_order_without_repeats() {
        let set: SeedSet = "1..5".parse().expect("valid");
        assert_eq!(set.seeds(), [1, 2, 3, 4, 5]);
        let set: SeedSet = "9, 1..=3, 2, 7".parse().expect("valid");
        assert_eq!(set.seeds(), [9, 1, 2, 3, 7]);
        assert_eq!(set.to_string(), "9, 1..=3, 2, 7");
    }

    #[test]
    fn malformed_seed_lists_are_rejected() {
        for bad in [
            "",
            "a..b",
            "5..1",
            "1..",
            "-3",
            "0..99999999999",
            "0..18446744073709551615",
            "1..5,0..18446744073709551615",
        ] {
            assert!(bad.parse::<SeedSet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_partition_the_seeds() {
        let seeds: SeedSet = "1..100".parse().expect("valid");
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().expect("valid")).collect();
        let mut covered: Vec<u64> =
            shards.iter().flat_map(|s| seeds.seeds().into_iter().filter(|&x| s.contains(x))).collect();
        covered.sort_unstable();
        assert_eq!(covered, seeds.seeds(), "every seed in exactly one shard");
        for bad in ["3/3", "1", "a/2", "0/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
