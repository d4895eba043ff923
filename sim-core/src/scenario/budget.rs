//! The work budget: an estimate, made at validation from the scenario as a whole, of the work
//! one run will take (operations offered, clients, messages and timer firings, memory), checked
//! against the scenario's [`Budget`]. Every field has a cap of its own; this bounds their
//! products (a 720 h run at 1,000,000 ops/s, 64 groups of 100,000 clients), which no field
//! cap can. A refusal names the field that drives the figure and says how to raise the budget.
//!
//! The estimates are upper bounds for a run that meets its offered rate; a run whose clients
//! cannot keep up does less. The per-unit costs below were measured on the development machine
//! (release build) and rounded up.

use nodes::storage::ConflictPolicy;
use serde_yaml::Value;

use super::error::Invalid;
use super::locate::item;
use super::model::{Budget, FaultAction, KeyDist, Scenario, SwarmFault, SwarmMode, Target, WorkloadGroup};
use super::model::{N5_REPLICATION, SKEW_FAST_MOST};
use super::spec::RawBudget;
use super::units::format_ms;
use super::value::{describe, expected};

/// Most keys a Zipf group samples from a table of cumulative probabilities (8 bytes a key,
/// 8 MiB at most); above it keys are drawn without a table, in constant memory.
pub const ZIPF_TABLE_KEYS_MAX: u64 = 1 << 20;

/// Highest budget a scenario may raise to, per figure: beyond these the arithmetic of a run
/// (and any machine) gives out.
const RAISE_MAX: Budget =
    Budget { operations: 1_000_000_000_000, messages: 10_000_000_000_000, clients: 6_400_000, memory_bytes: 1 << 40 };

/// Memory a run needs whatever it does: the program, madsim, the report's plots.
const BASE_BYTES: f64 = 64.0 * 1_048_576.0;
/// Memory per operation: its history record, versions, `ops.csv` row, checker state.
const BYTES_PER_OPERATION: f64 = 1_024.0;
/// Memory per client: its endpoint, workload generator and random streams.
const BYTES_PER_CLIENT: f64 = 2_048.0;
/// Memory per storage node: its endpoint, store, control state and streams.
const BYTES_PER_NODE: f64 = 128.0 * 1_024.0;
/// Memory per shard replica: the shard map (shared by the nodes), roles, tenures.
const BYTES_PER_SHARD_REPLICA: f64 = 16.0;
/// Memory per directed link a fault cuts, while the fault is in effect.
const BYTES_PER_CUT: f64 = 8.0;
/// Memory per version an operation carries beyond the first (a read's siblings, kept in its
/// history record with their contexts).
const BYTES_PER_SIBLING: f64 = 64.0;
/// Most often the control plane runs on a node without a timer of its own (the leader's tick).
const CONTROL_TICK_MS: u64 = 10;

/// One contribution to an estimated figure: the field that drives it, what it is, how much.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    /// The scenario field that drives it, like `workload[0].rate`.
    pub field: String,
    /// What it counts, in words: `workload[0]: 400/s for 60s`.
    pub what: String,
    /// How much it adds.
    pub amount: f64,
}

/// What a run of a scenario is estimated to take, each figure as its parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Work {
    /// Client operations offered.
    pub operations: Vec<Part>,
    /// Clients.
    pub clients: Vec<Part>,
    /// Messages and timer firings the transport delivers.
    pub messages: Vec<Part>,
    /// Memory, in bytes.
    pub memory_bytes: Vec<Part>,
}

/// The sum of `parts`.
pub fn total(parts: &[Part]) -> f64 {
    parts.iter().map(|p| p.amount).sum()
}

/// Operations `group` offers: its rate integrated over its time window.
pub fn offered_operations(group: &WorkloadGroup) -> f64 {
    if !group.rate.shape.is_steady() {
        return group.rate.shape.operations(group.rate.base_per_s, group.start_ms, group.stop_ms);
    }
    let (mut total, mut from_ms, mut per_s) = (0.0, group.start_ms, group.rate.base_per_s);
    for &(at_ms, next_per_s) in &group.rate.changes {
        total += per_s * at_ms.saturating_sub(from_ms) as f64 / 1_000.0;
        (from_ms, per_s) = (at_ms.max(from_ms), next_per_s);
    }
    total + per_s * group.stop_ms.saturating_sub(from_ms) as f64 / 1_000.0
}

fn part(field: impl Into<String>, what: impl Into<String>, amount: f64) -> Part {
    Part { field: field.into(), what: what.into(), amount }
}

/// Estimates the work of `scenario` (see the module's notes).
pub fn estimate(scenario: &Scenario) -> Work {
    let c = &scenario.cluster;
    let nodes = c.nodes.len() as f64;
    let modes = scenario.swarm.as_ref().map_or(&[][..], |s| &s.modes[..]);
    // The swarm's modes may raise N and send writes through primaries: count the most.
    let n = f64::from(if modes.contains(&SwarmMode::N5) { c.n.max(N5_REPLICATION) } else { c.n });
    let via_primary = c.writes_via_primary || modes.contains(&SwarmMode::PrimaryWrites);
    let simulated_ms = (scenario.duration_ms + scenario.heal_ms) as f64;
    let group_ops: Vec<f64> = scenario.workload.iter().map(offered_operations).collect();
    let operations: Vec<Part> = scenario
        .workload
        .iter()
        .zip(&group_ops)
        .enumerate()
        .map(|(i, (g, &ops))| {
            let window = format!("from {} to {}", format_ms(g.start_ms), format_ms(g.stop_ms));
            let changes = if !g.rate.shape.is_steady() {
                format!(" shaped ({})", g.rate.shape.describe())
            } else if g.rate.changes.is_empty() {
                String::new()
            } else {
                " with its rate changes".into()
            };
            let field = if g.rate.shape.is_steady() { ".rate" } else { ".shape" };
            part(item("workload", i) + field, format!("workload[{i}]: {}/s {window}{changes}", g.rate.base_per_s), ops)
        })
        .collect();
    let clients = scenario
        .workload
        .iter()
        .enumerate()
        .map(|(i, g)| part(item("workload", i) + ".clients", format!("workload[{i}]"), f64::from(g.clients)))
        .collect();
    let ops = total(&operations);
    // A coordinator asks N replicas and hears back; the client's request and reply; a write
    // sent to a shard's primary is forwarded once more.
    let per_op = 2.0 * n + 2.0 + if via_primary { 2.0 } else { 0.0 };
    let duplicates = 1.0 + duplicate_most(scenario);
    // A clock skewed to run fast fires its node's timers (and heartbeats) that much sooner.
    let fastest = clock_rate_most(scenario);
    let heartbeat_ms = c.control.heartbeat_ms.max(1) as f64;
    let tick_ms = c.control.heartbeat_ms.min(c.control.election_timeout_ms.0).clamp(1, CONTROL_TICK_MS) as f64;
    let busiest = operations.iter().fold(None::<&Part>, |best, p| match best {
        Some(b) if b.amount >= p.amount => Some(b),
        _ => Some(p),
    });
    let (cut_field, cut_what, cuts) = fault_cuts(scenario);
    let mut messages = vec![
        part(
            busiest.map_or("workload".to_string(), |p| p.field.clone()),
            format!("{} operations x {per_op} messages (replication n = {})", count(ops), c.n),
            ops * per_op * duplicates,
        ),
        part(
            "cluster.control.heartbeat",
            format!(
                "heartbeats every {} to {} nodes for {}",
                format_ms(c.control.heartbeat_ms),
                c.nodes.len(),
                span(simulated_ms)
            ),
            2.0 * (nodes - 1.0) * simulated_ms / heartbeat_ms * duplicates * fastest,
        ),
        part(
            "cluster.nodes",
            format!("timers of {} nodes for {}", c.nodes.len(), span(simulated_ms)),
            nodes * simulated_ms / tick_ms * fastest,
        ),
        part("workload", "client and request timeouts", 2.0 * ops),
        part(cut_field, format!("links cut and restored by {cut_what}"), 2.0 * cuts),
    ];
    // Many writers on few keys keep up to `max_siblings` concurrent versions a key, and every
    // message of a read, every merge and every history record then carries them all: a run
    // of 23,235 clients on 5 keys took 40 s for 200,000 operations. Counted as that many more
    // messages' worth of work, and memory.
    let siblings = siblings_most(scenario);
    if siblings > 1.0 {
        messages.push(part(
            "cluster.storage.max_siblings",
            format!("up to {siblings} siblings a key (clients per key, at most max_siblings) on every message of an operation"),
            ops * per_op * (siblings - 1.0),
        ));
    }
    let mut memory_bytes = memory(scenario, &operations, &clients_total(scenario));
    if siblings > 1.0 {
        memory_bytes.push(part(
            "cluster.storage.max_siblings",
            format!("up to {siblings} siblings in each operation's history"),
            ops * (siblings - 1.0) * BYTES_PER_SIBLING,
        ));
    }
    Work { operations, clients, messages, memory_bytes }
}

/// Concurrent versions a key may hold: about the writing clients per key (each has one
/// operation in flight), at most `max_siblings`; one when writes cannot make siblings
/// (last write wins, the linearizable mode, or writes through primaries).
fn siblings_most(scenario: &Scenario) -> f64 {
    let c = &scenario.cluster;
    // The swarm's `primary_writes` sends writes through any node in some seeds.
    let mode_any = scenario.swarm.as_ref().is_some_and(|s| s.modes.contains(&SwarmMode::PrimaryWrites));
    if (c.writes_via_primary && !mode_any)
        || c.storage.linearizable
        || c.storage.store.conflicts != ConflictPolicy::Siblings
    {
        return 1.0;
    }
    let writers: f64 = scenario.workload.iter().filter(|g| g.reads < 1.0).map(|g| f64::from(g.clients)).sum();
    let keys = scenario.workload.iter().filter(|g| g.reads < 1.0).map(|g| g.keys).min().unwrap_or(1).max(1);
    (writers / keys as f64).ceil().clamp(1.0, c.storage.store.max_siblings as f64)
}

fn clients_total(scenario: &Scenario) -> f64 {
    scenario.workload.iter().map(|g| f64::from(g.clients)).sum()
}

fn memory(scenario: &Scenario, operations: &[Part], clients: &f64) -> Vec<Part> {
    let c = &scenario.cluster;
    let nodes = c.nodes.len() as f64;
    let busiest = operations.iter().max_by(|a, b| a.amount.total_cmp(&b.amount));
    let mut parts = vec![
        part("budget", "the program itself", BASE_BYTES),
        part(
            busiest.map_or("workload".to_string(), |p| p.field.clone()),
            format!("{} operations' history", count(total(operations))),
            total(operations) * BYTES_PER_OPERATION,
        ),
        part("workload", format!("{} clients", count(*clients)), clients * BYTES_PER_CLIENT),
        part("cluster.nodes", format!("{} nodes", c.nodes.len()), nodes * BYTES_PER_NODE),
        part(
            "cluster.shards",
            format!("{} shards x {} replicas", c.shards, c.n),
            f64::from(c.shards) * f64::from(c.n) * BYTES_PER_SHARD_REPLICA,
        ),
    ];
    let (field, what, cuts) = fault_cuts(scenario);
    parts.push(part(field, format!("links cut by {what}"), cuts * BYTES_PER_CUT));
    // One Zipf table per distinct key space and exponent (groups share them).
    let mut tables: Vec<(u64, u64)> = vec![];
    for (i, g) in scenario.workload.iter().enumerate() {
        if let KeyDist::Zipf(s) = g.key_dist {
            if !tables.contains(&(g.keys, s.to_bits())) {
                tables.push((g.keys, s.to_bits()));
                let bytes = g.keys.min(ZIPF_TABLE_KEYS_MAX) as f64 * 8.0;
                parts.push(part(item("workload", i) + ".keys", format!("the Zipf table of workload[{i}]"), bytes));
            }
        }
    }
    parts
}

/// The fastest any node's clock may run (1 without skews).
fn clock_rate_most(scenario: &Scenario) -> f64 {
    scenario
        .faults
        .iter()
        .filter_map(|f| match f.action {
            FaultAction::Skew { rate, .. } => Some(rate),
            _ => None,
        })
        .chain(swarm_clock_rate_most(scenario))
        .fold(1.0, f64::max)
}

/// The fastest clock the swarm's `skew` may draw, if it draws any.
fn swarm_clock_rate_most(scenario: &Scenario) -> Option<f64> {
    let swarm = scenario.swarm.as_ref().filter(|s| s.kinds.contains(&SwarmFault::Skew))?;
    Some(if swarm.skew_beyond { 1.0 + SKEW_FAST_MOST } else { 1.0 + scenario.cluster.control.max_drift })
}

/// Directed links the faults cut, summed over faults (scripted and the swarm's expected
/// draws), with the field that drives the most and its description.
fn fault_cuts(scenario: &Scenario) -> (String, String, f64) {
    let c = &scenario.cluster;
    let nodes = c.nodes.len() as f64;
    let size = |targets: &[Target]| -> f64 {
        targets
            .iter()
            .map(|t| match t {
                Target::Zone(z) => c.nodes.iter().filter(|n| n.zone == *z).count() as f64,
                _ => 1.0,
            })
            .sum()
    };
    let mut scripted = 0.0;
    for f in &scenario.faults {
        scripted += match &f.action {
            FaultAction::Partition(groups) => {
                let sizes: Vec<f64> = groups.iter().map(|g| size(g)).collect();
                let all: f64 = sizes.iter().sum();
                all * all - sizes.iter().map(|s| s * s).sum::<f64>()
            }
            FaultAction::Isolate(t) => 2.0 * size(t) * (nodes - size(t)).max(0.0),
            FaultAction::OneWay { from, to } => size(from) * size(to),
            other => other.target_lists().iter().map(|t| size(t)).sum(),
        };
    }
    let swarm = scenario.swarm.as_ref().map_or(0.0, |s| {
        let draws = s.rate_per_s * s.stop_ms.saturating_sub(s.start_ms) as f64 / 1_000.0;
        let mut worst = if s.kinds.contains(&SwarmFault::Partition) {
            nodes * nodes / 2.0
        } else {
            2.0 * f64::from(s.max_nodes).min(nodes) * nodes
        };
        if s.kinds.contains(&SwarmFault::ZoneOutage) {
            let zone_most = (0..c.zones.len() as u16).map(|z| size(&[Target::Zone(z)])).fold(0.0, f64::max);
            worst = worst.max(2.0 * zone_most * nodes);
        }
        draws * worst
    });
    if swarm > scripted {
        ("swarm.rate".into(), "the swarm's faults".into(), scripted + swarm)
    } else {
        ("faults".into(), format!("{} faults", scenario.faults.len()), scripted + swarm)
    }
}

/// The highest duplication probability any link can have during the run.
fn duplicate_most(scenario: &Scenario) -> f64 {
    let scripted = scenario.faults.iter().filter_map(|f| match f.action {
        FaultAction::Duplicate(p) => Some(p),
        _ => None,
    });
    let swarm = scenario.swarm.iter().filter(|s| s.kinds.contains(&SwarmFault::Duplicate)).map(|s| s.duplicate.1);
    scripted.chain(swarm).fold(scenario.cluster.net.duplicate, f64::max)
}

/// Checks `scenario` against its budget; the error is at the field that drives the figure
/// over it.
pub(crate) fn check(scenario: &Scenario) -> Result<(), Invalid> {
    let work = estimate(scenario);
    let b = &scenario.budget;
    let figures: [(&str, &str, &[Part], u64); 4] = [
        ("clients", "clients", &work.clients, b.clients),
        ("operations", "operations", &work.operations, b.operations),
        ("messages", "messages and timer firings", &work.messages, b.messages),
        ("memory", "of memory", &work.memory_bytes, b.memory_bytes),
    ];
    for (key, noun, parts, limit) in figures {
        let needed = total(parts);
        if needed <= limit as f64 {
            continue;
        }
        // The largest part locates the error; on ties, the first in the file.
        let Some(top) = parts.iter().fold(None::<&Part>, |best, p| match best {
            Some(b) if b.amount >= p.amount => Some(b),
            _ => Some(p),
        }) else {
            continue;
        };
        let shown = |x: f64| if key == "memory" { bytes(x) } else { count(x) };
        let raise = if key == "memory" { bytes_up(needed) } else { format!("{}", round_up(needed) as u64) };
        return Err(Invalid::new(
            top.field.clone(),
            format!(
                "this scenario needs about {} {noun}, over its work budget of {} (mostly {}: {}). Make it smaller, or if you mean it raise the budget with `budget: {{ {key}: {raise} }}`",
                shown(needed),
                shown(limit as f64),
                top.what,
                shown(top.amount),
            ),
        ));
    }
    Ok(())
}

/// Reads `budget:`; every figure left out keeps its default.
pub(crate) fn budget(raw: Option<&RawBudget>) -> Result<Budget, Invalid> {
    let mut b = Budget::DEFAULT;
    let Some(raw) = raw else { return Ok(b) };
    let figure = |value: Option<u64>, key: &str, most: u64, default: u64| -> Result<u64, Invalid> {
        match value {
            None => Ok(default),
            Some(v) if (1..=most).contains(&v) => Ok(v),
            Some(v) => Err(Invalid::new(format!("budget.{key}"), format!("{v}: use 1 to {most}"))),
        }
    };
    b.operations = figure(raw.operations, "operations", RAISE_MAX.operations, b.operations)?;
    b.messages = figure(raw.messages, "messages", RAISE_MAX.messages, b.messages)?;
    b.clients = figure(raw.clients, "clients", RAISE_MAX.clients, b.clients)?;
    if let Some(value) = &raw.memory {
        b.memory_bytes = memory_size(value, "budget.memory")?;
    }
    Ok(b)
}

/// A memory size: `512MiB`, `4GiB` (units B, KiB, MiB, GiB, TiB) or a number of bytes.
pub(super) fn memory_size(value: &Value, field: &str) -> Result<u64, Invalid> {
    let bytes = match value {
        Value::Number(n) => {
            n.as_u64().ok_or_else(|| expected(field, "a whole number of bytes or a size like `4GiB`", value))?
        }
        Value::String(text) => {
            let t = text.trim();
            let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            let (number, unit) = t.split_at(split);
            let shift = match unit.trim() {
                "" | "B" => 0,
                "KiB" => 10,
                "MiB" => 20,
                "GiB" => 30,
                "TiB" => 40,
                other => {
                    return Err(Invalid::new(
                        field,
                        format!("unknown unit `{other}` in `{t}`: use B, KiB, MiB, GiB or TiB"),
                    ))
                }
            };
            let n: u64 =
                number.parse().map_err(|_| Invalid::new(field, format!("`{t}` is not a size: write e.g. `4GiB`")))?;
            n.checked_mul(1u64 << shift).ok_or_else(|| Invalid::new(field, format!("`{t}` is too large")))?
        }
        other => return Err(Invalid::new(field, format!("expected a size like `4GiB`, found {}", describe(other)))),
    };
    if !(1..=RAISE_MAX.memory_bytes).contains(&bytes) {
        return Err(Invalid::new(field, format!("{}: use 1 byte to 1TiB", self::bytes(bytes as f64))));
    }
    Ok(bytes)
}

/// `x` rounded up to two significant digits, for a budget to suggest.
fn round_up(x: f64) -> f64 {
    if x < 100.0 {
        return x.ceil();
    }
    let unit = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / unit).ceil() * unit
}

/// A count with thousands separators (`2,592,000,000`), or in scientific form when huge.
pub fn count(x: f64) -> String {
    if x.is_nan() || x >= 1e15 {
        return format!("{x:.2e}");
    }
    let digits = format!("{}", x.round() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in the largest binary unit that keeps a whole number in front (`768MiB`, `1.5GiB`).
pub fn bytes(x: f64) -> String {
    let units = [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)];
    for (unit, shift) in units {
        let size = (1u64 << shift) as f64;
        if x >= size {
            let v = x / size;
            return if v.fract() == 0.0 { format!("{v}{unit}") } else { format!("{v:.1}{unit}") };
        }
    }
    format!("{x}B")
}

/// Bytes rounded up to a whole number of the largest binary unit below them (`33GiB`), as a
/// `budget.memory` can be written.
fn bytes_up(x: f64) -> String {
    for (unit, shift) in [("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        let size = (1u64 << shift) as f64;
        if x >= size {
            return format!("{}{unit}", (x / size).ceil());
        }
    }
    format!("{}", x.ceil())
}

/// Simulated time as a duration (`65s`).
fn span(ms: f64) -> String {
    format_ms(ms as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_operations_follow_the_rate_schedule() {
        use super::super::model::RateSchedule;
        let group = WorkloadGroup {
            clients: 2,
            rate: RateSchedule::steps(100.0, vec![(20_000, 10.0), (30_000, 1_000.0)]),
            keys: 10,
            key_dist: KeyDist::Uniform,
            reads: 0.5,
            read_consistency: crate::history::Level::One,
            write_consistency: crate::history::Level::One,
            send_context: true,
            retry: Default::default(),
            start_ms: 10_000,
            stop_ms: 40_000,
        };
        // 10 s at 100/s, 10 s at 10/s, 10 s at 1000/s.
        assert_eq!(offered_operations(&group), 1_000.0 + 100.0 + 10_000.0);
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(count(2_592_000_000_000.0), "2,592,000,000,000");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1e20), "1.00e20");
        assert_eq!(bytes(768.0 * 1_048_576.0), "768MiB");
        assert_eq!(bytes(1.5 * 1_073_741_824.0), "1.5GiB");
        assert_eq!(round_up(2_592_000_000_001.0), 2_600_000_000_000.0);
        assert_eq!(round_up(42.2), 43.0);
        assert_eq!(bytes_up(32.6 * 1_073_741_824.0), "33GiB");
    }

    #[test]
    fn memory_sizes_take_binary_units_or_bytes() {
        let read = |text: &str| memory_size(&serde_yaml::from_str(text).expect("yaml"), "budget.memory");
        assert_eq!(read("4GiB"), Ok(4 << 30));
        assert_eq!(read("512MiB"), Ok(512 << 20));
        assert_eq!(read("1000"), Ok(1_000));
        assert!(read("4GB").is_err());
        assert!(read("2TiB").is_err(), "above the most a budget may be raised to");
        assert!(read("0").is_err());
        assert!(read("99999999999999TiB").is_err(), "too large, not wrapped");
        assert!(read("[1]").is_err());
    }

    #[test]
    fn many_writers_on_few_keys_count_their_siblings_unless_writes_cannot_make_any() {
        let text = |storage: &str| {
            format!(
                "name: s\ndescription: d\nduration: 2s\ncluster:\n  nodes: 3\n  replication: {{ n: 3 }}\n  \
                 storage: {storage}\nworkload: [{{ clients: 20000, rate: 100000/s, keys: 5 }}]\n"
            )
        };
        let parse = |storage: &str| crate::scenario::parse(std::path::Path::new("s.yaml"), &text(storage));
        let e = parse("{}").expect_err("refused").to_string();
        assert!(e.contains("cluster.storage.max_siblings") && e.contains("up to 64 siblings a key"), "{e}");
        assert!(parse("{ max_siblings: 2 }").is_ok(), "two siblings a key are cheap enough");
        assert!(parse("{ conflicts: lww }").is_ok(), "one version a key");
        assert!(parse("{ linearizable: on }").is_ok());
    }
}
