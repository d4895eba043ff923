//! The declared storage nodes of a cluster: a fixed address set with O(1) lookup of a
//! member's slot. Who is alive among them is gossip's business (see `gossip.rs`).

use std::sync::Arc;

use crate::actor::Addr;

/// The storage nodes a component knows of, in ascending address order, with O(1) lookup of a
/// member's position (its slot) for tables kept per member.
///
/// Shared: every node's control plane holds one, and clones must not copy 1,000 addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Members {
    /// Member addresses, ascending.
    addrs: Arc<[Addr]>,
    /// `slots[addr]`: the member's position in `addrs`, or `NOT_A_MEMBER`.
    slots: Arc<[u32]>,
}

const NOT_A_MEMBER: u32 = u32::MAX;

impl Members {
    /// The members with these addresses (any order; duplicates are kept once).
    pub fn new(addrs: impl IntoIterator<Item = Addr>) -> Self {
        let mut addrs: Vec<Addr> = addrs.into_iter().collect();
        addrs.sort_unstable();
        addrs.dedup();
        let table = addrs.last().map_or(0, |&a| a as usize + 1);
        let mut slots = vec![NOT_A_MEMBER; table];
        for (slot, &a) in addrs.iter().enumerate() {
            slots[a as usize] = slot as u32;
        }
        Members { addrs: addrs.into(), slots: slots.into() }
    }

    /// Member addresses in ascending order.
    pub fn addrs(&self) -> &[Addr] {
        &self.addrs
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    /// True when there is no member.
    pub fn is_empty(&self) -> bool {
        self.addrs.is_empty()
    }

    /// The position of `addr` among the members, if it is one.
    pub fn slot(&self, addr: Addr) -> Option<usize> {
        match self.slots.get(addr as usize) {
            Some(&s) if s != NOT_A_MEMBER => Some(s as usize),
            _ => None,
        }
    }

    /// True when `addr` is a member.
    pub fn contains(&self, addr: Addr) -> bool {
        self.slot(addr).is_some()
    }

    /// The first `count` members by address: today's choice of voters, which the leader could
    /// change.
    pub fn lowest(&self, count: usize) -> Members {
        Members::new(self.addrs.iter().copied().take(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_found_by_address_wherever_they_are() {
        let m = Members::new([40, 7, 12, 7]);
        assert_eq!(m.addrs(), [7, 12, 40]);
        assert_eq!((m.slot(7), m.slot(12), m.slot(40)), (Some(0), Some(1), Some(2)));
        assert_eq!((m.slot(8), m.slot(41), m.slot(0)), (None, None, None));
        assert!(m.contains(40) && !m.contains(39));
        assert_eq!(m.lowest(2).addrs(), [7, 12]);
        assert_eq!(m.lowest(9).len(), 3);
        assert!(Members::new([]).is_empty());
    }
}
