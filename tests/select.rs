//! Readiness on real loopback sockets: `select`, `select_read`,
//! `select_write` and `SocketHandle::connect_timeout`.
//!
//! Every wait has a timeout, or runs under `bounded`, so a broken build
//! fails instead of hanging.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::*;
use nativesockets_testutil::threads::bounded;

mod common;
use common::{loopback_v4, refusing_port, std_tcp_pair};

/// Long enough for anything on loopback to happen, short enough that a
/// broken build fails in reasonable time.
const PATIENCE_MS: i32 = 10_000;

fn raw_of<H: AsSocketHandle>(handles: &[H]) -> Vec<RawSocketHandle> {
    handles.iter().map(|h| h.raw_socket()).collect()
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn listener_with_a_pending_connection_is_ready_to_read() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut idle = vec![&listener];
    assert_eq!(select(&mut idle, 0).unwrap(), 0);
    assert!(idle.is_empty());

    let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut ready = vec![&listener];
    assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
    assert_eq!(ready[0].raw_socket(), listener.raw_socket());
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_ok(), "ready, so accept must not block");
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn waiting_data_makes_a_socket_ready_to_read() {
    let (mut client, server) = std_tcp_pair();
    let mut idle = vec![&server];
    assert_eq!(select(&mut idle, 0).unwrap(), 0);

    client.write_all(b"x").unwrap();
    let mut ready = vec![&server];
    assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
    // select_read is the same call under newer Nim's name.
    let mut ready = vec![&server];
    assert_eq!(select_read(&mut ready, PATIENCE_MS).unwrap(), 1);
    let mut buf = [0u8; 4];
    assert_eq!((&server).read(&mut buf).unwrap(), 1);
    let mut drained = vec![&server];
    assert_eq!(select(&mut drained, 0).unwrap(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn end_of_stream_makes_a_socket_ready_to_read() {
    let (client, server) = std_tcp_pair();
    client.shutdown(Shutdown::Write).unwrap();
    let mut ready = vec![&server];
    assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
    let mut buf = [0u8; 4];
    assert_eq!((&server).read(&mut buf).unwrap(), 0, "end of stream");
}

#[test]
#[cfg_attr(miri, ignore = "setsockopt(SO_LINGER), which Miri does not emulate")]
fn peer_reset_makes_a_socket_ready_to_read() {
    let (client, server) = std_tcp_pair();
    // Linger 0: close sends RST instead of FIN.
    SocketRef::from(&client)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    drop(client);
    let mut ready = vec![&server];
    assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
    let mut buf = [0u8; 4];
    match (&server).read(&mut buf) {
        Err(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}"),
        // Wine reports the reset as the end of the stream; Windows itself
        // and every Unix report it as a reset.
        Ok(n) => assert!(cfg!(windows) && n == 0, "read {n} bytes after a reset"),
    }
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn datagram_makes_a_udp_socket_ready_to_read() {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut idle = vec![&a, &b];
    assert_eq!(select(&mut idle, 0).unwrap(), 0);
    a.send_to(b"d", b.local_addr().unwrap()).unwrap();
    let mut ready = vec![&a, &b];
    assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
    assert_eq!(ready[0].local_addr().unwrap(), b.local_addr().unwrap());
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn room_to_send_makes_a_socket_ready_to_write() {
    let (writer, mut reader) = std_tcp_pair();
    let mut ready = vec![&writer];
    assert_eq!(select_write(&mut ready, PATIENCE_MS).unwrap(), 1);

    // Fill the send buffer and the peer's receive buffer until a write
    // blocks and stays blocked: then the socket is not ready to write.
    SocketRef::from(&writer)
        .set_send_buffer_size(16 * 1024)
        .unwrap();
    writer.set_nonblocking(true).unwrap();
    let chunk = [7u8; 16 * 1024];
    let mut full = false;
    for _ in 0..200 {
        let mut wrote_any = false;
        for _ in 0..10_000 {
            match (&writer).write(&chunk) {
                Ok(_) => wrote_any = true,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("write: {e}"),
            }
        }
        if !wrote_any {
            full = true;
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    assert!(full, "the send buffer never filled");
    let mut blocked = vec![&writer];
    assert_eq!(select_write(&mut blocked, 0).unwrap(), 0);
    assert!(blocked.is_empty());

    // Draining the reader makes room again.
    reader
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut writable = false;
    for _ in 0..10_000 {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("read: {e}"),
        }
        let mut w = vec![&writer];
        if select_write(&mut w, 0).unwrap() == 1 {
            writable = true;
            break;
        }
    }
    assert!(writable, "draining the peer never made room");
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn finished_nonblocking_connect_is_ready_to_write() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    s.set_blocking(false).unwrap();
    if let Err(e) = s.connect(&SockAddr::from(listener.local_addr().unwrap())) {
        assert_ne!(e.kind(), io::ErrorKind::ConnectionRefused, "{e}");
    }
    let mut ready = vec![&s];
    assert_eq!(select_write(&mut ready, PATIENCE_MS).unwrap(), 1);
    assert!(s.take_error().unwrap().is_none());
    assert_eq!(
        s.peer_addr().unwrap().as_socket_addr(),
        Some(listener.local_addr().unwrap())
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getsockname(2) on a socket bound to port 0 before listen or connect, which Miri does not emulate"
)]
fn refused_nonblocking_connect_is_ready_to_write() {
    let (_guard, addr) = refusing_port();
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    s.set_blocking(false).unwrap();
    match s.connect(&addr) {
        // Most systems report the refusal later, through SO_ERROR.
        Err(e) if e.kind() != io::ErrorKind::ConnectionRefused => {
            let mut ready = vec![&s];
            assert_eq!(select_write(&mut ready, PATIENCE_MS).unwrap(), 1);
            let err = s.take_error().unwrap().expect("a refused connect's error");
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected the connect to go on in the background, got {other:?}"),
    }
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn select_keeps_ready_handles_in_order() {
    let pairs: Vec<(TcpStream, TcpStream)> = (0..6).map(|_| std_tcp_pair()).collect();
    for i in [1, 3, 4] {
        (&pairs[i].0).write_all(b"r").unwrap();
        let mut one = vec![&pairs[i].1];
        assert_eq!(select(&mut one, PATIENCE_MS).unwrap(), 1);
    }
    let mut handles: Vec<&TcpStream> = pairs.iter().map(|(_, server)| server).collect();
    assert_eq!(select(&mut handles, 0).unwrap(), 3);
    assert_eq!(
        raw_of(&handles),
        raw_of(&[&pairs[1].1, &pairs[3].1, &pairs[4].1])
    );

    // Writing: listeners are never writable, connected sockets are.
    let l1 = TcpListener::bind("127.0.0.1:0").unwrap();
    let l2 = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut mixed: Vec<SocketRef> = vec![
        SocketRef::from(&pairs[0].0),
        SocketRef::from(&l1),
        SocketRef::from(&pairs[2].0),
        SocketRef::from(&l2),
        SocketRef::from(&pairs[5].0),
    ];
    assert_eq!(select_write(&mut mixed, PATIENCE_MS).unwrap(), 3);
    assert_eq!(
        raw_of(&mixed),
        raw_of(&[&pairs[0].0, &pairs[2].0, &pairs[5].0])
    );
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn zero_timeout_polls_and_empties_the_vector() {
    let (_client, server) = std_tcp_pair();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut handles = vec![SocketRef::from(&server), SocketRef::from(&listener)];
    assert_eq!(select(&mut handles, 0).unwrap(), 0);
    assert!(handles.is_empty());
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn positive_timeout_waits_it_out_then_empties_the_vector() {
    let (_client, server) = std_tcp_pair();
    let mut handles = vec![&server];
    let start = Instant::now();
    assert_eq!(select(&mut handles, 150).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert!(handles.is_empty());
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn negative_timeout_waits_until_another_thread_makes_a_socket_ready() {
    let (client, server) = std_tcp_pair();
    let (_other_client, other_server) = std_tcp_pair();
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        (&client).write_all(b"late").unwrap();
        client
    });
    let ready = bounded(Duration::from_secs(30), move || {
        let mut handles = vec![&other_server, &server];
        let n = select(&mut handles, -1).unwrap();
        (n, raw_of(&handles), server.raw_socket())
    });
    let _client = writer.join().unwrap();
    assert_eq!(ready.0, 1);
    assert_eq!(ready.1, vec![ready.2]);
}

#[test]
fn empty_vector_sleeps_for_the_timeout() {
    let mut none: Vec<&TcpStream> = Vec::new();
    let start = Instant::now();
    assert_eq!(select(&mut none, 50).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!(select_write(&mut none, 0).unwrap(), 0);
}

#[test]
fn empty_vector_with_negative_timeout_is_an_error_not_a_hang() {
    let mut none: Vec<SocketHandle> = Vec::new();
    let err = bounded(Duration::from_secs(30), move || {
        select(&mut none, -1).unwrap_err()
    });
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("-1"), "{err}");
}

/// A handle known only by its number: the trait is implementable by hand,
/// and a wrong number must be an error, never undefined behaviour.
struct RawNumber(RawSocketHandle);

impl AsSocketHandle for RawNumber {
    fn raw_socket(&self) -> RawSocketHandle {
        self.0
    }
}

#[test]
fn invalid_socket_value_is_an_error_and_leaves_the_vector_unchanged() {
    let (mut client, server) = std_tcp_pair();
    client.write_all(b"x").unwrap();
    let mut handles = vec![RawNumber(server.raw_socket()), RawNumber(OS_INVALID_SOCKET)];
    let err = select(&mut handles, PATIENCE_MS).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains("socket handle"), "{err}");
    assert_eq!(
        raw_of(&handles),
        vec![server.raw_socket(), OS_INVALID_SOCKET]
    );
    let err = select_write(&mut handles, PATIENCE_MS).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    assert_eq!(handles.len(), 2);
}

#[test]
#[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
fn std_and_crate_types_can_be_selected() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (mut client, server) = std_tcp_pair();
    client.write_all(b"x").unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(b"d", udp.local_addr().unwrap()).unwrap();

    // Owned std values: the non-ready ones are dropped (closed).
    let connecting = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut owned: Vec<TcpListener> = vec![listener, TcpListener::bind("127.0.0.1:0").unwrap()];
    assert_eq!(select(&mut owned, PATIENCE_MS).unwrap(), 1);
    assert_eq!(owned[0].local_addr().unwrap().port(), port);
    drop(connecting);

    let mut refs: Vec<&TcpStream> = vec![&server];
    assert_eq!(select(&mut refs, PATIENCE_MS).unwrap(), 1);
    let mut udps: Vec<&UdpSocket> = vec![&udp];
    assert_eq!(select(&mut udps, PATIENCE_MS).unwrap(), 1);
    let mut boxed: Vec<Box<UdpSocket>> = vec![Box::new(udp.try_clone().unwrap())];
    assert_eq!(select(&mut boxed, PATIENCE_MS).unwrap(), 1);

    // The crate's own: owned handles, references, borrowed views.
    let handle = SocketHandle::from(server.try_clone().unwrap());
    let mut by_ref: Vec<&SocketHandle> = vec![&handle];
    assert_eq!(select(&mut by_ref, PATIENCE_MS).unwrap(), 1);
    let mut views: Vec<SocketRef> = vec![SocketRef::from(&udp)];
    assert_eq!(select(&mut views, PATIENCE_MS).unwrap(), 1);
    let mut handles: Vec<SocketHandle> = vec![handle];
    assert_eq!(select_write(&mut handles, PATIENCE_MS).unwrap(), 1);
    let mut streams: Vec<TcpStream> = vec![client];
    assert_eq!(select_write(&mut streams, PATIENCE_MS).unwrap(), 1);
}

#[test]
#[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
fn connect_timeout_connects_to_a_listening_port_and_keeps_the_blocking_mode() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = SockAddr::from(listener.local_addr().unwrap());

    let blocking = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    blocking
        .connect_timeout(&addr, Duration::from_secs(10))
        .unwrap();
    assert_eq!(blocking.peer_addr().unwrap(), addr);
    // Still blocking: a read waits, here until its own timeout.
    blocking
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut buf = [0u8; 1];
    let start = Instant::now();
    assert!(blocking.recv(&mut buf).is_err());
    assert!(start.elapsed() >= Duration::from_millis(40));

    // Windows cannot report a socket's mode, so there connect_timeout
    // leaves every socket blocking (as documented).
    #[cfg(unix)]
    {
        let nonblocking = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        nonblocking.set_blocking(false).unwrap();
        nonblocking
            .connect_timeout(&addr, Duration::from_secs(10))
            .unwrap();
        let err = nonblocking.recv(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock, "still non-blocking");
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getsockname(2) on a socket bound to port 0 before listen or connect, which Miri does not emulate"
)]
fn connect_timeout_reports_a_refused_connection() {
    let (_guard, addr) = refusing_port();
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let err = s
        .connect_timeout(&addr, Duration::from_secs(10))
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    assert!(err.raw_os_error().is_some(), "the OS code is kept: {err:?}");
}

#[test]
fn connect_timeout_rejects_a_zero_timeout() {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let err = s
        .connect_timeout(&loopback_v4(9), Duration::ZERO)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("timeout"), "{err}");
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::os::unix::net::{UnixListener, UnixStream};

    use nativesockets_testutil::limits::raise_fd_limit;
    use nativesockets_testutil::signals::{handled, install_counting_handler};
    // Tests that open thousands of descriptors, or rely on a number staying
    // closed, or count signals, run one at a time.
    use nativesockets_testutil::threads::exclusive;

    /// A new descriptor for the same socket, numbered `min` or above.
    fn dup_at_least(fd: RawFd, min: RawFd) -> OwnedFd {
        // SAFETY: F_DUPFD_CLOEXEC only reads `fd` and returns a new
        // descriptor, which the OwnedFd takes over.
        let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, min) };
        assert!(
            new >= min,
            "fcntl(F_DUPFD_CLOEXEC, {min}): {}",
            io::Error::last_os_error()
        );
        // SAFETY: `new` was just opened and nothing else owns it.
        unsafe { OwnedFd::from_raw_fd(new) }
    }

    fn is_nonblocking(fd: RawFd) -> bool {
        // SAFETY: F_GETFL only reads the descriptor's flags.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        assert!(flags >= 0);
        flags & libc::O_NONBLOCK != 0
    }

    #[test]
    #[cfg_attr(miri, ignore = "UDP sockets, which Miri does not emulate")]
    fn pending_error_makes_a_socket_ready_to_read() {
        // A connected UDP socket that sends to a port nobody listens on gets
        // the ICMP "port unreachable" as a pending error, with no data queued:
        // a read returns that error at once, so the socket is ready to read
        // (`POLLERR` alone). Unix only: Windows reports it differently
        // (`WSAECONNRESET` on the next receive), and Wine not at all.
        let gone = UdpSocket::bind("127.0.0.1:0").unwrap();
        let gone_addr = gone.local_addr().unwrap();
        drop(gone);
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.connect(gone_addr).unwrap();
        s.send(b"anyone?").unwrap();
        let mut ready = vec![&s];
        assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
        let mut buf = [0u8; 8];
        let err = s.recv(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    }

    #[test]
    #[cfg_attr(miri, ignore = "getrlimit(2), which Miri does not emulate")]
    fn descriptor_numbered_above_1024_works() {
        assert!(raise_fd_limit(4096) > 1600, "cannot open descriptor 1500");
        let (mut client, server) = std_tcp_pair();
        let high = SocketHandle::from(dup_at_least(server.as_raw_fd(), 1500));
        assert!(high.as_raw() >= 1500);
        let (_c2, low) = std_tcp_pair();
        let low = SocketHandle::from(low);

        let mut idle = vec![&low, &high];
        assert_eq!(select(&mut idle, 0).unwrap(), 0);
        client.write_all(b"x").unwrap();
        let mut ready = vec![&low, &high];
        assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
        assert_eq!(ready[0].as_raw(), high.as_raw());
        let mut writable = vec![&high, &low];
        assert_eq!(select_write(&mut writable, PATIENCE_MS).unwrap(), 2);
        assert_eq!(raw_of(&writable), vec![high.as_raw(), low.as_raw()]);
    }

    #[test]
    #[cfg_attr(miri, ignore = "getrlimit(2), which Miri does not emulate")]
    fn ten_thousand_sockets_with_one_ready() {
        let _one_at_a_time = exclusive();
        let limit = raise_fd_limit(20_000);
        assert!(
            limit >= 10_300,
            "RLIMIT_NOFILE hard limit {limit} is below 10,300"
        );
        let pairs: Vec<(UnixStream, UnixStream)> =
            (0..5_000).map(|_| UnixStream::pair().unwrap()).collect();
        let all: Vec<&UnixStream> = pairs.iter().flat_map(|(a, b)| [a, b]).collect();
        assert_eq!(all.len(), 10_000);

        let mut idle = all.clone();
        assert_eq!(select(&mut idle, 0).unwrap(), 0);
        (&pairs[3_777].0).write_all(b"x").unwrap();
        let mut ready = all.clone();
        assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
        assert_eq!(ready[0].as_raw_fd(), pairs[3_777].1.as_raw_fd());

        let mut writable = all.clone();
        assert_eq!(select_write(&mut writable, PATIENCE_MS).unwrap(), 10_000);
    }

    #[test]
    #[cfg_attr(miri, ignore = "getrlimit(2), which Miri does not emulate")]
    fn closed_or_never_opened_descriptor_is_an_error_and_leaves_the_vector_unchanged() {
        let _one_at_a_time = exclusive();
        let limit = raise_fd_limit(20_000);
        let (mut client, server) = std_tcp_pair();
        client.write_all(b"x").unwrap();
        // Far above what any other test opens (they hold the lowest free
        // numbers, and the thousands-of-sockets test is excluded), so the
        // number stays closed.
        let closed = {
            let fd = dup_at_least(server.as_raw_fd(), (limit as RawFd - 8).min(19_990));
            fd.as_raw_fd()
        };
        for bad in [closed, RawFd::MAX, -7] {
            let mut handles = vec![RawNumber(server.as_raw_fd()), RawNumber(bad)];
            let err = bounded(Duration::from_secs(30), move || {
                let e = select(&mut handles, -1).unwrap_err();
                (e, raw_of(&handles))
            });
            assert_eq!(err.0.kind(), io::ErrorKind::InvalidInput, "{}", err.0);
            assert!(err.0.to_string().contains(&bad.to_string()), "{}", err.0);
            assert_eq!(err.1, vec![server.as_raw_fd(), bad], "unchanged");

            let mut handles = vec![RawNumber(bad), RawNumber(server.as_raw_fd())];
            let err = select_write(&mut handles, 0).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
            assert_eq!(raw_of(&handles), vec![bad, server.as_raw_fd()]);
        }
    }

    /// Sends SIGUSR1 to the calling thread `times` times, `every` apart,
    /// from another thread, while the caller runs `wait`; returns what
    /// `wait` returned and how many signals were handled.
    fn interrupted<T>(times: usize, every: Duration, wait: impl FnOnce() -> T) -> (T, usize) {
        // Without SA_RESTART: a signal interrupts the wait with EINTR.
        install_counting_handler(libc::SIGUSR1);
        let before = handled(libc::SIGUSR1);
        // SAFETY: pthread_self has no preconditions.
        let target = unsafe { libc::pthread_self() } as usize;
        let sender = thread::spawn(move || {
            for _ in 0..times {
                thread::sleep(every);
                // SAFETY: the target thread is alive: it joins this one
                // before it returns.
                let rc = unsafe { libc::pthread_kill(target as libc::pthread_t, libc::SIGUSR1) };
                assert_eq!(rc, 0);
            }
        });
        let result = wait();
        sender.join().unwrap();
        (result, handled(libc::SIGUSR1) - before)
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "signal handlers (sigaction), which Miri does not emulate"
    )]
    fn interrupted_wait_resumes_and_still_honours_the_timeout() {
        let _one_at_a_time = exclusive();
        let (_client, server) = std_tcp_pair();
        let start = Instant::now();
        let ((n, left), signals) = interrupted(3, Duration::from_millis(60), || {
            let mut handles = vec![&server];
            let n = select(&mut handles, 400);
            (n, handles.len())
        });
        let elapsed = start.elapsed();
        assert!(signals >= 3, "only {signals} signals were handled");
        assert_eq!(n.unwrap(), 0, "a signal is not an error");
        assert_eq!(left, 0);
        assert!(
            elapsed >= Duration::from_millis(400),
            "returned after {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(20),
            "returned after {elapsed:?}"
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "signal handlers (sigaction), which Miri does not emulate"
    )]
    fn interrupted_wait_still_sees_a_socket_become_ready() {
        let _one_at_a_time = exclusive();
        let (client, server) = std_tcp_pair();
        let writer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(250));
            (&client).write_all(b"x").unwrap();
            client
        });
        let (n, signals) = interrupted(2, Duration::from_millis(60), || {
            let mut handles = vec![&server];
            select(&mut handles, PATIENCE_MS)
        });
        let _client = writer.join().unwrap();
        assert!(signals >= 2);
        assert_eq!(n.unwrap(), 1);
    }

    /// A listener with backlog 0 that never accepts, filled until a connect
    /// gets no answer: from then on the kernel drops new SYNs.
    fn full_backlog() -> (SocketHandle, SockAddr, Vec<SocketHandle>) {
        let listener = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        bind_addr(&listener, &loopback_v4(0)).unwrap();
        listen(&listener, 0).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut queued = Vec::new();
        for _ in 0..64 {
            let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
            match s.connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(()) => queued.push(s),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => return (listener, addr, queued),
                Err(e) => panic!("filling the backlog: {e}"),
            }
        }
        panic!("64 connections did not fill a backlog of 0");
    }

    #[test]
    #[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
    fn connect_timeout_times_out_against_a_full_backlog() {
        let (_listener, addr, _queued) = full_backlog();
        let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        let start = Instant::now();
        let err = s
            .connect_timeout(&addr, Duration::from_millis(30))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert!(!is_nonblocking(s.as_raw()), "blocking mode restored");

        let nb = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        nb.set_blocking(false).unwrap();
        let err = nb
            .connect_timeout(&addr, Duration::from_millis(10))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(is_nonblocking(nb.as_raw()), "non-blocking mode kept");
    }

    #[test]
    #[cfg_attr(miri, ignore = "poll(2), which Miri does not emulate")]
    fn interrupted_connect_timeout_resumes_and_times_out() {
        let (_listener, addr, _queued) = full_backlog();
        let _one_at_a_time = exclusive();
        let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        let start = Instant::now();
        let (res, signals) = interrupted(3, Duration::from_millis(50), || {
            s.connect_timeout(&addr, Duration::from_millis(300))
        });
        let elapsed = start.elapsed();
        assert!(signals >= 3);
        assert_eq!(res.unwrap_err().kind(), io::ErrorKind::TimedOut);
        assert!(
            elapsed >= Duration::from_millis(300),
            "returned after {elapsed:?}"
        );
        assert!(!is_nonblocking(s.as_raw()));
    }

    #[test]
    #[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
    fn connect_timeout_works_on_unix_domain_sockets() {
        let dir = std::env::temp_dir().join(format!("nativesockets-select-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("l.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let s = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        s.connect_timeout(&SockAddr::unix(&path).unwrap(), Duration::from_secs(10))
            .unwrap();
        assert!(!is_nonblocking(s.as_raw()));
        let mut ready = vec![&listener];
        assert_eq!(select(&mut ready, PATIENCE_MS).unwrap(), 1);
        drop(listener);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
