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
    /// Writes sent to stand-ins with a hint, because a replica did not answer in time.
    pub hinted_writes: u64,
    /// Writes acknowledged with at least one stand-in's answer counted toward W.
    pub sloppy_acks: u64,
    /// Hints a stand-in took and held.
    pub hints_stored: u64,
    /// Hints delivered to their replica (and then deleted).
    pub hints_delivered: u64,
    /// Hints refused because the stand-in's hint store was full.
    pub hints_refused: u64,
    /// Anti-entropy rounds this node began (one shard compared with one peer).
    pub anti_entropy_rounds: u64,
    /// Estimated bytes of the anti-entropy messages this node sent (hashes, keys, versions).
    pub anti_entropy_bytes: u64,
    /// Keys whose versions changed on this node through an anti-entropy exchange.
    pub anti_entropy_keys_repaired: u64,
    /// Syncs of a store to disk (one per write under `fsync: always`, one per non-empty
    /// group commit otherwise).
    pub fsyncs: u64,
    /// Versions a crash took from a store because they were not synced yet.
    pub unsynced_lost: u64,
    /// Damaged records found by their checksum (on a read, a write or a scrub) and dropped.
    pub corrupt_detected: u64,
    /// Dropped damaged records stored again from another replica's copy.
    pub corrupt_repaired: u64,
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
    /// Client requests a coordinator refused at once because its map had the shard being cut
    /// over to a migration's new replicas.
    pub moving_refused: u64,
    /// Replica reads and writes refused because they were routed by a stale map: this node is
    /// no replica of the shard since a migration, the shard is being cut over, or the final copy
    /// order fenced it.
    pub stale_routes_refused: u64,
    /// Requests a coordinator routed again to its shard's replicas by a newer map, after a
    /// replica refused them as routed by a stale one.
    pub stale_routes_retried: u64,
    /// Replica reads and writes routed by a newer map than this node's, held until its map
    /// caught up.
    pub routes_held: u64,
    /// Late copies of client writes dropped because this coordinator had refused that very
    /// attempt (`ShardMoving`, `NotPrimary`): the client was told it was not applied.
    pub refused_copies_dropped: u64,
}

impl StorageStats {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &StorageStats) {
        for (mine, theirs) in self.fields_mut().into_iter().zip(other.counters()) {
            *mine += theirs.1;
        }
    }

    /// Every counter with its name, in a fixed order (summary.json and the trace use it).
    pub fn counters(&self) -> [(&'static str, u64); 26] {
        [
            ("sibling_cap_hits", self.sibling_cap_hits),
            ("lww_discarded", self.lww_discarded),
            ("read_repairs", self.read_repairs),
            ("read_repair_versions", self.read_repair_versions),
            ("hinted_writes", self.hinted_writes),
            ("sloppy_acks", self.sloppy_acks),
            ("hints_stored", self.hints_stored),
            ("hints_delivered", self.hints_delivered),
            ("hints_refused", self.hints_refused),
            ("anti_entropy_rounds", self.anti_entropy_rounds),
            ("anti_entropy_bytes", self.anti_entropy_bytes),
            ("anti_entropy_keys_repaired", self.anti_entropy_keys_repaired),
            ("fsyncs", self.fsyncs),
            ("unsynced_lost", self.unsynced_lost),
            ("corrupt_detected", self.corrupt_detected),
            ("corrupt_repaired", self.corrupt_repaired),
            ("hedges", self.hedges),
            ("hedges_won", self.hedges_won),
            ("breaker_opened", self.breaker_opened),
            ("breaker_routed_around", self.breaker_routed_around),
            ("breaker_probes", self.breaker_probes),
            ("moving_refused", self.moving_refused),
            ("stale_routes_refused", self.stale_routes_refused),
            ("stale_routes_retried", self.stale_routes_retried),
            ("routes_held", self.routes_held),
            ("refused_copies_dropped", self.refused_copies_dropped),
        ]
    }

    fn fields_mut(&mut self) -> [&mut u64; 26] {
        [
            &mut self.sibling_cap_hits,
            &mut self.lww_discarded,
            &mut self.read_repairs,
            &mut self.read_repair_versions,
            &mut self.hinted_writes,
            &mut self.sloppy_acks,
            &mut self.hints_stored,
            &mut self.hints_delivered,
            &mut self.hints_refused,
            &mut self.anti_entropy_rounds,
            &mut self.anti_entropy_bytes,
            &mut self.anti_entropy_keys_repaired,
            &mut self.fsyncs,
            &mut self.unsynced_lost,
            &mut self.corrupt_detected,
            &mut self.corrupt_repaired,
            &mut self.hedges,
            &mut self.hedges_won,
            &mut self.breaker_opened,
            &mut self.breaker_routed_around,
            &mut self.breaker_probes,
            &mut self.moving_refused,
            &mut self.stale_routes_refused,
            &mut self.stale_routes_retried,
            &mut self.routes_held,
            &mut self.refused_copies_dropped,
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
            hints_refused: 5,
            anti_entropy_keys_repaired: 2,
            corrupt_repaired: 6,
            breaker_probes: 2,
            ..StorageStats::default()
        };
        a.add(&b);
        let counters = a.counters();
        assert_eq!(&counters[..3], [("sibling_cap_hits", 11), ("lww_discarded", 3), ("read_repairs", 2)]);
        assert_eq!(counters[8], ("hints_refused", 5));
        assert_eq!(counters[11], ("anti_entropy_keys_repaired", 2));
        assert_eq!(counters[15], ("corrupt_repaired", 6));
        assert_eq!(counters[20], ("breaker_probes", 2));
        assert_eq!(counters.iter().map(|c| c.1).sum::<u64>(), 31, "every field is listed once");
    }
}
