//! `get_addr_info`: numeric and named hosts, hints (family, type,
//! protocol, raw), errors, lists moving between threads, and every hint
//! combination against the C library's `getaddrinfo`.

use super::*;

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
