//! Logs in simulated time (`RUST_LOG`): a `tracing` subscriber, installed only when `RUST_LOG`
//! is set, whose timestamps are simulated time (seconds since the run began) and whose filter is
//! `tracing-subscriber`'s `EnvFilter`: by module (`RUST_LOG=nodes::net=debug`) and by node
//! span (`RUST_LOG='[endpoint{name=n3}]=debug'`). Without `RUST_LOG` nothing is installed and
//! the nodes' logging costs one flag test per batch.

use std::fmt;

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::EnvFilter;

/// Timestamps in simulated time: the millisecond the cluster was at when it logged (the run
/// loop drives time itself, so madsim's own clock lags inside a tick); `-` outside a run.
struct SimTime;

impl FormatTime for SimTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        match nodes::sim::log::now_ms() {
            Some(ms) => write!(w, "{:>4}.{:03}s", ms / 1000, ms % 1000),
            None => write!(w, "       -"),
        }
    }
}

/// Installs the simulated-time log subscriber when `RUST_LOG` is set; returns whether it did.
pub fn init_from_env() -> bool {
    if std::env::var_os("RUST_LOG").is_none() {
        return false;
    }
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_timer(SimTime)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init()
        .is_ok()
}
