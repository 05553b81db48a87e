//! The free functions under Nim's `nativesockets` names (`newNativeSocket`
//! is [`new_native_socket`], `bindAddr` is [`bind_addr`], ...), all in one
//! place. Each is a one-line forward to the [`SocketHandle`] method that
//! holds the logic and the full documentation: `bind_addr(&s, &a)` and
//! `s.bind_addr(&a)` are the same call.

use std::io;
use std::os::raw::c_int;

use crate::addr::addr_text;
use crate::socket::SocketHandle;
use crate::sys::SockAddr;
use crate::types::{Domain, Port, Protocol, SockType};

/// Creates a socket (Nim's `newNativeSocket`). See [`SocketHandle::new`].
///
/// # Examples
/// ```
/// use nativesockets::{new_native_socket, Domain, Protocol, SockType};
/// let udp = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp)?;
/// assert_eq!(udp.domain()?, Domain::Inet6);
/// # Ok::<(), std::io::Error>(())
/// ```
#[inline]
pub fn new_native_socket(
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Result<SocketHandle> {
    SocketHandle::new(domain, sock_type, protocol)
}

/// Creates a socket from the platform's raw numbers (Nim's
/// `newNativeSocket(cint, cint, cint)`). See [`SocketHandle::new_raw`].
#[inline]
pub fn new_native_socket_raw(
    domain: c_int,
    sock_type: c_int,
    protocol: c_int,
) -> io::Result<SocketHandle> {
    SocketHandle::new_raw(domain, sock_type, protocol)
}

/// Closes `socket`, reporting the OS's answer (Nim's `close`). See
/// [`SocketHandle::close`].
#[inline]
pub fn close(socket: SocketHandle) -> io::Result<()> {
    socket.close()
}

/// Binds `socket` to `addr` (Nim's `bindAddr`). See
/// [`SocketHandle::bind_addr`].
#[inline]
pub fn bind_addr(socket: &SocketHandle, addr: &SockAddr) -> io::Result<()> {
    socket.bind_addr(addr)
}

/// Marks `socket` as listening (Nim's `listen`); pass
/// [`SOMAXCONN`](crate::SOMAXCONN) for Nim's default. See
/// [`SocketHandle::listen`].
#[inline]
pub fn listen(socket: &SocketHandle, backlog: i32) -> io::Result<()> {
    socket.listen(backlog)
}

/// Accepts a connection (Nim's `accept`). See [`SocketHandle::accept`].
#[inline]
pub fn accept(socket: &SocketHandle) -> io::Result<(SocketHandle, SockAddr)> {
    socket.accept()
}

/// Sets `socket` blocking or non-blocking (Nim's `setBlocking`). See
/// [`SocketHandle::set_blocking`].
#[inline]
pub fn set_blocking(socket: &SocketHandle, blocking: bool) -> io::Result<()> {
    socket.set_blocking(blocking)
}

/// Sets whether child processes inherit `socket` (Nim's
/// `setInheritable`). See [`SocketHandle::set_inheritable`].
#[inline]
pub fn set_inheritable(socket: &SocketHandle, inheritable: bool) -> io::Result<()> {
    socket.set_inheritable(inheritable)
}

/// Returns the family of `socket` (Nim's `getSockDomain`). See
/// [`SocketHandle::domain`].
#[inline]
pub fn get_sock_domain(socket: &SocketHandle) -> io::Result<Domain> {
    socket.domain()
}

/// Returns the port `socket` is bound to (Nim's `getSockName`). See
/// [`SocketHandle::sock_name`].
///
/// # Examples
/// ```
/// use nativesockets::get_sock_name;
/// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let port = get_sock_name(&nativesockets::SocketRef::from(&l))?;
/// assert_eq!(port.0, l.local_addr()?.port());
/// # Ok::<(), std::io::Error>(())
/// ```
#[inline]
pub fn get_sock_name(socket: &SocketHandle) -> io::Result<Port> {
    socket.sock_name()
}

/// Returns the local address of `socket` as text and port (Nim's
/// `getLocalAddr`): [`SocketHandle::local_addr`] (see it for the OS call
/// and the errors), as text.
///
/// An IPv6 address keeps its scope (`fe80::1%2`, as
/// [`get_addr_string`](crate::get_addr_string) prints it). A Unix
/// socket's text is the path, `@name` for an abstract name, `""` when
/// unnamed, and its port is `Port(0)`: it has none, and the pair's first
/// half is the answer here (where the port is the whole answer,
/// [`get_sock_name`] fails with `InvalidInput` instead).
///
/// # Examples
/// ```
/// use nativesockets::{get_local_addr, Port, SocketRef};
/// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let (ip, port) = get_local_addr(&SocketRef::from(&l))?;
/// assert_eq!(ip, "127.0.0.1");
/// assert_eq!(port, Port(l.local_addr()?.port()));
/// # Ok::<(), std::io::Error>(())
/// ```
#[inline]
pub fn get_local_addr(socket: &SocketHandle) -> io::Result<(String, Port)> {
    addr_text(&socket.local_addr()?)
}

/// Returns the connected peer's address as text and port (Nim's
/// `getPeerAddr`): [`SocketHandle::peer_addr`] (see it for the OS call
/// and the errors: `NotConnected` when there is no peer), as text in the
/// forms [`get_local_addr`] gives.
#[inline]
pub fn get_peer_addr(socket: &SocketHandle) -> io::Result<(String, Port)> {
    addr_text(&socket.peer_addr()?)
}

/// Reads an integer socket option (Nim's `getSockOptInt`). See
/// [`SocketHandle::get_sock_opt_int`].
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

/// Sets an integer socket option (Nim's `setSockOptInt`). See
/// [`SocketHandle::set_sock_opt_int`].
#[inline]
pub fn set_sock_opt_int(
    socket: &SocketHandle,
    level: i32,
    optname: i32,
    optval: i32,
) -> io::Result<()> {
    socket.set_sock_opt_int(level, optname, optval)
}

/// Creates two sockets connected to each other. See
/// [`SocketHandle::pair`].
///
/// # Examples
/// ```
/// use nativesockets::{pair, Domain, Protocol, SockType};
/// let (a, b) = pair(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
/// a.send(b"ping")?;
/// let mut buf = [0u8; 8];
/// assert_eq!(b.recv(&mut buf)?, 4);
/// # Ok::<(), std::io::Error>(())
/// ```
#[inline]
pub fn pair(
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Result<(SocketHandle, SocketHandle)> {
    SocketHandle::pair(domain, sock_type, protocol)
}
