//! Hosts and protocols: host entries by name and by address, errors,
//! numeric host text in every form (against `inet_aton`), IPv6 scopes,
//! protocol entries, and whole databases (the hosts and protocols files)
//! against the C library and `getent`.

use super::*;

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
