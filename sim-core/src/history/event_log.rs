//! The ordered event log of a run as JSON lines (`--trace FILE`): one object a line with the
//! simulated time, the node, and the event (operations with key, shard, level and outcome;
//! every message's send, delivery and drop with sender, receiver, kind, request id and key;
//! node crashes and restarts; elections, primary roles, leases and commits; faults), so `grep`
//! or `jq` can follow one node, key or shard. Nodes go by their names (`n3`), clients as
//! `c12`, writes as `c12#40` (client and sequence number).
//!
//! Lease renewals are collapsed: a node's continuous tenure is one `lease` line at its start
//! with the end it reached (`until_ms`) and the number of renewals; a gap starts a new line.
//! The history keeps every renewal, so the trace hash is the same as before the collapse.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::names::Names;
use super::trace_filter::LineFilter;
use super::{ControlEvent, History, MessageEvent, MessageRecord, NodeChange, Op, OpKind, Outcome};

/// Order of same-millisecond lines: faults, node changes, control, leases, messages, then
/// operations (whose answers were the messages just before them).
const MESSAGE_ORDER: u8 = 4;

/// Writes every event of `history` kept by `filter` to `out` in simulated-time order, one JSON
/// object a line.
///
/// Events at the same millisecond keep the order faults, node changes, control events,
/// leases, messages, operations: the order in which the injector's actions cause them.
pub fn write(history: &History, filter: &LineFilter, out: &mut impl Write) -> io::Result<()> {
    let names = Names::of(history);
    let leases = lease_tenures(history);
    let mut events: Vec<(u64, u8, usize)> = Vec::new();
    events.extend(history.faults.iter().enumerate().map(|(i, f)| (f.at_ms, 0, i)));
    events.extend(history.node_events.iter().enumerate().map(|(i, e)| (e.at_ms, 1, i)));
    events.extend(history.control.iter().enumerate().map(|(i, c)| (c.at_ms, 2, i)));
    events.extend(leases.iter().enumerate().map(|(i, l)| (l.from_ms, 3, i)));
    events.extend(history.ops.iter().enumerate().map(|(i, o)| (o.complete_ms, 5, i)));
    events.sort_unstable();
    let mut messages = history.messages.iter().peekable();
    let mut line_buf = Vec::with_capacity(256);
    let quoted = QuotedNames::new(&names, history);
    for (t, kind, i) in events {
        while let Some(m) = messages.next_if(|m| (m.at_ms, MESSAGE_ORDER) < (t, kind)) {
            if keeps(filter, m) {
                message_line(m, &names, &quoted, &mut line_buf);
                out.write_all(&line_buf)?;
            }
        }
        let line = match kind {
            0 => fault_line(history, &names, filter, i),
            1 => node_line(history, filter, i),
            2 => control_line(history, filter, i),
            3 => lease_line(&leases[i], &names, filter),
            _ => op_line(&names, filter, &history.ops[i]),
        };
        if let Some(line) = line {
            serde_json::to_writer(&mut *out, &line)?;
            out.write_all(b"\n")?;
        }
    }
    for m in messages.filter(|m| keeps(filter, m)) {
        message_line(m, &names, &quoted, &mut line_buf);
        out.write_all(&line_buf)?;
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

/// Whether `filter` keeps message line `m` (the recorder filtered already with the run's
/// filter; a history traced more widely can still be written narrower).
fn keeps(filter: &LineFilter, m: &MessageRecord) -> bool {
    filter.keeps(m.key, &[m.from, m.to], &[m.event.name(), m.kind], false)
}

/// Endpoint names as JSON strings, by address, made once: a traced run writes millions of them.
struct QuotedNames(Vec<String>);

impl QuotedNames {
    fn new(names: &Names, history: &History) -> Self {
        let top = history.messages.iter().map(|m| m.from.max(m.to) + 1).max().unwrap_or(0);
        QuotedNames((0..top).map(|a| Value::String(names.node(a)).to_string()).collect())
    }
}

/// One message line into `buf`, written by hand: a traced run has millions of them, and
/// building a JSON value for each took most of the write time.
fn message_line(m: &MessageRecord, names: &Names, quoted: &QuotedNames, buf: &mut Vec<u8>) {
    buf.clear();
    let q = &quoted.0;
    let _ = write!(
        buf,
        r#"{{"t_ms":{},"event":"{}","kind":"{}","from":{},"to":{}"#,
        m.at_ms,
        m.event.name(),
        m.kind,
        q[m.from as usize],
        q[m.to as usize]
    );
    if let Some(req) = m.req {
        let _ = write!(buf, r#","req":{req}"#);
    }
    if let Some(key) = m.key {
        let _ = write!(buf, r#","key":{key}"#);
    }
    match m.event {
        MessageEvent::Send { deliver_ms } => {
            let _ = write!(buf, r#","deliver_ms":{deliver_ms}"#);
        }
        MessageEvent::Drop(why) => {
            let _ = write!(buf, r#","why":"{why}""#);
        }
        MessageEvent::Deliver => {}
    }
    if let Some(value) = m.value {
        buf.extend_from_slice(br#","write":""#);
        names.write_into(value, buf);
        buf.push(b'"');
    }
    if let Some(versions) = &m.versions {
        buf.extend_from_slice(br#","versions":["#);
        for (i, v) in versions.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ =
                write!(buf, r#"{sep}{{"write":"{}","version":"{}"}}"#, names.write(v.value), names.version(&v.version));
        }
        buf.push(b']');
    }
    buf.extend_from_slice(b"}\n");
}

/// One node's continuous hold of its lease: from its first renewal to the end its last one
/// reached, without a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseTenure {
    /// Node address.
    pub node: u32,
    /// Simulated time of the first renewal.
    pub from_ms: u64,
    /// The end the last renewal reached.
    pub until_ms: u64,
    /// Renewals in the tenure, the first included.
    pub renewals: u64,
}

/// Every node's lease tenures, in order of start: renewals that come before the current
/// lease ended extend it; a renewal after it ended starts a new tenure.
pub fn lease_tenures(history: &History) -> Vec<LeaseTenure> {
    let mut open: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
    let mut tenures: Vec<LeaseTenure> = Vec::new();
    for l in &history.leases {
        match open.get(&l.node).map(|&i| &mut tenures[i]) {
            Some(t) if l.at_ms <= t.until_ms => {
                t.until_ms = t.until_ms.max(l.until_ms);
                t.renewals += 1;
            }
            _ => {
                open.insert(l.node, tenures.len());
                tenures.push(LeaseTenure { node: l.node, from_ms: l.at_ms, until_ms: l.until_ms, renewals: 1 });
            }
        }
    }
    tenures
}

fn lease_line(l: &LeaseTenure, names: &Names, filter: &LineFilter) -> Option<Value> {
    filter.keeps(None, &[l.node], &["lease"], false).then(|| {
        json!({ "t_ms": l.from_ms, "node": names.node(l.node), "event": "lease", "until_ms": l.until_ms, "renewals": l.renewals })
    })
}

fn fault_line(history: &History, names: &Names, filter: &LineFilter, i: usize) -> Option<Value> {
    let f = &history.faults[i];
    let event = if f.undo { "fault_end" } else { "fault" };
    if !filter.keeps(None, &f.nodes, &[event], true) {
        return None;
    }
    let nodes: Vec<String> = f.nodes.iter().map(|&n| names.node(n)).collect();
    Some(json!({
        "t_ms": f.at_ms,
        "event": event,
        "fault": f.label,
        "nodes": nodes,
        "until_ms": f.until_ms,
    }))
}

fn node_line(history: &History, filter: &LineFilter, i: usize) -> Option<Value> {
    let e = &history.node_events[i];
    let change = match e.change {
        NodeChange::Crashed => "crashed",
        NodeChange::Restarted => "restarted",
        NodeChange::Paused => "paused",
        NodeChange::Resumed => "resumed",
        NodeChange::Joined => "joined",
        NodeChange::Left => "left",
    };
    filter
        .keeps(None, &[e.node], &[change], true)
        .then(|| json!({ "t_ms": e.at_ms, "node": history.node_name(e.node), "event": change }))
}

fn control_line(history: &History, filter: &LineFilter, i: usize) -> Option<Value> {
    let c = &history.control[i];
    let node = history.node_name(c.node);
    let event = match &c.event {
        ControlEvent::BecameLeader { .. } => "became_leader",
        ControlEvent::SteppedDown { .. } => "stepped_down",
        ControlEvent::Roles { .. } => "primary_roles",
        ControlEvent::Committed { .. } => "committed",
        ControlEvent::GrantsOpen { .. } => "grants_open",
        ControlEvent::Voters { .. } => "voters",
        ControlEvent::Standing { .. } => "standing",
    };
    if !filter.keeps(None, &[c.node], &[event], false) {
        return None;
    }
    Some(match &c.event {
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
        ControlEvent::GrantsOpen { term } => {
            json!({ "t_ms": c.at_ms, "node": node, "event": "grants_open", "term": term })
        }
        ControlEvent::Voters { epoch, voters } => {
            let voters: Vec<String> = voters.iter().map(|&v| history.node_name(v)).collect();
            json!({ "t_ms": c.at_ms, "node": node, "event": "voters", "epoch": epoch, "voters": voters })
        }
        ControlEvent::Standing { node: member, standing } => {
            let member = history.node_name(*member);
            json!({ "t_ms": c.at_ms, "node": node, "event": "standing", "member": member, "standing": standing.name() })
        }
    })
}

fn op_line(names: &Names, filter: &LineFilter, op: &Op) -> Option<Value> {
    let event = match op.kind {
        OpKind::Read => "read",
        OpKind::Write => "write",
    };
    let nodes = [op.coordinator.unwrap_or(op.client), op.client];
    if !filter.keeps(Some(op.key), &nodes, &[event], false) {
        return None;
    }
    let mut line = json!({
        "t_ms": op.complete_ms,
        "node": op.coordinator.map(|c| names.node(c)),
        "event": event,
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
    if op.retries > 0 {
        fields.insert("retries".into(), json!(op.retries));
    }
    match op.kind {
        OpKind::Write => {
            fields.insert("write".into(), json!(format!("c{}#{}", op.client, op.seq)));
            fields.insert("value".into(), json!(op.value));
            fields.insert("context".into(), json!(names.version(&op.context)));
            fields.insert("version".into(), op.version.as_ref().map_or(Value::Null, |v| json!(names.version(v))));
        }
        OpKind::Read => {
            let read: Vec<Value> = op
                .read
                .iter()
                .map(|v| json!({ "write": names.write(v.value), "value": v.value, "version": names.version(&v.version) }))
                .collect();
            fields.insert("read".into(), Value::Array(read));
        }
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{FaultRecord, Level, Version};

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
        write(&h, &LineFilter::default(), &mut out).expect("written");
        let lines: Vec<Value> =
            String::from_utf8(out).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
        let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().expect("event")).collect();
        assert_eq!(events, ["fault", "crashed", "write", "read"]);
        assert_eq!(lines[1]["node"], "n3");
        assert_eq!((lines[2]["key"].as_u64(), lines[2]["node"].as_str()), (Some(5), Some("n2")));
        assert_eq!(lines[2]["shard"].as_u64(), Some(3));
        assert_eq!((lines[2]["level"].as_str(), lines[2]["outcome"].as_str()), (Some("QUORUM"), Some("ok")));
        assert_eq!(lines[2]["version"], json!("n2:1{}"));
        assert_eq!(lines[2]["write"], json!("c9#1"));
    }

    fn lines_of(h: &History, filter: &LineFilter) -> Vec<Value> {
        let mut out = Vec::new();
        write(h, filter, &mut out).expect("written");
        String::from_utf8(out).expect("utf-8").lines().map(|l| serde_json::from_str(l).expect("json")).collect()
    }

    #[test]
    fn messages_interleave_by_time_with_their_fate_and_a_filter_keeps_one_key() {
        let mut h = History::new();
        h.node_names = vec!["n1".into(), "n2".into()];
        h.record_op(20, op(20, 5, OpKind::Write));
        let m = |at_ms, event, key| MessageRecord {
            at_ms,
            from: 0,
            to: 1,
            kind: "replica_write",
            event,
            req: Some(4),
            key: Some(key),
            value: None,
            versions: None,
        };
        h.messages = vec![
            m(15, MessageEvent::Send { deliver_ms: 18 }, 5),
            m(16, MessageEvent::Drop("partition"), 6),
            m(20, MessageEvent::Deliver, 5),
        ];
        let all = lines_of(&h, &LineFilter::default());
        let events: Vec<&str> = all.iter().map(|l| l["event"].as_str().unwrap()).collect();
        assert_eq!(events, ["send", "drop", "deliver", "write"], "a message at the op's ms comes first");
        assert_eq!(
            (all[0]["from"].as_str(), all[0]["to"].as_str(), all[0]["deliver_ms"].as_u64()),
            (Some("n1"), Some("n2"), Some(18))
        );
        assert_eq!((all[1]["why"].as_str(), all[1]["req"].as_u64()), (Some("partition"), Some(4)));
        let filter =
            "key=5".parse::<crate::history::trace_filter::TraceFilter>().unwrap().resolve(&h.node_names).unwrap();
        let events: Vec<String> =
            lines_of(&h, &filter).iter().map(|l| l["event"].as_str().unwrap().to_string()).collect();
        assert_eq!(events, ["send", "deliver", "write"], "the drop was about key 6");
    }

    #[test]
    fn lease_renewals_collapse_into_tenures_and_a_lapse_starts_a_new_one() {
        let mut h = History::new();
        h.node_names = vec!["n1".into(), "n2".into()];
        for at in [100, 200, 300] {
            h.record_lease(at, 0, at + 150);
        }
        h.record_lease(1000, 0, 1150);
        h.record_lease(120, 1, 270);
        let hash = h.trace_hash();
        let tenures = lease_tenures(&h);
        let seen: Vec<(u32, u64, u64, u64)> =
            tenures.iter().map(|t| (t.node, t.from_ms, t.until_ms, t.renewals)).collect();
        assert_eq!(seen, [(0, 100, 450, 3), (0, 1000, 1150, 1), (1, 120, 270, 1)]);
        let leases: Vec<Value> =
            lines_of(&h, &LineFilter::default()).into_iter().filter(|l| l["event"] == "lease").collect();
        assert_eq!(leases.len(), 3, "{leases:?}");
        assert_eq!((leases[0]["node"].as_str(), leases[0]["renewals"].as_u64()), (Some("n1"), Some(3)));
        assert_eq!(h.leases.len(), 5, "the history keeps every renewal");
        assert_eq!(h.trace_hash(), hash);
    }
}
