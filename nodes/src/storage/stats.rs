//! Counters of the storage mechanisms (conflicts, repair, hand-off, ...), per node and summed
//! over the cluster for reports. They live outside the volatile parts, so crashes keep them.

/// Storage counters: each names what it counts; all start at zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StorageStats {
    /// Writes a replica refused because the key already held `max_siblings` siblings.
    pub sibling_cap_hits: u64,
    /// Versions a last-write-wins store discarded for an older stamp (they are gone).
    pub lww_discarded: u64,
    /// Reads that found a replica missing a version and repaired it.
    pub read_repairs: u64,
    /// Versions sent to replicas by read repair.
    pub read_repair_versions: u64,
    /// Hedges: one more replica asked because a targeted read's replicas had not all answered
    /// after the hedge delay.
    pub hedges: u64,
    /// Hedges whose replica's answer completed the read while a replica first asked had
    /// still not answered (the hedge won).
    pub hedges_won: u64,
    /// Times a replica's circuit breaker opened (K timeouts within the window).
    pub breaker_opened: u64,
    /// Reads that left out a replica because its breaker was open.
    pub breaker_routed_around: u64,
    /// Requests that probed a replica behind an open breaker.
    pub breaker_probes: u64,
}

impl StorageStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &StorageStats) {
        for (mine, theirs) in self.fields_mut().into_iter().zip(other.counters()) {
            *mine += theirs.1;
        }
    }

    /// Every counter with its name, in a fixed order (summary.json and the trace use it).
    pub fn counters(&self) -> [(&'static str, u64); 9] {
        [
            ("sibling_cap_hits", self.sibling_cap_hits),
            ("lww_discarded", self.lww_discarded),
            ("read_repairs", self.read_repairs),
            ("read_repair_versions", self.read_repair_versions),
            ("hedges", self.hedges),
            ("hedges_won", self.hedges_won),
            ("breaker_opened", self.breaker_opened),
            ("breaker_routed_around", self.breaker_routed_around),
            ("breaker_probes", self.breaker_probes),
        ]
    }

    fn fields_mut(&mut self) -> [&mut u64; 9] {
        [
            &mut self.sibling_cap_hits,
            &mut self.lww_discarded,
            &mut self.read_repairs,
            &mut self.read_repair_versions,
            &mut self.hedges,
            &mut self.hedges_won,
            &mut self.breaker_opened,
            &mut self.breaker_routed_around,
            &mut self.breaker_probes,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adding_sums_every_counter_by_name() {
        let mut a = StorageStats { sibling_cap_hits: 1, read_repairs: 2, ..StorageStats::default() };
        let b = StorageStats {
            sibling_cap_hits: 10,
            lww_discarded: 3,
            read_repair_versions: 5,
            read_repairs: 1,
            hedges: 6,
            hedges_won: 4,
            breaker_opened: 1,
            breaker_routed_around: 7,
            breaker_probes: 2,
        };
        a.add(&b);
        a.add(&StorageStats { hedges: 1, ..StorageStats::default() });
        assert_eq!(
            a.counters(),
            [
                ("sibling_cap_hits", 11),
                ("lww_discarded", 3),
                ("read_repairs", 3),
                ("read_repair_versions", 5),
                ("hedges", 7),
                ("hedges_won", 4),
                ("breaker_opened", 1),
                ("breaker_routed_around", 7),
                ("breaker_probes", 2)
            ]
        );
    }
}
