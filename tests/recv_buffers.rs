//! `RecvBuffers` and `recv_batch_into`: a batch receive into buffers kept
//! from call to call, which allocates nothing per call.

use std::io;
use std::net::UdpSocket;
use std::time::Duration;

use nativesockets::*;

/// Counts each thread's allocations, so that a test can see that a receive
/// makes none.
#[global_allocator]
static GLOBAL: nativesockets_testutil::alloc::CountingAlloc =
    nativesockets_testutil::alloc::CountingAlloc;

/// A bound receiver (with a timeout, so that a lost datagram fails the
/// test instead of hanging it) and a sender connected to it.
fn pair() -> (SocketHandle, UdpSocket) {
    let rx = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
    rx.bind_addr(&"127.0.0.1:0".parse::<SockAddr>().unwrap())
        .unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.connect(rx.local_addr().unwrap().as_socket_addr().unwrap())
        .unwrap();
    (rx, tx)
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn receives_into_kept_buffers_allocate_nothing() {
    let (rx, tx) = pair();
    let mut buffers = RecvBuffers::new(8, 1500).unwrap();
    let mut meta = [(); 8].map(|_| RecvMeta::default());
    const ROUNDS: usize = 20;
    const PER_ROUND: usize = 5;
    // Everything is queued first, so that only receives are counted.
    for i in 0..ROUNDS * PER_ROUND {
        tx.send(&[i as u8; 100]).unwrap();
    }
    // The counter sees this thread's allocations.
    let probe = nativesockets_testutil::alloc::allocations();
    drop(std::hint::black_box(Vec::<u8>::with_capacity(8)));
    assert_eq!(nativesockets_testutil::alloc::allocations(), probe + 1);

    let before = nativesockets_testutil::alloc::allocations();
    let mut next = 0u8;
    let mut got = 0;
    while got < ROUNDS * PER_ROUND {
        let n = rx.recv_batch_into(&mut buffers, &mut meta).unwrap();
        assert!(n > 0);
        for (m, datagram) in buffers.received(&meta[..n]) {
            assert_eq!((m.len, m.stride, m.truncated), (100, 100, false));
            assert!(datagram.len() == 100 && datagram.iter().all(|&b| b == next));
            next = next.wrapping_add(1);
        }
        got += n;
    }
    let after = nativesockets_testutil::alloc::allocations();
    assert_eq!(got, ROUNDS * PER_ROUND);
    assert_eq!(
        after - before,
        0,
        "allocations in {got} datagrams' receives"
    );
    let sender = tx.local_addr().unwrap();
    assert!(meta.iter().all(|m| m.addr.as_socket_addr() == Some(sender)));
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn more_buffers_than_one_system_call_takes_are_all_filled() {
    let (rx, tx) = pair();
    // 70 buffers: past the 32 a recvmmsg call takes, twice.
    let mut buffers = RecvBuffers::new(70, 64).unwrap();
    let mut meta: Vec<RecvMeta> = vec![RecvMeta::default(); 70];
    for i in 0..70u8 {
        tx.send(&[i; 3]).unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < 70 {
        let n = rx.recv_batch_into(&mut buffers, &mut meta).unwrap();
        seen.extend(buffers.received(&meta[..n]).map(|(_, d)| d[0]));
    }
    assert_eq!(seen, (0..70).collect::<Vec<u8>>());
    // `get` is the whole buffer, filled or not.
    assert_eq!(buffers.get(69).map(<[u8]>::len), Some(64));
    assert_eq!(buffers.get(70), None);
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn a_datagram_longer_than_its_buffer_is_cut_and_marked() {
    let (rx, tx) = pair();
    let mut buffers = RecvBuffers::new(2, 16).unwrap();
    let mut meta = [RecvMeta::default(), RecvMeta::default()];
    tx.send(&[9u8; 40]).unwrap();
    let n = rx.recv_batch_into(&mut buffers, &mut meta).unwrap();
    assert_eq!(n, 1);
    let (m, datagram) = buffers.received(&meta[..n]).next().unwrap();
    assert!(m.truncated);
    assert_eq!(datagram, &[9u8; 16][..]);
}

#[test]
fn a_buffer_set_that_cannot_be_made_is_invalid_input() {
    for (count, size) in [(0, 1500), (8, 0), (usize::MAX, 2), (2, usize::MAX)] {
        let err = RecvBuffers::new(count, size).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains(&format!("{count} x {size} bytes")),
            "{err}"
        );
    }
    let b = RecvBuffers::new(4, 100).unwrap();
    assert_eq!((b.count(), b.buffer_size()), (4, 100));
}

#[test]
#[cfg_attr(miri, ignore = "UDP, which Miri does not emulate")]
fn too_few_metas_for_the_buffers_is_invalid_input() {
    let (rx, _tx) = pair();
    let mut buffers = RecvBuffers::new(4, 64).unwrap();
    let err = rx
        .recv_batch_into(&mut buffers, &mut [RecvMeta::default()])
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("4 buffers, 1 meta"), "{err}");
}
