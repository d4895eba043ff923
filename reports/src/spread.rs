//! Load spread across coordinators: how many operations each node coordinated, and how evenly
//! (coefficient of variation, max/mean), under the run's balancer strategy.

use serde::{Deserialize, Serialize};

/// Requests coordinated per node and their spread.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadSpread {
    /// The balancer strategy of the run (`random`, `power_of_two`, ...).
    pub strategy: String,
    /// Operations coordinated by each storage node, by address (operations that reached no
    /// coordinator are not counted).
    pub per_node: Vec<u64>,
    /// Standard deviation over mean of `per_node` (0 when nothing was coordinated).
    pub cv: f64,
    /// Largest count over the mean (1 is perfectly even; 0 when nothing was coordinated).
    pub max_over_mean: f64,
}

impl LoadSpread {
    /// The spread of `per_node` under `strategy`.
    pub fn new(strategy: &str, per_node: Vec<u64>) -> Self {
        let n = per_node.len().max(1) as f64;
        let mean = per_node.iter().sum::<u64>() as f64 / n;
        let (cv, max_over_mean) = if mean > 0.0 {
            let var = per_node.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / n;
            let max = per_node.iter().copied().max().unwrap_or(0) as f64;
            (var.sqrt() / mean, max / mean)
        } else {
            (0.0, 0.0)
        };
        LoadSpread { strategy: strategy.to_string(), per_node, cv, max_over_mean }
    }

    /// One line: `coordinators (power_of_two): 120 118 131 ...; cv 0.05, max/mean 1.09`.
    pub fn text(&self) -> String {
        let counts: Vec<String> = self.per_node.iter().map(u64::to_string).collect();
        format!(
            "coordinators ({}): {} per node; cv {:.3}, max/mean {:.2}",
            self.strategy,
            counts.join(" "),
            self.cv,
            self.max_over_mean
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_load_has_no_spread_and_one_hot_node_shows() {
        let even = LoadSpread::new("round_robin", vec![10, 10, 10, 10]);
        assert_eq!((even.cv, even.max_over_mean), (0.0, 1.0));
        let hot = LoadSpread::new("random", vec![0, 0, 0, 40]);
        assert!((hot.cv - 3f64.sqrt()).abs() < 1e-9);
        assert_eq!(hot.max_over_mean, 4.0);
        assert_eq!(LoadSpread::new("random", vec![0, 0]).cv, 0.0);
        assert!(hot.text().contains("coordinators (random): 0 0 0 40 per node; cv 1.732, max/mean 4.00"));
    }
}
