//! Node stats in a run: every node of a capacity scenario is sampled (autoscaler or not), a
//! crashed node's intervals are counted rather than sampled, and sampling only reads: how often
//! it samples does not change the run.

use std::path::Path;
use std::sync::Arc;

use sim_core::drive::run_seed;
use sim_core::scenario;

fn scenario(stats: &str) -> Arc<scenario::model::Scenario> {
    let text = format!(
        "name: node-stats\ndescription: five nodes of one worker, one crashed for 3s\nduration: 10s\ncluster:\n  \
         nodes: 5\n  replication: {{ n: 3 }}\n  shards: 10\n  capacity:\n    workers: 1\n    queue: 4\n    \
         service: {{ coordinate: 1ms, read: 2ms, write: 3ms }}\n{stats}workload:\n  \
         - {{ clients: 12, rate: 600/s, keys: 200, reads: 0.5, consistency: QUORUM }}\n\
         faults:\n  - {{ at: 4s, crash: [n5] }}\n  - {{ at: 7s, restart: [n5] }}\n"
    );
    Arc::new(scenario::parse(Path::new("tests/node-stats.yaml"), &text).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn a_capacity_scenario_reports_stats_for_every_node() {
    let run = run_seed(&scenario("    stats: { interval: 500ms, window: 8 }\n"), 3).expect("runs");
    let stats = run.history.node_stats.as_ref().expect("node stats kept with a capacity");
    assert_eq!((stats.interval_ms, stats.window), (500, 8));
    let names: Vec<&str> = stats.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(names, ["n1", "n2", "n3", "n4", "n5"]);
    for n in &stats.nodes {
        assert_eq!(n.refused, 0, "{}: valid counters are never refused", n.node);
        assert!(n.sent > 0 && n.received > 0 && n.disk_writes > 0 && n.peak_keys > 0, "{n:?}");
        assert!(n.cpu_mean > 0.0 && n.cpu_max <= 1.0, "{n:?}");
        assert!((0.0..=1.0).contains(&n.health_min) && n.health_min <= n.health_mean, "{n:?}");
    }
    // 19 readings after the baseline (0.5 s .. 9.5 s); n5 misses the 6 while down and the first
    // reading after its restart, which is only a baseline again.
    let samples: Vec<u64> = stats.nodes.iter().map(|n| n.samples).collect();
    assert_eq!(samples, [19, 19, 19, 19, 12]);
    assert_eq!(stats.nodes[4].down, 6);
    assert!(!stats.health.is_empty() && stats.health.iter().all(|h| h.min <= h.mean));
    let overloaded = stats.nodes.iter().any(|n| n.errors > 0 || n.peak_queue > 0);
    assert!(overloaded, "600/s at one worker per node queues somewhere: {stats:?}");
}

#[test]
fn sampling_only_reads_the_run_is_the_same_at_any_interval() {
    let a = run_seed(&scenario(""), 5).expect("runs");
    let b = run_seed(&scenario("    stats: { interval: 7ms, window: 3 }\n"), 5).expect("runs");
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(a.history.ops.len(), b.history.ops.len());
    assert_eq!(a.net, b.net);
    assert!(b.history.node_stats.as_ref().unwrap().nodes[0].samples > 1_000);
}
