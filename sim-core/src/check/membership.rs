//! Gossip membership: after the last fault heals plus a bound derived from the gossip settings,
//! every live node's view agrees with the truth (liveness), and a false suspicion was refuted
//! (sometimes). The truth is what the simulator recorded nodes doing (crashes, restarts, joins,
//! leaves) and the drains leaders committed; the views are rebuilt from the recorded view
//! changes, never taken from the membership module's own claims.

use std::collections::{BTreeMap, BTreeSet};

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::{ControlEvent, History, MemberState, NodeChange, Standing};

/// Where a node stands by the simulator's record at the end of the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Truth {
    /// Its process runs (not crashed).
    up: bool,
    /// It is in the membership (initial or joined, and not left).
    inside: bool,
    /// When its current life began (its last restart; 0 for the first).
    life_from_ms: u64,
}

/// Each node's truth at the end, and the nodes drained too late to judge. A node a leader's
/// committed map records drained (and that did not join again since) must have left: it counts
/// as outside whether or not it reported leaving, since the drained node leaving by itself is
/// what is judged, unless it was recorded drained after `judge_until` (less than the bound
/// before the end: the views had no time to learn it).
fn truths(history: &History, outside: &[u32], judge_until: u64) -> (Vec<Truth>, BTreeSet<u32>) {
    let mut t: Vec<Truth> =
        (0..history.nodes).map(|n| Truth { up: true, inside: !outside.contains(&n), life_from_ms: 0 }).collect();
    let mut joined_ms = vec![0u64; t.len()];
    for e in &history.node_events {
        let Some(n) = t.get_mut(e.node as usize) else { continue };
        match e.change {
            NodeChange::Crashed => n.up = false,
            NodeChange::Restarted => {
                n.up = true;
                n.life_from_ms = e.at_ms;
            }
            NodeChange::Joined => {
                n.inside = true;
                joined_ms[e.node as usize] = e.at_ms;
            }
            // What a node reports of its own leaving is its claim, not the truth: the
            // timeline's `leave` actions (below) and the leaders' drained records are.
            NodeChange::Left | NodeChange::Paused | NodeChange::Resumed => {}
        }
    }
    let leaves = history.faults.iter().filter(|f| !f.undo && f.label.starts_with("leave "));
    for f in leaves {
        for &node in &f.nodes {
            if let Some(n) = t.get_mut(node as usize) {
                if f.at_ms >= joined_ms[node as usize] {
                    n.inside = false;
                }
            }
        }
    }
    let mut last_standing: BTreeMap<u32, (u64, Standing)> = BTreeMap::new();
    for c in &history.control {
        if let ControlEvent::Standing { node, standing } = c.event {
            last_standing.insert(node, (c.at_ms, standing));
        }
    }
    let mut late = BTreeSet::new();
    for (&node, &(at_ms, standing)) in &last_standing {
        let Some(n) = t.get_mut(node as usize) else { continue };
        if standing == Standing::Drained && at_ms >= joined_ms[node as usize] {
            n.inside = false;
            if at_ms > judge_until {
                late.insert(node);
            }
        }
    }
    (t, late)
}

/// Nodes that reported leaving the membership with neither a `leave` asked of them nor a
/// drained record from a leader before (a member that walked out on its own: its frozen view
/// may look right, but it no longer takes part).
fn unasked_leaves(history: &History) -> Vec<(u32, u64)> {
    let asked = |node: u32, at: u64| {
        let left = history
            .faults
            .iter()
            .any(|f| !f.undo && f.label.starts_with("leave ") && f.nodes.contains(&node) && f.at_ms <= at);
        let drained = history.control.iter().any(|c| {
            c.at_ms <= at
                && matches!(c.event, ControlEvent::Standing { node: n, standing: Standing::Drained } if n == node)
        });
        left || drained
    };
    history
        .node_events
        .iter()
        .filter(|e| e.change == NodeChange::Left && !asked(e.node, e.at_ms))
        .map(|e| (e.node, e.at_ms))
        .collect()
}

/// When the last fault was applied or undone: the end-of-run heal counts when it restarted
/// nodes (its undos of open faults are records of their own).
fn last_heal_ms(history: &History) -> u64 {
    history.faults.iter().filter(|f| !(f.label == "heal all" && f.nodes.is_empty())).map(|f| f.at_ms).max().unwrap_or(0)
}

/// Judges `membership_converged`: at the end of the run, at least the bound after the last
/// fault healed (or the last drain was committed), every live member's view holds every live
/// member alive and every crashed, departed or drained node down.
pub fn converged(history: &History) -> Verdict {
    let verdict = |violations: u64, checked: u64, detail: String, examples: Vec<String>| {
        Verdict::judged("membership_converged", PropertyClass::Liveness, violations, checked, detail, examples)
    };
    let Some(setup) = &history.membership else {
        return verdict(1, 0, "gossip membership is off: set `cluster.membership: { gossip: on }`".into(), vec![]);
    };
    let end_ms = history.final_state.as_ref().map_or(0, |s| s.at_ms);
    let healed = last_heal_ms(history);
    if end_ms < healed + setup.bound_ms {
        let detail = format!(
            "the run ends {} after the last heal ({}), before the bound of {}: lengthen `heal:`",
            secs(end_ms.saturating_sub(healed)),
            secs(healed),
            secs(setup.bound_ms)
        );
        return verdict(1, 0, detail, vec![]);
    }
    let (truth, late) = truths(history, &setup.outside, end_ms - setup.bound_ms);
    let live = |n: u32| truth.get(n as usize).is_some_and(|t| t.up && t.inside);
    // Each viewer's view in its current life: the initial members alive, the rest down, then
    // the changes it recorded since its life began.
    let mut views: BTreeMap<u32, BTreeMap<u32, MemberState>> = BTreeMap::new();
    for viewer in (0..history.nodes).filter(|&v| live(v)) {
        let initial = (0..history.nodes).map(|m| {
            let state = if setup.outside.contains(&m) { MemberState::Down } else { MemberState::Alive };
            (m, state)
        });
        views.insert(viewer, initial.filter(|&(m, _)| m != viewer).collect());
    }
    for r in &history.member_views {
        let Some(view) = views.get_mut(&r.viewer) else { continue };
        if r.at_ms >= truth[r.viewer as usize].life_from_ms && r.member != r.viewer {
            view.insert(r.member, r.state);
        }
    }
    let (mut wrong, mut checked, mut examples) = (0u64, 0u64, Vec::new());
    for (node, at_ms) in unasked_leaves(history) {
        (wrong, checked) = (wrong + 1, checked + 1);
        if examples.len() < EXAMPLES_MAX {
            let name = history.node_name(node);
            examples.push(format!(
                "{name} left the membership at {} with no leave asked and no drain recorded",
                secs(at_ms)
            ));
        }
    }
    for (&viewer, view) in &views {
        for (&member, &state) in view.iter().filter(|(m, _)| !late.contains(m)) {
            checked += 1;
            let want = if live(member) { MemberState::Alive } else { MemberState::Down };
            if state != want {
                wrong += 1;
                if examples.len() < EXAMPLES_MAX {
                    examples.push(format!(
                        "{} sees {} {:?}, but it is {:?} by the simulator's record",
                        history.node_name(viewer),
                        history.node_name(member),
                        state,
                        want
                    ));
                }
            }
        }
    }
    let unjudged = if late.is_empty() {
        String::new()
    } else {
        format!("; {} drained less than the bound before the end, not judged", late.len())
    };
    let detail = if wrong == 0 {
        format!(
            "{} live views agree with the truth {} after the last heal{unjudged}",
            views.len(),
            secs(end_ms - healed)
        )
    } else {
        format!(
            "{wrong} of {checked} view entries disagree with the truth at the end ({} after the last heal){unjudged}",
            secs(end_ms - healed)
        )
    };
    verdict(wrong, checked, detail, examples)
}

/// Judges `no_member_before_join`: no view held a node declared outside the cluster alive or
/// suspect before the simulator recorded it joining. A node outside talks gossip with no one,
/// so a view naming it is a member nobody let in (or a join that went out early).
pub fn no_member_before_join(history: &History) -> Verdict {
    let verdict = |violations: u64, checked: u64, detail: String, examples: Vec<String>| {
        Verdict::judged("no_member_before_join", PropertyClass::Safety, violations, checked, detail, examples)
    };
    let Some(setup) = &history.membership else {
        return verdict(1, 0, "gossip membership is off: set `cluster.membership: { gossip: on }`".into(), vec![]);
    };
    let mut joined: BTreeMap<u32, u64> = BTreeMap::new();
    for e in history.node_events.iter().filter(|e| e.change == NodeChange::Joined) {
        joined.entry(e.node).or_insert(e.at_ms);
    }
    let (mut early, mut checked, mut examples) = (0u64, 0u64, Vec::new());
    for r in history.member_views.iter().filter(|r| setup.outside.contains(&r.member)) {
        checked += 1;
        let before = joined.get(&r.member).is_none_or(|&at| r.at_ms < at);
        if r.state != MemberState::Down && before {
            early += 1;
            if examples.len() < EXAMPLES_MAX {
                let when = joined
                    .get(&r.member)
                    .map_or("it never joined".to_string(), |&at| format!("it joined at {}", secs(at)));
                examples.push(format!(
                    "{} saw {} {:?} at {}, but {when}",
                    history.node_name(r.viewer),
                    history.node_name(r.member),
                    r.state,
                    secs(r.at_ms)
                ));
            }
        }
    }
    let detail = format!(
        "{early} of {checked} view changes about the {} nodes declared outside came before they joined",
        setup.outside.len()
    );
    verdict(early, checked, detail, examples)
}

/// Judges `suspicion_refuted`: some node's view held a member suspect and then alive at a newer
/// incarnation, while that member's process never went down in between (a false suspicion
/// the member refuted).
pub fn suspicion_refuted(history: &History) -> Verdict {
    let mut suspected: BTreeMap<(u32, u32), (u64, u64)> = BTreeMap::new();
    let mut refuted = 0u64;
    let crashes: Vec<(u64, u32)> =
        history.node_events.iter().filter(|e| e.change == NodeChange::Crashed).map(|e| (e.at_ms, e.node)).collect();
    for r in &history.member_views {
        match r.state {
            MemberState::Suspect => {
                suspected.insert((r.viewer, r.member), (r.at_ms, r.incarnation));
            }
            MemberState::Alive => {
                if let Some((since, inc)) = suspected.remove(&(r.viewer, r.member)) {
                    let crashed = crashes.iter().any(|&(at, n)| n == r.member && at >= since && at <= r.at_ms);
                    refuted += u64::from(r.incarnation > inc && !crashed);
                }
            }
            MemberState::Down => {
                suspected.remove(&(r.viewer, r.member));
            }
        }
    }
    Verdict {
        name: "suspicion_refuted".into(),
        class: PropertyClass::Sometimes,
        expected_violation: false,
        violations: u64::from(refuted == 0),
        checked: history.member_views.len() as u64,
        passed: refuted > 0,
        detail: format!("{refuted} false suspicions refuted"),
        examples: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, FinalState, MemberViewRecord, MembershipSetup};

    /// Three nodes, gossip on with a 5 s bound, the run ending at 30 s; node 2 crashed at 10 s
    /// and restarted at 20 s (the end-of-run heal).
    fn history() -> History {
        let mut h = History::new();
        h.nodes = 3;
        h.membership = Some(MembershipSetup { bound_ms: 5_000, outside: vec![] });
        h.record_node(10_000, 2, NodeChange::Crashed);
        h.record_node(20_000, 2, NodeChange::Restarted);
        h.record_fault(FaultRecord {
            at_ms: 10_000,
            label: "crash n3".into(),
            nodes: vec![2],
            until_ms: None,
            undo: false,
        });
        h.record_fault(FaultRecord {
            at_ms: 20_000,
            label: "heal all, restart n3".into(),
            nodes: vec![2],
            until_ms: None,
            undo: true,
        });
        h.record_final_state(FinalState { at_ms: 30_000, ..FinalState::default() });
        h
    }

    fn saw(at_ms: u64, viewer: u32, member: u32, state: MemberState, incarnation: u64) -> MemberViewRecord {
        MemberViewRecord { at_ms, viewer, member, state, incarnation }
    }

    #[test]
    fn views_that_followed_the_crash_and_the_restart_converge() {
        let mut h = history();
        for v in [0, 1] {
            h.record_member_view(saw(12_000, v, 2, MemberState::Suspect, 0));
            h.record_member_view(saw(14_000, v, 2, MemberState::Down, 0));
            h.record_member_view(saw(21_000, v, 2, MemberState::Alive, 1 << 32));
        }
        let v = converged(&h);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 6, "three live viewers, two members each");
    }

    #[test]
    fn a_view_still_holding_a_restarted_node_down_fails() {
        let mut h = history();
        h.record_member_view(saw(14_000, 0, 2, MemberState::Down, 0));
        h.record_member_view(saw(14_000, 1, 2, MemberState::Down, 0));
        h.record_member_view(saw(21_000, 1, 2, MemberState::Alive, 1 << 32));
        let v = converged(&h);
        assert!(!v.passed && v.violations == 1, "{v:?}");
        assert!(v.examples[0].contains("sees n3 Down") || v.examples[0].contains("sees #2 Down"), "{:?}", v.examples);
    }

    #[test]
    fn a_left_node_still_alive_in_a_view_fails_and_a_short_heal_cannot_be_judged() {
        let mut h = history();
        // A node's own report of leaving is no truth: judged as a member, it must be alive,
        // and a leave nobody asked for is itself wrong.
        h.record_node(15_000, 1, NodeChange::Left);
        let v = converged(&h);
        assert!(!v.passed && v.violations == 1, "node 1 left with no leave asked: {v:?}");
        assert!(v.examples[0].contains("no leave asked"), "{:?}", v.examples);
        h.record_member_view(saw(16_000, 0, 1, MemberState::Down, 0));
        assert_eq!(converged(&h).violations, 2, "and node 0 holds it down");
        let mut h = history();
        h.record_fault(FaultRecord {
            at_ms: 15_000,
            label: "leave n2".into(),
            nodes: vec![1],
            until_ms: None,
            undo: false,
        });
        let v = converged(&h);
        assert!(!v.passed && v.violations == 2, "nodes 0 and 2 still hold the departed node 1 alive: {v:?}");
        h.record_member_view(saw(16_000, 0, 1, MemberState::Down, 0));
        assert_eq!(converged(&h).violations, 1);
        h.record_member_view(saw(17_000, 2, 1, MemberState::Down, 0));
        assert_eq!(converged(&h).violations, 1, "node 2 restarted at 20 s: its earlier life does not count");
        h.record_member_view(saw(21_000, 2, 1, MemberState::Down, 0));
        assert!(converged(&h).passed);
        h.final_state = Some(FinalState { at_ms: 22_000, ..FinalState::default() });
        let v = converged(&h);
        assert!(!v.passed && v.detail.contains("lengthen `heal:`"), "{v:?}");
        h.membership = None;
        assert!(!converged(&h).passed, "nothing to judge without gossip");
    }

    #[test]
    fn a_drained_node_that_never_left_fails_whatever_it_reported() {
        let mut h = history();
        let drained = ControlEvent::Standing { node: 1, standing: Standing::Drained };
        h.record_control(15_000, 0, drained.clone());
        let v = converged(&h);
        assert!(!v.passed && v.violations == 2, "nodes 0 and 2 still hold the drained node 1 alive: {v:?}");
        for viewer in [0, 2] {
            h.record_member_view(saw(21_000, viewer, 1, MemberState::Down, 0));
        }
        assert!(converged(&h).passed);
        h.record_control(26_000, 0, drained);
        let v = converged(&h);
        assert!(v.passed && v.checked == 2, "drained 4 s before the end: node 1 is not judged: {v:?}");
        assert!(v.detail.contains("1 drained less than the bound before the end"), "{}", v.detail);
    }

    #[test]
    fn a_restarted_viewer_is_judged_by_its_new_life_only() {
        let mut h = history();
        // Node 2's previous life saw node 0 down; its new life starts from everyone alive.
        h.record_member_view(saw(11_000, 2, 0, MemberState::Down, 0));
        assert!(converged(&h).passed);
        h.record_member_view(saw(25_000, 2, 0, MemberState::Suspect, 0));
        assert!(!converged(&h).passed, "a suspect is not alive");
    }

    #[test]
    fn a_suspicion_refuted_at_a_newer_incarnation_counts_but_not_across_a_crash() {
        let mut h = history();
        h.record_member_view(saw(1_000, 0, 1, MemberState::Suspect, 0));
        h.record_member_view(saw(2_000, 0, 1, MemberState::Alive, 1));
        assert!(suspicion_refuted(&h).passed);
        let mut h = history();
        h.record_member_view(saw(9_000, 0, 2, MemberState::Suspect, 0));
        h.record_member_view(saw(21_000, 0, 2, MemberState::Alive, 1 << 32));
        assert!(!suspicion_refuted(&h).passed, "node 2 crashed in between: not a false suspicion");
    }

    #[test]
    fn a_node_declared_outside_seen_before_it_joined_fails() {
        let mut h = history();
        h.membership = Some(MembershipSetup { bound_ms: 5_000, outside: vec![2] });
        h.record_node(8_000, 2, NodeChange::Joined);
        h.record_member_view(saw(9_000, 0, 2, MemberState::Alive, 0));
        h.record_member_view(saw(9_500, 1, 1, MemberState::Suspect, 0));
        let v = no_member_before_join(&h);
        assert!(v.passed && v.checked == 1, "{v:?}");
        h.record_member_view(saw(7_000, 1, 2, MemberState::Suspect, 0));
        h.record_member_view(saw(7_500, 1, 2, MemberState::Down, 0));
        let v = no_member_before_join(&h);
        assert!(!v.passed && v.violations == 1, "suspect before its join at 8 s: {v:?}");
        assert!(v.examples[0].contains("it joined at 8"), "{:?}", v.examples);
        let mut h = history();
        h.membership = Some(MembershipSetup { bound_ms: 5_000, outside: vec![2] });
        h.record_member_view(saw(9_000, 0, 2, MemberState::Alive, 0));
        assert!(!no_member_before_join(&h).passed, "it never joined");
    }
}
