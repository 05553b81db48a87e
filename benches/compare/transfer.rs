//! Data on loopback: TCP 1-byte ping-pong, TCP 64 KiB bulk transfer, UDP
//! 64-byte ping-pong. Each side uses its own implementation at both ends
//! (our client talks to our echo peer, raw libc to raw libc, std to std),
//! each pair on its own connection with its own peer thread; the harness
//! takes turns between the connections batch by batch.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::mem::{self, MaybeUninit};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::thread;
use std::time::Duration;

use nativesockets::{SockAddr, SocketHandle};

use crate::harness::{side, Bench, Target};

/// No wait in this benchmark should come near this; it only turns a lost
/// peer into an error instead of a hang.
const STALL: Duration = Duration::from_secs(20);

pub fn run(b: &mut Bench) {
    tcp_ping_pong(b);
    tcp_bulk(b);
    udp_ping_pong(b);
}

/// A connected loopback TCP pair (client, server), both with `TCP_NODELAY`
/// and a read timeout.
fn tcp_pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let c = TcpStream::connect(l.local_addr().unwrap()).expect("connect");
    let (s, _) = l.accept().expect("accept");
    for t in [&c, &s] {
        t.set_nodelay(true).unwrap();
        t.set_read_timeout(Some(STALL)).unwrap();
    }
    (c, s)
}

/// Raw libc I/O on a descriptor: `send` with `MSG_NOSIGNAL` and `recv`,
/// what a C program calls, behind the same traits the other sides use.
struct RawIo(RawFd);

impl Read for RawIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes of writing.
        let r = unsafe { libc::recv(self.0, buf.as_mut_ptr().cast(), buf.len(), 0) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(r as usize)
        }
    }
}

impl Write for RawIo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is valid for `buf.len()` bytes of reading.
        let r = unsafe { libc::send(self.0, buf.as_ptr().cast(), buf.len(), libc::MSG_NOSIGNAL) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(r as usize)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Echoes single reads back until the peer closes.
fn echo<S: Read + Write>(mut s: S) {
    let mut buf = [0u8; 64];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if s.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// `n` round trips of one byte.
fn ping<S: Read + Write>(mut s: S, n: u64) {
    let mut buf = [0u8; 1];
    for _ in 0..n {
        assert_eq!(s.write(b"p").expect("ping send"), 1);
        assert_eq!(s.read(&mut buf).expect("ping recv"), 1, "peer closed");
    }
    black_box(buf);
}

fn tcp_ping_pong(b: &mut Bench) {
    let case = "TCP loopback 1-byte ping-pong (round trip)";
    if !b.wants(case) {
        return;
    }
    let (oc, os) = tcp_pair();
    let (rc, rs) = tcp_pair();
    let (sc, ss) = tcp_pair();
    let ours = SocketHandle::from(oc);
    let ours_peer = SocketHandle::from(os);
    let raw = OwnedFd::from(rc);
    let raw_peer = OwnedFd::from(rs);
    let raw_fd = raw.as_raw_fd();
    thread::scope(|scope| {
        scope.spawn(move || echo(&ours_peer));
        scope.spawn(move || echo(RawIo(raw_peer.as_raw_fd())));
        scope.spawn(move || echo(&ss));
        b.compare(
            case,
            side("nativesockets send/recv", Target::Info, |n| ping(&ours, n)),
            vec![
                side("libc send/recv", Target::AtMost(1.05), |n| {
                    ping(RawIo(raw_fd), n)
                }),
                side("std TcpStream write/read", Target::AtMost(1.05), |n| {
                    ping(&sc, n)
                }),
            ],
        );
        // End of stream stops each echo thread.
        ours.shutdown(Shutdown::Write).unwrap();
        sc.shutdown(Shutdown::Write).unwrap();
        // SAFETY: shutdown on a descriptor this function owns.
        unsafe { libc::shutdown(raw_fd, libc::SHUT_WR) };
    });
}

const CHUNK: usize = 64 * 1024;

/// The bulk peer: reads an 8-byte length, then that many bytes, then
/// answers one byte; until the client closes.
fn sink<S: Read + Write>(mut s: S) {
    let mut buf = vec![0u8; CHUNK];
    loop {
        let mut header = [0u8; 8];
        if s.read_exact(&mut header).is_err() {
            return;
        }
        let mut left = u64::from_le_bytes(header);
        while left > 0 {
            let want = left.min(CHUNK as u64) as usize;
            match s.read(&mut buf[..want]) {
                Ok(0) | Err(_) => return,
                Ok(n) => left -= n as u64,
            }
        }
        if s.write_all(b"k").is_err() {
            return;
        }
    }
}

/// Sends `n` chunks of 64 KiB and waits for the peer to have them all.
fn bulk<S: Read + Write>(mut s: S, chunk: &[u8], n: u64) {
    s.write_all(&(n * chunk.len() as u64).to_le_bytes())
        .expect("bulk header");
    for _ in 0..n {
        s.write_all(chunk).expect("bulk send");
    }
    let mut ack = [0u8; 1];
    s.read_exact(&mut ack).expect("bulk ack");
}

fn tcp_bulk(b: &mut Bench) {
    let case = "TCP loopback 64 KiB bulk (time per 64 KiB)";
    if !b.wants(case) {
        return;
    }
    let (oc, os) = tcp_pair();
    let (rc, rs) = tcp_pair();
    let (sc, ss) = tcp_pair();
    let ours = SocketHandle::from(oc);
    let ours_peer = SocketHandle::from(os);
    let raw = OwnedFd::from(rc);
    let raw_peer = OwnedFd::from(rs);
    let raw_fd = raw.as_raw_fd();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| i as u8).collect();
    let chunk = &chunk[..];
    thread::scope(|scope| {
        scope.spawn(move || sink(&ours_peer));
        scope.spawn(move || sink(RawIo(raw_peer.as_raw_fd())));
        scope.spawn(move || sink(&ss));
        b.compare(
            case,
            side("nativesockets send/recv", Target::Info, |n| {
                bulk(&ours, chunk, n)
            }),
            vec![
                side(
                    "std TcpStream write_all/read",
                    Target::ThroughputAtLeast(0.95),
                    |n| bulk(&sc, chunk, n),
                ),
                side("libc send/recv", Target::Info, |n| {
                    bulk(RawIo(raw_fd), chunk, n)
                }),
            ],
        );
        ours.shutdown(Shutdown::Write).unwrap();
        sc.shutdown(Shutdown::Write).unwrap();
        // SAFETY: shutdown on a descriptor this function owns.
        unsafe { libc::shutdown(raw_fd, libc::SHUT_WR) };
    });
}

fn udp_pair() -> (UdpSocket, UdpSocket, SocketAddr) {
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let client = UdpSocket::bind("127.0.0.1:0").expect("bind");
    for s in [&peer, &client] {
        s.set_read_timeout(Some(STALL)).unwrap();
    }
    let addr = peer.local_addr().unwrap();
    (client, peer, addr)
}

/// `recvfrom` into uninitialised storage and `sendto` back, as C does.
fn raw_recv_from(fd: RawFd, buf: &mut [u8]) -> (usize, libc::sockaddr_storage, libc::socklen_t) {
    let mut ss = MaybeUninit::<libc::sockaddr_storage>::uninit();
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: buffer, storage and length are valid for the kernel to write.
    let r = unsafe {
        libc::recvfrom(
            fd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            0,
            ss.as_mut_ptr().cast(),
            &mut len,
        )
    };
    assert!(r >= 0, "recvfrom: {}", io::Error::last_os_error());
    // SAFETY: the kernel wrote the sender's address (`len` bytes); only
    // those bytes are passed on.
    (r as usize, unsafe { ss.assume_init() }, len)
}

fn raw_send_to(fd: RawFd, buf: &[u8], ss: &libc::sockaddr_storage, len: libc::socklen_t) {
    // SAFETY: `buf` is readable; `ss` holds a `len`-byte address.
    let r = unsafe {
        libc::sendto(
            fd,
            buf.as_ptr().cast(),
            buf.len(),
            libc::MSG_NOSIGNAL,
            (ss as *const libc::sockaddr_storage).cast(),
            len,
        )
    };
    assert_eq!(
        r,
        buf.len() as isize,
        "sendto: {}",
        io::Error::last_os_error()
    );
}

fn udp_ping_pong(b: &mut Bench) {
    let case = "UDP loopback 64-byte ping-pong (round trip)";
    if !b.wants(case) {
        return;
    }
    let (oc, op, o_addr) = udp_pair();
    let (rc, rp, r_addr) = udp_pair();
    let (sc, sp, s_addr) = udp_pair();
    let ours = SocketHandle::from(oc);
    let ours_peer = SocketHandle::from(op);
    let ours_to = SockAddr::from(o_addr);
    let raw = OwnedFd::from(rc);
    let raw_peer = OwnedFd::from(rp);
    let raw_fd = raw.as_raw_fd();
    let raw_to = {
        // Built once with the crate, then used as the bytes C would hold.
        let a = SockAddr::from(r_addr);
        // SAFETY: an all-zero sockaddr_storage is valid; `a` fits in it.
        let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
        // SAFETY: copying `a.len()` bytes into storage that is larger.
        unsafe {
            std::ptr::copy_nonoverlapping(
                a.as_bytes().as_ptr(),
                (&mut ss as *mut libc::sockaddr_storage).cast::<u8>(),
                a.as_bytes().len(),
            )
        };
        (ss, a.len())
    };
    let msg = [7u8; 64];
    thread::scope(|scope| {
        scope.spawn(move || {
            let mut buf = [0u8; 128];
            while let Ok((n, from)) = ours_peer.recv_from(&mut buf) {
                if n == 0 || ours_peer.send_to(&buf[..n], &from).is_err() {
                    return;
                }
            }
        });
        scope.spawn(move || {
            let fd = raw_peer.as_raw_fd();
            let mut buf = [0u8; 128];
            loop {
                let (n, from, len) = raw_recv_from(fd, &mut buf);
                if n == 0 {
                    return;
                }
                raw_send_to(fd, &buf[..n], &from, len);
            }
        });
        scope.spawn(move || {
            let mut buf = [0u8; 128];
            while let Ok((n, from)) = sp.recv_from(&mut buf) {
                if n == 0 || sp.send_to(&buf[..n], from).is_err() {
                    return;
                }
            }
        });
        b.compare(
            case,
            side("nativesockets send_to/recv_from", Target::Info, |n| {
                let mut buf = [0u8; 128];
                for _ in 0..n {
                    assert_eq!(ours.send_to(&msg, &ours_to).expect("send_to"), 64);
                    let (k, from) = ours.recv_from(&mut buf).expect("recv_from");
                    assert_eq!(k, 64);
                    black_box(from);
                }
            }),
            vec![
                side(
                    "std UdpSocket send_to/recv_from",
                    Target::AtMost(1.05),
                    |n| {
                        let mut buf = [0u8; 128];
                        for _ in 0..n {
                            assert_eq!(sc.send_to(&msg, s_addr).expect("send_to"), 64);
                            let (k, from) = sc.recv_from(&mut buf).expect("recv_from");
                            assert_eq!(k, 64);
                            black_box(from);
                        }
                    },
                ),
                side("libc sendto/recvfrom", Target::Info, |n| {
                    let mut buf = [0u8; 128];
                    for _ in 0..n {
                        raw_send_to(raw_fd, &msg, &raw_to.0, raw_to.1);
                        let (k, from, _) = raw_recv_from(raw_fd, &mut buf);
                        assert_eq!(k, 64);
                        black_box(from);
                    }
                }),
            ],
        );
        // An empty datagram stops each peer.
        ours.send_to(&[], &ours_to).unwrap();
        sc.send_to(&[], s_addr).unwrap();
        raw_send_to(raw_fd, &[], &raw_to.0, raw_to.1);
    });
}
