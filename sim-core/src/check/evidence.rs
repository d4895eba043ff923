//! What the checkers judge: the history, and what is worked out from it once and shared by
//! several checkers (the observed-by order of writes), so a run pays for it once.

use std::sync::OnceLock;

use super::causality::Causality;
use crate::history::History;

/// A history with the facts derived from it, each computed on first use.
pub struct Evidence<'a> {
    /// The recorded history.
    pub history: &'a History,
    causality: OnceLock<Causality>,
}

impl<'a> Evidence<'a> {
    /// Evidence from `history`; nothing is derived yet.
    pub fn new(history: &'a History) -> Self {
        Evidence { history, causality: OnceLock::new() }
    }

    /// Which writes observed which (see `causality`), worked out on first use.
    pub fn causality(&self) -> &Causality {
        self.causality.get_or_init(|| Causality::of(&self.history.ops))
    }
}
