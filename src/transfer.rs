//! Moving bytes through a `SocketHandle` beyond `send` and `recv`:
//! vectored I/O (one call for many buffers), `send_file` (a file's bytes
//! without a copy through user space), and std's `Read` / `Write`.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};

use crate::error::invalid_input;
use crate::socket::SocketHandle;
use crate::sys::{self, SockAddr};

/// Vectored I/O and `send_file`.
impl SocketHandle {
    /// Sends the concatenation of `bufs` on a connected socket in one
    /// call (one datagram on a datagram socket); returns how many bytes
    /// went.
    ///
    /// Corresponds to [`sendmsg(2)`] with `MSG_NOSIGNAL` on Unix and
    /// [`WSASend`] on Windows.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{pair, Domain, Protocol, SockType};
    /// use std::io::{IoSlice, IoSliceMut};
    /// let (a, b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// a.send_vectored(&[IoSlice::new(b"head "), IoSlice::new(b"tail")])?;
    /// let (mut x, mut y) = ([0u8; 5], [0u8; 4]);
    /// let mut got = 0;
    /// while got < 9 {
    ///     let (first, second) = (&mut x[got.min(5)..], &mut y[got.saturating_sub(5)..]);
    ///     got += b.recv_vectored(&mut [IoSliceMut::new(first), IoSliceMut::new(second)])?;
    /// }
    /// assert_eq!((&x, &y), (b"head ", b"tail"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`sendmsg(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`WSASend`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasend
    #[inline]
    pub fn send_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        sys::sendmsg(self.sys(), None, bufs, &[], 0)
    }

    /// Receives into `bufs` in order, filling each before the next, from
    /// a connected socket; returns how many bytes came (0 at the end of a
    /// stream). A datagram longer than the buffers is cut.
    ///
    /// Corresponds to [`recvmsg(2)`] on Unix and [`WSARecv`] on Windows.
    ///
    /// [`recvmsg(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`WSARecv`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecv
    #[inline]
    pub fn recv_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        sys::recvmsg(self.sys(), bufs, &mut [], 0).map(|r| r.0)
    }

    /// Sends the concatenation of `bufs` as one datagram to `addr`.
    ///
    /// Corresponds to [`sendmsg(2)`] with `MSG_NOSIGNAL` on Unix and
    /// [`WSASendTo`] on Windows.
    ///
    /// [`sendmsg(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`WSASendTo`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsasendto
    #[inline]
    pub fn send_to_vectored(&self, bufs: &[IoSlice<'_>], addr: &SockAddr) -> io::Result<usize> {
        sys::sendmsg(self.sys(), Some(addr), bufs, &[], 0)
    }

    /// Receives one datagram into `bufs`; returns its length (cut to the
    /// buffers) and its sender.
    ///
    /// Corresponds to [`recvmsg(2)`] on Unix and [`WSARecvFrom`] on Windows.
    ///
    /// [`recvmsg(2)`]: https://man7.org/linux/man-pages/man2/recv.2.html
    /// [`WSARecvFrom`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsarecvfrom
    #[inline]
    pub fn recv_from_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<(usize, SockAddr)> {
        sys::recvmsg(self.sys(), bufs, &mut [], 0).map(|r| (r.0, r.1))
    }

    /// Sends `count` bytes of `file` from `offset` (to the end of the
    /// file when `None`) on a connected stream socket, without copying
    /// them through user space; returns how many bytes went.
    ///
    /// The file's own position is neither used nor moved. The call goes
    /// on until everything asked for is sent, the end of the file is
    /// reached (an offset at or past the end sends nothing and returns
    /// 0), or, on a non-blocking socket, the socket's buffer is full:
    /// then it returns the bytes sent so far, or `WouldBlock` if there
    /// were none. An error after some bytes went returns those bytes (the
    /// next call reports the error).
    ///
    /// Corresponds to [`sendfile(2)`] on Linux, [`sendfile(2)`][freebsd] on
    /// FreeBSD and macOS (in chunks of at most 0x7fff_f000 bytes) and to
    /// [`TransmitFile`] with an `OVERLAPPED` offset on Windows.
    /// `TransmitFile` has no non-blocking mode: on Windows the call waits
    /// until its bytes are sent, whatever the socket's mode.
    ///
    /// # Errors
    /// `InvalidInput` when `file` is not a regular file or `offset` is
    /// beyond what the OS takes; the OS error otherwise (`NotConnected`,
    /// `BrokenPipe`, `WouldBlock`, ...).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::{pair, Domain, Protocol, SockType};
    /// use std::io::{Read, Write};
    /// let path = std::env::temp_dir().join(format!("ns-doc-sendfile-{}", std::process::id()));
    /// std::fs::write(&path, b"0123456789")?;
    /// let file = std::fs::File::open(&path)?;
    /// let (a, mut b) = pair(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// assert_eq!(a.send_file(&file, 2, Some(5))?, 5);
    /// let mut buf = [0u8; 5];
    /// b.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"23456");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`sendfile(2)`]: https://man7.org/linux/man-pages/man2/sendfile.2.html
    /// [freebsd]: https://man.freebsd.org/cgi/man.cgi?query=sendfile&sektion=2
    /// [`TransmitFile`]: https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nf-mswsock-transmitfile
    pub fn send_file(
        &self,
        file: &std::fs::File,
        offset: u64,
        count: Option<usize>,
    ) -> io::Result<usize> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(invalid_input(
                "send_file",
                format_args!("{:?}", meta.file_type()),
                "is not a regular file",
            ));
        }
        if offset > i64::MAX as u64 {
            return Err(invalid_input(
                "send_file offset",
                offset,
                "is larger than a file offset can be",
            ));
        }
        let avail = meta.len().saturating_sub(offset);
        let want = count.map_or(avail, |c| (c as u64).min(avail));
        let mut sent: u64 = 0;
        while sent < want {
            let chunk = (want - sent).min(sys::SENDFILE_CHUNK as u64) as usize;
            match sys::sendfile(self.sys(), file, offset + sent, chunk) {
                Ok(0) => break,
                Ok(n) => sent += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) if sent > 0 => break,
                Err(e) => return Err(e),
            }
        }
        Ok(sent as usize)
    }
}

impl Read for SocketHandle {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf)
    }
}

impl Read for &SocketHandle {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recv(buf)
    }
}

impl Write for SocketHandle {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        (&*self).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Write for &SocketHandle {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.send(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.send_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
