//! Every shipped scenario is a regression test: it must meet its own `expect` with its seed,
//! and runs must be reproducible from their seed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sim_core::cmd::main_with_args;
use sim_core::drive::run_seed;
use sim_core::scenario;
use sim_core::summarize::run_data;

fn scenario_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "expected the shipped scenarios in {}", dir.display());
    files
}

fn load(path: &Path) -> Arc<scenario::model::Scenario> {
    Arc::new(scenario::load(path).unwrap_or_else(|e| panic!("{e}")))
}

// Every shipped scenario in four parts, so the test harness runs them on every core and a
// failing run (a mutant, in scripts/mutants.sh) stops the rest sooner.
#[test]
fn every_shipped_scenario_meets_its_expectations_part_1() {
    shipped_scenarios_meet_their_expectations(0);
}

#[test]
fn every_shipped_scenario_meets_its_expectations_part_2() {
    shipped_scenarios_meet_their_expectations(1);
}

#[test]
fn every_shipped_scenario_meets_its_expectations_part_3() {
    shipped_scenarios_meet_their_expectations(2);
}

#[test]
fn every_shipped_scenario_meets_its_expectations_part_4() {
    shipped_scenarios_meet_their_expectations(3);
}

const PARTS: usize = 4;

fn shipped_scenarios_meet_their_expectations(part: usize) {
    for path in scenario_files().into_iter().skip(part).step_by(PARTS) {
        let sc = load(&path);
        let seed = sc.seed.expect("shipped scenarios pin their seed");
        let result =
            run_seed(&sc, seed).unwrap_or_else(|c| panic!("{}: simulation crashed: {}", path.display(), c.message));
        let failed: Vec<String> = result
            .verdicts
            .iter()
            .filter(|v| !v.passed)
            .map(|v| format!("{}: {} {:?}", v.name, v.detail, v.examples))
            .collect();
        assert!(failed.is_empty(), "{} seed {seed}: {failed:#?}", path.display());
        assert!(result.history.ops.len() > 100, "{}: the workload ran", path.display());
        let data = run_data(&sc, &result, "replay");
        assert_eq!(data.ops.len(), result.history.ops.len());
        let figures = reports::render_run(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // Four data-plane plots, the control-plane timelines (every cluster elects a leader),
        // staleness (every scenario reads keys it wrote) and the per-node plot; the placement
        // plot when a shard moved; the capacity plot when an autoscaler ran.
        let placement = usize::from(data.summary.placement.moved > 0);
        let capacity = usize::from(data.summary.capacity.is_some());
        assert_eq!(figures.len(), 7 + placement + capacity, "{}: every plot drawn", path.display());
        let drawn = figures.iter().any(|f| f.kind == reports::PlotKind::Capacity);
        assert_eq!(drawn, capacity == 1, "{}: capacity drawn when an autoscaler ran", path.display());
        let drawn = figures.iter().any(|f| f.kind == reports::PlotKind::Placement);
        assert_eq!(drawn, placement == 1, "{}: placement drawn when a shard moved", path.display());
    }
}

#[test]
fn same_seed_gives_same_trace_and_other_seed_another() {
    let sc = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/two-replicas-down.yaml"));
    let a = run_seed(&sc, 11).expect("runs");
    let b = run_seed(&sc, 11).expect("runs");
    let c = run_seed(&sc, 12).expect("runs");
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(a.history.ops.len(), b.history.ops.len());
    assert_ne!(a.trace_hash(), c.trace_hash());
}

#[test]
fn malformed_scenario_exits_with_code_2() {
    let dir = std::env::temp_dir().join(format!("clustersim-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "name: bad\ndescription: x\nduration: 10s\ncluster: { nodes: 3, replication: { n: 3 }, bogus: 1 }\nworkload: []\n").unwrap();
    let args = ["clustersim", "run", "--scenario", bad.to_str().unwrap()];
    assert_eq!(main_with_args(args.iter().map(Into::into)), 2);
    let missing = ["clustersim", "--scenario", "/nonexistent/x.yaml"];
    assert_eq!(main_with_args(missing.iter().map(Into::into)), 2);
    std::fs::remove_dir_all(&dir).ok();
}
