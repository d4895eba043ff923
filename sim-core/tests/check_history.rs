//! `clustersim check-history` end to end on the example histories in `tests/histories/`:
//! both formats, every model, and the exit codes (0 linearizable, 1 not, 3 unknown, 2 bad input).

use std::path::PathBuf;

use sim_core::cmd::main_with_args;

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/histories").join(name).display().to_string()
}

fn check(args: &[&str]) -> i32 {
    let all = ["clustersim", "check-history"].into_iter().chain(args.iter().copied());
    main_with_args(all.map(Into::into))
}

#[test]
fn linearizable_histories_exit_0_in_both_formats_and_every_model() {
    assert_eq!(check(&[&example("register-ok.edn"), "--model", "register"]), 0);
    assert_eq!(check(&[&example("cas-register.edn"), "--model", "cas-register"]), 0);
    assert_eq!(check(&[&example("kv.edn"), "--model", "kv"]), 0);
    assert_eq!(check(&[&example("kv.edn"), "--model", "kv", "--format", "edn"]), 0);
}

#[test]
fn a_stale_read_exits_1_and_an_exhausted_budget_exits_3() {
    assert_eq!(check(&[&example("register-stale.jsonl"), "--model", "register"]), 1);
    assert_eq!(check(&[&example("register-stale.jsonl"), "--model", "register", "--max-steps", "2"]), 3);
}

#[test]
fn bad_input_exits_2() {
    assert_eq!(check(&[&example("malformed.edn"), "--model", "register"]), 2);
    assert_eq!(check(&[&example("register-ok.edn"), "--model", "queue"]), 2);
    assert_eq!(check(&[&example("register-ok.edn"), "--model", "register", "--format", "xml"]), 2);
    assert_eq!(check(&[&example("no-such-file.edn"), "--model", "register"]), 2);
    // A cas in a plain register history, and a keyed history read as one register.
    assert_eq!(check(&[&example("cas-register.edn"), "--model", "register"]), 2);
    assert_eq!(check(&[&example("register-stale.jsonl"), "--model", "register", "--format", "edn"]), 2);
}
