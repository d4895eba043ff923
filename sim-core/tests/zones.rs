//! The zone rebalancer against its own dry run on the zone hot-spot scenario: acting moves
//! primaries off the hot zone, and the zone spread and the p99 at the end are lower.

use std::path::Path;
use std::sync::Arc;

use sim_core::drive::run_seed;
use sim_core::scenario;
use sim_core::zone_figures::summary;

#[test]
fn acting_on_recommendations_lowers_the_zone_spread_and_the_p99() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/capacity-zone-hot-spot.yaml");
    let on = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut off = on.clone();
    off.rebalance.as_mut().expect("the scenario rebalances").act = false;
    let figures = |s: scenario::model::Scenario| {
        let s = Arc::new(s);
        let interval_ms = s.rebalance.as_ref().expect("rebalance").interval_ms;
        let r = run_seed(&s, 3).expect("the run completes");
        assert_eq!(r.exit_code(), 0, "{:?}", r.verdicts.iter().filter(|v| !v.passed).collect::<Vec<_>>());
        summary(&r.history, interval_ms, s.duration_ms).expect("a zone summary")
    };
    let (on, off) = (figures(on), figures(off));
    assert_eq!(on.hot_zone.as_deref(), Some("az-a"));
    assert!(on.recommended >= 3 && on.done == on.recommended, "{on:?}");
    assert_eq!(off.recommended, 0);
    assert!(on.spread_after < 1.15 && off.spread_after > 1.3, "{} vs {}", on.spread_after, off.spread_after);
    assert!(on.p99_after_ms < off.p99_after_ms, "{:?} vs {:?}", on.p99_after_ms, off.p99_after_ms);
}
