//! Completion I/O: [`Ring`] takes the call itself. The caller submits
//! operations (accept, connect, receive, send, zero-copy send, shutdown,
//! close, timeouts), the kernel completes them, and one
//! [`wait`](Ring::wait) returns many [`Completion`]s, with few or no system
//! calls per operation.
//!
//! This file holds the public types and the bookkeeping both backends
//! share (the slots that own each operation's socket and buffer while it
//! is in flight); `uring.rs` drives io_uring, `emulated.rs` makes the same
//! operations on [`Poller`](crate::Poller), and `pool.rs` is the buffer
//! pool of pooled receives.

mod emulated;
mod pool;
#[cfg(io_uring)]
mod uring;

pub use self::pool::PoolBuf;

use std::cell::Cell;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::mem;
use std::net::Shutdown;
#[cfg(unix)]
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use self::emulated::Emulated;
use self::pool::Pool;
use crate::message::control::{control_space, encode_into, ControlMessage};
use crate::message::parse::ControlMessages;
use crate::poller::Poller;
use crate::socket::SocketHandle;
use crate::sys::{self, SockAddr};

/// Which mechanism a [`Ring`] runs on ([`Ring::backend`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RingBackend {
    /// Linux's io_uring.
    IoUring,
    /// A Windows I/O completion port with overlapped socket calls (not
    /// built yet: Windows rings run on [`Poller`](RingBackend::Poller)).
    Iocp,
    /// The operations emulated on [`Poller`]: wait for readiness, then
    /// make the non-blocking call.
    Poller,
}

/// What a submission does when the ring already has
/// [`capacity`](RingOptions::capacity) operations in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WhenFull {
    /// Waits for operations to complete (their completions are kept for
    /// the next [`Ring::wait`]).
    #[default]
    Wait,
    /// Fails at once with `WouldBlock`; [`Ring::has_room`] says
    /// beforehand.
    WouldBlock,
}

/// How to build a [`Ring`]: its bounds, its buffer pool, and which backend
/// to use.
///
/// # Examples
/// ```
/// use nativesockets::{Ring, RingOptions, WhenFull};
/// let ring = Ring::with_options(
///     &RingOptions::new().capacity(256).buffers(64, 2048).when_full(WhenFull::WouldBlock),
/// )?;
/// assert_eq!(ring.capacity(), 256);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct RingOptions {
    capacity: u32,
    buffers: u16,
    buffer_size: usize,
    when_full: WhenFull,
    multishot: bool,
    emulate: bool,
}

impl Default for RingOptions {
    fn default() -> RingOptions {
        RingOptions::new()
    }
}

impl RingOptions {
    /// 4,096 operations in flight at most, a pool of 1,024 buffers of
    /// 4,096 bytes, [`WhenFull::Wait`], multishot where the kernel has it,
    /// the best backend.
    pub fn new() -> RingOptions {
        RingOptions {
            capacity: 4096,
            buffers: 1024,
            buffer_size: 4096,
            when_full: WhenFull::Wait,
            multishot: true,
            emulate: false,
        }
    }

    /// The most operations in flight at once (a multishot operation counts
    /// once however many completions it gives); at least 1, at most
    /// 1,048,576 (larger values are clamped).
    pub fn capacity(mut self, ops: usize) -> RingOptions {
        self.capacity = ops.clamp(1, 1 << 20) as u32;
        self
    }

    /// The pool pooled receives fill: `count` buffers (rounded up to a
    /// power of two, at most 32,768; 0 for no pool) of `size` bytes.
    pub fn buffers(mut self, count: usize, size: usize) -> RingOptions {
        self.buffers = if count == 0 {
            0
        } else {
            count.clamp(1, 1 << 15).next_power_of_two() as u16
        };
        self.buffer_size = size.clamp(1, u32::MAX as usize);
        self
    }

    /// What a submission does when the ring is full.
    pub fn when_full(mut self, when_full: WhenFull) -> RingOptions {
        self.when_full = when_full;
        self
    }

    /// `false` makes accepts and pooled receives plain operations that
    /// the ring re-arms after each completion, even where the kernel has
    /// multishot ones (the completions are the same; for tests and
    /// comparisons).
    pub fn multishot(mut self, multishot: bool) -> RingOptions {
        self.multishot = multishot;
        self
    }

    /// `true` uses the emulation on [`Poller`] even where a completion
    /// mechanism exists (as `NATIVESOCKETS_RING=poller` does).
    pub fn emulate(mut self, emulate: bool) -> RingOptions {
        self.emulate = emulate;
        self
    }
}

/// Names one submitted operation, to [`cancel`](Ring::cancel) it and to
/// match its completions ([`Completion::id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpId {
    index: u32,
    gen: u32,
}

impl OpId {
    #[cfg(io_uring)]
    fn user_data(self) -> u64 {
        u64::from(self.index) | (u64::from(self.gen) << 32)
    }
}

/// What an operation was, as its [`Completion`] says.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// [`Ring::accept`].
    Accept,
    /// [`Ring::connect`].
    Connect,
    /// [`Ring::recv`].
    Recv,
    /// [`Ring::recv_pooled`].
    RecvPooled,
    /// [`Ring::send`].
    Send,
    /// [`Ring::send_zc`].
    SendZc,
    /// [`Ring::send_msg`].
    SendMsg,
    /// [`Ring::recv_msg`].
    RecvMsg,
    /// `Ring::splice` (Linux).
    Splice,
    /// [`Ring::shutdown`].
    Shutdown,
    /// [`Ring::close`].
    Close,
    /// [`Ring::timeout`].
    Timeout,
}

impl OpKind {
    fn name(self) -> &'static str {
        match self {
            OpKind::Accept => "accept",
            OpKind::Connect => "connect",
            OpKind::Recv => "recv",
            OpKind::RecvPooled => "recv_pooled",
            OpKind::Send => "send",
            OpKind::SendZc => "send_zc",
            OpKind::SendMsg => "send_msg",
            OpKind::RecvMsg => "recv_msg",
            OpKind::Splice => "splice",
            OpKind::Shutdown => "shutdown",
            OpKind::Close => "close",
            OpKind::Timeout => "timeout",
        }
    }
}

/// One completed operation (or one result of a multishot one), as
/// [`Ring::wait`] gives it: the result, and what the operation owned while
/// it was in flight, given back.
pub struct Completion {
    id: OpId,
    key: u64,
    kind: OpKind,
    result: io::Result<usize>,
    more: bool,
    copied: Option<bool>,
    socket: Option<Arc<SocketHandle>>,
    accepted: Option<SocketHandle>,
    buf: Option<Vec<u8>>,
    pooled: Option<PoolBuf>,
    /// A `recv_msg`'s sender, control area and `msg_flags`.
    from: Option<SockAddr>,
    control: Option<Vec<u8>>,
    msg_flags: i32,
    #[cfg(unix)]
    fds: Vec<OwnedFd>,
}

impl fmt::Debug for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("id", &self.id)
            .field("key", &self.key)
            .field("kind", &self.kind)
            .field("result", &self.result)
            .field("more", &self.more)
            .field("copied", &self.copied)
            .field("accepted", &self.accepted)
            .field("pooled", &self.pooled)
            .field("from", &self.from)
            .finish()
    }
}

impl Completion {
    /// The operation, as its submission returned it.
    pub fn id(&self) -> OpId {
        self.id
    }

    /// The key given at submission.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// What the operation was.
    pub fn kind(&self) -> OpKind {
        self.kind
    }

    /// Bytes received or sent (0 at end of stream), 1 for an accepted
    /// connection, 0 for the others; or the operation's error, with the OS
    /// code ([`is_cancelled`](Self::is_cancelled),
    /// [`is_out_of_buffers`](Self::is_out_of_buffers) tell two of them).
    pub fn result(&self) -> Result<usize, &io::Error> {
        self.result.as_ref().map(|n| *n)
    }

    /// Takes the result out (the error by value; a second call gives
    /// `Ok(0)`).
    pub fn take_result(&mut self) -> io::Result<usize> {
        mem::replace(&mut self.result, Ok(0))
    }

    /// `true` when the operation goes on: more completions will come under
    /// the same [`id`](Self::id) (a multishot accept or pooled receive).
    /// The last completion of an operation says `false`.
    pub fn is_more(&self) -> bool {
        self.more
    }

    /// The operation was cancelled ([`Ring::cancel`]) before it completed
    /// (`ECANCELED`; `WSA_OPERATION_ABORTED` on Windows).
    pub fn is_cancelled(&self) -> bool {
        self.os_error() == Some(sys::RING_CANCELED)
    }

    /// A pooled receive found no free buffer and ended (`ENOBUFS`): drop
    /// the [`PoolBuf`]s held, then submit the receive again.
    pub fn is_out_of_buffers(&self) -> bool {
        self.os_error() == Some(sys::RING_NO_BUFFERS)
    }

    fn os_error(&self) -> Option<i32> {
        self.result.as_ref().err().and_then(io::Error::raw_os_error)
    }

    /// For a zero-copy send's completion: whether the kernel copied the
    /// data after all (as on loopback) rather than sending from the
    /// buffer. `None` for other operations, or when the backend cannot
    /// tell.
    pub fn zc_copied(&self) -> Option<bool> {
        self.copied
    }

    /// The connection an accept completion carries, in non-blocking mode,
    /// close-on-exec.
    pub fn take_accepted(&mut self) -> Option<SocketHandle> {
        self.accepted.take()
    }

    /// The caller's buffer, given back by the last completion of a
    /// [`recv`](Ring::recv), [`send`](Ring::send) or
    /// [`send_zc`](Ring::send_zc) (for a receive, the data is in its first
    /// [`result`](Self::result) bytes).
    pub fn take_buffer(&mut self) -> Option<Vec<u8>> {
        self.buf.take()
    }

    /// The bytes of a pooled receive, in the ring's buffer.
    pub fn pooled(&self) -> Option<&[u8]> {
        self.pooled.as_deref()
    }

    /// The pooled receive's buffer, to keep past the next
    /// [`Ring::wait`].
    pub fn take_pooled(&mut self) -> Option<PoolBuf> {
        self.pooled.take()
    }

    /// The operation's socket, given back by its last completion.
    pub fn take_socket(&mut self) -> Option<Arc<SocketHandle>> {
        self.socket.take()
    }

    /// A [`recv_msg`](Ring::recv_msg)'s sender (for a connected stream,
    /// an address of length 0).
    pub fn addr(&self) -> Option<&SockAddr> {
        self.from.as_ref()
    }

    /// A [`recv_msg`](Ring::recv_msg)'s control messages, parsed (none
    /// for other operations).
    pub fn control(&self) -> ControlMessages<'_> {
        ControlMessages::new(self.control.as_deref().unwrap_or_default())
    }

    /// A [`recv_msg`](Ring::recv_msg)'s control buffer, given back,
    /// shortened to the bytes the kernel filled.
    pub fn take_control(&mut self) -> Option<Vec<u8>> {
        self.control.take()
    }

    /// A [`recv_msg`](Ring::recv_msg)'s `msg_flags` (`MSG_TRUNC`,
    /// `MSG_CTRUNC`, ...); 0 for other operations.
    pub fn msg_flags(&self) -> i32 {
        self.msg_flags
    }

    /// The descriptors a [`recv_msg`](Ring::recv_msg) received
    /// (`SCM_RIGHTS`), owned (close-on-exec): taken out of the control
    /// area when the completion was made, so none leaks.
    #[cfg(unix)]
    pub fn take_fds(&mut self) -> Vec<OwnedFd> {
        mem::take(&mut self.fds)
    }
}

/// The completions one [`Ring::wait`] gives; reused from wait to wait, so
/// that waiting does not allocate.
#[derive(Debug, Default)]
pub struct Completions {
    list: Vec<Completion>,
}

impl Completions {
    /// Room for `capacity` completions before the list grows.
    pub fn with_capacity(capacity: usize) -> Completions {
        Completions {
            list: Vec::with_capacity(capacity),
        }
    }

    /// How many the last wait gave.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// `true` when the last wait gave none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The completions, in the order they came.
    pub fn iter(&self) -> std::slice::Iter<'_, Completion> {
        self.list.iter()
    }

    /// The completions, to take sockets and buffers out of.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Completion> {
        self.list.iter_mut()
    }

    /// Takes the completions out, leaving the list empty (its room kept).
    pub fn drain(&mut self) -> std::vec::Drain<'_, Completion> {
        self.list.drain(..)
    }
}

/// Wakes a [`Ring`]'s [`wait`](Ring::wait) from another thread; made by
/// [`Ring::waker`]. `Send`, `Sync` and `Clone`.
#[derive(Clone, Debug)]
pub struct RingWaker {
    inner: WakeInner,
}

#[derive(Clone, Debug)]
enum WakeInner {
    #[cfg(io_uring)]
    Uring(Arc<sys::UringWake>),
    Poller(Arc<Poller>),
}

impl RingWaker {
    /// Makes the ring's current or next wait return (possibly with no
    /// completion). A write to an eventfd the ring polls on io_uring,
    /// [`Poller::notify`] on the emulation.
    ///
    /// # Errors
    /// The OS error of the write.
    pub fn wake(&self) -> io::Result<()> {
        match &self.inner {
            #[cfg(io_uring)]
            WakeInner::Uring(w) => w.wake(),
            WakeInner::Poller(p) => p.notify(),
        }
    }
}

/// No slot: the end of a list.
const NONE: u32 = u32::MAX;

/// What one operation owns while it is in flight. The slots live in one
/// boxed slice that never moves, so the kernel may hold pointers into a
/// slot (a connect's address, a timeout's duration) until the operation
/// completes.
struct Slot {
    gen: u32,
    busy: bool,
    cancelled: bool,
    /// The free list, or the emulation's wait list.
    next: u32,
    kind: OpKind,
    key: u64,
    socket: Option<Arc<SocketHandle>>,
    owned: Option<SocketHandle>,
    buf: Option<Vec<u8>>,
    /// A pooled receive re-armed by the ring: the buffer it fills.
    bid: Option<u16>,
    addr: SockAddr,
    how: Shutdown,
    after: Duration,
    deadline: Option<Instant>,
    #[cfg(io_uring)]
    ts: sys::RingTimespec,
    /// A zero-copy send's byte count, kept until its notification.
    #[cfg(io_uring)]
    sent: i32,
    /// A `send_msg`'s encoded control messages (the capacity kept from
    /// one operation to the next), or a `recv_msg`'s control buffer.
    ctrl: Vec<u8>,
    /// A `send_msg` goes to `addr` (else to the connected peer).
    to_addr: bool,
    #[cfg(io_uring)]
    msg: sys::RingMsg,
    /// A splice's two ends, kept open while it is in flight.
    #[cfg(io_uring)]
    splice: Option<(SpliceEnd, SpliceEnd)>,
    #[cfg(io_uring)]
    splice_len: u32,
}

/// One end of a splice: a socket, a pipe, any descriptor.
#[cfg(io_uring)]
type SpliceEnd = Arc<dyn std::os::fd::AsFd + Send + Sync>;

impl Slot {
    fn new(next: u32) -> Slot {
        Slot {
            gen: 0,
            busy: false,
            cancelled: false,
            next,
            kind: OpKind::Timeout,
            key: 0,
            socket: None,
            owned: None,
            buf: None,
            bid: None,
            addr: SockAddr::empty(),
            how: Shutdown::Both,
            after: Duration::ZERO,
            deadline: None,
            #[cfg(io_uring)]
            ts: sys::ring_timespec(Duration::ZERO),
            #[cfg(io_uring)]
            sent: 0,
            ctrl: Vec::new(),
            to_addr: false,
            #[cfg(io_uring)]
            msg: sys::RingMsg::new(),
            #[cfg(io_uring)]
            splice: None,
            #[cfg(io_uring)]
            splice_len: 0,
        }
    }

    /// The raw socket the operation works on.
    fn raw(&self) -> crate::types::RawSocketHandle {
        match (&self.socket, &self.owned) {
            (Some(s), _) => s.as_raw(),
            (None, Some(s)) => s.as_raw(),
            (None, None) => crate::types::OS_INVALID_SOCKET,
        }
    }
}

/// The slots and what both backends share.
struct Core {
    slots: Box<[Slot]>,
    free: u32,
    in_flight: usize,
    /// Completions made outside a wait (at submission, or while waiting
    /// for room), handed out by the next wait.
    backlog: Vec<Completion>,
    pool: Option<Arc<Pool>>,
    when_full: WhenFull,
    #[cfg(io_uring)]
    multishot: bool,
}

impl Core {
    fn new(opts: &RingOptions) -> io::Result<Core> {
        let cap = opts.capacity;
        let slots = (0..cap)
            .map(|i| Slot::new(if i + 1 == cap { NONE } else { i + 1 }))
            .collect::<Vec<_>>()
            .into_boxed_slice();
        let pool = match opts.buffers {
            0 => None,
            n => Some(Pool::new(n, opts.buffer_size)?),
        };
        Ok(Core {
            slots,
            free: 0,
            in_flight: 0,
            // Room for the completions of a burst of submissions that
            // complete at once (on the emulation, most sends).
            backlog: Vec::with_capacity((cap as usize).min(1024)),
            pool,
            when_full: opts.when_full,
            #[cfg(io_uring)]
            multishot: opts.multishot,
        })
    }

    /// The slot `id` names, if its operation is still in flight.
    fn live(&self, id: OpId) -> Option<u32> {
        let slot = self.slots.get(id.index as usize)?;
        (slot.busy && slot.gen == id.gen).then_some(id.index)
    }

    fn id(&self, index: u32) -> OpId {
        OpId {
            index,
            gen: self.slots[index as usize].gen,
        }
    }

    /// Takes a free slot for an operation of `kind`.
    fn take(&mut self, kind: OpKind, key: u64) -> Option<u32> {
        let index = self.free;
        if index == NONE {
            return None;
        }
        let slot = &mut self.slots[index as usize];
        self.free = slot.next;
        slot.next = NONE;
        slot.busy = true;
        slot.cancelled = false;
        slot.kind = kind;
        slot.key = key;
        self.in_flight += 1;
        Some(index)
    }

    /// A completion of slot `index`'s operation; with `more` false, the
    /// last one: the slot gives back what it owns and becomes free.
    fn complete(&mut self, index: u32, result: io::Result<usize>, more: bool) -> Completion {
        let slot = &mut self.slots[index as usize];
        let mut c = Completion {
            id: OpId {
                index,
                gen: slot.gen,
            },
            key: slot.key,
            kind: slot.kind,
            result,
            more,
            copied: None,
            socket: None,
            accepted: None,
            buf: None,
            pooled: None,
            from: None,
            control: None,
            msg_flags: 0,
            #[cfg(unix)]
            fds: Vec::new(),
        };
        if !more {
            c.socket = slot.socket.take();
            c.buf = slot.buf.take();
            if slot.kind == OpKind::RecvMsg {
                // The caller's control buffer (a send keeps its encoding
                // area in the slot, for the next one).
                c.control = Some(mem::take(&mut slot.ctrl));
            }
            // A close's socket was closed by the operation (or is closed
            // now, by this drop, on the emulation where it failed early).
            slot.owned = None;
            #[cfg(io_uring)]
            {
                slot.splice = None;
            }
            slot.bid = None;
            slot.deadline = None;
            slot.busy = false;
            slot.gen = slot.gen.wrapping_add(1);
            slot.next = self.free;
            self.free = index;
            self.in_flight -= 1;
        }
        c
    }
}

/// Fills a received `recv_msg`'s completion: its control buffer (which
/// `Core::complete` gave back) shortened to `control_len`, its descriptors
/// taken at once, the sender and flags.
fn finish_recv_msg(c: &mut Completion, control_len: usize, from: SockAddr, flags: i32) {
    if let Some(control) = &mut c.control {
        control.truncate(control_len);
        #[cfg(unix)]
        crate::message::take_received_fds(control, &mut c.fds);
    }
    c.from = Some(from);
    c.msg_flags = flags;
}

// One per ring, made once and never moved in a hot path: its size is no
// cost worth a box.
#[allow(clippy::large_enum_variant)]
enum Backend {
    #[cfg(io_uring)]
    Uring(uring::Driver),
    Emulated(Emulated),
}

/// Completion-based socket I/O: submit operations, then
/// [`wait`](Ring::wait) for their completions.
///
/// Backends ([`backend`](Ring::backend) says which one a ring got):
/// io_uring on Linux (with `IORING_SETUP_SINGLE_ISSUER |
/// IORING_SETUP_DEFER_TASKRUN` where the kernel has them, multishot accept
/// and multishot receive into a provided buffer ring from Linux 6.0);
/// everywhere else, and on Linux where io_uring is missing or refused
/// (`ENOSYS`, `EPERM` from `kernel.io_uring_disabled` or a seccomp filter),
/// the same operations emulated on [`Poller`]. `NATIVESOCKETS_RING=poller`
/// in the environment, or `--cfg nativesockets_ring_poller` at build time,
/// forces the emulation. Windows' completion ports are not used yet:
/// Windows gets the emulation.
///
/// **Ownership.** While an operation is in flight the ring owns what it
/// works on: its socket (an `Arc<SocketHandle>`, so the socket stays open)
/// and its buffer (a `Vec<u8>`); its last completion gives both back. No
/// `unsafe` is needed to use it, and cancelling or dropping the ring with
/// operations in flight is sound: dropping cancels every operation and
/// waits for the kernel to finish with them (should the kernel not finish
/// within 5 seconds, the ring leaks their buffers rather than free memory
/// the kernel may still write).
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
#[cfg(io_uring)]
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
    /// and an eventfd for the waker; where io_uring is missing or refused,
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
        #[cfg_attr(not(io_uring), allow(unused_variables))]
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
    /// (`io_uring_enter(2)` calls; `Poller::wait` calls on the emulation):
    /// divided by the operations done, what the ring costs in system calls.
    pub fn enters(&self) -> u64 {
        match &self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => d.enters(),
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
            Backend::Emulated(_) => false,
        }
    }

    /// A handle that wakes this ring's [`wait`](Self::wait) from another
    /// thread.
    pub fn waker(&self) -> RingWaker {
        let inner = match &self.backend {
            #[cfg(io_uring)]
            Backend::Uring(d) => WakeInner::Uring(d.waker()),
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
    /// re-armed before Linux 5.19 — the ring probes once), `accept4`
    /// after readiness on the emulation. Accepted sockets are non-blocking
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
    /// `IORING_OP_CONNECT`; a non-blocking `connect` and `SO_ERROR` after
    /// writability on the emulation.
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
    /// `IORING_OP_RECV`; `recv` after readability on the emulation.
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
    /// into a pool buffer re-armed before; `recv` after readability on the
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
    /// `IORING_OP_SEND` with `MSG_NOSIGNAL`; `send` after writability on
    /// the emulation.
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
    /// 6.0); a plain `send` on the emulation (`zc_copied` then `true`).
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
    /// `IORING_OP_SENDMSG` with `MSG_NOSIGNAL`; `sendmsg` after
    /// writability on the emulation.
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
    /// `IORING_OP_RECVMSG` with `MSG_CMSG_CLOEXEC`; `recvmsg` after
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
    /// `IORING_OP_SHUTDOWN`; `shutdown` on the emulation (at once).
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
    /// `IORING_OP_CLOSE`; `close` on the emulation (at once).
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
    /// `IORING_OP_TIMEOUT`; the wait's timeout on the emulation.
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
    /// `IORING_OP_ASYNC_CANCEL`; on the emulation the operation leaves
    /// its wait list and completes at the next wait.
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
    /// timeout); one [`Poller::wait`] on the emulation.
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
            Backend::Emulated(_) => {}
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
