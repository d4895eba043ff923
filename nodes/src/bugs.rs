//! Planted bugs: test-only cargo features that break the system on purpose, so sweeps and
//! shrinking can be shown to catch a real bug. Off by default; never set by a scenario.

/// True in the deliberately broken test build (`--features clustersim-nodes/bug-early-ack`),
/// whose coordinators acknowledge writes after W-1 replicas.
pub const BUG_EARLY_ACK: bool = cfg!(feature = "bug-early-ack");

/// True in the test build with the old, falsely ordering versioning
/// (`--features clustersim-nodes/bug-false-dominance`): a later write through the same
/// coordinator supersedes an earlier one its client never saw, as per-coordinator version
/// vectors did, so replicas drop acknowledged concurrent writes.
pub const BUG_FALSE_DOMINANCE: bool = cfg!(feature = "bug-false-dominance");

/// True in the test build whose coordinators hide hinted handoff
/// (`--features clustersim-nodes/bug-hidden-handoff`): a write acknowledged partly by stand-ins
/// is reported as an ordinary quorum write, so quorum reads that miss it look like violations
/// of a strict quorum, which the stale-read checker must then report.
pub const BUG_HIDDEN_HANDOFF: bool = cfg!(feature = "bug-hidden-handoff");

/// True in the test build whose replicas acknowledge a write before it is synced even under
/// `fsync: always` (`--features clustersim-nodes/bug-ack-before-sync`): the sync follows
/// [`BUG_SYNC_DELAY_MS`] later, so a crash in between loses an acknowledged write.
pub const BUG_ACK_BEFORE_SYNC: bool = cfg!(feature = "bug-ack-before-sync");

/// How long after acknowledging the `bug-ack-before-sync` build syncs (an fsync issued
/// asynchronously, completed this much later).
pub const BUG_SYNC_DELAY_MS: u64 = 20;

/// True in the test build that skips the checksum check
/// (`--features clustersim-nodes/bug-serve-corrupt`): damaged records are served to readers.
pub const BUG_SERVE_CORRUPT: bool = cfg!(feature = "bug-serve-corrupt");

/// True in the test build whose linearizable-mode reads answer before writing back
/// (`--features clustersim-nodes/bug-no-write-back`): they repair after answering, so a later
/// read can still return an older value than an earlier read did.
pub const BUG_NO_WRITE_BACK: bool = cfg!(feature = "bug-no-write-back");

/// True in the test build whose followers take any map that differs from theirs
/// (`--features clustersim-nodes/bug-stale-append`), as they once did: a heartbeat delayed
/// behind a newer one rolls a follower back to an older map and its revoked primary roles.
pub const BUG_STALE_APPEND: bool = cfg!(feature = "bug-stale-append");

/// True in the test build whose primaries act a quarter of a lease past its end
/// (`--features clustersim-nodes/bug-lease-overrun`): a primary cut off from the leader keeps
/// taking writes after the leader released its grant.
pub const BUG_LEASE_OVERRUN: bool = cfg!(feature = "bug-lease-overrun");

/// True in the test build whose new leaders rebalance while they may not grant yet
/// (`--features clustersim-nodes/bug-eager-rebalance`), as they once did: a healthy primary is
/// revoked during the post-election wait and its shard has no primary until the wait ends.
pub const BUG_EAGER_REBALANCE: bool = cfg!(feature = "bug-eager-rebalance");
/// True in the test build whose leaders skip a migration's copies
/// (`--features clustersim-nodes/bug-skip-sync`): ownership moves to the target before the old
/// replicas copied the shard to it, so a write held only by a replica the migration drops is lost.
pub const BUG_SKIP_SYNC: bool = cfg!(feature = "bug-skip-sync");

/// True in the test build that serves a migrating shard through its cut-over
/// (`--features clustersim-nodes/bug-open-cutover`), as migrations once did: coordinators route
/// by the new replica set as soon as they learn the transfer, while a coordinator on the old map
/// can still form a write quorum of old replicas, so a quorum read on the new set misses it.
pub const BUG_OPEN_CUTOVER: bool = cfg!(feature = "bug-open-cutover");

/// True in the test build whose gossip views never take a member back once they hold it down
/// (`--features clustersim-nodes/bug-sticky-down`): a node that restarts, or a side of a healed
/// partition, stays down in the views that declared it, whatever foca learns.
pub const BUG_STICKY_DOWN: bool = cfg!(feature = "bug-sticky-down");

/// Every planted bug: its cargo feature, whether this build has it, and what it breaks.
const PLANTED: [(&str, bool, &str); 12] = [
    ("bug-early-ack", BUG_EARLY_ACK, "writes acknowledged after W-1 replicas"),
    ("bug-false-dominance", BUG_FALSE_DOMINANCE, "later writes through a coordinator supersede unseen ones"),
    ("bug-hidden-handoff", BUG_HIDDEN_HANDOFF, "writes acknowledged by stand-ins reported as strict quorum writes"),
    ("bug-ack-before-sync", BUG_ACK_BEFORE_SYNC, "replicas acknowledge writes before syncing under fsync: always"),
    ("bug-serve-corrupt", BUG_SERVE_CORRUPT, "records are served without checking their checksum"),
    ("bug-no-write-back", BUG_NO_WRITE_BACK, "linearizable reads answer before writing the value back"),
    ("bug-stale-append", BUG_STALE_APPEND, "followers take an older map from a delayed heartbeat"),
    ("bug-lease-overrun", BUG_LEASE_OVERRUN, "primaries act a quarter of a lease past its end"),
    ("bug-eager-rebalance", BUG_EAGER_REBALANCE, "new leaders move healthy primaries before they may grant"),
    ("bug-skip-sync", BUG_SKIP_SYNC, "migrations transfer ownership before the shard was copied to the target"),
    ("bug-sticky-down", BUG_STICKY_DOWN, "gossip views never take a member back once they hold it down"),
    (
        "bug-open-cutover",
        BUG_OPEN_CUTOVER,
        "migrating shards are served through their cut-over, by old and new replicas",
    ),
];

/// The planted bugs this build was compiled with, as `(feature, what it breaks)`.
pub fn enabled() -> impl Iterator<Item = (&'static str, &'static str)> {
    PLANTED.into_iter().filter(|b| b.1).map(|(feature, _, what)| (feature, what))
}
