//! Zero-copy sends: each completes once the kernel lets go of its buffer,
//! gives the buffer back with the count sent, and says whether the kernel
//! copied (always on loopback). On the emulation on Linux they are
//! `MSG_ZEROCOPY` sends whose completions the ring reads from the
//! socket's error queue, counting the kernel's numbers: many in flight at
//! once, and a stream of them, check that count.

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use nativesockets::{Domain, OpKind, Protocol, SockAddr, SockType, SocketHandle};

use super::{forced_poller, key, pair, ring, wait_for, PATIENCE};

/// On Linux's emulation the ring turns `SO_ZEROCOPY` on for the socket
/// (io_uring's `SEND_ZC` needs no switch; other systems have none).
fn check_switch(s: &SocketHandle) {
    if cfg!(target_os = "linux") && forced_poller() {
        assert!(
            s.zerocopy().unwrap(),
            "the emulation sends with MSG_ZEROCOPY"
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn zero_copy_send_on_loopback_completes_and_says_the_kernel_copied() {
    let mut ring = ring();
    let (server, mut client) = pair();
    let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    ring.send_zc(&server, data.clone(), 1).unwrap();
    let mut c = wait_for(&mut ring, key(1));
    assert_eq!(c.kind(), OpKind::SendZc);
    let n = c.result().unwrap();
    assert!(n > 0);
    assert_eq!(c.zc_copied(), Some(true), "loopback copies");
    assert_eq!(c.take_buffer().unwrap(), data);
    let mut got = vec![0; n];
    client.read_exact(&mut got).unwrap();
    assert_eq!(got, data[..n]);
    check_switch(&server);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_stream_of_zero_copy_sends_arrives_whole_and_in_order() {
    let mut ring = ring();
    let (server, mut client) = pair();
    let data: Vec<u8> = (0..4u32 << 20).map(|i| (i % 251) as u8).collect();
    let total = data.len();
    let reader = thread::spawn(move || {
        let mut got = vec![0; total];
        client.read_exact(&mut got).unwrap();
        got
    });
    // One send at a time, the rest of a short one sent next: 64 KiB each.
    let mut at = 0;
    let mut k = 0;
    while at < total {
        let chunk = data[at..total.min(at + (64 << 10))].to_vec();
        ring.send_zc(&server, chunk, k).unwrap();
        let c = wait_for(&mut ring, key(k));
        let n = c.result().unwrap();
        assert!(n > 0);
        assert_eq!(c.zc_copied(), Some(true), "loopback copies");
        at += n;
        k += 1;
    }
    assert!(
        reader.join().unwrap() == data,
        "the bytes arrived whole and in order"
    );
    check_switch(&server);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn many_zero_copy_datagrams_in_flight_each_complete_with_their_buffer() {
    let mut ring = ring();
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let s = SocketHandle::new(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    let to: SocketAddr = peer.local_addr().unwrap();
    s.connect(&SockAddr::from(to)).unwrap();
    let s = Arc::new(s);
    const N: u64 = 64;
    for k in 0..N {
        ring.send_zc(&s, vec![k as u8; 1000 + k as usize], k)
            .unwrap();
    }
    for k in 0..N {
        let mut c = wait_for(&mut ring, key(k));
        assert_eq!(c.result().unwrap(), 1000 + k as usize);
        assert_eq!(c.zc_copied(), Some(true), "loopback copies");
        assert_eq!(c.take_buffer().unwrap(), vec![k as u8; 1000 + k as usize]);
    }
    // What arrived is whole (loopback may drop datagrams past its buffer,
    // never corrupt one).
    let mut buf = [0u8; 2048];
    peer.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut seen = 0;
    while let Ok(n) = peer.recv(&mut buf) {
        let k = buf[0];
        assert_eq!(n, 1000 + usize::from(k));
        assert!(buf[..n].iter().all(|&b| b == k));
        seen += 1;
    }
    assert!(seen > 0);
    check_switch(&s);
}

#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn dropping_a_ring_with_zero_copy_sends_in_flight_waits_for_the_kernel() {
    // The drop waits until the kernel lets go of every buffer (here: as
    // the peer reads), and what was sent arrives intact.
    for round in 0..3u8 {
        let mut ring = ring();
        let (server, mut client) = pair();
        let reader = thread::spawn(move || {
            client
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut buf = vec![0u8; 64 << 10];
            let mut total = 0;
            while let Ok(n) = client.read(&mut buf) {
                if n == 0 {
                    break;
                }
                assert!(buf[..n].iter().all(|&b| b == round));
                total += n;
            }
            total
        });
        for k in 0..8 {
            ring.send_zc(&server, vec![round; 32 << 10], k).unwrap();
        }
        let start = std::time::Instant::now();
        drop(ring);
        assert!(start.elapsed() < PATIENCE);
        assert!(reader.join().unwrap() > 0);
    }
}
