//! How checkers describe what they found: times, operations and versions for a human.

use crate::history::{Level, Op, OpKind, Versioned};

/// Simulated time as seconds with milliseconds, e.g. `10.512s`.
pub fn secs(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// An operation for a human: `c12#40 key 17 QUORUM R=3` (`W=` for writes).
pub fn op_label(op: &Op) -> String {
    let letter = match op.kind {
        OpKind::Read => 'R',
        OpKind::Write => 'W',
    };
    let level = match op.level {
        Level::Count(_) => String::new(),
        c => format!("{c} "),
    };
    format!("c{}#{} key {} {level}{letter}={}", op.client, op.seq, op.key, op.required)
}

/// Versioned values for a human: `[{#1:4}=881, {#2:1}=90]`.
pub fn versions(items: &[Versioned]) -> String {
    let parts: Vec<String> = items.iter().map(|v| format!("{}={}", v.version, v.value)).collect();
    format!("[{}]", parts.join(", "))
}
