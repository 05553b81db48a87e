//! Socket options: `getsockopt(2)` and `setsockopt(2)` for plain values,
//! any option as bytes, and the options whose value is a C structure
//! (`linger`, `timeval`, the multicast requests, a BPF program) or that
//! take a call of their own (Fast Open's connect).

use std::io;
use std::mem::{self, MaybeUninit};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::raw::c_int;
use std::time::Duration;

use super::{socklen_t, Socket};
use crate::sys::addr_layout::{in6_addr, in_addr};
use crate::sys::SockAddr;

/// `getsockopt(2)` for an option whose value is a plain `T`.
///
/// The value starts zeroed, so a kernel that writes fewer bytes than
/// `size_of::<T>()` leaves the rest zero: a one-byte boolean still reads
/// as non-zero (on a big-endian machine as a larger number, which is why
/// the typed getters only ever test booleans against zero).
#[inline]
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
    // SAFETY: zero-initialised above and then written by the kernel; `T`
    // is a plain C type for which every bit pattern is valid.
    Ok(unsafe { value.assume_init() })
}

/// `setsockopt(2)` for an option whose value is a plain `T`.
#[inline]
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

/// `SO_LINGER` as `(on, seconds)`.
pub(crate) fn linger(s: Socket) -> io::Result<Option<Duration>> {
    let l: libc::linger = getsockopt(s, libc::SOL_SOCKET, libc::SO_LINGER)?;
    Ok((l.l_onoff != 0).then(|| Duration::from_secs(l.l_linger as u64)))
}

pub(crate) fn set_linger(s: Socket, linger: Option<Duration>) -> io::Result<()> {
    let l = libc::linger {
        l_onoff: c_int::from(linger.is_some()),
        l_linger: linger.map_or(0, |d| d.as_secs().min(c_int::MAX as u64) as c_int),
    };
    setsockopt(s, libc::SOL_SOCKET, libc::SO_LINGER, l)
}

/// `SO_RCVTIMEO` / `SO_SNDTIMEO`, a `timeval` on Unix; zero means none.
pub(crate) fn timeout(s: Socket, opt: c_int) -> io::Result<Option<Duration>> {
    let tv: libc::timeval = getsockopt(s, libc::SOL_SOCKET, opt)?;
    if tv.tv_sec == 0 && tv.tv_usec == 0 {
        Ok(None)
    } else {
        Ok(Some(
            Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64),
        ))
    }
}

pub(crate) fn set_timeout(s: Socket, opt: c_int, dur: Option<Duration>) -> io::Result<()> {
    let tv = match dur {
        None => libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        Some(d) => {
            let mut tv = libc::timeval {
                tv_sec: d.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_usec: d.subsec_micros() as libc::suseconds_t,
            };
            // A non-zero duration under 1 µs would read as "no timeout".
            if tv.tv_sec == 0 && tv.tv_usec == 0 {
                tv.tv_usec = 1;
            }
            tv
        }
    };
    setsockopt(s, libc::SOL_SOCKET, opt, tv)
}

/// `getsockopt(2)` into `buf`; returns how many bytes the kernel wrote.
pub(crate) fn getsockopt_bytes(
    s: Socket,
    level: c_int,
    name: c_int,
    buf: &mut [u8],
) -> io::Result<usize> {
    let mut len = socklen_t::try_from(buf.len()).unwrap_or(socklen_t::MAX);
    // The kernel writes at most `len` bytes into `buf`, which holds them.
    syscall!(getsockopt(
        s,
        level,
        name,
        buf.as_mut_ptr().cast(),
        &mut len
    ))?;
    Ok(len as usize)
}

/// `setsockopt(2)` with `value` as the option's bytes.
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
    // The kernel reads `len` bytes of `value`, all of it.
    syscall!(setsockopt(s, level, name, value.as_ptr().cast(), len)).map(|_| ())
}

/// `IP_ADD_MEMBERSHIP` / `IP_DROP_MEMBERSHIP` (`name`) with an
/// `ip_mreq`: the group and the local interface's address.
pub(crate) fn set_mreq_v4(
    s: Socket,
    name: c_int,
    group: Ipv4Addr,
    iface: Ipv4Addr,
) -> io::Result<()> {
    let mreq = libc::ip_mreq {
        imr_multiaddr: in_addr(group),
        imr_interface: in_addr(iface),
    };
    setsockopt(s, libc::IPPROTO_IP, name, mreq)
}

/// The same with an `ip_mreqn`: the group, and the interface by address
/// or (when `index` is not 0) by index.
#[cfg(mreqn)]
pub(crate) fn set_mreqn_v4(
    s: Socket,
    name: c_int,
    group: Ipv4Addr,
    address: Ipv4Addr,
    index: u32,
) -> io::Result<()> {
    let index = c_int::try_from(index).map_err(|_| {
        crate::error::invalid_input("interface index", index, "does not fit in a C int")
    })?;
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: in_addr(group),
        imr_address: in_addr(address),
        imr_ifindex: index,
    };
    setsockopt(s, libc::IPPROTO_IP, name, mreqn)
}

/// `IP_ADD_SOURCE_MEMBERSHIP` / `IP_DROP_SOURCE_MEMBERSHIP` with an
/// `ip_mreq_source` (its field order differs between systems, so the
/// fields are named).
#[cfg(ssm)]
pub(crate) fn set_mreq_source_v4(
    s: Socket,
    name: c_int,
    group: Ipv4Addr,
    source: Ipv4Addr,
    iface: Ipv4Addr,
) -> io::Result<()> {
    // SAFETY: `ip_mreq_source` is a C structure of addresses, for which
    // all zeroes is a valid value; every field is then set.
    let mut mreq: libc::ip_mreq_source = unsafe { mem::zeroed() };
    mreq.imr_multiaddr = in_addr(group);
    mreq.imr_sourceaddr = in_addr(source);
    mreq.imr_interface = in_addr(iface);
    setsockopt(s, libc::IPPROTO_IP, name, mreq)
}

/// `IPV6_ADD_MEMBERSHIP` / `IPV6_DROP_MEMBERSHIP` with an `ipv6_mreq`.
pub(crate) fn set_mreq_v6(s: Socket, name: c_int, group: Ipv6Addr, index: u32) -> io::Result<()> {
    let mreq = libc::ipv6_mreq {
        ipv6mr_multiaddr: in6_addr(group),
        ipv6mr_interface: index as _,
    };
    setsockopt(s, libc::IPPROTO_IPV6, name, mreq)
}

/// `IP_MULTICAST_IF` as an address (the kernel answers with an `in_addr`).
pub(crate) fn multicast_if_v4(s: Socket) -> io::Result<Ipv4Addr> {
    let a: libc::in_addr = getsockopt(s, libc::IPPROTO_IP, libc::IP_MULTICAST_IF)?;
    Ok(Ipv4Addr::from(a.s_addr.to_ne_bytes()))
}

pub(crate) fn set_multicast_if_v4(s: Socket, iface: Ipv4Addr) -> io::Result<()> {
    setsockopt(s, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, in_addr(iface))
}

/// `SO_ORIGINAL_DST` / `IP6T_SO_ORIGINAL_DST`: the address a connection
/// was sent to before netfilter redirected it.
#[cfg(linux_like)]
pub(crate) fn original_dst_v4(s: Socket) -> io::Result<SockAddr> {
    original_dst(s, libc::SOL_IP, libc::SO_ORIGINAL_DST)
}

#[cfg(linux_like)]
pub(crate) fn original_dst_v6(s: Socket) -> io::Result<SockAddr> {
    original_dst(s, libc::SOL_IPV6, libc::IP6T_SO_ORIGINAL_DST)
}

#[cfg(linux_like)]
fn original_dst(s: Socket, level: c_int, name: c_int) -> io::Result<SockAddr> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    // `storage` and `len` point into `addr`: a whole sockaddr_storage and
    // its size, which the kernel fills and updates.
    syscall!(getsockopt(s, level, name, storage.cast(), len))?;
    Ok(addr)
}

/// A Linux classic-BPF instruction (`struct sock_filter`), for
/// [`SocketHandle::attach_filter`](crate::SocketHandle::attach_filter).
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct SockFilter(libc::sock_filter);

#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
impl SockFilter {
    /// One instruction: operation `code`, jump offsets `jt` (true) and
    /// `jf` (false), and the operand `k`, as `BPF_STMT` / `BPF_JUMP` build
    /// them in C.
    pub const fn new(code: u16, jt: u8, jf: u8, k: u32) -> SockFilter {
        SockFilter(libc::sock_filter { code, jt, jf, k })
    }
}

#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
impl std::fmt::Debug for SockFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SockFilter")
            .field("code", &self.0.code)
            .field("jt", &self.0.jt)
            .field("jf", &self.0.jf)
            .field("k", &self.0.k)
            .finish()
    }
}

/// `SO_ATTACH_FILTER` with a `sock_fprog` over `filters`.
#[cfg(linux_like)]
pub(crate) fn attach_filter(s: Socket, filters: &[SockFilter]) -> io::Result<()> {
    let len = u16::try_from(filters.len()).map_err(|_| {
        crate::error::invalid_input(
            "BPF program of",
            filters.len(),
            "instructions is longer than 65535",
        )
    })?;
    let prog = libc::sock_fprog {
        len,
        // The kernel only reads the program; `SockFilter` is a
        // transparent `sock_filter`, so the slice is an array of them.
        filter: filters.as_ptr() as *mut libc::sock_filter,
    };
    setsockopt(s, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, prog)
}

/// TCP Fast Open from the client, Linux: `sendto(2)` with `MSG_FASTOPEN`
/// connects and carries `data` in the SYN when the kernel has a cookie.
#[cfg(linux_like)]
pub(crate) fn connect_fastopen(s: Socket, addr: &SockAddr, data: &[u8]) -> io::Result<usize> {
    super::send_to(s, data, libc::MSG_FASTOPEN, addr)
}

/// TCP Fast Open from the client, FreeBSD: with `TCP_FASTOPEN` on, the
/// first `sendto(2)` on an unconnected socket connects and carries `data`.
#[cfg(target_os = "freebsd")]
pub(crate) fn connect_fastopen(s: Socket, addr: &SockAddr, data: &[u8]) -> io::Result<usize> {
    setsockopt::<c_int>(s, libc::IPPROTO_TCP, libc::TCP_FASTOPEN, 1)?;
    super::send_to(s, data, 0, addr)
}

/// TCP Fast Open from the client, Apple: `connectx(2)` with
/// `CONNECT_DATA_IDEMPOTENT`, `data` going out with the SYN.
#[cfg(apple)]
pub(crate) fn connect_fastopen(s: Socket, addr: &SockAddr, data: &[u8]) -> io::Result<usize> {
    let endpoints = libc::sa_endpoints_t {
        sae_srcif: 0,
        sae_srcaddr: std::ptr::null(),
        sae_srcaddrlen: 0,
        sae_dstaddr: addr.as_ptr(),
        sae_dstaddrlen: addr.len(),
    };
    let iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let mut sent: libc::size_t = 0;
    // `endpoints` points at `addr`'s live storage and length, `iov` at
    // `data` (only read), `sent` is a place for the count.
    syscall!(connectx(
        s,
        &endpoints,
        libc::SAE_ASSOCID_ANY,
        libc::CONNECT_DATA_IDEMPOTENT,
        &iov,
        1,
        &mut sent,
        std::ptr::null_mut()
    ))?;
    Ok(sent)
}

/// The keep-alive settings that are `Some`, each its own `setsockopt`:
/// `TCP_KEEPIDLE` (Apple: `TCP_KEEPALIVE`), `TCP_KEEPINTVL`, `TCP_KEEPCNT`.
pub(crate) fn set_tcp_keepalive(
    s: Socket,
    time: Option<c_int>,
    interval: Option<c_int>,
    retries: Option<c_int>,
) -> io::Result<()> {
    if let Some(secs) = time {
        setsockopt(s, libc::IPPROTO_TCP, super::TCP_KEEPIDLE, secs)?;
    }
    #[cfg(keepalive_knobs)]
    {
        if let Some(secs) = interval {
            setsockopt(s, libc::IPPROTO_TCP, super::TCP_KEEPINTVL, secs)?;
        }
        if let Some(n) = retries {
            setsockopt(s, libc::IPPROTO_TCP, super::TCP_KEEPCNT, n)?;
        }
    }
    #[cfg(not(keepalive_knobs))]
    let _ = (interval, retries);
    Ok(())
}

/// `SO_PEERCRED` (Linux): the peer's process id, user id and group id.
#[cfg(linux_like)]
pub(crate) fn peer_cred(s: Socket) -> io::Result<(i32, u32, u32)> {
    let c: libc::ucred = getsockopt(s, libc::SOL_SOCKET, libc::SO_PEERCRED)?;
    Ok((c.pid, c.uid, c.gid))
}
