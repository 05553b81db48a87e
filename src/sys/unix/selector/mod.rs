//! `Poller`'s `Selector` on Unix, one file per mechanism, of which
//! `build.rs` picks one (`cfg` sets `epoll`, `kqueue`, `poll_backend`):
//!
//! - `epoll.rs`: Linux and Android;
//! - `kqueue.rs`: macOS, iOS and the BSDs;
//! - `poll.rs`: `poll(2)`, on any other Unix, and on every Unix built with
//!   `--cfg nativesockets_poll_backend`;
//! - `fd_table.rs`: the lock-free per-descriptor record of registrations
//!   that the epoll and kqueue backends keep beside the kernel's;
//! - `wake_pipe.rs`: the self-pipe with which the `poll(2)` backend, and
//!   kqueue where it has no `EVFILT_USER`, wake a waiting thread.
//!
//! The contract every backend's `Selector` keeps (`sys/windows/selector/`
//! exports the same names; `poller.rs` calls them with no `cfg`):
//!
//! - `add` fails with `AlreadyExists` when the socket is registered,
//!   `modify` and `delete` with `NotFound` when it is not, and each with
//!   the OS's error for a handle that is not an open socket.
//! - `modify(.., None)` keeps the registration's trigger.
//! - `wait` makes ONE OS wait, fills `events` (cleared by the caller) up to
//!   its capacity without allocating, and returns whether a `notify` was
//!   used up by it; `Interrupted` when a signal cut it short (the caller
//!   resumes with the time left). The notify wake-up never appears in
//!   `events`.
//! - `SysEvent` answers `key`, `readable`, `writable`, `error`, `hangup`:
//!   a registration's own interest only, except that an error or a
//!   hang-up shows as both readable and writable.
//! - `EDGE_MODE` is `Ok(())` where `PollMode::Edge` works, or says why
//!   not (`poller.rs` refuses it with that text).

#[cfg(any(epoll, kqueue))]
mod fd_table;

#[cfg(epoll)]
mod epoll;
#[cfg(epoll)]
pub(crate) use self::epoll::{Selector, SysEvent, EDGE_MODE};
#[cfg(kqueue)]
mod kqueue;
#[cfg(kqueue)]
pub(crate) use self::kqueue::{Selector, SysEvent, EDGE_MODE};
#[cfg(poll_backend)]
mod poll;
#[cfg(poll_backend)]
pub(crate) use self::poll::{Selector, SysEvent, EDGE_MODE};

#[cfg(any(poll_backend, all(kqueue, not(kqueue_user))))]
mod wake_pipe;
