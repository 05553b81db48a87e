//! `Poller` on Linux and Android: an epoll instance, and an eventfd for
//! `notify`. The contract is the one in `mod.rs`.
//!
//! Here the kernel holds the registrations; what it cannot tell (the
//! trigger, for `modify`) is kept in an [`FdTable`]. Keys travel in the
//! event's 64-bit data; the eventfd is registered under `NOTIFY_KEY`,
//! one-shot, so that one `notify` wakes exactly one `wait`, which drains
//! the eventfd and re-arms it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

use super::fd_table::{Entry, FdTable};
use crate::sys::{Trigger, Want, NOTIFY_KEY};

/// `PollMode::Edge` is available (`EPOLLET`).
pub(crate) const EDGE_MODE: Result<(), &str> = Ok(());

/// The epoll instance and what goes with it.
#[derive(Debug)]
pub(crate) struct Selector {
    epoll: OwnedFd,
    wake: OwnedFd,
    table: FdTable,
}

/// One event as epoll reports it.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct SysEvent(libc::epoll_event);

impl std::fmt::Debug for SysEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (events, data) = (self.0.events, self.0.u64);
        f.debug_struct("SysEvent")
            .field("events", &format_args!("{events:#x}"))
            .field("data", &data)
            .finish()
    }
}

const READ_READY: u32 = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLPRI) as u32;
const WRITE_READY: u32 = libc::EPOLLOUT as u32;
const ERROR: u32 = libc::EPOLLERR as u32;
const HANGUP: u32 = (libc::EPOLLHUP | libc::EPOLLRDHUP) as u32;

impl SysEvent {
    pub(crate) fn key(&self) -> usize {
        self.0.u64 as usize
    }
    pub(crate) fn readable(&self) -> bool {
        self.0.events & (READ_READY | ERROR | libc::EPOLLHUP as u32) != 0
    }
    pub(crate) fn writable(&self) -> bool {
        self.0.events & (WRITE_READY | ERROR | libc::EPOLLHUP as u32) != 0
    }
    pub(crate) fn error(&self) -> bool {
        self.0.events & ERROR != 0
    }
    pub(crate) fn hangup(&self) -> bool {
        self.0.events & HANGUP != 0
    }
}

/// The epoll flags for a registration. `EPOLLRDHUP` with read interest so
/// that a peer's half close wakes a reader even in edge mode.
#[inline(always)]
fn flags(want: Want, trigger: Trigger) -> u32 {
    let mut f = 0;
    if want.read {
        f |= (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
    }
    if want.write {
        f |= libc::EPOLLOUT as u32;
    }
    f | match trigger {
        Trigger::Level => 0,
        Trigger::Edge => libc::EPOLLET as u32,
        Trigger::Oneshot => libc::EPOLLONESHOT as u32,
    }
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let epoll = syscall!(epoll_create1(libc::EPOLL_CLOEXEC))?;
        // SAFETY: epoll_create1 just returned this descriptor; nothing else
        // owns it.
        let epoll = unsafe { OwnedFd::from_raw_fd(epoll) };
        let wake = syscall!(eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK))?;
        // SAFETY: as above, for eventfd.
        let wake = unsafe { OwnedFd::from_raw_fd(wake) };
        let sel = Selector {
            epoll,
            wake,
            table: FdTable::new(),
        };
        sel.ctl(
            libc::EPOLL_CTL_ADD,
            sel.wake.as_raw_fd(),
            (libc::EPOLLIN | libc::EPOLLONESHOT) as u32,
            NOTIFY_KEY,
        )?;
        Ok(sel)
    }

    #[inline(always)]
    fn ctl(&self, op: libc::c_int, fd: RawFd, events: u32, key: usize) -> io::Result<()> {
        let mut ev = libc::epoll_event {
            events,
            u64: key as u64,
        };
        syscall!(epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut ev))?;
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn add(
        &self,
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Trigger,
    ) -> io::Result<()> {
        // EEXIST is AlreadyExists; a descriptor closed while registered was
        // dropped by the kernel, so its number can be added again.
        self.ctl(libc::EPOLL_CTL_ADD, fd, flags(want, trigger), key)?;
        self.table.set(fd, Entry::new(want, trigger));
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn modify(
        &self,
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Option<Trigger>,
    ) -> io::Result<()> {
        let trigger = trigger.unwrap_or_else(|| self.table.get(fd).trigger());
        // ENOENT (NotFound) when the kernel holds no registration.
        self.ctl(libc::EPOLL_CTL_MOD, fd, flags(want, trigger), key)?;
        self.table.set(fd, Entry::new(want, trigger));
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        let res = self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0);
        if res.is_ok() || self.table.get(fd).is_registered() {
            self.table.set(fd, Entry::NONE);
        }
        res
    }

    #[inline(always)]
    pub(crate) fn wait(
        &self,
        events: &mut Vec<SysEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<bool> {
        let ms = match timeout {
            None => -1,
            Some(t) => i32::try_from(crate::sys::ceil_ms(t)).unwrap_or(i32::MAX),
        };
        let cap = events.capacity().min(i32::MAX as usize);
        let n = syscall!(epoll_wait(
            self.epoll.as_raw_fd(),
            events.as_mut_ptr().cast::<libc::epoll_event>(),
            cap as libc::c_int,
            ms
        ))? as usize;
        // SAFETY: epoll_wait initialised the first `n` (at most `cap`)
        // entries; `SysEvent` is a transparent `epoll_event`.
        unsafe { events.set_len(n) };
        let mut notified = false;
        if n == 0 {
            return Ok(false);
        }
        if let Some(at) = events.iter().position(|e| e.key() == NOTIFY_KEY) {
            events.swap_remove(at);
            notified = true;
            let mut count = 0u64;
            // Draining resets the counter to 0; EAGAIN (already drained by a
            // racing wait) is fine.
            // SAFETY: reads 8 bytes into `count`, the eventfd's unit.
            let _ = syscall!(read(
                self.wake.as_raw_fd(),
                (&mut count as *mut u64).cast(),
                8
            ));
            self.ctl(
                libc::EPOLL_CTL_MOD,
                self.wake.as_raw_fd(),
                (libc::EPOLLIN | libc::EPOLLONESHOT) as u32,
                NOTIFY_KEY,
            )?;
        }
        Ok(notified)
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        let one = 1u64;
        // SAFETY: writes the 8 bytes of `one`, the eventfd's unit.
        match syscall!(write(self.wake.as_raw_fd(), (&one as *const u64).cast(), 8)) {
            Ok(_) => Ok(()),
            // The counter is at its maximum: a wake-up is pending anyway.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) => Err(e),
        }
    }
}
