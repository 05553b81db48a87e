//! Messages, vectors, batches and control data: vectored I/O, `pair`,
//! `send_file`, `send_msg` / `recv_msg` with typed control messages
//! (descriptors, credentials, packet info, TOS / traffic class, TTL / hop
//! limit, timestamps), truncation reports, bad input, and batches with
//! GSO / GRO. Loopback and temp-dir Unix sockets only; every wait is
//! bounded by a read timeout.

use std::io::{ErrorKind, IoSlice, IoSliceMut, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use nativesockets::*;

const WAIT: Option<Duration> = Some(Duration::from_secs(5));

fn v4(ip: [u8; 4], port: u16) -> SockAddr {
    SockAddr::from(SocketAddr::from((ip, port)))
}

fn udp_v4(ip: [u8; 4]) -> SocketHandle {
    let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    s.bind_addr(&v4(ip, 0)).unwrap();
    s.set_read_timeout(WAIT).unwrap();
    s
}

fn udp_v6() -> SocketHandle {
    let s = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    s.bind_addr(&SockAddr::from(SocketAddr::from((Ipv6Addr::LOCALHOST, 0))))
        .unwrap();
    s.set_read_timeout(WAIT).unwrap();
    s
}

/// Whether this test runs under qemu-user (how the s390x and aarch64
/// tests run here: cargo's runner for the target names qemu, and the
/// variable reaches the emulated program). qemu-user translates only some
/// control messages and socket options between guest and host (SCM_RIGHTS
/// and SCM_CREDENTIALS, not IP_PKTINFO, IP_TOS, UDP_SEGMENT or UDP_GRO
/// control messages; not the IP_RECVTTL or SO_TIMESTAMPNS options), and it
/// receives into a control area of its own, so the kernel's MSG_CTRUNC
/// does not reach the program. A test that needs one of these prints why
/// and stops there.
fn qemu_gap(what: &str) -> bool {
    let qemu = std::env::vars().any(|(k, v)| {
        k.starts_with("CARGO_TARGET_") && k.ends_with("_RUNNER") && v.contains("qemu")
    });
    if qemu {
        println!("skipped under qemu-user, which does not translate {what}");
    }
    qemu
}

fn temp_file(name: &str, bytes: &[u8]) -> (std::path::PathBuf, std::fs::File) {
    let path = std::env::temp_dir().join(format!("ns-msg-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let f = std::fs::File::open(&path).unwrap();
    (path, f)
}

fn read_exact_from(s: &SocketHandle, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let mut got = 0;
    while got < n {
        let k = s.recv(&mut out[got..]).unwrap();
        assert!(k > 0, "early end of stream after {got} of {n} bytes");
        got += k;
    }
    out
}

// ---- vectored I/O --------------------------------------------------------

#[test]
#[cfg_attr(miri, ignore = "socket pairs and UDP, which Miri does not emulate")]
fn vectored_send_gathers_and_vectored_receive_scatters() {
    let (a, b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    b.set_read_timeout(WAIT).unwrap();
    let n = a
        .send_vectored(&[
            IoSlice::new(b"one "),
            IoSlice::new(b""),
            IoSlice::new(b"two"),
        ])
        .unwrap();
    assert_eq!(n, 7);
    let got = read_exact_from(&b, 7);
    assert_eq!(&got, b"one two");

    // A datagram gathered from three pieces arrives as one, and scatters
    // into two buffers in order.
    let rx = udp_v4([127, 0, 0, 1]);
    let tx = udp_v4([127, 0, 0, 1]);
    let sent = tx
        .send_to_vectored(
            &[
                IoSlice::new(b"ab"),
                IoSlice::new(b"cd"),
                IoSlice::new(b"ef"),
            ],
            &rx.local_addr().unwrap(),
        )
        .unwrap();
    assert_eq!(sent, 6);
    let (mut x, mut y) = ([0u8; 4], [0u8; 8]);
    let (len, from) = rx
        .recv_from_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
        .unwrap();
    assert_eq!(len, 6);
    assert_eq!(&x, b"abcd");
    assert_eq!(&y[..2], b"ef");
    assert_eq!(from, tx.local_addr().unwrap());

    // Write::write_vectored on &SocketHandle sends every buffer at once.
    let (a, b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    b.set_read_timeout(WAIT).unwrap();
    let n = (&a)
        .write_vectored(&[IoSlice::new(b"x"), IoSlice::new(b"yz")])
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(read_exact_from(&b, 3), b"xyz");
}

// ---- pair ----------------------------------------------------------------

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn ip_pairs_are_connected_loopback_sockets() {
    for domain in [Domain::Inet, Domain::Inet6] {
        let (a, b) = pair(domain, SockType::Stream, Protocol::Tcp).unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        assert_eq!(b.peer_addr().unwrap(), a.local_addr().unwrap());
        (&a).write_all(b"hi").unwrap();
        b.set_read_timeout(WAIT).unwrap();
        assert_eq!(read_exact_from(&b, 2), b"hi");

        let (a, b) = pair(domain, SockType::Dgram, Protocol::Udp).unwrap();
        b.set_read_timeout(WAIT).unwrap();
        a.send(b"dgram").unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(b.recv(&mut buf).unwrap(), 5);
    }
    let err = pair(Domain::Inet, SockType::Raw, Protocol::Raw).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}

#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn unix_pairs_come_from_socketpair_in_every_type() {
    for ty in [SockType::Stream, SockType::Dgram, SockType::SeqPacket] {
        let (a, b) = pair(Domain::Unix, ty, Protocol::Ip).unwrap();
        assert!(!a.is_inheritable().unwrap());
        assert!(!b.is_inheritable().unwrap());
        a.send(b"ping").unwrap();
        let mut buf = [0u8; 8];
        b.set_read_timeout(WAIT).unwrap();
        assert_eq!(b.recv(&mut buf).unwrap(), 4, "{ty:?}");
    }
}

/// Windows has no `socketpair`: a Unix-domain pair is built through a
/// listener on a temporary path where the system has `AF_UNIX` (Windows
/// 10 1803+), and is refused by name where it does not (Wine 8).
#[cfg(windows)]
#[test]
fn unix_pairs_on_windows_connect_or_say_why() {
    match pair(Domain::Unix, SockType::Stream, Protocol::Ip) {
        Ok((a, b)) => {
            a.send(b"ping").unwrap();
            let mut buf = [0u8; 8];
            b.set_read_timeout(WAIT).unwrap();
            assert_eq!(b.recv(&mut buf).unwrap(), 4);
        }
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
            assert!(e.to_string().contains("Unix-domain"), "{e}");
        }
    }
    let err = pair(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}

// ---- send_file -------------------------------------------------------------

#[test]
#[cfg_attr(miri, ignore = "sendfile, which Miri does not emulate")]
fn send_file_honours_offset_count_and_end_of_file() {
    let content: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    let (path, file) = temp_file("sendfile", &content);
    let (a, b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    b.set_read_timeout(WAIT).unwrap();

    assert_eq!(a.send_file(&file, 10, Some(1000)).unwrap(), 1000);
    assert_eq!(read_exact_from(&b, 1000), &content[10..1010]);
    // None: to the end of the file.
    assert_eq!(a.send_file(&file, 99_000, None).unwrap(), 1000);
    assert_eq!(read_exact_from(&b, 1000), &content[99_000..]);
    // A count past the end stops at the end.
    assert_eq!(a.send_file(&file, 99_990, Some(500)).unwrap(), 10);
    assert_eq!(read_exact_from(&b, 10), &content[99_990..]);
    // At and past the end: nothing.
    assert_eq!(a.send_file(&file, 100_000, None).unwrap(), 0);
    assert_eq!(a.send_file(&file, 1 << 40, Some(10)).unwrap(), 0);
    assert_eq!(a.send_file(&file, 0, Some(0)).unwrap(), 0);
    // The whole file; the file's own position is untouched.
    assert_eq!(a.send_file(&file, 0, None).unwrap(), content.len());
    assert_eq!(read_exact_from(&b, content.len()), content);
    let mut first = [0u8; 3];
    (&file).read_exact(&mut first).unwrap();
    assert_eq!(&first, &content[..3]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "sendfile, which Miri does not emulate")]
#[cfg_attr(
    windows,
    ignore = "TransmitFile has no non-blocking mode: it waits until everything is sent"
)]
fn send_file_on_a_non_blocking_socket_sends_part_then_would_block() {
    let content = vec![0x5au8; 8 << 20];
    let (path, file) = temp_file("sendfile-nb", &content);
    let (a, b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    a.set_send_buffer_size(64 * 1024).unwrap();
    b.set_recv_buffer_size(64 * 1024).unwrap();
    a.set_blocking(false).unwrap();
    let first = a.send_file(&file, 0, None).unwrap();
    assert!(first > 0 && first < content.len(), "sent {first}");
    // The buffers are full and nobody reads: the next call cannot send.
    let err = a.send_file(&file, first as u64, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    // Reading everything sent so far gives the file's start.
    b.set_read_timeout(WAIT).unwrap();
    let got = read_exact_from(&b, first);
    assert!(got.iter().all(|&x| x == 0x5a));
    std::fs::remove_file(&path).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "sockets, which Miri does not emulate here")]
fn send_file_of_a_directory_is_invalid_input() {
    let dir = std::fs::File::open(std::env::temp_dir());
    let Ok(dir) = dir else { return };
    let (a, _b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let err = a.send_file(&dir, 0, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
}

// ---- descriptors -----------------------------------------------------------

#[cfg(unix)]
mod descriptors {
    use super::*;
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::net::UnixStream;

    /// A socket pair whose far end reports when every copy of the near
    /// end is closed (a read gives end of stream): descriptor accounting
    /// that other threads cannot disturb.
    fn watched() -> (UnixStream, UnixStream) {
        let (near, far) = UnixStream::pair().unwrap();
        far.set_read_timeout(WAIT).unwrap();
        (near, far)
    }

    fn closed(far: &UnixStream) -> bool {
        let mut buf = [0u8; 1];
        matches!((&*far).read(&mut buf), Ok(0))
    }

    #[test]
    #[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
    fn a_passed_descriptor_reads_the_file_and_closes_on_drop() {
        let (path, file) = temp_file("rights", b"through the socket");
        let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        let (near, far) = watched();
        let fds = [file.as_fd(), near.as_fd()];
        let n = a
            .send_msg(
                None,
                &[IoSlice::new(b"!")],
                &[ControlMessage::Rights(&fds)],
                0,
            )
            .unwrap();
        assert_eq!(n, 1);
        drop(near);

        let mut byte = [0u8; 1];
        let mut control = vec![0u8; cmsg_space(2 * 4)];
        let mut msg = b
            .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
            .unwrap();
        assert_eq!(msg.len(), 1);
        assert!(!msg.is_control_truncated());
        assert_eq!(msg.fds().len(), 2);
        let numbers: Vec<_> = msg
            .control()
            .filter_map(|c| match c {
                ReceivedControl::Rights(list) => Some(list.iter().collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        let owned: Vec<_> = msg.fds().iter().map(|f| f.as_raw_fd()).collect();
        assert_eq!(numbers, owned);
        let mut fds = msg.take_fds();
        let sock = fds.pop().unwrap();
        let mut received = std::fs::File::from(fds.pop().unwrap());
        let mut text = String::new();
        received.read_to_string(&mut text).unwrap();
        assert_eq!(text, "through the socket");
        // Close-on-exec, like every descriptor the crate makes.
        assert!(!SocketRef::from(&sock).is_inheritable().unwrap());
        assert!(!closed_nonblocking(&far));
        drop(sock);
        assert!(closed(&far), "the received descriptor was not closed");
        std::fs::remove_file(&path).unwrap();
    }

    fn closed_nonblocking(far: &UnixStream) -> bool {
        far.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 1];
        let r = matches!((&*far).read(&mut buf), Ok(0));
        far.set_nonblocking(false).unwrap();
        r
    }

    #[test]
    #[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
    fn descriptors_not_taken_are_closed_when_the_message_drops() {
        let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        let (near, far) = watched();
        a.send_msg(
            None,
            &[IoSlice::new(b"x")],
            &[ControlMessage::Rights(&[near.as_fd()])],
            0,
        )
        .unwrap();
        drop(near);
        let mut byte = [0u8; 1];
        let mut control = [0u8; 64];
        let msg = b
            .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
            .unwrap();
        assert_eq!(msg.fds().len(), 1);
        assert!(!closed_nonblocking(&far));
        drop(msg);
        assert!(closed(&far));
    }

    #[test]
    #[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
    fn a_truncated_control_area_is_reported_and_still_closes_what_arrived() {
        if qemu_gap("MSG_CTRUNC from a control area of the program's size") {
            return;
        }
        let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        let watches: Vec<_> = (0..3).map(|_| watched()).collect();
        let fds: Vec<_> = watches.iter().map(|(n, _)| n.as_fd()).collect();
        a.send_msg(
            None,
            &[IoSlice::new(b"x")],
            &[ControlMessage::Rights(&fds)],
            0,
        )
        .unwrap();
        drop(fds);
        let fars: Vec<_> = watches.into_iter().map(|(_, far)| far).collect();

        let mut byte = [0u8; 1];
        // Room for one descriptor only.
        let mut control = vec![0u8; cmsg_space(4)];
        let msg = b
            .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
            .unwrap();
        assert!(msg.is_control_truncated());
        // What fitted (one or two, by the platform's alignment) is owned.
        assert!(msg.fds().len() < 3);
        drop(msg);
        for far in &fars {
            assert!(closed(far), "a descriptor of a truncated area leaked");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
    fn too_many_descriptors_is_invalid_input_and_nothing_is_sent() {
        let (a, b) = pair(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        let many = vec![a.as_fd(); 254];
        let err = a
            .send_msg(
                None,
                &[IoSlice::new(b"x")],
                &[ControlMessage::Rights(&many)],
                0,
            )
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("254"), "{err}");
        b.set_blocking(false).unwrap();
        let mut buf = [0u8; 4];
        assert_eq!(b.recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }

    const CHILD: &str = "NATIVESOCKETS_MSG_CHILD_PATH";

    /// The child connects to the parent's listener and passes it an open
    /// file; the parent reads the file through the descriptor.
    #[test]
    #[cfg_attr(miri, ignore = "processes, which Miri does not emulate")]
    fn a_descriptor_passes_between_two_processes() {
        if let Ok(path) = std::env::var(CHILD) {
            let s = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
            s.connect(&SockAddr::unix(&path).unwrap()).unwrap();
            let (fpath, file) = temp_file("child-file", b"written by the child");
            s.send_msg(
                None,
                &[IoSlice::new(b"f")],
                &[ControlMessage::Rights(&[file.as_fd()])],
                0,
            )
            .unwrap();
            std::fs::remove_file(fpath).unwrap();
            // Wait for the parent to finish before closing.
            let mut buf = [0u8; 1];
            let _ = s.recv(&mut buf);
            return;
        }
        let dir = std::env::temp_dir().join(format!("ns-msg-proc-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("l.sock");
        let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        l.bind_addr(&SockAddr::unix(&path).unwrap()).unwrap();
        l.listen(1).unwrap();
        let mut child = nativesockets_testutil::process::this_test_alone(
            "descriptors::a_descriptor_passes_between_two_processes",
        )
        .env(CHILD, &path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
        let (conn, _) = l.accept().unwrap();
        conn.set_read_timeout(WAIT).unwrap();
        let mut byte = [0u8; 1];
        let mut control = [0u8; 64];
        let mut msg = conn
            .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
            .unwrap();
        let mut file = std::fs::File::from(msg.take_fds().pop().expect("no descriptor"));
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert_eq!(text, "written by the child");
        conn.send(b"k").unwrap();
        assert!(child.wait().unwrap().success());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    #[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
    fn credentials_arrive_with_passcred_and_can_be_sent() {
        let (a, b) = pair(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap();
        b.set_passcred(true).unwrap();
        assert!(b.passcred().unwrap());
        let me = Credentials::current();
        a.send_msg(
            None,
            &[IoSlice::new(b"c")],
            &[ControlMessage::Credentials(me)],
            0,
        )
        .unwrap();
        let mut byte = [0u8; 1];
        let mut control = [0u8; 64];
        let msg = b
            .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
            .unwrap();
        let got = msg.control().find_map(|c| match c {
            ReceivedControl::Credentials(c) => Some(c),
            _ => None,
        });
        assert_eq!(got, Some(me));
    }
}

// ---- packet info, TOS, TTL, timestamps -------------------------------------

fn recv_one<'c>(s: &SocketHandle, buf: &mut [u8], control: &'c mut [u8]) -> RecvMsg<'c> {
    s.recv_msg(&mut [IoSliceMut::new(buf)], control, 0).unwrap()
}

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

// ---- batches ---------------------------------------------------------------

fn batch_roundtrip(count: usize) {
    let rx = udp_v4([127, 0, 0, 1]);
    rx.set_recv_buffer_size(4 << 20).unwrap();
    let tx = udp_v4([127, 0, 0, 1]);
    let dest = rx.local_addr().unwrap();
    let payloads: Vec<Vec<u8>> = (0..count)
        .map(|i| format!("datagram {i}").into_bytes())
        .collect();
    let transmits: Vec<_> = payloads
        .iter()
        .map(|p| Transmit::new(Some(&dest), p))
        .collect();
    assert_eq!(tx.send_batch(&transmits).unwrap(), count);
    let mut storage = vec![[0u8; 64]; count];
    let mut meta = vec![RecvMeta::default(); count];
    let mut got = 0;
    while got < count {
        let mut bufs: Vec<IoSliceMut<'_>> = storage[got..]
            .iter_mut()
            .map(|b| IoSliceMut::new(b))
            .collect();
        let n = rx.recv_batch(&mut bufs, &mut meta[got..]).unwrap();
        assert!(n > 0);
        got += n;
    }
    for i in 0..count {
        assert_eq!(&storage[i][..meta[i].len], &payloads[i][..], "datagram {i}");
        assert_eq!(meta[i].addr, tx.local_addr().unwrap());
        assert!(!meta[i].truncated);
    }
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn batches_of_1_and_32_arrive_whole_and_in_order() {
    batch_roundtrip(1);
    batch_roundtrip(32);
}

/// 1,024 datagrams: over a Unix datagram pair, whose sender waits for
/// room (UDP on loopback would drop what the receive buffer cannot hold),
/// received by a thread while they are sent.
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "Unix-domain sockets, which Miri does not emulate")]
fn a_batch_of_1024_arrives_whole_and_in_order() {
    let (a, b) = pair(Domain::Unix, SockType::Dgram, Protocol::Ip).unwrap();
    b.set_read_timeout(WAIT).unwrap();
    const N: usize = 1024;
    let reader = std::thread::spawn(move || {
        let mut storage = vec![[0u8; 32]; N];
        let mut meta = vec![RecvMeta::default(); N];
        let mut got = 0;
        while got < N {
            let mut bufs: Vec<IoSliceMut<'_>> = storage[got..]
                .iter_mut()
                .map(|b| IoSliceMut::new(b))
                .collect();
            got += b.recv_batch(&mut bufs, &mut meta[got..]).unwrap();
        }
        (0..N)
            .map(|i| storage[i][..meta[i].len].to_vec())
            .collect::<Vec<_>>()
    });
    let payloads: Vec<Vec<u8>> = (0..N).map(|i| (i as u32).to_be_bytes().to_vec()).collect();
    let transmits: Vec<_> = payloads.iter().map(|p| Transmit::new(None, p)).collect();
    assert_eq!(a.send_batch(&transmits).unwrap(), N);
    assert_eq!(reader.join().unwrap(), payloads);
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
#[cfg_attr(
    windows,
    ignore = "Wine 8 does not apply IP_PKTINFO, IP_ECN or IPV6_ECN given to WSASendMsg"
)]
fn a_batch_carries_source_and_tos_and_reports_destination() {
    if qemu_gap("IP_PKTINFO and IP_TOS control messages") {
        return;
    }
    let rx = udp_v4([0, 0, 0, 0]);
    rx.set_recv_pktinfo_v4(true).unwrap();
    rx.set_recv_tos_v4(true).unwrap();
    let port = rx.local_addr().unwrap().port().unwrap().0;
    let tx = udp_v4([0, 0, 0, 0]);
    let d1 = v4([127, 0, 0, 1], port);
    let d2 = v4([127, 0, 0, 2], port);
    let mut t1 = Transmit::new(Some(&d1), b"one");
    t1.tos = Some(0x02);
    let mut t2 = Transmit::new(Some(&d2), b"two");
    t2.src_ip = Some(Ipv4Addr::new(127, 0, 0, 5).into());
    assert_eq!(tx.send_batch(&[t1, t2]).unwrap(), 2);
    let mut storage = [[0u8; 16]; 2];
    let mut meta = vec![RecvMeta::default(); 2];
    let mut got = 0;
    while got < 2 {
        let mut bufs: Vec<IoSliceMut<'_>> = storage[got..]
            .iter_mut()
            .map(|b| IoSliceMut::new(b))
            .collect();
        got += rx.recv_batch(&mut bufs, &mut meta[got..]).unwrap();
    }
    assert_eq!(meta[0].dst_ip, Some(Ipv4Addr::new(127, 0, 0, 1).into()));
    assert_eq!(meta[0].tos, Some(0x02));
    assert_eq!(meta[1].dst_ip, Some(Ipv4Addr::new(127, 0, 0, 2).into()));
    assert_eq!(
        meta[1].addr.as_socket_addr().unwrap().ip(),
        IpAddr::from(Ipv4Addr::new(127, 0, 0, 5))
    );
}

/// Receives datagrams until `total` bytes came; returns the sizes of the
/// datagrams (splitting GRO buffers by their stride).
fn receive_segments(rx: &SocketHandle, total: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut bytes = 0;
    let mut storage = vec![[0u8; 65_536]; 4];
    let mut meta = vec![RecvMeta::default(); 4];
    while bytes < total {
        let mut bufs: Vec<IoSliceMut<'_>> =
            storage.iter_mut().map(|b| IoSliceMut::new(b)).collect();
        let n = rx.recv_batch(&mut bufs, &mut meta).unwrap();
        for m in &meta[..n] {
            let mut left = m.len;
            while left > 0 {
                let d = left.min(m.stride.max(1));
                sizes.push(d);
                left -= d;
            }
            bytes += m.len;
        }
    }
    sizes
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn gso_of_64_kib_in_1200_byte_segments_arrives_as_55_datagrams_with_or_without_offload() {
    if qemu_gap("UDP_SEGMENT control messages") {
        return;
    }
    let payload: Vec<u8> = (0..65_536u32).map(|i| i as u8).collect();
    let mut expected = vec![1200; 54];
    expected.push(65_536 - 54 * 1200);

    for (offload, gro) in [(true, false), (true, true), (false, false)] {
        set_segmentation_offload(offload);
        let rx = udp_v4([127, 0, 0, 1]);
        rx.set_recv_buffer_size(4 << 20).unwrap();
        if gro && rx.set_udp_gro(true).is_err() {
            continue;
        }
        let tx = udp_v4([127, 0, 0, 1]);
        if cfg!(target_os = "linux") {
            assert_eq!(segmentation_offload(&tx), offload);
        }
        let dest = rx.local_addr().unwrap();
        let sent = tx
            .send_batch(&[Transmit::new(Some(&dest), &payload).with_segment_size(1200)])
            .unwrap();
        assert_eq!(sent, 1);
        let sizes = receive_segments(&rx, payload.len());
        assert_eq!(sizes, expected, "offload {offload}, gro {gro}");
    }
    set_segmentation_offload(true);
}

#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn a_gso_send_msg_arrives_segmented_and_gro_reports_the_stride() {
    if qemu_gap("UDP_SEGMENT and UDP_GRO control messages") {
        return;
    }
    let rx = udp_v4([127, 0, 0, 1]);
    rx.set_udp_gro(true).unwrap();
    assert!(rx.udp_gro().unwrap());
    let tx = udp_v4([127, 0, 0, 1]);
    let payload = vec![3u8; 10 * 1000];
    tx.send_msg(
        Some(&rx.local_addr().unwrap()),
        &[IoSlice::new(&payload)],
        &[ControlMessage::UdpSegment(1000)],
        0,
    )
    .unwrap();
    let mut buf = vec![0u8; 65_536];
    let mut control = [0u8; 128];
    let mut total = 0;
    while total < payload.len() {
        let msg = recv_one(&rx, &mut buf, &mut control);
        let stride = msg.control().find_map(|c| match c {
            ReceivedControl::UdpGroSegment(s) => Some(s),
            _ => None,
        });
        if msg.len() > 1000 {
            assert_eq!(stride, Some(1000));
        }
        total += msg.len();
    }
    assert_eq!(total, payload.len());
    // The socket-wide segment size.
    tx.set_udp_segment(500).unwrap();
    assert_eq!(tx.udp_segment().unwrap(), 500);
}

// ---- interop with an independent implementation: Python 3 ------------------

/// Python 3's `socket` module (`send_fds` / `recv_fds`, `sendmsg` /
/// `recvmsg` with ancillary data) on the other end, both directions.
#[cfg(target_os = "linux")]
mod python {
    use super::*;
    use std::os::fd::AsFd;
    use std::process::{Command, Stdio};

    /// `python3 -c script args...`, or `None` (with the reason printed)
    /// where there is no python3.
    fn python(script: &str, args: &[&str]) -> Option<std::process::Child> {
        match Command::new("python3").arg("--version").output() {
            Ok(o) if o.status.success() => {}
            _ => {
                println!("skipped: python3 is not installed, so there is no independent peer");
                return None;
            }
        }
        let child = Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Some(child)
    }

    fn finish(child: std::process::Child) -> String {
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "python failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    const UNIX_PEER: &str = r#"
import os, socket, sys
path, fpath = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(path)
fd = os.open(fpath, os.O_RDONLY)
socket.send_fds(s, [b"P"], [fd])
os.close(fd)
msg, fds, flags, addr = socket.recv_fds(s, 16, 4)
os.lseek(fds[0], 0, 0)
data = os.read(fds[0], 100)
print("python got", msg.decode(), len(fds), data.decode())
"#;

    #[test]
    #[cfg_attr(miri, ignore = "processes, which Miri does not emulate")]
    fn descriptors_pass_both_ways_with_python() {
        let dir = std::env::temp_dir().join(format!("ns-msg-py-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock_path = dir.join("py.sock");
        let py_file = dir.join("from-python.txt");
        std::fs::write(&py_file, "python's file").unwrap();
        let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
        l.bind_addr(&SockAddr::unix(&sock_path).unwrap()).unwrap();
        l.listen(1).unwrap();
        let Some(child) = python(
            UNIX_PEER,
            &[sock_path.to_str().unwrap(), py_file.to_str().unwrap()],
        ) else {
            return;
        };
        l.set_read_timeout(WAIT).unwrap();
        let (conn, _) = l.accept().unwrap();
        conn.set_read_timeout(WAIT).unwrap();

        // Python to Rust.
        let mut byte = [0u8; 1];
        let mut control = [0u8; 64];
        let mut msg = conn
            .recv_msg(&mut [IoSliceMut::new(&mut byte)], &mut control, 0)
            .unwrap();
        assert_eq!(&byte, b"P");
        let mut f = std::fs::File::from(msg.take_fds().pop().expect("no descriptor"));
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        assert_eq!(text, "python's file");

        // Rust to Python.
        let (rust_path, rust_file) = temp_file("to-python", b"rust's file");
        conn.send_msg(
            None,
            &[IoSlice::new(b"R")],
            &[ControlMessage::Rights(&[rust_file.as_fd()])],
            0,
        )
        .unwrap();
        let out = finish(child);
        assert_eq!(out.trim(), "python got R 1 rust's file");
        std::fs::remove_file(rust_path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    const UDP_PEER: &str = r#"
import socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.bind(("127.0.0.1", 0))
s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
s.setsockopt(socket.IPPROTO_IP, 8, 1)  # IP_PKTINFO
s.sendmsg([b"from ", b"python"], [
    (socket.IPPROTO_IP, socket.IP_TOS, struct.pack("i", 0x04)),
    (socket.IPPROTO_IP, 2, struct.pack("i", 33)),  # IP_TTL
], 0, ("127.0.0.1", port))
data, anc, flags, addr = s.recvmsg(64, 256)
out = [data.decode()]
for level, ty, payload in anc:
    if level == socket.IPPROTO_IP and ty == socket.IP_TOS:
        out.append("tos=%d" % payload[0])
    if level == socket.IPPROTO_IP and ty == 8:
        ifindex, spec, dst = struct.unpack("I4s4s", payload[:12])
        out.append("dst=" + socket.inet_ntoa(dst))
print(" ".join(out[:1] + sorted(out[1:])))
"#;

    #[test]
    #[cfg_attr(miri, ignore = "processes and UDP, which Miri does not emulate")]
    fn control_messages_pass_both_ways_with_python_over_udp() {
        if qemu_gap("IP_TOS and IP_PKTINFO control messages") {
            return;
        }
        let rx = udp_v4([0, 0, 0, 0]);
        rx.set_recv_tos_v4(true).unwrap();
        rx.set_recv_ttl_v4(true).unwrap();
        rx.set_recv_pktinfo_v4(true).unwrap();
        let port = rx.local_addr().unwrap().port().unwrap().0.to_string();
        let Some(child) = python(UDP_PEER, &[&port]) else {
            return;
        };
        // Python to Rust: gathered data, TOS and TTL set per datagram.
        let mut buf = [0u8; 64];
        let mut control = [0u8; 256];
        let msg = recv_one(&rx, &mut buf, &mut control);
        assert_eq!(&buf[..msg.len()], b"from python");
        let all: Vec<_> = msg.control().collect();
        assert!(all.contains(&ReceivedControl::TosV4(0x04)), "{all:?}");
        assert!(all.contains(&ReceivedControl::TtlV4(33)), "{all:?}");
        assert!(
            all.iter().any(|c| matches!(c, ReceivedControl::PktInfoV4 { addr, .. } if *addr == Ipv4Addr::LOCALHOST)),
            "{all:?}"
        );
        let peer = msg.addr().clone();

        // Rust to Python: TOS and a chosen source address.
        rx.send_msg(
            Some(&peer),
            &[IoSlice::new(b"from rust")],
            &[
                ControlMessage::TosV4(0x08),
                ControlMessage::PktInfoV4 {
                    addr: Ipv4Addr::LOCALHOST,
                    interface: 0,
                },
            ],
            0,
        )
        .unwrap();
        let out = finish(child);
        assert_eq!(out.trim(), "from rust dst=127.0.0.1 tos=8");
    }
}
