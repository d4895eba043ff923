//! A storage node's data: the store, version vectors, the conflict policy that decides which
//! versions of a key survive when a new one arrives, the disk model (syncs, checksums), and
//! the hash tree anti-entropy compares.

pub mod config;
pub mod conflict;
pub mod fsync;
pub mod merkle;
pub mod record;
pub mod stats;
pub mod store;
pub mod version;

pub use config::StorageConfig;
pub use conflict::{ConflictPolicy, Merged};
pub use fsync::FsyncPolicy;
pub use merkle::Digest;
pub use stats::StorageStats;
pub use store::{Damaged, Store};
pub use version::{Context, Dot, Versioned};
