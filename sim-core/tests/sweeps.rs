//! Many seeds end to end: sweeps and shards merge into one result, a swarm run written out as a
//! plain scenario replays with the same trace, and the regression corpus is well formed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sim_core::cmd::main_with_args;
use sim_core::drive::{run_plan, run_seed, Plan};
use sim_core::sweep::report as sweep_report;
use sim_core::{corpus, edit, scenario, swarm, yaml};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clustersim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn run(args: &[&str]) -> i32 {
    main_with_args(args.iter().map(Into::into))
}

/// A short scenario with a swarm, so a handful of seeds run quickly even in a debug build.
const SHORT: &str = "\
name: short-swarm
description: a short run with random faults
duration: 6s
heal: 2s
cluster: { zones: [az-a, az-b, az-c], nodes: 4, replication: { n: 3 }, shards: 4 }
workload:
  - { clients: 3, rate: 60/s, keys: 20, consistency: QUORUM }
faults:
  - { at: 1s, for: 1s, crash: random }
swarm: { faults: [crash, partition, slow, loss], rate: 1/s, max_concurrent: 2, for: [200ms, 1s] }
expect:
  - no_stale_quorum_reads
  - no_lost_acknowledged_writes
";

#[test]
fn shards_of_a_sweep_merge_into_the_whole_sweep() {
    let dir = temp_dir("sweep");
    let file = dir.join("short.yaml");
    std::fs::write(&file, SHORT).expect("written");
    let file = file.to_str().expect("utf-8");
    let out = |name: &str| dir.join(name).to_str().expect("utf-8").to_string();
    assert_eq!(run(&["clustersim", "sweep", "--scenario", file, "--seeds", "1..4", "--out", &out("all")]), 0);
    for shard in ["0/2", "1/2"] {
        let name = format!("shard-{}", &shard[..1]);
        let args =
            ["clustersim", "sweep", "--scenario", file, "--seeds", "1..4", "--shard", shard, "--out", &out(&name)];
        assert_eq!(run(&args), 0);
    }
    let (a, b) = (dir.join("shard-0/sweep.json"), dir.join("shard-1/sweep.json"));
    let merge = ["clustersim", "merge", a.to_str().unwrap(), b.to_str().unwrap(), "--out", &out("merged")];
    assert_eq!(run(&merge), 0);
    let whole = sweep_report::read(&dir.join("all/sweep.json")).expect("sweep.json");
    let merged = sweep_report::read(&dir.join("merged/sweep.json")).expect("merged sweep.json");
    let hashes = |r: &sweep_report::SweepReport| {
        r.scenarios[0].results.iter().map(|o| (o.seed, o.trace_hash.clone())).collect::<Vec<_>>()
    };
    assert_eq!(hashes(&merged), hashes(&whole), "the shards together are the whole sweep, seed for seed");
    assert_eq!(whole.scenarios[0].seeds, 4);
    let junit = std::fs::read_to_string(dir.join("all/junit.xml")).expect("junit.xml");
    assert_eq!(junit.matches("<testcase ").count(), 4);
    let bad = ["clustersim", "sweep", "--scenario", file, "--seeds", "9..1"];
    assert_eq!(run(&bad), 2, "a malformed seed list is bad input");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_run_written_out_as_a_plain_scenario_replays_with_the_same_trace() {
    let dir = temp_dir("emit");
    let original = Arc::new(scenario::parse(&dir.join("short.yaml"), SHORT).expect("valid"));
    let seed = 5;
    let ran = swarm::resolve(&original, seed);
    assert!(ran.faults.len() > original.faults.len(), "the swarm drew faults");
    let first = run_seed(&ran, seed).expect("runs");
    let mut concrete = edit::concrete(&ran, &first.history);
    concrete.seed = Some(seed);
    let file = dir.join("concrete.yaml");
    std::fs::write(&file, yaml::to_yaml(&concrete, &["test".into()])).expect("written");
    let reread = scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
    assert!(reread.swarm.is_none() && reread.faults.len() == ran.faults.len());
    let replayed = run_seed(&Arc::new(reread), seed).expect("runs");
    assert_eq!(replayed.trace_hash(), first.trace_hash());
    // Through the command line too: --emit-scenario writes the same schedule.
    std::fs::write(dir.join("short.yaml"), SHORT).expect("written");
    let path = |name: &str| dir.join(name).to_str().expect("utf-8").to_string();
    let (input, emitted, trace, report) =
        (path("short.yaml"), path("emitted.yaml"), path("trace.jsonl"), path("report"));
    let args = [
        "clustersim",
        "run",
        "--scenario",
        &input,
        "--seed",
        "5",
        "--emit-scenario",
        &emitted,
        "--trace",
        &trace,
        "--out",
        &report,
    ];
    assert_eq!(run(&args), 0);
    assert!(scenario::load(Path::new(&emitted)).is_ok());
    let trace = std::fs::read_to_string(dir.join("trace.jsonl")).expect("trace");
    assert!(trace.lines().count() > 100 && trace.contains("\"event\":\"fault\""));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn until_stops_the_run_early_with_the_same_prefix() {
    let sc = Arc::new(scenario::parse(Path::new("short.yaml"), SHORT).expect("valid"));
    let plan = Plan::new(&sc, 3);
    let whole = run_plan(&plan).expect("runs");
    let early = run_plan(&plan.until(3_000).expect("clients run before 3s")).expect("runs");
    let before = |ops: &[sim_core::history::Op]| {
        ops.iter().filter(|o| o.complete_ms < 2_500).map(|o| (o.client, o.seq, o.key, o.outcome)).collect::<Vec<_>>()
    };
    assert_eq!(before(&early.history.ops), before(&whole.history.ops), "the same run up to the cut");
    assert!(early.history.faults.iter().all(|f| f.at_ms <= 3_000));
}

#[test]
fn the_regression_corpus_names_valid_scenarios() {
    let entries = corpus::load(&[repo().join("scenarios/regressions")]).expect("corpus reads");
    assert!(!entries.is_empty(), "the corpus keeps the seeds that caught --bug early-ack");
    for e in &entries {
        let path = repo().join(&e.scenario);
        scenario::load(&path).unwrap_or_else(|err| panic!("corpus line {}: {err}", e.line));
        assert!(!e.property.is_empty());
    }
}
