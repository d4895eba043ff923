//! What a node's control plane keeps as leader: per member, what it last heard; the revokes it
//! waits on; its plan for revoked shards.

use super::migration::LeaderMigrations;
use super::throttle::StartLog;
use crate::actor::Addr;

/// What the leader knows of one member.
#[derive(Clone, Debug, Default)]
pub(super) struct Peer {
    pub(super) last_ack: Option<u64>,
    pub(super) accepted: (u64, u64),
    /// Follower's send time of its latest ack: echoed back to renew its lease.
    pub(super) lease_anchor: Option<u64>,
    /// Local time the leader last sent this follower a lease echo.
    pub(super) last_echo_sent: Option<u64>,
    /// Leader send time of the latest heartbeat this follower answered.
    pub(super) acked_sent: u64,
}

/// A revoke waiting for the old primary's confirmation or for its lease to surely expire.
#[derive(Clone, Debug)]
pub(super) struct Revoke {
    pub(super) shard: u32,
    pub(super) from: Addr,
    pub(super) epoch: u64,
    /// The epoch the revoked grant was made at.
    pub(super) granted: u64,
    pub(super) wait_until: u64,
}

/// State only a leader keeps.
#[derive(Clone, Debug)]
pub(super) struct LeaderState {
    /// When this node became leader: check-quorum counts a peer as heard from then.
    pub(super) since: u64,
    /// Per member, by its slot in `Control::members`.
    pub(super) peers: Vec<Peer>,
    pub(super) last_heartbeat: u64,
    pub(super) grant_ready_at: u64,
    /// The map proposed and not yet committed, if any.
    pub(super) in_flight: Option<u64>,
    /// Revokes waiting for the old primary's confirmation or lease expiry.
    pub(super) revokes: Vec<Revoke>,
    /// Where each revoked shard is meant to go, so the grant follows the revoke's intent.
    pub(super) planned: Vec<Option<Addr>>,
    pub(super) rtts: Vec<u64>,
    /// What the last reconciliation that changed nothing saw: peer liveness, the map's epoch
    /// and whether grants were allowed. Until one of them changes (and with no revoke under
    /// way) another pass would change nothing either, so the 10 ms tick skips it.
    pub(super) settled: Option<(Vec<bool>, u64, bool)>,
    /// Local time of the last look at the voters (every heartbeat interval, not every tick).
    pub(super) voters_checked: u64,
    /// Whether `GrantsOpen` was reported for this term.
    pub(super) grants_open: bool,
    /// A buffer for the lease anchor computation (no allocation per acknowledgement).
    pub(super) scratch: Vec<u64>,
    /// Migration requests, evidence and timers (volatile: a new leader gathers them again).
    pub(super) migrating: LeaderMigrations,
}

impl LeaderState {
    pub(super) fn new(now: u64, members: usize, shards: usize, grant_ready_at: u64) -> Self {
        LeaderState {
            since: now,
            peers: vec![Peer::default(); members],
            last_heartbeat: 0,
            grant_ready_at,
            in_flight: None,
            revokes: Vec::new(),
            planned: vec![None; shards],
            rtts: Vec::new(),
            settled: None,
            grants_open: false,
            voters_checked: 0,
            scratch: Vec::new(),
            migrating: LeaderMigrations { starts: StartLog::since(now), ..LeaderMigrations::default() },
        }
    }
}
