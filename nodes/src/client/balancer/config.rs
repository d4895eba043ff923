//! A balancer's settings: its strategy, window and back-off.

/// How a balancer chooses a coordinator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// Uniformly at random, the next in order after a refusal; no windows, no back-off.
    #[default]
    Random,
    /// Each in turn.
    RoundRobin,
    /// Fewest requests in flight (from the group's clients).
    LeastOutstanding,
    /// Two drawn at random, the better by health over requests in flight.
    PowerOfTwo,
    /// Drawn with probability proportional to the window-based health score.
    HealthWeighted,
    /// Fewest in flight among the healthy coordinators of the client's zone, else among all.
    ZoneAware,
}

impl Strategy {
    /// Every strategy, in the order the scenario README lists them.
    pub const ALL: [Strategy; 6] = [
        Strategy::Random,
        Strategy::RoundRobin,
        Strategy::LeastOutstanding,
        Strategy::PowerOfTwo,
        Strategy::HealthWeighted,
        Strategy::ZoneAware,
    ];

    /// Its name in scenarios and reports.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random => "random",
            Strategy::RoundRobin => "round_robin",
            Strategy::LeastOutstanding => "least_outstanding",
            Strategy::PowerOfTwo => "power_of_two",
            Strategy::HealthWeighted => "health_weighted",
            Strategy::ZoneAware => "zone_aware",
        }
    }
}

/// A balancer's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BalancerConfig {
    /// How it chooses.
    pub strategy: Strategy,
    /// Answers kept per coordinator.
    pub window: u32,
    /// How long an answer stays in a window (ms).
    pub window_ms: u64,
    /// Back-off after a coordinator's first error in a row (ms); doubled per further error.
    pub backoff_base_ms: u64,
    /// Longest back-off (ms).
    pub backoff_max_ms: u64,
}

impl Default for BalancerConfig {
    fn default() -> Self {
        BalancerConfig {
            strategy: Strategy::Random,
            window: 32,
            window_ms: 5_000,
            backoff_base_ms: 100,
            backoff_max_ms: 5_000,
        }
    }
}
