//! Staleness of a run's reads, PBS-style (Bailis et al., "Probabilistically Bounded
//! Staleness for Practical Partial Quorums", VLDB 2012): per pair of levels, how likely a read
//! is to be consistent as a function of how long after the newest acknowledged write it began
//! (t-visibility), and of how many acknowledged versions it is behind (k-staleness); and what
//! the probes measured directly. Tables for `summary.md` and the terminal; the plot is
//! `plot/staleness.rs`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Reads at most this many versions behind are counted one by one; the last count of
/// [`LevelStaleness::k`] holds reads this many or more behind.
pub const K_MAX: usize = 10;

/// The k rows the tables show: the share of reads at most k versions behind.
const K_SHOWN: [usize; 6] = [0, 1, 2, 3, 5, 9];

/// Most pairs of levels the terminal table shows (those with the most reads); `summary.md`
/// and `summary.json` have them all.
pub const TEXT_COLUMNS_MAX: usize = 4;

/// Staleness of one run's reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Staleness {
    /// From every ok read of the workload, one entry per pair of read and write levels.
    pub levels: Vec<LevelStaleness>,
    /// From the probes, one entry per pair of levels and `t`.
    pub probes: Vec<ProbeRow>,
}

/// Staleness of the reads at one pair of levels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelStaleness {
    /// `ONE`, or `W QUORUM / R ONE` when the levels differ.
    pub label: String,
    /// Replication factor.
    pub n: u8,
    /// Replies a read waits for.
    pub r: u8,
    /// Acknowledgements the newest write before the read waited for.
    pub w: u8,
    /// Ok reads that began after some write to their key was acknowledged.
    pub reads: u64,
    /// Of those, reads that returned every such write (or a version descending from it).
    pub consistent: u64,
    /// Ok reads that began before any write to their key was acknowledged (not judged).
    pub unjudged: u64,
    /// t-visibility: reads by how long after the newest acknowledged write they began.
    pub t: Vec<TBucket>,
    /// k-staleness: `k[i]` reads missed exactly `i` acknowledged writes (the last entry: at
    /// least [`K_MAX`]).
    pub k: Vec<u64>,
}

/// The reads that began `from_ms <= t < to_ms` after the newest acknowledged write.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TBucket {
    /// Lower bound, ms (inclusive).
    pub from_ms: u64,
    /// Upper bound, ms (exclusive); `None` for the last bucket.
    pub to_ms: Option<u64>,
    /// Reads in the bucket.
    pub reads: u64,
    /// Of those, consistent ones.
    pub consistent: u64,
}

/// What a probe measured at one `t`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeRow {
    /// The probe's levels, labelled as in [`LevelStaleness::label`].
    pub label: String,
    /// How long after the acknowledgement the read began, ms.
    pub t_ms: u64,
    /// Rounds whose write was acknowledged and whose read returned ok.
    pub probes: u64,
    /// Of those, reads that returned the write.
    pub fresh: u64,
}

impl TBucket {
    /// `0`, `3-4`, `1000+` (ms).
    pub fn label(&self) -> String {
        match self.to_ms {
            Some(to) if to == self.from_ms + 1 => self.from_ms.to_string(),
            Some(to) => format!("{}-{}", self.from_ms, to - 1),
            None => format!("{}+", self.from_ms),
        }
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.2}%", 100.0 * part as f64 / whole as f64)
    }
}

impl LevelStaleness {
    /// The column title: `ONE N=3 R=1 W=1`.
    pub fn title(&self) -> String {
        format!("{} N={} R={} W={}", self.label, self.n, self.r, self.w)
    }

    /// The share of reads at most `k` versions behind, as text.
    fn at_most(&self, k: usize) -> String {
        let within: u64 = self.k.iter().take(k + 1).sum();
        percent(within, self.reads)
    }
}

impl Staleness {
    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.levels.iter().all(|l| l.reads == 0) && self.probes.is_empty()
    }

    /// The levels with judged reads, the tables' columns: at most `limit`, those with the most
    /// reads, in their own order.
    fn shown(&self, limit: usize) -> Vec<&LevelStaleness> {
        let mut judged: Vec<(usize, &LevelStaleness)> =
            self.levels.iter().filter(|l| l.reads > 0).enumerate().collect();
        judged.sort_by_key(|(i, l)| (std::cmp::Reverse(l.reads), *i));
        judged.truncate(limit);
        judged.sort_by_key(|(i, _)| *i);
        judged.into_iter().map(|(_, l)| l).collect()
    }

    /// The rows of the t-visibility and k-staleness tables: a first column and one cell per
    /// level of `shown`.
    fn rows(&self, shown: &[&LevelStaleness]) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
        let buckets = shown.first().map_or(&[][..], |l| &l.t[..]);
        let mut t_rows = vec![];
        for (i, b) in buckets.iter().enumerate() {
            if shown.iter().all(|l| l.t.get(i).is_none_or(|x| x.reads == 0)) {
                continue;
            }
            let mut row = vec![b.label()];
            for l in shown {
                let x = l.t.get(i).cloned().unwrap_or_default();
                row.push(format!("{} of {}", percent(x.consistent, x.reads), x.reads));
            }
            t_rows.push(row);
        }
        let k_rows = K_SHOWN.iter().map(|&k| {
            let first = if k == K_SHOWN[0] { "0 (consistent)".to_string() } else { format!("at most {k}") };
            std::iter::once(first).chain(shown.iter().map(|l| l.at_most(k))).collect()
        });
        (t_rows, k_rows.collect())
    }

    /// Probe results by label: `(label, [(t, probes, fresh)])`.
    fn probe_groups(&self) -> Vec<(&str, Vec<&ProbeRow>)> {
        let mut groups: Vec<(&str, Vec<&ProbeRow>)> = vec![];
        for p in &self.probes {
            match groups.iter_mut().find(|g| g.0 == p.label) {
                Some(g) => g.1.push(p),
                None => groups.push((&p.label, vec![p])),
            }
        }
        groups
    }

    /// The tables as Markdown, for `summary.md`.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let shown = self.shown(usize::MAX);
        let (t_rows, k_rows) = self.rows(&shown);
        let titles: Vec<String> = shown.iter().map(|l| l.title()).collect();
        let head = |first: &str| {
            let mut h = format!("| {first} | {} |\n|---|", titles.join(" | "));
            h.push_str(&"---:|".repeat(titles.len()));
            h
        };
        if !t_rows.is_empty() {
            let _ = writeln!(s, "t-visibility: consistent reads among those that began t ms after the newest acknowledged write to their key\n");
            let _ = writeln!(s, "{}", head("t (ms)"));
            for row in &t_rows {
                let _ = writeln!(s, "| {} |", row.join(" | "));
            }
            let _ = writeln!(s, "\nk-staleness: reads at most k acknowledged versions behind\n");
            let _ = writeln!(s, "{}", head("k"));
            for row in &k_rows {
                let _ = writeln!(s, "| {} |", row.join(" | "));
            }
        }
        for (label, rows) in self.probe_groups() {
            let _ = writeln!(s, "\nprobe {label}: reads of a fresh write, t ms after its acknowledgement\n");
            let _ = writeln!(s, "| t (ms) | fresh | rounds |\n|---:|---:|---:|");
            for p in rows {
                let _ = writeln!(s, "| {} | {} | {} |", p.t_ms, percent(p.fresh, p.probes), p.probes);
            }
        }
        s
    }

    /// The tables as aligned plain text, for the terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let shown = self.shown(TEXT_COLUMNS_MAX);
        let (t_rows, k_rows) = self.rows(&shown);
        let titles: Vec<String> = shown.iter().map(|l| l.title()).collect();
        let width = titles.iter().map(String::len).max().unwrap_or(0).max(18);
        let line = |s: &mut String, first: &str, cells: &[String]| {
            let _ = write!(s, "  {first:<16}");
            for c in cells {
                let _ = write!(s, "  {c:>width$}");
            }
            s.push('\n');
        };
        if !t_rows.is_empty() {
            let _ = writeln!(
                s,
                "staleness (PBS): consistent reads by t, ms after the newest acknowledged write to the key"
            );
            line(&mut s, "t (ms)", &titles);
            for row in &t_rows {
                line(&mut s, &row[0], &row[1..]);
            }
            let judged = self.levels.iter().filter(|l| l.reads > 0).count();
            if judged > shown.len() {
                let _ =
                    writeln!(s, "  ({} more pairs of levels, with fewer reads, in summary.md)", judged - shown.len());
            }
            let _ = writeln!(s, "staleness (PBS): reads at most k acknowledged versions behind");
            line(&mut s, "k", &titles);
            for row in &k_rows {
                line(&mut s, &row[0], &row[1..]);
            }
        }
        for (label, rows) in self.probe_groups() {
            let cells: Vec<String> =
                rows.iter().map(|p| format!("t={}ms {} of {}", p.t_ms, percent(p.fresh, p.probes), p.probes)).collect();
            let _ = writeln!(s, "probe {label}: fresh reads {}", cells.join(", "));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary's staleness for tests: ONE with some stale reads, and one probe.
    pub(crate) fn sample() -> Staleness {
        let bucket = |from_ms, to_ms, reads, consistent| TBucket { from_ms, to_ms, reads, consistent };
        Staleness {
            levels: vec![LevelStaleness {
                label: "ONE".into(),
                n: 3,
                r: 1,
                w: 1,
                reads: 100,
                consistent: 90,
                unjudged: 4,
                t: vec![
                    bucket(0, Some(1), 20, 12),
                    bucket(1, Some(2), 0, 0),
                    bucket(3, Some(5), 80, 78),
                    bucket(1000, None, 0, 0),
                ],
                k: vec![90, 8, 2, 0, 0, 0, 0, 0, 0, 0, 0],
            }],
            probes: vec![ProbeRow { label: "ONE".into(), t_ms: 1, probes: 10, fresh: 4 }],
        }
    }

    #[test]
    fn tables_show_the_buckets_with_reads_and_cumulative_k() {
        let s = sample();
        let md = s.to_markdown();
        assert!(md.contains("| t (ms) | ONE N=3 R=1 W=1 |\n|---|---:|"), "{md}");
        assert!(md.contains("| 0 | 60.00% of 20 |"), "{md}");
        assert!(md.contains("| 3-4 | 97.50% of 80 |"), "{md}");
        assert!(!md.contains("of 0 |"), "empty buckets are left out: {md}");
        assert!(md.contains("| 0 (consistent) | 90.00% |") && md.contains("| at most 1 | 98.00% |"), "{md}");
        assert!(md.contains("| 1 | 40.00% | 10 |"), "{md}");
        let text = s.to_text();
        assert!(text.contains("probe ONE: fresh reads t=1ms 40.00% of 10"), "{text}");
        assert!(!Staleness::default().to_text().contains("staleness"));
        assert_eq!(TBucket { from_ms: 1000, to_ms: None, reads: 0, consistent: 0 }.label(), "1000+");
    }
}
