//! Socket options: `getsockopt` and `setsockopt` for plain values, and
//! the options whose value is a struct or a different unit than on Unix
//! (`LINGER` of two `u_short`s, timeouts as a `DWORD` of milliseconds),
//! any option as bytes, the multicast requests, and the options Windows
//! reaches through `WSAIoctl` (keep-alive values, ACK frequency,
//! `SIO_TCP_INFO`).

use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::raw::c_int;
use std::time::Duration;

use windows_sys::Win32::Networking::WinSock::{
    tcp_keepalive, IPV6_MREQ, IP_MREQ, IP_MREQ_SOURCE, LINGER, SIO_KEEPALIVE_VALS, SIO_TCP_INFO,
    SIO_TCP_SET_ACK_FREQUENCY, SO_ORIGINAL_DST,
};

use super::{
    socklen_t, Socket, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IP_MULTICAST_IF, SOL_SOCKET,
    SO_LINGER,
};
use crate::sys::addr_layout::{in6_addr, in_addr};
use crate::sys::{SockAddr, TcpInfo, TcpState};

/// `getsockopt` for an option whose value is a plain `T`.
///
/// Winsock documents its boolean options as a 4-byte `DWORD` but often
/// writes a single byte (observed for `TCP_NODELAY`, `SO_KEEPALIVE`,
/// `IPV6_V6ONLY`). The value starts zeroed, and Windows is little-endian
/// on every architecture it runs on, so a 1-byte write reads as 0 or 1.
pub(crate) fn getsockopt<T: Copy>(s: Socket, level: c_int, name: c_int) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = mem::size_of::<T>() as socklen_t;
    syscall!(getsockopt(
        s,
        level,
        name,
        value.as_mut_ptr().cast(),
        &mut len
    ))?;
    // SAFETY: zero-initialised above and then (partly) written by Winsock;
    // `T` is a plain C type for which every bit pattern is valid.
    Ok(unsafe { value.assume_init() })
}

/// `setsockopt` for an option whose value is a plain `T`.
pub(crate) fn setsockopt<T: Copy>(
    s: Socket,
    level: c_int,
    name: c_int,
    value: T,
) -> io::Result<()> {
    syscall!(setsockopt(
        s,
        level,
        name,
        (&value as *const T).cast(),
        mem::size_of::<T>() as socklen_t
    ))
    .map(|_| ())
}
/// `SO_LINGER` as `(on, seconds)`; Winsock's `LINGER` holds two `u_short`s.
pub(crate) fn linger(s: Socket) -> io::Result<Option<Duration>> {
    let l: LINGER = getsockopt(s, SOL_SOCKET, SO_LINGER)?;
    Ok((l.l_onoff != 0).then(|| Duration::from_secs(u64::from(l.l_linger))))
}

/// Sets `SO_LINGER`; durations past `u16::MAX` seconds (18 hours) are
/// clamped to it, the most Winsock can hold.
pub(crate) fn set_linger(s: Socket, linger: Option<Duration>) -> io::Result<()> {
    let l = LINGER {
        l_onoff: u16::from(linger.is_some()),
        l_linger: linger.map_or(0, |d| d.as_secs().min(u64::from(u16::MAX)) as u16),
    };
    setsockopt(s, SOL_SOCKET, SO_LINGER, l)
}

/// `SO_RCVTIMEO` / `SO_SNDTIMEO`, a `DWORD` of milliseconds on Windows;
/// zero means none.
pub(crate) fn timeout(s: Socket, opt: c_int) -> io::Result<Option<Duration>> {
    let ms: u32 = getsockopt(s, SOL_SOCKET, opt)?;
    Ok((ms != 0).then(|| Duration::from_millis(u64::from(ms))))
}

/// Sets a timeout in whole milliseconds, rounded up so that a short
/// non-zero duration (even zero, as on Unix) never reads as "no timeout";
/// longer than `u32::MAX` ms (49 days) is clamped.
pub(crate) fn set_timeout(s: Socket, opt: c_int, dur: Option<Duration>) -> io::Result<()> {
    let ms: u32 = match dur {
        None => 0,
        Some(d) => {
            let ms = d
                .as_secs()
                .saturating_mul(1000)
                .saturating_add(u64::from(d.subsec_nanos().div_ceil(1_000_000)));
            ms.clamp(1, u64::from(u32::MAX)) as u32
        }
    };
    setsockopt(s, SOL_SOCKET, opt, ms)
}

/// `getsockopt` into `buf`; returns how many bytes Winsock wrote.
pub(crate) fn getsockopt_bytes(
    s: Socket,
    level: c_int,
    name: c_int,
    buf: &mut [u8],
) -> io::Result<usize> {
    let mut len = socklen_t::try_from(buf.len()).unwrap_or(socklen_t::MAX);
    // Winsock writes at most `len` bytes into `buf`, which holds them.
    syscall!(getsockopt(s, level, name, buf.as_mut_ptr(), &mut len))?;
    Ok(len as usize)
}

/// `setsockopt` with `value` as the option's bytes.
pub(crate) fn setsockopt_bytes(
    s: Socket,
    level: c_int,
    name: c_int,
    value: &[u8],
) -> io::Result<()> {
    let len = socklen_t::try_from(value.len()).map_err(|_| {
        crate::error::invalid_input(
            "socket option value of",
            value.len(),
            "bytes is longer than the OS takes",
        )
    })?;
    // Winsock reads `len` bytes of `value`, all of it.
    syscall!(setsockopt(s, level, name, value.as_ptr(), len)).map(|_| ())
}

/// `IP_ADD_MEMBERSHIP` / `IP_DROP_MEMBERSHIP` with an `IP_MREQ`.
pub(crate) fn set_mreq_v4(
    s: Socket,
    name: c_int,
    group: Ipv4Addr,
    iface: Ipv4Addr,
) -> io::Result<()> {
    let mreq = IP_MREQ {
        imr_multiaddr: in_addr(group),
        imr_interface: in_addr(iface),
    };
    setsockopt(s, IPPROTO_IP, name, mreq)
}

/// The same by index: Winsock reads an `imr_interface` in `0.0.0.0/8` as
/// an interface index (`0.0.0.index`).
pub(crate) fn set_mreqn_v4(
    s: Socket,
    name: c_int,
    group: Ipv4Addr,
    address: Ipv4Addr,
    index: u32,
) -> io::Result<()> {
    if index == 0 {
        return set_mreq_v4(s, name, group, address);
    }
    if index > 0x00ff_ffff {
        return Err(crate::error::invalid_input(
            "interface index",
            index,
            "is too large for Winsock's 0.0.0.0/8 encoding",
        ));
    }
    set_mreq_v4(s, name, group, Ipv4Addr::from(index))
}

/// `IP_ADD_SOURCE_MEMBERSHIP` / `IP_DROP_SOURCE_MEMBERSHIP`.
pub(crate) fn set_mreq_source_v4(
    s: Socket,
    name: c_int,
    group: Ipv4Addr,
    source: Ipv4Addr,
    iface: Ipv4Addr,
) -> io::Result<()> {
    let mreq = IP_MREQ_SOURCE {
        imr_multiaddr: in_addr(group),
        imr_sourceaddr: in_addr(source),
        imr_interface: in_addr(iface),
    };
    setsockopt(s, IPPROTO_IP, name, mreq)
}

/// `IPV6_ADD_MEMBERSHIP` / `IPV6_DROP_MEMBERSHIP` with an `IPV6_MREQ`.
pub(crate) fn set_mreq_v6(s: Socket, name: c_int, group: Ipv6Addr, index: u32) -> io::Result<()> {
    let mreq = IPV6_MREQ {
        ipv6mr_multiaddr: in6_addr(group),
        ipv6mr_interface: index,
    };
    setsockopt(s, IPPROTO_IPV6, name, mreq)
}

/// `IP_MULTICAST_IF`: an `IN_ADDR` both ways.
pub(crate) fn multicast_if_v4(s: Socket) -> io::Result<Ipv4Addr> {
    let octets: [u8; 4] = getsockopt(s, IPPROTO_IP, IP_MULTICAST_IF)?;
    Ok(Ipv4Addr::from(octets))
}

pub(crate) fn set_multicast_if_v4(s: Socket, iface: Ipv4Addr) -> io::Result<()> {
    setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, iface.octets())
}

/// `SO_ORIGINAL_DST`: the destination before a WFP redirect.
pub(crate) fn original_dst_v4(s: Socket) -> io::Result<SockAddr> {
    original_dst(s)
}

pub(crate) fn original_dst_v6(s: Socket) -> io::Result<SockAddr> {
    original_dst(s)
}

fn original_dst(s: Socket) -> io::Result<SockAddr> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    // `storage` and `len` point into `addr`: a whole SOCKADDR_STORAGE and
    // its size, which Winsock fills and updates.
    syscall!(getsockopt(
        s,
        SOL_SOCKET,
        SO_ORIGINAL_DST as c_int,
        storage.cast(),
        len
    ))?;
    Ok(addr)
}

/// `WSAIoctl` with an input value and no output.
fn ioctl_in<T: Copy>(s: Socket, code: u32, value: T) -> io::Result<()> {
    let mut returned = 0u32;
    // The input is `value`, read for its size; no output buffer; no
    // overlapped I/O, so the call completes before it returns.
    syscall!(WSAIoctl(
        s,
        code,
        (&value as *const T).cast(),
        mem::size_of::<T>() as u32,
        std::ptr::null_mut(),
        0,
        &mut returned,
        std::ptr::null_mut(),
        None
    ))
    .map(|_| ())
}

/// Keep-alive: time and interval through `SIO_KEEPALIVE_VALS` (which
/// takes both, in milliseconds: a missing one gets Windows' default, 2 h
/// and 1 s), retries through `TCP_KEEPCNT`.
pub(crate) fn set_tcp_keepalive(
    s: Socket,
    time: Option<c_int>,
    interval: Option<c_int>,
    retries: Option<c_int>,
) -> io::Result<()> {
    if time.is_some() || interval.is_some() {
        let ms = |secs: c_int| (secs as u32).saturating_mul(1000);
        let vals = tcp_keepalive {
            onoff: 1,
            keepalivetime: time.map_or(7_200_000, ms),
            keepaliveinterval: interval.map_or(1000, ms),
        };
        ioctl_in(s, SIO_KEEPALIVE_VALS, vals)?;
    }
    if let Some(n) = retries {
        setsockopt(s, IPPROTO_TCP, super::TCP_KEEPCNT, n)?;
    }
    Ok(())
}

/// `SIO_TCP_SET_ACK_FREQUENCY`.
pub(crate) fn set_tcp_ack_frequency(s: Socket, frequency: u8) -> io::Result<()> {
    ioctl_in(s, SIO_TCP_SET_ACK_FREQUENCY, frequency)
}

/// `TCP_INFO_v0` as Windows writes it, with its `BOOLEAN` as a byte
/// (windows-sys's `bool` would be undefined for any other value).
#[repr(C)]
#[derive(Clone, Copy)]
struct TcpInfoV0 {
    state: i32,
    mss: u32,
    connection_time_ms: u64,
    timestamps_enabled: u8,
    rtt_us: u32,
    min_rtt_us: u32,
    bytes_in_flight: u32,
    cwnd: u32,
    snd_wnd: u32,
    rcv_wnd: u32,
    rcv_buf: u32,
    bytes_out: u64,
    bytes_in: u64,
    bytes_reordered: u32,
    bytes_retrans: u32,
    fast_retrans: u32,
    dup_acks_in: u32,
    timeout_episodes: u32,
    syn_retrans: u8,
}

/// `WSAIoctl(SIO_TCP_INFO)`, version 0 (Windows 10 1703+).
pub(crate) fn tcp_info(s: Socket) -> io::Result<TcpInfo> {
    let version: u32 = 0;
    let mut info = MaybeUninit::<TcpInfoV0>::zeroed();
    let mut returned = 0u32;
    // In: the version, 4 bytes; out: `info`, written for its size at
    // most; no overlapped I/O.
    syscall!(WSAIoctl(
        s,
        SIO_TCP_INFO,
        (&version as *const u32).cast(),
        4,
        info.as_mut_ptr().cast(),
        mem::size_of::<TcpInfoV0>() as u32,
        &mut returned,
        std::ptr::null_mut(),
        None
    ))?;
    // SAFETY: zeroed above, then written by Winsock; every field is an
    // integer, valid for every bit pattern.
    let i = unsafe { info.assume_init() };
    Ok(TcpInfo {
        state: Some(match i.state {
            0 => TcpState::Closed,
            1 => TcpState::Listen,
            2 => TcpState::SynSent,
            3 => TcpState::SynReceived,
            4 => TcpState::Established,
            5 => TcpState::FinWait1,
            6 => TcpState::FinWait2,
            7 => TcpState::CloseWait,
            8 => TcpState::Closing,
            9 => TcpState::LastAck,
            10 => TcpState::TimeWait,
            n => TcpState::Other(n as u32),
        }),
        rtt: Some(Duration::from_micros(u64::from(i.rtt_us))),
        cwnd_bytes: Some(i.cwnd),
        bytes_retransmitted: Some(u64::from(i.bytes_retrans)),
        mss: Some(i.mss),
        bytes_sent: Some(i.bytes_out),
        bytes_received: Some(i.bytes_in),
        ..TcpInfo::default()
    })
}
