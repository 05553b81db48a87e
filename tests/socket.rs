//! The core socket layer on real sockets: loopback TCP and UDP over IPv4
//! and IPv6, Unix-domain sockets in a temp dir, raw ICMP where privileged.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

use nativesockets::*;

mod common;
#[cfg(unix)]
use nativesockets_testutil::files::TempDir;
// Under the short names this file's tests have always used.
use common::{handle_tcp_pair_on as tcp_pair, loopback_v4 as v4, loopback_v6 as v6, tcp_listener};

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn tcp_moves_data_both_ways_on_ipv4_and_ipv6() {
    for addr in [v4(0), v6(0)] {
        let (mut client, mut server) = tcp_pair(addr);
        client.write_all(b"hello").unwrap();
        let mut buf = [0u8; 5];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hello");
        assert_eq!(server.send(b"world!").unwrap(), 6);
        let mut buf = [0u8; 16];
        let mut got = 0;
        while got < 6 {
            got += client.recv(&mut buf[got..]).unwrap();
        }
        assert_eq!(&buf[..6], b"world!");
    }
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn peek_leaves_data_for_the_next_recv() {
    let (client, server) = tcp_pair(v4(0));
    client.send(b"abc").unwrap();
    let mut buf = [0u8; 3];
    // Peek until all three bytes arrived (loopback delivers at once, but a
    // short peek is legal).
    let mut n = 0;
    for _ in 0..100 {
        n = server.peek(&mut buf).unwrap();
        if n == 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!((n, &buf), (3, b"abc"));
    let mut again = [0u8; 3];
    assert_eq!(server.recv(&mut again).unwrap(), 3);
    assert_eq!(&again, b"abc");
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn shutdown_write_gives_the_peer_end_of_stream() {
    let (client, mut server) = tcp_pair(v6(0));
    client.send(b"last").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut all = Vec::new();
    server.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"last");
    assert!(
        client.send(b"more").is_err(),
        "sending after shutdown must fail"
    );
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn udp_send_to_and_recv_from_report_the_sender() {
    for (a, b) in [(v4(0), v4(0)), (v6(0), v6(0))] {
        let domain = a.domain().unwrap();
        let rx = new_native_socket(domain, SockType::Dgram, Protocol::Udp).unwrap();
        rx.bind_addr(&a).unwrap();
        let tx = new_native_socket(domain, SockType::Dgram, Protocol::Udp).unwrap();
        tx.bind_addr(&b).unwrap();
        let to = rx.local_addr().unwrap();
        assert_eq!(tx.send_to(b"datagram", &to).unwrap(), 8);
        let mut buf = [0u8; 64];
        let (n, from) = rx.peek_from(&mut buf).unwrap();
        assert_eq!((n, &buf[..n]), (8, &b"datagram"[..]));
        assert_eq!(from, tx.local_addr().unwrap());
        let (n, from) = rx.recv_from(&mut buf).unwrap();
        assert_eq!((n, &buf[..n]), (8, &b"datagram"[..]));
        assert_eq!(
            from.as_socket_addr(),
            tx.local_addr().unwrap().as_socket_addr()
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn udp_connect_sets_the_default_destination() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    tx.connect(&rx.local_addr().unwrap().into()).unwrap();
    (&tx).write_all(b"x").unwrap();
    let mut buf = [0u8; 4];
    let (n, from) = rx.recv_from(&mut buf).unwrap();
    assert_eq!(n, 1);
    assert_eq!(Some(from), tx.local_addr().unwrap().as_socket_addr());
    assert_eq!(
        get_peer_addr(&tx).unwrap(),
        (
            "127.0.0.1".to_string(),
            Port(rx.local_addr().unwrap().port())
        )
    );
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn local_and_peer_addresses_come_back_as_text_and_port() {
    for (addr, text) in [(v4(0), "127.0.0.1"), (v6(0), "::1")] {
        let (client, server) = tcp_pair(addr);
        let (host, port) = get_local_addr(&server).unwrap();
        assert_eq!(host, text);
        assert_eq!(port, get_sock_name(&server).unwrap());
        assert_ne!(port, Port(0));
        assert_eq!(
            get_peer_addr(&server).unwrap(),
            get_local_addr(&client).unwrap()
        );
        assert_eq!(get_peer_addr(&client).unwrap(), (text.to_string(), port));
    }
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn unbound_sockets_report_their_domain_and_port_zero() {
    let cases = [
        (Domain::Inet, SockType::Stream, Protocol::Tcp),
        (Domain::Inet, SockType::Dgram, Protocol::Udp),
        (Domain::Inet6, SockType::Stream, Protocol::Tcp),
        (Domain::Inet6, SockType::Dgram, Protocol::Udp),
    ];
    for (domain, ty, proto) in cases {
        let s = new_native_socket(domain, ty, proto).unwrap();
        assert_eq!(get_sock_domain(&s).unwrap(), domain);
        assert_eq!(get_sock_name(&s).unwrap(), Port(0));
        assert_eq!(SockType::from_int(s.sock_type_raw().unwrap()), Some(ty));
    }
}

#[test]
fn peer_address_of_an_unconnected_socket_is_not_connected() {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    assert_eq!(
        get_peer_addr(&s).unwrap_err().kind(),
        io::ErrorKind::NotConnected
    );
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn operations_on_the_wrong_kind_of_socket_fail_cleanly() {
    let udp = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    assert!(listen(&udp, 1).is_err(), "listen on UDP");
    let tcp = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    assert_eq!(
        accept(&tcp).unwrap_err().kind(),
        io::ErrorKind::InvalidInput,
        "accept on a socket that does not listen"
    );
    // An IPv6 address on an IPv4 socket.
    assert!(bind_addr(&tcp, &v6(0)).is_err());
    // TCP over a datagram socket is no protocol the OS knows.
    let err = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Tcp).unwrap_err();
    assert!(err.to_string().contains("socket (domain"), "{err}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "socket(2) with an unknown family, on which Miri stops instead of failing with EAFNOSUPPORT"
)]
fn unknown_family_numbers_give_an_error_naming_them() {
    let err = new_native_socket_raw(4242, SockType::Stream.to_int(), 0).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("domain 4242"), "{msg}");
    assert_eq!(err.kind(), io::ErrorKind::Unsupported);
}

#[test]
fn explicit_close_reports_success_and_failure() {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    close(s).unwrap();
    // SAFETY: OS_INVALID_SOCKET is never open, so closing it touches
    // nothing; the point is that close reports the OS's EBADF.
    let bogus = unsafe { SocketHandle::from_raw(OS_INVALID_SOCKET) };
    assert!(bogus.close().is_err());
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn set_blocking_switches_between_would_block_and_waiting() {
    let (client, server) = tcp_pair(v4(0));
    set_blocking(&server, false).unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(
        server.recv(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    set_blocking(&server, true).unwrap();
    server
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let err = server.recv(&mut buf).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    client.send(b"!").unwrap();
    assert_eq!(server.recv(&mut buf).unwrap(), 1);
}

#[test]
fn non_blocking_accept_with_nothing_pending_would_block() {
    let l = tcp_listener(v4(0));
    l.set_blocking(false).unwrap();
    assert_eq!(l.accept().unwrap_err().kind(), io::ErrorKind::WouldBlock);
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_REUSEADDR), which Miri does not emulate")]
fn integer_options_round_trip_through_the_reexported_constants() {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    for (level, name) in [
        (SOL_SOCKET, SO_REUSEADDR),
        (SOL_SOCKET, SO_KEEPALIVE),
        (IPPROTO_TCP, TCP_NODELAY),
        (SOL_SOCKET, SO_OOBINLINE),
    ] {
        set_sock_opt_int(&s, level, name, 1).unwrap();
        assert_ne!(
            get_sock_opt_int(&s, level, name).unwrap(),
            0,
            "option {level}/{name}"
        );
        set_sock_opt_int(&s, level, name, 0).unwrap();
        assert_eq!(
            get_sock_opt_int(&s, level, name).unwrap(),
            0,
            "option {level}/{name}"
        );
    }
    set_sock_opt_int(&s, IPPROTO_IP, IP_TTL, 42).unwrap();
    assert_eq!(get_sock_opt_int(&s, IPPROTO_IP, IP_TTL).unwrap(), 42);
    set_sock_opt_int(&s, SOL_SOCKET, SO_RCVBUF, 65536).unwrap();
    assert!(get_sock_opt_int(&s, SOL_SOCKET, SO_RCVBUF).unwrap() >= 65536);
    assert_eq!(
        get_sock_opt_int(&s, SOL_SOCKET, SO_TYPE).unwrap(),
        SockType::Stream.to_int()
    );
    assert_eq!(get_sock_opt_int(&s, SOL_SOCKET, SO_ERROR).unwrap(), 0);
    assert_eq!(get_sock_opt_int(&s, SOL_SOCKET, SO_ACCEPTCONN).unwrap(), 0);
    s.bind_addr(&v4(0)).unwrap();
    s.listen(1).unwrap();
    assert_ne!(get_sock_opt_int(&s, SOL_SOCKET, SO_ACCEPTCONN).unwrap(), 0);
    // An option number no system uses.
    assert!(get_sock_opt_int(&s, SOL_SOCKET, 0x7fff_0000).is_err());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "setsockopt(TCP_NODELAY) on an unconnected socket, which Miri does not emulate"
)]
fn typed_options_round_trip() {
    let s = new_native_socket(Domain::Inet6, SockType::Stream, Protocol::Tcp).unwrap();
    s.set_nodelay(true).unwrap();
    assert!(s.nodelay().unwrap());
    s.set_reuse_address(true).unwrap();
    assert!(s.reuse_address().unwrap());
    #[cfg(unix)]
    {
        s.set_reuse_port(true).unwrap();
        assert!(s.reuse_port().unwrap());
    }
    s.set_keepalive(true).unwrap();
    assert!(s.keepalive().unwrap());
    s.set_only_v6(true).unwrap();
    assert!(s.only_v6().unwrap());
    s.set_only_v6(false).unwrap();
    assert!(!s.only_v6().unwrap());
    s.set_unicast_hops_v6(9).unwrap();
    assert_eq!(s.unicast_hops_v6().unwrap(), 9);
    s.set_send_buffer_size(1 << 16).unwrap();
    assert!(s.send_buffer_size().unwrap() >= 1 << 16);
    s.set_recv_buffer_size(1 << 16).unwrap();
    assert!(s.recv_buffer_size().unwrap() >= 1 << 16);
    assert_eq!(
        s.set_send_buffer_size(usize::MAX).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    s.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(3)));
    // The OS counts whole seconds: half a second lingers one, not zero
    // (which would reset the connection).
    s.set_linger(Some(Duration::from_millis(500))).unwrap();
    assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(1)));
    s.set_linger(None).unwrap();
    assert_eq!(s.linger().unwrap(), None);
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    assert_eq!(s.read_timeout().unwrap(), Some(Duration::from_millis(1500)));
    s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    assert_eq!(s.write_timeout().unwrap(), Some(Duration::from_secs(2)));
    s.set_read_timeout(None).unwrap();
    assert_eq!(s.read_timeout().unwrap(), None);
    assert!(s.take_error().unwrap().is_none());
    assert!(!s.is_listener().unwrap());

    let udp = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    udp.set_broadcast(true).unwrap();
    assert!(udp.broadcast().unwrap());
    udp.set_ttl(17).unwrap();
    assert_eq!(udp.ttl().unwrap(), 17);
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn new_and_accepted_sockets_are_not_inherited_until_asked() {
    let (client, server) = tcp_pair(v4(0));
    for s in [&client, &server] {
        assert!(!s.is_inheritable().unwrap());
    }
    set_inheritable(&server, true).unwrap();
    assert!(server.is_inheritable().unwrap());
    set_inheritable(&server, false).unwrap();
    assert!(!server.is_inheritable().unwrap());
}

/// The real proof of close-on-exec: a child process started by `exec`
/// does not see the descriptor until `set_inheritable(true)`.
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn exec_does_not_pass_sockets_to_children_unless_inheritable() {
    use std::os::fd::AsRawFd;
    let (client, server) = tcp_pair(v4(0));
    let visible_in_child = |fd: i32| {
        std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("[ -e /proc/self/fd/{fd} ]"))
            .status()
            .unwrap()
            .success()
    };
    assert!(
        !visible_in_child(client.as_raw_fd()),
        "new socket leaked into a child"
    );
    assert!(
        !visible_in_child(server.as_raw_fd()),
        "accepted socket leaked into a child"
    );
    server.set_inheritable(true).unwrap();
    assert!(
        visible_in_child(server.as_raw_fd()),
        "inheritable socket not passed on"
    );
}

/// Sending to a peer that is gone must return `BrokenPipe` and never raise
/// `SIGPIPE`. Rust's runtime ignores `SIGPIPE` in every binary, which would
/// hide the bug, so the check runs in a child process of this test that
/// first restores the default disposition (which kills the process on a
/// raised `SIGPIPE`).
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "spawns a process, which Miri does not emulate")]
fn sending_to_a_closed_peer_is_broken_pipe_not_sigpipe() {
    use nativesockets_testutil::process;

    const CHILD: &str = "NATIVESOCKETS_SIGPIPE_CHILD";
    if std::env::var_os(CHILD).is_some() {
        // SAFETY: resetting a signal disposition to its default is sound;
        // this process is the dedicated child.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
        let (client, server) = tcp_pair(v4(0));
        drop(server);
        let mut saw_broken_pipe = false;
        for _ in 0..100 {
            match client.send(&[0u8; 1024]) {
                Ok(_) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    saw_broken_pipe = true;
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => continue,
                Err(e) => panic!("unexpected error {e}"),
            }
        }
        assert!(saw_broken_pipe);
        println!("child survived");
        return;
    }
    // Through the target's runner when one is set (`qemu-s390x -L ...` for a
    // cross-built Linux target, which the host kernel cannot exec by itself).
    let out = process::this_test_alone("sending_to_a_closed_peer_is_broken_pipe_not_sigpipe")
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child died: {:?}\n{stdout}",
        out.status
    );
    assert!(stdout.contains("child survived"), "{stdout}");
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn unix_stream_sockets_on_a_path() {
    let tmp = TempDir::new("stream");
    let dir = &tmp.0;
    let path = dir.join("s.sock");
    let addr = SockAddr::unix(&path).unwrap();
    let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    l.bind_addr(&addr).unwrap();
    l.listen(4).unwrap();
    assert_eq!(get_sock_domain(&l).unwrap(), Domain::Unix);
    assert_eq!(
        get_local_addr(&l).unwrap(),
        (path.to_str().unwrap().to_string(), Port(0))
    );
    // A Unix-domain socket has no port: get_local_addr says Port(0) beside
    // the path, get_sock_name, whose answer is the port alone, refuses.
    let err = get_sock_name(&l).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("has no port"), "{err}");
    assert!(err.to_string().contains(path.to_str().unwrap()), "{err}");

    let c = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    c.connect(&addr).unwrap();
    let (s, peer) = l.accept().unwrap();
    assert!(peer.is_unnamed(), "an unbound client is unnamed: {peer:?}");
    assert_eq!(get_peer_addr(&c).unwrap().0, path.to_str().unwrap());
    assert_eq!(get_peer_addr(&s).unwrap(), (String::new(), Port(0)));
    (&c).write_all(b"over unix").unwrap();
    let mut buf = [0u8; 9];
    (&s).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"over unix");
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn unix_datagram_and_seqpacket_sockets_keep_message_boundaries() {
    let tmp = TempDir::new("dgram");
    let dir = &tmp.0;
    let a_addr = SockAddr::unix(dir.join("a")).unwrap();
    let b_addr = SockAddr::unix(dir.join("b")).unwrap();
    let a = new_native_socket(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap();
    let b = new_native_socket(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap();
    a.bind_addr(&a_addr).unwrap();
    b.bind_addr(&b_addr).unwrap();
    a.send_to(b"one", &b_addr).unwrap();
    a.send_to(b"two!", &b_addr).unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], &from), (&b"one"[..], &a_addr));
    let (n, _) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"two!");

    let sp_addr = SockAddr::unix(dir.join("sp")).unwrap();
    let l = new_native_socket(Domain::Unix, SockType::SeqPacket, Protocol::Ip).unwrap();
    l.bind_addr(&sp_addr).unwrap();
    l.listen(1).unwrap();
    let c = new_native_socket(Domain::Unix, SockType::SeqPacket, Protocol::Ip).unwrap();
    c.connect(&sp_addr).unwrap();
    let (s, _) = l.accept().unwrap();
    c.send(b"first").unwrap();
    c.send(b"second").unwrap();
    assert_eq!(s.recv(&mut buf).unwrap(), 5);
    assert_eq!(s.recv(&mut buf).unwrap(), 6);
    assert_eq!(&buf[..6], b"second");
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn linux_abstract_and_autobound_unix_addresses() {
    let name = format!("nativesockets-test-{}", std::process::id());
    let addr = SockAddr::unix_abstract(name.as_bytes()).unwrap();
    let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    l.bind_addr(&addr).unwrap();
    l.listen(1).unwrap();
    assert_eq!(l.local_addr().unwrap(), addr);
    assert_eq!(get_local_addr(&l).unwrap().0, format!("@{name}"));
    let c = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    c.connect(&addr).unwrap();
    drop(l.accept().unwrap());

    // Binding the unnamed address asks Linux for a free abstract name.
    let d = new_native_socket(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap();
    assert!(d.local_addr().unwrap().is_unnamed());
    assert_eq!(get_local_addr(&d).unwrap().0, "");
    d.bind_addr(&SockAddr::unix_unnamed()).unwrap();
    let auto = d.local_addr().unwrap();
    assert!(
        auto.as_abstract_name().is_some_and(|n| !n.is_empty()),
        "{auto:?}"
    );
}

#[test]
fn unix_paths_that_do_not_fit_are_invalid_input() {
    let err = SockAddr::unix("x".repeat(300)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("Unix socket path"), "{err}");
}

/// Raw ICMP echo to 127.0.0.1 as root; without privileges the OS's
/// `PermissionDenied` must come through unchanged.
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "raw sockets, which Miri does not emulate")]
fn raw_icmp_sockets_ping_loopback_when_privileged() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let res = new_native_socket(Domain::Inet, SockType::Raw, Protocol::Icmp);
    if !root {
        assert_eq!(res.unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        return;
    }
    let s = res.unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    // Echo request: type 8, code 0, checksum, id, sequence, payload.
    let mut pkt = [
        8u8, 0, 0, 0, 0x12, 0x34, 0, 1, b'n', b's', b'o', b'c', b'k', 0, 0, 0,
    ];
    let sum = checksum(&pkt);
    pkt[2..4].copy_from_slice(&sum.to_be_bytes());
    s.send_to(&pkt, &v4(0)).unwrap();
    let mut buf = [0u8; 256];
    // Raw sockets see every ICMP packet, our own request included: look
    // for the reply (type 0) with our id.
    for _ in 0..10 {
        let (n, from) = s.recv_from(&mut buf).unwrap();
        assert_eq!(get_addr_string(&from).unwrap(), "127.0.0.1");
        let ihl = usize::from(buf[0] & 0x0f) * 4;
        let icmp = &buf[ihl..n];
        if icmp[0] == 0 && icmp[4..6] == [0x12, 0x34] {
            assert_eq!(&icmp[8..13], b"nsock");
            return;
        }
    }
    panic!("no echo reply seen");
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "raw sockets, which Miri does not emulate")]
fn raw_icmpv6_sockets_ping_loopback_when_privileged() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let res = new_native_socket(Domain::Inet6, SockType::Raw, Protocol::Icmpv6);
    if !root {
        assert_eq!(res.unwrap_err().kind(), io::ErrorKind::PermissionDenied);
        return;
    }
    let s = res.unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    // The kernel computes ICMPv6 checksums for raw ICMPv6 sockets.
    let pkt = [128u8, 0, 0, 0, 0x56, 0x78, 0, 1, b'v', b'6'];
    s.send_to(&pkt, &v6(0)).unwrap();
    let mut buf = [0u8; 256];
    for _ in 0..10 {
        let (n, from) = s.recv_from(&mut buf).unwrap();
        assert_eq!(get_addr_string(&from).unwrap(), "::1");
        // No IP header on IPv6 raw sockets.
        if buf[0] == 129 && buf[4..6] == [0x56, 0x78] {
            assert_eq!(&buf[8..n], b"v6");
            return;
        }
    }
    panic!("no echo reply seen");
}

#[cfg(unix)]
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[test]
fn addresses_print_in_the_seeds_forms() {
    let cases = [
        ("127.0.0.1:1", "127.0.0.1"),
        ("[::1]:1", "::1"),
        ("[2001:db8:0:0:0:0:0:1]:1", "2001:db8::1"),
        ("[2001:db8:0:0:1:0:0:1]:1", "2001:db8::1:0:0:1"),
        ("[::ffff:192.0.2.128]:1", "::ffff:192.0.2.128"),
        ("[fe80::1]:1", "fe80::1"),
    ];
    for (sa, text) in cases {
        let addr = SockAddr::from(sa.parse::<SocketAddr>().unwrap());
        assert_eq!(get_addr_string(&addr).unwrap(), text);
    }
}

#[test]
fn ports_travel_in_network_order_inside_addresses() {
    let addr = v4(0x1f90);
    // sockaddr_in: family (2 bytes), then the port, big-endian.
    assert_eq!(&addr.as_bytes()[2..4], &[0x1f, 0x90]);
    assert_eq!(addr.port(), Some(Port(8080)));
    let addr6 = v6(0xabcd);
    assert_eq!(&addr6.as_bytes()[2..4], &[0xab, 0xcd]);
}

#[test]
fn byte_order_conversions_mean_the_same_on_every_endianness() {
    // Network order is big-endian: the most significant byte first in
    // memory, whatever the machine.
    assert_eq!(htons(0x1234).to_ne_bytes(), [0x12, 0x34]);
    assert_eq!(htonl(0x0102_0304).to_ne_bytes(), [1, 2, 3, 4]);
    assert_eq!(ntohs(u16::from_ne_bytes([0x12, 0x34])), 0x1234);
    assert_eq!(ntohl(u32::from_ne_bytes([1, 2, 3, 4])), 0x0102_0304);
    for x in [0u16, 1, 0x00ff, 0xff00, 0xbeef, u16::MAX] {
        assert_eq!(ntohs(htons(x)), x);
    }
    for x in [0u32, 1, 0xdead_beef, u32::MAX] {
        assert_eq!(ntohl(htonl(x)), x);
    }
    let big_endian = cfg!(target_endian = "big");
    assert_eq!(htons(0x1234) == 0x1234, big_endian);
    // The functions are usable in constants.
    const P: u16 = htons(80);
    assert_eq!(P.to_ne_bytes(), [0, 80]);
}

#[cfg(unix)]
#[test]
fn enum_numbers_are_the_platforms_own() {
    assert_eq!(Domain::Unspec.to_int(), libc::AF_UNSPEC);
    assert_eq!(Domain::Unix.to_int(), libc::AF_UNIX);
    assert_eq!(Domain::Inet.to_int(), libc::AF_INET);
    assert_eq!(Domain::Inet6.to_int(), libc::AF_INET6);
    assert_eq!(SockType::Stream.to_int(), libc::SOCK_STREAM);
    assert_eq!(SockType::Dgram.to_int(), libc::SOCK_DGRAM);
    assert_eq!(SockType::Raw.to_int(), libc::SOCK_RAW);
    assert_eq!(SockType::SeqPacket.to_int(), libc::SOCK_SEQPACKET);
    assert_eq!(Protocol::Tcp.to_int(), libc::IPPROTO_TCP);
    assert_eq!(Protocol::Udp.to_int(), libc::IPPROTO_UDP);
    assert_eq!(Protocol::Ip.to_int(), libc::IPPROTO_IP);
    assert_eq!(Protocol::Ipv6.to_int(), libc::IPPROTO_IPV6);
    assert_eq!(Protocol::Raw.to_int(), libc::IPPROTO_RAW);
    assert_eq!(Protocol::Icmp.to_int(), libc::IPPROTO_ICMP);
    assert_eq!(Protocol::Icmpv6.to_int(), libc::IPPROTO_ICMPV6);
    assert_eq!(SO_REUSEADDR, libc::SO_REUSEADDR);
    assert_eq!(SO_REUSEPORT, libc::SO_REUSEPORT);
    assert_eq!(SOL_SOCKET, libc::SOL_SOCKET);
    assert_eq!(TCP_NODELAY, libc::TCP_NODELAY);
    assert_eq!(IPV6_V6ONLY, libc::IPV6_V6ONLY);
    assert_eq!(SOMAXCONN, libc::SOMAXCONN);
    assert_eq!(OS_INVALID_SOCKET, -1);
}

#[test]
fn enums_round_trip_and_reject_unknown_numbers() {
    for d in [Domain::Unspec, Domain::Unix, Domain::Inet, Domain::Inet6] {
        assert_eq!(Domain::from_int(d.to_int()), Some(d));
    }
    for t in [
        SockType::Stream,
        SockType::Dgram,
        SockType::Raw,
        SockType::SeqPacket,
    ] {
        assert_eq!(SockType::from_int(t.to_int()), Some(t));
    }
    for p in [
        Protocol::Tcp,
        Protocol::Udp,
        Protocol::Ip,
        Protocol::Ipv6,
        Protocol::Raw,
        Protocol::Icmp,
        Protocol::Icmpv6,
    ] {
        assert_eq!(Protocol::from_int(p.to_int()), Some(p));
    }
    assert_eq!(Domain::from_int(9999), None);
    assert_eq!(SockType::from_int(9999), None);
    assert_eq!(Protocol::from_int(9999), None);
    assert_eq!(Protocol::Udp.sock_type(), SockType::Dgram);
    assert_eq!(Protocol::Ipv6.sock_type(), SockType::Raw);
    assert_eq!("443".parse::<Port>().unwrap(), Port(443));
    assert!("-1".parse::<Port>().is_err());
    assert!("http".parse::<Port>().is_err());
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn std_sockets_convert_both_ways_and_can_be_borrowed() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Borrowed: every function works, the std socket stays usable.
    assert_eq!(
        get_sock_name(&SocketRef::from(&listener)).unwrap(),
        Port(port)
    );
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let r = SocketRef::from(&stream);
    assert_eq!(get_peer_addr(&r).unwrap().1, Port(port));
    r.set_nodelay(true).unwrap();
    assert!(stream.nodelay().unwrap());

    // Owned: into a SocketHandle and back, the same descriptor.
    let handle = SocketHandle::from(listener);
    let (accepted, _) = handle.accept().unwrap();
    let back = TcpListener::from(handle);
    assert_eq!(back.local_addr().unwrap().port(), port);
    let stream2 = TcpStream::from(accepted);
    stream2.set_nodelay(true).unwrap();
    let udp = SocketHandle::from(UdpSocket::bind("[::1]:0").unwrap());
    assert_eq!(get_sock_domain(&udp).unwrap(), Domain::Inet6);
    let udp = UdpSocket::from(udp);
    assert!(udp.local_addr().unwrap().is_ipv6());
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn unix_std_sockets_convert_and_borrow() {
    use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
    let tmp = TempDir::new("stdunix");
    let dir = &tmp.0;
    let l = UnixListener::bind(dir.join("l")).unwrap();
    assert_eq!(get_sock_domain(&SocketRef::from(&l)).unwrap(), Domain::Unix);
    let h = SocketHandle::from(l);
    let c = UnixStream::connect(dir.join("l")).unwrap();
    let (s, _) = h.accept().unwrap();
    let mut s = UnixStream::from(s);
    (&c).write_all(b"u").unwrap();
    let mut b = [0u8; 1];
    s.read_exact(&mut b).unwrap();
    let _ = UnixListener::from(h);
    let (a, _) = UnixDatagram::pair().unwrap();
    let a = SocketHandle::from(a);
    assert!(a.local_addr().unwrap().is_unnamed());
    let _ = UnixDatagram::from(a);
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn into_raw_and_from_raw_transfer_ownership() {
    let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let raw = s.into_raw();
    assert_ne!(raw, OS_INVALID_SOCKET);
    // SAFETY: `raw` came from into_raw and is owned by nothing else.
    let s = unsafe { SocketHandle::from_raw(raw) };
    assert_eq!(s.as_raw(), raw);
    assert_eq!(get_sock_domain(&s).unwrap(), Domain::Inet);
    let clone = s.try_clone().unwrap();
    assert_ne!(clone.as_raw(), raw);
    assert!(!clone.is_inheritable().unwrap());
    assert_eq!(get_sock_domain(&clone).unwrap(), Domain::Inet);
}

#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn debug_output_names_the_addresses() {
    let (client, _server) = tcp_pair(v4(0));
    let text = format!("{client:?}");
    assert!(
        text.contains("SocketHandle") && text.contains("127.0.0.1"),
        "{text}"
    );
}

/// `start_connect` tells "in progress" from failure on every platform; the
/// outcome then comes from readiness and `SO_ERROR`.
#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn start_connect_reports_progress_then_the_outcome() {
    let listener = tcp_listener(v4(0));
    let closed = {
        let tmp = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        tmp.bind_addr(&v4(0)).unwrap();
        tmp.local_addr().unwrap()
    };
    let outcome = |addr: &SockAddr| -> io::Result<()> {
        let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        s.set_blocking(false).unwrap();
        if !s.start_connect(addr)? {
            let mut pending = vec![&s];
            assert_eq!(select_write(&mut pending, 5000).unwrap(), 1);
            if let Some(e) = s.take_error().unwrap() {
                return Err(e);
            }
        }
        s.peer_addr().map(drop)
    };
    outcome(&listener.local_addr().unwrap()).unwrap();
    assert_eq!(
        outcome(&closed).unwrap_err().kind(),
        io::ErrorKind::ConnectionRefused
    );
}

#[test]
fn bad_port_text_names_the_text_and_the_range() {
    for (text, why) in [
        ("65536", "out of range"),
        ("99999999999", "out of range"),
        ("-1", "not a decimal number"),
        ("http", "not a decimal number"),
        ("", "not a decimal number"),
        ("+80", "not a decimal number"),
    ] {
        let err = text.parse::<Port>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains(&format!("{text:?}")), "{message}");
        assert!(message.contains(why), "{message}");
        assert!(message.contains("a port is 0 to 65535"), "{message}");
        let io_err = io::Error::from(err);
        assert_eq!(io_err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(io_err.to_string(), message);
    }
    assert_eq!("65535".parse::<Port>().unwrap(), Port(65535));
    assert_eq!("0".parse::<Port>().unwrap(), Port(0));
}

#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn local_addresses_keep_an_ipv6_scope() {
    // No link-local address exists on loopback; IP_FREEBIND lets a socket
    // bind one anyway, on lo, without any traffic.
    let lo = if_nametoindex("lo").unwrap();
    let addr = SockAddr::from(SocketAddr::from(std::net::SocketAddrV6::new(
        "fe80::1".parse().unwrap(),
        0,
        0,
        lo,
    )));
    let s = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    set_sock_opt_int(&s, libc::IPPROTO_IP, libc::IP_FREEBIND, 1).unwrap();
    s.bind_addr(&addr).unwrap();
    // The scope as std reads it from the same socket: the kernel's, which
    // is `lo` natively. (qemu-user for big-endian targets swaps only the
    // low 16 bits of sin6_scope_id, so there it reads 65536; both readers
    // see the same number, and the text must be std's.)
    let std_view = std::net::UdpSocket::from(s.try_clone().unwrap())
        .local_addr()
        .unwrap();
    let std::net::SocketAddr::V6(std_v6) = std_view else {
        panic!("{std_view}")
    };
    assert_ne!(std_v6.scope_id(), 0);
    if cfg!(target_endian = "little") {
        assert_eq!(std_v6.scope_id(), lo);
    }
    let (text, port) = get_local_addr(&s).unwrap();
    assert_eq!(text, format!("fe80::1%{}", std_v6.scope_id()));
    assert_eq!(port, Port(std_v6.port()));
    assert_eq!(format!("[{text}]:{}", port), std_view.to_string());
    // (A peer cannot be connected without a route to fe80::/64, which
    // loopback lacks; get_peer_addr formats with the same code.)
    assert_eq!(get_addr_string(&s.local_addr().unwrap()).unwrap(), text);
}
