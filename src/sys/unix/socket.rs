//! Sockets: creating, binding, listening, accepting, connecting, sending,
//! receiving, shutting down, closing, addresses and modes.

use std::io;
use std::os::raw::{c_int, c_void};

use super::Socket;
use crate::sys::SockAddr;

/// `socket(2)`, close-on-exec, and on Apple with `SO_NOSIGPIPE` set.
#[inline]
pub(crate) fn socket(domain: c_int, ty: c_int, protocol: c_int) -> io::Result<Socket> {
    #[cfg(not(target_vendor = "apple"))]
    {
        syscall!(socket(domain, ty | libc::SOCK_CLOEXEC, protocol))
    }
    #[cfg(target_vendor = "apple")]
    {
        let fd = syscall!(socket(domain, ty, protocol))?;
        apple_fixup(fd)
    }
}

/// The kind to report when `socket(2)` failed because of its arguments
/// (a family, type or protocol this system does not have, or that do not
/// go together), `None` for other failures (descriptor limit, memory,
/// permission), whose OS error is passed on as it is.
pub(crate) fn socket_args_error_kind(err: &io::Error) -> Option<io::ErrorKind> {
    match err.raw_os_error()? {
        libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT | libc::ESOCKTNOSUPPORT | libc::EPROTOTYPE => {
            Some(io::ErrorKind::Unsupported)
        }
        libc::EINVAL => Some(io::ErrorKind::InvalidInput),
        _ => None,
    }
}

/// Apple lacks `SOCK_CLOEXEC` and `MSG_NOSIGNAL`: set both properties on a
/// new descriptor, closing it if that fails so nothing leaks.
#[cfg(target_vendor = "apple")]
fn apple_fixup(fd: Socket) -> io::Result<Socket> {
    let res = syscall!(ioctl(fd, libc::FIOCLEX)).and_then(|_| {
        let one: c_int = 1;
        super::setsockopt(fd, libc::SOL_SOCKET, libc::SO_NOSIGPIPE, one)
    });
    match res {
        Ok(()) => Ok(fd),
        Err(e) => {
            // SAFETY: `fd` was just created and is owned here.
            unsafe { libc::close(fd) };
            Err(e)
        }
    }
}

/// `close(2)`. Never retried on `EINTR`: Linux has released the descriptor
/// by then, and a retry could close a descriptor another thread just got.
#[inline]
pub(crate) fn close(s: Socket) -> io::Result<()> {
    syscall!(close(s)).map(|_| ())
}

/// `bind(2)`.
#[inline]
pub(crate) fn bind(s: Socket, addr: &SockAddr) -> io::Result<()> {
    syscall!(bind(s, addr.as_ptr(), addr.len())).map(|_| ())
}

/// `listen(2)`.
#[inline]
pub(crate) fn listen(s: Socket, backlog: c_int) -> io::Result<()> {
    syscall!(listen(s, backlog)).map(|_| ())
}

/// `connect(2)`. Not retried on `EINTR`: the connection then goes on in the
/// background and a second `connect` would fail with `EALREADY`.
#[inline]
pub(crate) fn connect(s: Socket, addr: &SockAddr) -> io::Result<()> {
    syscall!(connect(s, addr.as_ptr(), addr.len())).map(|_| ())
}

/// `EINPROGRESS`: a non-blocking `connect(2)` goes on in the background.
pub(crate) fn connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EINPROGRESS)
}

/// Whether `err` is the OS saying it is out of a resource a new socket
/// needs: `EMFILE` (this process's descriptor limit), `ENFILE` (the
/// system's), `ENOBUFS` or `ENOMEM` (kernel memory).
pub(crate) fn resource_exhausted(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

/// Whether an `accept(2)` error is about the one connection it would have
/// returned, not the listener: the peer gave up or reset it
/// (`ECONNABORTED`, `ECONNRESET`), a firewall refused it (`EPERM`), or a
/// network error was pending on it, which Linux's accept(2) page says to
/// treat as `EAGAIN` (`EPROTO`, `ENETDOWN`, `EHOSTDOWN`, `ENONET`,
/// `EHOSTUNREACH`, `ENETUNREACH`; `ETIMEDOUT` elsewhere).
pub(crate) fn lost_before_accept(err: &io::Error) -> bool {
    match err.raw_os_error() {
        Some(
            libc::ECONNABORTED
            | libc::ECONNRESET
            | libc::EPERM
            | libc::EPROTO
            | libc::ENETDOWN
            | libc::EHOSTDOWN
            | libc::EHOSTUNREACH
            | libc::ENETUNREACH
            | libc::ETIMEDOUT,
        ) => true,
        #[cfg(linux_like)]
        Some(libc::ENONET) => true,
        _ => false,
    }
}

/// `accept4(2)` with `SOCK_CLOEXEC` (Apple: `accept(2)` and then the same
/// fix-ups as `socket`). Retried on `EINTR`, which is safe: no connection
/// was taken.
pub(crate) fn accept(s: Socket) -> io::Result<(Socket, SockAddr)> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    loop {
        #[cfg(not(target_vendor = "apple"))]
        let res = syscall!(accept4(s, storage.cast(), len, libc::SOCK_CLOEXEC));
        #[cfg(target_vendor = "apple")]
        let res = syscall!(accept(s, storage.cast(), len)).and_then(apple_fixup);
        match res {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(new) => return Ok((new, addr)),
            Err(e) => return Err(e),
        }
    }
}

/// The flag that keeps `send` from raising `SIGPIPE` (Apple uses the
/// socket option set at creation instead).
#[cfg(not(target_vendor = "apple"))]
pub(crate) const NOSIGNAL: c_int = libc::MSG_NOSIGNAL;
#[cfg(target_vendor = "apple")]
pub(crate) const NOSIGNAL: c_int = 0;

/// `send(2)` with `MSG_NOSIGNAL`.
#[inline]
pub(crate) fn send(s: Socket, buf: &[u8], flags: c_int) -> io::Result<usize> {
    syscall!(send(
        s,
        buf.as_ptr().cast::<c_void>(),
        buf.len(),
        flags | NOSIGNAL
    ))
    .map(|n| n as usize)
}

/// `recv(2)`.
#[inline]
pub(crate) fn recv(s: Socket, buf: &mut [u8], flags: c_int) -> io::Result<usize> {
    syscall!(recv(s, buf.as_mut_ptr().cast::<c_void>(), buf.len(), flags)).map(|n| n as usize)
}

/// `sendto(2)` with `MSG_NOSIGNAL`.
#[inline]
pub(crate) fn send_to(s: Socket, buf: &[u8], flags: c_int, addr: &SockAddr) -> io::Result<usize> {
    syscall!(sendto(
        s,
        buf.as_ptr().cast::<c_void>(),
        buf.len(),
        flags | NOSIGNAL,
        addr.as_ptr(),
        addr.len()
    ))
    .map(|n| n as usize)
}

/// `recvfrom(2)`.
#[inline]
pub(crate) fn recv_from(s: Socket, buf: &mut [u8], flags: c_int) -> io::Result<(usize, SockAddr)> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    let n = syscall!(recvfrom(
        s,
        buf.as_mut_ptr().cast::<c_void>(),
        buf.len(),
        flags,
        storage.cast(),
        len
    ))?;
    Ok((n as usize, addr))
}

/// `shutdown(2)`.
#[inline]
pub(crate) fn shutdown(s: Socket, how: c_int) -> io::Result<()> {
    syscall!(shutdown(s, how)).map(|_| ())
}

/// `getsockname(2)`.
pub(crate) fn getsockname(s: Socket) -> io::Result<SockAddr> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    syscall!(getsockname(s, storage.cast(), len))?;
    Ok(addr)
}

/// `getpeername(2)`.
pub(crate) fn getpeername(s: Socket) -> io::Result<SockAddr> {
    let mut addr = SockAddr::empty();
    let (storage, len) = addr.out_parts();
    syscall!(getpeername(s, storage.cast(), len))?;
    Ok(addr)
}

/// The family of the socket: `SO_DOMAIN` on Linux (works on sockets that
/// are not bound yet), `getsockname(2)` elsewhere (which reports the family
/// of an unbound socket too on the BSDs).
pub(crate) fn socket_family(s: Socket) -> io::Result<c_int> {
    #[cfg(linux_like)]
    {
        super::getsockopt::<c_int>(s, libc::SOL_SOCKET, libc::SO_DOMAIN)
    }
    #[cfg(not(linux_like))]
    {
        Ok(super::family_of(&getsockname(s)?.storage))
    }
}

/// `ioctl(FIONBIO)`: one system call, where `fcntl` needs two.
#[inline]
pub(crate) fn set_nonblocking(s: Socket, nonblocking: bool) -> io::Result<()> {
    let mut on = c_int::from(nonblocking);
    syscall!(ioctl(s, libc::FIONBIO, &mut on)).map(|_| ())
}

/// Whether `O_NONBLOCK` is set (`fcntl(F_GETFL)`).
pub(crate) fn is_nonblocking(s: Socket) -> io::Result<bool> {
    let flags = syscall!(fcntl(s, libc::F_GETFL))?;
    Ok(flags & libc::O_NONBLOCK != 0)
}

/// `fcntl(F_GETFL)`'s `O_NONBLOCK`, for `SocketHandle::is_nonblocking`:
/// the same reading as [`is_nonblocking`], which Windows cannot make (its
/// `nonblocking_flag` says so, where its `is_nonblocking` answers what
/// `connect_timeout` should restore).
pub(crate) fn nonblocking_flag(s: Socket) -> io::Result<bool> {
    is_nonblocking(s)
}

/// The protocol number the socket was made with, as the kernel reports
/// it (a TCP socket made with protocol 0 reports `IPPROTO_TCP`):
/// `getsockopt(SO_PROTOCOL)` on Linux, Android and FreeBSD. Apple has no
/// such option and no other call that reads the protocol back:
/// `Unsupported` there, naming the option and the platform.
pub(crate) fn socket_protocol(s: Socket) -> io::Result<c_int> {
    #[cfg(any(linux_like, target_os = "freebsd"))]
    {
        super::getsockopt::<c_int>(s, libc::SOL_SOCKET, libc::SO_PROTOCOL)
    }
    #[cfg(not(any(linux_like, target_os = "freebsd")))]
    {
        let _ = s;
        Err(crate::error::with_kind(
            io::ErrorKind::Unsupported,
            "socket option",
            "SO_PROTOCOL",
            &format!(
                "does not exist on {}, and no other call reads a socket's protocol back",
                std::env::consts::OS
            ),
        ))
    }
}

/// `ioctl(FIONCLEX)` / `ioctl(FIOCLEX)`: inheritable means *not*
/// close-on-exec.
pub(crate) fn set_inheritable(s: Socket, inheritable: bool) -> io::Result<()> {
    let request = if inheritable {
        libc::FIONCLEX
    } else {
        libc::FIOCLEX
    };
    syscall!(ioctl(s, request)).map(|_| ())
}

/// Whether the descriptor survives `exec` (`FD_CLOEXEC` clear).
pub(crate) fn is_inheritable(s: Socket) -> io::Result<bool> {
    let flags = syscall!(fcntl(s, libc::F_GETFD))?;
    Ok(flags & libc::FD_CLOEXEC == 0)
}

/// `fcntl(F_DUPFD_CLOEXEC)`: a second descriptor for the same socket.
pub(crate) fn duplicate(s: Socket) -> io::Result<Socket> {
    syscall!(fcntl(s, libc::F_DUPFD_CLOEXEC, 3))
}

/// `socketpair(2)`, both ends close-on-exec (Apple: `socketpair` and then
/// the same fix-ups as `socket`, closing both ends if one fails).
pub(crate) fn socketpair(
    domain: c_int,
    ty: c_int,
    protocol: c_int,
) -> io::Result<(Socket, Socket)> {
    let mut fds = [-1 as c_int; 2];
    #[cfg(not(target_vendor = "apple"))]
    syscall!(socketpair(
        domain,
        ty | libc::SOCK_CLOEXEC,
        protocol,
        fds.as_mut_ptr()
    ))?;
    #[cfg(target_vendor = "apple")]
    {
        syscall!(socketpair(domain, ty, protocol, fds.as_mut_ptr()))?;
        if let Err(e) = apple_fixup(fds[0]) {
            // SAFETY: fds[1] was just created and is owned here (the fix-up
            // closed fds[0]).
            unsafe { libc::close(fds[1]) };
            return Err(e);
        }
        if let Err(e) = apple_fixup(fds[1]) {
            // SAFETY: as above, the other way round.
            unsafe { libc::close(fds[0]) };
            return Err(e);
        }
    }
    Ok((fds[0], fds[1]))
}
