//! Fencing judged from what replicas did: a replica that has seen a shard's grant epoch (a new
//! primary's fenced read, or a fenced write it stored: both acts of a primary) never
//! stores a write fenced with an older epoch: that is a deposed primary's write landing behind
//! the new primary's read.

use std::collections::{BTreeMap, BTreeSet};

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{Act, History};

/// Judges `replicas_honour_fences`.
pub fn honoured(history: &History) -> Verdict {
    // Per (replica, shard): the newest epoch seen, and when.
    let mut seen: BTreeMap<(u32, u32), (u64, u64)> = BTreeMap::new();
    // Grants some primary acted under: committed, so a replica that knew one knew a real grant.
    let mut acted: BTreeSet<(u32, u64)> = BTreeSet::new();
    let (mut checked, mut violations) = (0u64, 0u64);
    let mut examples = Vec::new();
    for a in &history.acts {
        let (shard, epoch) = match a.act {
            Act::Accepted { shard, epoch } => {
                checked += 1;
                if let Some(&(newest, at)) = seen.get(&(a.node, shard)).filter(|s| s.0 > epoch) {
                    violations += 1;
                    if examples.len() < EXAMPLES_MAX {
                        examples.push(format!(
                            "{} stored a write to shard {shard} fenced with epoch {epoch} at {}, after seeing epoch {newest} at {}",
                            history.node_name(a.node),
                            secs(a.at_ms),
                            secs(at)
                        ));
                    }
                }
                (shard, epoch)
            }
            Act::Fenced { shard, epoch } => (shard, epoch),
            // A refusal's `known` comes from the replica's map, which may never have been
            // committed (a new leader's lineage can replace it with a lower epoch): it counts
            // as seen only when some primary acted under that grant.
            Act::Refused { shard, known, .. } if acted.contains(&(shard, known)) => (shard, known),
            Act::Primary { shard, epoch, .. } => {
                acted.insert((shard, epoch));
                continue;
            }
            Act::Refused { .. } | Act::Leader { .. } => continue,
        };
        let s = seen.entry((a.node, shard)).or_insert((epoch, a.at_ms));
        if epoch > s.0 {
            *s = (epoch, a.at_ms);
        }
    }
    Verdict {
        name: "replicas_honour_fences".into(),
        class: PropertyClass::Safety,
        expected_violation: false,
        violations,
        checked,
        passed: violations == 0,
        detail: format!("{checked} fenced writes stored, {violations} older than a grant their replica had seen"),
        examples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_storing_an_older_epoch_after_a_newer_fence_fails() {
        let mut h = History::new();
        h.record_act(100, 3, Act::Accepted { shard: 2, epoch: 4 });
        h.record_act(200, 3, Act::Fenced { shard: 2, epoch: 6 });
        h.record_act(250, 4, Act::Accepted { shard: 2, epoch: 4 }); // another replica: fine
        h.record_act(260, 3, Act::Accepted { shard: 1, epoch: 4 }); // another shard: fine
        assert!(honoured(&h).passed);
        h.record_act(300, 3, Act::Accepted { shard: 2, epoch: 4 }); // the deposed primary's late write
        let v = honoured(&h);
        assert!(!v.passed && v.violations == 1 && v.checked == 4, "{v:?}");
        assert!(v.examples[0].contains("epoch 4") && v.examples[0].contains("epoch 6"), "{:?}", v.examples);
    }

    #[test]
    fn stored_writes_count_as_seen_and_a_refusals_map_epoch_does_not() {
        let mut h = History::new();
        // `known` came from the replica's map, which a new leader may replace with a lower epoch.
        h.record_act(100, 1, Act::Refused { shard: 0, epoch: 2, known: 5 });
        h.record_act(200, 1, Act::Accepted { shard: 0, epoch: 3 });
        h.record_act(300, 2, Act::Accepted { shard: 0, epoch: 7 });
        h.record_act(400, 2, Act::Accepted { shard: 0, epoch: 6 });
        assert_eq!(honoured(&h).violations, 1);
        // Once a primary acted under epoch 5, a refusal naming it counts.
        h.record_act(500, 4, Act::Primary { shard: 0, epoch: 5, kind: crate::history::PrimaryActKind::Fence });
        h.record_act(600, 1, Act::Refused { shard: 0, epoch: 2, known: 5 });
        h.record_act(700, 1, Act::Accepted { shard: 0, epoch: 4 });
        assert_eq!(honoured(&h).violations, 2);
    }
}
