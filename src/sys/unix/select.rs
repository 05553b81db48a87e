//! Readiness for `select`: the handles of one call in a `pollfd` array
//! for `poll(2)`, which has no `FD_SETSIZE` limit on descriptor numbers or
//! count.
//!
//! The contract every platform's `PollSet` keeps (`sys/windows/select.rs`
//! mirrors these names; `select.rs` calls them with no `cfg`):
//!
//! - `PollSet::new(sockets, direction)` copies the handles into ONE buffer
//!   sized to the input: the only allocation of a `select` call. A handle
//!   that can never be valid (a negative descriptor here, `INVALID_SOCKET`
//!   on Windows) is `InvalidInput` naming it, because the OS would skip it
//!   silently instead of failing.
//! - `PollSet::wait(timeout_ms)` makes ONE OS wait: a negative timeout
//!   waits forever, 0 only polls. It returns how many handles are ready (0
//!   on timeout), `ErrorKind::Interrupted` when a signal cut the wait short
//!   (`select.rs` then calls it again with the time left, so it must be
//!   callable again), and an error naming the handle when one is closed or
//!   not a socket: never a hang, never a silent drop.
//! - `PollSet::ready()` then yields, for each input handle in input order,
//!   whether it is ready. Read: data, a pending connection, end of stream,
//!   a reset or any pending error. Write: room to send, a finished
//!   connect, and any error or hang-up, so that a failed non-blocking
//!   connect is reported as ready (its error is in `SO_ERROR`).

use std::io;
use std::os::raw::c_int;

use super::Socket;
use crate::error::invalid_input;
use crate::sys::Direction;

/// The handles of one `select` call.
pub(crate) struct PollSet {
    fds: Vec<libc::pollfd>,
}

impl PollSet {
    /// One `pollfd` per socket, asking for `POLLIN` or `POLLOUT`.
    pub(crate) fn new(
        sockets: impl ExactSizeIterator<Item = Socket>,
        direction: Direction,
    ) -> io::Result<PollSet> {
        let events = match direction {
            Direction::Read => libc::POLLIN,
            Direction::Write => libc::POLLOUT,
        };
        // One pass that the compiler can turn into a tight fill, then a
        // separate check: a `push` with a test per handle costs more.
        let fds: Vec<libc::pollfd> = sockets
            .map(|fd| libc::pollfd {
                fd,
                events,
                revents: 0,
            })
            .collect();
        // poll(2) skips negative descriptors without a word.
        if let Some(bad) = fds.iter().find(|p| p.fd < 0) {
            return Err(invalid_input(
                "socket handle",
                bad.fd,
                "is negative, not an open descriptor",
            ));
        }
        Ok(PollSet { fds })
    }

    /// One `poll(2)`. `POLLNVAL` on any descriptor (closed, or never
    /// opened) is `InvalidInput` naming it; `EINVAL` from the kernel means
    /// more descriptors than `RLIMIT_NOFILE` (Linux) or `OPEN_MAX` (macOS)
    /// allows, and says so.
    pub(crate) fn wait(&mut self, timeout_ms: c_int) -> io::Result<usize> {
        let n = match syscall!(poll(
            self.fds.as_mut_ptr(),
            self.fds.len() as libc::nfds_t,
            timeout_ms
        )) {
            Ok(n) => n as usize,
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                return Err(invalid_input(
                    "handle count",
                    self.fds.len(),
                    "is more than poll(2) accepts (the process's descriptor limit, \
                     RLIMIT_NOFILE)",
                ));
            }
            Err(e) => return Err(e),
        };
        // `n` counts the entries with any `revents`, POLLNVAL ones included,
        // so the scan can stop at the last of them.
        let mut left = n;
        for pfd in &self.fds {
            if left == 0 {
                break;
            }
            if pfd.revents != 0 {
                if pfd.revents & libc::POLLNVAL != 0 {
                    return Err(invalid_input(
                        "socket handle",
                        pfd.fd,
                        "is not an open descriptor (poll reported POLLNVAL)",
                    ));
                }
                left -= 1;
            }
        }
        Ok(n)
    }

    /// Readiness of each handle, in input order, after [`wait`](Self::wait).
    /// `POLLHUP` and `POLLERR` count for both interests: a reset or closed
    /// peer must wake a reader, and a failed connect a writer.
    pub(crate) fn ready(&self) -> impl Iterator<Item = bool> + '_ {
        self.fds
            .iter()
            .map(|pfd| pfd.revents & (pfd.events | libc::POLLHUP | libc::POLLERR) != 0)
    }
}
