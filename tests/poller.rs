//! `Poller` on real loopback sockets: each mode, the error kinds, scale
//! (10,000 registrations, descriptors past 1024), signals, `notify`, and
//! changes made by other threads while one waits.
//!
//! The same file runs against every backend: epoll (Linux), the poll(2)
//! backend (`RUSTFLAGS="--cfg nativesockets_poll_backend"`, run by
//! `scripts/test-platform linux`), and the I/O completion port with AFD
//! (Windows, under Wine). Every wait has a timeout, or runs under
//! `bounded`, so a broken build fails instead of hanging.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::*;
use nativesockets_testutil::threads::bounded;

mod common;
use common::std_tcp_pair;

/// Long enough for anything on loopback to happen.
const PATIENCE: Duration = Duration::from_secs(10);
/// How long "nothing happens" is watched for.
const QUIET: Duration = Duration::from_millis(100);

/// A UDP socket with one datagram waiting in it (readable until read).
fn udp_with_datagram() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.send_to(b"ping", s.local_addr().unwrap()).unwrap();
    // The datagram is queued when send_to returns on loopback; waiting
    // with a timeout below makes this no assumption anyway.
    s
}

/// The events of one wait.
fn wait(p: &Poller, timeout: Duration) -> Vec<Event> {
    let mut events = Events::with_capacity(64);
    let n = p.wait(&mut events, Some(timeout)).unwrap();
    assert_eq!(n, events.len());
    events.iter().collect()
}

/// Waits until an event for `key` arrives (up to PATIENCE) and returns it.
fn wait_for(p: &Poller, key: usize) -> Event {
    let end = Instant::now() + PATIENCE;
    while Instant::now() < end {
        if let Some(e) = wait(p, PATIENCE).into_iter().find(|e| e.key == key) {
            return e;
        }
    }
    panic!("no event for key {key} within {PATIENCE:?}");
}

fn keys(events: &[Event]) -> Vec<usize> {
    let mut k: Vec<usize> = events.iter().map(|e| e.key).collect();
    k.sort_unstable();
    k.dedup();
    k
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn level_reports_a_ready_socket_at_every_wait() {
    let p = Poller::new().unwrap();
    let s = udp_with_datagram();
    p.add(&s, 1, Interest::READABLE).unwrap();
    let e = wait_for(&p, 1);
    assert!(e.readable && !e.writable && !e.error && !e.hangup, "{e:?}");
    for _ in 0..3 {
        assert_eq!(keys(&wait(&p, PATIENCE)), [1]);
    }
    let mut buf = [0; 8];
    assert_eq!(s.recv(&mut buf).unwrap(), 4);
    assert!(wait(&p, QUIET).is_empty(), "nothing left to read");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn oneshot_reports_once_until_modify_rearms_it() {
    let p = Poller::new().unwrap();
    let s = udp_with_datagram();
    p.add_with_mode(&s, 5, Interest::READABLE, PollMode::Oneshot)
        .unwrap();
    wait_for(&p, 5);
    assert!(wait(&p, QUIET).is_empty(), "a one-shot fired twice");
    // `modify` keeps the mode: one more event, then silence again.
    p.modify(&s, 6, Interest::READABLE).unwrap();
    assert_eq!(keys(&wait(&p, PATIENCE)), [6]);
    assert!(wait(&p, QUIET).is_empty(), "modify did not keep Oneshot");
    // `modify_with_mode` changes it.
    p.modify_with_mode(&s, 7, Interest::READABLE, PollMode::Level)
        .unwrap();
    assert_eq!(keys(&wait(&p, PATIENCE)), [7]);
    assert_eq!(keys(&wait(&p, PATIENCE)), [7]);
    p.delete(&s).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn edge_reports_changes_not_lasting_readiness() {
    let p = Poller::new().unwrap();
    let (mut client, server) = std_tcp_pair();
    let res = p.add_with_mode(&server, 3, Interest::READABLE, PollMode::Edge);
    if !p.supports_edge() {
        assert_eq!(res.unwrap_err().kind(), io::ErrorKind::Unsupported);
        let other = UdpSocket::bind("127.0.0.1:0").unwrap();
        p.add(&other, 4, Interest::READABLE).unwrap();
        let err = p
            .modify_with_mode(&other, 4, Interest::READABLE, PollMode::Edge)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        return;
    }
    res.unwrap();
    assert!(wait(&p, QUIET).is_empty());
    client.write_all(b"one").unwrap();
    wait_for(&p, 3);
    // The data is still there, but nothing changed: no event.
    assert!(wait(&p, QUIET).is_empty(), "edge mode reported twice");
    client.write_all(b"two").unwrap();
    wait_for(&p, 3);
    // modify keeps Edge.
    p.modify(&server, 9, Interest::READABLE).unwrap();
    let _ = wait(&p, QUIET); // re-arming may report the pending data once
    assert!(wait(&p, QUIET).is_empty(), "modify did not keep Edge");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_registration_reports_only_the_interest_it_asked_for() {
    let p = Poller::new().unwrap();
    let s = udp_with_datagram(); // readable AND writable
    p.add(&s, 1, Interest::WRITABLE).unwrap();
    let e = wait_for(&p, 1);
    assert!(e.writable && !e.readable, "{e:?}");
    p.modify(&s, 1, Interest::READABLE).unwrap();
    let e = wait_for(&p, 1);
    assert!(e.readable && !e.writable, "{e:?}");
    p.modify(&s, 1, Interest::BOTH).unwrap();
    // Both directions are reported, in one event or two, within a few
    // waits (a wait may still see the readiness polled before `modify`).
    let (mut r, mut w) = (false, false);
    for _ in 0..5 {
        for e in wait(&p, PATIENCE) {
            r |= e.readable;
            w |= e.writable;
        }
    }
    assert!(r && w, "readable {r}, writable {w}");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn double_add_is_already_exists_and_unregistered_is_not_found() {
    let p = Poller::new().unwrap();
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    p.add(&s, 1, Interest::READABLE).unwrap();
    let err = p.add(&s, 2, Interest::WRITABLE).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    p.delete(&s).unwrap();
    let err = p.delete(&s).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    let err = p.modify(&s, 1, Interest::READABLE).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    let err = p
        .modify_with_mode(&s, 1, Interest::READABLE, PollMode::Oneshot)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    // Deleted, it can be added again.
    p.add(&s, 3, Interest::READABLE).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn the_reserved_key_is_invalid_input() {
    let p = Poller::new().unwrap();
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let err = p.add(&s, usize::MAX, Interest::READABLE).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("usize::MAX"), "{err}");
    p.add(&s, usize::MAX - 1, Interest::READABLE).unwrap();
    let err = p.modify(&s, usize::MAX, Interest::READABLE).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

/// A handle known only by its number.
struct RawNumber(RawSocketHandle);

impl AsSocketHandle for RawNumber {
    fn raw_socket(&self) -> RawSocketHandle {
        self.0
    }
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn invalid_handles_are_errors_not_panics_or_hangs() {
    let p = Poller::new().unwrap();
    for bad in [OS_INVALID_SOCKET, RawSocketHandle::MAX - 1] {
        let h = RawNumber(bad);
        assert!(p.add(&h, 1, Interest::READABLE).is_err(), "{bad}");
        assert!(p.modify(&h, 1, Interest::READABLE).is_err(), "{bad}");
        assert!(p.delete(&h).is_err(), "{bad}");
    }
    let err = p
        .add(&RawNumber(OS_INVALID_SOCKET), 1, Interest::READABLE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    // The poller still works.
    let s = udp_with_datagram();
    p.add(&s, 2, Interest::READABLE).unwrap();
    wait_for(&p, 2);
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_zero_timeout_only_looks_and_a_timeout_is_waited_out() {
    let p = Poller::new().unwrap();
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    p.add(&s, 1, Interest::READABLE).unwrap();
    let mut events = Events::with_capacity(4);
    assert_eq!(p.wait(&mut events, Some(Duration::ZERO)).unwrap(), 0);
    let start = Instant::now();
    assert_eq!(p.wait(&mut events, Some(QUIET)).unwrap(), 0);
    assert!(start.elapsed() >= QUIET, "{:?}", start.elapsed());
    assert!(events.is_empty());
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn events_beyond_the_capacity_come_at_the_next_wait() {
    let p = Poller::new().unwrap();
    let socks: Vec<UdpSocket> = (0..5).map(|_| udp_with_datagram()).collect();
    for (i, s) in socks.iter().enumerate() {
        p.add_with_mode(s, i, Interest::READABLE, PollMode::Oneshot)
            .unwrap();
    }
    let mut events = Events::with_capacity(2);
    let mut seen = Vec::new();
    let end = Instant::now() + PATIENCE;
    while seen.len() < 5 && Instant::now() < end {
        let n = p.wait(&mut events, Some(PATIENCE)).unwrap();
        assert!(n <= 2 && events.capacity() == 2, "{n}");
        seen.extend(events.iter().map(|e| e.key));
    }
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    // Level-triggered, the ready sockets share a small buffer fairly.
    for (i, s) in socks.iter().enumerate() {
        p.modify_with_mode(s, i, Interest::READABLE, PollMode::Level)
            .unwrap();
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        p.wait(&mut events, Some(PATIENCE)).unwrap();
        seen.extend(events.iter().map(|e| e.key));
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, [0, 1, 2, 3, 4], "a ready socket was starved");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_peer_close_makes_a_reader_readable_with_end_of_stream() {
    for mode in [PollMode::Level, PollMode::Edge, PollMode::Oneshot] {
        let p = Poller::new().unwrap();
        let (client, mut server) = std_tcp_pair();
        if p.add_with_mode(&server, 1, Interest::READABLE, mode)
            .is_err()
        {
            assert!(mode == PollMode::Edge && !p.supports_edge());
            continue;
        }
        assert!(wait(&p, QUIET).is_empty(), "{mode:?}");
        drop(client);
        let e = wait_for(&p, 1);
        assert!(e.readable && e.hangup, "{mode:?}: {e:?}");
        assert_eq!(server.read(&mut [0; 8]).unwrap(), 0, "{mode:?}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_half_close_wakes_a_reader() {
    let p = Poller::new().unwrap();
    let (client, mut server) = std_tcp_pair();
    p.add(&server, 1, Interest::READABLE).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    assert!(wait_for(&p, 1).readable);
    assert_eq!(server.read(&mut [0; 8]).unwrap(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "setsockopt(SO_LINGER), which Miri does not emulate")]
fn a_socket_error_is_both_readable_and_writable() {
    for interest in [Interest::READABLE, Interest::WRITABLE] {
        let p = Poller::new().unwrap();
        let (client, server) = std_tcp_pair();
        // Linger 0: the close sends a reset, an error on the server side.
        SocketRef::from(&client)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        p.add(&server, 1, interest).unwrap();
        if interest == Interest::WRITABLE {
            wait_for(&p, 1); // room to send: ready before the reset too
        }
        drop(client);
        let end = Instant::now() + PATIENCE;
        let e = loop {
            let e = wait_for(&p, 1);
            if e.error || e.hangup || Instant::now() > end {
                break e;
            }
        };
        assert!(e.readable && e.writable, "{interest:?}: {e:?}");
        assert!(e.error || e.hangup, "{interest:?}: {e:?}");
        let mut buf = [0; 8];
        let got = (&server).read(&mut buf);
        assert!(
            matches!(got, Ok(0)) || got.is_err(),
            "{interest:?}: {got:?}"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_refused_connect_is_reported_to_a_reader_and_a_writer() {
    for interest in [Interest::READABLE, Interest::WRITABLE] {
        let p = Poller::new().unwrap();
        // A bound port that does not listen refuses connections.
        let closed = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        closed
            .bind_addr(&SockAddr::from(
                "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap(),
            ))
            .unwrap();
        let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        s.set_blocking(false).unwrap();
        let _ = s.connect(&closed.local_addr().unwrap());
        p.add(&s, 1, interest).unwrap();
        let e = wait_for(&p, 1);
        assert!(e.readable && e.writable && e.error, "{interest:?}: {e:?}");
        assert!(s.take_error().unwrap().is_some());
    }
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn std_and_crate_sockets_can_be_registered() {
    let p = Poller::new().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let handle = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let udp = udp_with_datagram();
    p.add(&listener, 1, Interest::READABLE).unwrap();
    p.add(&handle, 2, Interest::WRITABLE).unwrap();
    p.add(&SocketRef::from(&udp), 3, Interest::READABLE)
        .unwrap();
    let _c = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let mut all = Vec::new();
    let end = Instant::now() + PATIENCE;
    while all.len() < 3 && Instant::now() < end {
        all.extend(keys(&wait(&p, PATIENCE)));
        all.sort_unstable();
        all.dedup();
    }
    assert_eq!(all, [1, 2, 3]);
    #[cfg(unix)]
    {
        let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        p.add(&a, 4, Interest::READABLE).unwrap();
        b.write_all(b"x").unwrap();
        wait_for(&p, 4);
    }
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn notify_before_wait_makes_the_next_wait_return_at_once_and_is_used_up() {
    let p = Poller::new().unwrap();
    let idle = UdpSocket::bind("127.0.0.1:0").unwrap();
    p.add(&idle, 1, Interest::READABLE).unwrap();
    p.notify().unwrap();
    p.notify().unwrap(); // notifies before one wait count as one
    let mut events = Events::with_capacity(4);
    let start = Instant::now();
    assert_eq!(p.wait(&mut events, Some(PATIENCE)).unwrap(), 0);
    assert!(start.elapsed() < PATIENCE / 2, "{:?}", start.elapsed());
    assert!(events.is_empty(), "a notify showed as an event");
    // Used up: the next wait times out.
    assert_eq!(p.wait(&mut events, Some(QUIET)).unwrap(), 0);
    // A notify with a ready socket: the socket's event, not the notify's.
    let ready = udp_with_datagram();
    p.add(&ready, 2, Interest::READABLE).unwrap();
    wait_for(&p, 2);
    p.notify().unwrap();
    let got = wait(&p, PATIENCE);
    assert!(got.iter().all(|e| e.key == 2), "{got:?}");
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn notify_from_another_thread_wakes_a_wait_without_limit() {
    let p = Arc::new(Poller::new().unwrap());
    for _ in 0..20 {
        let waiter = {
            let p = Arc::clone(&p);
            thread::spawn(move || {
                let mut events = Events::with_capacity(4);
                p.wait(&mut events, None).unwrap()
            })
        };
        thread::sleep(Duration::from_millis(2));
        p.notify().unwrap();
        let n = bounded(PATIENCE, move || waiter.join().unwrap());
        assert_eq!(n, 0);
    }
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn a_socket_added_by_another_thread_wakes_the_waiter() {
    let p = Arc::new(Poller::new().unwrap());
    let waiter = {
        let p = Arc::clone(&p);
        thread::spawn(move || {
            let mut events = Events::with_capacity(4);
            p.wait(&mut events, Some(PATIENCE * 3)).unwrap();
            events.iter().map(|e| e.key).collect::<Vec<_>>()
        })
    };
    thread::sleep(Duration::from_millis(50));
    let s = udp_with_datagram();
    p.add(&s, 42, Interest::READABLE).unwrap();
    let got = bounded(PATIENCE * 2, move || waiter.join().unwrap());
    assert_eq!(got, [42]);
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn threads_add_modify_and_delete_while_one_waits() {
    let p = Arc::new(Poller::new().unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (p, stop) = (Arc::clone(&p), Arc::clone(&stop));
        thread::spawn(move || {
            let mut events = Events::with_capacity(256);
            let mut waits = 0usize;
            while !stop.load(Ordering::SeqCst) {
                p.wait(&mut events, Some(Duration::from_millis(20)))
                    .unwrap();
                for e in events.iter() {
                    assert!(e.key < 4 * 50, "unknown key {e:?}");
                }
                waits += 1;
            }
            waits
        })
    };
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let p = Arc::clone(&p);
            thread::spawn(move || {
                let socks: Vec<UdpSocket> = (0..50).map(|_| udp_with_datagram()).collect();
                for round in 0..20 {
                    for (i, s) in socks.iter().enumerate() {
                        let key = t * 50 + i;
                        p.add(s, key, Interest::READABLE).unwrap();
                        p.modify(s, key, Interest::BOTH).unwrap();
                        if round % 2 == 0 {
                            p.delete(s).unwrap();
                        }
                    }
                    if round % 2 == 1 {
                        for s in &socks {
                            p.delete(s).unwrap();
                        }
                    }
                }
            })
        })
        .collect();
    for w in workers {
        bounded(PATIENCE * 3, move || w.join().unwrap());
    }
    stop.store(true, Ordering::SeqCst);
    p.notify().unwrap();
    let waits = bounded(PATIENCE, move || waiter.join().unwrap());
    assert!(waits > 0);
    // Everything was deleted: nothing is reported.
    assert!(wait(&p, QUIET).is_empty());
}

/// Counts each thread's allocations, so that a test can see that wait
/// makes none.
#[global_allocator]
static GLOBAL: nativesockets_testutil::alloc::CountingAlloc =
    nativesockets_testutil::alloc::CountingAlloc;

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn wait_allocates_nothing_beyond_the_events_buffer() {
    let p = Poller::new().unwrap();
    let idle: Vec<UdpSocket> = (0..50)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    let ready: Vec<UdpSocket> = (0..5).map(|_| udp_with_datagram()).collect();
    for (i, s) in idle.iter().chain(&ready).enumerate() {
        p.add(s, i, Interest::READABLE).unwrap();
    }
    let mut events = Events::with_capacity(16);
    // Warm-up: lets a backend size what it keeps across waits.
    wait_for(&p, 50);
    p.wait(&mut events, Some(Duration::ZERO)).unwrap();
    // The counter sees this thread's allocations.
    let probe = nativesockets_testutil::alloc::allocations();
    drop(std::hint::black_box(Vec::<u8>::with_capacity(8)));
    assert_eq!(nativesockets_testutil::alloc::allocations(), probe + 1);
    let before = nativesockets_testutil::alloc::allocations();
    let mut seen = 0;
    for round in 0..100 {
        if round % 10 == 0 {
            p.notify().unwrap();
        }
        seen += p.wait(&mut events, Some(PATIENCE)).unwrap();
        seen += events.iter().filter(|e| e.readable).count();
    }
    let after = nativesockets_testutil::alloc::allocations();
    assert!(seen > 0);
    assert_eq!(after - before, 0, "allocations in 100 waits");
}

#[test]
fn the_poller_is_send_and_sync_and_its_events_send() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Poller>();
    send::<Events>();
    send_sync::<Event>();
    send_sync::<Interest>();
    send_sync::<PollMode>();
}

#[test]
#[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
fn events_are_reused_and_debug_prints() {
    let p = Poller::new().unwrap();
    let s = udp_with_datagram();
    p.add(&s, 11, Interest::READABLE).unwrap();
    let mut events = Events::with_capacity(0);
    assert_eq!(events.capacity(), 1);
    for _ in 0..3 {
        assert_eq!(p.wait(&mut events, Some(PATIENCE)).unwrap(), 1);
        assert_eq!(events.capacity(), 1);
    }
    assert!(format!("{events:?}").contains("key: 11"));
    assert!(format!("{p:?}").starts_with("Poller"));
    events.clear();
    assert!(events.is_empty());
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::os::unix::thread::JoinHandleExt;

    use nativesockets_testutil::limits::raise_fd_limit;
    use nativesockets_testutil::signals::{handled, install_counting_handler};
    // Tests that open thousands of descriptors run one at a time.
    use nativesockets_testutil::threads::exclusive;

    #[test]
    #[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
    fn ten_thousand_registered_sockets_with_one_ready() {
        let _x = exclusive();
        let limit = raise_fd_limit(10_300);
        assert!(
            limit >= 10_300,
            "RLIMIT_NOFILE's hard limit {limit} is below 10,300"
        );
        let p = Poller::new().unwrap();
        let idle: Vec<UdpSocket> = (0..9_999)
            .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
            .collect();
        for (i, s) in idle.iter().enumerate() {
            p.add(s, i, Interest::READABLE).unwrap();
        }
        let ready = udp_with_datagram();
        p.add(&ready, 777_777, Interest::READABLE).unwrap();
        let mut events = Events::with_capacity(1024);
        assert_eq!(p.wait(&mut events, Some(PATIENCE)).unwrap(), 1);
        assert_eq!(events.iter().next().unwrap().key, 777_777);
        for s in &idle {
            p.delete(s).unwrap();
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "epoll/kqueue/poll(2), which Miri does not emulate")]
    fn a_descriptor_above_1024_works() {
        let _x = exclusive();
        assert!(raise_fd_limit(4096) > 2100);
        let s = udp_with_datagram();
        // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor for the same
        // socket, which the OwnedFd takes over.
        let high = unsafe { libc::fcntl(s.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 2000 as RawFd) };
        assert!(high >= 2000, "{}", io::Error::last_os_error());
        // SAFETY: just opened, owned by nothing else.
        let high = unsafe { OwnedFd::from_raw_fd(high) };
        let p = Poller::new().unwrap();
        p.add(&high, 2000, Interest::READABLE).unwrap();
        assert_eq!(wait_for(&p, 2000).key, 2000);
        p.modify(&high, 2001, Interest::BOTH).unwrap();
        assert!(wait_for(&p, 2001).readable);
        p.delete(&high).unwrap();
    }

    #[test]
    #[cfg_attr(miri, ignore = "signals, which Miri does not emulate")]
    fn a_signal_during_wait_resumes_with_the_time_left() {
        install_counting_handler(libc::SIGUSR1);
        let p = Arc::new(Poller::new().unwrap());
        let idle = UdpSocket::bind("127.0.0.1:0").unwrap();
        p.add(&idle, 1, Interest::READABLE).unwrap();
        let timeout = Duration::from_millis(400);
        let before = handled(libc::SIGUSR1);
        let waiter = {
            let p = Arc::clone(&p);
            thread::spawn(move || {
                let start = Instant::now();
                let mut events = Events::with_capacity(4);
                let n = p.wait(&mut events, Some(timeout)).unwrap();
                (n, start.elapsed())
            })
        };
        let tid = waiter.as_pthread_t();
        for _ in 0..10 {
            thread::sleep(Duration::from_millis(20));
            if waiter.is_finished() {
                break;
            }
            // SAFETY: the thread is alive (joined below, not yet); the
            // handler only counts.
            unsafe { libc::pthread_kill(tid, libc::SIGUSR1) };
        }
        let (n, took) = bounded(PATIENCE, move || waiter.join().unwrap());
        assert!(handled(libc::SIGUSR1) > before, "no signal was handled");
        assert_eq!(n, 0);
        assert!(
            took >= timeout,
            "returned after {took:?}, before {timeout:?}"
        );
        // Resumed with the time left, not from the start each time.
        assert!(took < timeout + Duration::from_millis(150) * 2, "{took:?}");
    }
}
