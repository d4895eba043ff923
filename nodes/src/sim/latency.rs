//! Latency distributions for simulated links.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Upper bound for a single sampled delay, so heavy tails cannot stall a run forever.
pub const LATENCY_MS_MAX: f64 = 60_000.0;

/// A one-way link delay distribution, in milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Latency {
    /// Always the same delay.
    Constant { ms: f64 },
    /// Uniform between `lo_ms` and `hi_ms`.
    Uniform { lo_ms: f64, hi_ms: f64 },
    /// `min_ms` plus an exponential tail with mean `mean_ms`.
    Exponential { min_ms: f64, mean_ms: f64 },
    /// Pareto with scale (minimum) `scale_ms` and tail index `shape`: a heavy tail.
    Pareto { scale_ms: f64, shape: f64 },
    /// A weighted mixture: pick a component by weight, then sample it.
    Mixture(Vec<(f64, Latency)>),
}

impl Latency {
    /// Draws one delay in milliseconds, clamped to `[0, LATENCY_MS_MAX]`.
    pub fn sample_ms(&self, rng: &mut ChaCha8Rng) -> f64 {
        let ms = match self {
            Latency::Constant { ms } => *ms,
            Latency::Uniform { lo_ms, hi_ms } => {
                if hi_ms > lo_ms {
                    rng.random_range(*lo_ms..*hi_ms)
                } else {
                    *lo_ms
                }
            }
            Latency::Exponential { min_ms, mean_ms } => {
                let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
                min_ms - mean_ms * u.ln()
            }
            Latency::Pareto { scale_ms, shape } => {
                let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
                scale_ms * u.powf(-1.0 / shape)
            }
            Latency::Mixture(parts) => {
                let Some((_, last)) = parts.last() else { return 0.0 };
                let total: f64 = parts.iter().map(|p| p.0).sum();
                // Validation refuses weights that sum to infinity or NaN; should one slip
                // through, the last part is taken rather than panicking in `random_range`.
                if !total.is_finite() {
                    return last.sample_ms(rng);
                }
                let mut pick = rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
                let mut chosen = last;
                for (weight, part) in parts {
                    if pick < *weight {
                        chosen = part;
                        break;
                    }
                    pick -= weight;
                }
                chosen.sample_ms(rng)
            }
        };
        ms.clamp(0.0, LATENCY_MS_MAX)
    }

    /// The mean delay in milliseconds (infinite for Pareto with shape <= 1).
    pub fn mean_ms(&self) -> f64 {
        match self {
            Latency::Constant { ms } => *ms,
            Latency::Uniform { lo_ms, hi_ms } => (lo_ms + hi_ms) / 2.0,
            Latency::Exponential { min_ms, mean_ms } => min_ms + mean_ms,
            Latency::Pareto { scale_ms, shape } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale_ms / (shape - 1.0)
                }
            }
            Latency::Mixture(parts) => {
                let total: f64 = parts.iter().map(|p| p.0).sum();
                parts.iter().map(|(w, l)| w * l.mean_ms()).sum::<f64>() / total
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn mean_of(l: &Latency) -> f64 {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        (0..20_000).map(|_| l.sample_ms(&mut rng)).sum::<f64>() / 20_000.0
    }

    #[test]
    fn sample_means_match_distribution_means() {
        let cases = [
            Latency::Constant { ms: 3.0 },
            Latency::Uniform { lo_ms: 1.0, hi_ms: 5.0 },
            Latency::Exponential { min_ms: 1.0, mean_ms: 4.0 },
            Latency::Pareto { scale_ms: 1.0, shape: 3.0 },
            Latency::Mixture(vec![(0.9, Latency::Constant { ms: 1.0 }), (0.1, Latency::Constant { ms: 100.0 })]),
        ];
        for l in cases {
            let (got, want) = (mean_of(&l), l.mean_ms());
            assert!((got - want).abs() / want < 0.05, "{l:?}: sampled {got}, expected {want}");
        }
    }

    #[test]
    fn a_mixture_whose_weights_overflow_does_not_panic() {
        let l =
            Latency::Mixture(vec![(1.5e308, Latency::Constant { ms: 1.0 }), (1.5e308, Latency::Constant { ms: 2.0 })]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(l.sample_ms(&mut rng), 2.0);
        assert_eq!(Latency::Mixture(vec![]).sample_ms(&mut rng), 0.0);
    }

    #[test]
    fn samples_are_clamped() {
        let l = Latency::Pareto { scale_ms: 1000.0, shape: 0.1 };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| l.sample_ms(&mut rng) <= LATENCY_MS_MAX));
    }
}
