//! No descriptor leaks: every public function, on its success paths and on
//! its error paths, run a thousand times, leaves the number of open
//! descriptors (`/proc/self/fd`) unchanged.
//!
//! This file holds a single test on purpose: tests in one binary run on
//! parallel threads, and any other test opening sockets would disturb the
//! count.

#![cfg(target_os = "linux")]

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::RawFd;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::time::Duration;

use nativesockets::*;
use nativesockets_testutil::descriptors::open_descriptors;

mod common;
use common::{loopback_v4, refusing_port, tcp_socket};

/// How often each group runs. `NATIVESOCKETS_DESCRIPTOR_ROUNDS` lowers it
/// for slow runners (the valgrind script sets it: memcheck makes each round
/// some 50 times slower, and it checks memory, not descriptor counts).
fn rounds() -> usize {
    std::env::var("NATIVESOCKETS_DESCRIPTOR_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn udp() -> SocketHandle {
    let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    s.bind_addr(&loopback_v4(0)).unwrap();
    s
}

fn listener() -> SocketHandle {
    let l = tcp_socket();
    bind_addr(&l, &loopback_v4(0)).unwrap();
    listen(&l, 8).unwrap();
    l
}

/// A connected pair: (client, accepted).
fn pair(l: &SocketHandle) -> (SocketHandle, SocketHandle) {
    let c = tcp_socket();
    c.connect(&l.local_addr().unwrap()).unwrap();
    let (a, peer) = accept(l).unwrap();
    assert_eq!(peer, c.local_addr().unwrap());
    (c, a)
}

/// A handle number that is no open descriptor, to make `select` fail.
struct NotADescriptor(RawFd);

impl AsSocketHandle for NotADescriptor {
    fn raw_socket(&self) -> RawSocketHandle {
        self.0
    }
}

fn creation_and_close() {
    for (d, t, p) in [
        (Domain::Inet, SockType::Stream, Protocol::Tcp),
        (Domain::Inet6, SockType::Dgram, Protocol::Udp),
        (Domain::Unix, SockType::Stream, Protocol::Ip),
        (Domain::Unix, SockType::Dgram, Protocol::Ip),
        (Domain::Unix, SockType::SeqPacket, Protocol::Ip),
    ] {
        let s = new_native_socket(d, t, p).unwrap();
        assert_eq!(get_sock_domain(&s).unwrap(), d);
        close(s).unwrap();
    }
    let s = SocketHandle::new_raw(libc::AF_INET, libc::SOCK_DGRAM, 0).unwrap();
    let dup = s.try_clone().unwrap();
    drop(s);
    let raw = dup.into_raw();
    // SAFETY: `raw` was just given up by `into_raw` and is open.
    let back = unsafe { SocketHandle::from_raw(raw) };
    back.close().unwrap();

    assert!(new_native_socket_raw(4242, libc::SOCK_STREAM, 0).is_err());
    // 15 is no socket type. (Not a number with bits above the low four:
    // qemu-user keeps only those, and would make 4242 a datagram socket.)
    assert!(new_native_socket_raw(libc::AF_INET, 15, 0).is_err());
    assert!(new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Tcp).is_err());
    assert!(new_native_socket(Domain::Unspec, SockType::Stream, Protocol::Tcp).is_err());
    // A raw socket fails without privileges and succeeds with them; either
    // way nothing may stay open.
    drop(new_native_socket(
        Domain::Inet,
        SockType::Raw,
        Protocol::Icmp,
    ));
}

fn bind_listen_accept_connect() {
    let l = listener();
    assert!(l.is_listener().unwrap());
    let (c, a) = pair(&l);
    assert_eq!(get_peer_addr(&a).unwrap(), get_local_addr(&c).unwrap());
    assert_eq!(
        get_sock_name(&l).unwrap(),
        l.local_addr().unwrap().port().unwrap()
    );
    drop((c, a));

    // Non-blocking accept with nothing pending, accept on a socket that
    // is not listening, a busy address, a refused connect, a second bind.
    set_blocking(&l, false).unwrap();
    assert_eq!(accept(&l).unwrap_err().kind(), ErrorKind::WouldBlock);
    assert!(accept(&tcp_socket()).is_err());
    assert_eq!(
        bind_addr(&tcp_socket(), &l.local_addr().unwrap())
            .unwrap_err()
            .kind(),
        ErrorKind::AddrInUse
    );
    let (_keep, port) = refusing_port();
    assert_eq!(
        tcp_socket().connect(&port).unwrap_err().kind(),
        ErrorKind::ConnectionRefused
    );
    assert!(bind_addr(&l, &loopback_v4(0)).is_err());
    assert!(listen(&udp(), 1).is_err());
    assert!(get_peer_addr(&tcp_socket()).is_err());
    // An address of the wrong family.
    let v6 = SockAddr::from(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)));
    assert!(tcp_socket().bind_addr(&v6).is_err());
}

fn data_transfer() {
    let l = listener();
    let (c, a) = pair(&l);
    assert_eq!(c.send(b"ping").unwrap(), 4);
    let mut buf = [0u8; 8];
    assert_eq!(a.peek(&mut buf).unwrap(), 4);
    assert_eq!(a.recv(&mut buf).unwrap(), 4);
    (&c).write_all(b"pong").unwrap();
    (&a).read_exact(&mut buf[..4]).unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    assert_eq!(a.recv(&mut buf).unwrap(), 0);
    drop(c);

    let u1 = udp();
    let u2 = udp();
    u1.send_to(b"dgram", &u2.local_addr().unwrap()).unwrap();
    let (n, from) = u2.peek_from(&mut buf).unwrap();
    assert_eq!((n, &from), (5, &u1.local_addr().unwrap()));
    assert_eq!(u2.recv_from(&mut buf).unwrap().0, 5);

    // Errors: not connected, peer gone (EPIPE, never SIGPIPE), nothing to
    // read on a non-blocking socket, a destination of the wrong family.
    let lone = tcp_socket();
    assert!(lone.recv(&mut buf).is_err());
    assert!(lone.send(b"x").is_err());
    assert!(lone.shutdown(Shutdown::Both).is_err());
    a.shutdown(Shutdown::Both).unwrap();
    drop(a);
    set_blocking(&u2, false).unwrap();
    assert_eq!(u2.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    assert_eq!(
        u2.recv_from(&mut buf).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
    let unix = SockAddr::unix_abstract(b"nativesockets-descriptors-nowhere").unwrap();
    assert!(u1.send_to(b"x", &unix).is_err());
}

fn unix_sockets() {
    let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    // Binding to the unnamed address autobinds an abstract name: no file
    // to clean up between rounds.
    l.bind_addr(&SockAddr::unix_unnamed()).unwrap();
    l.listen(4).unwrap();
    let name = l.local_addr().unwrap();
    assert!(name.as_abstract_name().is_some());
    let c = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    c.connect(&name).unwrap();
    let (a, _) = l.accept().unwrap();
    let (text, port) = get_peer_addr(&c).unwrap();
    assert_eq!((text.starts_with('@'), port), (true, Port(0)));
    drop((a, c));
    let nowhere = SockAddr::unix_abstract(b"nativesockets-descriptors-nowhere").unwrap();
    let c = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    assert!(c.connect(&nowhere).is_err());
    assert!(SockAddr::unix("x".repeat(500)).is_err());
    assert!(SockAddr::unix("a\0b").is_err());
}

fn options() {
    let s = tcp_socket();
    set_sock_opt_int(&s, SOL_SOCKET, SO_REUSEADDR, 1).unwrap();
    assert_eq!(get_sock_opt_int(&s, SOL_SOCKET, SO_REUSEADDR).unwrap(), 1);
    s.set_nodelay(true).unwrap();
    assert!(s.nodelay().unwrap());
    s.set_keepalive(true).unwrap();
    s.set_reuse_port(true).unwrap();
    s.set_ttl(32).unwrap();
    assert_eq!(s.ttl().unwrap(), 32);
    s.set_recv_buffer_size(8192).unwrap();
    assert!(s.recv_buffer_size().unwrap() > 0);
    s.set_send_buffer_size(8192).unwrap();
    assert!(s.send_buffer_size().unwrap() > 0);
    s.set_linger(Some(Duration::from_secs(1))).unwrap();
    assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(1)));
    s.set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    assert!(s.read_timeout().unwrap().is_some());
    s.set_write_timeout(None).unwrap();
    assert_eq!(s.write_timeout().unwrap(), None);
    assert!(s.take_error().unwrap().is_none());
    assert_eq!(s.sock_type_raw().unwrap(), libc::SOCK_STREAM);
    assert!(!s.is_inheritable().unwrap());
    set_inheritable(&s, true).unwrap();
    set_inheritable(&s, false).unwrap();
    let u = udp();
    u.set_broadcast(true).unwrap();
    let v6 = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    v6.set_only_v6(true).unwrap();
    v6.set_unicast_hops_v6(9).unwrap();

    assert!(get_sock_opt_int(&s, SOL_SOCKET, 0x7fff_0000).is_err());
    assert!(set_sock_opt_int(&s, 0x7fff_0000, 1, 1).is_err());
    assert!(s.set_ttl(1000).is_err());
    assert!(s.set_ttl(u32::MAX).is_err());
    assert!(u.set_nodelay(true).is_err());
    assert!(s.set_only_v6(true).is_err());
    assert!(u.unicast_hops_v6().is_err());
}

fn std_conversions() {
    let h = SocketHandle::from(UdpSocket::bind("127.0.0.1:0").unwrap());
    drop(UdpSocket::from(h));
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    {
        let borrowed = SocketRef::from(&c);
        assert_eq!(
            get_peer_addr(&borrowed).unwrap().1,
            Port(l.local_addr().unwrap().port())
        );
    }
    // The borrow is gone and did not close the stream.
    assert!(c.peer_addr().is_ok());
    let owned = SocketHandle::from(c);
    drop(TcpStream::from(owned));
    drop(TcpListener::from(SocketHandle::from(l)));
    let (u1, u2) = UnixStream::pair().unwrap();
    drop(UnixStream::from(SocketHandle::from(u1)));
    assert!(get_sock_domain(&SocketRef::from(&u2)).is_ok());
    let d = UnixDatagram::unbound().unwrap();
    drop(UnixDatagram::from(SocketHandle::from(d)));
    let ul = UnixListener::from(
        new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap(),
    );
    drop(ul);
    // Not a socket: the error path of the socket-only calls.
    let file = std::fs::File::open("/proc/self/stat").unwrap();
    assert!(get_sock_domain(&SocketRef::from(&file)).is_err());
    assert!(get_local_addr(&SocketRef::from(&file)).is_err());
}

fn readiness() {
    let l = listener();
    let (c, a) = pair(&l);
    let mut idle = vec![&a];
    assert_eq!(select(&mut idle, 0).unwrap(), 0);
    c.send(b"x").unwrap();
    let mut ready = vec![&c, &a];
    assert_eq!(select_read(&mut ready, 5000).unwrap(), 1);
    let mut writable = vec![&c, &a];
    assert_eq!(select_write(&mut writable, 5000).unwrap(), 2);
    let mut owned = vec![c.try_clone().unwrap(), a.try_clone().unwrap()];
    assert_eq!(select(&mut owned, 5000).unwrap(), 1);
    drop(owned);

    let mut bad = vec![NotADescriptor(i32::MAX)];
    assert_eq!(
        select(&mut bad, 0).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let mut negative = vec![NotADescriptor(-1)];
    assert!(select_write(&mut negative, 0).is_err());
    let mut none: Vec<&SocketHandle> = Vec::new();
    assert_eq!(
        select(&mut none, -1).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    let s = tcp_socket();
    s.connect_timeout(&l.local_addr().unwrap(), Duration::from_secs(5))
        .unwrap();
    let (_keep, port) = refusing_port();
    let e = tcp_socket()
        .connect_timeout(&port, Duration::from_secs(5))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConnectionRefused);
    let e = tcp_socket()
        .connect_timeout(&port, Duration::ZERO)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

/// One create/add/wait/modify/delete/drop cycle of a `Poller`, with its
/// error paths (double add, unknown socket, bad key, Edge where it is not
/// offered) and a notify.
fn poller() {
    let p = Poller::new().unwrap();
    let l = listener();
    let (c, a) = pair(&l);
    p.add(&a, 1, Interest::READABLE).unwrap();
    p.add_with_mode(&c, 2, Interest::WRITABLE, PollMode::Oneshot)
        .unwrap();
    assert_eq!(
        p.add(&a, 3, Interest::READABLE).unwrap_err().kind(),
        ErrorKind::AlreadyExists
    );
    assert!(p.add(&l, usize::MAX, Interest::READABLE).is_err());
    assert_eq!(p.delete(&l).unwrap_err().kind(), ErrorKind::NotFound);
    assert!(p.add(&NotADescriptor(i32::MAX), 4, Interest::BOTH).is_err());
    c.send(b"x").unwrap();
    let mut events = Events::with_capacity(8);
    let mut seen = 0;
    while seen < 2 {
        p.wait(&mut events, Some(Duration::from_secs(5))).unwrap();
        seen += events.iter().filter(|e| e.key == 1 || e.key == 2).count();
    }
    p.modify(&c, 2, Interest::BOTH).unwrap();
    p.notify().unwrap();
    p.wait(&mut events, Some(Duration::from_secs(5))).unwrap();
    p.delete(&a).unwrap();
    p.delete(&c).unwrap();
    // Dropped with a registration left in it, too.
    p.add(&l, 5, Interest::READABLE).unwrap();
}

fn addresses() {
    let a = SockAddr::from(SocketAddr::from((Ipv6Addr::LOCALHOST, 80)));
    assert_eq!(get_addr_string(&a).unwrap(), "::1");
    let raw = SockAddr::from_bytes(a.as_bytes()).unwrap();
    assert_eq!(raw, a);
    assert!(SockAddr::from_bytes(&[0]).is_err());
    assert!(get_addr_string(&SockAddr::from_bytes(&[0xff; 16]).unwrap()).is_err());
}

/// Lookups that never leave the machine: numeric addresses, `localhost`
/// (in /etc/hosts), the services and protocols files. Their error paths
/// here are the ones decided before or without any query (bad text, a
/// numeric address of the wrong family, a service not in the file).
fn name_databases() {
    let list = get_addr_info(
        "127.0.0.1",
        Port(80),
        Domain::Inet,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap();
    assert_eq!(
        list.first().socket_addr(),
        Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 80)))
    );
    drop(list);
    let list = get_addr_info(
        "localhost",
        Port(53),
        Domain::Inet,
        SockType::Dgram,
        Protocol::Udp,
    )
    .unwrap();
    assert!(list
        .iter()
        .all(|ai| ai.addr().as_socket_addr().unwrap().ip().is_loopback()));
    assert_eq!(
        get_addr_info(
            "::1",
            Port(1),
            Domain::Inet,
            SockType::Stream,
            Protocol::Tcp
        )
        .unwrap_err()
        .kind(),
        ErrorKind::NotFound
    );
    for bad in ["", "a\0b"] {
        let e = get_addr_info(bad, Port(1), Domain::Inet, SockType::Stream, Protocol::Tcp);
        assert_eq!(e.unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    let ssh = get_serv_by_name("ssh", "tcp").unwrap();
    assert_eq!(get_serv_by_port(ssh.port, "tcp").unwrap().name, "ssh");
    assert_eq!(
        get_serv_by_name("no-such-service-nativesockets", "")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        get_serv_by_port(Port(22), "no-such-proto")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        get_serv_by_name("", "tcp").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let db = ServicesDb::from_path("/etc/services").unwrap();
    assert!(db.by_name("ssh", "tcp").is_some());
    assert_eq!(
        ServicesDb::from_path("/nonexistent/nativesockets/services")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    let host = get_host_by_name("localhost").unwrap();
    assert!(host.addr_list.iter().all(|ip| ip.is_loopback()));
    assert!(!get_host_by_addr("127.0.0.1").unwrap().name.is_empty());
    assert_eq!(
        get_host_by_name("").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        get_host_by_addr("localhost").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(!get_hostname().unwrap().is_empty());
    assert_eq!(get_proto_by_name("udp").unwrap(), libc::IPPROTO_UDP);
    assert_eq!(
        get_proto_by_name("no-such-protocol-nativesockets")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

type Group = (&'static str, fn());

const GROUPS: &[Group] = &[
    ("socket creation and close", creation_and_close),
    ("bind, listen, accept, connect", bind_listen_accept_connect),
    (
        "send, recv, send_to, recv_from, peek, shutdown",
        data_transfer,
    ),
    ("Unix-domain sockets", unix_sockets),
    ("socket options", options),
    ("std conversions and SocketRef", std_conversions),
    ("select, select_write, connect_timeout", readiness),
    ("Poller create, add, wait, delete, drop", poller),
    ("addresses", addresses),
    ("name databases", name_databases),
];

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn every_public_function_leaves_the_descriptor_count_unchanged() {
    let rounds = rounds();
    for (name, group) in GROUPS {
        // One warm-up round, so that anything opened once and kept on
        // purpose (none is expected) is not taken for a leak.
        group();
        let before = open_descriptors().expect("/proc/self/fd");
        for _ in 0..rounds {
            group();
        }
        let after = open_descriptors().expect("/proc/self/fd");
        assert_eq!(
            after, before,
            "{name}: {before} descriptors before {rounds} rounds, {after} after"
        );
    }
}
