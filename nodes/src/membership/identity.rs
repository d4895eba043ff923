//! A node's identity in gossip: its address and a generation, so a node that comes back (after
//! a crash, or after the cluster declared it down) is a new member that wins over its past.

use crate::actor::Addr;

/// Generations a life of a node may renew through before the next life's range starts.
const GENS_PER_LIFE: u32 = 1 << 16;

/// A gossip identity: address plus generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeId {
    /// The node's address.
    pub addr: Addr,
    /// Higher wins: boots and renewals count up.
    pub gen: u32,
}

impl NodeId {
    /// The identity a node takes when it boots into life `life` (0 for the first boot).
    pub fn first_of_life(addr: Addr, life: u32) -> Self {
        NodeId { addr, gen: life.saturating_mul(GENS_PER_LIFE) }
    }
}

impl foca::Identity for NodeId {
    type Addr = Addr;

    /// A member declared down comes back as the next generation.
    fn renew(&self) -> Option<Self> {
        Some(NodeId { addr: self.addr, gen: self.gen.checked_add(1)? })
    }

    fn addr(&self) -> Addr {
        self.addr
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        self.gen > adversary.gen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::Identity;

    #[test]
    fn a_later_life_or_a_renewal_wins_over_the_past() {
        let first = NodeId::first_of_life(4, 0);
        let renewed = first.renew().expect("renews");
        let reborn = NodeId::first_of_life(4, 1);
        assert!(renewed.win_addr_conflict(&first) && !first.win_addr_conflict(&renewed));
        assert!(reborn.win_addr_conflict(&renewed));
        assert_eq!(reborn.addr(), 4);
    }
}
