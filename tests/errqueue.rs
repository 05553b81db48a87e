//! The error queue: ICMP errors typed with their origin, type, code,
//! errno and offender; zero-copy completions in order and contiguous;
//! transmit timestamps numbered by `OPT_ID`, monotone and after their
//! send; received timestamps through `recv_msg`; the calls `Unsupported`
//! outside Linux. Loopback only, every wait bounded.

// Every test here needs sockets and recvmsg(MSG_ERRQUEUE), which Miri does not emulate.
#![cfg(not(miri))]

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{self, IoSlice, IoSliceMut, Read};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, UdpSocket};
    use std::thread;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use nativesockets::*;

    /// A UDP address on `ip` where nothing listens (bound, then closed).
    fn closed_port(ip: IpAddr) -> SockAddr {
        let s = UdpSocket::bind(SocketAddr::new(ip, 0)).unwrap();
        let a = s.local_addr().unwrap();
        drop(s);
        SockAddr::from(a)
    }

    /// The buffers `next_entry` leaks, by address (see there).
    static KEPT: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

    /// Reads the error queue until an entry comes (at most 5 s), giving
    /// the entry and the payload.
    fn next_entry(s: &SocketHandle) -> (ErrorQueueEntry<'static>, Vec<u8>) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            // Leaked per call so the typed entry can outlive the loop (a
            // test reads a bounded number of entries); their addresses are
            // kept in `KEPT`, so valgrind sees them still reachable.
            let data: &'static mut [u8] = Box::leak(vec![0u8; 2048].into_boxed_slice());
            let control: &'static mut [u8] =
                Box::leak(vec![0u8; ERROR_QUEUE_CONTROL_SPACE].into_boxed_slice());
            let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
            kept.push(data.as_ptr() as usize);
            kept.push(control.as_ptr() as usize);
            drop(kept);
            match s.recv_error_queue(data, control) {
                Ok(msg) => return (msg.entry(), msg.payload().to_vec()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no error-queue entry within 5 s");
                    thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("recv_error_queue: {e}"),
            }
        }
    }

    fn since_epoch() -> Duration {
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
    }

    #[test]
    fn udp_to_a_closed_port_queues_icmp_port_unreachable_v4() {
        let to = closed_port(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        s.set_recv_err_v4(true).unwrap();
        s.send_msg(Some(&to), &[IoSlice::new(b"knock v4")], &[], 0)
            .unwrap();
        let (entry, payload) = next_entry(&s);
        let ErrorQueueEntry::Error(e) = entry else {
            panic!("{entry:?}")
        };
        assert_eq!(e.origin, ErrorOrigin::Icmp);
        assert_eq!((e.icmp_type, e.icmp_code), (3, 3));
        assert_eq!(e.errno, libc::ECONNREFUSED);
        assert_eq!(e.os_error().kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(e.offender, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(payload, b"knock v4", "the original datagram's bytes");
        // One entry, one read: the queue is empty again.
        let (mut d, mut c) = ([0u8; 16], [0u8; 256]);
        let err = s.recv_error_queue(&mut d, &mut c).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
    }

    #[test]
    fn udp_to_a_closed_port_queues_icmpv6_port_unreachable_v6() {
        let to = closed_port(IpAddr::V6(Ipv6Addr::LOCALHOST));
        let s = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
        s.set_recv_err_v6(true).unwrap();
        s.send_msg(Some(&to), &[IoSlice::new(b"knock v6")], &[], 0)
            .unwrap();
        let (entry, payload) = next_entry(&s);
        let ErrorQueueEntry::Error(e) = entry else {
            panic!("{entry:?}")
        };
        assert_eq!(e.origin, ErrorOrigin::Icmp6);
        assert_eq!((e.icmp_type, e.icmp_code), (1, 4));
        assert_eq!(e.errno, libc::ECONNREFUSED);
        assert_eq!(e.offender, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(payload, b"knock v6");
    }

    #[test]
    fn a_queued_entry_wakes_a_poller_and_select() {
        let to = closed_port(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        s.set_recv_err_v4(true).unwrap();
        let poller = Poller::new().unwrap();
        poller.add(&s, 7, Interest::READABLE).unwrap();
        s.send_msg(Some(&to), &[IoSlice::new(b"wake")], &[], 0)
            .unwrap();
        let mut events = Events::with_capacity(4);
        let n = poller
            .wait(&mut events, Some(Duration::from_secs(5)))
            .unwrap();
        assert_eq!(n, 1);
        let e = events.iter().next().unwrap();
        assert_eq!(e.key, 7);
        assert!(e.error, "EPOLLERR for the queued entry: {e:?}");
        let mut ready = vec![&s];
        assert_eq!(select_read(&mut ready, 5000).unwrap(), 1);
        let (entry, _) = next_entry(&s);
        assert!(matches!(entry, ErrorQueueEntry::Error(_)), "{entry:?}");
    }

    #[test]
    fn zero_copy_sends_complete_in_order_contiguous_and_copied_on_loopback() {
        if nativesockets_testutil::process::qemu_gap("the SO_ZEROCOPY option") {
            return;
        }
        const SENDS: u32 = 1000;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let reader = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 1 << 16];
            let mut total = 0u64;
            loop {
                match conn.read(&mut buf) {
                    Ok(0) => return total,
                    Ok(n) => total += n as u64,
                    Err(e) => panic!("reader: {e}"),
                }
            }
        });
        let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        s.set_zerocopy(true).unwrap();
        assert!(s.zerocopy().unwrap());
        s.connect(&SockAddr::from(addr)).unwrap();

        // One buffer, alive until every completion is in.
        let payload = vec![0x5au8; 16 * 1024];
        let mut next = 0u32; // the next number expected to complete
        let mut copied_all = true;
        let mut drain = |s: &SocketHandle, next: &mut u32, wait: bool| {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let (mut d, mut c) = ([0u8; 16], [0u8; ERROR_QUEUE_CONTROL_SPACE]);
                match s.recv_error_queue(&mut d, &mut c) {
                    Ok(msg) => {
                        let ErrorQueueEntry::ZeroCopy(z) = msg.entry() else {
                            panic!("{msg:?}")
                        };
                        assert_eq!(z.lo, *next, "ranges contiguous and in order");
                        assert!(z.hi >= z.lo, "{z:?}");
                        assert_eq!(z.count(), u64::from(z.hi - z.lo) + 1);
                        copied_all &= z.copied;
                        *next = z.hi + 1;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if !wait || *next == SENDS {
                            return;
                        }
                        assert!(Instant::now() < deadline, "completions stopped at {next}");
                        thread::sleep(Duration::from_millis(1));
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        };
        let mut sent = 0u32;
        while sent < SENDS {
            match s.send_zerocopy(None, &[IoSlice::new(&payload)]) {
                Ok(n) => {
                    assert!(n > 0);
                    sent += 1;
                }
                // The locked-memory budget is spent: completions free it.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => drain(&s, &mut next, false),
                Err(e) => panic!("send {sent}: {e}"),
            }
        }
        drain(&s, &mut next, true);
        assert_eq!(next, SENDS, "every send completed once");
        assert!(copied_all, "loopback always copies");
        s.shutdown(Shutdown::Write).unwrap();
        assert!(reader.join().unwrap() > 0);
    }

    /// A UDP pair on loopback: a receiver and a sender connected to it.
    fn udp_pair() -> (UdpSocket, SocketHandle) {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        tx.connect(&SockAddr::from(rx.local_addr().unwrap()))
            .unwrap();
        (rx, tx)
    }

    #[test]
    fn transmit_timestamps_are_numbered_monotone_and_after_their_send() {
        if nativesockets_testutil::process::qemu_gap("the SO_TIMESTAMPING option") {
            return;
        }
        const SENDS: u32 = 50;
        let (_rx, tx) = udp_pair();
        let flags = Timestamping::TX_SOFTWARE | Timestamping::SOFTWARE | Timestamping::OPT_ID;
        tx.set_timestamping(flags).unwrap();
        assert_eq!(tx.timestamping().unwrap(), flags);
        let mut starts = Vec::new();
        for i in 0..SENDS {
            starts.push(since_epoch());
            tx.send_msg(
                None,
                &[IoSlice::new(format!("dgram {i}").as_bytes())],
                &[],
                0,
            )
            .unwrap();
        }
        let mut last = Duration::ZERO;
        for i in 0..SENDS {
            let (entry, payload) = next_entry(&tx);
            let ErrorQueueEntry::Timestamp(t) = entry else {
                panic!("{entry:?}")
            };
            assert_eq!(t.kind, TimestampKind::Sent);
            assert_eq!(t.id, i, "OPT_ID counts the sends");
            let ts = t.software.expect("a software timestamp");
            assert!(ts >= last, "monotone: {ts:?} after {last:?}");
            assert!(ts >= starts[i as usize], "after the send call began");
            assert!(ts < since_epoch() + Duration::from_millis(1));
            last = ts;
            // Without OPT_TSONLY the packet comes back, headers and all.
            assert!(
                payload.ends_with(format!("dgram {i}").as_bytes()),
                "{payload:?}"
            );
        }
    }

    #[test]
    fn tsonly_timestamps_come_without_the_packet() {
        if nativesockets_testutil::process::qemu_gap("the SO_TIMESTAMPING option") {
            return;
        }
        let (_rx, tx) = udp_pair();
        tx.set_timestamping(
            Timestamping::TX_SOFTWARE
                | Timestamping::SOFTWARE
                | Timestamping::OPT_ID
                | Timestamping::OPT_TSONLY,
        )
        .unwrap();
        tx.send_msg(None, &[IoSlice::new(b"bare")], &[], 0).unwrap();
        let (entry, payload) = next_entry(&tx);
        assert!(
            matches!(entry, ErrorQueueEntry::Timestamp(t) if t.id == 0 && t.software.is_some()),
            "{entry:?}"
        );
        assert!(payload.is_empty(), "{payload:?}");
    }

    #[test]
    fn received_timestamps_arrive_typed_through_recv_msg() {
        if nativesockets_testutil::process::qemu_gap("the SO_TIMESTAMPING option") {
            return;
        }
        let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        rx.bind_addr(&SockAddr::from(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))))
            .unwrap();
        rx.set_timestamping(Timestamping::RX_SOFTWARE | Timestamping::SOFTWARE)
            .unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let to = rx.local_addr().unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut buf = [0u8; 64];
        let mut control = [0u8; 128];
        // Linux turns receive stamping on for the whole system lazily (a
        // static key flipped from a work queue) when the first socket asks
        // for it, so the first datagrams after that may come unstamped:
        // a few tries, each bounded.
        let mut found = None;
        for _ in 0..50 {
            let before = since_epoch();
            tx.send_to(b"stamp me", to.as_socket_addr().unwrap())
                .unwrap();
            let msg = rx
                .recv_msg(&mut [IoSliceMut::new(&mut buf)], &mut control, 0)
                .unwrap();
            let after = since_epoch();
            if let Some(t) = msg.control().find_map(|c| match c {
                ReceivedControl::Timestamping(t) => Some(t),
                _ => None,
            }) {
                found = Some((before, t, after));
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        let (before, stamps, after) = found.expect("a SCM_TIMESTAMPING message within 50 tries");
        let sw = stamps.software.expect("software");
        assert!(
            before <= sw && sw <= after,
            "{before:?} <= {sw:?} <= {after:?}"
        );
        assert_eq!(stamps.hardware, None, "loopback has no hardware clock");
    }

    #[test]
    fn bad_input_and_empty_queue() {
        if nativesockets_testutil::process::qemu_gap("the SO_ZEROCOPY and SO_TIMESTAMPING option") {
            return;
        }
        let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        // An empty queue answers at once, even on a blocking socket.
        let (mut d, mut c) = ([0u8; 16], [0u8; 64]);
        let t = Instant::now();
        let err = s.recv_error_queue(&mut d, &mut c).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(t.elapsed() < Duration::from_secs(1));
        // Bits the kernel does not know.
        let err = s
            .set_timestamping(Timestamping::from_bits(1 << 30))
            .unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL), "{err}");
        // Zero copy on a socket type without it.
        let unix = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        assert!(unix.set_zerocopy(true).is_err());
    }

    /// Appends one control message (header, payload, padding) as the
    /// kernel lays it out.
    fn push_cmsg(area: &mut Vec<u8>, level: i32, ty: i32, payload: &[u8]) {
        // SAFETY: CMSG_LEN / CMSG_SPACE are arithmetic on their argument.
        let (len, space) = unsafe {
            (
                libc::CMSG_LEN(payload.len() as u32) as usize,
                libc::CMSG_SPACE(payload.len() as u32) as usize,
            )
        };
        let start = area.len();
        area.resize(start + space, 0);
        // SAFETY: cmsghdr is plain integers; all zeros is valid.
        let mut h: libc::cmsghdr = unsafe { std::mem::zeroed() };
        h.cmsg_len = len as _;
        h.cmsg_level = level;
        h.cmsg_type = ty;
        let hdr = std::mem::size_of::<libc::cmsghdr>();
        // SAFETY: `hdr` bytes of a plain struct, copied out.
        let bytes =
            unsafe { std::slice::from_raw_parts((&h as *const libc::cmsghdr).cast::<u8>(), hdr) };
        area[start..start + hdr].copy_from_slice(bytes);
        let data = start + len - payload.len();
        area[data..data + payload.len()].copy_from_slice(payload);
    }

    /// A `sock_extended_err` with no offender (AF_UNSPEC after it).
    fn extended_err(origin: u8, code: u8, info: u32, data: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&0u32.to_ne_bytes()); // ee_errno
        b.extend_from_slice(&[origin, 0, code, 0]);
        b.extend_from_slice(&info.to_ne_bytes());
        b.extend_from_slice(&data.to_ne_bytes());
        b.extend_from_slice(&[0u8; 16]); // sockaddr_in, AF_UNSPEC
        b
    }

    #[test]
    fn made_up_entries_parse_typed_and_never_past_a_cut() {
        // A zero-copy completion of sends 3 to 7, copied.
        let mut zc = Vec::new();
        push_cmsg(
            &mut zc,
            libc::SOL_IP,
            libc::IP_RECVERR,
            &extended_err(5, 1, 3, 7),
        );
        let want = ZeroCopyCompletion {
            lo: 3,
            hi: 7,
            copied: true,
        };
        assert_eq!(ErrorQueueEntry::parse(&zc), ErrorQueueEntry::ZeroCopy(want));
        assert_eq!(want.range(), 3..=7);
        assert_eq!(want.count(), 5);

        // A transmit timestamp: SCM_TIMESTAMPING (software 5 s + 6 ns,
        // hardware 7 s), then the extended error (origin TIMESTAMPING,
        // SCM_TSTAMP_SCHED, key 9), then the TCP statistics.
        let mut ts = Vec::new();
        let mut stamps = Vec::new();
        for v in [5i64, 6, 0, 0, 7, 0] {
            stamps.extend_from_slice(&v.to_ne_bytes());
        }
        push_cmsg(&mut ts, libc::SOL_SOCKET, libc::SCM_TIMESTAMPING, &stamps);
        push_cmsg(
            &mut ts,
            libc::SOL_IPV6,
            libc::IPV6_RECVERR,
            &extended_err(4, 0, 1, 9),
        );
        push_cmsg(
            &mut ts,
            libc::SOL_SOCKET,
            libc::SCM_TIMESTAMPING_OPT_STATS,
            b"nla!",
        );
        let ErrorQueueEntry::Timestamp(t) = ErrorQueueEntry::parse(&ts) else {
            panic!("{:?}", ErrorQueueEntry::parse(&ts))
        };
        assert_eq!(t.kind, TimestampKind::Scheduled);
        assert_eq!(t.id, 9);
        assert_eq!(t.software, Some(Duration::new(5, 6)));
        assert_eq!(t.hardware, Some(Duration::from_secs(7)));
        assert_eq!(t.stats, Some(&b"nla!"[..]));

        // Every cut of either: typed or raw, nothing read past the cut.
        for area in [&zc, &ts] {
            for cut in 0..area.len() {
                let part = &area[..cut];
                let (lo, hi) = (part.as_ptr() as usize, part.as_ptr() as usize + cut);
                match ErrorQueueEntry::parse(part) {
                    ErrorQueueEntry::Raw(b) => assert_eq!(b.len(), cut),
                    ErrorQueueEntry::Timestamp(t) => {
                        if let Some(s) = t.stats {
                            let p = s.as_ptr() as usize;
                            assert!(s.is_empty() || (p >= lo && p + s.len() <= hi));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn the_entry_parser_reads_nothing_past_any_cut() {
        // A real ICMP entry's control area, cut at every length.
        let to = closed_port(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        s.set_recv_err_v4(true).unwrap();
        s.send_msg(Some(&to), &[IoSlice::new(b"x")], &[], 0)
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        let (mut d, mut c) = ([0u8; 16], [0u8; ERROR_QUEUE_CONTROL_SPACE]);
        let control = loop {
            match s.recv_error_queue(&mut d, &mut c) {
                Ok(msg) => break msg.control_bytes().to_vec(),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline);
                    thread::sleep(Duration::from_millis(2));
                }
                Err(e) => panic!("{e}"),
            }
        };
        assert!(matches!(
            ErrorQueueEntry::parse(&control),
            ErrorQueueEntry::Error(_)
        ));
        for cut in 0..control.len() {
            let part = &control[..cut];
            match ErrorQueueEntry::parse(part) {
                ErrorQueueEntry::Raw(bytes) => assert_eq!(bytes.len(), cut),
                ErrorQueueEntry::Error(e) => assert_eq!(e.origin, ErrorOrigin::Icmp),
                other => panic!("{other:?}"),
            }
        }
        for fill in [0u8, 0xff] {
            let junk = vec![fill; 200];
            let _ = ErrorQueueEntry::parse(&junk);
        }
    }
}

/// Outside Linux the calls exist and say they are not there.
#[cfg(not(target_os = "linux"))]
#[test]
fn error_queue_calls_are_unsupported_naming_call_and_platform() {
    use nativesockets::*;
    use std::io::{self, IoSlice};

    let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let (mut d, mut c) = ([0u8; 16], [0u8; 64]);
    let errs = [
        s.recv_error_queue(&mut d, &mut c).unwrap_err(),
        s.set_zerocopy(true).unwrap_err(),
        s.zerocopy().unwrap_err(),
        s.set_timestamping(Timestamping::TX_SOFTWARE).unwrap_err(),
        s.timestamping().unwrap_err(),
        s.send_zerocopy(None, &[IoSlice::new(b"x")]).unwrap_err(),
    ];
    for err in errs {
        assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{err}");
        assert!(err.to_string().contains(std::env::consts::OS), "{err}");
    }
    let text = s.recv_error_queue(&mut d, &mut c).unwrap_err().to_string();
    assert!(text.contains("recv_error_queue"), "{text}");
}

/// A TTL-1 datagram through a second hop: two network namespaces the
/// test makes itself (`ip netns`, root only) joined by a veth pair, the
/// hop forwarding. The hop's time-exceeded message lands on the sender's
/// error queue naming the hop. Skipped, saying why, where namespaces
/// cannot be made.
#[cfg(target_os = "linux")]
mod second_hop {
    use std::io::{self, IoSlice};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    use std::os::fd::AsRawFd;
    use std::process::Command;
    use std::thread;
    use std::time::{Duration, Instant};

    use nativesockets::*;

    /// The two namespaces, deleted when dropped.
    struct Hop {
        src: String,
        hop: String,
    }

    impl Drop for Hop {
        fn drop(&mut self) {
            for ns in [&self.src, &self.hop] {
                let _ = Command::new("ip").args(["netns", "del", ns]).status();
            }
        }
    }

    fn ip(args: &[&str]) -> Result<(), String> {
        let out = Command::new("ip")
            .args(args)
            .output()
            .map_err(|e| format!("ip: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "ip {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// src (10.99.0.2, fd99::2) -- veth -- hop (10.99.0.1, fd99::1), the
    /// hop routing 10.99.1.0/24 and fd99:1::/64 back to src, so that a
    /// packet for them needs one more hop.
    fn make(tag: &str) -> Result<Hop, String> {
        if geteuid() != 0 {
            return Err("not root".into());
        }
        let n = std::process::id();
        let h = Hop {
            src: format!("ns-{tag}-src-{n}"),
            hop: format!("ns-{tag}-hop-{n}"),
        };
        let (s, p) = (h.src.as_str(), h.hop.as_str());
        ip(&["netns", "add", s])?;
        ip(&["netns", "add", p])?;
        ip(&[
            "link", "add", "name", "v0", "netns", s, "type", "veth", "peer", "name", "v1", "netns",
            p,
        ])?;
        for (ns, dev, v4, v6) in [
            (s, "v0", "10.99.0.2/24", "fd99::2/64"),
            (p, "v1", "10.99.0.1/24", "fd99::1/64"),
        ] {
            ip(&["-n", ns, "addr", "add", v4, "dev", dev])?;
            ip(&["-n", ns, "addr", "add", v6, "dev", dev, "nodad"])?;
            ip(&["-n", ns, "link", "set", dev, "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        ip(&["-n", s, "route", "add", "10.99.1.0/24", "via", "10.99.0.1"])?;
        ip(&[
            "-n",
            s,
            "-6",
            "route",
            "add",
            "fd99:1::/64",
            "via",
            "fd99::1",
        ])?;
        ip(&["-n", p, "route", "add", "10.99.1.0/24", "via", "10.99.0.2"])?;
        ip(&[
            "-n",
            p,
            "-6",
            "route",
            "add",
            "fd99:1::/64",
            "via",
            "fd99::2",
        ])?;
        for key in ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"] {
            ip(&["netns", "exec", p, "sysctl", "-qw", key])?;
        }
        Ok(h)
    }

    fn geteuid() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    /// Runs `f` on a thread that has entered namespace `ns` (setns
    /// moves only the calling thread).
    fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/run/netns/{ns}");
        thread::spawn(move || {
            let file = std::fs::File::open(&path).unwrap();
            // SAFETY: a valid namespace descriptor, for this thread only.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", io::Error::last_os_error());
            f()
        })
        .join()
        .unwrap()
    }

    fn time_exceeded(v6: bool) -> ExtendedError {
        let (domain, dest) = if v6 {
            (
                Domain::Inet6,
                SocketAddr::from(("fd99:1::5".parse::<Ipv6Addr>().unwrap(), 9)),
            )
        } else {
            (Domain::Inet, SocketAddr::from(([10, 99, 1, 5], 9)))
        };
        let s = new_native_socket(domain, SockType::Dgram, Protocol::Udp).unwrap();
        if v6 {
            s.set_recv_err_v6(true).unwrap();
            s.set_unicast_hops_v6(1).unwrap();
        } else {
            s.set_recv_err_v4(true).unwrap();
            s.set_ttl(1).unwrap();
        }
        s.send_msg(Some(&SockAddr::from(dest)), &[IoSlice::new(b"far")], &[], 0)
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (mut d, mut c) = ([0u8; 64], [0u8; ERROR_QUEUE_CONTROL_SPACE]);
            match s.recv_error_queue(&mut d, &mut c) {
                Ok(msg) => match msg.entry() {
                    ErrorQueueEntry::Error(e) => return e,
                    other => panic!("{other:?}"),
                },
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no time-exceeded within 5 s");
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn a_ttl_1_datagram_comes_back_time_exceeded_from_the_hop() {
        let hop = match make("eq") {
            Ok(h) => h,
            Err(why) => {
                eprintln!("skipped: cannot make the namespaces ({why})");
                return;
            }
        };
        let e = in_netns(&hop.src, || time_exceeded(false));
        assert_eq!(e.origin, ErrorOrigin::Icmp);
        assert_eq!((e.icmp_type, e.icmp_code), (11, 0));
        assert_eq!(e.errno, libc::EHOSTUNREACH);
        assert_eq!(e.offender, Some(IpAddr::V4(Ipv4Addr::new(10, 99, 0, 1))));

        let e = in_netns(&hop.src, || time_exceeded(true));
        assert_eq!(e.origin, ErrorOrigin::Icmp6);
        assert_eq!((e.icmp_type, e.icmp_code), (3, 0));
        assert_eq!(e.offender, Some("fd99::1".parse::<IpAddr>().unwrap()));
    }
}
