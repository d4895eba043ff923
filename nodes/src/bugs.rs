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

/// Every planted bug: its cargo feature, whether this build has it, and what it breaks.
const PLANTED: [(&str, bool, &str); 3] = [
    ("bug-early-ack", BUG_EARLY_ACK, "writes acknowledged after W-1 replicas"),
    ("bug-false-dominance", BUG_FALSE_DOMINANCE, "later writes through a coordinator supersede unseen ones"),
    ("bug-hidden-handoff", BUG_HIDDEN_HANDOFF, "writes acknowledged by stand-ins reported as strict quorum writes"),
];

/// The planted bugs this build was compiled with, as `(feature, what it breaks)`.
pub fn enabled() -> impl Iterator<Item = (&'static str, &'static str)> {
    PLANTED.into_iter().filter(|b| b.1).map(|(feature, _, what)| (feature, what))
}
