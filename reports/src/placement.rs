//! Where shards lived over the run (primary, its zone, replica set) and the voter set over
//! time: summary.json sections and terminal text (`html.rs` draws the tables, `plot/placement.rs`
//! the timeline).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

/// Most moved shards listed in `summary.json`.
pub const LISTED_SHARDS_MAX: usize = 200;
/// Most spans listed per shard; the rest are counted in `spans_more`.
pub const SPANS_MAX: usize = 24;
/// Most voter changes listed.
pub const VOTER_CHANGES_MAX: usize = 50;
/// Most moved shards the terminal summary shows.
pub const TEXT_SHARDS_MAX: usize = 8;

/// Shard placement over the run: how many shards moved, and the spans of the first ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementSummary {
    /// Shards in the run.
    pub shards: u32,
    /// Shards whose primary or replica set changed after the start (a node regaining a shard
    /// it held before is no change).
    pub moved: u32,
    /// The first [`LISTED_SHARDS_MAX`] moved shards, by shard number.
    pub listed: Vec<ShardPlacement>,
    /// The shards' classes as they ran, when they differ (`0-5 strong N=5, the other 10
    /// eventual N=3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<String>,
}

/// One shard's placement over time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardPlacement {
    /// The shard.
    pub shard: u32,
    /// Its first [`SPANS_MAX`] spans, in time order, from 0 to the end of the run.
    pub spans: Vec<PlacementSpan>,
    /// Spans left out after those.
    #[serde(default)]
    pub spans_more: u32,
}

/// A stretch of time with one primary and one replica set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementSpan {
    /// Start, simulated ms.
    pub from_ms: u64,
    /// End (exclusive), simulated ms.
    pub to_ms: u64,
    /// The primary's name (`None`: nobody held the shard).
    pub primary: Option<String>,
    /// The primary's zone.
    pub zone: Option<String>,
    /// The replica set, by node name.
    pub replicas: Vec<String>,
}

/// The voter set over time, as leaders proposed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VotersSummary {
    /// The first set proposed.
    pub first: VoterSet,
    /// Changes after the first.
    pub changes: u32,
    /// The first [`VOTER_CHANGES_MAX`] changes.
    pub listed: Vec<VoterSet>,
    /// The last set proposed.
    pub last: VoterSet,
}

/// A voter set and when a leader proposed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterSet {
    /// Simulated time of the proposal.
    pub at_ms: u64,
    /// The voters, by node name.
    pub set: Vec<String>,
}

/// Milliseconds as seconds with at most two decimals: `0`, `6.03`, `12.5`.
pub fn seconds(ms: u64) -> String {
    let s = format!("{:.2}", ms as f64 / 1000.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl ShardPlacement {
    /// The primaries in order, spans under one primary merged, spans without one left out:
    /// `n1(az-a) 0.31-6.03s, n5(az-c) 6.11s-end` (`end_ms` is the run's end).
    pub fn primaries_text(&self, end_ms: u64) -> String {
        let mut runs: Vec<(&str, Option<&str>, u64, u64)> = Vec::new();
        for s in &self.spans {
            let Some(p) = &s.primary else { continue };
            match runs.last_mut() {
                Some(last) if last.0 == p && last.3 == s.from_ms => last.3 = s.to_ms,
                _ => runs.push((p, s.zone.as_deref(), s.from_ms, s.to_ms)),
            }
        }
        if runs.is_empty() {
            return "no primary".into();
        }
        let parts: Vec<String> = runs
            .iter()
            .map(|&(p, zone, from, to)| {
                let zone = zone.map_or(String::new(), |z| format!("({z})"));
                let to = if to >= end_ms { "end".to_string() } else { format!("{}s", seconds(to)) };
                format!("{p}{zone} {}-{to}", seconds(from))
            })
            .collect();
        let more = if self.spans_more > 0 { format!(" (+{} spans)", self.spans_more) } else { String::new() };
        parts.join(", ") + &more
    }

    /// `replicas n1,n2,n3 -> n5,n1,n2` when the replica set changed (first and last set), else
    /// empty.
    pub fn replicas_text(&self) -> String {
        match (self.spans.first(), self.spans.last()) {
            (Some(a), Some(b)) if self.spans.iter().any(|s| s.replicas != a.replicas) => {
                format!("replicas {} -> {}", a.replicas.join(","), b.replicas.join(","))
            }
            _ => String::new(),
        }
    }
}

impl VoterSet {
    /// `n1,n2,n3 at 0.35s`.
    pub fn text(&self) -> String {
        format!("{} at {}s", self.set.join(","), seconds(self.at_ms))
    }
}

/// The `placement:` block (empty when no shard moved) and the `voters:` line (none when no
/// voters were recorded) for the terminal.
pub fn text(p: &PlacementSummary, voters: Option<&VotersSummary>, end_ms: u64) -> String {
    let mut s = String::new();
    if p.moved > 0 {
        let _ = writeln!(s, "\nplacement: {} of {} shards moved (primary or replica set changed)", p.moved, p.shards);
        for shard in p.listed.iter().take(TEXT_SHARDS_MAX) {
            let replicas = shard.replicas_text();
            let sep = if replicas.is_empty() { "" } else { "; " };
            let _ = writeln!(s, "  shard {}: {}{sep}{replicas}", shard.shard, shard.primaries_text(end_ms));
        }
        let shown = p.listed.len().min(TEXT_SHARDS_MAX) as u32;
        if p.moved > shown {
            let _ = writeln!(s, "  ... and {} more", p.moved - shown);
        }
    }
    if let Some(v) = voters {
        let _ = match v.changes {
            0 => writeln!(s, "voters: {} (no change)", v.first.text()),
            n => {
                let noun = if n == 1 { "change" } else { "changes" };
                writeln!(s, "voters: {}; {n} {noun}, last {}", v.first.text(), v.last.text())
            }
        };
    }
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn span(from_ms: u64, to_ms: u64, primary: Option<(&str, &str)>, replicas: &[&str]) -> PlacementSpan {
        PlacementSpan {
            from_ms,
            to_ms,
            primary: primary.map(|p| p.0.to_string()),
            zone: primary.map(|p| p.1.to_string()),
            replicas: replicas.iter().map(|r| r.to_string()).collect(),
        }
    }

    /// Shard 5: n1 until a transfer at 6.03 s, nobody until 6.11 s, then n5 to the end (10 s).
    pub(crate) fn moved_shard() -> ShardPlacement {
        ShardPlacement {
            shard: 5,
            spans: vec![
                span(0, 310, None, &["n1", "n2", "n3"]),
                span(310, 6_030, Some(("n1", "az-a")), &["n1", "n2", "n3"]),
                span(6_030, 6_110, None, &["n5", "n1", "n2"]),
                span(6_110, 10_000, Some(("n5", "az-c")), &["n5", "n1", "n2"]),
            ],
            spans_more: 0,
        }
    }

    #[test]
    fn a_moved_shard_reads_as_its_primaries_and_replica_sets() {
        let p = PlacementSummary { shards: 16, moved: 1, listed: vec![moved_shard()], classes: None };
        let set = |at_ms, s: &[&str]| VoterSet { at_ms, set: s.iter().map(|x| x.to_string()).collect() };
        let v = VotersSummary {
            first: set(350, &["n1", "n2", "n3"]),
            changes: 1,
            listed: vec![set(7_000, &["n1", "n3", "n4"])],
            last: set(7_000, &["n1", "n3", "n4"]),
        };
        let t = text(&p, Some(&v), 10_000);
        assert!(t.contains("placement: 1 of 16 shards moved"), "{t}");
        assert!(t.contains("shard 5: n1(az-a) 0.31-6.03s, n5(az-c) 6.11-end; replicas n1,n2,n3 -> n5,n1,n2"), "{t}");
        assert!(t.contains("voters: n1,n2,n3 at 0.35s; 1 change, last n1,n3,n4 at 7s"), "{t}");
    }

    #[test]
    fn nothing_moved_prints_no_block_and_no_voters_no_line() {
        let p = PlacementSummary { shards: 16, moved: 0, listed: vec![], classes: None };
        assert_eq!(text(&p, None, 10_000), "");
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(12_500), "12.5");
    }

    #[test]
    fn the_sections_round_trip_through_json() {
        let p = PlacementSummary { shards: 16, moved: 1, listed: vec![moved_shard()], classes: None };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<PlacementSummary>(&json).unwrap(), p);
    }
}
