//! Cost of retraining the scaling predictor at its default window (issue 13's target: under
//! 1 ms per fit). Fills a default-config predictor with a noisy daily cycle sampled every
//! 15 minutes (256 samples span 64 hours, so the seasonal terms are fitted: the costliest
//! model), then times batches of fits with the wall clock (this is outside any simulation).
//!
//!     cargo run --release -p clustersim-nodes --example predictor_fit [FITS]

use std::f64::consts::TAU;
use std::time::Instant;

use nodes::capacity::{PredictorConfig, ScalingPredictor};

fn main() {
    let fits: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let config = PredictorConfig::default();
    let window = config.window_samples_max as u64;
    let mut p = ScalingPredictor::new(config);
    const STEP_MS: u64 = 900_000;
    for i in 0..window {
        let x = TAU * (i * STEP_MS) as f64 / 86_400_000.0;
        let load = 100.0 + 60.0 * x.sin() + 15.0 * (2.0 * x).cos() + 3.0 * (i as f64 * 12.9898).sin();
        p.observe(i * STEP_MS, load).expect("valid sample");
    }
    let m = p.fit().clone();
    assert!(m.fallback.is_none() && m.harmonics_used > 0, "a seasonal fit: {m:?}");
    let batches = 10;
    let per_batch = (fits / batches).max(1);
    let mut batch_us = Vec::new();
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..per_batch {
            std::hint::black_box(p.fit());
        }
        batch_us.push(start.elapsed().as_secs_f64() * 1e6 / f64::from(per_batch));
    }
    batch_us.sort_by(f64::total_cmp);
    println!(
        "predictor fit: window {window} samples, {} harmonics, holdout {:.0}%: {} fits, \
         median {:.1} µs/fit (fastest batch {:.1}, slowest {:.1}); R² on holdout {:.4}",
        m.harmonics_used,
        p.config().holdout_fraction * 100.0,
        per_batch * batches,
        batch_us[batch_us.len() / 2],
        batch_us[0],
        batch_us[batch_us.len() - 1],
        m.r2_holdout.unwrap_or(f64::NAN),
    );
}
