//! The Kubernetes Horizontal Pod Autoscaler's rule, with nodes for pods, step by step as the
//! upstream controller computes it (kubernetes `pkg/controller/podautoscaler`, read for this):
//!
//! - `replica_calculator.go`: `usageRatio = metric / target`; no change when
//!   `|1 − usageRatio| ≤ tolerance` (0.1); else `desired = ceil(usageRatio × current)`.
//! - `horizontal.go`, `reconcileAutoscaler`: a current count above `max` (below `min`) goes
//!   straight to `max` (`min`) with no metric; otherwise `normalizeDesiredReplicasWithBehaviors`:
//!   - `stabilizeRecommendationWithBehaviors`: the raw recommendation is recorded with its time;
//!     the result is `current` clamped between the lowest recommendation of the scale-up window
//!     (0 s by default: the new one) and the highest of the scale-down window (300 s): so a
//!     scale-down follows the highest recommendation of the last 5 minutes. A window holds the
//!     records strictly after `now − window` (`timestamp.After(cutoff)`).
//!   - `convertDesiredReplicasWithBehaviorRate` and `calculateScaleUpLimitWithScalingRules`:
//!     the count at the period's start is `current − added + removed` over the scale events of
//!     the last period (strictly after `now − period`, `getReplicasChangePerPeriod`); each policy
//!     proposes a limit (`Pods`: start + value; `Percent`: `ceil(start × (1 + value/100))`), the
//!     `Max` select policy takes the largest; a limit below `current` is raised to `current`; the
//!     result is capped by `max` (reason `ScaleUpLimit` when the rate binds, `TooManyReplicas`
//!     when `max` does). Scale-down mirrors it (`Percent`: `start × (1 − value/100)`, truncated;
//!     the smallest proposal; `ScaleDownLimit` / `TooFewReplicas`).
//! - Defaults (`pkg/apis/autoscaling/v2/defaults.go`): scale-up {4 pods, 100%} per 15 s,
//!   select Max, no stabilization; scale-down 100% per 15 s, 300 s stabilization; sync period
//!   15 s (`--horizontal-pod-autoscaler-sync-period`).
//!
//! One deliberate difference: the ceiling ignores binary-float dust (`ceil(x − 1e-9)`), so
//! `0.66 / 0.6 × 10` gives 11, not 12; Kubernetes computes from integer percentages and has
//! its own rounding there. Scale events enter through [`Hpa::applied`], called by whoever
//! carried the change out (as upstream stores an event only after the scale update succeeded).

use std::collections::VecDeque;

/// The HPA's settings (Kubernetes defaults from [`HpaConfig::default`]).
#[derive(Clone, Debug, PartialEq)]
pub struct HpaConfig {
    /// Target value of the metric per node (e.g. a mean busy fraction of 0.6).
    pub target: f64,
    /// No change while `|metric / target − 1|` is at most this.
    pub tolerance: f64,
    /// The controller acts once per this period.
    pub sync_period_ms: u64,
    /// Scale-up stabilization window (lowest recommendation within it).
    pub scale_up_stabilization_ms: u64,
    /// Scale-down stabilization window (highest recommendation within it).
    pub scale_down_stabilization_ms: u64,
    /// Scale-up policy `Pods`: at most this many nodes added per period.
    pub scale_up_nodes: u32,
    /// Scale-up policy `Percent`: at most this percentage added per period.
    pub scale_up_percent: u32,
    /// Period of both scale-up policies.
    pub scale_up_period_ms: u64,
    /// Scale-down policy `Percent`: at most this percentage removed per period.
    pub scale_down_percent: u32,
    /// Period of the scale-down policy.
    pub scale_down_period_ms: u64,
    /// Fewest nodes.
    pub min_nodes: u32,
    /// Most nodes.
    pub max_nodes: u32,
}

impl Default for HpaConfig {
    fn default() -> Self {
        HpaConfig {
            target: 0.6,
            tolerance: 0.1,
            sync_period_ms: 15_000,
            scale_up_stabilization_ms: 0,
            scale_down_stabilization_ms: 300_000,
            scale_up_nodes: 4,
            scale_up_percent: 100,
            scale_up_period_ms: 15_000,
            scale_down_percent: 100,
            scale_down_period_ms: 15_000,
            min_nodes: 1,
            max_nodes: 10,
        }
    }
}

/// What bounded a step's result (the upstream condition reasons).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The stabilized recommendation was within every bound.
    DesiredWithinRange,
    /// The scale-up rate policy capped it.
    ScaleUpLimit,
    /// `max_nodes` capped it.
    TooManyReplicas,
    /// The scale-down rate policy held it up.
    ScaleDownLimit,
    /// `min_nodes` held it up.
    TooFewReplicas,
    /// The current count was above `max_nodes`: brought to it without a metric.
    CurrentAboveMax,
    /// The current count was below `min_nodes`: brought to it without a metric.
    CurrentBelowMin,
}

/// One sync of the controller: what it saw and what it decided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaStep {
    /// When.
    pub at_ms: u64,
    /// Nodes before.
    pub current: u32,
    /// The metric observed.
    pub metric: f64,
    /// The recommendation from the metric alone (after the tolerance).
    pub raw: u32,
    /// After the stabilization windows.
    pub stabilized: u32,
    /// After the rate policies and bounds: the decision.
    pub desired: u32,
    /// What bounded it.
    pub limit: Limit,
}

/// The HPA controller's state: recent recommendations and scale events.
#[derive(Clone, Debug)]
pub struct Hpa {
    config: HpaConfig,
    next_sync_ms: u64,
    /// `(time, raw recommendation)`, oldest first; none older than both windows.
    recommendations: VecDeque<(u64, u32)>,
    /// `(time, nodes added)` and `(time, nodes removed)`, oldest first, within their periods.
    up_events: VecDeque<(u64, u32)>,
    down_events: VecDeque<(u64, u32)>,
}

/// Whether `t` is strictly after `now − window` (as Go's `t.After(now.Add(-window))`).
fn within(t: u64, now: u64, window: u64) -> bool {
    t.saturating_add(window) > now
}

/// `ceil(x)` that ignores binary-float dust just above an integer.
fn ceil_clean(x: f64) -> u32 {
    (x - 1e-9).ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

impl Hpa {
    /// A controller that syncs first at time 0 (or at its first call).
    pub fn new(config: HpaConfig) -> Self {
        assert!(config.target > 0.0 && config.target.is_finite(), "a positive target");
        assert!(config.tolerance >= 0.0, "a non-negative tolerance");
        assert!(1 <= config.min_nodes && config.min_nodes <= config.max_nodes, "1 <= min <= max");
        assert!(config.sync_period_ms > 0, "a positive sync period");
        Hpa {
            config,
            next_sync_ms: 0,
            recommendations: VecDeque::new(),
            up_events: VecDeque::new(),
            down_events: VecDeque::new(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &HpaConfig {
        &self.config
    }

    /// When the next sync is due.
    pub fn next_sync_ms(&self) -> u64 {
        self.next_sync_ms
    }

    /// Runs one sync at `now_ms` if one is due (None otherwise): the decision for `current`
    /// nodes observing `metric` (the mean per node). Does not apply it: call [`Hpa::applied`]
    /// when the change is carried out. A NaN or negative metric is treated as no information
    /// (the upstream controller skips a sync whose metrics cannot be read).
    pub fn sync(&mut self, now_ms: u64, current: u32, metric: f64) -> Option<HpaStep> {
        if now_ms < self.next_sync_ms {
            return None;
        }
        self.next_sync_ms = now_ms + self.config.sync_period_ms;
        let c = &self.config;
        let step = |raw, stabilized, desired, limit| HpaStep {
            at_ms: now_ms,
            current,
            metric,
            raw,
            stabilized,
            desired,
            limit,
        };
        if current > c.max_nodes {
            return Some(step(c.max_nodes, c.max_nodes, c.max_nodes, Limit::CurrentAboveMax));
        }
        if current < c.min_nodes {
            return Some(step(c.min_nodes, c.min_nodes, c.min_nodes, Limit::CurrentBelowMin));
        }
        if !metric.is_finite() || metric < 0.0 {
            return Some(step(current, current, current, Limit::DesiredWithinRange));
        }
        let ratio = metric / c.target;
        let raw = if (1.0 - ratio).abs() <= c.tolerance { current } else { ceil_clean(ratio * f64::from(current)) };
        let stabilized = self.stabilize(now_ms, current, raw);
        let (desired, limit) = self.rate_limited(now_ms, current, stabilized);
        Some(step(raw, stabilized, desired, limit))
    }

    /// `stabilizeRecommendationWithBehaviors`: records `raw`, returns `current` clamped into
    /// [lowest recommendation of the scale-up window, highest of the scale-down window].
    fn stabilize(&mut self, now: u64, current: u32, raw: u32) -> u32 {
        let (up_w, down_w) = (self.config.scale_up_stabilization_ms, self.config.scale_down_stabilization_ms);
        let (mut up, mut down) = (raw, raw);
        for &(t, r) in &self.recommendations {
            if within(t, now, up_w) {
                up = up.min(r);
            }
            if within(t, now, down_w) {
                down = down.max(r);
            }
        }
        self.recommendations.retain(|&(t, _)| within(t, now, up_w.max(down_w)));
        self.recommendations.push_back((now, raw));
        current.max(up).min(down)
    }

    /// Nodes added and removed within the last `period_ms` before `now`.
    fn changes(&self, now: u64, period_ms: u64) -> (u32, u32) {
        let sum = |events: &VecDeque<(u64, u32)>| {
            events.iter().filter(|e| within(e.0, now, period_ms)).map(|e| e.1).sum::<u32>()
        };
        (sum(&self.up_events), sum(&self.down_events))
    }

    /// `convertDesiredReplicasWithBehaviorRate`: the rate policies and the bounds.
    fn rate_limited(&self, now: u64, current: u32, desired: u32) -> (u32, Limit) {
        let c = &self.config;
        if desired > current {
            let (added, removed) = self.changes(now, c.scale_up_period_ms);
            let start = (i64::from(current) - i64::from(added) + i64::from(removed)).max(0) as f64;
            let by_nodes = start + f64::from(c.scale_up_nodes);
            let by_percent = (start * (1.0 + f64::from(c.scale_up_percent) / 100.0)).ceil();
            let limit = (by_nodes.max(by_percent) as u32).max(current);
            let (allowed, why) =
                if c.max_nodes > limit { (limit, Limit::ScaleUpLimit) } else { (c.max_nodes, Limit::TooManyReplicas) };
            if desired > allowed {
                return (allowed, why);
            }
        } else if desired < current {
            let (added, removed) = self.changes(now, c.scale_down_period_ms);
            let start = (i64::from(current) - i64::from(added) + i64::from(removed)).max(0) as f64;
            let by_percent = (start * (1.0 - f64::from(c.scale_down_percent) / 100.0)).max(0.0);
            let limit = (by_percent as u32).min(current);
            let (allowed, why) =
                if c.min_nodes < limit { (limit, Limit::ScaleDownLimit) } else { (c.min_nodes, Limit::TooFewReplicas) };
            if desired < allowed {
                return (allowed, why);
            }
        }
        (desired, Limit::DesiredWithinRange)
    }

    /// Records a scale change carried out at `now_ms` (what the rate policies count).
    pub fn applied(&mut self, now_ms: u64, from: u32, to: u32) {
        let longest = self.config.scale_up_period_ms.max(self.config.scale_down_period_ms);
        self.up_events.retain(|e| within(e.0, now_ms, longest));
        self.down_events.retain(|e| within(e.0, now_ms, longest));
        if to > from {
            self.up_events.push_back((now_ms, to - from));
        } else if to < from {
            self.down_events.push_back((now_ms, from - to));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hpa(min_nodes: u32, max_nodes: u32) -> Hpa {
        Hpa::new(HpaConfig { target: 0.5, min_nodes, max_nodes, ..HpaConfig::default() })
    }

    /// Syncs at `t` seconds and applies the decision; returns (raw, stabilized, desired, limit).
    fn run(h: &mut Hpa, nodes: &mut u32, t: u64, metric: f64) -> (u32, u32, u32, Limit) {
        let s = h.sync(t * 1000, *nodes, metric).expect("a sync is due");
        h.applied(t * 1000, *nodes, s.desired);
        *nodes = s.desired;
        (s.raw, s.stabilized, s.desired, s.limit)
    }

    #[test]
    fn decisions_follow_the_kubernetes_rule_step_by_step() {
        use Limit::*;
        let (mut h, mut n) = (hpa(1, 20), 2);
        // Within the 10% tolerance (0.52 / 0.5 = 1.04): no change.
        assert_eq!(run(&mut h, &mut n, 0, 0.52), (2, 2, 2, DesiredWithinRange));
        // Not due before the 15 s sync period.
        assert_eq!(h.sync(14_999, n, 5.0), None);
        // Just outside the tolerance (0.56 / 0.5 = 1.12): ceil(2 × 1.12) = 3.
        assert_eq!(run(&mut h, &mut n, 15, 0.56), (3, 3, 3, DesiredWithinRange));
        // ceil(3 × 4) = 12, but at most max(3 + 4, 2 × 3) = 7 per 15 s.
        assert_eq!(run(&mut h, &mut n, 30, 2.0), (12, 12, 7, ScaleUpLimit));
        // The last event is exactly 15 s old, outside the period: the limit restarts from 7.
        assert_eq!(run(&mut h, &mut n, 45, 0.8), (12, 12, 12, DesiredWithinRange));
        // Load falls: the raw recommendation is 6, but the highest of the last 300 s is 12.
        assert_eq!(run(&mut h, &mut n, 60, 0.25), (6, 12, 12, DesiredWithinRange));
        for t in (75..=330).step_by(15) {
            assert_eq!(run(&mut h, &mut n, t, 0.25).2, 12, "held at {t}s");
        }
        // 12 was recommended at 30 s and 45 s; at 345 s only records after 45 s count.
        assert_eq!(run(&mut h, &mut n, 345, 0.25), (6, 6, 6, DesiredWithinRange));
        // A burst: ceil(6 × 6) = 36; the rate allows max(6 + 4, 12) = 12, then 24 > max 20.
        assert_eq!(run(&mut h, &mut n, 360, 3.0), (36, 36, 12, ScaleUpLimit));
        assert_eq!(run(&mut h, &mut n, 375, 3.0), (72, 72, 20, TooManyReplicas));
        // Idle: 0 recommended, held at 20 while 72 (at 375 s) is in the window, then min_nodes.
        assert_eq!(run(&mut h, &mut n, 390, 0.0), (0, 20, 20, DesiredWithinRange));
        assert_eq!(run(&mut h, &mut n, 660, 0.0), (0, 20, 20, DesiredWithinRange));
        assert_eq!(run(&mut h, &mut n, 675, 0.0), (0, 0, 1, TooFewReplicas));
    }

    #[test]
    fn scale_up_events_within_the_period_count_against_the_limit() {
        let mut h = Hpa::new(HpaConfig { target: 0.5, sync_period_ms: 5_000, max_nodes: 50, ..HpaConfig::default() });
        let mut n = 2;
        assert_eq!(run(&mut h, &mut n, 0, 5.0).2, 6);
        // 5 s later the +4 still counts: the period started at 2 nodes, limit max(6, 4) = 6.
        assert_eq!(run(&mut h, &mut n, 5, 5.0), (60, 60, 6, Limit::ScaleUpLimit));
        assert_eq!(run(&mut h, &mut n, 10, 5.0).2, 6);
        assert_eq!(run(&mut h, &mut n, 15, 5.0).2, 12);
    }

    #[test]
    fn a_count_outside_the_bounds_goes_straight_to_them() {
        let mut h = hpa(3, 8);
        assert_eq!(h.sync(0, 11, 0.5).map(|s| (s.desired, s.limit)), Some((8, Limit::CurrentAboveMax)));
        assert_eq!(h.sync(15_000, 1, 0.5).map(|s| (s.desired, s.limit)), Some((3, Limit::CurrentBelowMin)));
        // No usable metric: no change.
        assert_eq!(h.sync(30_000, 5, f64::NAN).map(|s| s.desired), Some(5));
    }

    #[test]
    fn a_recommendation_exactly_at_a_limit_is_within_range() {
        // As upstream: a limit is reported only when it cut the recommendation.
        // 3 nodes at 7/6 of a 0.5 target: ceil(3 × 7/3) = 7, and the rate allows max(3 + 4, 6) = 7.
        let mut h = hpa(1, 20);
        assert_eq!(run(&mut h, &mut 3, 0, 7.0 / 6.0), (7, 7, 7, Limit::DesiredWithinRange));
        // 5 nodes at 0.7: ceil(5 × 1.4) = 7 = max_nodes.
        let mut h = hpa(1, 7);
        assert_eq!(run(&mut h, &mut 5, 0, 0.7), (7, 7, 7, Limit::DesiredWithinRange));
    }

    #[test]
    fn float_dust_does_not_add_a_node() {
        let mut h = Hpa::new(HpaConfig { target: 0.6, max_nodes: 50, ..HpaConfig::default() });
        // 0.66 / 0.6 × 10 = 11.000000000000016: a plain ceil would ask for 12.
        assert_eq!(h.sync(0, 10, 0.66 + 1e-12).map(|s| s.raw), Some(11));
        assert_eq!(h.sync(15_000, 10, 0.72).map(|s| s.raw), Some(12));
    }
}
