//! Whole databases, for listing them as `getent protocols` and `getent
//! hosts` (no key) do: the protocols and hosts files, read and parsed by
//! the crate, as the C library's `files` backend reads them.
//!
//! The C way to list them, `getprotoent`/`gethostent`, walks a cursor
//! shared by the whole process (and the `_r` forms share it too), so two
//! threads listing at once would each see part of the file; Windows has
//! no such call at all. Parsing the file gives every caller its own
//! complete, ordered list, on every platform.

use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;

use crate::error::context;
use crate::hosts::{Hostent, Protoent};
use crate::ip_text::parse_ipv4_aton;
use crate::sys;
use crate::types::Domain;

/// Every entry of the system's protocols file, in file order
/// (`getent protocols`): `/etc/protocols` on Unix,
/// `%SystemRoot%\System32\drivers\etc\protocol` on Windows. Entries that
/// other sources of the protocols database (NIS, ...) would add are not
/// listed; lookups by name and number
/// ([`get_protoent_by_name`](crate::get_protoent_by_name)) do see them.
///
/// Thread-safe: the file is read and parsed on every call, with no state
/// shared between calls. Malformed lines are skipped.
///
/// # Errors
/// The error of reading the file, naming it (`NotFound` when there is
/// none, as in some minimal containers).
///
/// # Examples
/// ```
/// # if std::path::Path::new("/etc/protocols").exists() {
/// let all = nativesockets::read_protocols_file()?;
/// assert!(all.iter().any(|p| p.name == "tcp" && p.number == 6));
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_protocols_file() -> io::Result<Vec<Protoent>> {
    Ok(parse_protocols(&read_text(&sys::protocols_path())?))
}

/// Parses the text of a protocols file: one entry a line, `name number
/// [alias...]`, fields separated by spaces or tabs, `#` to the end of the
/// line a comment. Lines without a name and a decimal number are skipped.
///
/// # Examples
/// ```
/// let list = nativesockets::parse_protocols("tcp 6 TCP # transmission control\nbad\n");
/// assert_eq!(list.len(), 1);
/// assert_eq!((list[0].name.as_str(), list[0].number, &list[0].aliases[..]), ("tcp", 6, &["TCP".to_string()][..]));
/// ```
pub fn parse_protocols(text: &str) -> Vec<Protoent> {
    text.lines()
        .filter_map(|line| {
            let mut fields = fields(line);
            let name = fields.next()?;
            let number = fields.next()?;
            if !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(Protoent {
                name: name.to_string(),
                number: number.parse().ok()?,
                aliases: fields.map(str::to_string).collect(),
            })
        })
        .collect()
}

/// Every entry of the system's hosts file, in file order, one [`Hostent`]
/// per line with the line's one address (`getent hosts`): `/etc/hosts` on
/// Unix, `%SystemRoot%\System32\drivers\etc\hosts` on Windows. DNS and the
/// database's other sources are not listed (they cannot be).
///
/// Thread-safe: the file is read and parsed on every call. Malformed
/// lines are skipped.
///
/// # Errors
/// The error of reading the file, naming it.
///
/// # Examples
/// ```
/// # if std::path::Path::new("/etc/hosts").exists() {
/// let all = nativesockets::read_hosts_file()?;
/// assert!(all.iter().all(|h| h.addr_list.len() == 1));
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn read_hosts_file() -> io::Result<Vec<Hostent>> {
    Ok(parse_hosts(&read_text(&sys::hosts_path())?))
}

/// Parses the text of a hosts file: one entry a line, `address name
/// [alias...]`, `#` to the end of the line a comment. The address is IPv4
/// in any `inet_aton` form or IPv6 text; lines without an address and a
/// name are skipped.
///
/// # Examples
/// ```
/// let list = nativesockets::parse_hosts("127.0.0.1 localhost lh\n::1 ip6-localhost\n");
/// assert_eq!(list[0].name, "localhost");
/// assert_eq!(list[0].aliases, ["lh"]);
/// assert_eq!(list[1].addr_list, ["::1".parse::<std::net::IpAddr>().unwrap()]);
/// ```
pub fn parse_hosts(text: &str) -> Vec<Hostent> {
    text.lines()
        .filter_map(|line| {
            let mut fields = fields(line);
            let addr = fields.next()?;
            let ip = match parse_ipv4_aton(addr) {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(addr.parse::<Ipv6Addr>().ok()?),
            };
            let name = fields.next()?;
            let (addrtype, length) = match ip {
                IpAddr::V4(_) => (Domain::Inet, 4),
                IpAddr::V6(_) => (Domain::Inet6, 16),
            };
            Some(Hostent {
                name: name.to_string(),
                aliases: fields.map(str::to_string).collect(),
                addrtype,
                length,
                addr_list: vec![ip],
            })
        })
        .collect()
}

/// The fields of a line, up to its comment.
fn fields(line: &str) -> impl Iterator<Item = &str> {
    let end = line.find('#').unwrap_or(line.len());
    line[..end]
        .split([' ', '\t', '\r'])
        .filter(|f| !f.is_empty())
}

/// A file's text, lossily (a stray byte in a comment must not hide the
/// file), or the error naming it.
fn read_text(path: &Path) -> io::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| context(e, "reading", path))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
