//! `send_msg` / `recv_msg` with typed control messages: packet info,
//! TOS / traffic class, TTL / hop limit, timestamps; truncation reports,
//! bad input, what a platform lacks, and raw control messages.

use super::*;
#[cfg(unix)]
use std::time::Duration;

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn pktinfo_reports_each_datagrams_destination_on_a_wildcard_socket() {
    let rx = udp_v4([0, 0, 0, 0]);
    rx.set_recv_pktinfo_v4(true).unwrap();
    assert!(rx.recv_pktinfo_v4().unwrap());
    let port = rx.local_addr().unwrap().port().unwrap().0;
    let tx = udp_v4([127, 0, 0, 1]);
    for dest in [[127, 0, 0, 1], [127, 0, 0, 2]] {
        tx.send_to(b"to", &v4(dest, port)).unwrap();
        let mut buf = [0u8; 8];
        let mut control = [0u8; 128];
        let msg = recv_one(&rx, &mut buf, &mut control);
        let got = msg.control().find_map(|c| match c {
            ReceivedControl::PktInfoV4 {
                addr, interface, ..
            } => Some((addr, interface)),
            _ => None,
        });
        let (addr, interface) = got.expect("no IP_PKTINFO");
        assert_eq!(addr, Ipv4Addr::from(dest));
        if cfg!(target_os = "linux") {
            assert!(interface > 0, "loopback's index");
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
#[cfg_attr(
    windows,
    ignore = "Wine 8 does not apply IP_PKTINFO, IP_ECN or IPV6_ECN given to WSASendMsg"
)]
fn pktinfo_chooses_the_source_address_of_a_send() {
    let rx = udp_v4([127, 0, 0, 1]);
    let tx = udp_v4([0, 0, 0, 0]);
    for src in [Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3)] {
        tx.send_msg(
            Some(&rx.local_addr().unwrap()),
            &[IoSlice::new(b"from")],
            &[ControlMessage::PktInfoV4 {
                addr: src,
                interface: 0,
            }],
            0,
        )
        .unwrap();
        let mut buf = [0u8; 8];
        let (_, from) = rx.recv_from(&mut buf).unwrap();
        assert_eq!(from.as_socket_addr().unwrap().ip(), IpAddr::V4(src));
    }
}

/// A traffic class / TOS with DSCP bits where the platform sends them,
/// ECN bits only on Windows (`IPV6_ECN`, `IP_ECN`).
const TCLASS: u8 = if cfg!(windows) { 0x02 } else { 0x2a };

const TOS: u8 = if cfg!(windows) { 0x01 } else { 0xb9 };

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
#[cfg_attr(
    windows,
    ignore = "Wine 8 does not apply IP_PKTINFO, IP_ECN or IPV6_ECN given to WSASendMsg"
)]
fn ipv6_pktinfo_tclass_and_hop_limit_go_both_ways() {
    if qemu_gap("IPV6_PKTINFO, IPV6_TCLASS and IPV6_HOPLIMIT control messages") {
        return;
    }
    let rx = udp_v6();
    rx.set_recv_pktinfo_v6(true).unwrap();
    rx.set_recv_tclass_v6(true).unwrap();
    rx.set_recv_hoplimit_v6(true).unwrap();
    let tx = udp_v6();
    tx.send_msg(
        Some(&rx.local_addr().unwrap()),
        &[IoSlice::new(b"six")],
        &[
            ControlMessage::PktInfoV6 {
                addr: Ipv6Addr::LOCALHOST,
                interface: 0,
            },
            ControlMessage::TclassV6(TCLASS),
            ControlMessage::HopLimitV6(7),
        ],
        0,
    )
    .unwrap();
    let mut buf = [0u8; 8];
    let mut control = [0u8; 256];
    let msg = recv_one(&rx, &mut buf, &mut control);
    let all: Vec<_> = msg.control().collect();
    assert!(
        all.iter().any(
            |c| matches!(c, ReceivedControl::PktInfoV6 { addr, .. } if *addr == Ipv6Addr::LOCALHOST)
        ),
        "{all:?}"
    );
    assert!(all.contains(&ReceivedControl::TclassV6(TCLASS)), "{all:?}");
    assert!(all.contains(&ReceivedControl::HopLimitV6(7)), "{all:?}");
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
#[cfg_attr(
    windows,
    ignore = "Wine 8 does not apply IP_PKTINFO, IP_ECN or IPV6_ECN given to WSASendMsg"
)]
fn ipv4_tos_and_ttl_set_on_send_are_read_on_receipt() {
    if qemu_gap("the IP_RECVTTL option and IP_TOS / IP_TTL control messages") {
        return;
    }
    let rx = udp_v4([127, 0, 0, 1]);
    rx.set_recv_tos_v4(true).unwrap();
    rx.set_recv_ttl_v4(true).unwrap();
    assert!(rx.recv_tos_v4().unwrap() && rx.recv_ttl_v4().unwrap());
    let tx = udp_v4([127, 0, 0, 1]);
    // ECN CE (3) with a DSCP; TTL 9 where the platform sends it per
    // message (Linux), else the socket's TTL.
    let mut msgs = vec![ControlMessage::TosV4(TOS)];
    if cfg!(target_os = "linux") {
        msgs.push(ControlMessage::TtlV4(9));
    } else {
        tx.set_ttl(9).unwrap();
    }
    tx.send_msg(
        Some(&rx.local_addr().unwrap()),
        &[IoSlice::new(b"tos")],
        &msgs,
        0,
    )
    .unwrap();
    let mut buf = [0u8; 8];
    let mut control = [0u8; 256];
    let msg = recv_one(&rx, &mut buf, &mut control);
    let all: Vec<_> = msg.control().collect();
    assert!(all.contains(&ReceivedControl::TosV4(TOS)), "{all:?}");
    assert!(all.contains(&ReceivedControl::TtlV4(9)), "{all:?}");
}

#[cfg(windows)]
#[test]
fn receive_timestamps_are_unsupported_on_windows_by_name() {
    let rx = udp_v4([127, 0, 0, 1]);
    let err = rx.set_recv_timestamp(true).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("SO_TIMESTAMP"), "{err}");
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn receive_timestamps_are_present_and_monotone() {
    if qemu_gap("the SO_TIMESTAMPNS option") {
        return;
    }
    let rx = udp_v4([127, 0, 0, 1]);
    rx.set_recv_timestamp(true).unwrap();
    assert!(rx.recv_timestamp().unwrap());
    let tx = udp_v4([127, 0, 0, 1]);
    // Linux turns arrival stamping on lazily (a deferred work item): a
    // datagram queued before that is stamped when it is read. Round trips
    // first, until one carries a time before it was read.
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
    };
    for _ in 0..100 {
        tx.send_to(b"w", &rx.local_addr().unwrap()).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let read_at = now();
        let mut warm = [0u8; 4];
        let mut control = [0u8; 128];
        let msg = recv_one(&rx, &mut warm, &mut control);
        let t = msg.control().find_map(|c| match c {
            ReceivedControl::Timestamp(t) => Some(t),
            _ => None,
        });
        if t.expect("no timestamp") + Duration::from_millis(2) < read_at {
            break;
        }
    }
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let mut stamps = Vec::new();
    for _ in 0..3 {
        tx.send_to(b"t", &rx.local_addr().unwrap()).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    for _ in 0..3 {
        let mut buf = [0u8; 4];
        let mut control = [0u8; 128];
        let msg = recv_one(&rx, &mut buf, &mut control);
        let t = msg.control().find_map(|c| match c {
            ReceivedControl::Timestamp(t) => Some(t),
            _ => None,
        });
        stamps.push(t.expect("no timestamp"));
    }
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    assert!(
        stamps[0] + Duration::from_millis(50) >= before,
        "{stamps:?} vs {before:?}"
    );
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn truncated_datagrams_and_control_areas_are_reported() {
    let rx = udp_v4([127, 0, 0, 1]);
    rx.set_recv_pktinfo_v4(true).unwrap();
    let tx = udp_v4([127, 0, 0, 1]);
    tx.send_to(b"0123456789", &rx.local_addr().unwrap())
        .unwrap();
    let mut buf = [0u8; 4];
    let mut control = [0u8; 4];
    let msg = recv_one(&rx, &mut buf, &mut control);
    assert_eq!(msg.len(), 4);
    assert!(msg.is_truncated());
    assert!(msg.is_control_truncated());
    assert_eq!(msg.control().count(), 0);
    assert_eq!(&buf, b"0123");
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn bad_segment_sizes_are_invalid_input_and_nothing_is_sent() {
    let rx = udp_v4([127, 0, 0, 1]);
    let tx = udp_v4([127, 0, 0, 1]);
    let dest = rx.local_addr().unwrap();
    for size in [0u16, 11] {
        let err = tx
            .send_msg(
                Some(&dest),
                &[IoSlice::new(b"0123456789")],
                &[ControlMessage::UdpSegment(size)],
                0,
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains(&size.to_string()), "{err}");
        let err = tx
            .send_batch(&[Transmit::new(Some(&dest), b"0123456789").with_segment_size(size)])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
    rx.set_blocking(false).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(rx.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
}

#[cfg(not(target_os = "linux"))]
#[test]
fn control_messages_the_platform_lacks_are_unsupported_by_name() {
    let rx = udp_v4([127, 0, 0, 1]);
    let tx = udp_v4([127, 0, 0, 1]);
    let err = tx
        .send_msg(
            Some(&rx.local_addr().unwrap()),
            &[IoSlice::new(b"x")],
            &[ControlMessage::TtlV4(3)],
            0,
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    assert!(err.to_string().contains("IP_TTL"), "{err}");
    if cfg!(windows) {
        // Windows sends only ECN bits: a DSCP is refused before the batch
        // sends anything.
        let dest = rx.local_addr().unwrap();
        let ok = Transmit::new(Some(&dest), b"first");
        let mut dscp = Transmit::new(Some(&dest), b"second");
        dscp.tos = Some(0xb8);
        let err = tx.send_batch(&[ok, dscp]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        rx.set_blocking(false).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(rx.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
#[cfg_attr(
    windows,
    ignore = "Wine 8 does not apply IP_PKTINFO, IP_ECN or IPV6_ECN given to WSASendMsg"
)]
fn raw_control_messages_pass_through_as_level_type_and_bytes() {
    if qemu_gap("IP_TOS control messages") {
        return;
    }
    // IP_TOS sent raw (an int) arrives typed.
    let rx = udp_v4([127, 0, 0, 1]);
    rx.set_recv_tos_v4(true).unwrap();
    let tx = udp_v4([127, 0, 0, 1]);
    let tos: i32 = 0x10;
    let level = Protocol::Ip.to_int();
    tx.send_msg(
        Some(&rx.local_addr().unwrap()),
        &[IoSlice::new(b"r")],
        &[ControlMessage::Raw {
            level,
            ty: IP_TOS,
            data: &tos.to_ne_bytes(),
        }],
        0,
    )
    .unwrap();
    let mut buf = [0u8; 4];
    let mut control = [0u8; 128];
    let msg = recv_one(&rx, &mut buf, &mut control);
    assert!(msg.control().any(|c| c == ReceivedControl::TosV4(0x10)));
}
