//! Membership: which storage nodes make up the cluster, as every node sees it. `Members` is the
//! declared set (fixed for a run; components look nodes up by address); `Gossip` runs SWIM
//! (the `foca` crate) over it so every node learns joins, leaves and failures.

mod codec;
mod config;
mod gossip;
mod identity;
mod members;
mod msg;
mod roster;
mod view;

pub use config::GossipConfig;
pub use gossip::Gossip;
pub use members::Members;
pub use msg::{GossipMsg, GossipTimer, MemberSaw, MemberState};
pub use view::View;
