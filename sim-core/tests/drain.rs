//! Draining a dead node: the leader replaces its replicas from the other replicas, so the drain
//! ends while the node is down instead of waiting for it to come back.

use std::path::Path;
use std::sync::Arc;

use sim_core::drive::run_seed;
use sim_core::history::{ControlEvent, NodeChange, Standing};
use sim_core::scenario;

#[test]
fn a_dead_node_is_drained_while_it_is_down_and_nothing_acknowledged_is_lost() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/membership-drain-dead.yaml");
    let s = Arc::new(scenario::load(&path).unwrap_or_else(|e| panic!("{e}")));
    let r = run_seed(&s, 1).expect("the run completes");
    assert_eq!(r.exit_code(), 0, "{:?}", r.verdicts.iter().filter(|v| !v.passed).collect::<Vec<_>>());
    let h = &r.history;
    let n2 = 1;
    let at = |change: NodeChange| h.node_events.iter().find(|e| e.node == n2 && e.change == change).map(|e| e.at_ms);
    let (crashed, restarted) = (at(NodeChange::Crashed).expect("n2 crashed"), at(NodeChange::Restarted));
    let drained = h
        .control
        .iter()
        .find(|c| matches!(c.event, ControlEvent::Standing { node, standing: Standing::Drained } if node == n2))
        .map(|c| c.at_ms)
        .expect("n2 recorded drained");
    assert!(drained > crashed, "drained at {drained} ms, crashed at {crashed} ms");
    assert!(restarted.is_none_or(|t| drained < t), "drained at {drained} ms, before its restart at {restarted:?}");
    assert!(drained < 15_000, "the drain took {} ms", drained - crashed);
}
