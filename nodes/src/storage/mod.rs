//! A storage node's data: the durable store, version vectors, the conflict policy that
//! decides which versions of a key survive when a new one arrives, and the hash tree
//! anti-entropy compares.

pub mod config;
pub mod conflict;
pub mod merkle;
pub mod stats;
pub mod store;
pub mod version;

pub use config::StorageConfig;
pub use conflict::{ConflictPolicy, Merged};
pub use merkle::Digest;
pub use stats::StorageStats;
pub use store::Store;
pub use version::{Context, Dot, Versioned};
