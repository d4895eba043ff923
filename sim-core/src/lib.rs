//! clustersim's simulator: scenarios, seeded runs, workload, faults, history, checkers and
//! the command line's logic. The binary in `main.rs` is glue.
//!
//! Imports point one way, down this list of layers, and no module imports one that imports it
//! back: [`cmd`] (one file per subcommand; commands never import each other) uses the shared
//! machinery ([`sweep`], [`corpus`], [`shrink`], [`bench`](mod@bench), [`summarize`], [`edit`], [`yaml`]),
//! which uses the run ([`run`], [`faults`], [`workload`], [`swarm`], [`check`], [`history`]),
//! which uses the [`scenario`] model and [`seed`]s. [`outcome`] (exit codes, replay command,
//! default folders) and [`console`] sit below every command and import none.

#[cfg(not(madsim))]
compile_error!(
    "clustersim only runs under madsim's deterministic runtime: build with RUSTFLAGS=\"--cfg madsim\" \
     (the workspace's .cargo/config.toml sets it; do not override RUSTFLAGS without it)"
);

pub mod bench;
pub mod check;
pub mod cmd;
pub mod console;
pub mod corpus;
pub mod edit;
pub mod event_log;
pub mod faults;
pub mod history;
pub mod outcome;
pub mod run;
pub mod scenario;
pub mod seed;
pub mod seed_set;
pub mod shrink;
pub mod stats;
pub mod summarize;
pub mod swarm;
pub mod sweep;
pub mod trace;
pub mod workload;
pub mod yaml;
