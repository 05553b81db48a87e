//! The bookkeeping both backends share: the slots that own each
//! operation's socket and buffer while it is in flight (they never move,
//! so the kernel may point into them), their free list, and the backend
//! a ring runs on.

use std::io;
use std::mem;
use std::net::Shutdown;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;

/// No slot: the end of a list.
pub(super) const NONE: u32 = u32::MAX;

/// What one operation owns while it is in flight. The slots live in one
/// boxed slice that never moves, so the kernel may hold pointers into a
/// slot (a connect's address, a timeout's duration) until the operation
/// completes.
pub(super) struct Slot {
    pub(super) gen: u32,
    pub(super) busy: bool,
    pub(super) cancelled: bool,
    /// The free list, or the emulation's wait list.
    pub(super) next: u32,
    pub(super) kind: OpKind,
    pub(super) key: u64,
    pub(super) socket: Option<Arc<SocketHandle>>,
    pub(super) owned: Option<SocketHandle>,
    pub(super) buf: Option<Vec<u8>>,
    /// A pooled receive re-armed by the ring: the buffer it fills.
    pub(super) bid: Option<u16>,
    pub(super) addr: SockAddr,
    pub(super) how: Shutdown,
    pub(super) after: Duration,
    pub(super) deadline: Option<Instant>,
    #[cfg(io_uring)]
    pub(super) ts: sys::RingTimespec,
    /// A zero-copy send's byte count, kept until its notification.
    #[cfg(io_uring)]
    pub(super) sent: i32,
    /// The emulation's zero-copy send: its number on its socket (the
    /// kernel counts `MSG_ZEROCOPY` sends per socket from 0), and the
    /// count it sent, kept until the kernel's completion.
    pub(super) zc_id: u32,
    pub(super) zc_len: usize,
    /// A `send_msg`'s encoded control messages (the capacity kept from
    /// one operation to the next), or a `recv_msg`'s control buffer.
    pub(super) ctrl: Vec<u8>,
    /// A `send_msg` goes to `addr` (else to the connected peer).
    pub(super) to_addr: bool,
    #[cfg(io_uring)]
    pub(super) msg: sys::RingMsg,
    /// A splice's two ends, kept open while it is in flight.
    #[cfg(io_uring)]
    pub(super) splice: Option<(SpliceEnd, SpliceEnd)>,
    #[cfg(io_uring)]
    pub(super) splice_len: u32,
    /// The overlapped state of the call in flight, in place until its
    /// completion.
    #[cfg(windows)]
    pub(super) ov: sys::RingOverlapped,
}

/// One end of a splice: a socket, a pipe, any descriptor.
#[cfg(io_uring)]
pub(super) type SpliceEnd = Arc<dyn std::os::fd::AsFd + Send + Sync>;

impl Slot {
    pub(super) fn new(next: u32) -> Slot {
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
            zc_id: 0,
            zc_len: 0,
            ctrl: Vec::new(),
            to_addr: false,
            #[cfg(io_uring)]
            msg: sys::RingMsg::new(),
            #[cfg(io_uring)]
            splice: None,
            #[cfg(io_uring)]
            splice_len: 0,
            #[cfg(windows)]
            ov: sys::RingOverlapped::new(),
        }
    }

    /// The raw socket the operation works on.
    pub(super) fn raw(&self) -> crate::types::RawSocketHandle {
        match (&self.socket, &self.owned) {
            (Some(s), _) => s.as_raw(),
            (None, Some(s)) => s.as_raw(),
            (None, None) => crate::types::OS_INVALID_SOCKET,
        }
    }
}

/// The slots and what both backends share.
pub(super) struct Core {
    pub(super) slots: Box<[Slot]>,
    pub(super) free: u32,
    pub(super) in_flight: usize,
    /// Completions made outside a wait (at submission, or while waiting
    /// for room), handed out by the next wait.
    pub(super) backlog: Vec<Completion>,
    pub(super) pool: Option<Arc<Pool>>,
    pub(super) when_full: WhenFull,
    #[cfg(io_uring)]
    pub(super) multishot: bool,
}

impl Core {
    /// Makes a close or a shutdown at once, for the backends that have
    /// no kernel ring to queue it in (IOCP, the emulation), its
    /// completion going to the backlog.
    pub(super) fn close_or_shutdown_now(&mut self, index: u32) {
        let slot = &mut self.slots[index as usize];
        let res = if slot.kind == OpKind::Close {
            match slot.owned.take() {
                Some(s) => s.close().map(|()| 0),
                None => Ok(0),
            }
        } else {
            match &slot.socket {
                Some(s) => s.shutdown(slot.how).map(|()| 0),
                None => Ok(0),
            }
        };
        let c = self.complete(index, res, false);
        self.backlog.push(c);
    }

    pub(super) fn new(opts: &RingOptions) -> io::Result<Core> {
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
    pub(super) fn live(&self, id: OpId) -> Option<u32> {
        let slot = self.slots.get(id.index as usize)?;
        (slot.busy && slot.gen == id.gen).then_some(id.index)
    }

    pub(super) fn id(&self, index: u32) -> OpId {
        OpId {
            index,
            gen: self.slots[index as usize].gen,
        }
    }

    /// Takes a free slot for an operation of `kind`.
    pub(super) fn take(&mut self, kind: OpKind, key: u64) -> Option<u32> {
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
    pub(super) fn complete(
        &mut self,
        index: u32,
        result: io::Result<usize>,
        more: bool,
    ) -> Completion {
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
pub(super) fn finish_recv_msg(c: &mut Completion, control_len: usize, from: SockAddr, flags: i32) {
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
pub(super) enum Backend {
    #[cfg(io_uring)]
    Uring(uring::Driver),
    #[cfg(windows)]
    Iocp(iocp::Driver),
    Emulated(Emulated),
}
