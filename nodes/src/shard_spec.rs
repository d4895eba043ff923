//! What each shard is declared to be: its replication factor N and its consistency
//! requirement. Fixed for a run (a migration replaces replicas one for one, so a shard keeps its
//! N); the leader's map starts from it, and clients resolve their levels by it.

/// How fresh a shard's reads must be.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Requirement {
    /// Reads and writes at the levels clients ask (a read at ONE may miss a write).
    #[default]
    Eventual,
    /// Every read sees every write acknowledged before it began: coordinators raise reads and
    /// writes to at least a quorum of the shard's own replicas, and no stand-in counts toward W.
    Strong,
}

impl Requirement {
    /// The name scenarios and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Requirement::Eventual => "eventual",
            Requirement::Strong => "strong",
        }
    }
}

/// Per shard: replication factor and requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    n: Vec<u8>,
    requirement: Vec<Requirement>,
}

impl ShardSpec {
    /// `shards` shards, each with N = `n` and requirement `requirement`.
    pub fn uniform(shards: u32, n: u8, requirement: Requirement) -> Self {
        ShardSpec { n: vec![n; shards as usize], requirement: vec![requirement; shards as usize] }
    }

    /// Gives shards `first..=last` N = `n` and `requirement` (shards past the count are ignored).
    pub fn with_class(mut self, (first, last): (u32, u32), n: u8, requirement: Requirement) -> Self {
        for s in first..=last.min(self.shards().saturating_sub(1)) {
            self.n[s as usize] = n;
            self.requirement[s as usize] = requirement;
        }
        self
    }

    /// Number of shards.
    pub fn shards(&self) -> u32 {
        self.n.len() as u32
    }

    /// N of `shard`.
    pub fn n_of(&self, shard: u32) -> u8 {
        self.n[shard as usize]
    }

    /// The requirement of `shard`.
    pub fn requirement_of(&self, shard: u32) -> Requirement {
        self.requirement[shard as usize]
    }

    /// The shard `key` belongs to (the same hash the shard map routes by).
    pub fn shard_of(&self, key: u64) -> u32 {
        shard_of_key(key, self.shards())
    }

    /// N of `key`'s shard.
    pub fn n_of_key(&self, key: u64) -> u8 {
        self.n_of(self.shard_of(key))
    }

    /// Every shard's requirement, by shard.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirement
    }

    /// Smallest and largest N over the shards.
    pub fn n_range(&self) -> (u8, u8) {
        let lo = self.n.iter().copied().min().unwrap_or(0);
        let hi = self.n.iter().copied().max().unwrap_or(0);
        (lo, hi)
    }
}

/// The shard of `key` among `shards`: a fixed hash of the key, modulo the shard count.
pub fn shard_of_key(key: u64, shards: u32) -> u32 {
    (mix64(key) % u64::from(shards.max(1))) as u32
}

/// SplitMix64 finalizer: a fixed, well-spread hash that never changes across Rust versions.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_override_their_shards_only() {
        let spec = ShardSpec::uniform(8, 3, Requirement::Eventual).with_class((2, 4), 5, Requirement::Strong);
        let n: Vec<u8> = (0..8).map(|s| spec.n_of(s)).collect();
        assert_eq!(n, [3, 3, 5, 5, 5, 3, 3, 3]);
        assert_eq!(spec.requirement_of(1), Requirement::Eventual);
        assert_eq!(spec.requirement_of(4), Requirement::Strong);
        assert_eq!(spec.n_range(), (3, 5));
    }

    #[test]
    fn a_keys_n_is_its_shards() {
        let spec = ShardSpec::uniform(4, 2, Requirement::Eventual).with_class((0, 0), 4, Requirement::Eventual);
        for key in 0..100 {
            assert_eq!(spec.n_of_key(key), if shard_of_key(key, 4) == 0 { 4 } else { 2 });
        }
    }
}
