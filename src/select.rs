//! Readiness: `select`, `select_read` and `select_write` over any number of
//! handles with any descriptor numbers, and `connect` with a timeout.
//!
//! Nim's `select` fills a fixed `fd_set`: descriptor 1024 crashes the
//! process, higher ones fail with `EBADF`, and on Windows every handle past
//! the 64th is dropped without a word. Here the handles go into one buffer
//! sized to the input, so there is no such limit.
//!
//! On Unix the wait is [`poll(2)`]. On Windows it is [`select`] with `fd_set`s
//! allocated to the input's size (the `FD_SETSIZE` of 64 is only the size
//! of the C struct's default array; Winsock reads `fd_count` entries):
//! [`WSAPoll`] is not used because, before Windows 10 version 2004, it never
//! reported a non-blocking `connect` that failed (the socket waited for the
//! whole timeout), whereas `select` reports it in `exceptfds`, which
//! `select_write` watches beside `writefds`.
//!
//! [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
//! [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
//! [`WSAPoll`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsapoll

use std::io;
use std::time::{Duration, Instant};

use crate::error::invalid_input;
use crate::sys::{self, Direction};
use crate::types::RawSocketHandle;

/// A socket that [`select`] and [`select_write`] can wait on: anything
/// that can tell its raw OS handle.
///
/// Every type that lends its handle through `AsFd` (Unix) or `AsSocket`
/// (Windows) implements it: [`SocketHandle`](crate::SocketHandle), [`SocketRef`](crate::SocketRef),
/// std's `TcpStream`, `TcpListener`, `UdpSocket` (and on Unix `UnixStream`,
/// `UnixListener`, `UnixDatagram`), references, `Box`es and `Arc`s of all
/// of these, and other crates' sockets that implement those std traits.
/// A type that only holds a raw handle number can implement it directly;
/// a wrong number is then reported as an error by `select`, never
/// undefined behaviour.
///
/// # Examples
/// ```
/// use nativesockets::AsSocketHandle;
/// let sock = std::net::UdpSocket::bind("127.0.0.1:0")?;
/// # #[cfg(unix)]
/// assert_eq!(sock.raw_socket(), std::os::fd::AsRawFd::as_raw_fd(&sock));
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait AsSocketHandle {
    /// The raw OS handle, still owned by whoever owns `self`.
    fn raw_socket(&self) -> RawSocketHandle;
}

impl<T: sys::AsSocket + ?Sized> AsSocketHandle for T {
    #[inline]
    fn raw_socket(&self) -> RawSocketHandle {
        sys::raw_of(self) as RawSocketHandle
    }
}

/// Waits until at least one handle in `readfds` is ready to read, or the
/// timeout passes (Nim's `select`, newer Nim's `selectRead`).
///
/// On return `readfds` holds exactly the ready handles, in their original
/// relative order, and their number is returned. `timeout_ms` is in
/// milliseconds: 0 only polls, a negative value waits for as long as it
/// takes. On timeout the vector is emptied and 0 is returned; on error it
/// is left as it was.
///
/// "Ready to read" means a read will not block: data is waiting, a
/// listening socket has a connection to accept, the peer closed the
/// connection (the read returns 0) or reset it, or an error is pending
/// (the read returns it).
///
/// There is no limit on descriptor numbers or on how many handles are
/// passed beyond the OS's own: the number of handles may not exceed the
/// process's descriptor limit (`RLIMIT_NOFILE` on Linux, `OPEN_MAX` on
/// macOS). The cost is one pass over the input to build the OS's buffer,
/// the wait, and one pass to keep the ready handles; the only allocation is
/// that buffer.
///
/// Handles that are not ready are *removed* from the vector: owned handles
/// (`Vec<SocketHandle>`, `Vec<TcpStream>`) are then dropped and closed.
/// Pass references (`Vec<&SocketHandle>`, `Vec<&TcpStream>`) to keep the
/// sockets.
///
/// An empty vector has nothing to wait for: the call sleeps for the
/// timeout and returns 0, as [`select(2)`] does, so a loop over a set of
/// clients that happens to be empty does not spin. With a negative timeout
/// it would never return, so that is an `InvalidInput` error instead.
///
/// Corresponds to [`poll(2)`] with `POLLIN` on Unix (`POLLHUP` and
/// `POLLERR` count as ready too) and [`select`][winselect] with a `readfds`
/// sized to the input on Windows (see the module docs for why not
/// [`WSAPoll`]). A wait cut short by a signal (`EINTR`) resumes with the
/// time that is left, so the whole call never waits longer than the
/// timeout plus the OS's timer granularity, nor returns 0 before the
/// timeout has passed.
///
/// # Errors
/// - `InvalidInput` naming the handle when one is closed, negative, or
///   otherwise not an open descriptor (`POLLNVAL` on Unix; on Windows
///   `INVALID_SOCKET`, or a handle that is not a socket: `WSAENOTSOCK`,
///   which is returned as it is if the culprit closed in the meantime).
/// - `InvalidInput` when there are more handles than the OS accepts, and
///   for an empty vector with a negative timeout.
/// - Any other OS error (`ENOMEM`).
///
/// # Examples
/// ```
/// use nativesockets::select;
/// use std::io::Write;
/// use std::net::{TcpListener, TcpStream};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let mut a = TcpStream::connect(listener.local_addr()?)?;
/// let (a_peer, _) = listener.accept()?;
/// let b = TcpStream::connect(listener.local_addr()?)?;
/// let (b_peer, _) = listener.accept()?;
///
/// // Nothing to read yet: a zero timeout polls and empties the vector.
/// let mut ready = vec![&a_peer, &b_peer];
/// assert_eq!(select(&mut ready, 0)?, 0);
/// assert!(ready.is_empty());
///
/// a.write_all(b"hello")?;
/// let mut ready = vec![&a_peer, &b_peer];
/// assert_eq!(select(&mut ready, 1000)?, 1);
/// assert_eq!(ready[0].peer_addr()?, a.local_addr()?);
/// # drop(b);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`select(2)`]: https://man7.org/linux/man-pages/man2/select.2.html
/// [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
/// [winselect]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
/// [`WSAPoll`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsapoll
pub fn select<H: AsSocketHandle>(readfds: &mut Vec<H>, timeout_ms: i32) -> io::Result<usize> {
    wait_for(readfds, timeout_ms, Direction::Read)
}

/// The same as [`select`], under newer Nim's name `selectRead`.
pub fn select_read<H: AsSocketHandle>(readfds: &mut Vec<H>, timeout_ms: i32) -> io::Result<usize> {
    wait_for(readfds, timeout_ms, Direction::Read)
}

/// Waits until at least one handle in `writefds` is ready to write, or the
/// timeout passes (Nim's `selectWrite`).
///
/// The vector, the timeout, the count, the empty case and the errors work
/// exactly as for [`select`].
///
/// "Ready to write" means a write will not block: there is room in the
/// send buffer, or a non-blocking connect has finished, successfully or
/// not (read [`SocketHandle::take_error`](crate::SocketHandle::take_error) to tell which), or the
/// connection is broken (the write returns the error).
///
/// Corresponds to [`poll(2)`] with `POLLOUT` on Unix (`POLLHUP` and
/// `POLLERR` count as ready too, so a refused connect is reported) and
/// [`select`][winselect] with `writefds` and `exceptfds` sized to the input
/// on Windows (a failed connect shows only in `exceptfds`).
///
/// # Examples
/// ```
/// use nativesockets::{new_native_socket, select_write, Domain, Protocol, SockAddr, SockType};
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// s.set_blocking(false)?;
/// // A non-blocking connect returns at once; writability says it finished.
/// let _ = s.connect(&SockAddr::from(listener.local_addr()?));
/// let mut pending = vec![&s];
/// assert_eq!(select_write(&mut pending, 5000)?, 1);
/// assert!(s.take_error()?.is_none());
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`poll(2)`]: https://man7.org/linux/man-pages/man2/poll.2.html
/// [winselect]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
pub fn select_write<H: AsSocketHandle>(
    writefds: &mut Vec<H>,
    timeout_ms: i32,
) -> io::Result<usize> {
    wait_for(writefds, timeout_ms, Direction::Write)
}

fn wait_for<H: AsSocketHandle>(
    handles: &mut Vec<H>,
    timeout_ms: i32,
    direction: Direction,
) -> io::Result<usize> {
    let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
    if handles.is_empty() {
        // The OS calls disagree here (Winsock's select fails with
        // WSAEINVAL on empty sets), so the behaviour is made the same
        // everywhere without asking them.
        return match timeout {
            Some(t) => {
                std::thread::sleep(t);
                Ok(0)
            }
            None => Err(invalid_input(
                "timeout",
                timeout_ms,
                "is negative (wait forever) with no handles to wait on: the call would never return",
            )),
        };
    }
    let mut set = sys::PollSet::new(
        handles.iter().map(|h| h.raw_socket() as sys::Socket),
        direction,
    )?;
    if wait(&mut set, timeout)? == 0 {
        handles.clear();
        return Ok(0);
    }
    let mut ready = set.ready();
    handles.retain(|_| ready.next().unwrap_or(false));
    Ok(handles.len())
}

/// Waits on `set` until something is ready or `timeout` (`None`: forever)
/// has passed, resuming after `EINTR` with the time left. A wait that the
/// OS ends before the deadline (Windows timers may fire early, long
/// timeouts are cut to `i32::MAX` ms) is resumed too, so 0 really means
/// the whole timeout passed.
fn wait(set: &mut sys::PollSet, timeout: Option<Duration>) -> io::Result<usize> {
    // A deadline past what `Instant` can hold is as good as forever.
    let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
    loop {
        let ms = match deadline {
            Some(d) => ceil_ms(d.saturating_duration_since(Instant::now())),
            None => -1,
        };
        match set.wait(ms) {
            Ok(0) if deadline.map_or(true, |d| Instant::now() < d) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Milliseconds for the OS, rounded up so that the wait is never shorter
/// than asked, and cut to what an `int` holds.
fn ceil_ms(d: Duration) -> i32 {
    i32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX)
}

/// Waits until `socket` is writable (for `connect_timeout`: the connect
/// finished, or failed) or `timeout` passes; `false` on timeout.
pub(crate) fn wait_writable(socket: sys::Socket, timeout: Duration) -> io::Result<bool> {
    let mut set = sys::PollSet::new(std::iter::once(socket), Direction::Write)?;
    Ok(wait(&mut set, Some(timeout))? != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_round_up_and_saturate() {
        assert_eq!(ceil_ms(Duration::ZERO), 0);
        assert_eq!(ceil_ms(Duration::from_nanos(1)), 1);
        assert_eq!(ceil_ms(Duration::from_micros(1500)), 2);
        assert_eq!(ceil_ms(Duration::from_millis(7)), 7);
        assert_eq!(ceil_ms(Duration::from_secs(u64::MAX)), i32::MAX);
    }
}
