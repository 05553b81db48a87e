//! `Poller` on macOS, iOS and the BSDs: a kqueue, with one `EVFILT_READ`
//! and one `EVFILT_WRITE` filter per socket as its interest asks, and an
//! `EVFILT_USER` event for `notify` (a pipe on OpenBSD and NetBSD, whose
//! `EVFILT_USER` is recent or missing). The contract is the one in
//! `mod.rs`.
//!
//! kqueue's `EV_ADD` on a registered socket silently updates it, so the
//! `AlreadyExists` and `NotFound` checks are made on the [`FdTable`],
//! which also keeps each registration's interest (for `delete`) and mode
//! (for `modify`). Changes are sent with `EV_RECEIPT`, so that each one's
//! error comes back on its own; `ENOENT` from deleting a filter that a
//! one-shot event already removed is not an error.
//!
//! The two directions are separate filters: a socket ready both ways is
//! two events (same key), and with `Oneshot` each filter fires once.

use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;
#[cfg(not(kqueue_user))]
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::fd_table::{Entry, FdTable};
#[cfg(not(kqueue_user))]
use super::wake_pipe::WakePipe;
use crate::sys::{already_registered, not_registered, Trigger, Want, NOTIFY_KEY};

/// `PollMode::Edge` is available (`EV_CLEAR`).
pub(crate) const EDGE_MODE: Result<(), &str> = Ok(());

#[derive(Debug)]
pub(crate) struct Selector {
    kq: OwnedFd,
    table: FdTable,
    /// The self-pipe, where there is no EVFILT_USER.
    #[cfg(not(kqueue_user))]
    wake: WakePipe,
    #[cfg(not(kqueue_user))]
    notified: AtomicBool,
}

/// One event as kqueue reports it.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub(crate) struct SysEvent(libc::kevent);

// SAFETY: the only pointer in a kevent is `udata`, which here carries a key
// number and is never dereferenced.
unsafe impl Send for SysEvent {}
// SAFETY: as above.
unsafe impl Sync for SysEvent {}

impl std::fmt::Debug for SysEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Copied out first: Apple's kevent is packed.
        let (ident, filter, flags, fflags) =
            (self.0.ident, self.0.filter, self.0.flags, self.0.fflags);
        f.debug_struct("SysEvent")
            .field("ident", &ident)
            .field("filter", &filter)
            .field("flags", &flags)
            .field("fflags", &fflags)
            .field("udata", &(self.0.udata as usize))
            .finish()
    }
}

impl SysEvent {
    pub(crate) fn key(&self) -> usize {
        self.0.udata as usize
    }
    pub(crate) fn readable(&self) -> bool {
        self.0.filter == libc::EVFILT_READ || self.error()
    }
    pub(crate) fn writable(&self) -> bool {
        self.0.filter == libc::EVFILT_WRITE || self.error()
    }
    /// `EV_EOF` with a socket error in `fflags` (a reset, a refused
    /// connect), or `EV_ERROR`.
    pub(crate) fn error(&self) -> bool {
        (self.0.flags & libc::EV_EOF != 0 && self.0.fflags != 0)
            || self.0.flags & libc::EV_ERROR != 0
    }
    pub(crate) fn hangup(&self) -> bool {
        self.0.flags & libc::EV_EOF != 0
    }
}

/// A change for `fd`'s `filter`.
fn change(ident: usize, filter: i32, flags: u32, key: usize) -> libc::kevent {
    // SAFETY: every field of kevent is an integer or a raw pointer, for
    // which all-zero bytes are valid (null).
    let mut k: libc::kevent = unsafe { mem::zeroed() };
    k.ident = ident as _;
    k.filter = filter as _;
    k.flags = flags as _;
    k.udata = key as _;
    k
}

fn mode_flags(trigger: Trigger) -> u32 {
    match trigger {
        Trigger::Level => 0,
        Trigger::Edge => libc::EV_CLEAR as u32,
        Trigger::Oneshot => libc::EV_ONESHOT as u32,
    }
}

const READ: i32 = libc::EVFILT_READ as i32;
const WRITE: i32 = libc::EVFILT_WRITE as i32;
const ADD: u32 = (libc::EV_ADD | libc::EV_RECEIPT) as u32;
const DELETE: u32 = (libc::EV_DELETE | libc::EV_RECEIPT) as u32;

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        let kq = syscall!(kqueue())?;
        // SAFETY: kqueue just returned this descriptor; nothing else owns it.
        let kq = unsafe { OwnedFd::from_raw_fd(kq) };
        syscall!(fcntl(kq.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC))?;
        #[cfg(kqueue_user)]
        let sel = Selector {
            kq,
            table: FdTable::new(),
        };
        #[cfg(kqueue_user)]
        sel.apply(&mut [change(
            0,
            libc::EVFILT_USER as i32,
            ADD | libc::EV_CLEAR as u32,
            NOTIFY_KEY,
        )])?;
        #[cfg(not(kqueue_user))]
        let sel = {
            let sel = Selector {
                kq,
                table: FdTable::new(),
                wake: WakePipe::new()?,
                notified: AtomicBool::new(false),
            };
            sel.apply(&mut [change(sel.wake.read_fd() as usize, READ, ADD, NOTIFY_KEY)])?;
            sel
        };
        Ok(sel)
    }

    /// Sends `changes` (each with `EV_RECEIPT`) and returns the first
    /// error among their receipts, ignoring `ENOENT` (a filter to delete
    /// that a one-shot event or a close already removed).
    fn apply(&self, changes: &mut [libc::kevent]) -> io::Result<()> {
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let n = syscall!(kevent(
            self.kq.as_raw_fd(),
            changes.as_ptr(),
            changes.len() as _,
            changes.as_mut_ptr(),
            changes.len() as _,
            &zero
        ))? as usize;
        for k in &changes[..n.min(changes.len())] {
            if k.flags & libc::EV_ERROR != 0 && k.data != 0 && k.data != libc::ENOENT as _ {
                return Err(io::Error::from_raw_os_error(k.data as i32));
            }
        }
        Ok(())
    }

    /// The changes that set `fd`'s filters to `want` under `key`, after
    /// deleting whatever was there (so that a mode change takes effect
    /// everywhere): up to four entries of `buf`, returned as a slice.
    fn set_filters(
        buf: &mut [libc::kevent; 4],
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Trigger,
        delete_first: Want,
    ) -> &mut [libc::kevent] {
        let mut n = 0;
        let ident = fd as usize;
        for (on, filter) in [(delete_first.read, READ), (delete_first.write, WRITE)] {
            if on {
                buf[n] = change(ident, filter, DELETE, 0);
                n += 1;
            }
        }
        for (on, filter) in [(want.read, READ), (want.write, WRITE)] {
            if on {
                buf[n] = change(ident, filter, ADD | mode_flags(trigger), key);
                n += 1;
            }
        }
        &mut buf[..n]
    }

    pub(crate) fn add(
        &self,
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Trigger,
    ) -> io::Result<()> {
        // An open descriptor first (EBADF otherwise), so that the table
        // never grows a page for a number that cannot be open.
        syscall!(fcntl(fd, libc::F_GETFD))?;
        if !self.table.insert_new(fd, Entry::new(want, trigger)) {
            return Err(already_registered(fd));
        }
        // SAFETY: all-zero kevents are valid (see `change`).
        let mut buf: [libc::kevent; 4] = unsafe { mem::zeroed() };
        let none = Want {
            read: false,
            write: false,
        };
        let res = self.apply(Self::set_filters(&mut buf, fd, key, want, trigger, none));
        if let Err(e) = res {
            // Undo: whichever filter did get added, and the table entry.
            // SAFETY: all-zero kevents are valid (see `change`).
            let mut undo: [libc::kevent; 4] = unsafe { mem::zeroed() };
            let _ = self.apply(Self::set_filters(&mut undo, fd, key, none, trigger, want));
            self.table.take(fd);
            return Err(e);
        }
        Ok(())
    }

    pub(crate) fn modify(
        &self,
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Option<Trigger>,
    ) -> io::Result<()> {
        let old = self.table.get(fd);
        if !old.is_registered() {
            return Err(not_registered(fd));
        }
        let trigger = trigger.unwrap_or(old.trigger());
        // SAFETY: all-zero kevents are valid (see `change`).
        let mut buf: [libc::kevent; 4] = unsafe { mem::zeroed() };
        self.apply(Self::set_filters(
            &mut buf,
            fd,
            key,
            want,
            trigger,
            old.want(),
        ))?;
        self.table.set(fd, Entry::new(want, trigger));
        Ok(())
    }

    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        let old = self.table.take(fd);
        if !old.is_registered() {
            return Err(not_registered(fd));
        }
        // SAFETY: all-zero kevents are valid (see `change`).
        let mut buf: [libc::kevent; 4] = unsafe { mem::zeroed() };
        let none = Want {
            read: false,
            write: false,
        };
        match self.apply(Self::set_filters(
            &mut buf,
            fd,
            0,
            none,
            old.trigger(),
            old.want(),
        )) {
            // Closed while registered: the kernel dropped the filters.
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => Ok(()),
            other => other,
        }
    }

    pub(crate) fn wait(
        &self,
        events: &mut Vec<SysEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<bool> {
        let ts = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
            tv_nsec: t.subsec_nanos() as _,
        });
        let cap = events.capacity().min(libc::c_int::MAX as usize);
        let n = syscall!(kevent(
            self.kq.as_raw_fd(),
            ptr::null(),
            0,
            events.as_mut_ptr().cast::<libc::kevent>(),
            cap as _,
            ts.as_ref()
                .map_or(ptr::null(), |t| t as *const libc::timespec)
        ))? as usize;
        // SAFETY: kevent initialised the first `n` (at most `cap`) entries;
        // `SysEvent` is a transparent `kevent`.
        unsafe { events.set_len(n) };
        let mut notified = false;
        if let Some(at) = events.iter().position(|e| e.key() == NOTIFY_KEY) {
            events.swap_remove(at);
            notified = self.consume_wake();
        }
        Ok(notified)
    }

    #[cfg(kqueue_user)]
    fn consume_wake(&self) -> bool {
        // EV_CLEAR reset the user event when it was delivered.
        true
    }

    #[cfg(not(kqueue_user))]
    fn consume_wake(&self) -> bool {
        self.wake.drain();
        self.notified.swap(false, Ordering::AcqRel)
    }

    #[cfg(kqueue_user)]
    pub(crate) fn notify(&self) -> io::Result<()> {
        let mut k = change(
            0,
            libc::EVFILT_USER as i32,
            libc::EV_RECEIPT as u32,
            NOTIFY_KEY,
        );
        k.fflags = libc::NOTE_TRIGGER;
        self.apply(&mut [k])
    }

    #[cfg(not(kqueue_user))]
    pub(crate) fn notify(&self) -> io::Result<()> {
        if self.notified.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        self.wake.wake()
    }
}
