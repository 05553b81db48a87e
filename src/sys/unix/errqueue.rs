//! The error queue (Linux): `recvmsg(2)` with `MSG_ERRQUEUE`, the
//! `sock_extended_err` and `scm_timestamping` payloads it carries, and
//! the switches and flags that fill it (`SO_ZEROCOPY`, `MSG_ZEROCOPY`,
//! `SO_TIMESTAMPING` and its `SOF_TIMESTAMPING_*` bits). Other Unix
//! systems have no error queue: the call is `Unsupported` there and the
//! switches are `None`.

use std::io::{self, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::raw::c_int;

use super::Socket;
#[cfg(linux_like)]
use crate::sys::cmsg::{EeOrigin, ExtendedErr};
use crate::sys::SockAddr;

#[cfg(not(linux_like))]
use crate::error::with_kind;

/// `recvmsg(2)` with `MSG_ERRQUEUE`: one queued error, its original
/// bytes into `bufs`, its control messages into `control`. Returns what
/// `recvmsg` does (byte count, address, `msg_flags`, control length).
/// Never waits: an empty queue is `EAGAIN`.
#[cfg(linux_like)]
pub(crate) fn recv_error_queue(
    s: Socket,
    bufs: &mut [IoSliceMut<'_>],
    control: &mut [MaybeUninit<u8>],
) -> io::Result<(usize, SockAddr, c_int, usize)> {
    super::recvmsg(s, bufs, control, libc::MSG_ERRQUEUE)
}

#[cfg(not(linux_like))]
pub(crate) fn recv_error_queue(
    _s: Socket,
    _bufs: &mut [IoSliceMut<'_>],
    _control: &mut [MaybeUninit<u8>],
) -> io::Result<(usize, SockAddr, c_int, usize)> {
    Err(with_kind(
        io::ErrorKind::Unsupported,
        "call",
        "recv_error_queue",
        &format!("MSG_ERRQUEUE does not exist on {}", std::env::consts::OS),
    ))
}

/// `SO_ZEROCOPY` and `SO_TIMESTAMPING` as `(level, name)`, `None` where
/// the platform lacks them; `MSG_ZEROCOPY` likewise.
#[cfg(linux_like)]
mod switches {
    use super::c_int;
    pub(crate) const ZEROCOPY: Option<(c_int, c_int)> = Some((libc::SOL_SOCKET, libc::SO_ZEROCOPY));
    pub(crate) const TIMESTAMPING: Option<(c_int, c_int)> =
        Some((libc::SOL_SOCKET, libc::SO_TIMESTAMPING));
    pub(crate) const MSG_ZEROCOPY_FLAG: Option<c_int> = Some(libc::MSG_ZEROCOPY);
}
#[cfg(not(linux_like))]
mod switches {
    use super::c_int;
    pub(crate) const ZEROCOPY: Option<(c_int, c_int)> = None;
    pub(crate) const TIMESTAMPING: Option<(c_int, c_int)> = None;
    pub(crate) const MSG_ZEROCOPY_FLAG: Option<c_int> = None;
}
pub(crate) use switches::*;

/// The `SOF_TIMESTAMPING_*` bits.
#[cfg(linux_like)]
pub(crate) mod ts_flags {
    pub(crate) const TX_HARDWARE: u32 = libc::SOF_TIMESTAMPING_TX_HARDWARE;
    pub(crate) const TX_SOFTWARE: u32 = libc::SOF_TIMESTAMPING_TX_SOFTWARE;
    pub(crate) const RX_HARDWARE: u32 = libc::SOF_TIMESTAMPING_RX_HARDWARE;
    pub(crate) const RX_SOFTWARE: u32 = libc::SOF_TIMESTAMPING_RX_SOFTWARE;
    pub(crate) const SOFTWARE: u32 = libc::SOF_TIMESTAMPING_SOFTWARE;
    pub(crate) const RAW_HARDWARE: u32 = libc::SOF_TIMESTAMPING_RAW_HARDWARE;
    pub(crate) const OPT_ID: u32 = libc::SOF_TIMESTAMPING_OPT_ID;
    pub(crate) const TX_SCHED: u32 = libc::SOF_TIMESTAMPING_TX_SCHED;
    pub(crate) const TX_ACK: u32 = libc::SOF_TIMESTAMPING_TX_ACK;
    pub(crate) const OPT_CMSG: u32 = libc::SOF_TIMESTAMPING_OPT_CMSG;
    pub(crate) const OPT_TSONLY: u32 = libc::SOF_TIMESTAMPING_OPT_TSONLY;
    pub(crate) const OPT_STATS: u32 = libc::SOF_TIMESTAMPING_OPT_STATS;
    pub(crate) const OPT_PKTINFO: u32 = libc::SOF_TIMESTAMPING_OPT_PKTINFO;
    pub(crate) const OPT_TX_SWHW: u32 = libc::SOF_TIMESTAMPING_OPT_TX_SWHW;
}
#[cfg(not(linux_like))]
pub(crate) use crate::sys::cmsg::linux_ts_flags as ts_flags;

/// `SO_EE_ORIGIN_ZEROCOPY` and `SO_EE_CODE_ZEROCOPY_COPIED`
/// (`linux/errqueue.h`), which the libc crate does not carry.
#[cfg(linux_like)]
const SO_EE_ORIGIN_ZEROCOPY: u8 = 5;
#[cfg(linux_like)]
const SO_EE_CODE_ZEROCOPY_COPIED: u8 = 1;

/// A `sock_extended_err` payload (`IP_RECVERR` / `IPV6_RECVERR`), the
/// offender's address after it read where the payload holds one.
#[cfg(linux_like)]
pub(crate) fn decode_extended_err(data: &[u8]) -> Option<ExtendedErr> {
    use crate::sys::raw::read_struct;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    let ee: libc::sock_extended_err = read_struct(data)?;
    let origin = match ee.ee_origin {
        libc::SO_EE_ORIGIN_NONE => EeOrigin::None,
        libc::SO_EE_ORIGIN_LOCAL => EeOrigin::Local,
        libc::SO_EE_ORIGIN_ICMP => EeOrigin::Icmp,
        libc::SO_EE_ORIGIN_ICMP6 => EeOrigin::Icmp6,
        SO_EE_ORIGIN_ZEROCOPY => EeOrigin::ZeroCopy,
        // Also SO_EE_ORIGIN_TXSTATUS: the same number.
        libc::SO_EE_ORIGIN_TIMESTAMPING => EeOrigin::Timestamping,
        n => EeOrigin::Other(n),
    };
    // SO_EE_OFFENDER: the address right after the struct.
    let rest = data.get(std::mem::size_of::<libc::sock_extended_err>()..)?;
    let family = read_struct::<libc::sa_family_t>(rest).map(c_int::from);
    let offender = match family {
        Some(libc::AF_INET) => read_struct::<libc::sockaddr_in>(rest)
            .map(|a| IpAddr::V4(Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes()))),
        Some(libc::AF_INET6) => read_struct::<libc::sockaddr_in6>(rest)
            .map(|a| IpAddr::V6(Ipv6Addr::from(a.sin6_addr.s6_addr))),
        _ => None,
    };
    Some(ExtendedErr {
        errno: ee.ee_errno,
        origin,
        ty: ee.ee_type,
        code: ee.ee_code,
        info: ee.ee_info,
        data: ee.ee_data,
        copied: origin == EeOrigin::ZeroCopy && ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED != 0,
        offender,
    })
}

#[cfg(not(linux_like))]
pub(crate) fn decode_extended_err(_data: &[u8]) -> Option<crate::sys::cmsg::ExtendedErr> {
    None
}
