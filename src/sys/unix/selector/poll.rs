//! `Poller` where the system has neither epoll nor kqueue (and on any Unix
//! built with `--cfg nativesockets_poll_backend`, which is how CI tests it
//! on Linux): the registrations live here, and each `wait` is one
//! `poll(2)` over all of them, so its cost grows with their number, as
//! `select`'s does. The contract is the one in `mod.rs`.
//!
//! A self-pipe is the first entry of every `poll`: `notify` writes to it,
//! and so does a change of the registrations while a `wait` is polling,
//! so that the waiter starts again with the new set (the `notified` flag
//! tells the two apart). Edge triggering cannot be built on `poll(2)`
//! (nothing says when readiness changed), so `PollMode::Edge` is
//! `Unsupported` here.
//!
//! One thread polls at a time (a second `wait` waits for the first). The
//! `pollfd` array is rebuilt only when the registrations changed; it grows
//! (allocates) in `wait` only when there are more registrations than at
//! any earlier `wait`.

use std::collections::HashMap;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::wake_pipe::WakePipe;
use crate::sys::{already_registered, lock, not_registered, Trigger, Want};

/// `PollMode::Edge` is not available, and why (`poller.rs` refuses it).
pub(crate) const EDGE_MODE: Result<(), &str> =
    Err("the poll(2) backend cannot tell when readiness changes");

#[derive(Debug, Clone, Copy)]
struct Reg {
    key: usize,
    want: Want,
    trigger: Trigger,
    /// False once a one-shot registration has fired.
    armed: bool,
}

#[derive(Debug, Default)]
struct State {
    regs: HashMap<RawFd, Reg>,
    /// Bumped on every change, so that `wait` knows to rebuild.
    version: u64,
    /// A `wait` is inside `poll(2)` with the set of `polled_version`.
    polling: bool,
}

#[derive(Debug)]
struct PollBuf {
    fds: Vec<libc::pollfd>,
    version: u64,
    /// Where the next scan of the ready entries starts, so that when more
    /// are ready than `Events` holds, the rest get their turn next time.
    start: usize,
}

#[derive(Debug)]
pub(crate) struct Selector {
    state: Mutex<State>,
    waiter: Mutex<PollBuf>,
    wake: WakePipe,
    notified: AtomicBool,
}

/// One ready registration.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SysEvent {
    key: usize,
    revents: libc::c_short,
}

const ERROR: libc::c_short = libc::POLLERR | libc::POLLNVAL;
/// Linux and Android say when the peer closed its side; other systems only
/// that there is something to read (the read returns 0).
#[cfg(linux_like)]
const RDHUP: libc::c_short = libc::POLLRDHUP;
#[cfg(not(linux_like))]
const RDHUP: libc::c_short = 0;

impl SysEvent {
    pub(crate) fn key(&self) -> usize {
        self.key
    }
    pub(crate) fn readable(&self) -> bool {
        self.revents & (libc::POLLIN | libc::POLLPRI | RDHUP | libc::POLLHUP | ERROR) != 0
    }
    pub(crate) fn writable(&self) -> bool {
        self.revents & (libc::POLLOUT | libc::POLLHUP | ERROR) != 0
    }
    pub(crate) fn error(&self) -> bool {
        self.revents & ERROR != 0
    }
    pub(crate) fn hangup(&self) -> bool {
        self.revents & (libc::POLLHUP | RDHUP) != 0
    }
}

impl Selector {
    pub(crate) fn new() -> io::Result<Selector> {
        Ok(Selector {
            state: Mutex::new(State::default()),
            waiter: Mutex::new(PollBuf {
                fds: Vec::new(),
                version: u64::MAX,
                start: 0,
            }),
            wake: WakePipe::new()?,
            notified: AtomicBool::new(false),
        })
    }

    /// Records a change; wakes a polling `wait` so that it sees it.
    fn changed(&self, mut st: MutexGuard<'_, State>) -> io::Result<()> {
        st.version = st.version.wrapping_add(1);
        let polling = st.polling;
        drop(st);
        if polling {
            self.wake.wake()?;
        }
        Ok(())
    }

    pub(crate) fn add(
        &self,
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Trigger,
    ) -> io::Result<()> {
        // poll(2) would only say POLLNVAL later; fail now, as epoll does.
        syscall!(fcntl(fd, libc::F_GETFD))?;
        let mut st = lock(&self.state);
        if st.regs.contains_key(&fd) {
            return Err(already_registered(fd));
        }
        st.regs.insert(
            fd,
            Reg {
                key,
                want,
                trigger,
                armed: true,
            },
        );
        self.changed(st)
    }

    pub(crate) fn modify(
        &self,
        fd: RawFd,
        key: usize,
        want: Want,
        trigger: Option<Trigger>,
    ) -> io::Result<()> {
        let mut st = lock(&self.state);
        let Some(reg) = st.regs.get_mut(&fd) else {
            return Err(not_registered(fd));
        };
        *reg = Reg {
            key,
            want,
            trigger: trigger.unwrap_or(reg.trigger),
            armed: true,
        };
        self.changed(st)
    }

    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        let mut st = lock(&self.state);
        if st.regs.remove(&fd).is_none() {
            return Err(not_registered(fd));
        }
        self.changed(st)
    }

    pub(crate) fn wait(
        &self,
        events: &mut Vec<SysEvent>,
        timeout: Option<Duration>,
    ) -> io::Result<bool> {
        let mut buf = lock(&self.waiter);
        let buf = &mut *buf;
        {
            let mut st = lock(&self.state);
            if buf.version != st.version {
                buf.fds.clear();
                buf.fds.push(libc::pollfd {
                    fd: self.wake.read_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
                buf.fds
                    .extend(
                        st.regs
                            .iter()
                            .filter(|(_, r)| r.armed)
                            .map(|(&fd, r)| libc::pollfd {
                                fd,
                                events: (if r.want.read { libc::POLLIN | RDHUP } else { 0 })
                                    | (if r.want.write { libc::POLLOUT } else { 0 }),
                                revents: 0,
                            }),
                    );
                buf.version = st.version;
            }
            st.polling = true;
        }
        let ms = match timeout {
            None => -1,
            Some(t) => i32::try_from(crate::sys::ceil_ms(t)).unwrap_or(i32::MAX),
        };
        let res = syscall!(poll(
            buf.fds.as_mut_ptr(),
            buf.fds.len() as libc::nfds_t,
            ms
        ));
        let mut st = lock(&self.state);
        st.polling = false;
        let n = res? as usize;
        let mut notified = false;
        if n > 0 && buf.fds[0].revents != 0 {
            self.wake.drain();
            notified = self.notified.swap(false, Ordering::AcqRel);
        }
        let mut disarmed = false;
        let regs = &buf.fds[1..];
        let start = buf.start.min(regs.len());
        let (before, after) = regs.split_at(start);
        for (i, pfd) in after.iter().chain(before).enumerate() {
            if pfd.revents == 0 {
                continue;
            }
            if events.len() == events.capacity() {
                buf.start = (start + i) % regs.len();
                break;
            }
            // Deleted or changed while polling: report by the current
            // registration, or not at all.
            let Some(reg) = st.regs.get_mut(&pfd.fd) else {
                continue;
            };
            if !reg.armed {
                continue;
            }
            let mut wanted = libc::POLLHUP | ERROR;
            if reg.want.read {
                wanted |= libc::POLLIN | libc::POLLPRI | RDHUP;
            }
            if reg.want.write {
                wanted |= libc::POLLOUT;
            }
            let revents = pfd.revents & wanted;
            if revents == 0 {
                continue;
            }
            if reg.trigger == Trigger::Oneshot {
                reg.armed = false;
                disarmed = true;
            }
            events.push(SysEvent {
                key: reg.key,
                revents,
            });
        }
        if disarmed {
            st.version = st.version.wrapping_add(1);
        }
        Ok(notified)
    }

    pub(crate) fn notify(&self) -> io::Result<()> {
        if !self.notified.swap(true, Ordering::AcqRel) {
            self.wake.wake()?;
        }
        Ok(())
    }
}
