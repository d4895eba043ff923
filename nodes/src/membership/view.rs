//! A node's view of the declared members: state and incarnation per member slot.

use super::members::Members;
use super::msg::MemberState;
use crate::actor::Addr;

/// What one node believes of every declared member, by slot.
#[derive(Clone, Debug)]
pub struct View {
    members: Members,
    /// `(state, gen << 16 | incarnation)` by member slot.
    entries: Vec<(MemberState, u64)>,
}

impl View {
    /// A view where the `initial` members are alive (at incarnation 0) and the other declared
    /// ones are down (they have not joined).
    pub fn new(members: Members, initial: &Members) -> Self {
        let entries = members
            .addrs()
            .iter()
            .map(|&a| (if initial.contains(a) { MemberState::Alive } else { MemberState::Down }, 0))
            .collect();
        View { members, entries }
    }

    /// The declared members.
    pub fn members(&self) -> &Members {
        &self.members
    }

    /// The state of `addr` (down when it is not a declared member).
    pub fn state(&self, addr: Addr) -> MemberState {
        self.members.slot(addr).map_or(MemberState::Down, |s| self.entries[s].0)
    }

    /// The state and incarnation of `addr`, if it is a declared member.
    pub fn entry(&self, addr: Addr) -> Option<(MemberState, u64)> {
        self.members.slot(addr).map(|s| self.entries[s])
    }

    /// True when `addr` is alive or suspect (SWIM treats a suspect as alive until declared down).
    pub fn is_up(&self, addr: Addr) -> bool {
        self.state(addr) != MemberState::Down
    }

    /// Sets `addr`'s entry; true when its state changed (what is worth recording).
    pub fn set(&mut self, addr: Addr, state: MemberState, incarnation: u64) -> bool {
        let Some(slot) = self.members.slot(addr) else { return false };
        let e = &mut self.entries[slot];
        let changed = e.0 != state;
        *e = (state, incarnation);
        changed
    }

    /// Every declared member's address with its state, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (Addr, MemberState)> + '_ {
        self.members.addrs().iter().zip(&self.entries).map(|(&a, e)| (a, e.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_starts_from_the_initial_members_and_reports_changes_only() {
        let mut v = View::new(Members::new([1, 2, 3]), &Members::new([1, 2]));
        assert_eq!((v.state(1), v.state(3), v.state(9)), (MemberState::Alive, MemberState::Down, MemberState::Down));
        assert!(!v.set(1, MemberState::Alive, 5), "a newer incarnation alone is no change of state");
        assert_eq!(v.entry(1), Some((MemberState::Alive, 5)));
        assert!(v.set(2, MemberState::Suspect, 0) && v.is_up(2));
        assert!(!v.set(9, MemberState::Alive, 0));
        assert_eq!(v.iter().count(), 3);
    }
}
