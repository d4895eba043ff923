//! The `clustersim` binary: glue around [`sim_core::cli`].

fn main() {
    std::process::exit(sim_core::cli::main_with_args(std::env::args_os()));
}
