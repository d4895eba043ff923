//! Scaling: the autoscaler kept the node count within its bounds, took no action inside a
//! cooldown, and did not flap. Judged from a neutral list of scale actions (time, count before,
//! count after, reason) and the configured bounds and cooldowns; the reason is only quoted,
//! never trusted: each property is decided from the counts and times alone.
//!
//! An action whose `to` equals its `from` is no action and is skipped. A **bounds
//! correction** is an action from outside the bounds to the nearest bound (`from < min`,
//! `to == min`, or `from > max`, `to == max`), e.g. replacing a crashed node; it is exempt
//! from the cooldown and flapping rules (an autoscaler must restore its minimum at once).

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::History;

pub use crate::history::capacity::{ScaleAction, ScaleLimits};

impl ScaleAction {
    fn label(&self) -> String {
        format!("{} -> {} at {} ({})", self.from, self.to, secs(self.at_ms), self.reason)
    }

    fn is_bounds_correction(&self, limits: &ScaleLimits) -> bool {
        (self.from < limits.min_nodes && self.to == limits.min_nodes)
            || (self.from > limits.max_nodes && self.to == limits.max_nodes)
    }
}

/// The actions that change the count, in time order (stable for equal times).
fn effective(actions: &[ScaleAction]) -> Vec<&ScaleAction> {
    let mut out: Vec<&ScaleAction> = actions.iter().filter(|a| a.to != a.from).collect();
    out.sort_by_key(|a| a.at_ms);
    out
}

fn safety(name: &str, violations: u64, checked: u64, detail: String, examples: Vec<String>) -> Verdict {
    Verdict::judged(name, PropertyClass::Safety, violations, checked, detail, examples)
}

/// Judges `node_count_within_bounds`: every action leaves the count within
/// `[min_nodes, max_nodes]`.
pub fn node_count_within_bounds(actions: &[ScaleAction], limits: &ScaleLimits) -> Verdict {
    let out: Vec<&ScaleAction> =
        actions.iter().filter(|a| a.to < limits.min_nodes || a.to > limits.max_nodes).collect();
    let examples = out.iter().take(EXAMPLES_MAX).map(|a| a.label()).collect();
    let detail = format!(
        "{} scale actions, {} leave the count outside {}..={} nodes",
        actions.len(),
        out.len(),
        limits.min_nodes,
        limits.max_nodes
    );
    safety("node_count_within_bounds", out.len() as u64, actions.len() as u64, detail, examples)
}

/// Judges `no_scale_in_cooldown`: no action comes sooner after the previous action (in either
/// direction) than its own direction's cooldown (scale-out: `scale_up_cooldown_ms`; scale-in:
/// `scale_down_cooldown_ms`). Bounds corrections are exempt (module doc).
pub fn no_scale_in_cooldown(actions: &[ScaleAction], limits: &ScaleLimits) -> Verdict {
    let acts = effective(actions);
    let mut bad = Vec::new();
    for pair in acts.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        let cooldown = if next.to > next.from { limits.scale_up_cooldown_ms } else { limits.scale_down_cooldown_ms };
        if !next.is_bounds_correction(limits) && next.at_ms < prev.at_ms.saturating_add(cooldown) {
            bad.push(format!("{} only {} after {}", next.label(), secs(next.at_ms - prev.at_ms), prev.label()));
        }
    }
    let detail = format!(
        "{} scale actions, {} inside a cooldown (out {}, in {})",
        acts.len(),
        bad.len(),
        secs(limits.scale_up_cooldown_ms),
        secs(limits.scale_down_cooldown_ms)
    );
    let violations = bad.len() as u64;
    bad.truncate(EXAMPLES_MAX);
    safety("no_scale_in_cooldown", violations, acts.len() as u64, detail, bad)
}

/// Judges `no_flapping`: the node count never reverses direction within `window_ms`, i.e. no
/// scale-out is followed by a scale-in (and no scale-in by a scale-out) less than `window_ms`
/// after it. Checking consecutive actions suffices: any reversal within the window contains
/// a consecutive pair that reverses within it. Bounds corrections are exempt (module doc).
pub fn no_flapping(actions: &[ScaleAction], limits: &ScaleLimits, window_ms: u64) -> Verdict {
    let acts = effective(actions);
    let mut bad = Vec::new();
    for pair in acts.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        let reversed = (prev.to > prev.from) != (next.to > next.from);
        if reversed && !next.is_bounds_correction(limits) && next.at_ms < prev.at_ms.saturating_add(window_ms) {
            bad.push(format!("{} reverses {} within {}", next.label(), prev.label(), secs(next.at_ms - prev.at_ms)));
        }
    }
    let detail = format!("{} scale actions, {} reversals within {}", acts.len(), bad.len(), secs(window_ms));
    let violations = bad.len() as u64;
    bad.truncate(EXAMPLES_MAX);
    safety("no_flapping", violations, acts.len() as u64, detail, bad)
}

/// Which scaling property to judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `node_count_within_bounds`, from the machines turned on and off.
    Bounds,
    /// `no_scale_in_cooldown`, from the scale actions carried out.
    Cooldown,
    /// `no_flapping`, from the scale actions carried out.
    Flapping,
}

/// Judges `rule` on a run's capacity log: bounds from what machines ran (not from what the
/// autoscaler decided), cooldowns and flapping from the actions it carried out. A run without
/// an autoscaler fails: the scenario expects a property of something it does not have.
pub fn judge(history: &History, rule: Rule) -> Verdict {
    let name = match rule {
        Rule::Bounds => "node_count_within_bounds",
        Rule::Cooldown => "no_scale_in_cooldown",
        Rule::Flapping => "no_flapping",
    };
    let Some((log, limits)) = history.capacity.as_ref().and_then(|l| l.limits.map(|x| (l, x))) else {
        return safety(name, 1, 0, "no autoscaler ran: the scenario has no `autoscaler:`".into(), vec![]);
    };
    match rule {
        Rule::Bounds => node_count_within_bounds(&log.machine_counts(), &limits),
        Rule::Cooldown => no_scale_in_cooldown(&log.decisions, &limits),
        Rule::Flapping => no_flapping(&log.decisions, &limits, log.flap_window_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ScaleLimits =
        ScaleLimits { min_nodes: 2, max_nodes: 6, scale_up_cooldown_ms: 60_000, scale_down_cooldown_ms: 300_000 };

    fn act(at_s: u64, from: u32, to: u32) -> ScaleAction {
        ScaleAction { at_ms: at_s * 1000, from, to, reason: "test".into() }
    }

    /// Out at 0 s and 60 s, in at 360 s, out again at 420 s, a bounds correction after a crash.
    fn good() -> Vec<ScaleAction> {
        vec![act(0, 3, 4), act(60, 4, 5), act(75, 5, 5), act(360, 5, 4), act(420, 4, 5), act(430, 1, 2)]
    }

    #[test]
    fn a_well_behaved_history_passes_all_three() {
        assert!(node_count_within_bounds(&good(), &LIMITS).passed);
        assert!(no_scale_in_cooldown(&good(), &LIMITS).passed);
        let v = no_flapping(&good(), &LIMITS, 60_000);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 5);
    }

    #[test]
    fn a_count_outside_the_bounds_fails() {
        let mut h = good();
        h.push(act(500, 5, 7));
        h.push(act(900, 3, 1));
        let v = node_count_within_bounds(&h, &LIMITS);
        assert_eq!((v.passed, v.violations), (false, 2));
        assert_eq!(v.examples[0], "5 -> 7 at 500.000s (test)");
    }

    #[test]
    fn an_action_inside_a_cooldown_fails() {
        // A scale-in 299 s after the last action (cooldown 300 s), a scale-out 59 s after it.
        let h = vec![act(0, 3, 4), act(299, 4, 3), act(358, 3, 4)];
        let v = no_scale_in_cooldown(&h, &LIMITS);
        assert_eq!((v.passed, v.violations), (false, 2), "{v:?}");
        assert!(v.examples[0].starts_with("4 -> 3 at 299.000s"), "{:?}", v.examples);
        // Order of the list does not matter: the checker sorts by time.
        let mut shuffled = h.clone();
        shuffled.reverse();
        assert_eq!(no_scale_in_cooldown(&shuffled, &LIMITS).violations, 2);
    }

    #[test]
    fn a_reversal_within_the_window_is_flapping() {
        let h = good();
        // With a 120 s window, 360 s in then 420 s out reverses within 60 s.
        let v = no_flapping(&h, &LIMITS, 120_000);
        assert_eq!((v.passed, v.violations), (false, 1), "{v:?}");
        assert!(v.examples[0].contains("reverses 5 -> 4 at 360.000s"), "{:?}", v.examples);
    }

    #[test]
    fn bounds_are_judged_from_the_machines_that_ran_not_from_the_decisions() {
        use crate::history::capacity::{CapacityLog, MachineRecord};
        let on = |at_s: u64, node: u32, on: bool| MachineRecord { at_ms: at_s * 1000, node, on };
        let mut h = History::new();
        assert!(!judge(&h, Rule::Bounds).passed, "no autoscaler: nothing to judge is a mistake");
        // Decisions within bounds, but a drain still running when four more machines started.
        h.capacity = Some(CapacityLog {
            limits: Some(LIMITS),
            initial: 4,
            decisions: vec![act(0, 4, 3), act(100, 3, 6)],
            machines: vec![on(100, 4, true), on(100, 5, true), on(101, 6, true), on(120, 3, false)],
            flap_window_ms: 60_000,
            ..CapacityLog::default()
        });
        let v = judge(&h, Rule::Bounds);
        assert_eq!((v.passed, v.violations), (false, 1), "{v:?}");
        assert!(v.examples[0].starts_with("6 -> 7 at 101.000s (machine 6 on)"), "{:?}", v.examples);
        assert!(judge(&h, Rule::Cooldown).passed);
        assert!(judge(&h, Rule::Flapping).passed, "100 s apart: outside the window");
    }
}
