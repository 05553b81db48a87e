//! No descriptor leaks: every path of the core functions, success and
//! error, run many times, leaves the number of open descriptors unchanged.
//!
//! This file holds a single test on purpose: tests in one binary run on
//! parallel threads, and any other test opening sockets would disturb the
//! count.

#![cfg(target_os = "linux")]

use std::net::{Ipv4Addr, SocketAddr};

use nativesockets::*;

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn exercise_core_paths() {
    let loopback = SockAddr::from(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    // Success paths.
    let l = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    bind_addr(&l, &loopback).unwrap();
    listen(&l, 4).unwrap();
    let c = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    c.connect(&l.local_addr().unwrap()).unwrap();
    let (a, _) = accept(&l).unwrap();
    let dup = a.try_clone().unwrap();
    get_local_addr(&a).unwrap();
    get_peer_addr(&a).unwrap();
    get_sock_domain(&a).unwrap();
    set_blocking(&a, false).unwrap();
    set_inheritable(&a, false).unwrap();
    close(dup).unwrap();
    drop(a);
    drop(c);
    let std_sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let h = SocketHandle::from(std_sock);
    let back = std::net::UdpSocket::from(h);
    drop(back);

    // Error paths.
    assert!(new_native_socket_raw(4242, 1, 0).is_err());
    assert!(new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Tcp).is_err());
    assert!(new_native_socket(Domain::Unspec, SockType::Stream, Protocol::Tcp).is_err());
    assert!(accept(&c_unlistened()).is_err());
    let busy = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    assert!(bind_addr(&busy, &l.local_addr().unwrap()).is_err());
    assert!(get_peer_addr(&busy).is_err());
    let refused = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    let closed_port = {
        let tmp = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
        tmp.bind_addr(&loopback).unwrap();
        tmp.local_addr().unwrap()
    };
    assert!(refused.connect(&closed_port).is_err());
    assert!(SockAddr::unix("x".repeat(500)).is_err());
    assert!(get_sock_opt_int(&busy, SOL_SOCKET, 0x7fff_0000).is_err());
}

fn c_unlistened() -> SocketHandle {
    new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap()
}

#[test]
fn core_paths_leave_no_descriptor_open() {
    // Warm up once so lazily opened descriptors (none expected) are counted.
    exercise_core_paths();
    let before = open_descriptors();
    for _ in 0..1000 {
        exercise_core_paths();
    }
    assert_eq!(open_descriptors(), before);
}
