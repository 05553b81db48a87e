//! The platform layer: every `libc` and `windows-sys` call the crate makes.
//!
//! One folder per platform, `unix/` and `windows/`, split the same way by
//! concern (`mod.rs`: types, constants and `syscall!`; `socket.rs`;
//! `options.rs` + `option_names.rs`; `message.rs`; `interface.rs`;
//! `select.rs`: the descriptor sets behind `select`; `selector/`:
//! `Poller`'s backends; `netdb.rs`; `hosts.rs`), and exposing the same
//! crate-private names, so the portable modules call `sys::bind(...)`
//! with no `cfg`.
//!
//! This file picks the platform and re-exports its names; beside it are
//! the files that both platforms share, with no OS call in them:
//!
//! - `addr_layout.rs`: the C address types, the address families, and
//!   `sockaddr_in` / `sockaddr_in6` filled and read (the few names and
//!   unions that differ in `cfg` blocks of its own);
//! - `sock_addr.rs`: the storage of [`SockAddr`], which both layers use;
//! - `raw.rs`: plain structs read from and written into byte buffers,
//!   `addrinfo` and `getaddrinfo`'s hints;
//! - `cmsg.rs`: the control-message kinds, the batch calls' message
//!   descriptions, the integer payloads;
//! - `hostent.rs`: the copy of a C `hostent` out of the C library's
//!   buffers; `tcp_info.rs`: [`TcpInfo`] and [`TcpState`];
//! - here: what a readiness wait asks for (`Direction`, `Trigger`, `Want`)
//!   and what every `Selector` shares (its errors, its lock), `ceil_ms`,
//!   `lossy`.
//!
//! The imports inside `sys/` point one way: the platform folders import
//! the shared files (`crate::sys::SockAddr`, `crate::sys::addr_layout`,
//! `crate::sys::raw`, ...), and the shared files import nothing from the
//! platform folders; only this file's re-exports name both.
//!
//! Nothing here imports from the portable modules above (`socket.rs`,
//! `addr.rs`, `hosts.rs`, ...): what both layers need lives here or in
//! `error.rs`, which imports nothing from the crate.

#[cfg(unix)]
mod unix;
#[cfg(linux_like)]
pub use self::unix::SockFilter;
#[cfg(unix)]
pub(crate) use self::unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use self::windows::*;

mod addr_layout;
pub(crate) mod cmsg;
mod hostent;
mod raw;
mod sock_addr;
mod tcp_info;

pub(crate) use self::addr_layout::*;
pub(crate) use self::cmsg::{decode_int, decode_timestamping, encode_int};
#[cfg(any(windows, hostent_r))]
pub(crate) use self::hostent::copy_hostent;
pub(crate) use self::hostent::{copy_protoent, HostEntry, ProtoEntry};
pub(crate) use self::raw::{addrinfo, addrinfo_hints};
pub use self::sock_addr::SockAddr;
pub use self::tcp_info::{TcpInfo, TcpState};

use std::ffi::CStr;
use std::fmt;
use std::io;
use std::os::raw::c_char;
#[cfg(any(windows, poll_backend))]
use std::sync::{Mutex, MutexGuard};
#[cfg(not(kqueue))]
use std::time::Duration;

use crate::error::with_kind;

/// What a readiness wait of `select` is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Data, a connection to accept, end of stream, or an error.
    Read,
    /// Room to send, a finished connect, or an error.
    Write,
}

/// How a `Poller` registration fires (the portable `PollMode`, which the
/// layer above maps onto this so that `sys` imports nothing from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// While the socket is ready.
    Level,
    /// When readiness changes.
    Edge,
    /// Once, then nothing until the registration is modified.
    Oneshot,
}

/// What a `Poller` registration asks for: at least one of the two is set
/// (the portable `Interest` has no empty value).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Want {
    pub(crate) read: bool,
    pub(crate) write: bool,
}

/// The key a `Poller` keeps for itself (its wake-up), never a caller's.
pub(crate) const NOTIFY_KEY: usize = usize::MAX;

/// A `Selector`'s error for adding a socket it already holds (epoll's
/// kernel says so itself).
#[cfg_attr(epoll, allow(dead_code))]
pub(crate) fn already_registered(socket: impl fmt::Debug) -> io::Error {
    with_kind(
        io::ErrorKind::AlreadyExists,
        "socket handle",
        socket,
        "is already registered with this poller",
    )
}

/// A `Selector`'s error for changing or removing a socket it does not
/// hold.
#[cfg_attr(epoll, allow(dead_code))]
pub(crate) fn not_registered(socket: impl fmt::Debug) -> io::Error {
    with_kind(
        io::ErrorKind::NotFound,
        "socket handle",
        socket,
        "is not registered with this poller",
    )
}

/// Locks a `Selector`'s mutex. Every change made under these locks is a
/// single field or map update, so a panic elsewhere leaves the data
/// consistent: poisoning is ignored.
#[cfg(any(windows, poll_backend))]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `d` in whole milliseconds, rounded up (so that a wait is never shorter
/// than asked), in 64-bit arithmetic: a `u128` division costs more than
/// a zero-timeout `epoll_wait` is allowed to. (kqueue takes a timespec.)
#[cfg(not(kqueue))]
pub(crate) fn ceil_ms(d: Duration) -> u64 {
    let nanos = d.subsec_nanos();
    if d.as_secs() == 0 && nanos == 0 {
        return 0;
    }
    d.as_secs()
        .saturating_mul(1000)
        .saturating_add(u64::from(nanos.div_ceil(1_000_000)))
}

/// A C string from the OS as Rust text (lossy: host names may hold any
/// byte, and ANSI names on Windows any code page's bytes).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string.
pub(crate) unsafe fn lossy(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
