//! `get_addr_info`: [`getaddrinfo(3)`] with an owned result list that frees
//! itself.
//!
//! [`getaddrinfo(3)`]: https://man7.org/linux/man-pages/man3/getaddrinfo.3.html

use std::ffi::CStr;
use std::fmt;
use std::io;
use std::iter::FusedIterator;
use std::net::{IpAddr, SocketAddr};
use std::os::raw::c_int;
use std::ptr::NonNull;

use crate::cstr::with_c_name;
use crate::error::{invalid_input, LookupError};
use crate::ip_text::parse_ip_text;
use crate::sys::{self, SockAddr};
use crate::types::{Domain, Port, Protocol, SockType};

/// The C library's `struct addrinfo` (`ADDRINFOA` on Windows), for
/// [`AddrInfoList::as_raw`].
pub type RawAddrInfo = sys::addrinfo;

/// Resolves `address` to the socket addresses a socket of `domain`,
/// `sock_type` and `protocol` can use to reach it on `port` (Nim's
/// `getAddrInfo`).
///
/// `address` is a host name (looked up through the system resolver:
/// /etc/hosts, DNS, ... as nsswitch says) or a numeric IPv4 or IPv6
/// address (every form [`parse_ip_text`](crate::parse_ip_text) reads:
/// `127.1`, and IPv6 with a scope by number or interface name,
/// `fe80::1%2`, `fe80::1%lo`; where the resolver does not read the name,
/// it is turned into its number and asked again, so that every platform
/// takes it; the entries then carry the scope id, and print it:
/// `[fe80::1%2]:80`). [`Domain::Unspec`] asks for every family, `Domain::Inet` for
/// IPv4 only, and `Domain::Inet6` for IPv6, where a name that has only
/// IPv4 addresses gives them as v4-mapped IPv6 addresses (`::ffff:a.b.c.d`,
/// `AI_V4MAPPED`, as Nim asks; not on FreeBSD and Android, which do not
/// support it). [`Protocol::Ip`] (0) means any protocol of the type.
///
/// The returned list owns the C library's result and frees it
/// (`freeaddrinfo`) when dropped, so nothing replaces Nim's `dealloc`.
/// Each entry gives its family, type, protocol, address and, on the first
/// entry, the canonical name.
///
/// The hints are exactly: the family, type and protocol given, and the
/// flags `AI_CANONNAME` (plus `AI_V4MAPPED` for `Domain::Inet6`). No
/// `AI_ADDRCONFIG`, as in Nim, so the answer does not depend on which
/// interfaces are up (with it, `localhost` loses `::1` on a machine
/// without a global IPv6 address, and glibc queries the kernel's
/// interfaces on every call). No service string is passed: the port is
/// written into the returned IPv4 and IPv6 addresses, which gives the
/// same list as the numeric service `"80"` with `AI_NUMERICSERV` would,
/// without the C library parsing it. So a numeric address costs no more
/// than the bare `getaddrinfo` + `freeaddrinfo` a C program would write
/// (less, in fact): the text is copied to the stack, nothing is
/// allocated.
///
/// For [`SockType::Raw`], `port` is ignored and the addresses carry port
/// 0. A port means nothing to a raw socket (Nim passed one as the service
/// and `getaddrinfo` failed with `EAI_SERVICE`), and Linux rejects a raw
/// IPv6 `sendto` whose address has a port other than the socket's
/// protocol, so a port filled in would break them.
///
/// Corresponds to [`getaddrinfo(3)`] on Unix and [`getaddrinfo`] on Windows.
///
/// # Errors
/// - `InvalidInput`, before any lookup, when `address` is empty (ask for
///   `"0.0.0.0"`/`"::"` or `"localhost"` instead), longer than 1 KiB, or
///   holds a NUL byte, or when `domain` is [`Domain::Unix`] (build those
///   addresses with [`SockAddr::unix`]).
/// - `NotFound` when the name has no address (of that family): `EAI_NONAME`
///   and `EAI_NODATA`/`EAI_ADDRFAMILY`; the message names the address and
///   gives `gai_strerror`'s text.
/// - `TimedOut` for `EAI_AGAIN`, a temporary resolver failure (usually a
///   DNS server that did not answer in time), to be told apart from "not
///   found": trying again later may succeed. (Not `WouldBlock`, which
///   promises readiness, nor `Interrupted`, which std's I/O helpers retry
///   at once.)
/// - `Unsupported` for a combination the resolver rejects
///   (`EAI_FAMILY`, `EAI_SOCKTYPE`, `EAI_SERVICE`: for example
///   `Protocol::Udp` with `SockType::Stream`).
/// - `OutOfMemory` for `EAI_MEMORY`; for `EAI_SYSTEM` the `errno` error;
///   `Other` for anything else (`EAI_FAIL`).
///
/// # Examples
/// ```
/// use nativesockets::{get_addr_info, Domain, Port, Protocol, SockType};
///
/// let list = get_addr_info("127.0.0.1", Port(8080), Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// let first = list.first();
/// assert_eq!(first.domain(), Some(Domain::Inet));
/// assert_eq!(first.sock_type(), Some(SockType::Stream));
/// assert_eq!(first.addr().as_socket_addr(), Some("127.0.0.1:8080".parse().unwrap()));
///
/// // Every family, every address: collect what you need.
/// let addrs: Vec<_> = get_addr_info("localhost", Port(80), Domain::Unspec, SockType::Dgram, Protocol::Udp)?
///     .iter()
///     .filter_map(|ai| ai.addr().as_socket_addr())
///     .collect();
/// assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`getaddrinfo(3)`]: https://man7.org/linux/man-pages/man3/getaddrinfo.3.html
/// [`getaddrinfo`]: https://learn.microsoft.com/en-us/windows/win32/api/ws2tcpip/nf-ws2tcpip-getaddrinfo
pub fn get_addr_info(
    address: &str,
    port: Port,
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Result<AddrInfoList> {
    if domain == Domain::Unix {
        return Err(invalid_input(
            "address family",
            domain,
            "is not resolved by getaddrinfo: build Unix-domain addresses with SockAddr::unix",
        ));
    }
    sys::init();
    let mut flags = sys::AI_CANONNAME;
    if domain == Domain::Inet6 {
        flags |= sys::AI_V4MAPPED;
    }
    let hints = sys::addrinfo_hints(
        flags,
        domain.to_int(),
        sock_type.to_int(),
        protocol.to_int(),
    );
    with_c_name("address", address, |node| {
        match AddrInfoList::lookup(node, &hints) {
            Ok(list) => {
                if port.0 != 0 && sock_type != SockType::Raw {
                    list.set_port(port.0);
                }
                Ok(list)
            }
            Err(e) => retry_scoped(e, address, port, domain, sock_type, protocol),
        }
    })
}

/// After a failed lookup: a scope given by interface name (`fe80::1%lo`)
/// is turned into its number and the lookup tried again, so that every
/// platform's resolver takes it (glibc's and Apple's read names
/// themselves; Windows's takes numbers only). Done here, after the first
/// try, so that the successful path pays nothing for it.
#[cold]
#[inline(never)]
fn retry_scoped(
    e: LookupError,
    address: &str,
    port: Port,
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Result<AddrInfoList> {
    if address.contains('%') {
        match parse_ip_text(address) {
            Ok((IpAddr::V6(v6), scope)) => {
                let numeric = format!("{v6}%{scope}");
                if numeric != address {
                    return get_addr_info(&numeric, port, domain, sock_type, protocol)
                        .map_err(|_| lookup_failed(e, address, port, domain, sock_type, protocol));
                }
            }
            // A scope naming no interface: say so.
            Err(not_found) if not_found.kind() == io::ErrorKind::NotFound => return Err(not_found),
            _ => {}
        }
    }
    Err(lookup_failed(e, address, port, domain, sock_type, protocol))
}

/// The error of a failed `getaddrinfo`, naming the whole query. Kept out
/// of line: inlined, its formatting code slows the successful path.
#[cold]
#[inline(never)]
fn lookup_failed(
    e: LookupError,
    address: &str,
    port: Port,
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Error {
    // Only what the caller chose beyond "any address for a stream": a
    // user reads `"example.org": Name or service not known (port 443)`,
    // not the defaults spelt as Rust values.
    let mut chosen: Vec<String> = Vec::new();
    if port.0 != 0 {
        chosen.push(format!("port {port}"));
    }
    match domain {
        Domain::Unspec => {}
        Domain::Inet => chosen.push("IPv4 only".into()),
        Domain::Inet6 => chosen.push("IPv6 only".into()),
        Domain::Unix => chosen.push("Unix domain".into()),
    }
    match sock_type {
        SockType::Stream => {}
        SockType::Dgram => chosen.push("datagram".into()),
        SockType::Raw => chosen.push("raw".into()),
        SockType::SeqPacket => chosen.push("seqpacket".into()),
    }
    if !matches!(protocol, Protocol::Ip | Protocol::Tcp | Protocol::Udp) {
        chosen.push(format!("protocol {}", protocol.to_int()));
    }
    let detail = if chosen.is_empty() {
        String::new()
    } else {
        format!(" ({})", chosen.join(", "))
    };
    e.into_error("address", address, format_args!("{detail}"))
}

/// The result of [`get_addr_info`]: the C library's list of addresses,
/// owned, freed with `freeaddrinfo` when dropped.
///
/// Iterate it by reference (`for ai in &list`, [`iter`](Self::iter));
/// entries borrow the list and copy nothing until asked (for example by
/// [`AddrInfo::addr`]). A list is never empty: a lookup that finds no
/// address is an error.
pub struct AddrInfoList {
    head: NonNull<sys::addrinfo>,
}

// SAFETY: the list is owned exclusively, never changed after getaddrinfo
// returns, and freeaddrinfo may be called from any thread.
unsafe impl Send for AddrInfoList {}
// SAFETY: shared access only reads the list.
unsafe impl Sync for AddrInfoList {}

impl AddrInfoList {
    /// `getaddrinfo` for `node` with `hints`, no service, owned.
    #[inline]
    pub(crate) fn lookup(node: &CStr, hints: &sys::addrinfo) -> Result<AddrInfoList, LookupError> {
        sys::getaddrinfo(node, None, hints).map(|head| AddrInfoList { head })
    }

    /// The entries, in the order the resolver gave them (the order to try
    /// them in, after RFC 6724 sorting by glibc).
    pub fn iter(&self) -> AddrInfoIter<'_> {
        AddrInfoIter {
            // SAFETY: head is a valid entry for as long as `self` lives.
            next: Some(unsafe { self.head.as_ref() }),
        }
    }

    /// The first entry, the one that carries the canonical name.
    pub fn first(&self) -> AddrInfo<'_> {
        AddrInfo {
            // SAFETY: head is a valid entry for as long as `self` lives.
            node: unsafe { self.head.as_ref() },
        }
    }

    /// How many entries there are (walks the list).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Always `false`: a lookup that finds nothing is an error, not an
    /// empty list.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// A pointer to the first `struct addrinfo`, for a C API that takes
    /// one; valid while the list lives.
    pub fn as_raw(&self) -> *const RawAddrInfo {
        self.head.as_ptr()
    }

    /// Writes `port` into every IPv4 and IPv6 address of the list.
    fn set_port(&self, port: u16) {
        let mut node = self.head.as_ptr();
        while !node.is_null() {
            // SAFETY: node is an entry of the list, which this value owns
            // (nothing borrows it yet); its ai_addr, when not null, points
            // to ai_addrlen writable bytes of address.
            unsafe {
                let ai = &*node;
                if !ai.ai_addr.is_null() {
                    sys::set_port(ai.ai_family, ai.ai_addr, sys::addr_len(ai), port);
                }
                node = ai.ai_next;
            }
        }
    }
}

impl Drop for AddrInfoList {
    fn drop(&mut self) {
        // SAFETY: head came from getaddrinfo, is owned by this list, and no
        // entry outlives the list (they borrow it).
        unsafe { sys::freeaddrinfo(self.head) }
    }
}

impl fmt::Debug for AddrInfoList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a AddrInfoList {
    type Item = AddrInfo<'a>;
    type IntoIter = AddrInfoIter<'a>;

    fn into_iter(self) -> AddrInfoIter<'a> {
        self.iter()
    }
}

/// Iterator over the entries of an [`AddrInfoList`].
#[derive(Clone)]
pub struct AddrInfoIter<'a> {
    next: Option<&'a sys::addrinfo>,
}

impl fmt::Debug for AddrInfoIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

impl<'a> Iterator for AddrInfoIter<'a> {
    type Item = AddrInfo<'a>;

    fn next(&mut self) -> Option<AddrInfo<'a>> {
        let node = self.next?;
        // SAFETY: ai_next is null or the next entry of the same list, which
        // lives as long as the first.
        self.next = unsafe { node.ai_next.as_ref() };
        Some(AddrInfo { node })
    }
}

impl FusedIterator for AddrInfoIter<'_> {}

/// One entry of an [`AddrInfoList`]: an address and the socket family,
/// type and protocol to use it with. It borrows the list.
#[derive(Copy, Clone)]
pub struct AddrInfo<'a> {
    node: &'a sys::addrinfo,
}

impl<'a> AddrInfo<'a> {
    /// The address family, or `None` for one this crate does not model.
    pub fn domain(&self) -> Option<Domain> {
        Domain::from_int(self.node.ai_family)
    }

    /// The platform's number for the address family (`ai_family`).
    pub fn family(&self) -> c_int {
        self.node.ai_family
    }

    /// The socket type, or `None` for one this crate does not model.
    pub fn sock_type(&self) -> Option<SockType> {
        SockType::from_int(self.node.ai_socktype)
    }

    /// The platform's number for the socket type (`ai_socktype`).
    pub fn raw_sock_type(&self) -> c_int {
        self.node.ai_socktype
    }

    /// The protocol, or `None` for one this crate does not model.
    pub fn protocol(&self) -> Option<Protocol> {
        Protocol::from_int(self.node.ai_protocol)
    }

    /// The platform's number for the protocol (`ai_protocol`).
    pub fn raw_protocol(&self) -> c_int {
        self.node.ai_protocol
    }

    /// The address (a copy, ready for `bind_addr`, `connect`, ...). An
    /// entry without one, which no resolver returns, gives an empty
    /// address of family `AF_UNSPEC`.
    pub fn addr(&self) -> SockAddr {
        let len = sys::addr_len(self.node);
        if self.node.ai_addr.is_null() {
            return SockAddr::empty();
        }
        // SAFETY: a non-null ai_addr points to ai_addrlen bytes of address,
        // alive as long as the list.
        let bytes = unsafe { std::slice::from_raw_parts(self.node.ai_addr.cast::<u8>(), len) };
        SockAddr::from_bytes(bytes).unwrap_or_else(|_| SockAddr::empty())
    }

    /// The IPv4 or IPv6 address, or `None` for other families.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.addr().as_socket_addr()
    }

    /// The host's canonical name (`ai_canonname`): set on the first entry
    /// only (`AI_CANONNAME`), `None` on the others and where the name is
    /// not UTF-8. For a numeric address it is the address text.
    pub fn canonical_name(&self) -> Option<&'a str> {
        self.canonical_name_c()?.to_str().ok()
    }

    /// The canonical name, lossily converted when it is not UTF-8.
    pub(crate) fn canonical_name_lossy(&self) -> Option<String> {
        Some(self.canonical_name_c()?.to_string_lossy().into_owned())
    }

    fn canonical_name_c(&self) -> Option<&'a CStr> {
        let p = self.node.ai_canonname;
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null ai_canonname is a NUL-terminated string alive
        // as long as the list.
        Some(unsafe { CStr::from_ptr(p.cast()) })
    }
}

/// Prints the entry's address as [`SockAddr`] prints it
/// (`127.0.0.1:80`, `[fe80::1%2]:80`, with the IPv6 scope).
impl fmt::Display for AddrInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.addr(), f)
    }
}

impl fmt::Debug for AddrInfo<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("AddrInfo");
        match self.domain() {
            Some(domain) => d.field("domain", &domain),
            None => d.field("family", &self.family()),
        };
        match self.sock_type() {
            Some(t) => d.field("sock_type", &t),
            None => d.field("raw_sock_type", &self.raw_sock_type()),
        };
        match self.protocol() {
            Some(p) => d.field("protocol", &p),
            None => d.field("raw_protocol", &self.raw_protocol()),
        };
        d.field("addr", &self.addr());
        if let Some(name) = self.canonical_name() {
            d.field("canonical_name", &name);
        }
        d.finish()
    }
}
