//! `select` over many idle sockets with one ready, against a raw `poll(2)`
//! and (below descriptor 1024) a raw `select(2)` as Nim calls it; and
//! `Poller` (at the end of the file) against raw epoll, mio and polling.
//!
//! The idle sockets are unbound UDP sockets (never readable; an
//! unconnected TCP socket would report a hang-up and count as ready). The
//! ready one is a bound UDP socket holding one datagram that is never read,
//! placed in the middle. Every side does one whole call per operation and
//! ends with the list of ready handles: ours refills its vector (the call
//! keeps only the ready handles in it), raw `poll` scans its `pollfd`
//! array, raw `select` rebuilds its `fd_set` and tests every bit, as a C
//! program must.

use std::hint::black_box;
use std::io::{Read, Write};
use std::mem;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::RawFd;
use std::time::Duration;

use nativesockets::{self as ns, Domain, Protocol, SockType, SocketHandle};

use crate::harness::{side, Bench, Target};

const AT_MOST_1_10: Target = Target::AtMost(1.10);

pub fn run(b: &mut Bench) {
    for count in [1_000usize, 10_000] {
        let case = format!("select over {count} idle sockets, one ready (timeout 0)");
        if b.wants(&case) {
            select_many(b, &case, count);
        }
    }
    poller_cases(b);
}

/// Raises the soft descriptor limit so `want` descriptors fit (testutil's
/// helper); whether they do.
fn room_for(want: usize) -> bool {
    nativesockets_testutil::limits::raise_fd_limit(want as u64) >= want as u64
}

fn select_many(b: &mut Bench, case: &str, count: usize) {
    // The sockets, the benchmark's other descriptors and some slack.
    if !room_for(count + 256) {
        b.skip(
            case,
            format!("RLIMIT_NOFILE's hard limit is below {}", count + 256),
        );
        return;
    }
    let ready = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let mut handles: Vec<SocketHandle> = (0..count - 1)
        .map(|_| {
            ns::new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)
                .expect("new_native_socket(Inet, Dgram, Udp)")
        })
        .collect();
    handles.insert(count / 2, SocketHandle::from(ready));
    {
        let sender = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let to = handles[count / 2].local_addr().unwrap();
        sender
            .send_to(b"ready", to.as_socket_addr().unwrap())
            .expect("send");
    }
    let fds: Vec<RawFd> = handles.iter().map(SocketHandle::as_raw).collect();
    let max_fd = *fds.iter().max().unwrap();

    // The answer every side must give: the one ready handle.
    let mut check: Vec<&SocketHandle> = handles.iter().collect();
    // Wait for the datagram to land (it is local: at once, but not
    // necessarily before `send_to` returns on every kernel).
    assert_eq!(ns::select(&mut check, 1000).expect("select"), 1);
    assert_eq!(check[0].as_raw(), fds[count / 2]);

    let mut pollfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();

    let ours = side("nativesockets select", Target::Info, {
        let handles = &handles;
        let mut v: Vec<&SocketHandle> = Vec::with_capacity(count);
        move |n| {
            for _ in 0..n {
                v.clear();
                v.extend(handles.iter());
                assert_eq!(ns::select(&mut v, 0).expect("select"), 1);
                black_box(&v);
            }
        }
    });
    let mut alts = vec![side("libc poll + scan", AT_MOST_1_10, {
        let pollfds = &mut pollfds;
        let mut out: Vec<RawFd> = Vec::with_capacity(count);
        move |n| {
            for _ in 0..n {
                // SAFETY: the array is valid for its length; the kernel
                // writes only `revents`.
                let r = unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as _, 0) };
                assert_eq!(r, 1, "poll: {}", std::io::Error::last_os_error());
                out.clear();
                out.extend(pollfds.iter().filter(|p| p.revents != 0).map(|p| p.fd));
                black_box(&out);
            }
        }
    })];
    if (max_fd as usize) < libc::FD_SETSIZE {
        let fds = &fds;
        alts.push(side("libc select(2) with fd_set", AT_MOST_1_10, {
            let mut out: Vec<RawFd> = Vec::with_capacity(count);
            move |n| {
                for _ in 0..n {
                    // SAFETY: an all-zero fd_set is the empty set; every
                    // descriptor is below FD_SETSIZE (checked above).
                    let mut set: libc::fd_set = unsafe { mem::zeroed() };
                    for &fd in fds {
                        // SAFETY: as above.
                        unsafe { libc::FD_SET(fd, &mut set) };
                    }
                    let mut tv = libc::timeval {
                        tv_sec: 0,
                        tv_usec: 0,
                    };
                    // SAFETY: the set and timeval are valid; the other
                    // sets are absent.
                    let r = unsafe {
                        libc::select(
                            max_fd + 1,
                            &mut set,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            &mut tv,
                        )
                    };
                    assert_eq!(r, 1, "select: {}", std::io::Error::last_os_error());
                    out.clear();
                    // SAFETY: FD_ISSET reads the set the kernel wrote.
                    out.extend(
                        fds.iter()
                            .copied()
                            .filter(|&fd| unsafe { libc::FD_ISSET(fd, &set) }),
                    );
                    black_box(&out);
                }
            }
        }));
    } else {
        b.note(format!(
            "{case}: no raw select(2) row, descriptors reach {max_fd} (FD_SETSIZE is {})",
            libc::FD_SETSIZE
        ));
    }
    b.compare(case, ours, alts);
    drop(handles);
}

// ---- Poller against raw epoll, mio and polling ----

fn poller_cases(b: &mut Bench) {
    let case = "Poller wait, 10,000 registered, one ready (timeout 0)";
    if b.wants(case) || b.wants("Poller wait (Edge), 10,000 registered, nothing new (timeout 0)") {
        poller_wait(b, case, 10_000);
    }
    let case = "Poller add + delete of one socket";
    if b.wants(case) {
        poller_add_delete(b, case);
    }
    let case = "echo round over 1,000 loopback connections (64 bytes each)";
    if b.wants(case) {
        echo_round(b, case, 1_000);
    }
}

/// `count - 1` idle unbound UDP sockets and, in the middle, a bound one
/// holding a datagram that is never read.
fn idle_with_one_ready(count: usize) -> (Vec<SocketHandle>, usize) {
    let ready = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let mut handles: Vec<SocketHandle> = (0..count - 1)
        .map(|_| {
            ns::new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)
                .expect("new_native_socket(Inet, Dgram, Udp)")
        })
        .collect();
    let at = count / 2;
    handles.insert(at, SocketHandle::from(ready));
    let sender = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let to = handles[at].local_addr().unwrap();
    sender
        .send_to(b"ready", to.as_socket_addr().unwrap())
        .expect("send");
    (handles, at)
}

fn epoll_fd() -> RawFd {
    // SAFETY: plain system call; the descriptor is closed by the caller.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(
        fd >= 0,
        "epoll_create1: {}",
        std::io::Error::last_os_error()
    );
    fd
}

fn poller_wait(b: &mut Bench, case: &str, count: usize) {
    // The sockets, four pollers' descriptors and some slack.
    if !room_for(count + 256) {
        b.skip(
            case,
            format!("RLIMIT_NOFILE's hard limit is below {}", count + 256),
        );
        return;
    }
    let (handles, at) = idle_with_one_ready(count);
    let fds: Vec<RawFd> = handles.iter().map(SocketHandle::as_raw).collect();

    let ours = ns::Poller::new().expect("Poller::new");
    let raw = epoll_fd();
    let mut mio_poll = mio::Poll::new().expect("mio::Poll::new");
    let pol = polling::Poller::new().expect("polling::Poller::new");
    for (i, (h, &fd)) in handles.iter().zip(&fds).enumerate() {
        ours.add(h, i, ns::Interest::READABLE).expect("Poller::add");
        let mut ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: i as u64,
        };
        // SAFETY: both descriptors are open; `ev` is valid.
        let r = unsafe { libc::epoll_ctl(raw, libc::EPOLL_CTL_ADD, fd, &mut ev) };
        assert_eq!(r, 0, "epoll_ctl: {}", std::io::Error::last_os_error());
        mio_poll
            .registry()
            .register(
                &mut mio::unix::SourceFd(&fd),
                mio::Token(i),
                mio::Interest::READABLE,
            )
            .expect("mio register");
        // SAFETY: the socket outlives its registration (deleted below).
        unsafe { pol.add_with_mode(fd, polling::Event::readable(i), polling::PollMode::Level) }
            .expect("polling add");
    }

    let mut events = ns::Events::with_capacity(1024);
    assert_eq!(
        ours.wait(&mut events, Some(Duration::from_secs(1)))
            .unwrap(),
        1
    );
    assert_eq!(events.iter().next().unwrap().key, at);

    let ours_side = side("nativesockets Poller::wait", Target::Info, {
        let (ours, events) = (&ours, &mut events);
        move |n| {
            for _ in 0..n {
                let got = ours.wait(events, Some(Duration::ZERO)).expect("wait");
                assert_eq!(got, 1);
                black_box(events.iter().next());
            }
        }
    });
    let raw_side = side("raw epoll_wait", Target::AtMost(1.05), {
        // SAFETY: an all-zero epoll_event is valid.
        let mut buf: Vec<libc::epoll_event> = vec![unsafe { mem::zeroed() }; 1024];
        move |n| {
            for _ in 0..n {
                // SAFETY: the buffer holds 1024 entries.
                let got = unsafe { libc::epoll_wait(raw, buf.as_mut_ptr(), 1024, 0) };
                assert_eq!(got, 1);
                black_box(buf[0].u64);
            }
        }
    });
    let polling_side = side("polling Poller::wait", Target::AtMost(1.05), {
        let mut pol_events =
            polling::Events::with_capacity(std::num::NonZeroUsize::new(1024).unwrap());
        let pol = &pol;
        move |n| {
            for _ in 0..n {
                pol_events.clear();
                let got = pol
                    .wait(&mut pol_events, Some(Duration::ZERO))
                    .expect("polling wait");
                assert_eq!(got, 1);
                black_box(pol_events.iter().next());
            }
        }
    });
    let select_side = side("nativesockets select (poll(2))", Target::AtMost(0.01), {
        let handles = &handles;
        let mut v: Vec<&SocketHandle> = Vec::with_capacity(count);
        move |n| {
            for _ in 0..n {
                v.clear();
                v.extend(handles.iter());
                assert_eq!(ns::select(&mut v, 0).expect("select"), 1);
                black_box(&v);
            }
        }
    });
    if b.wants(case) {
        b.compare(case, ours_side, vec![raw_side, polling_side, select_side]);
    } else {
        drop((ours_side, raw_side, polling_side, select_side));
    }

    // mio registers edge-triggered only: after its first poll it finds the
    // ready socket no more. Its like is `Poller` in Edge mode, where the
    // same holds: every wait looks at the 10,000 and reports nothing.
    let edge_case = "Poller wait (Edge), 10,000 registered, nothing new (timeout 0)";
    if b.wants(edge_case) {
        let edge = ns::Poller::new().expect("Poller::new");
        for (i, h) in handles.iter().enumerate() {
            edge.add_with_mode(h, i, ns::Interest::READABLE, ns::PollMode::Edge)
                .expect("add Edge");
        }
        let mut events = ns::Events::with_capacity(1024);
        assert_eq!(
            edge.wait(&mut events, Some(Duration::from_secs(1)))
                .unwrap(),
            1
        );
        let mut mio_events = mio::Events::with_capacity(1024);
        mio_poll
            .poll(&mut mio_events, Some(Duration::from_secs(1)))
            .expect("mio poll");
        let ours_side = side("nativesockets Poller::wait, Edge", Target::Info, {
            let edge = &edge;
            move |n| {
                for _ in 0..n {
                    let got = edge.wait(&mut events, Some(Duration::ZERO)).expect("wait");
                    assert_eq!(got, 0);
                    black_box(events.iter().next());
                }
            }
        });
        let mio_side = side("mio Poll::poll", Target::AtMost(1.05), {
            let mio_poll = &mut mio_poll;
            move |n| {
                for _ in 0..n {
                    mio_poll
                        .poll(&mut mio_events, Some(Duration::ZERO))
                        .expect("mio poll");
                    assert!(mio_events.is_empty());
                    black_box(mio_events.iter().next());
                }
            }
        });
        b.compare(edge_case, ours_side, vec![mio_side]);
        for h in &handles {
            edge.delete(h).expect("delete");
        }
    }
    for (h, &fd) in handles.iter().zip(&fds) {
        ours.delete(h).expect("delete");
        let _ = pol.delete(h);
        let _ = mio_poll
            .registry()
            .deregister(&mut mio::unix::SourceFd(&fd));
    }
    // SAFETY: `raw` was opened above and is closed once.
    unsafe { libc::close(raw) };
}

fn poller_add_delete(b: &mut Bench, case: &str) {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let fd = std::os::fd::AsRawFd::as_raw_fd(&sock);
    let ours = ns::Poller::new().expect("Poller::new");
    let raw = epoll_fd();
    let mio_poll = mio::Poll::new().expect("mio::Poll::new");
    let pol = polling::Poller::new().expect("polling::Poller::new");
    let ours_side = side("nativesockets Poller::add + delete", Target::Info, {
        let (ours, sock) = (&ours, &sock);
        move |n| {
            for _ in 0..n {
                ours.add(sock, 7, ns::Interest::READABLE).expect("add");
                ours.delete(sock).expect("delete");
            }
        }
    });
    let raw_side = side("raw epoll_ctl ADD + DEL", Target::AtMost(1.05), move |n| {
        for _ in 0..n {
            let mut ev = libc::epoll_event {
                events: (libc::EPOLLIN | libc::EPOLLRDHUP) as u32,
                u64: 7,
            };
            // SAFETY: both descriptors are open; `ev` is valid.
            let r = unsafe { libc::epoll_ctl(raw, libc::EPOLL_CTL_ADD, fd, &mut ev) };
            assert_eq!(r, 0);
            // SAFETY: as above.
            let r = unsafe { libc::epoll_ctl(raw, libc::EPOLL_CTL_DEL, fd, &mut ev) };
            assert_eq!(r, 0);
        }
    });
    let mio_side = side("mio register + deregister", Target::Info, {
        let mio_poll = &mio_poll;
        move |n| {
            for _ in 0..n {
                let mut src = mio::unix::SourceFd(&fd);
                mio_poll
                    .registry()
                    .register(&mut src, mio::Token(7), mio::Interest::READABLE)
                    .expect("register");
                mio_poll
                    .registry()
                    .deregister(&mut src)
                    .expect("deregister");
            }
        }
    });
    let polling_side = side("polling add + delete", Target::Info, {
        let (pol, sock) = (&pol, &sock);
        move |n| {
            for _ in 0..n {
                // SAFETY: the socket outlives the registration.
                unsafe {
                    pol.add_with_mode(fd, polling::Event::readable(7), polling::PollMode::Level)
                }
                .expect("add");
                pol.delete(sock).expect("delete");
            }
        }
    });
    b.compare(case, ours_side, vec![raw_side, mio_side, polling_side]);
    // SAFETY: `raw` was opened above and is closed once.
    unsafe { libc::close(raw) };
}

/// `count` connected pairs: (clients, server ends), all non-blocking.
fn connections(count: usize) -> (Vec<TcpStream>, Vec<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().unwrap();
    let mut clients = Vec::with_capacity(count);
    let mut servers = Vec::with_capacity(count);
    for _ in 0..count {
        let c = TcpStream::connect(addr).expect("connect");
        let (s, _) = listener.accept().expect("accept");
        c.set_nodelay(true).unwrap();
        s.set_nodelay(true).unwrap();
        c.set_nonblocking(true).unwrap();
        s.set_nonblocking(true).unwrap();
        clients.push(c);
        servers.push(s);
    }
    (clients, servers)
}

/// Every client sends 64 bytes; `serve` echoes all of them; every client
/// reads its 64 bytes back. The clients' part is the same for both sides.
fn round(clients: &mut [TcpStream], mut serve: impl FnMut()) {
    let msg = [0x5a_u8; 64];
    for c in clients.iter_mut() {
        c.write_all(&msg).expect("client write");
    }
    serve();
    let mut buf = [0u8; 64];
    for c in clients.iter_mut() {
        let mut got = 0;
        while got < 64 {
            match c.read(&mut buf[got..]) {
                Ok(0) => panic!("server closed"),
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::hint::spin_loop(),
                Err(e) => panic!("client read: {e}"),
            }
        }
    }
}

fn echo_round(b: &mut Bench, case: &str, count: usize) {
    // Two sets of connections (one per server), two descriptors each.
    if !room_for(4 * count + 256) {
        b.skip(case, "RLIMIT_NOFILE's hard limit is too low");
        return;
    }
    let (mut ours_clients, ours_servers) = connections(count);
    let (mut mio_clients, mio_servers) = connections(count);
    let ours = ns::Poller::new().expect("Poller::new");
    for (i, s) in ours_servers.iter().enumerate() {
        ours.add(s, i, ns::Interest::READABLE).expect("add");
    }
    let mut mio_poll = mio::Poll::new().expect("mio::Poll::new");
    let mut mio_servers: Vec<mio::net::TcpStream> = mio_servers
        .into_iter()
        .map(mio::net::TcpStream::from_std)
        .collect();
    for (i, s) in mio_servers.iter_mut().enumerate() {
        mio_poll
            .registry()
            .register(s, mio::Token(i), mio::Interest::READABLE)
            .expect("register");
    }

    let ours_side = side("server on nativesockets Poller (level)", Target::Info, {
        let mut events = ns::Events::with_capacity(1024);
        let (ours, servers, clients) = (&ours, &ours_servers, &mut ours_clients);
        move |n| {
            for _ in 0..n {
                round(clients, || {
                    let mut echoed = 0;
                    let mut buf = [0u8; 64];
                    while echoed < count {
                        ours.wait(&mut events, Some(Duration::from_secs(5)))
                            .expect("wait");
                        for e in events.iter() {
                            let mut s = &servers[e.key];
                            match s.read(&mut buf) {
                                Ok(64) => {
                                    s.write_all(&buf).expect("echo");
                                    echoed += 1;
                                }
                                Ok(k) => panic!("short read {k}"),
                                Err(e) => panic!("server read: {e}"),
                            }
                        }
                    }
                });
            }
        }
    });
    let mio_side = side("same server on mio (edge)", Target::AtMost(1.05), {
        let mut events = mio::Events::with_capacity(1024);
        let (mio_poll, servers, clients) = (&mut mio_poll, &mut mio_servers, &mut mio_clients);
        move |n| {
            for _ in 0..n {
                round(clients, || {
                    let mut echoed = 0;
                    let mut buf = [0u8; 64];
                    while echoed < count {
                        mio_poll
                            .poll(&mut events, Some(Duration::from_secs(5)))
                            .expect("poll");
                        for e in events.iter() {
                            let s = &mut servers[e.token().0];
                            // Edge-triggered: read until WouldBlock.
                            loop {
                                match s.read(&mut buf) {
                                    Ok(64) => {
                                        s.write_all(&buf).expect("echo");
                                        echoed += 1;
                                    }
                                    Ok(k) => panic!("short read {k}"),
                                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                                    Err(e) => panic!("server read: {e}"),
                                }
                            }
                        }
                    }
                });
            }
        }
    });
    b.compare(case, ours_side, vec![mio_side]);
    b.note(format!(
        "{case}: the mio server reads each connection until WouldBlock, as edge \
         triggering requires (one more read per message than the level-triggered Poller server)"
    ));
    for s in &ours_servers {
        ours.delete(s).expect("delete");
    }
}
