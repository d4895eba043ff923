//! The command line end to end: `run` writes a complete report folder, and `compare` reads two
//! of them back and writes a comparison.

mod common;
use common::{run, temp_dir, TINY};

#[test]
fn run_writes_the_report_folder_and_compare_reads_two_of_them() {
    let dir = temp_dir("compare");
    let scenario = dir.join("tiny.yaml");
    std::fs::write(&scenario, TINY).unwrap();
    let (a, b, out) = (dir.join("a"), dir.join("b"), dir.join("cmp"));
    let s = scenario.to_str().unwrap();
    assert_eq!(run(&["run", "--scenario", s, "--out", a.to_str().unwrap()]), 0);
    assert_eq!(run(&["run", "--scenario", s, "--seed", "10", "--out", b.to_str().unwrap()]), 0);
    for f in ["index.html", "summary.json", "summary.md", "ops.csv", "plots/latency-raw.png", "plots/availability.svg"]
    {
        assert!(a.join(f).is_file(), "{f} written");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["plots"].as_array().map(Vec::len),
        Some(8),
        "four data-plane plots, the timelines, staleness, the per-node plot and placement (the crash of n3 moves primaries)"
    );
    assert!(summary["placement"]["moved"].as_u64().is_some_and(|n| n > 0), "{}", summary["placement"]);
    assert_eq!(summary["plots"][7]["name"], "placement");
    assert!(summary["render_ms"].as_f64().is_some());
    assert_eq!(summary["fault_windows"][0]["label"], "crash n3");
    assert_eq!(summary["fault_windows"][0]["start_ms"], 1000);
    assert_eq!(summary["fault_windows"][0]["end_ms"], 2000);

    assert_eq!(run(&["compare", a.to_str().unwrap(), b.to_str().unwrap(), "--out", out.to_str().unwrap()]), 0);
    let text = std::fs::read_to_string(out.join("comparison.txt")).unwrap();
    assert!(text.contains("A: tiny seed 9") && text.contains("B: tiny seed 10"), "{text}");
    assert!(text.contains("trace hash: differs"), "{text}");
    assert!(out.join("index.html").is_file() && out.join("plots/latency-distribution.png").is_file());

    let missing = dir.join("nothing-here");
    assert_eq!(run(&["compare", a.to_str().unwrap(), missing.to_str().unwrap()]), 2);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bug_is_refused_unless_this_build_plants_it_and_replays_carry_it() {
    // A child process: a planted bug holds for its whole process, so not in this test process.
    let clustersim = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clustersim")).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = clustersim(&["--bug", "no-such-bug", "bugs"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("no planted bug is called `no-such-bug`") && err.contains("early-ack, false-dominance"),
        "{err}"
    );
    let (code, out, err) = clustersim(&["--bug", "early-ack", "bugs"]);
    if !nodes::bugs::PLANTABLE {
        assert_eq!(code, Some(2));
        assert!(err.contains("--features clustersim-nodes/planted-bugs"), "{err}");
        return;
    }
    assert_eq!(code, Some(0));
    assert!(out.contains("this build can plant them") && out.contains("\nsticky-down "), "{out}");
    let dir = temp_dir("planted-bug");
    let scenario = dir.join("tiny.yaml");
    std::fs::write(&scenario, TINY).unwrap();
    let run_dir = dir.join("run");
    let (_, out, _) = clustersim(&[
        "run",
        "--scenario",
        scenario.to_str().unwrap(),
        "--out",
        run_dir.to_str().unwrap(),
        "--bug",
        "early-ack",
    ]);
    assert!(out.contains("warning: planted bug `early-ack` is on"), "{out}");
    let command = std::fs::read_to_string(run_dir.join("command.txt")).unwrap();
    assert!(command.contains(" run --bug early-ack --scenario "), "{command}");
    std::fs::remove_dir_all(&dir).ok();
}
