//! Batches, GSO / GRO and `send_file` on loopback: the crate's
//! `send_batch`, `recv_batch` and `send_file` against the raw calls
//! (`sendmmsg`, `sendmsg` with `UDP_SEGMENT`, `recvmmsg`, a `sendfile`
//! loop), quinn-udp's `UdpSocketState::send`, and std's one-call-a-
//! datagram (`send_to`, `recv_from`) or 64 KiB read/write loop.
//!
//! The send cases send to a socket nobody reads: once its buffer is full
//! the kernel drops what arrives, the same for every side, so a side's
//! time is its own calls and the kernel's sending path. The receive cases
//! refill the receiver with one raw `sendmmsg` (or GSO `sendmsg`) per
//! round, the same for every side, and then receive with the side's
//! calls: their ratios include that shared send and so understate the
//! difference between the receivers.

use std::fs::File;
use std::hint::black_box;
use std::io::{self, IoSliceMut, Read, Write};
use std::mem;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::os::raw::c_int;
use std::thread;
use std::time::Duration;

use nativesockets::{RecvMeta, SockAddr, SocketRef, Transmit};

use crate::harness::{side, Bench, Target};

const DGRAM: usize = 1200;
const BATCH: usize = 32;
const STALL: Duration = Duration::from_secs(20);

pub fn run(b: &mut Bench) {
    batch_send(b);
    gso_send(b);
    batch_recv(b);
    gro_recv(b);
    send_file(b);
}

fn udp(to: Option<SocketAddr>) -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.set_read_timeout(Some(STALL)).unwrap();
    if let Some(to) = to {
        s.connect(to).unwrap();
    }
    s
}

/// The bytes of a C `sockaddr` for `addr`, built once with the crate.
fn raw_addr(addr: &SockAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut ss: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let bytes = addr.as_bytes();
    // SAFETY: `bytes` (at most 128) fits in the storage.
    unsafe {
        std::ptr::copy_nonoverlapping(
            bytes.as_ptr(),
            (&mut ss as *mut libc::sockaddr_storage).cast::<u8>(),
            bytes.len(),
        )
    };
    (ss, addr.len())
}

/// A raw `sendmmsg` of `count` datagrams of `payload`, headers built once.
struct RawMmsg {
    iov: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
    addr: Box<(libc::sockaddr_storage, libc::socklen_t)>,
}

impl RawMmsg {
    fn new(payload: &[u8], count: usize, to: &SockAddr) -> RawMmsg {
        let addr = Box::new(raw_addr(to));
        let iov: Vec<libc::iovec> = (0..count)
            .map(|_| libc::iovec {
                iov_base: payload.as_ptr() as *mut libc::c_void,
                iov_len: payload.len(),
            })
            .collect();
        let mut m = RawMmsg {
            iov,
            // SAFETY: mmsghdr is plain data; zeros are valid.
            hdrs: vec![unsafe { mem::zeroed() }; count],
            addr,
        };
        for i in 0..count {
            let h = &mut m.hdrs[i].msg_hdr;
            h.msg_name = (&mut m.addr.0 as *mut libc::sockaddr_storage).cast();
            h.msg_namelen = m.addr.1;
            h.msg_iov = &mut m.iov[i];
            h.msg_iovlen = 1;
        }
        m
    }

    fn send(&mut self, fd: c_int) {
        let mut done = 0;
        while done < self.hdrs.len() {
            // SAFETY: the headers point at `iov`, `addr` and the payload,
            // all alive as long as `self` (and the payload the caller
            // keeps).
            let r = unsafe {
                libc::sendmmsg(
                    fd,
                    self.hdrs[done..].as_mut_ptr(),
                    (self.hdrs.len() - done) as _,
                    libc::MSG_NOSIGNAL,
                )
            };
            assert!(r > 0, "sendmmsg: {}", io::Error::last_os_error());
            done += r as usize;
        }
    }
}

/// A raw `sendmsg` of `payload` with a `UDP_SEGMENT` control message.
fn raw_gso_send(
    fd: c_int,
    payload: &[u8],
    seg: u16,
    to: &(libc::sockaddr_storage, libc::socklen_t),
) {
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr() as *mut libc::c_void,
        iov_len: payload.len(),
    };
    #[repr(C, align(8))]
    struct Control([u8; 64]);
    let mut control = Control([0; 64]);
    // SAFETY: arithmetic only.
    let space = unsafe { libc::CMSG_SPACE(mem::size_of::<u16>() as u32) } as usize;
    // SAFETY: msghdr is plain data; zeros are valid.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = (&to.0 as *const libc::sockaddr_storage) as *mut libc::c_void;
    msg.msg_namelen = to.1;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: the control buffer is aligned and holds CMSG_SPACE(2) bytes.
    unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::SOL_UDP;
        (*c).cmsg_type = libc::UDP_SEGMENT;
        (*c).cmsg_len = libc::CMSG_LEN(mem::size_of::<u16>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<u16>(), seg);
    }
    // SAFETY: `msg` points at live buffers.
    let r = unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) };
    assert_eq!(
        r,
        payload.len() as isize,
        "sendmsg UDP_SEGMENT: {}",
        io::Error::last_os_error()
    );
}

fn batch_send(b: &mut Bench) {
    let case = "UDP batch send 32 x 1,200 B (time per 32)";
    if !b.wants(case) {
        return;
    }
    let sink = udp(None);
    let to = sink.local_addr().unwrap();
    let dest = SockAddr::from(to);
    let tx = udp(None);
    let ours = SocketRef::from(&tx);
    let payload = vec![0x42u8; DGRAM];
    let transmits: Vec<Transmit<'_>> = (0..BATCH)
        .map(|_| Transmit::new(Some(&dest), &payload))
        .collect();
    let mut raw = RawMmsg::new(&payload, BATCH, &dest);
    let fd = tx.as_raw_fd();
    b.compare(
        case,
        side("nativesockets send_batch", Target::Info, |n| {
            for _ in 0..n {
                assert_eq!(ours.send_batch(&transmits).expect("send_batch"), BATCH);
            }
        }),
        vec![
            side("libc sendmmsg", Target::AtMost(1.05), |n| {
                for _ in 0..n {
                    raw.send(fd);
                }
            }),
            side("std UdpSocket send_to x 32", Target::Info, |n| {
                for _ in 0..n {
                    for _ in 0..BATCH {
                        tx.send_to(&payload, to).expect("send_to");
                    }
                }
            }),
        ],
    );
}

fn gso_send(b: &mut Bench) {
    let case = "UDP GSO send 32 x 1,200 B (time per 32 segments)";
    if !b.wants(case) {
        return;
    }
    let sink = udp(None);
    let to = sink.local_addr().unwrap();
    let dest = SockAddr::from(to);
    let tx = udp(None);
    let ours = SocketRef::from(&tx);
    if !nativesockets::segmentation_offload(&ours) {
        b.skip(case, "this kernel has no UDP_SEGMENT");
        return;
    }
    let payload = vec![0x17u8; DGRAM * BATCH];
    let transmit = [Transmit::new(Some(&dest), &payload).with_segment_size(DGRAM as u16)];
    let raw_to = raw_addr(&dest);
    let fd = tx.as_raw_fd();
    let quinn = quinn_udp::UdpSocketState::new((&tx).into()).expect("quinn-udp state");
    let quinn_transmit = quinn_udp::Transmit {
        destination: to,
        ecn: None,
        contents: &payload,
        segment_size: Some(DGRAM),
        src_ip: None,
    };
    b.compare(
        case,
        side("nativesockets send_batch (GSO)", Target::Info, |n| {
            for _ in 0..n {
                assert_eq!(ours.send_batch(&transmit).expect("send_batch"), 1);
            }
        }),
        vec![
            side("libc sendmsg UDP_SEGMENT", Target::AtMost(1.05), |n| {
                for _ in 0..n {
                    raw_gso_send(fd, &payload, DGRAM as u16, &raw_to);
                }
            }),
            side(
                "quinn-udp UdpSocketState::send",
                Target::AtMost(1.05),
                |n| {
                    for _ in 0..n {
                        quinn
                            .send((&tx).into(), &quinn_transmit)
                            .expect("quinn send");
                    }
                },
            ),
            side("std UdpSocket send_to x 32", Target::Info, |n| {
                for _ in 0..n {
                    for chunk in payload.chunks(DGRAM) {
                        tx.send_to(chunk, to).expect("send_to");
                    }
                }
            }),
        ],
    );
}

/// A raw `recvmmsg` of up to `count` datagrams into `storage`.
struct RawRecv {
    storage: Vec<[u8; 2048]>,
    iov: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
    /// The senders' addresses, as a program that answers needs them.
    names: Vec<libc::sockaddr_storage>,
}

impl RawRecv {
    fn new(count: usize) -> RawRecv {
        let mut r = RawRecv {
            storage: vec![[0u8; 2048]; count],
            iov: Vec::with_capacity(count),
            // SAFETY: plain data; zeros are valid.
            hdrs: vec![unsafe { mem::zeroed() }; count],
            // SAFETY: plain data; zeros are valid.
            names: vec![unsafe { mem::zeroed() }; count],
        };
        for i in 0..count {
            r.iov.push(libc::iovec {
                iov_base: r.storage[i].as_mut_ptr().cast(),
                iov_len: 2048,
            });
        }
        for i in 0..count {
            r.hdrs[i].msg_hdr.msg_iov = &mut r.iov[i];
            r.hdrs[i].msg_hdr.msg_iovlen = 1;
            r.hdrs[i].msg_hdr.msg_name = (&mut r.names[i] as *mut libc::sockaddr_storage).cast();
        }
        r
    }

    fn recv(&mut self, fd: c_int, want: usize) {
        let mut got = 0;
        while got < want {
            for h in &mut self.hdrs {
                h.msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            }
            // SAFETY: the headers point at `iov`, `storage` and `names`,
            // owned by `self`.
            let r = unsafe {
                libc::recvmmsg(
                    fd,
                    self.hdrs.as_mut_ptr(),
                    (want - got) as _,
                    libc::MSG_WAITFORONE,
                    std::ptr::null_mut(),
                )
            };
            assert!(r > 0, "recvmmsg: {}", io::Error::last_os_error());
            got += r as usize;
        }
        black_box(&self.storage);
        black_box(&self.names);
    }
}

fn batch_recv(b: &mut Bench) {
    let case = "UDP batch receive 32 x 1,200 B (refill + receive, per 32)";
    if !b.wants(case) {
        return;
    }
    let rx = udp(None);
    let dest = SockAddr::from(rx.local_addr().unwrap());
    let tx = udp(None);
    let payload = vec![0x33u8; DGRAM];
    let mut refill = RawMmsg::new(&payload, BATCH, &dest);
    let mut refill2 = RawMmsg::new(&payload, BATCH, &dest);
    let mut refill3 = RawMmsg::new(&payload, BATCH, &dest);
    let txfd = tx.as_raw_fd();
    let rxfd = rx.as_raw_fd();
    let ours = SocketRef::from(&rx);
    let mut storage = vec![[0u8; 2048]; BATCH];
    let mut meta = vec![RecvMeta::default(); BATCH];
    let mut raw = RawRecv::new(BATCH);
    b.compare(
        case,
        side("nativesockets recv_batch", Target::Info, |n| {
            for _ in 0..n {
                refill.send(txfd);
                let mut got = 0;
                while got < BATCH {
                    let mut bufs: [IoSliceMut<'_>; BATCH] = {
                        let mut it = storage[got..].iter_mut();
                        std::array::from_fn(|_| match it.next() {
                            Some(b) => IoSliceMut::new(b),
                            None => IoSliceMut::new(&mut []),
                        })
                    };
                    got += ours
                        .recv_batch(&mut bufs[..BATCH - got], &mut meta[got..])
                        .expect("recv_batch");
                }
                black_box(&meta);
            }
        }),
        vec![
            side("libc recvmmsg", Target::AtMost(1.05), |n| {
                for _ in 0..n {
                    refill2.send(txfd);
                    raw.recv(rxfd, BATCH);
                }
            }),
            side("std UdpSocket recv_from x 32", Target::Info, |n| {
                let mut buf = [0u8; 2048];
                for _ in 0..n {
                    refill3.send(txfd);
                    for _ in 0..BATCH {
                        black_box(rx.recv_from(&mut buf).expect("recv_from"));
                    }
                }
            }),
        ],
    );
}

fn gro_recv(b: &mut Bench) {
    let case = "UDP GRO receive 32 x 1,200 B (GSO refill + receive, per 32)";
    if !b.wants(case) {
        return;
    }
    let rx_gro = udp(None);
    if SocketRef::from(&rx_gro).set_udp_gro(true).is_err() {
        b.skip(case, "this kernel has no UDP_GRO");
        return;
    }
    let rx_std = udp(None);
    let to_gro = raw_addr(&SockAddr::from(rx_gro.local_addr().unwrap()));
    let to_std = raw_addr(&SockAddr::from(rx_std.local_addr().unwrap()));
    let tx = udp(None);
    let txfd = tx.as_raw_fd();
    let payload = vec![0x44u8; DGRAM * BATCH];
    let ours = SocketRef::from(&rx_gro);
    let mut storage = vec![[0u8; 65_536]; 4];
    let mut meta = vec![RecvMeta::default(); 4];
    b.compare(
        case,
        side("nativesockets recv_batch (GRO)", Target::Info, |n| {
            for _ in 0..n {
                raw_gso_send(txfd, &payload, DGRAM as u16, &to_gro);
                let mut bytes = 0;
                while bytes < payload.len() {
                    let mut bufs: Vec<IoSliceMut<'_>> =
                        storage.iter_mut().map(|b| IoSliceMut::new(b)).collect();
                    let k = ours.recv_batch(&mut bufs, &mut meta).expect("recv_batch");
                    bytes += meta[..k].iter().map(|m| m.len).sum::<usize>();
                }
            }
        }),
        vec![side("std UdpSocket recv_from x 32", Target::Info, |n| {
            let mut buf = [0u8; 2048];
            for _ in 0..n {
                raw_gso_send(txfd, &payload, DGRAM as u16, &to_std);
                for _ in 0..BATCH {
                    black_box(rx_std.recv_from(&mut buf).expect("recv_from"));
                }
            }
        })],
    );
}

/// The file of the full run; the quick run (CI's, which never checks the
/// figures) sends 16 MiB so it stays short.
const FILE_SIZE: u64 = 256 << 20;
const QUICK_FILE_SIZE: u64 = 16 << 20;

/// A TCP sink: per transfer, an 8-byte length, that many bytes, then a
/// one-byte acknowledgement.
fn sink(mut s: TcpStream) {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let mut header = [0u8; 8];
        if s.read_exact(&mut header).is_err() {
            return;
        }
        let mut left = u64::from_le_bytes(header);
        while left > 0 {
            let n = match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            left -= n as u64;
        }
        if s.write_all(b"k").is_err() {
            return;
        }
    }
}

fn raw_sendfile_all(sock: c_int, file: c_int, len: u64) {
    let mut off: libc::off_t = 0;
    while (off as u64) < len {
        // SAFETY: `off` is a valid place to read and write.
        let r = unsafe { libc::sendfile(sock, file, &mut off, (len - off as u64) as usize) };
        assert!(r > 0, "sendfile: {}", io::Error::last_os_error());
    }
}

fn send_file(b: &mut Bench) {
    let file_size = if b.cfg.quick {
        QUICK_FILE_SIZE
    } else {
        FILE_SIZE
    };
    let case = format!(
        "send_file {} MiB to a loopback reader (per file)",
        file_size >> 20
    );
    let case = case.as_str();
    if !b.wants(case) {
        return;
    }
    let path = std::env::temp_dir().join(format!("nativesockets-bench-{}", std::process::id()));
    {
        let mut f = File::create(&path).expect("create the file");
        let block = vec![0x5au8; 1 << 20];
        for _ in 0..(file_size >> 20) {
            f.write_all(&block).expect("write the file");
        }
    }
    let file = File::open(&path).expect("open the file");
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(STALL)).unwrap();
    let (server, _) = l.accept().unwrap();
    let ours = SocketRef::from(&client);
    let sock_fd = client.as_raw_fd();
    let file_fd = file.as_raw_fd();
    let ack = |c: &TcpStream| {
        let mut k = [0u8; 1];
        (&*c).read_exact(&mut k).expect("ack");
    };
    thread::scope(|scope| {
        scope.spawn(move || sink(server));
        b.compare_in_batches_of(
            case,
            Duration::from_millis(if b.cfg.quick { 40 } else { 400 }),
            side("nativesockets send_file", Target::Info, |n| {
                for _ in 0..n {
                    ours.send(&file_size.to_le_bytes()).expect("header");
                    assert_eq!(
                        ours.send_file(&file, 0, None).expect("send_file") as u64,
                        file_size
                    );
                    ack(&client);
                }
            }),
            vec![
                side("libc sendfile loop", Target::AtMost(1.05), |n| {
                    for _ in 0..n {
                        (&client)
                            .write_all(&file_size.to_le_bytes())
                            .expect("header");
                        raw_sendfile_all(sock_fd, file_fd, file_size);
                        ack(&client);
                    }
                }),
                side("64 KiB read/write loop", Target::Info, |n| {
                    use std::os::unix::fs::FileExt;
                    let mut buf = vec![0u8; 64 * 1024];
                    for _ in 0..n {
                        (&client)
                            .write_all(&file_size.to_le_bytes())
                            .expect("header");
                        let mut off = 0u64;
                        while off < file_size {
                            let k = file.read_at(&mut buf, off).expect("read");
                            (&client).write_all(&buf[..k]).expect("write");
                            off += k as u64;
                        }
                        ack(&client);
                    }
                }),
            ],
        );
        client.shutdown(std::net::Shutdown::Both).unwrap();
    });
    let _ = std::fs::remove_file(&path);
}
