//! [`ServicesDb`]: a services file parsed into a table with indexes by
//! name and by port, and the embedded fallback table.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::index::{short_eq, FastHash, NameKey};
use super::Servent;
use crate::error::context;
use crate::types::Port;

/// A parsed services database: every entry of a services file, in file
/// order, with indexes by name and by port.
///
/// Lookups ([`by_name`](Self::by_name), [`by_port`](Self::by_port)) answer
/// exactly as glibc's `getservbyname_r` and `getservbyport_r` do on the
/// same file: the first entry in file order whose name or one of whose
/// aliases equals the name (case-sensitively), or whose port equals the
/// port, and whose protocol equals `proto`; an empty `proto` matches any
/// protocol (C's `NULL`). They return a reference and allocate nothing.
///
/// # File format
/// One entry a line: `name port/protocol [alias ...]`, fields separated by
/// blanks (space, tab, `\r`, `\v`, `\f`). A `#` anywhere starts a comment
/// that runs to the end of the line; so does a NUL byte. Blank lines,
/// comment lines and malformed lines (no port, a port that is not a
/// number, no `/`) are skipped, as glibc skips them. Two readings differ
/// from glibc's, on lines no real file has: a port over 65535 (glibc keeps
/// it modulo 65536, `70000/tcp` as port 4464) or with a sign, and an empty
/// protocol (`80/`), make the line malformed here. Text that is not UTF-8
/// (from [`from_path`](Self::from_path)) is read lossily, so such a line
/// still counts, in its place.
///
/// Building the indexes takes one pass; the system's file (about 13 KB,
/// 320 entries) parses in well under a millisecond into well under
/// 256 KiB.
///
/// # Examples
/// ```
/// use nativesockets::{Port, ServicesDb};
///
/// let db = ServicesDb::parse("
///     # a comment
///     http   80/tcp  www   # World Wide Web
///     http   80/udp  www
///     bogus  port/tcp
/// ");
/// assert_eq!(db.len(), 2);
/// let www = db.by_name("www", "udp").unwrap();
/// assert_eq!((www.name.as_str(), www.port, www.proto.as_str()), ("http", Port(80), "udp"));
/// assert_eq!(db.by_port(Port(80), "").unwrap().proto, "tcp"); // first in file order
/// assert!(db.by_name("WWW", "").is_none()); // case-sensitive, as in C
/// ```
pub struct ServicesDb {
    entries: Vec<Servent>,
    names: HashMap<Box<str>, Span, FastHash>,
    ports: HashMap<u16, Span, FastHash>,
    /// Entry indexes, grouped by key; each group in file order.
    lists: Vec<u32>,
}

/// A group of entry indexes in `ServicesDb::lists`.
#[derive(Copy, Clone, Debug)]
struct Span {
    start: u32,
    len: u32,
}

impl ServicesDb {
    /// Parses the text of a services file; malformed lines are skipped
    /// (see the [type's docs](Self) for the format).
    pub fn parse(text: &str) -> ServicesDb {
        ServicesDb::from_entries(text.split('\n').filter_map(parse_line).collect())
    }

    /// Reads and parses the services file at `path`.
    ///
    /// # Errors
    /// The error of reading the file, naming it (`NotFound` when it does
    /// not exist).
    pub fn from_path(path: impl AsRef<Path>) -> io::Result<ServicesDb> {
        let path = path.as_ref();
        let bytes = fs::read(path).map_err(|e| context(e, "services file", path))?;
        Ok(ServicesDb::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// The built-in table: every entry of Debian's netbase services file
    /// (the well-known IANA services: `ssh`, `http`, `https`, `domain`,
    /// ...), parsed on first use. It answers for the system database where
    /// the system has no readable services file (minimal containers).
    pub fn embedded() -> &'static ServicesDb {
        embedded_arc()
    }

    /// The first entry, in file order, named or aliased `name` with
    /// protocol `proto` (any protocol if `proto` is empty); `None` if there
    /// is none. Allocates nothing.
    #[inline]
    pub fn by_name(&self, name: &str, proto: &str) -> Option<&Servent> {
        self.first_of(*self.names.get(NameKey::new(name))?, proto)
    }

    /// The first entry, in file order, with port `port` (host byte order)
    /// and protocol `proto` (any protocol if `proto` is empty); `None` if
    /// there is none. Allocates nothing.
    #[inline]
    pub fn by_port(&self, port: Port, proto: &str) -> Option<&Servent> {
        self.first_of(*self.ports.get(&port.0)?, proto)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, Servent> {
        self.entries.iter()
    }

    #[inline]
    fn first_of(&self, span: Span, proto: &str) -> Option<&Servent> {
        let start = span.start as usize;
        self.lists[start..start + span.len as usize]
            .iter()
            .map(|&i| &self.entries[i as usize])
            .find(|e| proto.is_empty() || short_eq(e.proto.as_bytes(), proto.as_bytes()))
    }

    fn from_entries(entries: Vec<Servent>) -> ServicesDb {
        // Key -> group number, and (group, entry) pairs in file order;
        // a stable counting sort by group then lays each group out in file
        // order.
        let mut name_groups: HashMap<&str, u32, FastHash> = HashMap::default();
        let mut port_groups: HashMap<u16, u32, FastHash> = HashMap::default();
        let mut name_pairs: Vec<(u32, u32)> = Vec::with_capacity(entries.len() * 2);
        let mut port_pairs: Vec<(u32, u32)> = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let i = i as u32;
            let entry_start = name_pairs.len();
            for key in std::iter::once(&e.name).chain(&e.aliases) {
                let next = name_groups.len() as u32;
                let group = *name_groups.entry(key.as_str()).or_insert(next);
                // A name repeated among an entry's aliases counts once.
                if !name_pairs[entry_start..].contains(&(group, i)) {
                    name_pairs.push((group, i));
                }
            }
            let next = port_groups.len() as u32;
            let group = *port_groups.entry(e.port.0).or_insert(next);
            port_pairs.push((group, i));
        }
        let mut lists = Vec::with_capacity(name_pairs.len() + port_pairs.len());
        let name_spans = group_into(&mut lists, name_groups.len(), &name_pairs);
        let port_spans = group_into(&mut lists, port_groups.len(), &port_pairs);
        let mut names = HashMap::with_capacity_and_hasher(name_groups.len(), FastHash::default());
        for (key, group) in name_groups {
            names.insert(Box::from(key), name_spans[group as usize]);
        }
        let mut ports = HashMap::with_capacity_and_hasher(port_groups.len(), FastHash::default());
        for (port, group) in port_groups {
            ports.insert(port, port_spans[group as usize]);
        }
        ServicesDb {
            entries,
            names,
            ports,
            lists,
        }
    }
}

/// Appends the entry indexes of `pairs` to `lists` grouped by group number
/// (keeping their order within a group) and returns each group's span.
fn group_into(lists: &mut Vec<u32>, groups: usize, pairs: &[(u32, u32)]) -> Vec<Span> {
    let base = lists.len() as u32;
    let mut spans = vec![Span { start: 0, len: 0 }; groups];
    for &(group, _) in pairs {
        spans[group as usize].len += 1;
    }
    let mut next = base;
    for span in &mut spans {
        span.start = next;
        next += span.len;
    }
    lists.resize(next as usize, 0);
    let mut fill: Vec<u32> = spans.iter().map(|s| s.start).collect();
    for &(group, entry) in pairs {
        let slot = &mut fill[group as usize];
        lists[*slot as usize] = entry;
        *slot += 1;
    }
    spans
}

/// C's `isspace` in the "C" locale, which glibc's parser uses.
fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// One line of a services file, or `None` for a blank, comment or
/// malformed one.
fn parse_line(line: &str) -> Option<Servent> {
    let end = line.find(['#', '\0']).unwrap_or(line.len());
    let mut fields = line[..end].split(is_c_space).filter(|f| !f.is_empty());
    let name = fields.next()?;
    let (port, proto) = fields.next()?.split_once('/')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || proto.is_empty() {
        return None;
    }
    let port = port.parse::<u16>().ok()?;
    Some(Servent {
        name: name.to_owned(),
        aliases: fields.map(str::to_owned).collect(),
        port: Port(port),
        proto: proto.to_owned(),
    })
}

impl fmt::Debug for ServicesDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServicesDb")
            .field("entries", &self.entries.len())
            .field("names", &self.names.len())
            .field("ports", &self.ports.len())
            .finish()
    }
}

impl<'a> IntoIterator for &'a ServicesDb {
    type Item = &'a Servent;
    type IntoIter = std::slice::Iter<'a, Servent>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

pub(super) fn embedded_arc() -> &'static Arc<ServicesDb> {
    static EMBEDDED: OnceLock<Arc<ServicesDb>> = OnceLock::new();
    EMBEDDED.get_or_init(|| Arc::new(ServicesDb::parse(include_str!("embedded.txt"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_as_glibc_reads_them() {
        let e = parse_line(" \tfoo\t\t123/tcp  bar baz\r").unwrap();
        assert_eq!(e.name, "foo");
        assert_eq!(e.aliases, ["bar", "baz"]);
        assert_eq!((e.port, e.proto.as_str()), (Port(123), "tcp"));
        assert_eq!(parse_line("x 1/tcp#c").unwrap().proto, "tcp");
        assert_eq!(parse_line("x 1//tcp").unwrap().proto, "/tcp");
        assert_eq!(parse_line("x 0065535/udp").unwrap().port, Port(65535));
        for bad in [
            "",
            "   ",
            "# x 1/tcp",
            "x",
            "x 1",
            "x /tcp",
            "x 1/",
            "x a/tcp",
            "x 1 /tcp",
            "x 65536/tcp",
            "x +1/tcp",
            "x -1/tcp",
            "x#y 1/tcp",
            "x\u{0}1/tcp",
        ] {
            assert!(parse_line(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn the_embedded_table_has_the_well_known_services() {
        let db = ServicesDb::embedded();
        assert!(db.len() >= 300, "{}", db.len());
        for (name, port) in [("ssh", 22), ("http", 80), ("https", 443), ("domain", 53)] {
            assert_eq!(db.by_name(name, "tcp").unwrap().port, Port(port));
        }
    }

    #[test]
    fn a_name_repeated_in_its_own_aliases_is_listed_once() {
        let db = ServicesDb::parse("a 1/tcp a b a\na 2/udp\n");
        assert_eq!(db.by_name("a", "udp").unwrap().port, Port(2));
        let span = db.names["a"];
        assert_eq!(span.len, 2);
    }
}
