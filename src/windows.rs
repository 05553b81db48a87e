//! Windows only: the [`ioctlsocket`] constants and call of Nim's
//! `nativesockets` on Windows (`IOCPARM_MASK`, `IOC_IN`, `FIONBIO`,
//! `ioctlsocket`), with the values Nim gives, plus the two other
//! commands `ioctlsocket` accepts.
//!
//! Most programs never need this module: [`set_blocking`](crate::set_blocking)
//! is `ioctlsocket(FIONBIO)` already. It is here for code ported from Nim
//! or C that issues the commands itself.
//!
//! # Examples
//! ```
//! use nativesockets::windows::{ioctlsocket, FIONBIO, FIONREAD};
//! use nativesockets::{new_native_socket, Domain, Protocol, SockType};
//!
//! let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
//! let mut on = 1;
//! ioctlsocket(&s, FIONBIO, &mut on)?; // now non-blocking
//! let mut pending = 0;
//! ioctlsocket(&s, FIONREAD, &mut pending)?;
//! assert_eq!(pending, 0);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`ioctlsocket`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket

use std::io;
use std::os::raw::{c_long, c_ulong};

use crate::socket::SocketHandle;

/// Mask of the parameter-length field of an [`ioctlsocket`] command (the
/// `IOCPARM_MASK` of Nim's `nativesockets`, `0x7f`): lengths are at most 127 bytes.
///
/// [`ioctlsocket`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket
pub const IOCPARM_MASK: c_long = 127;

/// The "copies a parameter in" direction bit of an [`ioctlsocket`] command
/// (Nim's `IOC_IN`, `0x80000000` as a signed 32-bit `long`).
///
/// [`ioctlsocket`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket
pub const IOC_IN: c_long = -2147483648;

/// The "copies a parameter out" direction bit (`0x40000000`), for
/// [`FIONREAD`] and [`SIOCATMARK`].
pub const IOC_OUT: c_long = 0x4000_0000;

/// Builds a command as `winsock2.h`'s `_IOW` / `_IOR` macros do: direction,
/// parameter length (a `u_long`, 4 bytes), group letter, number.
const fn ioc(direction: c_long, group: u8, number: u8) -> c_long {
    direction
        | ((std::mem::size_of::<c_ulong>() as c_long & IOCPARM_MASK) << 16)
        | ((group as c_long) << 8)
        | number as c_long
}

/// Sets (argument non-zero) or clears (zero) non-blocking mode (Nim's
/// `FIONBIO`, `_IOW('f', 126, u_long)` = `-2147195266`).
pub const FIONBIO: c_long = ioc(IOC_IN, b'f', 126);

/// Writes into the argument how many bytes one `recv` could read now
/// (`_IOR('f', 127, u_long)`).
pub const FIONREAD: c_long = ioc(IOC_OUT, b'f', 127);

/// Writes into the argument whether all out-of-band data has been read,
/// non-zero meaning none is pending (`_IOR('s', 7, u_long)`).
pub const SIOCATMARK: c_long = ioc(IOC_OUT, b's', 7);

/// Issues the [`ioctlsocket`] command `cmd` on `socket` with the in/out
/// argument `arg` (Nim's `ioctlsocket(s, cmd, argptr)`; Nim's
/// `cint` result becomes an `io::Result`).
///
/// `ioctlsocket` accepts [`FIONBIO`], [`FIONREAD`] and [`SIOCATMARK`], all
/// of which read or write exactly one `u_long`, so the call is safe: the
/// argument is a `&mut u32`-sized place whatever the command. Any other
/// command is refused by Winsock (`WSAEINVAL` or `WSAEOPNOTSUPP`) without
/// touching more than that place.
///
/// Corresponds to `ioctlsocket` on Windows (on Unix the nearest calls are
/// `ioctl(FIONBIO)` and `ioctl(FIONREAD)`; this module does not exist
/// there).
///
/// # Errors
/// The Winsock error: `WSAENOTSOCK` (not a socket), `WSAEINVAL` (a command
/// `ioctlsocket` does not know), ...
///
/// [`ioctlsocket`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-ioctlsocket
pub fn ioctlsocket(socket: &SocketHandle, cmd: c_long, arg: &mut c_ulong) -> io::Result<()> {
    crate::sys::ioctlsocket(socket.sys(), cmd, arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_seed_and_winsock2_h() {
        assert_eq!(IOCPARM_MASK, 127);
        assert_eq!(IOC_IN, -2147483648);
        assert_eq!(FIONBIO, -2147195266);
        assert_eq!(FIONBIO, windows_sys::Win32::Networking::WinSock::FIONBIO);
        assert_eq!(FIONREAD, windows_sys::Win32::Networking::WinSock::FIONREAD);
        assert_eq!(
            SIOCATMARK,
            windows_sys::Win32::Networking::WinSock::SIOCATMARK
        );
    }
}
