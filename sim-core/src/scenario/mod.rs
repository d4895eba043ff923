//! Scenario files: the raw serde form, validation into a typed [`model::Scenario`], and
//! errors that name the file, line and field.
//!
//! `parse` reads the text twice: serde_yaml into the raw [`spec::ScenarioSpec`] (strict about
//! unknown fields and types), and yaml-rust2 into a [`locate::Index`] of field positions, which
//! validation errors need because serde keeps no positions once it is done.

pub mod balancer;
pub mod budget;
mod capacity;
mod cluster;
mod error;
mod expect;
mod faults;
mod fields;
mod file;
pub mod hedging;
mod latency;
mod locate;
pub mod membership;
pub mod migration;
pub mod model;
mod overrides;
mod probe;
pub(crate) mod rebalance;
mod retry;
pub mod shape;
pub mod shard_classes;
mod spec;
pub mod storage;
mod swarm;
mod targets;
mod trace;
mod units;
mod validate;
mod value;
mod workload;
mod workload_shape;

pub use error::ScenarioError;
pub use file::{load, parse, FILE_BYTES_MAX};
pub use overrides::{load_with, Override};
pub use retry::retry_text;
pub use units::{duration_ms, format_ms, rate_per_s, DURATION_MS_MAX, RATE_PER_S_MAX};

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use nodes::coordinator::{Hedge, HedgeDelay};
    use nodes::Latency;

    use crate::history::{Level, OpKind};

    use super::model::{FaultAction, KeyDist, Scenario, Target};
    use super::*;
    use crate::check::{AvailabilityBound, Expectation, Property};

    const FULL: &str = "\
name: quorum-two-replicas-down
description: QUORUM stays available with 2 of 5 replicas crashed; ALL does not.
seed: 42
duration: 60s
heal: 5s
cluster:
  zones: [az-a, az-b, az-c]
  nodes: 5
  replication: { n: 5 }
  shards: 8
  network:
    latency: { uniform: [1ms, 5ms] }
    cross_zone_latency: { exponential: { min: 2ms, mean: 3ms } }
    loss: 0.01
  timeouts: { request: 400ms, client: 1s }
workload:
  - clients: 8
    rate: 400/s
    keys: 1000
    key_distribution: { zipf: 0.99 }
    reads: 0.6
    consistency: QUORUM
    write_consistency: ALL
    rate_changes: [{ at: 20s, rate: 800/s }]
  - { clients: 2, rate: 10/s, keys: 10, consistency: 2, context: false, start: 5s, stop: 50s }
faults:
  - { at: 40s, restart: [n4, n5] }
  - { at: 10s, crash: [n4, n5] }
  - { at: 20s, for: 10s, slow: n3, delay: 200ms }
  - { at: 30s, for: 5s, partition: [[n1, n2], [n3, az-c]] }
  - { at: 30s, for: 5s, one_way: { from: [n1], to: [n2, random] } }
  - { at: 35s, isolate: az-a }
  - { at: 45s, heal: true }
  - { at: 5s, for: 5s, loss: 0.2 }
  - { at: 5s, for: 5s, duplicate: 0.1 }
  - { at: 21s, pause: [n2] }
  - { at: 22s, resume: n2 }
expect:
  - no_stale_quorum_reads
  - no_lost_acknowledged_writes
  - { violated: no_stale_reads }
  - { availability: { consistency: QUORUM, kind: read, min: 0.99, from: 12s, to: 40s } }
";

    const MINIMAL: &str = "\
name: minimal
description: the smallest valid scenario
duration: 10s
cluster:
  nodes: 3
  replication: { n: 3 }
workload:
  - { clients: 1, rate: 10/s, keys: 5 }
";

    fn file() -> PathBuf {
        PathBuf::from("scenarios/test.yaml")
    }

    fn ok(text: &str) -> Scenario {
        parse(&file(), text).unwrap_or_else(|e| panic!("expected a valid scenario, got: {e}"))
    }

    fn err(text: &str) -> ScenarioError {
        match parse(&file(), text) {
            Ok(_) => panic!("expected an error for:\n{text}"),
            Err(e) => e,
        }
    }

    /// `base` with `from` (which must occur) replaced by `to`.
    fn with(base: &str, from: &str, to: &str) -> String {
        assert!(base.contains(from), "`{from}` is not in the base text");
        base.replacen(from, to, 1)
    }

    /// The 1-based line of the first line containing `needle`.
    fn line_of(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).map(|i| i + 1).expect("needle in text")
    }

    /// Asserts the error points at the line holding `needle`, names `field` and says `says`.
    fn assert_error(text: &str, needle: &str, field: &str, says: &str) {
        let e = err(text);
        let shown = e.to_string();
        assert_eq!(e.line, Some(line_of(text, needle)), "wrong line in: {shown}");
        assert_eq!(e.field.as_deref(), Some(field), "wrong field in: {shown}");
        assert!(e.message.contains(says), "message lacks `{says}`: {shown}");
        assert!(shown.starts_with(&format!("scenarios/test.yaml:{}:", line_of(text, needle))), "{shown}");
        assert!(shown.contains(&format!(": {field}: ")), "{shown}");
    }

    #[test]
    fn a_full_scenario_parses_into_the_model() {
        let s = ok(FULL);
        assert_eq!(s.path, file());
        assert_eq!(
            (s.name.as_str(), s.seed, s.duration_ms, s.heal_ms),
            ("quorum-two-replicas-down", Some(42), 60_000, 5_000)
        );
        let c = &s.cluster;
        assert_eq!(c.zones, ["az-a", "az-b", "az-c"]);
        let zones: Vec<(&str, u16)> = c.nodes.iter().map(|n| (n.name.as_str(), n.zone)).collect();
        assert_eq!(zones, [("n1", 0), ("n2", 1), ("n3", 2), ("n4", 0), ("n5", 1)]);
        assert_eq!((c.n, c.shards, c.request_timeout_ms, c.client_timeout_ms), (5, 8, 400, 1_000));
        assert_eq!(c.net.latency, Latency::Uniform { lo_ms: 1.0, hi_ms: 5.0 });
        assert_eq!(c.net.cross_zone, Some(Latency::Exponential { min_ms: 2.0, mean_ms: 3.0 }));
        assert_eq!((c.net.loss, c.net.duplicate), (0.01, 0.0));

        let g = &s.workload[0];
        assert_eq!((g.clients, g.keys, g.key_dist, g.reads), (8, 1_000, KeyDist::Zipf(0.99), 0.6));
        assert_eq!((g.read_consistency, g.write_consistency), (Level::Quorum, Level::All));
        assert_eq!(g.consistency(OpKind::Write), Level::All);
        assert_eq!((g.rate.base_per_s, g.rate.changes.clone()), (400.0, vec![(20_000, 800.0)]));
        assert_eq!((g.send_context, g.start_ms, g.stop_ms), (true, 0, 60_000));
        let g = &s.workload[1];
        assert_eq!(
            (g.read_consistency, g.send_context, g.start_ms, g.stop_ms),
            (Level::Count(2), false, 5_000, 50_000)
        );
        assert_eq!((g.key_dist, g.reads), (KeyDist::Uniform, 0.5));

        let times: Vec<u64> = s.faults.iter().map(|f| f.at_ms / 1_000).collect();
        assert_eq!(times, [5, 5, 10, 20, 21, 22, 30, 30, 35, 40, 45]);
        assert_eq!(s.faults[0].action, FaultAction::Loss(0.2));
        assert_eq!(s.faults[1].action, FaultAction::Duplicate(0.1));
        assert_eq!(s.faults[2].action, FaultAction::Crash(vec![Target::Node(3), Target::Node(4)]));
        assert_eq!(s.faults[2].line, line_of(FULL, "crash: [n4, n5]"));
        assert_eq!(s.faults[3].action, FaultAction::Slow { targets: vec![Target::Node(2)], delay_ms: 200 });
        assert_eq!(s.faults[3].for_ms, Some(10_000));
        assert_eq!(s.faults[5].action, FaultAction::Resume(vec![Target::Node(1)]));
        assert_eq!(
            s.faults[6].action,
            FaultAction::Partition(vec![
                vec![Target::Node(0), Target::Node(1)],
                vec![Target::Node(2), Target::Zone(2)]
            ])
        );
        assert_eq!(
            s.faults[7].action,
            FaultAction::OneWay { from: vec![Target::Node(0)], to: vec![Target::Node(1), Target::Random] }
        );
        assert_eq!(s.faults[8].action, FaultAction::Isolate(vec![Target::Zone(0)]));
        assert_eq!(s.faults[10].action, FaultAction::Heal);
        assert_eq!(s.faults[9].line, line_of(FULL, "restart"));

        assert_eq!(
            s.expect,
            [
                Expectation::Holds(Property::named("no_stale_quorum_reads").unwrap()),
                Expectation::Holds(Property::named("no_lost_acknowledged_writes").unwrap()),
                Expectation::Violated(Property::named("no_stale_reads").unwrap()),
                Expectation::Availability(AvailabilityBound {
                    consistency: Some(Level::Quorum),
                    kind: Some(OpKind::Read),
                    min: Some(0.99),
                    max: None,
                    from_ms: 12_000,
                    to_ms: Some(40_000),
                }),
            ]
        );
    }

    #[test]
    fn defaults_fill_in_what_a_minimal_scenario_leaves_out() {
        let s = ok(MINIMAL);
        assert_eq!((s.seed, s.heal_ms), (None, 5_000));
        assert_eq!(s.cluster.zones, ["az-a"]);
        assert!(s.cluster.nodes.iter().all(|n| n.zone == 0));
        assert_eq!((s.cluster.shards, s.cluster.request_timeout_ms, s.cluster.client_timeout_ms), (16, 500, 1_000));
        assert_eq!(s.cluster.net.latency, Latency::Uniform { lo_ms: 1.0, hi_ms: 5.0 });
        assert_eq!((s.cluster.net.cross_zone.clone(), s.cluster.net.loss), (None, 0.0));
        let g = &s.workload[0];
        assert_eq!((g.reads, g.read_consistency, g.write_consistency), (0.5, Level::Quorum, Level::Quorum));
        assert_eq!((g.send_context, g.start_ms, g.stop_ms, g.key_dist), (true, 0, 10_000, KeyDist::Uniform));
        assert!(s.faults.is_empty() && s.expect.is_empty());
    }

    #[test]
    fn nodes_can_be_listed_with_their_zones() {
        let text = with(
            &with(
                MINIMAL,
                "  nodes: 3\n",
                "  zones: [east, west]\n  nodes:\n    - { name: a1, zone: west }\n    - { name: b1, zone: east }\n",
            ),
            "{ n: 3 }",
            "{ n: 2 }",
        );
        let nodes: Vec<(String, u16)> = ok(&text).cluster.nodes.into_iter().map(|n| (n.name, n.zone)).collect();
        assert_eq!(nodes, [("a1".to_string(), 1), ("b1".to_string(), 0)]);
    }

    #[test]
    fn node_stats_settings_are_checked_where_they_are_written() {
        use nodes::capacity::NodeStatsConfig;
        let plain = "  replication: { n: 3 }\n  capacity:\n    workers: 2\n    queue: 8\n";
        let text = with(MINIMAL, "  replication: { n: 3 }\n", plain);
        assert_eq!(ok(MINIMAL).cluster.node_stats, None, "no capacity, no node stats");
        let default = NodeStatsConfig { interval_ms: 1_000, window: 60, max_nodes: 3 };
        assert_eq!(ok(&text).cluster.node_stats, Some(default), "every node by default");
        let text = with(
            MINIMAL,
            "  replication: { n: 3 }\n",
            &format!("{plain}    stats: {{ interval: 500ms, window: 10, nodes: 2 }}\n"),
        );
        let set = NodeStatsConfig { interval_ms: 500, window: 10, max_nodes: 2 };
        assert_eq!(ok(&text).cluster.node_stats, Some(set));
        let unknown = with(&text, "nodes: 2 }", "nodes: 2, every: 1s }");
        assert_error(&unknown, "every", "cluster.capacity.stats.every", "unknown field `every`");
        let window = with(&text, "window: 10", "window: 0");
        assert_error(&window, "window: 0", "cluster.capacity.stats.window", "whole number from 1 to 3600");
        let nodes = with(&text, "nodes: 2", "nodes: 2.5");
        assert_error(&nodes, "nodes: 2.5", "cluster.capacity.stats.nodes", "whole number from 1 to 1024");
        let interval = with(&text, "interval: 500ms", "interval: 120m");
        assert_error(&interval, "interval", "cluster.capacity.stats.interval", "sample every 1ms to 1h");
    }

    #[test]
    fn unknown_top_level_field_is_named_at_its_line() {
        let text = with(FULL, "seed: 42\n", "seed: 42\ncolour: blue\n");
        assert_error(&text, "colour", "colour", "unknown field `colour`");
    }

    #[test]
    fn unknown_nested_field_is_named_with_its_path() {
        let text = with(FULL, "    loss: 0.01\n", "    loss: 0.01\n    jitter: 2ms\n");
        assert_error(&text, "jitter", "cluster.network.jitter", "unknown field `jitter`");
        let e = err(&text);
        assert_eq!(e.column, Some(5));
    }

    #[test]
    fn unknown_fault_field_is_named_with_its_item() {
        let text = with(FULL, "{ at: 21s, pause: [n2] }", "{ at: 21s, pause: [n2], forr: 1s }");
        assert_error(&text, "forr", "faults[9].forr", "unknown field `forr`");
    }

    #[test]
    fn unknown_node_in_a_fault_is_named_with_its_index() {
        let text = with(FULL, "crash: [n4, n5]", "crash: [n4, n9]");
        assert_error(&text, "n9", "faults[1].crash[1]", "unknown node `n9` (nodes are n1, n2, n3, n4, n5");
        assert_eq!(err(&text).column, Some(28));
    }

    #[test]
    fn unknown_zone_for_a_node_is_named() {
        let text = with(
            MINIMAL,
            "  nodes: 3\n",
            "  zones: [east]\n  nodes:\n    - { name: a1, zone: east }\n    - { name: a2, zone: west }\n",
        );
        assert_error(&text, "west", "cluster.nodes[1].zone", "unknown zone `west`");
    }

    #[test]
    fn consistency_above_the_replication_factor_is_rejected() {
        let text = with(FULL, "consistency: 2,", "consistency: 7,");
        assert_error(&text, "consistency: 7", "workload[1].consistency", "more than the replication factor");
    }

    #[test]
    fn shard_classes_are_read_and_checked_against_levels_and_start_members() {
        let classes = "  replication:\n    n: 3\n    requirement: strong\n    classes:\n      - { shards: 0..3, n: 2, requirement: eventual }\n";
        let s = ok(&with(MINIMAL, "  replication: { n: 3 }\n", classes));
        let spec = s.cluster.shard_spec();
        assert_eq!((spec.n_of(0), spec.n_of(4), s.cluster.n_range()), (2, 3, (2, 3)));
        let line = s.cluster.classes_text();
        assert_eq!(line.as_deref(), Some("0-3 eventual N=2, the other 12 strong N=3"));
        assert_eq!(ok(MINIMAL).cluster.classes_text(), None, "one class: no line");
        assert_eq!(
            (spec.requirement_of(3), spec.requirement_of(4)),
            (nodes::Requirement::Eventual, nodes::Requirement::Strong)
        );
        // A count level must be reachable on the smallest class.
        let counted =
            with(&with(MINIMAL, "  replication: { n: 3 }\n", classes), "keys: 5 }", "keys: 5, consistency: 3 }");
        assert_error(&counted, "consistency: 3", "workload[0].consistency", "the smallest N is 2");
        let unknown = with(MINIMAL, "  replication: { n: 3 }\n", "  replication: { n: 3, requirement: linear }\n");
        assert_error(&unknown, "requirement: linear", "cluster.replication.requirement", "`strong`");
        // A node that joins later holds no replica at the start: N = 3 does not fit on two.
        let joins = format!("{}  nodes: 3\n  membership: {{ gossip: on }}\n", "");
        let late = with(MINIMAL, "  nodes: 3\n", &joins) + "faults:\n  - { at: 2s, join: n3 }\n";
        assert_error(&late, "replication", "cluster.replication.n", "2 of the 3 are");
    }

    #[test]
    fn a_leave_needs_gossip_and_a_join_does_not() {
        let nodes = with(MINIMAL, "  nodes: 3\n", "  nodes: 4\n");
        let joins = ok(&(nodes.clone() + "faults:\n  - { at: 2s, join: n4 }\n"));
        assert!(matches!(joins.faults[0].action, FaultAction::Join(_)));
        let leaves = nodes + "faults:\n  - { at: 2s, leave: n4 }\n";
        assert_error(&leaves, "leave: n4", "faults[0].leave", "set `cluster.membership: { gossip: on }`");
    }

    #[test]
    fn negative_and_zero_durations_are_rejected() {
        assert_error(&with(FULL, "duration: 60s", "duration: -5s"), "duration", "duration", "negative");
        assert_error(&with(FULL, "duration: 60s", "duration: 0s"), "duration", "duration", "greater than 0");
        assert_error(&with(FULL, "duration: 60s", "duration: 60"), "duration", "duration", "no unit");
        assert_error(&with(FULL, "for: 10s, slow", "for: 0ms, slow"), "for: 0ms", "faults[2].for", "greater than 0");
        assert_error(
            &with(FULL, "delay: 200ms", "delay: 0.5ms"),
            "0.5ms",
            "faults[2].delay",
            "whole number of milliseconds",
        );
    }

    #[test]
    fn faults_at_or_after_the_end_are_rejected() {
        let text = with(FULL, "{ at: 45s, heal: true }", "{ at: 60s, heal: true }");
        assert_error(&text, "at: 60s", "faults[6].at", "at or after the end");
    }

    #[test]
    fn malformed_rates_are_rejected() {
        for (rate, says) in
            [("400", "no unit"), ("abc/s", "not a number"), ("-3/s", "negative"), ("0/s", "greater than 0")]
        {
            let text = with(FULL, "rate: 400/s", &format!("rate: {rate}"));
            assert_error(&text, &format!("rate: {rate}"), "workload[0].rate", says);
        }
    }

    #[test]
    fn bad_latencies_point_at_the_inner_value() {
        let text = with(FULL, "{ uniform: [1ms, 5ms] }", "{ uniform: [1ms, 5] }");
        assert_error(&text, "uniform", "cluster.network.latency.uniform[1]", "no unit");
        let text = with(FULL, "{ uniform: [1ms, 5ms] }", "{ normal: 3ms }");
        assert_error(&text, "normal", "cluster.network.latency.normal", "unknown field `normal`");
    }

    #[test]
    fn heal_shorter_than_the_client_timeout_is_rejected() {
        let text = with(FULL, "heal: 5s", "heal: 500ms");
        assert_error(&text, "heal: 500ms", "heal", "shorter than the client timeout");
        let text = with(&with(FULL, "heal: 5s\n", ""), "client: 1s", "client: 10s");
        assert_error(&text, "client: 10s", "cluster.timeouts.client", "default heal");
    }

    #[test]
    fn leader_targets_resolve_when_the_fault_fires() {
        let sc = ok(&with(FULL, "slow: n3", "slow: leader"));
        let slow = sc.faults.iter().find(|f| matches!(f.action, FaultAction::Slow { .. })).unwrap();
        assert_eq!(slow.action, FaultAction::Slow { targets: vec![Target::Leader], delay_ms: 200 });
        let sc = ok(&with(FULL, "pause: [n2]", "pause: [n2, leader]"));
        assert!(sc.faults.iter().any(|f| f.action == FaultAction::Pause(vec![Target::Node(1), Target::Leader])));
    }

    #[test]
    fn primary_targets_resolve_when_the_fault_fires_and_cannot_name_a_node() {
        let sc = ok(&with(FULL, "pause: [n2]", "pause: [primary, leader]"));
        assert!(sc.faults.iter().any(|f| f.action == FaultAction::Pause(vec![Target::Primary, Target::Leader])));
        let e = parse(Path::new("s.yaml"), &with(FULL, "pause: [n2]", "pause: [primary, primary]")).unwrap_err();
        assert!(e.field.as_deref().is_some_and(|f| f.ends_with(".pause[1]")) && e.message.contains("twice"), "{e}");
        let named =
            "name: x\ndescription: d\nduration: 10s\ncluster: { nodes: [{ name: primary }], replication: { n: 1 } }\n\
                     workload: [{ clients: 1, rate: 1/s, keys: 1 }]\n";
        let e = parse(Path::new("s.yaml"), named).unwrap_err();
        assert!(e.message.contains("reserved target word"), "{e}");
    }

    #[test]
    fn hedge_and_breaker_settings_parse_and_their_mistakes_point_at_the_line() {
        let storage = "  timeouts: { request: 400ms, client: 1s }\n  storage: { hedge: { after: 20ms }, breaker: { timeouts: 2 } }\n";
        let sc = ok(&with(FULL, "  timeouts: { request: 400ms, client: 1s }\n", storage));
        assert_eq!(sc.cluster.storage.hedge, Hedge::Targeted(HedgeDelay::Fixed { ms: 20 }));
        assert_eq!(sc.cluster.storage.breaker.map(|b| (b.timeouts, b.window_ms)), Some((2, 2_000)));
        let late = with(FULL, "  timeouts: { request: 400ms, client: 1s }\n", &storage.replace("20ms", "400ms"));
        assert_error(&late, "hedge:", "cluster.storage.hedge.after", "request timeout");
    }

    #[test]
    fn a_slow_fault_scoped_to_the_replica_delays_only_its_answers() {
        let sc = ok(&with(FULL, "slow: n3, delay: 200ms", "slow: n3, delay: 200ms, scope: replica"));
        let slow = sc.faults.iter().find(|f| matches!(f.action, FaultAction::SlowReplica { .. })).unwrap();
        assert_eq!(slow.action, FaultAction::SlowReplica { targets: vec![Target::Node(2)], delay_ms: 200 });
        let sc = ok(&with(FULL, "slow: n3, delay: 200ms", "slow: n3, delay: 200ms, scope: node"));
        assert!(sc.faults.iter().any(|f| matches!(f.action, FaultAction::Slow { .. })), "`node` is the default");
        let text = with(FULL, "slow: n3, delay: 200ms", "slow: n3, delay: 200ms, scope: disk");
        assert_error(&text, "scope: disk", "faults[2].scope", "`replica`");
        let text = with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, restart: n4, scope: replica }");
        assert_error(&text, "scope: replica", "faults[0].scope", "only goes with `slow`");
    }

    #[test]
    fn control_settings_writes_mode_and_skew_faults_parse() {
        let text = with(
            FULL,
            "  timeouts: { request: 400ms, client: 1s }\n",
            "  timeouts: { request: 400ms, client: 1s }\n  writes: primary\n  control: { election_timeout: [100ms, 200ms], heartbeat: 20ms, lease: 1s, max_drift: 0.05, slow_leader_rtt: 80ms, step_down_cooldown: 3s, voters: 5 }\n",
        );
        let text = with(
            &text,
            "  - { at: 22s, resume: n2 }",
            "  - { at: 22s, resume: n2 }\n  - { at: 23s, for: 2s, skew: [n1, leader], drift: -0.25, offset: -40ms }",
        );
        let sc = ok(&text);
        assert!(sc.cluster.writes_via_primary);
        let c = &sc.cluster.control;
        assert_eq!((c.election_timeout_ms, c.heartbeat_ms, c.lease_ms), ((100, 200), 20, 1_000));
        assert_eq!((c.max_drift, c.slow_leader_rtt_ms, c.step_down_cooldown_ms, c.voters_max), (0.05, 80, 3_000, 5));
        let zero = text.replace("voters: 5", "voters: 0");
        assert_error(&zero, "voters: 0", "cluster.control.voters", "from 1 to 15");
        let skew = sc.faults.iter().find(|f| matches!(f.action, FaultAction::Skew { .. })).unwrap();
        assert_eq!(
            skew.action,
            FaultAction::Skew { targets: vec![Target::Node(0), Target::Leader], rate: 0.75, offset_ms: -40 }
        );
        assert_eq!(skew.for_ms, Some(2_000));
        assert!(!ok(FULL).cluster.writes_via_primary, "writes go through any node by default");
    }

    #[test]
    fn bad_control_settings_and_skews_are_located() {
        let base = with(
            FULL,
            "  timeouts: { request: 400ms, client: 1s }\n",
            "  timeouts: { request: 400ms, client: 1s }\n  control: { election_timeout: [300ms, 100ms] }\n",
        );
        assert_error(&base, "election_timeout", "cluster.control.election_timeout", "must not exceed");
        let text = with(
            FULL,
            "  timeouts: { request: 400ms, client: 1s }\n",
            "  timeouts: { request: 400ms, client: 1s }\n  writes: leader\n",
        );
        assert_error(&text, "writes: leader", "cluster.writes", "`primary`");
        let text = with(
            FULL,
            "  - { at: 22s, resume: n2 }",
            "  - { at: 22s, resume: n2 }\n  - { at: 23s, skew: n1, drift: -1.5 }",
        );
        assert_error(&text, "drift: -1.5", "faults[11].drift", "rate error");
        let text = with(FULL, "  - { at: 22s, resume: n2 }", "  - { at: 22s, resume: n2 }\n  - { at: 23s, skew: n1 }");
        assert_error(&text, "skew: n1", "faults[11].skew", "needs a `drift`");
        let text = with(
            FULL,
            "  - { at: 22s, resume: n2 }",
            "  - { at: 22s, resume: n2 }\n  - { at: 23s, crash: n1, drift: 0.1 }",
        );
        assert_error(&text, "drift: 0.1", "faults[11].drift", "only goes with `skew`");
    }

    #[test]
    fn wrong_types_carry_serde_positions_and_fields() {
        let text = with(FULL, "clients: 8", "clients: many");
        assert_error(&text, "clients: many", "workload[0].clients", "invalid type");
        let text = with(FULL, "shards: 8", "shards: [8]");
        assert_error(&text, "shards: [8]", "cluster.shards", "invalid type");
    }

    #[test]
    fn malformed_yaml_reports_its_line() {
        let text = with(FULL, "  zones: [az-a, az-b, az-c]", "  zones: [az-a, az-b, az-c");
        let e = err(&text);
        assert!(e.line.is_some_and(|l| l >= line_of(&text, "zones")), "{e}");
        assert!(e.to_string().starts_with("scenarios/test.yaml:"), "{e}");
    }

    #[test]
    fn a_repeated_field_is_reported_where_it_repeats() {
        let text = with(FULL, "seed: 42\n", "seed: 42\nseed: 43\n");
        assert_error(&text, "seed: 43", "seed", "written twice (first on line 3)");
    }

    #[test]
    fn several_documents_are_rejected_at_the_second() {
        let text = format!("{FULL}---\nname: other\n");
        let e = err(&text);
        assert_eq!((e.line, e.field.as_deref()), (Some(line_of(&text, "---")), None), "{e}");
        assert!(e.message.contains("one YAML document"), "{e}");
    }

    #[test]
    fn empty_files_say_what_a_scenario_needs() {
        for text in ["", "# only a comment\n", "~\n"] {
            let e = err(text);
            assert!(e.message.contains("empty") || e.message.contains("mapping"), "{e}");
        }
    }

    #[test]
    fn missing_required_fields_are_named() {
        assert_error(&with(MINIMAL, "duration: 10s\n", ""), "name:", "duration", "required field `duration`");
        assert_error(&with(MINIMAL, "  replication: { n: 3 }\n", ""), "cluster:", "cluster.replication", "missing");
        assert_error(
            &with(MINIMAL, "{ clients: 1, rate: 10/s, keys: 5 }", "{ clients: 1, keys: 5 }"),
            "clients",
            "workload[0].rate",
            "missing",
        );
    }

    #[test]
    fn malformed_variants_are_errors_not_panics() {
        let definitely_bad = [
            "[]",
            "just a string",
            "name: [",
            "\t- tab",
            "name: *nowhere",
            &with(FULL, "seed: 42", "seed: -1"),
            &with(FULL, "name: quorum-two-replicas-down", "name: Bad Name"),
            &with(FULL, "nodes: 5", "nodes: 0"),
            &with(FULL, "nodes: 5", "nodes: []"),
            &with(FULL, "nodes: 5", "nodes: { count: 5 }"),
            &with(FULL, "{ n: 5 }", "{ n: 9 }"),
            &with(FULL, "zones: [az-a, az-b, az-c]", "zones: []"),
            &with(FULL, "zones: [az-a, az-b, az-c]", "zones: [az-a, az-a]"),
            &with(FULL, "zones: [az-a, az-b, az-c]", "zones: [n1, az-b]"),
            &with(FULL, "zones: [az-a, az-b, az-c]", "zones: [random]"),
            &with(FULL, "shards: 8", "shards: 0"),
            &with(FULL, "loss: 0.01", "loss: 1.0"),
            &with(FULL, "{ request: 400ms, client: 1s }", "{ request: 2s, client: 1s }"),
            &with(FULL, "reads: 0.6", "reads: 1.5"),
            &with(FULL, "{ zipf: 0.99 }", "{ zipf: -1 }"),
            &with(FULL, "{ zipf: 0.99 }", "normal"),
            &with(FULL, "consistency: QUORUM\n", "consistency: quorum\n"),
            &with(FULL, "consistency: 2,", "consistency: 0,"),
            &with(FULL, "[{ at: 20s, rate: 800/s }]", "[{ at: 20s, rate: 800/s }, { at: 10s, rate: 5/s }]"),
            &with(FULL, "[{ at: 20s, rate: 800/s }]", "[{ at: 70s, rate: 800/s }]"),
            &with(FULL, "start: 5s, stop: 50s", "start: 50s, stop: 5s"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, restart: [] }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, restart: }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, crash: n1, pause: n2 }"),
            &with(FULL, "{ at: 45s, heal: true }", "{ at: 45s, heal: false }"),
            &with(FULL, "{ at: 45s, heal: true }", "{ at: 45s, for: 2s, heal: true }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, slow: n1 }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, crash: n1, delay: 1s }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, for: 1s, restart: n1 }"),
            &with(FULL, "{ at: 40s, restart: [n4, n5] }", "{ at: 40s, crash: [n1, n1] }"),
            &with(FULL, "partition: [[n1, n2], [n3, az-c]]", "partition: [[n1, n2]]"),
            &with(FULL, "partition: [[n1, n2], [n3, az-c]]", "partition: [[n1, n2], [n2, n3]]"),
            &with(FULL, "partition: [[n1, n2], [n3, az-c]]", "partition: [[n1, az-a], [n4]]"),
            &with(FULL, "to: [n2, random]", "to: [n1]"),
            &with(FULL, "- no_stale_quorum_reads", "- no_leader_twice"),
            &with(FULL, "- no_lost_acknowledged_writes", "- no_stale_reads"),
            &with(FULL, "- no_lost_acknowledged_writes", "- no_stale_quorum_reads"),
            &with(FULL, "min: 0.99", "min: 0.99, max: 0.5"),
            &with(FULL, "min: 0.99", "min: 2"),
            &with(FULL, "min: 0.99, ", ""),
            &with(FULL, "to: 40s", "to: 90s"),
            &with(FULL, "to: 40s", "to: 5s"),
            &format!("{FULL}---\n{FULL}"),
        ];
        assert!(definitely_bad.len() > 20);
        for text in definitely_bad {
            let e = err(text);
            assert!(e.to_string().starts_with("scenarios/test.yaml"), "{e}");
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn deleting_or_duplicating_any_line_never_panics() {
        for base in [FULL, MINIMAL] {
            let lines: Vec<&str> = base.lines().collect();
            for i in 0..lines.len() {
                let mut deleted = lines.clone();
                deleted.remove(i);
                let mut duplicated = lines.clone();
                duplicated.insert(i, lines[i]);
                for text in [deleted.join("\n"), duplicated.join("\n")] {
                    if let Err(e) = parse(&file(), &text) {
                        assert!(!e.message.is_empty(), "{e}");
                    }
                }
                // Cutting the text mid-line exercises half-written YAML.
                let cut: String = base.chars().take(base.len() * i / lines.len()).collect();
                let _ = parse(&file(), &cut);
            }
        }
    }

    #[test]
    fn load_reports_unreadable_files_with_their_path() {
        let e = load(Path::new("/nonexistent/scenario.yaml")).expect_err("a missing file");
        assert!(e.to_string().starts_with("/nonexistent/scenario.yaml: cannot read the file"), "{e}");
    }

    #[test]
    fn every_shipped_scenario_is_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("scenarios folder")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for file in files {
            if let Err(e) = load(&file) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn random_byte_edits_never_panic() {
        // A fixed linear congruential generator: reproducible without a proptest dependency.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % bound
        };
        let alphabet = b"{}[],:-#&*!|>'\" \t\n0123456789.sm/abnz";
        for _ in 0..3_000 {
            let mut bytes = FULL.as_bytes().to_vec();
            for _ in 0..1 + next(4) {
                let at = next(bytes.len());
                match next(3) {
                    0 => bytes[at] = alphabet[next(alphabet.len())],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            let text = String::from_utf8_lossy(&bytes);
            let _ = parse(&file(), &text);
        }
    }

    #[test]
    fn pathological_yaml_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                      e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
        let huge = "x".repeat(FILE_BYTES_MAX + 1);
        for text in [deep.as_str(), laughs, huge.as_str(), "name: \u{1F600}\n", "? [a]\n: b\n", "!!binary aGk="] {
            assert!(parse(&file(), text).is_err());
        }
    }
}
