//! Socket-level options (`SOL_SOCKET`): set and read back, against
//! socket2; buffer sizes as the kernel reports them; Unix-domain sockets;
//! out-of-range values; the generic forms; the platforms' constants.

use super::*;

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn socket_level_options_agree_with_socket2() {
    for s in [tcp4(), udp4(), tcp6(), udp6()] {
        same!(
            s,
            [true, false],
            reuse_address,
            set_reuse_address,
            reuse_address,
            set_reuse_address
        );
        same!(
            s,
            [true, false],
            keepalive,
            set_keepalive,
            keepalive,
            set_keepalive
        );
        same!(
            s,
            [true, false],
            broadcast,
            set_broadcast,
            broadcast,
            set_broadcast
        );
        same!(
            s,
            [true, false],
            out_of_band_inline,
            set_out_of_band_inline,
            out_of_band_inline,
            set_out_of_band_inline
        );
        let times = [Some(Duration::from_millis(1500)), None];
        same!(
            s,
            times,
            read_timeout,
            set_read_timeout,
            read_timeout,
            set_read_timeout
        );
        same!(
            s,
            times,
            write_timeout,
            set_write_timeout,
            write_timeout,
            set_write_timeout
        );
        // SO_LINGER is a stream option (Windows refuses it on datagrams).
        if s.sock_type_raw().unwrap() == SockType::Stream.to_int() {
            let lingers = [Some(Duration::from_secs(3)), Some(Duration::ZERO), None];
            same!(s, lingers, linger, set_linger, linger, set_linger);
        }
        #[cfg(unix)]
        same!(
            s,
            [true, false],
            reuse_port,
            set_reuse_port,
            reuse_port,
            set_reuse_port
        );
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn buffer_sizes_read_back_as_the_kernel_reports_them() {
    #[cfg(unix)]
    let sockets = [tcp4(), udp6(), unix_stream()];
    #[cfg(windows)]
    let sockets = [tcp4(), udp6()];
    for s in sockets {
        // Linux reports twice what was set; other systems what was set.
        let read = |v: usize| if cfg!(target_os = "linux") { 2 * v } else { v };
        both_ways(
            ("buffer size", &s),
            &[8192usize, 65536],
            |s, v| s.set_recv_buffer_size(v),
            |s| s.recv_buffer_size(),
            |r, v| r.set_recv_buffer_size(v),
            |r| r.recv_buffer_size(),
            read,
        );
        both_ways(
            ("buffer size", &s),
            &[8192usize, 65536],
            |s, v| s.set_send_buffer_size(v),
            |s| s.send_buffer_size(),
            |r, v| r.set_send_buffer_size(v),
            |r| r.send_buffer_size(),
            read,
        );
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(unix)]
fn unix_sockets_take_the_socket_level_options() {
    let s = unix_stream();
    same!(
        s,
        [Some(Duration::from_secs(2)), None],
        read_timeout,
        set_read_timeout,
        read_timeout,
        set_read_timeout
    );
    s.set_recv_lowat(100).unwrap();
    assert_eq!(s.recv_lowat().unwrap(), 100);
    assert_eq!(s.sock_type_raw().unwrap(), SockType::Stream.to_int());
    assert!(!s.is_listener().unwrap());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn out_of_range_values_are_invalid_input_naming_the_value() {
    let s = udp4();
    let cases: Vec<(io::Result<()>, &str)> = vec![
        (s.set_ttl(300), "300"),
        (s.set_tos_v4(256), "256"),
        (s.set_multicast_ttl_v4(1000), "1000"),
        (udp6().set_unicast_hops_v6(256), "256"),
        (udp6().set_multicast_hops_v6(999), "999"),
        (
            tcp4().set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::ZERO)),
            "0ns",
        ),
        #[cfg(any(unix, windows))]
        (
            tcp4().set_tcp_keepalive(&TcpKeepalive::new().with_interval(Duration::ZERO)),
            "keep-alive interval 0ns",
        ),
        #[cfg(any(unix, windows))]
        (
            tcp4().set_tcp_keepalive(&TcpKeepalive::new().with_retries(0)),
            "retries 0",
        ),
    ];
    for (result, named) in cases {
        let e = result.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
        assert!(e.to_string().contains(named), "{e:?} does not name {named}");
    }
    // The refused value changed nothing.
    assert_ne!(s.ttl().unwrap(), 300 % 256);
    // A keep-alive refused for its interval did not turn keep-alive on.
    let t = tcp4();
    let _ = t.set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::ZERO));
    assert!(!t.keepalive().unwrap());
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn generic_forms_read_and_write_any_option() {
    let s = udp4();
    s.set_sock_opt(IPPROTO_IP, IP_TTL, &33i32).unwrap();
    assert_eq!(s.ttl().unwrap(), 33);
    assert_eq!(s.get_sock_opt::<i32>(IPPROTO_IP, IP_TTL).unwrap(), 33);
    s.set_sock_opt_bytes(IPPROTO_IP, IP_TTL, &44i32.to_ne_bytes())
        .unwrap();
    let mut buf = [0u8; 8];
    let n = s.get_sock_opt_bytes(IPPROTO_IP, IP_TTL, &mut buf).unwrap();
    assert_eq!(n, 4);
    assert_eq!(i32::from_ne_bytes(buf[..4].try_into().unwrap()), 44);
    // A structure as plain bytes: SO_LINGER's `struct linger`.
    #[cfg(unix)]
    {
        let t = tcp4();
        t.set_sock_opt(SOL_SOCKET, SO_LINGER, &[1i32, 5]).unwrap();
        assert_eq!(t.linger().unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(
            t.get_sock_opt::<[i32; 2]>(SOL_SOCKET, SO_LINGER).unwrap(),
            [1, 5]
        );
    }
    let e = s.get_sock_opt::<i32>(IPPROTO_TCP, TCP_NODELAY).unwrap_err();
    assert!(
        e.raw_os_error().is_some(),
        "TCP option on a UDP socket: {e:?}"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn constants_carry_the_platforms_values() {
    #[cfg(target_os = "linux")]
    {
        assert_eq!(IP_MTU_DISCOVER, libc::IP_MTU_DISCOVER);
        assert_eq!(TCP_CONGESTION, libc::TCP_CONGESTION);
        assert_eq!(IPV6_ADD_MEMBERSHIP, libc::IPV6_ADD_MEMBERSHIP);
        assert_eq!(TCP_KEEPIDLE, libc::TCP_KEEPIDLE);
        assert_eq!(SO_MARK, libc::SO_MARK);
    }
    #[cfg(unix)]
    assert_eq!(IP_ADD_MEMBERSHIP, libc::IP_ADD_MEMBERSHIP);
    #[cfg(windows)]
    {
        assert_eq!(IP_DONTFRAG, 14);
        assert_eq!(TCP_KEEPCNT, 16);
    }
}
