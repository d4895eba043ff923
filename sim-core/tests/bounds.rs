//! Every input bounded, every output whole (issue 16): one test per class of failure the probe
//! found, each through the public command line or scenario API, so the same file runs against
//! older code to show the failure.

use std::path::Path;
use std::sync::Arc;

use sim_core::drive::run_seed;
use sim_core::history::NodeChange;
use sim_core::scenario;
use sim_core::seed_set::SeedSet;

mod common;
use common::{run, temp_dir, TINY};

/// `dir/tiny.yaml` holding `text`, as a string for the command line.
fn scenario_file(dir: &Path, text: &str) -> String {
    let path = dir.join("tiny.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn parse_error(text: &str) -> scenario::ScenarioError {
    scenario::parse(Path::new("t.yaml"), text).expect_err("the scenario must be refused")
}

// Values valid one by one, broken together.

#[test]
fn mixture_weights_that_sum_to_infinity_are_refused_at_their_field() {
    let text = TINY.replace(
        "cluster: { nodes: 3, replication: { n: 3 } }",
        "cluster:\n  nodes: 3\n  replication: { n: 3 }\n  network:\n    latency: { mixture: [ { weight: 1e308, latency: 1ms }, { weight: 1e308, latency: 2ms } ] }",
    );
    let e = parse_error(&text);
    assert_eq!(e.field.as_deref(), Some("cluster.network.latency.mixture"), "{e}");
    assert_eq!(e.line, text.lines().position(|l| l.contains("mixture")).map(|i| i + 1), "{e}");
    // Before, this passed validation and panicked in the latency sampler (exit 4).
    let dir = temp_dir("mixture");
    assert_eq!(run(&["run", "--scenario", &scenario_file(&dir, &text), "--out", dir.join("out").to_str().unwrap()]), 2);
}

#[test]
fn a_run_far_beyond_any_machine_is_refused_by_the_work_budget() {
    let text = TINY
        .replace("duration: 4s", "duration: 720h")
        .replace("faults:\n  - { at: 1s, for: 1s, crash: [n3] }\n", "")
        .replace("rate: 100/s", "rate: 1000000/s");
    let e = parse_error(&text);
    assert_eq!(e.field.as_deref(), Some("workload[0].rate"), "{e}");
    assert!(e.message.contains("work budget") && e.message.contains("budget: { operations:"), "{e}");
    // Ten hours at 1,000/s is over the default budget too, and accepted when raised on purpose.
    let long = text.replace("duration: 720h", "duration: 10h").replace("rate: 1000000/s", "rate: 1000/s");
    assert!(parse_error(&long).message.contains("36,000,000 operations"));
    let raised = format!("{long}budget: {{ operations: 40000000, messages: 1000000000, memory: 64GiB }}\n");
    assert!(scenario::parse(Path::new("t.yaml"), &raised).is_ok());
}

#[test]
fn clients_summed_over_groups_are_bounded() {
    let groups = "  - { clients: 100000, rate: 10/s, keys: 10 }\n".repeat(64);
    let text = format!(
        "name: many\ndescription: 64 groups of 100,000 clients\nduration: 30s\ncluster: {{ nodes: 3, replication: {{ n: 3 }} }}\nworkload:\n{groups}"
    );
    let e = parse_error(&text);
    assert_eq!(e.field.as_deref(), Some("workload[0].clients"), "{e}");
    assert!(e.message.contains("6,400,000 clients"), "{e}");
}

// Memory allocated up front in proportion to a setting.

/// This process's peak resident memory (`VmHWM`), in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

#[test]
fn a_billion_zipf_keys_run_without_a_table_of_every_key() {
    let text = TINY.replace("keys: 50,", "keys: 1000000000, key_distribution: { zipf: 0.99 },");
    let sc = Arc::new(scenario::parse(Path::new("t.yaml"), &text).expect("valid"));
    let r = run_seed(&sc, 1).expect("runs");
    assert!(r.history.ops.iter().any(|op| op.key > 1_000_000), "keys come from the whole space");
    // A table of cumulative probabilities would be 8 GB; everything else here is small.
    assert!(peak_kib() < 1 << 20, "peak {} KiB", peak_kib());
}

// Arithmetic that wraps.

#[test]
fn a_seed_range_of_two_to_the_64_is_refused_not_wrapped_to_zero() {
    assert!("0..18446744073709551615".parse::<SeedSet>().is_err());
    let dir = temp_dir("seeds");
    let s = scenario_file(&dir, TINY);
    assert_eq!(run(&["sweep", "--scenario", &s, "--seeds", "0..18446744073709551615"]), 2);
}

// Outputs that fail quietly.

#[test]
fn an_out_folder_that_is_a_file_or_cannot_be_made_is_bad_input_before_the_run() {
    let dir = temp_dir("out-file");
    let s = scenario_file(&dir, TINY);
    let file = dir.join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    assert_eq!(run(&["run", "--scenario", &s, "--out", file.to_str().unwrap()]), 2);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder", "left alone");
    let below_a_file = file.join("run");
    assert_eq!(run(&["run", "--scenario", &s, "--out", below_a_file.to_str().unwrap()]), 2);
    let out = dir.join("out");
    for flag in ["--trace", "--emit-scenario"] {
        assert_eq!(
            run(&["run", "--scenario", &s, "--out", out.to_str().unwrap(), flag, below_a_file.to_str().unwrap()]),
            2
        );
        assert_eq!(run(&["run", "--scenario", &s, "--out", out.to_str().unwrap(), flag, dir.to_str().unwrap()]), 2);
    }
    assert!(!out.exists(), "nothing ran");
}

#[test]
fn until_past_the_end_is_refused_and_until_is_part_of_the_replay() {
    let dir = temp_dir("until");
    let s = scenario_file(&dir, TINY);
    let out = dir.join("out");
    assert_eq!(run(&["run", "--scenario", &s, "--until", "90s", "--out", out.to_str().unwrap()]), 2);
    assert_eq!(run(&["run", "--scenario", &s, "--until", "2s", "--out", out.to_str().unwrap()]), 0);
    let command = std::fs::read_to_string(out.join("command.txt")).unwrap();
    assert!(command.trim_end().ends_with("--seed 9 --until 2s"), "{command}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert!(summary["replay"].as_str().unwrap().ends_with("--until 2s"), "{summary}");
    assert_eq!(summary["until_ms"], 2_000);
}

#[test]
fn sweep_options_that_would_do_nothing_or_something_else_are_refused() {
    let dir = temp_dir("sweep-options");
    let s = scenario_file(&dir, TINY);
    let out = dir.join("results");
    let o = out.to_str().unwrap();
    assert_eq!(run(&["sweep", "--scenario", &s, "--seeds", "1..3", "--shard", "5/10", "--out", o]), 2);
    assert_eq!(run(&["sweep", "--scenario", &s, "--seeds", "1..2", "--jobs", "0", "--out", o]), 2);
    assert_eq!(run(&["corpus", "--jobs", "0", dir.to_str().unwrap()]), 2);
    assert!(!out.exists(), "nothing ran");
}

#[test]
fn merge_refuses_an_exit_code_no_run_can_have() {
    let dir = temp_dir("merge");
    let json = r#"{ "schema": 1, "seeds": "1", "shard": null, "wall_ms": 1.0, "jobs": 1, "scenarios": [
        { "name": "x", "file": "x.yaml", "seeds": 1, "failures": 1, "by_property": {}, "first_failing_seed": 1,
          "results": [ { "seed": 1, "exit_code": 99, "ops": 1, "wall_ms": 1.0 } ] } ] }"#;
    let input = dir.join("sweep.json");
    std::fs::write(&input, json).unwrap();
    let out = dir.join("merged");
    assert_eq!(run(&["merge", input.to_str().unwrap(), "--out", out.to_str().unwrap()]), 2);
}

#[test]
fn shrink_with_an_unknown_property_is_bad_input() {
    let dir = temp_dir("shrink");
    let s = scenario_file(&dir, TINY);
    let out = dir.join("shrunk.yaml");
    assert_eq!(run(&["shrink", "--scenario", &s, "--property", "nonsense", "--out", out.to_str().unwrap()]), 2);
}

#[test]
fn corpus_over_an_empty_folder_is_bad_input_as_a_sweep_is() {
    let dir = temp_dir("corpus");
    assert_eq!(run(&["corpus", dir.to_str().unwrap()]), 2);
    assert_eq!(run(&["sweep", "--scenario", dir.to_str().unwrap()]), 2);
}

// Contradictory timelines: given a meaning, not accepted silently.

fn node_events(text: &str, node: u32) -> Vec<(u64, NodeChange)> {
    let sc = Arc::new(scenario::parse(Path::new("t.yaml"), text).expect("valid"));
    let r = run_seed(&sc, 1).expect("runs");
    r.history.node_events.iter().filter(|e| e.node == node).map(|e| (e.at_ms, e.change)).collect()
}

#[test]
fn a_pause_inside_a_crash_window_leaves_the_down_node_alone() {
    let text = TINY.replace(
        "  - { at: 1s, for: 1s, crash: [n3] }\n",
        "  - { at: 1s, for: 2s, crash: [n3] }\n  - { at: 1500ms, for: 2s, pause: [n3] }\n",
    );
    let events = node_events(&text, 2);
    assert!(!events.iter().any(|e| e.1 == NodeChange::Paused), "a down node is not paused: {events:?}");
    assert!(events.contains(&(3_000, NodeChange::Restarted)), "{events:?}");
    let sc = Arc::new(scenario::parse(Path::new("t.yaml"), &text).expect("valid"));
    let r = run_seed(&sc, 1).expect("runs");
    assert!(r.history.faults.iter().any(|f| f.label == "pause none (n3 down, not paused)"), "{:?}", r.history.faults);
}

#[test]
fn a_restart_ends_a_pause_and_a_later_pause_freezes_the_node_again() {
    let text = TINY.replace(
        "  - { at: 1s, for: 1s, crash: [n3] }\n",
        "  - { at: 1s, for: 2500ms, pause: [n3] }\n  - { at: 1500ms, restart: [n3] }\n  - { at: 2s, for: 500ms, pause: [n3] }\n",
    );
    let events = node_events(&text, 2);
    assert!(events.contains(&(2_000, NodeChange::Paused)), "the second pause takes effect: {events:?}");
    let resumes: Vec<u64> = events.iter().filter(|e| e.1 == NodeChange::Resumed).map(|e| e.0).collect();
    assert_eq!(resumes, [2_500], "one resume, the second pause's; the first pause ended with the restart");
}

// Report folders written in place.

#[test]
fn a_failed_write_leaves_a_whole_report_folder_never_a_mix_of_two_runs() {
    let dir = temp_dir("whole");
    let s = scenario_file(&dir, TINY);
    let out = dir.join("run");
    let o = out.to_str().unwrap();
    assert_eq!(run(&["run", "--scenario", &s, "--out", o]), 0);
    // Something in the old folder that writing in place trips over halfway (the page is the
    // last file written).
    std::fs::remove_file(out.join("index.html")).unwrap();
    std::fs::create_dir(out.join("index.html")).unwrap();
    let code = run(&["run", "--scenario", &s, "--seed", "10", "--out", o]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let seed = summary["seed"].as_u64().unwrap();
    assert_eq!(code, 0);
    assert_eq!(seed, 10, "the new run, whole");
    assert!(out.join("index.html").is_file(), "the new run's page, not the old obstacle");
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("--seed 10"), "page and summary of one run");
}

#[test]
fn compare_refuses_a_folder_that_mixes_two_runs() {
    let dir = temp_dir("mixed");
    let s = scenario_file(&dir, TINY);
    let (a, b) = (dir.join("a"), dir.join("b"));
    assert_eq!(run(&["run", "--scenario", &s, "--out", a.to_str().unwrap()]), 0);
    assert_eq!(run(&["run", "--scenario", &s, "--seed", "10", "--out", b.to_str().unwrap()]), 0);
    // What a kill half-way through rewriting `b` in place used to leave: seed 10's summary with
    // seed 9's trace hash and operations.
    let mixed = dir.join("mixed");
    std::fs::create_dir_all(&mixed).unwrap();
    std::fs::copy(b.join("summary.json"), mixed.join("summary.json")).unwrap();
    for f in ["trace-hash.txt", "ops.csv"] {
        std::fs::copy(a.join(f), mixed.join(f)).unwrap();
    }
    let cmp = dir.join("cmp");
    assert_eq!(run(&["compare", a.to_str().unwrap(), mixed.to_str().unwrap(), "--out", cmp.to_str().unwrap()]), 2);
}
