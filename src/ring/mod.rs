//! Completion I/O: [`Ring`] takes the call itself. The caller submits
//! operations (accept, connect, receive, send, zero-copy send, shutdown,
//! close, timeouts), the kernel completes them, and one
//! [`wait`](Ring::wait) returns many [`Completion`]s, with few or no system
//! calls per operation.
//!
//! This file holds `Ring` and its operations; `types.rs` the public types
//! a caller hands in and gets back (options, completions, the waker);
//! `core.rs` the bookkeeping both backends share (the slots that own each
//! operation's socket and buffer while it is in flight); `uring.rs` drives
//! io_uring, `iocp.rs` a Windows I/O completion port, `emulated.rs` makes
//! the same operations on [`Poller`](crate::Poller), and `pool.rs` is the buffer pool of pooled
//! receives.

mod core;
mod emulated;
#[cfg(windows)]
mod iocp;
mod pool;
mod types;
#[cfg(io_uring)]
mod uring;

use self::core::*;
pub use self::pool::PoolBuf;
pub use self::types::*;

use std::cell::Cell;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::mem;
use std::net::Shutdown;
use std::sync::Arc;
use std::time::Duration;

use self::emulated::Emulated;
use self::pool::Pool;
use crate::message::control::{control_space, encode_into, ControlMessage};
use crate::message::parse::ControlMessages;
use crate::poller::Poller;
use crate::socket::SocketHandle;
use crate::sys::{self, SockAddr};

/// Completion-based socket I/O: submit operations, then
/// [`wait`](Ring::wait) for their completions.
///
/// Backends ([`backend`](Ring::backend) says which one a ring got):
/// io_uring on Linux (with `IORING_SETUP_SINGLE_ISSUER |
/// IORING_SETUP_DEFER_TASKRUN` where the kernel has them, multishot accept
/// and multishot receive into a provided buffer ring from Linux 6.0); an
/// I/O completion port on Windows (overlapped `AcceptEx`, `ConnectEx`,
/// `WSARecv`, `WSASend`, `WSASendMsg`, `WSARecvMsg`; accepts and pooled
/// receives re-armed by the ring; a pooled receive waits with a zero-byte
/// `WSARecv`, so that it holds no pool buffer until data is there);
/// everywhere else, and on Linux where io_uring is missing or refused
/// (`ENOSYS`, `EPERM` from `kernel.io_uring_disabled` or a seccomp filter),
/// the same operations emulated on [`Poller`]. `NATIVESOCKETS_RING=poller`
/// in the environment, or `--cfg nativesockets_ring_poller` at build time,
/// forces the emulation (on Windows too).
///
/// **Windows.** Windows completes a socket's calls to one completion port
/// at a time: a ring ties a socket to its port while it has operations in
/// flight on it, and unties it after (Windows 8.1 and later), so that
/// another ring may take it; a socket another port holds (a ring still
/// busy with it, or a Windows or Wine that cannot untie) is served all the
/// same, through an event the thread pool watches. `recv_pooled` puts its
/// socket in non-blocking mode, and accepted sockets are non-blocking.
///
/// **Ownership.** While an operation is in flight the ring owns what it
/// works on: its socket (an `Arc<SocketHandle>`, so the socket stays open)
/// and its buffer (a `Vec<u8>`); its last completion gives both back. No
/// `unsafe` is needed to use it, and cancelling or dropping the ring with
/// operations in flight is sound: dropping cancels every operation and
/// waits for the kernel to finish with them (should the kernel not finish
/// within 5 seconds, 1.5 on Windows, the ring leaks their buffers rather
/// than free memory the kernel may still write).
///
/// **Bounds.** At most [`capacity`](RingOptions::capacity) operations are
/// in flight; past it a submission waits or fails with `WouldBlock`
/// ([`WhenFull`]). Steady-state submissions and waits do not allocate.
///
/// **Threads.** `Send` but not `Sync`: one ring per thread (io_uring's
/// `DEFER_TASKRUN` runs completions only on the thread that waits). A ring
/// may move to another thread before its first wait; after that, keep it
/// there. [`waker`](Ring::waker) wakes it from any thread.
///
/// A ring can be sent to another thread, not shared between threads:
/// ```compile_fail
/// fn shared<T: Sync>() {}
/// shared::<nativesockets::Ring>();
/// ```
///
/// **Emulation.** The emulation puts the sockets it is given in
/// non-blocking mode, and its zero-copy send is a plain send (its
/// completion says the kernel copied).
///
/// # Examples
/// An echo of one message on loopback:
/// ```
/// use nativesockets::*;
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let mut ring = Ring::new()?;
/// let listener = Arc::new(SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp)?);
/// listener.bind_addr(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())?;
/// listener.listen(16)?;
/// let mut client = std::net::TcpStream::connect(listener.local_addr()?.as_socket_addr().unwrap())?;
/// ring.accept(&listener, 0)?;
/// let mut done = Completions::with_capacity(64);
/// let mut peer = None;
/// while peer.is_none() {
///     ring.wait(&mut done, Some(Duration::from_secs(5)))?;
///     for c in done.iter_mut() {
///         peer = c.take_accepted().map(Arc::new);
///     }
/// }
/// let peer = peer.unwrap();
/// std::io::Write::write_all(&mut client, b"ping")?;
/// ring.recv(&peer, vec![0; 64], 1)?;
/// ring.wait(&mut done, Some(Duration::from_secs(5)))?;
/// let c = done.iter_mut().find(|c| c.key() == 1).unwrap();
/// assert_eq!(c.result().unwrap(), 4);
/// assert_eq!(&c.take_buffer().unwrap()[..4], b"ping");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Ring {
    // Dropped first: the ring lets go of the pool before the pool goes.
    backend: Backend,
    core: Core,
    /// `Send` but not `Sync` on every backend (the emulation's parts alone
    /// would be `Sync`): one ring per thread, everywhere the same.
    _one_thread: PhantomData<Cell<()>>,
}

impl fmt::Debug for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("backend", &self.backend())
            .field("capacity", &self.capacity())
            .field("in_flight", &self.in_flight())
            .finish()
    }
}

/// The error of a submission the backend cannot take.
#[cfg(any(io_uring, windows))]
#[cold]
fn unsupported(op: OpKind, backend: RingBackend, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("Ring::{}: not on the {backend:?} backend: {why}", op.name()),
    )
}

/// Whether the environment asks for the emulation.
fn env_forces_poller() -> bool {
    std::env::var_os("NATIVESOCKETS_RING").is_some_and(|v| v == "poller")
}

impl Ring {
    /// A ring on the best backend this system allows, with
    /// [`RingOptions::new`]'s settings.
    ///
    /// On Linux: `io_uring_setup(2)` (with `IORING_SETUP_SINGLE_ISSUER`,
    /// `DEFER_TASKRUN`, `COOP_TASKRUN` and `SUBMIT_ALL` where the kernel
    /// takes them), `IORING_REGISTER_PROBE`, `IORING_REGISTER_PBUF_RING`
    /// and an eventfd for the waker; on Windows, `CreateIoCompletionPort`;
    /// where io_uring is missing or refused (or the port cannot be made),
    /// and on other systems, a [`Poller`].
    ///
    /// # Errors
    /// The OS error of the backend's setup, in a message that starts
    /// `Ring::new: ` (`EMFILE`, `ENOMEM`, ...).
    pub fn new() -> io::Result<Ring> {
        Ring::with_options(&RingOptions::new())
    }

    /// A ring built as `options` say.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_options(options: &RingOptions) -> io::Result<Ring> {
        #[cfg_attr(not(io_uring), allow(unused_mut))]
        let mut core = Core::new(options).map_err(setup_failed)?;
        #[cfg_attr(not(any(io_uring, windows)), allow(unused_variables))]
        let emulate = options.emulate || env_forces_poller();
        #[cfg(io_uring)]
        if !emulate {
            match uring::Driver::new(&mut core) {
                Ok(d) => {
                    return Ok(Ring {
                        core,
                        backend: Backend::Uring(d),
                        _one_thread: PhantomData,
                    })
                }
                // No io_uring, or refused: the emulation.
                Err(e) if sys::uring_refused(&e) => {}
                Err(e) => return Err(setup_failed(e)),
            }
        }
        #[cfg(windows)]
        if !emulate {
            // Where the port cannot be made, the emulation.
            if let Ok(d) = iocp::Driver::new(&core) {
                return Ok(Ring {
                    core,
                    backend: Backend::Iocp(d),
                    _one_thread: PhantomData,
                });
            }
        }
        let emu = Emulated::new(&core).map_err(setup_failed)?;
        Ok(Ring {
            core,
            backend: Backend::Emulated(emu),
            _one_thread: PhantomData,
        })
    }

    /// Which backend the ring runs on.
    pub fn backend(&self) -> RingBackend {
        match self.backend {
            #[cfg(io_uring)]
            Backend::Uring(_) => RingBackend::IoUring,
            #[cfg(windows)]
            Backend::Iocp(_) => RingBackend::Iocp,
            Backend::Emulated(_) => RingBackend::Poller,
        }
    }

    /// The most operations in flight at once.
    pub fn capacity(&self) -> usize {
        self.core.slots.len()
    }

    /// Operations submitted whose last completion has not arrived yet.
    pub fn in_flight(&self) -> usize {
        self.core.in_flight
    }

    /// Whether a submission would find room now.
    pub fn has_room(&self) -> bool {
        self.core.free != NONE
    }

    /// How many times the ring entered the kernel to submit or wait
    /// (`io_uring_enter(2)` calls; `GetQueuedCompletionStatusEx` calls on
    /// Windows; `Poller::wait` calls on the emulation):
    /// divided by the operations done, what the ring costs in system calls.
    pub fn enters(&self) -> u64 {
        match &self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => d.enters(),
            #[cfg(windows)]
            Backend::Iocp(d) => d.waits(),
            Backend::Emulated(e) => e.waits(),
        }
    }

    /// Whether accepts and pooled receives are multishot in the kernel
    /// (io_uring from Linux 6.0); otherwise the ring re-arms them after
    /// each completion, which the caller does not see.
    pub fn multishot(&self) -> bool {
        match &self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => d.multishot(),
            #[cfg(windows)]
            Backend::Iocp(_) => false,
            Backend::Emulated(_) => false,
        }
    }

    /// A handle that wakes this ring's [`wait`](Self::wait) from another
    /// thread.
    pub fn waker(&self) -> RingWaker {
        let inner = match &self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => WakeInner::Uring(d.waker()),
            #[cfg(windows)]
            Backend::Iocp(d) => WakeInner::Iocp(d.waker()),
            Backend::Emulated(e) => WakeInner::Poller(e.poller()),
        };
        RingWaker { inner }
    }

    /// A free slot for an operation, waiting for room or failing as
    /// [`WhenFull`] says.
    fn slot(&mut self, kind: OpKind, key: u64) -> io::Result<u32> {
        loop {
            if let Some(i) = self.core.take(kind, key) {
                return Ok(i);
            }
            if self.core.when_full == WhenFull::WouldBlock {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "Ring::{}: {} operations in flight already (the ring's capacity)",
                        kind.name(),
                        self.core.slots.len()
                    ),
                ));
            }
            match &mut self.backend {
                #[cfg(io_uring)]
                Backend::Uring(d) => d.make_room(&mut self.core)?,
                #[cfg(windows)]
                Backend::Iocp(d) => d.make_room(&mut self.core)?,
                Backend::Emulated(e) => e.make_room(&mut self.core)?,
            }
        }
    }

    /// Starts the operation in slot `index`; on failure the slot is freed
    /// (what it owned is dropped) and the error named.
    fn start(&mut self, index: u32) -> io::Result<OpId> {
        let id = self.core.id(index);
        let res = match &mut self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => d.submit(&mut self.core, index),
            #[cfg(windows)]
            Backend::Iocp(d) => d.submit(&mut self.core, index),
            Backend::Emulated(e) => e.submit(&mut self.core, index),
        };
        match res {
            Ok(()) => Ok(id),
            Err(e) => {
                let kind = self.core.slots[index as usize].kind;
                if self.core.live(id).is_some() {
                    drop(self.core.complete(index, Ok(0), false));
                }
                Err(submit_failed(e, kind))
            }
        }
    }

    /// Accepts connections on `listener` until cancelled or failed: each
    /// completion carries one connection ([`Completion::take_accepted`])
    /// and says [`is_more`](Completion::is_more).
    ///
    /// `IORING_OP_ACCEPT` with `IORING_ACCEPT_MULTISHOT` (a plain accept
    /// re-armed before Linux 5.19 — the ring probes once); `AcceptEx` (and
    /// `SO_UPDATE_ACCEPT_CONTEXT`) re-armed on Windows; `accept4` after
    /// readiness on the emulation. Accepted sockets are non-blocking
    /// and close-on-exec.
    ///
    /// # Errors
    /// `WouldBlock` when full (as [`WhenFull`] says); the backend's
    /// submission error. The accept's own errors arrive in its completion,
    /// and an error ends it (`is_more()` false) on every backend: the ring
    /// re-arms an accept the kernel ended without an error, never one that
    /// failed. At the descriptor limit that is `EMFILE` / `ENFILE` (or
    /// `ENOBUFS`, `ENOMEM`), which
    /// [`is_resource_exhausted`](crate::is_resource_exhausted) tells: the
    /// clients stay in the listen queue, so the caller submits `accept`
    /// again itself after a back-off (10 ms doubling to 1 s, or when one of
    /// its connections closes), serving its other connections meanwhile,
    /// as [`SocketHandle::accept`](crate::SocketHandle::accept)'s docs say
    /// for readiness loops.
    pub fn accept(&mut self, listener: &Arc<SocketHandle>, key: u64) -> io::Result<OpId> {
        let i = self.slot(OpKind::Accept, key)?;
        self.core.slots[i as usize].socket = Some(Arc::clone(listener));
        self.start(i)
    }

    /// Connects `socket` to `addr`; the completion's result is 0 or the
    /// connect's error.
    ///
    /// `IORING_OP_CONNECT`; `ConnectEx` (binding an unbound socket to the
    /// any-address first) and `SO_UPDATE_CONNECT_CONTEXT` on Windows; a
    /// non-blocking `connect` and `SO_ERROR` after writability on the
    /// emulation.
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn connect(
        &mut self,
        socket: &Arc<SocketHandle>,
        addr: &SockAddr,
        key: u64,
    ) -> io::Result<OpId> {
        let i = self.slot(OpKind::Connect, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.socket = Some(Arc::clone(socket));
        slot.addr = addr.clone();
        self.start(i)
    }

    /// Receives once into `buf` (up to `buf.len()` bytes, from its
    /// start); the completion gives `buf` back with the count as its
    /// result (0 at end of stream).
    ///
    /// `IORING_OP_RECV`; an overlapped `WSARecv` on Windows; `recv` after
    /// readability on the emulation.
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn recv(&mut self, socket: &Arc<SocketHandle>, buf: Vec<u8>, key: u64) -> io::Result<OpId> {
        let i = self.slot(OpKind::Recv, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.socket = Some(Arc::clone(socket));
        slot.buf = Some(buf);
        self.start(i)
    }

    /// Receives into the ring's buffer pool until end of stream, an error
    /// or a cancel: each completion carries one buffer
    /// ([`Completion::pooled`]) and says [`is_more`](Completion::is_more);
    /// the last has result 0 (end of stream) or the error. When the pool
    /// is empty the receive ends with
    /// [`is_out_of_buffers`](Completion::is_out_of_buffers); drop the
    /// [`PoolBuf`]s and submit it again.
    ///
    /// `IORING_OP_RECV` with `IORING_RECV_MULTISHOT` and a provided buffer
    /// ring (`IORING_REGISTER_PBUF_RING`) from Linux 6.0, a plain receive
    /// into a pool buffer re-armed before; on Windows a zero-byte
    /// overlapped `WSARecv`, then non-blocking `recv`s into pool buffers
    /// until one would block, then again; `recv` after readability on the
    /// emulation.
    ///
    /// # Errors
    /// `InvalidInput` when the ring has no pool
    /// ([`RingOptions::buffers`] with 0); otherwise as
    /// [`accept`](Self::accept).
    pub fn recv_pooled(&mut self, socket: &Arc<SocketHandle>, key: u64) -> io::Result<OpId> {
        if self.core.pool.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "Ring::recv_pooled: the ring has no buffer pool (RingOptions::buffers with 0)",
            ));
        }
        let i = self.slot(OpKind::RecvPooled, key)?;
        self.core.slots[i as usize].socket = Some(Arc::clone(socket));
        self.start(i)
    }

    /// Sends `buf` once; the completion gives `buf` back with the count
    /// sent (on a stream socket possibly less than `buf.len()`).
    ///
    /// `IORING_OP_SEND` with `MSG_NOSIGNAL`; an overlapped `WSASend` on
    /// Windows; `send` after writability on the emulation.
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn send(&mut self, socket: &Arc<SocketHandle>, buf: Vec<u8>, key: u64) -> io::Result<OpId> {
        let i = self.slot(OpKind::Send, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.socket = Some(Arc::clone(socket));
        slot.buf = Some(buf);
        self.start(i)
    }

    /// Sends `buf` without copying it into the kernel, where the backend
    /// can: one completion, once the buffer is free again, gives it back
    /// with the count sent and [`zc_copied`](Completion::zc_copied) (the
    /// kernel copies after all on loopback, and to devices without
    /// scatter-gather).
    ///
    /// `IORING_OP_SEND_ZC` with `IORING_SEND_ZC_REPORT_USAGE` (Linux
    /// 6.0). On the emulation on Linux, `send` with `MSG_ZEROCOPY` (the
    /// ring turns `SO_ZEROCOPY` on for the socket at its first zero-copy
    /// send, and reads the kernel's completion from the socket's error
    /// queue: other entries there are dropped while the ring's zero-copy
    /// sends are in flight, and the ring must be the socket's only sender
    /// with `MSG_ZEROCOPY`, as it counts the kernel's numbers). A plain
    /// send (`zc_copied` then `true`) on Windows (`WSASend`), on the
    /// emulation elsewhere, and for a socket that refuses `SO_ZEROCOPY`.
    /// Cancelling a zero-copy send the kernel has taken does nothing: its
    /// completion comes when the kernel lets go of the buffer.
    ///
    /// # Errors
    /// `Unsupported` naming the operation and backend on an io_uring older
    /// than 6.0; otherwise as [`accept`](Self::accept).
    pub fn send_zc(
        &mut self,
        socket: &Arc<SocketHandle>,
        buf: Vec<u8>,
        key: u64,
    ) -> io::Result<OpId> {
        #[cfg(io_uring)]
        if let Backend::Uring(d) = &self.backend {
            if !d.send_zc() {
                return Err(unsupported(
                    OpKind::SendZc,
                    RingBackend::IoUring,
                    "the kernel has no IORING_OP_SEND_ZC (Linux 6.0)",
                ));
            }
        }
        let i = self.slot(OpKind::SendZc, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.socket = Some(Arc::clone(socket));
        slot.buf = Some(buf);
        self.start(i)
    }

    /// Sends `buf` as one message with `control` messages (the crate's
    /// typed [`ControlMessage`]s, encoded once, here), to `addr` or, when
    /// `None`, the connected peer; the completion gives `buf` back with
    /// the count sent.
    ///
    /// `IORING_OP_SENDMSG` with `MSG_NOSIGNAL`; an overlapped `WSASendMsg`
    /// on Windows; `sendmsg` after writability on the emulation.
    ///
    /// # Errors
    /// `InvalidInput` (or `Unsupported`) for control messages that cannot
    /// be encoded, naming them; otherwise as [`accept`](Self::accept).
    pub fn send_msg(
        &mut self,
        socket: &Arc<SocketHandle>,
        buf: Vec<u8>,
        control: &[ControlMessage<'_>],
        addr: Option<&SockAddr>,
        key: u64,
    ) -> io::Result<OpId> {
        let space = control_space(control);
        let i = self.slot(OpKind::SendMsg, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.ctrl.clear();
        slot.ctrl.resize(space, 0);
        match encode_into(control, &mut slot.ctrl) {
            Ok(n) => slot.ctrl.truncate(n),
            Err(e) => {
                drop(self.core.complete(i, Ok(0), false));
                return Err(e);
            }
        }
        slot.socket = Some(Arc::clone(socket));
        slot.buf = Some(buf);
        slot.to_addr = addr.is_some();
        if let Some(a) = addr {
            slot.addr = a.clone();
        }
        self.start(i)
    }

    /// Receives one message into `buf` (up to `buf.len()` bytes) and its
    /// control messages into `control` (up to `control.len()` bytes; see
    /// [`cmsg_space`](crate::cmsg_space)). The completion gives both back
    /// (`control` shortened to what came), with the sender
    /// ([`Completion::addr`]), the parsed control messages
    /// ([`Completion::control`]), `msg_flags` and, on Unix, the
    /// descriptors received (`Completion::take_fds`).
    ///
    /// `IORING_OP_RECVMSG` with `MSG_CMSG_CLOEXEC`; an overlapped
    /// `WSARecvMsg` on Windows (`WSARecvFrom` when `control` is empty, as
    /// `WSARecvMsg` takes datagram sockets only); `recvmsg` after
    /// readability on the emulation.
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn recv_msg(
        &mut self,
        socket: &Arc<SocketHandle>,
        buf: Vec<u8>,
        control: Vec<u8>,
        key: u64,
    ) -> io::Result<OpId> {
        let i = self.slot(OpKind::RecvMsg, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.socket = Some(Arc::clone(socket));
        slot.buf = Some(buf);
        slot.ctrl = control;
        self.start(i)
    }

    /// Moves up to `len` bytes from `from` to `to` inside the kernel,
    /// one of them a pipe (`splice(2)`): a socket to a pipe, a pipe to a
    /// socket or file. The ring keeps both ends open until the completion,
    /// whose result is the count moved (0: `from` is at its end).
    ///
    /// `IORING_OP_SPLICE` (Linux 5.7).
    ///
    /// # Errors
    /// `Unsupported` naming the operation and the backend on the
    /// emulation (a splice waits on two descriptors, one of them not a
    /// socket, which it does not do); otherwise as
    /// [`accept`](Self::accept); the splice's own errors (`EINVAL` when
    /// neither end is a pipe) come in its completion.
    #[cfg(linux_like)]
    pub fn splice(
        &mut self,
        from: Arc<dyn std::os::fd::AsFd + Send + Sync>,
        to: Arc<dyn std::os::fd::AsFd + Send + Sync>,
        len: usize,
        key: u64,
    ) -> io::Result<OpId> {
        match &self.backend {
            #[cfg(io_uring)]
            Backend::Uring(_) => {
                let i = self.slot(OpKind::Splice, key)?;
                let slot = &mut self.core.slots[i as usize];
                slot.splice = Some((from, to));
                slot.splice_len = u32::try_from(len).unwrap_or(u32::MAX);
                self.start(i)
            }
            Backend::Emulated(_) => {
                drop((from, to, len, key));
                Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "Ring::splice: not on the Poller backend (it waits on sockets only)",
                ))
            }
        }
    }

    /// Shuts down reading, writing or both.
    ///
    /// `IORING_OP_SHUTDOWN`; `shutdown` on Windows and on the emulation
    /// (at once).
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn shutdown(
        &mut self,
        socket: &Arc<SocketHandle>,
        how: Shutdown,
        key: u64,
    ) -> io::Result<OpId> {
        let i = self.slot(OpKind::Shutdown, key)?;
        let slot = &mut self.core.slots[i as usize];
        slot.socket = Some(Arc::clone(socket));
        slot.how = how;
        self.start(i)
    }

    /// Closes `socket`; the completion's result is 0 or the close's error.
    ///
    /// `IORING_OP_CLOSE`; `closesocket` on Windows, `close` on the
    /// emulation (at once).
    ///
    /// # Errors
    /// As [`accept`](Self::accept) (the socket is closed either way).
    pub fn close(&mut self, socket: SocketHandle, key: u64) -> io::Result<OpId> {
        let i = self.slot(OpKind::Close, key)?;
        self.core.slots[i as usize].owned = Some(socket);
        self.start(i)
    }

    /// Completes after `after` with result 0 (or cancelled).
    ///
    /// `IORING_OP_TIMEOUT`; the wait's timeout on Windows and on the
    /// emulation.
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn timeout(&mut self, after: Duration, key: u64) -> io::Result<OpId> {
        let i = self.slot(OpKind::Timeout, key)?;
        self.core.slots[i as usize].after = after;
        self.start(i)
    }

    /// Cancels operation `id`: its last completion comes with
    /// [`is_cancelled`](Completion::is_cancelled) (or with its result,
    /// should it complete first), giving back what it owned.
    ///
    /// `IORING_OP_ASYNC_CANCEL`; `CancelIoEx` on Windows; on the emulation
    /// the operation leaves its wait list and completes at the next wait.
    ///
    /// # Errors
    /// `NotFound` when `id` is no longer in flight (its last completion
    /// came, or is waiting for the next [`wait`](Self::wait)).
    pub fn cancel(&mut self, id: OpId) -> io::Result<()> {
        let Some(index) = self.core.live(id) else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("Ring::cancel: operation {id:?} is not in flight"),
            ));
        };
        self.core.slots[index as usize].cancelled = true;
        match &mut self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => d.cancel(&mut self.core, index, id.user_data()),
            #[cfg(windows)]
            Backend::Iocp(d) => d.cancel(&mut self.core, index),
            Backend::Emulated(e) => e.cancel(&mut self.core, index),
        }
    }

    /// Waits until at least one completion is ready, at most `timeout`
    /// (`None`: no limit; zero: only looks), and puts them in `out`
    /// (emptied first, which gives the previous wait's unclaimed pooled
    /// buffers back to the ring). Returns how many; 0 when the time
    /// passed, a [`RingWaker`] woke the ring, or the wait was interrupted.
    ///
    /// One `io_uring_enter(2)` submits what was queued and waits
    /// (`IORING_ENTER_GETEVENTS`, with `IORING_ENTER_EXT_ARG` for the
    /// timeout); one `GetQueuedCompletionStatusEx` on Windows; one
    /// [`Poller::wait`] on the emulation.
    ///
    /// # Errors
    /// The OS error of the wait, starting `Ring::wait: `. Errors of the
    /// operations come in their completions.
    pub fn wait(&mut self, out: &mut Completions, timeout: Option<Duration>) -> io::Result<usize> {
        out.list.clear();
        out.list.append(&mut self.core.backlog);
        let timeout = if out.list.is_empty() {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        let res = match &mut self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => d.wait(&mut self.core, &mut out.list, timeout),
            #[cfg(windows)]
            Backend::Iocp(d) => d.wait(&mut self.core, &mut out.list, timeout),
            Backend::Emulated(e) => e.wait(&mut self.core, &mut out.list, timeout),
        };
        res.map_err(|e| {
            let kind = e.kind();
            crate::error::call_failed(e, kind, format_args!("Ring::wait"), None)
        })?;
        Ok(out.list.len())
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        match &mut self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => {
                if !d.drain(&mut self.core, Duration::from_secs(5)) {
                    // The kernel still holds operations: leak what they
                    // may write (slots, pool, the ring and its buffer
                    // ring) rather than free it under the kernel.
                    mem::forget(mem::take(&mut self.core.slots));
                    mem::forget(self.core.pool.take());
                    d.leak();
                }
            }
            #[cfg(windows)]
            Backend::Iocp(d) => {
                // Bounded: Wine may never complete a cancelled call, and a
                // drop must not hang.
                if !d.drain(&mut self.core, Duration::from_millis(1500)) {
                    // Windows still holds operations: leak what it may
                    // write (the slots with their OVERLAPPEDs, buffers and
                    // sockets, and the pool) rather than free it under the
                    // kernel. At most one ring's slots and pool, once.
                    mem::forget(mem::take(&mut self.core.slots));
                    mem::forget(self.core.pool.take());
                    d.leak();
                }
            }
            Backend::Emulated(e) => {
                // Zero-copy sends the kernel may still read from (Linux's
                // MSG_ZEROCOPY): their buffers stay, leaked, rather than be
                // reused under it.
                if !e.drain(&mut self.core, Duration::from_secs(5)) {
                    mem::forget(mem::take(&mut self.core.slots));
                }
            }
        }
    }
}

#[cold]
fn setup_failed(e: io::Error) -> io::Error {
    let kind = e.kind();
    crate::error::call_failed(e, kind, format_args!("Ring::new"), None)
}

#[cold]
fn submit_failed(e: io::Error, op: OpKind) -> io::Error {
    if e.kind() == io::ErrorKind::Unsupported {
        return e;
    }
    let kind = e.kind();
    crate::error::call_failed(e, kind, format_args!("Ring::{}", op.name()), None)
}
