//! How a client chooses the coordinator of an operation, and whom it tries next when a
//! coordinator refuses the connection: the one place a load balancer will decide.

use std::sync::Arc;

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::actor::Addr;

/// The coordinators a client may use, and its rule for choosing among them: uniformly at
/// random from the client's own stream, then the next one in order after a refusal.
#[derive(Clone, Debug)]
pub struct CoordinatorChoice {
    /// Nodes that can coordinate, in a fixed order.
    coordinators: Arc<[Addr]>,
}

impl CoordinatorChoice {
    /// Chooses among `coordinators` (at least one).
    pub fn new(coordinators: Arc<[Addr]>) -> Self {
        assert!(!coordinators.is_empty(), "a client needs a coordinator");
        CoordinatorChoice { coordinators }
    }

    /// Number of coordinators to choose from.
    pub fn len(&self) -> usize {
        self.coordinators.len()
    }

    /// True when there is none (never, see `new`).
    pub fn is_empty(&self) -> bool {
        self.coordinators.is_empty()
    }

    /// The coordinator of a new operation.
    #[inline]
    pub fn pick(&self, rng: &mut ChaCha8Rng) -> Addr {
        // Drawn as a u32 range: the same draw whatever the width of an index.
        self.coordinators[rng.random_range(0..self.coordinators.len() as u32) as usize]
    }

    /// The coordinator to try after `refused` turned the client away.
    pub fn after(&self, refused: Addr) -> Addr {
        let i = self.coordinators.iter().position(|&c| c == refused).map_or(0, |i| i + 1);
        self.coordinators[i % self.coordinators.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn picks_among_the_coordinators_and_cycles_after_a_refusal() {
        let choice = CoordinatorChoice::new(Arc::from([30, 10, 20]));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..50).all(|_| [30, 10, 20].contains(&choice.pick(&mut rng))));
        assert_eq!((choice.after(30), choice.after(10), choice.after(20)), (10, 20, 30));
    }
}
