//! What gossip sends, the timers it sets and the events it reports.

use crate::actor::Addr;

/// What gossip sends on the simulated network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GossipMsg {
    /// One foca packet (encoded by `codec.rs`).
    Swim(Box<[u8]>),
    /// A node that (re)joined asks a member it heard from for every member that one knows.
    RosterAsk,
    /// The answer: every member the sender knows, itself included (encoded by `roster.rs`).
    Roster(Box<[u8]>),
}

/// A gossip timer. foca's own timers carry identities and are not `Copy`: the node keeps them
/// in a table and the shell carries only their number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GossipTimer {
    /// foca timer number `seq` of the node's life `life`.
    Foca { life: u32, seq: u32 },
    /// Time to announce again if the node still knows no live member.
    Rejoin { life: u32 },
    /// Time to ask again for the roster if none came.
    Roster { life: u32 },
}

/// A member's state in a node's view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MemberState {
    /// Answering probes (as far as the viewer knows).
    Alive = 0,
    /// Someone suspects it: it has a suspicion timeout to refute it.
    Suspect = 1,
    /// Declared down (failed, or left), or not a member.
    Down = 2,
}

/// A node's view of one member changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberSaw {
    /// The member the view is about.
    pub member: Addr,
    /// Its new state in the viewer's view.
    pub state: MemberState,
    /// Its identity's generation and incarnation, `gen << 16 | incarnation`: higher is newer.
    pub incarnation: u64,
}
