//! `SockAddr`: an owned socket address of any family, `get_addr_string`,
//! and the text-and-port form Nim's `getLocalAddr` / `getPeerAddr` give.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::io;
use std::mem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::raw::c_int;
use std::path::Path;
use std::str::FromStr;

use crate::error::{context, invalid_input, with_kind};
use crate::ip_text::{parse_ip_text, scope_id, scoped_ip_string};
use crate::sys::{self, SockAddr};
use crate::types::{Domain, Port};

/// The length type of socket addresses: `socklen_t` on Unix, `int` on
/// Windows (Nim's `SockLen`).
pub type SockLen = sys::socklen_t;

/// The platform's generic `struct sockaddr`, for [`SockAddr::as_ptr`].
pub type RawSockAddr = sys::sockaddr;

/// The platform's `struct sockaddr_storage`, for
/// [`SockAddr::from_raw_parts`].
pub type RawSockAddrStorage = sys::sockaddr_storage;

/// `SockAddr`'s public constructors, accessors and conversions. The type
/// itself (its storage, `as_ptr` and `len`) is defined in
/// `sys/sock_addr.rs`, at the bottom, because the platform layer takes and
/// fills it.
impl SockAddr {
    /// A Unix-domain address for the file system path `path`.
    ///
    /// # Errors
    /// `InvalidInput`, naming the path, when it is empty, holds a NUL byte,
    /// is too long for `sun_path` (107 bytes on Linux, 103 on macOS and
    /// FreeBSD, 107 on Windows, with room left for the terminating NUL), or
    /// (Windows only) is not valid UTF-8.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::SockAddr;
    /// assert!(SockAddr::unix("/tmp/app.sock").is_ok());
    /// let long = "/tmp/".to_string() + &"x".repeat(200);
    /// let err = SockAddr::unix(&long).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn unix<P: AsRef<Path>>(path: P) -> io::Result<SockAddr> {
        let path = path.as_ref();
        let bytes = path_bytes(path)?;
        if bytes.is_empty() {
            return Err(invalid_input(
                "Unix socket path",
                path,
                "is empty (use SockAddr::unix_unnamed for an unnamed address)",
            ));
        }
        if bytes.contains(&0) {
            return Err(invalid_input(
                "Unix socket path",
                path,
                "contains a NUL byte",
            ));
        }
        SockAddr::unix_bytes(bytes, false)
            .map_err(|why| invalid_input("Unix socket path", path, why))
    }

    /// A Linux abstract Unix-domain address: `name` in the abstract
    /// namespace, which has no file and vanishes with the socket. `name` is
    /// given without the leading NUL byte and may hold any bytes.
    ///
    /// # Errors
    /// `InvalidInput` when `name` is longer than 107 bytes; `Unsupported`
    /// on systems without abstract addresses (all but Linux and Android).
    ///
    /// # Examples
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use nativesockets::SockAddr;
    /// let a = SockAddr::unix_abstract(b"my-service").unwrap();
    /// assert_eq!(a.as_abstract_name(), Some(&b"my-service"[..]));
    /// assert_eq!(a.to_string(), "@my-service");
    /// # }
    /// ```
    pub fn unix_abstract(name: &[u8]) -> io::Result<SockAddr> {
        if !sys::HAS_ABSTRACT_UNIX {
            return Err(with_kind(
                io::ErrorKind::Unsupported,
                "abstract Unix socket name",
                String::from_utf8_lossy(name),
                "abstract addresses exist only on Linux and Android",
            ));
        }
        SockAddr::unix_bytes(name, true).map_err(|why| {
            invalid_input(
                "abstract Unix socket name",
                String::from_utf8_lossy(name),
                why,
            )
        })
    }

    /// The unnamed Unix-domain address: just the family, no path. Binding a
    /// Linux socket to it picks a free abstract name ("autobind");
    /// `getsockname` on a socket from `socketpair` reports it.
    pub fn unix_unnamed() -> SockAddr {
        let mut addr = SockAddr::empty();
        addr.len = sys::SUN_PATH_OFFSET as sys::socklen_t;
        sys::set_family(&mut addr.storage, sys::AF_UNIX, addr.len);
        addr
    }

    fn unix_bytes(bytes: &[u8], abstract_name: bool) -> Result<SockAddr, &'static str> {
        let mut addr = SockAddr::empty();
        let sun_path_len = mem::size_of::<sys::sockaddr_un>() - sys::SUN_PATH_OFFSET;
        let start = sys::SUN_PATH_OFFSET + usize::from(abstract_name);
        // A path keeps one byte for its terminating NUL; an abstract name
        // has its leading NUL instead and may fill the rest.
        let room = sun_path_len - 1;
        if bytes.len() > room {
            return Err(if abstract_name {
                "is longer than the 107 bytes sun_path leaves after the leading NUL"
            } else {
                "is too long for sun_path (the limit is the size of sockaddr_un's sun_path less one byte for the NUL)"
            });
        }
        let buf = addr.storage_bytes_mut();
        buf[start..start + bytes.len()].copy_from_slice(bytes);
        // A path's length counts its terminating NUL (as std does); an
        // abstract name's length is exact, since every byte is significant.
        let len = start + bytes.len() + usize::from(!abstract_name);
        addr.len = len as sys::socklen_t;
        sys::set_family(&mut addr.storage, sys::AF_UNIX, addr.len);
        Ok(addr)
    }

    /// Copies a raw address, as the OS lays it out (`struct sockaddr_in`,
    /// `sockaddr_in6`, `sockaddr_un`, ...), from `bytes`.
    ///
    /// The family is read from the bytes; any family is accepted, and the
    /// accessors ([`as_socket_addr`](Self::as_socket_addr),
    /// [`as_unix_path`](Self::as_unix_path), ...) check that the length is
    /// enough for it before they read.
    ///
    /// # Errors
    /// `InvalidInput` when `bytes` is shorter than the family field or
    /// longer than `sockaddr_storage` (128 bytes).
    pub fn from_bytes(bytes: &[u8]) -> io::Result<SockAddr> {
        let max = mem::size_of::<sys::sockaddr_storage>();
        if bytes.len() > max {
            return Err(invalid_input(
                "socket address bytes",
                bytes.len(),
                "are longer than sockaddr_storage (128 bytes)",
            ));
        }
        if bytes.len() < FAMILY_END {
            return Err(invalid_input(
                "socket address bytes",
                bytes.len(),
                "are too short to hold an address family",
            ));
        }
        let mut addr = SockAddr::empty();
        addr.storage_bytes_mut()[..bytes.len()].copy_from_slice(bytes);
        addr.len = bytes.len() as sys::socklen_t;
        Ok(addr)
    }

    /// Wraps an address the OS wrote.
    ///
    /// # Safety
    /// `len` must not exceed the size of `sockaddr_storage`, and the first
    /// `len` bytes of `storage` must be an address as the OS lays it out.
    /// (Reading stays sound for any content; a wrong address is only a
    /// wrong answer.)
    pub unsafe fn from_raw_parts(storage: RawSockAddrStorage, len: SockLen) -> SockAddr {
        let max = mem::size_of::<sys::sockaddr_storage>() as sys::socklen_t;
        SockAddr {
            storage,
            len: if len > max { max } else { len },
        }
    }

    /// The address as the OS lays it out, `len()` bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.storage_bytes()[..self.len as usize]
    }

    /// The platform's address family number (`sa_family`), `AF_UNSPEC` (0)
    /// for an empty address.
    pub fn family(&self) -> c_int {
        if (self.len as usize) < FAMILY_END {
            return sys::AF_UNSPEC;
        }
        sys::family_of(&self.storage)
    }

    /// The family as a [`Domain`], or `None` for a family this crate does
    /// not model (`AF_PACKET`, `AF_NETLINK`, ...).
    pub fn domain(&self) -> Option<Domain> {
        Domain::from_int(self.family())
    }

    /// The IPv4 or IPv6 address and port, or `None` for other families.
    pub fn as_socket_addr(&self) -> Option<SocketAddr> {
        self.as_socket_addr_v4()
            .map(SocketAddr::V4)
            .or_else(|| self.as_socket_addr_v6().map(SocketAddr::V6))
    }

    /// The IPv4 address and port, or `None` for other families.
    pub fn as_socket_addr_v4(&self) -> Option<SocketAddrV4> {
        (self.family() == sys::AF_INET && self.len as usize >= mem::size_of::<sys::sockaddr_in>())
            .then(|| sys::get_v4(&self.storage))
    }

    /// The IPv6 address, port, flow info and scope id, or `None` for other
    /// families.
    pub fn as_socket_addr_v6(&self) -> Option<SocketAddrV6> {
        (self.family() == sys::AF_INET6 && self.len as usize >= mem::size_of::<sys::sockaddr_in6>())
            .then(|| sys::get_v6(&self.storage))
    }

    /// The port of an IPv4 or IPv6 address, `None` for other families.
    pub fn port(&self) -> Option<Port> {
        self.as_socket_addr().map(|a| Port(a.port()))
    }

    /// Whether this is a Unix-domain address with no name (see
    /// [`unix_unnamed`](Self::unix_unnamed)).
    pub fn is_unnamed(&self) -> bool {
        self.unix_kind() == Some(UnixKind::Unnamed)
    }

    /// The file system path of a Unix-domain address, or `None` for other
    /// families, abstract and unnamed addresses (and, on Windows, a path
    /// that is not UTF-8).
    pub fn as_unix_path(&self) -> Option<&Path> {
        match self.unix_kind()? {
            UnixKind::Path(bytes) => bytes_path(bytes),
            _ => None,
        }
    }

    /// The name of a Linux abstract Unix-domain address, without its
    /// leading NUL byte; `None` for anything else.
    pub fn as_abstract_name(&self) -> Option<&[u8]> {
        match self.unix_kind()? {
            UnixKind::Abstract(name) => Some(name),
            _ => None,
        }
    }

    fn unix_kind(&self) -> Option<UnixKind<'_>> {
        let len = self.len as usize;
        if self.family() != sys::AF_UNIX || len < sys::SUN_PATH_OFFSET {
            return None;
        }
        let path = &self.storage_bytes()
            [sys::SUN_PATH_OFFSET..len.min(mem::size_of::<sys::sockaddr_un>())];
        Some(match path.first() {
            None => UnixKind::Unnamed,
            Some(0) if sys::HAS_ABSTRACT_UNIX => UnixKind::Abstract(&path[1..]),
            // Some kernels report a path's length up to the buffer's end;
            // the path ends at its first NUL.
            Some(_) => UnixKind::Path(path.split(|&b| b == 0).next().unwrap_or(path)),
        })
    }

    fn storage_bytes(&self) -> &[u8] {
        // SAFETY: sockaddr_storage is plain data, fully initialised (zeroed
        // at creation, then written by us or the OS), and any byte
        // pattern is a valid [u8].
        unsafe {
            std::slice::from_raw_parts(
                (&self.storage as *const sys::sockaddr_storage).cast::<u8>(),
                mem::size_of::<sys::sockaddr_storage>(),
            )
        }
    }

    fn storage_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `storage_bytes`; every byte pattern written is a
        // valid sockaddr_storage.
        unsafe {
            std::slice::from_raw_parts_mut(
                (&mut self.storage as *mut sys::sockaddr_storage).cast::<u8>(),
                mem::size_of::<sys::sockaddr_storage>(),
            )
        }
    }
}

/// Where the family field ends: `sa_family_t` is 2 bytes everywhere (on the
/// BSDs as `sa_len` + `sa_family`).
const FAMILY_END: usize = 2;

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum UnixKind<'a> {
    Path(&'a [u8]),
    Abstract(&'a [u8]),
    Unnamed,
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> io::Result<&[u8]> {
    use std::os::unix::ffi::OsStrExt;
    Ok(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> io::Result<&[u8]> {
    path.to_str()
        .map(str::as_bytes)
        .ok_or_else(|| invalid_input("Unix socket path", path, "is not valid UTF-8"))
}

#[cfg(unix)]
fn bytes_path(bytes: &[u8]) -> Option<&Path> {
    use std::os::unix::ffi::OsStrExt;
    Some(Path::new(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn bytes_path(bytes: &[u8]) -> Option<&Path> {
    std::str::from_utf8(bytes).ok().map(Path::new)
}

impl PartialEq for SockAddr {
    fn eq(&self, other: &SockAddr) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SockAddr {}

impl Hash for SockAddr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SockAddr");
        match self.domain() {
            Some(domain) => d.field("domain", &domain),
            None => d.field("family", &self.family()),
        };
        d.field("address", &format_args!("{self}"))
            .field("len", &self.len)
            .finish()
    }
}

/// Prints `127.0.0.1:80`, `[::1]:80`, a Unix path, `@name` for an abstract
/// name, `(unnamed)` for an unnamed Unix address, and
/// `(family N, L bytes)` for anything else.
impl fmt::Display for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = self.as_socket_addr() {
            return fmt::Display::fmt(&a, f);
        }
        match self.unix_kind() {
            Some(UnixKind::Path(p)) => f.write_str(&String::from_utf8_lossy(p)),
            Some(UnixKind::Abstract(n)) => write!(f, "@{}", String::from_utf8_lossy(n)),
            Some(UnixKind::Unnamed) => f.write_str("(unnamed)"),
            None => write!(f, "(family {}, {} bytes)", self.family(), self.len),
        }
    }
}

/// An IP address and a port (host order), as std's `SocketAddr` takes
/// them: `SockAddr::from((ip, 8080))`.
///
/// # Examples
/// ```
/// use nativesockets::SockAddr;
/// use std::net::{IpAddr, Ipv4Addr};
///
/// let a = SockAddr::from((IpAddr::V4(Ipv4Addr::LOCALHOST), 8080));
/// assert_eq!(a.to_string(), "127.0.0.1:8080");
/// ```
impl From<(IpAddr, u16)> for SockAddr {
    fn from((ip, port): (IpAddr, u16)) -> SockAddr {
        SockAddr::from(SocketAddr::new(ip, port))
    }
}

/// An IPv4 address and a port (host order).
impl From<(Ipv4Addr, u16)> for SockAddr {
    fn from((ip, port): (Ipv4Addr, u16)) -> SockAddr {
        SockAddr::from(SocketAddrV4::new(ip, port))
    }
}

/// An IPv6 address and a port (host order), with no flow label and no
/// scope (for a scope, go through `SocketAddrV6::new` or parse
/// `"[fe80::1%2]:80"`).
impl From<(Ipv6Addr, u16)> for SockAddr {
    fn from((ip, port): (Ipv6Addr, u16)) -> SockAddr {
        SockAddr::from(SocketAddrV6::new(ip, port, 0, 0))
    }
}

/// Parses an IP address and port: `127.0.0.1:80`, `[::1]:80`, and an
/// IPv6 address with a scope, by number or by interface name
/// (`[fe80::1%2]:80`, `[fe80::1%lo]:80`, the name turned into its index
/// with [`if_nametoindex`](crate::if_nametoindex)). The address takes the
/// forms [`parse_ip_text`](crate::parse_ip_text) takes (`127.1:80` too);
/// the port is decimal, 0 to 65535; an IPv6 address needs its brackets.
///
/// Unix-domain paths are not parsed from text (a path may hold any byte,
/// `:` included): build them with [`SockAddr::unix`].
///
/// No OS call, unless a scope names an interface.
///
/// # Errors
/// `InvalidInput`, naming the text and saying what is wrong with it
/// (`socket address "[::1]:http": port "http": not a decimal number (a
/// port is 0 to 65535)`); `NotFound` when a scope names an interface that
/// does not exist.
///
/// # Examples
/// ```
/// use nativesockets::SockAddr;
///
/// let a: SockAddr = "[::1]:8080".parse()?;
/// assert_eq!(a.as_socket_addr(), Some("[::1]:8080".parse().unwrap()));
/// let scoped: SockAddr = "[fe80::1%2]:80".parse()?;
/// assert_eq!(scoped.to_string(), "[fe80::1%2]:80");
/// assert!("localhost:80".parse::<SockAddr>().is_err()); // not a name lookup
/// assert!("/tmp/app.sock".parse::<SockAddr>().is_err()); // SockAddr::unix
/// # Ok::<(), std::io::Error>(())
/// ```
impl FromStr for SockAddr {
    type Err = io::Error;

    fn from_str(text: &str) -> io::Result<SockAddr> {
        const WHAT: &str = "socket address";
        if text.starts_with(['/', '.', '@']) {
            return Err(invalid_input(
                WHAT,
                text,
                "looks like a Unix-domain path, which is not parsed from text: use SockAddr::unix",
            ));
        }
        let (host, port, bracketed) = if let Some(rest) = text.strip_prefix('[') {
            let Some((host, port)) = rest.split_once("]:") else {
                return Err(invalid_input(
                    WHAT,
                    text,
                    "has no \"]:port\" after its bracketed IPv6 address",
                ));
            };
            (host, port, true)
        } else {
            match text.rsplit_once(':') {
                Some((host, _)) if host.contains(':') => {
                    return Err(invalid_input(
                        WHAT,
                        text,
                        "is IPv6 without brackets: write [address]:port",
                    ))
                }
                Some((host, port)) => (host, port, false),
                None => return Err(invalid_input(
                    WHAT,
                    text,
                    "has no \":port\" (an IP address and port, such as 127.0.0.1:80 or [::1]:80)",
                )),
            }
        };
        let port = port
            .parse::<Port>()
            .map_err(|e| invalid_input(WHAT, text, &e.to_string()))?;
        let (ip, scope) = parse_ip_text(host).map_err(|e| context(e, WHAT, text))?;
        match (ip, bracketed) {
            (IpAddr::V6(v6), true) => Ok(SockAddr::from(SocketAddrV6::new(
                v6,
                u16::from(port),
                0,
                scope,
            ))),
            (IpAddr::V4(v4), false) => Ok(SockAddr::from((v4, u16::from(port)))),
            (IpAddr::V4(_), true) => Err(invalid_input(
                WHAT,
                text,
                "has an IPv4 address in brackets, which only an IPv6 address takes",
            )),
            (IpAddr::V6(_), false) => Err(invalid_input(
                WHAT,
                text,
                "is IPv6 without brackets: write [address]:port",
            )),
        }
    }
}

/// Returns the address part of `addr` as text (Nim's `getAddrString`):
/// IPv4 dotted (`127.0.0.1`), IPv6 in RFC 5952 form (`::1`,
/// `::ffff:1.2.3.4`) with its scope id, when it has one, after a `%`
/// (`fe80::1%2`, numeric, as std's `SocketAddrV6` prints it; the name of
/// that interface is [`if_indextoname`](crate::if_indextoname)'s answer),
/// a Unix path as the path (not valid UTF-8:
/// replaced lossily), a Linux abstract name with a leading `@`, an unnamed
/// Unix address as `""`.
///
/// Formatting is done in Rust, with no OS call and no allocation beyond
/// the returned `String` (the C way is [`inet_ntop(3)`], and on Windows
/// [`InetNtopW`]).
///
/// [`inet_ntop(3)`]: https://man7.org/linux/man-pages/man3/inet_ntop.3.html
/// [`InetNtopW`]: https://learn.microsoft.com/en-us/windows/win32/api/ws2tcpip/nf-ws2tcpip-inetntopw
///
/// # Errors
/// `InvalidInput` for an address whose family is none of these, or whose
/// length is too short for its family.
///
/// # Examples
/// ```
/// use nativesockets::{get_addr_string, SockAddr};
/// let v6: std::net::SocketAddr = "[::ffff:10.0.0.1]:80".parse().unwrap();
/// assert_eq!(get_addr_string(&SockAddr::from(v6)).unwrap(), "::ffff:10.0.0.1");
/// let scoped: std::net::SocketAddr = "[fe80::1%2]:80".parse().unwrap();
/// assert_eq!(get_addr_string(&SockAddr::from(scoped)).unwrap(), "fe80::1%2");
/// ```
pub fn get_addr_string(addr: &SockAddr) -> io::Result<String> {
    if let Some(a) = addr.as_socket_addr() {
        return Ok(scoped_ip_string(a.ip(), scope_id(&a)));
    }
    match addr.unix_kind() {
        Some(UnixKind::Path(p)) => Ok(String::from_utf8_lossy(p).into_owned()),
        Some(UnixKind::Abstract(n)) => Ok(format!("@{}", String::from_utf8_lossy(n))),
        Some(UnixKind::Unnamed) => Ok(String::new()),
        None => Err(invalid_input(
            "socket address",
            format_args!("(family {}, {} bytes)", addr.family(), addr.len),
            "is not an IPv4, IPv6 or Unix-domain address of a valid length",
        )),
    }
}

/// An address as Nim's `getLocalAddr` / `getPeerAddr` give it: the host
/// as [`get_addr_string`] prints it and the port; a Unix-domain address,
/// which has no port, with `Port(0)`.
pub(crate) fn addr_text(addr: &SockAddr) -> io::Result<(String, Port)> {
    match addr.as_socket_addr() {
        Some(a) => Ok((scoped_ip_string(a.ip(), scope_id(&a)), Port(a.port()))),
        None => Ok((get_addr_string(addr)?, Port(0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_round_trips_through_raw_bytes() {
        let std_addr: SocketAddr = "192.0.2.7:4242".parse().unwrap();
        let a = SockAddr::from(std_addr);
        let b = SockAddr::from_bytes(a.as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_eq!(b.as_socket_addr(), Some(std_addr));
    }

    #[test]
    fn short_ipv4_bytes_are_not_read_as_an_address() {
        let a = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 1)));
        let short = SockAddr::from_bytes(&a.as_bytes()[..6]).unwrap();
        assert_eq!(short.as_socket_addr(), None);
        assert_eq!(
            get_addr_string(&short).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn from_bytes_rejects_bad_lengths() {
        assert!(SockAddr::from_bytes(&[0]).is_err());
        assert!(SockAddr::from_bytes(&[0; 129]).is_err());
        assert!(SockAddr::from_bytes(&[0; 128]).is_ok());
    }

    #[test]
    fn unix_paths_and_unnamed_print_as_the_seed_says() {
        let a = SockAddr::unix("/tmp/x.sock").unwrap();
        assert_eq!(get_addr_string(&a).unwrap(), "/tmp/x.sock");
        assert_eq!(get_addr_string(&SockAddr::unix_unnamed()).unwrap(), "");
        assert!(SockAddr::unix_unnamed().is_unnamed());
    }

    #[test]
    fn unix_path_errors_name_the_path() {
        let e = SockAddr::unix("a\0b").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("a\\0b"), "{e}");
        assert_eq!(
            SockAddr::unix("").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let limit = mem::size_of::<sys::sockaddr_un>() - sys::SUN_PATH_OFFSET - 1;
        assert!(SockAddr::unix("x".repeat(limit)).is_ok());
        assert!(SockAddr::unix("x".repeat(limit + 1)).is_err());
    }
}
