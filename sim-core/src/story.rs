//! The story of a counterexample, for a person (`clustersim explain`, and the report's
//! "first counterexample, told" section): for a stale read, the read and the write it missed,
//! the faults active then, the operations on the key around them, the messages each caused
//! (from a traced run), and which replicas answered the read with which versions.

use std::fmt::Write as _;

use crate::check::causality::Causality;
use crate::check::describe::secs;
use crate::check::stale_reads::{self, anomaly};
use crate::check::Verdict;
use crate::drive::{run_plan, Plan, RunResult};
use crate::history::names::Names;
use crate::history::trace_filter::LineFilter;
use crate::history::{History, MessageEvent, MessageRecord, Op, OpKind, Outcome};

/// Most operations and messages listed in one part of a story.
const LINES_MAX: usize = 40;

/// The first counterexample of `verdict`, as op indices: the stale read and the write it
/// missed; `None` for other properties or when it found none.
pub fn stale_pair(history: &History, verdict: &Verdict) -> Option<(usize, usize)> {
    let quorum_only = match verdict.name.as_str() {
        "no_stale_quorum_reads" => true,
        "no_stale_reads" => false,
        _ => return None,
    };
    if verdict.violations == 0 {
        return None;
    }
    let causality = Causality::of(&history.ops);
    stale_reads::scan(history, &causality, quorum_only).examples.first().copied()
}

/// The story of `verdict`'s first counterexample; `window_ms` widens the list of operations on
/// the key before and after it. Messages appear when `history` was traced (on the key at least).
pub fn tell(history: &History, verdict: &Verdict, window_ms: u64) -> String {
    let mut s = String::new();
    let names = Names::of(history);
    let _ = writeln!(s, "{}: {} ({} violations)", verdict.name, verdict.detail, verdict.violations);
    let Some((ri, wi)) = stale_pair(history, verdict) else {
        for e in &verdict.examples {
            let _ = writeln!(s, "  {e}");
        }
        faults(&mut s, history, 0, u64::MAX);
        return s;
    };
    let (r, w) = (&history.ops[ri], &history.ops[wi]);
    let causality = Causality::of(&history.ops);
    let kind = anomaly(&history.ops, &causality, ri, wi);
    let replicas = history.final_state.as_ref().map_or(&[][..], |f| f.replicas_of(r));
    let replica_names: Vec<String> = replicas.iter().map(|&n| names.node(n)).collect();
    let _ = writeln!(
        s,
        "\n{} on key {} (shard {}, replicas {}):",
        kind.name().replace('_', " "),
        r.key,
        r.shard.map_or("?".into(), |x| x.to_string()),
        replica_names.join(" ")
    );
    let _ = writeln!(s, "  the stale read:     {}", op_line(r, &names));
    let _ = writeln!(s, "  the write it missed: {}", op_line(w, &names));
    let (from, to) = (w.invoke_ms.min(r.invoke_ms), r.complete_ms.max(w.complete_ms));
    faults(&mut s, history, from, to);
    window(&mut s, history, &names, r.key, (from.saturating_sub(window_ms), to + window_ms), (ri, wi));
    if history.messages.is_empty() {
        let _ = writeln!(s, "\n(no messages: the run was not traced; `clustersim explain` re-runs it traced)");
        return s;
    }
    let _ = writeln!(s, "\nmessages of the missed write {}:", op_id(w));
    messages(&mut s, history, &names, w);
    let _ = writeln!(s, "\nmessages of the stale read {}:", op_id(r));
    let answers = messages(&mut s, history, &names, r);
    // When the coordinator answered the client: replies after it were not counted.
    let served_ms = history
        .messages
        .iter()
        .find(|m| m.to == r.client && m.req == Some(r.seq) && m.kind == "read_ok" && m.event != MessageEvent::Deliver)
        .map_or(r.complete_ms, |m| m.at_ms);
    reached(&mut s, history, &names, w, replicas, served_ms);
    let _ = writeln!(
        s,
        "\nreplicas that answered the read {} (its coordinator answered the client at {}):",
        op_id(r),
        secs(served_ms)
    );
    if let Some(c) = r.coordinator.filter(|c| replicas.contains(c)) {
        let _ =
            writeln!(s, "  {} coordinated it and is a replica: its own copy answers without a message", names.node(c));
    }
    for m in &answers {
        let late = if m.at_ms > served_ms { ", after the coordinator had answered (not counted)" } else { "" };
        let versions = m.versions.as_deref().map(|v| names.writes(v)).unwrap_or_default();
        let has = m.versions.as_deref().is_some_and(|v| v.iter().any(|x| Some(x.value) == w.value));
        let holds = if has { "has the missed write" } else { "LACKS the missed write" };
        let _ = writeln!(s, "  {} answered at {} with {versions}: {holds}{late}", names.node(m.from), secs(m.at_ms));
    }
    if answers.is_empty() && r.coordinator.is_none_or(|c| !replicas.contains(&c)) {
        let _ = writeln!(s, "  none traced");
    }
    s
}

/// When the missed write reached each replica (its coordinator's own copy at once, the others
/// when a replica write or hint was delivered), against when the read was answered.
fn reached(s: &mut String, history: &History, names: &Names, w: &Op, replicas: &[u32], served_ms: u64) {
    let _ = writeln!(
        s,
        "\nwhere the missed write {} was when the read was served (answered at {}):",
        op_id(w),
        secs(served_ms)
    );
    for &node in replicas {
        let local = (w.coordinator == Some(node)).then_some(w.invoke_ms);
        let delivered = history
            .messages
            .iter()
            .find(|m| {
                m.to == node
                    && m.event == MessageEvent::Deliver
                    && m.value.is_some()
                    && m.value == w.value
                    && matches!(m.kind, "replica_write" | "hint_deliver" | "read_repair")
            })
            .map(|m| m.at_ms);
        let when = match (local, delivered) {
            (Some(_), _) => "stored it as the write's coordinator".to_string(),
            (None, Some(t)) if t <= served_ms => format!("had it from {}", secs(t)),
            (None, Some(t)) => format!("got it only at {}, after the read", secs(t)),
            (None, None) => "never got it by message in the trace".to_string(),
        };
        let _ = writeln!(s, "  {}: {when}", names.node(node));
    }
}

/// `c12#40`.
fn op_id(op: &Op) -> String {
    format!("c{}#{}", op.client, op.seq)
}

/// An operation on one line: id, kind, level, coordinator, times, outcome and what it wrote or read.
fn op_line(op: &Op, names: &Names) -> String {
    let via = op.coordinator.map(|c| format!(" via {}", names.node(c))).unwrap_or_default();
    let outcome = match op.outcome {
        Outcome::Ok => "ok",
        Outcome::Fail => "failed",
        Outcome::Indeterminate => "indeterminate",
    };
    let what = match op.kind {
        OpKind::Write => match op.version.as_ref().and_then(|v| v.dot()) {
            Some((node, counter)) => format!("wrote {}@{}:{counter}", op_id(op), names.node(node)),
            None => format!("wrote {}", op_id(op)),
        },
        OpKind::Read => format!("returned {}", names.writes(&op.read)),
    };
    let (kind, letter) = match op.kind {
        OpKind::Read => ("read", 'R'),
        OpKind::Write => ("write", 'W'),
    };
    format!(
        "{} {kind} {} {letter}={} N={}{via}, {}..{} {outcome}, {what}",
        op_id(op),
        op.level,
        op.required,
        op.n,
        secs(op.invoke_ms),
        secs(op.complete_ms)
    )
}

/// The faults in effect at some time in `from..=to`.
fn faults(s: &mut String, history: &History, from: u64, to: u64) {
    let end = |at: Option<u64>| at.or(history.healed_at_ms).unwrap_or(u64::MAX);
    let active: Vec<String> = history
        .faults
        .iter()
        .filter(|f| !f.undo && f.at_ms <= to && end(f.until_ms) >= from)
        .map(|f| match f.until_ms {
            Some(u) => format!("  {} from {} to {}", f.label, secs(f.at_ms), secs(u)),
            None => format!("  {} from {}", f.label, secs(f.at_ms)),
        })
        .collect();
    if active.is_empty() {
        let _ = writeln!(s, "\nfaults active then: none");
    } else {
        let _ = writeln!(s, "\nfaults active then:\n{}", active.join("\n"));
    }
}

/// The operations on `key` that overlap `from..to`, the read (`>>`) and missed write (`!!`) marked.
fn window(
    s: &mut String,
    history: &History,
    names: &Names,
    key: u64,
    (from, to): (u64, u64),
    (ri, wi): (usize, usize),
) {
    let mut ops: Vec<usize> = (0..history.ops.len())
        .filter(|&i| history.ops[i].key == key && history.ops[i].complete_ms >= from && history.ops[i].invoke_ms <= to)
        .collect();
    ops.sort_by_key(|&i| (history.ops[i].invoke_ms, i));
    let _ = writeln!(
        s,
        "\noperations on key {key} from {} to {} (>> the stale read, !! the write it missed):",
        secs(from),
        secs(to)
    );
    for &i in ops.iter().take(LINES_MAX) {
        let mark = if i == ri {
            ">>"
        } else if i == wi {
            "!!"
        } else {
            "  "
        };
        let _ = writeln!(s, "{mark} {}", op_line(&history.ops[i], names));
    }
    if ops.len() > LINES_MAX {
        let _ = writeln!(s, "   ... and {} more", ops.len() - LINES_MAX);
    }
}

/// The messages `op` caused, one a line, and the read replies among them that reached a
/// coordinator (for a read). An operation enters the cluster where its request (or a forward
/// of it) is delivered; the replica requests that node sent on the key at that moment, and the
/// answers carrying their request ids, are its fan-out.
fn messages<'h>(s: &mut String, history: &'h History, names: &Names, op: &Op) -> Vec<&'h MessageRecord> {
    let msgs = &history.messages;
    let client = op.client;
    let own = |m: &MessageRecord| {
        m.req == Some(op.seq)
            && m.key == Some(op.key)
            && matches!(m.kind, "read_request" | "write_request" | "forward")
            && (m.from == client || m.kind == "forward")
    };
    let entries: Vec<(u32, u64)> =
        msgs.iter().filter(|m| own(m) && m.event == MessageEvent::Deliver).map(|m| (m.to, m.at_ms)).collect();
    let fan_out: Vec<(u32, u64)> = msgs
        .iter()
        // A replica request cut by a partition is dropped as it leaves: it has no send line.
        .filter(|m| m.event != MessageEvent::Deliver && m.key == Some(op.key))
        .filter(|m| matches!(m.kind, "replica_read" | "replica_write" | "hinted" | "read_repair"))
        .filter(|m| entries.iter().any(|&(node, at)| m.from == node && m.at_ms == at))
        .filter_map(|m| Some((m.from, m.req?)))
        .collect();
    let answer_to_client = |m: &MessageRecord| m.to == client && m.req == Some(op.seq);
    let ours: Vec<&MessageRecord> = msgs
        .iter()
        .filter(|m| m.at_ms >= op.invoke_ms)
        .filter(|m| {
            own(m)
                || answer_to_client(m)
                || m.req.is_some_and(|req| fan_out.iter().any(|&(c, q)| q == req && (m.from == c || m.to == c)))
        })
        .collect();
    for m in ours.iter().take(LINES_MAX * 2) {
        let _ = writeln!(s, "  {}", message_line(m, names));
    }
    if ours.len() > LINES_MAX * 2 {
        let _ = writeln!(s, "  ... and {} more", ours.len() - LINES_MAX * 2);
    }
    if ours.is_empty() {
        let _ = writeln!(s, "  none traced");
    }
    ours.into_iter().filter(|m| m.kind == "read_reply" && m.event == MessageEvent::Deliver).collect()
}

/// One message event: `0.252s n2 -> n3 replica_read req 9 sent (due 0.255s)`.
fn message_line(m: &MessageRecord, names: &Names) -> String {
    let req = m.req.map(|r| format!(" req {r}")).unwrap_or_default();
    let what = match m.event {
        MessageEvent::Send { deliver_ms } => format!("sent (due {})", secs(deliver_ms)),
        MessageEvent::Deliver => "delivered".to_string(),
        MessageEvent::Drop(why) => format!("DROPPED ({why})"),
    };
    let value = m.value.map(|v| format!(" carrying {}", names.write(v))).unwrap_or_default();
    let versions = match (&m.versions, m.event) {
        (Some(v), MessageEvent::Deliver) => format!(" with {}", names.writes(v)),
        _ => String::new(),
    };
    format!("{} {} -> {} {}{req}{value} {what}{versions}", secs(m.at_ms), names.node(m.from), names.node(m.to), m.kind)
}

/// The property a story is told for: the one named, or the first that found violations
/// (a failed one before an expected violation).
pub fn pick<'v>(verdicts: &'v [Verdict], property: Option<&str>) -> Result<&'v Verdict, String> {
    let found = |v: &&Verdict| v.violations > 0;
    match property {
        Some(name) => verdicts.iter().find(|v| v.name == name).ok_or_else(|| {
            let names: Vec<&str> = verdicts.iter().map(|v| v.name.as_str()).collect();
            format!("no property `{name}` in this run (it checked: {})", names.join(", "))
        }),
        None => verdicts
            .iter()
            .filter(found)
            .find(|v| !v.passed)
            .or_else(|| verdicts.iter().find(found))
            .ok_or_else(|| "no property found a violation in this run: nothing to explain".to_string()),
    }
}

/// The story of the first counterexample of `property` (or of the first property with
/// violations) of `result`, the run of `plan`. The messages come from a re-run of the same
/// plan with messages traced on the counterexample's key (deterministic: the same run again),
/// unless `result` was traced already. `Err` says why there is nothing to tell.
pub fn explain(plan: &Plan, result: &RunResult, property: Option<&str>, window_ms: u64) -> Result<String, String> {
    let verdict = pick(&result.verdicts, property)?;
    let key = stale_pair(&result.history, verdict).map(|(r, _)| result.history.ops[r].key);
    let traced = match key {
        Some(key) if result.history.messages.is_empty() => {
            let again = run_plan(&plan.traced(LineFilter::keys(vec![key])))
                .map_err(|crash| format!("the traced re-run crashed: {}", crash.message))?;
            if again.trace_hash() != result.trace_hash() {
                return Err(format!(
                    "the traced re-run differs from the run (trace hash {} vs {}): not deterministic",
                    again.trace_hash(),
                    result.trace_hash()
                ));
            }
            Some(again)
        }
        _ => None,
    };
    let run = traced.as_ref().unwrap_or(result);
    let verdict = pick(&run.verdicts, Some(&verdict.name))?;
    Ok(tell(&run.history, verdict, window_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::stale_reads;
    use crate::history::{FaultRecord, FinalState, Level, Version, Versioned};

    fn msg(at_ms: u64, (from, to): (u32, u32), kind: &'static str, event: MessageEvent, req: u64) -> MessageRecord {
        MessageRecord { at_ms, from, to, kind, event, req: Some(req), key: Some(7), value: None, versions: None }
    }

    /// n1 coordinates a QUORUM write of c10#1 to n2 and n3; the copy to n3 is cut by a
    /// partition. c11 then reads through n3 (not a replica here), which hears from n3 only... in
    /// this history from replica n2 too late and from n3 without the write: the read is stale.
    fn failing_history() -> History {
        let mut h = History::new();
        h.node_names = ["n1", "n2", "n3", "n4"].map(String::from).to_vec();
        let value = (10 << 40) | 1;
        let op = |client, seq, kind, at| Op {
            client,
            seq,
            level: Level::Quorum,
            required: 2,
            n: 3,
            shard: Some(0),
            ..Op::blank(kind, 7, at)
        };
        let write = Op {
            coordinator: Some(0),
            value: Some(value),
            version: Some(Version::from_parts(Some((0, 1)), None)),
            ..op(10, 1, OpKind::Write, (100, 120))
        };
        let read = Op { coordinator: Some(3), ..op(11, 1, OpKind::Read, (200, 230)) };
        h.record_op(120, write);
        h.record_op(230, read);
        h.record_fault(FaultRecord {
            at_ms: 50,
            label: "partition [n1] | [n3]".into(),
            nodes: vec![0, 2],
            until_ms: Some(300),
            undo: false,
        });
        let send = MessageEvent::Send { deliver_ms: 0 };
        h.messages = vec![
            MessageRecord { value: Some(value), ..msg(101, (10, 0), "write_request", MessageEvent::Deliver, 1) },
            MessageRecord { value: Some(value), ..msg(101, (0, 1), "replica_write", send, 4) },
            MessageRecord {
                value: Some(value),
                ..msg(101, (0, 2), "replica_write", MessageEvent::Drop("partition"), 4)
            },
            MessageRecord { value: Some(value), ..msg(105, (0, 1), "replica_write", MessageEvent::Deliver, 4) },
            msg(201, (11, 3), "read_request", MessageEvent::Deliver, 1),
            msg(201, (3, 1), "replica_read", send, 9),
            msg(201, (3, 2), "replica_read", send, 9),
            MessageRecord { versions: Some(Box::new([])), ..msg(210, (2, 3), "read_reply", MessageEvent::Deliver, 9) },
            MessageRecord { versions: Some(Box::new([])), ..msg(215, (1, 3), "read_reply", MessageEvent::Deliver, 9) },
            msg(220, (3, 11), "read_ok", send, 1),
        ];
        let item = Versioned { version: Version::from_parts(Some((0, 1)), None), value };
        h.messages[8].versions = Some(Box::new([item]));
        h.final_state = Some(FinalState { replica_sets: vec![vec![0, 1, 2]], ..FinalState::default() });
        h
    }

    #[test]
    fn the_story_of_a_stale_read_names_the_write_the_drops_and_the_answers() {
        let h = failing_history();
        let verdict = stale_reads::check(&h, true);
        assert_eq!(verdict.violations, 1, "{verdict:?}");
        let story = tell(&h, &verdict, 100);
        for part in [
            "stale read on key 7 (shard 0, replicas n1 n2 n3)",
            "the stale read:     c11#1 read QUORUM R=2 N=3 via n4",
            "the write it missed: c10#1 write QUORUM W=2 N=3 via n1",
            "partition [n1] | [n3] from 0.050s to 0.300s",
            "0.101s n1 -> n3 replica_write req 4 carrying c10#1 DROPPED (partition)",
            "n2: had it from 0.105s",
            "n3: never got it by message",
            "n3 answered at 0.210s with []: LACKS the missed write",
            "n2 answered at 0.215s with [c10#1@n1:1]: has the missed write",
            ">> c11#1 read",
            "!! c10#1 write",
        ] {
            assert!(story.contains(part), "`{part}` missing from:\n{story}");
        }
    }

    #[test]
    fn a_story_without_messages_says_the_run_was_not_traced() {
        let mut h = failing_history();
        h.messages.clear();
        let story = tell(&h, &stale_reads::check(&h, true), 100);
        assert!(story.contains("the run was not traced"), "{story}");
    }

    #[test]
    fn the_property_told_is_the_named_one_or_the_first_failed() {
        let h = failing_history();
        let failed = stale_reads::check(&h, true);
        let mut expected = stale_reads::check(&h, false);
        expected.passed = true;
        let verdicts = vec![expected, failed];
        assert_eq!(pick(&verdicts, None).unwrap().name, "no_stale_quorum_reads");
        assert_eq!(pick(&verdicts, Some("no_stale_reads")).unwrap().name, "no_stale_reads");
        assert!(pick(&verdicts[..0], None).unwrap_err().contains("nothing to explain"));
    }
}
