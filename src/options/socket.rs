//! Socket-wide options (`SOL_SOCKET`).
//!
//! Linux: socket(7); FreeBSD and macOS: getsockopt(2); Windows: "SOL_SOCKET
//! socket options" in the Winsock reference.

use std::io;
#[cfg(bind_index)]
use std::num::NonZeroU32;
use std::os::raw::c_int;
use std::time::Duration;

use super::{buffer_size, check_timeout};
use crate::socket::SocketHandle;
use crate::sys;

impl SocketHandle {
    /// `SO_REUSEADDR`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn reuse_address(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEADDR)
    }

    /// Sets `SO_REUSEADDR`. On Windows this lets another socket bind the
    /// same port even while this one listens; servers there want
    /// `set_exclusive_address_use` (Windows).
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn set_reuse_address(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEADDR, reuse)
    }

    /// `SO_REUSEPORT` (Unix only).
    #[doc = option_links!(socket: linux, bsd)]
    #[cfg(unix)]
    pub fn reuse_port(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT)
    }

    /// Sets `SO_REUSEPORT` (Unix only).
    #[doc = option_links!(socket: linux, bsd)]
    #[cfg(unix)]
    pub fn set_reuse_port(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT, reuse)
    }

    /// `SO_EXCLUSIVEADDRUSE` (Windows only).
    #[doc = option_links!(socket: windows)]
    #[cfg(windows)]
    pub fn exclusive_address_use(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_EXCLUSIVEADDRUSE)
    }

    /// Sets `SO_EXCLUSIVEADDRUSE` (Windows only): no other socket may bind
    /// this port. Must be set before `bind`.
    #[doc = option_links!(socket: windows)]
    #[cfg(windows)]
    pub fn set_exclusive_address_use(&self, exclusive: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_EXCLUSIVEADDRUSE, exclusive)
    }

    /// `SO_KEEPALIVE`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn keepalive(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_KEEPALIVE)
    }

    /// Sets `SO_KEEPALIVE`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_KEEPALIVE, keepalive)
    }

    /// `SO_BROADCAST`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn broadcast(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_BROADCAST)
    }

    /// Sets `SO_BROADCAST`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn set_broadcast(&self, broadcast: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_BROADCAST, broadcast)
    }

    /// `SO_RCVBUF`, in bytes, as the kernel reports it: Linux reports
    /// twice what was set (it counts its bookkeeping), so reading back
    /// after `set_recv_buffer_size(n)` gives `2 * n` there (clamped to
    /// `net.core.rmem_max`).
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn recv_buffer_size(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_RCVBUF)
            .map(|v| v as usize)
    }

    /// Sets `SO_RCVBUF` (Linux doubles the value for its bookkeeping).
    #[doc = option_links!(socket: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    pub fn set_recv_buffer_size(&self, size: usize) -> io::Result<()> {
        let size = buffer_size("receive buffer size", size)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_RCVBUF, size)
    }

    /// `SO_SNDBUF`, in bytes, as the kernel reports it (Linux: twice
    /// what was set, see [`recv_buffer_size`](Self::recv_buffer_size)).
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn send_buffer_size(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_SNDBUF)
            .map(|v| v as usize)
    }

    /// Sets `SO_SNDBUF`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    pub fn set_send_buffer_size(&self, size: usize) -> io::Result<()> {
        let size = buffer_size("send buffer size", size)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_SNDBUF, size)
    }

    /// `SO_LINGER`: `None` when off, else how long `close` waits for
    /// unsent data (whole seconds).
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        sys::linger(self.sys())
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes `close` reset the
    /// connection. The OS counts whole seconds: a fraction rounds up, so
    /// `Some(500 ms)` lingers for 1 s rather than resetting.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        let whole = linger.map(|d| {
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            Duration::from_secs(secs)
        });
        sys::set_linger(self.sys(), whole)
    }

    /// `SO_RCVTIMEO`: `None` when receives wait forever.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        sys::timeout(self.sys(), sys::SO_RCVTIMEO)
    }

    /// Sets `SO_RCVTIMEO`; a receive that waits longer fails with
    /// `WouldBlock` (Unix) or `TimedOut` (Windows). `None` waits forever.
    #[doc = option_links!(socket: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput` for `Some(Duration::ZERO)`, which the OS would read
    /// as "no timeout" (std's `set_read_timeout` refuses it too).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout("read timeout", timeout)?;
        sys::set_timeout(self.sys(), sys::SO_RCVTIMEO, timeout)
    }

    /// `SO_SNDTIMEO`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        sys::timeout(self.sys(), sys::SO_SNDTIMEO)
    }

    /// Sets `SO_SNDTIMEO`; see [`set_read_timeout`](Self::set_read_timeout).
    #[doc = option_links!(socket: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput` for `Some(Duration::ZERO)`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout("write timeout", timeout)?;
        sys::set_timeout(self.sys(), sys::SO_SNDTIMEO, timeout)
    }

    /// Reads and clears `SO_ERROR`: the socket's pending error, for
    /// example the outcome of a non-blocking `connect`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        let code = sys::getsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_ERROR)?;
        Ok((code != 0).then(|| io::Error::from_raw_os_error(code)))
    }

    /// `SO_TYPE`: the socket's type as the platform's number (see
    /// [`SockType::from_int`](crate::SockType::from_int)).
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn sock_type_raw(&self) -> io::Result<c_int> {
        sys::getsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_TYPE)
    }

    /// `SO_ACCEPTCONN`: whether the socket is listening.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn is_listener(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_ACCEPTCONN)
    }

    /// `SO_OOBINLINE`: whether out-of-band data arrives in the normal
    /// stream rather than through `MSG_OOB`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn out_of_band_inline(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_OOBINLINE)
    }

    /// Sets `SO_OOBINLINE`.
    #[doc = option_links!(socket: linux, bsd, windows)]
    pub fn set_out_of_band_inline(&self, inline: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_OOBINLINE, inline)
    }

    /// `SO_RCVLOWAT`: the fewest bytes a blocking receive waits for
    /// (Unix; socket2 has no such method).
    #[doc = option_links!(socket: linux, bsd)]
    #[cfg(unix)]
    pub fn recv_lowat(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_RCVLOWAT)
            .map(|v| v as usize)
    }

    /// Sets `SO_RCVLOWAT` (Unix).
    #[doc = option_links!(socket: linux, bsd)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the size, when it does not fit in a C `int`.
    #[cfg(unix)]
    pub fn set_recv_lowat(&self, bytes: usize) -> io::Result<()> {
        let bytes = buffer_size("receive low-water mark", bytes)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_RCVLOWAT, bytes)
    }

    /// `SO_MARK` (Linux): the mark routing rules and netfilter see on this
    /// socket's packets.
    #[doc = option_links!(socket: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn mark(&self) -> io::Result<u32> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_MARK)
    }

    /// Sets `SO_MARK` (Linux).
    #[doc = option_links!(socket: linux)]
    ///
    /// # Errors
    /// `PermissionDenied` (`EPERM`) without `CAP_NET_ADMIN` (or
    /// `CAP_NET_RAW`), unchanged from the kernel.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_mark(&self, mark: u32) -> io::Result<()> {
        sys::setsockopt::<u32>(self.sys(), sys::SOL_SOCKET, sys::SO_MARK, mark)
    }

    /// `SO_PRIORITY` (Linux): the queueing priority of this socket's packets.
    #[doc = option_links!(socket: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn priority(&self) -> io::Result<u32> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_PRIORITY)
    }

    /// Sets `SO_PRIORITY` (Linux). 0 to 6 need no privilege; higher ones
    /// need `CAP_NET_ADMIN` and otherwise fail with `PermissionDenied`.
    #[doc = option_links!(socket: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_priority(&self, priority: u32) -> io::Result<()> {
        self.set_u32(sys::SOL_SOCKET, sys::SO_PRIORITY, priority)
    }

    /// `SO_BINDTODEVICE` (Linux): the name of the interface the socket is
    /// bound to, `None` when it is not.
    #[doc = option_links!(socket: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        // IFNAMSIZ (16) bytes hold any interface name and its NUL.
        let mut buf = [0u8; 16];
        let len =
            sys::getsockopt_bytes(self.sys(), sys::SOL_SOCKET, sys::SO_BINDTODEVICE, &mut buf)?;
        let name = &buf[..len];
        let name = name.split(|&b| b == 0).next().unwrap_or_default();
        Ok((!name.is_empty()).then(|| name.to_vec()))
    }

    /// Sets `SO_BINDTODEVICE` (Linux): send and receive only through the
    /// interface named `interface` (`b"lo"`, `b"eth0"`); `None` unbinds.
    #[doc = option_links!(socket: linux)]
    ///
    /// # Errors
    /// `InvalidInput` for a name of 16 bytes or more or holding a NUL;
    /// `PermissionDenied` without `CAP_NET_RAW` (kernels before 5.7);
    /// `ENODEV` for an unknown interface.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        let name = interface.unwrap_or_default();
        if name.len() >= 16 || name.contains(&0) {
            return Err(crate::error::invalid_input(
                "interface name",
                String::from_utf8_lossy(name),
                "is not a name of at most 15 bytes without NUL",
            ));
        }
        sys::setsockopt_bytes(self.sys(), sys::SOL_SOCKET, sys::SO_BINDTODEVICE, name)
    }

    /// Binds an IPv4 socket to the interface with this index
    /// (`SO_BINDTOIFINDEX` on Linux 5.0+, `IP_BOUND_IF` on Apple); `None`
    /// unbinds.
    #[doc = option_links!(socket: linux)]
    #[cfg(bind_index)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple")))
    )]
    pub fn bind_device_by_index_v4(&self, interface: Option<NonZeroU32>) -> io::Result<()> {
        let index = interface.map_or(0, NonZeroU32::get);
        #[cfg(linux_like)]
        return sys::setsockopt::<u32>(self.sys(), sys::SOL_SOCKET, sys::SO_BINDTOIFINDEX, index);
        #[cfg(apple)]
        return sys::setsockopt::<u32>(self.sys(), sys::IPPROTO_IP, sys::IP_BOUND_IF, index);
    }

    /// Binds an IPv6 socket to the interface with this index
    /// (`SO_BINDTOIFINDEX` on Linux, `IPV6_BOUND_IF` on Apple).
    #[doc = option_links!(socket: linux)]
    #[cfg(bind_index)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple")))
    )]
    pub fn bind_device_by_index_v6(&self, interface: Option<NonZeroU32>) -> io::Result<()> {
        let index = interface.map_or(0, NonZeroU32::get);
        #[cfg(linux_like)]
        return sys::setsockopt::<u32>(self.sys(), sys::SOL_SOCKET, sys::SO_BINDTOIFINDEX, index);
        #[cfg(apple)]
        return sys::setsockopt::<u32>(self.sys(), sys::IPPROTO_IPV6, sys::IPV6_BOUND_IF, index);
    }

    /// The index of the interface an IPv4 socket is bound to, `None` when
    /// it is not; see [`bind_device_by_index_v4`](Self::bind_device_by_index_v4).
    #[doc = option_links!(socket: linux)]
    #[cfg(bind_index)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple")))
    )]
    pub fn device_index_v4(&self) -> io::Result<Option<NonZeroU32>> {
        #[cfg(linux_like)]
        let index = sys::getsockopt::<u32>(self.sys(), sys::SOL_SOCKET, sys::SO_BINDTOIFINDEX)?;
        #[cfg(apple)]
        let index = sys::getsockopt::<u32>(self.sys(), sys::IPPROTO_IP, sys::IP_BOUND_IF)?;
        Ok(NonZeroU32::new(index))
    }

    /// The index of the interface an IPv6 socket is bound to.
    #[doc = option_links!(socket: linux)]
    #[cfg(bind_index)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple")))
    )]
    pub fn device_index_v6(&self) -> io::Result<Option<NonZeroU32>> {
        #[cfg(linux_like)]
        let index = sys::getsockopt::<u32>(self.sys(), sys::SOL_SOCKET, sys::SO_BINDTOIFINDEX)?;
        #[cfg(apple)]
        let index = sys::getsockopt::<u32>(self.sys(), sys::IPPROTO_IPV6, sys::IPV6_BOUND_IF)?;
        Ok(NonZeroU32::new(index))
    }

    /// `SO_INCOMING_CPU` (Linux): the CPU that handles this socket's
    /// incoming packets.
    #[doc = option_links!(socket: linux)]
    #[cfg(target_os = "linux")]
    pub fn cpu_affinity(&self) -> io::Result<usize> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_INCOMING_CPU)
            .map(|v| v as usize)
    }

    /// Sets `SO_INCOMING_CPU` (Linux).
    #[doc = option_links!(socket: linux)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the CPU, when it does not fit in a C `int`.
    #[cfg(target_os = "linux")]
    pub fn set_cpu_affinity(&self, cpu: usize) -> io::Result<()> {
        let cpu = buffer_size("CPU number", cpu)?;
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_INCOMING_CPU, cpu)
    }

    /// `SO_BUSY_POLL` (Linux): microseconds a blocking receive busy-polls
    /// the device before sleeping.
    #[doc = option_links!(socket: linux)]
    #[cfg(target_os = "linux")]
    pub fn busy_poll(&self) -> io::Result<u32> {
        self.get_u32(sys::SOL_SOCKET, sys::SO_BUSY_POLL)
    }

    /// Sets `SO_BUSY_POLL` (Linux). Raising it above the system's
    /// `net.core.busy_read` needs `CAP_NET_ADMIN` (`PermissionDenied`).
    #[doc = option_links!(socket: linux)]
    #[cfg(target_os = "linux")]
    pub fn set_busy_poll(&self, micros: u32) -> io::Result<()> {
        self.set_u32(sys::SOL_SOCKET, sys::SO_BUSY_POLL, micros)
    }

    /// `SO_COOKIE` (Linux): the socket's unique, never reused 64-bit id
    /// (the one BPF programs and `ss -e` show).
    #[doc = option_links!(socket: linux)]
    #[cfg(target_os = "linux")]
    pub fn cookie(&self) -> io::Result<u64> {
        sys::getsockopt::<u64>(self.sys(), sys::SOL_SOCKET, sys::SO_COOKIE)
    }

    /// `SO_ATTACH_FILTER` (Linux): attaches a classic BPF program that
    /// decides which packets the socket receives.
    #[doc = option_links!(socket: linux)]
    ///
    /// # Errors
    /// `InvalidInput` for more than 65535 instructions; `EINVAL` from the
    /// kernel for a program it rejects.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn attach_filter(&self, filters: &[sys::SockFilter]) -> io::Result<()> {
        sys::attach_filter(self.sys(), filters)
    }

    /// `SO_DETACH_FILTER` (Linux): removes the attached BPF program.
    #[doc = option_links!(socket: linux)]
    ///
    /// # Errors
    /// `ENOENT` when none is attached.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn detach_filter(&self) -> io::Result<()> {
        sys::setsockopt::<c_int>(self.sys(), sys::SOL_SOCKET, sys::SO_DETACH_FILTER, 0)
    }

    /// `SO_NOSIGPIPE` (Apple): whether a send to a closed peer returns
    /// `EPIPE` instead of raising `SIGPIPE`. The crate turns it on for
    /// every socket it creates or accepts.
    #[cfg(apple)]
    #[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
    pub fn nosigpipe(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_NOSIGPIPE)
    }

    /// Sets `SO_NOSIGPIPE` (Apple).
    #[cfg(apple)]
    #[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
    pub fn set_nosigpipe(&self, nosigpipe: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_NOSIGPIPE, nosigpipe)
    }

    /// Sets `SO_SETFIB` (FreeBSD): the routing table (FIB) this socket
    /// uses.
    #[doc = option_links!(socket: bsd)]
    #[cfg(target_os = "freebsd")]
    pub fn set_fib(&self, fib: u32) -> io::Result<()> {
        self.set_u32(sys::SOL_SOCKET, sys::SO_SETFIB, fib)
    }

    /// `SO_REUSEPORT_LB` (FreeBSD 12+): share a port among sockets with
    /// the load balanced between them, as `SO_REUSEPORT` does on Linux.
    #[doc = option_links!(socket: bsd)]
    #[cfg(target_os = "freebsd")]
    pub fn reuse_port_lb(&self) -> io::Result<bool> {
        self.get_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT_LB)
    }

    /// Sets `SO_REUSEPORT_LB` (FreeBSD), before `bind`.
    #[doc = option_links!(socket: bsd)]
    #[cfg(target_os = "freebsd")]
    pub fn set_reuse_port_lb(&self, reuse: bool) -> io::Result<()> {
        self.set_bool(sys::SOL_SOCKET, sys::SO_REUSEPORT_LB, reuse)
    }

    /// `SO_PEERCRED` (Linux): who is at the other end of a connected Unix
    /// socket (or a socket pair): the peer's credentials as of `connect`
    /// (or `socketpair`). socket2 has no such method.
    #[doc = option_links!(socket: linux)]
    ///
    /// # Errors
    /// The OS error; on a socket that is not a Unix-domain one Linux
    /// answers with pid 0 and the overflow ids, not an error.
    ///
    /// # Examples
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use std::os::unix::net::UnixStream;
    /// let (a, _b) = UnixStream::pair()?;
    /// let cred = nativesockets::SocketRef::from(&a).peer_cred()?;
    /// assert_eq!(cred.pid, std::process::id() as i32);
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn peer_cred(&self) -> io::Result<PeerCred> {
        let (pid, uid, gid) = sys::peer_cred(self.sys())?;
        Ok(PeerCred { pid, uid, gid })
    }
}

/// The credentials [`SocketHandle::peer_cred`] reports (Linux's `struct
/// ucred`).
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerCred {
    /// The peer's process id.
    pub pid: i32,
    /// The peer's effective user id.
    pub uid: u32,
    /// The peer's effective group id.
    pub gid: u32,
}

/// The receive switches that make [`recv_msg`](Self::recv_msg) deliver
/// control data: on every platform, `Unsupported` where this one lacks
/// the option (see the module's docs).
impl SocketHandle {
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report when each datagram
        /// arrived ([`ReceivedControl::Timestamp`](crate::ReceivedControl::Timestamp)): `SO_TIMESTAMPNS`
        /// (nanoseconds) on Linux, `SO_TIMESTAMP` (microseconds) on macOS
        /// and FreeBSD; Windows has no such option.
        #[doc = option_links!(socket: linux, bsd)]
        set_recv_timestamp, recv_timestamp, RECV_TIMESTAMP, "SO_TIMESTAMPNS"
    );
    switch!(
        /// Makes a Unix-domain socket receive the sender's credentials
        /// with every message (`ReceivedControl::Credentials`, a variant
        /// that exists on Unix only): `SO_PASSCRED`, Linux.
        #[doc = option_links!(socket: linux)]
        set_passcred, passcred, PASSCRED, "SO_PASSCRED"
    );
}
