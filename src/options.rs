//! Socket options: the platform's option constants, the seed's
//! `getSockOptInt` / `setSockOptInt`, and typed getters and setters for
//! the common options.

use std::io;
use std::os::raw::c_int;
use std::time::Duration;

use crate::error::invalid_input;
use crate::socket::SocketHandle;
use crate::sys;

/// `SOL_SOCKET`: the level of the socket-wide options (`SO_*`).
pub const SOL_SOCKET: i32 = sys::SOL_SOCKET;
/// `SO_REUSEADDR`: allow binding a local address in `TIME_WAIT` (Unix); on
/// Windows it lets a second socket *steal* a bound port, see
/// `SO_EXCLUSIVEADDRUSE`.
pub const SO_REUSEADDR: i32 = sys::SO_REUSEADDR;
/// `SO_REUSEPORT`: several sockets may bind the same address and port
/// (Linux balances connections between them). Not on Windows.
#[cfg(unix)]
pub const SO_REUSEPORT: i32 = sys::SO_REUSEPORT;
/// `SO_EXCLUSIVEADDRUSE` (Windows only): no other socket may bind the
/// same port, not even with `SO_REUSEADDR`.
#[cfg(windows)]
pub const SO_EXCLUSIVEADDRUSE: i32 = sys::SO_EXCLUSIVEADDRUSE;
/// `SO_KEEPALIVE`: send keep-alive probes on an idle connection.
pub const SO_KEEPALIVE: i32 = sys::SO_KEEPALIVE;
/// `SO_BROADCAST`: allow sending datagrams to broadcast addresses.
pub const SO_BROADCAST: i32 = sys::SO_BROADCAST;
/// `SO_RCVBUF`: the receive buffer's size in bytes (Linux reports double
/// what was set, for its bookkeeping).
pub const SO_RCVBUF: i32 = sys::SO_RCVBUF;
/// `SO_SNDBUF`: the send buffer's size in bytes (Linux doubles it too).
pub const SO_SNDBUF: i32 = sys::SO_SNDBUF;
/// `SO_RCVLOWAT`: the minimum number of bytes a receive waits for.
pub const SO_RCVLOWAT: i32 = sys::SO_RCVLOWAT;
/// `SO_SNDLOWAT`: the minimum room a send waits for (read-only on Linux).
pub const SO_SNDLOWAT: i32 = sys::SO_SNDLOWAT;
/// `SO_ERROR`: read and clear the socket's pending error (the result of a
/// non-blocking connect).
pub const SO_ERROR: i32 = sys::SO_ERROR;
/// `SO_TYPE`: the socket's type (`SOCK_STREAM`, ...), read-only.
pub const SO_TYPE: i32 = sys::SO_TYPE;
/// `SO_ACCEPTCONN`: whether the socket is listening, read-only.
pub const SO_ACCEPTCONN: i32 = sys::SO_ACCEPTCONN;
/// `SO_LINGER`: what `close` does with unsent data. Its value is a
/// `struct linger`, not an int: use [`SocketHandle::linger`].
pub const SO_LINGER: i32 = sys::SO_LINGER;
/// `SO_RCVTIMEO`: receive timeout. A `timeval` on Unix, a `DWORD` of
/// milliseconds on Windows: use [`SocketHandle::read_timeout`].
pub const SO_RCVTIMEO: i32 = sys::SO_RCVTIMEO;
/// `SO_SNDTIMEO`: send timeout; see [`SO_RCVTIMEO`].
pub const SO_SNDTIMEO: i32 = sys::SO_SNDTIMEO;
/// `SO_DONTROUTE`: bypass routing, send only to directly connected hosts.
pub const SO_DONTROUTE: i32 = sys::SO_DONTROUTE;
/// `SO_OOBINLINE`: deliver out-of-band data in the normal stream.
pub const SO_OOBINLINE: i32 = sys::SO_OOBINLINE;
/// `IPPROTO_IP` (0): the level of the IPv4 options (`IP_*`).
pub const IPPROTO_IP: i32 = sys::IPPROTO_IP;
/// `IPPROTO_TCP` (6): the level of the TCP options (`TCP_*`).
pub const IPPROTO_TCP: i32 = sys::IPPROTO_TCP;
/// `IPPROTO_UDP` (17).
pub const IPPROTO_UDP: i32 = sys::IPPROTO_UDP;
/// `IPPROTO_IPV6` (41): the level of the IPv6 options (`IPV6_*`).
pub const IPPROTO_IPV6: i32 = sys::IPPROTO_IPV6;
/// `TCP_NODELAY`: send small segments at once (disable Nagle's
/// algorithm).
pub const TCP_NODELAY: i32 = sys::TCP_NODELAY;
/// `IP_TTL`: the time-to-live of outgoing IPv4 packets.
pub const IP_TTL: i32 = sys::IP_TTL;
/// `IP_TOS`: the type-of-service byte of outgoing IPv4 packets.
pub const IP_TOS: i32 = sys::IP_TOS;
/// `IP_MULTICAST_TTL`: the time-to-live of outgoing IPv4 multicast.
pub const IP_MULTICAST_TTL: i32 = sys::IP_MULTICAST_TTL;
/// `IP_MULTICAST_LOOP`: whether IPv4 multicast loops back to this host.
pub const IP_MULTICAST_LOOP: i32 = sys::IP_MULTICAST_LOOP;
/// `IPV6_V6ONLY`: an IPv6 socket refuses IPv4-mapped traffic.
pub const IPV6_V6ONLY: i32 = sys::IPV6_V6ONLY;
/// `IPV6_UNICAST_HOPS`: the hop limit of outgoing IPv6 unicast.
pub const IPV6_UNICAST_HOPS: i32 = sys::IPV6_UNICAST_HOPS;
/// `IPV6_MULTICAST_HOPS`: the hop limit of outgoing IPv6 multicast.
pub const IPV6_MULTICAST_HOPS: i32 = sys::IPV6_MULTICAST_HOPS;
/// `IPV6_MULTICAST_LOOP`: whether IPv6 multicast loops back to this host.
pub const IPV6_MULTICAST_LOOP: i32 = sys::IPV6_MULTICAST_LOOP;

/// `MSG_PEEK`: look at incoming data without taking it (for
/// [`SocketHandle::recv_with_flags`]).
pub const MSG_PEEK: i32 = sys::MSG_PEEK;
/// `MSG_OOB`: send or receive out-of-band data.
pub const MSG_OOB: i32 = sys::MSG_OOB;
/// `MSG_WAITALL`: a receive waits until the whole buffer is filled.
pub const MSG_WAITALL: i32 = sys::MSG_WAITALL;

/// Reads an integer socket option (Nim's `getSockOptInt`).
///
/// `level` and `optname` are the platform's numbers: use the constants
/// this crate re-exports ([`SOL_SOCKET`], [`SO_RCVBUF`], [`IPPROTO_TCP`],
/// [`TCP_NODELAY`], ...). Options whose value is not an `int`
/// (`SO_LINGER`, the timeouts) have typed methods on [`SocketHandle`].
///
/// Corresponds to `getsockopt(2)` on Unix and `getsockopt` on Windows
/// (where a boolean option may be written as one byte: the value starts
/// at zero, so it still reads right).
///
/// # Errors
/// The OS error: `ENOPROTOOPT` for an unknown option, `EBADF`,
/// `ENOTSOCK`.
///
/// # Examples
/// ```
/// use nativesockets::*;
/// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// set_sock_opt_int(&s, IPPROTO_TCP, TCP_NODELAY, 1)?;
/// assert_ne!(get_sock_opt_int(&s, IPPROTO_TCP, TCP_NODELAY)?, 0);
/// assert_eq!(get_sock_opt_int(&s, SOL_SOCKET, SO_TYPE)?, SockType::Stream.to_int());
/// # Ok::<(), std::io::Error>(())
/// ```
#[inline]
pub fn get_sock_opt_int(socket: &SocketHandle, level: i32, optname: i32) -> io::Result<i32> {
    socket.get_sock_opt_int(level, optname)
}

/// Sets an integer socket option (Nim's `setSockOptInt`); see
/// [`get_sock_opt_int`].
///
/// Corresponds to `setsockopt(2)` on Unix and `setsockopt` on Windows.
#[inline]
pub fn set_sock_opt_int(
    socket: &SocketHandle,
    level: i32,
    optname: i32,
    optval: i32,
) -> io::Result<()> {
    socket.set_sock_opt_int(level, optname, optval)
}

/// The seed's integer options, and typed getters and setters: each is one
/// `getsockopt` / `setsockopt` call with the option named in its doc.
impl SocketHandle {
    /// Reads an integer socket option; see [`get_sock_opt_int`].
    #[inline]
    pub fn get_sock_opt_int(&self, level: i32, optname: i32) -> io::Result<i32> {
        sys::getsockopt::<c_int>(self.sys(), level, optname)
    }

    /// Sets an integer socket option; see [`set_sock_opt_int`].
    #[inline]
    pub fn set_sock_opt_int(&self, level: i32, optname: i32, optval: i32) -> io::Result<()> {
        sys::setsockopt::<c_int>(self.sys(), level, optname, optval)
    }

    fn get_bool(&self, level: c_int, name: c_int) -> io::Result<bool> {
        sys::getsockopt::<c_int>(self.sys(), level, name).map(|v| v != 0)
    }

    fn set_bool(&self, level: c_int, name: c_int, on: bool) -> io::Result<()> {
        sys::setsockopt::<c_int>(self.sys(), level, name, c_int::from(on))
    }

    fn get_u32(&self, level: c_int, name: c_int) -> io::Result<u32> {
        sys::getsockopt::<c_int>(self.sys(), level, name).map(|v| v as u32)
    }

    fn set_u32(&self, level: c_int, name: c_int, value: u32) -> io::Result<()> {
        let value = c_int::try_from(value)
            .map_err(|_| invalid_input("socket option value", value, "does not fit in a C int"))?;
        sys::setsockopt::<c_int>(self.sys(), level, name, value)
    }

    /// `TCP_NODELAY`: whether small segments go out at once.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_NODELAY)
    }

    /// Sets `TCP_NODELAY`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_NODELAY, nodelay)
    }

    /// `SO_REUSEADDR`.
    pub fn reuse_address(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEADDR`. On Windows this lets another socket bind the
    /// same port even while this one listens; servers there want
    /// `set_exclusive_address_use` (Windows).
    pub fn set_reuse_address(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEADDR, reuse)
    }

    /// `SO_REUSEPORT` (Unix only).
    #[cfg(unix)]
    pub fn reuse_port(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT)
    }

    /// Sets `SO_REUSEPORT` (Unix only).
    #[cfg(unix)]
    pub fn set_reuse_port(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT, reuse)
    }

    /// `SO_EXCLUSIVEADDRUSE` (Windows only).
    #[cfg(windows)]
    pub fn exclusive_address_use(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_EXCLUSIVEADDRUSE)
    }

    /// Sets `SO_EXCLUSIVEADDRUSE` (Windows only): no other socket may bind
    /// this port. Must be set before `bind`.
    #[cfg(windows)]
    pub fn set_exclusive_address_use(&self, exclusive: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_EXCLUSIVEADDRUSE, exclusive)
    }

    /// `SO_KEEPALIVE`.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_KEEPALIVE)
    }

    /// Sets `SO_KEEPALIVE`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_KEEPALIVE, keepalive)
    }

    /// `SO_BROADCAST`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_BROADCAST)
    }

    /// Sets `SO_BROADCAST`.
    pub fn set_broadcast(&self, broadcast: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_BROADCAST, broadcast)
    }

    /// `IPV6_V6ONLY` (IPv6 sockets).
    pub fn only_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_V6ONLY)
    }

    /// Sets `IPV6_V6ONLY` (IPv6 sockets, before `bind`).
    pub fn set_only_v6(&self, only_v6: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_V6ONLY, only_v6)
    }

    /// `IP_TTL` (IPv4 sockets).
    pub fn ttl(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IP, sys::IP_TTL)
    }

    /// Sets `IP_TTL` (IPv4 sockets).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_IP, sys::IP_TTL, ttl)
    }

    /// `IPV6_UNICAST_HOPS` (IPv6 sockets).
    pub fn unicast_hops_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_UNICAST_HOPS)
    }

    /// Sets `IPV6_UNICAST_HOPS` (IPv6 sockets).
    pub fn set_unicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_IPV6, sys::IPV6_UNICAST_HOPS, hops)
    }

    /// `SO_RCVBUF`, in bytes.
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_RCVBUF)
            .map(|v| v as usize)
    }

    /// Sets `SO_RCVBUF` (Linux doubles the value for its bookkeeping).
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    pub fn set_recv_buffer_size(&self, size: usize) -> io::Result<()> {
        let size = buffer_size("receive buffer size", size)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_RCVBUF, size)
    }

    /// `SO_SNDBUF`, in bytes.
    pub fn send_buffer_size(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_SNDBUF)
            .map(|v| v as usize)
    }

    /// Sets `SO_SNDBUF`.
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    pub fn set_send_buffer_size(&self, size: usize) -> io::Result<()> {
        let size = buffer_size("send buffer size", size)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_SNDBUF, size)
    }

    /// `SO_LINGER`: `None` when off, else how long `close` waits for
    /// unsent data (whole seconds).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.sys())
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes `close` reset the
    /// connection. The OS counts whole seconds: a fraction rounds up, so
    /// `Some(500 ms)` lingers for 1 s rather than resetting.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let whole = linger.map(|d| {
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            Duration::from_secs(secs)
        });
        sys::set_linger(self.sys(), whole)
    }

    /// `SO_RCVTIMEO`: `None` when receives wait forever.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        sys::timeout(self.sys(), sys::SO_RCVTIMEO)
    }

    /// Sets `SO_RCVTIMEO`; a receive that waits longer fails with
    /// `WouldBlock` (Unix) or `TimedOut` (Windows). `None` waits forever.
    ///
    /// # Errors
    /// `InvalidInput` for `Some(Duration::ZERO)`, which the OS would read
    /// as "no timeout" (std's `set_read_timeout` refuses it too).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout("read timeout", timeout)?;
        sys::set_timeout(self.sys(), sys::SO_RCVTIMEO, timeout)
    }

    /// `SO_SNDTIMEO`.
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        sys::timeout(self.sys(), sys::SO_SNDTIMEO)
    }

    /// Sets `SO_SNDTIMEO`; see [`set_read_timeout`](Self::set_read_timeout).
    ///
    /// # Errors
    /// `InvalidInput` for `Some(Duration::ZERO)`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout("write timeout", timeout)?;
        sys::set_timeout(self.sys(), sys::SO_SNDTIMEO, timeout)
    }

    /// Reads and clears `SO_ERROR`: the socket's pending error, for
    /// example the outcome of a non-blocking `connect`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let code = sys::getsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_ERROR)?;
        Ok((code != 0).then(|| io::Error::from_raw_os_error(code)))
    }

    /// `SO_TYPE`: the socket's type as the platform's number (see
    /// [`SockType::from_int`](crate::SockType::from_int)).
    pub fn sock_type_raw(&self) -> io::Result<c_int> {
        sys::getsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_TYPE)
    }

    /// `SO_ACCEPTCONN`: whether the socket is listening.
    pub fn is_listener(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_ACCEPTCONN)
    }
}

fn buffer_size(what: &str, size: usize) -> io::Result<c_int> {
    c_int::try_from(size).map_err(|_| invalid_input(what, size, "does not fit in a C int"))
}

fn check_timeout(what: &str, timeout: Option<Duration>) -> io::Result<()> {
    if timeout == Some(Duration::ZERO) {
        return Err(invalid_input(
            what,
            Duration::ZERO,
            "is zero, which the OS reads as no timeout (pass None for that)",
        ));
    }
    Ok(())
}
