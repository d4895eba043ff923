//! The `clustersim` binary: glue around [`sim_core::cmd`].

fn main() {
    sim_core::logs::init_from_env();
    let code = sim_core::cmd::main_with_args(std::env::args_os());
    // `clustersim fuzz` asks its child processes for their peak memory and CPU time this way.
    if std::env::var_os(sim_core::cmd::fuzz::PEAK_MEMORY_ENV).is_some() {
        eprintln!("peak memory: {} KiB", sim_core::bench::peak_kib());
        eprintln!("cpu time: {} ms", sim_core::bench::cpu_ms());
    }
    std::process::exit(code);
}
