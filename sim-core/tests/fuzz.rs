//! The short fuzz run of the test suite: generated scenarios (valid bases mutated field by
//! field, see `sim_core::fuzz`) are each refused with a location or run cleanly, never panic,
//! and never run more operations or deliver more inputs than their budget estimated. The long
//! run, with wall time and peak memory per process, is `scripts/fuzz.sh`.

use sim_core::fuzz::{case, judge, Outcome};

/// Cases in the test suite's run; `scripts/fuzz.sh` runs 100,000.
const CASES: u64 = 400;
/// The suite's fixed seed (the script takes others).
const SEED: u64 = 16;

#[test]
fn generated_scenarios_are_refused_with_a_location_or_run_within_their_budget() {
    let (mut refused, mut ran, mut problems) = (0, 0, vec![]);
    for index in 0..CASES {
        let (text, what) = case(SEED, index);
        let outcome = judge(&text, index);
        match &outcome {
            Outcome::Refused { .. } => refused += 1,
            _ => ran += 1,
        }
        if let Some(problem) = outcome.problem() {
            problems.push(format!("case {index} ({what}): {problem}\n{text}"));
        }
    }
    println!("{CASES} cases: {refused} refused with a location, {ran} ran");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(refused > CASES / 10 && ran > CASES / 10, "both outcomes are exercised: {refused} refused, {ran} ran");
}
