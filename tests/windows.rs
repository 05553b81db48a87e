//! Windows behaviour that has no Unix twin, on real Winsock sockets on
//! loopback (under Wine in CI): Winsock started by the crate itself from
//! any thread, `SOCKET` handles and `INVALID_SOCKET`, blocking mode through
//! `ioctlsocket(FIONBIO)`, `WSAE*` codes and their `io::ErrorKind`s, the
//! services file's path, boolean options, `SO_EXCLUSIVEADDRUSE`, handle
//! inheritance, `select` past Winsock's 64-handle `fd_set`, and AF_UNIX.
//!
//! Some checks need a process of their own (nothing may have started
//! Winsock yet; a child process sees which handles were inherited): the
//! test then runs this test binary again, with an environment variable
//! that tells the copy which part to play.
#![cfg(windows)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::windows::io::AsRawSocket;
use std::thread;
use std::time::Duration;

use nativesockets::windows::{ioctlsocket, FIONBIO, FIONREAD, IOCPARM_MASK, IOC_IN};
use nativesockets::*;
use nativesockets_testutil::process;
use windows_sys::Win32::Foundation::{GetHandleInformation, HANDLE};
use windows_sys::Win32::Networking::WinSock as ws;

mod common;
use common::{handle_tcp_pair, loopback_v4, tcp_socket};

/// Long enough for anything on loopback, short enough that a broken build
/// fails instead of hanging.
const PATIENCE_MS: i32 = 10_000;

const CHILD: &str = "NATIVESOCKETS_WINDOWS_CHILD";

/// Runs the test `name` of this binary again in a child process, with
/// `CHILD=role`, and returns the child's output after checking it passed.
fn run_child(name: &str, role: &str) -> String {
    let out = process::this_test_alone(name)
        .env(CHILD, role)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "child {role}: {:?}\n{text}",
        out.status
    );
    text
}

fn child_role() -> Option<String> {
    std::env::var(CHILD).ok()
}

/// Whether Winsock has been started in this process: a raw `socket` call
/// fails with `WSANOTINITIALISED` before `WSAStartup`.
fn winsock_started() -> bool {
    // SAFETY: plain Winsock calls with valid arguments; a socket that is
    // created is closed at once.
    unsafe {
        let s = ws::socket(ws::AF_INET as i32, ws::SOCK_DGRAM, ws::IPPROTO_UDP);
        if s == ws::INVALID_SOCKET {
            assert_eq!(ws::WSAGetLastError(), ws::WSANOTINITIALISED);
            false
        } else {
            ws::closesocket(s);
            true
        }
    }
}

// ---- Winsock started by the crate ----

/// Each first call runs in a fresh process, where nothing has started
/// Winsock, and from threads other than the main one, eight at once.
#[test]
fn winsock_is_started_by_the_first_call_of_any_kind_from_any_thread() {
    type FirstCall = fn() -> io::Result<()>;
    let calls: [(&str, FirstCall); 6] = [
        ("socket", || tcp_or_err().map(drop)),
        ("get_addr_info", || {
            get_addr_info(
                "127.0.0.1",
                Port(80),
                Domain::Inet,
                SockType::Stream,
                Protocol::Tcp,
            )
            .map(drop)
        }),
        ("get_host_by_name", || {
            get_host_by_name("localhost").map(drop)
        }),
        ("get_host_by_addr", || {
            get_host_by_addr("127.0.0.1").map(drop)
        }),
        ("get_hostname", || get_hostname().map(drop)),
        ("get_proto_by_name", || get_proto_by_name("tcp").map(drop)),
    ];
    if let Some(role) = child_role() {
        let (_, call) = calls.iter().find(|(name, _)| *name == role).unwrap();
        assert!(!winsock_started(), "Winsock was started before the test");
        let threads: Vec<_> = (0..8).map(|_| thread::spawn(*call)).collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        assert!(winsock_started());
        println!("first call {role} worked");
        return;
    }
    for (name, _) in calls {
        let out = run_child(
            "winsock_is_started_by_the_first_call_of_any_kind_from_any_thread",
            name,
        );
        assert!(out.contains(&format!("first call {name} worked")), "{out}");
    }
}

fn tcp_or_err() -> io::Result<SocketHandle> {
    new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)
}

// ---- handles ----

#[test]
fn invalid_socket_is_winsocks_and_select_rejects_it_without_a_change() {
    assert_eq!(OS_INVALID_SOCKET, ws::INVALID_SOCKET as u64);
    assert_eq!(OS_INVALID_SOCKET, u64::MAX);

    struct Raw(RawSocketHandle);
    impl AsSocketHandle for Raw {
        fn raw_socket(&self) -> RawSocketHandle {
            self.0
        }
    }
    let real = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut handles = vec![Raw(real.as_raw_socket()), Raw(OS_INVALID_SOCKET)];
    let e = select(&mut handles, 0).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    assert_eq!(handles.len(), 2, "the vector is unchanged on error");
}

#[test]
#[ignore = "Wine 8's select skips a closed handle (and times out) where Windows fails with \
            WSAENOTSOCK; run with --include-ignored on Windows"]
fn a_closed_handle_in_select_is_named_in_the_error() {
    let closed = tcp_socket().into_raw();
    // SAFETY: the handle was just given up by its SocketHandle.
    assert_eq!(unsafe { ws::closesocket(closed as usize) }, 0);
    struct Raw(RawSocketHandle);
    impl AsSocketHandle for Raw {
        fn raw_socket(&self) -> RawSocketHandle {
            self.0
        }
    }
    let live = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut handles = vec![Raw(live.as_raw_socket()), Raw(closed)];
    let e = select(&mut handles, 0).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    assert!(e.to_string().contains(&closed.to_string()), "{e}");
    assert_eq!(handles.len(), 2);
}

// ---- blocking mode ----

#[test]
fn set_blocking_switches_winsock_mode_both_ways() {
    let (client, server) = handle_tcp_pair();
    let mut buf = [0u8; 4];
    server.set_blocking(false).unwrap();
    let e = server.recv(&mut buf).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(e.raw_os_error(), Some(ws::WSAEWOULDBLOCK));

    server.set_blocking(true).unwrap();
    server
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    // Blocking again: the receive waits, until its timeout.
    let e = server.recv(&mut buf).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    assert_eq!(e.raw_os_error(), Some(ws::WSAETIMEDOUT));
    client.send(b"data").unwrap();
    assert_eq!(server.recv(&mut buf).unwrap(), 4);
}

#[test]
fn ioctlsocket_uses_the_seeds_constants() {
    assert_eq!(
        (IOCPARM_MASK, IOC_IN, FIONBIO),
        (127, -2147483648, -2147195266)
    );
    let (client, server) = handle_tcp_pair();
    let mut on = 1;
    ioctlsocket(&server, FIONBIO, &mut on).unwrap();
    let mut buf = [0u8; 8];
    assert_eq!(
        server.recv(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    client.send(b"hello").unwrap();
    let mut ready = vec![&server];
    assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
    let mut pending = 0;
    ioctlsocket(&server, FIONREAD, &mut pending).unwrap();
    assert_eq!(pending, 5);
    // Through SocketRef, on a std socket, too.
    let std_sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut none = 7;
    ioctlsocket(&SocketRef::from(&std_sock), FIONREAD, &mut none).unwrap();
    assert_eq!(none, 0);
}

#[test]
fn ioctlsocket_refuses_a_command_it_does_not_know() {
    let s = tcp_socket();
    let mut arg = 0;
    let e = ioctlsocket(&s, 0x1234, &mut arg).unwrap_err();
    assert!(e.raw_os_error().is_some(), "{e}");
}

// ---- errors ----

#[test]
fn winsock_errors_keep_their_code_and_get_stds_kind() {
    let check = |e: io::Error, code: i32, kind: io::ErrorKind| {
        assert_eq!(e.raw_os_error(), Some(code), "{e}");
        assert_eq!(e.kind(), kind, "{e}");
    };
    // Nobody listens on a port that a bound, non-listening socket holds.
    let holder = tcp_socket();
    holder.bind_addr(&loopback_v4(0)).unwrap();
    let refused = tcp_socket()
        .connect(&holder.local_addr().unwrap())
        .unwrap_err();
    check(
        refused,
        ws::WSAECONNREFUSED,
        io::ErrorKind::ConnectionRefused,
    );

    let taken = tcp_socket();
    check(
        taken.bind_addr(&holder.local_addr().unwrap()).unwrap_err(),
        ws::WSAEADDRINUSE,
        io::ErrorKind::AddrInUse,
    );
    // No interface has this documentation address: binding sends nothing.
    check(
        tcp_socket()
            .bind_addr(&SockAddr::from(SocketAddr::from(([192, 0, 2, 1], 0))))
            .unwrap_err(),
        ws::WSAEADDRNOTAVAIL,
        io::ErrorKind::AddrNotAvailable,
    );
    check(
        tcp_socket().peer_addr().unwrap_err(),
        ws::WSAENOTCONN,
        io::ErrorKind::NotConnected,
    );
    // Windows answers WSAEOPNOTSUPP, Wine 8 WSAEINVAL: either keeps its
    // code and std's kind for it.
    let udp = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let e = udp.listen(1).unwrap_err();
    match e.raw_os_error() {
        Some(ws::WSAEOPNOTSUPP) => assert_eq!(e.kind(), io::ErrorKind::Unsupported),
        Some(ws::WSAEINVAL) => assert_eq!(e.kind(), io::ErrorKind::InvalidInput),
        _ => panic!("listen on UDP: {e}"),
    }
    let e = new_native_socket_raw(9999, SockType::Stream.to_int(), 0).unwrap_err();
    assert!(e.to_string().contains("domain 9999"), "{e}");
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::Unsupported | io::ErrorKind::InvalidInput
        ),
        "{e}"
    );
}

#[test]
fn a_vanished_peer_is_a_reset_not_a_crash() {
    let (client, server) = handle_tcp_pair();
    server.set_linger(Some(Duration::ZERO)).unwrap();
    drop(server);
    let mut last = None;
    for _ in 0..100 {
        match client.send(&[0u8; 1024]) {
            Ok(_) => thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    let e = last.expect("sending to a reset connection kept succeeding");
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
        ),
        "{e}"
    );
}

// ---- receiving as on Unix ----

#[test]
fn a_shut_down_reading_side_reads_as_end_of_stream() {
    let (client, server) = handle_tcp_pair();
    server.shutdown(Shutdown::Read).unwrap();
    let mut buf = [0u8; 4];
    // Winsock says WSAESHUTDOWN; Unix (and std on Windows) say 0.
    assert_eq!(server.recv(&mut buf).unwrap(), 0);
    drop(client);
}

#[test]
fn a_datagram_longer_than_the_buffer_is_cut_as_on_unix() {
    let a = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    a.bind_addr(&loopback_v4(0)).unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    b.send_to(
        b"0123456789",
        a.local_addr().unwrap().as_socket_addr().unwrap(),
    )
    .unwrap();
    b.send_to(
        b"abcdefghij",
        a.local_addr().unwrap().as_socket_addr().unwrap(),
    )
    .unwrap();
    let mut buf = [0u8; 4];
    // Winsock says WSAEMSGSIZE and fills the buffer; Unix returns the
    // truncated length.
    let (n, from) = a.recv_from(&mut buf).unwrap();
    assert_eq!((n, &buf), (4, b"0123"));
    assert_eq!(from.as_socket_addr(), Some(b.local_addr().unwrap()));
    assert_eq!(a.recv(&mut buf).unwrap(), 4);
    assert_eq!(&buf, b"abcd");
}

#[test]
fn an_unbound_socket_reports_the_unspecified_address_as_on_unix() {
    // Winsock's getsockname fails with WSAEINVAL here.
    let v4 = tcp_socket();
    assert_eq!(
        get_local_addr(&v4).unwrap(),
        ("0.0.0.0".to_string(), Port(0))
    );
    let v6 = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    assert_eq!(get_local_addr(&v6).unwrap(), ("::".to_string(), Port(0)));
    assert_eq!(get_sock_domain(&v6).unwrap(), Domain::Inet6);
}

// ---- names ----

#[test]
fn services_come_from_the_system_directorys_services_file() {
    let file = ServicesFile::system();
    let root = std::env::var("SystemRoot").unwrap();
    let expected = format!(r"{root}\System32\drivers\etc\services");
    assert_eq!(
        file.path().to_string_lossy().to_lowercase(),
        expected.to_lowercase()
    );
    assert!(file.path().is_file(), "{}", file.path().display());
    assert!(!file.uses_embedded());
    // In Windows' services file (and Wine's copy), not in Debian's that the
    // embedded table follows: the answer can only come from the file.
    assert!(ServicesDb::embedded()
        .by_name("directplay8", "tcp")
        .is_none());
    let s = get_serv_by_name("directplay8", "tcp").unwrap();
    assert_eq!((s.port, s.proto.as_str()), (Port(6073), "tcp"));
    assert_eq!(
        get_serv_by_port(Port(6073), "udp").unwrap().name,
        "directplay8"
    );
}

// ---- options ----

#[test]
fn boolean_options_read_as_zero_or_one() {
    // Winsock may write one byte of a boolean option where four were
    // asked for; the rest must not show up as garbage.
    let s = tcp_socket();
    let v6 = new_native_socket(Domain::Inet6, SockType::Stream, Protocol::Tcp).unwrap();
    for on in [true, false, true] {
        s.set_nodelay(on).unwrap();
        s.set_keepalive(on).unwrap();
        v6.set_only_v6(on).unwrap();
        let want = i32::from(on);
        assert_eq!(
            get_sock_opt_int(&s, IPPROTO_TCP, TCP_NODELAY).unwrap(),
            want
        );
        assert_eq!(
            get_sock_opt_int(&s, SOL_SOCKET, SO_KEEPALIVE).unwrap(),
            want
        );
        assert_eq!(
            get_sock_opt_int(&v6, IPPROTO_IPV6, IPV6_V6ONLY).unwrap(),
            want
        );
        assert_eq!(
            (
                s.nodelay().unwrap(),
                s.keepalive().unwrap(),
                v6.only_v6().unwrap()
            ),
            (on, on, on)
        );
    }
}

#[test]
fn timeouts_are_milliseconds_and_linger_whole_seconds() {
    let s = tcp_socket();
    assert_eq!(s.read_timeout().unwrap(), None);
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    assert_eq!(s.read_timeout().unwrap(), Some(Duration::from_millis(1500)));
    // Rounded up to a whole millisecond, never down to "no timeout".
    s.set_write_timeout(Some(Duration::from_nanos(1))).unwrap();
    assert_eq!(s.write_timeout().unwrap(), Some(Duration::from_millis(1)));
    s.set_write_timeout(None).unwrap();
    assert_eq!(s.write_timeout().unwrap(), None);

    s.set_linger(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(5)));
    // LINGER holds a u_short: longer is clamped, not wrapped.
    s.set_linger(Some(Duration::from_secs(100_000))).unwrap();
    assert_eq!(s.linger().unwrap(), Some(Duration::from_secs(65_535)));
    s.set_linger(None).unwrap();
    assert_eq!(s.linger().unwrap(), None);
}

#[test]
fn exclusive_address_use_keeps_a_port_from_being_taken() {
    let owner = tcp_socket();
    owner.set_exclusive_address_use(true).unwrap();
    assert!(owner.exclusive_address_use().unwrap());
    assert_eq!(
        get_sock_opt_int(&owner, SOL_SOCKET, SO_EXCLUSIVEADDRUSE).unwrap(),
        1
    );
    owner.bind_addr(&loopback_v4(0)).unwrap();
    owner.listen(1).unwrap();
    let addr = owner.local_addr().unwrap();

    let thief = tcp_socket();
    thief.set_reuse_address(true).unwrap();
    let e = thief.bind_addr(&addr).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::PermissionDenied | io::ErrorKind::AddrInUse
        ),
        "{e}"
    );
    // Both options at once are refused by Winsock.
    let both = tcp_socket();
    both.set_reuse_address(true).unwrap();
    assert!(both.set_exclusive_address_use(true).is_err());
}

#[test]
fn without_either_option_a_bound_port_is_in_use() {
    let owner = tcp_socket();
    owner.bind_addr(&loopback_v4(0)).unwrap();
    owner.listen(1).unwrap();
    let e = tcp_socket()
        .bind_addr(&owner.local_addr().unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AddrInUse, "{e}");
    assert!(!owner.exclusive_address_use().unwrap());
}

// ---- inheritance ----

#[test]
fn sockets_are_not_inherited_unless_asked() {
    if let Some(role) = child_role() {
        // The parent passes its handle's number: does this process have a
        // handle with that number? (Handles keep their numbers when
        // inherited. The kernel's handle table is asked, not Winsock:
        // Wine 8 does not treat an inherited socket handle as a socket.)
        let (kind, raw) = role.split_once(':').unwrap();
        let raw: usize = raw.parse().unwrap();
        let mut flags = 0u32;
        // SAFETY: any number may be passed; the call only reads the
        // handle table and fails for a number that is no handle.
        let present = unsafe { GetHandleInformation(raw as HANDLE, &mut flags) } != 0;
        println!("{kind}: {}", if present { "inherited" } else { "absent" });
        return;
    }
    let created = tcp_socket();
    let (client, accepted) = handle_tcp_pair();
    let cloned = client.try_clone().unwrap();
    for s in [&created, &client, &accepted, &cloned] {
        assert!(!s.is_inheritable().unwrap());
    }
    let inheritable = tcp_socket();
    inheritable.set_inheritable(true).unwrap();
    assert!(inheritable.is_inheritable().unwrap());

    let name = "sockets_are_not_inherited_unless_asked";
    for (kind, s, expect) in [
        ("created", &created, "absent"),
        ("accepted", &accepted, "absent"),
        ("cloned", &cloned, "absent"),
        ("inheritable", &inheritable, "inherited"),
    ] {
        let out = run_child(name, &format!("{kind}:{}", s.as_raw()));
        assert!(out.contains(&format!("{kind}: {expect}")), "{out}");
    }
    inheritable.set_inheritable(false).unwrap();
    assert!(!inheritable.is_inheritable().unwrap());
}

#[test]
fn a_clone_is_the_same_socket() {
    let (client, server) = handle_tcp_pair();
    let clone = client.try_clone().unwrap();
    assert_ne!(clone.as_raw(), client.as_raw());
    drop(client);
    (&clone).write_all(b"via clone").unwrap();
    let mut buf = [0u8; 9];
    (&server).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"via clone");
}

// ---- select past 64 handles ----

#[test]
fn select_reads_past_the_64_handles_of_an_fd_set() {
    let sockets: Vec<UdpSocket> = (0..200)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let chosen = [3, 64, 65, 130, 199];
    for &i in &chosen {
        sender
            .send_to(&[i as u8], sockets[i].local_addr().unwrap())
            .unwrap();
    }
    // Wait until all five have arrived (each select may see a subset).
    let mut seen = Vec::new();
    for _ in 0..100 {
        let mut ready: Vec<&UdpSocket> = sockets.iter().collect();
        select(&mut ready, PATIENCE_MS).unwrap();
        seen = ready
            .iter()
            .map(|s| sockets.iter().position(|t| std::ptr::eq(t, *s)).unwrap())
            .collect();
        if seen.len() == chosen.len() {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(seen, chosen, "ready handles, in input order");
}

#[test]
fn select_write_reports_all_of_200_handles() {
    let sockets: Vec<SocketHandle> = (0..200)
        .map(|_| {
            let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
            s.bind_addr(&loopback_v4(0)).unwrap();
            s
        })
        .collect();
    let mut ready: Vec<&SocketHandle> = sockets.iter().collect();
    assert_eq!(select_write(&mut ready, PATIENCE_MS).unwrap(), 200);
    assert!(ready.iter().zip(&sockets).all(|(a, b)| std::ptr::eq(*a, b)));
}

#[test]
fn a_failed_nonblocking_connect_is_reported_ready_to_write() {
    // Reported through exceptfds, which WSAPoll before Windows 10 2004
    // would have missed.
    let holder = tcp_socket();
    holder.bind_addr(&loopback_v4(0)).unwrap();
    let mut others: Vec<SocketHandle> = (0..70).map(|_| tcp_socket()).collect();
    let s = tcp_socket();
    s.set_blocking(false).unwrap();
    let e = s.connect(&holder.local_addr().unwrap()).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::WouldBlock, "{e}");
    // Unconnected sockets are never writable: only `s` can be ready.
    let mut handles: Vec<&SocketHandle> = others.iter().collect();
    handles.push(&s);
    assert_eq!(select_write(&mut handles, PATIENCE_MS).unwrap(), 1);
    assert_eq!(handles[0].as_raw(), s.as_raw());
    let err = s.take_error().unwrap().expect("the connect's error");
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    others.clear();
}

// ---- AF_UNIX ----

#[test]
fn unix_domain_sockets_work_or_are_plainly_unsupported() {
    match new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip) {
        Ok(listener) => {
            // Windows 10 1803 and later.
            let path = std::env::temp_dir().join(format!("ns-win-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            let addr = SockAddr::unix(&path).unwrap();
            listener.bind_addr(&addr).unwrap();
            listener.listen(1).unwrap();
            let client = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
            client.connect(&addr).unwrap();
            let (server, _) = listener.accept().unwrap();
            client.send(b"unix").unwrap();
            let mut buf = [0u8; 4];
            (&server).read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"unix");
            drop((listener, client, server));
            let _ = std::fs::remove_file(&path);
        }
        Err(e) => {
            // Older Windows, and Wine 8.
            assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}");
            assert!(e.to_string().contains("Unix-domain"), "{e}");
        }
    }
    // Windows has no datagram or seqpacket Unix-domain sockets at all.
    for ty in [SockType::Dgram, SockType::SeqPacket] {
        let e = new_native_socket(Domain::Unix, ty, Protocol::Ip).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{ty:?}: {e}");
    }
    assert_eq!(
        SockAddr::unix_abstract(b"name").unwrap_err().kind(),
        io::ErrorKind::Unsupported
    );
}

// ---- conversions ----

#[test]
fn std_sockets_move_in_and_out_through_windows_handles() {
    use std::os::windows::io::{FromRawSocket, IntoRawSocket, OwnedSocket};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let raw = listener.as_raw_socket();
    let handle = SocketHandle::from(listener);
    assert_eq!(handle.as_raw(), raw);
    let owned = OwnedSocket::from(handle);
    let handle = SocketHandle::from(owned);
    let raw = handle.into_raw_socket();
    // SAFETY: `raw` was just given up by its owner.
    let handle = unsafe { SocketHandle::from_raw_socket(raw) };
    let listener = TcpListener::from(handle);
    let client = TcpStream::connect(addr).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    assert_eq!(accepted.peer_addr().unwrap(), client.local_addr().unwrap());
}
