//! A server at the descriptor limit: what `accept` reports there
//! (`is_resource_exhausted`, told apart from one client lost before it was
//! taken, `is_lost_before_accept`), that the listener stays readable (so a
//! readiness loop must stop waiting on it), and that the waiting client is
//! accepted once a descriptor is free.
//!
//! The limit is lowered in a child process (the test binary run again,
//! alone), so the other tests of the binary keep theirs.

use std::io;

use nativesockets::{is_lost_before_accept, is_resource_exhausted};

#[test]
fn accept_errors_are_told_apart_the_limit_from_one_lost_client() {
    assert!(is_resource_exhausted(&io::Error::from(
        io::ErrorKind::OutOfMemory
    )));
    for kind in [
        io::ErrorKind::WouldBlock,
        io::ErrorKind::ConnectionAborted,
        io::ErrorKind::ConnectionReset,
        io::ErrorKind::PermissionDenied,
        io::ErrorKind::Other,
    ] {
        assert!(!is_resource_exhausted(&io::Error::from(kind)), "{kind:?}");
    }
    #[cfg(unix)]
    {
        for code in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
            let e = io::Error::from_raw_os_error(code);
            assert!(is_resource_exhausted(&e), "{e}");
            // Kept as the source of an error that names its call, as the
            // crate's Poller and message errors do.
            let wrapped = io::Error::new(e.kind(), WithSource("accept(socket 3)", e));
            assert!(is_resource_exhausted(&wrapped), "{wrapped}");
        }
        for code in [
            libc::ECONNABORTED,
            libc::ECONNRESET,
            libc::EPROTO,
            libc::EPERM,
        ] {
            let e = io::Error::from_raw_os_error(code);
            assert!(!is_resource_exhausted(&e), "{e}");
            assert!(is_lost_before_accept(&e), "{e}");
            let wrapped = io::Error::new(e.kind(), WithSource("accept(socket 3)", e));
            assert!(is_lost_before_accept(&wrapped), "{wrapped}");
        }
        // The listener's own errors, and the limit, are not one client's.
        for code in [libc::EBADF, libc::EINVAL, libc::ENOTSOCK, libc::EMFILE] {
            let e = io::Error::from_raw_os_error(code);
            assert!(!is_lost_before_accept(&e), "{e}");
        }
        // What the accept docs promise: std gives EMFILE no kind to match.
        let emfile = io::Error::from_raw_os_error(libc::EMFILE);
        assert_ne!(emfile.kind(), io::ErrorKind::Other);
        assert_ne!(emfile.kind(), io::ErrorKind::WouldBlock);
    }
    #[cfg(windows)]
    {
        // WSAEMFILE, WSAENOBUFS; then WSAECONNRESET, WSAECONNABORTED.
        for code in [10024, 10055] {
            let e = io::Error::from_raw_os_error(code);
            assert!(
                is_resource_exhausted(&e) && !is_lost_before_accept(&e),
                "{e}"
            );
            let wrapped = io::Error::new(e.kind(), WithSource("accept(socket 3)", e));
            assert!(is_resource_exhausted(&wrapped), "{wrapped}");
        }
        for code in [10054, 10053] {
            let e = io::Error::from_raw_os_error(code);
            assert!(
                is_lost_before_accept(&e) && !is_resource_exhausted(&e),
                "{e}"
            );
            let wrapped = io::Error::new(e.kind(), WithSource("accept(socket 3)", e));
            assert!(is_lost_before_accept(&wrapped), "{wrapped}");
        }
    }
}

#[derive(Debug)]
struct WithSource(&'static str, io::Error);

impl std::fmt::Display for WithSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0, self.1)
    }
}

impl std::error::Error for WithSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.1)
    }
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "spawns a child process, which Miri cannot")]
fn accept_at_the_descriptor_limit_leaves_the_listener_readable_and_the_client_waiting() {
    use nativesockets_testutil::process;

    const CHILD: &str = "NATIVESOCKETS_LIMITS_CHILD";
    if std::env::var_os(CHILD).is_some() {
        at_the_limit();
        println!("child done");
        return;
    }
    let out = process::this_test_alone(
        "accept_at_the_descriptor_limit_leaves_the_listener_readable_and_the_client_waiting",
    )
    .env(CHILD, "1")
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("child done"),
        "child failed: {:?}\n{stdout}\n{stderr}",
        out.status
    );
}

/// In the child: fills the descriptor table, then accepts.
#[cfg(unix)]
fn at_the_limit() {
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    use nativesockets::{
        select_read, Domain, Events, Interest, Poller, Protocol, SockAddr, SockType, SocketHandle,
    };

    let listener = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    listener
        .bind_addr(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))
        .unwrap();
    listener.listen(16).unwrap();
    listener.set_blocking(false).unwrap();
    let poller = Poller::new().unwrap();
    poller.add(&listener, 0, Interest::READABLE).unwrap();
    let addr = listener.local_addr().unwrap().as_socket_addr().unwrap();
    let client = TcpStream::connect(addr).unwrap();

    // A limit just above what is open now, then every slot taken.
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to fill.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let open = std::fs::read_dir("/dev/fd").map_or(64, |d| d.count()) as libc::rlim_t;
    lim.rlim_cur = (open + 16).min(lim.rlim_max);
    // SAFETY: `lim` is a valid rlimit; lowering the soft limit needs no
    // privilege.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    let mut filler = Vec::new();
    loop {
        match SocketHandle::new(Domain::Inet, SockType::Dgram, Protocol::Udp) {
            Ok(s) => filler.push(s),
            Err(e) => {
                assert!(is_resource_exhausted(&e), "socket: {e}");
                break;
            }
        }
        assert!(filler.len() < 4096, "the limit did not hold");
    }

    let err = listener.accept().unwrap_err();
    assert!(is_resource_exhausted(&err), "accept: {err}");
    assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");

    // The client still waits in the queue: the listener stays readable,
    // at every wait, so a loop that only waits again spins.
    let mut events = Events::with_capacity(4);
    for _ in 0..3 {
        let n = poller
            .wait(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(n, 1, "the listener is readable");
        assert!(events.iter().next().unwrap().readable);
        assert!(listener.accept().is_err());
    }
    assert_eq!(
        select_read(&mut vec![&listener], 0).ok(),
        Some(1),
        "select sees the listener readable too"
    );

    // What a server does: stop waiting on the listener until one of its
    // descriptors is closed, then take the waiting client.
    poller.delete(&listener).unwrap();
    let n = poller
        .wait(&mut events, Some(Duration::from_millis(20)))
        .unwrap();
    assert_eq!(n, 0, "nothing wakes the loop while the listener is out");
    filler.pop();
    poller.add(&listener, 0, Interest::READABLE).unwrap();
    assert_eq!(
        poller
            .wait(&mut events, Some(Duration::from_secs(5)))
            .unwrap(),
        1
    );
    let (conn, peer) = listener
        .accept()
        .expect("accepted once a descriptor is free");
    assert_eq!(peer.as_socket_addr(), Some(client.local_addr().unwrap()));
    conn.send(b"ok").unwrap();
    let mut buf = [0u8; 2];
    io::Read::read_exact(&mut &client, &mut buf).unwrap();
    assert_eq!(&buf, b"ok");
}
