//! Bad input, table-driven: every public function that takes text or
//! numbers is given the empty string, an interior NUL, 64 KiB of text (of
//! one-byte and of multi-byte characters), invalid UTF-8 where the type
//! allows it (paths, byte names), and out-of-range numbers. Each case
//! states the exact `ErrorKind` it must give and what its message must
//! name; no case may panic, and every mismatch is reported together.
//!
//! Two tables: inputs the crate must judge itself (text, lengths,
//! timeouts), which also run under Miri, and numbers that reach the OS.
//!
//! Text never reaches a resolver here: every host-name case is one that
//! the crate must turn away before any lookup.

use std::fmt::Debug;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Duration;

use nativesockets::*;

/// What a case must give.
enum Expect {
    /// Success.
    Ok,
    /// An error of this kind whose message contains `names`.
    Err(ErrorKind, String),
    /// An error of any kind whose message contains `names`, where the
    /// platform's answer varies (Windows and Wine differ).
    ErrNaming(String),
    /// The OS's own error, kept raw (socket calls keep `raw_os_error()`,
    /// so their message is the OS's): its code must be one of these, and
    /// its kind the one std gives that code.
    #[cfg_attr(not(unix), allow(dead_code))]
    Os(Vec<i32>),
}

struct Case {
    call: String,
    run: Box<dyn Fn() -> io::Result<()>>,
    expect: Expect,
}

/// How the crate's messages name an input: `<what> <input:?>`, the Debug
/// text cut to at most 80 bytes (at a character boundary).
fn named(what: &str, input: impl Debug) -> String {
    let debug = format!("{input:?}");
    let mut end = debug.len().min(80);
    while !debug.is_char_boundary(end) {
        end -= 1;
    }
    format!("{what} {}", &debug[..end])
}

fn ok<T>(r: io::Result<T>) -> io::Result<()> {
    r.map(|_| ())
}

/// The size of the long inputs: 64 KiB. Under Miri, which interprets the
/// formatting of every byte of every message, 1100 bytes instead: past
/// every limit the crate has (1024-byte names, 108-byte paths, 128-byte
/// addresses), and the run stays within minutes.
const LONG: usize = if cfg!(miri) { 1100 } else { 64 * 1024 };

/// The text inputs every text-taking function gets.
fn texts() -> Vec<(&'static str, String)> {
    vec![
        ("empty", String::new()),
        ("interior NUL", "ssh\0tcp".to_string()),
        ("64 KiB", "x".repeat(LONG)),
        ("64 KiB of 2-byte characters", "é".repeat(LONG / 2)),
    ]
}

/// Inputs the crate must judge itself, before any socket or resolver
/// call (the services file is read, as the system's is).
fn text_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |call: String, expect: Expect, run: Box<dyn Fn() -> io::Result<()>>| {
        cases.push(Case { call, run, expect });
    };
    let invalid =
        |what: &str, input: &str| Expect::Err(ErrorKind::InvalidInput, named(what, input));

    for (label, text) in texts() {
        let t = text.clone();
        for domain in [Domain::Unspec, Domain::Inet, Domain::Inet6] {
            let t = t.clone();
            add(
                format!("get_addr_info({label}, {domain:?})"),
                invalid("address", &text),
                Box::new(move || {
                    ok(get_addr_info(
                        &t,
                        Port(80),
                        domain,
                        SockType::Stream,
                        Protocol::Tcp,
                    ))
                }),
            );
        }
        let t = text.clone();
        add(
            format!("get_serv_by_name({label}, \"tcp\")"),
            invalid("service name", &text),
            Box::new(move || ok(get_serv_by_name(&t, "tcp"))),
        );
        // An empty protocol is C's NULL: any protocol.
        let proto_expect = || match text.is_empty() {
            true => Expect::Ok,
            false => invalid("protocol", &text),
        };
        let t = text.clone();
        add(
            format!("get_serv_by_name(\"ssh\", {label})"),
            proto_expect(),
            Box::new(move || ok(get_serv_by_name("ssh", &t))),
        );
        let t = text.clone();
        add(
            format!("get_serv_by_port(22, {label})"),
            proto_expect(),
            Box::new(move || ok(get_serv_by_port(Port(22), &t))),
        );
        let t = text.clone();
        add(
            format!("get_host_by_name({label})"),
            invalid("host name", &text),
            Box::new(move || ok(get_host_by_name(&t))),
        );
        let t = text.clone();
        add(
            format!("get_host_by_addr({label})"),
            invalid("IP address", &text),
            Box::new(move || ok(get_host_by_addr(&t))),
        );
        let t = text.clone();
        add(
            format!("get_proto_by_name({label})"),
            invalid("protocol name", &text),
            Box::new(move || ok(get_proto_by_name(&t))),
        );
        let t = text.clone();
        add(
            format!("get_protoent_by_name({label})"),
            invalid("protocol name", &text),
            Box::new(move || ok(get_protoent_by_name(&t))),
        );
        let t = text.clone();
        add(
            format!("parse_ip_text({label})"),
            invalid("IP address", &text),
            Box::new(move || ok(parse_ip_text(&t))),
        );
        let t = text.clone();
        add(
            format!("if_nametoindex({label})"),
            invalid("interface name", &text),
            Box::new(move || ok(if_nametoindex(&t))),
        );
        let t = text.clone();
        add(
            format!("SockAddr::unix({label})"),
            invalid("Unix socket path", &text),
            Box::new(move || ok(SockAddr::unix(&t))),
        );
        if cfg!(any(target_os = "linux", target_os = "android")) {
            // An abstract name is bytes: empty and NUL are fine.
            let t = text.clone();
            add(
                format!("SockAddr::unix_abstract({label})"),
                match text.len() > 107 {
                    true => Expect::Err(
                        ErrorKind::InvalidInput,
                        named("abstract Unix socket name", &text),
                    ),
                    false => Expect::Ok,
                },
                Box::new(move || ok(SockAddr::unix_abstract(t.as_bytes()))),
            );
        }
        let t = text.clone();
        add(
            format!("ServicesDb::from_path({label})"),
            match label {
                "empty" => Expect::Err(ErrorKind::NotFound, named("services file", Path::new(""))),
                "interior NUL" => Expect::Err(
                    ErrorKind::InvalidInput,
                    named("services file", Path::new(&text)),
                ),
                // Windows says ERROR_FILENAME_EXCED_RANGE, Wine 8
                // ERROR_ACCESS_DENIED: either is passed on, naming the path.
                _ if cfg!(windows) => Expect::ErrNaming(named("services file", Path::new(&text))),
                // ENAMETOOLONG, whose kind (InvalidFilename) is named
                // through std, as the crate's MSRV predates the variant.
                _ => Expect::Err(
                    io::Error::from_raw_os_error(libc_enametoolong()).kind(),
                    named("services file", Path::new(&text)),
                ),
            },
            Box::new(move || ok(ServicesDb::from_path(&t))),
        );
        // No error to give: these must simply not panic, and find nothing.
        let t = text.clone();
        add(
            format!("ServicesDb::parse({label})"),
            Expect::Ok,
            Box::new(move || {
                assert!(ServicesDb::parse(&t).is_empty());
                Ok(())
            }),
        );
        let t = text.clone();
        add(
            format!("ServicesFile::new({label})"),
            Expect::Ok,
            Box::new(move || {
                // No such file: the embedded table answers.
                let file = ServicesFile::new(&t);
                assert!(file.uses_embedded());
                assert_eq!(file.get_serv_by_name("ssh", "tcp")?.port, Port(22));
                Ok(())
            }),
        );
        let t = text.clone();
        add(
            format!("Port::from_str({label})"),
            Expect::Ok,
            Box::new(move || {
                assert!(t.parse::<Port>().is_err());
                Ok(())
            }),
        );
    }

    unix_paths(&mut add);

    // Lookups of the wrong kind of thing.
    add(
        "get_addr_info(\"127.0.0.1\", Domain::Unix)".into(),
        Expect::Err(ErrorKind::InvalidInput, "address family Unix".into()),
        Box::new(|| {
            ok(get_addr_info(
                "127.0.0.1",
                Port(1),
                Domain::Unix,
                SockType::Stream,
                Protocol::Ip,
            ))
        }),
    );
    add(
        "get_host_by_addr(\"127.0.0.1:80\")".into(),
        Expect::Err(ErrorKind::InvalidInput, named("IP address", "127.0.0.1:80")),
        Box::new(|| ok(get_host_by_addr("127.0.0.1:80"))),
    );
    add(
        "get_host_by_addr(\"256.0.0.1\")".into(),
        Expect::Err(ErrorKind::InvalidInput, named("IP address", "256.0.0.1")),
        Box::new(|| ok(get_host_by_addr("256.0.0.1"))),
    );
    for port in [0u16, 65535] {
        add(
            format!("get_serv_by_port({port}, \"tcp\")"),
            Expect::Err(ErrorKind::NotFound, format!("service port {port}")),
            Box::new(move || ok(get_serv_by_port(Port(port), "tcp"))),
        );
    }
    for text in ["65536", "-1", "+", "８０"] {
        add(
            format!("Port::from_str({text:?})"),
            Expect::Ok,
            Box::new(move || {
                assert!(text.parse::<Port>().is_err());
                Ok(())
            }),
        );
    }

    lengths_and_timeouts(&mut add);
    cases
}

#[cfg(unix)]
fn libc_enametoolong() -> i32 {
    libc::ENAMETOOLONG
}

#[cfg(not(unix))]
fn libc_enametoolong() -> i32 {
    // ERROR_FILENAME_EXCED_RANGE
    206
}

/// Invalid UTF-8, which only paths and byte names can hold.
#[cfg(unix)]
fn unix_paths(add: &mut impl FnMut(String, Expect, Box<dyn Fn() -> io::Result<()>>)) {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let bad: &'static [u8] = b"/tmp/nativesockets-\xff\xfe.sock";
    add(
        "SockAddr::unix(invalid UTF-8)".into(),
        Expect::Ok,
        Box::new(move || {
            let addr = SockAddr::unix(OsStr::from_bytes(bad))?;
            assert_eq!(addr.as_unix_path().unwrap().as_os_str().as_bytes(), bad);
            assert_eq!(get_addr_string(&addr)?, String::from_utf8_lossy(bad));
            Ok(())
        }),
    );
    let long_bad = vec![0xffu8; LONG];
    let long_path = Path::new(OsStr::from_bytes(&long_bad)).to_path_buf();
    add(
        "SockAddr::unix(64 KiB of invalid UTF-8)".into(),
        Expect::Err(
            ErrorKind::InvalidInput,
            named("Unix socket path", &long_path),
        ),
        Box::new(move || ok(SockAddr::unix(&long_path))),
    );
    let missing = Path::new(OsStr::from_bytes(b"/nonexistent/nativesockets-\xff")).to_path_buf();
    let m = missing.clone();
    add(
        "ServicesDb::from_path(invalid UTF-8)".into(),
        Expect::Err(ErrorKind::NotFound, named("services file", &missing)),
        Box::new(move || ok(ServicesDb::from_path(&m))),
    );
    add(
        "ServicesFile::new(invalid UTF-8)".into(),
        Expect::Ok,
        Box::new(move || {
            let file = ServicesFile::new(&missing);
            assert!(file.uses_embedded());
            Ok(())
        }),
    );
    if cfg!(any(target_os = "linux", target_os = "android")) {
        add(
            "SockAddr::unix_abstract(invalid UTF-8)".into(),
            Expect::Ok,
            Box::new(|| {
                let addr = SockAddr::unix_abstract(b"\xff\xfe")?;
                assert_eq!(get_addr_string(&addr)?, "@\u{fffd}\u{fffd}");
                Ok(())
            }),
        );
    }
}

#[cfg(not(unix))]
fn unix_paths(_: &mut impl FnMut(String, Expect, Box<dyn Fn() -> io::Result<()>>)) {}

fn tcp() -> io::Result<SocketHandle> {
    new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)
}

/// Numbers the crate must judge itself: family, type and protocol
/// numbers it does not model, timeouts, address lengths.
fn lengths_and_timeouts(add: &mut impl FnMut(String, Expect, Box<dyn Fn() -> io::Result<()>>)) {
    add(
        "Domain/SockType/Protocol::from_int(out of range)".into(),
        Expect::Ok,
        Box::new(|| {
            for n in [-1, i32::MIN, i32::MAX, 4242] {
                assert_eq!(Domain::from_int(n), None);
                assert_eq!(SockType::from_int(n), None);
                assert_eq!(Protocol::from_int(n), None);
            }
            Ok(())
        }),
    );

    // Timeouts.
    for (call, ms) in [("select", -1), ("select_write", i32::MIN)] {
        add(
            format!("{call}(empty, {ms})"),
            Expect::Err(ErrorKind::InvalidInput, named("timeout", ms)),
            Box::new(move || {
                let mut none: Vec<&SocketHandle> = Vec::new();
                match call {
                    "select" => ok(select(&mut none, ms)),
                    _ => ok(select_write(&mut none, ms)),
                }
            }),
        );
    }
    // Lengths.
    for len in [0usize, 1, 129, LONG] {
        add(
            format!("SockAddr::from_bytes({len} bytes)"),
            Expect::Err(ErrorKind::InvalidInput, named("socket address bytes", len)),
            Box::new(move || ok(SockAddr::from_bytes(&vec![0u8; len]))),
        );
    }
}

/// Out-of-range numbers that reach the OS (families, types, protocols,
/// option levels, names and values, backlogs) or that the crate checks on
/// a real socket (option values, timeouts).
fn os_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |call: String, expect: Expect, run: Box<dyn Fn() -> io::Result<()>>| {
        cases.push(Case { call, run, expect });
    };
    // Not on Windows: Wine's getaddrinfo, which CI runs, accepts the pair
    // (see tests/names/).
    #[cfg(not(windows))]
    add(
        "get_addr_info(\"127.0.0.1\", Stream, Udp)".into(),
        Expect::Err(ErrorKind::Unsupported, named("address", "127.0.0.1")),
        Box::new(|| {
            ok(get_addr_info(
                "127.0.0.1",
                Port(1),
                Domain::Inet,
                SockType::Stream,
                Protocol::Udp,
            ))
        }),
    );

    // The OS rejects these arguments; the crate reports Unsupported (no
    // such family, type or protocol here) or InvalidInput (EINVAL) with
    // the three numbers in the message.
    #[cfg(target_os = "linux")]
    for (domain, ty, proto, kind) in [
        (-1, libc::SOCK_STREAM, 0, ErrorKind::Unsupported),
        (i32::MAX, libc::SOCK_STREAM, 0, ErrorKind::Unsupported),
        (libc::AF_INET, -1, 0, ErrorKind::InvalidInput),
        (
            libc::AF_INET,
            libc::SOCK_STREAM,
            -1,
            ErrorKind::InvalidInput,
        ),
        (
            libc::AF_INET,
            libc::SOCK_STREAM,
            i32::MAX,
            ErrorKind::InvalidInput,
        ),
        (
            libc::AF_INET,
            libc::SOCK_DGRAM,
            libc::IPPROTO_TCP,
            ErrorKind::Unsupported,
        ),
    ] {
        add(
            format!("new_native_socket_raw({domain}, {ty}, {proto})"),
            Expect::Err(
                kind,
                format!("socket (domain {domain}, type {ty}, protocol {proto})"),
            ),
            Box::new(move || ok(new_native_socket_raw(domain, ty, proto))),
        );
    }
    // Unknown option levels and names: ENOPROTOOPT on Linux (gVisor's
    // netstack answers EOPNOTSUPP for an unknown level).
    #[cfg(unix)]
    {
        let unknown = vec![libc::ENOPROTOOPT, libc::EOPNOTSUPP];
        for (level, name) in [(-1, -1), (SOL_SOCKET, i32::MAX), (i32::MAX, 1)] {
            add(
                format!("get_sock_opt_int({level}, {name})"),
                Expect::Os(unknown.clone()),
                Box::new(move || ok(get_sock_opt_int(&tcp()?, level, name))),
            );
            add(
                format!("set_sock_opt_int({level}, {name}, 1)"),
                Expect::Os(unknown.clone()),
                Box::new(move || set_sock_opt_int(&tcp()?, level, name, 1)),
            );
        }
        for ttl in [256, -2, i32::MIN] {
            add(
                format!("set_sock_opt_int(IPPROTO_IP, IP_TTL, {ttl})"),
                Expect::Os(vec![libc::EINVAL]),
                Box::new(move || set_sock_opt_int(&tcp()?, IPPROTO_IP, IP_TTL, ttl)),
            );
        }
    }
    // A TTL past 255 is refused before the OS sees it.
    add(
        "set_ttl(256)".into(),
        Expect::Err(ErrorKind::InvalidInput, "256".into()),
        Box::new(|| tcp()?.set_ttl(256)),
    );
    add(
        "set_ttl(u32::MAX)".into(),
        Expect::Err(ErrorKind::InvalidInput, u32::MAX.to_string()),
        Box::new(|| tcp()?.set_ttl(u32::MAX)),
    );
    add(
        "set_unicast_hops_v6(u32::MAX)".into(),
        Expect::Err(ErrorKind::InvalidInput, u32::MAX.to_string()),
        Box::new(|| {
            new_native_socket(Domain::Inet6, SockType::Stream, Protocol::Tcp)?
                .set_unicast_hops_v6(u32::MAX)
        }),
    );
    for (call, set) in [
        (
            "set_recv_buffer_size",
            SocketHandle::set_recv_buffer_size as fn(&SocketHandle, usize) -> io::Result<()>,
        ),
        ("set_send_buffer_size", SocketHandle::set_send_buffer_size),
    ] {
        add(
            format!("{call}(usize::MAX)"),
            Expect::Err(ErrorKind::InvalidInput, usize::MAX.to_string()),
            Box::new(move || set(&tcp()?, usize::MAX)),
        );
    }

    for (call, set) in [
        (
            "set_read_timeout",
            SocketHandle::set_read_timeout as fn(&SocketHandle, Option<Duration>) -> io::Result<()>,
        ),
        ("set_write_timeout", SocketHandle::set_write_timeout),
    ] {
        add(
            format!("{call}(Some(Duration::ZERO))"),
            Expect::Err(ErrorKind::InvalidInput, format!("{:?}", Duration::ZERO)),
            Box::new(move || set(&tcp()?, Some(Duration::ZERO))),
        );
    }
    add(
        "connect_timeout(Duration::ZERO)".into(),
        Expect::Err(
            ErrorKind::InvalidInput,
            named("connect timeout", Duration::ZERO),
        ),
        Box::new(|| {
            let to = SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 9)));
            tcp()?.connect_timeout(&to, Duration::ZERO)
        }),
    );

    // Backlogs out of range are the OS's to clamp, as listen(2) says.
    for backlog in [-1, 0, i32::MAX] {
        add(
            format!("listen({backlog})"),
            Expect::Ok,
            Box::new(move || {
                let s = tcp()?;
                s.bind_addr(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))?;
                listen(&s, backlog)
            }),
        );
    }
    cases
}

/// Runs every case and fails with the list of those that did not give
/// what they expect.
fn check(cases: Vec<Case>) {
    let mut failures = Vec::new();
    for case in &cases {
        let outcome = match catch_unwind(AssertUnwindSafe(|| (case.run)())) {
            Ok(outcome) => outcome,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: panicked: {why}", case.call));
                continue;
            }
        };
        let problem = match (&case.expect, &outcome) {
            (Expect::Ok, Ok(())) => None,
            (Expect::Ok, Err(e)) => Some(format!("expected success, got {:?}: {e}", e.kind())),
            (Expect::Err(kind, names), Err(e)) => {
                let msg = e.to_string();
                if e.kind() != *kind {
                    Some(format!("expected {kind:?}, got {:?}: {msg}", e.kind()))
                } else if !msg.contains(names.as_str()) {
                    Some(format!("message does not name {names:?}: {msg}"))
                } else {
                    None
                }
            }
            (Expect::ErrNaming(names), Err(e)) => (!e.to_string().contains(names.as_str()))
                .then(|| format!("message does not name {names:?}: {e}")),
            (Expect::Os(codes), Err(e)) => match e.raw_os_error() {
                Some(code) if codes.contains(&code) => (e.kind()
                    != io::Error::from_raw_os_error(code).kind())
                .then(|| format!("kind {:?} is not the OS code's: {e}", e.kind())),
                _ => Some(format!(
                    "expected OS error {codes:?}, got {:?}: {e}",
                    e.kind()
                )),
            },
            (_, Ok(())) => Some("expected an error, got success".to_string()),
        };
        if let Some(problem) = problem {
            failures.push(format!("{}: {problem}", case.call));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn bad_text_and_lengths_get_invalid_input_naming_them_and_never_a_panic() {
    check(text_cases());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "socket(2) with arbitrary numbers, getsockopt/setsockopt of arbitrary options and getaddrinfo(3), which Miri does not emulate"
)]
fn out_of_range_numbers_get_the_os_error_or_invalid_input_naming_them() {
    check(os_cases());
}
