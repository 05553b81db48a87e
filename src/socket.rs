//! `SocketHandle`: an owned OS socket, its creation, binding, listening,
//! accepting, connecting, data transfer, addresses and modes. Nim's free
//! functions over it (`bind_addr(&s, &a)`, ...) forward to these methods
//! from `nim.rs`; vectored I/O, `send_file`, `Read` and `Write` are in
//! `transfer.rs`.

use std::fmt;
use std::io;
use std::mem::ManuallyDrop;
use std::net::Shutdown;
use std::os::raw::c_int;
use std::time::Duration;

use crate::error::{invalid_input, with_kind};
use crate::select::wait_writable;
use crate::sys::{self, SockAddr};
use crate::types::{Domain, Port, Protocol, RawSocketHandle, SockType};

/// The largest backlog the system accepts for
/// [`listen`](SocketHandle::listen): `SOMAXCONN`.
/// Larger values are clamped by the OS.
pub const SOMAXCONN: i32 = sys::SOMAXCONN;

/// Whether `err` says the system is out of a resource a new socket needs:
/// the process's descriptor limit (`EMFILE`, `RLIMIT_NOFILE`), the
/// system's (`ENFILE`), or kernel memory (`ENOBUFS`, `ENOMEM`); on Windows
/// `WSAEMFILE`, `WSAENOBUFS` or `WSA_NOT_ENOUGH_MEMORY`.
///
/// std gives `EMFILE`, `ENFILE` and `ENOBUFS` no `ErrorKind` a program can
/// match (their `kind()` is an unstable `Uncategorized`, not `Other`), so
/// this reads the OS error number, that of `err` or of an `io::Error` in
/// its [`source`](std::error::Error::source) chain (where this crate's
/// errors that name their call keep it). `ErrorKind::OutOfMemory` counts
/// too.
///
/// Such an error is about the whole process, not about one socket or one
/// peer: from [`SocketHandle::accept`] it means the connection is still
/// waiting in the listen queue, and the listener stays readable (see
/// [`accept`](SocketHandle::accept) for what a server does then); from
/// [`SocketHandle::new`] or a connect it means the next attempt fails too
/// until a descriptor is closed.
///
/// # Examples
/// ```
/// use std::io;
/// use nativesockets::is_resource_exhausted;
///
/// let would_block = io::Error::from(io::ErrorKind::WouldBlock);
/// assert!(!is_resource_exhausted(&would_block));
/// let oom = io::Error::from(io::ErrorKind::OutOfMemory);
/// assert!(is_resource_exhausted(&oom));
/// #[cfg(unix)]
/// assert!(is_resource_exhausted(&io::Error::from_raw_os_error(24))); // EMFILE
/// ```
pub fn is_resource_exhausted(err: &io::Error) -> bool {
    any_os_error(err, |e| {
        e.kind() == io::ErrorKind::OutOfMemory || sys::resource_exhausted(e)
    })
}

/// Whether an error of [`SocketHandle::accept`] is about the one
/// connection it would have returned, gone before it was taken, rather
/// than about the listener or the process: a server skips it and accepts
/// the next.
///
/// These are the peer giving up or resetting (`ECONNABORTED`,
/// `ECONNRESET`), a firewall rule (`EPERM`), and the network errors
/// Linux's accept(2) passes on from the new connection and says to treat
/// like `EAGAIN` (`EPROTO`, `ENETDOWN`, `EHOSTDOWN`, `ENONET`,
/// `EHOSTUNREACH`, `ENETUNREACH`, and `ETIMEDOUT`); on Windows
/// `WSAECONNRESET`, `WSAECONNABORTED` and `WSAETIMEDOUT`. Several have
/// no `ErrorKind` of their own in std (`EPROTO`, `EHOSTDOWN`), so this
/// reads the OS error number, of `err` or of an `io::Error` in its
/// source chain. `WouldBlock` is not one of them: nothing was pending.
///
/// # Examples
/// ```
/// use std::io;
/// use nativesockets::is_lost_before_accept;
///
/// assert!(!is_lost_before_accept(&io::Error::from(io::ErrorKind::WouldBlock)));
/// #[cfg(target_os = "linux")]
/// assert!(is_lost_before_accept(&io::Error::from_raw_os_error(103))); // ECONNABORTED
/// ```
pub fn is_lost_before_accept(err: &io::Error) -> bool {
    any_os_error(err, sys::lost_before_accept)
}

/// Whether `test` holds for `err` or an `io::Error` in its source chain
/// (where this crate's errors that name their call keep the OS's).
fn any_os_error(err: &io::Error, test: impl Fn(&io::Error) -> bool) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.downcast_ref::<io::Error>().is_some_and(&test) {
            return true;
        }
        cause = e.source();
    }
    false
}

/// An owned OS socket, closed when dropped.
///
/// Nim's `SocketHandle` is a bare number that leaks when forgotten; this
/// one owns its descriptor like std's `OwnedFd`. It holds nothing but the
/// handle, so it is as cheap to pass as the number.
///
/// New sockets (from [`new`](SocketHandle::new),
/// [`accept`](SocketHandle::accept)) are close-on-exec (not inherited by
/// child processes) and never raise `SIGPIPE`: a send to
/// a vanished peer fails with `BrokenPipe` (on Windows, which has no
/// signals, `ConnectionReset` or `ConnectionAborted`).
///
/// Every one of Nim's free functions exists as a method too:
/// `bind_addr(&s, &a)` and `s.bind_addr(&a)` are the same call.
///
/// # Examples
/// ```
/// use nativesockets::{new_native_socket, Domain, SockType, Protocol, SockAddr};
/// use std::io::{Read, Write};
///
/// let server = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// server.bind_addr(&SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 0))))?;
/// server.listen(16)?;
/// let addr = server.local_addr()?;
///
/// let client = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// client.connect(&addr)?;
/// let (mut conn, _peer) = server.accept()?;
///
/// (&client).write_all(b"ping")?;
/// let mut buf = [0u8; 4];
/// conn.read_exact(&mut buf)?;
/// assert_eq!(&buf, b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct SocketHandle {
    raw: sys::Socket,
}

impl SocketHandle {
    /// Takes ownership of a raw socket.
    ///
    /// # Safety
    /// `raw` must be an open socket that nothing else closes.
    pub unsafe fn from_raw(raw: RawSocketHandle) -> SocketHandle {
        SocketHandle {
            raw: raw as sys::Socket,
        }
    }

    /// The raw handle, still owned by `self`.
    #[inline]
    pub fn as_raw(&self) -> RawSocketHandle {
        self.raw as RawSocketHandle
    }

    /// Gives up ownership: the caller must close the returned handle.
    pub fn into_raw(self) -> RawSocketHandle {
        ManuallyDrop::new(self).raw as RawSocketHandle
    }

    pub(crate) fn sys(&self) -> sys::Socket {
        self.raw
    }

    /// Owns a socket the platform layer just made.
    pub(crate) fn from_sys(raw: sys::Socket) -> SocketHandle {
        SocketHandle { raw }
    }

    /// Creates a socket (Nim's `newNativeSocket`, which
    /// [`new_native_socket`](crate::new_native_socket) forwards to).
    ///
    /// The socket is close-on-exec (not inherited by child processes) and
    /// never raises `SIGPIPE`.
    ///
    /// Corresponds to [`socket(2)`] with `SOCK_CLOEXEC` on Linux and FreeBSD
    /// (macOS: `socket` + `FIOCLEX` + `SO_NOSIGPIPE`), and [`WSASocketW`] with
    /// `WSA_FLAG_NO_HANDLE_INHERIT` on Windows.
    ///
    /// # Errors
    /// As [`new_raw`](Self::new_raw): `Unsupported`, naming the arguments,
    /// for a combination the system does not have (`Protocol::Tcp` with
    /// `SockType::Dgram`, `Domain::Unspec`); the OS error as it is
    /// otherwise, for example `PermissionDenied` for raw sockets without
    /// privileges.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{Domain, Protocol, SocketHandle, SockType};
    /// let udp = SocketHandle::new(Domain::Inet6, SockType::Dgram, Protocol::Udp)?;
    /// assert_eq!(udp.domain()?, Domain::Inet6);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`socket(2)`]: https://man7.org/linux/man-pages/man2/socket.2.html
    /// [`WSASocketW`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasocketw
    #[inline]
    pub fn new(
        domain: Domain,
        sock_type: SockType,
        protocol: Protocol,
    ) -> io::Result<SocketHandle> {
        SocketHandle::new_raw(domain.to_int(), sock_type.to_int(), protocol.to_int())
    }

    /// Creates a socket from the platform's raw numbers (Nim's
    /// `newNativeSocket(cint, cint, cint)`, which
    /// [`new_native_socket_raw`](crate::new_native_socket_raw) forwards
    /// to), for families, types and protocols the enums do not name
    /// (`AF_PACKET`, `AF_NETLINK`, `IPPROTO_SCTP`, ...).
    ///
    /// Same flags and OS calls as [`new`](Self::new).
    ///
    /// # Errors
    /// When the OS refuses the arguments themselves, an error naming the
    /// three numbers with the OS's text: `Unsupported` for a family, type
    /// or protocol the system lacks or that do not go together
    /// (`EAFNOSUPPORT`, `ESOCKTNOSUPPORT`, `EPROTONOSUPPORT`,
    /// `EPROTOTYPE`), `InvalidInput` for `EINVAL`. Any other failure is
    /// the OS error as it is, `raw_os_error()` included:
    /// `PermissionDenied` for raw sockets without privileges, `EMFILE` at
    /// the descriptor limit, ...
    #[inline]
    pub fn new_raw(domain: c_int, sock_type: c_int, protocol: c_int) -> io::Result<SocketHandle> {
        sys::init();
        match sys::socket(domain, sock_type, protocol) {
            Ok(raw) => Ok(SocketHandle { raw }),
            Err(e) => Err(socket_error(e, domain, sock_type, protocol)),
        }
    }

    /// Closes the socket and reports the OS's answer (Nim's `close`),
    /// which dropping cannot: dropping a `SocketHandle` closes it too,
    /// silently. The handle is released whatever the answer.
    ///
    /// Corresponds to [`close(2)`] on Unix and [`closesocket`] on Windows. Never
    /// retried on `EINTR` (the descriptor is gone by then on Linux).
    ///
    /// [`close(2)`]: https://man7.org/linux/man-pages/man2/close.2.html
    /// [`closesocket`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-closesocket
    #[inline]
    pub fn close(self) -> io::Result<()> {
        sys::close(ManuallyDrop::new(self).raw)
    }

    /// Binds the socket to `addr` (Nim's `bindAddr`).
    ///
    /// Corresponds to [`bind(2)`] on Unix and [`bind`] on Windows.
    ///
    /// # Errors
    /// The OS error, for example `AddrInUse`, `AddrNotAvailable`, or
    /// `InvalidInput` (`EINVAL`) for an already bound socket or an address
    /// of the wrong family.
    ///
    /// [`bind(2)`]: https://man7.org/linux/man-pages/man2/bind.2.html
    /// [`bind`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-bind
    #[inline]
    pub fn bind_addr(&self, addr: &SockAddr) -> io::Result<()> {
        sys::bind(self.raw, addr)
    }

    /// Marks the socket as accepting connections, with room for `backlog`
    /// pending ones (Nim's `listen`; [`SOMAXCONN`], the system's maximum,
    /// is Nim's default).
    ///
    /// Corresponds to [`listen(2)`] on Unix and [`listen`] on Windows.
    ///
    /// # Errors
    /// The OS error, for example `InvalidInput` (`EINVAL`) for a socket
    /// that is already connected, `EOPNOTSUPP` for a datagram socket.
    ///
    /// [`listen(2)`]: https://man7.org/linux/man-pages/man2/listen.2.html
    /// [`listen`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-listen
    #[inline]
    pub fn listen(&self, backlog: i32) -> io::Result<()> {
        sys::listen(self.raw, backlog)
    }

    /// Waits for and takes a connection from a listening socket; returns
    /// the new socket and the peer's address (Nim's `accept`). The new
    /// socket is close-on-exec.
    ///
    /// Corresponds to [`accept4(2)`] with `SOCK_CLOEXEC` on Linux and FreeBSD,
    /// [`accept(2)`] plus `FIOCLEX` and `SO_NOSIGPIPE` on macOS, [`accept`] on
    /// Windows. Retried on `EINTR`, which loses nothing.
    ///
    /// # Errors
    /// The OS error; `WouldBlock` on a non-blocking socket with nothing
    /// pending. What else a server meets, and what it should do:
    ///
    /// - **Out of descriptors or memory**, which
    ///   [`is_resource_exhausted`] tells: `EMFILE` (the process's limit,
    ///   `RLIMIT_NOFILE`: raw error 24 on Linux, macOS and the BSDs),
    ///   `ENFILE` (the system's, 23), `ENOBUFS` (105 on Linux), `ENOMEM`
    ///   (`ErrorKind::OutOfMemory`); `WSAEMFILE` (10024) and `WSAENOBUFS`
    ///   (10055) on Windows. std maps none of the first three to a kind a
    ///   program can match. The connection stays in the listen queue, so
    ///   **the listener stays readable**: a readiness loop (`Poller`,
    ///   `select`) that tries again at once is woken at once, for ever, and
    ///   spins a core (and a log line per failure fills the disk). Stop
    ///   waiting on the listener ([`Poller::delete`](crate::Poller::delete)
    ///   it, or leave it out of the `select` set) until one of the server's
    ///   own connections closes or a back-off passes (10 ms, doubling up
    ///   to 1 s), whichever comes first, then add it again; keep serving the
    ///   connections already open meanwhile. The clients waiting in the
    ///   queue are accepted then (those the queue has no room for are
    ///   refused by the kernel, or retried by their own TCP). The README's
    ///   "Servers at the descriptor limit" shows the loop.
    /// - **One connection failed before it was taken**, which
    ///   [`is_lost_before_accept`] tells: `ConnectionAborted`
    ///   (`ECONNABORTED`, the client gave up), `ConnectionReset`,
    ///   `PermissionDenied` (`EPERM`: a firewall rule), and on Linux
    ///   `EPROTO` and the network errors pending on the new connection
    ///   (`ENETDOWN`, `EHOSTUNREACH`, `ENETUNREACH`, ...). Only that client
    ///   is lost: call `accept` again.
    /// - Anything else (`EBADF`, `EINVAL` for a socket that is not
    ///   listening) is the listener's own and repeats: back off as for the
    ///   limit, or stop.
    ///
    /// At the limit a loop can fail thousands of times a second: count
    /// repeated errors and report them once per episode, not once each.
    ///
    /// [`accept4(2)`]: https://man7.org/linux/man-pages/man2/accept.2.html
    /// [`accept(2)`]: https://man7.org/linux/man-pages/man2/accept.2.html
    /// [`accept`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-accept
    pub fn accept(&self) -> io::Result<(SocketHandle, SockAddr)> {
        let (raw, addr) = sys::accept(self.raw)?;
        Ok((SocketHandle { raw }, addr))
    }

    /// Connects the socket to `addr` (for a datagram socket: sets the
    /// default destination and filters what is received).
    ///
    /// Corresponds to [`connect(2)`] on Unix and [`connect`] on Windows. Not
    /// retried on `EINTR`: the connection then continues in the
    /// background, and the error is reported as `Interrupted`.
    ///
    /// # Errors
    /// The OS error: `ConnectionRefused`, `TimedOut`, `AddrNotAvailable`,
    /// ...; on a non-blocking socket the connection goes on in the
    /// background and the error is `EINPROGRESS` (`ErrorKind::InProgress`)
    /// on Unix, `WSAEWOULDBLOCK` (`ErrorKind::WouldBlock`) on Windows: wait
    /// for writability and read [`take_error`](Self::take_error), or use
    /// `connect_timeout`, which does both.
    ///
    /// [`connect(2)`]: https://man7.org/linux/man-pages/man2/connect.2.html
    /// [`connect`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-connect
    #[inline]
    pub fn connect(&self, addr: &SockAddr) -> io::Result<()> {
        sys::connect(self.raw, addr)
    }

    /// Starts a connection without waiting for it, on a socket in
    /// non-blocking mode: `Ok(true)` when it completed at once (Unix-domain
    /// sockets, sometimes loopback), `Ok(false)` when it goes on in the
    /// background (`EINPROGRESS` on Unix, `WSAEWOULDBLOCK` on Windows),
    /// and the error when it failed at once.
    ///
    /// It spares callers telling "in progress" from a failure by error
    /// codes that differ between platforms (and whose `ErrorKind`,
    /// `InProgress`, is newer than this crate's minimum Rust). When it
    /// returns `Ok(false)`, wait with [`select_write`](crate::select_write)
    /// and then read [`take_error`](Self::take_error): `None` means
    /// connected.
    ///
    /// Corresponds to [`connect(2)`] on Unix and [`connect`] on Windows.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::*;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// s.set_blocking(false)?;
    /// if !s.start_connect(&listener.local_addr()?.into())? {
    ///     let mut pending = vec![&s];
    ///     select_write(&mut pending, 5000)?;
    /// }
    /// assert!(s.take_error()?.is_none());
    /// assert!(s.peer_addr().is_ok());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`connect(2)`]: https://man7.org/linux/man-pages/man2/connect.2.html
    /// [`connect`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-connect
    pub fn start_connect(&self, addr: &SockAddr) -> io::Result<bool> {
        match sys::connect(self.raw, addr) {
            Ok(()) => Ok(true),
            Err(e) if sys::connect_in_progress(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Connects to `addr`, giving up after `timeout`.
    ///
    /// The socket is made non-blocking, the connect is started, and the
    /// call waits until the socket is writable (the connect finished) or
    /// the timeout passes; then the connect's own outcome is read from
    /// `SO_ERROR`. The socket's blocking mode is restored on every path,
    /// success or error, so a blocking socket stays blocking and a
    /// non-blocking one stays non-blocking.
    ///
    /// Corresponds to [`connect(2)`] on a non-blocking socket, [`poll(2)`]
    /// with `POLLOUT` and [`getsockopt(SO_ERROR)`][getsockopt] on Unix, and
    /// [`connect`], [`select`] (`writefds` and `exceptfds`) and
    /// [`getsockopt(SO_ERROR)`][win-getsockopt] on Windows. A wait cut
    /// short by a signal resumes with the time left. Windows cannot report
    /// a socket's blocking mode, so there the socket is always left
    /// blocking afterwards, as std's `connect_timeout` does.
    ///
    /// On `TimedOut` the connect may still be going on in the background:
    /// close the socket, or use a new one, rather than connect again.
    ///
    /// # Errors
    /// - `InvalidInput` for a zero `timeout` (as std's `connect_timeout`).
    /// - `TimedOut`, naming the address, when the connect did not finish in
    ///   time.
    /// - The connect's own error, with its OS code: `ConnectionRefused`,
    ///   `HostUnreachable`, ...
    /// - For a Unix-domain socket whose listener's backlog is full, the
    ///   OS's `WouldBlock` (`EAGAIN`): such a connect does not go on in the
    ///   background, so there is nothing to wait for.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{new_native_socket, Domain, Protocol, SockAddr, SockType};
    /// use std::time::Duration;
    ///
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// s.connect_timeout(&SockAddr::from(listener.local_addr()?), Duration::from_secs(5))?;
    /// assert_eq!(s.peer_addr()?.as_socket_addr(), Some(listener.local_addr()?));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`connect(2)`]: https://man7.org/linux/man-pages/man2/connect.2.html
    /// [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
    /// [getsockopt]: https://man7.org/linux/man-pages/man2/getsockopt.2.html
    /// [`connect`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-connect
    /// [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
    /// [win-getsockopt]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockopt
    pub fn connect_timeout(&self, addr: &SockAddr, timeout: Duration) -> io::Result<()> {
        if timeout.is_zero() {
            return Err(invalid_input("connect timeout", timeout, "is zero"));
        }
        let was_nonblocking = sys::is_nonblocking(self.raw)?;
        if !was_nonblocking {
            sys::set_nonblocking(self.raw, true)?;
        }
        let result = self.connect_within(addr, timeout);
        if !was_nonblocking {
            let restored = sys::set_nonblocking(self.raw, false);
            // The connect's error says more than a failed restore would.
            if result.is_ok() {
                restored?;
            }
        }
        result
    }

    fn connect_within(&self, addr: &SockAddr, timeout: Duration) -> io::Result<()> {
        if self.start_connect(addr)? {
            return Ok(());
        }
        if !wait_writable(self.raw, timeout)? {
            return Err(with_kind(
                io::ErrorKind::TimedOut,
                "connect to",
                format_args!("{addr}"),
                &format!("no connection within {timeout:?}"),
            ));
        }
        self.connect_outcome(addr)
    }

    /// Once a non-blocking connect to `addr` shows writable: `SO_ERROR`
    /// says whether it failed. Writable with no pending error should mean
    /// connected; a peer address proves it, and its absence must not pass
    /// as success.
    pub(crate) fn connect_outcome(&self, addr: &dyn fmt::Display) -> io::Result<()> {
        if let Some(e) = self.take_error()? {
            return Err(e);
        }
        match self.peer_addr() {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Err(with_kind(
                io::ErrorKind::ConnectionRefused,
                "connect to",
                format_args!("{addr}"),
                "the connection failed and the OS gave no reason",
            )),
            Err(e) => Err(e),
        }
    }

    /// Sends `buf` on a connected socket; returns how many bytes went.
    ///
    /// Corresponds to [`send(2)`] with `MSG_NOSIGNAL` on Unix (on macOS the
    /// socket carries `SO_NOSIGPIPE` instead) and [`send`] on Windows. A peer
    /// that is gone gives `BrokenPipe`, never `SIGPIPE` (Windows:
    /// `ConnectionReset` or `ConnectionAborted`). `EINTR` is
    /// reported as `Interrupted` (what `Write::write_all` retries).
    ///
    /// [`send(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`send`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-send
    #[inline]
    pub fn send(&self, buf: &[u8]) -> io::Result<usize> {
        sys::send(self.raw, buf, 0)
    }

    /// Like [`send`](Self::send) with the OS's `MSG_*` flags added.
    #[inline]
    pub fn send_with_flags(&self, buf: &[u8], flags: c_int) -> io::Result<usize> {
        sys::send(self.raw, buf, flags)
    }

    /// Receives into `buf` from a connected socket; returns how many bytes
    /// came, 0 at the end of a stream.
    ///
    /// Corresponds to [`recv(2)`] on Unix and [`recv`] on Windows. `EINTR` is
    /// reported as `Interrupted`.
    ///
    /// [`recv(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`recv`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-recv
    #[inline]
    pub fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        sys::recv(self.raw, buf, 0)
    }

    /// Like [`recv`](Self::recv) with the OS's `MSG_*` flags.
    #[inline]
    pub fn recv_with_flags(&self, buf: &mut [u8], flags: c_int) -> io::Result<usize> {
        sys::recv(self.raw, buf, flags)
    }

    /// Receives into `buf` without taking the data from the queue: the
    /// next `recv` returns it again.
    ///
    /// Corresponds to [`recv(2)`] with `MSG_PEEK` on Unix and [`recv`] with
    /// `MSG_PEEK` on Windows.
    ///
    /// [`recv(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`recv`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-recv
    #[inline]
    pub fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        sys::recv(self.raw, buf, sys::MSG_PEEK)
    }

    /// Sends the datagram `buf` to `addr`; returns how many bytes went.
    ///
    /// Corresponds to [`sendto(2)`] with `MSG_NOSIGNAL` on Unix and [`sendto`]
    /// on Windows.
    ///
    /// [`sendto(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`sendto`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-sendto
    #[inline]
    pub fn send_to(&self, buf: &[u8], addr: &SockAddr) -> io::Result<usize> {
        sys::send_to(self.raw, buf, 0, addr)
    }

    /// Receives one datagram into `buf`; returns its length (cut to the
    /// buffer) and its sender. On a connected stream socket the address is
    /// empty (family `AF_UNSPEC`, length 0).
    ///
    /// Corresponds to [`recvfrom(2)`] on Unix and [`recvfrom`] on Windows.
    ///
    /// [`recvfrom(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`recvfrom`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-recvfrom
    #[inline]
    pub fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SockAddr)> {
        sys::recv_from(self.raw, buf, 0)
    }

    /// Like [`recv_from`](Self::recv_from), leaving the datagram queued.
    pub fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SockAddr)> {
        sys::recv_from(self.raw, buf, sys::MSG_PEEK)
    }

    /// Shuts down the reading side, the writing side, or both.
    ///
    /// Corresponds to [`shutdown(2)`] on Unix and [`shutdown`] on Windows.
    ///
    /// [`shutdown(2)`]: https://man7.org/linux/man-pages/man2/shutdown.2.html
    /// [`shutdown`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-shutdown
    #[inline]
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        let how = match how {
            Shutdown::Read => sys::SHUT_RD,
            Shutdown::Write => sys::SHUT_WR,
            Shutdown::Both => sys::SHUT_RDWR,
        };
        sys::shutdown(self.raw, how)
    }

    /// The address the socket is bound to. A socket that is not bound
    /// gives the unspecified address of its family with port 0
    /// (`0.0.0.0:0`, `[::]:0`; an unnamed address for a Unix-domain
    /// socket), on every platform.
    ///
    /// Corresponds to [`getsockname(2)`] on Unix and [`getsockname`] on
    /// Windows (which fails with `WSAEINVAL` on a socket that is not
    /// bound: the crate then answers as Unix does).
    ///
    /// [`getsockname(2)`]: https://man7.org/linux/man-pages/man2/getsockname.2.html
    /// [`getsockname`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockname
    pub fn local_addr(&self) -> io::Result<SockAddr> {
        sys::getsockname(self.raw)
    }

    /// The address of the connected peer.
    ///
    /// Corresponds to [`getpeername(2)`] on Unix and [`getpeername`] on
    /// Windows.
    ///
    /// # Errors
    /// `NotConnected` on a socket that is not connected.
    ///
    /// [`getpeername(2)`]: https://man7.org/linux/man-pages/man2/getpeername.2.html
    /// [`getpeername`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getpeername
    pub fn peer_addr(&self) -> io::Result<SockAddr> {
        sys::getpeername(self.raw)
    }

    /// The socket's family, whether or not it is bound (Nim's
    /// `getSockDomain`).
    ///
    /// Corresponds to `getsockopt(SO_DOMAIN)` on Linux ([socket(7)]),
    /// [`getsockname(2)`] on macOS and FreeBSD, and
    /// `getsockopt(SO_PROTOCOL_INFOW)` on Windows ([SO_PROTOCOL_INFO];
    /// [`getsockname`] fails there on unbound sockets).
    ///
    /// # Errors
    /// The OS error (`EBADF`, `ENOTSOCK`), or `InvalidData` naming the
    /// number when the family is not one [`Domain`] models.
    ///
    /// [`getsockname(2)`]: https://man7.org/linux/man-pages/man2/getsockname.2.html
    /// [`getsockname`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockname
    /// [socket(7)]: https://man7.org/linux/man-pages/man7/socket.7.html
    /// [SO_PROTOCOL_INFO]: https://learn.microsoft.com/en-us/windows/win32/winsock/so-protocol-info
    pub fn domain(&self) -> io::Result<Domain> {
        let family = sys::socket_family(self.raw)?;
        Domain::from_int(family).ok_or_else(|| {
            with_kind(
                io::ErrorKind::InvalidData,
                "socket family",
                family,
                "is not AF_UNSPEC, AF_UNIX, AF_INET or AF_INET6",
            )
        })
    }

    /// The protocol the socket was made with, as the system reports it:
    /// `Some` of the [`Protocol`] it is, or `None` for a protocol number
    /// that is not one of [`Protocol`]'s variants (`IPPROTO_SCTP`, a
    /// netlink family, ...; [`new_raw`](Self::new_raw) makes such
    /// sockets). The kernel reports the protocol it picked, so a TCP
    /// socket made with protocol 0 ([`Protocol::Ip`]) answers
    /// `Some(Protocol::Tcp)` on Linux; a Unix-domain socket answers
    /// `Some(Protocol::Ip)` (0, its only protocol).
    ///
    /// Corresponds to `getsockopt(SO_PROTOCOL)` on Linux, Android
    /// ([socket(7)]) and FreeBSD ([getsockopt(2)]), and to the `iProtocol` of
    /// `getsockopt(SO_PROTOCOL_INFOW)` on Windows ([SO_PROTOCOL_INFO]).
    ///
    /// # Errors
    /// On macOS, `Unsupported` naming `SO_PROTOCOL` and the platform:
    /// Apple has no such option and no other call that reads a socket's
    /// protocol back. (`Ok(None)` would read as "a protocol the enum does
    /// not name", a wrong answer for a TCP socket; an error cannot be
    /// mistaken for one.) Elsewhere the OS error (`EBADF`, `ENOTSOCK`).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{Domain, Protocol, SocketHandle, SockType};
    /// let s = SocketHandle::new(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// # #[cfg(not(target_vendor = "apple"))]
    /// assert_eq!(s.protocol()?, Some(Protocol::Udp));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [socket(7)]: https://man7.org/linux/man-pages/man7/socket.7.html
    /// [getsockopt(2)]: https://man.freebsd.org/cgi/man.cgi?query=getsockopt&sektion=2
    /// [SO_PROTOCOL_INFO]: https://learn.microsoft.com/en-us/windows/win32/winsock/so-protocol-info
    pub fn protocol(&self) -> io::Result<Option<Protocol>> {
        sys::socket_protocol(self.raw).map(Protocol::from_int)
    }

    /// The port the socket is bound to (Nim's `getSockName`); 0 for an
    /// unbound IPv4 or IPv6 socket.
    ///
    /// Corresponds to [`getsockname(2)`] on Unix and [`getsockname`] on Windows.
    ///
    /// # Errors
    /// `InvalidInput` for a socket that has no port, whatever its state: a
    /// Unix-domain socket (its address is a path, which
    /// [`local_addr`](Self::local_addr) gives); the OS error otherwise
    /// (`EBADF`, ...).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::SocketRef;
    /// let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let port = SocketRef::from(&l).sock_name()?;
    /// assert_eq!(port.0, l.local_addr()?.port());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`getsockname(2)`]: https://man7.org/linux/man-pages/man2/getsockname.2.html
    /// [`getsockname`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockname
    pub fn sock_name(&self) -> io::Result<Port> {
        let addr = self.local_addr()?;
        addr.port().ok_or_else(|| {
            invalid_input(
                "socket bound to",
                format_args!("{addr}"),
                "has no port: only IPv4 and IPv6 sockets have one (local_addr gives a Unix-domain socket's path)",
            )
        })
    }

    /// Sets the socket blocking or non-blocking (Nim's `setBlocking`).
    ///
    /// Corresponds to [`ioctl(FIONBIO)`] on Unix (one call, where `fcntl`
    /// needs a read and a write) and [`ioctlsocket(FIONBIO)`] on Windows.
    ///
    /// # Errors
    /// The OS error (`EBADF`, `ENOTSOCK`).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{Domain, Protocol, SocketHandle, SockType};
    /// let s = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// s.set_blocking(false)?;
    /// let mut buf = [0u8; 1];
    /// // Not connected: a non-blocking recv fails at once instead of waiting.
    /// assert!(s.recv(&mut buf).is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`ioctl(FIONBIO)`]: https://man7.org/linux/man-pages/man2/ioctl_fionbio.2const.html
    /// [`ioctlsocket(FIONBIO)`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket
    #[inline]
    pub fn set_blocking(&self, blocking: bool) -> io::Result<()> {
        sys::set_nonblocking(self.raw, !blocking)
    }

    /// Whether the socket is in non-blocking mode (set by
    /// [`set_blocking(false)`](Self::set_blocking)): calls that would wait
    /// fail with `WouldBlock` instead. A socket this crate makes starts
    /// blocking, as does one [`accept`](Self::accept)s from a blocking
    /// listener.
    ///
    /// Corresponds to [`fcntl(F_GETFL)`] and its `O_NONBLOCK` bit on Unix.
    ///
    /// # Errors
    /// On Windows, always `Unsupported`, saying why: Winsock has no call that
    /// reads the mode back ([`ioctlsocket(FIONBIO)`] only sets it), so a
    /// program there remembers the mode it set. On Unix, the OS error
    /// (`EBADF`).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{Domain, Protocol, SocketHandle, SockType};
    /// let s = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// s.set_blocking(false)?;
    /// # #[cfg(unix)]
    /// assert!(s.is_nonblocking()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`fcntl(F_GETFL)`]: https://man7.org/linux/man-pages/man2/fcntl.2.html
    /// [`ioctlsocket(FIONBIO)`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket
    pub fn is_nonblocking(&self) -> io::Result<bool> {
        sys::nonblocking_flag(self.raw)
    }

    /// Sets whether child processes inherit the socket (Nim's
    /// `setInheritable`).
    ///
    /// Corresponds to `ioctl(FIONCLEX / FIOCLEX)` on Unix and
    /// [`SetHandleInformation(HANDLE_FLAG_INHERIT)`][set] on Windows.
    ///
    /// [set]: https://learn.microsoft.com/en-us/windows/win32/api/handleapi/nf-handleapi-sethandleinformation
    ///
    /// # Errors
    /// The OS error (`EBADF`).
    pub fn set_inheritable(&self, inheritable: bool) -> io::Result<()> {
        sys::set_inheritable(self.raw, inheritable)
    }

    /// Whether child processes inherit the socket (false for every socket
    /// this crate creates, until [`set_inheritable`](Self::set_inheritable)).
    ///
    /// Corresponds to [`fcntl(F_GETFD)`] on Unix and [`GetHandleInformation`]
    /// on Windows.
    ///
    /// [`fcntl(F_GETFD)`]: https://man7.org/linux/man-pages/man2/fcntl.2.html
    /// [`GetHandleInformation`]: https://learn.microsoft.com/en-us/windows/win32/api/handleapi/nf-handleapi-gethandleinformation
    pub fn is_inheritable(&self) -> io::Result<bool> {
        sys::is_inheritable(self.raw)
    }

    /// A second handle for the same socket, close-on-exec.
    ///
    /// Corresponds to [`fcntl(F_DUPFD_CLOEXEC)`] on Unix and
    /// [`WSADuplicateSocketW`] + [`WSASocketW`] on Windows.
    ///
    /// [`fcntl(F_DUPFD_CLOEXEC)`]: https://man7.org/linux/man-pages/man2/fcntl.2.html
    /// [`WSADuplicateSocketW`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsaduplicatesocketw
    /// [`WSASocketW`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasocketw
    pub fn try_clone(&self) -> io::Result<SocketHandle> {
        sys::duplicate(self.raw).map(|raw| SocketHandle { raw })
    }
}

impl Drop for SocketHandle {
    #[inline]
    fn drop(&mut self) {
        // A close error cannot be reported from drop; `close()` reports it.
        let _ = sys::close(self.raw);
    }
}

impl fmt::Debug for SocketHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SocketHandle");
        d.field("raw", &self.raw);
        if let Ok(addr) = self.local_addr() {
            d.field("local", &format_args!("{addr}"));
        }
        if let Ok(addr) = self.peer_addr() {
            d.field("peer", &format_args!("{addr}"));
        }
        d.finish()
    }
}

/// The error of `SocketHandle::new_raw`: one naming the three numbers
/// when the OS refused them, else the OS error as it is. Out of line, so
/// the inlined call stays the system call and a test.
#[cold]
#[inline(never)]
pub(crate) fn socket_error(
    e: io::Error,
    domain: c_int,
    sock_type: c_int,
    protocol: c_int,
) -> io::Error {
    match sys::socket_args_error_kind(&e) {
        Some(kind) => with_kind(
            kind,
            "socket",
            format_args!("(domain {domain}, type {sock_type}, protocol {protocol})"),
            &e.to_string(),
        ),
        None => e,
    }
}
