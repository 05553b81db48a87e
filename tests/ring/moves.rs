//! Sockets that go from one ring to another, and pooled receives that
//! wait without holding a buffer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use nativesockets::{Completions, Ring, RingOptions, SocketHandle};

use super::{addr_of, key, listener, pair, ring, ring_with, wait_for};

/// Receives `data` on `s` through `ring`, as a pooled receive under
/// key `k` (ended by a cancel) or a receive into a buffer.
fn receive_on(ring: &mut Ring, s: &Arc<SocketHandle>, client: &mut TcpStream, k: u64) {
    client.write_all(b"moved").unwrap();
    if k % 2 == 0 {
        ring.recv(s, vec![0; 16], k).unwrap();
        let mut c = wait_for(ring, key(k));
        let n = c.result().unwrap();
        assert_eq!(&c.take_buffer().unwrap()[..n], b"moved");
    } else {
        let id = ring.recv_pooled(s, k).unwrap();
        let c = wait_for(ring, key(k));
        assert_eq!(c.pooled().unwrap(), b"moved");
        ring.cancel(id).unwrap();
        while wait_for(ring, key(k)).is_more() {}
    }
    ring.send(s, b"back".to_vec(), k + 100).unwrap();
    assert_eq!(wait_for(ring, key(k + 100)).result().unwrap(), 4);
    let mut got = [0; 4];
    client.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"back");
}

// Windows completes a socket's calls to one completion port at a time:
// the second ring must not hang, whether the first one is idle, busy on
// the same socket, or gone.
#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_socket_moves_from_one_ring_to_another() {
    let (s, mut client) = pair();
    let mut first = ring();
    receive_on(&mut first, &s, &mut client, 1);
    let mut second = ring();
    receive_on(&mut second, &s, &mut client, 2);
    receive_on(&mut second, &s, &mut client, 3);
    // Both at once: the first waits for data while the second sends.
    let pending = first.recv(&s, vec![0; 16], 4).unwrap();
    second.send(&s, b"both".to_vec(), 5).unwrap();
    assert_eq!(wait_for(&mut second, key(5)).result().unwrap(), 4);
    let mut got = [0; 4];
    client.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"both");
    first.cancel(pending).unwrap();
    wait_for(&mut first, key(4));
    drop(first);
    receive_on(&mut second, &s, &mut client, 7);
    drop(second);
    let mut third = ring();
    receive_on(&mut third, &s, &mut client, 8);
    receive_on(&mut third, &s, &mut client, 9);
    drop(third);
    assert_eq!(Arc::strong_count(&s), 1);
}

// Waiting receives hold no pool buffer: many idle connections on a small
// pool do not run it out.
#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn idle_pooled_receives_hold_no_buffer() {
    let mut ring = ring_with(RingOptions::new().buffers(4, 64));
    let conns: Vec<_> = (0..64).map(|_| pair()).collect();
    for (i, (s, _)) in conns.iter().enumerate() {
        ring.recv_pooled(s, i as u64).unwrap();
    }
    let mut done = Completions::with_capacity(64);
    ring.wait(&mut done, Some(Duration::from_millis(50)))
        .unwrap();
    assert!(done.is_empty(), "{:?}", done.iter().next());
    for (i, (_, client)) in conns.iter().enumerate() {
        (&*client).write_all(&[i as u8; 8]).unwrap();
        let c = wait_for(&mut ring, key(i as u64));
        assert!(c.is_more(), "connection {i}: {c:?}");
        assert_eq!(c.pooled().unwrap(), &[i as u8; 8]);
    }
    assert_eq!(ring.in_flight(), 64);
}

// The same for a listener: an accept on a second ring, the first one idle.
#[test]
#[cfg_attr(miri, ignore = "io_uring and epoll, which Miri does not emulate")]
fn a_listener_moves_from_one_ring_to_another() {
    let l = listener();
    let addr = addr_of(&l);
    let mut rings = [ring(), ring()];
    for (i, r) in rings.iter_mut().enumerate() {
        let k = 20 + i as u64;
        let id = r.accept(&l, k).unwrap();
        let _client = TcpStream::connect(addr).unwrap();
        let mut c = wait_for(r, key(k));
        assert!(c.take_accepted().is_some(), "ring {i}: {c:?}");
        r.cancel(id).unwrap();
        while wait_for(r, key(k)).is_more() {}
    }
    drop(rings);
    assert_eq!(Arc::strong_count(&l), 1);
}
