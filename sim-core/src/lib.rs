//! clustersim's simulator: scenarios, seeded runs, fault injection, the history, checkers and
//! the command line's logic. The binary in `main.rs` is glue.
//!
//! Imports point one way, down this list of layers, and no module imports one that imports it
//! back: [`cmd`] (one file per subcommand; commands never import each other) uses the shared
//! machinery ([`sweep`], [`corpus`], [`shrink`], [`bench`](mod@bench), [`fuzz`], [`summarize`], [`edit`],
//! [`yaml`]),
//! which uses the run ([`drive`]: the run loop, cluster building, fault injection, the workload
//! and the recorder that imports what nodes report; [`swarm`]; [`check`]), which uses the
//! [`scenario`] model, [`seed`]s and the neutral [`history`] (which imports nothing of the
//! system under test). [`outcome`] (exit codes, replay command, default folders) and
//! [`console`] sit below every command and import none.

#[cfg(not(madsim))]
compile_error!(
    "clustersim only runs under madsim's deterministic runtime: build with RUSTFLAGS=\"--cfg madsim\" \
     (the workspace's .cargo/config.toml sets it; do not override RUSTFLAGS without it)"
);

pub mod bench;
pub mod capacity_figures;
pub mod check;
pub mod cmd;
pub mod console;
pub mod corpus;
pub mod coverage;
pub mod drive;
pub mod edit;
pub mod fuzz;
pub mod history;
pub mod logs;
pub mod outcome;
pub mod placement;
pub mod scenario;
pub mod seed;
pub mod seed_set;
pub mod shrink;
pub mod staleness;
pub mod stats;
pub mod story;
pub mod summarize;
pub mod swarm;
pub mod sweep;
pub mod yaml;
pub mod zone_figures;
