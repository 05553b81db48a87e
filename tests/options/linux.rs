//! Options only Linux has: read back, against socket2 where it has them;
//! a BPF filter; DCCP; the privileged ones refused without capabilities;
//! raw sockets' header options and the original destination.

use super::*;
use crate::common::std_tcp_pair;
use std::net::TcpStream;

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(target_os = "linux")]
fn linux_socket_options_read_back() {
    let s = tcp4();
    let theirs = SockRef::from(&s);
    // Privileged options: set and read back where the test may, else
    // the kernel's PermissionDenied reaches the caller unchanged.
    let privileged = |r: io::Result<()>| match r {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e:?}");
            eprintln!("skipped a privileged read-back: {e}");
            false
        }
        Err(e) if emulator_lacks("a privileged option", &e) => false,
        Err(e) => panic!("{e}"),
    };
    if privileged(s.set_mark(42)) {
        assert_eq!(s.mark().unwrap(), 42);
        assert_eq!(theirs.mark().unwrap(), 42);
        theirs.set_mark(7).unwrap();
        assert_eq!(s.mark().unwrap(), 7);
    }
    if privileged(s.set_ip_transparent_v4(true)) {
        assert!(s.ip_transparent_v4().unwrap());
        assert!(theirs.ip_transparent_v4().unwrap());
    }
    let s6 = tcp6();
    if privileged(s6.set_ip_transparent_v6(true)) {
        assert!(s6.ip_transparent_v6().unwrap());
        assert!(SockRef::from(&s6).ip_transparent_v6().unwrap());
    }
    same!(s, [3, 0], priority, set_priority, priority, set_priority);
    if privileged(s.bind_device(Some(b"lo"))) {
        let device = or_skip!(s.device(), "SO_BINDTODEVICE");
        assert_eq!(device.as_deref(), Some(&b"lo"[..]));
        assert_eq!(theirs.device().unwrap().as_deref(), Some(&b"lo"[..]));
        s.bind_device(None).unwrap();
        assert_eq!(s.device().unwrap(), None);
        let lo = std::num::NonZeroU32::new(1);
        or_skip!(s.bind_device_by_index_v4(lo), "SO_BINDTOIFINDEX");
        assert_eq!(s.device_index_v4().unwrap(), lo);
        assert_eq!(theirs.device_index_v4().unwrap(), lo);
        s.bind_device_by_index_v4(None).unwrap();
        assert_eq!(s.device_index_v4().unwrap(), None);
    }
    let long = s
        .bind_device(Some(b"an-interface-name-too-long"))
        .unwrap_err();
    assert_eq!(long.kind(), io::ErrorKind::InvalidInput);
    same!(
        s,
        [0, 1],
        cpu_affinity,
        set_cpu_affinity,
        cpu_affinity,
        set_cpu_affinity
    );
    if privileged(s.set_busy_poll(50)) {
        assert_eq!(s.busy_poll().unwrap(), 50);
        assert_eq!(theirs.busy_poll().unwrap(), 50);
    }
    let cookie = or_skip!(s.cookie(), "SO_COOKIE");
    assert_eq!(cookie, theirs.cookie().unwrap());
    assert_ne!(cookie, tcp4().cookie().unwrap(), "two sockets, one cookie");

    // Congestion control: whatever the system allows (`reno` always is).
    or_skip!(s.set_tcp_congestion(b"reno"), "TCP_CONGESTION");
    assert_eq!(s.tcp_congestion().unwrap(), b"reno");
    // socket2 hands back the kernel's whole 16-byte buffer, NULs included.
    let s2 = theirs.tcp_congestion().unwrap();
    assert_eq!(s2.split(|&b| b == 0).next().unwrap(), b"reno");
    let unknown = s.set_tcp_congestion(b"no-such-algo").unwrap_err();
    assert_eq!(unknown.raw_os_error(), Some(libc::ENOENT));

    or_skip!(s.set_tcp_fastopen_connect(true), "TCP_FASTOPEN_CONNECT");
    assert!(s.tcp_fastopen_connect().unwrap());
    or_skip!(s.set_tcp_fastopen(5), "TCP_FASTOPEN");
    assert_eq!(s.tcp_fastopen().unwrap(), 5);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(target_os = "linux")]
fn a_bpf_filter_that_drops_everything_stops_delivery() {
    let rx = udp4();
    bind_addr(&rx, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let to = get_local_addr(&rx).unwrap().1;
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    // BPF_RET | BPF_K with 0: keep no byte of any packet.
    or_skip!(
        rx.attach_filter(&[SockFilter::new(0x06, 0, 0, 0)]),
        "SO_ATTACH_FILTER"
    );
    tx.send_to(b"dropped", ("127.0.0.1", to.0)).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(
        rx.recv(&mut buf).unwrap_err().kind(),
        io::ErrorKind::WouldBlock
    );
    or_skip!(rx.detach_filter(), "SO_DETACH_FILTER");
    tx.send_to(b"kept", ("127.0.0.1", to.0)).unwrap();
    assert_eq!(recv_text(&rx, &mut buf), b"kept");
    assert_eq!(
        rx.detach_filter().unwrap_err().raw_os_error(),
        Some(libc::ENOENT)
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(target_os = "linux")]
fn dccp_options_reach_the_kernel_and_agree_with_socket2() {
    // On a TCP socket the level is unknown: the call went to the kernel
    // with SOL_DCCP and came back with its error, unchanged.
    let e = tcp4().dccp_service().unwrap_err();
    let unknown_level = [libc::ENOPROTOOPT, libc::EOPNOTSUPP];
    assert!(unknown_level.contains(&e.raw_os_error().unwrap()), "{e:?}");
    let s = match new_native_socket_raw(libc::AF_INET, libc::SOCK_DCCP, libc::IPPROTO_DCCP) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("skipped the DCCP read-backs: this kernel makes no DCCP socket ({e}); Linux removed DCCP in 6.16");
            return;
        }
    };
    same!(
        s,
        [42, 7],
        dccp_service,
        set_dccp_service,
        dccp_service,
        set_dccp_service
    );
    same!(
        s,
        [true, false],
        dccp_server_timewait,
        set_dccp_server_timewait,
        dccp_server_timewait,
        set_dccp_server_timewait
    );
    same!(
        s,
        [4, 0],
        dccp_send_cscov,
        set_dccp_send_cscov,
        dccp_send_cscov,
        set_dccp_send_cscov
    );
    same!(
        s,
        [3, 0],
        dccp_recv_cscov,
        set_dccp_recv_cscov,
        dccp_recv_cscov,
        set_dccp_recv_cscov
    );
    let mut ccids = [0u8; 8];
    let n = s.dccp_available_ccids(&mut ccids).unwrap();
    assert!(
        ccids[..n].contains(&2),
        "CCID 2 is always built in: {:?}",
        &ccids[..n]
    );
    s.set_dccp_ccid(2).unwrap();
    assert_eq!(s.dccp_tx_ccid().unwrap(), 2);
    assert_eq!(s.dccp_xx_ccid().unwrap(), 2);
    assert_eq!(
        s.set_dccp_send_cscov(16).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
}

/// The checks of [`privileged_options_give_the_kernels_permission_denied`],
/// in a process without capabilities.
#[cfg(target_os = "linux")]
fn check_permission_denied() {
    let eperm = |what: &str, r: io::Result<()>| {
        let e = r.expect_err(what);
        if emulator_lacks(what, &e) {
            return;
        }
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{what}: {e:?}");
        assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{what}: {e:?}");
    };
    eperm("set_mark", tcp4().set_mark(1));
    eperm("set_ip_transparent_v4", tcp4().set_ip_transparent_v4(true));
    eperm("set_ip_transparent_v6", tcp6().set_ip_transparent_v6(true));
    eperm("set_priority(7)", tcp4().set_priority(7));
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn privileged_options_give_the_kernels_permission_denied() {
    const ROLE: &str = "NATIVESOCKETS_OPTIONS_NO_CAPS";
    let caps = std::fs::read_to_string("/proc/self/status").unwrap();
    let effective = caps
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .map(|v| u64::from_str_radix(v.trim(), 16).unwrap())
        .unwrap();
    const CAP_NET_ADMIN: u64 = 1 << 12;
    const CAP_NET_RAW: u64 = 1 << 13;
    if std::env::var_os(ROLE).is_some() || effective & (CAP_NET_ADMIN | CAP_NET_RAW) == 0 {
        check_permission_denied();
        return;
    }
    // Privileged here: run this test again with every capability dropped.
    let alone = nativesockets_testutil::process::this_test_alone(
        "linux::privileged_options_give_the_kernels_permission_denied",
    );
    let mut cmd = std::process::Command::new("setpriv");
    cmd.args(["--bounding-set=-all", "--inh-caps=-all", "--"])
        .arg(alone.get_program())
        .args(alone.get_args())
        .env(ROLE, "1");
    // The child's output is captured, and shown only when it failed: its
    // own libtest summary in this binary's output would be counted as a
    // second binary by whatever sums the `test result:` lines of a log.
    match cmd.output() {
        Ok(out) => assert!(
            out.status.success(),
            "the child without capabilities: {}\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("skipped: cannot run setpriv to drop capabilities ({e})"),
    }
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn raw_socket_header_options_and_original_destination() {
    // Raw sockets need CAP_NET_RAW; without it there is nothing to read.
    match new_native_socket_raw(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_UDP) {
        Ok(raw) => same!(
            raw,
            [true, false],
            header_included_v4,
            set_header_included_v4,
            header_included_v4,
            set_header_included_v4
        ),
        Err(e) => eprintln!("skipped IP_HDRINCL: no raw IPv4 socket ({e})"),
    }
    match new_native_socket_raw(libc::AF_INET6, libc::SOCK_RAW, libc::IPPROTO_UDP) {
        Ok(raw) => {
            // socket2 0.6.5's `header_included_v6` reads IP_HDRINCL's
            // number (3) at level IPPROTO_IPV6, which on Linux is another
            // option (a later socket2 fixed only the setter), so only its
            // setter is compared.
            for on in [true, false] {
                or_skip!(raw.set_header_included_v6(on), "IPV6_HDRINCL");
                assert_eq!(raw.header_included_v6().unwrap(), on);
                SockRef::from(&raw).set_header_included_v6(!on).unwrap();
                assert_eq!(raw.header_included_v6().unwrap(), !on);
            }
        }
        Err(e) => eprintln!("skipped IPV6_HDRINCL: no raw IPv6 socket ({e})"),
    }
    // A connection nothing redirected has no original destination: the
    // kernel's error (ENOENT from conntrack, ENOPROTOOPT without it) is
    // what both crates return.
    let (c, _a) = std_tcp_pair();
    let ours = SocketRef::from(&c).original_dst_v4().unwrap_err();
    let theirs = SockRef::from(&c).original_dst_v4().unwrap_err();
    assert_eq!(
        ours.raw_os_error(),
        theirs.raw_os_error(),
        "{ours:?} {theirs:?}"
    );
    assert!(ours.raw_os_error().is_some());
    let l6 = TcpListener::bind("[::1]:0").unwrap();
    let c6 = TcpStream::connect(l6.local_addr().unwrap()).unwrap();
    let ours = SocketRef::from(&c6).original_dst_v6().unwrap_err();
    let theirs = SockRef::from(&c6).original_dst_v6().unwrap_err();
    assert_eq!(
        ours.raw_os_error(),
        theirs.raw_os_error(),
        "{ours:?} {theirs:?}"
    );

    // Binding an IPv6 socket to loopback by index, read back both ways.
    let s6 = udp6();
    let lo = std::num::NonZeroU32::new(loopback_index());
    or_skip!(s6.bind_device_by_index_v6(lo), "SO_BINDTOIFINDEX");
    assert_eq!(s6.device_index_v6().unwrap(), lo);
    assert_eq!(SockRef::from(&s6).device_index_v6().unwrap(), lo);
    SockRef::from(&s6).bind_device_by_index_v6(None).unwrap();
    assert_eq!(s6.device_index_v6().unwrap(), None);
}

#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn linux_options_socket2_lacks_read_back() {
    let s = tcp4();
    or_skip!(s.set_tcp_syncnt(3), "TCP_SYNCNT");
    assert_eq!(s.tcp_syncnt().unwrap(), 3);
    assert_eq!(s.get_sock_opt::<i32>(IPPROTO_TCP, TCP_SYNCNT).unwrap(), 3);
    for bad in [0, 256] {
        let e = s.set_tcp_syncnt(bad).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains(&bad.to_string()), "{e}");
    }
    assert_eq!(
        s.tcp_syncnt().unwrap(),
        3,
        "a refused value changed nothing"
    );

    or_skip!(s.set_tcp_window_clamp(65536), "TCP_WINDOW_CLAMP");
    assert_eq!(s.tcp_window_clamp().unwrap(), 65536);

    for sock in [tcp4(), tcp6()] {
        or_skip!(
            sock.set_ip_bind_address_no_port(true),
            "IP_BIND_ADDRESS_NO_PORT"
        );
        assert!(sock.ip_bind_address_no_port().unwrap());
        sock.set_ip_bind_address_no_port(false).unwrap();
        assert!(!sock.ip_bind_address_no_port().unwrap());
    }
    // With it on, bind to port 0 leaves the port unset until connect.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let c = tcp4();
    c.set_ip_bind_address_no_port(true).unwrap();
    bind_addr(&c, &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0)))).unwrap();
    assert_eq!(get_sock_name(&c).unwrap(), Port(0));
    c.connect(&SockAddr::from(l.local_addr().unwrap())).unwrap();
    assert_ne!(get_sock_name(&c).unwrap(), Port(0));

    // The peer of one end of a Unix socket pair is this process.
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let cred = or_skip!(SocketRef::from(&a).peer_cred(), "SO_PEERCRED");
    assert_eq!(cred.pid, std::process::id() as i32);
    // SAFETY: getuid and getgid cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    assert_eq!((cred.uid, cred.gid), (uid, gid));
}
