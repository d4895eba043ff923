//! Where each field of a scenario file is: an index from field paths (`faults[2].crash[1]`)
//! to line and column, built from yaml-rust2's marked events.
//!
//! serde_yaml forgets positions once a value is deserialized, so validation errors, which are
//! found later, look their field up here.

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column in the scenario text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: usize,
    /// Column, counting from 1.
    pub column: usize,
}

impl Pos {
    fn from_marker(mark: Marker) -> Pos {
        // yaml-rust2 counts lines from 1 but columns from 0.
        Pos { line: mark.line(), column: mark.col() + 1 }
    }
}

/// A key that appears twice in one mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// Path of the repeated field.
    pub path: String,
    /// Where it first appears.
    pub first: Pos,
    /// Where it appears again.
    pub again: Pos,
}

/// Positions of every field and list item of the first YAML document in a text.
#[derive(Clone, Debug, Default)]
pub struct Index {
    /// Where each value starts (a block collection under a key starts at its key).
    values: BTreeMap<String, Pos>,
    /// Where each mapping key is.
    keys: BTreeMap<String, Pos>,
    /// The first key written twice in one mapping, if any.
    duplicate: Option<Duplicate>,
    /// Where a second document starts, if the text has one.
    second_document: Option<Pos>,
}

impl Index {
    /// Indexes `text`; on a YAML syntax error keeps what it saw before it.
    pub fn build(text: &str) -> Index {
        // Positions only improve messages: if the parser ever panicked on odd input we would
        // rather report the error without a line than crash.
        let built = std::panic::catch_unwind(|| {
            let mut builder = Builder::default();
            let _ = Parser::new_from_str(text).load(&mut builder, true);
            builder.index
        });
        built.unwrap_or_default()
    }

    /// The first key repeated within one mapping.
    pub fn duplicate(&self) -> Option<&Duplicate> {
        self.duplicate.as_ref()
    }

    /// Where a second `---` document starts.
    pub fn second_document(&self) -> Option<Pos> {
        self.second_document
    }

    /// Where `path` is, or else its nearest enclosing field that is in the file.
    pub fn locate(&self, path: &str) -> Option<Pos> {
        let mut path = path;
        loop {
            if let Some(pos) = self.values.get(path).or_else(|| self.keys.get(path)) {
                return Some(*pos);
            }
            if path.is_empty() {
                return None;
            }
            path = parent(path);
        }
    }

    /// The innermost field that starts at or before `pos` (for errors that come without a path).
    pub fn path_at(&self, pos: Pos) -> Option<&str> {
        let candidates = self.values.iter().chain(self.keys.iter());
        candidates
            .filter(|(path, at)| **at <= pos && !path.is_empty())
            .max_by(|(pa, a), (pb, b)| a.cmp(b).then(pa.len().cmp(&pb.len())))
            .map(|(path, _)| path.as_str())
    }
}

/// `path.key`, or `key` at the top level.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[i]`.
pub fn item(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The enclosing path: `a.b[2]` → `a.b` → `a` → ``.
pub fn parent(path: &str) -> &str {
    if path.ends_with(']') {
        if let Some(open) = path.rfind('[') {
            return &path[..open];
        }
    }
    path.rfind('.').map_or("", |dot| &path[..dot])
}

/// One open collection while walking the events.
#[derive(Debug)]
enum Frame {
    /// A list; `next` is the index of its next item.
    Seq { path: String, next: usize },
    /// A mapping; `key` is set between a key and its value.
    Map { path: String, key: Option<(String, Pos)>, keys_seen: usize },
    /// A complex (list or mapping) key we do not index, `depth` collections deep.
    ComplexKey { depth: usize },
}

/// What kind of node an event starts.
enum Node {
    /// A scalar; `empty` when it is a plain empty string (an omitted value).
    Scalar {
        text: String,
        empty: bool,
    },
    Alias,
    Map,
    Seq,
}

/// Receives the parser's events and records positions.
#[derive(Default)]
struct Builder {
    index: Index,
    stack: Vec<Frame>,
    documents: usize,
}

impl Builder {
    fn node(&mut self, pos: Pos, node: Node) {
        match self.stack.last_mut() {
            Some(Frame::ComplexKey { depth }) => {
                if matches!(node, Node::Map | Node::Seq) {
                    *depth += 1;
                }
                return;
            }
            Some(Frame::Map { path, key: key @ None, keys_seen }) => {
                *keys_seen += 1;
                let first = *keys_seen == 1;
                let map_path = path.clone();
                match node {
                    Node::Scalar { text, .. } => {
                        let key_path = join(&map_path, &text);
                        *key = Some((text, pos));
                        self.record_key(key_path, pos);
                    }
                    Node::Alias => *key = Some(("*".into(), pos)),
                    Node::Map | Node::Seq => {
                        *key = Some(("?".into(), pos));
                        self.stack.push(Frame::ComplexKey { depth: 1 });
                    }
                }
                // A block mapping's start marker points past its first key, so the mapping
                // really begins at that key.
                if first {
                    if let Some(at) = self.index.values.get_mut(&map_path) {
                        *at = (*at).min(pos);
                    }
                }
                return;
            }
            _ => {}
        }
        let empty = matches!(node, Node::Scalar { empty: true, .. });
        let (path, key_pos) = match self.stack.last_mut() {
            None => {
                if self.index.values.contains_key("") {
                    return;
                }
                (String::new(), None)
            }
            Some(Frame::Seq { path, next }) => {
                let p = item(path, *next);
                *next += 1;
                (p, None)
            }
            Some(Frame::Map { path, key, .. }) => {
                let Some((key, key_pos)) = key.take() else {
                    return;
                };
                (join(path, &key), Some(key_pos))
            }
            Some(Frame::ComplexKey { .. }) => return,
        };
        let collection = matches!(node, Node::Map | Node::Seq);
        // An omitted value's marker points at the next token, and a block collection's at its
        // first entry: the key's position reads better in both cases.
        let pos = match key_pos {
            Some(key_pos) if empty || (collection && key_pos.line < pos.line) => key_pos,
            _ => pos,
        };
        self.index.values.entry(path.clone()).or_insert(pos);
        match node {
            Node::Map => self.stack.push(Frame::Map { path, key: None, keys_seen: 0 }),
            Node::Seq => self.stack.push(Frame::Seq { path, next: 0 }),
            Node::Scalar { .. } | Node::Alias => {}
        }
    }

    fn record_key(&mut self, path: String, pos: Pos) {
        match self.index.keys.get(&path) {
            Some(first) => {
                if self.index.duplicate.is_none() {
                    self.index.duplicate = Some(Duplicate { path, first: *first, again: pos });
                }
            }
            None => {
                self.index.keys.insert(path, pos);
            }
        }
    }

    fn end(&mut self) {
        match self.stack.last_mut() {
            Some(Frame::ComplexKey { depth }) if *depth > 1 => *depth -= 1,
            _ => {
                self.stack.pop();
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = Pos::from_marker(mark);
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.index.second_document = Some(pos);
                }
            }
            // Only the first document is a scenario; a second one is an error reported elsewhere.
            _ if self.documents > 1 => {}
            Event::Scalar(text, style, ..) => {
                let empty = style == TScalarStyle::Plain && text.is_empty();
                self.node(pos, Node::Scalar { text, empty });
            }
            Event::Alias(_) => self.node(pos, Node::Alias),
            Event::MappingStart(..) => self.node(pos, Node::Map),
            Event::SequenceStart(..) => self.node(pos, Node::Seq),
            Event::MappingEnd | Event::SequenceEnd => self.end(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
name: x
description:
cluster:
  zones: [a, b]
  nodes:
    - { name: n1, zone: a }
faults:
  - { at: 10s, crash: [n4, n5] }
  - at: 5s
    crash: n1
";

    fn at(line: usize, column: usize) -> Option<Pos> {
        Some(Pos { line, column })
    }

    #[test]
    fn fields_and_items_map_to_their_line_and_column() {
        let index = Index::build(TEXT);
        assert_eq!(index.locate("name"), at(1, 7));
        assert_eq!(index.locate("cluster.zones[1]"), at(4, 14));
        assert_eq!(index.locate("cluster.nodes[0].zone"), at(6, 25));
        assert_eq!(index.locate("faults[0].crash[1]"), at(8, 28));
        assert_eq!(index.locate("faults[1].crash"), at(10, 12));
    }

    #[test]
    fn block_collections_start_at_their_key_or_first_entry() {
        let index = Index::build(TEXT);
        assert_eq!(index.locate("cluster"), at(3, 1));
        assert_eq!(index.locate("cluster.nodes"), at(5, 3));
        assert_eq!(index.locate("faults[1]"), at(9, 5));
    }

    #[test]
    fn omitted_values_point_at_their_key() {
        assert_eq!(Index::build(TEXT).locate("description"), at(2, 1));
    }

    #[test]
    fn missing_fields_fall_back_to_the_nearest_enclosing_field() {
        let index = Index::build(TEXT);
        assert_eq!(index.locate("faults[1].delay"), at(9, 5));
        assert_eq!(index.locate("cluster.network.loss"), at(3, 1));
        assert_eq!(index.locate("nothing"), at(1, 1));
    }

    #[test]
    fn positions_without_a_path_find_the_innermost_field_before_them() {
        let index = Index::build(TEXT);
        assert_eq!(index.path_at(Pos { line: 8, column: 29 }), Some("faults[0].crash[1]"));
        assert_eq!(index.path_at(Pos { line: 1, column: 1 }), Some("name"));
    }

    #[test]
    fn repeated_keys_and_extra_documents_are_noticed() {
        let index = Index::build("a: 1\nb: { c: 1, c: 2 }\n---\nz: 1\n");
        let dup = index.duplicate().expect("duplicate");
        assert_eq!(dup.path, "b.c");
        assert_eq!((dup.first, dup.again), (Pos { line: 2, column: 6 }, Pos { line: 2, column: 12 }));
        assert_eq!(index.second_document(), Some(Pos { line: 3, column: 1 }));
        assert_eq!(index.locate("z"), index.locate(""));
    }

    #[test]
    fn complex_keys_and_syntax_errors_do_not_derail_the_index() {
        let index = Index::build("? [a, b]\n: 1\nc: 2\n");
        assert_eq!(index.locate("c"), at(3, 4));
        let index = Index::build("a: 1\nb: [x\n");
        assert_eq!(index.locate("a"), at(1, 4));
    }
}
