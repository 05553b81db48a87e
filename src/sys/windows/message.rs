//! Messages: `WSASendMsg` / `WSARecvMsg` (the latter found with `WSAIoctl`
//! `SIO_GET_EXTENSION_FUNCTION_POINTER`), `WSASend` / `WSASendTo` /
//! `WSARecvFrom` for vectored I/O without control data (Winsock's message
//! calls take datagram and raw sockets only), the loops that stand in for
//! `sendmmsg` / `recvmmsg`, the control-message layout (`WSA_CMSG_*`),
//! the payloads of the messages Windows has (packet info, ECN, TTL / hop
//! limit, `UDP_SEND_MSG_SIZE`, `UDP_COALESCED_INFO`), their switches,
//! `TransmitFile` and the Unix-domain socket pair's absence.

use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::raw::c_int;
use std::os::windows::io::AsRawHandle;
use std::ptr;
use std::sync::OnceLock;
use std::time::Duration;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Networking::WinSock::{
    self as ws, CMSGHDR, IN6_PKTINFO, IN_PKTINFO, LPFN_TRANSMITFILE, LPFN_WSARECVMSG, WSABUF,
    WSAMSG,
};
use windows_sys::Win32::System::IO::OVERLAPPED;

use super::{last_error, Socket};
use crate::sys::addr_layout::{in6_addr, in6_addr_octets, in_addr, in_addr_octets};
use crate::sys::cmsg::{CmsgKind, InMsg, OutMsg};
use crate::sys::raw::{read_struct, write_struct};
use crate::sys::SockAddr;

// ---- layout -------------------------------------------------------------

/// Size of `WSACMSGHDR` (`CMSGHDR` in windows-sys).
pub(crate) const CMSG_HEADER_SIZE: usize = mem::size_of::<CMSGHDR>();

/// The alignment of `WSA_CMSGHDR_ALIGN` / `WSA_CMSGDATA_ALIGN`: the
/// header's (a `SIZE_T` leads it), at least a pointer's.
#[inline]
pub(crate) fn cmsg_align_unit() -> usize {
    mem::align_of::<CMSGHDR>().max(mem::size_of::<usize>())
}

/// `WSA_CMSG_LEN(0)`: where the data starts.
#[inline]
pub(crate) fn cmsg_data_offset() -> usize {
    let unit = cmsg_align_unit();
    (CMSG_HEADER_SIZE + unit - 1) & !(unit - 1)
}

pub(crate) fn read_cmsg_header(buf: &[u8]) -> Option<(usize, c_int, c_int)> {
    if buf.len() < CMSG_HEADER_SIZE {
        return None;
    }
    // SAFETY: length checked; unaligned read of plain integers.
    let h: CMSGHDR = unsafe { ptr::read_unaligned(buf.as_ptr().cast()) };
    Some((h.cmsg_len, h.cmsg_level, h.cmsg_type))
}

pub(crate) fn write_cmsg_header(buf: &mut [u8], level: c_int, ty: c_int, data_len: usize) {
    assert!(buf.len() >= CMSG_HEADER_SIZE, "caller checks the room");
    let h = CMSGHDR {
        cmsg_len: cmsg_data_offset() + data_len,
        cmsg_level: level,
        cmsg_type: ty,
    };
    // SAFETY: room checked; unaligned write.
    unsafe { ptr::write_unaligned(buf.as_mut_ptr().cast(), h) };
}

// ---- kinds --------------------------------------------------------------

pub(crate) fn cmsg_kind(level: c_int, ty: c_int) -> CmsgKind {
    match (level, ty) {
        (ws::IPPROTO_IP, ws::IP_PKTINFO) => CmsgKind::PktInfoV4,
        (ws::IPPROTO_IPV6, ws::IPV6_PKTINFO) => CmsgKind::PktInfoV6,
        (ws::IPPROTO_IP, ws::IP_TOS | ws::IP_ECN) => CmsgKind::TosV4,
        (ws::IPPROTO_IPV6, ws::IPV6_TCLASS | ws::IPV6_ECN) => CmsgKind::TclassV6,
        (ws::IPPROTO_IP, ws::IP_TTL | ws::IP_HOPLIMIT) => CmsgKind::TtlV4,
        (ws::IPPROTO_IPV6, ws::IPV6_HOPLIMIT) => CmsgKind::HopLimitV6,
        (ws::IPPROTO_UDP, ty) if ty == ws::UDP_COALESCED_INFO as c_int => CmsgKind::UdpGro,
        (ws::IPPROTO_UDP, ws::UDP_SEND_MSG_SIZE) => CmsgKind::UdpSegment,
        _ => CmsgKind::Other,
    }
}

pub(crate) fn cmsg_code(kind: CmsgKind) -> Option<(c_int, c_int)> {
    match kind {
        CmsgKind::PktInfoV4 => Some((ws::IPPROTO_IP, ws::IP_PKTINFO)),
        CmsgKind::PktInfoV6 => Some((ws::IPPROTO_IPV6, ws::IPV6_PKTINFO)),
        CmsgKind::TosV4 => Some((ws::IPPROTO_IP, ws::IP_ECN)),
        CmsgKind::TclassV6 => Some((ws::IPPROTO_IPV6, ws::IPV6_ECN)),
        CmsgKind::HopLimitV6 => Some((ws::IPPROTO_IPV6, ws::IPV6_HOPLIMIT)),
        CmsgKind::UdpSegment => Some((ws::IPPROTO_UDP, ws::UDP_SEND_MSG_SIZE)),
        _ => None,
    }
}

pub(crate) const SOURCE_V4_KIND: CmsgKind = CmsgKind::PktInfoV4;

/// Windows sends only the ECN bits of the TOS / traffic class byte
/// (`IP_ECN`, `IPV6_ECN`).
pub(crate) const SENDS_DSCP: bool = false;

// ---- payloads -----------------------------------------------------------

pub(crate) fn payload_size(kind: CmsgKind) -> usize {
    match kind {
        CmsgKind::PktInfoV4 => mem::size_of::<IN_PKTINFO>(),
        CmsgKind::PktInfoV6 => mem::size_of::<IN6_PKTINFO>(),
        _ => mem::size_of::<u32>(),
    }
}

pub(crate) fn decode_pktinfo_v4(kind: CmsgKind, data: &[u8]) -> Option<(Ipv4Addr, Ipv4Addr, u32)> {
    if kind != CmsgKind::PktInfoV4 {
        return None;
    }
    let p: IN_PKTINFO = read_struct(data)?;
    let ip = Ipv4Addr::from(in_addr_octets(&p.ipi_addr));
    Some((ip, ip, p.ipi_ifindex))
}

pub(crate) fn encode_pktinfo_v4(
    _kind: CmsgKind,
    src: Ipv4Addr,
    ifindex: u32,
    out: &mut [u8],
) -> usize {
    let p = IN_PKTINFO {
        ipi_addr: in_addr(src),
        ipi_ifindex: ifindex,
    };
    write_struct(&p, out)
}

pub(crate) fn decode_pktinfo_v6(data: &[u8]) -> Option<(Ipv6Addr, u32)> {
    let p: IN6_PKTINFO = read_struct(data)?;
    Some((
        Ipv6Addr::from(in6_addr_octets(&p.ipi6_addr)),
        p.ipi6_ifindex,
    ))
}

pub(crate) fn encode_pktinfo_v6(src: Ipv6Addr, ifindex: u32, out: &mut [u8]) -> usize {
    let p = IN6_PKTINFO {
        ipi6_addr: in6_addr(src),
        ipi6_ifindex: ifindex,
    };
    write_struct(&p, out)
}

/// Windows delivers no receive timestamps as control messages.
pub(crate) fn decode_timestamp(_kind: CmsgKind, _data: &[u8]) -> Option<Duration> {
    None
}

/// `UDP_SEND_MSG_SIZE` takes a `DWORD`.
pub(crate) fn encode_segment(size: u16, out: &mut [u8]) -> usize {
    write_struct(&u32::from(size), out)
}

// ---- receive switches ---------------------------------------------------

pub(crate) const RECV_PKTINFO_V4: Option<(c_int, c_int)> = Some((ws::IPPROTO_IP, ws::IP_PKTINFO));
pub(crate) const RECV_PKTINFO_V6: Option<(c_int, c_int)> =
    Some((ws::IPPROTO_IPV6, ws::IPV6_PKTINFO));
pub(crate) const RECV_TOS_V4: Option<(c_int, c_int)> = Some((ws::IPPROTO_IP, ws::IP_RECVTOS));
pub(crate) const RECV_TCLASS_V6: Option<(c_int, c_int)> =
    Some((ws::IPPROTO_IPV6, ws::IPV6_RECVTCLASS));
pub(crate) const RECV_TTL_V4: Option<(c_int, c_int)> = Some((ws::IPPROTO_IP, ws::IP_RECVTTL));
pub(crate) const RECV_HOPLIMIT_V6: Option<(c_int, c_int)> =
    Some((ws::IPPROTO_IPV6, ws::IPV6_HOPLIMIT));
pub(crate) const RECV_TIMESTAMP: Option<(c_int, c_int)> = None;
pub(crate) const UDP_GRO: Option<(c_int, c_int)> = None;
pub(crate) const UDP_SEGMENT: Option<(c_int, c_int)> =
    Some((ws::IPPROTO_UDP, ws::UDP_SEND_MSG_SIZE));
pub(crate) const RECV_ERR_V4: Option<(c_int, c_int)> = None;
pub(crate) const RECV_ERR_V6: Option<(c_int, c_int)> = None;
pub(crate) const PASSCRED: Option<(c_int, c_int)> = None;

/// A segmented send refused: the stack lacks USO.
pub(crate) fn segmentation_refused(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(ws::WSAEINVAL | ws::WSAEOPNOTSUPP | ws::WSAENOPROTOOPT)
    )
}

/// Whether the stack knows `UDP_SEND_MSG_SIZE` (Windows 10 2004+).
pub(crate) fn has_segmentation(s: Socket) -> bool {
    super::getsockopt::<u32>(s, ws::IPPROTO_UDP, ws::UDP_SEND_MSG_SIZE).is_ok()
}

// ---- message calls ------------------------------------------------------

pub(crate) const MSG_TRUNC: c_int = ws::MSG_TRUNC as c_int;
pub(crate) const MSG_CTRUNC: c_int = ws::MSG_CTRUNC as c_int;
/// Winsock has no `MSG_DONTWAIT`: this crate-private bit asks the receive
/// loop to stop, rather than wait, when nothing is queued (`FIONREAD`);
/// it is never passed to Winsock.
pub(crate) const MSG_DONTWAIT: c_int = 0x4000_0000;

pub(crate) const BATCH_MAX: usize = 32;

/// Finds a Winsock extension function (`WSAIoctl`
/// `SIO_GET_EXTENSION_FUNCTION_POINTER`) through `s`.
pub(super) fn extension<F: Copy>(s: Socket, guid: &windows_sys::core::GUID) -> io::Result<F> {
    let mut f = mem::MaybeUninit::<F>::zeroed();
    let mut bytes = 0u32;
    syscall!(WSAIoctl(
        s,
        ws::SIO_GET_EXTENSION_FUNCTION_POINTER,
        (guid as *const windows_sys::core::GUID).cast(),
        mem::size_of::<windows_sys::core::GUID>() as u32,
        f.as_mut_ptr().cast(),
        mem::size_of::<F>() as u32,
        &mut bytes,
        ptr::null_mut(),
        None,
    ))?;
    // SAFETY: zeroed (a null `Option<fn>`), then written by Winsock.
    Ok(unsafe { f.assume_init() })
}

/// `WSARecvMsg`, looked up once (the pointer is the same for every
/// socket of the Microsoft providers, as quinn-udp and std assume).
pub(super) fn wsa_recv_msg(s: Socket) -> io::Result<LPFN_WSARECVMSG> {
    static F: OnceLock<usize> = OnceLock::new();
    if let Some(&f) = F.get() {
        // SAFETY: stored below from a non-null LPFN_WSARECVMSG.
        return Ok(unsafe { mem::transmute::<usize, LPFN_WSARECVMSG>(f) });
    }
    let f: LPFN_WSARECVMSG = extension(s, &ws::WSAID_WSARECVMSG)?;
    let Some(raw) = f else {
        return Err(io::Error::from(io::ErrorKind::Unsupported));
    };
    let _ = F.set(raw as usize);
    Ok(f)
}

/// `TransmitFile`, looked up once.
fn transmit_file(s: Socket) -> io::Result<LPFN_TRANSMITFILE> {
    static F: OnceLock<usize> = OnceLock::new();
    if let Some(&f) = F.get() {
        // SAFETY: stored below from a non-null LPFN_TRANSMITFILE.
        return Ok(unsafe { mem::transmute::<usize, LPFN_TRANSMITFILE>(f) });
    }
    let f: LPFN_TRANSMITFILE = extension(s, &ws::WSAID_TRANSMITFILE)?;
    let Some(raw) = f else {
        return Err(io::Error::from(io::ErrorKind::Unsupported));
    };
    let _ = F.set(raw as usize);
    Ok(f)
}

fn buf_count(n: usize) -> io::Result<u32> {
    u32::try_from(n).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// `WSASendMsg` with control data, else `WSASendTo` / `WSASend`.
/// `IoSlice` is ABI-compatible with `WSABUF` (std guarantees it).
pub(crate) fn sendmsg(
    s: Socket,
    addr: Option<&SockAddr>,
    bufs: &[IoSlice<'_>],
    control: &[u8],
    flags: c_int,
) -> io::Result<usize> {
    let mut sent = 0u32;
    let count = buf_count(bufs.len())?;
    let wsabufs = bufs.as_ptr() as *mut WSABUF;
    if control.is_empty() {
        match addr {
            Some(a) => syscall!(WSASendTo(
                s,
                wsabufs,
                count,
                &mut sent,
                flags as u32,
                a.as_ptr(),
                a.len(),
                ptr::null_mut(),
                None
            ))?,
            None => syscall!(WSASend(
                s,
                wsabufs,
                count,
                &mut sent,
                flags as u32,
                ptr::null_mut(),
                None
            ))?,
        };
        return Ok(sent as usize);
    }
    let (name, namelen) = match addr {
        Some(a) => (a.as_ptr() as *mut ws::SOCKADDR, a.len()),
        None => (ptr::null_mut(), 0),
    };
    let msg = WSAMSG {
        name,
        namelen,
        lpBuffers: wsabufs,
        dwBufferCount: count,
        Control: WSABUF {
            len: buf_count(control.len())?,
            buf: control.as_ptr() as *mut u8,
        },
        dwFlags: 0,
    };
    // Winsock only reads through the pointers of a send.
    syscall!(WSASendMsg(
        s,
        &msg,
        flags as u32,
        &mut sent,
        ptr::null_mut(),
        None
    ))?;
    Ok(sent as usize)
}

/// `WSARecvMsg` with a control area, else `WSARecvFrom`. A datagram
/// longer than the buffers (`WSAEMSGSIZE`) is reported as `MSG_TRUNC`
/// with the buffers full, as Unix reports it; a reading side shut down
/// (`WSAESHUTDOWN`) as end of stream.
pub(crate) fn recvmsg(
    s: Socket,
    bufs: &mut [IoSliceMut<'_>],
    control: &mut [mem::MaybeUninit<u8>],
    flags: c_int,
) -> io::Result<(usize, SockAddr, c_int, usize)> {
    let flags = flags & !MSG_DONTWAIT;
    let total: usize = bufs.iter().map(|b| b.len()).sum();
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    let count = buf_count(bufs.len())?;
    let wsabufs = bufs.as_mut_ptr() as *mut WSABUF;
    let mut got = 0u32;
    if control.is_empty() {
        let mut fl = flags as u32;
        // SAFETY: the buffers, the address storage and its length are
        // valid and writable for the call.
        let res = unsafe {
            ws::WSARecvFrom(
                s,
                wsabufs,
                count,
                &mut got,
                &mut fl,
                storage.cast(),
                len,
                ptr::null_mut(),
                None,
            )
        };
        if res == ws::SOCKET_ERROR {
            return match last_error() {
                e if e.raw_os_error() == Some(ws::WSAEMSGSIZE) => Ok((total, addr, MSG_TRUNC, 0)),
                e if e.raw_os_error() == Some(ws::WSAESHUTDOWN) => Ok((0, SockAddr::empty(), 0, 0)),
                e => Err(e),
            };
        }
        return Ok((got as usize, addr, fl as c_int, 0));
    }
    let recv = wsa_recv_msg(s)?.ok_or_else(|| io::Error::from(io::ErrorKind::Unsupported))?;
    // SAFETY: `len` points at the address's length, just set.
    let namelen = unsafe { *len };
    let mut msg = WSAMSG {
        name: storage.cast(),
        namelen,
        lpBuffers: wsabufs,
        dwBufferCount: count,
        Control: WSABUF {
            len: buf_count(control.len())?,
            buf: control.as_mut_ptr().cast(),
        },
        dwFlags: flags as u32,
    };
    // SAFETY: every pointer in `msg` is valid and writable for the call.
    let res = unsafe { recv(s, &mut msg, &mut got, ptr::null_mut(), None) };
    addr.len = msg.namelen;
    if res == ws::SOCKET_ERROR {
        let e = last_error();
        if e.raw_os_error() == Some(ws::WSAEMSGSIZE) {
            let clen = (msg.Control.len as usize).min(control.len());
            return Ok((total, addr, msg.dwFlags as c_int | MSG_TRUNC, clen));
        }
        return Err(e);
    }
    let clen = (msg.Control.len as usize).min(control.len());
    Ok((got as usize, addr, msg.dwFlags as c_int, clen))
}

/// Windows has no `sendmmsg`: one `WSASendMsg` a datagram, stopping at
/// the first error (reported only when nothing was sent).
pub(crate) fn sendmmsg(s: Socket, msgs: &[OutMsg<'_>]) -> io::Result<usize> {
    for (i, m) in msgs.iter().enumerate() {
        if let Err(e) = sendmsg(s, m.addr, &m.iov(), m.control, 0) {
            return if i == 0 { Err(e) } else { Ok(i) };
        }
    }
    Ok(msgs.len())
}

/// Bytes queued for reading (`ioctlsocket(FIONREAD)`).
fn queued(s: Socket) -> bool {
    let mut n = 0u32;
    super::ioctlsocket(s, ws::FIONREAD, &mut n).is_ok() && n > 0
}

/// Windows has no `recvmmsg`: one `WSARecvMsg` a datagram; the first may
/// wait (unless `MSG_DONTWAIT` is asked for), the loop stops when nothing
/// more is queued.
pub(crate) fn recvmmsg(s: Socket, msgs: &mut [InMsg<'_>], flags: c_int) -> io::Result<usize> {
    let count = msgs.len();
    for (i, m) in msgs.iter_mut().enumerate() {
        if (i > 0 || flags & MSG_DONTWAIT != 0) && !queued(s) {
            return if i == 0 {
                Err(io::Error::from(io::ErrorKind::WouldBlock))
            } else {
                Ok(i)
            };
        }
        let mut iov = [IoSliceMut::new(m.data)];
        match recvmsg(s, &mut iov, m.control, flags) {
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

// ---- files ---------------------------------------------------------------

pub(crate) const SENDFILE_CHUNK: usize = 0x7fff_f000;

/// One `TransmitFile` of `count` bytes of `file` from `offset`: the
/// offset goes in an `OVERLAPPED` (so the file's own position is not
/// used), and the call is waited for with `WSAGetOverlappedResult` (the
/// crate's sockets are overlapped). The event's low bit is set so that a
/// completion port the socket may be tied to is not notified.
pub(crate) fn sendfile(s: Socket, file: &File, offset: u64, count: usize) -> io::Result<usize> {
    let transmit = transmit_file(s)?.ok_or_else(|| io::Error::from(io::ErrorKind::Unsupported))?;
    let count = u32::try_from(count).unwrap_or(SENDFILE_CHUNK as u32);
    // SAFETY: no arguments; a manual-reset, unsignalled event or null.
    let event = unsafe { ws::WSACreateEvent() };
    if event == 0 {
        return Err(last_error());
    }
    // SAFETY: OVERLAPPED is plain data; all zeros is its initial state.
    let mut ov: OVERLAPPED = unsafe { mem::zeroed() };
    ov.Anonymous.Anonymous.Offset = offset as u32;
    ov.Anonymous.Anonymous.OffsetHigh = (offset >> 32) as u32;
    ov.hEvent = (event as usize | 1) as HANDLE;
    // SAFETY: the socket and file handles are open; `ov` lives until the
    // wait below completes.
    let ok = unsafe {
        transmit(
            s,
            file.as_raw_handle() as HANDLE,
            count,
            0,
            &mut ov,
            ptr::null(),
            0,
        )
    };
    let pending = if ok == 0 {
        let e = last_error();
        if e.raw_os_error() != Some(ws::WSA_IO_PENDING) {
            Err(e)
        } else {
            Ok(())
        }
    } else {
        Ok(())
    };
    let result = pending.and_then(|()| {
        let mut sent = 0u32;
        let mut flags = 0u32;
        // SAFETY: `ov` is the one passed to TransmitFile; wait for it.
        if unsafe { ws::WSAGetOverlappedResult(s, &ov, &mut sent, 1, &mut flags) } == 0 {
            Err(last_error())
        } else {
            Ok(sent as usize)
        }
    });
    // SAFETY: the event was created above and is no longer used.
    unsafe { ws::WSACloseEvent(event) };
    result
}

/// The public constants of the receive switches and control messages,
/// with Winsock's values (re-exported at the crate root).
pub mod msg_constants {
    use std::os::raw::c_int;
    use windows_sys::Win32::Networking::WinSock as ws;

    /// `IP_PKTINFO`: deliver (and, as a control message, set) an IPv4
    /// datagram's destination / source and interface.
    pub const IP_PKTINFO: c_int = ws::IP_PKTINFO;
    /// `IPV6_PKTINFO`: the same for IPv6 (as an option too: Winsock has no
    /// `IPV6_RECVPKTINFO`).
    pub const IPV6_PKTINFO: c_int = ws::IPV6_PKTINFO;
    /// `IP_RECVTOS`: deliver each IPv4 datagram's TOS byte.
    pub const IP_RECVTOS: c_int = ws::IP_RECVTOS;
    /// `IPV6_RECVTCLASS`: deliver each IPv6 datagram's traffic class.
    pub const IPV6_RECVTCLASS: c_int = ws::IPV6_RECVTCLASS;
    /// `IP_RECVTTL`: deliver each IPv4 datagram's TTL.
    pub const IP_RECVTTL: c_int = ws::IP_RECVTTL;
    /// `IPV6_HOPLIMIT`: deliver each IPv6 datagram's hop limit.
    pub const IPV6_HOPLIMIT: c_int = ws::IPV6_HOPLIMIT;
    /// `IP_ECN`: the ECN bits of an IPv4 send, as a control message.
    pub const IP_ECN: c_int = ws::IP_ECN;
    /// `IPV6_ECN`: the ECN bits of an IPv6 send, as a control message.
    pub const IPV6_ECN: c_int = ws::IPV6_ECN;
    /// `UDP_SEND_MSG_SIZE`: the segment size of a segmented send (USO).
    pub const UDP_SEND_MSG_SIZE: c_int = ws::UDP_SEND_MSG_SIZE;
    /// `UDP_RECV_MAX_COALESCED_SIZE`: the most bytes a coalesced receive
    /// (URO) may hold.
    pub const UDP_RECV_MAX_COALESCED_SIZE: c_int = ws::UDP_RECV_MAX_COALESCED_SIZE;
    /// `MSG_TRUNC`: in a received message's flags, the datagram was cut.
    pub const MSG_TRUNC: c_int = ws::MSG_TRUNC as c_int;
    /// `MSG_CTRUNC`: in a received message's flags, the control area was
    /// cut.
    pub const MSG_CTRUNC: c_int = ws::MSG_CTRUNC as c_int;
}
