//! Shrinking: from a failing scenario and seed, search for a smaller scenario that still fails
//! the same property with the same seed: fewer faults, a shorter run, fewer client groups,
//! clients, keys, nodes and shards. Greedy passes, each change kept only if the failure stays,
//! with a bound on the runs tried. The `clustersim shrink` command (in `cmd::shrink`) drives it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::drive::run_seed;
use crate::edit;
use crate::scenario::{self, format_ms, model::Scenario};
use crate::yaml::to_yaml;

/// What a candidate must still do to count as failing the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// Fail this property (a verdict name).
    Property(String),
    /// Crash the simulation.
    Crash,
}

/// The sizes `shrink` reduces, for the before/after report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Scripted (and resolved swarm) faults.
    pub faults: usize,
    /// Simulated duration in milliseconds (before the heal).
    pub duration_ms: u64,
    /// Storage nodes.
    pub nodes: usize,
    /// Workload groups.
    pub groups: usize,
    /// Clients over all groups.
    pub clients: u64,
    /// Most keys of any group.
    pub keys: u64,
    /// Shards.
    pub shards: u32,
}

impl Size {
    /// The sizes of `s`.
    pub fn of(s: &Scenario) -> Size {
        Size {
            faults: s.faults.len(),
            duration_ms: s.duration_ms,
            nodes: s.cluster.nodes.len(),
            groups: s.workload.len(),
            clients: s.workload.iter().map(|g| g.clients as u64).sum(),
            keys: s.workload.iter().map(|g| g.keys).max().unwrap_or(0),
            shards: s.cluster.shards,
        }
    }
}

/// A shrinking search over one seed.
pub struct Shrinker {
    seed: u64,
    goal: Goal,
    path: PathBuf,
    runs: u32,
    runs_max: u32,
    /// Operations in the last failing run, for the report.
    pub ops: usize,
}

impl Shrinker {
    /// A search for seed `seed` keeping `goal`; candidates are named `path` in messages.
    pub fn new(seed: u64, goal: Goal, path: PathBuf, runs_max: u32) -> Shrinker {
        Shrinker { seed, goal, path, runs: 0, runs_max, ops: 0 }
    }

    /// Runs spent so far.
    pub fn runs(&self) -> u32 {
        self.runs
    }

    fn exhausted(&self) -> bool {
        self.runs >= self.runs_max
    }

    /// True when `candidate`, written as YAML and read back, still fails the goal.
    pub fn fails(&mut self, candidate: &Scenario) -> bool {
        if self.exhausted() {
            return false;
        }
        // Reading the written text back proves the result is a valid, loadable scenario.
        let Ok(reread) = scenario::parse(&self.path, &to_yaml(candidate, &[])) else {
            return false;
        };
        self.runs += 1;
        let (failed, ops) = match run_seed(&Arc::new(reread), self.seed) {
            Ok(r) => (
                match &self.goal {
                    Goal::Property(p) => r.verdicts.iter().any(|v| !v.passed && &v.name == p),
                    Goal::Crash => false,
                },
                r.history.ops.len(),
            ),
            Err(_) => (self.goal == Goal::Crash, 0),
        };
        if failed {
            self.ops = ops;
        }
        failed
    }

    /// Shrinks `start` (which must fail the goal) as far as the run budget allows.
    pub fn shrink(&mut self, start: Scenario) -> Scenario {
        let mut best = start;
        loop {
            let before = Size::of(&best);
            best = self.faults(best);
            best = self.duration(best);
            best = self.workload(best);
            best = self.nodes(best);
            best = self.first_that_fails(&best, |s| {
                [1, s.cluster.shards / 4, s.cluster.shards / 2].map(|n| edit::with_shards(s, n)).into()
            });
            if Size::of(&best) == before || self.exhausted() {
                return best;
            }
        }
    }

    /// Drops faults in halves, quarters, ... down to one at a time (delta debugging).
    fn faults(&mut self, mut best: Scenario) -> Scenario {
        let mut chunk = best.faults.len().div_ceil(2).max(1);
        while !best.faults.is_empty() && !self.exhausted() {
            let mut i = 0;
            while i < best.faults.len() && !self.exhausted() {
                let drop: Vec<usize> = (i..(i + chunk).min(best.faults.len())).collect();
                let candidate = edit::without_faults(&best, &drop);
                if self.fails(&candidate) {
                    best = candidate; // the next chunk has moved into place `i`
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        best
    }

    /// Tries ending the run earlier, shortest first, in whole seconds.
    fn duration(&mut self, best: Scenario) -> Scenario {
        self.first_that_fails(&best, |s| {
            [(1, 8), (1, 4), (1, 2), (3, 4), (7, 8)]
                .iter()
                .map(|&(num, den)| {
                    let ms = (s.duration_ms * num / den).div_ceil(1_000).max(1) * 1_000;
                    if ms < s.duration_ms {
                        edit::until(s, ms)
                    } else {
                        None
                    }
                })
                .collect()
        })
    }

    /// Drops client groups, then fewer clients and keys per group.
    fn workload(&mut self, mut best: Scenario) -> Scenario {
        let mut group = 0;
        while group < best.workload.len() && !self.exhausted() {
            match edit::without_group(&best, group) {
                Some(candidate) if self.fails(&candidate) => best = candidate,
                _ => group += 1,
            }
        }
        for group in 0..best.workload.len() {
            best = self.first_that_fails(&best, |s| {
                let c = s.workload[group].clients;
                [1, c / 4, c / 2].map(|n| edit::with_clients(s, group, n)).into()
            });
            best = self.first_that_fails(&best, |s| {
                let k = s.workload[group].keys;
                [1, k / 100, k / 10, k / 2].map(|n| edit::with_keys(s, group, n)).into()
            });
        }
        best
    }

    /// Removes nodes from the end while the replication factor allows.
    fn nodes(&mut self, mut best: Scenario) -> Scenario {
        while let Some(candidate) = edit::without_last_node(&best) {
            if self.exhausted() || !self.fails(&candidate) {
                break;
            }
            best = candidate;
        }
        best
    }

    /// The first candidate (smallest first) that still fails, or `best` unchanged.
    fn first_that_fails(
        &mut self,
        best: &Scenario,
        candidates: impl Fn(&Scenario) -> Vec<Option<Scenario>>,
    ) -> Scenario {
        let mut seen: Vec<Size> = Vec::new();
        for candidate in candidates(best).into_iter().flatten() {
            let size = Size::of(&candidate);
            if seen.contains(&size) {
                continue; // e.g. c/4 and c/2 both round to 1
            }
            seen.push(size);
            if self.fails(&candidate) {
                return candidate;
            }
        }
        best.clone()
    }
}

/// A before/after table of sizes.
pub fn size_table(before: &Size, after: &Size, ops_before: usize, ops_after: usize) -> String {
    let rows = [
        ("faults", before.faults.to_string(), after.faults.to_string()),
        ("duration", format_ms(before.duration_ms), format_ms(after.duration_ms)),
        ("nodes", before.nodes.to_string(), after.nodes.to_string()),
        ("client groups", before.groups.to_string(), after.groups.to_string()),
        ("clients", before.clients.to_string(), after.clients.to_string()),
        ("keys", before.keys.to_string(), after.keys.to_string()),
        ("shards", before.shards.to_string(), after.shards.to_string()),
        ("operations run", ops_before.to_string(), ops_after.to_string()),
    ];
    let mut out = format!("{:<16}{:>10}{:>10}\n", "", "before", "after");
    for (name, b, a) in rows {
        out.push_str(&format!("{name:<16}{b:>10}{a:>10}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// Fails `availability` on every seed (nothing is lost, so ALL never drops below 0.5), which
    /// none of the faults, groups, clients or extra nodes has anything to do with.
    const ALWAYS_FAILS: &str = "\
name: always-fails
description: an availability bound that cannot hold
duration: 8s
cluster: { nodes: 5, replication: { n: 3 }, shards: 8 }
workload:
  - { clients: 4, rate: 40/s, keys: 100, consistency: ALL }
  - { clients: 2, rate: 20/s, keys: 50, consistency: ONE }
faults:
  - { at: 5s, for: 1s, slow: [n5], delay: 10ms }
  - { at: 6s, for: 1s, slow: [n4], delay: 10ms }
  - { at: 7s, for: 500ms, loss: 0.01 }
expect:
  - { availability: { consistency: ALL, max: 0.5 } }
";

    #[test]
    fn an_unrelated_failure_shrinks_to_the_smallest_valid_scenario() {
        let path = Path::new("always-fails.yaml");
        let start = scenario::parse(path, ALWAYS_FAILS).expect("valid");
        let verdict = run_seed(&Arc::new(start.clone()), 1).expect("runs").verdicts.remove(0);
        assert!(!verdict.passed, "{}", verdict.detail);
        let mut shrinker = Shrinker::new(1, Goal::Property(verdict.name), path.into(), 60);
        let small = shrinker.shrink(start);
        let size = Size::of(&small);
        assert_eq!((size.faults, size.nodes, size.groups, size.clients, size.keys, size.shards), (0, 3, 1, 1, 1, 1));
        assert_eq!(size.duration_ms, 1_000);
        assert!(shrinker.runs() <= 60);
        assert!(scenario::parse(path, &to_yaml(&small, &[])).is_ok(), "the result is a valid scenario");
    }

    #[test]
    fn the_run_budget_is_never_exceeded() {
        let path = Path::new("always-fails.yaml");
        let start = scenario::parse(path, ALWAYS_FAILS).expect("valid");
        let mut shrinker = Shrinker::new(1, Goal::Crash, path.into(), 3);
        let same = shrinker.shrink(start.clone());
        assert_eq!((shrinker.runs(), Size::of(&same)), (3, Size::of(&start)), "nothing crashes, nothing is kept");
    }
}
