//! `clients_avoid_stopped_machines`: no client sent a request to a machine the autoscaler had
//! off (a spare it never started, or a node it drained and turned off). Judged from what the
//! network saw (requests that reached a node while it was down: it refuses the connection)
//! against the machines the autoscaler turned on and off, never from the clients' lists.
//!
//! The autoscaler takes a node out of the clients' lists when its drain starts, seconds before
//! it turns the machine off, so no request in flight can reach it off: any such request was
//! sent to a machine the clients should not have known as serving. A crashed machine that is
//! on is not judged here (clients cannot know a crash before trying).

use super::describe::secs;
use super::verdict::{PropertyClass, Verdict, EXAMPLES_MAX};
use crate::history::capacity::{MachineRecord, RefusedRequest};
use crate::history::History;

/// Judges `clients_avoid_stopped_machines` (see the module comment). A run without an
/// autoscaler fails: the scenario expects a property of something it does not have.
pub fn clients_avoid_stopped_machines(history: &History) -> Verdict {
    let Some(log) = &history.capacity else {
        return verdict(1, 0, "no autoscaler ran: the scenario has no `autoscaler:`".into(), Vec::new());
    };
    let names = |a: u32| history.node_name(a);
    judge(&history.refused_by_down, &log.machines, log.initial, history.nodes, names)
}

/// The verdict over `refused` requests, given the `machines` turned on and off (in time
/// order) and that addresses below `initial` were on at the start.
fn judge(
    refused: &[RefusedRequest],
    machines: &[MachineRecord],
    initial: u32,
    nodes: u32,
    name: impl Fn(u32) -> String,
) -> Verdict {
    let count = nodes.max(initial) as usize;
    // Per node: `None` while on, else since when it is off (0: off from the start).
    let mut off: Vec<Option<u64>> = (0..count as u32).map(|a| (a >= initial).then_some(0)).collect();
    let (mut violations, mut examples, mut next) = (0u64, Vec::new(), 0);
    for r in refused {
        // A machine change at the very time of a send counts: it was decided before.
        while let Some(m) = machines.get(next).filter(|m| m.at_ms <= r.at_ms) {
            if let Some(slot) = off.get_mut(m.node as usize) {
                *slot = (!m.on).then_some(m.at_ms);
            }
            next += 1;
        }
        let Some(since) = off.get(r.node as usize).copied().flatten() else { continue };
        violations += 1;
        if examples.len() < EXAMPLES_MAX {
            let when = if since == 0 { "off from the start".to_string() } else { format!("off since {}", secs(since)) };
            examples.push(format!(
                "client {} sent a request to {} at {} ({when})",
                r.client,
                name(r.node),
                secs(r.at_ms)
            ));
        }
    }
    let detail = format!(
        "{} client requests reached a node that was down; {violations} of them a machine the autoscaler had off",
        refused.len()
    );
    verdict(violations, refused.len() as u64, detail, examples)
}

fn verdict(violations: u64, checked: u64, detail: String, examples: Vec<String>) -> Verdict {
    Verdict::judged("clients_avoid_stopped_machines", PropertyClass::Safety, violations, checked, detail, examples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(at_ms: u64, node: u32) -> RefusedRequest {
        RefusedRequest { at_ms, client: 7, node }
    }

    fn machine(at_ms: u64, node: u32, on: bool) -> MachineRecord {
        MachineRecord { at_ms, node, on }
    }

    fn name(a: u32) -> String {
        format!("n{a}")
    }

    /// Nodes 0..3 on at the start, 3 and 4 spares; 3 turned on at 10 s, 1 turned off at 30 s.
    fn machines() -> Vec<MachineRecord> {
        vec![machine(10_000, 3, true), machine(30_000, 1, false)]
    }

    #[test]
    fn requests_refused_by_machines_that_were_on_pass() {
        // Node 2 crashed (on, but down) and node 3 once started: clients may try them.
        let v = judge(&[refused(5_000, 2), refused(12_000, 3), refused(29_999, 1)], &machines(), 3, 5, name);
        assert!(v.passed, "{v:?}");
        assert_eq!(v.checked, 3);
    }

    #[test]
    fn a_request_to_a_spare_never_started_fails() {
        let v = judge(&[refused(1_000, 4), refused(9_000, 3)], &machines(), 3, 5, name);
        assert_eq!((v.passed, v.violations), (false, 2), "{v:?}");
        assert_eq!(v.examples[0], "client 7 sent a request to n4 at 1.000s (off from the start)");
    }

    #[test]
    fn a_request_to_a_machine_after_it_was_turned_off_fails() {
        let v = judge(&[refused(30_000, 1), refused(31_000, 1)], &machines(), 3, 5, name);
        assert_eq!((v.passed, v.violations), (false, 2), "{v:?}");
        assert_eq!(v.examples[1], "client 7 sent a request to n1 at 31.000s (off since 30.000s)");
    }

    #[test]
    fn a_run_without_an_autoscaler_fails_the_expectation() {
        let v = clients_avoid_stopped_machines(&History::new());
        assert!(!v.passed);
        assert!(v.detail.contains("no autoscaler"), "{}", v.detail);
    }
}
