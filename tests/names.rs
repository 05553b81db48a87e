//! The name databases: `get_addr_info`, services (against the C library,
//! parsing, reloading), hosts and protocols, errors, threads.
//!
//! Host lookups use only `localhost`, this machine's host name (both in
//! /etc/hosts) and numeric addresses, plus one `.invalid` name in each of
//! two negative tests.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use nativesockets::*;

/// A scratch directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("nativesockets-names-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn socket_addrs(list: &AddrInfoList) -> Vec<SocketAddr> {
    list.iter().filter_map(|ai| ai.socket_addr()).collect()
}

// ---- get_addr_info ----

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
fn numeric_ipv4_gives_one_entry_with_the_port_and_hints() {
    let list = get_addr_info(
        "127.0.0.1",
        Port(8080),
        Domain::Inet,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap();
    assert_eq!(list.len(), 1);
    assert!(!list.is_empty());
    let ai = list.first();
    assert_eq!(ai.domain(), Some(Domain::Inet));
    assert_eq!(ai.family(), Domain::Inet.to_int());
    assert_eq!(ai.sock_type(), Some(SockType::Stream));
    assert_eq!(ai.raw_sock_type(), SockType::Stream.to_int());
    assert_eq!(ai.protocol(), Some(Protocol::Tcp));
    assert_eq!(
        ai.addr().as_socket_addr(),
        Some("127.0.0.1:8080".parse().unwrap())
    );
    assert_eq!(ai.canonical_name(), Some("127.0.0.1"));
    assert!(format!("{list:?}").contains("127.0.0.1:8080"));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a protocol hint, which Miri does not emulate"
)]
fn localhost_resolves_through_etc_hosts_with_its_canonical_name() {
    let list = get_addr_info(
        "localhost",
        Port(80),
        Domain::Unspec,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap();
    assert_eq!(list.first().canonical_name(), Some("localhost"));
    let addrs = socket_addrs(&list);
    assert!(!addrs.is_empty());
    assert!(
        addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 80),
        "{addrs:?}"
    );
    // Only the first entry carries the canonical name.
    assert!(list.iter().skip(1).all(|ai| ai.canonical_name().is_none()));
    // Iterating by reference and with iter() agree.
    let by_ref: Vec<_> = (&list).into_iter().map(|ai| ai.addr()).collect();
    assert_eq!(by_ref, list.iter().map(|ai| ai.addr()).collect::<Vec<_>>());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) for datagram sockets, which Miri does not emulate"
)]
fn ipv6_loopback_resolves_and_the_address_binds() {
    let list = get_addr_info(
        "::1",
        Port(0),
        Domain::Unspec,
        SockType::Dgram,
        Protocol::Udp,
    )
    .unwrap();
    let ai = list.first();
    assert_eq!(ai.domain(), Some(Domain::Inet6));
    assert_eq!(ai.sock_type(), Some(SockType::Dgram));
    assert_eq!(ai.protocol(), Some(Protocol::Udp));
    assert_eq!(ai.socket_addr(), Some("[::1]:0".parse().unwrap()));
    // The entry is directly usable: a socket of its family, type and
    // protocol binds to its address and talks to itself.
    let s = new_native_socket(
        ai.domain().unwrap(),
        ai.sock_type().unwrap(),
        ai.protocol().unwrap(),
    )
    .unwrap();
    bind_addr(&s, &ai.addr()).unwrap();
    let me = s.local_addr().unwrap();
    s.send_to(b"six", &me).unwrap();
    let mut buf = [0u8; 8];
    let (n, from) = s.recv_from(&mut buf).unwrap();
    assert_eq!((&buf[..n], from), (&b"six"[..], me));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
fn ipv6_hints_give_v4_mapped_addresses_for_ipv4_only_names() {
    let list = get_addr_info(
        "127.0.0.1",
        Port(7),
        Domain::Inet6,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap();
    let expected: SocketAddr = "[::ffff:127.0.0.1]:7".parse().unwrap();
    assert_eq!(socket_addrs(&list), vec![expected]);
    assert_eq!(list.first().domain(), Some(Domain::Inet6));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
fn an_ipv6_address_asked_for_as_ipv4_is_not_found() {
    let e = get_addr_info(
        "::1",
        Port(1),
        Domain::Inet,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().starts_with("address \"::1\": "), "{e}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
fn raw_hints_need_no_service_and_carry_port_zero() {
    // Nim passed the port as the service here and getaddrinfo failed with
    // EAI_SERVICE.
    let list = get_addr_info(
        "127.0.0.1",
        Port(443),
        Domain::Inet,
        SockType::Raw,
        Protocol::Icmp,
    )
    .unwrap();
    let ai = list.first();
    assert_eq!(ai.sock_type(), Some(SockType::Raw));
    assert_eq!(ai.protocol(), Some(Protocol::Icmp));
    assert_eq!(ai.socket_addr(), Some("127.0.0.1:0".parse().unwrap()));
    let v6 = get_addr_info(
        "::1",
        Port(9),
        Domain::Inet6,
        SockType::Raw,
        Protocol::Icmpv6,
    )
    .unwrap();
    assert_eq!(v6.first().socket_addr(), Some("[::1]:0".parse().unwrap()));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
fn datagram_hints_give_udp_entries_with_the_port() {
    let list = get_addr_info(
        "127.0.0.1",
        Port(53),
        Domain::Inet,
        SockType::Dgram,
        Protocol::Ip,
    )
    .unwrap();
    assert!(list
        .iter()
        .all(|ai| ai.sock_type() == Some(SockType::Dgram)));
    // Windows leaves ai_protocol 0 when the hints name none (Microsoft's
    // own example prints "Protocol: Unspecified"); Wine does the same.
    let protocol = if cfg!(windows) {
        Protocol::Ip
    } else {
        Protocol::Udp
    };
    assert!(list.iter().any(|ai| ai.protocol() == Some(protocol)));
    assert_eq!(
        list.first().socket_addr(),
        Some("127.0.0.1:53".parse().unwrap())
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
// Not on Windows: Wine's getaddrinfo, which CI runs, does not check that
// the protocol fits the type (it answers a stream entry of protocol UDP);
// what Windows itself answers is not tested here.
#[cfg(not(windows))]
fn a_type_and_protocol_that_do_not_match_are_unsupported() {
    let e = get_addr_info(
        "127.0.0.1",
        Port(1),
        Domain::Inet,
        SockType::Stream,
        Protocol::Udp,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("\"127.0.0.1\""), "{e}");
}

#[test]
fn bad_address_text_is_invalid_input_before_any_lookup() {
    let kind = |a: &str| {
        get_addr_info(a, Port(1), Domain::Unspec, SockType::Stream, Protocol::Tcp)
            .unwrap_err()
            .kind()
    };
    assert_eq!(kind(""), ErrorKind::InvalidInput);
    assert_eq!(kind("local\0host"), ErrorKind::InvalidInput);
    assert_eq!(kind(&"a".repeat(1025)), ErrorKind::InvalidInput);
    let e = get_addr_info("x", Port(1), Domain::Unix, SockType::Stream, Protocol::Ip).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("SockAddr::unix"), "{e}");
    let e = get_addr_info(
        "local\0host",
        Port(1),
        Domain::Inet,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("NUL") && e.to_string().contains("local\\0host"),
        "{e}"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a protocol hint, which Miri does not emulate"
)]
fn an_unknown_name_is_not_found_with_the_resolvers_reason() {
    let e = get_addr_info(
        "no-such-host.invalid",
        Port(80),
        Domain::Unspec,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    let text = e.to_string();
    assert!(
        text.starts_with("address \"no-such-host.invalid\": "),
        "{text}"
    );
    #[cfg(unix)]
    {
        // SAFETY: gai_strerror returns a static string.
        let why = unsafe { std::ffi::CStr::from_ptr(libc::gai_strerror(libc::EAI_NONAME)) };
        assert!(text.contains(why.to_str().unwrap()), "{text}");
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with a family hint, which Miri does not emulate"
)]
fn addr_info_lists_can_move_between_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let list = get_addr_info(
        "127.0.0.1",
        Port(1),
        Domain::Inet,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap();
    send_sync(&list);
    let addrs = thread::spawn(move || socket_addrs(&list)).join().unwrap();
    assert_eq!(addrs, vec!["127.0.0.1:1".parse::<SocketAddr>().unwrap()]);
}

/// An entry as (family, type, protocol, address bytes).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
type Entry = (i32, i32, i32, Vec<u8>);

/// The C library's answer to the same query, with the port passed as a
/// numeric service (what a C program writes), as comparable tuples; or
/// `Err(())` when it fails.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn c_getaddrinfo(
    host: &str,
    port: u16,
    family: i32,
    socktype: i32,
    protocol: i32,
    flags: i32,
) -> Result<Vec<Entry>, i32> {
    use std::ffi::CString;
    let host = CString::new(host).unwrap();
    let service = CString::new(port.to_string()).unwrap();
    // SAFETY: zeroed addrinfo is valid "no hints".
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_protocol = protocol;
    hints.ai_flags = flags;
    let service_ptr = if socktype == libc::SOCK_RAW {
        std::ptr::null()
    } else {
        hints.ai_flags |= libc::AI_NUMERICSERV;
        service.as_ptr()
    };
    let mut res = std::ptr::null_mut();
    // SAFETY: valid strings, hints and out pointer.
    let code = unsafe { libc::getaddrinfo(host.as_ptr(), service_ptr, &hints, &mut res) };
    if code != 0 {
        return Err(code);
    }
    let mut out = Vec::new();
    let mut p = res;
    while !p.is_null() {
        // SAFETY: p is an entry of the list, alive until freeaddrinfo.
        let ai = unsafe { &*p };
        // SAFETY: ai_addr points to ai_addrlen bytes.
        let bytes =
            unsafe { std::slice::from_raw_parts(ai.ai_addr.cast::<u8>(), ai.ai_addrlen as usize) };
        out.push((ai.ai_family, ai.ai_socktype, ai.ai_protocol, bytes.to_vec()));
        p = ai.ai_next;
    }
    // SAFETY: res came from getaddrinfo.
    unsafe { libc::freeaddrinfo(res) };
    Ok(out)
}

#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    ignore = "compares with glibc's getaddrinfo"
)]
#[cfg_attr(
    miri,
    ignore = "getaddrinfo(3) with flags, which Miri does not emulate"
)]
fn every_hint_combination_answers_as_getaddrinfo_with_a_numeric_service() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let domains = [Domain::Unspec, Domain::Inet, Domain::Inet6];
        let types = [
            SockType::Stream,
            SockType::Dgram,
            SockType::Raw,
            SockType::SeqPacket,
        ];
        let protocols = [
            Protocol::Ip,
            Protocol::Tcp,
            Protocol::Udp,
            Protocol::Raw,
            Protocol::Icmp,
            Protocol::Icmpv6,
            Protocol::Ipv6,
        ];
        let mut compared = 0;
        for host in ["127.0.0.1", "::1", "localhost"] {
            for domain in domains {
                for ty in types {
                    for proto in protocols {
                        let flags = libc::AI_CANONNAME
                            | if domain == Domain::Inet6 {
                                libc::AI_V4MAPPED
                            } else {
                                0
                            };
                        let c = c_getaddrinfo(
                            host,
                            4242,
                            domain.to_int(),
                            ty.to_int(),
                            proto.to_int(),
                            flags,
                        );
                        let ours = get_addr_info(host, Port(4242), domain, ty, proto).map(|l| {
                            l.iter()
                                .map(|ai| {
                                    (
                                        ai.family(),
                                        ai.raw_sock_type(),
                                        ai.raw_protocol(),
                                        ai.addr().as_bytes().to_vec(),
                                    )
                                })
                                .collect::<Vec<_>>()
                        });
                        match (&c, &ours) {
                            (Ok(c), Ok(ours)) => {
                                assert_eq!(c, ours, "{host} {domain:?} {ty:?} {proto:?}")
                            }
                            (Err(_), Err(_)) => {}
                            _ => {
                                panic!("{host} {domain:?} {ty:?} {proto:?}: C {c:?}, ours {ours:?}")
                            }
                        }
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 3 * 3 * 4 * 7);
    }
}

// ---- services ----

#[test]
fn well_known_services_have_host_order_ports() {
    let http = get_serv_by_name("http", "tcp").unwrap();
    assert_eq!(http.port, Port(80));
    assert_eq!(http.proto, "tcp");
    assert_eq!(get_serv_by_port(Port(22), "tcp").unwrap().name, "ssh");
    assert_eq!(get_serv_by_name("domain", "").unwrap().port, Port(53));
}

#[test]
fn service_lookup_errors_name_the_query() {
    let e = get_serv_by_name("no-such-service", "tcp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let text = e.to_string();
    assert!(
        text.starts_with("service name \"no-such-service\": no such service"),
        "{text}"
    );
    assert!(text.contains("\"tcp\""), "{text}");
    let path = ServicesFile::system().path().display().to_string();
    assert!(text.contains(&path), "{text}");
    assert!(format!("{e:?}").contains("no-such-service"));

    let e = get_serv_by_port(Port(1), "udp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.to_string()
            .starts_with("service port 1: no such service for protocol \"udp\""),
        "{e}"
    );

    for (name, proto) in [("", "tcp"), ("a\0b", "tcp"), ("http", "t\0cp")] {
        let e = get_serv_by_name(name, proto).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{name:?} {proto:?}");
    }
    let long = "s".repeat(1025);
    let e = get_serv_by_name(&long, "").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().len() < 200, "{e}");
    assert_eq!(
        get_serv_by_port(Port(80), &long).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let e = get_serv_by_port(Port(80), "t\0cp").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.to_string()
            .starts_with("protocol \"t\\0cp\": contains a NUL"),
        "{e}"
    );
}

#[test]
fn a_services_file_parses_as_the_c_library_reads_it() {
    let dir = TempDir::new("parse");
    let path = dir.0.join("services");
    std::fs::write(
        &path,
        "# comment line\n\
         \n\
         \t  \n\
         alpha\t\t1000/tcp\t\ta1 a2   # trailing comment\n\
         alpha 1000/udp a1\n\
         beta 1001/tcp alpha\n\
         alpha 1002/tcp dup-later\n\
         bad-no-port\n\
         bad-port x/tcp\n\
         bad-slash 1003\n\
         bad-range 65536/tcp\n\
         bad-range2 99999999999/udp\n\
         Gamma 65535/sctp#glued comment\n\
         delta 0/tcp\r\n\
         epsilon 1004/tcp eps#not-an-alias\n",
    )
    .unwrap();
    let db = ServicesDb::from_path(&path).unwrap();
    let names: Vec<&str> = db.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["alpha", "alpha", "beta", "alpha", "Gamma", "delta", "epsilon"]
    );
    assert_eq!(db.len(), 7);

    // Names and aliases, first match in file order, case-sensitive.
    let a = db.by_name("alpha", "").unwrap();
    assert_eq!(
        (a.port, a.proto.as_str(), a.aliases.clone()),
        (Port(1000), "tcp", vec!["a1".into(), "a2".into()])
    );
    assert_eq!(db.by_name("alpha", "udp").unwrap().port, Port(1000));
    assert_eq!(db.by_name("a2", "udp"), None);
    // `beta` lists `alpha` as an alias, after the first `alpha` line.
    assert_eq!(db.by_name("alpha", "tcp").unwrap().port, Port(1000));
    assert_eq!(db.by_name("dup-later", "tcp").unwrap().port, Port(1002));
    assert_eq!(db.by_name("gamma", ""), None);
    assert_eq!(db.by_name("Gamma", "sctp").unwrap().port, Port(65535));
    assert_eq!(db.by_port(Port(0), "tcp").unwrap().name, "delta");
    assert_eq!(db.by_name("eps", "").unwrap().aliases, ["eps"]);
    assert_eq!(db.by_name("not-an-alias", ""), None);
    for bad in [
        "bad-no-port",
        "bad-port",
        "bad-slash",
        "bad-range",
        "bad-range2",
    ] {
        assert_eq!(db.by_name(bad, ""), None, "{bad}");
    }
    assert_eq!(db.by_port(Port(1000), "udp").unwrap().proto, "udp");
    assert_eq!(db.by_port(Port(1000), "sctp"), None);

    // The same file through a ServicesFile answers the same, owned.
    let file = ServicesFile::new(&path);
    assert_eq!(
        file.get_serv_by_name("a1", "udp").unwrap(),
        db.by_name("a1", "udp").unwrap().clone()
    );
    assert!(!file.uses_embedded());
    assert_eq!(file.db().len(), 7);

    let missing = ServicesDb::from_path(dir.0.join("nope")).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.to_string().contains("nope"), "{missing}");
}

#[test]
fn a_services_file_change_is_seen_within_one_second() {
    let dir = TempDir::new("reload");
    let path = dir.0.join("services");
    std::fs::write(&path, "svc 1111/tcp old\n").unwrap();
    let file = ServicesFile::new(&path);
    assert_eq!(
        file.get_serv_by_name("svc", "tcp").unwrap().port,
        Port(1111)
    );
    // Same size, written right away: only the content differs.
    std::fs::write(&path, "svc 2222/tcp new\n").unwrap();
    thread::sleep(Duration::from_millis(1100));
    let svc = file.get_serv_by_name("svc", "tcp").unwrap();
    assert_eq!(
        (svc.port, svc.aliases.clone()),
        (Port(2222), vec!["new".to_string()])
    );
    assert!(file.get_serv_by_name("old", "").is_err());
    assert_eq!(file.get_serv_by_port(Port(2222), "").unwrap().name, "svc");

    // Gone: the embedded table answers, and says so in errors.
    std::fs::remove_file(&path).unwrap();
    thread::sleep(Duration::from_millis(1100));
    assert!(file.uses_embedded());
    assert_eq!(file.get_serv_by_name("ssh", "tcp").unwrap().port, Port(22));
    let e = file.get_serv_by_name("svc", "tcp").unwrap_err();
    assert!(e.to_string().contains("embedded services table"), "{e}");

    // Back again.
    std::fs::write(&path, "svc 3333/udp\n").unwrap();
    thread::sleep(Duration::from_millis(1100));
    assert!(!file.uses_embedded());
    assert_eq!(file.get_serv_by_name("svc", "").unwrap().port, Port(3333));
}

#[test]
fn a_missing_services_file_falls_back_to_the_embedded_table() {
    let dir = TempDir::new("missing");
    let file = ServicesFile::new(dir.0.join("services"));
    assert!(file.uses_embedded());
    assert_eq!(
        file.get_serv_by_name("https", "tcp").unwrap().port,
        Port(443)
    );
    assert_eq!(file.db().len(), ServicesDb::embedded().len());
    assert!(format!("{file:?}").contains("services"));
}

/// glibc's reentrant services calls, for the parity test.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod c_services {
    use std::ffi::{CStr, CString};
    use std::os::raw::{c_char, c_int};

    use nativesockets::{Port, Servent};

    extern "C" {
        fn getservbyname_r(
            name: *const c_char,
            proto: *const c_char,
            result_buf: *mut libc::servent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::servent,
        ) -> c_int;
        fn getservbyport_r(
            port: c_int,
            proto: *const c_char,
            result_buf: *mut libc::servent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::servent,
        ) -> c_int;
    }

    fn call(
        f: impl FnOnce(
            *const c_char,
            *mut libc::servent,
            *mut c_char,
            usize,
            *mut *mut libc::servent,
        ) -> c_int,
        proto: &str,
    ) -> Option<Servent> {
        let proto = CString::new(proto).unwrap();
        let proto_ptr = if proto.as_bytes().is_empty() {
            std::ptr::null()
        } else {
            proto.as_ptr()
        };
        let mut buf = vec![0 as c_char; 64 * 1024];
        // SAFETY: zeroed servent is a valid out value.
        let mut ent: libc::servent = unsafe { std::mem::zeroed() };
        let mut result = std::ptr::null_mut();
        let ret = f(
            proto_ptr,
            &mut ent,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        assert_ne!(ret, libc::ERANGE);
        if result.is_null() {
            return None;
        }
        let text = |p: *const c_char| {
            // SAFETY: the C library filled p with a NUL-terminated string.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        };
        let mut aliases = Vec::new();
        let mut p = ent.s_aliases;
        // SAFETY: s_aliases is a null-terminated array of strings.
        while unsafe { !(*p).is_null() } {
            aliases.push(text(unsafe { *p }));
            // SAFETY: still inside the array.
            p = unsafe { p.add(1) };
        }
        Some(Servent {
            name: text(ent.s_name),
            aliases,
            port: Port(u16::from_be(ent.s_port as u16)),
            proto: text(ent.s_proto),
        })
    }

    pub fn by_name(name: &str, proto: &str) -> Option<Servent> {
        let name = CString::new(name).unwrap();
        // SAFETY: valid strings and buffers, as `call` passes them.
        call(
            |p, e, b, l, r| unsafe { getservbyname_r(name.as_ptr(), p, e, b, l, r) },
            proto,
        )
    }

    pub fn by_port(port: u16, proto: &str) -> Option<Servent> {
        // SAFETY: valid strings and buffers, as `call` passes them.
        call(
            |p, e, b, l, r| unsafe { getservbyport_r(c_int::from(port.to_be()), p, e, b, l, r) },
            proto,
        )
    }
}

#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    ignore = "compares with glibc's getservbyname_r/getservbyport_r"
)]
#[cfg_attr(miri, ignore = "getservbyname_r(3), which Miri does not emulate")]
fn every_entry_of_the_system_services_file_answers_as_the_c_library() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let path = ServicesFile::system().path().to_path_buf();
        let Ok(text) = std::fs::read_to_string(&path) else {
            // No file: the C library knows nothing, the crate the embedded
            // table.
            assert!(ServicesFile::system().uses_embedded());
            assert_eq!(c_services::by_name("http", ""), None);
            return;
        };
        let db = ServicesDb::from_path(&path).unwrap();
        let mut lines = 0;
        let mut compared = 0;
        for line in text.lines() {
            let line = line.split('#').next().unwrap();
            let mut fields = line.split_whitespace();
            let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, proto)) = port_proto.split_once('/') else {
                continue;
            };
            let port: u16 = port.parse().unwrap();
            let aliases: Vec<&str> = fields.collect();
            lines += 1;
            for key in std::iter::once(name).chain(aliases.iter().copied()) {
                for p in [proto, ""] {
                    let c = c_services::by_name(key, p);
                    assert!(c.is_some(), "the C library does not find {key}/{p:?}");
                    assert_eq!(get_serv_by_name(key, p).ok(), c, "{key}/{p:?}");
                    assert_eq!(db.by_name(key, p), c.as_ref(), "{key}/{p:?}");
                    compared += 1;
                }
            }
            for p in [proto, ""] {
                let c = c_services::by_port(port, p);
                assert!(c.is_some(), "the C library does not find {port}/{p:?}");
                assert_eq!(get_serv_by_port(Port(port), p).ok(), c, "{port}/{p:?}");
                assert_eq!(db.by_port(Port(port), p), c.as_ref(), "{port}/{p:?}");
                compared += 1;
            }
        }
        assert_eq!(
            lines,
            db.len(),
            "entries parsed by the test and by the crate"
        );
        assert!(
            compared > 2 * lines,
            "{compared} comparisons for {lines} lines"
        );
        // And misses agree.
        for (name, proto) in [
            ("no-such-service", ""),
            ("HTTP", "tcp"),
            ("http", "no-such-proto"),
        ] {
            assert_eq!(c_services::by_name(name, proto), None);
            assert_eq!(
                get_serv_by_name(name, proto).unwrap_err().kind(),
                ErrorKind::NotFound
            );
        }
        for port in [0u16, 1, 65535] {
            assert_eq!(
                get_serv_by_port(Port(port), "").ok(),
                c_services::by_port(port, ""),
                "{port}"
            );
        }
    }
}

// ---- hosts and protocols ----

#[test]
#[cfg_attr(miri, ignore = "gethostbyname2_r(3), which Miri does not emulate")]
fn localhost_has_an_ipv4_host_entry() {
    let host = get_host_by_name("localhost").unwrap();
    assert_eq!(host.addrtype, Domain::Inet);
    assert_eq!(host.length, 4);
    assert!(
        host.addr_list.contains(&IpAddr::from([127, 0, 0, 1])),
        "{host:?}"
    );
    assert!(host.addr_list.iter().all(|ip| ip.is_ipv4()));
    assert!(!host.name.is_empty());
}

#[test]
#[cfg_attr(miri, ignore = "gethostname(3), which Miri does not emulate")]
fn this_machines_host_name_resolves() {
    let name = get_hostname().unwrap();
    assert!(!name.is_empty());
    assert!(!name.contains('\0'));
    #[cfg(target_os = "linux")]
    assert_eq!(
        name,
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .unwrap()
            .trim_end()
    );
    let host = get_host_by_name(&name).unwrap();
    assert!(!host.addr_list.is_empty(), "{host:?}");
    assert_eq!(
        host.length,
        if host.addrtype == Domain::Inet { 4 } else { 16 }
    );
}

#[test]
#[cfg_attr(miri, ignore = "gethostbyname2_r(3), which Miri does not emulate")]
fn ipv6_literals_give_ipv6_host_entries() {
    let host = get_host_by_name("::1").unwrap();
    assert_eq!((host.addrtype, host.length), (Domain::Inet6, 16));
    assert_eq!(host.addr_list, vec![IpAddr::from(Ipv6Addr::LOCALHOST)]);
}

#[test]
#[cfg_attr(miri, ignore = "gethostbyaddr_r(3), which Miri does not emulate")]
fn reverse_lookup_of_loopback_finds_etc_hosts_including_v4_mapped() {
    let v4 = get_host_by_addr("127.0.0.1").unwrap();
    assert_eq!(v4.addrtype, Domain::Inet);
    assert!(
        v4.addr_list.contains(&IpAddr::from([127, 0, 0, 1])),
        "{v4:?}"
    );
    let forward = get_host_by_name(&v4.name).unwrap();
    assert!(
        forward.addr_list.contains(&IpAddr::from([127, 0, 0, 1])),
        "{forward:?}"
    );
    let mapped = get_host_by_addr("::ffff:127.0.0.1").unwrap();
    assert_eq!(mapped, v4);
}

#[test]
#[cfg_attr(miri, ignore = "gethostbyname2_r(3), which Miri does not emulate")]
fn host_lookup_errors_name_the_query() {
    let e = get_host_by_name("no-such-host.invalid").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
    assert!(
        e.to_string()
            .starts_with("host name \"no-such-host.invalid\": "),
        "{e}"
    );
    for bad in ["", "a\0b"] {
        assert_eq!(
            get_host_by_name(bad).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    assert_eq!(
        get_host_by_name(&"h".repeat(1025)).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    for bad in [
        "localhost",
        "",
        "1.2.3.4.5",
        "127.0.0.1\0",
        "::1%lo",
        "1.2.3.4:80",
    ] {
        let e = get_host_by_addr(bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(e.to_string().starts_with("IP address "), "{e}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "getprotobyname_r(3), which Miri does not emulate")]
fn protocols_are_found_by_name_and_alias() {
    assert_eq!(get_proto_by_name("tcp").unwrap(), Protocol::Tcp.to_int());
    assert_eq!(get_proto_by_name("udp").unwrap(), Protocol::Udp.to_int());
    assert_eq!(get_proto_by_name("icmp").unwrap(), Protocol::Icmp.to_int());
    assert_eq!(get_proto_by_name("TCP").unwrap(), 6);
    let e = get_proto_by_name("no-such-protocol").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("\"no-such-protocol\""), "{e}");
    assert_eq!(
        get_proto_by_name("").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        get_proto_by_name("t\0cp").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

// ---- threads ----

/// A service near the end of the system's services file: Debian's
/// netbase file has x11, Windows' file (and Wine's copy of it) has none,
/// but has directplay8.
#[cfg(not(windows))]
const LATE_SERVICE: (&str, u16) = ("x11", 6000);
#[cfg(windows)]
const LATE_SERVICE: (&str, u16) = ("directplay8", 6073);

/// One lookup of each kind, and its answer as comparable text.
fn mixed_lookups(host_name: &str) -> Vec<Box<dyn Fn() -> String + Send + Sync>> {
    let host_name = host_name.to_owned();
    fn show(r: std::io::Result<String>) -> String {
        match r {
            Ok(s) => s,
            Err(e) => format!("error {:?}: {e}", e.kind()),
        }
    }
    let mut lookups: Vec<Box<dyn Fn() -> String + Send + Sync>> = Vec::new();
    for (name, proto) in [
        ("http", "tcp"),
        ("www", ""),
        ("domain", "udp"),
        (LATE_SERVICE.0, ""),
        ("nope", "tcp"),
    ] {
        lookups.push(Box::new(move || {
            show(get_serv_by_name(name, proto).map(|s| format!("{s:?}")))
        }));
    }
    for (port, proto) in [(22, "tcp"), (53, ""), (LATE_SERVICE.1, "tcp"), (1, "udp")] {
        lookups.push(Box::new(move || {
            show(get_serv_by_port(Port(port), proto).map(|s| format!("{s:?}")))
        }));
    }
    for (addr, domain, ty) in [
        ("127.0.0.1", Domain::Inet, SockType::Stream),
        ("::1", Domain::Unspec, SockType::Dgram),
        ("localhost", Domain::Unspec, SockType::Stream),
        ("127.0.0.1", Domain::Inet6, SockType::Dgram),
    ] {
        lookups.push(Box::new(move || {
            show(get_addr_info(addr, Port(99), domain, ty, Protocol::Ip).map(|l| format!("{l:?}")))
        }));
    }
    lookups.push(Box::new(|| {
        show(get_host_by_name("localhost").map(|h| format!("{h:?}")))
    }));
    lookups.push(Box::new(move || {
        show(get_host_by_name(&host_name).map(|h| format!("{h:?}")))
    }));
    lookups.push(Box::new(|| {
        show(get_host_by_addr("127.0.0.1").map(|h| format!("{h:?}")))
    }));
    lookups.push(Box::new(|| {
        show(get_proto_by_name("udp").map(|p| p.to_string()))
    }));
    lookups.push(Box::new(|| show(get_hostname())));
    lookups
}

#[test]
#[cfg_attr(miri, ignore = "gethostname(3), which Miri does not emulate")]
fn eight_threads_of_mixed_lookups_get_the_single_threaded_answers() {
    let host_name = get_hostname().unwrap();
    let lookups = std::sync::Arc::new(mixed_lookups(&host_name));
    let expected: Vec<String> = lookups.iter().map(|f| f()).collect();
    assert!(
        expected.iter().filter(|a| a.starts_with("error")).count() == 2,
        "{expected:#?}"
    );
    let expected = std::sync::Arc::new(expected);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (lookups, expected) = (lookups.clone(), expected.clone());
            thread::spawn(move || {
                let n = lookups.len();
                for round in 0..150 {
                    for i in 0..n {
                        // Each thread walks the list in its own order.
                        let k = (i * (2 * t + 1) + round + t) % n;
                        assert_eq!(lookups[k](), expected[k], "thread {t}, lookup {k}");
                    }
                }
                150 * n
            })
        })
        .collect();
    let done: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(done >= 8 * 2000, "{done}");
}

// ---- numeric host text, scopes (issue 16) ----

#[test]
#[cfg_attr(miri, ignore = "gethostbyaddr_r(3), which Miri does not emulate")]
fn host_by_addr_takes_every_numeric_form_the_other_lookups_take() {
    let plain = get_host_by_addr("127.0.0.1").unwrap();
    for form in ["127.1", "127.0.1", "0x7f.1", "0177.0.0.1", "2130706433"] {
        let by_name = get_host_by_name(form).unwrap();
        assert!(
            by_name.addr_list.contains(&IpAddr::from([127, 0, 0, 1])),
            "{form}: {by_name:?}"
        );
        let list =
            get_addr_info(form, Port(0), Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        assert_eq!(
            socket_addrs(&list),
            vec![SocketAddr::from(([127, 0, 0, 1], 0))],
            "{form}"
        );
        let by_addr = get_host_by_addr(form).unwrap_or_else(|e| panic!("{form}: {e}"));
        assert_eq!(by_addr.name, plain.name, "{form}");
        assert_eq!(by_addr.addrtype, Domain::Inet);
    }
}

#[test]
fn host_by_addr_reports_a_nul_byte_as_a_nul_byte() {
    let err = get_host_by_addr("127.0.0.1\0x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("NUL byte"), "{err}");
    assert!(err.to_string().contains("127.0.0.1\\0x"), "{err}");
}

#[cfg(unix)]
extern "C" {
    // Not in the libc crate; in every Unix C library.
    fn inet_aton(cp: *const std::os::raw::c_char, inp: *mut libc::in_addr) -> std::os::raw::c_int;
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "inet_aton(3), a foreign call Miri cannot make")]
fn numeric_ipv4_forms_match_the_c_librarys_inet_aton() {
    // inet_aton stops at a space; getaddrinfo (and parse_ip_text) take the
    // exact form only, so no case below has one.
    for text in [
        "127.1",
        "127.0.1",
        "1.2.3.4",
        "0x7f.1",
        "0X7F.0.0.1",
        "0177.1",
        "08.1",
        "0x",
        "0x.1",
        "1.2.3.4.5",
        "256.1",
        "1.16777215",
        "1.16777216",
        "1.2.65535",
        "1.2.65536",
        "4294967295",
        "4294967296",
        "0",
        "00",
        "1.",
        ".1",
        "1..1",
        "0xffffffff",
        "0x100000000",
        "099",
        "1e2",
        "-1",
        "+1",
        "1.2.3.0x100",
        "1.2.3.0xff",
        "00000000000000000000000000001",
    ] {
        let c_text = std::ffi::CString::new(text).unwrap();
        let mut out = libc::in_addr { s_addr: 0 };
        // SAFETY: a NUL-terminated string and a valid in_addr to fill.
        let ok = unsafe { inet_aton(c_text.as_ptr(), &mut out) } != 0;
        let c = ok.then(|| IpAddr::from(std::net::Ipv4Addr::from(u32::from_be(out.s_addr))));
        let ours = parse_ip_text(text).ok().map(|(ip, _)| ip);
        assert_eq!(ours, c, "{text:?}");
    }
}

#[test]
#[cfg_attr(miri, ignore = "getaddrinfo(3), which Miri does not emulate")]
fn scoped_ipv6_text_keeps_its_scope_in_and_out() {
    assert_eq!(
        parse_ip_text("fe80::1%2").unwrap(),
        ("fe80::1".parse().unwrap(), 2)
    );
    let list = get_addr_info(
        "fe80::1%2",
        Port(80),
        Domain::Inet6,
        SockType::Stream,
        Protocol::Tcp,
    )
    .unwrap();
    let addr = list.first().addr();
    assert_eq!(get_addr_string(&addr).unwrap(), "fe80::1%2");
    assert_eq!(list.first().to_string(), "[fe80::1%2]:80");
    assert!(format!("{:?}", list.first()).contains("[fe80::1%2]:80"));
    let std_addr: SocketAddr = "[fe80::1%2]:80".parse().unwrap();
    assert_eq!(addr.as_socket_addr(), Some(std_addr));
    for bad in ["fe80::1%", "127.0.0.1%2", "fe80::1%99999999999"] {
        let err = parse_ip_text(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
        assert!(err.to_string().contains(bad), "{err}");
    }
}

#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "if_nametoindex(3), which Miri does not emulate")]
fn an_interface_name_is_taken_as_a_scope() {
    let lo = if_nametoindex("lo").unwrap();
    assert_eq!(if_indextoname(lo).unwrap(), "lo");
    assert_eq!(
        parse_ip_text("fe80::1%lo").unwrap(),
        ("fe80::1".parse().unwrap(), lo)
    );
    let list = get_addr_info(
        "fe80::1%lo",
        Port(0),
        Domain::Inet6,
        SockType::Dgram,
        Protocol::Udp,
    )
    .unwrap();
    assert_eq!(
        get_addr_string(&list.first().addr()).unwrap(),
        format!("fe80::1%{lo}")
    );
    let err = parse_ip_text("fe80::1%no-such-if0").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("no-such-if0"), "{err}");
    assert_eq!(
        if_nametoindex("no-such-if0").unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        if_indextoname(u32::MAX).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // As glibc: a name is a scope only for link-local (and multicast link-
    // or node-local) addresses; a number is one for any.
    assert_eq!(
        parse_ip_text("::1%lo").unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(parse_ip_text("::1%1").unwrap().1, 1);
}

// ---- whole protocol entries and whole databases (issue 16) ----

#[test]
#[cfg_attr(miri, ignore = "getprotobyname_r(3), which Miri does not emulate")]
fn protocol_entries_give_the_canonical_name_and_aliases_by_name_and_number() {
    let tcp = get_protoent_by_name("TCP").unwrap();
    assert_eq!(tcp.name, "tcp");
    assert_eq!(tcp.number, 6);
    assert!(tcp.aliases.iter().any(|a| a == "TCP"), "{tcp:?}");
    assert_eq!(get_protoent_by_number(6).unwrap(), tcp);
    assert_eq!(get_protoent_by_number(17).unwrap().name, "udp");
    let err = get_protoent_by_number(9999).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("9999"), "{err}");
    assert_eq!(
        get_protoent_by_name("no-such-proto").unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "getprotobyname_r(3), which Miri does not emulate")]
fn every_protocols_file_entry_is_what_the_c_lookups_answer() {
    let all = read_protocols_file().unwrap();
    assert!(all.iter().any(|p| p.name == "udp" && p.number == 17));
    for (i, p) in all.iter().enumerate() {
        // The C lookups answer with the first line that matches.
        if all[..i]
            .iter()
            .all(|q| q.name != p.name && !q.aliases.contains(&p.name))
        {
            assert_eq!(&get_protoent_by_name(&p.name).unwrap(), p);
        }
        if all[..i].iter().all(|q| q.number != p.number) {
            assert_eq!(&get_protoent_by_number(p.number).unwrap(), p);
        }
    }
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "a child process (getent), which Miri cannot spawn")]
fn the_hosts_file_lists_as_getent_lists_it() {
    let Ok(out) = std::process::Command::new("getent").arg("hosts").output() else {
        eprintln!("skipped: no getent on this system");
        return;
    };
    let from_getent: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let ours: Vec<String> = read_hosts_file()
        .unwrap()
        .iter()
        .map(|h| {
            let mut words = vec![h.addr_list[0].to_string(), h.name.clone()];
            words.extend(h.aliases.iter().cloned());
            words.join(" ")
        })
        .collect();
    assert_eq!(ours, from_getent);
}

#[test]
fn hosts_and_protocols_text_parse_as_the_files_backend_reads_it() {
    let hosts = parse_hosts(
        "# comment\n127.1 short # the rest\n\n::1\tip6-localhost ip6-loopback\nnot-an-ip name\n10.0.0.1\n",
    );
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert_eq!(hosts[0].addr_list, [IpAddr::from([127, 0, 0, 1])]);
    assert_eq!(
        (hosts[0].name.as_str(), hosts[0].aliases.len()),
        ("short", 0)
    );
    assert_eq!((hosts[1].addrtype, hosts[1].length), (Domain::Inet6, 16));
    assert_eq!(hosts[1].aliases, ["ip6-loopback"]);
    let protos = parse_protocols("ip 0 IP\nicmp\t1 ICMP # c\nbad x\n#x 1\nudp 17\n");
    let names: Vec<_> = protos.iter().map(|p| (p.name.as_str(), p.number)).collect();
    assert_eq!(names, [("ip", 0), ("icmp", 1), ("udp", 17)]);
}
