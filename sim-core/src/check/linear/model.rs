//! The sequential specifications the checker knows: a register (read, write) and a
//! compare-and-set register (read, write, cas). A key-value map is a compare-and-set register
//! per key, checked key by key (P-compositionality).

use std::fmt;

/// A value a register can hold, as a small id the caller interned; [`NIL`] is the value of a
/// register nothing was written to yet (Jepsen's `nil`).
pub type Value = u32;

/// The value of a register before the first write.
pub const NIL: Value = 0;

/// Which operations a history may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// Reads and writes of one register.
    Register,
    /// Reads, writes and compare-and-set of one register.
    CasRegister,
    /// A map of compare-and-set registers, one per key, checked key by key.
    Kv,
}

impl Model {
    /// The model called `name` on the command line (`register`, `cas-register`, `kv`).
    pub fn named(name: &str) -> Option<Model> {
        match name {
            "register" => Some(Model::Register),
            "cas-register" => Some(Model::CasRegister),
            "kv" => Some(Model::Kv),
            _ => None,
        }
    }

    /// True when compare-and-set operations are part of the model.
    pub fn has_cas(self) -> bool {
        matches!(self, Model::CasRegister | Model::Kv)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Register => "register",
            Model::CasRegister => "cas-register",
            Model::Kv => "kv",
        })
    }
}

/// What one operation does to a register, with what it observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A read that returned this value.
    Read(Value),
    /// A write of this value.
    Write(Value),
    /// Set the register to `to` if it holds `from` (a cas that took effect, or may have).
    Cas { from: Value, to: Value },
}

impl Action {
    /// The register's value after this action on `state`, or `None` when the action cannot
    /// happen in that state (a read of another value, a cas whose comparison fails).
    #[inline]
    pub fn step(self, state: Value) -> Option<Value> {
        match self {
            Action::Read(v) => (v == state).then_some(state),
            Action::Write(v) => Some(v),
            Action::Cas { from, to } => (from == state).then_some(to),
        }
    }

    /// The value this action leaves behind when it takes effect, for writes and cas.
    pub fn written(self) -> Option<Value> {
        match self {
            Action::Read(_) => None,
            Action::Write(v) | Action::Cas { to: v, .. } => Some(v),
        }
    }

    /// The values this action needs to have been in the register: a read's result, a cas's
    /// expected value.
    pub fn observed(self) -> Option<Value> {
        match self {
            Action::Read(v) | Action::Cas { from: v, .. } => Some(v),
            Action::Write(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_cas_need_their_value_and_writes_always_happen() {
        assert_eq!(Action::Read(3).step(3), Some(3));
        assert_eq!(Action::Read(3).step(4), None);
        assert_eq!(Action::Write(5).step(NIL), Some(5));
        assert_eq!(Action::Cas { from: 1, to: 2 }.step(1), Some(2));
        assert_eq!(Action::Cas { from: 1, to: 2 }.step(2), None);
        assert_eq!(Model::named("cas-register"), Some(Model::CasRegister));
        assert_eq!(Model::named("queue"), None);
        assert!(!Model::Register.has_cas() && Model::Kv.has_cas());
    }
}
