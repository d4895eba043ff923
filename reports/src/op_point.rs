//! One client operation as the reports see it, and `ops.csv`, the compact file that keeps every
//! operation of a run so that plots can be drawn again (and runs compared) from the folder alone.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Header line of `ops.csv`; also its format's version: a different header is refused.
pub const OPS_CSV_HEADER: &str = "invoke_ms,complete_ms,level,kind,outcome,node,client,key";

/// The header of `ops.csv` before it named the node, client and key; such files still read
/// (with no node, client 0 and key 0).
pub const OPS_CSV_HEADER_V1: &str = "invoke_ms,complete_ms,level,kind,outcome";

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpKind {
    /// A read of one key.
    Read,
    /// A write of one key.
    Write,
}

/// How an operation ended, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Completed successfully.
    Ok,
    /// Known not to have taken effect.
    Fail,
    /// May or may not have taken effect (a write that timed out).
    Indeterminate,
}

/// One client operation: when it was invoked and completed, at which level, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpPoint {
    /// Simulated invocation time.
    pub invoke_ms: u64,
    /// Simulated completion time (at or after `invoke_ms`).
    pub complete_ms: u64,
    /// Consistency level: `ONE`, `QUORUM`, `ALL` or a replica count.
    pub level: String,
    /// Read or write.
    pub kind: OpKind,
    /// How it ended.
    pub outcome: Outcome,
    /// The node that coordinated it last (`n3`), empty when no node accepted it.
    pub node: String,
    /// The client that issued it.
    pub client: u32,
    /// The key it read or wrote.
    pub key: u64,
}

/// A line of `ops.csv` that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ops.csv line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CsvError {}

impl OpKind {
    /// `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Read => "read",
            OpKind::Write => "write",
        }
    }
}

impl Outcome {
    /// Every outcome, in the order plots and legends list them.
    pub const ALL: [Outcome; 3] = [Outcome::Ok, Outcome::Fail, Outcome::Indeterminate];

    /// `ok`, `fail` or `indeterminate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fail => "fail",
            Outcome::Indeterminate => "indeterminate",
        }
    }
}

impl OpPoint {
    /// An operation of client 0 on key 0 with no coordinator; set the other fields as needed.
    pub fn new(invoke_ms: u64, complete_ms: u64, level: &str, kind: OpKind, outcome: Outcome) -> OpPoint {
        OpPoint {
            invoke_ms,
            complete_ms,
            level: level.to_string(),
            kind,
            outcome,
            node: String::new(),
            client: 0,
            key: 0,
        }
    }

    /// Completion minus invocation time.
    pub fn latency_ms(&self) -> u64 {
        self.complete_ms.saturating_sub(self.invoke_ms)
    }
}

/// `ops` as `ops.csv`: the header, then one line per operation, in the given order.
pub fn ops_to_csv(ops: &[OpPoint]) -> String {
    // About 30 bytes a line; reserving avoids regrowing a multi-megabyte string.
    let mut s = String::with_capacity(OPS_CSV_HEADER.len() + 1 + ops.len() * 32);
    s.push_str(OPS_CSV_HEADER);
    s.push('\n');
    for op in ops {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            op.invoke_ms,
            op.complete_ms,
            op.level,
            op.kind.as_str(),
            op.outcome.as_str(),
            op.node,
            op.client,
            op.key
        );
    }
    s
}

/// Parses `ops.csv` as written by [`ops_to_csv`].
pub fn ops_from_csv(text: &str) -> Result<Vec<OpPoint>, CsvError> {
    let mut lines = text.lines().enumerate();
    let columns = match lines.next() {
        Some((_, header)) if header.trim_end() == OPS_CSV_HEADER => 8,
        Some((_, header)) if header.trim_end() == OPS_CSV_HEADER_V1 => 5,
        Some((_, header)) => {
            return Err(CsvError { line: 1, message: format!("expected header `{OPS_CSV_HEADER}`, found `{header}`") })
        }
        None => return Err(CsvError { line: 1, message: "empty file".into() }),
    };
    let mut ops = vec![];
    for (i, line) in lines {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        let err = |message: String| CsvError { line: i + 1, message };
        let mut fields: Vec<&str> = line.split(',').collect();
        if fields.len() != columns {
            return Err(err(format!("expected {columns} fields, found {}", fields.len())));
        }
        fields.resize(8, "0");
        let [invoke, complete, level, kind, outcome, node, client, key] = fields[..] else {
            return Err(err(format!("expected {columns} fields, found {}", fields.len())));
        };
        let node = if columns == 5 { "" } else { node };
        let number = |s: &str, name: &str| s.parse::<u64>().map_err(|_| err(format!("{name} `{s}` is not a number")));
        let client =
            u32::try_from(number(client, "client")?).map_err(|_| err(format!("client `{client}` is too large")))?;
        let key = number(key, "key")?;
        let invoke_ms = number(invoke, "invoke_ms")?;
        let complete_ms = number(complete, "complete_ms")?;
        if complete_ms < invoke_ms {
            return Err(err(format!("complete_ms {complete_ms} is before invoke_ms {invoke_ms}")));
        }
        if level.is_empty() {
            return Err(err("empty level".into()));
        }
        let kind = match kind {
            "read" => OpKind::Read,
            "write" => OpKind::Write,
            other => return Err(err(format!("kind `{other}` is not read or write"))),
        };
        let outcome = match outcome {
            "ok" => Outcome::Ok,
            "fail" => Outcome::Fail,
            "indeterminate" => Outcome::Indeterminate,
            other => return Err(err(format!("outcome `{other}` is not ok, fail or indeterminate"))),
        };
        ops.push(OpPoint {
            invoke_ms,
            complete_ms,
            level: level.to_string(),
            kind,
            outcome,
            node: node.to_string(),
            client,
            key,
        });
    }
    Ok(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(invoke_ms: u64, complete_ms: u64, level: &str, kind: OpKind, outcome: Outcome) -> OpPoint {
        OpPoint { node: "n2".into(), client: 7, key: 41, ..OpPoint::new(invoke_ms, complete_ms, level, kind, outcome) }
    }

    #[test]
    fn csv_round_trips() {
        let ops = vec![
            op(0, 4, "QUORUM", OpKind::Read, Outcome::Ok),
            op(10, 1010, "ALL", OpKind::Write, Outcome::Indeterminate),
            op(12, 13, "2", OpKind::Read, Outcome::Fail),
        ];
        let csv = ops_to_csv(&ops);
        assert!(
            csv.starts_with("invoke_ms,complete_ms,level,kind,outcome,node,client,key\n0,4,QUORUM,read,ok,n2,7,41\n"),
            "{csv}"
        );
        assert_eq!(ops_from_csv(&csv).unwrap(), ops);
    }

    #[test]
    fn csv_without_node_client_and_key_still_reads() {
        let old = "invoke_ms,complete_ms,level,kind,outcome\n0,4,QUORUM,read,ok\n";
        assert_eq!(ops_from_csv(old).unwrap(), vec![OpPoint::new(0, 4, "QUORUM", OpKind::Read, Outcome::Ok)]);
        let short = "invoke_ms,complete_ms,level,kind,outcome,node,client,key\n0,4,QUORUM,read,ok\n";
        assert!(ops_from_csv(short).unwrap_err().message.contains("expected 8 fields"));
    }

    #[test]
    fn csv_errors_name_the_line() {
        let bad = "invoke_ms,complete_ms,level,kind,outcome\n1,2,ONE,read,ok\n5,3,ONE,read,ok\n";
        let e = ops_from_csv(bad).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.to_string().contains("before invoke_ms"), "{e}");
        assert_eq!(ops_from_csv("a,b\n").unwrap_err().line, 1);
        assert!(ops_from_csv("invoke_ms,complete_ms,level,kind,outcome\n1,2,ONE,scan,ok\n").is_err());
    }
}
