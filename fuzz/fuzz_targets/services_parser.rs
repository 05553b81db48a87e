//! `ServicesDb::parse` on arbitrary text, checked against an independent
//! reading of the documented format, then lookups by the names, aliases,
//! ports and protocols found and by random ones, each checked against a
//! plain first-match scan in file order (what glibc's `getservbyname_r`
//! and `getservbyport_r` answer).

#![no_main]

use libfuzzer_sys::fuzz_target;
use nativesockets::{Port, Servent, ServicesDb};

/// C's `isspace` less `\n`, which ends the line first.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\u{b}' | '\u{c}')
}

/// One line as the format says: `name port/proto [alias ...]`, a comment
/// from `#` or a NUL to the end of the line; a port of decimal digits (as
/// `strtoul` reads them, leading zeros allowed) up to 65535; a protocol of
/// at least one character.
fn reference_line(line: &str) -> Option<Servent> {
    let line = line.split(['#', '\0']).next().unwrap_or("");
    let mut words = line.split(is_blank).filter(|w| !w.is_empty());
    let name = words.next()?;
    let (port, proto) = words.next()?.split_once('/')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || proto.is_empty() {
        return None;
    }
    let port = port.trim_start_matches('0');
    let port = if port.is_empty() {
        0
    } else {
        port.parse::<u16>().ok()?
    };
    Some(Servent {
        name: name.to_string(),
        aliases: words.map(str::to_string).collect(),
        port: Port(port),
        proto: proto.to_string(),
    })
}

/// The index of the first entry, in file order, named or aliased `name`.
fn scan_name(entries: &[Servent], name: &str, proto: &str) -> Option<usize> {
    entries.iter().position(|e| {
        (e.name == name || e.aliases.iter().any(|a| a == name))
            && (proto.is_empty() || e.proto == proto)
    })
}

/// The index of the first entry, in file order, with port `port`.
fn scan_port(entries: &[Servent], port: Port, proto: &str) -> Option<usize> {
    entries
        .iter()
        .position(|e| e.port == port && (proto.is_empty() || e.proto == proto))
}

/// `by_*` must return the very entry the scan finds (the first in file
/// order), not just an equal one. `what` names the query, for the report;
/// it is formatted only on failure, to keep the target fast.
macro_rules! same {
    ($db:expr, $got:expr, $want:expr, $($what:tt)*) => {{
        let got = $got.map(|g| $db.iter().position(|e| std::ptr::eq(e, g)));
        let want = $want.map(Some);
        if got != want {
            panic!("{}: entry {got:?}, expected {want:?}", format!($($what)*));
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let db = ServicesDb::parse(&text);
    let expected: Vec<Servent> = text.split('\n').filter_map(reference_line).collect();
    let entries: Vec<Servent> = db.iter().cloned().collect();
    assert_eq!(entries, expected, "parse of {text:?}");
    assert_eq!(db.len(), expected.len());
    assert_eq!(db.is_empty(), expected.is_empty());

    // Printing the entries back in the format and parsing again gives the
    // same database.
    let printed: String = entries
        .iter()
        .map(|e| {
            format!(
                "{} {}/{} {}\n",
                e.name,
                e.port,
                e.proto,
                e.aliases.join(" ")
            )
        })
        .collect();
    let again: Vec<Servent> = ServicesDb::parse(&printed).iter().cloned().collect();
    assert_eq!(again, entries);

    // Every name, alias, port and protocol present, with and without a
    // protocol; bounded so a huge input stays fast.
    for e in entries.iter().take(64) {
        for proto in [e.proto.as_str(), "", "tcp", "udp"] {
            for name in std::iter::once(&e.name).chain(e.aliases.iter().take(8)) {
                same!(
                    db,
                    db.by_name(name, proto),
                    scan_name(&entries, name, proto),
                    "by_name({name:?}, {proto:?})"
                );
            }
            same!(
                db,
                db.by_port(e.port, proto),
                scan_port(&entries, e.port, proto),
                "by_port({}, {proto:?})",
                e.port
            );
        }
    }

    // Random queries: every word of the text as a name and as a protocol,
    // and ports read from the input's bytes.
    let words: Vec<&str> = text
        .split(|c: char| is_blank(c) || c == '\n' || c == '/')
        .collect();
    for w in words.iter().take(64) {
        for proto in ["", "tcp", w] {
            same!(
                db,
                db.by_name(w, proto),
                scan_name(&entries, w, proto),
                "by_name({w:?}, {proto:?})"
            );
        }
    }
    for pair in data.chunks_exact(2).take(32) {
        let port = Port(u16::from_le_bytes([pair[0], pair[1]]));
        for proto in ["", "udp"] {
            same!(
                db,
                db.by_port(port, proto),
                scan_port(&entries, port, proto),
                "by_port({port}, {proto:?})"
            );
        }
    }
});
