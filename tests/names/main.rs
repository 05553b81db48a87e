//! The name databases: `get_addr_info`, services (against the C library,
//! parsing, reloading), hosts and protocols, errors, threads.
//!
//! Host lookups use only `localhost`, this machine's host name (both in
//! /etc/hosts) and numeric addresses, plus one `.invalid` name in each of
//! two negative tests.
//!
//! One binary, a module a database: `addrinfo`, `services`, `hosts` (with
//! protocols) and `threads`; this file holds what they share.

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use nativesockets::*;

use nativesockets_testutil::files::TempDir;

fn socket_addrs(list: &AddrInfoList) -> Vec<SocketAddr> {
    list.iter().filter_map(|ai| ai.socket_addr()).collect()
}

mod addrinfo;
mod hosts;
mod services;
mod threads;
