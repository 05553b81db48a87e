//! `sendfile(2)`: a file's bytes to a socket without a copy through user
//! space. Linux and Android: `sendfile(out, in, &offset, count)`;
//! FreeBSD: `sendfile(fd, s, offset, nbytes, NULL, &sbytes, 0)`; macOS:
//! `sendfile(fd, s, offset, &len, NULL, 0)`.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use super::Socket;

/// The most one call is asked for: Linux moves at most 0x7fff_f000 bytes
/// a call anyway, and the BSDs take `0` to mean "to the end".
pub(crate) const SENDFILE_CHUNK: usize = 0x7fff_f000;

/// One `sendfile(2)` of up to `count` bytes (more than zero, at most
/// [`SENDFILE_CHUNK`]) of `file` from `offset` to `s`; returns how many
/// went (0 at the end of the file). On the BSDs an interrupted or
/// would-block call that moved bytes reports them, as Linux does.
#[cfg(linux_like)]
pub(crate) fn sendfile(s: Socket, file: &File, offset: u64, count: usize) -> io::Result<usize> {
    let mut off =
        libc::off_t::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    syscall!(sendfile(s, file.as_raw_fd(), &mut off, count)).map(|n| n as usize)
}

#[cfg(target_os = "freebsd")]
pub(crate) fn sendfile(s: Socket, file: &File, offset: u64, count: usize) -> io::Result<usize> {
    let off =
        libc::off_t::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut sent: libc::off_t = 0;
    // SAFETY: `sent` is a valid place to write; no header/trailer vector.
    let res = unsafe {
        libc::sendfile(
            file.as_raw_fd(),
            s,
            off,
            count,
            std::ptr::null_mut(),
            &mut sent,
            0,
        )
    };
    if res == -1 {
        let err = io::Error::last_os_error();
        if sent > 0
            && matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            )
        {
            return Ok(sent as usize);
        }
        return Err(err);
    }
    Ok(sent as usize)
}

#[cfg(target_vendor = "apple")]
pub(crate) fn sendfile(s: Socket, file: &File, offset: u64, count: usize) -> io::Result<usize> {
    let off =
        libc::off_t::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut len = count as libc::off_t;
    // SAFETY: `len` is a valid place to read and write; no header/trailer.
    let res =
        unsafe { libc::sendfile(file.as_raw_fd(), s, off, &mut len, std::ptr::null_mut(), 0) };
    if res == -1 {
        let err = io::Error::last_os_error();
        if len > 0
            && matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            )
        {
            return Ok(len as usize);
        }
        return Err(err);
    }
    Ok(len as usize)
}
