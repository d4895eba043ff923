//! A primary's lease and roles: the shards a node acts for are those the committed map gives
//! it, and only while its lease (renewed by the leader's echo of its own ack time) runs.

use super::{Control, ControlEvent, ControlOut};

impl Control {
    /// Moves the lease's end to `until` if that is later; true when it moved.
    pub(super) fn extend_lease(&mut self, until: u64, out: &mut impl ControlOut) -> bool {
        if until <= self.lease_until {
            return false;
        }
        self.lease_until = until;
        out.event(ControlEvent::Lease { until_local: until });
        true
    }

    /// Drops the roles of shards the accepted map no longer gives this node (a revoke, or a
    /// map from a new leader).
    pub(super) fn drop_roles_not_in_map(&mut self) {
        let map = &self.durable.map;
        let id = self.id;
        let before = self.roles.len();
        self.roles.retain(|&s| map.primary_of(s) == Some(id));
        if self.roles.len() != before {
            self.roles_changes += 1;
        }
    }

    /// Takes the roles the committed map gives this node.
    pub(super) fn take_committed_roles(&mut self) {
        self.roles_taken = true;
        let id = self.id;
        for (s, p) in self.durable.map.primaries().iter().enumerate() {
            if *p == Some(id) && self.roles.insert(s as u32) {
                self.roles_changes += 1;
            }
        }
    }

    /// Reports the shards this node acts for whenever they or its lease's liveness changed.
    pub(super) fn report_roles(&mut self, out: &mut impl ControlOut, now: u64) {
        let live = now < self.lease_until;
        let state = (self.roles_changes, live);
        if self.roles_checked == Some(state) {
            return; // nothing it depends on changed since the last check
        }
        self.roles_checked = Some(state);
        // Called on every heartbeat: compare before building anything.
        let unchanged =
            self.reported_roles
                .as_ref()
                .is_some_and(|(_, s)| if live { s.iter().eq(self.roles.iter()) } else { s.is_empty() });
        if unchanged {
            return;
        }
        let shards: Vec<u32> = if live { self.roles.iter().copied().collect() } else { Vec::new() };
        let epoch = self.durable.map.epoch;
        out.event(ControlEvent::Roles { epoch, shards: shards.clone() });
        self.reported_roles = Some((epoch, shards));
    }
}
