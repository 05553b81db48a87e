//! `Ring`: each operation, multishot under load, an exhausted buffer pool,
//! cancels, drops with operations in flight, bounds, the waker, and the
//! fallback to the emulation, sockets moving between rings (moves.rs),
//! zero-copy sends (zerocopy.rs) and allocations (alloc.rs). Loopback
//! only.
//!
//! The binary runs twice on Linux and on Windows: as it is (io_uring, an
//! I/O completion port) and with `NATIVESOCKETS_RING=poller` (the
//! emulation on `Poller`), which `Ring::new` reads; `scripts/test-platform`
//! does both.

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::{
    Completion, Completions, Domain, OpKind, Protocol, ReceivedControl, Ring, RingBackend,
    RingOptions, SockAddr, SockType, SocketHandle, WhenFull,
};
use nativesockets_testutil::threads::{bounded, exclusive};

mod alloc;
mod moves;
mod zerocopy;

const PATIENCE: Duration = Duration::from_secs(10);

// A ring moves between threads (one thread at a time); its waker and
// buffers are shared freely.
const _: () = {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    let _ = send::<Ring>;
    let _ = send::<Completion>;
    let _ = send_sync::<nativesockets::RingWaker>;
    let _ = send_sync::<nativesockets::PoolBuf>;
};

/// The emulation is forced, at run time or at build time.
fn forced_poller() -> bool {
    cfg!(nativesockets_ring_poller)
        || std::env::var_os("NATIVESOCKETS_RING").is_some_and(|v| v == "poller")
}

fn ring_with(opts: RingOptions) -> Ring {
    STASH.with(|s| s.borrow_mut().clear());
    let ring = Ring::with_options(&opts).unwrap();
    if forced_poller() || !cfg!(any(target_os = "linux", windows)) {
        assert_eq!(ring.backend(), RingBackend::Poller);
    } else if cfg!(windows) {
        assert_eq!(ring.backend(), RingBackend::Iocp);
    }
    ring
}

fn ring() -> Ring {
    ring_with(RingOptions::new())
}

fn listener() -> Arc<SocketHandle> {
    let l = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    l.bind_addr(&SockAddr::from(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
    ))
    .unwrap();
    l.listen(2048).unwrap();
    Arc::new(l)
}

fn addr_of(s: &SocketHandle) -> SocketAddr {
    s.local_addr().unwrap().as_socket_addr().unwrap()
}

/// A connected pair: the ring's side, and a blocking std client.
fn pair() -> (Arc<SocketHandle>, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (server, _) = l.accept().unwrap();
    client.set_read_timeout(Some(PATIENCE)).unwrap();
    (Arc::new(SocketHandle::from(server)), client)
}

thread_local! {
    /// Completions a `wait_for` got but did not pick, for the next one.
    static STASH: RefCell<Vec<Completion>> = const { RefCell::new(Vec::new()) };
}

/// Waits for the first completion `pick` accepts (the others are kept, in
/// order, for the next call).
fn wait_for(ring: &mut Ring, pick: impl Fn(&Completion) -> bool) -> Completion {
    let deadline = Instant::now() + PATIENCE;
    let mut done = Completions::with_capacity(64);
    loop {
        let found = STASH.with(|s| {
            let mut s = s.borrow_mut();
            let at = s.iter().position(&pick)?;
            Some(s.remove(at))
        });
        if let Some(c) = found {
            return c;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no completion within {PATIENCE:?}");
        ring.wait(&mut done, Some(left)).unwrap();
        STASH.with(|s| s.borrow_mut().extend(done.drain()));
    }
}

fn key(k: u64) -> impl Fn(&Completion) -> bool {
    move |c| c.key() == k
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn linux_gets_io_uring_unless_refused_or_forced() {
    let ring = ring();
    let allowed = std::fs::read_to_string("/proc/sys/kernel/io_uring_disabled")
        .map(|s| s.trim() == "0")
        .unwrap_or(false);
    // qemu-user has no io_uring (its io_uring_setup is ENOSYS): the
    // emulation is the right answer there.
    let emulated = nativesockets_testutil::process::under_qemu();
    if cfg!(target_os = "linux") && !forced_poller() && allowed && !emulated {
        assert_eq!(ring.backend(), RingBackend::IoUring);
    }
    assert!(format!("{ring:?}").contains("backend"));
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_pool_too_big_for_memory_is_an_error_not_an_abort() {
    let e = Ring::with_options(&RingOptions::new().buffers(32768, usize::MAX)).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            std::io::ErrorKind::OutOfMemory | std::io::ErrorKind::InvalidInput
        ),
        "{e}"
    );
    assert!(e.to_string().starts_with("Ring::new: "), "{e}");
    assert!(e.to_string().contains("32768 buffers"), "{e}");
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn accept_gives_each_connection_until_cancelled() {
    let mut ring = ring();
    let l = listener();
    let id = ring.accept(&l, 7).unwrap();
    let clients: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(addr_of(&l)).unwrap())
        .collect();
    for _ in 0..5 {
        let mut c = wait_for(&mut ring, key(7));
        assert_eq!(c.kind(), OpKind::Accept);
        assert!(c.is_more(), "{c:?}");
        let s = c.take_accepted().unwrap();
        // Windows cannot read a socket's blocking mode back.
        #[cfg(not(windows))]
        assert!(s.is_nonblocking().unwrap());
        assert_eq!(
            s.peer_addr().unwrap().as_socket_addr().unwrap().ip(),
            addr_of(&l).ip()
        );
    }
    ring.cancel(id).unwrap();
    let mut last = wait_for(&mut ring, key(7));
    assert!(last.is_cancelled(), "{last:?}");
    assert!(!last.is_more());
    assert!(Arc::ptr_eq(&last.take_socket().unwrap(), &l));
    assert_eq!(Arc::strong_count(&l), 1);
    assert!(ring.cancel(id).is_err());
    drop(clients);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn recv_and_send_echo_a_message_and_give_buffers_back() {
    let mut ring = ring();
    let (server, mut client) = pair();
    ring.recv(&server, vec![0; 64], 1).unwrap();
    client.write_all(b"hello").unwrap();
    let mut c = wait_for(&mut ring, key(1));
    assert_eq!(c.kind(), OpKind::Recv);
    assert_eq!(c.result().unwrap(), 5);
    let mut buf = c.take_buffer().unwrap();
    assert_eq!(buf.len(), 64);
    buf.truncate(5);
    ring.send(&server, buf, 2).unwrap();
    let mut c = wait_for(&mut ring, key(2));
    assert_eq!(c.result().unwrap(), 5);
    assert_eq!(c.take_buffer().unwrap(), b"hello");
    assert!(c.take_socket().is_some());
    let mut got = [0; 5];
    client.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"hello");
    // End of stream: a receive of 0.
    client.shutdown(Shutdown::Write).unwrap();
    ring.recv(&server, vec![0; 8], 3).unwrap();
    assert_eq!(wait_for(&mut ring, key(3)).result().unwrap(), 0);
    assert_eq!(ring.in_flight(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn connect_completes_and_a_refused_one_fails_in_its_completion() {
    let mut ring = ring();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let s = Arc::new(SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap());
    ring.connect(&s, &l.local_addr().unwrap().into(), 1)
        .unwrap();
    let c = wait_for(&mut ring, key(1));
    assert_eq!(c.kind(), OpKind::Connect);
    assert_eq!(c.result().unwrap(), 0);
    assert_eq!(
        s.peer_addr().unwrap().as_socket_addr(),
        Some(l.local_addr().unwrap())
    );
    // A port nobody listens on.
    let closed = {
        let t = TcpListener::bind("127.0.0.1:0").unwrap();
        t.local_addr().unwrap()
    };
    let s = Arc::new(SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap());
    ring.connect(&s, &closed.into(), 2).unwrap();
    let c = wait_for(&mut ring, key(2));
    let e = c.result().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn recv_pooled_gives_each_message_then_end_of_stream() {
    let mut ring = ring();
    let (server, mut client) = pair();
    let id = ring.recv_pooled(&server, 4).unwrap();
    let mut got = Vec::new();
    for i in 0..10u8 {
        client.write_all(&[i; 10]).unwrap();
        while got.len() < usize::from(i + 1) * 10 {
            let c = wait_for(&mut ring, key(4));
            assert_eq!(c.id(), id);
            assert_eq!(c.kind(), OpKind::RecvPooled);
            assert!(c.is_more(), "{c:?}");
            got.extend_from_slice(c.pooled().unwrap());
        }
    }
    let want: Vec<u8> = (0..10u8).flat_map(|i| [i; 10]).collect();
    assert_eq!(got, want);
    client.shutdown(Shutdown::Write).unwrap();
    let c = wait_for(&mut ring, key(4));
    assert_eq!(c.result().unwrap(), 0);
    assert!(!c.is_more());
    assert_eq!(ring.in_flight(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn an_exhausted_pool_ends_the_receive_and_the_ring_recovers() {
    for multishot in [true, false] {
        let mut ring = ring_with(RingOptions::new().buffers(2, 16).multishot(multishot));
        let (server, mut client) = pair();
        ring.recv_pooled(&server, 1).unwrap();
        let mut held = Vec::new();
        for i in 0..2u8 {
            client.write_all(&[i; 16]).unwrap();
            let mut c = wait_for(&mut ring, key(1));
            assert_eq!(c.pooled().unwrap(), &[i; 16]);
            held.push(c.take_pooled().unwrap());
        }
        client.write_all(&[2; 16]).unwrap();
        let c = wait_for(&mut ring, key(1));
        assert!(c.is_out_of_buffers(), "multishot {multishot}: {c:?}");
        assert!(!c.is_more());
        // Buffers back: the next wait hands them to the kernel again.
        drop(held);
        ring.recv_pooled(&server, 2).unwrap();
        let c = wait_for(&mut ring, key(2));
        assert_eq!(
            c.pooled(),
            Some(&[2; 16][..]),
            "multishot {multishot}: {c:?}"
        );
        assert!(c.is_more());
    }
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn send_msg_and_recv_msg_carry_addresses_and_control_messages() {
    let mut ring = ring();
    let rx = SocketHandle::new(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    rx.bind_addr(&SockAddr::from(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
    ))
    .unwrap();
    // Where the platform has IP_PKTINFO (not FreeBSD).
    let pktinfo = rx.set_recv_pktinfo_v4(true).is_ok();
    let rx = Arc::new(rx);
    let tx = SocketHandle::new(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    tx.bind_addr(&SockAddr::from(
        "127.0.0.1:0".parse::<SocketAddr>().unwrap(),
    ))
    .unwrap();
    let tx = Arc::new(tx);
    ring.recv_msg(&rx, vec![0; 64], vec![0; 128], 1).unwrap();
    ring.send_msg(
        &tx,
        b"datagram".to_vec(),
        &[],
        Some(&rx.local_addr().unwrap()),
        2,
    )
    .unwrap();
    let mut sent = wait_for(&mut ring, key(2));
    assert_eq!(sent.kind(), OpKind::SendMsg);
    assert_eq!(sent.result().unwrap(), 8);
    assert_eq!(sent.take_buffer().unwrap(), b"datagram");
    let mut got = wait_for(&mut ring, key(1));
    assert_eq!(got.kind(), OpKind::RecvMsg);
    assert_eq!(got.result().unwrap(), 8, "{got:?}");
    assert_eq!(
        got.addr().unwrap().as_socket_addr(),
        tx.local_addr().unwrap().as_socket_addr()
    );
    assert!(
        !pktinfo
            || got
                .control()
                .any(|c| matches!(c, ReceivedControl::PktInfoV4 { .. })),
        "{:?}",
        got.control().collect::<Vec<_>>()
    );
    assert_eq!(&got.take_buffer().unwrap()[..8], b"datagram");
    assert!(got.take_control().is_some());
}

#[test]
#[cfg(unix)]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn send_msg_passes_a_descriptor_that_recv_msg_owns() {
    use nativesockets::ControlMessage;
    use std::os::fd::AsFd;
    let mut ring = ring();
    let (a, b) = SocketHandle::pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    let (a, b) = (Arc::new(a), Arc::new(b));
    let file = std::fs::File::open("/dev/null").unwrap();
    ring.send_msg(
        &a,
        b"x".to_vec(),
        &[ControlMessage::Rights(&[file.as_fd()])],
        None,
        1,
    )
    .unwrap();
    assert_eq!(wait_for(&mut ring, key(1)).result().unwrap(), 1);
    ring.recv_msg(&b, vec![0; 4], vec![0; 64], 2).unwrap();
    let mut c = wait_for(&mut ring, key(2));
    assert_eq!(c.result().unwrap(), 1);
    let fds = c.take_fds();
    assert_eq!(fds.len(), 1);
    assert!(c.take_fds().is_empty());
    // Bad control messages are refused before anything is queued.
    let many: Vec<_> = (0..300).map(|_| file.as_fd()).collect();
    let e = ring
        .send_msg(&a, b"x".to_vec(), &[ControlMessage::Rights(&many)], None, 3)
        .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
    assert_eq!(ring.in_flight(), 0);
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn splice_moves_bytes_from_a_socket_into_a_pipe() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut ring = ring();
    let (server, mut client) = pair();
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: pipe2 just made both; each is owned once, here.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    client.write_all(b"spliced").unwrap();
    let res = ring.splice(server.clone(), Arc::new(wr), 64, 1);
    if ring.backend() == RingBackend::Poller {
        let e = res.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::Unsupported);
        assert!(
            e.to_string().contains("Ring::splice") && e.to_string().contains("Poller"),
            "{e}"
        );
        return;
    }
    res.unwrap();
    let c = wait_for(&mut ring, key(1));
    assert_eq!(c.kind(), OpKind::Splice);
    assert_eq!(c.result().unwrap(), 7, "{c:?}");
    let mut got = [0; 7];
    std::fs::File::from(rd).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"spliced");
    assert_eq!(Arc::strong_count(&server), 1);
}

/// Fills the send buffer of `s` (whose peer does not read).
fn fill(s: &SocketHandle) {
    s.set_blocking(false).unwrap();
    let chunk = [0u8; 65536];
    while s.send(&chunk).is_ok() {}
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn cancel_ends_each_kind_of_operation_and_gives_back_what_it_owned() {
    let mut ring = ring();
    let l = listener();
    let (server, _client) = pair();
    let (full, _quiet) = pair();
    fill(&full);
    // The zero-copy send gets a full socket of its own: one the kernel
    // took before the cancel (a moment of room is enough) completes only
    // once the kernel lets go of its pages, that is once the peer reads.
    let (full_zc, quiet_zc) = pair();
    fill(&full_zc);
    let mut quiet_zc = Some(quiet_zc);
    let mut drainer = None;
    // A listener whose accept queue is full: Linux drops further SYNs, so
    // a connect to it waits (elsewhere it may be refused at once).
    let crowded = listener();
    crowded.listen(0).unwrap();
    let _queued: Vec<TcpStream> = (0..2)
        .filter_map(|_| {
            TcpStream::connect_timeout(&addr_of(&crowded), Duration::from_millis(200)).ok()
        })
        .collect();
    let late = Arc::new(SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap());
    let ops = [
        (ring.accept(&l, 1).unwrap(), OpKind::Accept),
        (ring.recv(&server, vec![0; 32], 2).unwrap(), OpKind::Recv),
        (ring.send(&full, vec![1; 1 << 20], 3).unwrap(), OpKind::Send),
        (
            ring.timeout(Duration::from_secs(60), 4).unwrap(),
            OpKind::Timeout,
        ),
        (
            ring.send_zc(&full_zc, vec![2; 1 << 20], 7).unwrap(),
            OpKind::SendZc,
        ),
        (
            ring.send_msg(&full, vec![3; 1 << 20], &[], None, 8)
                .unwrap(),
            OpKind::SendMsg,
        ),
        (
            ring.connect(&late, &crowded.local_addr().unwrap(), 9)
                .unwrap(),
            OpKind::Connect,
        ),
    ];
    for (id, kind) in ops {
        // An operation may finish before its cancel (a send the kernel
        // found room for, a refused connect): then its own result comes.
        let _ = ring.cancel(id);
        if let (OpKind::SendZc, Some(mut peer)) = (kind, quiet_zc.take()) {
            drainer = Some(thread::spawn(move || {
                peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
                let mut buf = vec![0u8; 1 << 16];
                while matches!(peer.read(&mut buf), Ok(n) if n > 0) {}
            }));
        }
        let mut c = wait_for(&mut ring, |c| c.id() == id);
        assert_eq!(c.kind(), kind);
        let may_finish = matches!(
            kind,
            OpKind::Send | OpKind::SendZc | OpKind::SendMsg | OpKind::Connect
        );
        assert!(c.is_cancelled() || may_finish, "{c:?}");
        if kind == OpKind::Connect && cfg!(target_os = "linux") {
            assert!(c.is_cancelled(), "{c:?}");
        }
        if matches!(
            kind,
            OpKind::Recv | OpKind::Send | OpKind::SendZc | OpKind::SendMsg
        ) {
            assert!(c.take_buffer().is_some());
        }
        assert!(c.take_socket().is_some() || kind == OpKind::Timeout);
    }
    assert_eq!(Arc::strong_count(&late), 1);
    if let Some(d) = drainer {
        d.join().unwrap();
    }
    // The pooled receive, separately: it must not share a socket's list
    // with the receive above on the emulation.
    let id = ring.recv_pooled(&server, 5).unwrap();
    ring.cancel(id).unwrap();
    let c = wait_for(&mut ring, key(5));
    assert!(c.is_cancelled(), "{c:?}");
    drop(c);
    let id = ring.recv_msg(&server, vec![0; 8], vec![0; 64], 6).unwrap();
    ring.cancel(id).unwrap();
    let mut c = wait_for(&mut ring, key(6));
    assert!(c.is_cancelled(), "{c:?}");
    assert_eq!(c.kind(), OpKind::RecvMsg);
    assert!(c.take_buffer().is_some() && c.take_control().is_some());
    assert_eq!(ring.in_flight(), 0);
    drop(c);
    assert_eq!(Arc::strong_count(&l), 1);
    assert_eq!(Arc::strong_count(&server), 1);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn timeout_shutdown_and_close_complete() {
    let mut ring = ring();
    let start = Instant::now();
    ring.timeout(Duration::from_millis(50), 1).unwrap();
    let c = wait_for(&mut ring, key(1));
    assert_eq!(c.result().unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(45));

    let (server, mut client) = pair();
    ring.shutdown(&server, Shutdown::Write, 2).unwrap();
    assert_eq!(wait_for(&mut ring, key(2)).result().unwrap(), 0);
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());

    let (server, mut client) = pair();
    let server = Arc::try_unwrap(server).unwrap();
    ring.close(server, 3).unwrap();
    assert_eq!(wait_for(&mut ring, key(3)).result().unwrap(), 0);
    assert_eq!(client.read(&mut [0; 4]).unwrap(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_waker_on_another_thread_ends_a_wait() {
    let mut ring = ring();
    let waker = ring.waker();
    let mut done = Completions::default();
    // A wake before the wait ends it too.
    waker.wake().unwrap();
    ring.wait(&mut done, Some(PATIENCE)).unwrap();
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        waker.wake().unwrap();
    });
    let start = Instant::now();
    for _ in 0..3 {
        ring.wait(&mut done, Some(PATIENCE)).unwrap();
        if start.elapsed() >= Duration::from_millis(40) {
            break;
        }
    }
    assert!(start.elapsed() < PATIENCE / 2);
    t.join().unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_ring_made_on_one_thread_serves_on_another() {
    // Made here, with an operation queued, first waited on elsewhere:
    // io_uring's single issuer is the thread that waits first.
    let mut ring = ring();
    let (server, mut client) = pair();
    ring.recv(&server, vec![0; 8], 1).unwrap();
    let got = thread::spawn(move || {
        client.write_all(b"moved").unwrap();
        let c = wait_for(&mut ring, key(1));
        let n = c.result().unwrap();
        drop(ring);
        n
    })
    .join()
    .unwrap();
    assert_eq!(got, 5);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_full_ring_waits_for_room_or_says_would_block() {
    let mut ring = ring_with(
        RingOptions::new()
            .capacity(2)
            .when_full(WhenFull::WouldBlock),
    );
    ring.timeout(Duration::from_secs(60), 1).unwrap();
    ring.timeout(Duration::from_secs(60), 2).unwrap();
    assert!(!ring.has_room());
    let e = ring.timeout(Duration::from_secs(60), 3).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    assert!(e.to_string().contains("Ring::timeout"), "{e}");
    assert_eq!(ring.in_flight(), 2);

    let mut ring = ring_with(RingOptions::new().capacity(1));
    ring.timeout(Duration::from_millis(20), 1).unwrap();
    // Waits until the first timeout frees its slot.
    ring.timeout(Duration::from_millis(1), 2).unwrap();
    let c = wait_for(&mut ring, key(1));
    assert_eq!(c.result().unwrap(), 0);
    wait_for(&mut ring, key(2));
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn dropping_a_ring_with_receives_in_flight_gives_the_sockets_back() {
    let (a, _ca) = pair();
    let (b, _cb) = pair();
    let l = listener();
    {
        let mut ring = ring();
        ring.recv(&a, vec![0; 4096], 1).unwrap();
        ring.recv_pooled(&b, 2).unwrap();
        ring.accept(&l, 3).unwrap();
        ring.timeout(Duration::from_secs(60), 4).unwrap();
        let mut done = Completions::default();
        ring.wait(&mut done, Some(Duration::ZERO)).unwrap();
        assert_eq!(ring.in_flight(), 4);
    }
    assert_eq!(Arc::strong_count(&a), 1);
    assert_eq!(Arc::strong_count(&b), 1);
    assert_eq!(Arc::strong_count(&l), 1);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_thousand_rings_leave_no_descriptor_behind() {
    const CHILD: &str = "NATIVESOCKETS_TEST_RING_DESCRIPTORS";
    if std::env::var_os(CHILD).is_none() {
        // Alone in a child, so that no other test's sockets are counted.
        let status = nativesockets_testutil::process::this_test_alone(
            "a_thousand_rings_leave_no_descriptor_behind",
        )
        .env(CHILD, "1")
        .status()
        .unwrap();
        assert!(status.success(), "the child failed: {status}");
        return;
    }
    let (s, _c) = pair();
    let before = nativesockets_testutil::descriptors::open_descriptors();
    for _ in 0..1000 {
        let mut ring = ring();
        ring.recv_pooled(&s, 1).unwrap();
        ring.recv(&s, vec![0; 16], 2).unwrap();
        let mut done = Completions::default();
        ring.wait(&mut done, Some(Duration::ZERO)).unwrap();
    }
    assert_eq!(
        nativesockets_testutil::descriptors::open_descriptors(),
        before
    );
    assert_eq!(Arc::strong_count(&s), 1);
}

/// A server on its own ring: accepts, echoes what each connection sends
/// (pooled receives, sends of a copy), until `total` bytes went back.
/// Returns how many receives ended for lack of buffers.
fn echo_server(l: Arc<SocketHandle>, total: usize, opts: RingOptions) -> usize {
    let mut ring = Ring::with_options(&opts).unwrap();
    let mut conns: Vec<Option<Arc<SocketHandle>>> = Vec::new();
    ring.accept(&l, u64::MAX).unwrap();
    let mut done = Completions::with_capacity(1024);
    let mut echoed = 0;
    let mut free_bufs: Vec<Vec<u8>> = Vec::new();
    let mut starved = 0;
    while echoed < total {
        ring.wait(&mut done, Some(PATIENCE)).unwrap();
        for mut c in done.drain() {
            match c.kind() {
                OpKind::Accept => {
                    let s = Arc::new(c.take_accepted().expect("accept failed"));
                    ring.recv_pooled(&s, conns.len() as u64).unwrap();
                    conns.push(Some(s));
                }
                OpKind::RecvPooled => {
                    let Some(data) = c.pooled() else {
                        assert!(!c.is_more(), "{c:?}");
                        if c.is_out_of_buffers() {
                            starved += 1;
                            let s = conns[c.key() as usize].clone().unwrap();
                            ring.recv_pooled(&s, c.key()).unwrap();
                        }
                        continue;
                    };
                    let mut v = free_bufs.pop().unwrap_or_default();
                    v.clear();
                    v.extend_from_slice(data);
                    let s = conns[c.key() as usize].clone().unwrap();
                    ring.send(&s, v, c.key()).unwrap();
                    if !c.is_more() {
                        ring.recv_pooled(&s, c.key()).unwrap();
                    }
                }
                OpKind::Send => {
                    let n = c.result().unwrap();
                    let buf = c.take_buffer().unwrap();
                    assert_eq!(n, buf.len(), "short send");
                    echoed += n;
                    free_bufs.push(buf);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(ring.enters() > 0);
    starved
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_thousand_connections_echo_at_once() {
    let _one = exclusive();
    #[cfg(unix)]
    nativesockets_testutil::limits::raise_fd_limit(8192);
    // Multishot, re-armed single-shot, and a pool of 16 buffers for the
    // 1,000 connections: receives end for lack of buffers and the server
    // submits them again as buffers come back.
    for (multishot, buffers) in [(true, 1024), (false, 1024), (true, 16)] {
        let l = listener();
        let addr = addr_of(&l);
        const N: usize = 1000;
        const MSG: usize = 64;
        let server = {
            let l = Arc::clone(&l);
            let opts = RingOptions::new()
                .multishot(multishot)
                .buffers(buffers, 4096);
            thread::spawn(move || echo_server(l, N * MSG * 2, opts))
        };
        bounded(Duration::from_secs(60), move || {
            let mut clients: Vec<TcpStream> =
                (0..N).map(|_| TcpStream::connect(addr).unwrap()).collect();
            for round in 0..2u8 {
                for (i, c) in clients.iter_mut().enumerate() {
                    c.write_all(&[(i as u8) ^ round; MSG]).unwrap();
                }
                for (i, c) in clients.iter_mut().enumerate() {
                    c.set_read_timeout(Some(PATIENCE)).unwrap();
                    let mut got = [0; MSG];
                    c.read_exact(&mut got).unwrap();
                    assert_eq!(got, [(i as u8) ^ round; MSG]);
                }
            }
        });
        let starved = server.join().unwrap();
        if buffers == 16 {
            assert!(
                starved > 0,
                "a pool of 16 for 1,000 connections never ran out"
            );
        }
    }
}

/// The child's role in the seccomp test.
const SECCOMP_CHILD: &str = "NATIVESOCKETS_TEST_RING_SECCOMP";

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_seccomp_filter_refusing_io_uring_gives_the_emulation() {
    if !cfg!(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    )) {
        eprintln!("skipped: the filter below is written for Linux on x86_64 and aarch64");
        return;
    }
    // qemu-user refuses PR_SET_SECCOMP (a filter would judge qemu's own
    // host calls by the guest's numbers).
    if nativesockets_testutil::process::qemu_gap("seccomp filters") {
        return;
    }
    if std::env::var_os(SECCOMP_CHILD).is_some() {
        #[cfg(all(
            target_os = "linux",
            any(target_arch = "x86_64", target_arch = "aarch64")
        ))]
        seccomp::refuse_io_uring_setup();
        let mut ring = Ring::new().unwrap();
        assert_eq!(ring.backend(), RingBackend::Poller);
        let (server, mut client) = pair();
        ring.recv(&server, vec![0; 8], 1).unwrap();
        client.write_all(b"ok").unwrap();
        assert_eq!(wait_for(&mut ring, key(1)).result().unwrap(), 2);
        return;
    }
    let status = nativesockets_testutil::process::this_test_alone(
        "a_seccomp_filter_refusing_io_uring_gives_the_emulation",
    )
    .env(SECCOMP_CHILD, "1")
    .status()
    .unwrap();
    assert!(
        status.success(),
        "the child under the filter failed: {status}"
    );
}

#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod seccomp {
    /// Installs a filter that makes `io_uring_setup` fail with `EPERM`
    /// (as a container's default profile does) and allows the rest.
    pub fn refuse_io_uring_setup() {
        const NR_IO_URING_SETUP: u32 = 425;
        #[cfg(target_arch = "x86_64")]
        const ARCH: u32 = 0xC000_003E; // AUDIT_ARCH_X86_64
        #[cfg(target_arch = "aarch64")]
        const ARCH: u32 = 0xC000_00B7; // AUDIT_ARCH_AARCH64
        const LD_W_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
        const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
        const RET_K: u16 = 0x06; // BPF_RET | BPF_K
        const RET_ALLOW: u32 = 0x7fff_0000;
        const RET_ERRNO: u32 = 0x0005_0000;
        let insn = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
        let filter = [
            insn(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
            insn(JEQ_K, 1, 0, ARCH),
            insn(RET_K, 0, 0, RET_ALLOW),
            insn(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
            insn(JEQ_K, 0, 1, NR_IO_URING_SETUP),
            insn(RET_K, 0, 0, RET_ERRNO | libc::EPERM as u32),
            insn(RET_K, 0, 0, RET_ALLOW),
        ];
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: plain prctl calls; `prog` points at `filter`, which
        // outlives the call (the kernel copies the program).
        unsafe {
            assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
            assert_eq!(
                libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const _
                ),
                0,
                "{}",
                std::io::Error::last_os_error()
            );
        }
    }
}
