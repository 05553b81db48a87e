//! Batches of datagrams (`send_batch` / `recv_batch`): whole and in order,
//! with source, TOS and destination, and GSO / GRO segmentation.

use super::*;

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

/// What `set_udp_gro`'s docs warn of: with GRO on, a buffer sized for one
/// datagram gets the first bytes of a coalesced run and the rest is lost
/// (reported as truncated), while a 65,535-byte buffer gets all of it.
#[cfg(target_os = "linux")]
#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn with_gro_on_a_datagram_sized_buffer_loses_the_coalesced_rest() {
    if qemu_gap("UDP_SEGMENT and UDP_GRO control messages") {
        return;
    }
    let payload = vec![7u8; 10 * 1200];
    for (size, whole) in [(1500, false), (65_535, true)] {
        let rx = udp_v4([127, 0, 0, 1]);
        rx.set_udp_gro(true).unwrap();
        let tx = udp_v4([127, 0, 0, 1]);
        tx.send_msg(
            Some(&rx.local_addr().unwrap()),
            &[IoSlice::new(&payload)],
            &[ControlMessage::UdpSegment(1200)],
            0,
        )
        .unwrap();
        let mut buffers = RecvBuffers::new(4, size).unwrap();
        let mut meta = vec![RecvMeta::default(); 4];
        let n = rx.recv_batch_into(&mut buffers, &mut meta).unwrap();
        assert!(n >= 1);
        if whole {
            assert!(!meta[0].truncated, "a 65,535-byte buffer holds the run");
            let got: usize = meta[..n].iter().map(|m| m.len).sum();
            assert!(got > 1500, "coalesced: {got} bytes in the first receive");
        } else {
            assert!(meta[0].truncated, "a 1,500-byte buffer cuts the run");
            assert_eq!(meta[0].len, 1500);
            // The rest of the run is gone: nothing more is waiting.
            rx.set_blocking(false).unwrap();
            let mut lost = 0;
            while let Ok(k) = rx.recv_batch_into(&mut buffers, &mut meta) {
                lost += meta[..k].iter().map(|m| m.len).sum::<usize>();
            }
            assert!(1500 + lost < payload.len(), "nothing was cut: {lost}");
        }
    }
}
