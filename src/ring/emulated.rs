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

use std::collections::HashMap;
use std::io::{self, IoSlice, IoSliceMut};
use std::mem::{self, MaybeUninit};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Completion, Core, OpKind, NONE};
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
    /// What the poller watches for it (level-triggered pollers only).
    interest: Interest,
}

impl Reg {
    fn wanted(&self) -> Option<Interest> {
        match (self.read.is_empty(), self.write.is_empty()) {
            (false, false) => Some(Interest::BOTH),
            (false, true) => Some(Interest::READABLE),
            (true, false) => Some(Interest::WRITABLE),
            (true, true) => None,
        }
    }
}

pub(super) struct Emulated {
    poller: Arc<Poller>,
    events: Events,
    regs: HashMap<RawSocketHandle, Reg>,
    /// Slots of timeouts.
    timers: Vec<u32>,
    /// The pool's free buffers.
    free_bufs: Vec<u16>,
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
            OpKind::Close => {
                let res = match slot.owned.take() {
                    Some(s) => s.close().map(|()| 0),
                    None => Ok(0),
                };
                let c = core.complete(index, res, false);
                core.backlog.push(c);
                return Ok(());
            }
            OpKind::Shutdown => {
                let how = slot.how;
                let res = match &slot.socket {
                    Some(s) => s.shutdown(how).map(|()| 0),
                    None => Ok(0),
                };
                let c = core.complete(index, res, false);
                core.backlog.push(c);
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
            let pending = attempt(core, &mut self.free_bufs, index, &mut backlog);
            core.backlog = backlog;
            if !pending {
                return Ok(());
            }
        }
        self.park(core, index, sock)
    }

    /// Puts slot `index` at the end of its socket's list, registering the
    /// socket (or widening what the poller watches) as needed.
    fn park(&mut self, core: &mut Core, index: u32, sock: Arc<SocketHandle>) -> io::Result<()> {
        let raw = sock.as_raw();
        let read = reads(core.slots[index as usize].kind);
        let fresh = !self.regs.contains_key(&raw);
        let reg = self.regs.entry(raw).or_insert_with(|| Reg {
            sock,
            read: List::EMPTY,
            write: List::EMPTY,
            interest: Interest::READABLE,
        });
        let list = if read { &mut reg.read } else { &mut reg.write };
        if list.tail == NONE {
            list.head = index;
        } else {
            core.slots[list.tail as usize].next = index;
        }
        list.tail = index;
        core.slots[index as usize].next = NONE;
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
            edge,
            ..
        } = self;
        for ev in events.iter() {
            run_event(poller, *edge, regs, free_bufs, core, ev, out);
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

/// Runs what waits on the socket `ev` reports.
fn run_event(
    poller: &Poller,
    edge: bool,
    regs: &mut HashMap<RawSocketHandle, Reg>,
    free_bufs: &mut Vec<u16>,
    core: &mut Core,
    ev: Event,
    out: &mut Vec<Completion>,
) {
    let raw = ev.key as RawSocketHandle;
    let Some(reg) = regs.get_mut(&raw) else {
        return;
    };
    let trouble = ev.error || ev.hangup;
    if ev.readable || trouble {
        run_list(&mut reg.read, core, free_bufs, out);
    }
    if ev.writable || trouble {
        run_list(&mut reg.write, core, free_bufs, out);
    }
    settle(poller, edge, regs, raw);
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

/// Runs a list's operations in order until one would block.
fn run_list(list: &mut List, core: &mut Core, free_bufs: &mut Vec<u16>, out: &mut Vec<Completion>) {
    while list.head != NONE {
        let index = list.head;
        let next = core.slots[index as usize].next;
        if attempt(core, free_bufs, index, out) {
            return;
        }
        list.head = next;
        if next == NONE {
            list.tail = NONE;
        }
    }
}

/// Makes slot `index`'s call (again, for a multishot one, until it would
/// block); `true` while the operation waits on.
fn attempt(
    core: &mut Core,
    free_bufs: &mut Vec<u16>,
    index: u32,
    out: &mut Vec<Completion>,
) -> bool {
    loop {
        let slot = &mut core.slots[index as usize];
        let Some(sock) = slot.socket.as_deref() else {
            out.push(core.complete(index, Ok(0), false));
            return false;
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
                        return false;
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
                    return false;
                };
                if free_bufs.is_empty() {
                    pool.take_returned(|bid| free_bufs.push(bid));
                }
                let Some(bid) = free_bufs.pop() else {
                    let e = io::Error::from_raw_os_error(sys::RING_NO_BUFFERS);
                    out.push(core.complete(index, Err(e), false));
                    return false;
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
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            res => {
                let zc = core.slots[index as usize].kind == OpKind::SendZc;
                let mut c = core.complete(index, res, false);
                if zc {
                    c.copied = Some(true);
                }
                out.push(c);
                return false;
            }
        }
    }
}
