//! Readiness for `select`: the twin of `sys/unix/select.rs`, with the same
//! contract (see the comment there), built on Winsock's `select` rather
//! than `WSAPoll`: before Windows 10 version 2004, `WSAPoll` never
//! reported a non-blocking `connect` that failed (the wait ran to its
//! timeout), while `select` reports it in `exceptfds`. Winsock's `fd_set`
//! is a count followed by an array that `select` reads `fd_count` entries
//! of: `FD_SETSIZE` (64) is only the size of the C struct's default array,
//! so sets allocated to the input's size have no limit on how many handles
//! they carry.

use std::io;
use std::mem;
use std::os::raw::c_int;
use std::ptr;

use windows_sys::Win32::Networking::WinSock as ws;

use super::{getsockopt, Socket, INVALID_SOCKET, SOL_SOCKET, SO_TYPE};
use crate::error::invalid_input;
use crate::sys::Direction;

/// The handles of one `select` call: ONE buffer, in three parts, each
/// `width` words long: the input handles (kept, since `select` rewrites its
/// sets and a resumed wait must start again from the input), then the
/// primary set (`readfds` or `writefds`), then `exceptfds` (where failed
/// connects, and out-of-band data, are reported).
pub(crate) struct PollSet {
    buf: Vec<Socket>,
    len: usize,
    width: usize,
    direction: Direction,
}

/// Where `fd_array` begins in an `FD_SET`, in `SOCKET`-sized words: the
/// `u_int` count is padded to one word on both 32- and 64-bit Windows.
const FD_ARRAY_WORD: usize = mem::offset_of!(ws::FD_SET, fd_array) / mem::size_of::<Socket>();
const _: () = assert!(mem::offset_of!(ws::FD_SET, fd_array) == mem::size_of::<Socket>());

impl PollSet {
    pub(crate) fn new(
        sockets: impl ExactSizeIterator<Item = Socket>,
        direction: Direction,
    ) -> io::Result<PollSet> {
        let len = sockets.len();
        // Never smaller than the C struct, in case an implementation
        // copies `sizeof(fd_set)` bytes rather than `fd_count` entries.
        let width = FD_ARRAY_WORD + len.max(ws::FD_SETSIZE as usize);
        let mut buf = Vec::with_capacity(3 * width);
        for s in sockets {
            // Winsock's select fails on INVALID_SOCKET without saying which
            // entry it was; name it here.
            if s == INVALID_SOCKET {
                return Err(invalid_input(
                    "socket handle",
                    s,
                    "is INVALID_SOCKET, not an open socket",
                ));
            }
            buf.push(s);
        }
        buf.resize(3 * width, 0);
        Ok(PollSet {
            buf,
            len,
            width,
            direction,
        })
    }

    /// A pointer to the set that starts at word `at` of the buffer.
    fn set(&mut self, at: usize) -> *mut ws::FD_SET {
        self.buf[at..].as_mut_ptr().cast()
    }

    /// The handles a finished `select` left in the set at word `at`.
    fn ready_in(&self, at: usize) -> &[Socket] {
        // SAFETY: the set was filled by `select`, which leaves at most the
        // `len` handles it was given; `fd_count` is the first field.
        let count = unsafe { (*self.buf[at..].as_ptr().cast::<ws::FD_SET>()).fd_count } as usize;
        &self.buf[at + FD_ARRAY_WORD..at + FD_ARRAY_WORD + count.min(self.len)]
    }

    /// One `select`. A negative timeout waits forever (a null `timeval`).
    /// A handle that is closed or not a socket makes Winsock fail the whole
    /// call with `WSAENOTSOCK`; each handle is then asked for its type to
    /// name the culprit (only on that error path).
    pub(crate) fn wait(&mut self, timeout_ms: c_int) -> io::Result<usize> {
        let (len, width) = (self.len, self.width);
        let (input, sets) = self.buf.split_at_mut(width);
        for set in sets.chunks_exact_mut(width) {
            set[0] = len as Socket;
            set[FD_ARRAY_WORD..FD_ARRAY_WORD + len].copy_from_slice(&input[..len]);
        }
        let tv = ws::TIMEVAL {
            tv_sec: timeout_ms / 1000,
            tv_usec: (timeout_ms % 1000) * 1000,
        };
        let tv_ptr = if timeout_ms < 0 { ptr::null() } else { &tv };
        let primary = self.set(width);
        let except = self.set(2 * width);
        let (readfds, writefds) = match self.direction {
            Direction::Read => (primary, ptr::null_mut()),
            Direction::Write => (ptr::null_mut(), primary),
        };
        // The first argument is ignored by Winsock (kept for Berkeley
        // compatibility).
        let res = syscall!(select(0, readfds, writefds, except, tv_ptr));
        let n = match res {
            Ok(n) => n,
            Err(e) if e.raw_os_error() == Some(ws::WSAENOTSOCK) => return Err(self.culprit(e)),
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(0);
        }
        // `ready` looks handles up by binary search, and a handle in both
        // sets counts once.
        for at in [width, 2 * width] {
            let count = self.ready_in(at).len();
            self.buf[at + FD_ARRAY_WORD..at + FD_ARRAY_WORD + count].sort_unstable();
        }
        let (primary, except) = (self.ready_in(width), self.ready_in(2 * width));
        Ok(primary.len()
            + except
                .iter()
                .filter(|s| primary.binary_search(s).is_err())
                .count())
    }

    /// The first input handle that is not an open socket, named, or `err`
    /// when every handle answers (it closed in between).
    fn culprit(&self, err: io::Error) -> io::Error {
        self.buf[..self.len]
            .iter()
            .find(|&&s| getsockopt::<c_int>(s, SOL_SOCKET, SO_TYPE).is_err())
            .map_or(err, |&s| {
                invalid_input(
                    "socket handle",
                    s,
                    "is not an open socket (select failed with WSAENOTSOCK)",
                )
            })
    }

    /// Readiness of each input handle, in input order, after `wait`:
    /// ready when it is in the primary set or in `exceptfds` (a failed
    /// connect, for both interests, as `POLLERR` counts on Unix).
    pub(crate) fn ready(&self) -> impl Iterator<Item = bool> + '_ {
        let primary = self.ready_in(self.width);
        let except = self.ready_in(2 * self.width);
        self.buf[..self.len]
            .iter()
            .map(move |s| primary.binary_search(s).is_ok() || except.binary_search(s).is_ok())
    }
}
