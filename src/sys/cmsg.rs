//! What both platforms share about control messages and message calls,
//! without an OS call: the kinds of control message the crate types, the
//! message descriptions the batch calls take and fill, and the integer
//! payloads, which both lay out alike.
//!
//! Each platform's `message.rs` maps a kind to its own level and type
//! (`cmsg_kind`, `cmsg_code`) and lays out the payloads.

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::raw::c_int;

use super::raw::{read_struct, write_struct};
use super::SockAddr;

/// A control message the crate gives a type to, whatever the platform
/// calls it (`IP_PKTINFO` on Linux and Windows, `IP_RECVDSTADDR` on
/// FreeBSD, ...). `Other` is anything else: the caller sees its raw
/// level, type and bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Each platform constructs the kinds it has; none has them all.
#[allow(dead_code)]
pub(crate) enum CmsgKind {
    /// `SCM_RIGHTS`: descriptors.
    Rights,
    /// `SCM_CREDENTIALS` (Linux): a `ucred`.
    Credentials,
    /// `IP_PKTINFO`: address and interface (`in_pktinfo` / `IN_PKTINFO`).
    PktInfoV4,
    /// `IP_RECVDSTADDR` / `IP_SENDSRCADDR` (FreeBSD, macOS): an `in_addr`.
    DstAddrV4,
    /// `IPV6_PKTINFO`: an `in6_pktinfo`.
    PktInfoV6,
    /// `IP_TOS` / `IP_RECVTOS`: one byte or an `int`.
    TosV4,
    /// `IPV6_TCLASS`: an `int`.
    TclassV6,
    /// `IP_TTL` / `IP_RECVTTL`: one byte or an `int`.
    TtlV4,
    /// `IPV6_HOPLIMIT`: an `int`.
    HopLimitV6,
    /// `SCM_TIMESTAMPNS` (Linux): a `timespec`.
    TimestampNs,
    /// `SCM_TIMESTAMP`: a `timeval`.
    TimestampUs,
    /// `UDP_SEGMENT` (Linux, `u16`) / `UDP_SEND_MSG_SIZE` (Windows,
    /// `DWORD`): the GSO segment size of a send.
    UdpSegment,
    /// `UDP_GRO` (Linux, `int`) / `UDP_COALESCED_INFO` (Windows, `DWORD`):
    /// the segment size of a coalesced receive.
    UdpGro,
    /// Any other level and type.
    Other,
}

/// One datagram of a batch send, as the platform's `sendmmsg` wants it:
/// a destination (none on a connected socket), the bytes, and an encoded
/// control area (possibly empty).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OutMsg<'a> {
    pub(crate) addr: Option<&'a SockAddr>,
    pub(crate) data: &'a [u8],
    pub(crate) control: &'a [u8],
}

/// One datagram of a batch receive: the buffers to fill, and what the
/// call reports about it.
#[derive(Debug)]
pub(crate) struct InMsg<'a> {
    pub(crate) data: &'a mut [u8],
    /// The control area: the kernel writes its first `control_len` bytes
    /// (so the caller need not zero it).
    pub(crate) control: &'a mut [MaybeUninit<u8>],
    /// Filled: the sender (the caller's storage, reused).
    pub(crate) addr: &'a mut SockAddr,
    /// Filled: the bytes received (cut to `data`).
    pub(crate) len: usize,
    /// Filled: the `msg_flags` the kernel returned.
    pub(crate) flags: i32,
    /// Filled: how many bytes of `control` the kernel wrote.
    pub(crate) control_len: usize,
}

impl<'a> InMsg<'a> {
    /// A message to receive into `data`, with `control` for its control
    /// area and `addr` for its sender.
    pub(crate) fn new(
        data: &'a mut [u8],
        control: &'a mut [MaybeUninit<u8>],
        addr: &'a mut SockAddr,
    ) -> InMsg<'a> {
        InMsg {
            data,
            control,
            addr,
            len: 0,
            flags: 0,
            control_len: 0,
        }
    }
}

impl<'a> OutMsg<'a> {
    /// The data as the one-element vector the message calls take.
    pub(crate) fn iov(&self) -> [IoSlice<'a>; 1] {
        [IoSlice::new(self.data)]
    }
}

/// The bytes of `control` the kernel filled.
///
/// # Safety
/// The first `len` bytes of `control` were written (by the kernel or the
/// caller).
pub(crate) unsafe fn filled(control: &[MaybeUninit<u8>], len: usize) -> &[u8] {
    let len = len.min(control.len());
    // SAFETY: guaranteed by the caller; MaybeUninit<u8> has u8's layout.
    unsafe { std::slice::from_raw_parts(control.as_ptr().cast::<u8>(), len) }
}

/// An `int` payload (TOS on send, TTL, traffic class, hop limit).
pub(crate) fn encode_int(value: c_int, out: &mut [u8]) -> usize {
    write_struct(&value, out)
}

/// An integer payload as received: one byte (`IP_TOS` and `IP_TTL` on
/// Linux, `IP_RECVTOS` on the BSDs) or a native `int`.
pub(crate) fn decode_int(data: &[u8]) -> Option<i64> {
    match data.len() {
        1 => Some(i64::from(data[0])),
        2 => Some(i64::from(u16::from_ne_bytes([data[0], data[1]]))),
        n if n >= 4 => read_struct::<c_int>(data).map(i64::from),
        _ => None,
    }
}
