//! Settings of gossip membership, and the foca configuration they make.

use core::num::{NonZeroU8, NonZeroUsize};
use core::time::Duration;

/// Settings of SWIM gossip membership (`cluster.membership` in a scenario).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GossipConfig {
    /// Every node probes one member per period.
    pub probe_period_ms: u64,
    /// How long a direct probe waits for its ack before asking others to probe indirectly.
    pub probe_rtt_ms: u64,
    /// How long a suspected member has to refute the suspicion before it is declared down.
    pub suspicion_ms: u64,
    /// How many members are asked to probe a silent member indirectly.
    pub indirect_probes: u8,
    /// How often a node announces itself to members it holds down (and, when it knows no one,
    /// to declared nodes): how the sides of a healed partition find each other again.
    pub rejoin_ms: u64,
}

impl Default for GossipConfig {
    fn default() -> Self {
        GossipConfig {
            probe_period_ms: 500,
            probe_rtt_ms: 150,
            suspicion_ms: 2_000,
            indirect_probes: 3,
            rejoin_ms: 2_000,
        }
    }
}

impl GossipConfig {
    /// How long after the last fault heals every live node's view must agree with the truth.
    ///
    /// A crashed node is probed by someone within a few periods (each node walks its members in
    /// a shuffled round), suspected, and declared down a suspicion later; the news then rides on
    /// probes to everyone in O(log n) periods. The sides of a healed partition find each other at
    /// the next rejoin announcement, which makes the refused side take a new identity and gossip it.
    pub fn convergence_bound_ms(&self, nodes: usize) -> u64 {
        let spread = 4 + u64::from(usize::BITS - nodes.max(1).leading_zeros());
        2 * self.rejoin_ms + 2 * self.suspicion_ms + self.forget_down_ms() + (spread + 4) * self.probe_period_ms
    }

    /// How long a node keeps a member it declared down before forgetting it. Down is final for
    /// an identity in foca, and a member that two sides of a healed partition declared down is
    /// told to take a new identity only by one of them: the other takes it back once it has
    /// forgotten the old one and hears from it again. Long enough that the down news has been
    /// piggybacked its full count of times.
    pub fn forget_down_ms(&self) -> u64 {
        3 * self.suspicion_ms
    }

    /// The foca configuration for a cluster of `nodes` declared members.
    pub(crate) fn foca(&self, nodes: usize) -> foca::Config {
        let ms = Duration::from_millis;
        // memberlist's rule: each update is piggybacked 4 * ceil(log10(n + 1)) times.
        let tx = 4 * (((nodes + 1) as f64).log10().ceil() as u8).max(1);
        let mut cfg = foca::Config::simple();
        cfg.probe_period = ms(self.probe_period_ms);
        cfg.probe_rtt = ms(self.probe_rtt_ms);
        cfg.num_indirect_probes = NonZeroUsize::new(self.indirect_probes.max(1) as usize).expect("at least one");
        cfg.max_transmissions = NonZeroU8::new(tx).expect("at least four");
        cfg.suspect_to_down_after = ms(self.suspicion_ms);
        cfg.remove_down_after = Some(ms(self.forget_down_ms()));
        cfg.notify_down_members = true;
        cfg.periodic_announce_to_down_members = Some(foca::PeriodicParams {
            frequency: ms(self.rejoin_ms),
            num_members: NonZeroUsize::MIN.saturating_add(1),
        });
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_convergence_bound_grows_with_the_settings_and_slowly_with_the_cluster() {
        let c = GossipConfig::default();
        let small = c.convergence_bound_ms(5);
        assert!(small >= 2 * c.rejoin_ms + 2 * c.suspicion_ms);
        assert!(c.convergence_bound_ms(1000) > small && c.convergence_bound_ms(1000) < 2 * small);
        let slow = GossipConfig { suspicion_ms: 10_000, ..c };
        assert!(slow.convergence_bound_ms(5) > small);
        // The README's bound: foca forgets a down identity after three suspicion periods.
        assert_eq!(slow.forget_down_ms(), 30_000);
    }
}
