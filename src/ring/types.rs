//! The public types a caller of [`Ring`](super::Ring) hands in and gets
//! back: the backend, the options, an operation's id and kind, its
//! completion, and the waker.

use std::fmt;
use std::io;
use std::mem;
#[cfg(unix)]
use std::os::fd::OwnedFd;
use std::sync::Arc;

use super::*;

/// Which mechanism a [`Ring`] runs on ([`Ring::backend`]).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RingBackend {
    /// Linux's io_uring.
    IoUring,
    /// A Windows I/O completion port with overlapped socket calls.
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
    pub(super) capacity: u32,
    pub(super) buffers: u16,
    pub(super) buffer_size: usize,
    pub(super) when_full: WhenFull,
    pub(super) multishot: bool,
    pub(super) emulate: bool,
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
    pub(super) index: u32,
    pub(super) gen: u32,
}

impl OpId {
    #[cfg(any(io_uring, windows))]
    pub(super) fn user_data(self) -> u64 {
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
    pub(super) fn name(self) -> &'static str {
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
    pub(super) id: OpId,
    pub(super) key: u64,
    pub(super) kind: OpKind,
    pub(super) result: io::Result<usize>,
    pub(super) more: bool,
    pub(super) copied: Option<bool>,
    pub(super) socket: Option<Arc<SocketHandle>>,
    pub(super) accepted: Option<SocketHandle>,
    pub(super) buf: Option<Vec<u8>>,
    pub(super) pooled: Option<PoolBuf>,
    /// A `recv_msg`'s sender, control area and `msg_flags`.
    pub(super) from: Option<SockAddr>,
    pub(super) control: Option<Vec<u8>>,
    pub(super) msg_flags: i32,
    #[cfg(unix)]
    pub(super) fds: Vec<OwnedFd>,
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

    pub(super) fn os_error(&self) -> Option<i32> {
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
    pub(super) list: Vec<Completion>,
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
    pub(super) inner: WakeInner,
}

#[derive(Clone, Debug)]
pub(super) enum WakeInner {
    #[cfg(io_uring)]
    Uring(Arc<sys::UringWake>),
    #[cfg(windows)]
    Iocp(sys::IocpWake),
    Poller(Arc<Poller>),
}

impl RingWaker {
    /// Makes the ring's current or next wait return (possibly with no
    /// completion). A write to an eventfd the ring polls on io_uring,
    /// `PostQueuedCompletionStatus` on Windows, [`Poller::notify`] on the
    /// emulation.
    ///
    /// # Errors
    /// The OS error of the write.
    pub fn wake(&self) -> io::Result<()> {
        match &self.inner {
            #[cfg(io_uring)]
            WakeInner::Uring(w) => w.wake(),
            #[cfg(windows)]
            WakeInner::Iocp(w) => w.wake(),
            WakeInner::Poller(p) => p.notify(),
        }
    }
}
