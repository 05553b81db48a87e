//! A non-blocking, close-on-exec self-pipe: how the `poll(2)` backend,
//! and kqueue where it has no `EVFILT_USER`, wake a waiting thread.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A non-blocking, close-on-exec pipe: a byte written to it makes the
/// read end readable, which wakes a thread waiting on it.
#[derive(Debug)]
pub(crate) struct WakePipe {
    read: OwnedFd,
    write: OwnedFd,
}

impl WakePipe {
    pub(crate) fn new() -> io::Result<WakePipe> {
        let mut fds = [0 as libc::c_int; 2];
        syscall!(pipe(fds.as_mut_ptr()))?;
        // SAFETY: pipe just returned these two descriptors; nothing
        // else owns them.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in [&read, &write] {
            syscall!(fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC))?;
            let fl = syscall!(fcntl(fd.as_raw_fd(), libc::F_GETFL))?;
            syscall!(fcntl(fd.as_raw_fd(), libc::F_SETFL, fl | libc::O_NONBLOCK))?;
        }
        Ok(WakePipe { read, write })
    }

    /// The end to wait on.
    pub(crate) fn read_fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }

    /// Writes one byte (a full pipe wakes the waiter as well).
    pub(crate) fn wake(&self) -> io::Result<()> {
        let byte = 1u8;
        match syscall!(write(
            self.write.as_raw_fd(),
            (&byte as *const u8).cast(),
            1
        )) {
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => Err(e),
            _ => Ok(()),
        }
    }

    /// Empties the pipe: every byte in it is a wake-up already served.
    pub(crate) fn drain(&self) {
        let mut sink = [0u8; 64];
        // SAFETY: reads at most 64 bytes into `sink`.
        while syscall!(read(
            self.read.as_raw_fd(),
            sink.as_mut_ptr().cast(),
            sink.len()
        ))
        .is_ok_and(|got| got as usize == sink.len())
        {}
    }
}
