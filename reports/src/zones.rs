//! The zone rebalancer's figures (`rebalance:`): Load Prediction Scores, the migrations it
//! recommended and how many leaders reported done, and the zone load spread and p99 latency
//! before its first recommendation and over the end of the run.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// One round of scores, for the table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoneRoundRow {
    /// Simulated time.
    pub at_ms: u64,
    /// Score by zone.
    pub scores: Vec<f64>,
    /// Lowest confidence over zones.
    pub confidence: f64,
    /// `az-a -> az-b x2`, or why nothing (`balanced`, `low_confidence`, `settling`).
    pub recommendation: String,
}

/// The rebalancer's summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ZoneSummary {
    /// Zone names.
    pub zones: Vec<String>,
    /// The zone the first recommendation relinquished (`None`: nothing was recommended).
    pub hot_zone: Option<String>,
    /// Its score then, and at the last round.
    pub hot_score_first: Option<f64>,
    pub hot_score_last: Option<f64>,
    /// Migrations requested, and those a leader reported done.
    pub recommended: u32,
    pub done: u32,
    /// Highest over mean zone load, over the interval before the first recommendation (or
    /// the first half of the run when there was none) and over the last interval.
    pub spread_before: f64,
    pub spread_after: f64,
    /// p99 latency of the operations completed in the same two windows (ms).
    pub p99_before_ms: Option<f64>,
    pub p99_after_ms: Option<f64>,
    /// Every round.
    pub rounds: Vec<ZoneRoundRow>,
}

impl ZoneSummary {
    /// The terminal line: `az-a 1.42 → 1.05, migrations recommended 6, done 6; ...`.
    pub fn headline(&self) -> String {
        let score = match (&self.hot_zone, self.hot_score_first, self.hot_score_last) {
            (Some(z), Some(a), Some(b)) => format!("{z} {a:.2} → {b:.2}, "),
            _ => "no zone hot, ".to_string(),
        };
        let p99 = |p: Option<f64>| p.map_or("-".to_string(), |p| format!("{p:.1} ms"));
        format!(
            "{score}migrations recommended {}, done {}; zone spread {:.2} → {:.2}; p99 {} → {}",
            self.recommended,
            self.done,
            self.spread_before,
            self.spread_after,
            p99(self.p99_before_ms),
            p99(self.p99_after_ms)
        )
    }

    /// The markdown section: the headline and the rounds.
    pub fn markdown(&self) -> String {
        let mut s = format!("## Zones\n\n{}\n\n| time s | ", self.headline());
        let _ = writeln!(s, "{} | confidence | recommendation |", self.zones.join(" | "));
        let _ = writeln!(s, "|---|{}---|---|", "---|".repeat(self.zones.len()));
        for r in &self.rounds {
            let scores: Vec<String> = r.scores.iter().map(|x| format!("{x:.2}")).collect();
            let _ = writeln!(
                s,
                "| {:.0} | {} | {:.2} | {} |",
                r.at_ms as f64 / 1000.0,
                scores.join(" | "),
                r.confidence,
                r.recommendation
            );
        }
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_names_the_hot_zone_and_the_figures() {
        let z = ZoneSummary {
            zones: vec!["az-a".into(), "az-b".into()],
            hot_zone: Some("az-a".into()),
            hot_score_first: Some(1.42),
            hot_score_last: Some(1.05),
            recommended: 6,
            done: 6,
            spread_before: 1.5,
            spread_after: 1.1,
            p99_before_ms: Some(20.0),
            p99_after_ms: None,
            rounds: vec![ZoneRoundRow {
                at_ms: 10_000,
                scores: vec![1.4, 0.6],
                confidence: 0.8,
                recommendation: "x".into(),
            }],
        };
        assert_eq!(
            z.headline(),
            "az-a 1.42 → 1.05, migrations recommended 6, done 6; zone spread 1.50 → 1.10; p99 20.0 ms → -"
        );
        assert!(z.markdown().contains("| 10 | 1.40 | 0.60 | 0.80 | x |"));
    }
}
