//! Linearizable (ABD) mode, after Attiya, Bar-Noy and Dolev: a write first reads a quorum and
//! takes a tag above every tag it saw, so a write that begins after another completed orders
//! after it; stores keep one version per key, the highest tag (`Lww` over tags instead of
//! clocks). Reads write the newest value they found back to the replicas they read (blocking
//! read repair) before answering, so no later read can return anything older.

use super::requests::{PendingKind, WriteReq};
use super::{Coordinator, CoordinatorOut, Ctx, PrimarySaw};
use crate::replica::ReplicaRequest;
use crate::storage::Versioned;

impl Coordinator {
    /// Reads a quorum of `write`'s replicas for their tags; the write follows when a quorum
    /// answered (see [`write_tagged`](Self::write_tagged)).
    pub(super) fn read_tag_then_write<O: CoordinatorOut>(&mut self, write: WriteReq, cx: &mut Ctx<'_, O>) {
        let (client, op, key) = (write.client, write.op, write.key);
        let map = cx.control.map();
        let quorum = map.n_of(map.shard_of(key)) / 2 + 1;
        let kind = PendingKind::PrimaryRead { write: Box::new(write), fence: None, versions: Vec::new() };
        let req = self.begin(client, op, key, quorum, kind, cx);
        let local = self.fan_out(req, key, cx, |req, key, epoch| ReplicaRequest::Read { req, key, fence: None, epoch });
        self.probe_due_replicas(req, cx);
        if local {
            self.answer_locally(req, key, cx);
        }
    }

    /// Writes with a tag one above the highest the quorum read found. The history learns which
    /// values this write saw (as a primary's writes do), since the write replaces them.
    pub(super) fn write_tagged<O: CoordinatorOut>(
        &mut self,
        write: WriteReq,
        versions: &[Versioned],
        cx: &mut Ctx<'_, O>,
    ) {
        let tag = next_tag(versions);
        let values = versions.iter().map(|v| v.value).collect();
        cx.out.primary_saw(PrimarySaw { client: write.client, op: write.op, values });
        self.write(write, None, Some(tag), cx);
    }
}

/// One above the highest tag among `versions` (1 when there are none). Ties between
/// concurrent writers are broken the same way on every replica: by the writer's dot.
pub(super) fn next_tag(versions: &[Versioned]) -> u64 {
    versions.iter().map(|v| v.stamp).max().map_or(1, |t| t + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Context, Dot};

    fn v(stamp: u64) -> Versioned {
        Versioned { dot: Dot { node: 1, counter: stamp }, context: Context::new(), stamp, value: stamp }
    }

    #[test]
    fn a_write_takes_a_tag_above_every_tag_its_quorum_read_found() {
        assert_eq!(next_tag(&[]), 1);
        assert_eq!(next_tag(&[v(4), v(9), v(2)]), 10);
    }
}
