//! IP-level options: IPv4 and IPv6 against socket2, multicast delivered
//! on loopback (joined, left, by interface index, source-specific), path
//! MTU discovery and don't-fragment.

use super::*;

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn ipv4_options_agree_with_socket2() {
    let s = udp4();
    same!(s, [64, 1, 255], ttl, set_ttl, ttl_v4, set_ttl_v4);
    same!(s, [0x10, 0xb8, 0], tos_v4, set_tos_v4, tos_v4, set_tos_v4);
    same!(
        s,
        [4, 1],
        multicast_ttl_v4,
        set_multicast_ttl_v4,
        multicast_ttl_v4,
        set_multicast_ttl_v4
    );
    same!(
        s,
        [false, true],
        multicast_loop_v4,
        set_multicast_loop_v4,
        multicast_loop_v4,
        set_multicast_loop_v4
    );
    both_ways(
        ("multicast_if_v4", &s),
        &[Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED],
        |s, v| s.set_multicast_if_v4(&v),
        |s| s.multicast_if_v4(),
        |r, v: Ipv4Addr| r.set_multicast_if_v4(&v),
        |r| r.multicast_if_v4(),
        |v| v,
    );
    #[cfg(target_os = "linux")]
    {
        same!(
            s,
            [false, true],
            multicast_all_v4,
            set_multicast_all_v4,
            multicast_all_v4,
            set_multicast_all_v4
        );
        same!(
            s,
            [true, false],
            freebind_v4,
            set_freebind_v4,
            freebind_v4,
            set_freebind_v4
        );
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn ipv6_options_agree_with_socket2() {
    let s = udp6();
    same!(s, [true, false], only_v6, set_only_v6, only_v6, set_only_v6);
    same!(
        s,
        [64, 1, 255],
        unicast_hops_v6,
        set_unicast_hops_v6,
        unicast_hops_v6,
        set_unicast_hops_v6
    );
    same!(
        s,
        [5, 1],
        multicast_hops_v6,
        set_multicast_hops_v6,
        multicast_hops_v6,
        set_multicast_hops_v6
    );
    same!(
        s,
        [false, true],
        multicast_loop_v6,
        set_multicast_loop_v6,
        multicast_loop_v6,
        set_multicast_loop_v6
    );
    same!(
        s,
        [1, 0],
        multicast_if_v6,
        set_multicast_if_v6,
        multicast_if_v6,
        set_multicast_if_v6
    );
    #[cfg(unix)]
    same!(
        s,
        [0x28, 0],
        tclass_v6,
        set_tclass_v6,
        tclass_v6,
        set_tclass_v6
    );
    #[cfg(target_os = "linux")]
    {
        same!(
            s,
            [false, true],
            multicast_all_v6,
            set_multicast_all_v6,
            multicast_all_v6,
            set_multicast_all_v6
        );
        same!(
            s,
            [true, false],
            freebind_v6,
            set_freebind_v6,
            freebind_v6,
            set_freebind_v6
        );
    }
    or_skip!(s.set_dontfrag_v6(true), "IPV6_DONTFRAG");
    assert!(s.dontfrag_v6().unwrap());
    s.set_dontfrag_v6(false).unwrap();
    assert!(!s.dontfrag_v6().unwrap());
}

/// A UDP socket on 0.0.0.0 that joined `group` on 127.0.0.1, and a sender
/// whose multicast leaves by loopback.
fn multicast_pair(group: Ipv4Addr) -> Option<(SocketHandle, UdpSocket, u16)> {
    let rx = udp4();
    rx.set_reuse_address(true).unwrap();
    bind_addr(&rx, &SockAddr::from(SocketAddr::from(([0, 0, 0, 0], 0)))).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let port = get_local_addr(&rx).unwrap().1 .0;
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let txh = SocketRef::from(&tx);
    if let Err(e) = txh.set_multicast_if_v4(&Ipv4Addr::LOCALHOST) {
        assert!(emulator_lacks("IP_MULTICAST_IF", &e), "{e}");
        return None;
    }
    txh.set_multicast_loop_v4(true).unwrap();
    let _ = group;
    Some((rx, tx, port))
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn multicast_v4_delivers_to_a_joined_socket_and_stops_after_leaving() {
    let group = Ipv4Addr::new(239, 255, 77, 1);
    let Some((rx, tx, port)) = multicast_pair(group) else {
        return;
    };
    let mut buf = [0u8; 32];
    rx.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    tx.send_to(b"joined", (group, port)).unwrap();
    assert_eq!(recv_text(&rx, &mut buf), b"joined");
    rx.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    tx.send_to(b"left", (group, port)).unwrap();
    // A receive timeout is WouldBlock on Unix, TimedOut on Windows.
    let e = rx.recv(&mut buf).unwrap_err();
    assert!(
        matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{e:?}"
    );
    // Leaving again: the kernel says the membership is gone.
    assert!(rx.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST).is_err());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(target_os = "linux")]
fn multicast_v4_by_interface_index_and_source_specific() {
    let group = Ipv4Addr::new(239, 255, 77, 2);
    let Some((rx, tx, port)) = multicast_pair(group) else {
        return;
    };
    let mut buf = [0u8; 32];
    let lo = InterfaceIndexOrAddress::Index(1);
    rx.join_multicast_v4_n(&group, &lo).unwrap();
    tx.send_to(b"by index", (group, port)).unwrap();
    assert_eq!(recv_text(&rx, &mut buf), b"by index");
    rx.leave_multicast_v4_n(&group, &lo).unwrap();

    // Source-specific: only 127.0.0.1's datagrams to the group arrive.
    let ssm = Ipv4Addr::new(232, 1, 2, 3);
    let Some((rx, tx, port)) = multicast_pair(ssm) else {
        return;
    };
    rx.join_ssm_v4(&Ipv4Addr::LOCALHOST, &ssm, &Ipv4Addr::LOCALHOST)
        .unwrap();
    tx.send_to(b"from the source", (ssm, port)).unwrap();
    assert_eq!(recv_text(&rx, &mut buf), b"from the source");
    rx.leave_ssm_v4(&Ipv4Addr::LOCALHOST, &ssm, &Ipv4Addr::LOCALHOST)
        .unwrap();
    // socket2 joins the same channel on the same socket: the kernel
    // holds one membership, which this crate can leave.
    SockRef::from(&rx)
        .join_ssm_v4(&Ipv4Addr::LOCALHOST, &ssm, &Ipv4Addr::LOCALHOST)
        .unwrap();
    rx.leave_ssm_v4(&Ipv4Addr::LOCALHOST, &ssm, &Ipv4Addr::LOCALHOST)
        .unwrap();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(unix)]
fn multicast_v6_join_and_leave_on_loopback() {
    let group: Ipv6Addr = "ff02::1:ff00:77".parse().unwrap();
    let s = udp6();
    // Index 1 is the loopback interface on Linux; elsewhere it is looked up.
    let lo = loopback_index();
    match s.join_multicast_v6(&group, lo) {
        Ok(()) => {
            s.leave_multicast_v6(&group, lo).unwrap();
            assert!(s.leave_multicast_v6(&group, lo).is_err());
        }
        // Some kernels refuse multicast on an interface without the
        // MULTICAST flag (lo on Linux has none); what is checked then is
        // that the error is the kernel's, unchanged.
        Err(e) => {
            eprintln!("IPv6 multicast on lo refused by the kernel: {e}");
            assert!(e.raw_os_error().is_some(), "{e:?}");
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(any(target_os = "linux", windows))]
fn mtu_discovery_modes_read_back_and_unknown_ones_are_unsupported() {
    let s = udp4();
    if let Err(e) = s.mtu_discover_v4() {
        assert!(emulator_lacks("IP_MTU_DISCOVER", &e), "{e}");
        return;
    }
    for mode in [MtuDiscover::Do, MtuDiscover::Dont, MtuDiscover::Probe] {
        s.set_mtu_discover_v4(mode).unwrap();
        assert_eq!(s.mtu_discover_v4().unwrap(), mode);
    }
    let s6 = udp6();
    s6.set_mtu_discover_v6(MtuDiscover::Do).unwrap();
    assert_eq!(s6.mtu_discover_v6().unwrap(), MtuDiscover::Do);
    let missing = if cfg!(windows) {
        MtuDiscover::Want
    } else {
        MtuDiscover::NotSet
    };
    let e = s.set_mtu_discover_v4(missing).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::Unsupported);
    assert!(e.to_string().contains(&format!("{missing:?}")), "{e}");
    assert!(e.to_string().contains(std::env::consts::OS), "{e}");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(target_os = "linux")]
fn path_mtu_of_a_connected_loopback_socket_is_the_loopback_mtu() {
    let s = udp4();
    bind_addr(&s, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
    let unconnected = s.mtu_v4().unwrap_err();
    if emulator_lacks("IP_MTU", &unconnected) {
        return;
    }
    assert_eq!(unconnected.raw_os_error(), Some(libc::ENOTCONN));
    s.connect(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 9))))
        .unwrap();
    let mtu: u32 = std::fs::read_to_string("/sys/class/net/lo/mtu")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // IPv4 caps a path MTU at its largest packet, 65535 bytes.
    assert_eq!(s.mtu_v4().unwrap(), mtu.min(65535));
    let s6 = udp6();
    s6.connect(&SockAddr::from(SocketAddr::from((Ipv6Addr::LOCALHOST, 9))))
        .unwrap();
    assert_eq!(s6.mtu_v6().unwrap(), mtu);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(unix)]
fn dont_fragment_refuses_a_datagram_larger_than_the_loopback_mtu() {
    // An IPv4 datagram cannot exceed loopback's 65536-byte MTU (its length
    // field stops at 65535), an IPv6 one can: 40 bytes of header, 8 of
    // UDP and 65527 of payload make 65575.
    let rx = UdpSocket::bind("[::1]:0").unwrap();
    let s = udp6();
    s.connect(&SockAddr::from(rx.local_addr().unwrap()))
        .unwrap();
    let big = vec![7u8; 65527];
    let mtu = std::fs::read_to_string("/sys/class/net/lo/mtu")
        .ok()
        .and_then(|m| m.trim().parse::<usize>().ok());
    if mtu.is_some_and(|m| m > big.len() + 48) {
        eprintln!("skipped: loopback MTU {mtu:?} holds the largest IPv6 datagram");
        return;
    }
    // Fragmented: it goes out.
    or_skip!(s.set_dontfrag_v6(false), "IPV6_DONTFRAG");
    assert_eq!(s.send(&big).unwrap(), big.len());
    s.set_dontfrag_v6(true).unwrap();
    let e = s.send(&big).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EMSGSIZE), "{e:?}");
    // A datagram that fits still goes.
    assert_eq!(s.send(&big[..1000]).unwrap(), 1000);
    #[cfg(target_os = "linux")]
    {
        // IPV6_MTU_DISCOVER = DO has the same effect.
        s.set_dontfrag_v6(false).unwrap();
        s.set_mtu_discover_v6(MtuDiscover::Do).unwrap();
        assert_eq!(
            s.send(&big).unwrap_err().raw_os_error(),
            Some(libc::EMSGSIZE)
        );
    }
}
