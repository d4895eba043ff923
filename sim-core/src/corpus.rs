//! The regression corpus file format: seeds that once failed, kept in
//! `scenarios/regressions/*.txt` and re-run by CI (`clustersim corpus`, in `cmd::corpus`). One
//! entry a line: scenario path, seed, property, note.
//!
//! ```text
//! # scenario                    seed  property               note
//! scenarios/partition-heal.yaml 17    no_stale_quorum_reads  early ack after W-1 replicas
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use reports::files::{read_text, write_file, ReadError};

use crate::sweep::report::SweepReport;

/// One regression: a scenario, a seed, the property it failed and why it is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Scenario file, relative to the working directory (the repository root in CI).
    pub scenario: PathBuf,
    /// The seed.
    pub seed: u64,
    /// The property that failed, as verdicts name it.
    pub property: String,
    /// Free text: what was broken, where it was found.
    pub note: String,
    /// Line in the corpus file, for messages.
    pub line: usize,
}

/// Reads corpus text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut words = content.split_whitespace();
        let at = |what: &str| format!("{}:{}: {what}", path.display(), i + 1);
        let scenario = words.next().ok_or_else(|| at("missing scenario path"))?;
        let seed = words.next().ok_or_else(|| at("missing seed: write `scenario seed property note`"))?;
        let seed: u64 = seed.parse().map_err(|_| at(&format!("`{seed}` is not a seed")))?;
        let property = words.next().ok_or_else(|| at("missing property: write `scenario seed property note`"))?;
        entries.push(Entry {
            scenario: PathBuf::from(scenario),
            seed,
            property: property.to_string(),
            note: words.collect::<Vec<_>>().join(" "),
            line: i + 1,
        });
    }
    Ok(entries)
}

/// Every entry of the corpus files named by `paths` (folders give their `*.txt` files, sorted).
pub fn load(paths: &[PathBuf]) -> Result<Vec<Entry>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut all = Vec::new();
    for file in files {
        let text = read_text(&file, CORPUS_BYTES_MAX).map_err(|e| format!("{}: {e}", file.display()))?;
        all.extend(parse(&file, &text)?);
    }
    if all.is_empty() {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(format!(
            "{}: no corpus entries (no *.txt file with a `scenario seed property` line)",
            named.join(", ")
        ));
    }
    Ok(all)
}

/// Most bytes read from one corpus file.
pub const CORPUS_BYTES_MAX: u64 = 16 << 20;

/// Appends the first failing property of every failing seed in `report` to the corpus `file`,
/// skipping scenario and seed pairs already in it; returns how many were added.
pub fn record_failures(file: &Path, report: &SweepReport, note: &str) -> std::io::Result<usize> {
    let old_text = match read_text(file, CORPUS_BYTES_MAX) {
        Ok(text) => text,
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    };
    let existing = parse(file, &old_text).map_err(std::io::Error::other)?;
    let mut text = String::new();
    let mut added = 0;
    for s in &report.scenarios {
        for r in s.results.iter().filter(|r| !r.passed()) {
            let known = existing.iter().any(|e| e.scenario == Path::new(&s.file) && e.seed == r.seed);
            if known {
                continue;
            }
            let property = r.failed.first().map_or("unknown", String::as_str).replace(char::is_whitespace, "_");
            let _ = writeln!(text, "{} {} {} {note}", s.file, r.seed, property);
            added += 1;
        }
    }
    if added > 0 {
        // The whole file is written again beside it and renamed into place: a killed sweep
        // leaves the old corpus or the new one, never half a line.
        let header = if old_text.is_empty() { HEADER } else { "" };
        let separator = if old_text.is_empty() || old_text.ends_with('\n') { "" } else { "\n" };
        write_file(file, format!("{header}{old_text}{separator}{text}"))?;
    }
    Ok(added)
}

const HEADER: &str = "# clustersim regression corpus: scenario, seed, property that failed, note.\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_with_comments_and_notes() {
        let text = "# header\n\nscenarios/a.yaml 17 no_stale_quorum_reads early ack, found by sweep\nb.yaml 3 x\n";
        let entries = parse(Path::new("c.txt"), text).expect("valid");
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0],
            Entry {
                scenario: "scenarios/a.yaml".into(),
                seed: 17,
                property: "no_stale_quorum_reads".into(),
                note: "early ack, found by sweep".into(),
                line: 3,
            }
        );
        assert_eq!((entries[1].note.as_str(), entries[1].line), ("", 4));
    }

    #[test]
    fn recording_a_sweep_appends_each_failing_seed_once() {
        use crate::sweep::jobs::SeedOutcome;
        use crate::sweep::report::ScenarioSweep;
        let outcome = |seed, exit_code, failed: &[&str]| SeedOutcome {
            failed: failed.iter().map(|s| s.to_string()).collect(),
            ..SeedOutcome::blank(seed, exit_code)
        };
        let results = vec![outcome(1, 0, &[]), outcome(2, 1, &["no_stale_quorum_reads", "x"]), outcome(3, 4, &[])];
        let report = SweepReport::new(
            vec![ScenarioSweep::new("s", Path::new("scenarios/s.yaml"), results)],
            "1..3".into(),
            None,
            1.0,
            1,
        );
        let file = std::env::temp_dir().join(format!("clustersim-corpus-{}.txt", std::process::id()));
        std::fs::remove_file(&file).ok();
        assert_eq!(record_failures(&file, &report, "found by a test").expect("recorded"), 2);
        assert_eq!(record_failures(&file, &report, "again").expect("recorded"), 0, "already there");
        let text = std::fs::read_to_string(&file).expect("written");
        let entries = parse(&file, &text).expect("valid corpus");
        let kept: Vec<(u64, &str, &str)> =
            entries.iter().map(|e| (e.seed, e.property.as_str(), e.note.as_str())).collect();
        assert_eq!(kept, [(2, "no_stale_quorum_reads", "found by a test"), (3, "unknown", "found by a test")]);
        assert!(text.starts_with("# clustersim regression corpus"));
        std::fs::remove_file(&file).ok();
    }

    #[test]
    fn malformed_entries_name_their_line() {
        let e = parse(Path::new("c.txt"), "a.yaml 1 p\na.yaml seven p\n").expect_err("bad seed");
        assert!(e.starts_with("c.txt:2: `seven` is not a seed"), "{e}");
        assert!(parse(Path::new("c.txt"), "a.yaml 1\n").is_err(), "a property is required");
    }
}
