//! `Ring` on io_uring: submissions built from the slots, completions
//! turned back into `Completion`s, multishot operations re-armed where the
//! kernel ends them (or lacks them), and the pool's buffers handed to the
//! kernel's buffer ring.

use std::io;
use std::mem::{self, ManuallyDrop};
use std::net::Shutdown;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Completion, Core, OpKind};
use crate::socket::SocketHandle;
use crate::sys::{self, Cqe, SqOp, Uring, UringWake};

/// The buffer group of the pool's buffer ring.
const GROUP: u16 = 0;

pub(super) struct Driver {
    /// Dropped by `Drop` unless `leak` kept it from the kernel's reach.
    uring: ManuallyDrop<Uring>,
    leaked: bool,
    /// Multishot accept and receive into the buffer ring are in use.
    multishot: bool,
    /// Completions reaped and not yet turned into `Completion`s; its
    /// capacity is kept from wait to wait.
    cqes: Vec<Cqe>,
    /// The pool's free buffers, where the ring picks them itself (no
    /// buffer ring).
    free_bufs: Vec<u16>,
}

impl Driver {
    pub(super) fn new(core: &mut Core) -> io::Result<Driver> {
        let cap = core.slots.len() as u32;
        let entries = cap.clamp(8, 4096).next_power_of_two();
        let cq = (cap * 2).max(entries * 2).next_power_of_two();
        let mut uring = Uring::new(entries, cq)?;
        let mut multishot = core.multishot && uring.caps().multishot;
        let mut free_bufs = Vec::new();
        if let Some(pool) = &core.pool {
            if multishot && uring.register_buf_ring(pool.count(), GROUP).is_ok() {
                for bid in 0..pool.count() {
                    // SAFETY: the pool's memory lives as long as the `Arc`
                    // the core holds, which `Ring::drop` keeps (or leaks)
                    // until the kernel is done; no `PoolBuf` holds these
                    // buffers yet.
                    unsafe { uring.give(bid, pool.ptr(bid), pool.buffer_size() as u32) };
                }
                uring.publish();
            } else {
                multishot = false;
                free_bufs = (0..pool.count()).rev().collect();
            }
        }
        Ok(Driver {
            uring: ManuallyDrop::new(uring),
            leaked: false,
            multishot,
            cqes: Vec::with_capacity(cq as usize),
            free_bufs,
        })
    }

    pub(super) fn enters(&self) -> u64 {
        self.uring.enters()
    }

    pub(super) fn multishot(&self) -> bool {
        self.multishot
    }

    pub(super) fn send_zc(&self) -> bool {
        self.uring.caps().send_zc
    }

    pub(super) fn waker(&self) -> Arc<UringWake> {
        self.uring.waker()
    }

    /// Queues the operation of slot `index` (for the kernel to see at the
    /// next enter).
    pub(super) fn submit(&mut self, core: &mut Core, index: u32) -> io::Result<()> {
        let data = core.id(index).user_data();
        let slot = &mut core.slots[index as usize];
        let fd = slot.raw();
        let op = match slot.kind {
            OpKind::Accept => SqOp::Accept {
                fd,
                multishot: self.multishot,
            },
            OpKind::Connect => SqOp::Connect {
                fd,
                addr: &slot.addr,
            },
            OpKind::Recv => SqOp::Recv {
                fd,
                buf: slot.buf.as_deref_mut().unwrap_or_default(),
            },
            OpKind::RecvPooled if self.multishot => SqOp::RecvMulti { fd, group: GROUP },
            OpKind::RecvPooled => {
                if self.free_bufs.is_empty() {
                    if let Some(pool) = &core.pool {
                        let free = &mut self.free_bufs;
                        pool.take_returned(|bid| free.push(bid));
                    }
                }
                let Some(bid) = self.free_bufs.pop() else {
                    let c = core.complete(
                        index,
                        Err(io::Error::from_raw_os_error(sys::RING_NO_BUFFERS)),
                        false,
                    );
                    core.backlog.push(c);
                    return Ok(());
                };
                slot.bid = Some(bid);
                let pool = core.pool.as_ref().expect("recv_pooled checks the pool");
                SqOp::Recv {
                    fd,
                    // SAFETY: `bid` came off the free list: no `PoolBuf`
                    // holds it and no other receive fills it.
                    buf: unsafe { pool.slice_mut(bid) },
                }
            }
            OpKind::Send | OpKind::SendZc => {
                let buf = slot.buf.as_deref().unwrap_or_default();
                if slot.kind == OpKind::Send {
                    SqOp::Send { fd, buf }
                } else {
                    SqOp::SendZc { fd, buf }
                }
            }
            OpKind::SendMsg => {
                let super::Slot {
                    msg,
                    buf,
                    ctrl,
                    addr,
                    to_addr,
                    ..
                } = slot;
                SqOp::SendMsg {
                    fd,
                    msg,
                    buf: buf.as_deref().unwrap_or_default(),
                    control: ctrl,
                    addr: to_addr.then_some(&*addr),
                }
            }
            OpKind::RecvMsg => {
                let super::Slot {
                    msg,
                    buf,
                    ctrl,
                    addr,
                    ..
                } = slot;
                SqOp::RecvMsg {
                    fd,
                    msg,
                    buf: buf.as_deref_mut().unwrap_or_default(),
                    control: ctrl,
                    addr,
                }
            }
            OpKind::Shutdown => SqOp::Shutdown {
                fd,
                how: match slot.how {
                    Shutdown::Read => sys::SHUT_RD,
                    Shutdown::Write => sys::SHUT_WR,
                    Shutdown::Both => sys::SHUT_RDWR,
                },
            },
            OpKind::Close => SqOp::Close { fd },
            OpKind::Splice => {
                use std::os::fd::{AsFd, AsRawFd};
                let Some((from, to)) = &slot.splice else {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "Ring::splice: no descriptors",
                    ));
                };
                SqOp::Splice {
                    from: from.as_fd().as_raw_fd(),
                    to: to.as_fd().as_raw_fd(),
                    len: slot.splice_len,
                }
            }
            OpKind::Timeout => {
                slot.ts = sys::ring_timespec(slot.after);
                SqOp::Timeout { ts: &slot.ts }
            }
        };
        // SAFETY: what `op` names lives in the slot (its buffer's heap
        // memory, its address, its timespec: the slots never move) or in
        // the pool, and the slot keeps it until its last completion;
        // `Ring::drop` waits for that or leaks it.
        unsafe { self.uring.push(op, data) }
    }

    pub(super) fn cancel(&mut self, core: &mut Core, index: u32, data: u64) -> io::Result<()> {
        let _ = (core, index);
        // SAFETY: a cancel names no memory.
        unsafe {
            self.uring
                .push(SqOp::Cancel { target: data }, sys::IGNORED_DATA)
        }
    }

    /// Gives the buffers the caller dropped back to the kernel (or to the
    /// free list).
    fn recycle(&mut self, core: &Core) {
        let Some(pool) = &core.pool else { return };
        let mut any = false;
        let size = pool.buffer_size() as u32;
        if self.multishot {
            let uring = &mut self.uring;
            pool.take_returned(|bid| {
                // SAFETY: the dropped `PoolBuf` gave `bid` up; the pool's
                // memory outlives the ring's use of it (see `new`).
                unsafe { uring.give(bid, pool.ptr(bid), size) };
                any = true;
            });
            if any {
                self.uring.publish();
            }
        } else {
            let free = &mut self.free_bufs;
            pool.take_returned(|bid| free.push(bid));
        }
    }

    pub(super) fn wait(
        &mut self,
        core: &mut Core,
        out: &mut Vec<Completion>,
        timeout: Option<Duration>,
    ) -> io::Result<()> {
        self.recycle(core);
        self.uring.enter(1, timeout)?;
        self.reap(core, out)
    }

    /// Enters once, waiting for completions, and keeps them in the
    /// backlog: a submission waiting for room.
    pub(super) fn make_room(&mut self, core: &mut Core) -> io::Result<()> {
        self.recycle(core);
        self.uring.enter(1, None)?;
        let mut backlog = mem::take(&mut core.backlog);
        let res = self.reap(core, &mut backlog);
        core.backlog = backlog;
        res
    }

    fn reap(&mut self, core: &mut Core, out: &mut Vec<Completion>) -> io::Result<()> {
        let mut cqes = mem::take(&mut self.cqes);
        let res = self.uring.reap(&mut cqes);
        for cqe in cqes.drain(..) {
            self.complete(core, cqe, out);
        }
        self.cqes = cqes;
        res
    }

    /// Turns one kernel completion into the caller's.
    fn complete(&mut self, core: &mut Core, cqe: Cqe, out: &mut Vec<Completion>) {
        let index = cqe.data as u32;
        let gen = (cqe.data >> 32) as u32;
        let Some(slot) = core.slots.get_mut(index as usize) else {
            return;
        };
        if !slot.busy || slot.gen != gen {
            return;
        }
        // A notification's result is flags, not a count or an error.
        let result = if cqe.res < 0 && !cqe.notif() {
            Err(io::Error::from_raw_os_error(-cqe.res))
        } else {
            Ok(cqe.res as usize)
        };
        let cancelled = slot.cancelled;
        match slot.kind {
            OpKind::Accept => {
                // A multishot accept the kernel ended without an error
                // (or a plain one) is re-armed, unless cancelled.
                let rearm = cqe.res >= 0 && !cqe.more() && !cancelled;
                let more = cqe.more() || rearm;
                let accepted = (cqe.res >= 0).then(|| {
                    // SAFETY: the kernel just accepted this descriptor for
                    // us; nothing else owns it.
                    unsafe { SocketHandle::from_raw(cqe.res) }
                });
                let result = result.map(|_| 1);
                let mut c = core.complete(index, result, more);
                c.accepted = accepted;
                out.push(c);
                if rearm {
                    self.rearm(core, index, out);
                }
            }
            OpKind::RecvPooled => {
                let bid = match slot.bid.take() {
                    Some(b) => Some(b),
                    None => cqe.buffer(),
                };
                let got = cqe.res > 0;
                let pooled = match (got, bid, &core.pool) {
                    (true, Some(bid), Some(pool)) => Some(pool.lend(bid, cqe.res as usize)),
                    (false, Some(bid), _) if !self.multishot => {
                        self.free_bufs.push(bid);
                        None
                    }
                    _ => None,
                };
                let rearm = got && !cqe.more() && !cancelled;
                let more = got && (cqe.more() || rearm);
                let mut c = core.complete(index, result, more);
                c.pooled = pooled;
                out.push(c);
                if rearm {
                    self.rearm(core, index, out);
                }
            }
            OpKind::SendZc if !cqe.notif() && cqe.more() => {
                // The send's result; the notification that frees the
                // buffer follows.
                slot.sent = cqe.res;
            }
            OpKind::SendZc => {
                let (result, copied) = if cqe.notif() {
                    let sent = slot.sent;
                    let r = if sent < 0 {
                        Err(io::Error::from_raw_os_error(-sent))
                    } else {
                        Ok(sent as usize)
                    };
                    (r, Some(cqe.zc_copied()))
                } else {
                    (result, None)
                };
                let mut c = core.complete(index, result, false);
                c.copied = copied;
                out.push(c);
            }
            OpKind::Close => {
                // The kernel closed the descriptor: the handle must not
                // close it again.
                if let Some(s) = slot.owned.take() {
                    let _ = s.into_raw();
                }
                out.push(core.complete(index, result.map(|_| 0), false));
            }
            OpKind::Timeout => {
                let result = match result {
                    Err(e) if e.raw_os_error() == Some(sys::RING_TIME_PASSED) => Ok(0),
                    r => r,
                };
                out.push(core.complete(index, result, false));
            }
            OpKind::RecvMsg => {
                let (control_len, flags) = slot.msg.received(&mut slot.addr);
                let from = slot.addr.clone();
                let ok = result.is_ok();
                let mut c = core.complete(index, result, false);
                if ok {
                    super::finish_recv_msg(&mut c, control_len, from, flags);
                }
                out.push(c);
            }
            OpKind::Connect
            | OpKind::Recv
            | OpKind::Send
            | OpKind::SendMsg
            | OpKind::Splice
            | OpKind::Shutdown => {
                out.push(core.complete(index, result, false));
            }
        }
    }

    /// Submits slot `index`'s operation again; if that fails, its last
    /// completion says why.
    fn rearm(&mut self, core: &mut Core, index: u32, out: &mut Vec<Completion>) {
        if let Err(e) = self.submit(core, index) {
            if core.slots[index as usize].busy {
                out.push(core.complete(index, Err(e), false));
            }
        }
    }

    /// Cancels every operation in flight and waits until the kernel has
    /// completed them all, at most `limit`; `false` when some are left.
    pub(super) fn drain(&mut self, core: &mut Core, limit: Duration) -> bool {
        for index in 0..core.slots.len() as u32 {
            let slot = &mut core.slots[index as usize];
            if slot.busy {
                slot.cancelled = true;
                let data = core.id(index).user_data();
                if self.cancel(core, index, data).is_err() {
                    return false;
                }
            }
        }
        let start = Instant::now();
        let mut sink = Vec::new();
        while core.in_flight > 0 {
            let left = match limit.checked_sub(start.elapsed()) {
                Some(left) if !left.is_zero() => left,
                _ => return false,
            };
            if self
                .uring
                .enter(1, Some(left.min(Duration::from_millis(100))))
                .is_err()
            {
                return false;
            }
            if self.reap(core, &mut sink).is_err() {
                return false;
            }
            sink.clear();
        }
        true
    }

    /// Forgets the ring without closing it: the kernel keeps the memory
    /// it may still write.
    pub(super) fn leak(&mut self) {
        self.leaked = true;
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.leaked {
            // SAFETY: dropped once, here; the field is not used after.
            unsafe { ManuallyDrop::drop(&mut self.uring) };
        }
    }
}
