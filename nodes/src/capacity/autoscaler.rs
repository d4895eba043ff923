//! The autoscaler: three modes behind one type, each turning what the cluster observed (and,
//! for `predictive`, what the predictor forecast) into a target node count with a reason,
//! within min/max bounds and cooldowns, accounting node-seconds for what it asked for.
//!
//! - `threshold` (seed 000's threshold-based scaling): one step out when the mean busy
//!   fraction is above `high`, one step in when it is below `low`. The seed names threshold
//!   monitoring, threshold controls and resource bounds but gives no figures; the defaults
//!   (0.8 / 0.3, one node) are ours.
//! - `hpa`: the Kubernetes rule of [`super::hpa`], unchanged.
//! - `predictive`: the HPA's proportional rule on observed load, raised to cover the peak demand
//!   forecast over the next [`AutoScaler::lead_ms`] (the node start-up time plus one interval),
//!   so nodes are asked for before the load arrives. It never scales in on a forecast alone:
//!   a scale-in needs the observed load to call for it, and then stops at what the forecast
//!   still needs.
//!
//! Cooldowns count from the last scale action in either direction: a scale-out waits
//! `scale_up_cooldown_ms` after it, a scale-in `scale_down_cooldown_ms` (the definition the
//! `no_scale_in_cooldown` checker judges). Bounds come first: a count outside them is brought
//! back at once. The caller evaluates every tick; [`AutoScaler::decide`] answers only when an
//! interval has passed.

use super::cost::NodeSeconds;
use super::hpa::{Hpa, HpaConfig, Limit};

/// Settings of the `threshold` mode.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdConfig {
    /// Scale out above this mean busy fraction.
    pub high: f64,
    /// Scale in below this mean busy fraction.
    pub low: f64,
    /// Nodes added or removed per action.
    pub step_nodes: u32,
}

impl Default for ThresholdConfig {
    fn default() -> Self {
        ThresholdConfig { high: 0.8, low: 0.3, step_nodes: 1 }
    }
}

/// Settings of the `predictive` mode.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictiveConfig {
    /// Target mean busy fraction per node.
    pub target: f64,
    /// No change while observed (or forecast) load is within this share of the target.
    pub tolerance: f64,
    /// Forecasts with less confidence are ignored (the mode is then reactive).
    pub confidence_min: f64,
}

impl Default for PredictiveConfig {
    fn default() -> Self {
        PredictiveConfig { target: 0.6, tolerance: 0.1, confidence_min: 0.5 }
    }
}

/// Which rule decides.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Seed 000's thresholds.
    Threshold(ThresholdConfig),
    /// The Kubernetes HPA (its bounds are replaced by the autoscaler's).
    Hpa(HpaConfig),
    /// Scale ahead of the forecast.
    Predictive(PredictiveConfig),
}

/// The autoscaler's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoScalerConfig {
    /// The rule.
    pub mode: Mode,
    /// Fewest nodes.
    pub min_nodes: u32,
    /// Most nodes.
    pub max_nodes: u32,
    /// How often a decision is taken (the `hpa` mode uses its sync period instead).
    pub interval_ms: u64,
    /// No scale-out sooner than this after the last scale action.
    pub scale_up_cooldown_ms: u64,
    /// No scale-in sooner than this after the last scale action.
    pub scale_down_cooldown_ms: u64,
    /// How long a new node takes to start serving.
    pub startup_ms: u64,
}

impl AutoScalerConfig {
    /// Defaults for `mode`: 1..=10 nodes, 15 s interval, 30 s start-up; cooldowns of 60 s out
    /// and 300 s in, except for `hpa`, which has none (Kubernetes replaced its cooldowns with
    /// the stabilization window and rate policies).
    pub fn new(mode: Mode) -> Self {
        let (up, down) = if matches!(mode, Mode::Hpa(_)) { (0, 0) } else { (60_000, 300_000) };
        AutoScalerConfig {
            mode,
            min_nodes: 1,
            max_nodes: 10,
            interval_ms: 15_000,
            scale_up_cooldown_ms: up,
            scale_down_cooldown_ms: down,
            startup_ms: 30_000,
        }
    }
}

/// A forecast as the `predictive` mode reads it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemandForecast {
    /// Peak demand over `[now, now + lead_ms]`, in busy node-equivalents (busy fraction × nodes
    /// that would carry it, e.g. offered rate ÷ one node's capacity).
    pub peak_demand: f64,
    /// The predictor's confidence in `[0, 1]`.
    pub confidence: f64,
}

/// What the cluster looks like when a decision is asked for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Observation {
    /// Simulated time.
    pub now_ms: u64,
    /// Nodes in the cluster or starting (the count the last decision set).
    pub nodes: u32,
    /// Mean busy fraction of the serving nodes.
    pub busy: f64,
    /// The predictor's forecast (the `predictive` mode only).
    pub forecast: Option<DemandForecast>,
}

/// Why a decision came out as it did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reason {
    /// The rule asked for no change.
    Steady,
    /// The count was outside the bounds and was brought back.
    OutOfBounds,
    /// The metric was NaN or negative: no change.
    BadMetric,
    /// Threshold: busy above `high`.
    AboveHigh,
    /// Threshold: busy below `low`.
    BelowLow,
    /// HPA, with what bounded its result.
    Hpa(Limit),
    /// Predictive: ahead of the forecast peak (node-equivalents).
    Forecast { peak_demand: f64 },
    /// Predictive: the observed load (node-equivalents) called for it.
    Observed { demand: f64 },
    /// The rule wanted `wanted` nodes, but the cooldown since the last action had not passed.
    CoolingDown { wanted: u32 },
}

/// One decision: the target node count and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    /// When.
    pub at_ms: u64,
    /// Nodes before.
    pub from: u32,
    /// Nodes wanted now (equal to `from` when holding).
    pub to: u32,
    /// Why.
    pub reason: Reason,
}

impl Decision {
    /// Whether the decision changes the node count.
    pub fn is_change(&self) -> bool {
        self.to != self.from
    }
}

/// The autoscaler's state: its mode's state, the last action, the next decision time and the
/// node-seconds it asked for.
#[derive(Clone, Debug)]
pub struct AutoScaler {
    config: AutoScalerConfig,
    hpa: Option<Hpa>,
    next_ms: u64,
    last_action_ms: Option<u64>,
    cost: Option<NodeSeconds>,
}

/// `ceil(x)` ignoring binary-float dust just above an integer, as a node count.
fn nodes_for(x: f64) -> u32 {
    (x - 1e-9).ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

impl AutoScaler {
    /// An autoscaler that decides first at its first call.
    pub fn new(mut config: AutoScalerConfig) -> Self {
        assert!(1 <= config.min_nodes && config.min_nodes <= config.max_nodes, "1 <= min <= max");
        assert!(config.interval_ms > 0, "a positive interval");
        let hpa = match &mut config.mode {
            Mode::Hpa(h) => {
                h.min_nodes = config.min_nodes;
                h.max_nodes = config.max_nodes;
                config.interval_ms = h.sync_period_ms;
                Some(Hpa::new(h.clone()))
            }
            Mode::Threshold(t) => {
                assert!(t.low < t.high && t.step_nodes > 0, "low < high and a step of at least one node");
                None
            }
            Mode::Predictive(p) => {
                assert!(p.target > 0.0 && p.tolerance >= 0.0, "a positive target");
                None
            }
        };
        AutoScaler { config, hpa, next_ms: 0, last_action_ms: None, cost: None }
    }

    /// The settings (for `hpa`, with the autoscaler's bounds and interval filled in).
    pub fn config(&self) -> &AutoScalerConfig {
        &self.config
    }

    /// How far ahead the `predictive` mode wants its forecast's peak: node start-up plus one
    /// interval (what is asked for now serves from start-up until the next decision lands).
    pub fn lead_ms(&self) -> u64 {
        self.config.startup_ms + self.config.interval_ms
    }

    /// Node-seconds of the counts decided so far, up to `at_ms` (0 before the first decision).
    pub fn node_seconds(&self, at_ms: u64) -> f64 {
        self.cost.as_ref().map_or(0.0, |c| c.node_seconds(at_ms))
    }

    /// Decides at `obs.now_ms` if an interval has passed since the last decision (None
    /// otherwise). A change is taken as carried out: cooldowns and the HPA's rate policies
    /// count it from now.
    pub fn decide(&mut self, obs: &Observation) -> Option<Decision> {
        if obs.now_ms < self.next_ms {
            return None;
        }
        self.next_ms = obs.now_ms + self.config.interval_ms;
        let cost = self.cost.get_or_insert_with(|| NodeSeconds::new(obs.now_ms, obs.nodes));
        cost.set(obs.now_ms, obs.nodes);
        let (min, max) = (self.config.min_nodes, self.config.max_nodes);
        let (mut to, mut reason) = if obs.nodes < min || obs.nodes > max {
            (obs.nodes.clamp(min, max), Reason::OutOfBounds)
        } else if !obs.busy.is_finite() || obs.busy < 0.0 {
            (obs.nodes, Reason::BadMetric)
        } else {
            let (wanted, why) = self.wanted(obs);
            (wanted.clamp(min, max), why)
        };
        if reason != Reason::OutOfBounds && to != obs.nodes && self.cooling(obs.now_ms, to > obs.nodes) {
            (to, reason) = (obs.nodes, Reason::CoolingDown { wanted: to });
        }
        if to != obs.nodes {
            self.last_action_ms = Some(obs.now_ms);
            if let Some(cost) = &mut self.cost {
                cost.set(obs.now_ms, to);
            }
        }
        if let Some(h) = &mut self.hpa {
            h.applied(obs.now_ms, obs.nodes, to);
        }
        Some(Decision { at_ms: obs.now_ms, from: obs.nodes, to, reason })
    }

    /// Whether a scale-out (`up`) or scale-in at `now` falls inside its cooldown.
    fn cooling(&self, now: u64, up: bool) -> bool {
        if crate::bugs::on(crate::bugs::Bug::CooldownIgnored) {
            return false;
        }
        let cooldown = if up { self.config.scale_up_cooldown_ms } else { self.config.scale_down_cooldown_ms };
        self.last_action_ms.is_some_and(|last| now < last.saturating_add(cooldown))
    }

    /// What the mode's rule asks for, before bounds and cooldowns.
    fn wanted(&mut self, obs: &Observation) -> (u32, Reason) {
        let n = obs.nodes;
        match &self.config.mode {
            // At a bound the wanted count is clamped: the reason stays, the count holds.
            Mode::Threshold(t) if obs.busy > t.high => (n.saturating_add(t.step_nodes), Reason::AboveHigh),
            Mode::Threshold(t) if obs.busy < t.low => (n.saturating_sub(t.step_nodes), Reason::BelowLow),
            Mode::Threshold(_) => (n, Reason::Steady),
            Mode::Hpa(_) => {
                let h = self.hpa.as_mut().expect("hpa mode has its controller");
                let step = h.sync(obs.now_ms, n, obs.busy).expect("the hpa syncs on the autoscaler's interval");
                (step.desired, Reason::Hpa(step.limit))
            }
            Mode::Predictive(p) => predictive(p, obs),
        }
    }
}

/// The `predictive` rule: proportional on the observed load, raised to the confident
/// forecast's peak; a scale-in only when the observed load asks for one, never below what the
/// forecast needs.
fn predictive(p: &PredictiveConfig, obs: &Observation) -> (u32, Reason) {
    let n = obs.nodes;
    let capacity = f64::from(n) * p.target;
    let demand = obs.busy * f64::from(n);
    let observed = if (obs.busy / p.target - 1.0).abs() <= p.tolerance { n } else { nodes_for(demand / p.target) };
    let peak = obs
        .forecast
        .filter(|f| f.confidence >= p.confidence_min && f.peak_demand.is_finite() && f.peak_demand >= 0.0)
        .map(|f| f.peak_demand);
    let ahead = peak.filter(|&d| d > capacity * (1.0 + p.tolerance)).map_or(n, |d| nodes_for(d / p.target));
    if ahead > n && ahead >= observed {
        return (ahead, Reason::Forecast { peak_demand: peak.unwrap_or(0.0) });
    }
    if observed > n {
        return (observed, Reason::Observed { demand });
    }
    if observed < n {
        let floor = peak.map_or(0, |d| nodes_for(d / p.target));
        let to = observed.max(floor);
        if to < n {
            return (to, Reason::Observed { demand });
        }
    }
    (n, Reason::Steady)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(now_s: u64, nodes: u32, busy: f64) -> Observation {
        Observation { now_ms: now_s * 1000, nodes, busy, forecast: None }
    }

    fn scaler(mode: Mode, min_nodes: u32, max_nodes: u32) -> AutoScaler {
        AutoScaler::new(AutoScalerConfig { min_nodes, max_nodes, ..AutoScalerConfig::new(mode) })
    }

    /// Decides at `now_s` on `nodes`; returns (to, reason).
    fn at(a: &mut AutoScaler, o: Observation) -> (u32, Reason) {
        let d = a.decide(&o).expect("a decision is due");
        (d.to, d.reason)
    }

    #[test]
    fn threshold_steps_across_its_band_within_cooldowns_and_bounds() {
        let mut a = scaler(Mode::Threshold(ThresholdConfig::default()), 2, 4);
        assert_eq!(at(&mut a, obs(0, 3, 0.5)), (3, Reason::Steady));
        assert_eq!(a.decide(&obs(10, 3, 0.9)), None, "not due before the interval");
        assert_eq!(at(&mut a, obs(15, 3, 0.9)), (4, Reason::AboveHigh));
        // At max: the rule wants 5, the bound holds 4 (no action, so no cooldown starts).
        assert_eq!(at(&mut a, obs(90, 4, 0.95)), (4, Reason::AboveHigh));
        // Low load 60 s after the scale-out: the 300 s scale-in cooldown holds.
        assert_eq!(at(&mut a, obs(105, 4, 0.1)), (4, Reason::CoolingDown { wanted: 3 }));
        assert_eq!(at(&mut a, obs(315, 4, 0.1)), (3, Reason::BelowLow));
        // A scale-out 60 s after that scale-in is allowed (its cooldown is 60 s) ...
        assert_eq!(at(&mut a, obs(330, 3, 0.9)), (3, Reason::CoolingDown { wanted: 4 }));
        assert_eq!(at(&mut a, obs(375, 3, 0.9)), (4, Reason::AboveHigh));
        // ... and a count outside the bounds is brought back at once, cooldown or not.
        assert_eq!(at(&mut a, obs(390, 1, 0.5)), (2, Reason::OutOfBounds));
        assert_eq!(at(&mut a, obs(405, 2, f64::NAN)), (2, Reason::BadMetric));
        // Node-seconds: 3 nodes 0..15 s, 4 nodes 15..315 s, 3 until 375 s, 4 until 390 s,
        // then the 1 observed (out of bounds) is set to 2 at once.
        assert_eq!(a.node_seconds(410_000), 45.0 + 1200.0 + 180.0 + 60.0 + 40.0);
    }

    #[test]
    fn hpa_mode_is_the_kubernetes_rule_with_the_autoscalers_bounds() {
        let hpa = HpaConfig { target: 0.5, ..HpaConfig::default() };
        let mut a = scaler(Mode::Hpa(hpa), 2, 30);
        assert_eq!(a.config().interval_ms, 15_000);
        assert_eq!(at(&mut a, obs(0, 2, 0.52)), (2, Reason::Hpa(Limit::DesiredWithinRange)));
        // ceil(2 × 8) = 16, limited to max(2 + 4, 4) = 6 per 15 s; no cooldown in hpa mode.
        assert_eq!(at(&mut a, obs(15, 2, 4.0)), (6, Reason::Hpa(Limit::ScaleUpLimit)));
        assert_eq!(at(&mut a, obs(30, 6, 4.0)), (12, Reason::Hpa(Limit::ScaleUpLimit)));
        assert_eq!(at(&mut a, obs(45, 12, 4.0)), (24, Reason::Hpa(Limit::ScaleUpLimit)));
        assert_eq!(at(&mut a, obs(60, 24, 4.0)), (30, Reason::Hpa(Limit::TooManyReplicas)));
        // Load gone: the 300 s stabilization window holds the count.
        assert_eq!(at(&mut a, obs(75, 30, 0.1)), (30, Reason::Hpa(Limit::DesiredWithinRange)));
        // 192 (at 60 s) leaves the window at 360 s: down to the 6 recommended since.
        assert_eq!(at(&mut a, obs(360, 30, 0.1)), (6, Reason::Hpa(Limit::DesiredWithinRange)));
    }

    fn forecast(peak_demand: f64, confidence: f64) -> Option<DemandForecast> {
        Some(DemandForecast { peak_demand, confidence })
    }

    #[test]
    fn predictive_scales_out_ahead_of_a_confident_forecast() {
        let mut a = scaler(Mode::Predictive(PredictiveConfig::default()), 2, 20);
        assert_eq!(a.lead_ms(), 45_000);
        // 4 nodes at 60% (on target); the forecast peak is 6 busy node-equivalents: 10 nodes.
        let o = Observation { forecast: forecast(6.0, 0.9), ..obs(0, 4, 0.6) };
        assert_eq!(at(&mut a, o), (10, Reason::Forecast { peak_demand: 6.0 }));
        // An unconfident forecast is ignored: the observed load decides (on target: steady).
        let mut b = scaler(Mode::Predictive(PredictiveConfig::default()), 2, 20);
        assert_eq!(at(&mut b, Observation { forecast: forecast(6.0, 0.2), ..obs(0, 4, 0.6) }), (4, Reason::Steady));
        // Observed overload scales out even when the forecast is low.
        let mut c = scaler(Mode::Predictive(PredictiveConfig::default()), 2, 20);
        let o = Observation { forecast: forecast(1.0, 0.9), ..obs(0, 4, 0.9) };
        assert_eq!(at(&mut c, o), (6, Reason::Observed { demand: 3.6 }));
    }

    #[test]
    fn predictive_holds_within_its_tolerance_above_the_target_too() {
        let mut a = scaler(Mode::Predictive(PredictiveConfig::default()), 2, 20);
        // 64% on 8 nodes is within 10% of the 60% target: no scale-out to ceil(8 × 0.64 / 0.6) = 9.
        assert_eq!(at(&mut a, obs(0, 8, 0.64)), (8, Reason::Steady));
        // 67% is not: 9 nodes.
        assert_eq!(at(&mut a, obs(15, 8, 0.67)), (9, Reason::Observed { demand: 8.0 * 0.67 }));
    }

    #[test]
    fn predictive_never_scales_in_on_the_forecast_alone() {
        let mut a = scaler(Mode::Predictive(PredictiveConfig::default()), 2, 20);
        // On target, the forecast says load will fall to 1 node-equivalent: hold.
        let o = Observation { forecast: forecast(1.0, 0.99), ..obs(0, 8, 0.6) };
        assert_eq!(at(&mut a, o), (8, Reason::Steady));
        // Observed load a little under target (within the tolerance) and a falling forecast: hold.
        let o = Observation { forecast: forecast(0.5, 0.99), ..obs(15, 8, 0.56) };
        assert_eq!(at(&mut a, o), (8, Reason::Steady));
    }

    #[test]
    fn predictive_scale_in_stops_at_what_the_forecast_needs() {
        let cfg = AutoScalerConfig {
            min_nodes: 2,
            max_nodes: 20,
            ..AutoScalerConfig::new(Mode::Predictive(PredictiveConfig::default()))
        };
        let mut a = AutoScaler::new(cfg);
        let o = Observation { forecast: forecast(3.0, 0.99), ..obs(0, 8, 0.15) };
        assert_eq!(at(&mut a, o), (5, Reason::Observed { demand: 1.2 }));
        // Without a forecast the observed load alone decides: ceil(1.2 / 0.6) = 2.
        let mut b = AutoScaler::new(AutoScalerConfig {
            min_nodes: 2,
            max_nodes: 20,
            ..AutoScalerConfig::new(Mode::Predictive(PredictiveConfig::default()))
        });
        assert_eq!(at(&mut b, obs(0, 8, 0.15)), (2, Reason::Observed { demand: 1.2 }));
    }
}
