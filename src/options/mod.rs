//! Socket options: typed getters and setters (methods of
//! [`SocketHandle`], so of [`SocketRef`](crate::SocketRef) too), the option
//! constants, and the generic calls for any option. Everything here is
//! also re-exported at the crate root.
//!
//! The methods are spread by level: `socket.rs` (`SOL_SOCKET`), `ip.rs`
//! (`IPPROTO_IP`, multicast, path MTU), `ipv6.rs`, `tcp.rs` (keep-alive,
//! [`TcpInfo`], Fast Open), `udp.rs` (segmentation offload), `dccp.rs`
//! (Linux); each is one `getsockopt` / `setsockopt` (or the [`WSAIoctl`] its
//! doc names), with no other work than a range check of the value.
//!
//! An option the platform lacks has no method there, with one exception:
//! the *receive switches* that make
//! [`recv_msg`](SocketHandle::recv_msg) deliver control data
//! (`set_recv_pktinfo_v4`, `set_recv_tos_v4`, `set_recv_timestamp`,
//! `set_udp_gro`, `set_passcred`, ... and their getters) exist on every
//! platform. A caller of `recv_msg` flips them the same way everywhere and
//! looks at what arrives; where the platform lacks a switch it answers
//! `ErrorKind::Unsupported` naming the option and the platform, with no
//! system call made, and the caller goes on without that message.
//!
//! [`WSAIoctl`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsaioctl
#![doc = include_str!("table.md")]

use std::io;
use std::os::raw::c_int;
use std::time::Duration;

use crate::error::{invalid_input, with_kind};
use crate::socket::SocketHandle;
use crate::sys;

/// A doc paragraph linking an option level's reference pages, one for each
/// platform family the option exists on (`linux`, `bsd`, `windows`), in
/// that order: `#[doc = option_links!(tcp: linux, windows)]`. One line per
/// method, where a link in each method's own text would repeat the same
/// addresses a hundred times. Defined before the `mod` lines, as `switch!`.
macro_rules! option_links {
    ($level:ident: $first:ident $(, $os:ident)*) => {
        concat!(
            "\n\nSee ",
            option_links!(@ $first $level),
            $(", ", option_links!(@ $os $level),)*
            "."
        )
    };
    (@ linux socket) => { "[`socket(7)`](https://man7.org/linux/man-pages/man7/socket.7.html) on Linux" };
    (@ linux ip) => { "[`ip(7)`](https://man7.org/linux/man-pages/man7/ip.7.html) on Linux" };
    (@ linux ipv6) => { "[`ipv6(7)`](https://man7.org/linux/man-pages/man7/ipv6.7.html) on Linux" };
    (@ linux tcp) => { "[`tcp(7)`](https://man7.org/linux/man-pages/man7/tcp.7.html) on Linux" };
    (@ linux udp) => { "[`udp(7)`](https://man7.org/linux/man-pages/man7/udp.7.html) on Linux" };
    (@ linux dccp) => {
        "[the kernel's DCCP documentation](https://www.kernel.org/doc/html/v6.15/networking/dccp.html) (Linux)"
    };
    (@ bsd socket) => { "[`getsockopt(2)`](https://man.freebsd.org/cgi/man.cgi?query=getsockopt&sektion=2) on FreeBSD" };
    (@ bsd ip) => { "[`ip(4)`](https://man.freebsd.org/cgi/man.cgi?query=ip&sektion=4) on FreeBSD" };
    (@ bsd ipv6) => { "[`ip6(4)`](https://man.freebsd.org/cgi/man.cgi?query=ip6&sektion=4) on FreeBSD" };
    (@ bsd tcp) => { "[`tcp(4)`](https://man.freebsd.org/cgi/man.cgi?query=tcp&sektion=4) on FreeBSD" };
    (@ windows socket) => {
        "[`SOL_SOCKET` options](https://learn.microsoft.com/en-us/windows/win32/winsock/sol-socket-socket-options) on Windows"
    };
    (@ windows ip) => {
        "[`IPPROTO_IP` options](https://learn.microsoft.com/en-us/windows/win32/winsock/ipproto-ip-socket-options) on Windows"
    };
    (@ windows ipv6) => {
        "[`IPPROTO_IPV6` options](https://learn.microsoft.com/en-us/windows/win32/winsock/ipproto-ipv6-socket-options) on Windows"
    };
    (@ windows tcp) => {
        "[`IPPROTO_TCP` options](https://learn.microsoft.com/en-us/windows/win32/winsock/ipproto-tcp-socket-options) on Windows"
    };
    (@ windows udp) => {
        "[`IPPROTO_UDP` options](https://learn.microsoft.com/en-us/windows/win32/winsock/ipproto-udp-socket-options) on Windows"
    };
}

/// A receive switch: a setter and a getter over an `int` option whose
/// `(level, name)` is `sys::$code`, `None` where the platform lacks it.
/// Defined before the `mod` lines so that every level's file can use it.
macro_rules! switch {
    ($(#[$doc:meta])* $set:ident, $get:ident, $code:ident, $name:literal) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// `Unsupported`, naming the option and the platform, where the
        /// platform lacks it (no system call is made); otherwise the OS
        /// error (for example `ENOPROTOOPT` for an option of the other IP
        /// version).
        pub fn $set(&self, on: bool) -> std::io::Result<()> {
            $crate::options::set_switch(
                self,
                $crate::sys::$code,
                $name,
                std::os::raw::c_int::from(on),
            )
        }

        #[doc = concat!("Whether `", $name, "` is on; see [`", stringify!($set), "`](Self::", stringify!($set), ").")]
        pub fn $get(&self) -> std::io::Result<bool> {
            $crate::options::get_switch(self, $crate::sys::$code, $name).map(|v| v != 0)
        }
    };
}

mod constants;
#[cfg(target_os = "linux")]
mod dccp;
mod ip;
mod ipv6;
mod socket;
mod tcp;
mod udp;

pub use self::constants::*;
// Nim's integer-option functions are defined with the other Nim-named
// functions; their path under `options` stays as it always was.
#[cfg(mreqn)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(
        target_os = "linux",
        target_os = "android",
        target_vendor = "apple",
        target_os = "freebsd",
        target_os = "dragonfly",
        windows
    )))
)]
pub use self::ip::InterfaceIndexOrAddress;
#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
pub use self::ip::MtuDiscover;
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub use self::socket::PeerCred;
pub use self::tcp::TcpKeepalive;
pub use crate::nim::{get_sock_opt_int, set_sock_opt_int};
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub use crate::sys::SockFilter;
pub use crate::sys::{TcpInfo, TcpState};

/// A type whose bytes can be handed to the kernel and filled by it: the
/// value of [`SocketHandle::get_sock_opt`] / [`SocketHandle::set_sock_opt`].
///
/// Implemented for the integer types and arrays of them. A `#[repr(C)]`
/// structure of such fields may implement it too.
///
/// # Safety
/// The type has no padding bytes, and every bit pattern of its size is a
/// valid value (the kernel may write any bytes, or fewer than the whole
/// value, the rest staying zero).
pub unsafe trait PlainOldData: Copy {}

macro_rules! plain_old_data {
    ($($t:ty),*) => {
        // SAFETY: integers have no padding and no invalid bit patterns.
        $(unsafe impl PlainOldData for $t {})*
    };
}
plain_old_data!(i8, u8, i16, u16, i32, u32, i64, u64, i128, u128, isize, usize);
// SAFETY: an array of such values has no padding between its elements and
// no invalid bit pattern.
unsafe impl<T: PlainOldData, const N: usize> PlainOldData for [T; N] {}

/// Nim's integer options, and typed getters and setters: each is one
/// `getsockopt` / `setsockopt` call with the option named in its doc.
impl SocketHandle {
    /// Reads an integer socket option (Nim's `getSockOptInt`, which
    /// [`get_sock_opt_int`](crate::get_sock_opt_int) forwards to).
    ///
    /// `level` and `optname` are the platform's numbers: use the constants
    /// this crate re-exports ([`SOL_SOCKET`], [`SO_RCVBUF`],
    /// [`IPPROTO_TCP`], [`TCP_NODELAY`], ...). Options whose value is not
    /// an `int` (`SO_LINGER`, the timeouts) have typed methods.
    ///
    /// Corresponds to [`getsockopt(2)`] on Unix and [`getsockopt`] on Windows
    /// (where a boolean option may be written as one byte: the value starts at
    /// zero, so it still reads right).
    ///
    /// # Errors
    /// The OS error: `ENOPROTOOPT` for an unknown option, `EBADF`,
    /// `ENOTSOCK`.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::*;
    /// let s = SocketHandle::new(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// s.set_sock_opt_int(IPPROTO_TCP, TCP_NODELAY, 1)?;
    /// assert_ne!(s.get_sock_opt_int(IPPROTO_TCP, TCP_NODELAY)?, 0);
    /// assert_eq!(s.get_sock_opt_int(SOL_SOCKET, SO_TYPE)?, SockType::Stream.to_int());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`getsockopt(2)`]: https://man7.org/linux/man-pages/man2/getsockopt.2.html
    /// [`getsockopt`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockopt
    #[inline]
    pub fn get_sock_opt_int(&self, level: i32, optname: i32) -> io::Result<i32> {
        sys::getsockopt::<c_int>(self.sys(), level, optname)
    }

    /// Sets an integer socket option (Nim's `setSockOptInt`, which
    /// [`set_sock_opt_int`](crate::set_sock_opt_int) forwards to); see
    /// [`get_sock_opt_int`](Self::get_sock_opt_int) for the numbers.
    ///
    /// Corresponds to [`setsockopt(2)`] on Unix and [`setsockopt`] on Windows.
    ///
    /// # Errors
    /// The OS error: `ENOPROTOOPT` for an unknown option, `EINVAL` for a
    /// value the option does not take, `EPERM` for one that needs a
    /// privilege.
    ///
    /// [`setsockopt(2)`]: https://man7.org/linux/man-pages/man2/setsockopt.2.html
    /// [`setsockopt`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-setsockopt
    #[inline]
    pub fn set_sock_opt_int(&self, level: i32, optname: i32, optval: i32) -> io::Result<()> {
        sys::setsockopt::<c_int>(self.sys(), level, optname, optval)
    }

    /// Reads any option into `buf` and returns how many bytes the OS
    /// wrote: for options whose value is not an integer (a structure, a
    /// name such as `TCP_CONGESTION`'s) and that have no typed method.
    ///
    /// Corresponds to [`getsockopt(2)`] on Unix and [`getsockopt`] on Windows.
    ///
    /// # Errors
    /// The OS error (`ENOPROTOOPT`, `EINVAL` for a buffer too short for
    /// options that refuse to truncate).
    ///
    /// # Examples
    /// ```
    /// use nativesockets::*;
    /// let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// s.set_sock_opt_bytes(IPPROTO_IP, IP_TTL, &42i32.to_ne_bytes())?;
    /// let mut buf = [0u8; 4];
    /// assert_eq!(s.get_sock_opt_bytes(IPPROTO_IP, IP_TTL, &mut buf)?, 4);
    /// assert_eq!(i32::from_ne_bytes(buf), 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`getsockopt(2)`]: https://man7.org/linux/man-pages/man2/getsockopt.2.html
    /// [`getsockopt`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockopt
    #[inline]
    pub fn get_sock_opt_bytes(
        &self,
        level: i32,
        optname: i32,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        sys::getsockopt_bytes(self.sys(), level, optname, buf)
    }

    /// Sets any option to `value`'s bytes; see
    /// [`get_sock_opt_bytes`](Self::get_sock_opt_bytes).
    ///
    /// Corresponds to [`setsockopt(2)`] on Unix and [`setsockopt`] on Windows.
    ///
    /// # Errors
    /// `InvalidInput` when `value` is longer than a `socklen_t` counts;
    /// else the OS error.
    ///
    /// [`setsockopt(2)`]: https://man7.org/linux/man-pages/man2/getsockopt.2.html
    /// [`setsockopt`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-setsockopt
    #[inline]
    pub fn set_sock_opt_bytes(&self, level: i32, optname: i32, value: &[u8]) -> io::Result<()> {
        sys::setsockopt_bytes(self.sys(), level, optname, value)
    }

    /// Reads any option as a plain value `T` (an integer, an array, a
    /// `#[repr(C)]` structure that implements [`PlainOldData`]). The value
    /// starts zeroed, so bytes the OS does not write read as zero.
    ///
    /// Corresponds to [`getsockopt(2)`] on Unix and [`getsockopt`] on Windows.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::*;
    /// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    /// s.set_sock_opt(SOL_SOCKET, SO_KEEPALIVE, &1i32)?;
    /// assert_eq!(s.get_sock_opt::<i32>(SOL_SOCKET, SO_KEEPALIVE)? != 0, true);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// [`getsockopt(2)`]: https://man7.org/linux/man-pages/man2/getsockopt.2.html
    /// [`getsockopt`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-getsockopt
    #[inline]
    pub fn get_sock_opt<T: PlainOldData>(&self, level: i32, optname: i32) -> io::Result<T> {
        sys::getsockopt::<T>(self.sys(), level, optname)
    }

    /// Sets any option to a plain value `T`; see
    /// [`get_sock_opt`](Self::get_sock_opt).
    ///
    /// Corresponds to [`setsockopt(2)`] on Unix and [`setsockopt`] on Windows.
    ///
    /// [`setsockopt(2)`]: https://man7.org/linux/man-pages/man2/getsockopt.2.html
    /// [`setsockopt`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-setsockopt
    #[inline]
    pub fn set_sock_opt<T: PlainOldData>(
        &self,
        level: i32,
        optname: i32,
        value: &T,
    ) -> io::Result<()> {
        sys::setsockopt::<T>(self.sys(), level, optname, *value)
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

/// Sets a receive switch (an `int` option), or `Unsupported` naming it
/// and the platform where `code` is `None`.
pub(crate) fn set_switch(
    s: &SocketHandle,
    code: Option<(c_int, c_int)>,
    name: &str,
    value: c_int,
) -> io::Result<()> {
    let (level, opt) = code.ok_or_else(|| unsupported_switch(name))?;
    sys::setsockopt(s.sys(), level, opt, value)
}

/// Reads a receive switch, or `Unsupported` as [`set_switch`].
pub(crate) fn get_switch(
    s: &SocketHandle,
    code: Option<(c_int, c_int)>,
    name: &str,
) -> io::Result<c_int> {
    let (level, opt) = code.ok_or_else(|| unsupported_switch(name))?;
    sys::getsockopt::<c_int>(s.sys(), level, opt)
}

fn unsupported_switch(name: &str) -> io::Error {
    with_kind(
        io::ErrorKind::Unsupported,
        "socket option",
        name,
        &format!("does not exist on {}", std::env::consts::OS),
    )
}

/// `value` as a C int if it is at most `max`, else `InvalidInput` naming
/// it (a TTL of 300, a traffic class of 256).
pub(crate) fn at_most(what: &str, value: u32, max: u32) -> io::Result<c_int> {
    if value > max {
        return Err(invalid_input(
            what,
            value,
            &format!("is out of range (at most {max})"),
        ));
    }
    Ok(value as c_int)
}

/// A keep-alive duration as whole seconds, rounded up: zero and more than
/// a C int of seconds are `InvalidInput` naming the duration.
pub(crate) fn whole_secs(what: &str, d: Duration) -> io::Result<c_int> {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    if secs == 0 {
        return Err(invalid_input(
            what,
            d,
            "is zero; it must be at least one second",
        ));
    }
    c_int::try_from(secs)
        .map_err(|_| invalid_input(what, d, "is too long for the OS (seconds in a C int)"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Domain, Protocol, SockType};

    /// A switch the platform lacks (`code` is `None`) says which option
    /// and which platform, both ways, without a system call.
    #[test]
    #[cfg_attr(miri, ignore = "a UDP socket, which Miri does not emulate")]
    fn a_missing_switch_is_unsupported_naming_option_and_platform() {
        let s = SocketHandle::new(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap();
        let set = set_switch(&s, None, "IP_RECVERR", 1).unwrap_err();
        let get = get_switch(&s, None, "IP_RECVERR").unwrap_err();
        for err in [set, get] {
            assert_eq!(err.kind(), io::ErrorKind::Unsupported);
            let text = err.to_string();
            assert!(text.contains("IP_RECVERR"), "{text}");
            assert!(text.contains(std::env::consts::OS), "{text}");
        }
    }
}
