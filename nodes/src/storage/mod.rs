//! A storage node's data: the store, version vectors, the conflict policy that decides which
//! versions of a key survive when a new one arrives, and the disk model (syncs, checksums).

pub mod config;
pub mod conflict;
pub mod fsync;
pub mod record;
pub mod stats;
pub mod store;
pub mod version;

pub use config::StorageConfig;
pub use conflict::{ConflictPolicy, Merged};
pub use fsync::FsyncPolicy;
pub use stats::StorageStats;
pub use store::{Damaged, Store};
pub use version::{Context, Dot, Versioned};
