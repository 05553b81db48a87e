//! Windows: every `windows-sys` (Winsock and kernel32) call the crate
//! makes, split by concern as `sys/unix/` is, with the same crate-private
//! names, so the portable modules call `sys::bind(...)` without a `cfg`.
//! Each function is one Winsock call, except where Windows lacks a flag
//! that makes the call do what the Unix one does (`accept` has no "not
//! inherited" flag).
//!
//! The files are `sys/unix/`'s (see the list there), except that
//! `SIO_TCP_INFO` is in `options.rs` and `TransmitFile` in `message.rs`,
//! and that `selector/` holds one backend, AFD polling on a completion
//! port (`afd.rs` under `iocp.rs`); `hosts.rs` and `option_names.rs` as
//! there.
//!
//! Winsock must be started (`WSAStartup`) before its first call in a
//! process. The crate does that itself in [`init`], once and thread-safely;
//! every entry point that can be a process's first Winsock call (socket
//! creation, the lookups, readiness waits) goes through it. Functions that
//! take an existing socket need no start: the socket could not exist
//! without one.
//!
//! Errors are built from `WSAGetLastError()`, so `io::ErrorKind` is std's
//! mapping of the `WSAE*` code and `raw_os_error()` gives the code itself.

#![allow(non_camel_case_types)]

use std::io;
use std::mem::MaybeUninit;
use std::os::raw::c_int;
use std::os::windows::io::{AsRawSocket, FromRawSocket, IntoRawSocket};
use std::sync::Once;

use windows_sys::Win32::Networking::WinSock::{self as ws, WSADATA};

/// Turns Winsock's "returns `SOCKET_ERROR` (or the given sentinel) and sets
/// the thread's last error" into `io::Result`.
macro_rules! syscall {
    ($fn: ident ( $($arg: expr),* $(,)* ) ) => {
        syscall!($fn($($arg),*), windows_sys::Win32::Networking::WinSock::SOCKET_ERROR)
    };
    ($fn: ident ( $($arg: expr),* $(,)* ), $err: expr ) => {{
        #[allow(unused_unsafe)]
        // SAFETY: each call site passes arguments that satisfy `$fn`'s
        // contract; the macro only checks the result.
        let res = unsafe { windows_sys::Win32::Networking::WinSock::$fn($($arg, )*) };
        if res == $err {
            Err($crate::sys::last_error())
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
mod pair;
mod ring;
mod select;
mod selector;
mod socket;
mod splice;

pub(crate) use self::errqueue::*;
pub(crate) use self::hosts::*;
pub(crate) use self::interface::*;
pub(crate) use self::message::*;
pub(crate) use self::netdb::*;
pub(crate) use self::option_names::*;
pub(crate) use self::options::*;
pub(crate) use self::pair::*;
pub(crate) use self::ring::*;
pub(crate) use self::select::*;
pub(crate) use self::selector::{Selector, SysEvent, EDGE_MODE};
pub(crate) use self::socket::*;
pub(crate) use self::splice::*;

// The address types, families and layouts are shared with Unix; the
// files here name them as this folder's own (`super::socklen_t`).
use crate::sys::addr_layout::*;

/// The OS's socket handle: Winsock's `SOCKET` (a `UINT_PTR`).
pub(crate) type Socket = ws::SOCKET;
/// What `SocketRef::from` accepts and `select` waits on.
pub(crate) use std::os::windows::io::AsSocket;

pub(crate) const INVALID_SOCKET: Socket = ws::INVALID_SOCKET;

pub(crate) const SOCK_STREAM: c_int = ws::SOCK_STREAM;
pub(crate) const SOCK_DGRAM: c_int = ws::SOCK_DGRAM;
pub(crate) const SOCK_RAW: c_int = ws::SOCK_RAW;
pub(crate) const SOCK_SEQPACKET: c_int = ws::SOCK_SEQPACKET;

pub(crate) const IPPROTO_IP: c_int = ws::IPPROTO_IP;
pub(crate) const IPPROTO_IPV6: c_int = ws::IPPROTO_IPV6;
pub(crate) const IPPROTO_TCP: c_int = ws::IPPROTO_TCP;
pub(crate) const IPPROTO_UDP: c_int = ws::IPPROTO_UDP;
pub(crate) const IPPROTO_RAW: c_int = ws::IPPROTO_RAW;
pub(crate) const IPPROTO_ICMP: c_int = ws::IPPROTO_ICMP;
pub(crate) const IPPROTO_ICMPV6: c_int = ws::IPPROTO_ICMPV6;

/// Winsock 2's `SOMAXCONN` (`winsock2.h`): "the provider's maximum". The
/// `5` that `windows-sys` carries is Winsock 1's value from `winsock.h`.
pub(crate) const SOMAXCONN: c_int = 0x7fff_ffff;

pub(crate) const SOL_SOCKET: c_int = ws::SOL_SOCKET;
pub(crate) const SO_REUSEADDR: c_int = ws::SO_REUSEADDR;
pub(crate) const SO_EXCLUSIVEADDRUSE: c_int = ws::SO_EXCLUSIVEADDRUSE;
pub(crate) const SO_KEEPALIVE: c_int = ws::SO_KEEPALIVE;
pub(crate) const SO_BROADCAST: c_int = ws::SO_BROADCAST;
pub(crate) const SO_RCVBUF: c_int = ws::SO_RCVBUF;
pub(crate) const SO_SNDBUF: c_int = ws::SO_SNDBUF;
pub(crate) const SO_RCVLOWAT: c_int = ws::SO_RCVLOWAT;
pub(crate) const SO_SNDLOWAT: c_int = ws::SO_SNDLOWAT;
pub(crate) const SO_ERROR: c_int = ws::SO_ERROR;
pub(crate) const SO_TYPE: c_int = ws::SO_TYPE;
pub(crate) const SO_ACCEPTCONN: c_int = ws::SO_ACCEPTCONN;
pub(crate) const SO_LINGER: c_int = ws::SO_LINGER;
pub(crate) const SO_RCVTIMEO: c_int = ws::SO_RCVTIMEO;
pub(crate) const SO_SNDTIMEO: c_int = ws::SO_SNDTIMEO;
pub(crate) const SO_DONTROUTE: c_int = ws::SO_DONTROUTE;
pub(crate) const SO_OOBINLINE: c_int = ws::SO_OOBINLINE;
pub(crate) const TCP_NODELAY: c_int = ws::TCP_NODELAY;
pub(crate) const IP_TTL: c_int = ws::IP_TTL;
pub(crate) const IP_TOS: c_int = ws::IP_TOS;
pub(crate) const IP_MULTICAST_TTL: c_int = ws::IP_MULTICAST_TTL;
pub(crate) const IP_MULTICAST_LOOP: c_int = ws::IP_MULTICAST_LOOP;
pub(crate) const IPV6_V6ONLY: c_int = ws::IPV6_V6ONLY;
pub(crate) const IPV6_UNICAST_HOPS: c_int = ws::IPV6_UNICAST_HOPS;
pub(crate) const IPV6_MULTICAST_HOPS: c_int = ws::IPV6_MULTICAST_HOPS;
pub(crate) const IPV6_MULTICAST_LOOP: c_int = ws::IPV6_MULTICAST_LOOP;

pub(crate) const MSG_PEEK: c_int = ws::MSG_PEEK;
pub(crate) const MSG_OOB: c_int = ws::MSG_OOB;
pub(crate) const MSG_WAITALL: c_int = ws::MSG_WAITALL;

pub(crate) const SHUT_RD: c_int = ws::SD_RECEIVE;
pub(crate) const SHUT_WR: c_int = ws::SD_SEND;
pub(crate) const SHUT_RDWR: c_int = ws::SD_BOTH;

/// The error of the Winsock call that just failed on this thread.
pub(crate) fn last_error() -> io::Error {
    // SAFETY: WSAGetLastError has no preconditions; it reads a per-thread
    // value.
    io::Error::from_raw_os_error(unsafe { ws::WSAGetLastError() })
}

/// Starts Winsock 2.2 for this process, once, whichever thread gets here
/// first; the others wait until it is done. The start is never undone:
/// sockets may outlive any scope the crate could tie `WSACleanup` to, and
/// the process's exit cleans up.
///
/// A failed `WSAStartup` (only possible when the system's Winsock is
/// broken) is not a panic: the call that follows fails with
/// `WSANOTINITIALISED`, which names the problem.
pub(crate) fn init() {
    static START: Once = Once::new();
    START.call_once(|| {
        let mut data = MaybeUninit::<WSADATA>::uninit();
        // SAFETY: `data` is a valid place for WSAStartup to write; 0x0202
        // asks for version 2.2, which every Windows since 98 has.
        unsafe { ws::WSAStartup(0x0202, data.as_mut_ptr()) };
    });
}

pub(crate) fn raw_of<T: AsSocket + ?Sized>(s: &T) -> Socket {
    s.as_socket().as_raw_socket() as Socket
}

/// Takes a std socket's handle.
pub(crate) fn into_raw<T: IntoRawSocket>(s: T) -> Socket {
    s.into_raw_socket() as Socket
}

/// Wraps a handle in a std type.
///
/// # Safety
/// `s` must be an open socket owned by the caller.
pub(crate) unsafe fn from_raw<T: FromRawSocket>(s: Socket) -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { T::from_raw_socket(s as std::os::windows::io::RawSocket) }
}
