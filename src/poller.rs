//! Readiness at scale: `Poller`, a registration set kept by the kernel
//! (see its docs for the mechanism on each platform).

use std::fmt;
use std::io;
use std::ops::{BitOr, BitOrAssign};
use std::time::{Duration, Instant};

use crate::error::{call_failed, invalid_input};
use crate::select::AsSocketHandle;
use crate::sys::{self, Trigger, Want};
use crate::types::RawSocketHandle;

/// A set of registered sockets and a way to wait until some are ready.
///
/// Each socket is registered under a `key` (any `usize` but `usize::MAX`,
/// which the poller keeps for itself), with an [`Interest`] and a
/// [`PollMode`]; [`wait`](Self::wait) fills an [`Events`] with the keys of
/// the sockets that are ready. The set is kept by the kernel (epoll,
/// kqueue, or an I/O completion port with AFD polling on Windows), so
/// thousands of mostly idle sockets cost nothing per wait, where
/// [`select`](crate::select) pays for every socket passed at every call:
///
/// | Platform | Mechanism | `notify` |
/// |---|---|---|
/// | Linux, Android | [`epoll(7)`] | an [`eventfd(2)`] |
/// | macOS, iOS, FreeBSD, DragonFly | [`kqueue(2)`] | `EVFILT_USER` |
/// | OpenBSD, NetBSD | kqueue | a pipe |
/// | Windows | an I/O completion port, `IOCTL_AFD_POLL` on `\Device\Afd` | [`PostQueuedCompletionStatus`] |
/// | other Unix, or any Unix built with `--cfg nativesockets_poll_backend` | [`poll(2)`] over the registrations | a pipe |
///
/// Use `select` for a handful of sockets waited on once (nothing to set
/// up or tear down); use `Poller` for a set that lives across many waits,
/// and always past a few dozen sockets.
///
/// `Poller` is `Send` and `Sync`: any thread may [`add`](Self::add),
/// [`modify`](Self::modify), [`delete`](Self::delete) or
/// [`notify`](Self::notify) while another waits, and the waiting thread
/// sees the change. Several threads may wait at once: a level-triggered
/// socket that stays ready may then be reported to more than one of them
/// (register with `Oneshot` to hand each event to a single thread); on the
/// poll(2) backend the waits take turns.
///
/// The poller does not own the sockets: delete a socket before closing
/// it. Closing one while it is registered is never undefined behaviour,
/// but what remains differs: epoll drops it, and the number can be added
/// again at once; kqueue drops its filters, but the poller still counts
/// the number as registered (a new socket that gets it sees
/// `AlreadyExists` until `delete` of that number, which then succeeds);
/// on Windows the registration goes at the next wait (AFD reports the
/// close); on the poll(2) backend it stays, reported as an `error` event,
/// until deleted.
///
/// # Errors of every call
/// Each error says which call failed and on what, then why:
/// `Poller::add(socket 7, key 3): socket already registered (os error
/// 17)` (kind `AlreadyExists`), `Poller::delete(socket 7): socket not
/// registered` (`NotFound`), `Poller::wait: <the OS's text>`. The kind is
/// the underlying error's. The underlying error (the OS's, with its code)
/// is the `source()`: an `io::Error` with a message has no
/// `raw_os_error()` of its own, so the code is read from there:
///
/// ```
/// use nativesockets::{Interest, Poller};
/// use std::error::Error;
///
/// let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// let poller = Poller::new()?;
/// let err = poller.delete(&socket).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// assert!(err.to_string().contains("socket not registered"), "{err}");
/// let os_code = err.source()
///     .and_then(|s| s.downcast_ref::<std::io::Error>())
///     .and_then(|os| os.raw_os_error()); // ENOENT with epoll
/// # let _ = os_code;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// The message is built only once a call has failed: a call that
/// succeeds formats nothing and allocates nothing.
///
/// # Examples
/// ```
/// use nativesockets::{Events, Interest, Poller};
/// use std::io::Write;
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let poller = Poller::new()?;
/// poller.add(&listener, 7, Interest::READABLE)?;
///
/// let mut client = TcpStream::connect(listener.local_addr()?)?;
/// let mut events = Events::with_capacity(64);
/// poller.wait(&mut events, Some(Duration::from_secs(5)))?;
/// let ev = events.iter().next().unwrap();
/// assert_eq!((ev.key, ev.readable), (7, true)); // a connection to accept
/// let (conn, _) = listener.accept()?;
///
/// poller.add(&conn, 8, Interest::READABLE)?;
/// client.write_all(b"hi")?;
/// poller.wait(&mut events, Some(Duration::from_secs(5)))?;
/// assert!(events.iter().any(|e| e.key == 8 && e.readable));
/// poller.delete(&conn)?;
/// poller.delete(&listener)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`epoll(7)`]: https://man7.org/linux/man-pages/man7/epoll.7.html
/// [`eventfd(2)`]: https://man7.org/linux/man-pages/man2/eventfd.2.html
/// [`kqueue(2)`]: https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2
/// [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
/// [`PostQueuedCompletionStatus`]: https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-postqueuedcompletionstatus
pub struct Poller {
    sys: sys::Selector,
}

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller").field("sys", &self.sys).finish()
    }
}

/// What a registration waits for: [`READABLE`](Self::READABLE),
/// [`WRITABLE`](Self::WRITABLE) or [`BOTH`](Self::BOTH); `|` combines.
///
/// # Examples
/// ```
/// use nativesockets::Interest;
/// assert_eq!(Interest::READABLE | Interest::WRITABLE, Interest::BOTH);
/// assert!(Interest::BOTH.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Data to read, a connection to accept, the peer's close, an error.
    pub const READABLE: Interest = Interest(1);
    /// Room to send, a finished (or failed) connect, an error.
    pub const WRITABLE: Interest = Interest(2);
    /// Both of the above.
    pub const BOTH: Interest = Interest(3);

    /// Whether this interest includes [`READABLE`](Self::READABLE).
    pub const fn is_readable(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether this interest includes [`WRITABLE`](Self::WRITABLE).
    pub const fn is_writable(self) -> bool {
        self.0 & 2 != 0
    }

    #[inline(always)]
    fn want(self) -> Want {
        Want {
            read: self.is_readable(),
            write: self.is_writable(),
        }
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            1 => "READABLE",
            2 => "WRITABLE",
            _ => "BOTH",
        })
    }
}

impl BitOr for Interest {
    type Output = Interest;
    fn bitor(self, rhs: Interest) -> Interest {
        Interest(self.0 | rhs.0)
    }
}

impl BitOrAssign for Interest {
    fn bitor_assign(&mut self, rhs: Interest) {
        self.0 |= rhs.0;
    }
}

/// When a registration reports its socket.
///
/// | Mode | epoll | kqueue | Windows (AFD) | poll(2) |
/// |---|---|---|---|---|
/// | `Level` | default | default | re-polled after each event | yes |
/// | `Edge` | `EPOLLET` | `EV_CLEAR` | `Unsupported` | `Unsupported` |
/// | `Oneshot` | `EPOLLONESHOT` | `EV_ONESHOT` | one poll | yes |
///
/// [`Poller::supports_edge`] says whether `Edge` is available.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PollMode {
    /// Reported by every wait while the socket is ready, as `select` does.
    #[default]
    Level,
    /// Reported when readiness arrives, not again while it lasts: read or
    /// write until `WouldBlock` before waiting again.
    Edge,
    /// Reported once; then nothing until [`Poller::modify`] re-arms it.
    /// With kqueue, reading and writing are separate filters, each of
    /// which fires once.
    Oneshot,
}

impl PollMode {
    /// The backend's trigger for this mode; `Unsupported` for `Edge` where
    /// the mechanism has none (one check for every backend, before any
    /// system call).
    #[inline(always)]
    fn trigger(self) -> io::Result<Trigger> {
        match self {
            PollMode::Level => Ok(Trigger::Level),
            PollMode::Edge => match sys::EDGE_MODE {
                Ok(()) => Ok(Trigger::Edge),
                Err(why) => Err(unsupported_edge(why)),
            },
            PollMode::Oneshot => Ok(Trigger::Oneshot),
        }
    }
}

#[cold]
fn unsupported_edge(why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "poll mode Edge: {why} (Poller::supports_edge() is false here); use Level or Oneshot"
        ),
    )
}

/// One ready socket, as [`Events::iter`] yields it.
///
/// A registration reports only the readiness it asked for, with one
/// exception that makes sure no caller misses trouble: an error, or the
/// connection closed in both directions, is reported as both `readable`
/// and `writable` whatever the interest. A peer's close (end of stream)
/// makes a read-registered socket `readable`; the read then returns 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Event {
    /// The key the socket was registered under.
    pub key: usize,
    /// A read (or accept) will not block.
    pub readable: bool,
    /// A write will not block, or a connect finished.
    pub writable: bool,
    /// The socket has a pending error (read `SO_ERROR` with
    /// [`SocketHandle::take_error`](crate::SocketHandle::take_error)):
    /// `EPOLLERR`, kqueue's `EV_EOF` with an error, AFD's connect failure
    /// or abort, `POLLERR`/`POLLNVAL`.
    pub error: bool,
    /// The peer closed its side or the connection is down: `EPOLLHUP` or
    /// `EPOLLRDHUP`, kqueue's `EV_EOF`, AFD's disconnect or abort,
    /// `POLLHUP` (and `POLLRDHUP` on Linux). The poll(2) backend on other
    /// systems cannot tell a peer's close from data: there it is only
    /// `readable`, and the read returns 0.
    pub hangup: bool,
}

/// Room for the events of one [`Poller::wait`], reused from wait to wait.
///
/// Its capacity is fixed when it is made; a wait fills at most that many
/// and never allocates. Ready sockets that did not fit are reported by
/// the next wait.
pub struct Events {
    buf: Vec<sys::SysEvent>,
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Events {
    /// Room for `capacity` events (at least 1: a capacity of 0 is made 1).
    pub fn with_capacity(capacity: usize) -> Events {
        Events {
            buf: Vec::with_capacity(capacity.max(1)),
        }
    }

    /// How many events the last wait left here.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the last wait left no event (a timeout or a `notify`).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// How many events a wait can fill in.
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// Forgets the events (a wait does this first by itself).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The events, in the order the OS reported them.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.buf.iter().map(|e| Event {
            key: e.key(),
            readable: e.readable(),
            writable: e.writable(),
            error: e.error(),
            hangup: e.hangup(),
        })
    }
}

/// The raw handle of a socket, checked for the values no OS call would
/// name in its error.
#[inline(always)]
fn handle_of(raw: RawSocketHandle) -> io::Result<sys::Socket> {
    let raw = raw as sys::Socket;
    if raw == sys::INVALID_SOCKET || (raw as i128) < 0 {
        return Err(invalid_input(
            "socket handle",
            raw,
            "is not an open socket (it is negative or INVALID_SOCKET)",
        ));
    }
    Ok(raw)
}

#[inline(always)]
fn check_key(key: usize) -> io::Result<()> {
    if key == sys::NOTIFY_KEY {
        return Err(invalid_input(
            "key",
            key,
            "is usize::MAX, which the poller keeps for its own wake-up",
        ));
    }
    Ok(())
}

/// Which registration call failed, with what it was given that the message
/// names besides the socket.
#[derive(Clone, Copy)]
enum Registration {
    Add(usize),
    AddWithMode(usize, PollMode),
    Modify(usize),
    ModifyWithMode(usize, PollMode),
    Delete,
}

/// The error of a registration call: what the call was, on which socket
/// and key, and why; the backend's error is its `source()` and gives its
/// kind. Built only once a call has failed.
#[cold]
#[inline(never)]
fn registration_failed(err: io::Error, call: Registration, socket: RawSocketHandle) -> io::Error {
    use io::ErrorKind::{AlreadyExists, NotFound};
    let why = match (call, err.kind()) {
        (Registration::Add(_) | Registration::AddWithMode(..), AlreadyExists) => {
            Some("socket already registered")
        }
        (
            Registration::Modify(_) | Registration::ModifyWithMode(..) | Registration::Delete,
            NotFound,
        ) => Some("socket not registered"),
        _ => None,
    };
    let kind = err.kind();
    match call {
        Registration::Add(key) => call_failed(
            err,
            kind,
            format_args!("Poller::add(socket {socket}, key {key})"),
            why,
        ),
        Registration::AddWithMode(key, mode) => call_failed(
            err,
            kind,
            format_args!("Poller::add_with_mode(socket {socket}, key {key}, {mode:?})"),
            why,
        ),
        Registration::Modify(key) => call_failed(
            err,
            kind,
            format_args!("Poller::modify(socket {socket}, key {key})"),
            why,
        ),
        Registration::ModifyWithMode(key, mode) => call_failed(
            err,
            kind,
            format_args!("Poller::modify_with_mode(socket {socket}, key {key}, {mode:?})"),
            why,
        ),
        Registration::Delete => call_failed(
            err,
            kind,
            format_args!("Poller::delete(socket {socket})"),
            why,
        ),
    }
}

/// The error of a call that names no socket (`new`, `wait`, `notify`).
#[cold]
#[inline(never)]
fn poller_failed(err: io::Error, call: &str) -> io::Error {
    let kind = err.kind();
    call_failed(err, kind, format_args!("Poller::{call}"), None)
}

impl Poller {
    /// Makes an empty poller.
    ///
    /// Corresponds to [`epoll_create1(2)`] with `EPOLL_CLOEXEC` and
    /// [`eventfd(2)`] on Linux and Android, [`kqueue(2)`] (and a pipe where
    /// there is no `EVFILT_USER`) on macOS and the BSDs, [`pipe(2)`] on the
    /// poll(2) backend, and [`CreateIoCompletionPort`] with a handle to
    /// `\Device\Afd` on Windows.
    ///
    /// # Errors
    /// The OS error, for example `EMFILE` when the process is out of
    /// descriptors, in a message that starts `Poller::new: ` (see
    /// [Errors](#errors-of-every-call) for how to reach the OS code).
    ///
    /// [`epoll_create1(2)`]: https://man7.org/linux/man-pages/man2/epoll_create.2.html
    /// [`eventfd(2)`]: https://man7.org/linux/man-pages/man2/eventfd.2.html
    /// [`kqueue(2)`]: https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2
    /// [`pipe(2)`]: https://man7.org/linux/man-pages/man2/pipe.2.html
    /// [`CreateIoCompletionPort`]: https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-createiocompletionport
    pub fn new() -> io::Result<Poller> {
        sys::init();
        match sys::Selector::new() {
            Ok(sys) => Ok(Poller { sys }),
            Err(e) => Err(poller_failed(e, "new")),
        }
    }

    /// Whether [`PollMode::Edge`] is available: with epoll and kqueue, not
    /// on Windows nor on the poll(2) backend (there `add_with_mode` with
    /// `Edge` is `Unsupported`).
    pub fn supports_edge(&self) -> bool {
        sys::EDGE_MODE.is_ok()
    }

    /// Registers `socket` under `key`, level-triggered (reported by every
    /// wait while it is ready, like `select`).
    ///
    /// The same as [`add_with_mode`](Self::add_with_mode) with
    /// [`PollMode::Level`].
    #[inline(always)]
    pub fn add<H: AsSocketHandle + ?Sized>(
        &self,
        socket: &H,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        let raw = socket.raw_socket();
        self.register(raw, key, interest, PollMode::Level)
            .map_err(|e| registration_failed(e, Registration::Add(key), raw))
    }

    /// Registers `socket` under `key` with `interest` and `mode`.
    ///
    /// Corresponds to [`epoll_ctl(2)`] with `EPOLL_CTL_ADD` on Linux (and
    /// `EPOLLRDHUP` for read interest, so that a peer's close is seen),
    /// [`kevent(2)`] with `EV_ADD` for `EVFILT_READ`/`EVFILT_WRITE` on macOS
    /// and the BSDs, and an `IOCTL_AFD_POLL` on Windows.
    ///
    /// # Errors
    /// Named as the type's docs say ([Errors](#errors-of-every-call)):
    /// - `AlreadyExists` when `socket` is registered already (`EEXIST`).
    /// - `InvalidInput` for `key` `usize::MAX`, or a negative /
    ///   `INVALID_SOCKET` handle; the OS's error (`EBADF`, `ENOTSOCK`,
    ///   `EPERM` for a file epoll cannot watch) for other bad handles.
    /// - `Unsupported` for [`PollMode::Edge`] where
    ///   [`supports_edge`](Self::supports_edge) is false.
    ///
    /// [`epoll_ctl(2)`]: https://man7.org/linux/man-pages/man2/epoll_ctl.2.html
    /// [`kevent(2)`]: https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2
    #[inline(always)]
    pub fn add_with_mode<H: AsSocketHandle + ?Sized>(
        &self,
        socket: &H,
        key: usize,
        interest: Interest,
        mode: PollMode,
    ) -> io::Result<()> {
        let raw = socket.raw_socket();
        self.register(raw, key, interest, mode)
            .map_err(|e| registration_failed(e, Registration::AddWithMode(key, mode), raw))
    }

    #[inline(always)]
    fn register(
        &self,
        raw: RawSocketHandle,
        key: usize,
        interest: Interest,
        mode: PollMode,
    ) -> io::Result<()> {
        check_key(key)?;
        let fd = handle_of(raw)?;
        self.sys.add(fd, key, interest.want(), mode.trigger()?)
    }

    #[inline(always)]
    fn reregister(
        &self,
        raw: RawSocketHandle,
        key: usize,
        interest: Interest,
        mode: Option<PollMode>,
    ) -> io::Result<()> {
        check_key(key)?;
        let fd = handle_of(raw)?;
        let trigger = match mode {
            Some(mode) => Some(mode.trigger()?),
            None => None,
        };
        self.sys.modify(fd, key, interest.want(), trigger)
    }

    /// Changes the key and interest of a registered socket, keeping its
    /// mode; re-arms a [`PollMode::Oneshot`] registration.
    ///
    /// Corresponds to [`epoll_ctl(2)`] with `EPOLL_CTL_MOD`, [`kevent(2)`]
    /// with `EV_ADD` (and `EV_DELETE` of a filter no longer wanted), or a
    /// new AFD poll.
    ///
    /// # Errors
    /// `NotFound` when `socket` is not registered (`ENOENT`), in a message
    /// `Poller::modify(socket N, key K): socket not registered`; otherwise
    /// as for [`add_with_mode`](Self::add_with_mode).
    ///
    /// [`epoll_ctl(2)`]: https://man7.org/linux/man-pages/man2/epoll_ctl.2.html
    /// [`kevent(2)`]: https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2
    #[inline(always)]
    pub fn modify<H: AsSocketHandle + ?Sized>(
        &self,
        socket: &H,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        let raw = socket.raw_socket();
        self.reregister(raw, key, interest, None)
            .map_err(|e| registration_failed(e, Registration::Modify(key), raw))
    }

    /// Changes the key, interest and mode of a registered socket.
    ///
    /// # Errors
    /// As for [`modify`](Self::modify), and `Unsupported` for
    /// [`PollMode::Edge`] where [`supports_edge`](Self::supports_edge) is
    /// false.
    #[inline(always)]
    pub fn modify_with_mode<H: AsSocketHandle + ?Sized>(
        &self,
        socket: &H,
        key: usize,
        interest: Interest,
        mode: PollMode,
    ) -> io::Result<()> {
        let raw = socket.raw_socket();
        self.reregister(raw, key, interest, Some(mode))
            .map_err(|e| registration_failed(e, Registration::ModifyWithMode(key, mode), raw))
    }

    /// Removes `socket` from the set; no event for it is reported after
    /// this returns (an event already collected by a concurrent wait may
    /// still be in that wait's [`Events`]).
    ///
    /// Corresponds to [`epoll_ctl(2)`] with `EPOLL_CTL_DEL`, [`kevent(2)`]
    /// with `EV_DELETE`, or cancelling the socket's AFD poll.
    ///
    /// # Errors
    /// `NotFound` when `socket` is not registered
    /// (`Poller::delete(socket N): socket not registered`); `InvalidInput`
    /// for a negative / `INVALID_SOCKET` handle.
    ///
    /// [`epoll_ctl(2)`]: https://man7.org/linux/man-pages/man2/epoll_ctl.2.html
    /// [`kevent(2)`]: https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2
    #[inline(always)]
    pub fn delete<H: AsSocketHandle + ?Sized>(&self, socket: &H) -> io::Result<()> {
        let raw = socket.raw_socket();
        handle_of(raw)
            .and_then(|fd| self.sys.delete(fd))
            .map_err(|e| registration_failed(e, Registration::Delete, raw))
    }

    /// Waits until at least one registered socket is ready, [`notify`]
    /// is called, or `timeout` passes (`None`: no limit;
    /// `Some(Duration::ZERO)` only looks), then fills `events` and returns
    /// how many it holds (0 on timeout or notify).
    ///
    /// `events` is cleared first and filled up to its capacity, without
    /// allocating; sockets that did not fit are reported by the next wait.
    /// A wait cut short by a signal (`EINTR`) resumes with the time left,
    /// so 0 means the whole timeout passed or a `notify` woke it.
    ///
    /// Corresponds to [`epoll_wait(2)`] on Linux, [`kevent(2)`] on macOS and
    /// the BSDs, [`GetQueuedCompletionStatusEx`] on Windows and [`poll(2)`] on
    /// the poll(2) backend; timeouts are rounded up to the OS's unit
    /// (milliseconds, except kqueue's nanoseconds).
    ///
    /// # Errors
    /// The OS error, as `Poller::wait: <the OS's text>` (`EBADF` cannot
    /// happen: the poller owns its handles). `EINTR` is never returned.
    ///
    /// [`notify`]: Self::notify
    /// [`epoll_wait(2)`]: https://man7.org/linux/man-pages/man2/epoll_wait.2.html
    /// [`kevent(2)`]: https://man.freebsd.org/cgi/man.cgi?query=kevent&sektion=2
    /// [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
    /// [`GetQueuedCompletionStatusEx`]: https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-getqueuedcompletionstatusex
    // Inlined into the caller: on kernels with the SRSO "Safe RET"
    // mitigation, every frame that returns after a system call mispredicts
    // (BENCHMARKS.md), which is most of what a zero-timeout wait adds to
    // the raw epoll_wait.
    #[inline(always)]
    pub fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<usize> {
        events.buf.clear();
        // The clock is read only when a resumed wait would need it: a
        // zero timeout is one OS call, and so is a wait without limit.
        let deadline = match timeout {
            Some(t) if !t.is_zero() => Instant::now().checked_add(t),
            _ => None,
        };
        let mut left = timeout;
        loop {
            match self.sys.wait(&mut events.buf, left) {
                Ok(notified) => {
                    if notified || !events.buf.is_empty() {
                        return Ok(events.buf.len());
                    }
                    match (timeout, deadline) {
                        (Some(t), _) if t.is_zero() => return Ok(0),
                        (Some(_), Some(d)) => {
                            let now = Instant::now();
                            if now >= d {
                                return Ok(0);
                            }
                            left = Some(d - now);
                        }
                        // No limit, or one past what `Instant` holds.
                        _ => {}
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    if let Some(d) = deadline {
                        left = Some(d.saturating_duration_since(Instant::now()));
                    }
                }
                Err(e) => return Err(poller_failed(e, "wait")),
            }
        }
    }

    /// Wakes the current [`wait`](Self::wait), or the next one if none is
    /// running, from any thread. Notifies that arrive before a wait uses
    /// them up count as one; the wake-up never shows as an [`Event`].
    ///
    /// Corresponds to a write to an [`eventfd(2)`] on Linux, `NOTE_TRIGGER`
    /// on an `EVFILT_USER` event (or a write to a pipe) with kqueue, and
    /// [`PostQueuedCompletionStatus`] on Windows.
    ///
    /// # Errors
    /// The OS error, which is not expected, as `Poller::notify: <the OS's
    /// text>`.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{Events, Poller};
    /// use std::sync::Arc;
    ///
    /// let poller = Arc::new(Poller::new()?);
    /// let p = Arc::clone(&poller);
    /// let waker = std::thread::spawn(move || p.notify());
    /// let mut events = Events::with_capacity(8);
    /// assert_eq!(poller.wait(&mut events, None)?, 0); // woken, no event
    /// waker.join().unwrap()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`eventfd(2)`]: https://man7.org/linux/man-pages/man2/eventfd.2.html
    /// [`PostQueuedCompletionStatus`]: https://learn.microsoft.com/en-us/windows/win32/api/ioapiset/nf-ioapiset-postqueuedcompletionstatus
    pub fn notify(&self) -> io::Result<()> {
        self.sys.notify().map_err(|e| poller_failed(e, "notify"))
    }
}
