//! Validation: the raw [`ScenarioSpec`] becomes a typed [`Scenario`], or the first mistake in
//! file order is reported with the path of its field. Each section has a file of its own
//! (`cluster`, `workload`, `faults`, `swarm`, `expect`) over the shared validators in `fields`;
//! this one checks the top-level fields and puts the sections together.

use std::path::Path;

use super::budget::{budget, check as check_budget};
use super::capacity::autoscaler;
use super::cluster::cluster;
use super::error::Invalid;
use super::expect::expectations;
use super::faults::faults;
use super::fields::{check_scenario_name, duration, positive_ms, required};
use super::locate::Index;
use super::model::Scenario;
use super::spec::ScenarioSpec;
use super::swarm::swarm;
use super::units::format_ms;
use super::workload::workload;

const HEAL_MS_DEFAULT: u64 = 5_000;

/// Checks `spec`, read from `path`, and builds the scenario; `index` gives faults their lines.
pub fn scenario(path: &Path, spec: &ScenarioSpec, index: &Index) -> Result<Scenario, Invalid> {
    let name = required(&spec.name, "name")?;
    check_scenario_name(name)?;
    let description = required(&spec.description, "description")?;
    if description.trim().is_empty() {
        return Err(Invalid::new("description", "the description must not be empty: say what the scenario shows"));
    }
    let duration_ms = positive_ms(required(&spec.duration, "duration")?, "duration")?;
    let heal_ms = match &spec.heal {
        Some(text) => duration(text, "heal")?,
        None => HEAL_MS_DEFAULT,
    };
    let cluster = cluster(required(&spec.cluster, "cluster")?)?;
    if heal_ms < cluster.client_timeout_ms {
        let client = format_ms(cluster.client_timeout_ms);
        let heal = format_ms(heal_ms);
        return Err(match spec.heal {
            Some(_) => Invalid::new(
                "heal",
                format!("heal ({heal}) is shorter than the client timeout ({client}): operations still running at the end could not finish"),
            ),
            None => Invalid::new(
                "cluster.timeouts.client",
                format!("the client timeout ({client}) is longer than the default heal (5s): set `heal` to at least {client}"),
            ),
        });
    }
    let groups = required(&spec.workload, "workload")?;
    let workload = workload(groups, &cluster, duration_ms, path)?;
    let probes = super::probe::probes(groups, cluster.n_range().0, duration_ms)?;
    let faults = faults(spec.faults.as_deref().unwrap_or_default(), &cluster, duration_ms, index)?;
    let swarm = spec.swarm.as_ref().map(|raw| swarm(raw, &cluster, duration_ms, index)).transpose()?;
    let expect = expectations(spec.expect.as_deref().unwrap_or_default(), cluster.n_range().0, duration_ms + heal_ms)?;
    let budget = budget(spec.budget.as_ref())?;
    let has_capacity = cluster.service.is_some();
    let autoscaler = autoscaler(
        spec.autoscaler.as_ref(),
        (cluster.nodes.len(), cluster.zones.len()),
        cluster.n_range().1,
        has_capacity,
    )?;
    let rebalance = super::rebalance::rebalance(spec.rebalance.as_ref(), has_capacity, cluster.zones.len())?;
    let scenario = Scenario {
        path: path.to_path_buf(),
        name: name.clone(),
        description: description.clone(),
        seed: spec.seed,
        duration_ms,
        heal_ms,
        cluster,
        workload,
        probes,
        faults,
        expect,
        swarm,
        budget,
        autoscaler,
        rebalance,
    };
    replicas_fit_at_start(&scenario)?;
    // Last: the budget judges the scenario as a whole.
    check_budget(&scenario)?;
    Ok(scenario)
}

/// Every shard's replicas must fit on the nodes in the cluster from the start: nodes a `join`
/// names, and the autoscaler's spares, hold no replica until later.
fn replicas_fit_at_start(scenario: &Scenario) -> Result<(), Invalid> {
    let c = &scenario.cluster;
    let members = c.nodes.len() - scenario.outside_at_start().len();
    let class = c.classes.iter().enumerate().find(|(_, k)| k.n as usize > members);
    let (field, n) = match class {
        Some((i, k)) => (format!("{}.n", super::locate::item("cluster.replication.classes", i)), k.n),
        None if c.n as usize > members && c.n_range().1 == c.n => ("cluster.replication.n".to_string(), c.n),
        None => return Ok(()),
    };
    Err(Invalid::new(
        field,
        format!(
            "n = {n} needs {n} nodes in the cluster from the start, and {members} of the {} are (nodes that `join` later or the autoscaler starts hold no replica until then)",
            c.nodes.len()
        ),
    ))
}
