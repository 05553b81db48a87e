//! Vectored I/O, connected pairs from `pair`, and `send_file` (offset,
//! count, end of file, non-blocking, bad input).

use super::*;

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
