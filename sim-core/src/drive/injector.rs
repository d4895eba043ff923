//! Fault injection: the scenario's timeline as a peer of the cluster. It says when its next
//! action is due; the run loop runs the cluster to then and lets it act: apply a fault
//! (resolving its targets), or undo one whose `for` ran out. At the end it heals everything.

use std::collections::{BTreeMap, BTreeSet};

use nodes::control::MemberChange;
use nodes::Cluster;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::recorder::Recorder;
use crate::history::{CorruptionRecord, FaultRecord};
use crate::scenario::model::{Fault, FaultAction, Scenario, Target};
use crate::seed::{stream, Stream};

/// Something a fault changed that can be undone.
#[derive(Clone, Debug)]
enum Active {
    Cuts(Vec<(u32, u32)>),
    Slow(Vec<u32>, u64),
    SlowAnswers(Vec<u32>, u64),
    Crashed(Vec<u32>),
    Paused(Vec<u32>),
    /// The probability before it (`prev`) and its own (`p`).
    Loss {
        prev: f64,
        p: f64,
    },
    /// The probability before it (`prev`) and its own (`p`).
    Duplicate {
        prev: f64,
        p: f64,
    },
    Skewed(Vec<u32>),
}

impl Active {
    fn is_link_fault(&self) -> bool {
        matches!(self, Active::Cuts(_) | Active::Slow(..) | Active::SlowAnswers(..))
    }
}

/// Applies a scenario's faults to a running cluster.
pub struct Injector<'a> {
    cluster: Cluster<Recorder>,
    scenario: &'a Scenario,
    rng: ChaCha8Rng,
    /// The run's root seed, for the disk damage streams.
    seed: u64,
    /// Index of the next scripted fault.
    next: usize,
    /// Faults in effect, by id; ids grow with time, so undoing in reverse id order unwinds
    /// overlapping loss settings correctly.
    active: BTreeMap<u64, (Active, String)>,
    /// Scheduled automatic undos: (time, fault id).
    undos: BTreeSet<(u64, u64)>,
    paused: BTreeSet<u32>,
    next_id: u64,
    /// Migration requests made so far (the next one's id).
    migrations_requested: u32,
}

impl<'a> Injector<'a> {
    /// An injector for `cluster` in the run with root seed `seed`; `rng` resolves targets.
    pub fn new(cluster: Cluster<Recorder>, scenario: &'a Scenario, rng: ChaCha8Rng, seed: u64) -> Self {
        Injector {
            cluster,
            scenario,
            rng,
            seed,
            next: 0,
            migrations_requested: 0,
            active: BTreeMap::new(),
            undos: BTreeSet::new(),
            paused: BTreeSet::new(),
            next_id: 0,
        }
    }

    /// The next action: `Some(true)` for an undo, `Some(false)` for a scripted fault, with its
    /// time. Undos due at the same time as a new fault go first, so back-to-back faults compose.
    fn next_action(&self) -> Option<(u64, bool)> {
        let script = self.scenario.faults.get(self.next).map(|f| f.at_ms);
        let undo = self.undos.first().map(|u| u.0);
        match (script, undo) {
            (None, None) => None,
            (Some(s), None) => Some((s, false)),
            (None, Some(u)) => Some((u, true)),
            (Some(s), Some(u)) => Some(if u <= s { (u, true) } else { (s, false) }),
        }
    }

    /// When the next action is due (simulated ms), if any.
    pub fn next_at(&self) -> Option<u64> {
        self.next_action().map(|(at, _)| at)
    }

    /// Takes the next action, at its time (the cluster has run up to it).
    pub fn step(&mut self) {
        let Some((at, undo)) = self.next_action() else { return };
        if undo {
            let (_, id) = self.undos.pop_first().expect("an undo is due");
            self.undo(id, at);
        } else {
            let fault = self.scenario.faults[self.next].clone();
            self.next += 1;
            self.apply(&fault, at);
        }
    }

    /// Undoes everything still in effect: cuts, slow-downs, loss, crashes and pauses.
    pub fn heal_all(&mut self, now_ms: u64) {
        let ids: Vec<u64> = self.active.keys().rev().copied().collect();
        for id in ids {
            self.undo(id, now_ms);
        }
        self.undos.clear();
        for node in std::mem::take(&mut self.paused) {
            self.cluster.resume(node);
        }
        let down: Vec<u32> = self.cluster.node_addrs().into_iter().filter(|&n| !self.cluster.is_up(n)).collect();
        for &node in &down {
            self.cluster.restart(node);
        }
        self.cluster.with_links(|l| l.heal_all());
        let label =
            if down.is_empty() { "heal all".to_string() } else { format!("heal all, restart {}", self.names(&down)) };
        self.record(now_ms, label, down, None, true);
    }

    fn apply(&mut self, fault: &Fault, now: u64) {
        let until = fault.for_ms.map(|d| now + d);
        let (active, label, nodes) = match &fault.action {
            FaultAction::Crash(t) => {
                let nodes = self.resolve(t, true);
                nodes.iter().for_each(|&n| self.crash(n));
                (Some(Active::Crashed(nodes.clone())), format!("crash {}", self.names(&nodes)), nodes)
            }
            FaultAction::Restart(t) => {
                let nodes = self.resolve(t, false);
                nodes.iter().for_each(|&n| self.restart(n));
                (None, format!("restart {}", self.names(&nodes)), nodes)
            }
            FaultAction::Pause(t) => {
                let (nodes, label) = self.pause(t);
                (Some(Active::Paused(nodes.clone())), label, nodes)
            }
            FaultAction::Resume(t) => {
                let nodes = self.resolve(t, false);
                self.resume(&nodes);
                (None, format!("resume {}", self.names(&nodes)), nodes)
            }
            FaultAction::Partition(groups) => self.partition(groups),
            FaultAction::Join(t) => {
                let nodes = self.resolve(t, false);
                for &n in &nodes {
                    self.cluster.join(n);
                    self.cluster.request_member_change(n, MemberChange::Join);
                }
                (None, format!("join {}", self.names(&nodes)), nodes)
            }
            FaultAction::Drain(t) => {
                let nodes = self.resolve(t, false);
                nodes.iter().for_each(|&n| self.cluster.request_member_change(n, MemberChange::Drain));
                (None, format!("drain {}", self.names(&nodes)), nodes)
            }
            FaultAction::Leave(t) => {
                let nodes = self.resolve(t, false);
                nodes.iter().for_each(|&n| self.cluster.leave(n));
                (None, format!("leave {}", self.names(&nodes)), nodes)
            }
            FaultAction::OneWay { .. } | FaultAction::Isolate(_) => self.cut_links(&fault.action),
            FaultAction::Heal => {
                let ids: Vec<u64> =
                    self.active.iter().filter(|(_, a)| a.0.is_link_fault()).map(|(id, _)| *id).collect();
                for id in ids.into_iter().rev() {
                    self.undo(id, now);
                }
                (None, "heal links".to_string(), vec![])
            }
            FaultAction::Slow { targets, delay_ms } => {
                let nodes = self.resolve(targets, false);
                self.cluster.with_links(|l| nodes.iter().for_each(|&n| l.slow(n, *delay_ms, true)));
                let label = format!("slow {} +{}ms", self.names(&nodes), delay_ms);
                (Some(Active::Slow(nodes.clone(), *delay_ms)), label, nodes)
            }
            FaultAction::SlowReplica { targets, delay_ms } => {
                let nodes = self.resolve(targets, false);
                self.cluster.with_links(|l| nodes.iter().for_each(|&n| l.slow_answers(n, *delay_ms, true)));
                let label = format!("slow {} +{}ms (replica answers)", self.names(&nodes), delay_ms);
                (Some(Active::SlowAnswers(nodes.clone(), *delay_ms)), label, nodes)
            }
            FaultAction::Loss(p) => {
                let prev = self.cluster.with_links(|l| l.set_loss(*p));
                (Some(Active::Loss { prev, p: *p }), format!("loss {p}"), vec![])
            }
            FaultAction::Duplicate(p) => {
                let prev = self.cluster.with_links(|l| l.set_duplicate(*p));
                (Some(Active::Duplicate { prev, p: *p }), format!("duplicate {p}"), vec![])
            }
            FaultAction::Skew { targets, rate, offset_ms } => {
                let nodes = self.resolve(targets, false);
                nodes.iter().for_each(|&n| self.cluster.set_clock(n, *offset_ms, *rate));
                let label = format!("skew {} rate {rate} offset {offset_ms}ms", self.names(&nodes));
                (Some(Active::Skewed(nodes.clone())), label, nodes)
            }
            FaultAction::Corrupt { targets, fraction } => self.corrupt(targets, *fraction, now),
            FaultAction::Migrate { shard, to } => {
                let nodes: Vec<u32> = self.resolve(to, false).into_iter().take(1).collect();
                let id = self.migrations_requested;
                self.migrations_requested += 1;
                if let Some(&node) = nodes.first() {
                    self.cluster.request_migration(id, *shard, node);
                }
                (None, format!("migrate #{id} shard {shard} to {}", self.names(&nodes)), nodes)
            }
        };
        self.record(now, label.clone(), nodes, until, false);
        if let Some(active) = active {
            let id = self.next_id;
            self.next_id += 1;
            self.active.insert(id, (active, label));
            if let Some(until) = until {
                self.undos.insert((until, id));
            }
        }
    }

    /// A one-way cut or an isolation: the links it cuts, its label and the nodes it names.
    fn cut_links(&mut self, action: &FaultAction) -> (Option<Active>, String, Vec<u32>) {
        match action {
            FaultAction::OneWay { from, to } => {
                let from = self.resolve(from, false);
                let to: Vec<u32> = self.resolve(to, false).into_iter().filter(|n| !from.contains(n)).collect();
                let cuts = pairs(&from, &to);
                self.cut(&cuts);
                let label = format!("one-way cut {} -> {}", self.names(&from), self.names(&to));
                (Some(Active::Cuts(cuts)), label, [from, to].concat())
            }
            FaultAction::Isolate(t) => {
                let nodes = self.resolve(t, false);
                let rest: Vec<u32> = self.cluster.node_addrs().into_iter().filter(|n| !nodes.contains(n)).collect();
                let mut cuts = pairs(&nodes, &rest);
                cuts.extend(pairs(&rest, &nodes));
                self.cut(&cuts);
                (Some(Active::Cuts(cuts)), format!("isolate {}", self.names(&nodes)), nodes)
            }
            _ => unreachable!("only cuts come here"),
        }
    }

    /// The loss (or duplication) rate once fault `id`, applied over `prev`, ends: the newest
    /// still-active fault of its kind's rate, else the rate before the earliest. Restoring
    /// `prev` alone left overlapping faults' rate on for good when they ended out of order.
    fn rate_after_undo(&mut self, id: u64, prev: f64, loss: bool) -> f64 {
        let same_kind =
            |a: &Active| matches!((a, loss), (Active::Loss { .. }, true) | (Active::Duplicate { .. }, false));
        let others: Vec<u64> = self.active.iter().filter(|(_, (a, _))| same_kind(a)).map(|(&o, _)| o).collect();
        let (Some(&first), Some(&newest)) = (others.first(), others.last()) else { return prev };
        if id < first {
            // The earliest remaining one now carries the rate from before them all.
            if let Some((Active::Loss { prev: p0, .. } | Active::Duplicate { prev: p0, .. }, _)) =
                self.active.get_mut(&first)
            {
                *p0 = prev;
            }
        }
        match self.active.get(&newest) {
            Some((Active::Loss { p, .. } | Active::Duplicate { p, .. }, _)) => *p,
            _ => prev,
        }
    }

    fn undo(&mut self, id: u64, now: u64) {
        let Some((active, label)) = self.active.remove(&id) else {
            return; // already undone (e.g. by a heal)
        };
        let nodes = match active {
            Active::Cuts(cuts) => {
                self.cluster.with_links(|l| cuts.iter().for_each(|&(a, b)| l.set_blocked(a, b, false)));
                vec![]
            }
            Active::Slow(nodes, delay) => {
                self.cluster.with_links(|l| nodes.iter().for_each(|&n| l.slow(n, delay, false)));
                nodes
            }
            Active::SlowAnswers(nodes, delay) => {
                self.cluster.with_links(|l| nodes.iter().for_each(|&n| l.slow_answers(n, delay, false)));
                nodes
            }
            Active::Crashed(nodes) => {
                for &n in &nodes {
                    if !self.cluster.is_up(n) {
                        self.restart(n);
                    }
                }
                nodes
            }
            Active::Paused(nodes) => {
                self.resume(&nodes);
                nodes
            }
            Active::Loss { prev, .. } => {
                let now_p = self.rate_after_undo(id, prev, true);
                self.cluster.with_links(|l| l.set_loss(now_p));
                vec![]
            }
            Active::Duplicate { prev, .. } => {
                let now_p = self.rate_after_undo(id, prev, false);
                self.cluster.with_links(|l| l.set_duplicate(now_p));
                vec![]
            }
            Active::Skewed(nodes) => {
                nodes.iter().for_each(|&n| self.cluster.set_clock(n, 0, 1.0));
                nodes
            }
        };
        self.record(now, format!("end {label}"), nodes, None, true);
    }

    /// Cuts every link between nodes of different groups. A node resolved into two groups
    /// (`leader` or `primary` beside named nodes) stays in the first: a node is on one side.
    fn partition(&mut self, groups: &[Vec<Target>]) -> (Option<Active>, String, Vec<u32>) {
        let mut seen = BTreeSet::new();
        let groups: Vec<Vec<u32>> =
            groups.iter().map(|g| self.resolve(g, false).into_iter().filter(|&n| seen.insert(n)).collect()).collect();
        let mut cuts = vec![];
        for (i, a) in groups.iter().enumerate() {
            for b in groups.iter().skip(i + 1) {
                cuts.extend(pairs(a, b));
                cuts.extend(pairs(b, a));
            }
        }
        let label = groups.iter().map(|g| format!("[{}]", self.names(g))).collect::<Vec<_>>().join(" | ");
        self.cut(&cuts);
        (Some(Active::Cuts(cuts)), format!("partition {label}"), groups.concat())
    }

    /// Freezes the targets that are up. A node that is down has no process to freeze: it is
    /// left out (the label says so), and its restart brings up a running process.
    fn pause(&mut self, targets: &[Target]) -> (Vec<u32>, String) {
        let (nodes, down): (Vec<u32>, Vec<u32>) =
            self.resolve(targets, true).into_iter().partition(|&n| self.cluster.is_up(n));
        for &n in &nodes {
            if self.paused.insert(n) {
                self.cluster.pause(n);
            }
        }
        let mut label = format!("pause {}", if nodes.is_empty() { "none".into() } else { self.names(&nodes) });
        if !down.is_empty() {
            label.push_str(&format!(" ({} down, not paused)", self.names(&down)));
        }
        (nodes, label)
    }

    /// Kills `node`'s process, and with it any pause: the pause's end then leaves it alone,
    /// and a later `pause` freezes the restarted process again.
    fn crash(&mut self, node: u32) {
        self.paused.remove(&node);
        self.cluster.crash(node);
    }

    /// Restarts `node` (a running one is crashed first, ending any pause).
    fn restart(&mut self, node: u32) {
        self.paused.remove(&node);
        self.cluster.restart(node);
    }

    /// Damages `fraction` of the records of every target node: nothing to undo, a label, the nodes.
    fn corrupt(&mut self, targets: &[Target], fraction: f64, now: u64) -> (Option<Active>, String, Vec<u32>) {
        let nodes = self.resolve(targets, false);
        let records: usize = nodes.iter().map(|&n| self.damage(n, fraction, now)).sum();
        (None, format!("corrupt {} ({fraction} of records: {records})", self.names(&nodes)), nodes)
    }

    /// Damages `fraction` of `node`'s records and records each one in the history; returns
    /// how many. Which records, and how, come from a stream of their own per node and fault
    /// time, so dropping another fault (shrinking) never changes what this one damages.
    fn damage(&self, node: u32, fraction: f64, now: u64) -> usize {
        let root = self.seed.wrapping_add(now.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let damaged = self.cluster.corrupt(node, fraction, &mut stream(root, Stream::Disk, node));
        let count = damaged.len();
        self.cluster.with_observer(|r| {
            for (key, values) in damaged {
                let shard = Some(r.shard_of(key));
                r.history.record_corruption(CorruptionRecord { at_ms: now, node, key, shard, damaged: values });
            }
        });
        count
    }

    fn resume(&mut self, nodes: &[u32]) {
        for &n in nodes {
            if self.paused.remove(&n) {
                self.cluster.resume(n);
            }
        }
    }

    fn cut(&self, cuts: &[(u32, u32)]) {
        self.cluster.with_links(|l| cuts.iter().for_each(|&(a, b)| l.set_blocked(a, b, true)));
    }

    /// Resolves targets to sorted, distinct node addresses. `random` draws from the fault
    /// stream; with `prefer_up` it draws among nodes that are up (so it crashes a live one).
    fn resolve(&mut self, targets: &[Target], prefer_up: bool) -> Vec<u32> {
        let mut out = BTreeSet::new();
        for t in targets {
            match t {
                Target::Node(n) => {
                    out.insert(*n);
                }
                Target::Zone(z) => {
                    let nodes = &self.scenario.cluster.nodes;
                    out.extend((0..nodes.len() as u32).filter(|&n| nodes[n as usize].zone == *z));
                }
                Target::Leader => {
                    // No leader at this instant (e.g. mid-election): the fault hits nobody,
                    // and its record says so.
                    if let Some(l) = self.cluster.current_leader() {
                        out.insert(l);
                    }
                }
                Target::Random => {
                    out.insert(self.random_node(prefer_up));
                }
                Target::Primary => {
                    // A shard drawn from the fault stream; with no acting primary (mid-handover),
                    // a node drawn like `random`, so the fault still hits someone.
                    let shard = self.rng.random_range(0..self.scenario.cluster.shards.max(1));
                    let node = match self.cluster.acting_primaries(shard).first() {
                        Some(&p) => p,
                        None => self.random_node(prefer_up),
                    };
                    out.insert(node);
                }
            }
        }
        out.into_iter().collect()
    }

    /// One node drawn from the fault stream; with `prefer_up`, among nodes that are up.
    fn random_node(&mut self, prefer_up: bool) -> u32 {
        let all = self.cluster.node_addrs();
        let up: Vec<u32> = all.iter().copied().filter(|&n| !prefer_up || self.cluster.is_up(n)).collect();
        let pool: Vec<u32> = if up.is_empty() { all } else { up };
        pool[self.rng.random_range(0..pool.len())]
    }

    fn names(&self, nodes: &[u32]) -> String {
        nodes.iter().map(|&n| self.scenario.cluster.nodes[n as usize].name.as_str()).collect::<Vec<_>>().join(",")
    }

    fn record(&self, at_ms: u64, label: String, nodes: Vec<u32>, until_ms: Option<u64>, undo: bool) {
        let fault = FaultRecord { at_ms, label, nodes, until_ms, undo };
        self.cluster.with_observer(|r| r.history.record_fault(fault));
    }
}

/// Every directed link from a node of `a` to a different node of `b`.
fn pairs(a: &[u32], b: &[u32]) -> Vec<(u32, u32)> {
    a.iter().flat_map(|&x| b.iter().filter(move |&&y| y != x).map(move |&y| (x, y))).collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use crate::history::ControlEvent;
    use crate::scenario::parse;

    /// One shard, so `primary` names its primary; the leader too, at the same instant.
    const AIMED: &str = "\
name: aimed
description: faults aimed at the primary and the leader
duration: 12s
cluster: { zones: [az-a, az-b, az-c], nodes: 5, replication: { n: 3 }, shards: 1 }
workload:
  - { clients: 2, rate: 50/s, keys: 10 }
faults:
  - { at: 6s, for: 1s, pause: primary }
  - { at: 9s, for: 1s, partition: [[primary], [n1, n2, n3, n4, n5]] }
";

    #[test]
    fn a_primary_target_hits_the_node_acting_as_primary_and_stays_on_one_side() {
        let scenario = Arc::new(parse(Path::new("a.yaml"), AIMED).expect("valid"));
        let run = crate::drive::run_seed(&scenario, 3).expect("runs");
        let h = &run.history;
        let applied: Vec<_> = h.faults.iter().filter(|f| !f.undo && f.at_ms < 12_000).collect();
        assert_eq!(applied.len(), 2, "{applied:?}");
        let paused = applied[0].nodes.clone();
        assert_eq!(paused.len(), 1, "{:?}", applied[0]);
        // The last roles the paused node reported before 6s gave it shard 0.
        let roles =
            h.control.iter().rev().filter(|c| c.node == paused[0] && c.at_ms <= 6_000).find_map(|c| match &c.event {
                ControlEvent::Roles { shards, .. } => Some(shards.clone()),
                _ => None,
            });
        assert_eq!(roles, Some(vec![0]), "{:?} was primary of shard 0", applied[0]);
        let cut = &applied[1];
        assert_eq!(cut.nodes.len(), 5, "every node once, the primary alone on its side: {cut:?}");
        assert!(cut.label.starts_with("partition [") && cut.label.matches(',').count() == 3, "{}", cut.label);
    }

    #[test]
    fn a_primary_target_follows_the_primary_when_it_moves() {
        // n1 would be shard 0's primary; down from the start, another node takes the shard.
        let text = "\
name: aimed-moved
description: a fault aimed at the primary after the first choice of primary is down
duration: 12s
cluster: { zones: [az-a, az-b, az-c], nodes: 5, replication: { n: 3 }, shards: 1 }
workload:
  - { clients: 2, rate: 50/s, keys: 10 }
faults:
  - { at: 1ms, for: 11s, crash: [n1] }
  - { at: 6s, for: 1s, pause: primary }
";
        let scenario = Arc::new(parse(Path::new("a.yaml"), text).expect("valid"));
        let run = crate::drive::run_seed(&scenario, 3).expect("runs");
        let h = &run.history;
        let paused = h.faults.iter().find(|f| !f.undo && f.label.starts_with("pause")).expect("applied");
        assert_eq!(paused.nodes.len(), 1, "{paused:?}");
        assert_ne!(paused.nodes[0], 0, "n1 is down: {paused:?}");
        let roles = h.control.iter().rev().filter(|c| c.node == paused.nodes[0] && c.at_ms <= 6_000).find_map(|c| {
            match &c.event {
                ControlEvent::Roles { shards, .. } => Some(shards.clone()),
                _ => None,
            }
        });
        assert_eq!(roles, Some(vec![0]), "{paused:?} was primary of shard 0");
    }

    #[test]
    fn overlapping_loss_faults_ending_out_of_order_leave_no_loss_behind() {
        // The first ends while the second runs (loss must stay on), then the second ends
        // (loss must be off): restoring each one's previous rate left 0.5 on for good.
        let text = "\
name: overlapping-loss
description: two loss faults overlap and end out of order
duration: 8s
cluster: { zones: [az-a], nodes: 3, replication: { n: 3 }, shards: 1 }
workload:
  - { clients: 2, rate: 100/s, keys: 10 }
faults:
  - { at: 1s, for: 2s, loss: 0.5 }
  - { at: 2s, for: 2s, loss: 0.5 }
";
        let scenario = Arc::new(parse(Path::new("a.yaml"), text).expect("valid"));
        let plan = crate::drive::Plan::new(&scenario, 1).traced(Default::default());
        let run = crate::drive::run_plan(&plan).expect("runs");
        let dropped = |from: u64, to: u64| {
            run.history
                .messages
                .iter()
                .filter(|m| {
                    m.at_ms >= from && m.at_ms < to && matches!(m.event, crate::history::MessageEvent::Drop("loss"))
                })
                .count()
        };
        assert!(dropped(3_100, 3_900) > 0, "the second fault still drops messages after the first ended");
        assert_eq!(dropped(4_100, 8_000), 0, "no loss once both ended");
    }
}
