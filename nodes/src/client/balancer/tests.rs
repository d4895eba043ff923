use rand::SeedableRng;

use super::*;

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(1)
}

fn cfg(strategy: Strategy) -> BalancerConfig {
    BalancerConfig { strategy, ..BalancerConfig::default() }
}

/// Three coordinators 10, 20, 30 in zones 0, 1, 1.
fn lb(strategy: Strategy) -> LoadBalancer {
    LoadBalancer::new(cfg(strategy), &[(10, 0), (20, 1), (30, 1)])
}

#[test]
fn random_picks_among_the_coordinators_and_cycles_after_a_refusal() {
    let choice = Balancer::random(Arc::from([30, 10, 20]));
    let mut rng = rng();
    assert!((0..50).all(|_| [30, 10, 20].contains(&choice.pick(0, &mut rng))));
    let after = |a| choice.after(0, a, &mut rng.clone());
    assert_eq!((after(30), after(10), after(20)), (10, 20, 30));
}

#[test]
fn random_group_shares_nothing_and_draws_as_before() {
    let group = Balancer::group(cfg(Strategy::Random), &[(0, 0), (1, 1), (2, 2)]);
    let plain = Balancer::random(Arc::from([0, 1, 2]));
    let (mut a, mut b) = (rng(), rng());
    assert!(group.shared.is_none());
    assert!((0..100).all(|_| group.for_zone(1).pick(0, &mut a) == plain.pick(0, &mut b)));
}

#[test]
fn round_robin_takes_each_in_turn() {
    let mut b = lb(Strategy::RoundRobin);
    let picks: Vec<Addr> = (0..6).map(|_| b.pick(0, 0, None, &mut rng())).collect();
    assert_eq!(picks, [10, 20, 30, 10, 20, 30]);
}

#[test]
fn least_outstanding_takes_the_least_busy_and_rotates_ties() {
    let mut b = lb(Strategy::LeastOutstanding);
    let mut r = rng();
    assert_eq!([b.pick(0, 0, None, &mut r), b.pick(0, 0, None, &mut r), b.pick(0, 0, None, &mut r)], [10, 20, 30]);
    b.done(1, 20, Answer::Replied { latency_ms: 1 });
    assert_eq!(b.pick(1, 0, None, &mut r), 20, "the only one with nothing in flight");
    assert_eq!((b.outstanding(10), b.outstanding(20), b.outstanding(30)), (1, 1, 1));
}

#[test]
fn errors_back_off_exponentially_up_to_the_cap_and_a_reply_clears_it() {
    let mut b = LoadBalancer::new(
        BalancerConfig { backoff_base_ms: 100, backoff_max_ms: 350, ..cfg(Strategy::RoundRobin) },
        &[(10, 0), (20, 0)],
    );
    let mut ends = vec![];
    for _ in 0..4 {
        b.done(1_000, 10, Answer::Refused);
        ends.push(b.backoff_until(10));
    }
    assert_eq!(ends, [1_100, 1_200, 1_350, 1_350], "100, 200, then capped at 350");
    let mut r = rng();
    assert!((0..5).all(|_| b.pick(1_200, 0, None, &mut r) == 20), "backed off");
    assert_eq!(b.pick(1_350, 0, None, &mut r), 10, "free again once the back-off ends");
    b.done(1_401, 10, Answer::Replied { latency_ms: 3 });
    b.done(1_402, 10, Answer::Failed { latency_ms: 500 });
    assert_eq!(b.backoff_until(10), 1_502, "a reply resets the run of errors");
}

#[test]
fn a_retry_after_a_refusal_goes_elsewhere_and_all_backed_off_takes_the_soonest() {
    let mut b = lb(Strategy::LeastOutstanding);
    let mut r = rng();
    let first = b.pick(0, 0, None, &mut r);
    b.done(0, first, Answer::Refused);
    assert_ne!(b.pick(0, 0, Some(first), &mut r), first);
    let mut b = lb(Strategy::RoundRobin);
    b.done(0, 10, Answer::Refused);
    b.done(0, 10, Answer::Refused); // until 200
    b.done(0, 20, Answer::Refused); // until 100
    b.done(0, 30, Answer::Refused);
    b.done(0, 30, Answer::Refused); // until 200
    assert_eq!(b.pick(50, 0, None, &mut r), 20, "every one backed off: the soonest free");
    let mut alone = LoadBalancer::new(cfg(Strategy::PowerOfTwo), &[(7, 0)]);
    assert_eq!(alone.pick(0, 0, Some(7), &mut r), 7, "the only coordinator, even after it refused");
}

/// Coordinator 30 answers in 80 ms, the others in 5 ms: counts of 3000 picks.
fn spread_with_a_slow_one(strategy: Strategy) -> [u32; 3] {
    let mut b = lb(strategy);
    let mut r = rng();
    let mut counts = [0; 3];
    for t in 0..3_000u64 {
        let a = b.pick(t, 0, None, &mut r);
        counts[(a / 10 - 1) as usize] += 1;
        b.done(t, a, Answer::Replied { latency_ms: if a == 30 { 80 } else { 5 } });
    }
    counts
}

#[test]
fn health_weighted_and_power_of_two_send_less_to_a_slow_coordinator() {
    let [a, b, slow] = spread_with_a_slow_one(Strategy::HealthWeighted);
    assert!(slow * 5 < a.min(b), "health weight 5/80: {a} {b} {slow}");
    let [a, b, slow] = spread_with_a_slow_one(Strategy::PowerOfTwo);
    assert!(slow * 5 < a.min(b), "loses every draw it meets a fast one in: {a} {b} {slow}");
    assert_eq!(spread_with_a_slow_one(Strategy::RoundRobin), [1_000; 3], "round robin ignores latency");
}

#[test]
fn zone_aware_prefers_the_clients_zone_and_falls_back_when_it_is_unhealthy() {
    let mut b = lb(Strategy::ZoneAware);
    let mut r = rng();
    let picks: Vec<Addr> = (0..4).map(|_| b.pick(0, 1, None, &mut r)).collect();
    assert_eq!(picks, [20, 30, 20, 30], "zone 1 only, least in flight");
    assert_eq!(b.pick(0, 0, None, &mut r), 10);
    for t in 1..=2 {
        b.done(t, 10, Answer::Failed { latency_ms: 100 });
    }
    assert_ne!(b.pick(5_000, 0, None, &mut r), 10, "zone 0's only node is erroring: another zone");
    assert_eq!(b.pick(20_000, 0, None, &mut r), 10, "its errors left the window: home again");
}

#[test]
fn the_shared_balancer_sees_every_clients_requests() {
    let group = Balancer::group(cfg(Strategy::LeastOutstanding), &[(0, 0), (1, 0)]);
    let (c1, c2) = (group.for_zone(0), group.for_zone(0));
    let mut r = rng();
    let (a, b) = (c1.pick(0, &mut r), c2.pick(0, &mut r));
    assert_ne!(a, b, "the second client sees the first one's request in flight");
    c1.done(3, a, Answer::Replied { latency_ms: 3 });
    assert_eq!(c2.pick(3, &mut r), a);
}

#[test]
fn retargeting_keeps_what_it_knew_of_the_nodes_that_stay() {
    let mut group = Balancer::group(cfg(Strategy::LeastOutstanding), &[(0, 0), (1, 0), (2, 1)]);
    let mut r = rng();
    let busy = group.pick(0, &mut r);
    group.set_coordinators(Arc::from([busy, 5]));
    let shared = group.shared.clone().expect("shared");
    assert_eq!(Balancer::lock(&shared).outstanding(busy), 1, "kept its request in flight");
    assert_eq!(group.pick(1, &mut r), 5, "the new node has none");
    assert_eq!(group.coordinator_count(), 2);
    // A node that stays is found after skipping the ones that left before it.
    let mut group = Balancer::group(cfg(Strategy::LeastOutstanding), &[(0, 0), (1, 0), (2, 1)]);
    let mut picked: Vec<Addr> = (0..3).map(|_| group.pick(0, &mut r)).collect();
    picked.sort_unstable();
    assert_eq!(picked, [0, 1, 2], "one request in flight on each");
    group.set_coordinators(Arc::from([2, 5]));
    let shared = group.shared.clone().expect("shared");
    assert_eq!(Balancer::lock(&shared).outstanding(2), 1, "kept its request in flight");
    let mut plain = Balancer::random(Arc::from([0, 1]));
    plain.set_coordinators(Arc::from([4]));
    assert_eq!(plain.pick(0, &mut r), 4);
}

#[test]
fn power_of_two_sends_to_the_less_busy_of_two_equally_healthy_coordinators() {
    // Two coordinators, so both are always drawn: the one with requests in flight loses.
    let mut b = LoadBalancer::new(cfg(Strategy::PowerOfTwo), &[(10, 0), (20, 0)]);
    let mut r = rng();
    let first = b.pick(0, 0, None, &mut r);
    let idle = if first == 10 { 20 } else { 10 };
    for _ in 0..5 {
        assert_eq!(b.pick(0, 0, None, &mut r), idle, "{first} has a request in flight");
        b.done(0, idle, Answer::Replied { latency_ms: 1 });
    }
}
