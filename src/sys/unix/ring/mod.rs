//! `Ring`'s platform side on Unix: the error codes its completions carry,
//! and on Linux the io_uring backend (`uring.rs`, under the `io_uring` set
//! of `build.rs`). Elsewhere `Ring` runs on `Poller` and needs no more.

#[cfg(io_uring)]
mod uring;
#[cfg(io_uring)]
pub(crate) use self::uring::*;

use std::os::raw::c_int;

/// What a cancelled operation's completion carries.
pub(crate) const RING_CANCELED: c_int = libc::ECANCELED;
/// What a receive into the ring's buffers carries when none is free.
pub(crate) const RING_NO_BUFFERS: c_int = libc::ENOBUFS;
