//! Moving a stream's bytes from one socket to another without copying
//! them through user space: a [`SplicePipe`] in the kernel between the
//! two, filled from one socket and drained into the other with
//! `splice(2)` (Linux and Android; `Unsupported` elsewhere).

use std::fmt;
use std::io;

use crate::socket::SocketHandle;
use crate::sys;

/// A kernel pipe that holds bytes on their way from one socket to
/// another, for [`SocketHandle::splice_to_pipe`] and
/// [`SocketHandle::splice_from_pipe`]; it counts the bytes it holds.
///
/// A relay that moves a stream from `a` to `b` calls
/// `a.splice_to_pipe(&mut pipe, n)` then `b.splice_from_pipe(&mut pipe,
/// pipe.len())`: the bytes go from `a`'s receive buffer to `b`'s send
/// buffer by page references, never into the process's memory. A Linux
/// pipe has 16 slots by default (64 KiB of pages; from a socket, a slot
/// may hold more).
///
/// Both ends are non-blocking and close-on-exec; they are closed on drop.
/// Linux and Android only: elsewhere [`new`](Self::new) is `Unsupported`.
pub struct SplicePipe {
    read: sys::PipeEnd,
    write: sys::PipeEnd,
    held: usize,
}

impl fmt::Debug for SplicePipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SplicePipe")
            .field("read", &self.read)
            .field("write", &self.write)
            .field("held", &self.held)
            .finish()
    }
}

impl SplicePipe {
    /// Makes an empty pipe.
    ///
    /// Corresponds to `pipe2(O_NONBLOCK | O_CLOEXEC)` on Linux and
    /// Android.
    ///
    /// # Errors
    /// `Unsupported` on other systems (`system call "splice": does not
    /// exist on macos`); the OS error (`EMFILE`, `ENFILE`) otherwise.
    pub fn new() -> io::Result<SplicePipe> {
        let (read, write) = sys::splice_pipe()?;
        Ok(SplicePipe {
            read,
            write,
            held: 0,
        })
    }

    /// How many bytes the pipe holds: moved in, not yet moved out.
    pub fn len(&self) -> usize {
        self.held
    }

    /// Whether the pipe holds no byte.
    pub fn is_empty(&self) -> bool {
        self.held == 0
    }
}

impl Drop for SplicePipe {
    fn drop(&mut self) {
        sys::close_pipe_end(self.read);
        sys::close_pipe_end(self.write);
    }
}

/// `splice`.
impl SocketHandle {
    /// Moves up to `max` bytes this connected stream socket has received
    /// into `pipe`, without copying them to user space; returns how many
    /// (0: the peer ended the stream).
    ///
    /// Corresponds to `splice(socket, NULL, pipe, NULL, max,
    /// SPLICE_F_MOVE | SPLICE_F_NONBLOCK)` on Linux and Android.
    ///
    /// # Errors
    /// `WouldBlock` when nothing has arrived on a non-blocking socket,
    /// or when the pipe is full (the pipe never blocks: move its bytes
    /// out first, and both cases read the same); the OS error otherwise
    /// (`ECONNRESET`, `EINVAL` for a socket that is not a connected
    /// stream); `Unsupported` on other systems.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{pair, Domain, Protocol, SockType, SplicePipe};
    /// # if !cfg!(any(target_os = "linux", target_os = "android")) { return Ok(()); }
    /// let (a, b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// let (c, d) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// let mut pipe = SplicePipe::new()?;
    /// a.send(b"relayed")?;
    /// let mut moved = 0;
    /// while moved < 7 {
    ///     moved += b.splice_to_pipe(&mut pipe, 65536)?; // b's bytes into the pipe
    /// }
    /// assert_eq!(c.splice_from_pipe(&mut pipe, 7)?, 7); // and out to c's peer, d
    /// let mut buf = [0u8; 7];
    /// let mut got = 0;
    /// while got < 7 {
    ///     got += d.recv(&mut buf[got..])?;
    /// }
    /// assert_eq!(&buf, b"relayed");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn splice_to_pipe(&self, pipe: &mut SplicePipe, max: usize) -> io::Result<usize> {
        let n = sys::splice_from_socket(self.sys(), pipe.write, max)?;
        pipe.held += n;
        Ok(n)
    }

    /// Sends up to `max` of the bytes `pipe` holds (at most
    /// [`pipe.len()`](SplicePipe::len)) on this connected stream socket;
    /// returns how many went.
    ///
    /// Corresponds to `splice(pipe, NULL, socket, NULL, max,
    /// SPLICE_F_MOVE | SPLICE_F_NONBLOCK)` on Linux and Android.
    ///
    /// # Errors
    /// `WouldBlock` when a non-blocking socket's send buffer is full; the
    /// OS error otherwise (`EPIPE`, `ECONNRESET`); `Unsupported` on other
    /// systems. `splice` has no `MSG_NOSIGNAL`: sending on a socket whose
    /// peer has gone raises `SIGPIPE`, which Rust programs ignore from
    /// the start, but a program that restored its default would end.
    pub fn splice_from_pipe(&self, pipe: &mut SplicePipe, max: usize) -> io::Result<usize> {
        let max = max.min(pipe.held);
        if max == 0 {
            return Ok(0);
        }
        let n = sys::splice_to_socket(pipe.read, self.sys(), max)?;
        pipe.held -= n;
        Ok(n)
    }
}
