//! `nsock forward`: many clients at once each getting its own echo,
//! half-close passed through, a refusing target, UDP sessions and their
//! expiry, --allow/--deny, the safe defaults, and no descriptor kept per
//! connection.

use super::*;

use std::net::{Shutdown, UdpSocket};

/// A running server (`forward` or `socks`): the child, the address it
/// listens on, and its stderr lines as they come.
pub(super) struct Server {
    pub child: Proc,
    pub addr: String,
    pub lines: mpsc::Receiver<String>,
    /// Every line read so far, the listening line included.
    pub seen: Vec<String>,
}

/// Starts `nsock args` and waits for its `... listening on ADDR` line.
pub(super) fn server(args: &[&str]) -> Server {
    let mut child = spawn(args, Stdio::null());
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        while err.read_line(&mut line).is_ok_and(|n| n > 0) {
            if tx.send(std::mem::take(&mut line)).is_err() {
                break;
            }
        }
    });
    // Warnings (--ssl-no-verify's) may come first.
    let mut seen = Vec::new();
    let first = loop {
        let line = lines
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|_| panic!("nsock {args:?} printed nothing; saw {seen:?}"));
        if line.contains(" listening on ") {
            break line;
        }
        seen.push(line);
    };
    let addr = first
        .split_once(" listening on ")
        .unwrap_or_else(|| panic!("nsock {args:?} printed {first:?}"))
        .1
        .split(" and ")
        .next()
        .unwrap()
        .trim()
        .to_string();
    Server {
        child,
        addr,
        lines,
        seen: seen.into_iter().chain([first]).collect(),
    }
}

impl Server {
    /// Waits (within the deadline) for a stderr line containing `needle`.
    pub fn expect(&mut self, needle: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {needle:?} line; saw {:?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// The lines that came by now, without waiting.
    pub fn more(&mut self) -> &[String] {
        while let Ok(l) = self.lines.try_recv() {
            self.seen.push(l);
        }
        &self.seen
    }

    /// Whether the server still runs.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

/// A TCP echo server on 127.0.0.1, a thread per client, that answers a
/// half-close with its own after echoing everything.
pub(super) fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 16384];
                loop {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if c.write_all(&buf[..n]).is_err() {
                                return;
                            }
                        }
                    }
                }
                let _ = c.shutdown(Shutdown::Write);
            });
        }
    });
    port
}

/// Sends `data`, half-closes, and reads everything back.
fn round_trip(addr: &str, data: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let sent = data.to_vec();
    let mut w = s.try_clone().unwrap();
    let writer = thread::spawn(move || {
        w.write_all(&sent).unwrap();
        w.shutdown(Shutdown::Write).unwrap();
    });
    let mut back = Vec::new();
    s.read_to_end(&mut back).unwrap();
    writer.join().unwrap();
    back
}

#[test]
fn two_hundred_clients_at_once_each_get_their_own_echo() {
    let port = echo_server();
    let fwd = server(&["forward", "127.0.0.1:0", &format!("127.0.0.1:{port}")]);
    let addr = fwd.addr.clone();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(200));
    let clients: Vec<_> = (0..200u64)
        .map(|i| {
            let (addr, barrier) = (addr.clone(), barrier.clone());
            thread::spawn(move || {
                let data = pattern(20_000 + i as usize * 97, i + 1);
                barrier.wait();
                assert!(
                    round_trip(&addr, &data) == data,
                    "client {i} got another echo"
                );
            })
        })
        .collect();
    within("200 clients", move || {
        for c in clients {
            c.join().unwrap();
        }
    });
}

#[test]
fn sixteen_megabytes_each_way_survive_the_relay_spliced_or_not() {
    let port = echo_server();
    let target = format!("127.0.0.1:{port}");
    // By default a bulk transfer moves on to splice (Linux); --no-splice
    // keeps it in the buffers.
    for extra in [None, Some("--no-splice")] {
        let mut args = vec!["forward", "127.0.0.1:0", &target];
        args.extend(extra);
        let fwd = server(&args);
        let addr = fwd.addr.clone();
        let back = within("16 MiB echo", move || {
            round_trip(&addr, &pattern(16 << 20, 7))
        });
        assert!(back == pattern(16 << 20, 7), "{extra:?}: the echo differs");
    }
}

#[test]
fn a_client_that_shuts_its_side_still_gets_the_reply() {
    // The target reads to end-of-stream before it answers, as a server
    // reading a whole request does.
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut c, _) = target.accept().unwrap();
        let mut req = Vec::new();
        c.read_to_end(&mut req).unwrap();
        c.write_all(format!("got {} bytes", req.len()).as_bytes())
            .unwrap();
    });
    let fwd = server(&["forward", "127.0.0.1:0", &format!("127.0.0.1:{port}")]);
    let addr = fwd.addr.clone();
    let reply = within("the reply", move || round_trip(&addr, b"request"));
    assert_eq!(reply, b"got 7 bytes");
}

#[test]
fn a_refusing_target_closes_the_client_and_the_forwarder_serves_on() {
    let (_closed, port) = closed_port();
    let mut fwd = server(&["forward", "127.0.0.1:0", &format!("127.0.0.1:{port}")]);
    for _ in 0..20 {
        let mut s = TcpStream::connect(&fwd.addr).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut buf = [0u8; 8];
        // End-of-stream or a reset: either way the client is let go.
        assert!(matches!(s.read(&mut buf), Ok(0) | Err(_)));
    }
    let line = fwd.expect("refused");
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    thread::sleep(Duration::from_millis(200));
    let refusals = fwd.more().iter().filter(|l| l.contains("refused")).count();
    assert_eq!(
        refusals, 1,
        "repeats are counted, not written: {:?}",
        fwd.seen
    );
    assert!(fwd.alive());
}

#[test]
fn udp_sessions_get_their_own_replies_and_expire() {
    let echo = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = echo.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = echo.recv_from(&mut buf) {
            let _ = echo.send_to(&buf[..n], from);
        }
    });
    let mut fwd = server(&[
        "forward",
        "-u",
        "-v",
        "--idle",
        "1",
        "127.0.0.1:0",
        &format!("127.0.0.1:{port}"),
    ]);
    let clients: Vec<UdpSocket> = (0..3)
        .map(|_| {
            let c = UdpSocket::bind("127.0.0.1:0").unwrap();
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            c.connect(&fwd.addr).unwrap();
            c
        })
        .collect();
    for round in 0..2u8 {
        for (i, c) in clients.iter().enumerate() {
            let msg = [b'a' + i as u8, round];
            c.send(&msg).unwrap();
            let mut buf = [0u8; 16];
            let n = c.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], &msg, "client {i} round {round}");
        }
    }
    for c in &clients {
        let own = c.local_addr().unwrap().to_string();
        fwd.expect(&format!("session for {own}"));
    }
    for c in &clients {
        let own = c.local_addr().unwrap().to_string();
        fwd.expect(&format!("session for {own} expired"));
    }
    let opened = fwd
        .more()
        .iter()
        .filter(|l| l.contains("session for") && !l.contains("expired"))
        .count();
    assert_eq!(opened, 3, "one session per client: {:?}", fwd.seen);
    // After expiry a client is served again, by a new session.
    clients[0].send(b"again").unwrap();
    let mut buf = [0u8; 16];
    let n = clients[0].recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"again");
}

/// Connects from `source` (a loopback address) to `addr`; true when the
/// echo came back, false when the connection was closed first.
#[cfg(target_os = "linux")]
fn served_from(source: [u8; 4], addr: &str) -> bool {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    s.bind_addr(&SockAddr::from(std::net::SocketAddr::from((source, 0))))
        .unwrap();
    s.connect(&addr.parse::<SockAddr>().unwrap()).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    if s.send(b"ping").is_err() {
        return false;
    }
    let mut buf = [0u8; 4];
    matches!(s.recv(&mut buf), Ok(4))
}

#[test]
#[cfg(target_os = "linux")]
fn allow_and_deny_choose_who_is_served() {
    // Linux answers on all of 127.0.0.0/8.
    let port = echo_server();
    let target = format!("127.0.0.1:{port}");
    let mut fwd = server(&[
        "forward",
        "-v",
        "--allow",
        "127.0.0.0/8",
        "--deny",
        "127.0.0.2",
        "127.0.0.1:0",
        &target,
    ]);
    assert!(served_from([127, 0, 0, 1], &fwd.addr));
    assert!(!served_from([127, 0, 0, 2], &fwd.addr));
    fwd.expect("refused (--allow/--deny): 127.0.0.2");
    let fwd2 = server(&["forward", "--allow", "10.0.0.0/8", "127.0.0.1:0", &target]);
    assert!(!served_from([127, 0, 0, 1], &fwd2.addr));
}

#[test]
fn bad_input_names_itself_and_exits_2_before_listening() {
    for (args, needle) in [
        (
            &["forward", "--allow", "10.0.0.0/33", "0", "127.0.0.1:1"][..],
            "\"33\" is not a number from 0 to 32",
        ),
        (
            &["forward", "--deny", "10.0.0.x", "0", "127.0.0.1:1"][..],
            "\"10.0.0.x\" is not an IPv4 or IPv6 address",
        ),
        (&["forward", "0"][..], "forward takes 2 addresses"),
        (&["forward", "0", "9"][..], "target \"9\" has no host"),
        (&["forward", "0", "127.0.0.1:99999"][..], "99999"),
        (&["socks", "0", "--auth", "nopass"][..], "USER:PASS"),
        (&["socks", "0", "--allow", "::1/200"][..], "from 0 to 128"),
    ] {
        let o = run(args);
        assert_fails(&o, 2, needle);
        assert!(
            !stderr(&o).contains("listening"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn help_shows_examples() {
    for cmd in ["forward", "socks"] {
        let o = run(&[cmd, "--help"]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("Examples:"), "{cmd}: {}", stdout(&o));
        assert!(stdout(&o).contains(&format!("nsock {cmd} ")), "{cmd}");
    }
}

#[test]
fn without_an_address_only_loopback_and_beyond_it_a_warning() {
    let port = echo_server();
    let target = format!("127.0.0.1:{port}");
    let mut fwd = server(&["forward", "0", &target]);
    assert!(fwd.addr.starts_with("127.0.0.1:"), "{}", fwd.addr);
    fwd.expect("loopback only");
    let mut open = server(&["forward", "-4", ":0", &target]);
    assert!(open.addr.starts_with("0.0.0.0:"), "{}", open.addr);
    open.expect("anyone who can reach it may use it");
    let mut allowed = server(&["forward", "-4", "--allow", "127.0.0.1", ":0", &target]);
    thread::sleep(Duration::from_millis(300));
    assert!(
        !allowed.more().iter().any(|l| l.contains("anyone")),
        "{:?}",
        allowed.seen
    );
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine 8 (CI's Windows) has no Unix-domain sockets (WSAEAFNOSUPPORT); the unix module of these tests is Unix-only too"
)]
fn a_unix_socket_on_either_side() {
    let port = echo_server();
    let front = std::env::temp_dir().join(format!("nsock-forward-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&front);
    let front_text = front.to_str().unwrap().to_string();
    let _fwd = server(&[
        "forward",
        "--unix",
        &front_text,
        &format!("127.0.0.1:{port}"),
    ]);
    let back = server(&["forward", "127.0.0.1:0", "--to-unix", &front_text]);
    let addr = back.addr.clone();
    // TCP -> Unix -> TCP echo.
    let reply = within("echo through both", move || round_trip(&addr, b"both ways"));
    drop(back);
    drop(_fwd);
    let _ = std::fs::remove_file(&front);
    assert_eq!(reply, b"both ways");
}

#[cfg(target_os = "linux")]
pub(super) fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// The process's descriptor count once it holds still (the same over
/// 200 ms; at most 5 s): a server just started may still close one it
/// used on the way up.
#[cfg(target_os = "linux")]
pub(super) fn settled_descriptors(pid: u32) -> usize {
    let end = Instant::now() + Duration::from_secs(5);
    let mut last = descriptors(pid);
    loop {
        thread::sleep(Duration::from_millis(200));
        let now = descriptors(pid);
        if now == last || Instant::now() > end {
            return now;
        }
        last = now;
    }
}

#[test]
#[cfg(target_os = "linux")]
fn ten_thousand_short_connections_leave_no_descriptor_behind() {
    if nativesockets_testutil::process::qemu_gap(
        "10,000 connections within the deadline (too slow emulated)",
    ) {
        return;
    }
    let port = echo_server();
    let fwd = server(&["forward", "127.0.0.1:0", &format!("127.0.0.1:{port}")]);
    let pid = fwd.child.id();
    let idle = settled_descriptors(pid);
    let addr = fwd.addr.clone();
    within("10,000 connections", move || {
        let workers: Vec<_> = (0..50)
            .map(|w| {
                let addr = addr.clone();
                thread::spawn(move || {
                    for i in 0..200 {
                        let msg = format!("{w}:{i}");
                        assert_eq!(round_trip(&addr, msg.as_bytes()), msg.as_bytes());
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
    });
    let end = Instant::now() + Duration::from_secs(10);
    let mut now = descriptors(pid);
    while now != idle && Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
        now = descriptors(pid);
    }
    assert_eq!(now, idle, "descriptors before {idle}, after {now}");
}

#[test]
fn a_client_that_stops_reading_stalls_only_itself() {
    let port = echo_server();
    let fwd = server(&["forward", "127.0.0.1:0", &format!("127.0.0.1:{port}")]);
    // It sends and never reads its echo: every buffer on its path fills
    // (tens of MiB with autotuned socket buffers) and its sends stop.
    let mut stuck = TcpStream::connect(&fwd.addr).unwrap();
    stuck.set_nonblocking(true).unwrap();
    let chunk = vec![1u8; 1 << 20];
    let (mut sent, limit) = (0usize, 512usize << 20);
    let mut progress = Instant::now();
    while sent < limit && progress.elapsed() < Duration::from_secs(1) {
        match stuck.write(&chunk) {
            Ok(n) => {
                sent += n;
                progress = Instant::now();
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    assert!(sent < limit, "the stalled path took all {sent} bytes");
    // Meanwhile others are served as ever.
    let addr = fwd.addr.clone();
    within("others while one stalls", move || {
        for i in 0..20u64 {
            let data = pattern(100_000, i + 1);
            assert!(round_trip(&addr, &data) == data);
        }
    });
    drop(stuck);
}

#[test]
fn max_conns_closes_the_one_too_many() {
    let port = echo_server();
    let fwd = server(&[
        "forward",
        "--max-conns",
        "1",
        "127.0.0.1:0",
        &format!("127.0.0.1:{port}"),
    ]);
    let mut first = TcpStream::connect(&fwd.addr).unwrap();
    first.set_read_timeout(Some(DEADLINE)).unwrap();
    first.write_all(b"one").unwrap();
    let mut buf = [0u8; 3];
    first.read_exact(&mut buf).unwrap();
    let mut second = TcpStream::connect(&fwd.addr).unwrap();
    second.set_read_timeout(Some(DEADLINE)).unwrap();
    let _ = second.write_all(b"two");
    assert!(
        matches!(second.read(&mut buf), Ok(0) | Err(_)),
        "the second was served"
    );
    drop(first);
    // Once the first is gone, there is room again.
    let addr = fwd.addr.clone();
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let a = addr.clone();
        let ok = within("a connection after the first ended", move || {
            let mut s = TcpStream::connect(&a).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(b"three").is_ok() && {
                let mut b = [0u8; 5];
                s.read_exact(&mut b).is_ok()
            }
        });
        if ok {
            break;
        }
        assert!(Instant::now() < end, "no room after the first ended");
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[cfg(target_os = "linux")]
fn out_of_descriptors_it_neither_floods_stderr_nor_stops() {
    // `sh -c ... exec nsock` runs the binary without the target's runner.
    if nativesockets_testutil::process::qemu_gap("a binary started by sh without the runner") {
        return;
    }
    // 24 descriptors: a few connections use them all, and the accepts
    // past that fail with EMFILE.
    let port = echo_server();
    let bin = env!("CARGO_BIN_EXE_nsock");
    let mut child = Proc(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n 24 && exec {bin} forward 127.0.0.1:0 127.0.0.1:{port}"
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr = line
        .split_once(" listening on ")
        .unwrap()
        .1
        .split(" and ")
        .next()
        .unwrap()
        .trim()
        .to_string();
    let rest = thread::spawn(move || drain(err));
    let held: Vec<TcpStream> = (0..40)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    thread::sleep(Duration::from_millis(500));
    drop(held);
    thread::sleep(Duration::from_millis(300));
    let a = addr.clone();
    let back = within("a connection after the storm", move || {
        round_trip(&a, b"again")
    });
    assert_eq!(back, b"again");
    assert!(child.try_wait().unwrap().is_none(), "the forwarder ended");
    child.kill().unwrap();
    let text = rest.join().unwrap();
    let lines = text.lines().filter(|l| l.contains("accept")).count();
    assert!(lines <= 2, "an accept error line each: {text}");
}

/// An echo target that is slow: it reads 16 KiB at a time and rests 1 ms
/// after every 64 KiB, so the forwarder must hold its clients back.
fn slow_echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            thread::spawn(move || {
                let mut buf = [0u8; 16384];
                let mut since_rest = 0;
                loop {
                    match c.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if c.write_all(&buf[..n]).is_err() {
                                return;
                            }
                            since_rest += n;
                            if since_rest >= 64 * 1024 {
                                since_rest = 0;
                                thread::sleep(Duration::from_millis(1));
                            }
                        }
                    }
                }
                let _ = c.shutdown(Shutdown::Write);
            });
        }
    });
    port
}

/// The bytes of client `seed`'s stream, made on the fly (xorshift), and a
/// running checksum (FNV-1a) over them.
struct Stream {
    x: u64,
}

impl Stream {
    fn new(seed: u64) -> Stream {
        Stream { x: seed | 1 }
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 7;
            self.x ^= self.x << 17;
            *b = self.x as u8;
        }
    }
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// Nothing lost: 200 clients each send a known stream through the
/// forwarder to a slow echo target at once, and each gets every byte back
/// in order (checksums and lengths compared). 2 MiB each here (CI), 10
/// MiB with `NSOCK_FORWARD_MIB=10` (scripts/soak-servers runs that).
#[test]
fn two_hundred_clients_streams_come_back_whole_through_a_slow_target() {
    let mib: usize = std::env::var("NSOCK_FORWARD_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    // Emulated (qemu-user) every byte costs ten times more: 256 KiB each.
    let len = if nativesockets_testutil::process::under_qemu() {
        256 << 10
    } else {
        mib << 20
    };
    let port = slow_echo_server();
    let fwd = server(&["forward", "127.0.0.1:0", &format!("127.0.0.1:{port}")]);
    let addr = fwd.addr.clone();
    let clients: Vec<_> = (0..200u64)
        .map(|i| {
            let addr = addr.clone();
            thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap();
                s.set_read_timeout(Some(DEADLINE)).unwrap();
                let mut w = s.try_clone().unwrap();
                let writer = thread::spawn(move || {
                    let (mut stream, mut sum, mut left) = (Stream::new(i + 1), FNV_START, len);
                    let mut buf = vec![0u8; 64 * 1024];
                    while left > 0 {
                        let n = left.min(buf.len());
                        stream.fill(&mut buf[..n]);
                        sum = fnv(sum, &buf[..n]);
                        w.write_all(&buf[..n]).unwrap();
                        left -= n;
                    }
                    w.shutdown(Shutdown::Write).unwrap();
                    sum
                });
                let (mut got, mut sum) = (0usize, FNV_START);
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = s.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    sum = fnv(sum, &buf[..n]);
                    got += n;
                }
                let sent = writer.join().unwrap();
                assert_eq!(got, len, "client {i}: bytes back");
                assert_eq!(sum, sent, "client {i}: checksum of the echo");
            })
        })
        .collect();
    within("200 clients' streams", move || {
        for c in clients {
            c.join().unwrap();
        }
    });
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;
