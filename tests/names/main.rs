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
use std::path::PathBuf;
use std::thread;
use std::time::Duration;

use nativesockets::*;

/// A scratch directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("nativesockets-names-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn socket_addrs(list: &AddrInfoList) -> Vec<SocketAddr> {
    list.iter().filter_map(|ai| ai.socket_addr()).collect()
}

mod addrinfo;
mod hosts;
mod services;
mod threads;
