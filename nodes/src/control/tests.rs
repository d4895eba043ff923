//! Unit tests of the control plane over a tiny synchronous network.

use std::collections::BTreeSet;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::actor::{Addr, Input};
use crate::migration_msg::{Migration, Step};

type Out = Outbox<Ctl, ControlTimer, ControlEvent>;

/// A tiny synchronous network of control planes for unit tests: delivers every message
/// after 1 ms, drops those to nodes in `down`.
struct Net {
    nodes: Vec<Control>,
    queue: Vec<(u64, Addr, Addr, Ctl)>,
    now: u64,
    down: BTreeSet<Addr>,
    events: Vec<(u64, Addr, ControlEvent)>,
    /// One-way delay of messages to each node.
    delay: Vec<u64>,
}

impl Net {
    fn new(n: u32, shards: u32) -> Self {
        let placed: Vec<(Addr, u16)> = (0..n).map(|a| (a, 0)).collect();
        let map = ShardMap::ring(&placed, shards, 3.min(n) as u8);
        let members = Members::new(0..n);
        let nodes = (0..n)
            .map(|id| {
                let rng = ChaCha8Rng::seed_from_u64(id as u64 + 1);
                let durable = ControlDurable::new(map.clone());
                Control::new(id, members.clone(), ControlConfig::default(), durable, rng, 0)
            })
            .collect();
        Net { nodes, queue: vec![], now: 0, down: BTreeSet::new(), events: vec![], delay: vec![1; n as usize] }
    }

    fn run_until(&mut self, end: u64) {
        while self.now < end {
            self.now += 1;
            let due: Vec<_> = self.queue.iter().filter(|q| q.0 <= self.now).cloned().collect();
            self.queue.retain(|q| q.0 > self.now);
            for (_, from, to, msg) in due {
                if self.down.contains(&to) {
                    continue;
                }
                // Storage is not simulated here: a copy order is confirmed at once.
                if let Ctl::Migrate(MigrateMsg::Copy { id, round, leader, .. }) = msg {
                    let copied = MigrateMsg::Copied { id, round, from: to, bytes: 1, ok: true };
                    self.queue.push((self.now + 1, to, leader, Ctl::Migrate(copied)));
                    continue;
                }
                let mut out = Out::default();
                self.nodes[to as usize].on_msg(self.now, from, msg, &mut out);
                self.absorb(to, out);
            }
            if self.now.is_multiple_of(10) {
                for id in 0..self.nodes.len() as u32 {
                    if self.down.contains(&id) {
                        continue;
                    }
                    let mut out = Out::default();
                    self.nodes[id as usize].on_tick(self.now, &mut out);
                    self.absorb(id, out);
                }
            }
        }
    }

    fn absorb(&mut self, from: Addr, out: Out) {
        for e in out.events {
            self.events.push((self.now, from, e));
        }
        for (to, msg) in out.sends {
            self.queue.push((self.now + self.delay[to as usize] + self.delay[from as usize] - 1, from, to, msg));
        }
    }

    /// The operator asks `leader` to move `shard` to `to`.
    fn request_migration(&mut self, leader: Addr, id: u32, shard: u32, to: Addr) {
        let mut out = Out::default();
        self.nodes[leader as usize].on_msg(
            self.now,
            leader,
            Ctl::Migrate(MigrateMsg::Request { id, shard, to }),
            &mut out,
        );
        self.absorb(leader, out);
    }

    fn leaders(&self) -> Vec<Addr> {
        (0..self.nodes.len() as u32)
            .filter(|&i| !self.down.contains(&i) && self.nodes[i as usize].is_leader())
            .collect()
    }
}

#[test]
fn a_single_leader_is_elected_and_assigns_every_shard() {
    let mut net = Net::new(5, 8);
    net.run_until(2_000);
    assert_eq!(net.leaders().len(), 1);
    let l = net.leaders()[0] as usize;
    let a = &net.nodes[l].durable.map;
    assert!(a.primaries().iter().all(|p| p.is_some()), "{a:?}");
    let mut count = [0; 5];
    a.primaries().iter().for_each(|p| count[p.unwrap() as usize] += 1);
    assert!(count.iter().max().unwrap() - count.iter().min().unwrap() <= 1, "{count:?}");
    let now = net.now;
    let owners: usize = net.nodes.iter().map(|n| (0..8).filter(|&s| n.is_primary(s, now)).count()).sum();
    assert_eq!(owners, 8, "every shard has exactly one acting primary");
}

#[test]
fn leader_crash_elects_a_new_leader_that_reassigns_after_the_lease() {
    let mut net = Net::new(5, 8);
    net.run_until(2_000);
    let old = net.leaders()[0];
    net.down.insert(old);
    net.run_until(8_000);
    let leaders = net.leaders();
    assert_eq!(leaders.len(), 1);
    assert_ne!(leaders[0], old);
    let new = &net.nodes[leaders[0] as usize];
    assert!(new.term() > net.nodes[old as usize].term());
    assert!(new.durable.map.primaries().iter().all(|p| p.is_some() && *p != Some(old)));
}

#[test]
fn terms_have_at_most_one_leader() {
    let mut net = Net::new(5, 4);
    net.run_until(1_000);
    for round in 0..5u32 {
        // A deposed leader that came back may still think it leads until it hears the
        // new term: crash the leader of the highest term.
        let l = net.leaders().into_iter().max_by_key(|&l| net.nodes[l as usize].term()).unwrap();
        net.down.insert(l);
        net.run_until(1_000 + (round as u64 + 1) * 3_000);
        net.down.remove(&l);
    }
    let mut by_term = std::collections::BTreeMap::new();
    for (_, node, e) in &net.events {
        if let ControlEvent::BecameLeader { term } = e {
            assert!(by_term.insert(*term, *node).is_none(), "two leaders in term {term}");
        }
    }
    assert!(by_term.len() >= 5);
}

#[test]
fn a_minority_partitioned_leader_steps_down() {
    let mut net = Net::new(5, 4);
    net.run_until(1_000);
    let l = net.leaders()[0];
    // Everyone else is unreachable from the leader's point of view.
    for n in 0..5 {
        if n != l {
            net.down.insert(n);
        }
    }
    let until = net.now + 400;
    while net.now < until {
        net.run_until(net.now + 10);
    }
    assert!(!net.nodes[l as usize].is_leader(), "check-quorum made it step down");
    assert!(net
        .events
        .iter()
        .any(|(_, n, e)| *n == l && matches!(e, ControlEvent::SteppedDown { reason: StepDownReason::LostQuorum, .. })));
}

#[test]
fn a_new_leader_is_not_deposed_by_check_quorum_before_its_first_acks() {
    let mut net = Net::new(5, 4);
    // Three of five nodes are far away: a new leader hears from them only after 80 ms.
    net.delay = vec![1, 1, 40, 40, 40];
    net.run_until(3_000);
    let step_downs = net
        .events
        .iter()
        .filter(|(_, _, e)| matches!(e, ControlEvent::SteppedDown { reason: StepDownReason::LostQuorum, .. }))
        .count();
    assert_eq!(
        step_downs,
        0,
        "{:?}",
        net.events.iter().filter(|e| !matches!(e.2, ControlEvent::Lease { .. })).collect::<Vec<_>>()
    );
    assert_eq!(net.events.iter().filter(|(_, _, e)| matches!(e, ControlEvent::BecameLeader { .. })).count(), 1);
}

/// A follower's heartbeat carrying `map` (accepted in `term`), committed up to `commit_epoch`,
/// renewing its lease from an ack it sent at local time 1.
fn append(term: u64, map: &ShardMap, commit_epoch: u64) -> Input<Ctl, ControlTimer> {
    let map = Some(Box::new((term, map.clone())));
    Input::Msg { from: 0, msg: Ctl::Append(Append { term, map, commit_epoch, lease_echo: Some(1), sent: 0 }) }
}

#[test]
fn a_follower_forwards_a_request_to_its_leader_at_most_once_a_second() {
    let placed: Vec<(Addr, u16)> = (0..3).map(|a| (a, 0)).collect();
    let map = ShardMap::ring(&placed, 1, 3);
    let durable = ControlDurable::new(map.clone());
    let mut node =
        Control::new(1, Members::new(0..3), ControlConfig::default(), durable, ChaCha8Rng::seed_from_u64(1), 0);
    let mut out = Out::default();
    node.on_input(
        5,
        Input::Msg { from: 9, msg: Ctl::Migrate(MigrateMsg::Request { id: 1, shard: 0, to: 2 }) },
        &mut out,
    );
    let mut forwarded_at = vec![];
    for now in (10..=2_100).step_by(50) {
        let mut out = Out::default();
        node.on_input(now, append(1, &map, 0), &mut out);
        if out.sends.iter().any(|(to, m)| *to == 0 && matches!(m, Ctl::Migrate(MigrateMsg::Request { id: 1, .. }))) {
            forwarded_at.push(now);
        }
    }
    assert_eq!(forwarded_at, [10, 1_010, 2_010], "the leader's map never takes it: resent every second");
}

#[test]
fn a_delayed_heartbeat_never_rolls_a_follower_back_to_an_older_map() {
    let placed: Vec<(Addr, u16)> = (0..3).map(|a| (a, 0)).collect();
    let mut old = ShardMap::ring(&placed, 1, 3);
    old.set_primary(0, Some(1), 3);
    old.epoch = 3;
    let mut new = old.clone();
    new.set_primary(0, None, 4);
    new.epoch = 4;
    let rng = ChaCha8Rng::seed_from_u64(1);
    let durable = ControlDurable::new(ShardMap::ring(&placed, 1, 3));
    let mut follower = Control::new(1, Members::new(0..3), ControlConfig::default(), durable, rng, 0);
    let mut out = Out::default();
    follower.doubt_map();
    assert!(!follower.map_confirmed());
    follower.on_input(10, append(1, &old, 3), &mut out);
    assert!(follower.map_confirmed(), "a leader's heartbeat confirms the map");
    assert!(follower.is_primary(0, 10), "the committed map gives shard 0 to node 1");
    follower.on_input(20, append(1, &new, 4), &mut out);
    assert!(!follower.is_primary(0, 20), "revoked");
    // The heartbeat with the older map arrives late, behind the newer one.
    follower.on_input(30, append(1, &old, 4), &mut out);
    assert_eq!(follower.map().epoch, 4, "the follower keeps the newer map");
    assert!(!follower.is_primary(0, 30), "and does not take back the revoked role");
}

#[test]
fn a_migration_requested_while_no_leader_is_up_is_proposed_by_the_next_leader() {
    let mut net = Net::new(5, 8);
    net.run_until(1_000);
    let old = net.leaders()[0];
    net.down.insert(old);
    // The request reaches every node that is up while the cluster has no leader.
    let shard = 1;
    let primary = net.nodes[(old + 1) as usize % 5].map().primary_of(shard).expect("assigned");
    let to = (0..5).find(|&a| a != old && a != primary).unwrap();
    for id in (0..5).filter(|&a| a != old) {
        let mut out = Out::default();
        net.nodes[id as usize].on_msg(net.now, id, Ctl::Migrate(MigrateMsg::Request { id: 3, shard, to }), &mut out);
        net.absorb(id, out);
    }
    assert!(net.leaders().is_empty(), "nobody leads when the request arrives");
    net.run_until(6_000);
    let leader = net.leaders()[0];
    let m = net.nodes[leader as usize].map().migration(3).expect("the new leader proposed the request");
    assert_eq!((m.shard, m.to), (shard, to));
}

#[test]
fn a_completed_migration_is_not_undone_by_rebalancing() {
    let mut net = Net::new(5, 8);
    net.run_until(2_000);
    let leader = net.leaders()[0];
    let map = net.nodes[leader as usize].map().clone();
    let on = |n: Addr| map.primaries().iter().filter(|p| **p == Some(n)).count();
    // Move a shard onto the node with the most primaries, so the spread exceeds one after.
    let to = (0..5).max_by_key(|&n| (on(n), n)).unwrap();
    let shard = (0..8).find(|&s| map.primary_of(s) != Some(to)).unwrap();
    net.request_migration(leader, 1, shard, to);
    net.run_until(6_000);
    let map = net.nodes[leader as usize].map();
    assert_eq!(map.migration(1).map(|m| m.step), Some(Step::Done), "{map:?}");
    // Each of the three old replicas copies once to sync and once to verify (1 byte each here):
    // the bytes reported for the migration add both rounds up.
    let done_bytes = net.events.iter().find_map(|(_, _, e)| match e {
        ControlEvent::Migration(m) if m.id == 1 && m.step == Step::Done => Some(m.bytes),
        _ => None,
    });
    assert_eq!(done_bytes, Some(6));
    net.run_until(10_000);
    let map = net.nodes[leader as usize].map();
    assert_eq!(map.primary_of(shard), Some(to), "the migrated primary stays where it was sent: {map:?}");
}

#[test]
fn a_running_migration_pins_its_target_though_a_leaders_migration_of_the_shard_is_done() {
    let net = Net::new(5, 8);
    let mut c = net.nodes.into_iter().next().unwrap();
    let migration = |id, to, replaces, step| Migration {
        id,
        shard: 3,
        to,
        replaces,
        step,
        prev_replicas: vec![3, 4, 0],
        prev_primary: Some(3),
        next_replicas: vec![to, 3, 4],
        failure: None,
    };
    // A drain replaced a standby earlier (done; leaders' ids come after operators'), and the
    // operator's migration of the same shard to node 2 is in its transfer now.
    c.durable.map.put_migration(migration(AUTO_IDS + 3, 4, Some(1), Step::Done));
    c.durable.map.put_migration(migration(1, 2, None, Step::Transfer));
    for rebalance in [true, false] {
        let mut target = vec![Some(0); 8];
        c.pin_migrations(&mut target, &[true; 5], rebalance);
        assert_eq!(target[3], Some(2), "the running migration decides (rebalance {rebalance})");
    }
}

#[test]
fn a_leader_bounds_each_followers_lease_one_lease_wait_after_echoing_it() {
    let mut net = Net::new(5, 8);
    net.run_until(2_000);
    let leader = net.leaders()[0];
    let wait = ControlConfig::default().lease_wait_ms();
    let bounds: Vec<(u64, u64)> = net
        .events
        .iter()
        .filter_map(|(at, n, e)| match e {
            ControlEvent::LeaseBound { node, until_local } if *n == leader && *node != leader => {
                Some((*at, *until_local))
            }
            _ => None,
        })
        .collect();
    assert!(!bounds.is_empty());
    assert!(bounds.iter().all(|&(at, until)| until == at + wait), "{bounds:?}");
}

#[test]
fn a_migration_routes_only_once_every_member_heard_from_lately_accepted_its_map() {
    let mut net = Net::new(5, 8);
    net.run_until(2_000);
    let leader = net.leaders()[0];
    // One follower 60 ms away each way: still heard from within an election timeout.
    let slow = (0..5).find(|&a| a != leader).unwrap();
    net.delay[slow as usize] = 60;
    let map = net.nodes[leader as usize].map().clone();
    let shard = 0;
    let to = (0..5).find(|&a| a != leader && a != slow && Some(a) != map.primary_of(shard)).unwrap();
    net.request_migration(leader, 1, shard, to);
    net.run_until(8_000);
    let at = |step: Step| {
        net.events.iter().find_map(|(t, n, e)| match e {
            ControlEvent::Migration(m) if m.id == 1 && m.step == step && *n == leader => Some(*t),
            _ => None,
        })
    };
    let (route, verify) = (at(Step::Route).expect("routed"), at(Step::Verify).expect("verified"));
    assert!(verify >= route + 2 * 60, "the slow follower's acceptance takes a round trip: {route} -> {verify}");
}

#[test]
fn a_voter_lost_is_replaced_by_a_member_heard_from_lately_not_by_one_gone_quiet() {
    let mut net = Net::new(9, 8);
    net.run_until(2_000);
    let leader = net.leaders()[0];
    let voters = net.nodes[leader as usize].map().voters().to_vec();
    assert_eq!(voters, [0, 1, 2, 3, 4, 5, 6], "one zone: the seven lowest addresses");
    let gone = (0..7).find(|&v| v != leader).unwrap();
    net.down.insert(gone);
    net.run_until(3_500);
    // n7 goes quiet too: by the time the lost voter is replaced (after the 2 s lease), n7 has
    // been silent for about 0.5 s, longer than an election timeout but not yet down.
    net.down.insert(7);
    net.run_until(4_400);
    let voters = net.nodes[leader as usize].map().voters().to_vec();
    assert!(!voters.contains(&gone) && voters.contains(&8) && !voters.contains(&7), "{voters:?}");
}

#[test]
fn a_leader_migrating_its_own_primary_away_does_not_report_itself_dead() {
    let mut net = Net::new(5, 8);
    net.run_until(2_000);
    let leader = net.leaders()[0];
    let map = net.nodes[leader as usize].map().clone();
    let shard = (0..8).find(|&s| map.primary_of(s) == Some(leader)).expect("the leader is a primary");
    let to = (0..5).find(|&a| a != leader).unwrap();
    net.request_migration(leader, 1, shard, to);
    net.run_until(6_000);
    assert_eq!(net.nodes[leader as usize].map().migration(1).map(|m| m.step), Some(Step::Done));
    // The revoke is the leader's own: it knows it is alive, whenever it last heard from itself.
    let revokes: Vec<bool> = net
        .events
        .iter()
        .filter_map(|(_, _, e)| match e {
            ControlEvent::Revoked { shard: s, node, dead, .. } if *s == shard && *node == leader => Some(*dead),
            _ => None,
        })
        .collect();
    assert_eq!(revokes, [false]);
}

#[test]
fn a_primary_reports_its_roles_gone_when_its_lease_runs_out_not_at_its_election_deadline() {
    let placed: Vec<(Addr, u16)> = (0..3).map(|a| (a, 0)).collect();
    let mut map = ShardMap::ring(&placed, 1, 3);
    map.set_primary(0, Some(1), 3);
    map.epoch = 3;
    // A lease shorter than the election timeout, so the lease runs out first.
    let cfg = ControlConfig { lease_ms: 100, ..ControlConfig::default() };
    let durable = ControlDurable::new(ShardMap::ring(&placed, 1, 3));
    let mut node = Control::new(1, Members::new(0..3), cfg.clone(), durable, ChaCha8Rng::seed_from_u64(1), 0);
    let mut out = Out::default();
    node.on_input(10, append(1, &map, 3), &mut out);
    assert!(node.is_primary(0, 10));
    let lease_until = node.lease_until();
    assert!(lease_until > 10 && lease_until < 10 + cfg.election_timeout_ms.0, "lease ends at {lease_until}");
    node.arm(10, &mut out);
    let wakes: Vec<u64> = out.timers.iter().map(|(delay, _)| 10 + delay).collect();
    assert_eq!(wakes.last(), Some(&lease_until), "the node wakes when its lease runs out");
    let mut out = Out::default();
    node.on_input(lease_until, Input::Timer(ControlTimer::Tick { at: lease_until }), &mut out);
    let reported = out.events.iter().rev().find_map(|e| match e {
        ControlEvent::Roles { shards, .. } => Some(shards.clone()),
        _ => None,
    });
    assert_eq!(reported, Some(vec![]), "it reports holding nothing from then on");
}

#[test]
fn a_late_pre_vote_reply_from_a_higher_term_catches_the_node_up_to_the_term_before_it() {
    let rng = ChaCha8Rng::seed_from_u64(1);
    let placed: Vec<(Addr, u16)> = (0..3).map(|a| (a, 0)).collect();
    let durable = ControlDurable::new(ShardMap::ring(&placed, 1, 3));
    let mut node = Control::new(1, Members::new(0..3), ControlConfig::default(), durable, rng, 0);
    let mut out = Out::default();
    // A reply names the term it was asked about: the replier's own term is at least the one before.
    node.on_input(10, Input::Msg { from: 2, msg: Ctl::PreVoteReply { term: 5, granted: false } }, &mut out);
    assert_eq!(node.term(), 4, "its next pre-vote then asks for term 5, not past it");
}
