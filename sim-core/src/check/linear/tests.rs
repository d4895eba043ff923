//! The search against a brute-force checker on random histories, and the behaviours the
//! module promises: failed operations never took effect, unknown ones stay open, the failure
//! report, the step budget, keys checked apart, and importing errors.

use super::generate::{events, history, GenOp, Rng, Shape};
use super::*;
use crate::history::import::{self, EventType, Format};

/// The definition, literally: some order of the operations that must have taken effect (ok)
/// and any subset of those that may have (info), respecting real time, that a register
/// starting at nil accepts. No memoization, no pruning: a different algorithm.
fn brute_force(ops: &[GenOp]) -> bool {
    let candidates: Vec<&GenOp> = ops
        .iter()
        .filter(|o| {
            o.outcome != EventType::Fail && !(matches!(o.action, Action::Read(_)) && o.outcome != EventType::Ok)
        })
        .collect();
    assert!(candidates.len() < 32);
    fn search(c: &[&GenOp], done: u32, state: Value) -> bool {
        let must_left = c.iter().enumerate().any(|(i, o)| o.outcome == EventType::Ok && done & (1 << i) == 0);
        if !must_left {
            return true;
        }
        (0..c.len()).any(|i| {
            let free = done & (1 << i) == 0;
            // Every ok operation that completed before this one began must come first.
            let ready = c.iter().enumerate().all(|(j, p)| {
                done & (1 << j) != 0 || p.outcome != EventType::Ok || p.complete.is_none_or(|t| t > c[i].invoke)
            });
            free && ready && c[i].action.step(state).is_some_and(|s| search(c, done | (1 << i), s))
        })
    }
    search(&candidates, 0, NIL)
}

fn model_of(shape: &Shape) -> Model {
    match (shape.keys > 1, shape.cas) {
        (true, _) => Model::Kv,
        (false, true) => Model::CasRegister,
        (false, false) => Model::Register,
    }
}

/// Imports the generated history as events and checks every key.
fn searched(ops: &[GenOp], shape: &Shape) -> Vec<Searched> {
    let imported = import(&events(ops, shape.keys > 1), model_of(shape)).expect("generated histories import");
    imported.keys.iter().map(|k| check(&k.partition, STEPS_MAX_DEFAULT)).collect()
}

/// Compares the search with brute force on `count` histories from `seed`; returns how many
/// were linearizable and how many not.
fn agree(count: u64, seed: u64, max_ops: u64) -> (u64, u64) {
    let mut rng = Rng::new(seed);
    let (mut yes, mut no) = (0, 0);
    for round in 0..count {
        let shape = Shape {
            processes: 2 + rng.below(3) as u32,
            ops: 1 + rng.below(max_ops) as u32,
            keys: 1 + rng.below(2),
            values: 1 + rng.below(3) as u32,
            cas: rng.chance(0.5),
            p_info: 0.15,
            p_no_effect: 0.15,
            anomaly: rng.chance(0.6),
        };
        let ops = history(&shape, &mut rng);
        // Per key, as the definition of a map of registers has it.
        let expected =
            (0..shape.keys).all(|k| brute_force(&ops.iter().filter(|o| o.key == k).cloned().collect::<Vec<_>>()));
        let got = searched(&ops, &shape);
        let linearizable = got.iter().all(|s| s.answer == Answer::Linearizable);
        assert!(got.iter().all(|s| !matches!(s.answer, Answer::Unknown(_))));
        assert_eq!(linearizable, expected, "round {round} of seed {seed}: {shape:?}\n{ops:#?}");
        if expected {
            yes += 1
        } else {
            no += 1
        }
    }
    (yes, no)
}

#[test]
fn the_search_agrees_with_brute_force_on_thousands_of_small_histories() {
    let (yes, no) = agree(4_000, 1, 8);
    eprintln!("4000 histories agree: {yes} linearizable, {no} not");
    // Both answers are common, so the comparison tests something.
    assert!(yes > 1_000 && no > 500, "{yes} linearizable, {no} not");
}

/// The long version (`cargo test --release -p clustersim -- --ignored brute_force`).
#[test]
#[ignore]
fn brute_force_agreement_long() {
    let (yes, no) = agree(1_000_000, 7, 11);
    eprintln!("1000000 histories agree: {yes} linearizable, {no} not");
}

#[test]
fn checking_keys_on_several_threads_gives_the_same_answers_in_the_same_order() {
    let mut rng = Rng::new(5);
    let shape = Shape {
        processes: 8,
        ops: 3_000,
        keys: 40,
        values: 2,
        cas: true,
        p_info: 0.1,
        p_no_effect: 0.1,
        anomaly: true,
    };
    let mut ops = history(&shape, &mut rng);
    // A few more anomalies, on several keys.
    for op in ops.iter_mut().filter(|o| matches!(o.action, Action::Read(_))).step_by(97) {
        op.action = Action::Read(3);
    }
    let h = import(&events(&ops, true), Model::Kv).unwrap();
    let parts: Vec<&Partition> = h.keys.iter().map(|k| &k.partition).collect();
    let one = check_each(&parts, STEPS_MAX_DEFAULT, 1);
    assert_eq!(check_each(&parts, STEPS_MAX_DEFAULT, 3), one);
    assert!(one.iter().any(|s| s.answer == Answer::Linearizable));
    assert!(one.iter().any(|s| matches!(s.answer, Answer::NotLinearizable(_))));
}

#[test]
fn histories_without_anomalies_are_linearizable_and_large_ones_are_fast_to_decide() {
    let mut rng = Rng::new(3);
    for keys in [1, 50] {
        let shape = Shape {
            processes: 10,
            ops: 5_000,
            keys,
            values: 0,
            cas: true,
            p_info: 0.05,
            p_no_effect: 0.05,
            anomaly: false,
        };
        let ops = history(&shape, &mut rng);
        for s in searched(&ops, &shape) {
            assert_eq!(s.answer, Answer::Linearizable);
            // Nothing is timed; the step count says the search went nearly straight through.
            assert!(s.steps < 40 * 5_000, "{} steps", s.steps);
        }
    }
}

fn edn(text: &str, model: Model) -> Imported {
    import(&import::events(text, Format::Edn).expect("valid EDN"), model).expect("a valid history")
}

fn answer(text: &str, model: Model) -> Answer {
    let h = edn(text, model);
    let answers: Vec<Answer> = h.keys.iter().map(|k| check(&k.partition, 1_000_000).answer).collect();
    answers.into_iter().find(|a| *a != Answer::Linearizable).unwrap_or(Answer::Linearizable)
}

#[test]
fn a_stale_read_is_caught_with_the_longest_prefix_and_the_operation_that_cannot_be_placed() {
    let text = "\
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 1, :type :invoke, :f :write, :value 2}
{:process 1, :type :ok, :f :write, :value 2}
{:process 2, :type :invoke, :f :read, :value nil}
{:process 2, :type :ok, :f :read, :value 1}
";
    let events = import::events(text, Format::Edn).unwrap();
    let h = import(&events, Model::Register).unwrap();
    let Answer::NotLinearizable(stuck) = check(&h.keys[0].partition, 1_000).answer else { panic!() };
    let blocked = &h.ops[stuck.blocked.unwrap() as usize];
    assert_eq!((blocked.f, blocked.complete.map(|c| events[c].line)), (imported::Function::Read, Some(6)));
    assert_eq!(h.key_value(&events, blocked, Model::Register).1.to_string(), "1");
    // The first five events are linearizable; then the register can only hold 2.
    assert_eq!(stuck.prefix_events, 5);
    assert_eq!(stuck.states.iter().map(|&v| h.values[v as usize].to_string()).collect::<Vec<_>>(), ["2"]);
}

#[test]
fn failed_operations_never_took_effect_and_unknown_ones_may_have() {
    let read_after = |kind: &str, value: &str| {
        format!(
            "{{:process 0, :type :invoke, :f :write, :value 1}}\n{{:process 0, :type :{kind}, :f :write, :value 1}}\n\
             {{:process 1, :type :invoke, :f :read, :value nil}}\n{{:process 1, :type :ok, :f :read, :value {value}}}\n"
        )
    };
    assert_eq!(answer(&read_after("ok", "1"), Model::Register), Answer::Linearizable);
    assert!(matches!(answer(&read_after("fail", "1"), Model::Register), Answer::NotLinearizable(_)));
    assert_eq!(answer(&read_after("fail", "nil"), Model::Register), Answer::Linearizable);
    // Unknown: either may be true.
    assert_eq!(answer(&read_after("info", "1"), Model::Register), Answer::Linearizable);
    assert_eq!(answer(&read_after("info", "nil"), Model::Register), Answer::Linearizable);
    // An unknown write may take effect long after it was invoked, even after later reads.
    let late = "\
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :info, :f :write, :value 1}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value nil}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 1, :type :ok, :f :read, :value 1}
";
    assert_eq!(answer(late, Model::Register), Answer::Linearizable);
    // ... but once observed, it cannot be undone.
    let undone = format!(
        "{late}{{:process 1, :type :invoke, :f :read, :value nil}}\n{{:process 1, :type :ok, :f :read, :value nil}}\n"
    );
    assert!(matches!(answer(&undone, Model::Register), Answer::NotLinearizable(_)));
}

#[test]
fn cas_takes_effect_only_from_its_expected_value() {
    let text = "\
{:process 0, :type :invoke, :f :write, :value 1}
{:process 0, :type :ok, :f :write, :value 1}
{:process 0, :type :invoke, :f :cas, :value [1 2]}
{:process 0, :type :ok, :f :cas, :value [1 2]}
{:process 1, :type :invoke, :f :cas, :value [1 3]}
{:process 1, :type :ok, :f :cas, :value [1 3]}
";
    assert!(matches!(answer(text, Model::CasRegister), Answer::NotLinearizable(_)));
    let failed = text.replace(":type :ok, :f :cas, :value [1 3]", ":type :fail, :f :cas, :value [1 3]");
    assert_eq!(answer(&failed, Model::CasRegister), Answer::Linearizable);
}

#[test]
fn keys_are_checked_apart_and_tuples_name_them() {
    // Each key alone is linearizable; read as one register it would not be.
    let text = "\
{:process 0, :type :invoke, :f :write, :value [a 1]}
{:process 0, :type :ok, :f :write, :value [a 1]}
{:process 1, :type :invoke, :f :write, :value [b 2]}
{:process 1, :type :ok, :f :write, :value [b 2]}
{:process 2, :type :invoke, :f :read, :value [a nil]}
{:process 2, :type :ok, :f :read, :value [a 1]}
";
    let h = edn(text, Model::Kv);
    assert_eq!(h.keys.len(), 2);
    assert_eq!(answer(text, Model::Kv), Answer::Linearizable);
    let bad = text.replace(":type :ok, :f :read, :value [a 1]", ":type :ok, :f :read, :value [a 9]");
    assert!(matches!(answer(&bad, Model::Kv), Answer::NotLinearizable(_)));
}

#[test]
fn the_budget_gives_unknown_never_a_hang() {
    let mut rng = Rng::new(11);
    let shape = Shape {
        processes: 10,
        ops: 2_000,
        keys: 1,
        values: 2,
        cas: false,
        p_info: 0.2,
        p_no_effect: 0.0,
        anomaly: false,
    };
    let ops = history(&shape, &mut rng);
    let h = import(&events(&ops, false), Model::Register).unwrap();
    let s = check(&h.keys[0].partition, 50);
    assert!(matches!(s.answer, Answer::Unknown(_)), "{:?}", s.answer);
    assert_eq!(s.steps, 50);
    // The same budget gives the same answer every time.
    assert_eq!(check(&h.keys[0].partition, 50), s);
}

#[test]
fn malformed_histories_name_the_line() {
    let err = |text: &str, model: Model| import(&import::events(text, Format::Edn).unwrap(), model).unwrap_err();
    let e = err("{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}\n", Model::Register);
    assert_eq!(e.line, 2);
    assert!(e.message.contains("before its previous one (invoked on line 1)"), "{e}");
    assert_eq!(err("{:process 3, :type :ok, :f :read, :value 1}\n", Model::Register).line, 1);
    assert!(err("{:process 0, :type :invoke, :f :cas, :value [1 2]}\n", Model::Register)
        .message
        .contains("read and write"));
    assert!(err("{:process 0, :type :invoke, :f :cas, :value 7}\n", Model::CasRegister)
        .message
        .contains("[expected new]"));
    assert!(err("{:process 0, :type :invoke, :f :read, :value 7}\n", Model::Kv).message.contains("needs a key"));
    assert!(err("{:process 0, :type :invoke, :f :read, :key 1}\n", Model::Register).message.contains("--model kv"));
    let e =
        err("{:process 0, :type :invoke, :f :read}\n{:process 0, :type :ok, :f :write, :value 1}\n", Model::Register);
    assert_eq!(e.line, 2);
    // The nemesis is not a client: its events are skipped.
    let h =
        edn("{:process :nemesis, :type :info, :f :start}\n{:process 0, :type :invoke, :f :read}\n", Model::Register);
    assert_eq!((h.skipped_events, h.ops.len()), (1, 1));
}
