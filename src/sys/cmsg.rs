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
use std::time::Duration;

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
    /// `IP_RECVERR` / `IPV6_RECVERR` (Linux, error queue): a
    /// `sock_extended_err` and the offender's address.
    ExtendedErr,
    /// `SCM_TIMESTAMPING` (Linux): a `scm_timestamping`, three timespecs.
    Timestamping,
    /// `SCM_TIMESTAMPING_OPT_STATS` (Linux): netlink attributes.
    TimestampingStats,
    /// Any other level and type.
    Other,
}

/// Where a queued error came from: `ee_origin` of a `sock_extended_err`
/// (Linux's `SO_EE_ORIGIN_*`), decoded in the platform folder so that
/// the portable layer never sees the numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only Linux decodes one; elsewhere the type exists for the shared code.
#[allow(dead_code)]
pub(crate) enum EeOrigin {
    None,
    Local,
    Icmp,
    Icmp6,
    ZeroCopy,
    Timestamping,
    Other(u8),
}

/// A `sock_extended_err` and what follows it, decoded: the fields as
/// the kernel wrote them, the origin classified, whether a zero-copy
/// completion says the kernel copied (`SO_EE_CODE_ZEROCOPY_COPIED`),
/// and the offender's address (`SO_EE_OFFENDER`) when it is an IP one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) struct ExtendedErr {
    pub(crate) errno: u32,
    pub(crate) origin: EeOrigin,
    pub(crate) ty: u8,
    pub(crate) code: u8,
    pub(crate) info: u32,
    pub(crate) data: u32,
    pub(crate) copied: bool,
    pub(crate) offender: Option<std::net::IpAddr>,
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

/// Linux's `SOF_TIMESTAMPING_*` bits (`linux/net_tstamp.h`), for the
/// platforms whose C library has none: the typed flags keep the same,
/// distinct values everywhere, though only Linux takes them.
#[cfg(not(linux_like))]
pub(crate) mod linux_ts_flags {
    pub(crate) const TX_HARDWARE: u32 = 1 << 0;
    pub(crate) const TX_SOFTWARE: u32 = 1 << 1;
    pub(crate) const RX_HARDWARE: u32 = 1 << 2;
    pub(crate) const RX_SOFTWARE: u32 = 1 << 3;
    pub(crate) const SOFTWARE: u32 = 1 << 4;
    pub(crate) const RAW_HARDWARE: u32 = 1 << 6;
    pub(crate) const OPT_ID: u32 = 1 << 7;
    pub(crate) const TX_SCHED: u32 = 1 << 8;
    pub(crate) const TX_ACK: u32 = 1 << 9;
    pub(crate) const OPT_CMSG: u32 = 1 << 10;
    pub(crate) const OPT_TSONLY: u32 = 1 << 11;
    pub(crate) const OPT_STATS: u32 = 1 << 12;
    pub(crate) const OPT_PKTINFO: u32 = 1 << 13;
    pub(crate) const OPT_TX_SWHW: u32 = 1 << 14;
}

/// `SCM_TSTAMP_SND`, `SCM_TSTAMP_SCHED`, `SCM_TSTAMP_ACK` (Linux's
/// `linux/errqueue.h`): which point of a send a transmit timestamp marks
/// (its `ee_info`).
pub(crate) const TSTAMP_SND: u32 = 0;
pub(crate) const TSTAMP_SCHED: u32 = 1;
pub(crate) const TSTAMP_ACK: u32 = 2;

/// A `scm_timestamping` payload: three timespecs (software, legacy,
/// raw hardware), a zero one meaning "not taken". The width of its
/// fields follows the payload's length: 48 bytes are 64-bit fields
/// (64-bit targets, and 32-bit ones with `SO_TIMESTAMPING_NEW`), 24
/// bytes are 32-bit fields (older 32-bit ones).
pub(crate) fn decode_timestamping(data: &[u8]) -> Option<[Option<Duration>; 3]> {
    let mut fields = [0i64; 6];
    if data.len() >= 48 {
        for (v, b) in fields.iter_mut().zip(data.chunks_exact(8)) {
            *v = i64::from_ne_bytes(b.try_into().ok()?);
        }
    } else if data.len() >= 24 {
        for (v, b) in fields.iter_mut().zip(data.chunks_exact(4)) {
            *v = i64::from(i32::from_ne_bytes(b.try_into().ok()?));
        }
    } else {
        return None;
    }
    let mut out = [None; 3];
    for (i, slot) in out.iter_mut().enumerate() {
        let (secs, nanos) = (fields[2 * i], fields[2 * i + 1]);
        if secs < 0 || !(0..1_000_000_000).contains(&nanos) {
            return None;
        }
        if secs != 0 || nanos != 0 {
            *slot = Some(Duration::new(secs as u64, nanos as u32));
        }
    }
    Some(out)
}
