//! The autoscaler's peer in the run loop: samples the nodes' worker counters on a fixed
//! simulated interval, feeds the predictor, asks the autoscaler for a decision, and carries it
//! out on the cluster as an operator would. A scale-out turns spare machines on (billed from
//! then), boots them after the start-up time and asks the leader to take them in; clients use
//! a node once its own map says it joined. A scale-in takes the node out of the clients' list,
//! asks the leader to drain it, and turns the machine off once the newest map says it is
//! drained. Everything it saw and did goes into a [`CapacityLog`].

use std::collections::BTreeMap;

use nodes::capacity::{
    AutoScaler, DemandForecast, Mode, Observation, PredictorConfig, Reason, ScalingPredictor, WorkerStats,
};
use nodes::control::MemberChange;
use nodes::shard_map::Standing;
use nodes::{Addr, Cluster};

use super::recorder::Recorder;
use crate::check::scaling::{ScaleAction, ScaleLimits};
use crate::history::capacity::{CapacityLog, ForecastRecord, LoadSample, MachineRecord, NodeLoad};
use crate::scenario::model::{AutoscalerSpec, Scenario};

/// Where a node's machine is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    /// Off: a spare.
    Off,
    /// On, booting: serves from the given time.
    Starting { ready_ms: u64 },
    /// Booted; clients use it once its map says it joined.
    Joining,
    /// Clients use it.
    Serving,
    /// Being drained: off once drained.
    Draining,
    /// Drained and off for good: a machine that left is not brought back (its disk holds
    /// what it held; a new one would start empty), so spares are the nodes never started.
    Retired,
}

/// The autoscaler in the run loop.
pub struct Scaler<'a> {
    cluster: Cluster<Recorder>,
    scenario: &'a Scenario,
    spec: &'a AutoscalerSpec,
    scaler: AutoScaler,
    predictor: Option<ScalingPredictor>,
    life: BTreeMap<Addr, Life>,
    /// Each node's counters at the previous sample.
    last: Vec<WorkerStats>,
    workers: u32,
    next_ms: u64,
    /// The count the last decision set.
    target: u32,
    /// Demand samples since the last decision.
    recent: Vec<f64>,
    log: CapacityLog,
}

impl<'a> Scaler<'a> {
    /// The autoscaler of `scenario`, if it has one.
    pub fn new(cluster: Cluster<Recorder>, scenario: &'a Scenario) -> Option<Self> {
        let spec = scenario.autoscaler.as_ref()?;
        let (workers, stats) = cluster.service_stats()?;
        let nodes = scenario.cluster.nodes.len() as Addr;
        let life = (0..nodes).map(|a| (a, if a < spec.initial { Life::Serving } else { Life::Off })).collect();
        let predictor = matches!(spec.config.mode, Mode::Predictive(_)).then(|| {
            let period_ms = spec.period_ms.unwrap_or_else(|| period(scenario));
            ScalingPredictor::new(PredictorConfig {
                period_ms,
                horizon_ms: spec.config.startup_ms + spec.config.interval_ms,
                retrain_every_ms: spec.config.interval_ms,
                // Two periods of samples: seasonality needs a whole one to be fitted at all.
                window_samples_max: (2 * period_ms / spec.sample_ms).clamp(256, 4_096) as usize,
                ..PredictorConfig::default()
            })
        });
        let c = &spec.config;
        let limits = ScaleLimits {
            min_nodes: c.min_nodes,
            max_nodes: c.max_nodes,
            scale_up_cooldown_ms: c.scale_up_cooldown_ms,
            scale_down_cooldown_ms: c.scale_down_cooldown_ms,
        };
        let log = CapacityLog {
            mode: mode_name(&c.mode).into(),
            limits: Some(limits),
            initial: spec.initial,
            slo_p99_ms: spec.slo_p99_ms,
            slo_window_ms: spec.slo_window_ms,
            flap_window_ms: flap_window_ms(c.startup_ms, c.interval_ms),
            ..CapacityLog::default()
        };
        let scaler = Scaler {
            cluster,
            scenario,
            spec,
            scaler: AutoScaler::new(spec.config.clone()),
            predictor,
            life,
            last: stats.iter().map(|s| s.0).collect(),
            workers,
            next_ms: spec.sample_ms,
            target: spec.initial,
            recent: Vec::new(),
            log,
        };
        scaler.publish();
        Some(scaler)
    }

    /// When it acts next.
    pub fn next_at(&self) -> u64 {
        self.next_ms
    }

    /// Samples, decides and acts at the current time (the run loop brought the cluster to
    /// [`Scaler::next_at`]).
    pub fn step(&mut self) {
        let now = self.next_ms;
        self.next_ms += self.spec.sample_ms;
        self.advance_lives(now);
        let demand = self.sample(now);
        self.recent.push(demand);
        self.forecast(now, demand);
        // Judged on the machines that will serve (starting ones included, as the HPA counts
        // pods that are not ready yet as idle on a scale-up).
        let active = self.active();
        let busy = self.recent.iter().sum::<f64>() / self.recent.len() as f64 / f64::from(active.max(1));
        let forecast = self.predictor.as_ref().map(|p| self.demand_forecast(p, now));
        let obs = Observation { now_ms: now, nodes: active, busy, forecast };
        let Some(decision) = self.scaler.decide(&obs) else { return };
        self.recent.clear();
        if !decision.is_change() {
            return;
        }
        self.target = decision.to;
        // What is carried out is recorded: a decision that whole zone rounds absorb is no action.
        let to = self.carry_out(now);
        if to != active {
            let reason = reason_text(&decision.reason);
            self.log.decisions.push(ScaleAction { at_ms: now, from: active, to, reason });
        }
    }

    /// The log, with the count of machines still on.
    pub fn finish(self) -> CapacityLog {
        self.log
    }

    /// Boots machines whose start-up is over, lets clients use nodes that joined, turns off
    /// drained ones.
    fn advance_lives(&mut self, now: u64) {
        let mut changed = false;
        for (&node, life) in self.life.iter_mut() {
            match *life {
                Life::Starting { ready_ms } if ready_ms <= now => {
                    self.cluster.restart(node);
                    if self.scenario.cluster.membership.is_some() {
                        self.cluster.join(node);
                    }
                    self.cluster.request_member_change(node, MemberChange::Join);
                    *life = Life::Joining;
                }
                Life::Joining => {
                    if let Some((Standing::Joined | Standing::Member, true)) = self.cluster.standing(node) {
                        *life = Life::Serving;
                        changed = true;
                    }
                }
                Life::Draining => {
                    if let Some((Standing::Drained, _)) = self.cluster.standing(node) {
                        self.cluster.crash(node);
                        self.log.machines.push(MachineRecord { at_ms: now, node, on: false });
                        *life = Life::Retired;
                    }
                }
                _ => {}
            }
        }
        if changed {
            self.publish();
        }
    }

    /// Starts or drains nodes toward the target: machines on never exceed the maximum, and a
    /// drain in progress is not undone (the count catches up at later decisions). Zones are
    /// kept even, as a zone-balancing cluster autoscaler does: each replica set keeps one
    /// replica per zone, so a zone left with fewer nodes carries more of the work per node.
    fn carry_out(&mut self, now: u64) -> u32 {
        let on = self.life.values().filter(|l| !matches!(l, Life::Off | Life::Retired)).count() as u32;
        let active = self.active();
        // Whole rounds of zones, within the maximum.
        let zones = (self.scenario.cluster.zones.len() as u32).max(1);
        let want = self.target.div_ceil(zones).saturating_mul(zones).min(self.spec.config.max_nodes).max(self.target);
        if want > active {
            let room = self.spec.config.max_nodes.saturating_sub(on);
            for _ in 0..(want - active).min(room) {
                let Some(node) = self.pick(|l| l == Life::Off, false) else { break };
                self.life.insert(node, Life::Starting { ready_ms: now + self.spec.config.startup_ms });
                self.log.machines.push(MachineRecord { at_ms: now, node, on: true });
            }
        } else if want < active {
            for _ in 0..(active - want) {
                let Some(node) = self.pick(|l| l == Life::Serving, true) else { break };
                self.life.insert(node, Life::Draining);
                self.cluster.request_member_change(node, MemberChange::Drain);
            }
            self.publish();
        }
        self.active()
    }

    /// Machines on that are not being drained.
    fn active(&self) -> u32 {
        self.life.values().filter(|l| !matches!(l, Life::Off | Life::Draining | Life::Retired)).count() as u32
    }

    /// A node whose life passes `eligible`, in the zone with the fewest active nodes (the most,
    /// with `crowded`); among those the lowest address (the highest, with `crowded`: the newest
    /// nodes leave first).
    fn pick(&self, eligible: impl Fn(Life) -> bool, crowded: bool) -> Option<Addr> {
        let zone = |a: Addr| self.scenario.cluster.nodes[a as usize].zone;
        let mut active = vec![0u32; self.scenario.cluster.zones.len()];
        for (&a, &l) in &self.life {
            if !matches!(l, Life::Off | Life::Draining | Life::Retired) {
                active[zone(a) as usize] += 1;
            }
        }
        let candidates = self.life.iter().filter(|(_, l)| eligible(**l)).map(|(a, _)| *a);
        if crowded {
            candidates.max_by_key(|&a| (active[zone(a) as usize], a))
        } else {
            candidates.min_by_key(|&a| (active[zone(a) as usize], a))
        }
    }

    /// Tells the clients which nodes to use.
    fn publish(&self) {
        let serving: Vec<Addr> = self.life.iter().filter(|(_, l)| **l == Life::Serving).map(|(a, _)| *a).collect();
        if !serving.is_empty() {
            self.cluster.set_coordinators(&serving);
        }
    }

    /// Records each machine's load since the last sample; returns the demand.
    fn sample(&mut self, now: u64) -> f64 {
        let Some((_, stats)) = self.cluster.service_stats() else { return 0.0 };
        let capacity_us = f64::from(self.workers) * self.spec.sample_ms as f64 * 1_000.0;
        let mut demand = 0.0;
        for (node, (s, queue)) in stats.iter().enumerate() {
            let prev = std::mem::replace(&mut self.last[node], *s);
            if self.life.get(&(node as Addr)).is_none_or(|l| matches!(l, Life::Off | Life::Retired)) {
                continue;
            }
            demand += (s.offered_us - prev.offered_us) as f64 / capacity_us;
            self.log.node_loads.push(NodeLoad {
                at_ms: now,
                node: node as u32,
                busy: ((s.busy_us - prev.busy_us) as f64 / capacity_us).min(1.0),
                queue: *queue as u32,
                rejected: s.rejected - prev.rejected,
            });
        }
        let machines = self.life.values().filter(|l| !matches!(l, Life::Off | Life::Retired)).count() as u32;
        let serving = self.life.values().filter(|l| **l == Life::Serving).count() as u32;
        self.log.samples.push(LoadSample { at_ms: now, demand, machines, serving });
        demand
    }

    /// Feeds the predictor and records what it expects one lead time ahead.
    fn forecast(&mut self, now: u64, demand: f64) {
        let Some(p) = &mut self.predictor else { return };
        if p.observe(now, demand).is_err() {
            return;
        }
        if p.refit_due(now) {
            p.fit();
        }
        let ahead = now + self.scaler.lead_ms();
        let f = p.forecast(ahead, 0, 1);
        let model = p.model();
        self.log.forecasts.push(ForecastRecord {
            at_ms: now,
            for_ms: ahead,
            demand: f.peak(),
            spread: model.residual_rms.unwrap_or(0.0),
            confidence: model.confidence,
        });
    }

    /// What the `predictive` mode reads: the regression's peak over the lead time, times the
    /// factor of an announced event in it. A schedule is a fact, not a fit: with an event
    /// ahead, a model too unsure to count (a flat load explains nothing) is replaced by the
    /// load observed since the last decision, and the forecast is taken as certain.
    fn demand_forecast(&self, p: &ScalingPredictor, now: u64) -> DemandForecast {
        let mut f = p.forecast(now, self.scaler.lead_ms(), self.spec.sample_ms);
        // Before a whole period is in the window the fit is a straight line, which carries a
        // daily ramp on into the night: it is not counted until the cycle itself can be fitted.
        if p.model().harmonics_used == 0 && p.config().period_ms < self.scenario.duration_ms {
            f.confidence = 0.0;
        }
        let factor = self.event_factor(now);
        let sure = match &self.spec.config.mode {
            Mode::Predictive(c) => f.confidence >= c.confidence_min,
            _ => false,
        };
        if factor > 1.0 && !sure {
            let observed = self.recent.iter().sum::<f64>() / self.recent.len().max(1) as f64;
            return DemandForecast { peak_demand: observed * factor, confidence: 1.0 };
        }
        DemandForecast { peak_demand: f.peak() * factor, confidence: f.confidence }
    }

    /// How much more load announced events bring over the lead window than they bring now:
    /// the observed load (and the model fitted on it) already holds the events under way.
    fn event_factor(&self, now: u64) -> f64 {
        let end = now + self.scaler.lead_ms();
        let known = || self.scenario.workload.iter().flat_map(|g| g.rate.shape.known_events(now));
        let ahead = known()
            .filter(|e| e.pulse.at_ms < end && e.pulse.at_ms + e.pulse.for_ms > now)
            .map(|e| e.pulse.factor)
            .fold(1.0, f64::max);
        let current = known()
            .filter(|e| e.pulse.at_ms <= now && now < e.pulse.at_ms + e.pulse.for_ms)
            .map(|e| e.pulse.factor)
            .fold(1.0, f64::max);
        (ahead / current).max(1.0)
    }
}

/// The flapping window: a node's start-up plus one decision interval. A reversal sooner than
/// that undoes an action before a decision could have seen its effect (new nodes serving).
pub fn flap_window_ms(startup_ms: u64, interval_ms: u64) -> u64 {
    startup_ms + interval_ms
}

/// The predictor's period: the workload's daily cycle if it has one, else the run.
fn period(scenario: &Scenario) -> u64 {
    scenario
        .workload
        .iter()
        .find_map(|g| g.rate.shape.daily.as_ref().map(|d| d.period_ms))
        .unwrap_or(scenario.duration_ms)
}

fn mode_name(mode: &Mode) -> &'static str {
    match mode {
        Mode::Threshold(_) => "threshold",
        Mode::Hpa(_) => "hpa",
        Mode::Predictive(_) => "predictive",
    }
}

fn reason_text(reason: &Reason) -> String {
    match reason {
        Reason::Forecast { peak_demand } => format!("forecast peak {peak_demand:.2} node-equivalents"),
        Reason::Observed { demand } => format!("observed {demand:.2} node-equivalents"),
        other => format!("{other:?}"),
    }
}
