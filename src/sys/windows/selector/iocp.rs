//! `Poller` on Windows: an I/O completion port, and one `IOCTL_AFD_POLL`
//! (`afd.rs`) in flight per registered socket, issued on a handle to the
//! Winsock driver (`\Device\Afd`) that is associated with the port. This
//! is how wepoll, mio and polling get readiness (not completion) from
//! Windows at scale; `WSAPoll` and `select` pay for every socket at every
//! wait. The contract is the one in `sys/unix/selector/mod.rs`.
//!
//! - Each registration is an `Arc<Registration>` holding the poll's
//!   `PollIo` (its `IO_STATUS_BLOCK` and `AFD_POLL_INFO`), which the
//!   kernel writes while the poll is pending. The `Arc` is given to the kernel as the poll's
//!   APC context (it comes back as the completion's `lpOverlapped`), so
//!   the memory lives until the completion is dequeued, whatever the
//!   caller does meanwhile (`delete`, dropping the poller).
//! - `wait` dequeues completions with `GetQueuedCompletionStatusEx` into
//!   the caller's `Events` buffer itself (an `OVERLAPPED_ENTRY` per slot)
//!   and turns each into an event in place. A level-triggered
//!   registration that fired is polled again at the start of the NEXT
//!   wait (not at once: the caller reads in between, and a poll issued
//!   before that read would report stale readiness); a socket still
//!   ready completes that poll at once. A one-shot registration is not
//!   polled again until `modify`. The queue of polls to issue has its
//!   room reserved by `add`, so `wait` does not allocate.
//! - `modify` with a different mask cancels the pending poll
//!   (`NtCancelIoFileEx`); its cancelled completion issues the new one.
//!   `delete` cancels it and marks the registration dead.
//! - AFD reports `AFD_POLL_LOCAL_CLOSE` when a registered socket is
//!   closed: the registration is then dropped, so the handle value can be
//!   registered again when Windows reuses it.
//! - Sockets are grouped 32 to an AFD handle, as wepoll and mio do.
//! - `notify` posts a completion with a null `OVERLAPPED` and the key
//!   `NOTIFY_KEY`.
//!
//! Edge triggering is not offered: AFD polls are one-shot by nature, and
//! emulating edges needs to see the caller's reads and writes (mio wraps
//! them to do so); `PollMode::Edge` is `Unsupported`.

use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::io;
use std::mem;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, HANDLE, INVALID_HANDLE_VALUE, WAIT_TIMEOUT,
};
use windows_sys::Win32::System::IO::{
    CreateIoCompletionPort, GetQueuedCompletionStatusEx, PostQueuedCompletionStatus,
    OVERLAPPED_ENTRY,
};

use super::afd::{
    base_socket, mask_of, Afd, PollIo, ERROR_BITS, POLL_ABORT, POLL_DISCONNECT, POLL_LOCAL_CLOSE,
    POLL_SEND, READ_BITS,
};
use crate::sys::windows::Socket;
use crate::sys::{already_registered, lock, not_registered, Trigger, Want, NOTIFY_KEY};

/// `PollMode::Edge` is not available, and why (`poller.rs` refuses it).
pub(crate) const EDGE_MODE: Result<(), &str> =
    Err("Windows (AFD polling) has no edge-triggered mode");

/// Sockets per AFD handle.
const GROUP: usize = 32;

#[derive(Debug)]
struct RegState {
    key: usize,
    want: Want,
    trigger: Trigger,
    /// A poll is in flight (the kernel owns `Registration::io`).
    pending: bool,
    /// The event mask of the poll in flight.
    pending_mask: u32,
    /// Deleted (or closed): report nothing, poll no more.
    dead: bool,
    /// `modify` ran while a poll was in flight: its completion must poll
    /// again even if it fired a one-shot.
    rearm: bool,
}

struct Registration {
    socket: Socket,
    /// The base provider's socket, which AFD polls.
    base: HANDLE,
    afd: Arc<Afd>,
    state: Mutex<RegState>,
    io: UnsafeCell<PollIo>,
}

// SAFETY: `io` is touched by Rust code only while no poll is pending and
// the `state` lock is held (see `submit` and `complete`), and by the kernel
// only while one is; everything else is `Send + Sync` or a handle.
unsafe impl Send for Registration {}
// SAFETY: as above.
unsafe impl Sync for Registration {}

#[derive(Default)]
struct Regs {
    by_socket: HashMap<Socket, Arc<Registration>>,
    afds: Vec<Arc<Afd>>,
}

pub(crate) struct Selector {
    port: HANDLE,
    regs: Mutex<Regs>,
    /// Level-triggered registrations that fired, to poll again at the
    /// start of the next wait.
    again: Mutex<Vec<Arc<Registration>>>,
    /// Polls issued whose completion has not been dequeued yet.
    in_flight: AtomicUsize,
    /// A notify completion is queued and not yet dequeued.
    notified: AtomicBool,
}

// SAFETY: the port is a kernel handle usable from any thread; the rest is
// behind locks and atomics.
unsafe impl Send for Selector {}
// SAFETY: as above.
unsafe impl Sync for Selector {}

impl std::fmt::Debug for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let regs = lock(&self.regs);
        f.debug_struct("Selector")
            .field("port", &self.port)
            .field("registered", &regs.by_socket.len())
            .field("afd_handles", &regs.afds.len())
            .field("in_flight", &self.in_flight.load(Ordering::Relaxed))
            .finish()
    }
}

/// One completion as dequeued, then rewritten in place as an event: the
/// key in `lpCompletionKey`, the readiness bits in `Internal`.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct SysEvent(OVERLAPPED_ENTRY);

// SAFETY: the pointer in an entry is only followed by the `wait` that
// dequeued it; afterwards it is null.
unsafe impl Send for SysEvent {}
// SAFETY: as above.
unsafe impl Sync for SysEvent {}

const READABLE: usize = 1;
const WRITABLE: usize = 2;
const ERROR: usize = 4;
const HANGUP: usize = 8;

impl std::fmt::Debug for SysEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SysEvent")
            .field("key", &self.0.lpCompletionKey)
            .field("bits", &self.0.Internal)
            .finish()
    }
}

impl SysEvent {
    fn new(key: usize, bits: usize) -> SysEvent {
        SysEvent(OVERLAPPED_ENTRY {
            lpCompletionKey: key,
            lpOverlapped: ptr::null_mut(),
            Internal: bits,
            dwNumberOfBytesTransferred: 0,
        })
    }
    pub(crate) fn key(&self) -> usize {
        self.0.lpCompletionKey
    }
    pub(crate) fn readable(&self) -> bool {
        self.0.Internal & READABLE != 0
    }
    pub(crate) fn writable(&self) -> bool {
        self.0.Internal & WRITABLE != 0
    }
    pub(crate) fn error(&self) -> bool {
        self.0.Internal & ERROR != 0
    }
    pub(crate) fn hangup(&self) -> bool {
        self.0.Internal & HANGUP != 0
    }
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        // SAFETY: a new port, not associated with any handle.
        let port = unsafe { CreateIoCompletionPort(INVALID_HANDLE_VALUE, ptr::null_mut(), 0, 0) };
        if port.is_null() {
            return Err(io::Error::last_os_error());
        }
        Ok(Selector {
            port,
            regs: Mutex::new(Regs::default()),
            again: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            notified: AtomicBool::new(false),
        })
    }

    /// An AFD handle with room for one more socket.
    fn afd_for(&self, regs: &mut Regs) -> io::Result<Arc<Afd>> {
        // Each registration holds one reference, the pool one more.
        regs.afds.retain(|a| Arc::strong_count(a) > 1);
        if let Some(a) = regs.afds.iter().find(|a| Arc::strong_count(a) <= GROUP) {
            return Ok(Arc::clone(a));
        }
        let afd = Arc::new(Afd::open(self.port)?);
        regs.afds.push(Arc::clone(&afd));
        Ok(afd)
    }

    /// Issues `reg`'s poll for its current interest. The caller holds the
    /// state lock and no poll is pending.
    fn submit(&self, reg: &Arc<Registration>, st: &mut RegState) -> io::Result<()> {
        debug_assert!(!st.pending);
        let mask = mask_of(st.want);
        let context = Arc::into_raw(Arc::clone(reg));
        // SAFETY: no poll is pending, so the kernel does not touch `io`,
        // and the state lock keeps other threads out of it until the poll
        // is marked pending below; from then on only the kernel writes it,
        // and it lives until the completion is dequeued (the `Arc` passed
        // as context keeps it alive).
        let res = unsafe { reg.afd.poll(reg.io.get(), reg.base, mask, context.cast()) };
        if let Err(e) = res {
            // No completion will come: take the reference back.
            // SAFETY: `context` came from `Arc::into_raw` just above.
            drop(unsafe { Arc::from_raw(context) });
            return Err(e);
        }
        st.pending = true;
        st.pending_mask = mask;
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Asks the kernel to end `reg`'s pending poll; its completion (as
    /// cancelled, or with events if it raced) still comes through `wait`.
    fn cancel(&self, reg: &Registration, st: &RegState) {
        if !st.pending {
            return;
        }
        // SAFETY: `io` lives as long as `reg`.
        unsafe { reg.afd.cancel(reg.io.get()) };
    }

    pub(crate) fn add(
        &self,
        socket: Socket,
        key: usize,
        want: Want,
        trigger: Trigger,
    ) -> io::Result<()> {
        let base = base_socket(socket)?;
        let mut regs = lock(&self.regs);
        if regs.by_socket.contains_key(&socket) {
            return Err(already_registered(socket));
        }
        let afd = self.afd_for(&mut regs)?;
        let reg = Arc::new(Registration {
            socket,
            base,
            afd,
            state: Mutex::new(RegState {
                key,
                want,
                trigger,
                pending: false,
                pending_mask: 0,
                dead: false,
                rearm: false,
            }),
            io: UnsafeCell::new(PollIo::new()),
        });
        {
            let mut st = lock(&reg.state);
            self.submit(&reg, &mut st)?;
        }
        regs.by_socket.insert(socket, reg);
        // A registration can be queued at most twice (once by a wait,
        // once more if `modify` polled it and it fired before the next
        // wait): room for that, so that `wait` never grows the queue.
        let mut again = lock(&self.again);
        let need = 2 * regs.by_socket.len();
        if again.capacity() < need {
            let len = again.len();
            again.reserve(need - len);
        }
        Ok(())
    }

    pub(crate) fn modify(
        &self,
        socket: Socket,
        key: usize,
        want: Want,
        trigger: Option<Trigger>,
    ) -> io::Result<()> {
        let reg = lock(&self.regs)
            .by_socket
            .get(&socket)
            .cloned()
            .ok_or_else(|| not_registered(socket))?;
        let mut st = lock(&reg.state);
        st.key = key;
        st.want = want;
        if let Some(t) = trigger {
            st.trigger = t;
        }
        if !st.pending {
            self.submit(&reg, &mut st)
        } else {
            st.rearm = true;
            if st.pending_mask != mask_of(want) {
                // The cancelled completion issues the new poll.
                self.cancel(&reg, &st);
            }
            Ok(())
        }
    }

    pub(crate) fn delete(&self, socket: Socket) -> io::Result<()> {
        let reg = lock(&self.regs)
            .by_socket
            .remove(&socket)
            .ok_or_else(|| not_registered(socket))?;
        let mut st = lock(&reg.state);
        st.dead = true;
        self.cancel(&reg, &st);
        Ok(())
    }

    /// Handles the completion of `reg`'s poll: the event to report, if
    /// any, and the next poll.
    fn complete(&self, reg: &Arc<Registration>) -> Option<SysEvent> {
        let mut st = lock(&reg.state);
        st.pending = false;
        if st.dead {
            return None;
        }
        // SAFETY: the poll completed (its completion was dequeued), so the
        // kernel no longer writes `io`; the state lock is held.
        let (ready, failed) = unsafe { (*reg.io.get()).outcome() };
        if ready & POLL_LOCAL_CLOSE != 0 {
            // The socket was closed while registered: forget it, so that
            // a new socket with the same handle value can be added.
            st.dead = true;
            drop(st);
            let mut regs = lock(&self.regs);
            if regs
                .by_socket
                .get(&reg.socket)
                .is_some_and(|r| Arc::ptr_eq(r, reg))
            {
                regs.by_socket.remove(&reg.socket);
            }
            return None;
        }
        let error = failed || ready & ERROR_BITS != 0;
        let mut bits = 0;
        if error || (st.want.read && ready & READ_BITS != 0) {
            bits |= READABLE;
        }
        if error || (st.want.write && ready & POLL_SEND != 0) {
            bits |= WRITABLE;
        }
        if error {
            bits |= ERROR;
        }
        if ready & (POLL_DISCONNECT | POLL_ABORT) != 0 {
            bits |= HANGUP;
        }
        let report = bits & (READABLE | WRITABLE) != 0;
        let key = st.key;
        let rearm = mem::take(&mut st.rearm);
        if failed {
            // Not repeated: it would fail again at once.
        } else if report && st.trigger == Trigger::Level && !rearm {
            drop(st);
            lock(&self.again).push(Arc::clone(reg));
        } else if !report || rearm || st.trigger != Trigger::Oneshot {
            // Cancelled for `modify`, or nothing it asks for: poll again
            // now. A fired one-shot waits for `modify`.
            if self.submit(reg, &mut st).is_err() {
                bits |= READABLE | WRITABLE | ERROR;
            }
        }
        (bits != 0).then(|| SysEvent::new(key, bits))
    }

    pub(crate) fn wait(
        &self,
        events: &mut Vec<SysEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<bool> {
        let ms = match timeout {
            None => u32::MAX, // INFINITE
            Some(t) => u32::try_from(crate::sys::ceil_ms(t))
                .unwrap_or(u32::MAX - 1)
                .min(u32::MAX - 1),
        };
        // The level-triggered registrations that fired last time are polled
        // again; one whose poll cannot be issued is reported as an error.
        {
            let mut again = lock(&self.again);
            for reg in again.drain(..) {
                let mut st = lock(&reg.state);
                if st.dead || st.pending {
                    continue;
                }
                if self.submit(&reg, &mut st).is_err() && events.len() < events.capacity() {
                    events.push(SysEvent::new(st.key, READABLE | WRITABLE | ERROR));
                }
            }
        }
        let first = events.len();
        if first == events.capacity() {
            return Ok(false);
        }
        let ms = if first > 0 { 0 } else { ms };
        let cap = u32::try_from(events.capacity() - first).unwrap_or(u32::MAX);
        let mut removed = 0u32;
        // SAFETY: the buffer has room for `cap` entries after the first
        // `first`; `SysEvent` is a transparent OVERLAPPED_ENTRY. Not
        // alertable: no APC runs here.
        let ok = unsafe {
            GetQueuedCompletionStatusEx(
                self.port,
                events.as_mut_ptr().add(first).cast::<OVERLAPPED_ENTRY>(),
                cap,
                &mut removed,
                ms,
                0,
            )
        };
        if ok == 0 {
            // SAFETY: reads the thread's last error.
            let code = unsafe { GetLastError() };
            if code == WAIT_TIMEOUT {
                return Ok(false);
            }
            return Err(io::Error::from_raw_os_error(code as i32));
        }
        // SAFETY: the call filled `removed` (at most `cap`) entries after
        // the first `first`, which were initialised by `push`.
        unsafe { events.set_len(first + removed as usize) };
        let mut notified = false;
        let mut kept = first;
        for i in first..events.len() {
            let entry = events[i].0;
            if entry.lpOverlapped.is_null() {
                if entry.lpCompletionKey == NOTIFY_KEY {
                    self.notified.store(false, Ordering::Release);
                    notified = true;
                }
                continue;
            }
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            // SAFETY: every non-null OVERLAPPED on this port is the context
            // of a poll, an `Arc<Registration>` made by `submit`; each is
            // dequeued once, so the reference is taken back once.
            let reg = unsafe { Arc::from_raw(entry.lpOverlapped as *const Registration) };
            if let Some(ev) = self.complete(&reg) {
                events[kept] = ev;
                kept += 1;
            }
        }
        events.truncate(kept);
        Ok(notified)
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        if self.notified.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        // SAFETY: posts a completion with a null OVERLAPPED to our port.
        if unsafe { PostQueuedCompletionStatus(self.port, 0, NOTIFY_KEY, ptr::null()) } == 0 {
            self.notified.store(false, Ordering::Release);
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

impl Drop for Selector {
    fn drop(&mut self) {
        // Every pending poll is cancelled and its completion collected, so
        // that no kernel write lands in freed memory and every
        // registration is freed. Polls already cancelled by `delete` are
        // counted in `in_flight` too.
        lock(&self.again).clear();
        let regs = mem::take(&mut *lock(&self.regs));
        for reg in regs.by_socket.values() {
            let mut st = lock(&reg.state);
            st.dead = true;
            self.cancel(reg, &st);
        }
        drop(regs);
        let mut entries: [OVERLAPPED_ENTRY; 64] =
            // SAFETY: all-zero is a valid OVERLAPPED_ENTRY.
            unsafe { mem::zeroed() };
        // Bounded: cancelled polls complete promptly; if some never did,
        // their registrations are leaked rather than freed under the kernel.
        for _ in 0..200 {
            if self.in_flight.load(Ordering::Acquire) == 0 {
                break;
            }
            let mut removed = 0u32;
            // SAFETY: as in `wait`, with a local buffer of 64 entries.
            let ok = unsafe {
                GetQueuedCompletionStatusEx(
                    self.port,
                    entries.as_mut_ptr(),
                    entries.len() as u32,
                    &mut removed,
                    50,
                    0,
                )
            };
            if ok == 0 {
                continue;
            }
            for e in &entries[..removed as usize] {
                if !e.lpOverlapped.is_null() {
                    self.in_flight.fetch_sub(1, Ordering::AcqRel);
                    // SAFETY: as in `wait`.
                    drop(unsafe { Arc::from_raw(e.lpOverlapped as *const Registration) });
                }
            }
        }
        // SAFETY: the port was made by `new` and is closed once.
        unsafe { CloseHandle(self.port) };
    }
}
