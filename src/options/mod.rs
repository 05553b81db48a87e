//! Socket options: the platform's option constants, the seed's
//! `getSockOptInt` / `setSockOptInt`, and typed getters and setters for
//! the common options.

use std::io;
use std::os::raw::c_int;
use std::time::Duration;

use crate::error::invalid_input;
use crate::sys;
use crate::SocketHandle;

mod constants;
mod ip;
mod ipv6;
mod socket;
mod tcp;

pub use self::constants::*;

/// Reads an integer socket option (Nim's `getSockOptInt`).
///
/// `level` and `optname` are the platform's numbers: use the constants
/// this crate re-exports ([`SOL_SOCKET`], [`SO_RCVBUF`], [`IPPROTO_TCP`],
/// [`TCP_NODELAY`], ...). Options whose value is not an `int`
/// (`SO_LINGER`, the timeouts) have typed methods on [`SocketHandle`].
///
/// Corresponds to `getsockopt(2)` on Unix and `getsockopt` on Windows
/// (where a boolean option may be written as one byte: the value starts
/// at zero, so it still reads right).
///
/// # Errors
/// The OS error: `ENOPROTOOPT` for an unknown option, `EBADF`,
/// `ENOTSOCK`.
///
/// # Examples
/// ```
/// use nativesockets::*;
/// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// set_sock_opt_int(&s, IPPROTO_TCP, TCP_NODELAY, 1)?;
/// assert_ne!(get_sock_opt_int(&s, IPPROTO_TCP, TCP_NODELAY)?, 0);
/// assert_eq!(get_sock_opt_int(&s, SOL_SOCKET, SO_TYPE)?, SockType::Stream.to_int());
/// # Ok::<(), std::io::Error>(())
/// ```
#[inline]
pub fn get_sock_opt_int(socket: &SocketHandle, level: i32, optname: i32) -> io::Result<i32> {
    socket.get_sock_opt_int(level, optname)
}

/// Sets an integer socket option (Nim's `setSockOptInt`); see
/// [`get_sock_opt_int`].
///
/// Corresponds to `setsockopt(2)` on Unix and `setsockopt` on Windows.
#[inline]
pub fn set_sock_opt_int(
    socket: &SocketHandle,
    level: i32,
    optname: i32,
    optval: i32,
) -> io::Result<()> {
    socket.set_sock_opt_int(level, optname, optval)
}

/// The seed's integer options, and typed getters and setters: each is one
/// `getsockopt` / `setsockopt` call with the option named in its doc.
impl SocketHandle {
    /// Reads an integer socket option; see [`get_sock_opt_int`].
    #[inline]
    pub fn get_sock_opt_int(&self, level: i32, optname: i32) -> io::Result<i32> {
        sys::getsockopt::<c_int>(self.sys(), level, optname)
    }

    /// Sets an integer socket option; see [`set_sock_opt_int`].
    #[inline]
    pub fn set_sock_opt_int(&self, level: i32, optname: i32, optval: i32) -> io::Result<()> {
        sys::setsockopt::<c_int>(self.sys(), level, optname, optval)
    }

    fn get_bool(&self, level: c_int, name: c_int) -> io::Result<bool> {
        sys::getsockopt::<c_int>(self.sys(), level, name).map(|v| v != 0)
    }

    fn set_bool(&self, level: c_int, name: c_int, on: bool) -> io::Result<()> {
        sys::setsockopt::<c_int>(self.sys(), level, name, c_int::from(on))
    }

    fn get_u32(&self, level: c_int, name: c_int) -> io::Result<u32> {
        sys::getsockopt::<c_int>(self.sys(), level, name).map(|v| v as u32)
    }

    fn set_u32(&self, level: c_int, name: c_int, value: u32) -> io::Result<()> {
        let value = c_int::try_from(value)
            .map_err(|_| invalid_input("socket option value", value, "does not fit in a C int"))?;
        sys::setsockopt::<c_int>(self.sys(), level, name, value)
    }
}

pub(crate) fn buffer_size(what: &str, size: usize) -> io::Result<c_int> {
    c_int::try_from(size).map_err(|_| invalid_input(what, size, "does not fit in a C int"))
}

pub(crate) fn check_timeout(what: &str, timeout: Option<Duration>) -> io::Result<()> {
    if timeout == Some(Duration::ZERO) {
        return Err(invalid_input(
            what,
            Duration::ZERO,
            "is zero, which the OS reads as no timeout (pass None for that)",
        ));
    }
    Ok(())
}
