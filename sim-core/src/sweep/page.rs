//! `index.html` of a sweep's folder: per scenario its seeds, failures by property with their
//! violation counts, a grid with a cell per seed (failing seeds red, linked to their kept
//! report folder when there is one), and each failure's replay command and first
//! counterexample. One self-contained page: inline CSS, relative links, no network.

use std::fmt::Write as _;
use std::path::Path;

use reports::html::escape;

use crate::outcome::replay_command;
use crate::sweep::report::SweepReport;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1260px;\
padding:0 16px;color:#222;line-height:1.4}h2{margin-top:28px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}\
th{background:#f4f4f4}td.num{text-align:right}code{background:#f4f4f4;padding:1px 4px;border-radius:3px}\
.grid{display:flex;flex-wrap:wrap;gap:2px;margin:8px 0}.grid a,.grid span{display:inline-block;min-width:26px;\
padding:1px 2px;font-size:11px;text-align:center;border-radius:2px;text-decoration:none;color:#222}\
.ok{background:#dff3e4}.bad{background:#f3b6b0;font-weight:bold}.pass{color:#176d2c}.fail{color:#b3261e;font-weight:bold}\
.muted{color:#777}";

/// Most seed cells drawn per scenario; beyond it only the failing seeds are drawn.
pub const CELLS_MAX: usize = 2_000;

/// The fault-coverage table: per fault kind and mode, the faults applied and each dangerous
/// interleaving reached during the fault / after its heal.
fn coverage_table(h: &mut String, cells: &[crate::coverage::CoverageCount]) {
    if cells.is_empty() {
        return;
    }
    let text = crate::coverage::to_text(cells);
    let mut lines = text.lines();
    let title = lines.next().unwrap_or_default();
    let _ = writeln!(h, "<h2>Fault coverage</h2>\n<p>{}</p>\n<table>", escape(title));
    for (i, line) in lines.enumerate() {
        let tag = if i == 0 { "th" } else { "td" };
        let (fault, rest) = line.trim_start().split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim_start();
        // The mode is the one field with spaces: it ends where the right-aligned figures begin.
        let cut = rest.find("  ").unwrap_or(rest.len());
        let (mode, figures) = rest.split_at(cut);
        let _ = write!(h, "<tr><{tag}>{}</{tag}><{tag}>{}</{tag}>", escape(fault), escape(mode.trim()));
        for f in figures.split_whitespace() {
            let _ = write!(h, "<{tag} class=\"num\">{}</{tag}>", escape(f));
        }
        let _ = writeln!(h, "</tr>");
    }
    let _ = writeln!(h, "</table>");
}

/// The sweep's `index.html`.
pub fn sweep_page(report: &SweepReport) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>clustersim sweep {}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>",
        escape(&report.seeds)
    );
    let (class, word) = if report.failures() == 0 { ("pass", "PASS") } else { ("fail", "FAIL") };
    let _ = writeln!(
        h,
        "<h1>Sweep <span class=\"{class}\">{word}</span></h1>\n<p>{} runs ({} scenario(s), seeds {}), {} failed, \
         in {:.1} s on {} threads. <a href=\"sweep.json\">sweep.json</a> · <a href=\"junit.xml\">junit.xml</a></p>",
        report.runs(),
        report.scenarios.len(),
        escape(&report.seeds),
        report.failures(),
        report.wall_ms / 1000.0,
        report.jobs
    );
    let _ = writeln!(
        h,
        "<table>\n<tr><th>scenario</th><th>seeds</th><th>failed</th><th>failures by property (seeds, violations)</th></tr>"
    );
    for s in &report.scenarios {
        let props: Vec<String> = s
            .by_property
            .iter()
            .map(|(p, n)| format!("{}: {n} ({})", escape(p), s.violations.get(p).copied().unwrap_or(0)))
            .collect();
        let props = if props.is_empty() { "-".to_string() } else { props.join("<br>") };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{props}</td></tr>",
            escape(&s.name),
            escape(&s.name),
            s.seeds,
            s.failures
        );
    }
    let _ = writeln!(h, "</table>");
    coverage_table(&mut h, &report.coverage());
    for s in &report.scenarios {
        let _ = writeln!(
            h,
            "<h2 id=\"{}\">{}</h2>\n<p class=\"muted\">{}</p>",
            escape(&s.name),
            escape(&s.name),
            escape(&s.file)
        );
        let all = s.results.len() <= CELLS_MAX;
        if !all {
            let _ = writeln!(h, "<p class=\"muted\">{} seeds: only the failing ones are drawn.</p>", s.results.len());
        }
        let _ = write!(h, "<div class=\"grid\">");
        for r in s.results.iter().filter(|r| all || !r.passed()) {
            let title = if r.passed() { "passed".to_string() } else { escape(&r.failed.join(", ")) };
            match (&r.report, r.passed()) {
                (Some(dir), _) => {
                    let _ = write!(
                        h,
                        "<a class=\"bad\" href=\"{}/index.html\" title=\"{title}\">{}</a>",
                        escape(dir),
                        r.seed
                    );
                }
                (None, passed) => {
                    let class = if passed { "ok" } else { "bad" };
                    let _ = write!(h, "<span class=\"{class}\" title=\"{title}\">{}</span>", r.seed);
                }
            }
        }
        let _ = writeln!(h, "</div>");
        if s.failures == 0 {
            continue;
        }
        let _ =
            writeln!(h, "<table>\n<tr><th>seed</th><th>failed</th><th>first counterexample</th><th>replay</th></tr>");
        for r in s.failing() {
            let seed = match &r.report {
                Some(dir) => format!("<a href=\"{}/index.html\">{}</a>", escape(dir), r.seed),
                None => r.seed.to_string(),
            };
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{seed}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                escape(&r.failed.join(", ")),
                escape(r.counterexample.as_deref().or(r.crash.as_deref()).unwrap_or("")),
                escape(&replay_command(Path::new(&s.file), r.seed))
            );
        }
        let _ = writeln!(h, "</table>");
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sweep::jobs::SeedOutcome;
    use crate::sweep::report::ScenarioSweep;

    fn outcome(seed: u64, failed: bool) -> SeedOutcome {
        SeedOutcome {
            seed,
            exit_code: if failed { 1 } else { 0 },
            failed: if failed { vec!["no_lost_acknowledged_writes".into()] } else { vec![] },
            violations: if failed {
                BTreeMap::from([("no_lost_acknowledged_writes".into(), 2)])
            } else {
                BTreeMap::new()
            },
            counterexample: failed.then(|| "no_lost_acknowledged_writes: write c3#9 <lost>".into()),
            report: (failed && seed == 2).then(|| "failures/x/seed-2".into()),
            trace_hash: None,
            crash: None,
            ops: 1,
            wall_ms: 1.0,
            coverage: Vec::new(),
        }
    }

    #[test]
    fn the_page_links_kept_failures_and_shows_their_first_counterexample() {
        let results = vec![outcome(1, false), outcome(2, true), outcome(3, true)];
        let report = SweepReport::new(
            vec![ScenarioSweep::new("x", Path::new("scenarios/x.yaml"), results)],
            "1..3".into(),
            None,
            100.0,
            2,
        );
        let page = sweep_page(&report);
        assert!(page.contains("<a class=\"bad\" href=\"failures/x/seed-2/index.html\""), "{page}");
        assert!(page.contains("<span class=\"bad\" title=\"no_lost_acknowledged_writes\">3</span>"), "{page}");
        assert!(page.contains("<span class=\"ok\" title=\"passed\">1</span>"), "{page}");
        assert!(page.contains("no_lost_acknowledged_writes: 2 (4)"), "seeds and violations: {page}");
        assert!(page.contains("write c3#9 &lt;lost&gt;"), "{page}");
        assert!(!page.contains("http"), "no network references");
    }

    #[test]
    fn the_page_shows_the_fault_coverage_summed_over_seeds() {
        let cell = |phase: &str, event: &str, count| crate::coverage::CoverageCount {
            fault: "pause".into(),
            mode: "writes=primary N=3 levels=QUORUM".into(),
            phase: phase.into(),
            event: event.into(),
            count,
        };
        let mut a = outcome(1, false);
        a.coverage = vec![cell("during", "faults", 1), cell("during", "lease_expired_in_pause", 2)];
        let mut b = outcome(2, false);
        b.coverage = vec![cell("during", "faults", 2), cell("after", "lease_expired_in_pause", 1)];
        let report = SweepReport::new(
            vec![ScenarioSweep::new("x", Path::new("x.yaml"), vec![a, b])],
            "1..2".into(),
            None,
            1.0,
            1,
        );
        let page = sweep_page(&report);
        assert!(page.contains("<h2>Fault coverage</h2>"), "{page}");
        assert!(page.contains("<td>writes=primary N=3 levels=QUORUM</td><td class=\"num\">3</td>"), "{page}");
        assert!(page.contains("<td class=\"num\">2/1</td>"), "during / after: {page}");
    }
}
