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
///
/// Unix-domain sockets exist on Windows 10 version 1803 and later, and
/// only as `SOCK_STREAM`; where Winsock refuses them (older Windows, Wine
/// 8, another type) the error is `Unsupported` and says so, rather than
/// the bare `WSAEAFNOSUPPORT` that std would call "uncategorized".
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
    .map_err(|e| {
        let unix_refused = domain == AF_UNIX
            && matches!(
                e.raw_os_error(),
                Some(ws::WSAEAFNOSUPPORT | ws::WSAESOCKTNOSUPPORT | ws::WSAEPROTONOSUPPORT)
            );
        if !unix_refused {
            return e;
        }
        let why = if ty == SOCK_STREAM {
            "this Windows has no Unix-domain sockets (they need Windows 10 version 1803 or later)"
        } else {
            "Windows has Unix-domain sockets of type SOCK_STREAM only"
        };
        io::Error::new(io::ErrorKind::Unsupported, format!("{why}: {e}"))
    })
}

/// The kind to report when `WSASocketW` failed because of its arguments
/// (a family, type or protocol Winsock does not have, or that do not go
/// together), `None` for other failures, whose OS error is passed on as it
/// is.
pub(crate) fn socket_args_error_kind(err: &io::Error) -> Option<io::ErrorKind> {
    match err.raw_os_error()? {
        ws::WSAEAFNOSUPPORT
        | ws::WSAEPROTONOSUPPORT
        | ws::WSAESOCKTNOSUPPORT
        | ws::WSAEPROTOTYPE => Some(io::ErrorKind::Unsupported),
        ws::WSAEINVAL => Some(io::ErrorKind::InvalidInput),
        _ => None,
    }
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

/// `getsockname`, answering for a socket that is not bound what Unix
/// answers: Winsock fails with `WSAEINVAL` there, where Unix gives the
/// unspecified address of the socket's family with port 0 (or an unnamed
/// address for a Unix-domain socket). So `get_sock_name` is 0 and
/// `local_addr` is `0.0.0.0:0` / `[::]:0` for an unbound socket on every
/// platform. The family is read (`SO_PROTOCOL_INFOW`) only on that error
/// path; `WSAEINVAL` has no other cause for an open socket.
pub(crate) fn getsockname(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<()> {
    let err = match syscall!(getsockname(s, storage.cast(), len)) {
        Ok(_) => return Ok(()),
        Err(e) if e.raw_os_error() == Some(ws::WSAEINVAL) => e,
        Err(e) => return Err(e),
    };
    let family = socket_family(s).map_err(|_| err)?;
    // SAFETY: the caller passes a valid, writable storage and length;
    // all zeros is the unspecified address with port 0 in every family.
    let storage = unsafe {
        storage.write(mem::zeroed());
        &mut *storage
    };
    let unbound_len = match family {
        AF_INET => mem::size_of::<sockaddr_in>(),
        AF_INET6 => mem::size_of::<sockaddr_in6>(),
        _ => SUN_PATH_OFFSET,
    } as socklen_t;
    set_family(storage, family, unbound_len);
    // SAFETY: as above.
    unsafe { *len = unbound_len };
    Ok(())
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
#[inline]
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

// ---- readiness (select.rs) ----
//
// The twin of the `PollSet` in sys/unix.rs, with the same contract (see the
// comment there), built on Winsock's `select` rather than `WSAPoll`:
// before Windows 10 version 2004, `WSAPoll` never reported a non-blocking
// `connect` that failed (the wait ran to its timeout), while `select`
// reports it in `exceptfds`. Winsock's `fd_set` is a count followed by an
// array that `select` reads `fd_count` entries of: `FD_SETSIZE` (64) is
// only the size of the C struct's default array, so sets allocated to the
// input's size have no limit on how many handles they carry.

/// The handles of one `select` call: ONE buffer, in three parts, each
/// `width` words long: the input handles (kept, since `select` rewrites its
/// sets and a resumed wait must start again from the input), then the
/// primary set (`readfds` or `writefds`), then `exceptfds` (where failed
/// connects, and out-of-band data, are reported).
pub(crate) struct PollSet {
    buf: Vec<Socket>,
    len: usize,
    width: usize,
    interest: crate::select::Interest,
}

/// Where `fd_array` begins in an `FD_SET`, in `SOCKET`-sized words: the
/// `u_int` count is padded to one word on both 32- and 64-bit Windows.
const FD_ARRAY_WORD: usize = mem::offset_of!(ws::FD_SET, fd_array) / mem::size_of::<Socket>();
const _: () = assert!(mem::offset_of!(ws::FD_SET, fd_array) == mem::size_of::<Socket>());

impl PollSet {
    pub(crate) fn new(
        sockets: impl ExactSizeIterator<Item = Socket>,
        interest: crate::select::Interest,
    ) -> io::Result<PollSet> {
        let len = sockets.len();
        // Never smaller than the C struct, in case an implementation
        // copies `sizeof(fd_set)` bytes rather than `fd_count` entries.
        let width = FD_ARRAY_WORD + len.max(ws::FD_SETSIZE as usize);
        let mut buf = Vec::with_capacity(3 * width);
        for s in sockets {
            // Winsock's select fails on INVALID_SOCKET without saying which
            // entry it was; name it here.
            if s == INVALID_SOCKET {
                return Err(crate::error::invalid_input(
                    "socket handle",
                    s,
                    "is INVALID_SOCKET, not an open socket",
                ));
            }
            buf.push(s);
        }
        buf.resize(3 * width, 0);
        Ok(PollSet {
            buf,
            len,
            width,
            interest,
        })
    }

    /// A pointer to the set that starts at word `at` of the buffer.
    fn set(&mut self, at: usize) -> *mut ws::FD_SET {
        self.buf[at..].as_mut_ptr().cast()
    }

    /// The handles a finished `select` left in the set at word `at`.
    fn ready_in(&self, at: usize) -> &[Socket] {
        // SAFETY: the set was filled by `select`, which leaves at most the
        // `len` handles it was given; `fd_count` is the first field.
        let count = unsafe { (*self.buf[at..].as_ptr().cast::<ws::FD_SET>()).fd_count } as usize;
        &self.buf[at + FD_ARRAY_WORD..at + FD_ARRAY_WORD + count.min(self.len)]
    }

    /// One `select`. A negative timeout waits forever (a null `timeval`).
    /// A handle that is closed or not a socket makes Winsock fail the whole
    /// call with `WSAENOTSOCK`; each handle is then asked for its type to
    /// name the culprit (only on that error path).
    pub(crate) fn wait(&mut self, timeout_ms: c_int) -> io::Result<usize> {
        let (len, width) = (self.len, self.width);
        let (input, sets) = self.buf.split_at_mut(width);
        for set in sets.chunks_exact_mut(width) {
            set[0] = len as Socket;
            set[FD_ARRAY_WORD..FD_ARRAY_WORD + len].copy_from_slice(&input[..len]);
        }
        let tv = ws::TIMEVAL {
            tv_sec: timeout_ms / 1000,
            tv_usec: (timeout_ms % 1000) * 1000,
        };
        let tv_ptr = if timeout_ms < 0 { ptr::null() } else { &tv };
        let primary = self.set(width);
        let except = self.set(2 * width);
        let (readfds, writefds) = match self.interest {
            crate::select::Interest::Read => (primary, ptr::null_mut()),
            crate::select::Interest::Write => (ptr::null_mut(), primary),
        };
        // The first argument is ignored by Winsock (kept for Berkeley
        // compatibility).
        let res = syscall!(select(0, readfds, writefds, except, tv_ptr));
        let n = match res {
            Ok(n) => n,
            Err(e) if e.raw_os_error() == Some(ws::WSAENOTSOCK) => return Err(self.culprit(e)),
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(0);
        }
        // `ready` looks handles up by binary search, and a handle in both
        // sets counts once.
        for at in [width, 2 * width] {
            let count = self.ready_in(at).len();
            self.buf[at + FD_ARRAY_WORD..at + FD_ARRAY_WORD + count].sort_unstable();
        }
        let (primary, except) = (self.ready_in(width), self.ready_in(2 * width));
        Ok(primary.len()
            + except
                .iter()
                .filter(|s| primary.binary_search(s).is_err())
                .count())
    }

    /// The first input handle that is not an open socket, named, or `err`
    /// when every handle answers (it closed in between).
    fn culprit(&self, err: io::Error) -> io::Error {
        self.buf[..self.len]
            .iter()
            .find(|&&s| getsockopt::<c_int>(s, SOL_SOCKET, SO_TYPE).is_err())
            .map_or(err, |&s| {
                crate::error::invalid_input(
                    "socket handle",
                    s,
                    "is not an open socket (select failed with WSAENOTSOCK)",
                )
            })
    }

    /// Readiness of each input handle, in input order, after `wait`:
    /// ready when it is in the primary set or in `exceptfds` (a failed
    /// connect, for both interests, as `POLLERR` counts on Unix).
    pub(crate) fn ready(&self) -> impl Iterator<Item = bool> + '_ {
        let primary = self.ready_in(self.width);
        let except = self.ready_in(2 * self.width);
        self.buf[..self.len]
            .iter()
            .map(move |s| primary.binary_search(s).is_ok() || except.binary_search(s).is_ok())
    }
}

/// `WSAEWOULDBLOCK`: a non-blocking `connect` goes on in the background
/// (Winsock's word for Unix's `EINPROGRESS`).
pub(crate) fn connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(ws::WSAEWOULDBLOCK)
}

// ---- name databases (addrinfo.rs, services.rs, hosts.rs) ----

pub(crate) use self::names::*;

mod names {
    use std::ffi::CStr;
    use std::io;
    use std::mem;
    use std::net::IpAddr;
    use std::os::raw::{c_char, c_int};
    use std::os::windows::ffi::OsStringExt;
    use std::path::PathBuf;
    use std::ptr::{self, NonNull};

    use windows_sys::Win32::Networking::WinSock as ws;
    use windows_sys::Win32::System::SystemInformation::{GetSystemDirectoryW, GetTickCount64};

    use crate::addrinfo::LookupError;
    use crate::hosts::Hostent;
    use crate::{Domain, SockAddr};

    /// `ADDRINFOA`: the ANSI `getaddrinfo`, whose `ai_canonname` is a C
    /// string like Unix's. (Names outside the ANSI code page would need
    /// `GetAddrInfoW`; host names are ASCII, IDNs in their `xn--` form.)
    pub(crate) type addrinfo = ws::ADDRINFOA;

    pub(crate) const AI_CANONNAME: c_int = ws::AI_CANONNAME as c_int;
    /// Supported by Windows' `getaddrinfo` since Vista.
    pub(crate) const AI_V4MAPPED: c_int = ws::AI_V4MAPPED as c_int;

    /// Hints for `getaddrinfo`: every other field zero, as the call
    /// requires.
    #[inline]
    pub(crate) fn addrinfo_hints(
        flags: c_int,
        family: c_int,
        socktype: c_int,
        protocol: c_int,
    ) -> addrinfo {
        // SAFETY: ADDRINFOA is plain data; all zeros (null pointers, zero
        // numbers) is what unused hint fields must be.
        let mut hints: addrinfo = unsafe { mem::zeroed() };
        hints.ai_flags = flags;
        hints.ai_family = family;
        hints.ai_socktype = socktype;
        hints.ai_protocol = protocol;
        hints
    }

    /// `getaddrinfo`. The list it returns must be given back to
    /// [`freeaddrinfo`]. Starts Winsock first: a lookup can be a process's
    /// first Winsock call.
    #[inline]
    pub(crate) fn getaddrinfo(
        node: &CStr,
        service: Option<&CStr>,
        hints: &addrinfo,
    ) -> Result<NonNull<addrinfo>, LookupError> {
        super::init();
        let mut res: *mut addrinfo = ptr::null_mut();
        // SAFETY: node and service are NUL-terminated and live across the
        // call, hints is a valid ADDRINFOA, res is a valid out pointer.
        let code = unsafe {
            ws::getaddrinfo(
                node.as_ptr().cast(),
                service.map_or(ptr::null(), |s| s.as_ptr().cast()),
                hints,
                &mut res,
            )
        };
        if code != 0 {
            return Err(lookup_error(code));
        }
        NonNull::new(res).ok_or_else(|| LookupError::NotFound("no address returned".into()))
    }

    /// `freeaddrinfo`.
    ///
    /// # Safety
    /// `list` came from [`getaddrinfo`] and is not used afterwards.
    #[inline]
    pub(crate) unsafe fn freeaddrinfo(list: NonNull<addrinfo>) {
        // SAFETY: guaranteed by the caller.
        unsafe { ws::freeaddrinfo(list.as_ptr()) }
    }

    /// The length of an entry's address (`ai_addrlen`, a `size_t` here).
    #[inline]
    pub(crate) fn addr_len(ai: &addrinfo) -> usize {
        ai.ai_addrlen
    }

    /// Writes `port` (host order) into an IPv4 or IPv6 address that
    /// `getaddrinfo` returned; leaves other families and short addresses
    /// alone. The family is the entry's `ai_family`, so the address is
    /// only written, not read.
    ///
    /// # Safety
    /// `addr` points to `len` writable bytes of address.
    #[inline]
    pub(crate) unsafe fn set_port(family: c_int, addr: *mut ws::SOCKADDR, len: usize, port: u16) {
        // The port sits right after the family in both structs.
        const PORT_AT: usize = mem::offset_of!(ws::SOCKADDR_IN, sin_port);
        const _: () = assert!(PORT_AT == mem::offset_of!(ws::SOCKADDR_IN6, sin6_port));
        let whole = match u16::try_from(family) {
            Ok(ws::AF_INET) => mem::size_of::<ws::SOCKADDR_IN>(),
            Ok(ws::AF_INET6) => mem::size_of::<ws::SOCKADDR_IN6>(),
            _ => return,
        };
        if len >= whole {
            // SAFETY: `len` covers the whole struct, so the port's two
            // bytes are inside the address. Unaligned: Wine's getaddrinfo
            // packs addresses at 2-byte offsets.
            unsafe {
                addr.cast::<u8>()
                    .add(PORT_AT)
                    .cast::<u16>()
                    .write_unaligned(port.to_be());
            }
        }
    }

    /// Sorts a Winsock resolver error. `getaddrinfo` returns its code (the
    /// `EAI_*` names are `WSA*` codes on Windows), and `gethostbyname`,
    /// `gethostbyaddr`, `getprotobyname` leave theirs in `WSAGetLastError`.
    #[cold]
    fn lookup_error(code: c_int) -> LookupError {
        let why = || resolver_text(code);
        match code {
            ws::WSAHOST_NOT_FOUND | ws::WSANO_DATA => LookupError::NotFound(why()),
            ws::WSATRY_AGAIN => LookupError::TryAgain(why()),
            ws::WSAEAFNOSUPPORT
            | ws::WSAESOCKTNOSUPPORT
            | ws::WSATYPE_NOT_FOUND
            | ws::WSAEINVAL => LookupError::Unsupported(why()),
            ws::WSA_NOT_ENOUGH_MEMORY => LookupError::OutOfMemory(why()),
            ws::WSANO_RECOVERY => LookupError::Failed(why()),
            // Wine (8.0 at least) passes glibc's EAI_NODATA (-5) and
            // EAI_ADDRFAMILY (-9), "no address of that family", through
            // untranslated where Windows returns WSANO_DATA. Windows never
            // returns a negative code, so this reads only Wine's.
            -5 | -9 => LookupError::NotFound(resolver_text(ws::WSANO_DATA)),
            _ => LookupError::Os(io::Error::from_raw_os_error(code)),
        }
    }

    /// What `gai_strerror` says for the resolver's codes. Windows'
    /// `gai_strerror` is an inline `FormatMessage` call, whose text is
    /// missing under Wine and localised on Windows; these fixed texts (the
    /// system's English ones) read the same everywhere, with the code name
    /// to search for.
    fn resolver_text(code: c_int) -> String {
        let (name, text) = match code {
            ws::WSAHOST_NOT_FOUND => ("WSAHOST_NOT_FOUND", "No such host is known"),
            ws::WSANO_DATA => (
                "WSANO_DATA",
                "The requested name is valid, but no data of the requested type was found",
            ),
            ws::WSATRY_AGAIN => (
                "WSATRY_AGAIN",
                "This is usually a temporary error during hostname resolution",
            ),
            ws::WSANO_RECOVERY => (
                "WSANO_RECOVERY",
                "A non-recoverable error occurred during a database lookup",
            ),
            ws::WSAEAFNOSUPPORT => (
                "WSAEAFNOSUPPORT",
                "An address incompatible with the requested protocol was used",
            ),
            ws::WSAESOCKTNOSUPPORT => (
                "WSAESOCKTNOSUPPORT",
                "The support for the specified socket type does not exist in this address family",
            ),
            ws::WSATYPE_NOT_FOUND => ("WSATYPE_NOT_FOUND", "The specified class was not found"),
            ws::WSAEINVAL => ("WSAEINVAL", "An invalid argument was supplied"),
            ws::WSA_NOT_ENOUGH_MEMORY => (
                "WSA_NOT_ENOUGH_MEMORY",
                "Not enough memory resources are available to process this command",
            ),
            _ => return io::Error::from_raw_os_error(code).to_string(),
        };
        format!("{text} ({name}, {code})")
    }

    /// The error a `gethostby*` call that returned null left behind.
    #[cold]
    fn last_lookup_error() -> LookupError {
        // SAFETY: WSAGetLastError has no preconditions.
        lookup_error(unsafe { ws::WSAGetLastError() })
    }

    /// A C string from Winsock as Rust text (lossy: ANSI names may hold
    /// any byte).
    ///
    /// # Safety
    /// `p` is null or points to a NUL-terminated string.
    unsafe fn lossy(p: *const c_char) -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: guaranteed by the caller.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    /// `GetHostNameW`: the name as Windows holds it, in UTF-16 (the ANSI
    /// `gethostname` would replace characters outside the code page).
    pub(crate) fn hostname() -> io::Result<String> {
        super::init();
        // Windows host names are at most 256 characters and the NUL.
        let mut buf = [0u16; 257];
        // SAFETY: buf has room for the length passed.
        if unsafe { ws::GetHostNameW(buf.as_mut_ptr(), buf.len() as c_int) } != 0 {
            return Err(super::last_error());
        }
        let len = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
        Ok(String::from_utf16_lossy(&buf[..len]))
    }

    /// The system's services file: `drivers\etc\services` in the system
    /// directory (`%SystemRoot%\System32`), asked of the OS rather than of
    /// the environment, which a process can change.
    pub(crate) fn services_path() -> PathBuf {
        let mut buf = [0u16; 260];
        // SAFETY: buf has room for the length passed.
        let len = unsafe { GetSystemDirectoryW(buf.as_mut_ptr(), buf.len() as u32) } as usize;
        let system = if len == 0 || len > buf.len() {
            // Only a broken system gets here; this is where every Windows
            // since NT keeps it.
            PathBuf::from(r"C:\Windows\System32")
        } else {
            PathBuf::from(std::ffi::OsString::from_wide(&buf[..len]))
        };
        system.join(r"drivers\etc\services")
    }

    /// A cheap monotonic clock in milliseconds, for "has a second passed"
    /// checks on hot paths: `GetTickCount64` reads a value the kernel
    /// keeps, at the timer's resolution (about 16 ms).
    #[inline]
    pub(crate) fn coarse_now_ms() -> u64 {
        // SAFETY: GetTickCount64 has no preconditions.
        unsafe { GetTickCount64() }
    }

    /// IPv4: `gethostbyname`, whose result Winsock keeps per thread (so
    /// the call is thread-safe) and which gives the aliases. IPv6, which
    /// `gethostbyname` does not do: `getaddrinfo` with `AI_CANONNAME`, one
    /// address per distinct entry, no aliases.
    pub(crate) fn host_by_name(name: &CStr, family: c_int) -> Result<Hostent, LookupError> {
        super::init();
        if family != super::AF_INET {
            return host_by_getaddrinfo(name, family);
        }
        // SAFETY: name is NUL-terminated.
        let h = unsafe { ws::gethostbyname(name.as_ptr().cast()) };
        if h.is_null() {
            return Err(last_lookup_error());
        }
        // SAFETY: a non-null result is this thread's HOSTENT, valid until
        // the next gethostby* call on this thread, and copied out now.
        unsafe { hostent_from_c(&*h) }
    }

    /// `gethostbyaddr`, per thread like `gethostbyname`; IPv4 and IPv6.
    pub(crate) fn host_by_addr(ip: IpAddr) -> Result<Hostent, LookupError> {
        super::init();
        let (v4, v6);
        let (bytes, family): (&[u8], c_int) = match ip {
            IpAddr::V4(a) => {
                v4 = a.octets();
                (&v4, super::AF_INET)
            }
            IpAddr::V6(a) => {
                v6 = a.octets();
                (&v6, super::AF_INET6)
            }
        };
        // SAFETY: bytes holds bytes.len() bytes of address.
        let h = unsafe { ws::gethostbyaddr(bytes.as_ptr(), bytes.len() as c_int, family) };
        if h.is_null() {
            return Err(last_lookup_error());
        }
        // SAFETY: as in `host_by_name`.
        unsafe { hostent_from_c(&*h) }
    }

    /// `getaddrinfo` with `AI_CANONNAME`, gathered into a [`Hostent`].
    fn host_by_getaddrinfo(name: &CStr, family: c_int) -> Result<Hostent, LookupError> {
        let hints = addrinfo_hints(AI_CANONNAME, family, super::SOCK_STREAM, 0);
        let list = getaddrinfo(name, None, &hints)?;
        let mut host = Hostent {
            name: name.to_string_lossy().into_owned(),
            aliases: Vec::new(),
            addrtype: Domain::from_int(family).unwrap_or(Domain::Inet6),
            length: if family == super::AF_INET6 { 16 } else { 4 },
            addr_list: Vec::new(),
        };
        let mut node = list.as_ptr();
        while !node.is_null() {
            // SAFETY: node is an entry of the list getaddrinfo returned,
            // which stays alive until freeaddrinfo below.
            let ai = unsafe { &*node };
            if !ai.ai_canonname.is_null() && host.addr_list.is_empty() {
                // SAFETY: ai_canonname is a NUL-terminated string.
                host.name = unsafe { lossy(ai.ai_canonname.cast()) };
            }
            if !ai.ai_addr.is_null() {
                // SAFETY: ai_addr points to ai_addrlen bytes of address.
                let bytes =
                    unsafe { std::slice::from_raw_parts(ai.ai_addr.cast::<u8>(), ai.ai_addrlen) };
                let ip = SockAddr::from_bytes(bytes)
                    .ok()
                    .and_then(|a| a.as_socket_addr())
                    .map(|a| a.ip());
                if let Some(ip) = ip.filter(|ip| !host.addr_list.contains(ip)) {
                    host.addr_list.push(ip);
                }
            }
            node = ai.ai_next;
        }
        // SAFETY: the list came from getaddrinfo and is not used again.
        unsafe { freeaddrinfo(list) };
        Ok(host)
    }

    /// Copies a Winsock `HOSTENT` into a [`Hostent`].
    ///
    /// # Safety
    /// `h` is a `HOSTENT` filled by Winsock: `h_name` a string,
    /// `h_aliases` and `h_addr_list` null-terminated arrays.
    unsafe fn hostent_from_c(h: &ws::HOSTENT) -> Result<Hostent, LookupError> {
        let family = c_int::from(h.h_addrtype);
        let addrtype = Domain::from_int(family)
            .ok_or_else(|| LookupError::Failed(format!("unknown address family {family}")))?;
        let length = usize::try_from(h.h_length).unwrap_or(0);
        let mut aliases = Vec::new();
        let mut p = h.h_aliases;
        // SAFETY: h_aliases is a null-terminated array of strings.
        while !p.is_null() && unsafe { !(*p).is_null() } {
            // SAFETY: *p is a non-null NUL-terminated string.
            aliases.push(unsafe { lossy((*p).cast()) });
            // SAFETY: the array goes on until its null terminator.
            p = unsafe { p.add(1) };
        }
        let mut addr_list = Vec::new();
        let mut p = h.h_addr_list;
        // SAFETY: h_addr_list is a null-terminated array of pointers to
        // h_length bytes each.
        while !p.is_null() && unsafe { !(*p).is_null() } {
            // SAFETY: *p points to h_length bytes.
            let bytes = unsafe { std::slice::from_raw_parts((*p).cast::<u8>(), length) };
            let ip = match (addrtype, bytes.len()) {
                (Domain::Inet, 4) => IpAddr::from(<[u8; 4]>::try_from(bytes).unwrap_or([0; 4])),
                (Domain::Inet6, 16) => IpAddr::from(<[u8; 16]>::try_from(bytes).unwrap_or([0; 16])),
                _ => {
                    return Err(LookupError::Failed(format!(
                        "address of family {family} and length {length}"
                    )))
                }
            };
            addr_list.push(ip);
            // SAFETY: the array goes on until its null terminator.
            p = unsafe { p.add(1) };
        }
        Ok(Hostent {
            // SAFETY: h_name is a NUL-terminated string.
            name: unsafe { lossy(h.h_name.cast()) },
            aliases,
            addrtype,
            length,
            addr_list,
        })
    }

    /// `getprotobyname`: Winsock keeps its result per thread, so the call
    /// is thread-safe. The protocol number, or `None` when the protocols
    /// database (`drivers\etc\protocol`) has no such name.
    pub(crate) fn proto_by_name(name: &CStr) -> Result<Option<c_int>, LookupError> {
        super::init();
        // SAFETY: name is NUL-terminated.
        let p = unsafe { ws::getprotobyname(name.as_ptr().cast()) };
        if p.is_null() {
            // SAFETY: WSAGetLastError has no preconditions.
            return match unsafe { ws::WSAGetLastError() } {
                ws::WSANO_DATA | ws::WSAHOST_NOT_FOUND | 0 => Ok(None),
                code => Err(lookup_error(code)),
            };
        }
        // SAFETY: p is this thread's PROTOENT, read at once.
        Ok(Some(c_int::from(unsafe { (*p).p_proto })))
    }
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
