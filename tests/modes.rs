//! What a socket can tell about itself: whether it is in non-blocking
//! mode (`is_nonblocking`) and which protocol it speaks (`protocol`), read
//! back from the OS on TCP, UDP, Unix-domain, accepted and raw sockets.

#[cfg(any(windows, target_vendor = "apple"))]
use std::io;
#[cfg(unix)]
use std::net::UdpSocket;
#[cfg(unix)]
use std::time::Duration;

use nativesockets::*;

mod common;
#[cfg(unix)]
use common::tcp_listener;
use common::{handle_tcp_pair_on as tcp_pair, loopback_v4 as v4};

/// Reads the mode after each step of a blocking -> non-blocking -> blocking
/// round trip, through the method and the Nim-named free function.
#[cfg(unix)]
fn assert_mode_round_trips(s: &SocketHandle, what: &str) {
    assert!(!s.is_nonblocking().unwrap(), "{what}: starts blocking");
    set_blocking(s, false).unwrap();
    assert!(
        s.is_nonblocking().unwrap(),
        "{what}: after set_blocking(false)"
    );
    s.set_blocking(true).unwrap();
    assert!(
        !s.is_nonblocking().unwrap(),
        "{what}: after set_blocking(true)"
    );
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_DOMAIN), which Miri does not emulate")]
fn blocking_mode_reads_back_as_set_on_tcp_udp_unix_and_accepted_sockets() {
    let tcp = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    assert_mode_round_trips(&tcp, "TCP");
    let udp = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    assert_mode_round_trips(&udp, "UDP");
    for ty in [SockType::Stream, SockType::Dgram] {
        let unix = new_native_socket(Domain::Unix, ty, Protocol::Ip).unwrap();
        assert_mode_round_trips(&unix, &format!("Unix {ty:?}"));
    }
    let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    assert_mode_round_trips(&a, "Unix pair, first");
    assert_mode_round_trips(&b, "Unix pair, second");
    let (client, accepted) = tcp_pair(v4(0));
    assert_mode_round_trips(&accepted, "accepted TCP");
    assert_mode_round_trips(&client, "connected TCP");
    // A borrowed std socket reads its own mode, set by std.
    let std_socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    std_socket.set_nonblocking(true).unwrap();
    assert!(SocketRef::from(&std_socket).is_nonblocking().unwrap());
    // connect_timeout restores the mode it found, as is_nonblocking sees.
    let listener = tcp_listener(v4(0));
    let nb = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    nb.set_blocking(false).unwrap();
    nb.connect_timeout(&listener.local_addr().unwrap(), Duration::from_secs(5))
        .unwrap();
    assert!(nb.is_nonblocking().unwrap());
}

#[cfg(windows)]
#[test]
fn blocking_mode_cannot_be_read_on_windows_and_says_why() {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let err = s.is_nonblocking().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("FIONBIO"), "{err}");
}

#[cfg(not(target_vendor = "apple"))]
#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_PROTOCOL), which Miri does not emulate")]
fn protocol_reads_back_tcp_udp_unix_and_raw_sockets() {
    for domain in [Domain::Inet, Domain::Inet6] {
        let tcp = new_native_socket(domain, SockType::Stream, Protocol::Tcp).unwrap();
        assert_eq!(tcp.protocol().unwrap(), Some(Protocol::Tcp), "{domain:?}");
        let udp = new_native_socket(domain, SockType::Dgram, Protocol::Udp).unwrap();
        assert_eq!(udp.protocol().unwrap(), Some(Protocol::Udp), "{domain:?}");
    }
    let (client, accepted) = tcp_pair(v4(0));
    assert_eq!(client.protocol().unwrap(), Some(Protocol::Tcp));
    assert_eq!(accepted.protocol().unwrap(), Some(Protocol::Tcp));
    let (a, b) = pair(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    assert_eq!(a.protocol().unwrap(), Some(Protocol::Udp));
    assert_eq!(b.protocol().unwrap(), Some(Protocol::Udp));
    // The kernel reports the protocol it picked for "the default" (0).
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        let tcp0 = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Ip).unwrap();
        assert_eq!(tcp0.protocol().unwrap(), Some(Protocol::Tcp));
        let udp0 = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Ip).unwrap();
        assert_eq!(udp0.protocol().unwrap(), Some(Protocol::Udp));
    }
    // A Unix-domain socket has one protocol, 0.
    #[cfg(unix)]
    for ty in [SockType::Stream, SockType::Dgram] {
        let unix = new_native_socket(Domain::Unix, ty, Protocol::Ip).unwrap();
        assert_eq!(unix.protocol().unwrap(), Some(Protocol::Ip), "{ty:?}");
    }
    // Raw ICMP where this process may make it (root, CAP_NET_RAW or an
    // Administrator); else an unprivileged ICMP "ping" socket where the
    // system allows one; else nothing to read.
    let icmp = new_native_socket(Domain::Inet, SockType::Raw, Protocol::Icmp)
        .or_else(|_| new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Icmp));
    match icmp {
        Ok(s) => assert_eq!(s.protocol().unwrap(), Some(Protocol::Icmp)),
        Err(e) => eprintln!("no ICMP socket here ({e}); its protocol is not read"),
    }
}

/// A protocol number the enum does not name is `Ok(None)`, not an error.
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "getsockopt(SO_PROTOCOL), which Miri does not emulate")]
fn protocol_the_enum_does_not_name_is_none() {
    match new_native_socket_raw(libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_UDPLITE) {
        Ok(s) => assert_eq!(s.protocol().unwrap(), None),
        Err(e) => eprintln!("no UDP-Lite in this kernel ({e}); nothing to read"),
    }
}

#[cfg(target_vendor = "apple")]
#[test]
fn protocol_is_unsupported_on_apple_naming_option_and_platform() {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let err = s.protocol().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("SO_PROTOCOL"), "{err}");
    assert!(err.to_string().contains("macos"), "{err}");
}
