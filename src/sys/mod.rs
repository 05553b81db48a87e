//! The platform layer: every `libc` and `windows-sys` call the crate makes.
//!
//! One folder per platform, `unix/` and `windows/`, split the same way by
//! concern (`mod.rs`: types, constants and `syscall!`; `socket.rs`;
//! `options.rs`; `address.rs`; `poll.rs`; `netdb.rs`; `hosts.rs`), and
//! exposing the same crate-private names, so the portable modules call
//! `sys::bind(...)` with no `cfg`. This file picks the platform and holds
//! the little that both platforms share and that needs no OS call: the
//! storage of [`SockAddr`], which both layers use, and the copy of a C
//! `hostent` out of the C library's buffers.
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

pub(crate) mod cmsg;
mod hostent;
mod sock_addr;
mod tcp_info;

#[cfg(any(windows, hostent_r))]
pub(crate) use self::hostent::copy_hostent;
pub(crate) use self::hostent::{copy_protoent, HostEntry, ProtoEntry};
pub use self::sock_addr::SockAddr;
pub use self::tcp_info::{TcpInfo, TcpState};

use std::ffi::CStr;
use std::os::raw::c_char;

/// What a readiness wait of `select` is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Data, a connection to accept, end of stream, or an error.
    Read,
    /// Room to send, a finished connect, or an error.
    Write,
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
