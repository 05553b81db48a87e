//! `Ring`'s platform side on Windows: the error codes its completions
//! carry. `Ring` runs on `Poller` here (its emulation), so nothing more.

use std::os::raw::c_int;

use windows_sys::Win32::Networking::WinSock::{WSAENOBUFS, WSA_OPERATION_ABORTED};

/// What a cancelled operation's completion carries.
pub(crate) const RING_CANCELED: c_int = WSA_OPERATION_ABORTED as c_int;
/// What a receive into the ring's buffers carries when none is free.
pub(crate) const RING_NO_BUFFERS: c_int = WSAENOBUFS as c_int;
