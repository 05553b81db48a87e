//! The error queue on loopback: the crate's `recv_error_queue` (one
//! `recvmsg(MSG_ERRQUEUE)` and the typed entry) against a raw
//! `recvmsg(MSG_ERRQUEUE)` and the hand parsing a program would write
//! (`CMSG_FIRSTHDR` / `CMSG_NXTHDR`, the `sock_extended_err` and the
//! `scm_timestamping` read in place).
//!
//! Each operation sends one UDP datagram with a raw `send` (the same for
//! both sides) on a socket with transmit software timestamps (`OPT_ID`,
//! `OPT_TSONLY`) and reads the one entry it queues, so the queue never
//! fills; the shared send is in both times, which the ratio therefore
//! understates. The second case parses a captured control area only: the
//! part that differs, without the system calls.

use std::hint::black_box;
use std::mem;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::Duration;

use nativesockets::{ErrorQueueEntry, SocketRef, Timestamping, ERROR_QUEUE_CONTROL_SPACE};

use crate::harness::{side, Bench, Target};

pub fn run(b: &mut Bench) {
    read_entries(b);
    parse_only(b);
}

/// A sender connected to a receiver nobody reads, with TX timestamps on.
fn stamped_sender() -> Option<(UdpSocket, UdpSocket)> {
    let rx = UdpSocket::bind("127.0.0.1:0").ok()?;
    let tx = UdpSocket::bind("127.0.0.1:0").ok()?;
    tx.connect(rx.local_addr().ok()?).ok()?;
    SocketRef::from(&tx)
        .set_timestamping(
            Timestamping::TX_SOFTWARE
                | Timestamping::SOFTWARE
                | Timestamping::OPT_ID
                | Timestamping::OPT_TSONLY,
        )
        .ok()?;
    Some((tx, rx))
}

fn raw_send(fd: i32) {
    // SAFETY: a one-byte buffer valid for the call.
    let n = unsafe { libc::send(fd, b"t".as_ptr().cast(), 1, 0) };
    assert_eq!(n, 1, "send: {}", std::io::Error::last_os_error());
}

/// What a program would pull out of an entry by hand: the `OPT_ID` key
/// and the software time, as seconds and nanoseconds.
fn hand_parse(control: &[u8], controllen: usize) -> (u32, i64, i64) {
    // SAFETY: a msghdr over `control` only, for the CMSG_* macros, which
    // read within msg_controllen.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_control = control.as_ptr() as *mut libc::c_void;
    msg.msg_controllen = controllen as _;
    let (mut id, mut secs, mut nanos) = (0, 0, 0);
    // SAFETY: the macros walk the area the kernel filled.
    let mut c = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !c.is_null() {
        // SAFETY: `c` points at a header inside the area.
        let h = unsafe { &*c };
        // SAFETY: CMSG_DATA of that header; the reads are unaligned and
        // within its cmsg_len, as the kernel wrote it.
        let data = unsafe { libc::CMSG_DATA(c) };
        if h.cmsg_level == libc::SOL_SOCKET && h.cmsg_type == libc::SCM_TIMESTAMPING {
            // SAFETY: an SCM_TIMESTAMPING payload is three timespecs, read
            // unaligned from inside the header's cmsg_len.
            let ts: [libc::timespec; 3] = unsafe { std::ptr::read_unaligned(data.cast()) };
            secs = ts[0].tv_sec;
            nanos = ts[0].tv_nsec;
        } else if h.cmsg_level == libc::SOL_IP && h.cmsg_type == libc::IP_RECVERR {
            // SAFETY: an IP_RECVERR payload starts with a sock_extended_err,
            // read unaligned from inside the header's cmsg_len.
            let ee: libc::sock_extended_err = unsafe { std::ptr::read_unaligned(data.cast()) };
            if ee.ee_origin == libc::SO_EE_ORIGIN_TIMESTAMPING {
                id = ee.ee_data;
            }
        }
        // SAFETY: the next header, or null past the end.
        c = unsafe { libc::CMSG_NXTHDR(&msg, c) };
    }
    (id, secs, nanos)
}

/// One raw `recvmsg(MSG_ERRQUEUE)`: the control length it filled.
fn raw_recv(fd: i32, data: &mut [u8], control: &mut [u8]) -> usize {
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    // SAFETY: a msghdr over buffers valid for the call.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = control.len() as _;
    loop {
        // SAFETY: as above.
        let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_ERRQUEUE) };
        if n >= 0 {
            return msg.msg_controllen as usize;
        }
        // The stamp is queued by the driver's transmit, a moment after
        // send returns on another core's softirq at worst.
        assert_eq!(
            std::io::Error::last_os_error().raw_os_error(),
            Some(libc::EAGAIN)
        );
        std::thread::sleep(Duration::from_micros(1));
    }
}

fn read_entries(b: &mut Bench) {
    let case = "error queue: send + read a TX timestamp entry";
    if !b.wants(case) {
        return;
    }
    let (Some((tx_ours, _rx1)), Some((tx_raw, _rx2))) = (stamped_sender(), stamped_sender()) else {
        b.skip(case, "SO_TIMESTAMPING refused");
        return;
    };
    let ours = SocketRef::from(&tx_ours);
    let (fd_ours, fd_raw) = (tx_ours.as_raw_fd(), tx_raw.as_raw_fd());
    let mut data = [0u8; 64];
    let mut control = [0u8; ERROR_QUEUE_CONTROL_SPACE];
    let mut raw_data = [0u8; 64];
    let mut raw_control = [0u8; ERROR_QUEUE_CONTROL_SPACE];
    b.compare(
        case,
        side("nativesockets recv_error_queue", Target::Info, |n| {
            for _ in 0..n {
                raw_send(fd_ours);
                let entry = loop {
                    match ours.recv_error_queue(&mut data, &mut control) {
                        Ok(m) => break m.entry(),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_micros(1));
                        }
                        Err(e) => panic!("recv_error_queue: {e}"),
                    }
                };
                match entry {
                    ErrorQueueEntry::Timestamp(t) => {
                        black_box((t.id, t.software));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }),
        vec![side(
            "raw recvmsg(MSG_ERRQUEUE) + hand parsing",
            Target::AtMost(1.05),
            |n| {
                for _ in 0..n {
                    raw_send(fd_raw);
                    let len = raw_recv(fd_raw, &mut raw_data, &mut raw_control);
                    black_box(hand_parse(&raw_control, len));
                }
            },
        )],
    );
}

fn parse_only(b: &mut Bench) {
    let case = "error queue: parse a TX timestamp entry's control area";
    if !b.wants(case) {
        return;
    }
    let Some((tx, _rx)) = stamped_sender() else {
        b.skip(case, "SO_TIMESTAMPING refused");
        return;
    };
    raw_send(tx.as_raw_fd());
    let mut data = [0u8; 64];
    let mut control = vec![0u8; ERROR_QUEUE_CONTROL_SPACE];
    let len = raw_recv(tx.as_raw_fd(), &mut data, &mut control);
    control.truncate(len);
    b.compare(
        case,
        side("nativesockets ErrorQueueEntry::parse", Target::Info, |n| {
            for _ in 0..n {
                match ErrorQueueEntry::parse(black_box(&control)) {
                    ErrorQueueEntry::Timestamp(t) => {
                        black_box((t.id, t.software));
                    }
                    other => panic!("{other:?}"),
                }
            }
        }),
        vec![side("hand parsing (CMSG_* macros)", Target::Info, |n| {
            for _ in 0..n {
                black_box(hand_parse(black_box(&control), len));
            }
        })],
    );
}
