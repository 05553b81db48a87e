//! Socket pairs: two sockets connected to each other. Unix-domain pairs
//! are the platform's `sys::socketpair` ([`socketpair(2)`]; on Windows, a
//! listener on a temporary path); IP pairs are built here the same way on
//! every platform, since `socketpair(2)` has no IP families.
//!
//! [`socketpair(2)`]: https://man7.org/linux/man-pages/man2/socketpair.2.html

use std::io;

use crate::error::with_kind;
use crate::socket::{socket_error, SocketHandle};
use crate::sys::{self, SockAddr};
use crate::types::{Domain, Protocol, SockType};

impl SocketHandle {
    /// Creates two sockets connected to each other.
    ///
    /// - `Domain::Unix`: [`socketpair(2)`] (close-on-exec) on Unix, for every
    ///   type the kernel pairs (stream, datagram, seqpacket). Windows has no
    ///   `socketpair`: there the pair is a stream listener in the temporary
    ///   directory (removed at once), a connect and an accept, where the system
    ///   has `AF_UNIX` (Windows 10 1803+, stream only).
    /// - Any other family: `socketpair(2)` where the kernel pairs it
    ///   (`AF_UNIX` is the one most do); Windows refuses it.
    /// - `Domain::Inet` / `Domain::Inet6`, on every platform
    ///   (`socketpair(2)` has no IP families): a loopback pair on
    ///   `127.0.0.1` / `::1`: for streams a listener on port 0, a connect
    ///   and an accept (the accepted peer is checked to be the connecting
    ///   socket); for datagrams two sockets bound to port 0 and connected
    ///   to each other.
    ///
    /// # Errors
    /// `Unsupported`, naming the arguments, for a combination that cannot
    /// be paired (`SockType::Raw`, an IP `SeqPacket`, Unix datagrams on
    /// Windows); the OS error otherwise.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{Domain, Protocol, SocketHandle, SockType};
    /// let (a, b) = SocketHandle::pair(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// a.send(b"ping")?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.recv(&mut buf)?, 4);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`socketpair(2)`]: https://man7.org/linux/man-pages/man2/socketpair.2.html
    pub fn pair(
        domain: Domain,
        sock_type: SockType,
        protocol: Protocol,
    ) -> io::Result<(SocketHandle, SocketHandle)> {
        if matches!(domain, Domain::Inet | Domain::Inet6) {
            return loopback_pair(domain, sock_type, protocol);
        }
        sys::init();
        let (d, t, p) = (domain.to_int(), sock_type.to_int(), protocol.to_int());
        let (a, b) = sys::socketpair(d, t, p).map_err(|e| socket_error(e, d, t, p))?;
        Ok((SocketHandle::from_sys(a), SocketHandle::from_sys(b)))
    }
}

/// The loopback pair `pair` builds for the IP families.
fn loopback_pair(
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Result<(SocketHandle, SocketHandle)> {
    let ip: std::net::IpAddr = match domain {
        Domain::Inet6 => std::net::Ipv6Addr::LOCALHOST.into(),
        _ => std::net::Ipv4Addr::LOCALHOST.into(),
    };
    let loopback = SockAddr::from(std::net::SocketAddr::new(ip, 0));
    match sock_type {
        SockType::Stream => {
            let listener = SocketHandle::new(domain, sock_type, protocol)?;
            listener.bind_addr(&loopback)?;
            listener.listen(1)?;
            let a = SocketHandle::new(domain, sock_type, protocol)?;
            a.connect(&listener.local_addr()?)?;
            let mine = a.local_addr()?;
            let (b, peer) = listener.accept()?;
            if peer != mine {
                return Err(with_kind(
                    io::ErrorKind::AddrInUse,
                    "loopback pair",
                    format_args!("{peer}"),
                    "another socket connected to the pair's listener first",
                ));
            }
            Ok((a, b))
        }
        SockType::Dgram => {
            let a = SocketHandle::new(domain, sock_type, protocol)?;
            a.bind_addr(&loopback)?;
            let b = SocketHandle::new(domain, sock_type, protocol)?;
            b.bind_addr(&loopback)?;
            a.connect(&b.local_addr()?)?;
            b.connect(&a.local_addr()?)?;
            Ok((a, b))
        }
        _ => Err(with_kind(
            io::ErrorKind::Unsupported,
            "socket pair",
            format_args!("({domain:?}, {sock_type:?}, {protocol:?})"),
            "IP pairs are streams or datagrams",
        )),
    }
}
