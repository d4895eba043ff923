//! Planted bugs: deliberate breakages of the system, so sweeps and shrinking can be shown to
//! catch a real bug. They exist only in the test build (`--features clustersim-nodes/planted-bugs`),
//! where `clustersim --bug NAME` turns one or more on for the whole process before any run
//! starts; never set by a scenario. In the production build [`on`] is a constant `false`.

/// A planted bug; [`PLANTED`] names each one and says what it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// Coordinators acknowledge writes after W-1 replicas.
    EarlyAck,
    /// The old, falsely ordering versioning: a later write through the same coordinator
    /// supersedes an earlier one its client never saw, as per-coordinator version vectors did,
    /// so replicas drop acknowledged concurrent writes.
    FalseDominance,
    /// Coordinators hide hinted handoff: a write acknowledged partly by stand-ins is reported as
    /// an ordinary quorum write, so quorum reads that miss it look like violations of a strict
    /// quorum, which the stale-read checker must then report.
    HiddenHandoff,
    /// Replicas acknowledge a write before it is synced even under `fsync: always`: the sync
    /// follows [`BUG_SYNC_DELAY_MS`] later, so a crash in between loses an acknowledged write.
    AckBeforeSync,
    /// The checksum check is skipped: damaged records are served to readers.
    ServeCorrupt,
    /// Linearizable-mode reads answer before writing back: they repair after answering, so a
    /// later read can still return an older value than an earlier read did.
    NoWriteBack,
    /// Followers take any map that differs from theirs, as they once did: a heartbeat delayed
    /// behind a newer one rolls a follower back to an older map and its revoked primary roles.
    StaleAppend,
    /// Primaries act a quarter of a lease past its end: a primary cut off from the leader keeps
    /// taking writes after the leader released its grant.
    LeaseOverrun,
    /// New leaders rebalance while they may not grant yet, as they once did: a healthy primary
    /// is revoked during the post-election wait and its shard has no primary until the wait ends.
    EagerRebalance,
    /// Leaders skip a migration's copies: ownership moves to the target before the old replicas
    /// copied the shard to it, so a write held only by a replica the migration drops is lost.
    SkipSync,
    /// A migrating shard is served through its cut-over, as migrations once were: coordinators
    /// route by the new replica set as soon as they learn the transfer, while a coordinator on
    /// the old map can still form a write quorum of old replicas, so a quorum read on the new
    /// set misses it.
    OpenCutover,
    /// Gossip views never take a member back once they hold it down: a node that restarts, or
    /// a side of a healed partition, stays down in the views that declared it, whatever foca
    /// learns.
    StickyDown,
    /// Leaders record a draining node drained once it is primary of no shard, not once no
    /// replica set names it: it leaves while it still stores its standby replicas' writes.
    DrainEarly,
    /// The autoscaler ignores its cooldowns: it acts at every interval the rule asks it to.
    CooldownIgnored,
    /// Replicas skip the fence check: a deposed primary's write, fenced with an older epoch
    /// than a newer primary's read announced, is stored and acknowledged.
    FenceIgnored,
    /// A leader that sees a higher term adopts it and goes on leading, without an election:
    /// two nodes then act as leader of one term.
    LeaderLingers,
    /// A node the leader committed as drained never leaves the gossip membership: it stays
    /// alive in every view although it serves nothing and no map names it.
    DrainedStays,
    /// Leaders ignore the migration rate and the per-zone data budget: they start queued
    /// migrations as fast as the concurrency limit allows.
    PolicyIgnored,
    /// With `writes: primary`, a node asked to write a key whose shard has no primary just now
    /// coordinates the write itself, unstamped, instead of refusing it: writes go around
    /// ownership whenever a grant is vacant (a leader change, a revoke before an assign).
    VacancyWrites,
    /// Clients never learn the autoscaler's changes of serving machines: they keep the list
    /// they were built with, spares it never started and nodes it turned off included.
    StaleCoordinators,
    /// Replicas refuse a stale route silently, as they once did: the coordinator, routing by
    /// an older map, waits out its deadline and the client's request times out.
    SilentStaleRoute,
    /// Coordinators serve a strong shard's reads and writes at the levels clients ask, as if
    /// every shard were eventual: a read at ONE on a strong shard can miss an acknowledged write.
    StrongAsAsked,
    /// A node declared outside the cluster takes part in gossip from its first boot, as if it
    /// had joined: the members learn it before any join lets it in.
    EarlyGossip,
}

/// How long after acknowledging a replica with [`Bug::AckBeforeSync`] on syncs (an fsync
/// issued asynchronously, completed this much later).
pub const BUG_SYNC_DELAY_MS: u64 = 20;

/// One planted bug as the command line knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planted {
    /// Its name on the command line (`--bug early-ack`) and in scenarios/regressions/NAME.txt.
    pub name: &'static str,
    /// The bug.
    pub bug: Bug,
    /// What it breaks, in a few words.
    pub breaks: &'static str,
}

/// Every planted bug: its name, the bug, and what it breaks.
pub const PLANTED: [Planted; 23] = [
    Planted { name: "early-ack", bug: Bug::EarlyAck, breaks: "writes acknowledged after W-1 replicas" },
    Planted {
        name: "false-dominance",
        bug: Bug::FalseDominance,
        breaks: "later writes through a coordinator supersede unseen ones",
    },
    Planted {
        name: "hidden-handoff",
        bug: Bug::HiddenHandoff,
        breaks: "writes acknowledged by stand-ins reported as strict quorum writes",
    },
    Planted {
        name: "ack-before-sync",
        bug: Bug::AckBeforeSync,
        breaks: "replicas acknowledge writes before syncing under fsync: always",
    },
    Planted {
        name: "serve-corrupt",
        bug: Bug::ServeCorrupt,
        breaks: "records are served without checking their checksum",
    },
    Planted {
        name: "no-write-back",
        bug: Bug::NoWriteBack,
        breaks: "linearizable reads answer before writing the value back",
    },
    Planted {
        name: "stale-append",
        bug: Bug::StaleAppend,
        breaks: "followers take an older map from a delayed heartbeat",
    },
    Planted {
        name: "lease-overrun",
        bug: Bug::LeaseOverrun,
        breaks: "primaries act a quarter of a lease past its end",
    },
    Planted {
        name: "eager-rebalance",
        bug: Bug::EagerRebalance,
        breaks: "new leaders move healthy primaries before they may grant",
    },
    Planted {
        name: "skip-sync",
        bug: Bug::SkipSync,
        breaks: "migrations transfer ownership before the shard was copied to the target",
    },
    Planted {
        name: "open-cutover",
        bug: Bug::OpenCutover,
        breaks: "migrating shards are served through their cut-over, by old and new replicas",
    },
    Planted {
        name: "sticky-down",
        bug: Bug::StickyDown,
        breaks: "gossip views never take a member back once they hold it down",
    },
    Planted {
        name: "drain-early",
        bug: Bug::DrainEarly,
        breaks: "nodes recorded drained while still holding standby replicas",
    },
    Planted { name: "cooldown-ignored", bug: Bug::CooldownIgnored, breaks: "the autoscaler acts inside its cooldowns" },
    Planted {
        name: "fence-ignored",
        bug: Bug::FenceIgnored,
        breaks: "replicas store writes fenced older than a grant they have seen",
    },
    Planted {
        name: "leader-lingers",
        bug: Bug::LeaderLingers,
        breaks: "leaders adopt a higher term and go on leading without an election",
    },
    Planted {
        name: "drained-stays",
        bug: Bug::DrainedStays,
        breaks: "drained nodes never leave the gossip membership",
    },
    Planted {
        name: "policy-ignored",
        bug: Bug::PolicyIgnored,
        breaks: "leaders start migrations faster than the rate and past a zone's data budget",
    },
    Planted {
        name: "vacancy-writes",
        bug: Bug::VacancyWrites,
        breaks: "with primary writes, a shard without a primary takes writes unstamped, around ownership",
    },
    Planted {
        name: "stale-coordinators",
        bug: Bug::StaleCoordinators,
        breaks: "clients never learn which machines the autoscaler serves with, and send to machines it has off",
    },
    Planted {
        name: "silent-stale-route",
        bug: Bug::SilentStaleRoute,
        breaks: "a replica drops a request routed by a stale map without a word: it times out instead of being retried",
    },
    Planted {
        name: "strong-as-asked",
        bug: Bug::StrongAsAsked,
        breaks: "strong shards are read and written at the levels clients ask, like eventual ones",
    },
    Planted {
        name: "early-gossip",
        bug: Bug::EarlyGossip,
        breaks: "nodes declared outside the cluster gossip from their first boot, before they join",
    },
];

/// Whether this build can plant bugs (it was built with `--features clustersim-nodes/planted-bugs`).
pub const PLANTABLE: bool = cfg!(feature = "planted-bugs");

/// The bits of the bugs planted in this process, one per [`Bug`] (test build only).
#[cfg(feature = "planted-bugs")]
static PLANTED_MASK: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// Whether `bug` is planted in this process. In the production build a constant `false` the
/// compiler folds away; in the test build one relaxed atomic load.
#[inline(always)]
pub fn on(bug: Bug) -> bool {
    #[cfg(feature = "planted-bugs")]
    {
        PLANTED_MASK.load(std::sync::atomic::Ordering::Relaxed) & (1 << bug as u32) != 0
    }
    #[cfg(not(feature = "planted-bugs"))]
    {
        let _ = bug;
        false
    }
}

/// Why bugs could not be planted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlantError {
    /// This is the production build, which has no planted bugs.
    NotBuilt,
    /// No planted bug has this name.
    Unknown(String),
}

impl std::fmt::Display for PlantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlantError::NotBuilt => write!(
                f,
                "--bug needs the test build with planted bugs: build it with \
                 `cargo build --release --features clustersim-nodes/planted-bugs`"
            ),
            PlantError::Unknown(name) => {
                let names: Vec<&str> = PLANTED.iter().map(|p| p.name).collect();
                write!(f, "no planted bug is called `{name}`; the planted bugs are: {}", names.join(", "))
            }
        }
    }
}

/// The planted bug called `name` (such as `early-ack`).
pub fn by_name(name: &str) -> Result<&'static Planted, PlantError> {
    PLANTED.iter().find(|p| p.name == name).ok_or_else(|| PlantError::Unknown(name.to_string()))
}

/// Plants the bugs named in `names` for the whole process (replacing any planted before).
/// Call it once, before any run starts. Refused without the feature, or for an unknown name;
/// then nothing is planted. An empty list plants nothing and is never refused.
pub fn plant<S: AsRef<str>>(names: &[S]) -> Result<(), PlantError> {
    let mut mask = 0u32;
    for name in names {
        mask |= 1 << by_name(name.as_ref())?.bug as u32;
    }
    if mask == 0 {
        return Ok(());
    }
    #[cfg(feature = "planted-bugs")]
    {
        PLANTED_MASK.store(mask, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
    #[cfg(not(feature = "planted-bugs"))]
    Err(PlantError::NotBuilt)
}

/// The bugs planted in this process, in [`PLANTED`] order.
pub fn planted() -> impl Iterator<Item = &'static Planted> {
    PLANTED.iter().filter(|p| on(p.bug))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bug_has_one_entry_and_a_bit_of_its_own() {
        for (i, p) in PLANTED.iter().enumerate() {
            assert_eq!(p.bug as usize, i, "PLANTED follows the enum's order");
            assert_eq!(by_name(p.name), Ok(p));
        }
        assert!(PLANTED.len() <= 32, "the mask is a u32");
    }

    #[test]
    fn unknown_names_are_refused_with_the_list() {
        let e = plant(&["early-ack", "no-such-bug"]).unwrap_err();
        assert_eq!(e, PlantError::Unknown("no-such-bug".into()));
        assert!(e.to_string().contains("early-ack, false-dominance"), "{e}");
        assert_eq!(planted().count(), 0, "nothing planted when a name is wrong");
    }

    #[test]
    fn no_bug_is_on_unless_planted() {
        assert_eq!(plant::<&str>(&[]), Ok(()));
        assert!(PLANTED.iter().all(|p| !on(p.bug)));
    }

    #[cfg(not(feature = "planted-bugs"))]
    #[test]
    fn the_production_build_refuses_to_plant() {
        assert_eq!(plant(&["early-ack"]), Err(PlantError::NotBuilt));
        const { assert!(!PLANTABLE) };
    }
}
