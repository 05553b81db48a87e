//! Messages, vectors, batches and control data: vectored I/O, `pair`,
//! `send_file`, `send_msg` / `recv_msg` with typed control messages
//! (descriptors, credentials, packet info, TOS / traffic class, TTL / hop
//! limit, timestamps), truncation reports, bad input, and batches with
//! GSO / GRO. Loopback and temp-dir Unix sockets only; every wait is
//! bounded by a read timeout.
//!
//! One binary, a module a concern: `vectors` (vectored I/O, `pair`,
//! `send_file`), `descriptors` (and credentials), `control` (the other
//! control messages), `batches`, and `python` (Python 3 as the peer); this
//! file holds what they share.

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

/// One message received whole (data and control), without flags.
fn recv_one<'c>(s: &SocketHandle, buf: &mut [u8], control: &'c mut [u8]) -> RecvMsg<'c> {
    s.recv_msg(&mut [IoSliceMut::new(buf)], control, 0).unwrap()
}

mod batches;
mod control;
#[cfg(unix)]
mod descriptors;
#[cfg(target_os = "linux")]
mod python;
mod vectors;
