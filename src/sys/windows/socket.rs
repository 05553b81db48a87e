//! Sockets: creating, binding, listening, accepting, connecting, sending,
//! receiving, shutting down, closing, addresses and modes.

use std::io;
use std::mem::{self, MaybeUninit};
use std::os::raw::c_int;
use std::ptr;

use windows_sys::Win32::Foundation::{
    GetHandleInformation, SetHandleInformation, HANDLE, HANDLE_FLAG_INHERIT,
};
use windows_sys::Win32::Networking::WinSock::{
    self as ws, SOCKET_ERROR, WSAPROTOCOL_INFOW, WSA_FLAG_NO_HANDLE_INHERIT, WSA_FLAG_OVERLAPPED,
};
use windows_sys::Win32::System::Threading::GetCurrentProcessId;

use super::{
    getsockopt, init, last_error, set_family, sockaddr_in, sockaddr_in6, socklen_t, Socket,
    AF_INET, AF_INET6, AF_UNIX, INVALID_SOCKET, SOCK_STREAM, SOL_SOCKET, SUN_PATH_OFFSET,
};
use crate::error::with_kind;
use crate::sys::SockAddr;

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
pub(crate) fn bind(s: Socket, addr: &SockAddr) -> io::Result<()> {
    syscall!(bind(s, addr.as_ptr(), addr.len())).map(|_| ())
}

/// `listen`.
pub(crate) fn listen(s: Socket, backlog: c_int) -> io::Result<()> {
    syscall!(listen(s, backlog)).map(|_| ())
}

/// `connect`. On a non-blocking socket an attempt that goes on in the
/// background is `WSAEWOULDBLOCK` (`WouldBlock`), not Unix's `EINPROGRESS`.
pub(crate) fn connect(s: Socket, addr: &SockAddr) -> io::Result<()> {
    syscall!(connect(s, addr.as_ptr(), addr.len())).map(|_| ())
}

/// `accept`, then `SetHandleInformation` to clear `HANDLE_FLAG_INHERIT`:
/// Winsock has no `accept` flag for that, and an accepted socket must not
/// leak into child processes any more than a created one. If clearing the
/// flag fails the new socket is closed, so nothing leaks.
pub(crate) fn accept(s: Socket) -> io::Result<(Socket, SockAddr)> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    let new = syscall!(accept(s, storage.cast(), len), INVALID_SOCKET)?;
    match set_inheritable(new, false) {
        Ok(()) => Ok((new, addr)),
        Err(e) => {
            // SAFETY: `new` was just accepted and is owned here.
            unsafe { ws::closesocket(new) };
            Err(e)
        }
    }
}

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
pub(crate) fn send_to(s: Socket, buf: &[u8], flags: c_int, addr: &SockAddr) -> io::Result<usize> {
    syscall!(sendto(
        s,
        buf.as_ptr(),
        clamp_len(buf.len()),
        flags,
        addr.as_ptr(),
        addr.len()
    ))
    .map(|n| n as usize)
}

/// `recvfrom`; see `RecvFailure`. At end of stream the address comes back
/// empty (length 0), as Unix reports it.
pub(crate) fn recv_from(s: Socket, buf: &mut [u8], flags: c_int) -> io::Result<(usize, SockAddr)> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    let buf_len = clamp_len(buf.len());
    // SAFETY: the buffer pointer and length describe `buf`; storage and
    // len are the address's, valid and writable.
    let res = unsafe { ws::recvfrom(s, buf.as_mut_ptr(), buf_len, flags, storage.cast(), len) };
    if res != SOCKET_ERROR {
        return Ok((res as usize, addr));
    }
    match recv_failure() {
        RecvFailure::Shutdown => Ok((0, SockAddr::empty())),
        RecvFailure::Truncated => Ok((buf_len as usize, addr)),
        RecvFailure::Error(e) => Err(e),
    }
}

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
pub(crate) fn getsockname(s: Socket) -> io::Result<SockAddr> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    let err = match syscall!(getsockname(s, storage.cast(), len)) {
        Ok(_) => return Ok(addr),
        Err(e) if e.raw_os_error() == Some(ws::WSAEINVAL) => e,
        Err(e) => return Err(e),
    };
    let family = socket_family(s).map_err(|_| err)?;
    // All zeros is the unspecified address with port 0 in every family.
    let mut unbound = SockAddr::empty();
    unbound.len = match family {
        AF_INET => mem::size_of::<sockaddr_in>(),
        AF_INET6 => mem::size_of::<sockaddr_in6>(),
        _ => SUN_PATH_OFFSET,
    } as socklen_t;
    set_family(&mut unbound.storage, family, unbound.len);
    Ok(unbound)
}

/// `getpeername`.
pub(crate) fn getpeername(s: Socket) -> io::Result<SockAddr> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    syscall!(getpeername(s, storage.cast(), len))?;
    Ok(addr)
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

/// For `SocketHandle::is_nonblocking`: Winsock cannot read a socket's
/// mode back (`FIONBIO` only sets it, and no `ioctlsocket`, `WSAIoctl` or
/// `getsockopt` reports it), so the answer is `Unsupported`, saying why,
/// rather than the guess [`is_nonblocking`] makes for `connect_timeout`.
pub(crate) fn nonblocking_flag(s: Socket) -> io::Result<bool> {
    Err(with_kind(
        io::ErrorKind::Unsupported,
        "blocking mode of socket",
        s,
        "Windows cannot tell: Winsock has no call that reads FIONBIO back \
         (ioctlsocket only sets it), so remember the mode you set",
    ))
}

/// The protocol number the socket was made with:
/// `getsockopt(SO_PROTOCOL_INFOW)`'s `iProtocol`: the protocol of the
/// provider Winsock chose for the socket.
pub(crate) fn socket_protocol(s: Socket) -> io::Result<c_int> {
    let info: WSAPROTOCOL_INFOW = getsockopt(s, SOL_SOCKET, ws::SO_PROTOCOL_INFOW)?;
    Ok(info.iProtocol)
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
/// Whether `err` is Winsock saying it is out of a resource a new socket
/// needs: `WSAEMFILE` (no more socket handles), `WSAENOBUFS` (no buffer
/// space) or `WSA_NOT_ENOUGH_MEMORY`.
pub(crate) fn resource_exhausted(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(ws::WSAEMFILE | ws::WSAENOBUFS | ws::WSA_NOT_ENOUGH_MEMORY)
    )
}

/// Whether an `accept` error is about the one connection it would have
/// returned, not the listener: the peer reset or abandoned it before it
/// was taken (`WSAECONNRESET`, `WSAECONNABORTED`, `WSAETIMEDOUT`).
pub(crate) fn lost_before_accept(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(ws::WSAECONNRESET | ws::WSAECONNABORTED | ws::WSAETIMEDOUT)
    )
}

/// `WSAEWOULDBLOCK`: a non-blocking `connect` goes on in the background
/// (Winsock's word for Unix's `EINPROGRESS`).
pub(crate) fn connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(ws::WSAEWOULDBLOCK)
}
