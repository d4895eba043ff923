//! `index.html` of a run folder and of a comparison folder: one self-contained page (inline
//! CSS, images by relative path, no network) with the run's facts, verdicts, tables and plots.
//!
//! A small inline script records on `<body data-images-loaded="...">` whether every image
//! loaded, so a headless browser's dumped DOM shows it (scripts/check-report-html.sh).

use std::fmt::Write as _;

use crate::capacity_comparison::CapacityComparison;
use crate::comparison::Comparison;
use crate::plot::PlotKind;
use crate::summary::{PlotFile, Summary, VerdictSummary};

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1260px;\
padding:0 16px;color:#222;line-height:1.4}h1{margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;\
vertical-align:top}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}\
code{background:#f4f4f4;padding:1px 4px;border-radius:3px}.pass{color:#176d2c;font-weight:bold}\
.fail{color:#b3261e;font-weight:bold}.badge{font-size:60%;padding:2px 8px;border-radius:4px;vertical-align:middle}\
.badge.pass{background:#dff3e4}.badge.fail{background:#fbe1df}img{max-width:100%;height:auto;border:1px solid #eee}\
.desc{color:#444}.muted{color:#777}ul.examples{margin:4px 0 4px 0;font-family:monospace;font-size:90%}\
tr.changed td{background:#fff6df}nav a{margin-right:12px}";

/// Sets `data-images-loaded` on `<body>` once the page has loaded: `all N` when every image
/// decoded, otherwise `missing` and the sources that did not.
const IMAGE_CHECK: &str = "<script>\nwindow.addEventListener('load', function () {\n  \
var imgs = Array.prototype.slice.call(document.images);\n  \
var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });\n  \
document.body.dataset.imagesLoaded = bad.length === 0\n    ? 'all ' + imgs.length\n    \
: 'missing ' + bad.map(function (i) { return i.getAttribute('src'); }).join(' ');\n});\n</script>\n";

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The run folder's `index.html` for `summary` (whose `plots` list the image files).
pub fn run_page(summary: &Summary) -> String {
    let mut h = String::new();
    let title = format!("{} seed {}", summary.scenario, summary.seed);
    head(&mut h, &format!("clustersim: {title}"));
    let (class, word) = overall(summary);
    let _ = writeln!(
        h,
        "<h1>{} <span class=\"badge {class}\">{word}</span></h1>\n<p class=\"desc\">{}</p>",
        escape(&summary.scenario),
        escape(summary.description.trim())
    );
    let _ = writeln!(h, "<table>");
    let facts = [
        ("seed", format!("<code>{}</code>", summary.seed)),
        ("replay", format!("<code>{}</code>", escape(&summary.replay))),
        ("trace hash", format!("<code>{}</code>", escape(&summary.trace_hash))),
        ("scenario file", format!("<code>{}</code>", escape(&summary.file))),
        (
            "simulated",
            format!(
                "{:.1} s in {:.0} ms wall ({:.0}× real time, {:.0} operations per wall second)",
                summary.simulated_ms as f64 / 1000.0,
                summary.wall_ms,
                summary.speedup,
                summary.ops_per_wall_s
            ),
        ),
        ("plots", format!("{} rendered in {:.0} ms", summary.plots.len(), summary.render_ms)),
        ("exit code", summary.exit_code.to_string()),
    ];
    for (k, v) in facts {
        let _ = writeln!(h, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    for l in &summary.load {
        let _ = writeln!(h, "<tr><th>offered load</th><td>{}</td></tr>", escape(l));
    }
    if let Some(c) = &summary.capacity {
        let _ = writeln!(h, "<tr><th>capacity</th><td>{}</td></tr>", escape(&c.headline()));
    }
    if let Some(n) = &summary.node_stats {
        let _ = writeln!(h, "<tr><th>node stats</th><td>{}</td></tr>", escape(&n.headline()));
    }
    if let Some(z) = &summary.zones {
        let _ = writeln!(h, "<tr><th>zones</th><td>{}</td></tr>", escape(&z.headline()));
    }
    let _ = writeln!(h, "</table>");
    if !summary.plots.is_empty() {
        let _ = write!(h, "<nav>");
        for p in &summary.plots {
            let _ = write!(h, "<a href=\"#{}\">{}</a>", escape(&p.name), escape(&p.title));
        }
        let _ = writeln!(h, "</nav>");
    }
    verdicts(&mut h, summary);
    operations(&mut h, summary);
    faults(&mut h, summary);
    control(&mut h, summary);
    if let Some(n) = &summary.node_stats {
        h.push_str(&n.html(escape));
    }
    let _ = writeln!(h, "<h2>Plots</h2>");
    for p in &summary.plots {
        plot(&mut h, p);
    }
    let _ = writeln!(h, "<h2>Files</h2>\n<ul>");
    let files = [
        ("summary.json", "machine-readable summary (schema in the README)"),
        ("summary.md", "the summary as Markdown"),
        ("ops.csv", "every operation: invoke_ms, complete_ms, level, kind, outcome, node, client, key"),
        ("command.txt", "the command that replays this run"),
        ("trace-hash.txt", "the trace hash"),
    ];
    for (f, what) in files {
        let _ = writeln!(h, "<li><a href=\"{f}\">{f}</a>: {what}</li>");
    }
    if let Some(trace) = &summary.trace_file {
        let _ = writeln!(
            h,
            "<li><a href=\"{0}\">{0}</a>: the trace (JSON lines: operations, messages, faults)</li>",
            escape(trace)
        );
    }
    let _ = writeln!(h, "</ul>");
    story(&mut h, summary);
    tail(&mut h);
    h
}

/// The comparison folder's `index.html`: both runs' facts, the compared figures and verdicts,
/// and each plot with run A on the left and run B on the right.
pub fn compare_page(c: &Comparison, a: &Summary, b: &Summary, a_dir: &str, b_dir: &str, plots: &[PlotFile]) -> String {
    let mut h = String::new();
    head(&mut h, &format!("clustersim compare: {} vs {}", c.a_label, c.b_label));
    // Side-by-side figures are twice as wide as a run's: give them the room.
    let _ = writeln!(h, "<style>body{{max-width:1860px}}</style>");
    let _ = writeln!(
        h,
        "<h1>Comparison</h1>\n<table>\n<tr><th></th><th>run</th><th>folder</th><th>trace hash</th><th>result</th></tr>"
    );
    for (name, s, dir) in [("A", a, a_dir), ("B", b, b_dir)] {
        let (class, word) = overall(s);
        let _ = writeln!(
            h,
            "<tr><th>{name}</th><td>{}</td><td><a href=\"{}/index.html\">{}</a></td><td><code>{}</code></td><td class=\"{class}\">{word}</td></tr>",
            escape(&format!("{} seed {}", s.scenario, s.seed)),
            escape(dir),
            escape(dir),
            escape(&s.trace_hash)
        );
    }
    let _ = writeln!(h, "</table>\n<p><strong>{}</strong></p>", escape(&c.hash_line()));
    if let Some(w) = c.warning() {
        let _ = writeln!(h, "<p class=\"fail\">{}</p>", escape(&w));
    }
    let _ = writeln!(
        h,
        "<h2>Key figures</h2>\n<table>\n<tr><th>level</th><th>figure</th><th>A</th><th>B</th><th>B − A</th></tr>"
    );
    for r in &c.figures {
        let class = if r.significant() { " class=\"changed\"" } else { "" };
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.level),
            r.figure,
            r.format(r.a),
            r.format(r.b),
            escape(&r.change())
        );
    }
    let _ = writeln!(h, "</table>");
    if let Some(cap) = &c.capacity {
        capacity_table(&mut h, cap);
    }
    let _ = writeln!(h, "<h2>Properties</h2>\n<table>\n<tr><th>property</th><th>A</th><th>B</th></tr>");
    for v in &c.verdicts {
        let class = if v.differs() { " class=\"changed\"" } else { "" };
        let cell = |w: Option<&str>| match w {
            Some("PASS") => "<td class=\"pass\">PASS</td>".to_string(),
            Some(w) => format!("<td class=\"fail\">{w}</td>"),
            None => "<td class=\"muted\">-</td>".to_string(),
        };
        let _ = writeln!(h, "<tr{class}><td>{}</td>{}{}</tr>", escape(&v.name), cell(v.a), cell(v.b));
    }
    let _ = writeln!(h, "</table>\n<h2>Plots (A left, B right, same scales)</h2>");
    for p in plots {
        plot(&mut h, p);
    }
    tail(&mut h);
    h
}

/// The capacity figures of two runs that both ran an autoscaler.
fn capacity_table(h: &mut String, c: &CapacityComparison) {
    let _ = writeln!(
        h,
        "<h2>Capacity</h2>\n<p>{}</p>\n<table>\n<tr><th>figure</th><th>A</th><th>B</th><th>B − A</th><th></th></tr>",
        escape(&c.heading())
    );
    for r in &c.rows {
        let class = if r.significant() { " class=\"changed\"" } else { "" };
        let verdict = match r.verdict() {
            "better" => "<td class=\"pass\">better</td>",
            "worse" => "<td class=\"fail\">worse</td>",
            _ => "<td></td>",
        };
        let _ = writeln!(
            h,
            "<tr{class}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{verdict}</tr>",
            r.figure,
            r.format(r.a),
            r.format(r.b),
            escape(&r.change())
        );
    }
    let _ = writeln!(h, "</table>");
}

fn head(h: &mut String, title: &str) {
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        escape(title)
    );
}

fn tail(h: &mut String) {
    h.push_str(IMAGE_CHECK);
    h.push_str("</body>\n</html>\n");
}

fn overall(s: &Summary) -> (&'static str, String) {
    let failed = s.verdicts.iter().filter(|v| !v.passed).count();
    match (s.exit_code, failed) {
        (0, 0) => ("pass", format!("PASS: {} of {} properties hold", s.verdicts.len(), s.verdicts.len())),
        (1, _) => ("fail", format!("FAIL: safety property violated ({failed} failed)")),
        _ => ("fail", format!("FAIL: {failed} of {} properties failed", s.verdicts.len())),
    }
}

fn verdict_cell(v: &VerdictSummary) -> (&'static str, &'static str) {
    match (v.passed, v.expected_violation) {
        (true, false) => ("pass", "PASS"),
        (true, true) => ("pass", "PASS (violation expected and found)"),
        (false, true) => ("fail", "FAIL (violation expected, none found)"),
        (false, false) => ("fail", "FAIL"),
    }
}

/// The story of the first counterexample (`clustersim explain`), as plain text.
fn story(h: &mut String, s: &Summary) {
    if let Some(story) = &s.story {
        let _ = writeln!(h, "<h2 id=\"story\">The first counterexample, told</h2>\n<pre>{}</pre>", escape(story));
    }
}

fn verdicts(h: &mut String, s: &Summary) {
    let _ = writeln!(
        h,
        "<h2>Properties</h2>\n<table>\n<tr><th>result</th><th>property</th><th>class</th><th>violations</th><th>checked</th><th>detail</th></tr>"
    );
    for v in &s.verdicts {
        let (class, word) = verdict_cell(v);
        let _ = write!(
            h,
            "<tr><td class=\"{class}\">{word}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}",
            escape(&v.name),
            escape(&v.class),
            v.violations,
            v.checked,
            escape(&v.detail)
        );
        // The offending operations matter most when the property failed; for an expected
        // violation they show what the checker found.
        if !v.examples.is_empty() && (!v.passed || v.expected_violation) {
            let what = if v.passed { "violations found" } else { "operations that break it" };
            let _ = write!(h, "<br><span class=\"muted\">{what}:</span><ul class=\"examples\">");
            for e in &v.examples {
                let _ = write!(h, "<li>{}</li>", escape(e));
            }
            if v.more() > 0 {
                let _ = write!(h, "<li>... and {} more</li>", v.more());
            }
            let _ = write!(h, "</ul>");
        }
        let _ = writeln!(h, "</td></tr>");
    }
    let _ = writeln!(h, "</table>");
}

fn operations(h: &mut String, s: &Summary) {
    let _ = writeln!(
        h,
        "<h2>Operations</h2>\n<table>\n<tr><th>level</th><th>kind</th><th>total</th><th>ok</th><th>fail</th><th>indet.</th>\
         <th>success</th><th>worst 1 s window</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>"
    );
    for l in &s.ops {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{:.2}%</td><td class=\"num\">{:.2}%</td><td class=\"num\">{:.1}</td>\
             <td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td><td class=\"num\">{:.1}</td></tr>",
            escape(&l.consistency),
            escape(&l.kind),
            l.total,
            l.ok,
            l.fail,
            l.indeterminate,
            l.success_rate * 100.0,
            l.worst_window_rate * 100.0,
            l.p50_ms,
            l.p95_ms,
            l.p99_ms,
            l.max_ms
        );
    }
    let _ = writeln!(h, "</table>");
}

fn faults(h: &mut String, s: &Summary) {
    let _ = writeln!(h, "<h2>Faults</h2>");
    if s.fault_windows.is_empty() {
        let _ = writeln!(h, "<p class=\"muted\">No faults were injected.</p>");
    } else {
        let _ = writeln!(h, "<table>\n<tr><th>from (s)</th><th>to (s)</th><th>fault</th></tr>");
        for f in &s.fault_windows {
            let _ = writeln!(
                h,
                "<tr><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td>{}</td></tr>",
                f.start_ms as f64 / 1000.0,
                f.end_ms as f64 / 1000.0,
                escape(&f.label)
            );
        }
        let _ = writeln!(h, "</table>");
    }
    if let Some(at) = s.heal_at_ms.filter(|_| !s.fault_windows.is_empty()) {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Every fault was healed at {:.3} s; the cluster then had until {:.3} s to converge.</p>",
            at as f64 / 1000.0,
            s.simulated_ms as f64 / 1000.0
        );
    }
}

fn control(h: &mut String, s: &Summary) {
    let c = &s.control;
    if c.leaders.is_empty() {
        return;
    }
    let unowned: u64 = c.unowned_ms.iter().sum();
    let _ = writeln!(
        h,
        "<h2>Control plane</h2>\n<p>{} elected; leaderless after a leader loss: {}; {} primary changes; \
         shards without a primary: {} ms in all, at most {} ms for one shard.</p>",
        crate::summary::plural(c.elections, "leader", "leaders"),
        escape(&c.leaderless_text()),
        c.ownership_changes,
        unowned,
        c.unowned_ms.iter().max().copied().unwrap_or(0)
    );
    let _ = writeln!(h, "<table>\n<tr><th>leader</th><th>term</th><th>from (s)</th><th>to (s)</th></tr>");
    for l in &c.leaders {
        let to = l.to_ms.map_or("end".to_string(), |t| format!("{:.3}", t as f64 / 1000.0));
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td></tr>",
            escape(&l.node),
            l.term,
            l.from_ms as f64 / 1000.0,
            to
        );
    }
    let _ = writeln!(h, "</table>");
    h.push_str(&migrations(&s.migrations));
    if !s.migrations.is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(&crate::migrations::routing_text(&s.storage)));
    }
    h.push_str(&placement(s));
    h.push_str(&voters(s));
}

/// The moved shards as an HTML table (empty when no shard moved).
fn placement(s: &Summary) -> String {
    let mut h = String::new();
    let p = &s.placement;
    let classes = p.classes.as_deref().map_or(String::new(), |c| format!("<p>Shard classes: {}.</p>\n", escape(c)));
    if p.moved == 0 {
        if !classes.is_empty() {
            let _ = write!(h, "<h2>Shard placement</h2>\n{classes}");
        }
        return h;
    }
    let listed = if p.moved as usize > p.listed.len() {
        format!(" (the first {} listed)", p.listed.len())
    } else {
        String::new()
    };
    let _ = writeln!(
        h,
        "<h2>Shard placement</h2>\n<p>{} of {} shards moved: their primary or replica set changed after the start{listed}.</p>\n\
         {classes}<table>\n<tr><th>shard</th><th>primary (zone) over time (s)</th><th>replica set</th></tr>",
        p.moved, p.shards
    );
    for shard in &p.listed {
        let replicas = match shard.replicas_text() {
            r if r.is_empty() => shard.spans.first().map_or(String::new(), |f| f.replicas.join(",")),
            r => r.trim_start_matches("replicas ").to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            shard.shard,
            escape(&shard.primaries_text(s.simulated_ms)),
            escape(&replicas)
        );
    }
    h.push_str("</table>\n");
    h
}

/// The voter sets as an HTML table: the first, then each change (empty when none recorded).
fn voters(s: &Summary) -> String {
    let mut h = String::new();
    let Some(v) = &s.voters else { return h };
    let _ = writeln!(
        h,
        "<h2>Voters</h2>\n<p>{} after the first set.</p>\n<table>\n<tr><th>at (s)</th><th>voters</th></tr>",
        crate::summary::plural(v.changes as u64, "change", "changes")
    );
    for set in std::iter::once(&v.first).chain(&v.listed) {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{:.3}</td><td>{}</td></tr>",
            set.at_ms as f64 / 1000.0,
            escape(&set.set.join(", "))
        );
    }
    if v.changes as usize > v.listed.len() {
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{:.3}</td><td>{} (last; {} changes not listed)</td></tr>",
            v.last.at_ms as f64 / 1000.0,
            escape(&v.last.set.join(", ")),
            v.changes as usize - v.listed.len()
        );
    }
    h.push_str("</table>\n");
    h
}

/// The table as an HTML section (empty when the run had no migration).
fn migrations(rows: &[crate::migrations::MigrationSummary]) -> String {
    let mut h = String::new();
    if rows.is_empty() {
        return h;
    }
    let _ = writeln!(
        h,
        "<h2>Migrations</h2>\n<table>\n<tr><th>id</th><th>shard</th><th>from</th><th>to</th><th>state</th><th>bytes</th><th>steps (s)</th></tr>"
    );
    for r in rows {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            crate::migrations::id_text(r),
            r.shard,
            escape(&r.from.join(", ")),
            escape(&r.replaces.as_ref().map_or(r.to.clone(), |old| format!("{} (for {old})", r.to))),
            escape(&r.state),
            r.bytes,
            escape(&crate::migrations::steps_text(r))
        );
    }
    h.push_str("</table>\n");
    h
}

fn plot(h: &mut String, p: &PlotFile) {
    let description = PlotKind::ALL.iter().find(|k| k.name() == p.name).map(|k| k.description()).unwrap_or("");
    let (png, svg) = (escape(&p.png), escape(&p.svg));
    let _ = writeln!(
        h,
        "<section id=\"{}\">\n<h3>{}</h3>\n<p class=\"desc\">{}</p>\n<a href=\"{svg}\"><img src=\"{png}\" alt=\"{}\"></a>\n\
         <p class=\"muted\"><a href=\"{svg}\">SVG</a> · <a href=\"{png}\">PNG</a></p>\n</section>",
        escape(&p.name),
        escape(&p.title),
        escape(description),
        escape(&p.title)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::tests_support::summary;

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn run_page_shows_facts_failures_plots_and_the_image_check() {
        let mut s = summary("x<y", 10_000);
        s.verdicts = vec![VerdictSummary {
            name: "no_stale_quorum_reads".into(),
            class: "safety".into(),
            expected_violation: false,
            passed: false,
            violations: 1,
            checked: 9,
            detail: "1 stale read".into(),
            examples: vec!["read c1#2 key 3 missed write c2#1".into()],
            counterexamples: vec![],
        }];
        s.exit_code = 1;
        s.plots = vec![PlotFile {
            name: "latency-raw".into(),
            title: "Latency of every operation".into(),
            png: "plots/latency-raw.png".into(),
            svg: "plots/latency-raw.svg".into(),
        }];
        let page = run_page(&s);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<h1>x&lt;y <span class=\"badge fail\">"), "{page}");
        assert!(page.contains(&escape(&s.replay)));
        assert!(page.contains("00000000deadbeef"));
        assert!(page.contains("read c1#2 key 3 missed write c2#1"));
        assert!(page.contains("<img src=\"plots/latency-raw.png\""));
        assert!(page.contains("document.body.dataset.imagesLoaded"));
        assert!(!page.contains("http://") && !page.contains("https://"), "no network references");
    }

    #[test]
    fn run_page_shows_moved_shards_and_voters() {
        let mut s = summary("moves", 10_000);
        s.control.leaders = vec![crate::summary::LeaderSpan { node: "n1".into(), term: 1, from_ms: 300, to_ms: None }];
        s.placement = crate::placement::PlacementSummary {
            shards: 16,
            moved: 1,
            listed: vec![crate::placement::tests::moved_shard()],
            classes: Some("0-5 strong N=5, the other 10 eventual N=3".into()),
        };
        let set =
            |at_ms, v: &[&str]| crate::placement::VoterSet { at_ms, set: v.iter().map(|x| x.to_string()).collect() };
        s.voters = Some(crate::placement::VotersSummary {
            first: set(350, &["n1", "n2", "n3"]),
            changes: 1,
            listed: vec![set(7_000, &["n1", "n3", "n4"])],
            last: set(7_000, &["n1", "n3", "n4"]),
        });
        let page = run_page(&s);
        assert!(page.contains("<h2>Shard placement</h2>") && page.contains("1 of 16 shards moved"), "{page}");
        assert!(page.contains("Shard classes: 0-5 strong N=5, the other 10 eventual N=3."), "{page}");
        assert!(
            page.contains("n1(az-a) 0.31-6.03s, n5(az-c) 6.11-end") && page.contains("n1,n2,n3 -&gt; n5,n1,n2"),
            "{page}"
        );
        assert!(page.contains("<h2>Voters</h2>") && page.contains("<td>n1, n3, n4</td>"), "{page}");
        s.placement.moved = 0;
        s.voters = None;
        let page = run_page(&s);
        assert!(page.contains("Shard classes") && !page.contains("<table>\n<tr><th>shard"), "classes alone: {page}");
        s.placement.classes = None;
        let page = run_page(&s);
        assert!(!page.contains("Shard placement") && !page.contains("<h2>Voters</h2>"), "{page}");
    }

    #[test]
    fn a_run_without_faults_does_not_claim_to_heal_them() {
        let mut s = summary("calm", 10_000);
        s.heal_at_ms = Some(8_000);
        let page = run_page(&s);
        assert!(page.contains("No faults were injected."), "{page}");
        assert!(!page.contains("Every fault was healed"), "{page}");
    }
}
