//! A small EDN reader: the subset Jepsen and Knossos histories use (maps, vectors, lists, sets,
//! keywords, integers, strings, `nil`, booleans, tagged records such as
//! `#jepsen.history.Op{...}`, comments and `#_` discards), written by hand so that every error
//! names its line, and so that nothing beyond the standard library is needed.

use super::event::{Datum, ImportError};

/// Deepest nesting of collections accepted (a history op nests two or three deep).
const DEPTH_MAX: usize = 64;

/// The top-level forms of an EDN text as `(line, form)`: a single vector or list of maps is
/// unwrapped into its items (Jepsen's `history.edn`), otherwise every top-level form is one
/// item (one map per line).
pub fn items(text: &str) -> Result<Vec<(usize, Datum)>, ImportError> {
    let mut r = Reader { bytes: text.as_bytes(), at: 0, line: 1, depth: 0 };
    let mut items = vec![];
    let mut top = vec![];
    loop {
        r.skip_space()?;
        if r.at >= r.bytes.len() {
            break;
        }
        let line = r.line;
        let close = match r.bytes[r.at] {
            b'[' => Some(b']'),
            b'(' => Some(b')'),
            _ => None,
        };
        match close {
            Some(close) if top.is_empty() && items.is_empty() => {
                r.at += 1;
                loop {
                    r.skip_space()?;
                    match r.peek() {
                        None => return Err(ImportError::new(line, "this vector is never closed")),
                        Some(c) if c == close => {
                            r.at += 1;
                            break;
                        }
                        Some(_) => {
                            let at = r.line;
                            items.push((at, r.form()?));
                        }
                    }
                }
                top.push(line);
            }
            _ => {
                if !top.is_empty() {
                    return Err(ImportError::new(line, "text after the history's closing bracket"));
                }
                items.push((line, r.form()?));
            }
        }
    }
    Ok(items)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    /// Collections (and discarded forms) open around the reader.
    depth: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b',')
}

fn is_delimiter(c: u8) -> bool {
    is_space(c) || matches!(c, b'{' | b'}' | b'[' | b']' | b'(' | b')' | b'"' | b';')
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError::new(self.line, message)
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.at += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Skips whitespace, commas, `;` comments and `#_` discarded forms.
    fn skip_space(&mut self) -> Result<(), ImportError> {
        while let Some(c) = self.peek() {
            if is_space(c) {
                self.bump();
            } else if c == b';' {
                while self.peek().is_some_and(|c| c != b'\n') {
                    self.bump();
                }
            } else if c == b'#' && self.bytes.get(self.at + 1) == Some(&b'_') {
                self.at += 2;
                self.enter()?;
                self.skip_space()?;
                self.form()?;
                self.depth -= 1;
            } else {
                break;
            }
        }
        Ok(())
    }

    fn enter(&mut self) -> Result<(), ImportError> {
        self.depth += 1;
        if self.depth > DEPTH_MAX {
            return Err(self.error(format!("collections nest more than {DEPTH_MAX} deep")));
        }
        Ok(())
    }

    fn form(&mut self) -> Result<Datum, ImportError> {
        self.skip_space()?;
        let Some(c) = self.peek() else {
            return Err(self.error("the text ends where a value was expected"));
        };
        match c {
            b'{' => {
                self.bump();
                let items = self.until(b'}')?;
                if items.len() % 2 == 1 {
                    return Err(self.error("a map needs an even number of forms (a value for every key)"));
                }
                let mut pairs = Vec::with_capacity(items.len() / 2);
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                Ok(Datum::Map(pairs))
            }
            b'[' => {
                self.bump();
                Ok(Datum::List(self.until(b']')?))
            }
            b'(' => {
                self.bump();
                Ok(Datum::List(self.until(b')')?))
            }
            b'#' => self.dispatch(),
            b'"' => self.string(),
            b':' => {
                self.bump();
                let name = self.token();
                if name.is_empty() {
                    return Err(self.error("a keyword needs a name after `:`"));
                }
                Ok(Datum::Keyword(name))
            }
            b'\\' => {
                self.bump();
                let c = self.bump().map(char::from).unwrap_or(' ');
                Ok(Datum::Other(format!("\\{c}{}", self.token())))
            }
            b'}' | b']' | b')' => Err(self.error(format!("unexpected `{}`", c as char))),
            _ => self.atom(),
        }
    }

    /// Forms up to the closing `close`, which it consumes.
    fn until(&mut self, close: u8) -> Result<Vec<Datum>, ImportError> {
        let start = self.line;
        self.enter()?;
        let mut items = vec![];
        loop {
            self.skip_space()?;
            match self.peek() {
                None => {
                    return Err(ImportError::new(
                        start,
                        format!("this collection is never closed (no `{}`)", close as char),
                    ))
                }
                Some(c) if c == close => {
                    self.bump();
                    self.depth -= 1;
                    return Ok(items);
                }
                Some(_) => items.push(self.form()?),
            }
        }
    }

    /// `#{...}` (a set), `#tag form` (a tagged element: its form), after the `#`.
    fn dispatch(&mut self) -> Result<Datum, ImportError> {
        self.bump();
        match self.peek() {
            Some(b'{') => {
                self.bump();
                Ok(Datum::List(self.until(b'}')?))
            }
            Some(c) if !is_delimiter(c) => {
                let tag = self.token();
                if tag.is_empty() {
                    return Err(self.error("`#` must be followed by a tag or `{`"));
                }
                self.enter()?;
                let form = self.form()?;
                self.depth -= 1;
                Ok(form)
            }
            _ => Err(self.error("`#` must be followed by a tag or `{`")),
        }
    }

    fn string(&mut self) -> Result<Datum, ImportError> {
        let start = self.line;
        self.bump();
        let mut out = Vec::new();
        loop {
            match self.bump() {
                None => return Err(ImportError::new(start, "this string is never closed")),
                Some(b'"') => break,
                Some(b'\\') => {
                    let c = self.bump().ok_or_else(|| ImportError::new(start, "this string is never closed"))?;
                    match c {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'u' => {
                            let hex: String = (0..4).filter_map(|_| self.bump().map(char::from)).collect();
                            let ch = u32::from_str_radix(&hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.error(format!("bad escape `\\u{hex}` in a string")))?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                Some(c) => out.push(c),
            }
        }
        String::from_utf8(out).map(Datum::Str).map_err(|_| ImportError::new(start, "a string is not valid UTF-8"))
    }

    /// The characters up to the next delimiter.
    fn token(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !is_delimiter(c)) {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()
    }

    /// A number, `nil`, `true`, `false` or a symbol.
    fn atom(&mut self) -> Result<Datum, ImportError> {
        let token = self.token();
        Ok(match token.as_str() {
            "nil" => Datum::Nil,
            "true" => Datum::Bool(true),
            "false" => Datum::Bool(false),
            t => {
                let digits = t.strip_suffix('N').unwrap_or(t);
                let numeric = digits.strip_prefix(['-', '+']).unwrap_or(digits);
                if !numeric.is_empty() && numeric.bytes().all(|b| b.is_ascii_digit()) {
                    let n = digits.parse::<i64>().map_err(|_| self.error(format!("integer `{t}` is out of range")))?;
                    Datum::Int(n)
                } else {
                    Datum::Other(t.to_string())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Datum {
        Datum::Keyword(s.into())
    }

    #[test]
    fn one_map_per_line_and_a_vector_of_maps_read_alike() {
        let lines = "{:process 0, :type :invoke, :f :read, :value nil}\n\n{:process 0 :type :ok :f :read :value 3}\n";
        let vector = "[{:process 0, :type :invoke, :f :read, :value nil}\n ; a comment\n {:process 0 :type :ok :f :read :value 3}]";
        let a = items(lines).unwrap();
        let b = items(vector).unwrap();
        assert_eq!(a.iter().map(|i| i.0).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(b.iter().map(|i| i.0).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(a[1].1, b[1].1);
        assert_eq!(
            a[0].1,
            Datum::Map(vec![
                (kw("process"), Datum::Int(0)),
                (kw("type"), kw("invoke")),
                (kw("f"), kw("read")),
                (kw("value"), Datum::Nil)
            ])
        );
    }

    #[test]
    fn records_sets_strings_and_discards_read() {
        let text = r#"#jepsen.history.Op{:index 0 :value [1 "a\"b"] :s #{:x} #_ {:ignored 1} :n -4N :t 1.5}"#;
        let got = items(text).unwrap();
        let Datum::Map(pairs) = &got[0].1 else { panic!("{got:?}") };
        assert_eq!(pairs[1].1, Datum::List(vec![Datum::Int(1), Datum::Str("a\"b".into())]));
        assert_eq!(pairs[2].1, Datum::List(vec![kw("x")]));
        assert_eq!(pairs[3].1, Datum::Int(-4));
        assert_eq!(pairs[4].1, Datum::Other("1.5".into()));
    }

    #[test]
    fn errors_name_their_line() {
        let err = |t: &str| items(t).unwrap_err();
        assert_eq!(err("{:a 1}\n{:a 1 :b}\n").line, 2);
        assert!(err("{:a 1}\n{:a 1 :b}\n").message.contains("even number"), "{}", err("{:a 1 :b}"));
        assert_eq!(err("{:a 1}\n\n{:a \"x}\n").line, 3);
        assert_eq!(err("[{:a 1}\n{:a 2}").line, 1);
        assert_eq!(err("{:a 1}\n}\n").line, 2);
        assert_eq!(err("{:a 99999999999999999999}").line, 1);
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(err(&deep).message.contains("nest"));
        assert!(err(&"#_".repeat(100_000)).message.contains("nest"));
        assert!(err(&"#a ".repeat(100_000)).message.contains("nest"));
    }
}
