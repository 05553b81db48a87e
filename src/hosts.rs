//! Hosts and protocols through the system resolver: `get_host_by_name`,
//! `get_host_by_addr`, `get_hostname`, `get_proto_by_name`.

use std::ffi::CStr;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::os::raw::c_int;

use crate::addrinfo::AddrInfoList;
use crate::cstr::with_c_name;
use crate::error::{not_found, LookupError};
use crate::ip_text::{parse_ip_text, parse_ipv4_aton};
use crate::sys::{self, HostEntry};
use crate::types::Domain;

/// A host's entry in the hosts database (Nim's `Hostent`, C's
/// `struct hostent`), copied out of the C library's buffers.
///
/// Every address in `addr_list` is of the family `addrtype`, `length`
/// bytes long (4 for [`Domain::Inet`], 16 for [`Domain::Inet6`]).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Hostent {
    /// The official (canonical) name of the host.
    pub name: String,
    /// Other names of the host, in the database's order.
    pub aliases: Vec<String>,
    /// The family of every address: `Domain::Inet` or `Domain::Inet6`.
    pub addrtype: Domain,
    /// The byte length of one address: 4 or 16.
    pub length: usize,
    /// Every address of the host, in the resolver's order.
    pub addr_list: Vec<IpAddr>,
}

/// Looks up a host by name in the system's hosts database: /etc/hosts,
/// DNS, and whatever else nsswitch lists (Nim's `getHostByName`).
///
/// The answer holds the canonical name, the aliases and every address of
/// one family: the host's IPv4 addresses when it has any (as
/// `gethostbyname` gives), otherwise its IPv6 addresses (`addrtype ==
/// Domain::Inet6`, `length == 16`). A `Hostent` cannot hold both families;
/// use [`get_addr_info`](crate::get_addr_info) with
/// [`Domain::Unspec`] for every address of every family. Numeric IPv4
/// text in any `inet_aton` form (`"127.1"`, `"0x7f.1"`) is answered
/// without a lookup, as glibc does: the name is the text, the one address
/// its value. An IPv6 literal
/// (`"::1"`) is answered as IPv6 directly; one with a scope
/// (`"fe80::1%lo"`) is looked up without it, since a `Hostent` has no
/// place for a scope (a deliberate difference from glibc, whose
/// `gethostbyname` does not take scoped text at all).
///
/// Thread-safe: [`gethostbyname2_r(3)`] on Linux (glibc, musl) and FreeBSD,
/// first for `AF_INET` and then, if that finds nothing, `AF_INET6`;
/// `getaddrinfo` with `AI_CANONNAME` where there is no `_r` call (macOS:
/// no aliases there); on Windows Winsock's `gethostbyname`, whose result
/// is per-thread, for IPv4 and `getaddrinfo` for IPv6 (no aliases). Nim
/// calls the non-reentrant `gethostbyname`.
///
/// # Errors
/// - `InvalidInput`, before any lookup, for an empty name, one over 1 KiB,
///   or one with a NUL byte.
/// - `NotFound` when there is no such host or it has no address
///   (`HOST_NOT_FOUND`, `NO_DATA`); the message names the host and gives
///   `hstrerror`'s text.
/// - `TimedOut` for `TRY_AGAIN`, a temporary failure (usually DNS not
///   answering): a later try may succeed.
/// - `Other` for `NO_RECOVERY`; the OS error for `NETDB_INTERNAL`.
///
/// # Examples
/// ```
/// use nativesockets::{get_host_by_name, Domain};
///
/// let host = get_host_by_name("localhost")?;
/// assert_eq!(host.addrtype, Domain::Inet);
/// assert_eq!(host.length, 4);
/// assert!(host.addr_list.contains(&"127.0.0.1".parse().unwrap()));
///
/// let v6 = get_host_by_name("::1")?;
/// assert_eq!((v6.addrtype, v6.length), (Domain::Inet6, 16));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`gethostbyname2_r(3)`]: https://man7.org/linux/man-pages/man3/gethostbyname.3.html
pub fn get_host_by_name(name: &str) -> io::Result<Hostent> {
    sys::init();
    if name.contains('%') {
        // A scoped IPv6 address: the C calls take the bare address.
        if let Ok((IpAddr::V6(v6), _)) = parse_ip_text(name) {
            return get_host_by_name(&v6.to_string());
        }
    }
    if let Some(v4) = parse_ipv4_aton(name) {
        // As glibc answers numeric text (`__nss_hostname_digits_dots`),
        // without the database, but for every inet_aton form: glibc's
        // check lets only digits and dots through, so `0x7f.1` would go
        // to DNS there, though getaddrinfo takes it.
        return Ok(Hostent {
            name: name.to_string(),
            aliases: Vec::new(),
            addrtype: Domain::Inet,
            length: 4,
            addr_list: vec![IpAddr::V4(v4)],
        });
    }
    with_c_name("host name", name, |c_name| {
        let answer = if name.parse::<Ipv6Addr>().is_ok() {
            host_by_name(c_name, sys::AF_INET6)
        } else {
            match host_by_name(c_name, sys::AF_INET) {
                // The IPv4 reason ("Unknown host") is the one to report
                // when neither family has an address.
                Err(LookupError::NotFound(why)) => {
                    host_by_name(c_name, sys::AF_INET6).map_err(|e| match e {
                        LookupError::NotFound(_) => LookupError::NotFound(why),
                        other => other,
                    })
                }
                other => other,
            }
        };
        answer
            .and_then(hostent)
            .map_err(|e| e.into_error("host name", name, format_args!("")))
    })
}

/// Looks up the host that has the IP address `ip`, given as IPv4
/// (`"127.0.0.1"`) or IPv6 (`"::1"`) text, in the system's hosts database
/// (/etc/hosts, then reverse DNS, as nsswitch says) (Nim's
/// `getHostByAddr`).
///
/// `ip` may be in any numeric form [`get_host_by_name`] and
/// [`get_addr_info`](crate::get_addr_info) take for the same address
/// (see [`parse_ip_text`](crate::parse_ip_text)): `"127.1"` and the other
/// `inet_aton` forms, and IPv6 with a scope (`"fe80::1%2"`,
/// `"fe80::1%lo"`), whose scope plays no part in the lookup (the C call
/// takes the bare address, as Python's `gethostbyaddr` does).
///
/// The answer's `addr_list` holds the address asked for (and, from
/// /etc/hosts, any other address of that line's family), `addrtype` its
/// family. An IPv4-mapped IPv6 address (`"::ffff:127.0.0.1"`) is looked up
/// as the IPv4 address it maps, as glibc's DNS backend does anyway, so
/// that /etc/hosts answers for it too; the answer is then IPv4.
///
/// Thread-safe: [`gethostbyaddr_r(3)`] on Linux and FreeBSD, `getnameinfo`
/// with `NI_NAMEREQD` where there is no `_r` call (macOS: no aliases
/// there), Winsock's per-thread [`gethostbyaddr`] on Windows.
///
/// # Errors
/// - `InvalidInput`, before any lookup, when `ip` is not IPv4 or IPv6 text
///   (host names, empty text, ...), or holds a NUL byte (said so);
///   `NotFound` for a scope that names no interface.
/// - `NotFound` when no host has that address, naming it, with
///   `hstrerror`'s text; `TimedOut` for a temporary failure; as
///   [`get_host_by_name`] otherwise.
///
/// # Examples
/// ```
/// use nativesockets::get_host_by_addr;
///
/// let host = get_host_by_addr("127.0.0.1")?;
/// assert!(!host.name.is_empty());
/// assert_eq!(get_host_by_addr("127.1")?.name, host.name);
/// assert!(get_host_by_addr("localhost").is_err()); // a name, not an address
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`gethostbyaddr_r(3)`]: https://man7.org/linux/man-pages/man3/gethostbyname.3.html
/// [`gethostbyaddr`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-gethostbyaddr
pub fn get_host_by_addr(ip: &str) -> io::Result<Hostent> {
    let (addr, _scope) = parse_ip_text(ip)?;
    // glibc's DNS backend unmaps these too; doing it first lets every
    // backend (/etc/hosts included) answer for the IPv4 address.
    let addr = match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    };
    sys::init();
    sys::host_by_addr(addr)
        .and_then(hostent)
        .map_err(|e| e.into_error("IP address", ip, format_args!("")))
}

/// The platform's thread-safe lookup by name for `family`, or, where it
/// has none (macOS, IPv6 on Windows), `getaddrinfo` with `AI_CANONNAME`:
/// the canonical name and every distinct address, no aliases.
fn host_by_name(name: &CStr, family: c_int) -> Result<HostEntry, LookupError> {
    if let Some(answer) = sys::host_by_name(name, family) {
        return answer;
    }
    let hints = sys::addrinfo_hints(sys::AI_CANONNAME, family, sys::SOCK_STREAM, 0);
    let list = AddrInfoList::lookup(name, &hints)?;
    let mut entry = HostEntry {
        name: list
            .first()
            .canonical_name_lossy()
            .unwrap_or_else(|| name.to_string_lossy().into_owned()),
        aliases: Vec::new(),
        family,
        length: if family == sys::AF_INET6 { 16 } else { 4 },
        addrs: Vec::new(),
    };
    for ip in list
        .iter()
        .filter_map(|ai| ai.socket_addr())
        .map(|a| a.ip())
    {
        if !entry.addrs.contains(&ip) {
            entry.addrs.push(ip);
        }
    }
    Ok(entry)
}

/// The public form of a platform's answer.
fn hostent(entry: HostEntry) -> Result<Hostent, LookupError> {
    let addrtype = Domain::from_int(entry.family)
        .ok_or_else(|| LookupError::Failed(format!("unknown address family {}", entry.family)))?;
    Ok(Hostent {
        name: entry.name,
        aliases: entry.aliases,
        addrtype,
        length: entry.length,
        addr_list: entry.addrs,
    })
}

/// Returns this machine's host name (newer Nim's `getHostname`).
///
/// Corresponds to [`gethostname(2)`] on Unix and [`GetHostNameW`] on Windows.
/// A name that is not valid text is converted lossily.
///
/// # Errors
/// The OS error, which the C call reports only in odd cases (a name over
/// 255 bytes, or on Windows a Winsock failure).
///
/// # Examples
/// ```
/// let name = nativesockets::get_hostname()?;
/// assert!(!name.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`gethostname(2)`]: https://man7.org/linux/man-pages/man2/gethostname.2.html
/// [`GetHostNameW`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-gethostnamew
pub fn get_hostname() -> io::Result<String> {
    sys::init();
    sys::hostname()
}

/// Returns the number of the protocol called `name` (`"tcp"`, `"udp"`,
/// `"icmp"`, `"ipv6-icmp"`, ... and their aliases, such as `"TCP"`) in the
/// system's protocols database (/etc/protocols through nsswitch) (newer
/// Nim's `getProtoByName`).
///
/// Thread-safe: [`getprotobyname_r(3)`] on glibc and FreeBSD; elsewhere
/// `getprotobyname`, whose static result is read under a process-wide
/// lock (macOS's and Windows's are per-thread anyway).
///
/// # Errors
/// - `InvalidInput` for an empty name, one over 1 KiB, or one with a NUL
///   byte.
/// - `NotFound` when the database has no such protocol, naming it.
///
/// # Examples
/// ```
/// use nativesockets::{get_proto_by_name, Protocol};
///
/// assert_eq!(get_proto_by_name("tcp")?, Protocol::Tcp.to_int());
/// assert_eq!(get_proto_by_name("udp")?, 17);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`getprotobyname_r(3)`]: https://man7.org/linux/man-pages/man3/getprotoent_r.3.html
pub fn get_proto_by_name(name: &str) -> io::Result<i32> {
    get_protoent_by_name(name).map(|p| p.number)
}

/// A protocol's entry in the protocols database (C's `struct protoent`),
/// copied out of the C library's buffers.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Protoent {
    /// The official (canonical) name: `"tcp"`, even when looked up as
    /// `"TCP"`.
    pub name: String,
    /// Other names, in the database's order (`["TCP"]`).
    pub aliases: Vec<String>,
    /// The protocol number, as the IP header carries it (6 for TCP).
    pub number: i32,
}

/// Looks up the protocol called `name` (a name or an alias) in the
/// system's protocols database, and returns its whole entry: the
/// canonical name, the aliases and the number (`getent protocols NAME`).
///
/// Thread-safe, through the same calls as [`get_proto_by_name`]:
/// [`getprotobyname_r(3)`] on glibc and FreeBSD, `getprotobyname` under a
/// process-wide lock elsewhere on Unix, Winsock's per-thread
/// [`getprotobyname`] on Windows.
///
/// # Errors
/// As [`get_proto_by_name`].
///
/// # Examples
/// ```
/// let tcp = nativesockets::get_protoent_by_name("tcp")?;
/// assert_eq!((tcp.name.as_str(), tcp.number), ("tcp", 6));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`getprotobyname_r(3)`]: https://man7.org/linux/man-pages/man3/getprotoent_r.3.html
/// [`getprotobyname`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getprotobyname
pub fn get_protoent_by_name(name: &str) -> io::Result<Protoent> {
    sys::init();
    with_c_name("protocol name", name, |c_name| {
        match sys::proto_by_name(c_name) {
            Ok(Some(entry)) => Ok(protoent(entry)),
            Ok(None) => Err(not_found(
                "protocol name",
                name,
                "no such protocol in the protocols database",
            )),
            Err(e) => Err(e.into_error("protocol name", name, format_args!(""))),
        }
    })
}

/// Looks up the protocol numbered `number` in the system's protocols
/// database (`getent protocols 6`).
///
/// Thread-safe: [`getprotobynumber_r(3)`] on glibc and FreeBSD,
/// `getprotobynumber` under a process-wide lock elsewhere on Unix,
/// Winsock's per-thread [`getprotobynumber`] on Windows.
///
/// # Errors
/// `NotFound`, naming the number, when the database has no such protocol.
///
/// # Examples
/// ```
/// let udp = nativesockets::get_protoent_by_number(17)?;
/// assert_eq!(udp.name, "udp");
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`getprotobynumber_r(3)`]: https://man7.org/linux/man-pages/man3/getprotoent_r.3.html
/// [`getprotobynumber`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getprotobynumber
pub fn get_protoent_by_number(number: i32) -> io::Result<Protoent> {
    sys::init();
    match sys::proto_by_number(number) {
        Ok(Some(entry)) => Ok(protoent(entry)),
        Ok(None) => Err(not_found(
            "protocol number",
            number,
            "no such protocol in the protocols database",
        )),
        Err(e) => Err(e.into_error("protocol number", number, format_args!(""))),
    }
}

fn protoent(entry: sys::ProtoEntry) -> Protoent {
    Protoent {
        name: entry.name,
        aliases: entry.aliases,
        number: entry.number,
    }
}
