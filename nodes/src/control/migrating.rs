//! The leader's side of shard migrations: it takes requests, gathers evidence (copies the
//! target confirmed, routing learned by every live member), moves each migration one step at a
//! time through [`migration`](super::migration) in a proposed map, orders the copies, and reports
//! each step once committed. Hooks: `leader_tick` calls [`Control::migrations_tick`] before
//! reconciling, the commit calls [`Control::report_migrations`], and reconciliation's placement
//! target is pinned by [`Control::pin_migrations`].

use super::config::MigrationPolicy;
use super::migration::{self, Evidence, LeaderMigrations};
use super::msg::MigrateMsg;
use super::standing;
use super::state::Revoke;
use super::throttle;
use super::{Control, ControlEvent, ControlOut, Ctl, Role};
use crate::actor::Addr;
use crate::migration_msg::{MigrationStep, Step};
use crate::shard_map::{ShardMap, Standing};

/// How often a follower passes its held requests to the same leader again.
pub(super) const FORWARD_EVERY_MS: u64 = 1_000;

impl Control {
    /// A migration message for the control plane: a request, or the target's receipt of a copy.
    pub(super) fn on_migrate(&mut self, msg: MigrateMsg) {
        match msg {
            MigrateMsg::Request { id, shard, to } => {
                let map = &self.durable.map;
                self.requested.retain(|r| map.migration(r.0).is_none());
                let known = self.members.slot(to).is_some() && map.migration(id).is_none();
                if known && !self.requested.iter().any(|r| r.0 == id) {
                    self.requested.push((id, shard, to));
                }
            }
            MigrateMsg::Copied { id, round, from, bytes, ok } => {
                let step = self.durable.map.migration(id).map(|m| m.step);
                let Role::Leader(l) = &mut self.role else { return };
                let current = matches!((step, round), (Some(Step::Sync), 0) | (Some(Step::Verify), 1));
                let ev = l.migrating.evidence.entry(id).or_default();
                ev.bytes += bytes;
                if current && ok {
                    ev.copied.insert(from);
                }
                ev.corrupt |= current && !ok;
            }
            MigrateMsg::Member { node, change } => {
                let map = &self.durable.map;
                self.member_requests.retain(|&(n, c)| !standing::handled(map, n, c));
                let known = self.members.slot(node).is_some() && !standing::handled(map, node, change);
                if known && !self.member_requests.contains(&(node, change)) {
                    self.member_requests.push((node, change));
                }
            }
            MigrateMsg::Copy { .. } | MigrateMsg::Chunk { .. } => {} // the replica's
        }
    }

    /// A follower passes the requests its map does not hold yet to its leader: a new leader
    /// that never heard one (it was paused or cut off when the operator asked) learns it. Once
    /// per leader and then at most every [`FORWARD_EVERY_MS`].
    pub(super) fn forward_requests(&mut self, now: u64, leader: Addr, out: &mut impl ControlOut) {
        if self.requested.is_empty() && self.member_requests.is_empty() {
            return;
        }
        if self.forwarded.is_some_and(|(to, at)| to == leader && now < at + FORWARD_EVERY_MS) {
            return;
        }
        self.forwarded = Some((leader, now));
        let map = &self.durable.map;
        self.requested.retain(|r| map.migration(r.0).is_none());
        self.member_requests.retain(|&(n, c)| !standing::handled(map, n, c));
        for &(id, shard, to) in &self.requested {
            out.send(leader, Ctl::Migrate(MigrateMsg::Request { id, shard, to }));
        }
        for &(node, change) in &self.member_requests {
            out.send(leader, Ctl::Migrate(MigrateMsg::Member { node, change }));
        }
    }

    /// One pass over the migrations: queue requests, start what the limit allows, move each
    /// running migration on when its evidence is in (or roll it back on a timeout), and order
    /// copies not confirmed yet. True when it proposed a map (reconciliation then waits a tick).
    pub(super) fn migrations_tick(&mut self, now: u64, out: &mut impl ControlOut) -> bool {
        let policy = self.cfg.migration;
        let (id_self, lease_wait, election_max) = (self.id, self.cfg.lease_wait_ms(), self.cfg.election_timeout_ms.1);
        let commit_epoch = self.commit_epoch;
        let heartbeat = self.cfg.heartbeat_ms;
        let Role::Leader(l) = &mut self.role else { return false };
        // Joins and drains walk the standings and shards: once a heartbeat interval at most.
        let due = now >= l.migrating.standing_checked + heartbeat;
        if due {
            l.migrating.standing_checked = now;
        }
        let current = &self.durable.map;
        let standing_due = due && standing::active(current);
        let idle = self.requested.is_empty() && current.migrations().iter().all(|m| m.step.is_terminal());
        if idle && self.member_requests.is_empty() && !standing_due {
            return false;
        }
        let mut next = current.clone();
        let epoch = next.epoch + 1;
        let mut changed = self.plan_standing(&mut next, now, standing_due);
        let Role::Leader(l) = &mut self.role else { return false };
        let requested = std::mem::take(&mut self.requested);
        changed |= queue_and_start(&mut next, requested, &policy, &l.migrating, (epoch, now));
        // Routing is learned when every member heard from lately accepted the committed map.
        let routed = self.members.addrs().iter().zip(&l.peers).all(|(&a, p)| {
            a == id_self || p.last_ack.is_none_or(|t| now >= t + election_max) || p.accepted.1 >= commit_epoch
        });
        let running: Vec<_> = next.migrations().iter().filter(|m| !m.step.is_terminal()).cloned().collect();
        for m in running.into_iter().filter(|m| m.step != Step::Queued) {
            let ml = &mut l.migrating;
            let since = ml.since.entry(m.id).or_insert((m.step, now));
            if since.0 != m.step {
                *since = (m.step, now);
                ml.last_order.remove(&m.id); // a new round's orders go out at once
                let bytes = ml.evidence.get(&m.id).map_or(0, |e| e.bytes);
                ml.evidence.insert(m.id, Evidence { bytes, ..Evidence::default() });
            }
            let elapsed = now - since.1;
            let ev = ml.evidence.entry(m.id).or_default();
            ev.routed = routed;
            if let Some((step, failure)) = migration::decide(&m, &next, ev, elapsed, &policy) {
                // A step that revokes the primary waits for the new leader's grants to open (as
                // reconciliation announces them, after this tick's pass), as rebalancing does:
                // the shard could not be granted again until then.
                let revokes = step == Step::Transfer || (step == Step::RolledBack && m.step >= Step::Transfer);
                if revokes && !l.grants_open {
                    continue;
                }
                let granted = next.granted_at(m.shard);
                if let Some(applied) = migration::apply(&mut next, m.id, step, failure, epoch) {
                    changed = true;
                    if let Some(old) = applied.revoked {
                        let slot = self.members.slot(old).expect("primaries are members");
                        let peer = &l.peers[slot];
                        let last_echo = peer.last_echo_sent.unwrap_or(0);
                        let wait_until = if old == id_self { now } else { last_echo + lease_wait };
                        let heard = peer.last_ack.unwrap_or(l.since).max(l.since);
                        let dead = old != id_self && now >= heard + election_max;
                        out.event(ControlEvent::Revoked { shard: m.shard, node: old, epoch: granted, dead });
                        l.revokes.push(Revoke { shard: m.shard, from: old, epoch, granted, wait_until });
                    }
                    if step == Step::Transfer || step == Step::RolledBack {
                        l.planned[m.shard as usize] = applied.plan;
                    }
                }
                continue;
            }
            let round = match m.step {
                Step::Sync => 0,
                Step::Verify => 1,
                _ => continue,
            };
            let last = ml.last_order.entry(m.id).or_insert(0);
            if *last != 0 && now < *last + policy.resend_ms {
                continue;
            }
            *last = now.max(1);
            for &r in m.prev_replicas.iter().filter(|r| !ev.copied.contains(r)) {
                // The final round fences: the shard is closed in every map from this commit on.
                let fence = if round == 1 { commit_epoch } else { 0 };
                let order = MigrateMsg::Copy { id: m.id, shard: m.shard, to: m.to, round, leader: id_self, fence };
                out.send(r, Ctl::Migrate(order));
            }
        }
        if changed {
            next.epoch = epoch;
            self.propose(next);
        }
        changed
    }

    /// Joins and drains (see [`standing`]): takes the requests the map can take, records drains
    /// that are done, and, when `due` (once a heartbeat interval while a join or drain is
    /// active: it walks every shard), queues replacement migrations into the free slots.
    fn plan_standing(&mut self, next: &mut ShardMap, now: u64, due: bool) -> bool {
        let mut changed = standing::apply_requests(next, &self.member_requests);
        let map = &self.durable.map;
        self.member_requests.retain(|&(n, c)| !standing::handled(map, n, c) && !standing::handled(next, n, c));
        if !due {
            return changed;
        }
        let live = self.live(now);
        changed |= standing::finish_drains(next);
        let unfinished = next.migrations().iter().filter(|m| !m.step.is_terminal()).count();
        let free = (self.cfg.migration.concurrency as usize).saturating_sub(unfinished);
        let members = &self.members;
        let is_live = |a: Addr| members.slot(a).is_some_and(|s| live[s]);
        for m in standing::plan(next, is_live, free, standing::next_auto_id(next)) {
            next.put_migration(m);
            changed = true;
        }
        changed
    }

    /// After a commit: reports every change of standing this leader has not reported yet.
    pub(super) fn report_standing(&mut self, out: &mut impl ControlOut) {
        let map = &self.durable.map;
        let Role::Leader(l) = &mut self.role else { return };
        for (a, &s) in map.standings().iter().enumerate() {
            let reported = l.migrating.standing.get(&(a as Addr)).copied();
            if reported != Some(s) && (reported.is_some() || !matches!(s, Standing::Outside | Standing::Member)) {
                l.migrating.standing.insert(a as Addr, s);
                out.event(ControlEvent::Standing { node: a as Addr, standing: s });
            }
        }
    }

    /// After a commit: reports every migration whose committed step this leader has not
    /// reported yet (a new leader reports them all once), and logs starts for the rate and
    /// the zone budgets.
    pub(super) fn report_migrations(&mut self, now: u64, out: &mut impl ControlOut) {
        let map = &self.durable.map;
        let Role::Leader(l) = &mut self.role else { return };
        for m in map.migrations() {
            if l.migrating.reported.get(&m.id) == Some(&m.step) {
                continue;
            }
            l.migrating.reported.insert(m.id, m.step);
            if !matches!(m.step, Step::Queued | Step::Refused) {
                l.migrating.starts.committed(m.id, map.zone_of(m.to), m.step == Step::Sync, now);
            }
            let bytes = l.migrating.evidence.get(&m.id).map_or(0, |e| e.bytes);
            let step = MigrationStep {
                id: m.id,
                shard: m.shard,
                from: m.prev_replicas.clone(),
                to: m.to,
                replaces: m.replaces,
                step: m.step,
                epoch: map.epoch,
                bytes,
                replicas: map.replica_sets()[m.shard as usize].clone(),
            };
            out.event(ControlEvent::Migration(step));
        }
    }

    /// Keeps the placement target from undoing a migration: a shard being synced keeps its
    /// primary, one transferred goes to its target (when live), and, while the leader may
    /// rebalance, a completed migration keeps its target as primary: rebalancing moved migrated
    /// primaries straight back (migrate-many's shard 0 to n1 at 4.25 s). A shard's running
    /// migration decides (at most one runs), else its queued one, else its latest finished one
    /// that was not rolled back or refused (by id: leaders' ids come after operators', so a
    /// done drain would otherwise outrank the operator's migration running now, which then
    /// never got its primary and rolled back).
    pub(super) fn pin_migrations(&self, target: &mut [Option<Addr>], live: &[bool], rebalance: bool) {
        let is_live = |a: Addr| self.members.slot(a).is_some_and(|s| live[s]);
        let mut decided = std::collections::BTreeSet::new();
        let all = self.durable.map.migrations();
        let running = all.iter().filter(|m| !m.step.is_terminal() && m.step != Step::Queued);
        let queued = all.iter().filter(|m| m.step == Step::Queued);
        for m in running.chain(queued).chain(all.iter().rev().filter(|m| m.step.is_terminal())) {
            let pinned = match m.step {
                Step::RolledBack | Step::Refused => continue,
                _ if !decided.insert(m.shard) => continue,
                Step::Done if !rebalance => continue,
                Step::Queued | Step::Sync => self.durable.map.primary_of(m.shard),
                // A replacement pins the primary it left in place, or its target when it moved it.
                _ if m.replaces.is_some() => {
                    let primary = self.durable.map.primary_of(m.shard);
                    if m.step == Step::Done {
                        continue;
                    }
                    primary.filter(|p| m.next_replicas.contains(p)).or(Some(m.to))
                }
                Step::Transfer | Step::Route | Step::Verify | Step::Done => Some(m.to),
            };
            if let (Some(p), Some(t)) = (pinned.filter(|&p| is_live(p)), target.get_mut(m.shard as usize)) {
                *t = Some(p);
            }
        }
    }
}

/// Records the operator's `requested` migrations in `next` and starts the queued ones the
/// policy's limits allow at `now`, at `epoch`; true when `next` changed. A request the map
/// cannot take (the target is already primary, the shard is migrating) is recorded refused, so
/// every node drops it and the reports say why.
fn queue_and_start(
    next: &mut ShardMap,
    requested: Vec<(u32, u32, Addr)>,
    policy: &MigrationPolicy,
    ml: &LeaderMigrations,
    (epoch, now): (u64, u64),
) -> bool {
    let mut changed = false;
    for (id, shard, to) in requested {
        let m = migration::request(next, id, shard, to).or_else(|| migration::refused(next, id, shard, to));
        if let Some(m) = m {
            next.put_migration(m);
            changed = true;
        }
    }
    let gate = throttle::gate(policy, &ml.starts, |id| ml.evidence.get(&id).map_or(0, |e| e.bytes), now);
    for id in migration::admit(next, policy, &gate) {
        changed |= migration::apply(next, id, Step::Sync, None, epoch).is_some();
    }
    changed
}
