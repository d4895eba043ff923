//! Plots from synthetic run data: byte-identical output for the same data, run folders that
//! read back, comparisons, timelines, and thinning of very large runs.

use std::path::PathBuf;

use reports::summary::SCHEMA_VERSION;
use reports::{
    read_run_folder, render_run, write_compare_folder, write_run_folder, FaultWindow, Interval, Lane, LevelStaleness,
    LevelStats, NetSummary, OpKind, OpPoint, Outcome, PlotKind, ProbeRow, RunData, Staleness, Summary, TBucket,
    Timeline, VerdictSummary,
};

/// A small deterministic generator (64-bit LCG), so the synthetic data never changes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn summary(simulated_ms: u64) -> Summary {
    Summary {
        schema: SCHEMA_VERSION,
        scenario: "synthetic".into(),
        description: "synthetic data for plot tests".into(),
        file: "scenarios/synthetic.yaml".into(),
        seed: 42,
        replay: "cargo run --release -- run --scenario scenarios/synthetic.yaml --seed 42".into(),
        trace_hash: "0123456789abcdef".into(),
        simulated_ms,
        wall_ms: 10.0,
        ops_per_wall_s: 1.0,
        speedup: 1.0,
        ops: ["ONE", "QUORUM", "ALL"]
            .iter()
            .map(|l| LevelStats {
                consistency: l.to_string(),
                kind: "all".into(),
                total: 1,
                ok: 1,
                fail: 0,
                indeterminate: 0,
                success_rate: 1.0,
                p50_ms: 1.0,
                p95_ms: 1.0,
                p99_ms: 1.0,
                max_ms: 1.0,
                worst_window_rate: 1.0,
                retried: 0,
            })
            .collect(),
        availability_windows: vec![],
        net: NetSummary::default(),
        faults: vec![],
        control: reports::ControlSummary::default(),
        verdicts: vec![VerdictSummary {
            name: "no_stale_quorum_reads".into(),
            class: "safety".into(),
            expected_violation: false,
            passed: true,
            violations: 0,
            checked: 10,
            detail: "all fresh".into(),
            examples: vec![],
            counterexamples: vec![],
        }],
        exit_code: 0,
        heal_at_ms: Some(simulated_ms - 5_000),
        fault_windows: vec![
            FaultWindow { start_ms: 10_000, end_ms: 25_000, label: "crash n4,n5".into(), kind: "crash".into() },
            FaultWindow {
                start_ms: 20_000,
                end_ms: 30_000,
                label: "partition [n1,n2] | [n3,n4,n5]".into(),
                kind: "partition".into(),
            },
            FaultWindow { start_ms: 33_000, end_ms: 34_000, label: "slow n1 +200ms".into(), kind: "slow".into() },
        ],
        timelines: vec![],
        plots: vec![],
        render_ms: 0.0,
        storage: Default::default(),
        interleavings: Default::default(),
        until_ms: None,
        staleness: Default::default(),
        violation_marks: vec![],
        availability_bounds: vec![],
        node_status: vec![],
        trace_file: None,
        story: None,
        migrations: Vec::new(),
        placement: Default::default(),
        voters: None,
        load: vec![],
        capacity: None,
        node_stats: None,
        spread: Default::default(),
        zones: None,
    }
}

/// `n` operations over `simulated_ms - 5 s`: ALL fails during the crash, latencies spread.
fn run(n: usize, simulated_ms: u64) -> RunData {
    let mut rng = Lcg(7);
    let active_ms = simulated_ms - 5_000;
    let ops = (0..n)
        .map(|i| {
            let invoke_ms = i as u64 * active_ms / n as u64;
            let level = ["ONE", "QUORUM", "ALL"][i % 3];
            let crashed = (10_000..25_000).contains(&invoke_ms);
            let (latency, outcome) = if level == "ALL" && crashed {
                (500, if rng.next().is_multiple_of(2) { Outcome::Fail } else { Outcome::Indeterminate })
            } else {
                (1 + rng.next() % 20 + (i % 3) as u64 * 5, Outcome::Ok)
            };
            let kind = if rng.next().is_multiple_of(2) { OpKind::Read } else { OpKind::Write };
            OpPoint {
                node: format!("n{}", 1 + i % 3),
                client: (i % 8) as u32,
                key: (i % 50) as u64,
                ..OpPoint::new(invoke_ms, invoke_ms + latency, level, kind, outcome)
            }
        })
        .collect();
    RunData { summary: summary(simulated_ms), ops }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clustersim-reports-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn same_data_gives_byte_identical_png_and_svg() {
    let data = run(6_000, 45_000);
    let first = render_run(&data).expect("renders");
    let second = render_run(&data.clone()).expect("renders again");
    let kinds: Vec<PlotKind> = first.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            PlotKind::LatencyRaw,
            PlotKind::LatencyQuantiles,
            PlotKind::LatencyDistribution,
            PlotKind::Availability,
            PlotKind::Nodes
        ]
    );
    for (a, b) in first.iter().zip(&second) {
        assert!(a.png.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is a PNG", a.kind.name());
        assert!(a.svg.starts_with("<svg"), "{} is an SVG", a.kind.name());
        assert!(a.png == b.png, "{}: PNG bytes differ between two renderings", a.kind.name());
        assert!(a.svg == b.svg, "{}: SVG differs between two renderings", a.kind.name());
    }
    let raw = &first[0].svg;
    assert!(raw.contains("\ncrash\n") && raw.contains("\npartition\n"), "fault lanes are labelled by family");
    assert!(raw.contains("\nn4,n5\n") && raw.contains("[n1,n2] | [n3,n4,n5]"), "bars that fit carry their targets");
    assert!(raw.contains("QUORUM: 2,000 operations"), "one panel per level");
}

#[test]
fn run_folder_reads_back_and_compares_with_itself() {
    let dir = temp_dir("folder");
    let mut data = run(3_000, 40_000);
    let stats = write_run_folder(&dir, &mut data).expect("writes the folder");
    assert_eq!(stats.plots, 5);
    for file in ["index.html", "summary.json", "summary.md", "ops.csv", "trace-hash.txt", "command.txt"] {
        assert!(dir.join(file).is_file(), "{file} written");
    }
    for plot in &data.summary.plots {
        assert!(dir.join(&plot.png).is_file() && dir.join(&plot.svg).is_file(), "{} written", plot.name);
    }
    let back = read_run_folder(&dir).expect("reads back");
    assert_eq!(back.ops, data.ops);
    assert_eq!(back.summary.plots, data.summary.plots);
    assert_eq!(back.summary.fault_windows, data.summary.fault_windows);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert_eq!(html.matches("<img ").count(), 5, "every plot is on the page");

    let out = dir.join("compare");
    let (comparison, stats) = write_compare_folder(&out, (&back, &dir), (&data, &dir)).expect("compares");
    assert!(comparison.same_trace());
    assert_eq!(stats.plots, 5);
    assert!(out.join("index.html").is_file() && out.join("plots/latency-raw.png").is_file());
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("trace hash: equal"), "{page}");
    assert!(page.contains("href=\"../index.html\""), "links back to the runs: {page}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn timelines_are_drawn_only_when_recorded() {
    let mut data = run(600, 30_000);
    assert!(render_run(&data).unwrap().iter().all(|f| f.kind != PlotKind::Timelines));
    let interval = |start_ms, end_ms, label: &str| Interval { start_ms, end_ms, label: label.into() };
    data.summary.timelines = vec![Timeline {
        name: "leader".into(),
        lanes: vec![
            Lane { name: "n1".into(), intervals: vec![interval(0, 12_000, "term 1")] },
            Lane { name: "n2".into(), intervals: vec![interval(14_000, 25_000, "term 2")] },
        ],
    }];
    let figures = render_run(&data).unwrap();
    if let Ok(dir) = std::env::var("CLUSTERSIM_PLOT_DUMP") {
        for f in &figures {
            std::fs::write(format!("{dir}/{}.png", f.kind.name()), &f.png).unwrap();
        }
    }
    let timelines = figures.iter().find(|f| f.kind == PlotKind::Timelines).expect("a timelines plot");
    assert!(timelines.svg.contains("\nterm 2\n") && timelines.svg.contains("\nn1\n"), "bars and lanes labelled");
}

#[test]
fn placement_is_drawn_only_when_a_shard_moved() {
    use reports::placement::{PlacementSpan, PlacementSummary, ShardPlacement};
    let mut data = run(600, 30_000);
    assert!(render_run(&data).unwrap().iter().all(|f| f.kind != PlotKind::Placement));
    let span = |from_ms, to_ms, primary: Option<(&str, &str)>| PlacementSpan {
        from_ms,
        to_ms,
        primary: primary.map(|p| p.0.into()),
        zone: primary.map(|p| p.1.into()),
        replicas: vec![primary.map_or("n1", |p| p.0).into(), "n2".into(), "n3".into()],
    };
    let spans =
        vec![span(0, 300, None), span(300, 12_000, Some(("n1", "az-a"))), span(12_200, 30_000, Some(("n5", "az-c")))];
    data.summary.placement = PlacementSummary {
        shards: 16,
        moved: 1,
        listed: vec![ShardPlacement { shard: 5, spans, spans_more: 0 }],
        classes: None,
    };
    let figures = render_run(&data).unwrap();
    let plot = figures.iter().find(|f| f.kind == PlotKind::Placement).expect("a placement plot");
    assert!(plot.svg.contains("\nshard 5\n") && plot.svg.contains("\nn5\n"), "lanes and bars labelled");
    assert!(plot.svg.contains("\naz-a\n") && plot.svg.contains("\naz-c\n"), "zones in the legend");
    assert_eq!(render_run(&data).unwrap(), figures, "byte-identical for the same data");
}

#[test]
fn staleness_is_drawn_only_when_measured_and_lists_each_level_and_probe() {
    let mut data = run(600, 30_000);
    assert!(render_run(&data).unwrap().iter().all(|f| f.kind != PlotKind::Staleness));
    let bucket = |from_ms, to_ms, reads, consistent| TBucket { from_ms, to_ms, reads, consistent };
    data.summary.staleness = Staleness {
        levels: vec![LevelStaleness {
            label: "ONE".into(),
            n: 3,
            r: 1,
            w: 1,
            reads: 300,
            consistent: 250,
            unjudged: 0,
            t: vec![bucket(0, Some(1), 100, 60), bucket(1, Some(2), 100, 90), bucket(1000, None, 100, 100)],
            k: vec![250, 40, 10, 0, 0, 0, 0, 0, 0, 0, 0],
        }],
        probes: vec![ProbeRow { label: "ONE".into(), t_ms: 2, probes: 20, fresh: 15 }],
    };
    let figures = render_run(&data).unwrap();
    let plot = figures.iter().find(|f| f.kind == PlotKind::Staleness).expect("a staleness plot");
    assert!(plot.svg.contains("ONE N=3 R=1 W=1") && plot.svg.contains("probe ONE"), "legend names both");
    assert_eq!(render_run(&data).unwrap(), figures, "byte-identical for the same data");
}

#[test]
fn very_large_runs_are_thinned_deterministically_and_say_so() {
    let data = run(120_000, 65_000);
    let figures = render_run(&data).unwrap();
    let raw = &figures[0].svg;
    assert!(raw.contains("thinned for drawing"), "the scatter says it was thinned");
    // Each drawn operation is one circle; legends add a few more.
    let circles = raw.matches("<circle").count();
    assert!(circles <= 50_000 + 10, "{circles} circles drawn");
    assert_eq!(render_run(&data).unwrap()[0].png, figures[0].png);
}

/// A daily cycle over `simulated_ms`: demand and a forecast with a band, machines that scale
/// out then in, and SLO windows of which two violate (one slow, one failed).
fn capacity(mode: &str, simulated_ms: u64) -> reports::capacity::CapacitySummary {
    use reports::capacity::{CapacityPoint, CapacitySummary, ScaleDecision, SloPoint};
    let series: Vec<CapacityPoint> = (1..simulated_ms / 1000)
        .map(|s| {
            let demand = 2.0 + 1.5 * (s as f64 / 10.0).sin();
            let machines = if (12..30).contains(&s) { 6 } else { 3 };
            CapacityPoint {
                at_ms: s * 1000,
                demand,
                machines,
                serving: if (15..30).contains(&s) { 6 } else { 3 },
                forecast: (mode == "predictive" && s > 5).then_some(demand * 1.1),
                spread: 0.4,
                ..CapacityPoint::default()
            }
        })
        .collect();
    let windows = (0..simulated_ms / 5000)
        .map(|w| SloPoint {
            from_ms: w * 5000,
            p99_ms: (w != 3).then_some(if w == 2 { 180.0 } else { 20.0 + w as f64 }),
            failed: w == 3,
            violated: w == 2 || w == 3,
        })
        .collect();
    let decision = |at_ms, from, to| ScaleDecision { at_ms, from, to, reason: "synthetic".into() };
    CapacitySummary {
        mode: mode.into(),
        slo_p99_ms: 100,
        slo_window_ms: 5000,
        slo_violation_s: 10.0,
        node_seconds: 180.0,
        peak_machines: 6,
        scale_outs: 1,
        scale_ins: 1,
        rejected: 3,
        forecast_mape: (mode == "predictive").then_some(12.5),
        series,
        windows,
        decisions: vec![decision(12_000, 3, 6), decision(30_000, 6, 3)],
    }
}

#[test]
fn capacity_is_drawn_only_with_an_autoscaler_and_compared_side_by_side() {
    let mut data = run(3_000, 45_000);
    assert!(render_run(&data).unwrap().iter().all(|f| f.kind != PlotKind::Capacity));
    data.summary.capacity = Some(capacity("predictive", 45_000));
    let figures = render_run(&data).expect("renders");
    let plot = figures.iter().find(|f| f.kind == PlotKind::Capacity).expect("a capacity plot");
    assert!(plot.png.starts_with(b"\x89PNG\r\n\x1a\n") && plot.svg.starts_with("<svg"));
    for label in ["predictive autoscaler; SLO p99", "forecast ± spread", "scale-out (to)"] {
        assert!(plot.svg.contains(label), "{label} in the plot");
    }
    assert!(plot.svg.contains("\ncrash\n"), "fault windows in the band above");
    assert_eq!(render_run(&data).unwrap(), figures, "byte-identical for the same data");

    let dir = temp_dir("capacity");
    let mut b = data.clone();
    b.summary.capacity = Some(capacity("hpa", 45_000));
    write_run_folder(&dir.join("a"), &mut data).expect("writes A");
    write_run_folder(&dir.join("b"), &mut b).expect("writes B");
    let out = dir.join("compare");
    let (comparison, _) = write_compare_folder(&out, (&data, &dir.join("a")), (&b, &dir.join("b"))).expect("compares");
    let text = comparison.to_text();
    assert!(text.contains("capacity (A: predictive autoscaler, B: hpa autoscaler"), "{text}");
    assert!(text.contains("forecast MAPE %"), "{text}");
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("<h2>Capacity</h2>") && page.contains("SLO-violation s"), "{page}");
    assert!(out.join("plots/capacity.png").is_file() && out.join("plots/capacity.svg").is_file());
    if let Ok(keep) = std::env::var("CAPACITY_PLOT_OUT") {
        std::fs::copy(out.join("plots/capacity.png"), keep).unwrap();
    }
    std::fs::remove_dir_all(&dir).ok();
}
