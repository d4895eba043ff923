//! The `clustersim` binary: glue around [`sim_core::cmd`].

fn main() {
    std::process::exit(sim_core::cmd::main_with_args(std::env::args_os()));
}
