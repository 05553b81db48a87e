//! `splice(2)` and the pipe it moves bytes through: Linux and Android.
//! Elsewhere the same names answer `Unsupported`, naming the call and
//! the platform.

use std::io;

use libc::c_int;

use super::Socket;

/// One end of a pipe.
pub(crate) type PipeEnd = c_int;

/// A pipe for `splice`, both ends non-blocking and close-on-exec:
/// `pipe2(O_NONBLOCK | O_CLOEXEC)`. Returns (read end, write end).
#[cfg(linux_like)]
pub(crate) fn splice_pipe() -> io::Result<(PipeEnd, PipeEnd)> {
    let mut fds = [0 as c_int; 2];
    syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC))?;
    Ok((fds[0], fds[1]))
}

/// Moves up to `len` bytes from socket `s` into the pipe's write end
/// `pipe`: `splice(s, NULL, pipe, NULL, len, SPLICE_F_MOVE |
/// SPLICE_F_NONBLOCK)`. 0 is the end of the stream.
#[cfg(linux_like)]
pub(crate) fn splice_from_socket(s: Socket, pipe: PipeEnd, len: usize) -> io::Result<usize> {
    let flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK;
    syscall!(splice(
        s,
        std::ptr::null_mut(),
        pipe,
        std::ptr::null_mut(),
        len,
        flags
    ))
    .map(|n| n as usize)
}

/// Moves up to `len` bytes from the pipe's read end `pipe` to socket `s`.
#[cfg(linux_like)]
pub(crate) fn splice_to_socket(pipe: PipeEnd, s: Socket, len: usize) -> io::Result<usize> {
    let flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK;
    syscall!(splice(
        pipe,
        std::ptr::null_mut(),
        s,
        std::ptr::null_mut(),
        len,
        flags
    ))
    .map(|n| n as usize)
}

/// Closes a pipe end; an error (there is none to expect) is ignored, as
/// std ignores `close` errors on drop.
pub(crate) fn close_pipe_end(end: PipeEnd) {
    // SAFETY: `end` is a descriptor this crate opened and owns; it is
    // closed once, by the owner's drop.
    unsafe {
        libc::close(end);
    }
}

#[cfg(not(linux_like))]
fn unsupported() -> io::Error {
    crate::error::with_kind(
        io::ErrorKind::Unsupported,
        "system call",
        "splice",
        &format!("does not exist on {}", std::env::consts::OS),
    )
}

#[cfg(not(linux_like))]
pub(crate) fn splice_pipe() -> io::Result<(PipeEnd, PipeEnd)> {
    Err(unsupported())
}

#[cfg(not(linux_like))]
pub(crate) fn splice_from_socket(_s: Socket, _pipe: PipeEnd, _len: usize) -> io::Result<usize> {
    Err(unsupported())
}

#[cfg(not(linux_like))]
pub(crate) fn splice_to_socket(_pipe: PipeEnd, _s: Socket, _len: usize) -> io::Result<usize> {
    Err(unsupported())
}
