//! Messages: `sendmsg(2)` / `recvmsg(2)`, the batch calls
//! `sendmmsg(2)` / `recvmmsg(2)` (Linux, Android, FreeBSD; a loop of the
//! single calls elsewhere), the control-message layout (`CMSG_*`), the
//! payloads of the messages the crate types, and the switches that make
//! the kernel deliver them.

// The C types differ between platforms (`msg_controllen` is `size_t` on
// glibc, `socklen_t` elsewhere; `time_t` is 32 or 64 bits), so casts that
// are no-ops on one target are needed on another.
#![allow(clippy::unnecessary_cast)]

use std::io::{self, IoSlice, IoSliceMut};
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::raw::c_int;
use std::ptr;
use std::time::Duration;

use super::{Socket, NOSIGNAL};
use crate::sys::cmsg::{CmsgKind, InMsg, OutMsg};
use crate::sys::raw::{read_struct, write_struct};
use crate::sys::SockAddr;

// ---- layout -------------------------------------------------------------

/// Size of `struct cmsghdr` (what must fit before a header is read).
pub(crate) const CMSG_HEADER_SIZE: usize = mem::size_of::<libc::cmsghdr>();

/// `CMSG_LEN(0)`: where a message's data starts, counted from its header.
#[inline]
pub(crate) fn cmsg_data_offset() -> usize {
    // SAFETY: CMSG_LEN is arithmetic on its argument; no memory is read.
    unsafe { libc::CMSG_LEN(0) as usize }
}

/// The alignment unit of `CMSG_ALIGN` (`CMSG_SPACE(1) - CMSG_SPACE(0)`):
/// 8 on 64-bit Linux and FreeBSD, 4 on macOS and 32-bit systems.
#[inline]
pub(crate) fn cmsg_align_unit() -> usize {
    // SAFETY: as above, arithmetic only.
    unsafe { (libc::CMSG_SPACE(1) - libc::CMSG_SPACE(0)) as usize }
}

/// Reads the header at the start of `buf`: `(cmsg_len, level, type)`, or
/// `None` when `buf` is too short to hold one.
#[inline]
pub(crate) fn read_cmsg_header(buf: &[u8]) -> Option<(usize, c_int, c_int)> {
    if buf.len() < CMSG_HEADER_SIZE {
        return None;
    }
    // SAFETY: `buf` holds at least size_of::<cmsghdr>() bytes (checked
    // above); the read is unaligned, and cmsghdr is plain integers, valid
    // for any bit pattern.
    let h: libc::cmsghdr = unsafe { ptr::read_unaligned(buf.as_ptr().cast()) };
    Some((h.cmsg_len as usize, h.cmsg_level, h.cmsg_type))
}

/// Writes a header for `data_len` bytes of data at the start of `buf`,
/// which the caller has checked holds `CMSG_HEADER_SIZE` bytes.
#[inline]
pub(crate) fn write_cmsg_header(buf: &mut [u8], level: c_int, ty: c_int, data_len: usize) {
    assert!(buf.len() >= CMSG_HEADER_SIZE, "caller checks the room");
    // SAFETY: cmsghdr is plain integers (musl adds padding fields), so
    // all zeros is a valid value to start from.
    let mut h: libc::cmsghdr = unsafe { mem::zeroed() };
    h.cmsg_len = (cmsg_data_offset() + data_len) as _;
    h.cmsg_level = level;
    h.cmsg_type = ty;
    // SAFETY: room for the header checked above; unaligned write.
    unsafe { ptr::write_unaligned(buf.as_mut_ptr().cast(), h) };
}

// ---- kinds --------------------------------------------------------------

/// What a received control message of `level` and `ty` is.
pub(crate) fn cmsg_kind(level: c_int, ty: c_int) -> CmsgKind {
    match (level, ty) {
        (libc::SOL_SOCKET, libc::SCM_RIGHTS) => CmsgKind::Rights,
        #[cfg(linux_like)]
        (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) => CmsgKind::Credentials,
        #[cfg(linux_like)]
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => CmsgKind::TimestampNs,
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMP) => CmsgKind::TimestampUs,
        #[cfg(in_pktinfo)]
        (libc::IPPROTO_IP, libc::IP_PKTINFO) => CmsgKind::PktInfoV4,
        #[cfg(not(linux_like))]
        (libc::IPPROTO_IP, libc::IP_RECVDSTADDR) => CmsgKind::DstAddrV4,
        (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => CmsgKind::PktInfoV6,
        (libc::IPPROTO_IP, libc::IP_TOS) => CmsgKind::TosV4,
        #[cfg(not(linux_like))]
        (libc::IPPROTO_IP, libc::IP_RECVTOS) => CmsgKind::TosV4,
        (libc::IPPROTO_IP, libc::IP_TTL) => CmsgKind::TtlV4,
        #[cfg(not(linux_like))]
        (libc::IPPROTO_IP, libc::IP_RECVTTL) => CmsgKind::TtlV4,
        (libc::IPPROTO_IPV6, libc::IPV6_TCLASS) => CmsgKind::TclassV6,
        (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => CmsgKind::HopLimitV6,
        #[cfg(linux_like)]
        (libc::SOL_UDP, libc::UDP_GRO) => CmsgKind::UdpGro,
        #[cfg(linux_like)]
        (libc::SOL_UDP, libc::UDP_SEGMENT) => CmsgKind::UdpSegment,
        #[cfg(linux_like)]
        (libc::IPPROTO_IP, libc::IP_RECVERR) => CmsgKind::ExtendedErr,
        #[cfg(linux_like)]
        (libc::IPPROTO_IPV6, libc::IPV6_RECVERR) => CmsgKind::ExtendedErr,
        #[cfg(linux_like)]
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPING) => CmsgKind::Timestamping,
        #[cfg(linux_like)]
        (libc::SOL_SOCKET, libc::SCM_TIMESTAMPING_OPT_STATS) => CmsgKind::TimestampingStats,
        _ => CmsgKind::Other,
    }
}

/// The level and type under which a message of `kind` is sent, `None`
/// where this platform cannot send it.
pub(crate) fn cmsg_code(kind: CmsgKind) -> Option<(c_int, c_int)> {
    match kind {
        CmsgKind::Rights => Some((libc::SOL_SOCKET, libc::SCM_RIGHTS)),
        #[cfg(linux_like)]
        CmsgKind::Credentials => Some((libc::SOL_SOCKET, libc::SCM_CREDENTIALS)),
        #[cfg(in_pktinfo)]
        CmsgKind::PktInfoV4 => Some((libc::IPPROTO_IP, libc::IP_PKTINFO)),
        #[cfg(target_os = "freebsd")]
        CmsgKind::DstAddrV4 => Some((libc::IPPROTO_IP, libc::IP_SENDSRCADDR)),
        CmsgKind::PktInfoV6 => Some((libc::IPPROTO_IPV6, libc::IPV6_PKTINFO)),
        CmsgKind::TosV4 => Some((libc::IPPROTO_IP, libc::IP_TOS)),
        #[cfg(linux_like)]
        CmsgKind::TtlV4 => Some((libc::IPPROTO_IP, libc::IP_TTL)),
        CmsgKind::TclassV6 => Some((libc::IPPROTO_IPV6, libc::IPV6_TCLASS)),
        CmsgKind::HopLimitV6 => Some((libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT)),
        #[cfg(linux_like)]
        CmsgKind::UdpSegment => Some((libc::SOL_UDP, libc::UDP_SEGMENT)),
        _ => None,
    }
}

/// How the source address of an IPv4 datagram is chosen on send: with
/// `IP_PKTINFO` (address and interface) or, on FreeBSD, with
/// `IP_SENDSRCADDR` (address only).
pub(crate) const SOURCE_V4_KIND: CmsgKind = if cfg!(target_os = "freebsd") {
    CmsgKind::DstAddrV4
} else {
    CmsgKind::PktInfoV4
};

/// The largest number of descriptors one `SCM_RIGHTS` message may carry
/// (Linux's `SCM_MAX_FD`; the BSDs take as many as fit in the control
/// area, and the crate applies the same bound everywhere).
pub(crate) const MAX_FDS: usize = 253;

// ---- payloads -----------------------------------------------------------

/// Payload sizes, for the space helper and the encoder.
pub(crate) fn payload_size(kind: CmsgKind) -> usize {
    match kind {
        #[cfg(linux_like)]
        CmsgKind::Credentials => mem::size_of::<libc::ucred>(),
        #[cfg(in_pktinfo)]
        CmsgKind::PktInfoV4 => mem::size_of::<libc::in_pktinfo>(),
        CmsgKind::DstAddrV4 => mem::size_of::<libc::in_addr>(),
        CmsgKind::PktInfoV6 => mem::size_of::<libc::in6_pktinfo>(),
        #[cfg(linux_like)]
        CmsgKind::UdpSegment => mem::size_of::<u16>(),
        CmsgKind::TimestampNs => mem::size_of::<libc::timespec>(),
        CmsgKind::TimestampUs => mem::size_of::<libc::timeval>(),
        _ => mem::size_of::<c_int>(),
    }
}

/// `in_pktinfo`: `(ipi_addr, ipi_spec_dst, ipi_ifindex)` on Linux; on
/// macOS the same struct; `IP_RECVDSTADDR`'s bare `in_addr` elsewhere.
pub(crate) fn decode_pktinfo_v4(kind: CmsgKind, data: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr, u32)> {
    match kind {
        #[cfg(in_pktinfo)]
        CmsgKind::PktInfoV4 => {
            let p: libc::in_pktinfo = read_struct(data)?;
            Some((
                Ipv4Addr::from(p.ipi_addr.s_addr.to_ne_bytes()),
                Ipv4Addr::from(p.ipi_spec_dst.s_addr.to_ne_bytes()),
                p.ipi_ifindex as u32,
            ))
        }
        CmsgKind::DstAddrV4 => {
            let a: libc::in_addr = read_struct(data)?;
            let ip = Ipv4Addr::from(a.s_addr.to_ne_bytes());
            Some((ip, ip, 0))
        }
        _ => None,
    }
}

/// Encodes the source address (and interface) of an IPv4 send.
pub(crate) fn encode_pktinfo_v4(
    kind: CmsgKind,
    src: Ipv4Addr,
    ifindex: u32,
    out: &mut [u8],
) -> usize {
    let addr = libc::in_addr {
        s_addr: u32::from_ne_bytes(src.octets()),
    };
    match kind {
        #[cfg(in_pktinfo)]
        CmsgKind::PktInfoV4 => {
            let p = libc::in_pktinfo {
                ipi_ifindex: ifindex as _,
                ipi_spec_dst: addr,
                ipi_addr: libc::in_addr { s_addr: 0 },
            };
            write_struct(&p, out)
        }
        _ => {
            let _ = ifindex;
            write_struct(&addr, out)
        }
    }
}

/// `in6_pktinfo`: address and interface.
pub(crate) fn decode_pktinfo_v6(data: &[u8]) -> Option<(Ipv6Addr, u32)> {
    let p: libc::in6_pktinfo = read_struct(data)?;
    Some((Ipv6Addr::from(p.ipi6_addr.s6_addr), p.ipi6_ifindex as u32))
}

pub(crate) fn encode_pktinfo_v6(src: Ipv6Addr, ifindex: u32, out: &mut [u8]) -> usize {
    let p = libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: src.octets(),
        },
        ipi6_ifindex: ifindex as _,
    };
    write_struct(&p, out)
}

/// `ucred`: `(pid, uid, gid)`.
#[cfg(linux_like)]
pub(crate) fn decode_credentials(data: &[u8]) -> Option<(i32, u32, u32)> {
    let c: libc::ucred = read_struct(data)?;
    Some((c.pid, c.uid, c.gid))
}

#[cfg(linux_like)]
pub(crate) fn encode_credentials(pid: i32, uid: u32, gid: u32, out: &mut [u8]) -> usize {
    write_struct(&libc::ucred { pid, uid, gid }, out)
}

/// Elsewhere `SCM_CREDENTIALS` does not exist (FreeBSD's `SCM_CREDS`
/// carries a different struct, which the kernel fills itself): nothing
/// decodes, and `cmsg_code` refuses to send one before encoding.
#[cfg(not(linux_like))]
pub(crate) fn decode_credentials(_data: &[u8]) -> Option<(i32, u32, u32)> {
    None
}

#[cfg(not(linux_like))]
pub(crate) fn encode_credentials(_pid: i32, _uid: u32, _gid: u32, _out: &mut [u8]) -> usize {
    0
}

/// A receive timestamp (`timespec` or `timeval`) as time since the epoch.
pub(crate) fn decode_timestamp(kind: CmsgKind, data: &[u8]) -> Option<Duration> {
    let (secs, nanos) = match kind {
        CmsgKind::TimestampNs => {
            let t: libc::timespec = read_struct(data)?;
            (t.tv_sec as i64, t.tv_nsec as i64)
        }
        CmsgKind::TimestampUs => {
            let t: libc::timeval = read_struct(data)?;
            let usec = t.tv_usec as i64;
            if !(0..1_000_000).contains(&usec) {
                return None;
            }
            (t.tv_sec as i64, usec * 1000)
        }
        _ => return None,
    };
    if secs < 0 || !(0..1_000_000_000).contains(&nanos) {
        return None;
    }
    Some(Duration::new(secs as u64, nanos as u32))
}

/// The GSO segment size as the send control message carries it.
#[cfg(linux_like)]
pub(crate) fn encode_segment(size: u16, out: &mut [u8]) -> usize {
    write_struct(&size, out)
}
#[cfg(not(linux_like))]
pub(crate) fn encode_segment(size: u16, out: &mut [u8]) -> usize {
    write_struct(&c_int::from(size), out)
}

/// Descriptors in an `SCM_RIGHTS` payload: how many whole ones it holds,
/// and the `i`-th.
pub(crate) const FD_SIZE: usize = mem::size_of::<c_int>();

pub(crate) fn decode_fd(data: &[u8], i: usize) -> Option<Socket> {
    read_struct::<c_int>(data.get(i.checked_mul(FD_SIZE)?..)?)
}

pub(crate) fn encode_fd(fd: Socket, out: &mut [u8]) -> usize {
    write_struct::<c_int>(&fd, out)
}

/// Makes a received descriptor close-on-exec where `MSG_CMSG_CLOEXEC`
/// did not (Apple has no such flag).
pub(crate) fn fix_received_fd(fd: Socket) {
    #[cfg(target_vendor = "apple")]
    // SAFETY: `fd` was just received and is owned by the caller; the
    // call only sets a flag.
    unsafe {
        libc::ioctl(fd, libc::FIOCLEX);
    }
    #[cfg(not(target_vendor = "apple"))]
    let _ = fd;
}

// ---- receive switches ---------------------------------------------------

/// `(level, name)` of each switch that makes `recvmsg` deliver a control
/// message; `None` where the platform has no such switch.
#[cfg(target_os = "freebsd")]
pub(crate) const RECV_PKTINFO_V4: Option<(c_int, c_int)> =
    Some((libc::IPPROTO_IP, libc::IP_RECVDSTADDR));
#[cfg(not(target_os = "freebsd"))]
pub(crate) const RECV_PKTINFO_V4: Option<(c_int, c_int)> =
    Some((libc::IPPROTO_IP, libc::IP_PKTINFO));
pub(crate) const RECV_PKTINFO_V6: Option<(c_int, c_int)> =
    Some((libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO));
pub(crate) const RECV_TOS_V4: Option<(c_int, c_int)> = Some((libc::IPPROTO_IP, libc::IP_RECVTOS));
pub(crate) const RECV_TCLASS_V6: Option<(c_int, c_int)> =
    Some((libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS));
pub(crate) const RECV_TTL_V4: Option<(c_int, c_int)> = Some((libc::IPPROTO_IP, libc::IP_RECVTTL));
pub(crate) const RECV_HOPLIMIT_V6: Option<(c_int, c_int)> =
    Some((libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT));
#[cfg(linux_like)]
pub(crate) const RECV_TIMESTAMP: Option<(c_int, c_int)> =
    Some((libc::SOL_SOCKET, libc::SO_TIMESTAMPNS));
#[cfg(not(linux_like))]
pub(crate) const RECV_TIMESTAMP: Option<(c_int, c_int)> =
    Some((libc::SOL_SOCKET, libc::SO_TIMESTAMP));
#[cfg(linux_like)]
mod linux_switches {
    use super::c_int;
    pub(crate) const UDP_GRO: Option<(c_int, c_int)> = Some((libc::SOL_UDP, libc::UDP_GRO));
    pub(crate) const UDP_SEGMENT: Option<(c_int, c_int)> = Some((libc::SOL_UDP, libc::UDP_SEGMENT));
    pub(crate) const RECV_ERR_V4: Option<(c_int, c_int)> =
        Some((libc::IPPROTO_IP, libc::IP_RECVERR));
    pub(crate) const RECV_ERR_V6: Option<(c_int, c_int)> =
        Some((libc::IPPROTO_IPV6, libc::IPV6_RECVERR));
    pub(crate) const PASSCRED: Option<(c_int, c_int)> = Some((libc::SOL_SOCKET, libc::SO_PASSCRED));
}
#[cfg(not(linux_like))]
mod linux_switches {
    use super::c_int;
    pub(crate) const UDP_GRO: Option<(c_int, c_int)> = None;
    pub(crate) const UDP_SEGMENT: Option<(c_int, c_int)> = None;
    pub(crate) const RECV_ERR_V4: Option<(c_int, c_int)> = None;
    pub(crate) const RECV_ERR_V6: Option<(c_int, c_int)> = None;
    pub(crate) const PASSCRED: Option<(c_int, c_int)> = None;
}
pub(crate) use linux_switches::*;

/// Whether a failed segmented send means the path cannot segment: `EIO`,
/// which Linux returns when the device (or a tunnel on the way) cannot
/// do UDP segmentation, as quinn-udp also assumes. Other errors (an
/// invalid source address, a full buffer) are the caller's and must not
/// turn GSO off.
pub(crate) fn segmentation_refused(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EIO)
}

/// Whether the kernel knows `UDP_SEGMENT` at all (a `getsockopt` on the
/// socket succeeds), the run-time check quinn-udp makes too.
pub(crate) fn has_segmentation(s: Socket) -> bool {
    match UDP_SEGMENT {
        Some((level, name)) => super::getsockopt::<c_int>(s, level, name).is_ok(),
        None => false,
    }
}

// ---- message calls ------------------------------------------------------

/// Flags every receive adds: received descriptors are close-on-exec.
#[cfg(mmsg)]
const RECV_FLAGS: c_int = libc::MSG_CMSG_CLOEXEC;
#[cfg(not(mmsg))]
const RECV_FLAGS: c_int = 0;

pub(crate) const MSG_TRUNC: c_int = libc::MSG_TRUNC;
pub(crate) const MSG_DONTWAIT: c_int = libc::MSG_DONTWAIT;
pub(crate) const MSG_CTRUNC: c_int = libc::MSG_CTRUNC;

/// A `msghdr` over the caller's name, buffers and control area. The
/// pointers stay valid as long as the borrows the caller passed.
fn msghdr(
    name: *mut libc::c_void,
    namelen: libc::socklen_t,
    iov: *mut libc::iovec,
    iovlen: usize,
    control: *mut libc::c_void,
    controllen: usize,
) -> libc::msghdr {
    // SAFETY: msghdr is plain data (pointers and integers); all zeros is
    // a valid "empty" value, and musl's padding fields must be zero.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_name = name;
    msg.msg_namelen = namelen;
    msg.msg_iov = iov;
    msg.msg_iovlen = iovlen as _;
    if controllen > 0 {
        msg.msg_control = control;
        msg.msg_controllen = controllen as _;
    }
    msg
}

/// `sendmsg(2)` with `MSG_NOSIGNAL`. `IoSlice` is ABI-compatible with
/// `iovec` on Unix (std guarantees it).
pub(crate) fn sendmsg(
    s: Socket,
    addr: Option<&SockAddr>,
    bufs: &[IoSlice<'_>],
    control: &[u8],
    flags: c_int,
) -> io::Result<usize> {
    let (name, namelen) = match addr {
        Some(a) => (a.as_ptr() as *mut libc::c_void, a.len()),
        None => (ptr::null_mut(), 0),
    };
    let msg = msghdr(
        name,
        namelen,
        bufs.as_ptr() as *mut libc::iovec,
        bufs.len(),
        control.as_ptr() as *mut libc::c_void,
        control.len(),
    );
    // The kernel only reads through the pointers of a send.
    syscall!(sendmsg(s, &msg, flags | NOSIGNAL)).map(|n| n as usize)
}

/// `recvmsg(2)` (with `MSG_CMSG_CLOEXEC` where it exists): returns the
/// byte count, the sender, `msg_flags` and how much of `control` the
/// kernel filled.
pub(crate) fn recvmsg(
    s: Socket,
    bufs: &mut [IoSliceMut<'_>],
    control: &mut [mem::MaybeUninit<u8>],
    flags: c_int,
) -> io::Result<(usize, SockAddr, c_int, usize)> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    // SAFETY: `len` points at the address's length, just set.
    let namelen = unsafe { *len };
    let mut msg = msghdr(
        storage.cast(),
        namelen,
        bufs.as_mut_ptr().cast(),
        bufs.len(),
        control.as_mut_ptr().cast(),
        control.len(),
    );
    let n = syscall!(recvmsg(s, &mut msg, flags | RECV_FLAGS))?;
    addr.len = msg.msg_namelen;
    let control_len = if msg.msg_control.is_null() {
        0
    } else {
        (msg.msg_controllen as usize).min(control.len())
    };
    Ok((n as usize, addr, msg.msg_flags, control_len))
}

/// The most datagrams one batch call handles (the arrays it builds live
/// on the stack).
pub(crate) const BATCH_MAX: usize = 32;

/// `sendmmsg(2)`: sends `msgs` (at most [`BATCH_MAX`]) in one call;
/// returns how many went.
#[cfg(mmsg)]
pub(crate) fn sendmmsg(s: Socket, msgs: &[OutMsg<'_>]) -> io::Result<usize> {
    let n = msgs.len().min(BATCH_MAX);
    if n == 1 {
        // One datagram (a GSO send, typically): `sendmsg` is the cheaper
        // call, and there are no arrays to build.
        let m = &msgs[0];
        return sendmsg(s, m.addr, &m.iov(), m.control, 0).map(|_| 1);
    }
    // Only the first `n` entries are written and passed.
    let mut iovs = [mem::MaybeUninit::<libc::iovec>::uninit(); BATCH_MAX];
    let mut hdrs = [mem::MaybeUninit::<libc::mmsghdr>::uninit(); BATCH_MAX];
    for (i, m) in msgs[..n].iter().enumerate() {
        let iov = iovs[i].write(libc::iovec {
            iov_base: m.data.as_ptr() as *mut libc::c_void,
            iov_len: m.data.len(),
        });
        let (name, namelen) = match m.addr {
            Some(a) => (a.as_ptr() as *mut libc::c_void, a.len()),
            None => (ptr::null_mut(), 0),
        };
        let msg_hdr = msghdr(
            name,
            namelen,
            iov,
            1,
            m.control.as_ptr() as *mut libc::c_void,
            m.control.len(),
        );
        hdrs[i].write(libc::mmsghdr {
            msg_hdr,
            msg_len: 0,
        });
    }
    // SAFETY: `hdrs[..n]` are initialised and describe buffers borrowed
    // from `msgs`, valid for the call; the kernel only reads them (and
    // writes msg_len).
    let sent = unsafe { libc::sendmmsg(s, hdrs.as_mut_ptr().cast(), n as _, NOSIGNAL) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sent as usize)
}

/// The loop that stands in for `sendmmsg(2)` where the system lacks it:
/// one `sendmsg(2)` a datagram, stopping at the first error (reported
/// only when nothing was sent).
#[cfg(not(mmsg))]
pub(crate) fn sendmmsg(s: Socket, msgs: &[OutMsg<'_>]) -> io::Result<usize> {
    for (i, m) in msgs.iter().enumerate() {
        if let Err(e) = sendmsg(s, m.addr, &m.iov(), m.control, 0) {
            return if i == 0 { Err(e) } else { Ok(i) };
        }
    }
    Ok(msgs.len())
}

/// `recvmmsg(2)`: receives up to `msgs.len()` (at most [`BATCH_MAX`])
/// datagrams in one call, waiting (on a blocking socket) for the first
/// only (`MSG_WAITFORONE`); fills each message's report and returns how
/// many arrived.
#[cfg(mmsg)]
pub(crate) fn recvmmsg(s: Socket, msgs: &mut [InMsg<'_>], flags: c_int) -> io::Result<usize> {
    let n = msgs.len().min(BATCH_MAX);
    // Only the first `n` entries are written and passed.
    let mut iovs = [mem::MaybeUninit::<libc::iovec>::uninit(); BATCH_MAX];
    let mut hdrs = [mem::MaybeUninit::<libc::mmsghdr>::uninit(); BATCH_MAX];
    for (i, m) in msgs[..n].iter_mut().enumerate() {
        let iov = iovs[i].write(libc::iovec {
            iov_base: m.data.as_mut_ptr().cast(),
            iov_len: m.data.len(),
        });
        let (storage, len) = m.addr.out_parts();
        // SAFETY: `len` points at the address's length, just set.
        let namelen = unsafe { *len };
        let msg_hdr = msghdr(
            storage.cast(),
            namelen,
            iov,
            1,
            m.control.as_mut_ptr().cast(),
            m.control.len(),
        );
        hdrs[i].write(libc::mmsghdr {
            msg_hdr,
            msg_len: 0,
        });
    }
    // SAFETY: `hdrs[..n]` are initialised and point at buffers and
    // addresses borrowed mutably from `msgs`, valid and writable for the
    // call; no timeout.
    let got = unsafe {
        libc::recvmmsg(
            s,
            hdrs.as_mut_ptr().cast(),
            n as _,
            flags | RECV_FLAGS | libc::MSG_WAITFORONE,
            ptr::null_mut(),
        )
    };
    if got < 0 {
        return Err(io::Error::last_os_error());
    }
    let got = got as usize;
    for (m, h) in msgs[..got].iter_mut().zip(&hdrs[..got]) {
        // SAFETY: written in the loop above (got <= n), then by the kernel.
        let h = unsafe { h.assume_init_ref() };
        m.len = (h.msg_len as usize).min(m.data.len());
        m.addr.len = h.msg_hdr.msg_namelen;
        m.flags = h.msg_hdr.msg_flags;
        m.control_len = if h.msg_hdr.msg_control.is_null() {
            0
        } else {
            (h.msg_hdr.msg_controllen as usize).min(m.control.len())
        };
    }
    Ok(got)
}

/// The loop that stands in for `recvmmsg(2)`: one `recvmsg(2)` a
/// datagram; the first may wait, the others use `MSG_DONTWAIT` and the
/// loop stops when nothing more is queued.
#[cfg(not(mmsg))]
pub(crate) fn recvmmsg(s: Socket, msgs: &mut [InMsg<'_>], flags: c_int) -> io::Result<usize> {
    let count = msgs.len();
    for (i, m) in msgs.iter_mut().enumerate() {
        let more = if i == 0 { 0 } else { libc::MSG_DONTWAIT };
        let mut iov = [IoSliceMut::new(m.data)];
        match recvmsg(s, &mut iov, m.control, flags | more) {
            Ok((len, addr, fl, clen)) => {
                m.len = len.min(m.data.len());
                *m.addr = addr;
                m.flags = fl;
                m.control_len = clen;
            }
            Err(e) => return if i == 0 { Err(e) } else { Ok(i) },
        }
    }
    Ok(count)
}

/// Unix sends the whole TOS / traffic class byte (DSCP and ECN).
pub(crate) const SENDS_DSCP: bool = true;

/// `getuid()`.
pub(crate) fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// `getgid()`.
pub(crate) fn current_gid() -> u32 {
    // SAFETY: getgid has no preconditions and cannot fail.
    unsafe { libc::getgid() }
}

/// The public constants of the receive switches and control messages,
/// with this platform's values, for `get_sock_opt_int` /
/// `set_sock_opt_int` and [`ControlMessage::Raw`](crate::ControlMessage)
/// (re-exported at the crate root). Each exists where the platform has
/// it.
pub mod msg_constants {
    use std::os::raw::c_int;

    /// `SCM_RIGHTS`: descriptors in a control message (level `SOL_SOCKET`).
    pub const SCM_RIGHTS: c_int = libc::SCM_RIGHTS;
    /// `SCM_TIMESTAMP`: a `timeval` receive timestamp (level `SOL_SOCKET`).
    pub const SCM_TIMESTAMP: c_int = libc::SCM_TIMESTAMP;
    /// `SO_TIMESTAMP`: deliver `SCM_TIMESTAMP` with each datagram.
    pub const SO_TIMESTAMP: c_int = libc::SO_TIMESTAMP;
    /// `IPV6_PKTINFO`: the control message of an IPv6 datagram's
    /// destination / source and interface (level `IPPROTO_IPV6`).
    pub const IPV6_PKTINFO: c_int = libc::IPV6_PKTINFO;
    /// `IPV6_RECVPKTINFO`: deliver `IPV6_PKTINFO` (level `IPPROTO_IPV6`).
    pub const IPV6_RECVPKTINFO: c_int = libc::IPV6_RECVPKTINFO;
    /// `IP_RECVTOS`: deliver each IPv4 datagram's TOS byte (level
    /// `IPPROTO_IP`).
    pub const IP_RECVTOS: c_int = libc::IP_RECVTOS;
    /// `IPV6_RECVTCLASS`: deliver each IPv6 datagram's traffic class.
    pub const IPV6_RECVTCLASS: c_int = libc::IPV6_RECVTCLASS;
    /// `IP_RECVTTL`: deliver each IPv4 datagram's TTL.
    pub const IP_RECVTTL: c_int = libc::IP_RECVTTL;
    /// `IPV6_RECVHOPLIMIT`: deliver each IPv6 datagram's hop limit.
    pub const IPV6_RECVHOPLIMIT: c_int = libc::IPV6_RECVHOPLIMIT;
    /// `IPV6_HOPLIMIT`: the control message of an IPv6 hop limit.
    pub const IPV6_HOPLIMIT: c_int = libc::IPV6_HOPLIMIT;
    /// `IP_PKTINFO`: deliver (and, as a control message, set) an IPv4
    /// datagram's destination / source and interface (Linux, macOS).
    #[cfg(in_pktinfo)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple")))
    )]
    pub const IP_PKTINFO: c_int = libc::IP_PKTINFO;
    /// `IP_RECVDSTADDR`: deliver each IPv4 datagram's destination (the
    /// BSDs and macOS).
    #[cfg(not(linux_like))]
    #[cfg_attr(docsrs, doc(cfg(not(any(target_os = "linux", target_os = "android")))))]
    pub const IP_RECVDSTADDR: c_int = libc::IP_RECVDSTADDR;
    /// `SCM_CREDENTIALS`: a `ucred` in a control message (Linux).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const SCM_CREDENTIALS: c_int = libc::SCM_CREDENTIALS;
    /// `SO_PASSCRED`: deliver the sender's credentials (Linux).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const SO_PASSCRED: c_int = libc::SO_PASSCRED;
    /// `SO_TIMESTAMPNS`: deliver a `timespec` receive timestamp (Linux).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const SO_TIMESTAMPNS: c_int = libc::SO_TIMESTAMPNS;
    /// `SCM_TIMESTAMPNS`: the control message `SO_TIMESTAMPNS` delivers.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const SCM_TIMESTAMPNS: c_int = libc::SCM_TIMESTAMPNS;
    /// `SOL_UDP`: the level of the UDP options (Linux; `IPPROTO_UDP`).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const SOL_UDP: c_int = libc::SOL_UDP;
    /// `UDP_SEGMENT`: the GSO segment size, as an option or a control
    /// message (Linux 4.18+).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const UDP_SEGMENT: c_int = libc::UDP_SEGMENT;
    /// `UDP_GRO`: coalesce received datagrams, reporting the segment
    /// size in a control message (Linux 5.0+).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const UDP_GRO: c_int = libc::UDP_GRO;
    /// `IP_RECVERR`: queue ICMP errors, read with `MSG_ERRQUEUE` (Linux).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const IP_RECVERR: c_int = libc::IP_RECVERR;
    /// `IPV6_RECVERR`: queue ICMPv6 errors (Linux).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const IPV6_RECVERR: c_int = libc::IPV6_RECVERR;
    /// `MSG_ERRQUEUE`: receive from the error queue (Linux).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub const MSG_ERRQUEUE: c_int = libc::MSG_ERRQUEUE;
    /// `MSG_ZEROCOPY` (Linux 4.14+): a send flag for
    /// [`send_msg`](crate::SocketHandle::send_msg) (and `send_with_flags`)
    /// that lets the kernel send from the caller's pages instead of
    /// copying them. It needs [`set_zerocopy`](crate::SocketHandle::set_zerocopy)
    /// on the socket first (else the flag is ignored), and the caller must
    /// leave the bytes untouched, and alive, until the completion for that
    /// send arrives on the error queue
    /// ([`recv_error_queue`](crate::SocketHandle::recv_error_queue),
    /// [`ErrorQueueEntry::ZeroCopy`](crate::ErrorQueueEntry::ZeroCopy)):
    /// the kernel may still be reading them after the call returns. It
    /// pays only for large sends (about 10 KB and up per call): below
    /// that, pinning the pages and reading the completion cost more than
    /// the copy saved. [`SocketHandle::send_zerocopy`](crate::SocketHandle::send_zerocopy)
    /// is the portable way to pass it.
    #[cfg(linux_like)]
    pub const MSG_ZEROCOPY: c_int = libc::MSG_ZEROCOPY;
    /// `SO_ZEROCOPY` (Linux 4.14+): allow `MSG_ZEROCOPY` sends on a
    /// socket (level `SOL_SOCKET`); see
    /// [`set_zerocopy`](crate::SocketHandle::set_zerocopy).
    #[cfg(linux_like)]
    pub const SO_ZEROCOPY: c_int = libc::SO_ZEROCOPY;
    /// `SO_TIMESTAMPING` (Linux): which timestamps the kernel takes and
    /// reports (level `SOL_SOCKET`); see
    /// [`set_timestamping`](crate::SocketHandle::set_timestamping).
    #[cfg(linux_like)]
    pub const SO_TIMESTAMPING: c_int = libc::SO_TIMESTAMPING;
    /// `SCM_TIMESTAMPING` (Linux): the control message of three
    /// timestamps ([`ReceivedControl::Timestamping`](crate::ReceivedControl::Timestamping)).
    #[cfg(linux_like)]
    pub const SCM_TIMESTAMPING: c_int = libc::SCM_TIMESTAMPING;
    /// `MSG_TRUNC`: in a received message's flags, the datagram was cut.
    pub const MSG_TRUNC: c_int = libc::MSG_TRUNC;
    /// `MSG_CTRUNC`: in a received message's flags, the control area was
    /// cut.
    pub const MSG_CTRUNC: c_int = libc::MSG_CTRUNC;
}
