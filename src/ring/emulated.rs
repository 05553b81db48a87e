//! `Ring` emulated on [`Poller`]: each operation is tried at once on its
//! (non-blocking) socket (an accept only once its listener is readable);
//! one that would block waits in its socket's read
//! or write list, and runs again when the poller reports the socket ready.
//! Portable code: it runs wherever `Poller` does.
//!
//! A socket is registered (edge-triggered where the poller has it, both
//! directions at once; level-triggered with the directions waited for
//! elsewhere) while some operation waits on it, and removed when none
//! does, so that the ring never holds a socket the caller dropped.
//!
//! A zero-copy send, where the system has `MSG_ZEROCOPY` (Linux) and the
//! poller is edge-triggered (epoll), turns `SO_ZEROCOPY` on for its socket
//! and sends with that flag; it then waits in the socket's notification
//! list until the kernel's completion for its number arrives on the error
//! queue (reported as an error event), which says whether the kernel
//! copied after all. Elsewhere, and for a socket that refuses
//! `SO_ZEROCOPY`, it is a plain send that reports a copy.

use std::collections::HashMap;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::{self, MaybeUninit};
use std::ptr;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::{Completion, Core, OpKind, NONE};
use crate::errqueue::{ErrorQueueEntry, ZeroCopyCompletion, ERROR_QUEUE_CONTROL_SPACE};
use crate::poller::{Event, Events, Interest, PollMode, Poller};
use crate::socket::SocketHandle;
use crate::sys;
use crate::types::RawSocketHandle;

/// A waiting list of slots, linked through `Slot::next`.
#[derive(Clone, Copy, Debug)]
struct List {
    head: u32,
    tail: u32,
}

impl List {
    const EMPTY: List = List {
        head: NONE,
        tail: NONE,
    };

    fn is_empty(&self) -> bool {
        self.head == NONE
    }
}

/// A socket some operation waits on.
struct Reg {
    sock: Arc<SocketHandle>,
    read: List,
    write: List,
    /// Zero-copy sends made, waiting for their completion on the error
    /// queue (edge-triggered pollers only, which report it at any
    /// interest).
    notif: List,
    /// What the poller watches for it (level-triggered pollers only).
    interest: Interest,
}

impl Reg {
    fn wanted(&self) -> Option<Interest> {
        match (self.read.is_empty(), self.write.is_empty()) {
            (false, false) => Some(Interest::BOTH),
            (false, true) => Some(Interest::READABLE),
            (true, false) => Some(Interest::WRITABLE),
            (true, true) if !self.notif.is_empty() => Some(Interest::BOTH),
            (true, true) => None,
        }
    }
}

/// What the emulation knows of a socket's zero-copy sends, kept while the
/// socket lives: the kernel numbers them over the socket's whole life.
struct ZcSock {
    sock: Weak<SocketHandle>,
    /// `SO_ZEROCOPY` took: sends go with `MSG_ZEROCOPY`.
    on: bool,
    /// The number the kernel gives the next zero-copy send.
    next: u32,
}

/// Where an attempted operation stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Completed (its completion is out).
    Done,
    /// Would block: it waits for readiness.
    Blocked,
    /// A zero-copy send made: it waits for the kernel's completion.
    Notify,
}

pub(super) struct Emulated {
    poller: Arc<Poller>,
    events: Events,
    regs: HashMap<RawSocketHandle, Reg>,
    /// Slots of timeouts.
    timers: Vec<u32>,
    /// The pool's free buffers.
    free_bufs: Vec<u16>,
    /// Sockets that have had zero-copy sends.
    zc: HashMap<RawSocketHandle, ZcSock>,
    /// Zero-copy sends waiting for their completion.
    notifying: usize,
    edge: bool,
    waits: u64,
}

/// Which list an operation waits in.
fn reads(kind: OpKind) -> bool {
    matches!(
        kind,
        OpKind::Accept | OpKind::Recv | OpKind::RecvPooled | OpKind::RecvMsg
    )
}

fn key_of(raw: RawSocketHandle) -> usize {
    raw as usize
}

impl Emulated {
    pub(super) fn new(core: &Core) -> io::Result<Emulated> {
        let poller = Poller::new()?;
        let cap = core.slots.len();
        Ok(Emulated {
            edge: poller.supports_edge(),
            poller: Arc::new(poller),
            events: Events::with_capacity(cap.min(1024)),
            regs: HashMap::with_capacity(cap),
            timers: Vec::with_capacity(cap),
            free_bufs: match &core.pool {
                Some(p) => (0..p.count()).rev().collect(),
                None => Vec::new(),
            },
            zc: HashMap::new(),
            notifying: 0,
            waits: 0,
        })
    }

    pub(super) fn poller(&self) -> Arc<Poller> {
        Arc::clone(&self.poller)
    }

    pub(super) fn waits(&self) -> u64 {
        self.waits
    }

    /// Starts slot `index`'s operation: done at once when it can be
    /// (its completion goes to the backlog), else waiting in a list.
    pub(super) fn submit(&mut self, core: &mut Core, index: u32) -> io::Result<()> {
        let slot = &mut core.slots[index as usize];
        let kind = slot.kind;
        match kind {
            OpKind::Timeout => {
                slot.deadline = Some(Instant::now() + slot.after);
                self.timers.push(index);
                return Ok(());
            }
            OpKind::Close | OpKind::Shutdown => {
                core.close_or_shutdown_now(index);
                return Ok(());
            }
            _ => {}
        }
        let sock = match &slot.socket {
            Some(s) => Arc::clone(s),
            None => return Ok(()),
        };
        let raw = sock.as_raw();
        let queued = match self.regs.get(&raw) {
            Some(reg) => {
                let list = if reads(kind) { reg.read } else { reg.write };
                !list.is_empty()
            }
            None => {
                sock.set_blocking(false)?;
                false
            }
        };
        if kind == OpKind::Connect {
            match sock.start_connect(&slot.addr) {
                Ok(true) => {
                    let c = core.complete(index, Ok(0), false);
                    core.backlog.push(c);
                    return Ok(());
                }
                Ok(false) => {}
                Err(e) => {
                    let c = core.complete(index, Err(e), false);
                    core.backlog.push(c);
                    return Ok(());
                }
            }
        } else if !queued && kind != OpKind::Accept {
            // An accept waits for readability first, as its docs say: at
            // the descriptor limit accept4(2) fails with EMFILE before it
            // looks at the queue, so an accept tried at once would fail
            // even with nobody waiting, and a caller pausing at the limit
            // could never see its listener quiet.
            let mut backlog = mem::take(&mut core.backlog);
            let mut ctx = Ctx {
                free_bufs: &mut self.free_bufs,
                zc: &mut self.zc,
                edge: self.edge,
            };
            let step = attempt(core, &mut ctx, index, &mut backlog);
            core.backlog = backlog;
            match step {
                Step::Done => return Ok(()),
                Step::Blocked => {}
                Step::Notify => {
                    self.notifying += 1;
                    return self.park(core, index, sock, true);
                }
            }
        }
        self.park(core, index, sock, false)
    }

    /// Puts slot `index` at the end of its socket's list (its
    /// notification list with `notify`), registering the socket (or
    /// widening what the poller watches) as needed.
    fn park(
        &mut self,
        core: &mut Core,
        index: u32,
        sock: Arc<SocketHandle>,
        notify: bool,
    ) -> io::Result<()> {
        let raw = sock.as_raw();
        let read = reads(core.slots[index as usize].kind);
        let fresh = !self.regs.contains_key(&raw);
        let reg = self.regs.entry(raw).or_insert_with(|| Reg {
            sock,
            read: List::EMPTY,
            write: List::EMPTY,
            notif: List::EMPTY,
            interest: Interest::READABLE,
        });
        let list = match (notify, read) {
            (true, _) => &mut reg.notif,
            (false, true) => &mut reg.read,
            (false, false) => &mut reg.write,
        };
        push(list, core, index);
        let wanted = reg.wanted().unwrap_or(Interest::BOTH);
        let res = if fresh {
            if self.edge {
                self.poller
                    .add_with_mode(&*reg.sock, key_of(raw), Interest::BOTH, PollMode::Edge)
            } else {
                reg.interest = wanted;
                self.poller.add(&*reg.sock, key_of(raw), wanted)
            }
        } else if !self.edge && reg.interest != wanted {
            reg.interest = wanted;
            self.poller.modify(&*reg.sock, key_of(raw), wanted)
        } else {
            Ok(())
        };
        if res.is_err() {
            if notify {
                // The send is made: its completion still comes, but no
                // event would say so. Wait for it here, briefly.
                let reg = self.regs.get_mut(&raw).expect("registered above");
                let until = Instant::now() + Duration::from_secs(1);
                let mut backlog = mem::take(&mut core.backlog);
                while !reg.notif.is_empty() && Instant::now() < until {
                    self.notifying -= take_notifications(reg, core, &mut backlog);
                    std::thread::sleep(Duration::from_millis(1));
                }
                core.backlog = backlog;
                if reg.notif.is_empty() {
                    settle(&self.poller, self.edge, &mut self.regs, raw);
                }
                // Else still in flight: it stays in its list, and a drop
                // of the ring leaks its buffer rather than free it.
                return Ok(());
            }
            self.unlink(core, raw, index);
        }
        res
    }

    /// Takes slot `index` out of its socket's list; drops the
    /// registration when nothing waits on the socket any more.
    fn unlink(&mut self, core: &mut Core, raw: RawSocketHandle, index: u32) -> bool {
        let Some(reg) = self.regs.get_mut(&raw) else {
            return false;
        };
        let mut found = false;
        for list in [&mut reg.read, &mut reg.write] {
            let mut prev = NONE;
            let mut at = list.head;
            while at != NONE {
                let next = core.slots[at as usize].next;
                if at == index {
                    if prev == NONE {
                        list.head = next;
                    } else {
                        core.slots[prev as usize].next = next;
                    }
                    if list.tail == index {
                        list.tail = prev;
                    }
                    found = true;
                    break;
                }
                prev = at;
                at = next;
            }
        }
        settle(&self.poller, self.edge, &mut self.regs, raw);
        found
    }

    /// Waits, at most `limit`, until the kernel has let go of every
    /// zero-copy send's buffer; `false` when some still are in flight
    /// (their memory must then stay). Other operations are dropped.
    pub(super) fn drain(&mut self, core: &mut Core, limit: Duration) -> bool {
        let start = Instant::now();
        let mut sink = Vec::new();
        while self.notifying > 0 {
            let left = limit.saturating_sub(start.elapsed());
            if left.is_zero() || self.wait(core, &mut sink, Some(left)).is_err() {
                return false;
            }
            sink.clear();
        }
        true
    }

    /// Cancels slot `index`'s operation if it still waits for readiness
    /// (a zero-copy send already made is not: the kernel holds its
    /// buffer, and its completion comes as it would have).
    pub(super) fn cancel(&mut self, core: &mut Core, index: u32) -> io::Result<()> {
        let slot = &core.slots[index as usize];
        let found = if slot.kind == OpKind::Timeout {
            match self.timers.iter().position(|&t| t == index) {
                Some(at) => {
                    self.timers.swap_remove(at);
                    true
                }
                None => false,
            }
        } else {
            let raw = slot.raw();
            self.unlink(core, raw, index)
        };
        if found {
            let c = core.complete(
                index,
                Err(io::Error::from_raw_os_error(sys::RING_CANCELED)),
                false,
            );
            core.backlog.push(c);
        }
        Ok(())
    }

    /// Waits for readiness (or the first timer) and runs what waited on
    /// the sockets reported.
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
        self.waits += 1;
        match self.poller.wait(&mut self.events, timeout) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        let Emulated {
            poller,
            events,
            regs,
            free_bufs,
            zc,
            notifying,
            edge,
            ..
        } = self;
        let mut ctx = Ctx {
            free_bufs,
            zc,
            edge: *edge,
        };
        for ev in events.iter() {
            run_event(poller, regs, &mut ctx, notifying, core, ev, out);
        }
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
        Ok(())
    }

    /// One wait whose completions go to the backlog: a submission
    /// waiting for room.
    pub(super) fn make_room(&mut self, core: &mut Core) -> io::Result<()> {
        let mut backlog = mem::take(&mut core.backlog);
        let res = self.wait(core, &mut backlog, None);
        core.backlog = backlog;
        res
    }
}

/// What an attempt may need besides the slots.
struct Ctx<'a> {
    free_bufs: &'a mut Vec<u16>,
    zc: &'a mut HashMap<RawSocketHandle, ZcSock>,
    edge: bool,
}

/// Runs what waits on the socket `ev` reports.
fn run_event(
    poller: &Poller,
    regs: &mut HashMap<RawSocketHandle, Reg>,
    ctx: &mut Ctx<'_>,
    notifying: &mut usize,
    core: &mut Core,
    ev: Event,
    out: &mut Vec<Completion>,
) {
    let raw = ev.key as RawSocketHandle;
    let Some(reg) = regs.get_mut(&raw) else {
        return;
    };
    let trouble = ev.error || ev.hangup;
    if ev.error && !reg.notif.is_empty() {
        *notifying -= take_notifications(reg, core, out);
    }
    if ev.readable || trouble {
        run_list(reg, true, core, ctx, notifying, out);
    }
    if ev.writable || trouble {
        run_list(reg, false, core, ctx, notifying, out);
    }
    settle(poller, ctx.edge, regs, raw);
}

/// Appends slot `index` to `list`.
fn push(list: &mut List, core: &mut Core, index: u32) {
    if list.tail == NONE {
        list.head = index;
    } else {
        core.slots[list.tail as usize].next = index;
    }
    list.tail = index;
    core.slots[index as usize].next = NONE;
}

/// Reads the socket's error queue until it is empty, completing each
/// zero-copy send a completion there covers (and any older one still
/// waiting: completions come in order); other entries are dropped.
/// Returns how many sends it completed.
fn take_notifications(reg: &mut Reg, core: &mut Core, out: &mut Vec<Completion>) -> usize {
    let mut control = [0u8; ERROR_QUEUE_CONTROL_SPACE];
    let mut done = 0;
    loop {
        let zc: ZeroCopyCompletion = match reg.sock.recv_error_queue(&mut [], &mut control) {
            Ok(msg) => match msg.entry() {
                ErrorQueueEntry::ZeroCopy(z) => z,
                _ => continue,
            },
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // Empty (WouldBlock), or nothing more to read.
            Err(_) => return done,
        };
        let mut prev = NONE;
        let mut at = reg.notif.head;
        while at != NONE {
            let next = core.slots[at as usize].next;
            let id = core.slots[at as usize].zc_id;
            let covered = id.wrapping_sub(zc.lo) <= zc.hi.wrapping_sub(zc.lo)
                || (id.wrapping_sub(zc.lo) as i32) < 0;
            if covered {
                if prev == NONE {
                    reg.notif.head = next;
                } else {
                    core.slots[prev as usize].next = next;
                }
                if reg.notif.tail == at {
                    reg.notif.tail = prev;
                }
                let sent = core.slots[at as usize].zc_len;
                let mut c = core.complete(at, Ok(sent), false);
                c.copied = Some(zc.copied);
                out.push(c);
                done += 1;
            } else {
                prev = at;
            }
            at = next;
        }
    }
}

/// The zero-copy state of `sock`, `SO_ZEROCOPY` turned on at its first
/// zero-copy send; `None` where sends cannot be zero-copy (no
/// `MSG_ZEROCOPY` here, or the socket refused `SO_ZEROCOPY`).
fn zero_copy<'a>(
    zc: &'a mut HashMap<RawSocketHandle, ZcSock>,
    sock: &Arc<SocketHandle>,
) -> Option<&'a mut ZcSock> {
    sys::MSG_ZEROCOPY_FLAG?;
    let raw = sock.as_raw();
    // The same socket, not one that got the number of a closed one (the
    // `Weak` keeps the old one's allocation, so addresses cannot repeat).
    let known = zc
        .get(&raw)
        .is_some_and(|z| ptr::eq(z.sock.as_ptr(), Arc::as_ptr(sock)));
    if !known {
        if zc.len() >= zc.capacity() {
            zc.retain(|_, z| z.sock.strong_count() > 0);
        }
        let on = sock.set_zerocopy(true).is_ok();
        zc.insert(
            raw,
            ZcSock {
                sock: Arc::downgrade(sock),
                on,
                next: 0,
            },
        );
    }
    zc.get_mut(&raw).filter(|z| z.on)
}

/// Drops the registration of a socket nothing waits on; narrows what a
/// level-triggered poller watches.
fn settle(
    poller: &Poller,
    edge: bool,
    regs: &mut HashMap<RawSocketHandle, Reg>,
    raw: RawSocketHandle,
) {
    let Some(reg) = regs.get_mut(&raw) else {
        return;
    };
    match reg.wanted() {
        None => {
            let _ = poller.delete(&*reg.sock);
            regs.remove(&raw);
        }
        Some(w) if !edge && w != reg.interest => {
            reg.interest = w;
            let _ = poller.modify(&*reg.sock, key_of(raw), w);
        }
        Some(_) => {}
    }
}

/// Runs the operations of a socket's read (or write) list in order until
/// one would block; a zero-copy send made moves to the notification list.
fn run_list(
    reg: &mut Reg,
    read: bool,
    core: &mut Core,
    ctx: &mut Ctx<'_>,
    notifying: &mut usize,
    out: &mut Vec<Completion>,
) {
    loop {
        let list = if read { &mut reg.read } else { &mut reg.write };
        if list.head == NONE {
            return;
        }
        let index = list.head;
        let next = core.slots[index as usize].next;
        let step = attempt(core, ctx, index, out);
        if step == Step::Blocked {
            return;
        }
        list.head = next;
        if next == NONE {
            list.tail = NONE;
        }
        if step == Step::Notify {
            *notifying += 1;
            push(&mut reg.notif, core, index);
        }
    }
}

/// Makes slot `index`'s call (again, for a multishot one, until it would
/// block).
fn attempt(core: &mut Core, ctx: &mut Ctx<'_>, index: u32, out: &mut Vec<Completion>) -> Step {
    let free_bufs = &mut *ctx.free_bufs;
    loop {
        let slot = &mut core.slots[index as usize];
        let Some(sock) = slot.socket.as_deref() else {
            out.push(core.complete(index, Ok(0), false));
            return Step::Done;
        };
        let res = match slot.kind {
            OpKind::Accept => match sock.accept() {
                Ok((s, _)) => {
                    // Accepted sockets are non-blocking, as io_uring's.
                    let _ = s.set_blocking(false);
                    let mut c = core.complete(index, Ok(1), true);
                    c.accepted = Some(s);
                    out.push(c);
                    continue;
                }
                Err(e) => Err(e),
            },
            OpKind::Recv => {
                let buf = slot.buf.as_deref_mut().unwrap_or_default();
                sock.recv(buf)
            }
            OpKind::SendZc if ctx.edge && slot.buf.as_ref().is_some_and(|b| !b.is_empty()) => {
                let arc = slot.socket.clone().expect("checked above");
                let buf = slot.buf.as_deref().unwrap_or_default();
                match zero_copy(ctx.zc, &arc) {
                    Some(z) => match sock.send_zerocopy(None, &[IoSlice::new(buf)]) {
                        Ok(n) => {
                            // The kernel numbered this send (a call that
                            // sent nothing would not have been).
                            slot.zc_id = z.next;
                            slot.zc_len = n;
                            z.next = z.next.wrapping_add(1);
                            return Step::Notify;
                        }
                        // The socket's budget of pinned pages is used up
                        // until completions are read: this one copies.
                        Err(e) if crate::socket::is_resource_exhausted(&e) => sock.send(buf),
                        Err(e) => Err(e),
                    },
                    None => sock.send(buf),
                }
            }
            OpKind::Send | OpKind::SendZc => {
                let buf = slot.buf.as_deref().unwrap_or_default();
                sock.send(buf)
            }
            OpKind::SendMsg => {
                let buf = slot.buf.as_deref().unwrap_or_default();
                let to = slot.to_addr.then_some(&slot.addr);
                sys::sendmsg(sock.sys(), to, &[IoSlice::new(buf)], &slot.ctrl, 0)
            }
            OpKind::RecvMsg => {
                let buf = slot.buf.as_deref_mut().unwrap_or_default();
                let ctrl = &mut slot.ctrl[..];
                // SAFETY: the same bytes seen as possibly uninitialised; the
                // kernel writes only initialised bytes into them.
                let area = unsafe { &mut *(ctrl as *mut [u8] as *mut [MaybeUninit<u8>]) };
                match sys::recvmsg(sock.sys(), &mut [IoSliceMut::new(buf)], area, 0) {
                    Ok((n, from, flags, control_len)) => {
                        let mut c = core.complete(index, Ok(n), false);
                        super::finish_recv_msg(&mut c, control_len, from, flags);
                        out.push(c);
                        return Step::Done;
                    }
                    Err(e) => Err(e),
                }
            }
            OpKind::Connect => match sock.take_error() {
                Ok(None) => Ok(0),
                Ok(Some(e)) | Err(e) => Err(e),
            },
            OpKind::RecvPooled => {
                let Some(pool) = core.pool.clone() else {
                    out.push(core.complete(index, Ok(0), false));
                    return Step::Done;
                };
                if free_bufs.is_empty() {
                    pool.take_returned(|bid| free_bufs.push(bid));
                }
                let Some(bid) = free_bufs.pop() else {
                    let e = io::Error::from_raw_os_error(sys::RING_NO_BUFFERS);
                    out.push(core.complete(index, Err(e), false));
                    return Step::Done;
                };
                // SAFETY: `bid` came off the free list: no `PoolBuf` holds
                // it, and this receive is the only one filling it.
                match sock.recv(unsafe { pool.slice_mut(bid) }) {
                    Ok(n) if n > 0 => {
                        let mut c = core.complete(index, Ok(n), true);
                        c.pooled = Some(pool.lend(bid, n));
                        out.push(c);
                        continue;
                    }
                    other => {
                        free_bufs.push(bid);
                        other
                    }
                }
            }
            OpKind::Shutdown | OpKind::Close | OpKind::Timeout | OpKind::Splice => Ok(0),
        };
        match res {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Blocked,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => {
                let zc = core.slots[index as usize].kind == OpKind::SendZc;
                let mut c = core.complete(index, res, false);
                if zc {
                    c.copied = Some(true);
                }
                out.push(c);
                return Step::Done;
            }
        }
    }
}
