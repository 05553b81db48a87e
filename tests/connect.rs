//! `connect_host`: numeric hosts and names on loopback, the error that
//! lists every attempt, bad input, descriptors, and (as root, in a private
//! network and mount namespace) Happy Eyeballs against an IPv6 address that
//! drops connection attempts and a resolver that never answers.
//!
//! Every test takes [`LOCK`]: the descriptor count would be disturbed by
//! another test's sockets, and the timings by another test's load.

// Every test here needs sockets, threads blocked in poll(2) and getaddrinfo, which Miri does not emulate.
#![cfg(not(miri))]

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use nativesockets::*;

static LOCK: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn inner(err: &io::Error) -> &ConnectError {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<ConnectError>())
        .unwrap_or_else(|| panic!("no ConnectError inside {err:?}"))
}

/// A port where nothing listens on 127.0.0.1 (nor on ::1 when it could be
/// bound there too), held by the returned sockets so nothing takes it.
fn refusing_port() -> (Vec<SocketHandle>, Port) {
    let v4 = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    v4.bind_addr(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))
        .unwrap();
    let port = v4.sock_name().unwrap();
    let mut held = vec![v4];
    if let Ok(v6) = SocketHandle::new(Domain::Inet6, SockType::Stream, Protocol::Tcp) {
        let addr: SocketAddr = format!("[::1]:{port}").parse().unwrap();
        if v6.bind_addr(&SockAddr::from(addr)).is_ok() {
            held.push(v6);
        }
    }
    (held, port)
}

/// Whether `socket` blocks: a receive with a 60 ms timeout and nothing to
/// read waits that long on a blocking socket, and returns at once on a
/// non-blocking one.
fn blocks(socket: &SocketHandle) -> bool {
    socket
        .set_read_timeout(Some(Duration::from_millis(60)))
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 1];
    let r = socket.recv(&mut buf);
    assert!(r.is_err(), "{r:?}");
    socket.set_read_timeout(None).unwrap();
    start.elapsed() >= Duration::from_millis(40)
}

fn has_ipv6_loopback() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

#[test]
fn numeric_ipv4_connects_in_blocking_mode() {
    let _g = alone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    for host in ["127.0.0.1", "127.1", "2130706433"] {
        let options = ConnectOptions::new();
        let s = connect_host(host, port, &options).unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        assert_eq!(
            s.peer_addr().unwrap().as_socket_addr(),
            Some(listener.local_addr().unwrap())
        );
        assert!(blocks(&s), "{host}: the socket is not blocking");
        (&s).write_all(b"hi").unwrap();
        let mut buf = [0u8; 2];
        peer.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }
    // The same under a deadline, which takes the non-blocking path.
    let options = ConnectOptions::new().timeout(Duration::from_secs(5));
    let s = connect_host("127.0.0.1", port, &options).unwrap();
    assert!(blocks(&s));
}

#[test]
fn numeric_ipv6_connects() {
    let _g = alone();
    if !has_ipv6_loopback() {
        eprintln!("skipped: no IPv6 loopback address here");
        return;
    }
    let listener = TcpListener::bind("[::1]:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    for options in [
        ConnectOptions::new(),
        ConnectOptions::new()
            .domain(Domain::Inet6)
            .timeout(Duration::from_secs(5)),
    ] {
        let s = connect_host("::1", port, &options).unwrap();
        assert_eq!(s.domain().unwrap(), Domain::Inet6);
        assert_eq!(
            s.peer_addr().unwrap().as_socket_addr(),
            Some(listener.local_addr().unwrap())
        );
        assert!(blocks(&s));
        drop(listener.accept().unwrap());
    }
    // A scope by number is taken on any address.
    let s = connect_host("::1%1", port, &ConnectOptions::new());
    if let Err(e) = &s {
        // Some kernels refuse a scope on a global-scope address.
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
}

#[test]
fn localhost_resolves_and_connects() {
    let _g = alone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    // ::1 on the same port, when it is free, so either address answers.
    let _v6 = TcpListener::bind(("::1", port.0)).ok();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let options = ConnectOptions::new()
        .timeout(Duration::from_secs(5))
        .on_attempt(move |e| seen.lock().unwrap().push(format!("{e:?}")));
    let s = connect_host("localhost", port, &options).unwrap();
    let peer = s.peer_addr().unwrap().as_socket_addr().unwrap();
    assert!(peer.ip().is_loopback() && peer.port() == port.0, "{peer}");
    assert!(blocks(&s));
    let events = events.lock().unwrap();
    assert!(events[0].starts_with("Resolved"), "{events:?}");
    assert!(events[1].starts_with("Trying"), "{events:?}");
    assert!(
        events.last().unwrap().starts_with("Connected"),
        "{events:?}"
    );
    // Without a deadline the lookup runs on the calling thread.
    connect_host("localhost", port, &ConnectOptions::new()).unwrap();
}

#[test]
fn refused_everywhere_names_each_address_and_keeps_the_first_kind() {
    let _g = alone();
    let (_held, port) = refusing_port();
    for host in ["127.0.0.1", "localhost"] {
        let err = connect_host(host, port, &ConnectOptions::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        let all = inner(&err);
        assert_eq!(all.host(), host);
        assert_eq!(all.port(), port);
        assert!(!all.timed_out());
        assert!(!all.attempts().is_empty());
        let text = err.to_string();
        assert!(text.contains(&format!("{host:?}")), "{text}");
        for (addr, e) in all.attempts() {
            assert_eq!(addr.port(), port.0);
            assert!(text.contains(&addr.to_string()), "{text} lacks {addr}");
            assert_eq!(e.kind(), ErrorKind::ConnectionRefused, "{addr}: {e}");
        }
        eprintln!("{host}: {text}");
    }
}

#[test]
fn datagrams_take_the_first_address_that_connects() {
    let _g = alone();
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = Port(server.local_addr().unwrap().port());
    let options = ConnectOptions::new().sock_type(SockType::Dgram);
    let s = connect_host("127.0.0.1", port, &options).unwrap();
    s.send(b"ping").unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping");
    assert_eq!(Some(from), s.local_addr().unwrap().as_socket_addr());
    let s = connect_host("localhost", port, &options.timeout(Duration::from_secs(5))).unwrap();
    assert!(s
        .peer_addr()
        .unwrap()
        .as_socket_addr()
        .unwrap()
        .ip()
        .is_loopback());
}

#[test]
fn a_source_address_is_bound_before_connecting() {
    let _g = alone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    let local = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)));
    // The source's family picks the addresses of "localhost" tried.
    let s = connect_host("localhost", port, &ConnectOptions::new().bind(local)).unwrap();
    let me = s.local_addr().unwrap().as_socket_addr().unwrap();
    assert_eq!(me.ip(), std::net::Ipv4Addr::LOCALHOST);
    let (_, peer) = listener.accept().unwrap();
    assert_eq!(peer, me);
}

#[cfg(target_os = "linux")]
#[test]
fn every_attempt_binds_the_device_asked_for() {
    if nativesockets_testutil::process::qemu_gap("the SO_BINDTODEVICE option") {
        return;
    }
    let _g = alone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    let s = connect_host("127.0.0.1", port, &ConnectOptions::new().bind_device(b"lo")).unwrap();
    assert_eq!(s.device().unwrap().as_deref(), Some(&b"lo"[..]));
    let err = connect_host(
        "127.0.0.1",
        port,
        &ConnectOptions::new().bind_device(b"nosuchdev0"),
    )
    .unwrap_err();
    let all = inner(&err);
    assert_eq!(all.attempts().len(), 1, "{err}");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    for bad in [&b""[..], b"a-name-of-16-byt", b"l\0o"] {
        let err =
            connect_host("127.0.0.1", port, &ConnectOptions::new().bind_device(bad)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("interface name"), "{err}");
    }
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let _g = alone();
    let calls = Arc::new(Mutex::new(0));
    let counted = Arc::clone(&calls);
    let base = ConnectOptions::new().on_attempt(move |_| *counted.lock().unwrap() += 1);
    let v6_source = SockAddr::from("[::1]:0".parse::<SocketAddr>().unwrap());
    let cases: Vec<(&str, Port, ConnectOptions, &str)> = vec![
        ("", Port(80), base.clone(), "host \"\""),
        ("a\0b", Port(80), base.clone(), "NUL"),
        ("localhost", Port(0), base.clone(), "port 0"),
        (
            "localhost",
            Port(80),
            base.clone().domain(Domain::Unix),
            "domain Unix",
        ),
        (
            "localhost",
            Port(80),
            base.clone().sock_type(SockType::Raw),
            "socket type Raw",
        ),
        (
            "localhost",
            Port(80),
            base.clone().timeout(Duration::ZERO),
            "timeout",
        ),
        (
            "localhost",
            Port(80),
            base.clone().attempt_timeout(Duration::ZERO),
            "attempt timeout",
        ),
        (
            "localhost",
            Port(80),
            base.clone().bind(v6_source.clone()).domain(Domain::Inet),
            "source address",
        ),
        #[cfg(unix)]
        (
            "localhost",
            Port(80),
            base.clone().bind(SockAddr::unix("/tmp/x").unwrap()),
            "source address",
        ),
        (
            "127.0.0.1",
            Port(80),
            base.clone().domain(Domain::Inet6),
            "\"127.0.0.1\"",
        ),
        (
            "::1",
            Port(80),
            base.clone().domain(Domain::Inet),
            "\"::1\"",
        ),
        (
            "127.0.0.1",
            Port(80),
            base.clone().bind(v6_source),
            "\"127.0.0.1\"",
        ),
    ];
    for (host, port, options, named) in cases {
        let err = connect_host(host, port, &options).unwrap_err();
        assert_eq!(
            err.kind(),
            ErrorKind::InvalidInput,
            "{host:?} {options:?}: {err}"
        );
        assert!(
            err.to_string().contains(named),
            "{err} does not name {named}"
        );
    }
    let long = "a".repeat(2000);
    let err = connect_host(&long, Port(80), &base).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        *calls.lock().unwrap(),
        0,
        "the observer heard of an attempt"
    );
}

#[test]
fn options_are_clone_debug_and_default() {
    let _g = alone();
    let o = ConnectOptions::default()
        .timeout(Duration::from_secs(1))
        .on_attempt(|_| {});
    let text = format!("{:?}", o.clone());
    assert!(text.contains("fallback_delay: 250ms"), "{text}");
    assert!(text.contains("timeout: Some(1s)"), "{text}");
}

#[cfg(target_os = "linux")]
fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[cfg(target_os = "linux")]
#[test]
fn no_descriptor_is_left_open_on_any_path() {
    let _g = alone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    let (held, refused) = refusing_port();
    let before = open_descriptors();
    let timed = ConnectOptions::new().timeout(Duration::from_secs(5));
    for _ in 0..300 {
        for options in [&ConnectOptions::new(), &timed] {
            let s = connect_host("127.0.0.1", port, options).unwrap();
            drop(listener.accept().unwrap());
            drop(s);
            drop(connect_host("localhost", port, options).unwrap());
            drop(listener.accept().unwrap());
            connect_host("127.0.0.1", refused, options).unwrap_err();
            connect_host("localhost", refused, options).unwrap_err();
            connect_host("", port, options).unwrap_err();
        }
    }
    assert_eq!(open_descriptors(), before);
    drop(held);
}

/// A child made by `fork` has the parent's idle lookup helper in its
/// memory but not its thread: its own lookups must still be answered. Run
/// alone in a child of this binary, so that no other test's thread is
/// inside `malloc` when it forks.
#[cfg(target_os = "linux")]
#[test]
fn lookups_under_a_deadline_work_after_fork() {
    const ALONE: &str = "NATIVESOCKETS_CONNECT_FORK";
    // qemu-user aborts in its plugin hook when a threaded guest forks.
    if nativesockets_testutil::process::qemu_gap("fork from a threaded process") {
        return;
    }
    if std::env::var_os(ALONE).is_none() {
        let _g = alone();
        let out = nativesockets_testutil::process::this_test_alone(
            "lookups_under_a_deadline_work_after_fork",
        )
        .env(ALONE, "1")
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = Port(listener.local_addr().unwrap().port());
    let options = ConnectOptions::new().timeout(Duration::from_secs(3));
    // Leaves an idle helper thread behind.
    drop(connect_host("localhost", port, &options).unwrap());
    // SAFETY: this process runs this test alone; the child only connects
    // and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", io::Error::last_os_error());
    if pid == 0 {
        let ok = connect_host("localhost", port, &options).is_ok();
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: `status` is a live int for waitpid to write.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the forked child's lookup failed (status {status:#x})"
    );
}

/// The namespace test: the body runs in a child of this binary started
/// inside `unshare --net --mount`, where it sets up its own loopback, hosts
/// file, resolver and firewall.
#[cfg(target_os = "linux")]
#[test]
fn happy_eyeballs_in_a_private_namespace() {
    const INSIDE: &str = "NATIVESOCKETS_CONNECT_NAMESPACE";
    // The test binary is re-run inside `unshare`, which cannot exec a
    // binary of another architecture without the runner.
    if nativesockets_testutil::process::qemu_gap("a re-run of the test binary inside unshare") {
        return;
    }
    if std::env::var_os(INSIDE).is_some() {
        namespace::run();
        return;
    }
    let _g = alone();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "skipped: making a network namespace, its firewall rule and bind mounts needs root"
        );
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("unshare")
        .args(["--net", "--mount"])
        .arg(exe)
        .args([
            "--exact",
            "happy_eyeballs_in_a_private_namespace",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INSIDE, "1")
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: cannot run unshare(1): {e}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("--- inside the namespace ---\n{stdout}{stderr}--- end ---");
    if stderr.contains("unshare failed") || stderr.contains("unshare: ") {
        eprintln!("skipped: unshare refused (a container without CAP_SYS_ADMIN?)");
        return;
    }
    assert!(out.status.success(), "the test inside the namespace failed");
    assert!(stdout.contains("namespace checks passed"), "{stdout}");
}

#[cfg(target_os = "linux")]
mod namespace {
    use super::*;
    use std::process::Command;

    /// How far a timing may stray (the machine is shared and slow at times).
    const MARGIN: Duration = Duration::from_millis(400);
    const NAME: &str = "happy.eyeballs.test";

    fn sh(program: &str, args: &[&str]) -> bool {
        match Command::new(program).args(args).output() {
            Ok(out) if out.status.success() => true,
            Ok(out) => {
                eprintln!(
                    "{program} {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                false
            }
            Err(e) => {
                eprintln!("{program}: {e}");
                false
            }
        }
    }

    /// Where the files mounted over /etc are written first.
    fn mount_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("nativesockets-connect-{}", std::process::id()))
    }

    fn bind_mount(text: &str, over: &str) {
        let dir = mount_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(over.trim_start_matches('/').replace('/', "_"));
        std::fs::write(&file, text).unwrap();
        assert!(
            sh("mount", &["--bind", file.to_str().unwrap(), over]),
            "cannot mount over {over}"
        );
    }

    fn drop_ipv6_syns(port: Port) -> bool {
        let p = port.0.to_string();
        sh(
            "ip6tables",
            &["-A", "INPUT", "-p", "tcp", "--dport", &p, "-j", "DROP"],
        ) || (sh("nft", &["add", "table", "ip6", "t"])
            && sh(
                "nft",
                &[
                    "add",
                    "chain",
                    "ip6",
                    "t",
                    "in",
                    "{ type filter hook input priority 0; }",
                ],
            )
            && sh(
                "nft",
                &["add", "rule", "ip6", "t", "in", "tcp", "dport", &p, "drop"],
            ))
    }

    pub(super) fn run() {
        assert!(sh("ip", &["link", "set", "lo", "up"]));
        // Two listeners on one port, IPv6 first; IPv6 then drops every SYN.
        let v6 = TcpListener::bind("[::1]:0").unwrap();
        let port = Port(v6.local_addr().unwrap().port());
        let v4 = TcpListener::bind(("127.0.0.1", port.0)).unwrap();
        if !drop_ipv6_syns(port) {
            println!("skipped: neither ip6tables nor nft could add a rule");
            println!("namespace checks passed");
            return;
        }
        bind_mount(
            &format!("::1 {NAME}\n127.0.0.1 {NAME}\n127.0.0.1 v4only.test\n127.0.0.1 localhost\n"),
            "/etc/hosts",
        );
        // A nameserver that never answers: this process holds its port.
        let silent = UdpSocket::bind("127.0.0.77:53").unwrap();
        bind_mount(
            "nameserver 127.0.0.77\noptions timeout:30 attempts:1\n",
            "/etc/resolv.conf",
        );
        // The mounts keep the files' contents: their directory in the
        // shared /tmp goes now, not left behind by this process.
        let _ = std::fs::remove_dir_all(mount_dir());

        let threads = running_threads();
        let before = open_descriptors();
        for _ in 0..3 {
            falls_back_to_ipv4_after_the_delay(&v4, port);
            deadline_before_the_fallback_names_both_addresses(port);
            ipv6_only_never_tries_ipv4(port);
            refused_on_both_lists_both();
        }
        scoped_link_local_address();
        assert_eq!(open_descriptors(), before, "descriptors left open");
        a_silent_resolver_times_out_at_the_deadline();
        abandoned_lookups_are_bounded(threads);
        python_for_comparison(port);
        drop((v6, silent));
        println!("namespace checks passed");
    }

    fn falls_back_to_ipv4_after_the_delay(v4: &TcpListener, port: Port) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&events);
        let options = ConnectOptions::new()
            .timeout(Duration::from_secs(5))
            .on_attempt(move |e| {
                if let ConnectEvent::Trying { addr } = e {
                    seen.lock().unwrap().push(**addr);
                }
            });
        let start = Instant::now();
        let s = connect_host(NAME, port, &options).unwrap();
        let took = start.elapsed();
        let peer = s.peer_addr().unwrap().as_socket_addr().unwrap();
        assert!(peer.is_ipv4(), "connected to {peer}");
        let delay = Duration::from_millis(250);
        assert!(took >= delay && took < delay + MARGIN, "took {took:?}");
        assert!(blocks(&s));
        let tried = events.lock().unwrap().clone();
        assert_eq!(tried.len(), 2, "{tried:?}");
        assert!(tried[0].is_ipv6() && tried[1].is_ipv4(), "{tried:?}");
        drop(v4.accept().unwrap());
        println!("connect_host({NAME:?}): connected over IPv4 in {took:?} (fallback delay 250 ms)");
        let start = Instant::now();
        let options = ConnectOptions::new().fallback_delay(Duration::from_millis(50));
        let s = connect_host(NAME, port, &options).unwrap();
        let took = start.elapsed();
        assert!(s.peer_addr().unwrap().as_socket_addr().unwrap().is_ipv4());
        assert!(took < Duration::from_millis(50) + MARGIN, "took {took:?}");
        drop(v4.accept().unwrap());
        // An attempt's own limit hands over to the next address even when
        // the fallback delay is longer, and the failure is reported.
        let failed = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&failed);
        let options = ConnectOptions::new()
            .fallback_delay(Duration::from_secs(5))
            .attempt_timeout(Duration::from_millis(100))
            .on_attempt(move |e| {
                if let ConnectEvent::Failed { addr, error } = e {
                    seen.lock().unwrap().push((**addr, error.kind()));
                }
            });
        let start = Instant::now();
        let s = connect_host(NAME, port, &options).unwrap();
        let took = start.elapsed();
        assert!(s.peer_addr().unwrap().as_socket_addr().unwrap().is_ipv4());
        assert!(
            took >= Duration::from_millis(100) && took < Duration::from_millis(100) + MARGIN,
            "took {took:?}"
        );
        let failed = failed.lock().unwrap().clone();
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert!(
            failed[0].0.is_ipv6() && failed[0].1 == ErrorKind::TimedOut,
            "{failed:?}"
        );
        drop(v4.accept().unwrap());
    }

    fn deadline_before_the_fallback_names_both_addresses(port: Port) {
        let options = ConnectOptions::new()
            .fallback_delay(Duration::from_secs(3))
            .timeout(Duration::from_millis(300));
        let start = Instant::now();
        let err = connect_host(NAME, port, &options).unwrap_err();
        let took = start.elapsed();
        assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_millis(300) + MARGIN,
            "took {took:?}"
        );
        let text = err.to_string();
        assert!(text.contains(NAME), "{text}");
        assert!(text.contains(&format!("[::1]:{port}")), "{text}");
        assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
        let all = inner(&err);
        assert!(all.timed_out());
        assert_eq!(all.attempts().len(), 1);
        assert_eq!(all.attempts()[0].1.kind(), ErrorKind::TimedOut);
        assert_eq!(all.untried().len(), 1);
        println!("deadline before the fallback: {text}");
    }

    fn ipv6_only_never_tries_ipv4(port: Port) {
        let options = ConnectOptions::new()
            .domain(Domain::Inet6)
            .timeout(Duration::from_millis(200));
        let err = connect_host(NAME, port, &options).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
        let all = inner(&err);
        assert!(all.attempts().iter().all(|(a, _)| a.is_ipv6()), "{err}");
        assert!(all.untried().is_empty(), "{err}");
        let err = connect_host(
            "v4only.test",
            port,
            &ConnectOptions::new().domain(Domain::Inet6),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        // IPv4 only: the dropping IPv6 address is not tried, no wait.
        let start = Instant::now();
        let s = connect_host(NAME, port, &ConnectOptions::new().domain(Domain::Inet)).unwrap();
        assert!(start.elapsed() < MARGIN);
        assert!(s.peer_addr().unwrap().as_socket_addr().unwrap().is_ipv4());
    }

    fn refused_on_both_lists_both() {
        let (_held, port) = refusing_port();
        let err = connect_host(NAME, port, &ConnectOptions::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        let all = inner(&err);
        let addrs: Vec<_> = all.attempts().iter().map(|(a, _)| *a).collect();
        assert_eq!(
            addrs,
            [
                format!("[::1]:{port}").parse::<SocketAddr>().unwrap(),
                format!("127.0.0.1:{port}").parse().unwrap()
            ]
        );
        for (_, e) in all.attempts() {
            assert_eq!(e.kind(), ErrorKind::ConnectionRefused);
        }
        let text = err.to_string();
        assert!(
            text.contains("[::1]") && text.contains("127.0.0.1"),
            "{text}"
        );
    }

    fn scoped_link_local_address() {
        if !sh("ip", &["addr", "add", "fe80::1/64", "dev", "lo", "nodad"]) {
            println!("skipped the scoped address: lo takes no fe80::1 here");
            return;
        }
        let l = match TcpListener::bind("[fe80::1%1]:0") {
            Ok(l) => l,
            Err(e) => {
                println!("skipped the scoped address: cannot listen on fe80::1%lo: {e}");
                return;
            }
        };
        let p = Port(l.local_addr().unwrap().port());
        // The kernel may take a moment to route the new address (the first
        // connects are unreachable): wait for std to reach it.
        let ready = Instant::now();
        while let Err(e) = std::net::TcpStream::connect(l.local_addr().unwrap()) {
            assert!(
                ready.elapsed() < Duration::from_secs(3),
                "fe80::1%lo unreachable: {e}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(l.accept().unwrap());
        let s = connect_host("fe80::1%lo", p, &ConnectOptions::new()).unwrap();
        let peer = s.peer_addr().unwrap().as_socket_addr().unwrap();
        assert_eq!(peer, l.local_addr().unwrap());
        drop(l.accept().unwrap());
        let err = connect_host("fe80::1%nosuchif0", p, &ConnectOptions::new()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    }

    fn a_silent_resolver_times_out_at_the_deadline() {
        let deadline = Duration::from_millis(500);
        let options = ConnectOptions::new().timeout(deadline);
        for _ in 0..3 {
            let start = Instant::now();
            let err = connect_host("nowhere.test", Port(80), &options).unwrap_err();
            let took = start.elapsed();
            assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
            assert!(err.to_string().contains("\"nowhere.test\""), "{err}");
            assert!(inner(&err).attempts().is_empty());
            assert!(
                took >= deadline && took < deadline + MARGIN,
                "took {took:?}"
            );
            println!("silent resolver: {err} (after {took:?})");
        }
    }

    fn running_threads() -> usize {
        std::fs::read_dir("/proc/self/task").unwrap().count()
    }

    /// Lookups left behind at their deadline still run (the resolver waits
    /// 30 s here); past 32 of them, a call waits for one to end instead of
    /// starting another thread, and still returns at its deadline.
    fn abandoned_lookups_are_bounded(threads_before: usize) {
        let deadline = Duration::from_millis(40);
        let options = ConnectOptions::new().timeout(deadline);
        let start = Instant::now();
        for i in 0..40 {
            let t = Instant::now();
            let err = connect_host(&format!("n{i}.nowhere.test"), Port(80), &options).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TimedOut, "{err}");
            assert!(t.elapsed() < deadline + MARGIN, "took {:?}", t.elapsed());
        }
        let now = running_threads();
        assert!(
            now <= threads_before + 33,
            "{now} threads, {threads_before} before: the abandoned lookups are not bounded"
        );
        println!(
            "40 lookups abandoned in {:?}: {} resolver threads running (at most 32 abandoned, and an idle one)",
            start.elapsed(),
            now - threads_before
        );
    }

    fn python_for_comparison(port: Port) {
        let script = format!(
            r#"
import asyncio, socket, sys, time
t = time.monotonic()
s = socket.create_connection(("{NAME}", {p}), timeout=1)
print("python socket.create_connection(timeout=1): connected to %s in %.3f s" % (s.getpeername()[0], time.monotonic() - t))
s.close()
if sys.version_info >= (3, 8):
    async def main():
        t = time.monotonic()
        r, w = await asyncio.open_connection("{NAME}", {p}, happy_eyeballs_delay=0.25)
        print("python asyncio.open_connection(happy_eyeballs_delay=0.25): connected to %s in %.3f s" % (w.get_extra_info("peername")[0], time.monotonic() - t))
        w.close()
    asyncio.run(main())
"#,
            p = port.0
        );
        match Command::new("python3").args(["-c", &script]).output() {
            Ok(out) => {
                print!("{}", String::from_utf8_lossy(&out.stdout));
                eprint!("{}", String::from_utf8_lossy(&out.stderr));
            }
            Err(e) => println!("python3 not run ({e}): no comparison"),
        }
    }
}
