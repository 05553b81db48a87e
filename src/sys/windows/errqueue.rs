//! The error queue's Windows twin: Windows has no `MSG_ERRQUEUE`,
//! `SO_ZEROCOPY` or `SO_TIMESTAMPING`, so the call answers `Unsupported`
//! naming itself and the platform, and the switches are `None`.

use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::raw::c_int;

use super::Socket;
use crate::error::with_kind;
use crate::sys::cmsg::ExtendedErr;
use crate::sys::SockAddr;

pub(crate) fn recv_error_queue(
    _s: Socket,
    _bufs: &mut [IoSliceMut<'_>],
    _control: &mut [MaybeUninit<u8>],
) -> io::Result<(usize, SockAddr, c_int, usize)> {
    Err(with_kind(
        io::ErrorKind::Unsupported,
        "call",
        "recv_error_queue",
        "MSG_ERRQUEUE does not exist on windows",
    ))
}

pub(crate) const ZEROCOPY: Option<(c_int, c_int)> = None;
pub(crate) const TIMESTAMPING: Option<(c_int, c_int)> = None;
pub(crate) const MSG_ZEROCOPY_FLAG: Option<c_int> = None;

pub(crate) use crate::sys::cmsg::linux_ts_flags as ts_flags;

pub(crate) fn decode_extended_err(_data: &[u8]) -> Option<ExtendedErr> {
    None
}
