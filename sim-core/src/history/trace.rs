//! The trace hash: a fingerprint of the ordered event log, equal for equal runs.

use super::version::{Version, Versioned};

/// 64-bit FNV-1a over a canonical encoding (bytes, and numbers a word at a time). Written out here, not taken from std, because
/// std's hashers may change between Rust versions and a trace hash must not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher { state: 0xcbf2_9ce4_8422_2325 }
    }
}

impl TraceHasher {
    /// Mixes in raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.state ^= b as u64;
            self.state = self.state.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Mixes in a number: FNV-1a's xor-then-multiply on the whole word (with a denser odd
    /// multiplier), then a shift so its high bits reach the low ones. Byte by byte cost eight
    /// multiplies per number, and a run hashes millions of numbers.
    pub fn u64(&mut self, v: u64) {
        self.state = (self.state ^ v).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.state ^= self.state >> 29;
    }

    /// Mixes in a version: its dot, then its context with its length, so adjacent fields
    /// cannot alias.
    pub fn version(&mut self, v: &Version) {
        match v.dot() {
            Some((node, counter)) => {
                self.u64(node as u64);
                self.u64(counter);
            }
            None => self.u64(u64::MAX),
        }
        self.u64(v.context().len() as u64);
        for &(key, counter) in v.context() {
            self.u64(key);
            self.u64(counter);
        }
    }

    /// Mixes in a list of versioned values.
    pub fn versioned(&mut self, items: &[Versioned]) {
        self.u64(items.len() as u64);
        for item in items {
            self.version(&item.version);
            self.u64(item.value);
        }
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        let mut h = TraceHasher::default();
        h.bytes(b"a");
        assert_eq!(h.finish(), 0xaf63dc4c8601ec8c);
        let mut h = TraceHasher::default();
        h.bytes(b"foobar");
        assert_eq!(h.finish(), 0x85944171f73967e8);
    }

    #[test]
    fn numbers_in_another_order_or_differing_in_any_bit_hash_differently() {
        let hash = |vs: &[u64]| {
            let mut h = TraceHasher::default();
            vs.iter().for_each(|&v| h.u64(v));
            h.finish()
        };
        assert_ne!(hash(&[1, 2]), hash(&[2, 1]));
        let base = hash(&[7, 0, 9]);
        for bit in 0..64 {
            assert_ne!(hash(&[7, 1 << bit, 9]), base, "bit {bit}");
        }
        assert_eq!(hash(&[7, 0, 9]), base, "deterministic");
    }
}
