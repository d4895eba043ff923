//! What the zone rebalancer saw and asked for: each round's Load Prediction Scores, its Shard
//! Migration Recommendation list, and the migrations it requested. Whether they were done is
//! judged from the leaders' migration reports (`History::migrations`), never from this log.

/// One zone's score in one round.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneScoreRecord {
    /// The newest observed load (busy node-equivalents).
    pub load: f64,
    /// Forecast mean load over the horizon.
    pub forecast: f64,
    /// Forecast over the mean forecast of the zones (1.0: average).
    pub score: f64,
    /// The predictor's confidence.
    pub confidence: f64,
}

/// One round: scores by zone, and the recommendation (or why there was none).
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneRound {
    /// Simulated time.
    pub at_ms: u64,
    /// By zone index.
    pub scores: Vec<ZoneScoreRecord>,
    /// `(from zone, to zone, primaries)`.
    pub moves: Vec<(u32, u32, u32)>,
    /// Why nothing was recommended (`balanced`, `low_confidence`, `settling`), if so.
    pub quiet: Option<&'static str>,
}

/// A migration the rebalancer requested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneMove {
    /// Simulated time of the request.
    pub at_ms: u64,
    /// Migration id (from [`ZONE_IDS`] up).
    pub id: u32,
    /// The shard.
    pub shard: u32,
    /// Its primary when requested, and the target.
    pub from: u32,
    pub to: u32,
}

/// Migration ids of the rebalancer's requests start here (timeline ones count from 0, the
/// leader's own from 2^31).
pub const ZONE_IDS: u32 = 1 << 30;

/// The rebalancer's log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneLog {
    /// Zone names by index.
    pub zones: Vec<String>,
    /// Per-zone loads sampled every second: `(time, load by zone)`.
    pub loads: Vec<(u64, Vec<f64>)>,
    /// Every evaluation, in time order.
    pub rounds: Vec<ZoneRound>,
    /// Every migration requested, in time order.
    pub requested: Vec<ZoneMove>,
}
