//! Builds what a scenario describes for one root seed: the cluster's configuration (nodes,
//! shard map, members, network, node settings, random streams) and its clients.

use std::collections::BTreeMap;
use std::sync::Arc;

use nodes::client::{Balancer, ClientConfig};
use nodes::coordinator::CoordinatorConfig;
use nodes::membership::Members;
use nodes::node::NodeConfig;
use nodes::shard_map::ShardMap;
use nodes::{Addr, ClientSetup, ClusterConfig};

use super::workload::{ClientWorkload, Zipf};
use crate::scenario::model::{KeyDist, Scenario};
use crate::seed::{stream, Stream};

/// The cluster config and clients of `scenario` for root seed `seed`.
pub fn build_config(scenario: &Scenario, seed: u64) -> (ClusterConfig, Vec<ClientSetup>) {
    let c = &scenario.cluster;
    let zones: Vec<u16> = c.nodes.iter().map(|n| n.zone).collect();
    // The cluster gives node i address i; everything below is told the addresses.
    let addrs: Vec<Addr> = (0..c.nodes.len() as Addr).collect();
    let placed: Vec<(Addr, u16)> = addrs.iter().copied().zip(zones.iter().copied()).collect();
    // Nodes that join later hold no replica until the leader moves some onto them.
    let outside = scenario.outside_at_start();
    let (later, from_start): (Vec<_>, Vec<_>) = placed.iter().copied().partition(|(a, _)| outside.contains(a));
    let shards = Arc::new(c.shard_spec());
    let cfg = ClusterConfig {
        node_zones: zones,
        map: ShardMap::placed(&from_start, &shards).with_outside(&later),
        net: c.net.clone(),
        node: NodeConfig {
            coordinator: CoordinatorConfig {
                request_timeout_ms: c.request_timeout_ms,
                writes_via_primary: c.writes_via_primary,
                read_repair: c.storage.read_repair,
                handoff: c.storage.hinted_handoff,
                hedge: c.storage.hedge,
                breaker: c.storage.breaker,
                linearizable: c.storage.linearizable,
            },
            storage: c.storage.store,
            anti_entropy: c.storage.anti_entropy,
            control: c.control.clone(),
            members: Members::new(addrs.iter().copied()),
            gossip: c.membership.map(|g| (g, Members::new(addrs.iter().copied().filter(|a| !outside.contains(a))))),
        },
        net_seed: stream(seed, Stream::Network, 0),
        node_seeds: (0..c.nodes.len() as u32).map(|i| stream(seed, Stream::Node, i)).collect(),
        service: c.service.clone().map(|s| (s, stream(seed, Stream::Service, 0))),
        standby: scenario.standby(),
    };
    // One balancer per workload group (and per probe); clients take zones round-robin.
    let balancer = || Balancer::group(c.balancer, &placed);
    let client_zone = |index: u32| (index % c.zones.len() as u32) as u16;
    let mut clients = vec![];
    // Groups with the same key space and exponent share one sampler.
    let mut samplers: BTreeMap<(u64, u64), Arc<Zipf>> = BTreeMap::new();
    for (gi, group) in scenario.workload.iter().enumerate() {
        let group = Arc::new(group.clone());
        let zipf = match group.key_dist {
            KeyDist::Zipf(s) => Some(
                samplers.entry((group.keys, s.to_bits())).or_insert_with(|| Arc::new(Zipf::new(group.keys, s))).clone(),
            ),
            KeyDist::Uniform => None,
        };
        let coordinators = balancer();
        for _ in 0..group.clients {
            let index = clients.len() as u32;
            clients.push(ClientSetup {
                cfg: ClientConfig {
                    group: gi as u16,
                    timeout_ms: c.client_timeout_ms,
                    coordinators: coordinators.for_zone(client_zone(index)),
                    shards: shards.clone(),
                    send_context: group.send_context,
                    retry: group.retry,
                },
                workload: Box::new(ClientWorkload::new(
                    group.clone(),
                    zipf.clone(),
                    stream(seed, Stream::Workload, index),
                )),
                rng: stream(seed, Stream::Client, index),
            });
        }
    }
    // Each probe is a writer and a reader, after the workload's clients (so a scenario without
    // probes builds exactly what it did before).
    for (i, p) in scenario.probes.iter().enumerate() {
        let (writer, reader) = super::probe::pair(p, i as u32);
        let coordinators = balancer();
        for workload in [writer, reader] {
            let index = clients.len() as u32;
            clients.push(ClientSetup {
                cfg: ClientConfig {
                    group: (scenario.workload.len() + i) as u16,
                    timeout_ms: c.client_timeout_ms,
                    coordinators: coordinators.for_zone(client_zone(index)),
                    shards: shards.clone(),
                    send_context: false,
                    retry: Default::default(),
                },
                workload,
                rng: stream(seed, Stream::Client, index),
            });
        }
    }
    (cfg, clients)
}
