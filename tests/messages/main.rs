//! Messages, vectors, batches and control data: vectored I/O, `pair`,
//! `send_file`, `send_msg` / `recv_msg` with typed control messages
//! (descriptors, credentials, packet info, TOS / traffic class, TTL / hop
//! limit, timestamps), truncation reports, bad input, and batches with
//! GSO / GRO. Loopback and temp-dir Unix sockets only; every wait is
//! bounded by a read timeout.
//!
//! One binary, a module a concern: `vectors` (vectored I/O, `pair`,
//! `send_file`), `descriptors` (and credentials), `control` (the other
//! control messages), and `batches`; this file holds what they
//! share. Python 3 as the peer of these calls is in tests/peer_python/.

use std::io::{ErrorKind, IoSlice, IoSliceMut, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use nativesockets::*;
use nativesockets_testutil::files::temp_file;
use nativesockets_testutil::process::qemu_gap;

#[path = "../common/mod.rs"]
mod common;
use common::{recv_one, udp_v4, WAIT};

fn v4(ip: [u8; 4], port: u16) -> SockAddr {
    SockAddr::from(SocketAddr::from((ip, port)))
}

fn udp_v6() -> SocketHandle {
    let s = new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap();
    s.bind_addr(&SockAddr::from(SocketAddr::from((Ipv6Addr::LOCALHOST, 0))))
        .unwrap();
    s.set_read_timeout(WAIT).unwrap();
    s
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

mod batches;
mod control;
#[cfg(unix)]
mod descriptors;
mod vectors;
