//! Windows: every `windows-sys` (Winsock and kernel32) call the crate makes.
//!
//! `sys/unix.rs` exposes the same crate-private names, so the portable
//! modules call `sys::bind(...)` without a `cfg`. Each function here is one
//! Winsock call, except where Windows lacks a flag that makes the call do
//! what the Unix one does (`accept` has no "not inherited" flag).
//!
//! Winsock must be started (`WSAStartup`) before its first call in a
//! process. The crate does that itself in [`init`], once and thread-safely;
//! every entry point that can be a process's first Winsock call (socket
//! creation, the lookups, readiness waits) goes through it. Functions that
//! take an existing socket need no start: the socket could not exist
//! without one.
//!
//! Errors are built from `WSAGetLastError()`, so `io::ErrorKind` is std's
//! mapping of the `WSAE*` code and `raw_os_error()` gives the code itself.

#![allow(non_camel_case_types)]

use std::io;
use std::mem::{self, MaybeUninit};
use std::os::raw::c_int;
use std::os::windows::io::{AsRawSocket, FromRawSocket, IntoRawSocket};
use std::ptr;
use std::sync::Once;
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    GetHandleInformation, SetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT,
};
use windows_sys::Win32::Networking::WinSock::{
    self as ws, IN6_ADDR, IN6_ADDR_0, IN_ADDR, IN_ADDR_0, LINGER, SOCKADDR_IN6_0, SOCKET_ERROR,
    WSADATA, WSAPROTOCOL_INFOW, WSA_FLAG_NO_HANDLE_INHERIT, WSA_FLAG_OVERLAPPED,
};
use windows_sys::Win32::System::Threading::GetCurrentProcessId;

pub(crate) use windows_sys::Win32::Networking::WinSock::{
    SOCKADDR as sockaddr, SOCKADDR_IN as sockaddr_in, SOCKADDR_IN6 as sockaddr_in6,
    SOCKADDR_STORAGE as sockaddr_storage, SOCKADDR_UN as sockaddr_un,
};

/// Winsock's address length type: a plain `int`.
pub(crate) type socklen_t = ws::socklen_t;
/// `ADDRESS_FAMILY`, an unsigned short as on Unix.
pub(crate) type sa_family_t = ws::ADDRESS_FAMILY;

/// The OS's socket handle: Winsock's `SOCKET` (a `UINT_PTR`).
pub(crate) type Socket = ws::SOCKET;
/// What `SocketRef::from` accepts and `select` waits on.
pub(crate) use std::os::windows::io::AsSocket;

pub(crate) const INVALID_SOCKET: Socket = ws::INVALID_SOCKET;

pub(crate) const AF_UNSPEC: c_int = ws::AF_UNSPEC as c_int;
pub(crate) const AF_UNIX: c_int = ws::AF_UNIX as c_int;
pub(crate) const AF_INET: c_int = ws::AF_INET as c_int;
pub(crate) const AF_INET6: c_int = ws::AF_INET6 as c_int;

pub(crate) const SOCK_STREAM: c_int = ws::SOCK_STREAM;
pub(crate) const SOCK_DGRAM: c_int = ws::SOCK_DGRAM;
pub(crate) const SOCK_RAW: c_int = ws::SOCK_RAW;
pub(crate) const SOCK_SEQPACKET: c_int = ws::SOCK_SEQPACKET;

pub(crate) const IPPROTO_IP: c_int = ws::IPPROTO_IP;
pub(crate) const IPPROTO_IPV6: c_int = ws::IPPROTO_IPV6;
pub(crate) const IPPROTO_TCP: c_int = ws::IPPROTO_TCP;
pub(crate) const IPPROTO_UDP: c_int = ws::IPPROTO_UDP;
pub(crate) const IPPROTO_RAW: c_int = ws::IPPROTO_RAW;
pub(crate) const IPPROTO_ICMP: c_int = ws::IPPROTO_ICMP;
pub(crate) const IPPROTO_ICMPV6: c_int = ws::IPPROTO_ICMPV6;

/// Winsock 2's `SOMAXCONN` (`winsock2.h`): "the provider's maximum". The
/// `5` that `windows-sys` carries is Winsock 1's value from `winsock.h`.
pub(crate) const SOMAXCONN: c_int = 0x7fff_ffff;

pub(crate) const SOL_SOCKET: c_int = ws::SOL_SOCKET;
pub(crate) const SO_REUSEADDR: c_int = ws::SO_REUSEADDR;
pub(crate) const SO_EXCLUSIVEADDRUSE: c_int = ws::SO_EXCLUSIVEADDRUSE;
pub(crate) const SO_KEEPALIVE: c_int = ws::SO_KEEPALIVE;
pub(crate) const SO_BROADCAST: c_int = ws::SO_BROADCAST;
pub(crate) const SO_RCVBUF: c_int = ws::SO_RCVBUF;
pub(crate) const SO_SNDBUF: c_int = ws::SO_SNDBUF;
pub(crate) const SO_RCVLOWAT: c_int = ws::SO_RCVLOWAT;
pub(crate) const SO_SNDLOWAT: c_int = ws::SO_SNDLOWAT;
pub(crate) const SO_ERROR: c_int = ws::SO_ERROR;
pub(crate) const SO_TYPE: c_int = ws::SO_TYPE;
pub(crate) const SO_ACCEPTCONN: c_int = ws::SO_ACCEPTCONN;
pub(crate) const SO_LINGER: c_int = ws::SO_LINGER;
pub(crate) const SO_RCVTIMEO: c_int = ws::SO_RCVTIMEO;
pub(crate) const SO_SNDTIMEO: c_int = ws::SO_SNDTIMEO;
pub(crate) const SO_DONTROUTE: c_int = ws::SO_DONTROUTE;
pub(crate) const SO_OOBINLINE: c_int = ws::SO_OOBINLINE;
pub(crate) const TCP_NODELAY: c_int = ws::TCP_NODELAY;
pub(crate) const IP_TTL: c_int = ws::IP_TTL;
pub(crate) const IP_TOS: c_int = ws::IP_TOS;
pub(crate) const IP_MULTICAST_TTL: c_int = ws::IP_MULTICAST_TTL;
pub(crate) const IP_MULTICAST_LOOP: c_int = ws::IP_MULTICAST_LOOP;
pub(crate) const IPV6_V6ONLY: c_int = ws::IPV6_V6ONLY;
pub(crate) const IPV6_UNICAST_HOPS: c_int = ws::IPV6_UNICAST_HOPS;
pub(crate) const IPV6_MULTICAST_HOPS: c_int = ws::IPV6_MULTICAST_HOPS;
pub(crate) const IPV6_MULTICAST_LOOP: c_int = ws::IPV6_MULTICAST_LOOP;

/// Byte offset of `sun_path` in `sockaddr_un`: an address this long is an
/// unnamed Unix socket.
pub(crate) const SUN_PATH_OFFSET: usize = mem::offset_of!(sockaddr_un, sun_path);

/// The error of the Winsock call that just failed on this thread.
fn last_error() -> io::Error {
    // SAFETY: WSAGetLastError has no preconditions; it reads a per-thread
    // value.
    io::Error::from_raw_os_error(unsafe { ws::WSAGetLastError() })
}

/// Turns Winsock's "returns `SOCKET_ERROR` (or the given sentinel) and sets
/// the thread's last error" into `io::Result`.
macro_rules! syscall {
    ($fn: ident ( $($arg: expr),* $(,)* ) ) => {
        syscall!($fn($($arg),*), SOCKET_ERROR)
    };
    ($fn: ident ( $($arg: expr),* $(,)* ), $err: expr ) => {{
        #[allow(unused_unsafe)]
        // SAFETY: each call site passes arguments that satisfy `$fn`'s
        // contract; the macro only checks the result.
        let res = unsafe { ws::$fn($($arg, )*) };
        if res == $err {
            Err(last_error())
        } else {
            Ok(res)
        }
    }};
}

/// Starts Winsock 2.2 for this process, once, whichever thread gets here
/// first; the others wait until it is done. The start is never undone:
/// sockets may outlive any scope the crate could tie `WSACleanup` to, and
/// the process's exit cleans up.
///
/// A failed `WSAStartup` (only possible when the system's Winsock is
/// broken) is not a panic: the call that follows fails with
/// `WSANOTINITIALISED`, which names the problem.
pub(crate) fn init() {
    static START: Once = Once::new();
    START.call_once(|| {
        let mut data = MaybeUninit::<WSADATA>::uninit();
        // SAFETY: `data` is a valid place for WSAStartup to write; 0x0202
        // asks for version 2.2, which every Windows since 98 has.
        unsafe { ws::WSAStartup(0x0202, data.as_mut_ptr()) };
    });
}

pub(crate) fn raw_of<T: AsSocket + ?Sized>(s: &T) -> Socket {
    s.as_socket().as_raw_socket() as Socket
}

/// `WSASocketW` with `WSA_FLAG_OVERLAPPED` (so the socket works with
/// overlapped I/O and IOCP-based runtimes, as std's do) and
/// `WSA_FLAG_NO_HANDLE_INHERIT` (not inherited by child processes). Starts
/// Winsock first.
pub(crate) fn socket(domain: c_int, ty: c_int, protocol: c_int) -> io::Result<Socket> {
    init();
    syscall!(
        WSASocketW(
            domain,
            ty,
            protocol,
            ptr::null(),
            0,
            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
        ),
        INVALID_SOCKET
    )
}

/// `closesocket`.
pub(crate) fn close(s: Socket) -> io::Result<()> {
    syscall!(closesocket(s)).map(|_| ())
}

/// `bind`.
pub(crate) fn bind(s: Socket, addr: *const sockaddr, len: socklen_t) -> io::Result<()> {
    syscall!(bind(s, addr, len)).map(|_| ())
}

/// `listen`.
pub(crate) fn listen(s: Socket, backlog: c_int) -> io::Result<()> {
    syscall!(listen(s, backlog)).map(|_| ())
}

/// `connect`. On a non-blocking socket an attempt that goes on in the
/// background is `WSAEWOULDBLOCK` (`WouldBlock`), not Unix's `EINPROGRESS`.
pub(crate) fn connect(s: Socket, addr: *const sockaddr, len: socklen_t) -> io::Result<()> {
    syscall!(connect(s, addr, len)).map(|_| ())
}

/// `accept`, then `SetHandleInformation` to clear `HANDLE_FLAG_INHERIT`:
/// Winsock has no `accept` flag for that, and an accepted socket must not
/// leak into child processes any more than a created one. If clearing the
/// flag fails the new socket is closed, so nothing leaks.
pub(crate) fn accept(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<Socket> {
    let new = syscall!(accept(s, storage.cast(), len), INVALID_SOCKET)?;
    match set_inheritable(new, false) {
        Ok(()) => Ok(new),
        Err(e) => {
            // SAFETY: `new` was just accepted and is owned here.
            unsafe { ws::closesocket(new) };
            Err(e)
        }
    }
}

pub(crate) const MSG_PEEK: c_int = ws::MSG_PEEK;
pub(crate) const MSG_OOB: c_int = ws::MSG_OOB;
pub(crate) const MSG_WAITALL: c_int = ws::MSG_WAITALL;

/// Winsock lengths are `int`: a larger buffer is sent or received in part,
/// which the `usize` result reports, as a short `send(2)` would.
fn clamp_len(len: usize) -> c_int {
    len.min(c_int::MAX as usize) as c_int
}

/// What a failed receive means: a socket whose reading side was shut
/// down gives `WSAESHUTDOWN` where Unix gives end of stream (0, as std
/// does), and a datagram longer than the buffer gives `WSAEMSGSIZE` where
/// Unix gives the truncated length (in both systems the buffer then holds
/// the datagram's start).
enum RecvFailure {
    Shutdown,
    Truncated,
    Error(io::Error),
}

fn recv_failure() -> RecvFailure {
    let err = last_error();
    match err.raw_os_error() {
        Some(ws::WSAESHUTDOWN) => RecvFailure::Shutdown,
        Some(ws::WSAEMSGSIZE) => RecvFailure::Truncated,
        _ => RecvFailure::Error(err),
    }
}

/// `send`. Windows has no `SIGPIPE`, so no flag is added; a vanished peer
/// gives `WSAECONNRESET` or `WSAECONNABORTED`.
pub(crate) fn send(s: Socket, buf: &[u8], flags: c_int) -> io::Result<usize> {
    syscall!(send(s, buf.as_ptr(), clamp_len(buf.len()), flags)).map(|n| n as usize)
}

/// `recv`; see `RecvFailure` for the two errors that are data.
pub(crate) fn recv(s: Socket, buf: &mut [u8], flags: c_int) -> io::Result<usize> {
    let len = clamp_len(buf.len());
    // SAFETY: the pointer and length describe `buf`, writable for the call.
    let res = unsafe { ws::recv(s, buf.as_mut_ptr(), len, flags) };
    if res != SOCKET_ERROR {
        return Ok(res as usize);
    }
    match recv_failure() {
        RecvFailure::Shutdown => Ok(0),
        RecvFailure::Truncated => Ok(len as usize),
        RecvFailure::Error(e) => Err(e),
    }
}

/// `sendto`.
pub(crate) fn send_to(
    s: Socket,
    buf: &[u8],
    flags: c_int,
    addr: *const sockaddr,
    len: socklen_t,
) -> io::Result<usize> {
    syscall!(sendto(
        s,
        buf.as_ptr(),
        clamp_len(buf.len()),
        flags,
        addr,
        len
    ))
    .map(|n| n as usize)
}

/// `recvfrom`; see `RecvFailure`. At end of stream the address comes back
/// empty (length 0), as Unix reports it.
pub(crate) fn recv_from(
    s: Socket,
    buf: &mut [u8],
    flags: c_int,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<usize> {
    let buf_len = clamp_len(buf.len());
    // SAFETY: the buffer pointer and length describe `buf`; the caller
    // passes a valid storage and its length.
    let res = unsafe { ws::recvfrom(s, buf.as_mut_ptr(), buf_len, flags, storage.cast(), len) };
    if res != SOCKET_ERROR {
        return Ok(res as usize);
    }
    match recv_failure() {
        RecvFailure::Shutdown => {
            // SAFETY: `len` is the caller's valid length pointer.
            unsafe { *len = 0 };
            Ok(0)
        }
        RecvFailure::Truncated => Ok(buf_len as usize),
        RecvFailure::Error(e) => Err(e),
    }
}

pub(crate) const SHUT_RD: c_int = ws::SD_RECEIVE;
pub(crate) const SHUT_WR: c_int = ws::SD_SEND;
pub(crate) const SHUT_RDWR: c_int = ws::SD_BOTH;

/// `shutdown`.
pub(crate) fn shutdown(s: Socket, how: c_int) -> io::Result<()> {
    syscall!(shutdown(s, how)).map(|_| ())
}

/// `getsockname` (fails with `WSAEINVAL` on a socket that is not bound).
pub(crate) fn getsockname(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<()> {
    syscall!(getsockname(s, storage.cast(), len)).map(|_| ())
}

/// `getpeername`.
pub(crate) fn getpeername(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<()> {
    syscall!(getpeername(s, storage.cast(), len)).map(|_| ())
}

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

/// The family of the socket, from `getsockopt(SO_PROTOCOL_INFOW)`:
/// `getsockname` fails on a socket that is not bound yet.
pub(crate) fn socket_family(s: Socket) -> io::Result<c_int> {
    let info: WSAPROTOCOL_INFOW = getsockopt(s, SOL_SOCKET, ws::SO_PROTOCOL_INFOW)?;
    Ok(info.iAddressFamily)
}

/// `ioctlsocket`, for `nativesockets::windows::ioctlsocket`. Every command
/// it accepts reads or writes one `u_long`, which `arg` is.
pub(crate) fn ioctlsocket(s: Socket, cmd: c_int, arg: &mut u32) -> io::Result<()> {
    syscall!(ioctlsocket(s, cmd, arg)).map(|_| ())
}

/// `ioctlsocket(FIONBIO)`.
pub(crate) fn set_nonblocking(s: Socket, nonblocking: bool) -> io::Result<()> {
    ioctlsocket(s, ws::FIONBIO, &mut u32::from(nonblocking))
}

/// The blocking mode `connect_timeout` restores. Winsock cannot read a
/// socket's mode back (`FIONBIO` only sets it, and no `WSAIoctl` or
/// `getsockopt` reports it), so this answers "blocking", the mode every
/// socket starts in: `connect_timeout` then leaves the socket blocking, as
/// std's `TcpStream::connect_timeout` does on every platform. A caller that
/// made the socket non-blocking must set that again itself, which is what
/// `connect_timeout`'s documentation tells Windows users.
pub(crate) fn is_nonblocking(_s: Socket) -> io::Result<bool> {
    Ok(false)
}

/// `SetHandleInformation(HANDLE_FLAG_INHERIT)`: a Winsock `SOCKET` is a
/// kernel handle, so the handle's inherit flag is what child processes
/// see.
pub(crate) fn set_inheritable(s: Socket, inheritable: bool) -> io::Result<()> {
    let flags = if inheritable { HANDLE_FLAG_INHERIT } else { 0 };
    // SAFETY: `s` is a socket handle owned by the caller; the call only
    // changes its flags.
    if unsafe { SetHandleInformation(s as HANDLE, HANDLE_FLAG_INHERIT, flags) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `GetHandleInformation`: whether `HANDLE_FLAG_INHERIT` is set.
pub(crate) fn is_inheritable(s: Socket) -> io::Result<bool> {
    let mut flags = 0u32;
    // SAFETY: `s` is a socket handle; `flags` is a valid place to write.
    if unsafe { GetHandleInformation(s as HANDLE, &mut flags) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(flags & HANDLE_FLAG_INHERIT != 0)
}

/// `WSADuplicateSocketW` for this process, then `WSASocketW` from the
/// protocol info it fills: a second handle for the same socket, not
/// inherited.
pub(crate) fn duplicate(s: Socket) -> io::Result<Socket> {
    let mut info = MaybeUninit::<WSAPROTOCOL_INFOW>::zeroed();
    // SAFETY: GetCurrentProcessId has no preconditions.
    let pid = unsafe { GetCurrentProcessId() };
    syscall!(WSADuplicateSocketW(s, pid, info.as_mut_ptr()))?;
    // SAFETY: zeroed, then filled by WSADuplicateSocketW; plain data.
    let info = unsafe { info.assume_init() };
    syscall!(
        WSASocketW(
            info.iAddressFamily,
            info.iSocketType,
            info.iProtocol,
            &info,
            0,
            WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT,
        ),
        INVALID_SOCKET
    )
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

/// The value code stores in `sin_addr`: the octets in network order.
pub(crate) fn in_addr(ip: std::net::Ipv4Addr) -> IN_ADDR {
    IN_ADDR {
        S_un: IN_ADDR_0 {
            S_addr: u32::from_ne_bytes(ip.octets()),
        },
    }
}

pub(crate) fn in_addr_octets(a: &IN_ADDR) -> [u8; 4] {
    // SAFETY: every member of the union is plain bytes over the same four
    // bytes, so reading any of them is sound.
    unsafe { a.S_un.S_addr }.to_ne_bytes()
}

pub(crate) fn in6_addr(ip: std::net::Ipv6Addr) -> IN6_ADDR {
    IN6_ADDR {
        u: IN6_ADDR_0 { Byte: ip.octets() },
    }
}

pub(crate) fn in6_addr_octets(a: &IN6_ADDR) -> [u8; 16] {
    // SAFETY: as in `in_addr_octets`: plain bytes in every member.
    unsafe { a.u.Byte }
}

/// Writes the family of an address (Windows addresses carry no length
/// byte, unlike the BSDs').
pub(crate) fn set_family(storage: &mut sockaddr_storage, family: c_int, _len: socklen_t) {
    storage.ss_family = family as sa_family_t;
}

pub(crate) fn family_of(storage: &sockaddr_storage) -> c_int {
    c_int::from(storage.ss_family)
}

/// Fills `storage` with an IPv4 address; returns its length.
pub(crate) fn put_v4(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV4) -> socklen_t {
    let len = mem::size_of::<sockaddr_in>() as socklen_t;
    // SAFETY: SOCKADDR_STORAGE is larger than and aligned for SOCKADDR_IN.
    let sin = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in>() };
    sin.sin_port = addr.port().to_be();
    sin.sin_addr = in_addr(*addr.ip());
    set_family(storage, AF_INET, len);
    len
}

/// Fills `storage` with an IPv6 address; returns its length.
pub(crate) fn put_v6(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV6) -> socklen_t {
    let len = mem::size_of::<sockaddr_in6>() as socklen_t;
    // SAFETY: SOCKADDR_STORAGE is larger than and aligned for SOCKADDR_IN6.
    let sin6 = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in6>() };
    sin6.sin6_port = addr.port().to_be();
    sin6.sin6_addr = in6_addr(*addr.ip());
    sin6.sin6_flowinfo = addr.flowinfo();
    sin6.Anonymous = SOCKADDR_IN6_0 {
        sin6_scope_id: addr.scope_id(),
    };
    set_family(storage, AF_INET6, len);
    len
}

/// Reads an IPv4 address; the caller checked family and length.
pub(crate) fn get_v4(storage: &sockaddr_storage) -> std::net::SocketAddrV4 {
    // SAFETY: the caller checked that this is an AF_INET address.
    let sin = unsafe { &*(storage as *const sockaddr_storage).cast::<sockaddr_in>() };
    std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::from(in_addr_octets(&sin.sin_addr)),
        u16::from_be(sin.sin_port),
    )
}

/// Reads an IPv6 address; the caller checked family and length.
pub(crate) fn get_v6(storage: &sockaddr_storage) -> std::net::SocketAddrV6 {
    // SAFETY: the caller checked that this is an AF_INET6 address.
    let sin6 = unsafe { &*(storage as *const sockaddr_storage).cast::<sockaddr_in6>() };
    std::net::SocketAddrV6::new(
        std::net::Ipv6Addr::from(in6_addr_octets(&sin6.sin6_addr)),
        u16::from_be(sin6.sin6_port),
        sin6.sin6_flowinfo,
        // SAFETY: both members of the union are a plain u32.
        unsafe { sin6.Anonymous.sin6_scope_id },
    )
}

/// Windows has no abstract namespace for Unix-domain sockets.
pub(crate) const HAS_ABSTRACT_UNIX: bool = false;

/// Takes a std socket's handle.
pub(crate) fn into_raw<T: IntoRawSocket>(s: T) -> Socket {
    s.into_raw_socket() as Socket
}

/// Wraps a handle in a std type.
///
/// # Safety
/// `s` must be an open socket owned by the caller.
pub(crate) unsafe fn from_raw<T: FromRawSocket>(s: Socket) -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { T::from_raw_socket(s as std::os::windows::io::RawSocket) }
}

mod std_traits {
    use std::os::windows::io::{
        AsRawSocket, AsSocket, BorrowedSocket, FromRawSocket, IntoRawSocket, OwnedSocket, RawSocket,
    };

    use crate::{SocketHandle, SocketRef};

    impl AsSocket for SocketHandle {
        fn as_socket(&self) -> BorrowedSocket<'_> {
            // SAFETY: the handle is open (never INVALID_SOCKET) for as long
            // as `self` lives.
            unsafe { BorrowedSocket::borrow_raw(self.as_raw()) }
        }
    }

    impl AsSocket for SocketRef<'_> {
        fn as_socket(&self) -> BorrowedSocket<'_> {
            // SAFETY: the owner this view borrows keeps the socket open.
            unsafe { BorrowedSocket::borrow_raw(self.as_raw()) }
        }
    }

    impl AsRawSocket for SocketHandle {
        fn as_raw_socket(&self) -> RawSocket {
            self.as_raw()
        }
    }

    impl AsRawSocket for SocketRef<'_> {
        fn as_raw_socket(&self) -> RawSocket {
            self.as_raw()
        }
    }

    impl IntoRawSocket for SocketHandle {
        fn into_raw_socket(self) -> RawSocket {
            self.into_raw()
        }
    }

    impl FromRawSocket for SocketHandle {
        /// # Safety
        /// `sock` must be an open socket that nothing else closes.
        unsafe fn from_raw_socket(sock: RawSocket) -> SocketHandle {
            // SAFETY: guaranteed by the caller.
            unsafe { SocketHandle::from_raw(sock) }
        }
    }

    impl From<OwnedSocket> for SocketHandle {
        fn from(sock: OwnedSocket) -> SocketHandle {
            // SAFETY: ownership moves from the OwnedSocket.
            unsafe { SocketHandle::from_raw(sock.into_raw_socket()) }
        }
    }

    impl From<SocketHandle> for OwnedSocket {
        fn from(s: SocketHandle) -> OwnedSocket {
            // SAFETY: ownership moves from the SocketHandle.
            unsafe { OwnedSocket::from_raw_socket(s.into_raw()) }
        }
    }
}
