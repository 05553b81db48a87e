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

#[inline]
pub(crate) fn raw_of<T: AsFd + ?Sized>(s: &T) -> Socket {
    s.as_fd().as_raw_fd()
}

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
#[inline]
pub(crate) fn close(s: Socket) -> io::Result<()> {
    syscall!(close(s)).map(|_| ())
}

/// `bind(2)`.
#[inline]
pub(crate) fn bind(s: Socket, addr: *const sockaddr, len: socklen_t) -> io::Result<()> {
    syscall!(bind(s, addr, len)).map(|_| ())
}

/// `listen(2)`.
#[inline]
pub(crate) fn listen(s: Socket, backlog: c_int) -> io::Result<()> {
    syscall!(listen(s, backlog)).map(|_| ())
}

/// `connect(2)`. Not retried on `EINTR`: the connection then goes on in the
/// background and a second `connect` would fail with `EALREADY`.
#[inline]
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
#[inline]
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
#[inline]
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
const HAS_SA_LEN: bool = cfg!(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
));

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
        // One pass that the compiler can turn into a tight fill, then a
        // separate check: a `push` with a test per handle costs more.
        let fds: Vec<libc::pollfd> = sockets
            .map(|fd| libc::pollfd {
                fd,
                events,
                revents: 0,
            })
            .collect();
        // poll(2) skips negative descriptors without a word.
        if let Some(bad) = fds.iter().find(|p| p.fd < 0) {
            return Err(crate::error::invalid_input(
                "socket handle",
                bad.fd,
                "is negative, not an open descriptor",
            ));
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
        #[inline]
        fn as_fd(&self) -> BorrowedFd<'_> {
            // SAFETY: the handle is open for as long as `self` lives.
            unsafe { BorrowedFd::borrow_raw(self.as_raw()) }
        }
    }

    impl AsFd for SocketRef<'_> {
        #[inline]
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

// ---- name databases (addrinfo.rs, services.rs, hosts.rs) ----

pub(crate) use self::names::*;

mod names {
    use std::ffi::CStr;
    use std::io;
    use std::mem;
    use std::os::raw::{c_char, c_int};
    use std::path::PathBuf;
    use std::ptr::{self, NonNull};

    use crate::addrinfo::LookupError;

    pub(crate) use self::hosts::{host_by_addr, host_by_name};
    pub(crate) use self::protocols::proto_by_name;

    pub(crate) type addrinfo = libc::addrinfo;

    pub(crate) const AI_CANONNAME: c_int = libc::AI_CANONNAME;

    /// `AI_V4MAPPED`, or 0 where `getaddrinfo` rejects it with
    /// `EAI_BADFLAGS` (the BSDs and Android define the flag but do not
    /// implement it; Nim leaves it out there for the same reason).
    #[cfg(any(
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
        target_os = "android"
    ))]
    pub(crate) const AI_V4MAPPED: c_int = 0;
    #[cfg(not(any(
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
        target_os = "android"
    )))]
    pub(crate) const AI_V4MAPPED: c_int = libc::AI_V4MAPPED;

    /// `EAI_NODATA` and `EAI_ADDRFAMILY` ("the name has no address of that
    /// family"): gone from POSIX, still returned by glibc and the BSDs, and
    /// missing from the libc crate on some targets, so taken from the
    /// systems' `netdb.h`.
    #[cfg(target_os = "linux")]
    const EAI_NO_ADDRESS: [c_int; 2] = [-5, -9];
    #[cfg(not(target_os = "linux"))]
    const EAI_NO_ADDRESS: [c_int; 2] = [7, 1];

    /// Hints for `getaddrinfo`: every other field zero, as POSIX requires.
    #[inline]
    pub(crate) fn addrinfo_hints(
        flags: c_int,
        family: c_int,
        socktype: c_int,
        protocol: c_int,
    ) -> addrinfo {
        // SAFETY: addrinfo is plain data; all zeros (null pointers, zero
        // numbers) is the value POSIX asks unused hint fields to have.
        let mut hints: addrinfo = unsafe { mem::zeroed() };
        hints.ai_flags = flags;
        hints.ai_family = family;
        hints.ai_socktype = socktype;
        hints.ai_protocol = protocol;
        hints
    }

    /// `getaddrinfo(3)`. The list it returns must be given back to
    /// [`freeaddrinfo`].
    #[inline]
    pub(crate) fn getaddrinfo(
        node: &CStr,
        service: Option<&CStr>,
        hints: &addrinfo,
    ) -> Result<NonNull<addrinfo>, LookupError> {
        let mut res: *mut addrinfo = ptr::null_mut();
        // SAFETY: node and service are NUL-terminated and live across the
        // call, hints is a valid addrinfo, res is a valid out pointer.
        let code = unsafe {
            libc::getaddrinfo(
                node.as_ptr(),
                service.map_or(ptr::null(), CStr::as_ptr),
                hints,
                &mut res,
            )
        };
        if code != 0 {
            return Err(gai_error(code));
        }
        // Success with no entry is not allowed by POSIX; were a libc to do
        // it anyway, "no address" is the honest reading.
        NonNull::new(res).ok_or_else(|| LookupError::NotFound("no address returned".into()))
    }

    /// `freeaddrinfo(3)`.
    ///
    /// # Safety
    /// `list` came from [`getaddrinfo`] and is not used afterwards.
    #[inline]
    pub(crate) unsafe fn freeaddrinfo(list: NonNull<addrinfo>) {
        // SAFETY: guaranteed by the caller.
        unsafe { libc::freeaddrinfo(list.as_ptr()) }
    }

    /// The length of an entry's address (`ai_addrlen`, a `socklen_t`).
    #[inline]
    pub(crate) fn addr_len(ai: &addrinfo) -> usize {
        ai.ai_addrlen as usize
    }

    /// Writes `port` (host order) into an IPv4 or IPv6 address that
    /// `getaddrinfo` returned, as it fills in a numeric service; leaves
    /// other families and short addresses alone. The family is the
    /// entry's `ai_family` (the address's own, which POSIX makes them
    /// equal), so the address is only written, not read.
    ///
    /// # Safety
    /// `addr` points to `len` writable bytes of address.
    #[inline]
    pub(crate) unsafe fn set_port(family: c_int, addr: *mut libc::sockaddr, len: usize, port: u16) {
        // SAFETY: the casts are done only when `len` covers the whole
        // struct of that family; `addr` is suitably aligned for it, as
        // getaddrinfo allocates it for that struct.
        unsafe {
            match family {
                libc::AF_INET if len >= mem::size_of::<libc::sockaddr_in>() => {
                    (*addr.cast::<libc::sockaddr_in>()).sin_port = port.to_be();
                }
                libc::AF_INET6 if len >= mem::size_of::<libc::sockaddr_in6>() => {
                    (*addr.cast::<libc::sockaddr_in6>()).sin6_port = port.to_be();
                }
                _ => {}
            }
        }
    }

    /// Sorts a `getaddrinfo` error code; reads `errno` first for
    /// `EAI_SYSTEM`, before anything can change it.
    #[cold]
    fn gai_error(code: c_int) -> LookupError {
        if code == libc::EAI_SYSTEM {
            return LookupError::Os(io::Error::last_os_error());
        }
        let why = gai_strerror(code);
        match code {
            libc::EAI_NONAME => LookupError::NotFound(why),
            c if EAI_NO_ADDRESS.contains(&c) => LookupError::NotFound(why),
            libc::EAI_AGAIN => LookupError::TryAgain(why),
            libc::EAI_FAMILY | libc::EAI_SOCKTYPE | libc::EAI_SERVICE | libc::EAI_BADFLAGS => {
                LookupError::Unsupported(why)
            }
            libc::EAI_MEMORY => LookupError::OutOfMemory(why),
            _ => LookupError::Failed(why),
        }
    }

    /// `gai_strerror(3)`: the system's text for a `getaddrinfo` error.
    fn gai_strerror(code: c_int) -> String {
        // SAFETY: gai_strerror returns a pointer to a static string (or
        // null on some libcs for unknown codes).
        let text = unsafe { libc::gai_strerror(code) };
        text_or_code(text, "getaddrinfo error", code)
    }

    fn text_or_code(text: *const c_char, what: &str, code: c_int) -> String {
        if text.is_null() {
            return format!("{what} {code}");
        }
        // SAFETY: a non-null result of gai_strerror/hstrerror is a static
        // NUL-terminated string.
        unsafe { lossy(text) }
    }

    /// A C string from the OS as Rust text (lossy: host names may hold any
    /// byte).
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

    /// `gethostname(2)`.
    pub(crate) fn hostname() -> io::Result<String> {
        // POSIX host names are at most 255 bytes; one more keeps a NUL.
        let mut buf = [0 as c_char; 257];
        // SAFETY: buf has room for the length passed, which leaves the last
        // byte zero whatever the call writes.
        if unsafe { libc::gethostname(buf.as_mut_ptr(), buf.len() - 1) } == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: buf ends with a NUL (its last byte is never written).
        Ok(unsafe { lossy(buf.as_ptr()) })
    }

    /// The system's services file.
    pub(crate) fn services_path() -> PathBuf {
        PathBuf::from("/etc/services")
    }

    /// A cheap monotonic clock in milliseconds, for "has a second passed"
    /// checks on hot paths: the coarse clocks read a value the kernel
    /// keeps (about 5 ns, where `CLOCK_MONOTONIC` takes 20 to 70), at a
    /// resolution of a few milliseconds.
    #[inline]
    pub(crate) fn coarse_now_ms() -> u64 {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_COARSE;
        #[cfg(target_os = "freebsd")]
        const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_FAST;
        #[cfg(target_vendor = "apple")]
        const CLOCK: libc::clockid_t = libc::CLOCK_UPTIME_RAW_APPROX;
        #[cfg(not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd",
            target_vendor = "apple"
        )))]
        const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid out pointer; CLOCK exists on this system,
        // so the call cannot fail.
        unsafe { libc::clock_gettime(CLOCK, &mut ts) };
        (ts.tv_sec as u64) * 1000 + (ts.tv_nsec as u64) / 1_000_000
    }

    /// Runs an `_r` call with scratch space that grows on `ERANGE`: 1 KiB
    /// first, four times more each time, up to 1 MiB (a bigger entry would
    /// be a broken database, not a real one). `call` gets the buffer and
    /// its length, and returns `None` for "too small".
    #[cfg(any(
        all(target_os = "linux", any(target_env = "gnu", target_env = "musl")),
        target_os = "freebsd"
    ))]
    fn with_growing_buffer<T>(
        mut call: impl FnMut(*mut c_char, usize) -> Option<Result<T, LookupError>>,
    ) -> Result<T, LookupError> {
        let mut size = 1024;
        loop {
            // u64 elements: the C library stores pointers in this buffer.
            let mut buf = vec![0u64; size / 8];
            if let Some(done) = call(buf.as_mut_ptr().cast(), size) {
                return done;
            }
            if size >= 1 << 20 {
                return Err(LookupError::Os(io::Error::from_raw_os_error(libc::ERANGE)));
            }
            size *= 4;
        }
    }

    /// Host lookups with the reentrant calls, where the C library has them
    /// (glibc, musl, FreeBSD).
    #[cfg(any(
        all(target_os = "linux", any(target_env = "gnu", target_env = "musl")),
        target_os = "freebsd"
    ))]
    mod hosts {
        use std::ffi::CStr;
        use std::io;
        use std::mem;
        use std::net::IpAddr;
        use std::os::raw::{c_char, c_int};
        use std::ptr;

        use super::{lossy, text_or_code, with_growing_buffer};
        use crate::addrinfo::LookupError;
        use crate::hosts::Hostent;
        use crate::Domain;

        // `h_errno` values, the same on glibc, musl and FreeBSD.
        const NETDB_INTERNAL: c_int = -1;
        const HOST_NOT_FOUND: c_int = 1;
        const TRY_AGAIN: c_int = 2;
        const NO_DATA: c_int = 4;

        extern "C" {
            fn gethostbyname2_r(
                name: *const c_char,
                af: c_int,
                ret: *mut libc::hostent,
                buf: *mut c_char,
                buflen: libc::size_t,
                result: *mut *mut libc::hostent,
                h_errnop: *mut c_int,
            ) -> c_int;

            fn gethostbyaddr_r(
                addr: *const libc::c_void,
                len: libc::socklen_t,
                af: c_int,
                ret: *mut libc::hostent,
                buf: *mut c_char,
                buflen: libc::size_t,
                result: *mut *mut libc::hostent,
                h_errnop: *mut c_int,
            ) -> c_int;
        }

        /// `gethostbyname2_r(3)`: thread-safe, through nsswitch
        /// (/etc/hosts, DNS, ...).
        pub(crate) fn host_by_name(name: &CStr, family: c_int) -> Result<Hostent, LookupError> {
            hostent_r(|host, buf, len, result, h_errno| {
                // SAFETY: name is NUL-terminated; host, result and h_errno
                // are valid out pointers; buf has len writable bytes.
                unsafe { gethostbyname2_r(name.as_ptr(), family, host, buf, len, result, h_errno) }
            })
        }

        /// `gethostbyaddr_r(3)`.
        pub(crate) fn host_by_addr(ip: IpAddr) -> Result<Hostent, LookupError> {
            let (family, v4, v6) = match ip {
                IpAddr::V4(a) => (libc::AF_INET, a.octets(), [0; 16]),
                IpAddr::V6(a) => (libc::AF_INET6, [0; 4], a.octets()),
            };
            let bytes: &[u8] = if ip.is_ipv4() { &v4 } else { &v6 };
            hostent_r(|host, buf, len, result, h_errno| {
                // SAFETY: bytes holds bytes.len() bytes of address; the out
                // pointers are valid; buf has len writable bytes.
                unsafe {
                    gethostbyaddr_r(
                        bytes.as_ptr().cast(),
                        bytes.len() as libc::socklen_t,
                        family,
                        host,
                        buf,
                        len,
                        result,
                        h_errno,
                    )
                }
            })
        }

        /// Runs `gethostbyname2_r` or `gethostbyaddr_r` (given as `call`)
        /// and copies out the answer.
        fn hostent_r(
            mut call: impl FnMut(
                *mut libc::hostent,
                *mut c_char,
                usize,
                *mut *mut libc::hostent,
                *mut c_int,
            ) -> c_int,
        ) -> Result<Hostent, LookupError> {
            with_growing_buffer(|buf, len| {
                // SAFETY: hostent is plain data; zeros are a valid value.
                let mut host: libc::hostent = unsafe { mem::zeroed() };
                let mut result: *mut libc::hostent = ptr::null_mut();
                let mut h_errno: c_int = 0;
                let ret = call(&mut host, buf, len, &mut result, &mut h_errno);
                if !result.is_null() {
                    // SAFETY: on success result points to `host`, whose
                    // pointers point into `buf`, alive until this closure
                    // returns.
                    return Some(unsafe { hostent_from_c(&*result) });
                }
                if ret == libc::ERANGE {
                    return None;
                }
                Some(Err(h_error(h_errno, ret)))
            })
        }

        /// Sorts an `h_errno` value (with the `_r` call's return value for
        /// `NETDB_INTERNAL`, which carries an errno).
        fn h_error(h_errno: c_int, ret: c_int) -> LookupError {
            match h_errno {
                HOST_NOT_FOUND | NO_DATA => LookupError::NotFound(hstrerror(h_errno)),
                TRY_AGAIN => LookupError::TryAgain(hstrerror(h_errno)),
                NETDB_INTERNAL if ret != 0 => LookupError::Os(io::Error::from_raw_os_error(ret)),
                NETDB_INTERNAL => LookupError::Os(io::Error::last_os_error()),
                // NO_RECOVERY, or a value this code does not know.
                _ => LookupError::Failed(hstrerror(h_errno)),
            }
        }

        /// `hstrerror(3)`: the system's text for an `h_errno` value.
        fn hstrerror(code: c_int) -> String {
            // SAFETY: hstrerror returns a pointer to a static string.
            let text = unsafe { libc::hstrerror(code) };
            text_or_code(text, "resolver error", code)
        }

        /// Copies a C `hostent` into a [`Hostent`].
        ///
        /// # Safety
        /// `h` is a `hostent` filled by the C library: `h_name` a string,
        /// `h_aliases` and `h_addr_list` null-terminated arrays.
        unsafe fn hostent_from_c(h: &libc::hostent) -> Result<Hostent, LookupError> {
            let addrtype = Domain::from_int(h.h_addrtype).ok_or_else(|| {
                LookupError::Failed(format!("unknown address family {}", h.h_addrtype))
            })?;
            let length = usize::try_from(h.h_length).unwrap_or(0);
            let mut aliases = Vec::new();
            let mut p = h.h_aliases;
            // SAFETY: h_aliases is a null-terminated array of strings.
            while !p.is_null() && unsafe { !(*p).is_null() } {
                // SAFETY: *p is a non-null NUL-terminated string.
                aliases.push(unsafe { lossy(*p) });
                // SAFETY: the array goes on until its null terminator.
                p = unsafe { p.add(1) };
            }
            let mut addr_list = Vec::new();
            let mut p = h.h_addr_list;
            // SAFETY: h_addr_list is a null-terminated array of pointers
            // to h_length bytes each.
            while !p.is_null() && unsafe { !(*p).is_null() } {
                // SAFETY: *p points to h_length bytes.
                let bytes = unsafe { std::slice::from_raw_parts((*p).cast::<u8>(), length) };
                let ip = match (addrtype, bytes.len()) {
                    (Domain::Inet, 4) => IpAddr::from(<[u8; 4]>::try_from(bytes).unwrap_or([0; 4])),
                    (Domain::Inet6, 16) => {
                        IpAddr::from(<[u8; 16]>::try_from(bytes).unwrap_or([0; 16]))
                    }
                    _ => {
                        return Err(LookupError::Failed(format!(
                            "address of family {} and length {}",
                            h.h_addrtype, h.h_length
                        )))
                    }
                };
                addr_list.push(ip);
                // SAFETY: the array goes on until its null terminator.
                p = unsafe { p.add(1) };
            }
            Ok(Hostent {
                // SAFETY: h_name is a NUL-terminated string.
                name: unsafe { lossy(h.h_name) },
                aliases,
                addrtype,
                length,
                addr_list,
            })
        }
    }

    /// Host lookups where the reentrant calls are missing (macOS, ...):
    /// `getaddrinfo` and `getnameinfo`, thread-safe everywhere. They give
    /// the canonical name and every address, but no aliases.
    #[cfg(not(any(
        all(target_os = "linux", any(target_env = "gnu", target_env = "musl")),
        target_os = "freebsd"
    )))]
    mod hosts {
        use std::ffi::CStr;
        use std::net::IpAddr;
        use std::os::raw::{c_char, c_int};
        use std::ptr;

        use super::{addrinfo_hints, freeaddrinfo, gai_error, getaddrinfo, lossy, AI_CANONNAME};
        use crate::addrinfo::LookupError;
        use crate::hosts::Hostent;
        use crate::{Domain, SockAddr};

        /// `getaddrinfo(3)` with `AI_CANONNAME`, one entry per address.
        pub(crate) fn host_by_name(name: &CStr, family: c_int) -> Result<Hostent, LookupError> {
            let hints = addrinfo_hints(AI_CANONNAME, family, libc::SOCK_STREAM, 0);
            let list = getaddrinfo(name, None, &hints)?;
            let mut host = Hostent {
                name: name.to_string_lossy().into_owned(),
                aliases: Vec::new(),
                addrtype: Domain::from_int(family).unwrap_or(Domain::Inet),
                length: if family == libc::AF_INET6 { 16 } else { 4 },
                addr_list: Vec::new(),
            };
            let mut node = list.as_ptr();
            while !node.is_null() {
                // SAFETY: node is an entry of the list getaddrinfo
                // returned, which stays alive until freeaddrinfo below.
                let ai = unsafe { &*node };
                if !ai.ai_canonname.is_null() && host.addr_list.is_empty() {
                    // SAFETY: ai_canonname is a NUL-terminated string.
                    host.name = unsafe { lossy(ai.ai_canonname) };
                }
                if !ai.ai_addr.is_null() {
                    // SAFETY: ai_addr points to ai_addrlen bytes of address.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(ai.ai_addr.cast::<u8>(), ai.ai_addrlen as usize)
                    };
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

        /// `getnameinfo(3)` with `NI_NAMEREQD`.
        pub(crate) fn host_by_addr(ip: IpAddr) -> Result<Hostent, LookupError> {
            let sa = SockAddr::from(std::net::SocketAddr::new(ip, 0));
            let mut host = [0 as c_char; 1025];
            // SAFETY: sa is a valid address of sa.len() bytes; host has room
            // for the given length; no service is asked for.
            let code = unsafe {
                libc::getnameinfo(
                    sa.as_ptr(),
                    sa.len(),
                    host.as_mut_ptr(),
                    host.len() as libc::socklen_t,
                    ptr::null_mut(),
                    0,
                    libc::NI_NAMEREQD,
                )
            };
            if code != 0 {
                return Err(gai_error(code));
            }
            let (addrtype, length) = if ip.is_ipv4() {
                (Domain::Inet, 4)
            } else {
                (Domain::Inet6, 16)
            };
            Ok(Hostent {
                // SAFETY: getnameinfo wrote a NUL-terminated name.
                name: unsafe { lossy(host.as_ptr()) },
                aliases: Vec::new(),
                addrtype,
                length,
                addr_list: vec![ip],
            })
        }
    }

    /// `getprotobyname_r(3)` where the C library has it (glibc, FreeBSD).
    #[cfg(any(all(target_os = "linux", target_env = "gnu"), target_os = "freebsd"))]
    mod protocols {
        use std::ffi::CStr;
        use std::io;
        use std::mem;
        use std::os::raw::{c_char, c_int};
        use std::ptr;

        use super::with_growing_buffer;
        use crate::addrinfo::LookupError;

        extern "C" {
            fn getprotobyname_r(
                name: *const c_char,
                result_buf: *mut libc::protoent,
                buf: *mut c_char,
                buflen: libc::size_t,
                result: *mut *mut libc::protoent,
            ) -> c_int;
        }

        /// The protocol number, or `None` when the protocols database has
        /// no such name.
        pub(crate) fn proto_by_name(name: &CStr) -> Result<Option<c_int>, LookupError> {
            with_growing_buffer(|buf, len| {
                // SAFETY: protoent is plain data; zeros are a valid value.
                let mut proto: libc::protoent = unsafe { mem::zeroed() };
                let mut result: *mut libc::protoent = ptr::null_mut();
                // SAFETY: name is NUL-terminated; the out pointers are
                // valid; buf has len writable bytes.
                let ret =
                    unsafe { getprotobyname_r(name.as_ptr(), &mut proto, buf, len, &mut result) };
                if !result.is_null() {
                    return Some(Ok(Some(proto.p_proto)));
                }
                match ret {
                    libc::ERANGE => None,
                    // Not found: 0 by POSIX, ENOENT from some glibc
                    // versions.
                    0 | libc::ENOENT => Some(Ok(None)),
                    e => Some(Err(LookupError::Os(io::Error::from_raw_os_error(e)))),
                }
            })
        }
    }

    /// Where `getprotobyname_r` is missing: `getprotobyname(3)`, whose
    /// static result is read under a process-wide lock (Apple's is
    /// per-thread already; musl's walks a shared cursor).
    #[cfg(not(any(all(target_os = "linux", target_env = "gnu"), target_os = "freebsd")))]
    mod protocols {
        use std::ffi::CStr;
        use std::os::raw::c_int;
        use std::sync::{Mutex, PoisonError};

        use crate::addrinfo::LookupError;

        /// The protocol number, or `None` when the protocols database has
        /// no such name.
        pub(crate) fn proto_by_name(name: &CStr) -> Result<Option<c_int>, LookupError> {
            static LOCK: Mutex<()> = Mutex::new(());
            let _guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
            // SAFETY: name is NUL-terminated; the static result is read
            // while the lock is held.
            let p = unsafe { libc::getprotobyname(name.as_ptr()) };
            if p.is_null() {
                return Ok(None);
            }
            // SAFETY: p points to a valid protoent until the next call,
            // which the lock keeps out.
            Ok(Some(unsafe { (*p).p_proto }))
        }
    }
}
