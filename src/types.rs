//! The small types of Nim's `nativesockets`: `Port`, `Domain`, `SockType`, `Protocol`, the raw
//! handle type and its invalid value, and byte-order conversion.

use std::fmt;
use std::os::raw::c_int;
use std::str::FromStr;

use crate::sys;

/// The raw OS handle of a socket: `RawFd` on Unix, `RawSocket` on Windows.
#[cfg(unix)]
pub type RawSocketHandle = std::os::fd::RawFd;
/// The raw OS handle of a socket: `RawFd` on Unix, `RawSocket` on Windows.
#[cfg(windows)]
pub type RawSocketHandle = std::os::windows::io::RawSocket;

/// The value of a handle that is no socket (Nim's `osInvalidSocket`): `-1`
/// on Unix, `INVALID_SOCKET` (`!0`) on Windows.
pub const OS_INVALID_SOCKET: RawSocketHandle = sys::INVALID_SOCKET as RawSocketHandle;

/// A port number, always in host byte order.
///
/// Nim's `Port = distinct uint16`. Unlike Nim's `getServByName`, nothing in
/// this crate ever hands out a `Port` in network byte order: convert with
/// [`htons`] only at the boundary where you write raw structures yourself.
///
/// # Examples
/// ```
/// use nativesockets::Port;
///
/// let p: Port = "8080".parse().unwrap();
/// assert_eq!(p, Port(8080));
/// assert_eq!(p.to_string(), "8080");
/// assert_eq!(u16::from(p), 8080);
/// let err = "65536".parse::<Port>().unwrap_err();
/// assert_eq!(err.to_string(), r#"port "65536": out of range (a port is 0 to 65535)"#);
/// ```
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Port(pub u16);

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u16> for Port {
    fn from(port: u16) -> Port {
        Port(port)
    }
}

impl From<Port> for u16 {
    fn from(port: Port) -> u16 {
        port.0
    }
}

impl FromStr for Port {
    type Err = ParsePortError;

    /// Parses a decimal port number, `0` to `65535` (digits only: no sign,
    /// no space).
    fn from_str(s: &str) -> Result<Port, ParsePortError> {
        let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match s.parse::<u16>() {
            Ok(n) if digits => Ok(Port(n)),
            _ => Err(ParsePortError {
                text: crate::error::Shortened(s).to_string(),
                out_of_range: digits,
            }),
        }
    }
}

/// The error of parsing a [`Port`] from text: the message names the text
/// and says what a port is, for example
/// `port "65536": out of range (a port is 0 to 65535)` or
/// `port "http": not a decimal number (a port is 0 to 65535)`.
///
/// It converts into an `io::Error` of kind `InvalidInput` with the same
/// message, so `?` works in functions that return `io::Result`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ParsePortError {
    /// The text, quoted and cut to a readable length.
    text: String,
    out_of_range: bool,
}

impl ParsePortError {
    /// Whether the text was a decimal number above 65535 (rather than not
    /// a number at all).
    pub fn is_out_of_range(&self) -> bool {
        self.out_of_range
    }
}

impl fmt::Display for ParsePortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = if self.out_of_range {
            "out of range"
        } else {
            "not a decimal number"
        };
        write!(f, "port {}: {why} (a port is 0 to 65535)", self.text)
    }
}

impl std::error::Error for ParsePortError {}

impl From<ParsePortError> for std::io::Error {
    fn from(err: ParsePortError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, err.to_string())
    }
}

/// A socket's address family (its *domain*), the first argument of
/// [`socket(2)`].
///
/// Nim's `Domain` (`AF_UNSPEC`, `AF_UNIX`, `AF_INET`, `AF_INET6`). The
/// numeric values differ between platforms: use [`Domain::to_int`] and
/// [`Domain::from_int`], never a literal.
///
/// [`socket(2)`]: https://man7.org/linux/man-pages/man2/socket.2.html
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Domain {
    /// `AF_UNSPEC`: any family. Meaningful as a hint to
    /// [`get_addr_info`](crate::get_addr_info), which then returns every
    /// family; [`socket(2)`] rejects it.
    ///
    /// [`socket(2)`]: https://man7.org/linux/man-pages/man2/socket.2.html
    Unspec,
    /// `AF_UNIX` (`AF_LOCAL`): local sockets named by a file system path.
    /// Windows has it since Windows 10 1803, stream sockets only.
    Unix,
    /// `AF_INET`: IPv4.
    Inet,
    /// `AF_INET6`: IPv6.
    Inet6,
}

impl Domain {
    /// The platform's number for this family (Nim's `toInt`).
    ///
    /// `AF_INET6` is 10 on Linux, 30 on macOS, 28 on FreeBSD and 23 on
    /// Windows.
    ///
    /// ```
    /// use nativesockets::Domain;
    /// assert_eq!(Domain::Unspec.to_int(), 0);
    /// assert_eq!(Domain::Inet.to_int(), 2);
    /// #[cfg(target_os = "linux")]
    /// assert_eq!(Domain::Inet6.to_int(), 10);
    /// ```
    pub const fn to_int(self) -> c_int {
        match self {
            Domain::Unspec => sys::AF_UNSPEC,
            Domain::Unix => sys::AF_UNIX,
            Domain::Inet => sys::AF_INET,
            Domain::Inet6 => sys::AF_INET6,
        }
    }

    /// The family with platform number `n`, or `None` for a family this
    /// crate does not model (Nim's `toKnownDomain`).
    ///
    /// ```
    /// use nativesockets::Domain;
    /// assert_eq!(Domain::from_int(Domain::Inet6.to_int()), Some(Domain::Inet6));
    /// assert_eq!(Domain::from_int(-1), None);
    /// ```
    pub const fn from_int(n: c_int) -> Option<Domain> {
        match n {
            sys::AF_UNSPEC => Some(Domain::Unspec),
            sys::AF_UNIX => Some(Domain::Unix),
            sys::AF_INET => Some(Domain::Inet),
            sys::AF_INET6 => Some(Domain::Inet6),
            _ => None,
        }
    }
}

/// A socket's type, the second argument of [`socket(2)`].
///
/// Nim's `SockType` (`SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`,
/// `SOCK_SEQPACKET`).
///
/// [`socket(2)`]: https://man7.org/linux/man-pages/man2/socket.2.html
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum SockType {
    /// `SOCK_STREAM`: reliable, ordered byte stream (TCP, Unix streams).
    Stream,
    /// `SOCK_DGRAM`: datagrams (UDP, Unix datagrams, ICMP "ping" sockets).
    Dgram,
    /// `SOCK_RAW`: raw network-layer packets; usually needs privileges.
    Raw,
    /// `SOCK_SEQPACKET`: reliable, ordered, message-preserving (Unix
    /// domain; SCTP).
    SeqPacket,
}

impl SockType {
    /// The platform's number for this type (Nim's `toInt`).
    ///
    /// ```
    /// use nativesockets::SockType;
    /// assert_eq!(SockType::Stream.to_int(), 1);
    /// assert_eq!(SockType::from_int(SockType::Raw.to_int()), Some(SockType::Raw));
    /// ```
    pub const fn to_int(self) -> c_int {
        match self {
            SockType::Stream => sys::SOCK_STREAM,
            SockType::Dgram => sys::SOCK_DGRAM,
            SockType::Raw => sys::SOCK_RAW,
            SockType::SeqPacket => sys::SOCK_SEQPACKET,
        }
    }

    /// The type with platform number `n`, or `None`.
    ///
    /// Flags that Linux and FreeBSD allow in the type argument
    /// (`SOCK_NONBLOCK`, `SOCK_CLOEXEC`) are not stripped: pass the bare
    /// type.
    pub const fn from_int(n: c_int) -> Option<SockType> {
        match n {
            sys::SOCK_STREAM => Some(SockType::Stream),
            sys::SOCK_DGRAM => Some(SockType::Dgram),
            sys::SOCK_RAW => Some(SockType::Raw),
            sys::SOCK_SEQPACKET => Some(SockType::SeqPacket),
            _ => None,
        }
    }
}

/// A protocol number, the third argument of [`socket(2)`].
///
/// Nim's `Protocol` (`IPPROTO_TCP`, `IPPROTO_UDP`, `IPPROTO_IP`,
/// `IPPROTO_IPV6`, `IPPROTO_RAW`, `IPPROTO_ICMP`, `IPPROTO_ICMPV6`).
///
/// [`socket(2)`]: https://man7.org/linux/man-pages/man2/socket.2.html
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Protocol {
    /// `IPPROTO_TCP` (6).
    Tcp,
    /// `IPPROTO_UDP` (17).
    Udp,
    /// `IPPROTO_IP` (0): the "default protocol" for the domain and type,
    /// what a Unix-domain socket wants.
    Ip,
    /// `IPPROTO_IPV6` (41).
    Ipv6,
    /// `IPPROTO_RAW` (255): raw IP packets, the caller writes the header.
    Raw,
    /// `IPPROTO_ICMP` (1).
    Icmp,
    /// `IPPROTO_ICMPV6` (58).
    Icmpv6,
}

impl Protocol {
    /// The platform's number for this protocol (Nim's `toInt`).
    ///
    /// ```
    /// use nativesockets::Protocol;
    /// assert_eq!(Protocol::Tcp.to_int(), 6);
    /// assert_eq!(Protocol::Ip.to_int(), 0);
    /// ```
    pub const fn to_int(self) -> c_int {
        match self {
            Protocol::Tcp => sys::IPPROTO_TCP,
            Protocol::Udp => sys::IPPROTO_UDP,
            Protocol::Ip => sys::IPPROTO_IP,
            Protocol::Ipv6 => sys::IPPROTO_IPV6,
            Protocol::Raw => sys::IPPROTO_RAW,
            Protocol::Icmp => sys::IPPROTO_ICMP,
            Protocol::Icmpv6 => sys::IPPROTO_ICMPV6,
        }
    }

    /// The protocol with platform number `n`, or `None`.
    pub const fn from_int(n: c_int) -> Option<Protocol> {
        match n {
            sys::IPPROTO_TCP => Some(Protocol::Tcp),
            sys::IPPROTO_UDP => Some(Protocol::Udp),
            sys::IPPROTO_IP => Some(Protocol::Ip),
            sys::IPPROTO_IPV6 => Some(Protocol::Ipv6),
            sys::IPPROTO_RAW => Some(Protocol::Raw),
            sys::IPPROTO_ICMP => Some(Protocol::Icmp),
            sys::IPPROTO_ICMPV6 => Some(Protocol::Icmpv6),
            _ => None,
        }
    }

    /// The socket type this protocol normally runs over (Nim's
    /// `toSockType`): `Tcp` gives `Stream`, `Udp` gives `Dgram`, every
    /// other protocol `Raw`.
    ///
    /// ```
    /// use nativesockets::{Protocol, SockType};
    /// assert_eq!(Protocol::Tcp.sock_type(), SockType::Stream);
    /// assert_eq!(Protocol::Icmp.sock_type(), SockType::Raw);
    /// ```
    pub const fn sock_type(self) -> SockType {
        match self {
            Protocol::Tcp => SockType::Stream,
            Protocol::Udp => SockType::Dgram,
            _ => SockType::Raw,
        }
    }
}

/// Converts a 32-bit number from network to host byte order ([`ntohl(3)`]).
///
/// A no-op on big-endian machines, a byte swap on little-endian ones.
///
/// ```
/// use nativesockets::ntohl;
/// let wire = 0x7f00_0001u32.to_be(); // 127.0.0.1 as it sits in memory
/// assert_eq!(ntohl(wire), 0x7f00_0001);
/// ```
///
/// [`ntohl(3)`]: https://man7.org/linux/man-pages/man3/byteorder.3.html
pub const fn ntohl(x: u32) -> u32 {
    u32::from_be(x)
}

/// Converts a 16-bit number from network to host byte order ([`ntohs(3)`]).
///
/// ```
/// use nativesockets::ntohs;
/// assert_eq!(ntohs(u16::from_ne_bytes([0x1f, 0x90])), 8080);
/// ```
///
/// [`ntohs(3)`]: https://man7.org/linux/man-pages/man3/byteorder.3.html
pub const fn ntohs(x: u16) -> u16 {
    u16::from_be(x)
}

/// Converts a 32-bit number from host to network byte order ([`htonl(3)`]).
///
/// ```
/// use nativesockets::htonl;
/// assert_eq!(htonl(0x7f00_0001).to_ne_bytes(), [127, 0, 0, 1]);
/// ```
///
/// [`htonl(3)`]: https://man7.org/linux/man-pages/man3/byteorder.3.html
pub const fn htonl(x: u32) -> u32 {
    x.to_be()
}

/// Converts a 16-bit number from host to network byte order ([`htons(3)`]).
///
/// ```
/// use nativesockets::htons;
/// assert_eq!(htons(8080).to_ne_bytes(), [0x1f, 0x90]);
/// ```
///
/// [`htons(3)`]: https://man7.org/linux/man-pages/man3/byteorder.3.html
pub const fn htons(x: u16) -> u16 {
    x.to_be()
}
