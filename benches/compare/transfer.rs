//! Data on loopback: TCP 1-byte ping-pong, TCP 64 KiB bulk transfer, UDP
//! 64-byte ping-pong.
//!
//! All sides of a case use the SAME client socket, seen as the crate's
//! handle (a `SocketRef`), as a std socket and as a raw descriptor, so the
//! only difference between them is the calls. Separate connections per
//! side were tried first: one TCP connection can run 10 to 40% slower than
//! another for its whole life (its buffers and window settle differently),
//! which swamped the few percent being measured. One peer thread answers
//! with raw libc calls, the same for every side. The harness takes turns
//! between the sides batch by batch.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::mem::{self, MaybeUninit};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::raw::c_int;
use std::thread;
use std::time::Duration;

use nativesockets::{SockAddr, SocketRef};

use crate::harness::{side, Bench, Target};

/// No wait in this benchmark should come near this; it only turns a lost
/// peer into an error instead of a hang.
const STALL: Duration = Duration::from_secs(20);

pub fn run(b: &mut Bench) {
    tcp_ping_pong(b);
    tcp_bulk(b);
    udp_ping_pong(b);
}

/// A connected loopback TCP pair (client, server end), both with
/// `TCP_NODELAY`, the client with a read timeout.
fn tcp_pair() -> (TcpStream, OwnedFd) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let c = TcpStream::connect(l.local_addr().unwrap()).expect("connect");
    let (s, _) = l.accept().expect("accept");
    c.set_nodelay(true).unwrap();
    s.set_nodelay(true).unwrap();
    c.set_read_timeout(Some(STALL)).unwrap();
    (c, OwnedFd::from(s))
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

/// What the shared peer does with what a client sends.
#[derive(Clone, Copy)]
enum Serve {
    /// TCP: send back every byte.
    Echo,
    /// TCP: read an 8-byte length, then that many bytes, then answer one
    /// byte.
    Sink,
    /// UDP: send each datagram back to its sender; an empty one ends.
    Datagram,
}

/// Per connection of the sink: header bytes seen, and bytes still due.
#[derive(Default, Clone, Copy)]
struct SinkState {
    header: [u8; 8],
    have: usize,
    left: u64,
}

/// The peer thread: serves `fds` (one per case today; the loop serves any
/// number) until every client has closed (TCP end of
/// stream, or an empty datagram), or an error or a stall ends it.
fn serve(fds: Vec<RawFd>, how: Serve) {
    let mut polls: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let mut sinks = vec![SinkState::default(); fds.len()];
    let mut buf = vec![0u8; 64 * 1024];
    while polls.iter().any(|p| p.fd >= 0) {
        // SAFETY: the array is valid for its length; negative descriptors
        // (finished connections) are skipped by poll.
        let n = unsafe {
            libc::poll(
                polls.as_mut_ptr(),
                polls.len() as libc::nfds_t,
                STALL.as_millis() as c_int,
            )
        };
        if n <= 0 {
            return;
        }
        for (p, sink) in polls.iter_mut().zip(sinks.iter_mut()) {
            if p.fd < 0 || p.revents == 0 {
                continue;
            }
            if !serve_one(p.fd, how, sink, &mut buf) {
                p.fd = -1;
            }
        }
    }
}

/// Handles one readable descriptor; false when its client is done.
fn serve_one(fd: RawFd, how: Serve, sink: &mut SinkState, buf: &mut [u8]) -> bool {
    match how {
        Serve::Echo => match RawIo(fd).read(&mut buf[..64]) {
            Ok(0) | Err(_) => false,
            Ok(n) => RawIo(fd).write_all(&buf[..n]).is_ok(),
        },
        Serve::Sink => {
            let n = match RawIo(fd).read(buf) {
                Ok(0) | Err(_) => return false,
                Ok(n) => n,
            };
            let mut data = &buf[..n];
            while !data.is_empty() {
                if sink.have < 8 {
                    let take = (8 - sink.have).min(data.len());
                    sink.header[sink.have..sink.have + take].copy_from_slice(&data[..take]);
                    sink.have += take;
                    data = &data[take..];
                    if sink.have == 8 {
                        sink.left = u64::from_le_bytes(sink.header);
                    }
                } else {
                    let take = (sink.left.min(data.len() as u64)) as usize;
                    sink.left -= take as u64;
                    data = &data[take..];
                }
                if sink.have == 8 && sink.left == 0 {
                    *sink = SinkState::default();
                    if RawIo(fd).write_all(b"k").is_err() {
                        return false;
                    }
                }
            }
            true
        }
        Serve::Datagram => {
            let (n, from, len) = raw_recv_from(fd, buf);
            if n == 0 {
                return false;
            }
            raw_send_to(fd, &buf[..n], &from, len);
            true
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
    let (client, far) = tcp_pair();
    let far_fd = far.as_raw_fd();
    let ours = SocketRef::from(&client);
    let raw_fd = client.as_raw_fd();
    thread::scope(|scope| {
        scope.spawn(move || serve(vec![far_fd], Serve::Echo));
        b.compare(
            case,
            side("nativesockets send/recv", Target::Info, |n| ping(&*ours, n)),
            vec![
                side("libc send/recv", Target::AtMost(1.05), |n| {
                    ping(RawIo(raw_fd), n)
                }),
                side("std TcpStream write/read", Target::AtMost(1.05), |n| {
                    ping(&client, n)
                }),
            ],
        );
        // End of stream stops the peer.
        client.shutdown(Shutdown::Write).unwrap();
    });
    drop(far);
}

const CHUNK: usize = 64 * 1024;

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
    let (client, far) = tcp_pair();
    let far_fd = far.as_raw_fd();
    let ours = SocketRef::from(&client);
    let raw_fd = client.as_raw_fd();
    let chunk: Vec<u8> = (0..CHUNK).map(|i| i as u8).collect();
    let chunk = &chunk[..];
    thread::scope(|scope| {
        scope.spawn(move || serve(vec![far_fd], Serve::Sink));
        // Each batch ends with a round trip for the acknowledgement: longer
        // batches (about a hundred chunks) make it a small part.
        b.compare_in_batches_of(
            case,
            Duration::from_millis(2),
            side("nativesockets send/recv", Target::Info, |n| {
                bulk(&*ours, chunk, n)
            }),
            vec![
                side(
                    "std TcpStream write_all/read",
                    Target::ThroughputAtLeast(0.95),
                    |n| bulk(&client, chunk, n),
                ),
                side("libc send/recv", Target::Info, |n| {
                    bulk(RawIo(raw_fd), chunk, n)
                }),
            ],
        );
        client.shutdown(Shutdown::Write).unwrap();
    });
    drop(far);
}

fn udp_pair() -> (UdpSocket, UdpSocket, SocketAddr) {
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let client = UdpSocket::bind("127.0.0.1:0").expect("bind");
    client.set_read_timeout(Some(STALL)).unwrap();
    let addr = peer.local_addr().unwrap();
    (client, peer, addr)
}

/// `recvfrom` into uninitialised storage, as C does.
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

/// `sendto` with `MSG_NOSIGNAL`, as C does.
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
    let (client, far, to) = udp_pair();
    let far_fd = far.as_raw_fd();
    let ours = SocketRef::from(&client);
    let ours_to = SockAddr::from(to);
    let raw_fd = client.as_raw_fd();
    let raw_to = {
        // Built once with the crate, then used as the bytes C would hold.
        // SAFETY: an all-zero sockaddr_storage is valid.
        let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
        let bytes = ours_to.as_bytes();
        // SAFETY: `bytes` (at most 128) fits in the storage.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                (&mut ss as *mut libc::sockaddr_storage).cast::<u8>(),
                bytes.len(),
            )
        };
        (ss, ours_to.len())
    };
    let msg = [7u8; 64];
    thread::scope(|scope| {
        scope.spawn(move || serve(vec![far_fd], Serve::Datagram));
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
                            assert_eq!(client.send_to(&msg, to).expect("send_to"), 64);
                            let (k, from) = client.recv_from(&mut buf).expect("recv_from");
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
        // An empty datagram stops the peer.
        client.send_to(&[], to).unwrap();
    });
    drop(far);
}
