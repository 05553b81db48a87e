//! Unix: every `libc` call the crate makes, split by concern.
//!
//! `sys/windows/` exposes the same crate-private names, so the portable
//! modules call `sys::bind(...)` without a `cfg`. Each function is one
//! system call, except where the platform lacks a flag that makes the call
//! safe (Apple has no `SOCK_CLOEXEC`, `accept4` or `MSG_NOSIGNAL`).
//!
//! - this file: the OS's types, the constants the portable layer names,
//!   `syscall!`, handle conversions (the address types and families are
//!   shared with Windows, in `sys/addr_layout.rs`);
//! - `socket.rs`: creating, binding, connecting, sending, receiving,
//!   closing, modes;
//! - `options.rs`: `getsockopt`/`setsockopt` and the options whose value
//!   is a struct; `option_names.rs`: the option names beyond Nim's;
//!   `tcp_info.rs`: `TCP_INFO` and its platform twins;
//! - `message.rs`: `sendmsg`/`recvmsg`, their batches, the `CMSG_*`
//!   layout; `sendfile.rs`: `sendfile(2)`;
//! - `errqueue.rs`: `recvmsg(2)` with `MSG_ERRQUEUE`, the
//!   `sock_extended_err` payload, `SO_ZEROCOPY` and `SO_TIMESTAMPING`
//!   (Linux; `Unsupported` and `None` elsewhere);
//! - `select.rs`: the `poll(2)` set behind `select`;
//! - `netdb.rs`: `getaddrinfo`, its errors, the host name, the services
//!   file's path and a coarse clock;
//! - `hosts.rs`: host and protocol lookups;
//! - `interface.rs`: interface names and indexes (IPv6 scopes);
//! - `selector/`: `Poller`'s `Selector`, one file per mechanism
//!   (`epoll.rs`, `kqueue.rs`, `poll.rs`; `build.rs` picks one), with
//!   `fd_table.rs` and `wake_pipe.rs`, which they share.

#![allow(non_camel_case_types)]

use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::raw::c_int;

/// Turns the C convention "returns -1 and sets errno" into `io::Result`.
macro_rules! syscall {
    ($fn: ident ( $($arg: expr),* $(,)* ) ) => {{
        #[allow(unused_unsafe)]
        // SAFETY: each call site passes arguments that satisfy `$fn`'s
        // contract; the macro only checks the result.
        let res = unsafe { libc::$fn($($arg, )*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

mod errqueue;
mod hosts;
mod interface;
mod message;
mod netdb;
mod option_names;
mod options;
mod ring;
mod select;
mod selector;
mod sendfile;
mod socket;
mod splice;
mod tcp_info;

pub(crate) use self::errqueue::*;
pub(crate) use self::hosts::*;
pub(crate) use self::interface::*;
pub(crate) use self::message::*;
pub(crate) use self::netdb::*;
pub(crate) use self::option_names::*;
#[cfg(linux_like)]
pub use self::options::SockFilter;
pub(crate) use self::options::*;
pub(crate) use self::ring::*;
pub(crate) use self::select::*;
pub(crate) use self::selector::{Selector, SysEvent, EDGE_MODE};
pub(crate) use self::sendfile::*;
pub(crate) use self::socket::*;
pub(crate) use self::splice::*;
#[cfg(tcp_info)]
pub(crate) use self::tcp_info::*;

// The address types, families and layouts are shared with Windows; the
// files here name them as this folder's own (`super::socklen_t`).
use crate::sys::addr_layout::*;

/// The OS's socket handle: a file descriptor.
pub(crate) type Socket = RawFd;
/// What `SocketRef::from` accepts and `select` waits on.
pub(crate) use std::os::fd::AsFd as AsSocket;

pub(crate) const INVALID_SOCKET: Socket = -1;

pub(crate) const SOCK_STREAM: c_int = libc::SOCK_STREAM;
pub(crate) const SOCK_DGRAM: c_int = libc::SOCK_DGRAM;
pub(crate) const SOCK_RAW: c_int = libc::SOCK_RAW;
pub(crate) const SOCK_SEQPACKET: c_int = libc::SOCK_SEQPACKET;

pub(crate) const IPPROTO_IP: c_int = libc::IPPROTO_IP;
pub(crate) const IPPROTO_IPV6: c_int = libc::IPPROTO_IPV6;
pub(crate) const IPPROTO_TCP: c_int = libc::IPPROTO_TCP;
pub(crate) const IPPROTO_UDP: c_int = libc::IPPROTO_UDP;
pub(crate) const IPPROTO_RAW: c_int = libc::IPPROTO_RAW;
pub(crate) const IPPROTO_ICMP: c_int = libc::IPPROTO_ICMP;
pub(crate) const IPPROTO_ICMPV6: c_int = libc::IPPROTO_ICMPV6;

pub(crate) const SOMAXCONN: c_int = libc::SOMAXCONN;

pub(crate) const SOL_SOCKET: c_int = libc::SOL_SOCKET;
pub(crate) const SO_REUSEADDR: c_int = libc::SO_REUSEADDR;
pub(crate) const SO_REUSEPORT: c_int = libc::SO_REUSEPORT;
pub(crate) const SO_KEEPALIVE: c_int = libc::SO_KEEPALIVE;
pub(crate) const SO_BROADCAST: c_int = libc::SO_BROADCAST;
pub(crate) const SO_RCVBUF: c_int = libc::SO_RCVBUF;
pub(crate) const SO_SNDBUF: c_int = libc::SO_SNDBUF;
pub(crate) const SO_RCVLOWAT: c_int = libc::SO_RCVLOWAT;
pub(crate) const SO_SNDLOWAT: c_int = libc::SO_SNDLOWAT;
pub(crate) const SO_ERROR: c_int = libc::SO_ERROR;
pub(crate) const SO_TYPE: c_int = libc::SO_TYPE;
pub(crate) const SO_ACCEPTCONN: c_int = libc::SO_ACCEPTCONN;
pub(crate) const SO_LINGER: c_int = libc::SO_LINGER;
pub(crate) const SO_RCVTIMEO: c_int = libc::SO_RCVTIMEO;
pub(crate) const SO_SNDTIMEO: c_int = libc::SO_SNDTIMEO;
pub(crate) const SO_DONTROUTE: c_int = libc::SO_DONTROUTE;
pub(crate) const SO_OOBINLINE: c_int = libc::SO_OOBINLINE;
pub(crate) const TCP_NODELAY: c_int = libc::TCP_NODELAY;
pub(crate) const IP_TTL: c_int = libc::IP_TTL;
pub(crate) const IP_TOS: c_int = libc::IP_TOS;
pub(crate) const IP_MULTICAST_TTL: c_int = libc::IP_MULTICAST_TTL;
pub(crate) const IP_MULTICAST_LOOP: c_int = libc::IP_MULTICAST_LOOP;
pub(crate) const IPV6_V6ONLY: c_int = libc::IPV6_V6ONLY;
pub(crate) const IPV6_UNICAST_HOPS: c_int = libc::IPV6_UNICAST_HOPS;
pub(crate) const IPV6_MULTICAST_HOPS: c_int = libc::IPV6_MULTICAST_HOPS;
pub(crate) const IPV6_MULTICAST_LOOP: c_int = libc::IPV6_MULTICAST_LOOP;

pub(crate) const MSG_PEEK: c_int = libc::MSG_PEEK;
pub(crate) const MSG_OOB: c_int = libc::MSG_OOB;
pub(crate) const MSG_WAITALL: c_int = libc::MSG_WAITALL;

pub(crate) const SHUT_RD: c_int = libc::SHUT_RD;
pub(crate) const SHUT_WR: c_int = libc::SHUT_WR;
pub(crate) const SHUT_RDWR: c_int = libc::SHUT_RDWR;

/// Nothing to initialise on Unix (Windows starts Winsock here).
#[inline]
pub(crate) fn init() {}

/// The descriptor of anything that lends one.
#[inline]
pub(crate) fn raw_of<T: AsFd + ?Sized>(s: &T) -> Socket {
    s.as_fd().as_raw_fd()
}

/// Takes a std socket's descriptor.
pub(crate) fn into_raw<T: std::os::fd::IntoRawFd>(s: T) -> Socket {
    s.into_raw_fd()
}

/// Wraps a descriptor in a std type.
///
/// # Safety
/// `s` must be an open socket owned by the caller.
pub(crate) unsafe fn from_raw<T: std::os::fd::FromRawFd>(s: Socket) -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { T::from_raw_fd(s) }
}
