//! The message trace (`--trace`, `--trace-filter`) and `explain`, end to end on tiny runs.

mod common;

use std::sync::Arc;

use common::{run, temp_dir, TINY};
use serde_json::Value;
use sim_core::drive::{run_plan, Plan};

/// Three nodes, a partition that cuts n3 off and a crash of n2: messages are dropped for both
/// reasons.
const CUT: &str = "name: cut
description: a partition and a crash, for the trace tests
seed: 3
duration: 3s
heal: 1s
cluster: { nodes: 3, replication: { n: 3 } }
workload:
  - { clients: 2, rate: 100/s, keys: 5, consistency: QUORUM }
faults:
  - { at: 500ms, for: 500ms, partition: [[n1, n2], [n3]] }
  - { at: 1500ms, for: 500ms, crash: [n2] }
expect:
  - no_stale_quorum_reads
";

fn lines(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().map(|l| serde_json::from_str(l).expect("one JSON object a line")).collect()
}

#[test]
fn a_traced_run_records_dropped_messages_with_why_and_keeps_its_trace_hash() {
    let dir = temp_dir("trace-drops");
    let scenario = dir.join("cut.yaml");
    std::fs::write(&scenario, CUT).unwrap();
    let (trace, traced, plain) = (dir.join("trace.jsonl"), dir.join("traced"), dir.join("plain"));
    let s = scenario.to_str().unwrap();
    assert_eq!(
        run(&["run", "--scenario", s, "--out", traced.to_str().unwrap(), "--trace", trace.to_str().unwrap()]),
        0
    );
    assert_eq!(run(&["run", "--scenario", s, "--out", plain.to_str().unwrap()]), 0);
    let hash = |d: &std::path::Path| std::fs::read_to_string(d.join("trace-hash.txt")).unwrap();
    assert_eq!(hash(&traced), hash(&plain), "tracing does not change the run");
    let all = lines(&trace);
    let dropped = |why: &str| all.iter().find(|l| l["event"] == "drop" && l["why"] == why);
    let cut = dropped("partition").expect("a message dropped by the partition");
    assert!(cut["from"] == "n3" || cut["to"] == "n3", "{cut}");
    assert!(cut["kind"].is_string() && cut["t_ms"].as_u64().is_some_and(|t| (500..1000).contains(&t)), "{cut}");
    let crashed = dropped("crash").expect("a message to the crashed node");
    assert_eq!(crashed["to"], "n2", "{crashed}");
    let reply = all.iter().find(|l| l["kind"] == "read_reply" && l["event"] == "deliver").expect("a read reply");
    assert!(reply["req"].is_u64() && reply["key"].is_u64() && reply["versions"].is_array(), "{reply}");
    // A written value can be followed from the client's request to the replicas that store it.
    let write = all.iter().find(|l| l["kind"] == "write_request" && l["event"] == "deliver").expect("a write");
    assert!(write["write"].as_str().is_some_and(|w| w.contains('#')), "{write}");
    let stored = |l: &&Value| l["kind"] == "replica_write" && l["key"] == write["key"] && l["write"] == write["write"];
    assert!(all.iter().any(|l| stored(&l)), "no replica_write carries {write}");
    assert!(all.iter().any(|l| l["event"] == "fault"), "faults are in the trace");
    let command = std::fs::read_to_string(traced.join("command.txt")).unwrap();
    assert!(command.contains(&format!("--trace {}", trace.display())), "{command}");
    let html = std::fs::read_to_string(traced.join("index.html")).unwrap();
    assert!(html.contains("trace.jsonl"), "the report links the trace");
}

#[test]
fn a_trace_filter_keeps_one_key_and_its_faults() {
    let dir = temp_dir("trace-filter");
    let scenario = dir.join("tiny.yaml");
    std::fs::write(&scenario, TINY).unwrap();
    let (trace, out) = (dir.join("trace.jsonl"), dir.join("run"));
    let args = ["run", "--scenario", scenario.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let with = [&args[..], &["--trace", trace.to_str().unwrap(), "--trace-filter", "key=2"]].concat();
    assert_eq!(run(&with), 0);
    let all = lines(&trace);
    assert!(all.iter().any(|l| l["event"] == "send"), "messages on key 2");
    assert!(all.iter().any(|l| l["event"] == "fault"), "faults stay as context");
    for l in &all {
        assert!(l["key"].is_null() || l["key"] == 2, "{l}");
        assert!(
            l["key"] == 2
                || matches!(l["event"].as_str(), Some("fault" | "fault_end" | "crashed" | "restarted" | "final_state")),
            "{l}"
        );
    }
    let bad = [&args[..], &["--trace", trace.to_str().unwrap(), "--trace-filter", "node=n7"]].concat();
    assert_eq!(run(&bad), 2, "an unknown node is bad input");
}

#[test]
fn explain_names_the_stale_read_the_missed_write_and_the_replicas_that_answered() {
    let dir = temp_dir("explain");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/weak-quorum-stale-reads.yaml");
    let scenario = Arc::new(sim_core::scenario::load(&path).unwrap());
    let plan = Plan::new(&scenario, 5);
    let result = run_plan(&plan).unwrap();
    assert!(result.history.messages.is_empty(), "an untraced run records no messages");
    let story = sim_core::story::explain(&plan, &result, None, 200).expect("a story");
    for part in [
        "no_stale_reads",
        "the stale read:",
        "the write it missed:",
        "messages of the stale read",
        "replicas that answered the read",
    ] {
        assert!(story.contains(part), "{part} missing from:\n{story}");
    }
    assert!(story.contains("read_request") && story.contains("replica_"), "{story}");
    assert!(story.contains("answered") || story.contains("its own copy"), "{story}");
    assert!(sim_core::story::explain(&plan, &result, Some("nope"), 200).unwrap_err().contains("no property `nope`"));
    // The CLI form, on a run folder.
    let out = dir.join("run");
    assert_eq!(run(&["run", "--scenario", path.to_str().unwrap(), "--out", out.to_str().unwrap()]), 0);
    assert_eq!(run(&["explain", out.to_str().unwrap()]), 0);
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let c = &summary["verdicts"][0]["counterexamples"][0];
    assert!(["stale_read", "read_your_writes", "monotonic_read"].contains(&c["kind"].as_str().unwrap()), "{c}");
    assert!(c["key"].is_u64() && c["ops"][1]["role"] == "missed_write", "{c}");
    assert!(summary["story"].as_str().is_some_and(|s| s.contains("the write it missed")), "the report tells the story");
}
