//! Socket-wide options (`SOL_SOCKET`).

use std::io;
use std::os::raw::c_int;
use std::time::Duration;

use super::{buffer_size, check_timeout};
use crate::sys;
use crate::SocketHandle;

impl SocketHandle {
    /// `SO_REUSEADDR`.
    pub fn reuse_address(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEADDR`. On Windows this lets another socket bind the
    /// same port even while this one listens; servers there want
    /// `set_exclusive_address_use` (Windows).
    pub fn set_reuse_address(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEADDR, reuse)
    }

    /// `SO_REUSEPORT` (Unix only).
    #[cfg(unix)]
    pub fn reuse_port(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT)
    }

    /// Sets `SO_REUSEPORT` (Unix only).
    #[cfg(unix)]
    pub fn set_reuse_port(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT, reuse)
    }

    /// `SO_EXCLUSIVEADDRUSE` (Windows only).
    #[cfg(windows)]
    pub fn exclusive_address_use(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_EXCLUSIVEADDRUSE)
    }

    /// Sets `SO_EXCLUSIVEADDRUSE` (Windows only): no other socket may bind
    /// this port. Must be set before `bind`.
    #[cfg(windows)]
    pub fn set_exclusive_address_use(&self, exclusive: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_EXCLUSIVEADDRUSE, exclusive)
    }

    /// `SO_KEEPALIVE`.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_KEEPALIVE)
    }

    /// Sets `SO_KEEPALIVE`.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_KEEPALIVE, keepalive)
    }

    /// `SO_BROADCAST`.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_BROADCAST)
    }

    /// Sets `SO_BROADCAST`.
    pub fn set_broadcast(&self, broadcast: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_BROADCAST, broadcast)
    }

    /// `SO_RCVBUF`, in bytes.
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_RCVBUF)
            .map(|v| v as usize)
    }

    /// Sets `SO_RCVBUF` (Linux doubles the value for its bookkeeping).
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    pub fn set_recv_buffer_size(&self, size: usize) -> io::Result<()> {
        let size = buffer_size("receive buffer size", size)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_RCVBUF, size)
    }

    /// `SO_SNDBUF`, in bytes.
    pub fn send_buffer_size(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_SNDBUF)
            .map(|v| v as usize)
    }

    /// Sets `SO_SNDBUF`.
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    pub fn set_send_buffer_size(&self, size: usize) -> io::Result<()> {
        let size = buffer_size("send buffer size", size)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_SNDBUF, size)
    }

    /// `SO_LINGER`: `None` when off, else how long `close` waits for
    /// unsent data (whole seconds).
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.sys())
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes `close` reset the
    /// connection. The OS counts whole seconds: a fraction rounds up, so
    /// `Some(500 ms)` lingers for 1 s rather than resetting.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let whole = linger.map(|d| {
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            Duration::from_secs(secs)
        });
        sys::set_linger(self.sys(), whole)
    }

    /// `SO_RCVTIMEO`: `None` when receives wait forever.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        sys::timeout(self.sys(), sys::SO_RCVTIMEO)
    }

    /// Sets `SO_RCVTIMEO`; a receive that waits longer fails with
    /// `WouldBlock` (Unix) or `TimedOut` (Windows). `None` waits forever.
    ///
    /// # Errors
    /// `InvalidInput` for `Some(Duration::ZERO)`, which the OS would read
    /// as "no timeout" (std's `set_read_timeout` refuses it too).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout("read timeout", timeout)?;
        sys::set_timeout(self.sys(), sys::SO_RCVTIMEO, timeout)
    }

    /// `SO_SNDTIMEO`.
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        sys::timeout(self.sys(), sys::SO_SNDTIMEO)
    }

    /// Sets `SO_SNDTIMEO`; see [`set_read_timeout`](Self::set_read_timeout).
    ///
    /// # Errors
    /// `InvalidInput` for `Some(Duration::ZERO)`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout("write timeout", timeout)?;
        sys::set_timeout(self.sys(), sys::SO_SNDTIMEO, timeout)
    }

    /// Reads and clears `SO_ERROR`: the socket's pending error, for
    /// example the outcome of a non-blocking `connect`.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let code = sys::getsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_ERROR)?;
        Ok((code != 0).then(|| io::Error::from_raw_os_error(code)))
    }

    /// `SO_TYPE`: the socket's type as the platform's number (see
    /// [`SockType::from_int`](crate::SockType::from_int)).
    pub fn sock_type_raw(&self) -> io::Result<c_int> {
        sys::getsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_TYPE)
    }

    /// `SO_ACCEPTCONN`: whether the socket is listening.
    pub fn is_listener(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_ACCEPTCONN)
    }
}
