//! Unix: every `libc` call the crate makes.
//!
//! `sys/windows.rs` exposes the same crate-private names, so the portable
//! modules call `sys::bind(...)` without a `cfg`. Each function here is one
//! system call, except where the platform lacks a flag that makes the call
//! safe (Apple has no `SOCK_CLOEXEC`, `accept4` or `MSG_NOSIGNAL`).

#![allow(non_camel_case_types)]

use std::io;
use std::mem::{self, MaybeUninit};
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::raw::{c_int, c_void};
use std::time::Duration;

pub(crate) use libc::{
    sa_family_t, sockaddr, sockaddr_in, sockaddr_in6, sockaddr_storage, sockaddr_un, socklen_t,
};

/// The OS's socket handle: a file descriptor.
pub(crate) type Socket = RawFd;
/// What `SocketRef::from` accepts and `select` waits on.
pub(crate) use std::os::fd::AsFd as AsSocket;

pub(crate) const INVALID_SOCKET: Socket = -1;

pub(crate) const AF_UNSPEC: c_int = libc::AF_UNSPEC;
pub(crate) const AF_UNIX: c_int = libc::AF_UNIX;
pub(crate) const AF_INET: c_int = libc::AF_INET;
pub(crate) const AF_INET6: c_int = libc::AF_INET6;

pub(crate) const SOCK_STREAM: c_int = libc::SOCK_STREAM;
pub(crate) const SOCK_DGRAM: c_int = libc::SOCK_DGRAM;
pub(crate) const SOCK_RAW: c_int = libc::SOCK_RAW;
pub(crate) const SOCK_SEQPACKET: c_int = libc::SOCK_SEQPACKET;

pub(crate) const IPPROTO_IP: c_int = libc::IPPROTO_IP;
pub(crate) const IPPROTO_IPV6: c_int = libc::IPPROTO_IPV6;
pub(crate) const IPPROTO_TCP: c_int = libc::IPPROTO_TCP;
pub(crate) const IPPROTO_UDP: c_int = libc::IPPROTO_UDP;
pub(crate) const IPPROTO_RAW: c_int = libc::IPPROTO_RAW;
pub(crate) const IPPROTO_ICMP: c_int = libc::IPPROTO_ICMP;
pub(crate) const IPPROTO_ICMPV6: c_int = libc::IPPROTO_ICMPV6;

pub(crate) const SOMAXCONN: c_int = libc::SOMAXCONN;

pub(crate) const SOL_SOCKET: c_int = libc::SOL_SOCKET;
pub(crate) const SO_REUSEADDR: c_int = libc::SO_REUSEADDR;
pub(crate) const SO_REUSEPORT: c_int = libc::SO_REUSEPORT;
pub(crate) const SO_KEEPALIVE: c_int = libc::SO_KEEPALIVE;
pub(crate) const SO_BROADCAST: c_int = libc::SO_BROADCAST;
pub(crate) const SO_RCVBUF: c_int = libc::SO_RCVBUF;
pub(crate) const SO_SNDBUF: c_int = libc::SO_SNDBUF;
pub(crate) const SO_RCVLOWAT: c_int = libc::SO_RCVLOWAT;
pub(crate) const SO_SNDLOWAT: c_int = libc::SO_SNDLOWAT;
pub(crate) const SO_ERROR: c_int = libc::SO_ERROR;
pub(crate) const SO_TYPE: c_int = libc::SO_TYPE;
pub(crate) const SO_ACCEPTCONN: c_int = libc::SO_ACCEPTCONN;
pub(crate) const SO_LINGER: c_int = libc::SO_LINGER;
pub(crate) const SO_RCVTIMEO: c_int = libc::SO_RCVTIMEO;
pub(crate) const SO_SNDTIMEO: c_int = libc::SO_SNDTIMEO;
pub(crate) const SO_DONTROUTE: c_int = libc::SO_DONTROUTE;
pub(crate) const SO_OOBINLINE: c_int = libc::SO_OOBINLINE;
pub(crate) const TCP_NODELAY: c_int = libc::TCP_NODELAY;
pub(crate) const IP_TTL: c_int = libc::IP_TTL;
pub(crate) const IP_TOS: c_int = libc::IP_TOS;
pub(crate) const IP_MULTICAST_TTL: c_int = libc::IP_MULTICAST_TTL;
pub(crate) const IP_MULTICAST_LOOP: c_int = libc::IP_MULTICAST_LOOP;
pub(crate) const IPV6_V6ONLY: c_int = libc::IPV6_V6ONLY;
pub(crate) const IPV6_UNICAST_HOPS: c_int = libc::IPV6_UNICAST_HOPS;
pub(crate) const IPV6_MULTICAST_HOPS: c_int = libc::IPV6_MULTICAST_HOPS;
pub(crate) const IPV6_MULTICAST_LOOP: c_int = libc::IPV6_MULTICAST_LOOP;

/// Byte offset of `sun_path` in `sockaddr_un`: an address this long is an
/// unnamed Unix socket.
pub(crate) const SUN_PATH_OFFSET: usize = mem::offset_of!(sockaddr_un, sun_path);

/// Turns the C convention "returns -1 and sets errno" into `io::Result`.
macro_rules! syscall {
    ($fn: ident ( $($arg: expr),* $(,)* ) ) => {{
        #[allow(unused_unsafe)]
        // SAFETY: each call site passes arguments that satisfy `$fn`'s
        // contract; the macro only checks the result.
        let res = unsafe { libc::$fn($($arg, )*) };
        if res == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(res)
        }
    }};
}

/// Nothing to initialise on Unix (Windows starts Winsock here).
#[inline]
pub(crate) fn init() {}

pub(crate) fn raw_of<T: AsFd + ?Sized>(s: &T) -> Socket {
    s.as_fd().as_raw_fd()
}

/// `socket(2)`, close-on-exec, and on Apple with `SO_NOSIGPIPE` set.
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

/// Apple lacks `SOCK_CLOEXEC` and `MSG_NOSIGNAL`: set both properties on a
/// new descriptor, closing it if that fails so nothing leaks.
#[cfg(target_vendor = "apple")]
fn apple_fixup(fd: Socket) -> io::Result<Socket> {
    let res = syscall!(ioctl(fd, libc::FIOCLEX)).and_then(|_| {
        let one: c_int = 1;
        setsockopt(fd, libc::SOL_SOCKET, libc::SO_NOSIGPIPE, one)
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
pub(crate) fn close(s: Socket) -> io::Result<()> {
    syscall!(close(s)).map(|_| ())
}

/// `bind(2)`.
pub(crate) fn bind(s: Socket, addr: *const sockaddr, len: socklen_t) -> io::Result<()> {
    syscall!(bind(s, addr, len)).map(|_| ())
}

/// `listen(2)`.
pub(crate) fn listen(s: Socket, backlog: c_int) -> io::Result<()> {
    syscall!(listen(s, backlog)).map(|_| ())
}

/// `connect(2)`. Not retried on `EINTR`: the connection then goes on in the
/// background and a second `connect` would fail with `EALREADY`.
pub(crate) fn connect(s: Socket, addr: *const sockaddr, len: socklen_t) -> io::Result<()> {
    syscall!(connect(s, addr, len)).map(|_| ())
}

/// `accept4(2)` with `SOCK_CLOEXEC` (Apple: `accept(2)` and then the same
/// fix-ups as `socket`). Retried on `EINTR`, which is safe: no connection
/// was taken.
pub(crate) fn accept(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<Socket> {
    loop {
        #[cfg(not(target_vendor = "apple"))]
        let res = syscall!(accept4(s, storage.cast(), len, libc::SOCK_CLOEXEC));
        #[cfg(target_vendor = "apple")]
        let res = syscall!(accept(s, storage.cast(), len)).and_then(apple_fixup);
        match res {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// The flag that keeps `send` from raising `SIGPIPE` (Apple uses the
/// socket option set at creation instead).
#[cfg(not(target_vendor = "apple"))]
const NOSIGNAL: c_int = libc::MSG_NOSIGNAL;
#[cfg(target_vendor = "apple")]
const NOSIGNAL: c_int = 0;

pub(crate) const MSG_PEEK: c_int = libc::MSG_PEEK;
pub(crate) const MSG_OOB: c_int = libc::MSG_OOB;
pub(crate) const MSG_WAITALL: c_int = libc::MSG_WAITALL;

/// `send(2)` with `MSG_NOSIGNAL`.
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
pub(crate) fn recv(s: Socket, buf: &mut [u8], flags: c_int) -> io::Result<usize> {
    syscall!(recv(s, buf.as_mut_ptr().cast::<c_void>(), buf.len(), flags)).map(|n| n as usize)
}

/// `sendto(2)` with `MSG_NOSIGNAL`.
pub(crate) fn send_to(
    s: Socket,
    buf: &[u8],
    flags: c_int,
    addr: *const sockaddr,
    len: socklen_t,
) -> io::Result<usize> {
    syscall!(sendto(
        s,
        buf.as_ptr().cast::<c_void>(),
        buf.len(),
        flags | NOSIGNAL,
        addr,
        len
    ))
    .map(|n| n as usize)
}

/// `recvfrom(2)`.
pub(crate) fn recv_from(
    s: Socket,
    buf: &mut [u8],
    flags: c_int,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<usize> {
    syscall!(recvfrom(
        s,
        buf.as_mut_ptr().cast::<c_void>(),
        buf.len(),
        flags,
        storage.cast(),
        len
    ))
    .map(|n| n as usize)
}

pub(crate) const SHUT_RD: c_int = libc::SHUT_RD;
pub(crate) const SHUT_WR: c_int = libc::SHUT_WR;
pub(crate) const SHUT_RDWR: c_int = libc::SHUT_RDWR;

/// `shutdown(2)`.
pub(crate) fn shutdown(s: Socket, how: c_int) -> io::Result<()> {
    syscall!(shutdown(s, how)).map(|_| ())
}

/// `getsockname(2)`.
pub(crate) fn getsockname(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<()> {
    syscall!(getsockname(s, storage.cast(), len)).map(|_| ())
}

/// `getpeername(2)`.
pub(crate) fn getpeername(
    s: Socket,
    storage: *mut sockaddr_storage,
    len: *mut socklen_t,
) -> io::Result<()> {
    syscall!(getpeername(s, storage.cast(), len)).map(|_| ())
}

/// `getsockopt(2)` for an option whose value is a plain `T`.
///
/// The value starts zeroed, so a kernel that writes fewer bytes than
/// `size_of::<T>()` (booleans on some systems) still reads right on a
/// little-endian machine; a short write on a big-endian one is widened
/// below.
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

/// The family of the socket: `SO_DOMAIN` on Linux (works on sockets that
/// are not bound yet), `getsockname(2)` elsewhere (which reports the family
/// of an unbound socket too on the BSDs).
pub(crate) fn socket_family(s: Socket) -> io::Result<c_int> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        getsockopt::<c_int>(s, libc::SOL_SOCKET, libc::SO_DOMAIN)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        // SAFETY: an all-zero sockaddr_storage is a valid value.
        let mut storage: sockaddr_storage = unsafe { mem::zeroed() };
        let mut len = mem::size_of::<sockaddr_storage>() as socklen_t;
        getsockname(s, &mut storage, &mut len)?;
        Ok(c_int::from(storage.ss_family))
    }
}

/// `ioctl(FIONBIO)`: one system call, where `fcntl` needs two.
pub(crate) fn set_nonblocking(s: Socket, nonblocking: bool) -> io::Result<()> {
    let mut on = c_int::from(nonblocking);
    syscall!(ioctl(s, libc::FIONBIO, &mut on)).map(|_| ())
}

/// Whether `O_NONBLOCK` is set (`fcntl(F_GETFL)`).
pub(crate) fn is_nonblocking(s: Socket) -> io::Result<bool> {
    let flags = syscall!(fcntl(s, libc::F_GETFL))?;
    Ok(flags & libc::O_NONBLOCK != 0)
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

/// The value `inet_pton`-free code stores in `sin_addr.s_addr`.
pub(crate) fn in_addr(ip: std::net::Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(ip.octets()),
    }
}

pub(crate) fn in_addr_octets(a: &libc::in_addr) -> [u8; 4] {
    a.s_addr.to_ne_bytes()
}

pub(crate) fn in6_addr(ip: std::net::Ipv6Addr) -> libc::in6_addr {
    libc::in6_addr {
        s6_addr: ip.octets(),
    }
}

pub(crate) fn in6_addr_octets(a: &libc::in6_addr) -> [u8; 16] {
    a.s6_addr
}

/// BSD-derived systems carry the address length in the address itself.
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const HAS_SA_LEN: bool = true;
#[cfg(not(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
const HAS_SA_LEN: bool = false;

/// Writes the family (and on the BSDs the length byte) of an address that
/// is `len` bytes long.
pub(crate) fn set_family(storage: &mut sockaddr_storage, family: c_int, len: socklen_t) {
    storage.ss_family = family as sa_family_t;
    if HAS_SA_LEN {
        // SAFETY: on these systems the first byte of every sockaddr is its
        // length (`ss_len`); writing it through a byte pointer avoids
        // naming a field the other systems do not have.
        unsafe { *(storage as *mut sockaddr_storage).cast::<u8>() = len as u8 };
    }
}

pub(crate) fn family_of(storage: &sockaddr_storage) -> c_int {
    c_int::from(storage.ss_family)
}

/// Fills `storage` with an IPv4 address; returns its length.
pub(crate) fn put_v4(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV4) -> socklen_t {
    let len = mem::size_of::<sockaddr_in>() as socklen_t;
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
    let sin = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in>() };
    sin.sin_port = addr.port().to_be();
    sin.sin_addr = in_addr(*addr.ip());
    set_family(storage, AF_INET, len);
    len
}

/// Fills `storage` with an IPv6 address; returns its length.
pub(crate) fn put_v6(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV6) -> socklen_t {
    let len = mem::size_of::<sockaddr_in6>() as socklen_t;
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
    let sin6 = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in6>() };
    sin6.sin6_port = addr.port().to_be();
    sin6.sin6_addr = in6_addr(*addr.ip());
    sin6.sin6_flowinfo = addr.flowinfo();
    sin6.sin6_scope_id = addr.scope_id();
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
        sin6.sin6_scope_id,
    )
}

/// Whether Unix-domain addresses may be abstract (Linux's namespace of
/// names that begin with a NUL byte).
pub(crate) const HAS_ABSTRACT_UNIX: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// Takes a std socket's descriptor.
pub(crate) fn into_raw<T: std::os::fd::IntoRawFd>(s: T) -> Socket {
    s.into_raw_fd()
}

/// Wraps a descriptor in a std type.
///
/// # Safety
/// `s` must be an open socket owned by the caller.
pub(crate) unsafe fn from_raw<T: std::os::fd::FromRawFd>(s: Socket) -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { T::from_raw_fd(s) }
}

// ---- readiness (select.rs) ----
//
// The contract every platform's twin keeps (sys/windows.rs mirrors these
// names; select.rs calls them with no `cfg`):
//
// - `PollSet::new(sockets, interest)` copies the handles into ONE buffer
//   sized to the input: the only allocation of a `select` call. A handle
//   that can never be valid (a negative descriptor here, `INVALID_SOCKET`
//   on Windows) is `InvalidInput` naming it, because the OS would skip it
//   silently instead of failing.
// - `PollSet::wait(timeout_ms)` makes ONE OS wait: a negative timeout waits
//   forever, 0 only polls. It returns how many handles are ready (0 on
//   timeout), `ErrorKind::Interrupted` when a signal cut the wait short
//   (select.rs then calls it again with the time left, so it must be
//   callable again), and an error naming the handle when one is closed or
//   not a socket: never a hang, never a silent drop.
// - `PollSet::ready()` then yields, for each input handle in input order,
//   whether it is ready. Read interest: data, a pending connection, end of
//   stream, a reset or any pending error. Write interest: room to send, a
//   finished connect, and any error or hang-up, so that a failed
//   non-blocking connect is reported as ready (its error is in `SO_ERROR`).
// - `connect_in_progress(&err)`: whether a non-blocking `connect` that
//   failed with `err` is still going on (`EINPROGRESS` here).
// - `is_nonblocking(socket)` (above): the mode `connect_timeout` restores.

/// The handles of one `select` call, in a `pollfd` array for `poll(2)`,
/// which has no `FD_SETSIZE` limit on descriptor numbers or count.
pub(crate) struct PollSet {
    fds: Vec<libc::pollfd>,
}

impl PollSet {
    /// One `pollfd` per socket, asking for `POLLIN` or `POLLOUT`.
    pub(crate) fn new(
        sockets: impl ExactSizeIterator<Item = Socket>,
        interest: crate::select::Interest,
    ) -> io::Result<PollSet> {
        let events = match interest {
            crate::select::Interest::Read => libc::POLLIN,
            crate::select::Interest::Write => libc::POLLOUT,
        };
        let mut fds = Vec::with_capacity(sockets.len());
        for fd in sockets {
            // poll(2) skips negative descriptors without a word.
            if fd < 0 {
                return Err(crate::error::invalid_input(
                    "socket handle",
                    fd,
                    "is negative, not an open descriptor",
                ));
            }
            fds.push(libc::pollfd {
                fd,
                events,
                revents: 0,
            });
        }
        Ok(PollSet { fds })
    }

    /// One `poll(2)`. `POLLNVAL` on any descriptor (closed, or never
    /// opened) is `InvalidInput` naming it; `EINVAL` from the kernel means
    /// more descriptors than `RLIMIT_NOFILE` (Linux) or `OPEN_MAX` (macOS)
    /// allows, and says so.
    pub(crate) fn wait(&mut self, timeout_ms: c_int) -> io::Result<usize> {
        let n = match syscall!(poll(
            self.fds.as_mut_ptr(),
            self.fds.len() as libc::nfds_t,
            timeout_ms
        )) {
            Ok(n) => n as usize,
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                return Err(crate::error::invalid_input(
                    "handle count",
                    self.fds.len(),
                    "is more than poll(2) accepts (the process's descriptor limit, \
                     RLIMIT_NOFILE)",
                ));
            }
            Err(e) => return Err(e),
        };
        // `n` counts the entries with any `revents`, POLLNVAL ones included,
        // so the scan can stop at the last of them.
        let mut left = n;
        for pfd in &self.fds {
            if left == 0 {
                break;
            }
            if pfd.revents != 0 {
                if pfd.revents & libc::POLLNVAL != 0 {
                    return Err(crate::error::invalid_input(
                        "socket handle",
                        pfd.fd,
                        "is not an open descriptor (poll reported POLLNVAL)",
                    ));
                }
                left -= 1;
            }
        }
        Ok(n)
    }

    /// Readiness of each handle, in input order, after [`wait`](Self::wait).
    /// `POLLHUP` and `POLLERR` count for both interests: a reset or closed
    /// peer must wake a reader, and a failed connect a writer.
    pub(crate) fn ready(&self) -> impl Iterator<Item = bool> + '_ {
        self.fds
            .iter()
            .map(|pfd| pfd.revents & (pfd.events | libc::POLLHUP | libc::POLLERR) != 0)
    }
}

/// `EINPROGRESS`: a non-blocking `connect(2)` goes on in the background.
pub(crate) fn connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EINPROGRESS)
}

mod std_traits {
    use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

    use crate::{SocketHandle, SocketRef};

    impl AsFd for SocketHandle {
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: the handle is open for as long as `self` lives.
            unsafe { BorrowedFd::borrow_raw(self.as_raw()) }
        }
    }

    impl AsFd for SocketRef<'_> {
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: the owner this view borrows keeps the socket open.
            unsafe { BorrowedFd::borrow_raw(self.as_raw()) }
        }
    }

    impl AsRawFd for SocketHandle {
        fn as_raw_fd(&self) -> RawFd {
            self.as_raw()
        }
    }

    impl AsRawFd for SocketRef<'_> {
        fn as_raw_fd(&self) -> RawFd {
            self.as_raw()
        }
    }

    impl IntoRawFd for SocketHandle {
        fn into_raw_fd(self) -> RawFd {
            self.into_raw()
        }
    }

    impl FromRawFd for SocketHandle {
        /// # Safety
        /// `fd` must be an open socket that nothing else closes.
        unsafe fn from_raw_fd(fd: RawFd) -> SocketHandle {
            // SAFETY: guaranteed by the caller.
            unsafe { SocketHandle::from_raw(fd) }
        }
    }

    impl From<OwnedFd> for SocketHandle {
        fn from(fd: OwnedFd) -> SocketHandle {
            // SAFETY: ownership moves from the OwnedFd.
            unsafe { SocketHandle::from_raw(fd.into_raw_fd()) }
        }
    }

    impl From<SocketHandle> for OwnedFd {
        fn from(s: SocketHandle) -> OwnedFd {
            // SAFETY: ownership moves from the SocketHandle.
            unsafe { OwnedFd::from_raw_fd(s.into_raw()) }
        }
    }
}
