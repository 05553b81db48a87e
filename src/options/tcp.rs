//! TCP options (`IPPROTO_TCP`): Nagle, keep-alive and its [`TcpKeepalive`]
//! builder, segment size, corking and acknowledgements, timeouts,
//! congestion control, [`TcpInfo`], and TCP Fast Open.
//!
//! Linux: tcp(7); FreeBSD: tcp(4); macOS: tcp(4); Windows: "IPPROTO_TCP
//! socket options" in the Winsock reference.

use std::io;
use std::os::raw::c_int;
use std::time::Duration;

#[allow(unused_imports)] // which helpers a platform's options use varies
use super::{at_most, whole_secs};
use crate::socket::SocketHandle;
use crate::sys;
#[cfg(any(linux_like, apple, target_os = "freebsd"))]
use crate::sys::SockAddr;
#[cfg(tcp_info)]
use crate::sys::TcpInfo;

/// TCP keep-alive settings for [`SocketHandle::set_tcp_keepalive`]: how
/// long a connection idles before the first probe, the time between
/// probes, and how many unanswered probes drop it. A setting left unset
/// keeps the system's value.
///
/// # Examples
/// ```
/// use nativesockets::*;
/// use std::time::Duration;
/// let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
/// let ka = TcpKeepalive::new().with_time(Duration::from_secs(60));
/// s.set_tcp_keepalive(&ka)?;
/// assert!(s.keepalive()?);
/// // Windows 10 1709+ reads it back too; Wine, which runs this crate's
/// // Windows tests, cannot.
/// #[cfg(unix)]
/// assert_eq!(s.tcp_keepalive_time()?, Duration::from_secs(60));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpKeepalive {
    time: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
}

impl TcpKeepalive {
    /// No setting: only `SO_KEEPALIVE` is turned on.
    pub const fn new() -> TcpKeepalive {
        TcpKeepalive {
            time: None,
            interval: None,
            retries: None,
        }
    }

    /// Idle time before the first probe (`TCP_KEEPIDLE`; Apple's
    /// `TCP_KEEPALIVE`; Windows' `keepalivetime`), in whole seconds,
    /// rounded up.
    pub const fn with_time(self, time: Duration) -> TcpKeepalive {
        TcpKeepalive {
            time: Some(time),
            ..self
        }
    }

    /// Time between probes (`TCP_KEEPINTVL`; Windows' `keepaliveinterval`),
    /// in whole seconds, rounded up.
    #[cfg(any(keepalive_knobs, windows))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "dragonfly",
            windows
        )))
    )]
    pub const fn with_interval(self, interval: Duration) -> TcpKeepalive {
        TcpKeepalive {
            interval: Some(interval),
            ..self
        }
    }

    /// Unanswered probes before the connection drops (`TCP_KEEPCNT`;
    /// Windows 10 1703+).
    #[cfg(any(keepalive_knobs, windows))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "dragonfly",
            windows
        )))
    )]
    pub const fn with_retries(self, retries: u32) -> TcpKeepalive {
        TcpKeepalive {
            retries: Some(retries),
            ..self
        }
    }
}

/// TCP options: each method is one `getsockopt` / `setsockopt` at level
/// `IPPROTO_TCP` on a TCP socket, unless its doc says otherwise.
impl SocketHandle {
    /// `TCP_NODELAY`: whether small segments go out at once (Nagle's
    /// algorithm off); socket2's `tcp_nodelay`.
    #[doc = option_links!(tcp: linux, bsd, windows)]
    pub fn nodelay(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_NODELAY)
    }

    /// Sets `TCP_NODELAY`.
    #[doc = option_links!(tcp: linux, bsd, windows)]
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_NODELAY, nodelay)
    }

    /// `TCP_MAXSEG` (Unix): the maximum segment size for outgoing data.
    #[doc = option_links!(tcp: linux, bsd)]
    #[cfg(unix)]
    pub fn tcp_mss(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_MAXSEG)
    }

    /// Sets `TCP_MAXSEG` (Unix), before `connect` or `listen`.
    #[doc = option_links!(tcp: linux, bsd)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, when it does not fit in a C int;
    /// `EINVAL` from the kernel outside its range (Linux: 88 to 32767).
    #[cfg(unix)]
    pub fn set_tcp_mss(&self, mss: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_TCP, sys::TCP_MAXSEG, mss)
    }

    /// Turns `SO_KEEPALIVE` on and applies the settings in `params`
    /// (`TCP_KEEPIDLE`, `TCP_KEEPINTVL`, `TCP_KEEPCNT`; on Windows
    /// `WSAIoctl(SIO_KEEPALIVE_VALS)` for time and interval, then
    /// `TCP_KEEPCNT`). Windows sets time and interval together: one left
    /// unset there gets Windows' default (2 hours, 1 second).
    #[doc = option_links!(tcp: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, for a zero time, interval or
    /// retry count, or one too large for the OS; no call is made then.
    pub fn set_tcp_keepalive(&self, params: &TcpKeepalive) -> io::Result<()> {
        let time = params
            .time
            .map(|d| whole_secs("keep-alive time", d))
            .transpose()?;
        let interval = params
            .interval
            .map(|d| whole_secs("keep-alive interval", d))
            .transpose()?;
        let retries = params
            .retries
            .map(|r| match r {
                0 => Err(crate::error::invalid_input(
                    "keep-alive retries",
                    r,
                    "is zero; at least one probe is needed",
                )),
                r => at_most("keep-alive retries", r, c_int::MAX as u32),
            })
            .transpose()?;
        self.set_keepalive(true)?;
        sys::set_tcp_keepalive(self.sys(), time, interval, retries)
    }

    /// `TCP_KEEPIDLE` (Apple: `TCP_KEEPALIVE`; Windows 10 1709+): idle
    /// time before the first keep-alive probe.
    #[doc = option_links!(tcp: linux, bsd, windows)]
    pub fn tcp_keepalive_time(&self) -> io::Result<Duration> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_KEEPIDLE)
            .map(|s| Duration::from_secs(u64::from(s)))
    }

    /// `TCP_KEEPINTVL` (Windows 10 1709+ too): the time between keep-alive
    /// probes.
    #[doc = option_links!(tcp: linux, bsd, windows)]
    #[cfg(any(keepalive_knobs, windows))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "dragonfly",
            windows
        )))
    )]
    pub fn tcp_keepalive_interval(&self) -> io::Result<Duration> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_KEEPINTVL)
            .map(|s| Duration::from_secs(u64::from(s)))
    }

    /// `TCP_KEEPCNT`: how many unanswered probes drop the connection.
    #[doc = option_links!(tcp: linux, bsd, windows)]
    #[cfg(any(keepalive_knobs, windows))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "dragonfly",
            windows
        )))
    )]
    pub fn tcp_keepalive_retries(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_KEEPCNT)
    }

    /// `TCP_CORK` (Linux): hold partial segments until uncorked (or
    /// 200 ms pass), to send headers and body in full segments.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_cork(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_CORK)
    }

    /// Sets `TCP_CORK` (Linux); turning it off sends what is held.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_cork(&self, cork: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_CORK, cork)
    }

    /// `TCP_QUICKACK` (Linux): whether acknowledgements go out at once
    /// rather than delayed. The kernel may turn it off by itself.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_quickack(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_QUICKACK)
    }

    /// Sets `TCP_QUICKACK` (Linux).
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_quickack(&self, quickack: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_QUICKACK, quickack)
    }

    /// `TCP_THIN_LINEAR_TIMEOUTS` (Linux): linear rather than exponential
    /// back-off for thin streams.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_thin_linear_timeouts(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_THIN_LINEAR_TIMEOUTS)
    }

    /// Sets `TCP_THIN_LINEAR_TIMEOUTS` (Linux).
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_thin_linear_timeouts(&self, on: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_THIN_LINEAR_TIMEOUTS, on)
    }

    /// `TCP_NOTSENT_LOWAT` (Linux): how many unsent bytes may wait in the
    /// send buffer before the socket stops reporting writable.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_notsent_lowat(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_NOTSENT_LOWAT)
    }

    /// Sets `TCP_NOTSENT_LOWAT` (Linux).
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_notsent_lowat(&self, bytes: u32) -> io::Result<()> {
        sys::setsockopt::<u32>(self.sys(), sys::IPPROTO_TCP, sys::TCP_NOTSENT_LOWAT, bytes)
    }

    /// `TCP_SYNCNT` (Linux): how many SYN retransmissions a `connect`
    /// makes before it gives up (socket2 has no such method).
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_syncnt(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_SYNCNT)
    }

    /// Sets `TCP_SYNCNT` (Linux).
    #[doc = option_links!(tcp: linux)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the count, for 0 or above 255 (the kernel
    /// takes 1 to 255).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_syncnt(&self, count: u32) -> io::Result<()> {
        if count == 0 {
            return Err(crate::error::invalid_input(
                "SYN retry count",
                count,
                "is zero; at least one SYN is sent",
            ));
        }
        let count = at_most("SYN retry count", count, 255)?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_TCP, sys::TCP_SYNCNT, count)
    }

    /// `TCP_WINDOW_CLAMP` (Linux): the largest receive window advertised,
    /// in bytes (0: no clamp). socket2 has no such method.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_window_clamp(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_WINDOW_CLAMP)
    }

    /// Sets `TCP_WINDOW_CLAMP` (Linux). The kernel raises a clamp below
    /// half its minimum receive buffer to that half.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_window_clamp(&self, bytes: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_TCP, sys::TCP_WINDOW_CLAMP, bytes)
    }

    /// `TCP_USER_TIMEOUT` (Linux): how long sent data may stay
    /// unacknowledged before the connection is dropped; `None` is the
    /// system's default.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_user_timeout(&self) -> io::Result<Option<Duration>> {
        let ms = self.get_u32(sys::IPPROTO_TCP, sys::TCP_USER_TIMEOUT)?;
        Ok((ms != 0).then(|| Duration::from_millis(u64::from(ms))))
    }

    /// Sets `TCP_USER_TIMEOUT` (Linux), in whole milliseconds rounded up.
    #[doc = option_links!(tcp: linux)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the duration, beyond `i32::MAX` ms (24 days).
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_user_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        let ms = match timeout {
            None => 0,
            Some(d) => {
                let ms = d.as_millis() + u128::from(d.subsec_nanos() % 1_000_000 > 0);
                c_int::try_from(ms).map_err(|_| {
                    crate::error::invalid_input("TCP user timeout", d, "is longer than i32::MAX ms")
                })?
            }
        };
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_TCP, sys::TCP_USER_TIMEOUT, ms)
    }

    /// `TCP_CONGESTION` (Linux, FreeBSD): the congestion-control algorithm's
    /// name (`b"cubic"`, `b"reno"`, `b"bbr"`).
    #[doc = option_links!(tcp: linux, bsd)]
    #[cfg(tcp_congestion)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd")))
    )]
    pub fn tcp_congestion(&self) -> io::Result<Vec<u8>> {
        // TCP_CA_NAME_MAX (Linux) and TCP_CA_NAME_MAX (FreeBSD) are 16.
        let mut buf = [0u8; 16];
        let len =
            sys::getsockopt_bytes(self.sys(), sys::IPPROTO_TCP, sys::TCP_CONGESTION, &mut buf)?;
        let name = buf[..len].split(|&b| b == 0).next().unwrap_or_default();
        Ok(name.to_vec())
    }

    /// Sets `TCP_CONGESTION` (Linux, FreeBSD).
    #[doc = option_links!(tcp: linux, bsd)]
    ///
    /// # Errors
    /// `ENOENT` for an algorithm the kernel does not have;
    /// `PermissionDenied` for one not in
    /// `net.ipv4.tcp_allowed_congestion_control` without `CAP_NET_ADMIN`.
    #[cfg(tcp_congestion)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd")))
    )]
    pub fn set_tcp_congestion(&self, name: &[u8]) -> io::Result<()> {
        sys::setsockopt_bytes(self.sys(), sys::IPPROTO_TCP, sys::TCP_CONGESTION, name)
    }

    /// The connection's state and transmission figures: `TCP_INFO` on
    /// Linux and FreeBSD, `TCP_CONNECTION_INFO` on macOS,
    /// `WSAIoctl(SIO_TCP_INFO)` on Windows 10 1703+. Fields the platform
    /// does not report are `None`; see [`TcpInfo`].
    #[doc = option_links!(tcp: linux, bsd, windows)]
    ///
    /// # Errors
    /// The OS error (`EOPNOTSUPP` on a socket that is not TCP; `ENOTCONN`
    /// is not one: a socket in any state reports it). `InvalidData` when
    /// Linux's answer is shorter than any kernel's structure, as under an
    /// emulator that does not translate the option.
    ///
    /// # Examples
    /// ```
    /// use nativesockets::*;
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let client = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// // (Wine, which runs this crate's Windows tests, has no SIO_TCP_INFO,
    /// // and qemu-user, which runs the s390x ones, does not translate it.)
    /// # if std::env::vars().any(|(k, v)| k.ends_with("_RUNNER") && v.contains("qemu")) {
    /// #     return Ok(());
    /// # }
    /// # #[cfg(unix)] {
    /// let info = SocketRef::from(&client).tcp_info()?;
    /// assert_eq!(info.state, Some(TcpState::Established));
    /// assert!(info.rtt.is_some());
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(tcp_info)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            windows
        )))
    )]
    pub fn tcp_info(&self) -> io::Result<TcpInfo> {
        sys::tcp_info(self.sys())
    }

    /// `TCP_FASTOPEN` on a listening socket: Linux takes the queue length
    /// of pending Fast Open connections (0 turns it off); FreeBSD (which
    /// reads the `enable` field of its `struct tcp_fastopen`), macOS and
    /// Windows take it as on (non-zero) or off.
    ///
    /// Set it before `listen`. The system must allow Fast Open
    /// (Linux: bit 2 of `net.ipv4.tcp_fastopen`; FreeBSD:
    /// `net.inet.tcp.fastopen.server_enable`).
    #[doc = option_links!(tcp: linux, bsd, windows)]
    #[cfg(fastopen)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            windows
        )))
    )]
    pub fn set_tcp_fastopen(&self, queue_len: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_TCP, sys::TCP_FASTOPEN, queue_len)
    }

    /// `TCP_FASTOPEN` as the kernel reports it (the queue length on Linux,
    /// 0 or 1 elsewhere).
    #[doc = option_links!(tcp: linux, bsd, windows)]
    #[cfg(fastopen)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd",
            windows
        )))
    )]
    pub fn tcp_fastopen(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_TCP, sys::TCP_FASTOPEN)
    }

    /// `TCP_FASTOPEN_CONNECT` (Linux 4.11+): a client switch that makes a
    /// plain `connect` return at once and the first `send` carry its data
    /// in the SYN when the kernel has the server's cookie.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn tcp_fastopen_connect(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_TCP, sys::TCP_FASTOPEN_CONNECT)
    }

    /// Sets `TCP_FASTOPEN_CONNECT` (Linux), before `connect`.
    #[doc = option_links!(tcp: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_tcp_fastopen_connect(&self, on: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_TCP, sys::TCP_FASTOPEN_CONNECT, on)
    }

    /// Connects to `addr` with TCP Fast Open, `data` travelling in the SYN
    /// when the kernel holds the server's cookie (else in the first
    /// segment after the handshake, as a plain connect + send). Returns
    /// how many bytes of `data` were taken.
    ///
    /// - Linux: [`sendto(2)`] with `MSG_FASTOPEN` (the alternative to
    ///   `set_tcp_fastopen_connect` +
    ///   `connect` + `send`); the client side must be allowed by bit 1 of
    ///   `net.ipv4.tcp_fastopen`.
    /// - FreeBSD: sets `TCP_FASTOPEN` on this socket, then `sendto(2)`.
    /// - macOS: `connectx(2)` with `CONNECT_DATA_IDEMPOTENT` and `data` as
    ///   its one `iovec` (type-checked here; no macOS machine ran it).
    /// - Windows has no such call here (its Fast Open goes through
    ///   [`ConnectEx`] on an overlapped socket).
    ///
    /// On a non-blocking socket the call may return `WouldBlock` /
    /// `EINPROGRESS` as `connect` does.
    ///
    /// [`sendto(2)`]: https://man7.org/linux/man-pages/man2/send.2.html
    /// [`ConnectEx`]: https://learn.microsoft.com/en-us/windows/win32/api/mswsock/nc-mswsock-lpfn_connectex
    #[doc = option_links!(tcp: linux, bsd)]
    #[cfg(any(linux_like, apple, target_os = "freebsd"))]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            target_os = "linux",
            target_os = "android",
            target_vendor = "apple",
            target_os = "freebsd"
        )))
    )]
    pub fn connect_fastopen(&self, addr: &SockAddr, data: &[u8]) -> io::Result<usize> {
        sys::connect_fastopen(self.sys(), addr, data)
    }

    /// Sets how many segments Windows receives before it acknowledges
    /// (`WSAIoctl(SIO_TCP_SET_ACK_FREQUENCY)`; 1 turns delayed ACKs off).
    #[doc = option_links!(tcp: windows)]
    #[cfg(windows)]
    pub fn set_tcp_ack_frequency(&self, frequency: u8) -> io::Result<()> {
        sys::set_tcp_ack_frequency(self.sys(), frequency)
    }
}
