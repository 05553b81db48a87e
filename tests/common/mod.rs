//! What several test binaries of this package share that needs the crate's
//! own types: loopback addresses, TCP sockets and connected pairs (as std
//! streams and as the crate's handles), a port that refuses connections.
//! Helpers that need only std and libc are in `testutil/`.
//!
//! Each binary includes this file (`mod common;`, or with `#[path]` from a
//! folder) and uses a part of it, so the rest is dead code there.
#![allow(dead_code)]

use std::io::IoSliceMut;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use nativesockets::*;

/// How long a receive waits before it fails the test.
pub const WAIT: Option<Duration> = Some(Duration::from_secs(5));

/// `127.0.0.1:port`.
pub fn loopback_v4(port: u16) -> SockAddr {
    SockAddr::from(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
}

/// `[::1]:port`.
pub fn loopback_v6(port: u16) -> SockAddr {
    SockAddr::from(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
}

/// A new IPv4 TCP socket of the crate, not bound.
pub fn tcp_socket() -> SocketHandle {
    new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap()
}

/// A crate TCP socket listening on `addr` (port 0 for an ephemeral one).
pub fn tcp_listener(addr: SockAddr) -> SocketHandle {
    let domain = addr.domain().unwrap();
    let s = new_native_socket(domain, SockType::Stream, Protocol::Tcp).unwrap();
    bind_addr(&s, &addr).unwrap();
    listen(&s, SOMAXCONN).unwrap();
    s
}

/// A connected pair of crate TCP sockets through a listener on `addr`:
/// (client, accepted). Checks that `accept` names the client's address.
pub fn handle_tcp_pair_on(addr: SockAddr) -> (SocketHandle, SocketHandle) {
    let listener = tcp_listener(addr);
    let domain = get_sock_domain(&listener).unwrap();
    let client = new_native_socket(domain, SockType::Stream, Protocol::Tcp).unwrap();
    client.connect(&listener.local_addr().unwrap()).unwrap();
    let (server, peer) = accept(&listener).unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
    (client, server)
}

/// A connected pair of crate TCP sockets on 127.0.0.1: (client, accepted).
pub fn handle_tcp_pair() -> (SocketHandle, SocketHandle) {
    handle_tcp_pair_on(loopback_v4(0))
}

/// A connected pair of std TCP streams on 127.0.0.1: (client, accepted).
pub fn std_tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (client, server)
}

/// A port on 127.0.0.1 with a socket bound to it that does not listen:
/// connecting there is refused, and nothing else can take the port while
/// the returned socket lives.
pub fn refusing_port() -> (SocketHandle, SockAddr) {
    let s = tcp_socket();
    bind_addr(&s, &loopback_v4(0)).unwrap();
    let addr = s.local_addr().unwrap();
    (s, addr)
}

/// A UDP socket bound to `ip`, port 0, whose receives time out after
/// [`WAIT`].
pub fn udp_v4(ip: [u8; 4]) -> SocketHandle {
    let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    s.bind_addr(&SockAddr::from(SocketAddr::from((ip, 0))))
        .unwrap();
    s.set_read_timeout(WAIT).unwrap();
    s
}

/// One message received whole (data and control), without flags.
pub fn recv_one<'c>(s: &SocketHandle, buf: &mut [u8], control: &'c mut [u8]) -> RecvMsg<'c> {
    s.recv_msg(&mut [IoSliceMut::new(buf)], control, 0).unwrap()
}

/// Sends `data` on the connected socket `s` with one descriptor, `fd`, in
/// an `SCM_RIGHTS` control message.
#[cfg(unix)]
pub fn send_fd(s: &SocketHandle, data: &[u8], fd: std::os::fd::BorrowedFd<'_>) {
    s.send_msg(
        None,
        &[std::io::IoSlice::new(data)],
        &[ControlMessage::Rights(&[fd])],
        0,
    )
    .unwrap();
}

/// Receives one byte on `s` with one descriptor in an `SCM_RIGHTS` control
/// message, a file, and reads the file from where it stands: (the byte,
/// the file's text).
#[cfg(unix)]
pub fn recv_fd_text(s: &SocketHandle) -> ([u8; 1], String) {
    use std::io::Read;
    let mut byte = [0u8; 1];
    let mut control = [0u8; 64];
    let mut msg = s
        .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
        .unwrap();
    let mut file = std::fs::File::from(msg.take_fds().pop().expect("no descriptor"));
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    (byte, text)
}
