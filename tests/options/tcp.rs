//! TCP options: against socket2, the keepalive builder, `TCP_INFO` on a
//! live connection, Fast Open on loopback.

use super::*;
use crate::common::std_tcp_pair;

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn tcp_options_agree_with_socket2() {
    for s in [tcp4(), tcp6()] {
        same!(
            s,
            [true, false],
            nodelay,
            set_nodelay,
            tcp_nodelay,
            set_tcp_nodelay
        );
        #[cfg(unix)]
        same!(s, [1000, 536], tcp_mss, set_tcp_mss, tcp_mss, set_tcp_mss);
        #[cfg(target_os = "linux")]
        {
            same!(
                s,
                [true, false],
                tcp_cork,
                set_tcp_cork,
                tcp_cork,
                set_tcp_cork
            );
            same!(
                s,
                [true, false],
                tcp_quickack,
                set_tcp_quickack,
                tcp_quickack,
                set_tcp_quickack
            );
            same!(
                s,
                [true, false],
                tcp_thin_linear_timeouts,
                set_tcp_thin_linear_timeouts,
                tcp_thin_linear_timeouts,
                set_tcp_thin_linear_timeouts
            );
            same!(
                s,
                [16384, 1],
                tcp_notsent_lowat,
                set_tcp_notsent_lowat,
                tcp_notsent_lowat,
                set_tcp_notsent_lowat
            );
            same!(
                s,
                [Some(Duration::from_millis(2500)), None],
                tcp_user_timeout,
                set_tcp_user_timeout,
                tcp_user_timeout,
                set_tcp_user_timeout
            );
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
fn keepalive_builder_agrees_with_socket2() {
    let s = tcp4();
    #[cfg(unix)]
    let theirs = SockRef::from(&s);
    let ka = TcpKeepalive::new().with_time(Duration::from_secs(61));
    #[cfg(any(unix, windows))]
    let ka = ka
        .with_interval(Duration::from_millis(1500))
        .with_retries(4);
    if let Err(e) = s.set_tcp_keepalive(&ka) {
        assert!(emulator_lacks("TCP_KEEPCNT", &e), "{e}");
        // Time and interval alone go through SIO_KEEPALIVE_VALS.
        let ka = TcpKeepalive::new().with_time(Duration::from_secs(61));
        s.set_tcp_keepalive(&ka).unwrap();
        assert!(s.keepalive().unwrap());
        match s.tcp_keepalive_time() {
            Ok(t) => assert_eq!(t, Duration::from_secs(61)),
            Err(e) => assert!(emulator_lacks("TCP_KEEPIDLE", &e), "{e}"),
        }
        return;
    }
    assert!(s.keepalive().unwrap());
    #[cfg(unix)]
    {
        assert_eq!(s.tcp_keepalive_time().unwrap(), Duration::from_secs(61));
        assert_eq!(
            theirs.tcp_keepalive_time().unwrap(),
            Duration::from_secs(61)
        );
        // 1.5 s rounds up to whole seconds.
        assert_eq!(s.tcp_keepalive_interval().unwrap(), Duration::from_secs(2));
        assert_eq!(
            theirs.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(2)
        );
        assert_eq!(s.tcp_keepalive_retries().unwrap(), 4);
        assert_eq!(theirs.tcp_keepalive_retries().unwrap(), 4);
        let back = socket2::TcpKeepalive::new()
            .with_time(Duration::from_secs(30))
            .with_interval(Duration::from_secs(5))
            .with_retries(7);
        theirs.set_tcp_keepalive(&back).unwrap();
        assert_eq!(s.tcp_keepalive_time().unwrap(), Duration::from_secs(30));
        assert_eq!(s.tcp_keepalive_interval().unwrap(), Duration::from_secs(5));
        assert_eq!(s.tcp_keepalive_retries().unwrap(), 7);
    }
    #[cfg(windows)]
    {
        // SIO_KEEPALIVE_VALS set time and interval, TCP_KEEPCNT the count;
        // TCP_KEEPIDLE and TCP_KEEPINTVL read them back.
        assert_eq!(s.tcp_keepalive_time().unwrap(), Duration::from_secs(61));
        assert_eq!(s.tcp_keepalive_interval().unwrap(), Duration::from_secs(2));
        assert_eq!(s.tcp_keepalive_retries().unwrap(), 4);
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(any(
    target_os = "linux",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
))]
fn tcp_info_on_a_live_connection() {
    let (mut c, mut a) = std_tcp_pair();
    if cfg!(target_os = "linux") && under_qemu() {
        // qemu-user passes TCP_INFO on as if it were an int (4 bytes,
        // swapped): too short to be a kernel's answer, which the crate
        // reports instead of reading garbage.
        let e = SocketRef::from(&c).tcp_info().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        assert!(e.to_string().contains("TCP_INFO"), "{e}");
        eprintln!("under qemu-user: {e}");
        return;
    }
    let before = match SocketRef::from(&c).tcp_info() {
        Err(e) if emulator_lacks("SIO_TCP_INFO", &e) => return,
        r => r.unwrap(),
    };
    assert_eq!(before.state, Some(TcpState::Established));
    assert!(before.mss.unwrap() > 0);
    let data = vec![1u8; 200_000];
    c.write_all(&data).unwrap();
    let mut got = vec![0u8; data.len()];
    a.read_exact(&mut got).unwrap();
    // The last ACK may still be on its way: look again for a while.
    let mut after = SocketRef::from(&c).tcp_info().unwrap();
    for _ in 0..100 {
        if after.bytes_acked.map_or(true, |b| b >= data.len() as u64) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        after = SocketRef::from(&c).tcp_info().unwrap();
    }
    assert!(after.rtt.unwrap() > Duration::ZERO, "{after:?}");
    if cfg!(target_os = "linux") {
        assert!(after.bytes_acked.unwrap() >= before.bytes_acked.unwrap() + data.len() as u64);
        assert!(after.cwnd_segments.unwrap() > 0);
        assert!(after.rtt_var.is_some() && after.rto.is_some());
        let server = SocketRef::from(&a).tcp_info().unwrap();
        assert!(
            server.bytes_received.unwrap() >= data.len() as u64,
            "{server:?}"
        );
    }
    drop(a);
    // The peer's FIN moves the client to CLOSE_WAIT.
    let mut state = None;
    for _ in 0..100 {
        state = SocketRef::from(&c).tcp_info().unwrap().state;
        if state == Some(TcpState::CloseWait) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(state, Some(TcpState::CloseWait));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    assert_eq!(
        SocketRef::from(&listener).tcp_info().unwrap().state,
        Some(TcpState::Listen)
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri does not emulate UDP, Unix sockets or most socket options"
)]
#[cfg(target_os = "linux")]
fn fast_open_round_trip_on_loopback() {
    let sysctl = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_fastopen")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(0);
    let listener = tcp4();
    listener.set_reuse_address(true).unwrap();
    listener.set_tcp_fastopen(16).unwrap();
    bind_addr(
        &listener,
        &SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))),
    )
    .unwrap();
    listen(&listener, 16).unwrap();
    let addr = SockAddr::from(SocketAddr::from((
        [127, 0, 0, 1],
        get_local_addr(&listener).unwrap().1 .0,
    )));
    // Whatever the sysctl says, the data arrives: in the SYN when Fast
    // Open is on both sides, after the handshake when not.
    let mut syn_data = Vec::new();
    for round in 0..3 {
        let c = tcp4();
        if round < 2 {
            // sendto(MSG_FASTOPEN).
            let sent = c.connect_fastopen(&addr, b"hello in the SYN").unwrap();
            assert_eq!(sent, 16);
        } else {
            // TCP_FASTOPEN_CONNECT: connect returns at once, the first
            // send carries the SYN.
            c.set_tcp_fastopen_connect(true).unwrap();
            c.connect(&addr).unwrap();
            assert_eq!(c.send(b"hello in the SYN").unwrap(), 16);
        }
        let (conn, _) = accept(&listener).unwrap();
        let mut buf = [0u8; 32];
        let n = conn.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"hello in the SYN", "round {round}");
        syn_data.push(syn_data_acked(&c));
    }
    if sysctl & 3 != 3 {
        eprintln!(
            "net.ipv4.tcp_fastopen = {sysctl}: Fast Open needs 3 (client and server) for the \
             data to ride in the SYN; checked only that the data arrives"
        );
        return;
    }
    // The first connection fetched the cookie, the others used it.
    assert_eq!(syn_data, [false, true, true]);
}

/// Linux's `TCPI_OPT_SYN_DATA`: the SYN's data was acknowledged.
#[cfg(target_os = "linux")]
fn syn_data_acked(c: &SocketHandle) -> bool {
    let mut raw = [0u8; 8];
    c.get_sock_opt_bytes(IPPROTO_TCP, TCP_INFO, &mut raw)
        .unwrap();
    raw[5] & 32 != 0
}
