//! The trace hash: a fingerprint of the ordered event log, equal for equal runs.

use nodes::{VersionVector, Versioned};

/// 64-bit FNV-1a over a canonical byte encoding. Written out here, not taken from std, because
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

    /// Mixes in a number.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Mixes in a version vector, with its length so adjacent fields cannot alias.
    pub fn version(&mut self, vv: &VersionVector) {
        self.u64(vv.entries().len() as u64);
        for &(node, counter) in vv.entries() {
            self.u64(node as u64);
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
}
