//! The ordered event log of a run as JSON lines (`--trace FILE`): one object a line with the
//! simulated time, the node, and the event (operations with key, shard, level and outcome;
//! node crashes and restarts; elections, primary roles, leases and commits; faults), so `grep`
//! or `jq` can follow one node, key or shard.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{ControlEvent, History, NodeChange, Op, OpKind, Outcome, Version};

/// Writes every event of `history` to `out` in simulated-time order, one JSON object a line.
///
/// Events at the same millisecond keep the order faults, node changes, operations, which is
/// the order in which the injector's actions cause them.
pub fn write(history: &History, out: &mut impl Write) -> io::Result<()> {
    let mut events: Vec<(u64, u8, usize)> = Vec::new();
    events.extend(history.faults.iter().enumerate().map(|(i, f)| (f.at_ms, 0, i)));
    events.extend(history.node_events.iter().enumerate().map(|(i, e)| (e.at_ms, 1, i)));
    events.extend(history.control.iter().enumerate().map(|(i, c)| (c.at_ms, 2, i)));
    events.extend(history.leases.iter().enumerate().map(|(i, l)| (l.at_ms, 3, i)));
    events.extend(history.ops.iter().enumerate().map(|(i, o)| (o.complete_ms, 4, i)));
    events.sort_unstable();
    for (_, kind, i) in events {
        let line = match kind {
            0 => fault_line(history, i),
            1 => node_line(history, i),
            2 => control_line(history, i),
            3 => {
                let l = &history.leases[i];
                json!({ "t_ms": l.at_ms, "node": history.node_name(l.node), "event": "lease", "until_ms": l.until_ms })
            }
            _ => op_line(history, &history.ops[i]),
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    if let Some(state) = &history.final_state {
        let keys: usize = state.replicas.iter().map(|s| s.keys.len()).sum();
        let line =
            json!({ "t_ms": state.at_ms, "event": "final_state", "replicas": state.replicas.len(), "keys": keys });
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn fault_line(history: &History, i: usize) -> Value {
    let f = &history.faults[i];
    let nodes: Vec<String> = f.nodes.iter().map(|&n| history.node_name(n)).collect();
    json!({
        "t_ms": f.at_ms,
        "event": if f.undo { "fault_end" } else { "fault" },
        "fault": f.label,
        "nodes": nodes,
        "until_ms": f.until_ms,
    })
}

fn node_line(history: &History, i: usize) -> Value {
    let e = &history.node_events[i];
    let change = match e.change {
        NodeChange::Crashed => "crashed",
        NodeChange::Restarted => "restarted",
        NodeChange::Paused => "paused",
        NodeChange::Resumed => "resumed",
    };
    json!({ "t_ms": e.at_ms, "node": history.node_name(e.node), "event": change })
}

fn control_line(history: &History, i: usize) -> Value {
    let c = &history.control[i];
    let node = history.node_name(c.node);
    match &c.event {
        ControlEvent::BecameLeader { term } => {
            json!({ "t_ms": c.at_ms, "node": node, "event": "became_leader", "term": term })
        }
        ControlEvent::SteppedDown { term, reason } => {
            json!({ "t_ms": c.at_ms, "node": node, "event": "stepped_down", "term": term, "reason": format!("{reason:?}") })
        }
        ControlEvent::Roles { epoch, shards } => {
            json!({ "t_ms": c.at_ms, "node": node, "event": "primary_roles", "epoch": epoch, "shards": shards })
        }
        ControlEvent::Committed { epoch, assigned } => {
            json!({ "t_ms": c.at_ms, "node": node, "event": "committed", "epoch": epoch, "assigned": assigned })
        }
    }
}

fn op_line(history: &History, op: &Op) -> Value {
    let mut line = json!({
        "t_ms": op.complete_ms,
        "node": op.coordinator.map(|c| history.node_name(c)),
        "event": match op.kind { OpKind::Read => "read", OpKind::Write => "write" },
        "key": op.key,
        "shard": op.shard,
        "level": op.level.to_string(),
        "required": op.required,
        "n": op.n,
        "outcome": match op.outcome {
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::Indeterminate => "indeterminate",
        },
        "client": op.client,
        "seq": op.seq,
        "invoke_ms": op.invoke_ms,
        "latency_ms": op.latency_ms(),
    });
    let fields = line.as_object_mut().expect("an object");
    if let Some(reason) = &op.reason {
        fields.insert("reason".into(), json!(reason));
    }
    match op.kind {
        OpKind::Write => {
            fields.insert("value".into(), json!(op.value));
            fields.insert("context".into(), version(&op.context));
            fields.insert("version".into(), op.version.as_ref().map_or(Value::Null, version));
        }
        OpKind::Read => {
            let read: Vec<Value> =
                op.read.iter().map(|v| json!({ "value": v.value, "version": version(&v.version) })).collect();
            fields.insert("read".into(), Value::Array(read));
        }
    }
    line
}

/// A version as the text `#1:2{#0:..4}` (see `history::Version`).
fn version(v: &Version) -> Value {
    Value::String(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, Level};

    fn op(complete_ms: u64, key: u64, kind: OpKind) -> Op {
        Op {
            client: 9,
            seq: 1,
            shard: Some(3),
            level: Level::Quorum,
            required: 2,
            coordinator: Some(1),
            value: Some(7),
            version: Some(Version::from_parts(Some((1, 1)), None)),
            ..Op::blank(kind, key, (complete_ms - 3, complete_ms))
        }
    }

    #[test]
    fn events_come_out_in_time_order_one_json_object_a_line() {
        let mut h = History::new();
        h.node_names = vec!["n1".into(), "n2".into(), "n3".into()];
        h.record_op(20, op(20, 5, OpKind::Write));
        h.record_op(30, op(30, 6, OpKind::Read));
        h.record_node(10, 2, NodeChange::Crashed);
        h.record_fault(FaultRecord {
            at_ms: 10,
            label: "crash n3".into(),
            nodes: vec![2],
            until_ms: None,
            undo: false,
        });
        let mut out = Vec::new();
        write(&h, &mut out).expect("written");
        let lines: Vec<Value> =
            String::from_utf8(out).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
        let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().expect("event")).collect();
        assert_eq!(events, ["fault", "crashed", "write", "read"]);
        assert_eq!(lines[1]["node"], "n3");
        assert_eq!((lines[2]["key"].as_u64(), lines[2]["node"].as_str()), (Some(5), Some("n2")));
        assert_eq!(lines[2]["shard"].as_u64(), Some(3));
        assert_eq!((lines[2]["level"].as_str(), lines[2]["outcome"].as_str()), (Some("QUORUM"), Some("ok")));
        assert_eq!(lines[2]["version"], json!("#1:1{}"));
    }
}
