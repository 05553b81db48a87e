//! `Ring` against the same servers on `Poller` and on a raw io_uring
//! written here with the `io-uring` crate: the 1,000-connection echo round
//! of `readiness.rs`, a fan-out of one message to 1,000 connections, and
//! accepting bursts of loopback connections. Also the ring's
//! `io_uring_enter` calls per echoed message (a note).
//!
//! Every echo side serves the same clients' rounds (`round`): the clients
//! write 64 bytes on each connection, the server echoes all of them, the
//! clients read them back.

use std::io::{Read, Write};
use std::mem;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use io_uring::{cqueue, opcode, types, IoUring};
use nativesockets::{
    self as ns, Completions, Interest, OpKind, Ring, RingBackend, RingOptions, SocketHandle,
};

use crate::harness::{side, Bench, Target};

const MSG: usize = 64;
const WAIT: Option<Duration> = Some(Duration::from_secs(5));

pub fn run(b: &mut Bench) {
    if Ring::new().map(|r| r.backend()).ok() != Some(RingBackend::IoUring) {
        b.skip("ring", "io_uring is not available here");
        return;
    }
    let case = "ring: echo round over 1,000 loopback connections (64 bytes each)";
    if b.wants(case) {
        echo_round(b, case, 1_000);
    }
    let case = "ring: fan-out of 64 bytes to 1,000 loopback connections";
    if b.wants(case) {
        fan_out(b, case, 1_000);
    }
    let case = "ring: accepting loopback connections (batches of up to 10,000)";
    if b.wants(case) {
        accept_burst(b, case);
    }
}

/// Raises the soft descriptor limit so `want` descriptors fit (testutil's
/// helper); whether they do.
fn room_for(want: usize) -> bool {
    nativesockets_testutil::limits::raise_fd_limit(want as u64) >= want as u64
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

/// Reads `MSG` bytes from every client (spinning on `WouldBlock`).
fn read_all(clients: &mut [TcpStream]) {
    let mut buf = [0u8; MSG];
    for c in clients.iter_mut() {
        let mut got = 0;
        while got < MSG {
            match c.read(&mut buf[got..]) {
                Ok(0) => panic!("server closed"),
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::hint::spin_loop(),
                Err(e) => panic!("client read: {e}"),
            }
        }
    }
}

/// Every client sends 64 bytes; `serve` echoes all of them; every client
/// reads its 64 bytes back.
fn round(clients: &mut [TcpStream], mut serve: impl FnMut()) {
    let msg = [0x5a_u8; MSG];
    for c in clients.iter_mut() {
        c.write_all(&msg).expect("client write");
    }
    serve();
    read_all(clients);
}

/// The `Ring` echo server: a multishot pooled receive per connection,
/// armed once; each message copied into the connection's own buffer and
/// sent back.
struct RingEcho {
    ring: Ring,
    socks: Vec<Arc<SocketHandle>>,
    bufs: Vec<Option<Vec<u8>>>,
    done: Completions,
}

impl RingEcho {
    fn new(servers: Vec<TcpStream>) -> RingEcho {
        let mut ring = Ring::with_options(&RingOptions::new().capacity(4096)).expect("Ring");
        let socks: Vec<Arc<SocketHandle>> = servers
            .into_iter()
            .map(|s| Arc::new(SocketHandle::from(s)))
            .collect();
        for (i, s) in socks.iter().enumerate() {
            ring.recv_pooled(s, i as u64).expect("recv_pooled");
        }
        let bufs = (0..socks.len())
            .map(|_| Some(Vec::with_capacity(MSG)))
            .collect();
        RingEcho {
            ring,
            socks,
            bufs,
            done: Completions::with_capacity(4096),
        }
    }

    /// Echoes `count` messages.
    fn serve(&mut self, count: usize) {
        let mut echoed = 0;
        while echoed < count {
            self.ring.wait(&mut self.done, WAIT).expect("wait");
            for c in self.done.iter_mut() {
                let i = c.key() as usize;
                match c.kind() {
                    OpKind::RecvPooled => {
                        let data = c.pooled().expect("a message");
                        let mut out = self.bufs[i].take().expect("one send at a time");
                        out.clear();
                        out.extend_from_slice(data);
                        if !c.is_more() {
                            panic!("receive ended: {c:?}");
                        }
                        self.ring.send(&self.socks[i], out, i as u64).expect("send");
                    }
                    OpKind::Send => {
                        assert_eq!(c.result().expect("send"), MSG);
                        self.bufs[i] = c.take_buffer();
                        echoed += 1;
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
    }
}

/// The same server written directly on io_uring with the `io-uring`
/// crate: the same setup flags, a provided buffer ring, one multishot
/// receive per connection, a send from a fixed per-connection buffer.
struct RawEcho {
    ring: IoUring,
    fds: Vec<TcpStream>,
    out: Vec<[u8; MSG]>,
    bufs: Vec<u8>,
    br: *mut types::BufRingEntry,
    br_layout: std::alloc::Layout,
    tail: u16,
}

const RAW_BUFS: u16 = 1024;
const RAW_BUF_SIZE: usize = 4096;
const SEND_TAG: u64 = 1 << 32;

impl RawEcho {
    fn new(servers: Vec<TcpStream>) -> RawEcho {
        let ring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .setup_coop_taskrun()
            .setup_submit_all()
            .setup_cqsize(8192)
            .build(4096)
            .expect("io_uring");
        let br_layout = std::alloc::Layout::from_size_align(
            usize::from(RAW_BUFS) * mem::size_of::<types::BufRingEntry>(),
            4096,
        )
        .unwrap();
        // SAFETY: a non-zero layout.
        let br = unsafe { std::alloc::alloc_zeroed(br_layout) }.cast::<types::BufRingEntry>();
        // SAFETY: page-aligned, RAW_BUFS entries, freed only in `Drop`
        // after the ring is gone.
        unsafe {
            ring.submitter()
                .register_buf_ring_with_flags(br as u64, RAW_BUFS, 0, 0)
                .expect("buf ring");
        }
        let mut raw = RawEcho {
            ring,
            out: vec![[0; MSG]; servers.len()],
            fds: servers,
            bufs: vec![0; usize::from(RAW_BUFS) * RAW_BUF_SIZE],
            br,
            br_layout,
            tail: 0,
        };
        for bid in 0..RAW_BUFS {
            raw.give(bid);
        }
        raw.publish();
        for (i, s) in raw.fds.iter().enumerate() {
            let e = opcode::RecvMulti::new(types::Fd(s.as_raw_fd()), 0)
                .build()
                .user_data(i as u64);
            // SAFETY: a multishot receive into the buffer ring, which lives
            // as long as the ring.
            unsafe { raw.ring.submission().push(&e).expect("sq") };
        }
        raw
    }

    fn give(&mut self, bid: u16) {
        let idx = usize::from(self.tail & (RAW_BUFS - 1));
        // SAFETY: within the RAW_BUFS entries; the kernel reads only up to
        // the published tail.
        let e = unsafe { &mut *self.br.add(idx) };
        e.set_addr(self.bufs[usize::from(bid) * RAW_BUF_SIZE..].as_ptr() as u64);
        e.set_len(RAW_BUF_SIZE as u32);
        e.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    fn publish(&mut self) {
        // SAFETY: the tail field of the first entry, stored with release.
        unsafe {
            let t = types::BufRingEntry::tail(self.br) as *const std::sync::atomic::AtomicU16;
            (*t).store(self.tail, std::sync::atomic::Ordering::Release);
        }
    }

    fn serve(&mut self, count: usize) {
        let mut echoed = 0;
        let mut cqes = Vec::with_capacity(4096);
        while echoed < count {
            self.ring.submit_and_wait(1).expect("enter");
            cqes.extend(
                self.ring
                    .completion()
                    .map(|c| (c.user_data(), c.result(), c.flags())),
            );
            let mut gave = false;
            for (data, res, flags) in cqes.drain(..) {
                if data & SEND_TAG != 0 {
                    assert_eq!(res as usize, MSG);
                    echoed += 1;
                    continue;
                }
                let i = data as usize;
                assert!(res > 0 && cqueue::more(flags), "receive ended: {res}");
                let bid = cqueue::buffer_select(flags).expect("a buffer");
                let at = usize::from(bid) * RAW_BUF_SIZE;
                self.out[i].copy_from_slice(&self.bufs[at..at + res as usize]);
                self.give(bid);
                gave = true;
                let e = opcode::Send::new(
                    types::Fd(self.fds[i].as_raw_fd()),
                    self.out[i].as_ptr(),
                    MSG as u32,
                )
                .build()
                .user_data(SEND_TAG | i as u64);
                // SAFETY: `out[i]` is not touched until this send completes.
                unsafe { self.ring.submission().push(&e).expect("sq") };
            }
            if gave {
                self.publish();
            }
        }
    }
}

impl Drop for RawEcho {
    fn drop(&mut self) {
        let _ = self.ring.submitter().unregister_buf_ring(0);
        // SAFETY: allocated in `new` with this layout and unregistered.
        unsafe { std::alloc::dealloc(self.br.cast(), self.br_layout) };
    }
}

fn echo_round(b: &mut Bench, case: &str, count: usize) {
    if !room_for(6 * count + 256) {
        b.skip(case, "RLIMIT_NOFILE's hard limit is too low");
        return;
    }
    let (mut ring_clients, ring_servers) = connections(count);
    let (mut poll_clients, poll_servers) = connections(count);
    let (mut raw_clients, raw_servers) = connections(count);
    let mut ours = RingEcho::new(ring_servers);
    let mut raw = RawEcho::new(raw_servers);
    let poller = ns::Poller::new().expect("Poller::new");
    for (i, s) in poll_servers.iter().enumerate() {
        poller.add(s, i, Interest::READABLE).expect("add");
    }

    let ours_side = side("server on nativesockets Ring (io_uring)", Target::Info, {
        let (ours, clients) = (&mut ours, &mut ring_clients);
        move |n| {
            for _ in 0..n {
                round(clients, || ours.serve(count));
            }
        }
    });
    let poll_side = side(
        "same server on nativesockets Poller (level)",
        Target::AtMost(0.98),
        {
            let mut events = ns::Events::with_capacity(1024);
            let (poller, servers, clients) = (&poller, &poll_servers, &mut poll_clients);
            move |n| {
                for _ in 0..n {
                    round(clients, || {
                        let mut echoed = 0;
                        let mut buf = [0u8; MSG];
                        while echoed < count {
                            poller.wait(&mut events, WAIT).expect("wait");
                            for e in events.iter() {
                                let mut s = &servers[e.key];
                                match s.read(&mut buf) {
                                    Ok(MSG) => {
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
        },
    );
    let raw_side = side(
        "same server on a raw io_uring (io-uring crate)",
        Target::AtMost(1.05),
        {
            let (raw, clients) = (&mut raw, &mut raw_clients);
            move |n| {
                for _ in 0..n {
                    round(clients, || raw.serve(count));
                }
            }
        },
    );
    b.compare(case, ours_side, vec![poll_side, raw_side]);

    // The ring's system calls per message, over rounds apart from the
    // measured ones.
    let rounds = 100;
    let before = ours.ring.enters();
    for _ in 0..rounds {
        round(&mut ring_clients, || ours.serve(count));
    }
    let per = (ours.ring.enters() - before) as f64 / (rounds * count) as f64;
    b.note(format!(
        "{case}: {per:.4} io_uring_enter calls per echoed message over {rounds} rounds \
         (goal at most 0.05: {})",
        if per <= 0.05 { "met" } else { "MISSED" }
    ));
    for s in &poll_servers {
        poller.delete(s).expect("delete");
    }
}

fn fan_out(b: &mut Bench, case: &str, count: usize) {
    if !room_for(4 * count + 256) {
        b.skip(case, "RLIMIT_NOFILE's hard limit is too low");
        return;
    }
    let (mut ring_clients, ring_servers) = connections(count);
    let (mut poll_clients, poll_servers) = connections(count);
    let mut ring = Ring::with_options(&RingOptions::new().capacity(4096)).expect("Ring");
    let socks: Vec<Arc<SocketHandle>> = ring_servers
        .into_iter()
        .map(|s| Arc::new(SocketHandle::from(s)))
        .collect();
    let mut bufs: Vec<Option<Vec<u8>>> = (0..count).map(|_| Some(vec![0x3c; MSG])).collect();
    let mut done = Completions::with_capacity(4096);

    let ours_side = side("Ring: one send per connection, one wait", Target::Info, {
        let clients = &mut ring_clients;
        move |n| {
            for _ in 0..n {
                for (i, s) in socks.iter().enumerate() {
                    let buf = bufs[i].take().expect("buffer back");
                    ring.send(s, buf, i as u64).expect("send");
                }
                let mut sent = 0;
                while sent < count {
                    ring.wait(&mut done, WAIT).expect("wait");
                    for c in done.iter_mut() {
                        assert_eq!(c.result().expect("send"), MSG);
                        bufs[c.key() as usize] = c.take_buffer();
                        sent += 1;
                    }
                }
                read_all(clients);
            }
        }
    });
    let poll_side = side(
        "send(2) on each connection (Poller server)",
        Target::AtMost(0.95),
        {
            let (servers, clients) = (&poll_servers, &mut poll_clients);
            let msg = [0x3c_u8; MSG];
            move |n| {
                for _ in 0..n {
                    for mut s in servers.iter() {
                        s.write_all(&msg).expect("send");
                    }
                    read_all(clients);
                }
            }
        },
    );
    b.compare(case, ours_side, vec![poll_side]);
    b.note(format!(
        "{case}: the Poller side needs no wait (loopback sockets have room), so it is \
         {count} send(2) calls against the ring's one io_uring_enter"
    ));
}

/// Connects `n` clients to `addr`, closing with a reset (no TIME_WAIT
/// left to run the ports out), in chunks the backlog holds; `accept`
/// takes each chunk's connections.
fn connect_burst(addr: std::net::SocketAddr, n: usize, mut accept: impl FnMut(usize)) {
    let mut left = n;
    while left > 0 {
        let chunk = left.min(500);
        let clients: Vec<socket2::Socket> = (0..chunk)
            .map(|_| {
                let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
                    .expect("socket");
                s.set_linger(Some(Duration::ZERO)).unwrap();
                s.connect(&addr.into()).expect("connect");
                s
            })
            .collect();
        accept(chunk);
        drop(clients);
        left -= chunk;
    }
}

fn accept_burst(b: &mut Bench, case: &str) {
    if !room_for(4 * 1000 + 256) {
        b.skip(case, "RLIMIT_NOFILE's hard limit is too low");
        return;
    }
    let listen = |backlog| {
        let l = SocketHandle::new(ns::Domain::Inet, ns::SockType::Stream, ns::Protocol::Tcp)
            .expect("socket");
        l.bind_addr(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
        l.listen(backlog).unwrap();
        l
    };
    let ring_l = Arc::new(listen(4096));
    let poll_l = listen(4096);
    let ring_addr = ring_l.local_addr().unwrap().as_socket_addr().unwrap();
    let poll_addr = poll_l.local_addr().unwrap().as_socket_addr().unwrap();
    let mut ring = Ring::with_options(&RingOptions::new().capacity(64)).expect("Ring");
    ring.accept(&ring_l, 0).expect("accept");
    let mut done = Completions::with_capacity(4096);
    poll_l.set_blocking(false).unwrap();
    let poller = ns::Poller::new().expect("Poller");
    poller.add(&poll_l, 0, Interest::READABLE).unwrap();
    let mut events = ns::Events::with_capacity(16);

    let ours_side = side("Ring: multishot accept", Target::Info, {
        move |n| {
            connect_burst(ring_addr, n as usize, |chunk| {
                let mut got = 0;
                while got < chunk {
                    ring.wait(&mut done, WAIT).expect("wait");
                    for c in done.iter_mut() {
                        assert!(c.is_more(), "{c:?}");
                        drop(c.take_accepted().expect("accepted"));
                        got += 1;
                    }
                }
            });
        }
    });
    let poll_side = side(
        "Poller: wait, then accept until WouldBlock",
        Target::AtMost(1.0),
        {
            let poll_l = &poll_l;
            move |n| {
                connect_burst(poll_addr, n as usize, |chunk| {
                    let mut got = 0;
                    while got < chunk {
                        poller.wait(&mut events, WAIT).expect("wait");
                        loop {
                            match poll_l.accept() {
                                Ok((s, _)) => {
                                    drop(s);
                                    got += 1;
                                }
                                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                                Err(e) => panic!("accept: {e}"),
                            }
                        }
                    }
                });
            }
        },
    );
    b.compare_in_batches_of(case, Duration::from_millis(20), ours_side, vec![poll_side]);
    b.note(format!(
        "{case}: each side's time includes the clients' connect(2) and close, the same for both; \
         the Ring's connections come non-blocking (SOCK_NONBLOCK), the Poller side's are left \
         blocking (no fcntl counted against it)"
    ));
}
