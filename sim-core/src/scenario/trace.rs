//! Recorded traces: a CSV file of `time,rate` rows (for example exported from Prometheus)
//! that a workload group replays as its offered load. Every mistake names the CSV file, the
//! line and the field.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{FileAt, Invalid};
use super::shape::{Interpolate, Trace, TRACE_ROWS_MAX};
use super::units::{rate_per_s, RATE_PER_S_MAX};

/// Largest trace file read: 100,000 rows of a few dozen bytes fit well inside it.
pub const TRACE_BYTES_MAX: u64 = 8 << 20;

/// The settings of a `trace:` shape, as validated from the scenario.
pub struct TraceSpec<'a> {
    /// The file as written, relative to the scenario file (or absolute).
    pub written: &'a str,
    /// Between rows.
    pub interpolate: Interpolate,
    /// Rates are multiplied by this.
    pub scale: f64,
    /// The group's start.
    pub start_ms: u64,
}

/// Reads the trace of `spec`, named at scenario field `field` of the scenario at `scenario`.
pub fn read(scenario: &Path, field: &str, spec: &TraceSpec) -> Result<Arc<Trace>, Invalid> {
    if spec.written.trim().is_empty() {
        return Err(Invalid::new(field, "name a CSV file of `time,rate` rows, like `traces/day.csv`"));
    }
    let joined = resolve(scenario, spec.written);
    let text = reports::files::read_text(&joined, TRACE_BYTES_MAX).map_err(|e| {
        Invalid::new(field, format!("cannot read the trace `{}` ({}): {e}", spec.written, joined.display()))
    })?;
    let file = std::fs::canonicalize(&joined).unwrap_or(joined);
    let rows = rows(&text).map_err(|e| e.located(&file, field, scenario))?;
    Ok(Arc::new(Trace {
        written: spec.written.to_string(),
        file,
        rows,
        interpolate: spec.interpolate,
        scale: spec.scale,
        start_ms: spec.start_ms,
    }))
}

/// A mistake inside a trace file: where, which field, what.
#[derive(Debug, PartialEq)]
pub struct RowError {
    /// 1-based line (`None`: the file as a whole).
    pub line: Option<usize>,
    /// 1-based column of the field.
    pub column: Option<usize>,
    /// `time`, `rate` or `row`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl RowError {
    fn at(line: usize, column: usize, field: &'static str, message: String) -> RowError {
        RowError { line: Some(line), column: Some(column), field, message }
    }

    /// The error as a validation failure placed in the CSV file.
    fn located(self, file: &Path, field: &str, scenario: &Path) -> Invalid {
        let message = format!("{} (the trace of {field} in {})", self.message, scenario.display());
        let mut invalid = Invalid::new(self.field, message);
        invalid.file = Some(FileAt { path: file.to_path_buf(), line: self.line, column: self.column });
        invalid
    }
}

/// Parses the rows of a trace: `(offset_ms, per_s)` with offsets from the first row. Blank
/// lines and `#` comments are skipped, and so is a header line (`time,rate`) before the rows.
pub fn rows(text: &str) -> Result<Vec<(f64, f64)>, RowError> {
    let mut rows: Vec<(f64, f64)> = Vec::new();
    let mut previous: Option<(f64, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<(usize, &str)> = split(raw);
        if rows.is_empty() && previous.is_none() && is_header(&fields) {
            previous = Some((f64::NEG_INFINITY, line));
            continue;
        }
        if fields.len() != 2 {
            let message = format!("expected 2 fields, `time,rate`, found {}: `{trimmed}`", fields.len());
            return Err(RowError::at(line, 1, "row", message));
        }
        if rows.len() == TRACE_ROWS_MAX {
            let message = format!("the trace has more than {TRACE_ROWS_MAX} rows; replay a coarser one");
            return Err(RowError::at(line, 1, "row", message));
        }
        let (time_col, time_text) = fields[0];
        let (rate_col, rate_text) = fields[1];
        let time_ms = time(time_text).map_err(|m| RowError::at(line, time_col, "time", m))?;
        if let Some((before_ms, before_line)) = previous.filter(|p| p.0.is_finite()) {
            if time_ms <= before_ms {
                let message = format!(
                    "`{time_text}` is not after the previous row's time (line {before_line}): times must increase"
                );
                return Err(RowError::at(line, time_col, "time", message));
            }
        }
        let per_s = rate(rate_text).map_err(|m| RowError::at(line, rate_col, "rate", m))?;
        previous = Some((time_ms, line));
        rows.push((time_ms, per_s));
    }
    let Some(&(first_ms, _)) = rows.first() else {
        return Err(RowError {
            line: None,
            column: None,
            field: "row",
            message: "the trace has no rows: write lines of `time,rate`, like `0,120` or `1m30s,250`".into(),
        });
    };
    rows.iter_mut().for_each(|r| r.0 -= first_ms);
    Ok(rows)
}

/// The comma-separated fields of `line` with the 1-based column each starts at, trimmed and
/// without surrounding double quotes.
fn split(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in line.split(',') {
        let lead = part.len() - part.trim_start().len();
        let text = part.trim();
        let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
        out.push((start + lead + 1, text));
        start += part.len() + 1;
    }
    out
}

/// A header: two fields of words, like `time,rate` or `"Time","Value"`.
fn is_header(fields: &[(usize, &str)]) -> bool {
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic() || " _-".contains(c));
    fields.len() == 2 && fields.iter().all(|(_, f)| word(f))
}

/// A row's time: seconds (`90`, `1700000000.5`) or a duration (`1m30s`, `250ms`, `2h`).
pub fn time(text: &str) -> Result<f64, String> {
    if text.is_empty() {
        return Err("the time is empty: write seconds (`90`) or a duration (`1m30s`)".into());
    }
    if text.starts_with('-') {
        return Err(format!("`{text}` is negative: times are at least 0"));
    }
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return match text.parse::<f64>() {
            Ok(s) if s.is_finite() => Ok(s * 1_000.0),
            _ => Err(format!("`{text}` is not a number of seconds")),
        };
    }
    let mut rest = text;
    let mut total_ms = 0.0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let units = rest[digits..].find(|c: char| c.is_ascii_digit() || c == '.').map_or(rest.len(), |u| u + digits);
        let (number, unit) = (&rest[..digits], &rest[digits..units]);
        let value: f64 = number.parse().map_err(|_| not_a_time(text))?;
        let unit_ms = match unit {
            "ms" => 1.0,
            "s" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return Err(not_a_time(text)),
        };
        total_ms += value * unit_ms;
        rest = &rest[units..];
    }
    Ok(total_ms)
}

fn not_a_time(text: &str) -> String {
    format!("`{text}` is not a time: write seconds (`90`, `1.5`) or a duration (`1m30s`, `250ms`)")
}

/// A row's rate per second: a number (`120`, `0`, `1.5e3`) or a rate with its unit (`2/ms`).
pub fn rate(text: &str) -> Result<f64, String> {
    if text.is_empty() {
        return Err("the rate is empty: write operations per second, like `120`".into());
    }
    let per_s = if text.contains('/') {
        rate_per_s(text)?
    } else {
        match text.parse::<f64>() {
            Ok(r) if r.is_finite() => r,
            _ => return Err(format!("`{text}` is not a rate: write operations per second, like `120` or `2/ms`")),
        }
    };
    if per_s < 0.0 {
        return Err(format!("`{text}` is negative: a rate is at least 0"));
    }
    if per_s > RATE_PER_S_MAX {
        return Err(format!("`{text}` is above the highest rate, {RATE_PER_S_MAX}/s"));
    }
    Ok(per_s)
}

/// Where the trace at `written` is looked for when the scenario is at `scenario`.
pub fn resolve(scenario: &Path, written: &str) -> PathBuf {
    scenario.parent().unwrap_or(Path::new("")).join(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> RowError {
        rows(text).expect_err("a bad trace")
    }

    #[test]
    fn rows_read_seconds_durations_headers_comments_and_quotes() {
        let text = "# exported\n\"time\",\"rate\"\n1700000000,100\n\n1700000030.5,\"150\"\n1700000090,0\n";
        assert_eq!(rows(text).unwrap(), vec![(0.0, 100.0), (30_500.0, 150.0), (90_000.0, 0.0)]);
        let text = "time,rate\n0s,10/s\n1m30s,2/ms\n2h,1.5e3\n";
        assert_eq!(rows(text).unwrap(), vec![(0.0, 10.0), (90_000.0, 2_000.0), (7_200_000.0, 1_500.0)]);
    }

    #[test]
    fn a_malformed_time_names_its_line_column_and_field() {
        let e = error("0,10\n5,20\nfive,30\n");
        assert_eq!((e.line, e.column, e.field), (Some(3), Some(1), "time"));
        assert!(e.message.contains("`five` is not a time"), "{}", e.message);
        assert_eq!(error("0,10\n1x,3\n").field, "time");
    }

    #[test]
    fn a_malformed_or_negative_rate_names_its_line_and_field() {
        let e = error("0,10\n5, abc\n");
        assert_eq!((e.line, e.column, e.field), (Some(2), Some(4), "rate"));
        assert!(e.message.contains("`abc` is not a rate"), "{}", e.message);
        let e = error("0,10\n5,-3\n");
        assert_eq!((e.line, e.field), (Some(2), "rate"));
        assert!(e.message.contains("negative"), "{}", e.message);
        assert!(error("0,NaN\n").message.contains("not a rate"));
        assert!(error("0,2000000\n").message.contains("highest rate"));
    }

    #[test]
    fn times_must_increase() {
        let e = error("0,10\n5,20\n5,30\n");
        assert_eq!((e.line, e.field), (Some(3), "time"));
        assert!(e.message.contains("not after the previous row's time (line 2)"), "{}", e.message);
        assert_eq!(error("10,1\n3,1\n").line, Some(2));
    }

    #[test]
    fn rows_need_two_fields_and_a_file_needs_rows() {
        let e = error("0,10\n5,20,30\n");
        assert_eq!((e.line, e.field), (Some(2), "row"));
        assert!(e.message.contains("expected 2 fields"), "{}", e.message);
        assert_eq!(error("7\n").field, "row");
        let empty = error("# nothing\n\n");
        assert_eq!((empty.line, empty.field), (None, "row"));
        assert!(empty.message.contains("no rows"));
        assert_eq!(error("").line, None);
        assert!(error("time,rate\n").message.contains("no rows"), "a header alone has no rows");
    }

    #[test]
    fn rows_are_bounded() {
        let mut text = String::new();
        for i in 0..=TRACE_ROWS_MAX {
            text.push_str(&format!("{i},1\n"));
        }
        let e = error(&text);
        assert_eq!((e.line, e.field), (Some(TRACE_ROWS_MAX + 1), "row"));
        assert!(e.message.contains("more than 100000 rows"));
    }
}
