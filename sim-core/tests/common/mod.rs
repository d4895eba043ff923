//! What the command-line test files share: a tiny scenario, a fresh folder per test, and the
//! `clustersim` entry point called in process.

use std::path::PathBuf;

use sim_core::cmd::main_with_args;

/// A scenario small enough to run in well under a second, with one fault.
pub const TINY: &str = "name: tiny
description: a short run with one crash, for CLI tests
seed: 9
duration: 4s
heal: 2s
cluster: { nodes: 3, replication: { n: 3 } }
workload:
  - { clients: 2, rate: 100/s, keys: 50, consistency: QUORUM }
faults:
  - { at: 1s, for: 1s, crash: [n3] }
expect:
  - no_stale_quorum_reads
";

/// An empty folder for test `name` of this test process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clustersim-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `clustersim ARGS...` in process; returns its exit code.
pub fn run(args: &[&str]) -> i32 {
    main_with_args(std::iter::once("clustersim").chain(args.iter().copied()).map(Into::into))
}
