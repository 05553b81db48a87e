//! The errors of `Poller`, of the batch calls and of `send_msg`/`recv_msg`
//! say which call failed,
//! on which socket (and key, or transmit), and why; they keep the kind,
//! and the OS error as their `source()`; and the errors a non-blocking
//! loop meets all the time (`WouldBlock`) stay raw.

use std::error::Error;
use std::io;
use std::net::UdpSocket;

use nativesockets::*;

/// The OS error an error wraps, as `source()` gives it.
fn os_source(err: &io::Error) -> &io::Error {
    err.source()
        .and_then(|s| s.downcast_ref::<io::Error>())
        .unwrap_or_else(|| panic!("no io::Error source in {err:?}"))
}

fn udp() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").unwrap()
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn adding_a_registered_socket_names_the_call_the_socket_and_the_key() {
    let p = Poller::new().unwrap();
    let s = udp();
    p.add(&s, 3, Interest::READABLE).unwrap();
    let err = p.add(&s, 3, Interest::READABLE).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let head = format!(
        "Poller::add(socket {}, key 3): socket already registered",
        s.raw_socket()
    );
    assert!(err.to_string().starts_with(&head), "{err}");
    let os = os_source(&err);
    assert_eq!(os.kind(), io::ErrorKind::AlreadyExists);
    #[cfg(all(target_os = "linux", not(nativesockets_poll_backend)))]
    {
        assert_eq!(os.raw_os_error(), Some(libc::EEXIST));
        assert_eq!(
            err.to_string(),
            format!("{head} (os error {})", libc::EEXIST)
        );
    }

    let err = p
        .add_with_mode(&s, 4, Interest::WRITABLE, PollMode::Oneshot)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    let head = format!(
        "Poller::add_with_mode(socket {}, key 4, Oneshot): socket already registered",
        s.raw_socket()
    );
    assert!(err.to_string().starts_with(&head), "{err}");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn modifying_or_deleting_an_unregistered_socket_says_it_is_not_registered() {
    let p = Poller::new().unwrap();
    let s = udp();
    let raw = s.raw_socket();

    let err = p.delete(&s).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let head = format!("Poller::delete(socket {raw}): socket not registered");
    assert!(err.to_string().starts_with(&head), "{err}");
    // Not the OS's "No such file or directory", which reads as a path.
    assert!(!err.to_string().contains("file or directory"), "{err}");
    assert_eq!(os_source(&err).kind(), io::ErrorKind::NotFound);
    #[cfg(all(target_os = "linux", not(nativesockets_poll_backend)))]
    assert_eq!(os_source(&err).raw_os_error(), Some(libc::ENOENT));

    let err = p.modify(&s, 5, Interest::BOTH).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let head = format!("Poller::modify(socket {raw}, key 5): socket not registered");
    assert!(err.to_string().starts_with(&head), "{err}");

    let err = p
        .modify_with_mode(&s, 6, Interest::READABLE, PollMode::Level)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let head =
        format!("Poller::modify_with_mode(socket {raw}, key 6, Level): socket not registered");
    assert!(err.to_string().starts_with(&head), "{err}");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn bad_input_to_a_poller_call_names_the_call_and_keeps_its_kind() {
    let p = Poller::new().unwrap();
    let s = udp();
    let err = p.add(&s, usize::MAX, Interest::READABLE).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let head = format!(
        "Poller::add(socket {}, key {}): key",
        s.raw_socket(),
        usize::MAX
    );
    assert!(err.to_string().starts_with(&head), "{err}");
    assert!(err.to_string().contains("usize::MAX"), "{err}");
}

/// `Poller::new` out of descriptors: in a child process, whose limit can
/// be lowered without starving the other tests.
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_poller_that_cannot_be_made_says_poller_new() {
    const CHILD: &str = "NATIVESOCKETS_TEST_POLLER_NEW_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: libc::RLIM_INFINITY,
        };
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `old` is a valid rlimit to fill.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
        let lim = libc::rlimit {
            rlim_max: old.rlim_max,
            ..lim
        };
        // SAFETY: `lim` is a valid rlimit; lowering the soft limit needs
        // no privilege, and this process only runs this test.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
        let err = Poller::new().unwrap_err();
        // SAFETY: as above, back to the limit the process had.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) }, 0);
        assert!(err.to_string().starts_with("Poller::new: "), "{err}");
        assert_eq!(os_source(&err).raw_os_error(), Some(libc::EMFILE));
        println!("child checked");
        return;
    }
    let out = nativesockets_testutil::process::this_test_alone(
        "a_poller_that_cannot_be_made_says_poller_new",
    )
    .env(CHILD, "1")
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("child checked"),
        "child: {:?}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn a_batch_without_destination_on_an_unconnected_socket_says_so() {
    let tx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let err = tx.send_batch(&[Transmit::new(None, b"hi")]).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotConnected);
    let head = format!(
        "send_batch(socket {}): transmits[0] has no destination and the socket is not connected",
        tx.as_raw()
    );
    assert!(err.to_string().starts_with(&head), "{err}");
    let os = os_source(&err);
    assert!(os.raw_os_error().is_some(), "{os:?}");
    #[cfg(target_os = "linux")]
    {
        assert_eq!(os.raw_os_error(), Some(libc::EDESTADDRREQ));
        assert_eq!(
            err.to_string(),
            format!("{head} (os error {})", libc::EDESTADDRREQ)
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn a_failed_batch_send_names_the_transmit_and_its_destination() {
    let tx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    // An IPv6 destination on an IPv4 socket: the OS refuses it.
    let v6: SockAddr = SockAddr::from((std::net::Ipv6Addr::LOCALHOST, 9));
    let err = tx
        .send_batch(&[Transmit::new(Some(&v6), b"hi")])
        .unwrap_err();
    let head = format!(
        "send_batch(socket {}): transmits[0] to [::1]:9: ",
        tx.as_raw()
    );
    assert!(err.to_string().starts_with(&head), "{err}");
    let os = os_source(&err);
    assert_eq!(err.kind(), os.kind());
    assert!(os.raw_os_error().is_some(), "{os:?}");

    // Bad input, found before anything is sent, names its transmit too.
    let dest = SockAddr::from(udp().local_addr().unwrap());
    let mut bad = Transmit::new(Some(&dest), b"hello");
    bad.segment_size = Some(0);
    let err = tx
        .send_batch(&[Transmit::new(Some(&dest), b"ok"), bad])
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let head = format!(
        "send_batch(socket {}): transmits[1] to {dest}: segment size 0",
        tx.as_raw()
    );
    assert!(err.to_string().starts_with(&head), "{err}");
}

#[test]
#[cfg_attr(miri, ignore = "UDP and TCP, which Miri does not emulate")]
fn a_failed_batch_receive_names_the_call_and_the_socket() {
    // A TCP socket that was never connected: nothing to receive from.
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let mut buf = [0u8; 64];
    let mut meta = [RecvMeta::default()];
    let err = s
        .recv_batch(&mut [io::IoSliceMut::new(&mut buf)], &mut meta)
        .unwrap_err();
    let head = format!("recv_batch(socket {}): ", s.as_raw());
    assert!(err.to_string().starts_with(&head), "{err}");
    assert_eq!(err.kind(), os_source(&err).kind());
    #[cfg(target_os = "linux")]
    {
        assert_eq!(err.kind(), io::ErrorKind::NotConnected);
        assert_eq!(os_source(&err).raw_os_error(), Some(libc::ENOTCONN));
    }

    // Too few metas: bad input, named with the call.
    let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let (mut a, mut b) = ([0u8; 8], [0u8; 8]);
    let err = rx
        .recv_batch(
            &mut [io::IoSliceMut::new(&mut a), io::IoSliceMut::new(&mut b)],
            &mut [RecvMeta::default()],
        )
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let head = format!("recv_batch(socket {}): batch receive", rx.as_raw());
    assert!(err.to_string().starts_with(&head), "{err}");
}

/// `WouldBlock` is what a non-blocking loop meets at every turn: it stays
/// the OS's error, code included, with no message built for it.
#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn would_block_from_a_batch_receive_stays_the_raw_os_error() {
    let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    rx.bind_addr(&"127.0.0.1:0".parse::<SockAddr>().unwrap())
        .unwrap();
    rx.set_blocking(false).unwrap();
    let mut buf = [0u8; 64];
    let err = rx
        .recv_batch(
            &mut [io::IoSliceMut::new(&mut buf)],
            &mut [RecvMeta::default()],
        )
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert!(err.raw_os_error().is_some(), "{err:?}");
    let mut buffers = RecvBuffers::new(4, 64).unwrap();
    let err = rx
        .recv_batch_into(&mut buffers, &mut [(); 4].map(|_| RecvMeta::default()))
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert!(err.raw_os_error().is_some(), "{err:?}");
}

#[test]
#[cfg_attr(miri, ignore = "UDP and TCP, which Miri does not emulate")]
fn message_calls_name_the_call_the_socket_and_the_destination() {
    use std::io::{IoSlice, IoSliceMut};
    // No destination on an unconnected datagram socket.
    let tx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let err = tx
        .send_msg(None, &[IoSlice::new(b"hi")], &[], 0)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotConnected);
    let head = format!(
        "send_msg(socket {}): no destination and the socket is not connected",
        tx.as_raw()
    );
    assert!(err.to_string().starts_with(&head), "{err}");
    assert!(os_source(&err).raw_os_error().is_some());

    // A destination the socket cannot reach: named.
    let v6 = SockAddr::from((std::net::Ipv6Addr::LOCALHOST, 9));
    let err = tx
        .send_msg(Some(&v6), &[IoSlice::new(b"hi")], &[], 0)
        .unwrap_err();
    let head = format!("send_msg(socket {}) to [::1]:9: ", tx.as_raw());
    assert!(err.to_string().starts_with(&head), "{err}");
    assert_eq!(err.kind(), os_source(&err).kind());

    // A receive on a TCP socket that never connected.
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let mut buf = [0u8; 8];
    let err = s
        .recv_msg(&mut [IoSliceMut::new(&mut buf)], &mut [], 0)
        .unwrap_err();
    let head = format!("recv_msg(socket {}): ", s.as_raw());
    assert!(err.to_string().starts_with(&head), "{err}");

    // WouldBlock stays raw.
    let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    rx.bind_addr(&"127.0.0.1:0".parse::<SockAddr>().unwrap())
        .unwrap();
    rx.set_blocking(false).unwrap();
    let err = rx
        .recv_msg(&mut [IoSliceMut::new(&mut buf)], &mut [], 0)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    assert!(err.raw_os_error().is_some(), "{err:?}");
}
