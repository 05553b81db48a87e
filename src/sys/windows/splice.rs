//! `splice`: Windows has no such call (nor a kernel pipe between two
//! sockets); every name answers `Unsupported`, naming the call.

use std::io;

use super::Socket;

/// One end of a pipe (never made on Windows).
pub(crate) type PipeEnd = i32;

fn unsupported() -> io::Error {
    crate::error::with_kind(
        io::ErrorKind::Unsupported,
        "system call",
        "splice",
        "does not exist on windows",
    )
}

pub(crate) fn splice_pipe() -> io::Result<(PipeEnd, PipeEnd)> {
    Err(unsupported())
}

pub(crate) fn splice_from_socket(_s: Socket, _pipe: PipeEnd, _len: usize) -> io::Result<usize> {
    Err(unsupported())
}

pub(crate) fn splice_to_socket(_pipe: PipeEnd, _s: Socket, _len: usize) -> io::Result<usize> {
    Err(unsupported())
}

pub(crate) fn close_pipe_end(_end: PipeEnd) {}
