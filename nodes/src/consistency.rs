//! Per-request consistency levels: how many replica answers a request waits for.

use std::fmt;

/// A consistency level, resolved against the replication factor N per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Consistency {
    /// One replica.
    One,
    /// A majority: N/2 + 1.
    Quorum,
    /// All N replicas.
    All,
    /// An explicit number of replicas (1..=N).
    Count(u8),
}

impl Consistency {
    /// The number of answers this level needs with `n` replicas.
    pub fn required(self, n: u8) -> u8 {
        match self {
            Consistency::One => 1,
            Consistency::Quorum => n / 2 + 1,
            Consistency::All => n,
            Consistency::Count(k) => k,
        }
    }
}

impl fmt::Display for Consistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Consistency::One => f.write_str("ONE"),
            Consistency::Quorum => f.write_str("QUORUM"),
            Consistency::All => f.write_str("ALL"),
            Consistency::Count(k) => write!(f, "{k}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_answers_follow_n() {
        assert_eq!(Consistency::One.required(5), 1);
        assert_eq!(Consistency::Quorum.required(5), 3);
        assert_eq!(Consistency::Quorum.required(4), 3);
        assert_eq!(Consistency::Quorum.required(3), 2);
        assert_eq!(Consistency::All.required(5), 5);
        assert_eq!(Consistency::Count(2).required(5), 2);
    }
}
