//! How a run or command ends, as every command reports it: the exit codes, how bad each is, the
//! command that replays a seed, and the default folders under `target/clustersim`. It sits below
//! every command and imports none of them, so commands and the libraries they share can all use it.

use std::path::{Path, PathBuf};

/// Exit code: every property held.
pub const EXIT_OK: i32 = 0;
/// Exit code: a safety property failed.
pub const EXIT_SAFETY: i32 = 1;
/// Exit code: bad input (scenario file or arguments).
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code: a liveness (or sometimes) property failed.
pub const EXIT_LIVENESS: i32 = 3;
/// Exit code: the simulation itself crashed, or was not deterministic.
pub const EXIT_SIM_CRASH: i32 = 4;

/// How bad an exit code is, for picking the worst: a crash, then safety, then liveness.
pub fn severity(code: i32) -> u8 {
    match code {
        EXIT_OK => 0,
        EXIT_LIVENESS => 1,
        EXIT_SAFETY => 2,
        EXIT_SIM_CRASH => 3,
        _ => 2,
    }
}

/// The worst of some exit codes (0 when there are none).
pub fn worst(codes: impl IntoIterator<Item = i32>) -> i32 {
    codes.into_iter().max_by_key(|&c| severity(c)).unwrap_or(EXIT_OK)
}

/// The exact command that replays `seed` of the scenario at `path`, starting the way this
/// process was started: `cargo run --release -- ...` under cargo, else the binary as invoked,
/// with a `--bug NAME` for every planted bug on (a failure they caused only replays with them).
pub fn replay_command(path: &Path, seed: u64) -> String {
    let bugs = bug_options();
    let argv0 = std::env::args_os().next().map(|a| a.to_string_lossy().into_owned());
    // Cargo sets CARGO_MANIFEST_DIR for the programs it runs (`cargo run`, `cargo test`).
    let via_cargo = std::env::var_os("CARGO_MANIFEST_DIR").is_some();
    let program = program(argv0.as_deref(), via_cargo, !bugs.is_empty());
    format!("{program} run{bugs} --scenario {} --seed {seed}", path.display())
}

/// ` --bug NAME` for every planted bug on in this process (empty in a production run).
pub fn bug_options() -> String {
    nodes::bugs::planted().map(|p| format!(" --bug {}", p.name)).collect()
}

/// How to start clustersim again: `cargo run --release [--features clustersim-nodes/planted-bugs] --`
/// when it was run by cargo (the feature when `planted` bugs are on), else the program path it
/// was started with (quoted when it holds a space).
pub fn program(argv0: Option<&str>, via_cargo: bool, planted: bool) -> String {
    match argv0 {
        Some(path) if !via_cargo && !path.is_empty() => {
            if path.contains(|c: char| c.is_whitespace() || c == '\'') {
                format!("'{}'", path.replace('\'', "'\\''"))
            } else {
                path.to_string()
            }
        }
        _ => {
            let features = if planted { " --features clustersim-nodes/planted-bugs" } else { "" };
            format!("cargo run --release{features} --")
        }
    }
}

/// [`replay_command`] followed by `options`, the options other than the seed that change the
/// run (such as ` --until 25s`), so the command replays the same trace.
pub fn replay_command_with(path: &Path, seed: u64, options: &str) -> String {
    format!("{}{options}", replay_command(path, seed))
}

/// The exit code of a command whose outputs could not all be written: bad input (2), unless
/// the run itself already failed worse (a safety failure or a crash keep 1 or 4).
pub fn with_output_failure(code: i32) -> i32 {
    if matches!(code, EXIT_SAFETY | EXIT_SIM_CRASH) {
        code
    } else {
        EXIT_BAD_INPUT
    }
}

/// `target/clustersim` (honouring `CARGO_TARGET_DIR`): where run and comparison folders go.
pub fn clustersim_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target"));
    target.join("clustersim")
}

/// `target/clustersim/<name>` (honouring `CARGO_TARGET_DIR`): a sweep's or merge's default folder.
pub fn default_dir(name: &str) -> PathBuf {
    clustersim_dir().join(name)
}

/// `target/clustersim/<scenario>/seed-<seed>` (honouring `CARGO_TARGET_DIR`).
pub fn default_run_dir(name: &str, seed: u64) -> PathBuf {
    clustersim_dir().join(name).join(format!("seed-{seed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_starts_the_way_this_process_was_started() {
        assert_eq!(program(Some("./target/release/clustersim"), false, false), "./target/release/clustersim");
        assert_eq!(program(Some("/opt/my tools/clustersim"), false, false), "'/opt/my tools/clustersim'");
        assert_eq!(program(Some("target/release/clustersim"), true, false), "cargo run --release --");
        assert_eq!(program(None, false, true), "cargo run --release --features clustersim-nodes/planted-bugs --");
    }

    #[test]
    fn the_worst_exit_code_is_a_crash_then_safety_then_liveness() {
        assert_eq!(worst([0, 3, 1, 0]), 1);
        assert_eq!(worst([3, 4, 1]), 4);
        assert_eq!(worst([0, 3]), 3);
        assert_eq!(worst([]), 0);
    }
}
