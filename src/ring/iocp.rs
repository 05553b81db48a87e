//! `Ring` on a Windows I/O completion port: each operation an overlapped
//! call (`AcceptEx`, `ConnectEx`, `WSARecv`, `WSASend`, `WSASendMsg`,
//! `WSARecvMsg`) whose `OVERLAPPED` lives in its slot; accepts re-armed
//! after each completion (Windows has no multishot calls); timeouts kept
//! here, as the wait's deadline; shutdown and close made at once.
//!
//! A pooled receive holds no pool buffer while it waits: it waits with a
//! zero-byte `WSARecv` (which completes once data is there), then receives
//! into a pool buffer without blocking, and waits again when that would
//! block. A thousand idle connections thus hold no buffer at all.
//!
//! Windows completes a socket's calls to one port at a time, so a socket
//! is tied to the ring's port while some operation of the ring is in
//! flight on it, and untied (Windows 8.1 and later) when the last one
//! completes: another ring may then tie it. Where untying is not there
//! (older Windows, Wine) the socket stays tied until it closes. A socket
//! tied to another port (another ring's, busy or never untied) is served
//! all the same: its calls signal an event instead of a port, and a
//! thread-pool wait on the event posts the completion to this ring's port.

use std::collections::HashMap;
use std::io;
use std::mem;
use std::ptr;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::{unsupported, Completion, Core, OpKind, RingBackend};
use crate::socket::SocketHandle;
use crate::sys::{self, Iocp, IocpOp, IocpWake};
use crate::types::{Domain, RawSocketHandle};

/// A socket tied to the port: which one (a socket closed since, whose
/// handle value Windows gave to another, is told apart by this), and how
/// many operations are in flight on it.
struct Tie {
    sock: Weak<SocketHandle>,
    ops: u32,
    /// Tied to another port: calls take the event fallback.
    foreign: bool,
}

pub(super) struct Driver {
    iocp: Iocp,
    /// Completions taken by the last wait (their `data`); capacity kept.
    done: Vec<u64>,
    /// The pool's free buffers.
    free_bufs: Vec<u16>,
    /// Slots of timeouts.
    timers: Vec<u32>,
    ties: HashMap<RawSocketHandle, Tie>,
}

/// Whether an operation of `kind` is an overlapped call on its socket
/// (the others complete at once, or are timers).
fn overlapped(kind: OpKind) -> bool {
    !matches!(
        kind,
        OpKind::Timeout | OpKind::Close | OpKind::Shutdown | OpKind::Splice
    )
}

fn canceled() -> io::Error {
    io::Error::from_raw_os_error(sys::RING_CANCELED)
}

impl Driver {
    pub(super) fn new(core: &Core) -> io::Result<Driver> {
        let cap = core.slots.len();
        Ok(Driver {
            iocp: Iocp::new(cap)?,
            done: Vec::with_capacity(cap.min(1024)),
            free_bufs: match &core.pool {
                Some(p) => (0..p.count()).rev().collect(),
                None => Vec::new(),
            },
            timers: Vec::with_capacity(cap),
            ties: HashMap::with_capacity(cap),
        })
    }

    pub(super) fn waits(&self) -> u64 {
        self.iocp.waits()
    }

    pub(super) fn waker(&self) -> IocpWake {
        self.iocp.waker()
    }

    /// Counts one more operation on `sock`, tying it to the port first
    /// when none was in flight.
    fn tie(&mut self, sock: &Arc<SocketHandle>) -> io::Result<()> {
        let raw = sock.as_raw();
        if let Some(t) = self.ties.get_mut(&raw) {
            if ptr::eq(t.sock.as_ptr(), Arc::as_ptr(sock)) {
                t.ops += 1;
                return Ok(());
            }
            // The handle of a socket closed since (which untied it).
            self.ties.remove(&raw);
        }
        if self.ties.len() >= self.ties.capacity() {
            // Only where untying is missing do idle entries stay: drop
            // those of closed sockets before the map grows.
            self.ties
                .retain(|_, t| t.ops > 0 || t.sock.strong_count() > 0);
        }
        let ours = self.iocp.tie(raw as sys::Socket)?;
        self.ties.insert(
            raw,
            Tie {
                sock: Arc::downgrade(sock),
                ops: 1,
                foreign: !ours,
            },
        );
        Ok(())
    }

    /// Counts one operation on `raw` less, untying the socket when it was
    /// the last.
    fn untie(&mut self, raw: RawSocketHandle) {
        let Some(t) = self.ties.get_mut(&raw) else {
            return;
        };
        t.ops = t.ops.saturating_sub(1);
        if t.ops == 0 && (t.foreign || self.iocp.untie(raw as sys::Socket)) {
            self.ties.remove(&raw);
        }
    }

    /// The last completion of slot `index`'s operation.
    fn finish(&mut self, core: &mut Core, index: u32, result: io::Result<usize>) -> Completion {
        let slot = &core.slots[index as usize];
        if overlapped(slot.kind) {
            if let Some(s) = &slot.socket {
                let raw = s.as_raw();
                self.untie(raw);
            }
        }
        core.complete(index, result, false)
    }

    /// Starts the operation of slot `index`.
    pub(super) fn submit(&mut self, core: &mut Core, index: u32) -> io::Result<()> {
        let slot = &mut core.slots[index as usize];
        match slot.kind {
            OpKind::Timeout => {
                slot.deadline = Some(Instant::now() + slot.after);
                self.timers.push(index);
                return Ok(());
            }
            OpKind::Close | OpKind::Shutdown => {
                core.close_or_shutdown_now(index);
                return Ok(());
            }
            OpKind::Splice => {
                return Err(unsupported(
                    OpKind::Splice,
                    RingBackend::Iocp,
                    "splice(2) is Linux's",
                ))
            }
            _ => {}
        }
        let Some(sock) = slot.socket.clone() else {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        };
        let first = match slot.kind {
            // Re-arms need the listener's family: kept in the (otherwise
            // unused) address.
            OpKind::Accept => sock.local_addr().map(|a| slot.addr = a),
            // The receive after a zero-byte one must not block.
            OpKind::RecvPooled => sock.set_blocking(false),
            _ => Ok(()),
        };
        first?;
        self.tie(&sock)?;
        let res = self.arm(core, index);
        if res.is_err() {
            self.untie(sock.as_raw());
        }
        res
    }

    /// Makes slot `index`'s overlapped call (again, for a re-armed one).
    fn arm(&mut self, core: &mut Core, index: u32) -> io::Result<()> {
        let data = core.id(index).user_data();
        let slot = &mut core.slots[index as usize];
        let raw = slot.raw();
        let s = raw as sys::Socket;
        let foreign = self.ties.get(&raw).is_some_and(|t| t.foreign);
        let op = match slot.kind {
            OpKind::Accept => IocpOp::Accept {
                listener: s,
                family: slot.addr.family(),
            },
            OpKind::Connect => IocpOp::Connect {
                s,
                v6: slot.addr.domain() == Some(Domain::Inet6),
                addr: &slot.addr,
            },
            OpKind::Recv => IocpOp::Recv {
                s,
                buf: slot.buf.as_deref_mut().unwrap_or_default(),
            },
            OpKind::RecvPooled => IocpOp::Poll { s },
            OpKind::Send | OpKind::SendZc => IocpOp::Send {
                s,
                buf: slot.buf.as_deref().unwrap_or_default(),
            },
            OpKind::SendMsg => IocpOp::SendMsg {
                s,
                buf: slot.buf.as_deref().unwrap_or_default(),
                control: &slot.ctrl,
                addr: slot.to_addr.then_some(&slot.addr),
            },
            OpKind::RecvMsg => IocpOp::RecvMsg {
                s,
                buf: slot.buf.as_deref_mut().unwrap_or_default(),
                control: &mut slot.ctrl,
                addr: &mut slot.addr,
            },
            OpKind::Timeout | OpKind::Close | OpKind::Shutdown | OpKind::Splice => return Ok(()),
        };
        // SAFETY: the overlapped state and what `op` names live in the slot
        // (whose slice never moves), and stay there until the completion
        // is taken: a slot is freed only by its last completion, and
        // `Ring::drop` waits for every completion or leaks the slots.
        unsafe { self.iocp.start(op, s, &mut slot.ov, data, foreign) }
    }

    pub(super) fn cancel(&mut self, core: &mut Core, index: u32) -> io::Result<()> {
        let slot = &core.slots[index as usize];
        if slot.kind == OpKind::Timeout {
            if let Some(at) = self.timers.iter().position(|&t| t == index) {
                self.timers.swap_remove(at);
                let c = core.complete(index, Err(canceled()), false);
                core.backlog.push(c);
            }
            return Ok(());
        }
        self.iocp.cancel(slot.raw() as sys::Socket, &slot.ov);
        Ok(())
    }

    pub(super) fn wait(
        &mut self,
        core: &mut Core,
        out: &mut Vec<Completion>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        if let Some(pool) = &core.pool {
            let free = &mut self.free_bufs;
            pool.take_returned(|bid| free.push(bid));
        }
        let now = Instant::now();
        let mut timeout = timeout;
        for &t in &self.timers {
            if let Some(d) = core.slots[t as usize].deadline {
                let left = d.saturating_duration_since(now);
                timeout = Some(timeout.map_or(left, |t| t.min(left)));
            }
        }
        let mut done = mem::take(&mut self.done);
        let res = self.iocp.wait(timeout, &mut done);
        for data in done.drain(..) {
            self.complete(core, data, out);
        }
        self.done = done;
        let now = Instant::now();
        let mut i = 0;
        while i < self.timers.len() {
            let t = self.timers[i];
            if core.slots[t as usize].deadline.is_some_and(|d| d <= now) {
                self.timers.swap_remove(i);
                out.push(core.complete(t, Ok(0), false));
            } else {
                i += 1;
            }
        }
        res
    }

    /// One wait whose completions go to the backlog: a submission
    /// waiting for room.
    pub(super) fn make_room(&mut self, core: &mut Core) -> io::Result<()> {
        let mut backlog = mem::take(&mut core.backlog);
        let res = self.wait(core, &mut backlog, None);
        core.backlog = backlog;
        res
    }

    /// Turns one completion packet into the caller's completions.
    fn complete(&mut self, core: &mut Core, data: u64, out: &mut Vec<Completion>) {
        let index = data as u32;
        let gen = (data >> 32) as u32;
        let Some(slot) = core.slots.get_mut(index as usize) else {
            return;
        };
        if !slot.busy || slot.gen != gen {
            return;
        }
        let s = slot.raw() as sys::Socket;
        let result = self.iocp.result(s, &mut slot.ov);
        let cancelled = slot.cancelled;
        match slot.kind {
            OpKind::Accept => match result {
                Ok(_) => {
                    let accepted = self.iocp.accepted(s, &mut slot.ov).map(|a| {
                        // SAFETY: AcceptEx's new socket, now ours alone.
                        unsafe { SocketHandle::from_raw(a as RawSocketHandle) }
                    });
                    let (result, accepted) = match accepted {
                        Ok(a) => (Ok(1), Some(a)),
                        Err(e) => (Err(e), None),
                    };
                    let more = result.is_ok() && !cancelled;
                    let mut c = if more {
                        core.complete(index, result, true)
                    } else {
                        self.finish(core, index, result)
                    };
                    c.accepted = accepted;
                    out.push(c);
                    if more {
                        self.rearm(core, index, out);
                    }
                }
                Err(e) => {
                    self.iocp.discard_accept(&mut slot.ov);
                    out.push(self.finish(core, index, Err(e)));
                }
            },
            OpKind::RecvPooled => match Iocp::recv_result(result) {
                Ok(_) if cancelled => out.push(self.finish(core, index, Err(canceled()))),
                Ok(_) => self.recv_pooled(core, index, s, out),
                Err(e) => out.push(self.finish(core, index, Err(e))),
            },
            OpKind::RecvMsg => {
                let (result, control_len, flags) =
                    self.iocp.received(result, &slot.ov, &mut slot.addr);
                let from = slot.addr.clone();
                let ok = result.is_ok();
                let mut c = self.finish(core, index, result);
                if ok {
                    super::finish_recv_msg(&mut c, control_len, from, flags);
                }
                out.push(c);
            }
            OpKind::Recv => {
                let c = self.finish(core, index, Iocp::recv_result(result));
                out.push(c);
            }
            OpKind::Connect => {
                let result = result.and_then(|_| self.iocp.connected(s)).map(|()| 0);
                out.push(self.finish(core, index, result));
            }
            OpKind::SendZc => {
                // A copy send: WSASend has no zero-copy form that says when
                // the buffer is free but the completion itself.
                let mut c = self.finish(core, index, result);
                c.copied = Some(true);
                out.push(c);
            }
            OpKind::Send
            | OpKind::SendMsg
            | OpKind::Shutdown
            | OpKind::Close
            | OpKind::Timeout
            | OpKind::Splice => {
                out.push(self.finish(core, index, result));
            }
        }
    }

    /// After a pooled receive's zero-byte wait: receives into free pool
    /// buffers until the socket has no more, then waits again (or ends at
    /// the end of the stream, an error, or an empty pool).
    fn recv_pooled(
        &mut self,
        core: &mut Core,
        index: u32,
        s: sys::Socket,
        out: &mut Vec<Completion>,
    ) {
        let Some(pool) = core.pool.clone() else {
            out.push(self.finish(core, index, Ok(0)));
            return;
        };
        loop {
            if self.free_bufs.is_empty() {
                let free = &mut self.free_bufs;
                pool.take_returned(|bid| free.push(bid));
            }
            let Some(bid) = self.free_bufs.pop() else {
                let e = io::Error::from_raw_os_error(sys::RING_NO_BUFFERS);
                out.push(self.finish(core, index, Err(e)));
                return;
            };
            // SAFETY: `bid` came off the free list: no `PoolBuf` holds it,
            // and this receive is the only one filling it.
            match Iocp::recv_now(s, unsafe { pool.slice_mut(bid) }) {
                Ok(n) if n > 0 => {
                    let mut c = core.complete(index, Ok(n), true);
                    c.pooled = Some(pool.lend(bid, n));
                    out.push(c);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.free_bufs.push(bid),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.free_bufs.push(bid);
                    self.rearm(core, index, out);
                    return;
                }
                other => {
                    self.free_bufs.push(bid);
                    out.push(self.finish(core, index, other));
                    return;
                }
            }
        }
    }

    /// Makes slot `index`'s call again; if that fails, its last
    /// completion says why.
    fn rearm(&mut self, core: &mut Core, index: u32, out: &mut Vec<Completion>) {
        if let Err(e) = self.arm(core, index) {
            out.push(self.finish(core, index, Err(e)));
        }
    }

    /// Leaves the port open for good (see `Iocp::leak`).
    pub(super) fn leak(&self) {
        self.iocp.leak();
    }

    /// Cancels every operation in flight (`CancelIoEx`) and waits until
    /// Windows has completed them all, at most `limit`; `false` when some
    /// are left (their memory must then stay).
    pub(super) fn drain(&mut self, core: &mut Core, limit: Duration) -> bool {
        for index in 0..core.slots.len() as u32 {
            if core.slots[index as usize].busy {
                core.slots[index as usize].cancelled = true;
                let _ = self.cancel(core, index);
            }
        }
        let start = Instant::now();
        let mut sink = Vec::new();
        core.backlog.clear();
        while core.in_flight > 0 {
            let left = limit.saturating_sub(start.elapsed());
            if left.is_zero() {
                return false;
            }
            if self.wait(core, &mut sink, Some(left)).is_err() {
                return false;
            }
            sink.clear();
        }
        true
    }
}
