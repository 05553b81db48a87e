//! IPv4 options (`IPPROTO_IP`), multicast and path-MTU discovery included.
//!
//! Linux: ip(7); FreeBSD: ip(4); macOS: ip(4); Windows: "IPPROTO_IP
//! socket options" in the Winsock reference.

use std::io;
use std::net::Ipv4Addr;
use std::os::raw::c_int;

use super::at_most;
use crate::socket::SocketHandle;
use crate::sys;
#[cfg(original_dst)]
use crate::sys::SockAddr;

/// The local interface of an IPv4 multicast membership: by address (as
/// `ip_mreq` names it) or by index (as `ip_mreqn` does).
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InterfaceIndexOrAddress {
    /// The interface's index (`if_nametoindex`); 0 lets the system choose.
    Index(u32),
    /// One of the interface's IPv4 addresses; `0.0.0.0` lets the system
    /// choose.
    Address(Ipv4Addr),
}

/// Path-MTU discovery mode (`IP_MTU_DISCOVER` / `IPV6_MTU_DISCOVER`):
/// whether outgoing packets carry don't-fragment and what a too-large
/// send does.
#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MtuDiscover {
    /// Windows' default: the system's setting applies (`IP_PMTUDISC_NOT_SET`).
    NotSet,
    /// Never set don't-fragment; fragment locally (`IP_PMTUDISC_DONT`).
    Dont,
    /// Linux's default: discover per route, fragment when the route's MTU
    /// says so (`IP_PMTUDISC_WANT`; Linux only).
    Want,
    /// Always set don't-fragment; a send larger than the known path MTU
    /// fails with `EMSGSIZE` (`IP_PMTUDISC_DO`).
    Do,
    /// Set don't-fragment but ignore the path MTU: for probing it
    /// (`IP_PMTUDISC_PROBE`).
    Probe,
    /// Use the interface's MTU, ignore ICMP "too big" (Linux only,
    /// `IP_PMTUDISC_INTERFACE`).
    Interface,
    /// As `Interface`, but fragment packets larger than it (Linux only,
    /// `IP_PMTUDISC_OMIT`).
    Omit,
}

#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
impl MtuDiscover {
    const ALL: [MtuDiscover; 7] = [
        MtuDiscover::NotSet,
        MtuDiscover::Dont,
        MtuDiscover::Want,
        MtuDiscover::Do,
        MtuDiscover::Probe,
        MtuDiscover::Interface,
        MtuDiscover::Omit,
    ];

    /// The platform's value, `None` where it lacks the mode.
    fn raw(self) -> Option<c_int> {
        use sys::pmtudisc as m;
        match self {
            MtuDiscover::NotSet => m::NOT_SET,
            MtuDiscover::Dont => m::DONT,
            MtuDiscover::Want => m::WANT,
            MtuDiscover::Do => m::DO,
            MtuDiscover::Probe => m::PROBE,
            MtuDiscover::Interface => m::INTERFACE,
            MtuDiscover::Omit => m::OMIT,
        }
    }

    pub(super) fn to_raw(self, option: &str) -> io::Result<c_int> {
        self.raw().ok_or_else(|| {
            crate::error::with_kind(
                io::ErrorKind::Unsupported,
                option,
                self,
                &format!("this mode does not exist on {}", std::env::consts::OS),
            )
        })
    }

    pub(super) fn from_raw(option: &str, raw: c_int) -> io::Result<MtuDiscover> {
        Self::ALL
            .into_iter()
            .find(|m| m.raw() == Some(raw))
            .ok_or_else(|| {
                crate::error::with_kind(
                    io::ErrorKind::InvalidData,
                    option,
                    raw,
                    "is a mode this crate does not know",
                )
            })
    }
}

/// IPv4 options: each method is one `getsockopt` / `setsockopt` at level
/// `IPPROTO_IP`, on an IPv4 socket.
impl SocketHandle {
    /// `IP_TTL`: the time-to-live of outgoing IPv4 packets (socket2's
    /// `ttl_v4`).
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn ttl(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IP, sys::IP_TTL)
    }

    /// Sets `IP_TTL`.
    #[doc = option_links!(ip: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 255.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        let ttl = at_most("TTL", ttl, 255)?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IP, sys::IP_TTL, ttl)
    }

    /// `IP_TOS`: the type-of-service byte (DSCP and ECN) of outgoing
    /// packets.
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IP, sys::IP_TOS)
    }

    /// Sets `IP_TOS`. Windows ignores it unless the system allows it.
    #[doc = option_links!(ip: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 255.
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        let tos = at_most("type of service", tos, 255)?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IP, sys::IP_TOS, tos)
    }

    /// `IP_HDRINCL`: whether the program writes the IPv4 header itself
    /// (raw sockets).
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn header_included_v4(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_HDRINCL)
    }

    /// Sets `IP_HDRINCL` (raw sockets, which need privileges to create).
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn set_header_included_v4(&self, included: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_HDRINCL, included)
    }

    /// `IP_TRANSPARENT` (Linux): whether the socket may bind and answer
    /// for addresses that are not local (transparent proxies).
    #[doc = option_links!(ip: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn ip_transparent_v4(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_TRANSPARENT)
    }

    /// Sets `IP_TRANSPARENT` (Linux).
    #[doc = option_links!(ip: linux)]
    ///
    /// # Errors
    /// `PermissionDenied` (`EPERM`) without `CAP_NET_ADMIN` or
    /// `CAP_NET_RAW`, unchanged from the kernel.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_ip_transparent_v4(&self, transparent: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_TRANSPARENT, transparent)
    }

    /// `IP_FREEBIND` (Linux): whether the socket may bind an address not
    /// (yet) on any interface.
    #[doc = option_links!(ip: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn freebind_v4(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_FREEBIND)
    }

    /// Sets `IP_FREEBIND` (Linux).
    #[doc = option_links!(ip: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_freebind_v4(&self, freebind: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_FREEBIND, freebind)
    }

    /// `IP_BIND_ADDRESS_NO_PORT` (Linux 4.2+): whether `bind` to an
    /// address with port 0 leaves the port to be chosen at `connect`, so
    /// that many outgoing connections from one address share ports per
    /// destination (proxies). IPv4 and IPv6 sockets; socket2 has no such
    /// method.
    #[doc = option_links!(ip: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn ip_bind_address_no_port(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_BIND_ADDRESS_NO_PORT)
    }

    /// Sets `IP_BIND_ADDRESS_NO_PORT` (Linux), before `bind`.
    #[doc = option_links!(ip: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_ip_bind_address_no_port(&self, on: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_BIND_ADDRESS_NO_PORT, on)
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`IP_ADD_MEMBERSHIP` with an `ip_mreq`;
    /// `0.0.0.0` lets the system choose).
    #[doc = option_links!(ip: linux, bsd, windows)]
    ///
    /// # Examples
    /// ```
    /// use nativesockets::*;
    /// use std::net::Ipv4Addr;
    /// let s = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    /// let group = Ipv4Addr::new(239, 255, 12, 34);
    /// s.join_multicast_v4(&group, &Ipv4Addr::LOCALHOST)?;
    /// s.leave_multicast_v4(&group, &Ipv4Addr::LOCALHOST)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn join_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        sys::set_mreq_v4(self.sys(), sys::IP_ADD_MEMBERSHIP, *multiaddr, *interface)
    }

    /// Leaves a group joined with [`join_multicast_v4`](Self::join_multicast_v4)
    /// (`IP_DROP_MEMBERSHIP`).
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn leave_multicast_v4(&self, multiaddr: &Ipv4Addr, interface: &Ipv4Addr) -> io::Result<()> {
        sys::set_mreq_v4(self.sys(), sys::IP_DROP_MEMBERSHIP, *multiaddr, *interface)
    }

    /// Joins an IPv4 multicast group on an interface given by index or
    /// address (`IP_ADD_MEMBERSHIP` with an `ip_mreqn` on Unix; on
    /// Windows an index travels in `ip_mreq` as `0.0.0.index`).
    #[doc = option_links!(ip: linux, bsd, windows)]
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
    pub fn join_multicast_v4_n(
        &self,
        multiaddr: &Ipv4Addr,
        interface: &InterfaceIndexOrAddress,
    ) -> io::Result<()> {
        self.mreqn(sys::IP_ADD_MEMBERSHIP, multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v4_n`](Self::join_multicast_v4_n).
    #[doc = option_links!(ip: linux, bsd, windows)]
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
    pub fn leave_multicast_v4_n(
        &self,
        multiaddr: &Ipv4Addr,
        interface: &InterfaceIndexOrAddress,
    ) -> io::Result<()> {
        self.mreqn(sys::IP_DROP_MEMBERSHIP, multiaddr, interface)
    }

    #[cfg(mreqn)]
    fn mreqn(
        &self,
        name: c_int,
        group: &Ipv4Addr,
        iface: &InterfaceIndexOrAddress,
    ) -> io::Result<()> {
        let (address, index) = match *iface {
            InterfaceIndexOrAddress::Index(i) => (Ipv4Addr::UNSPECIFIED, i),
            InterfaceIndexOrAddress::Address(a) => (a, 0),
        };
        sys::set_mreqn_v4(self.sys(), name, *group, address, index)
    }

    /// Joins the source-specific multicast channel (`source`, `group`) on
    /// the interface with address `interface`
    /// (`IP_ADD_SOURCE_MEMBERSHIP`).
    #[doc = option_links!(ip: linux, bsd, windows)]
    #[cfg(ssm)]
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
    pub fn join_ssm_v4(
        &self,
        source: &Ipv4Addr,
        group: &Ipv4Addr,
        interface: &Ipv4Addr,
    ) -> io::Result<()> {
        sys::set_mreq_source_v4(
            self.sys(),
            sys::IP_ADD_SOURCE_MEMBERSHIP,
            *group,
            *source,
            *interface,
        )
    }

    /// Leaves a channel joined with [`join_ssm_v4`](Self::join_ssm_v4)
    /// (`IP_DROP_SOURCE_MEMBERSHIP`).
    #[doc = option_links!(ip: linux, bsd, windows)]
    #[cfg(ssm)]
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
    pub fn leave_ssm_v4(
        &self,
        source: &Ipv4Addr,
        group: &Ipv4Addr,
        interface: &Ipv4Addr,
    ) -> io::Result<()> {
        sys::set_mreq_source_v4(
            self.sys(),
            sys::IP_DROP_SOURCE_MEMBERSHIP,
            *group,
            *source,
            *interface,
        )
    }

    /// `IP_MULTICAST_ALL` (Linux): whether a socket bound to a wildcard
    /// address receives every group any socket joined (the default) or
    /// only its own.
    #[doc = option_links!(ip: linux)]
    #[cfg(target_os = "linux")]
    pub fn multicast_all_v4(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_MULTICAST_ALL)
    }

    /// Sets `IP_MULTICAST_ALL` (Linux).
    #[doc = option_links!(ip: linux)]
    #[cfg(target_os = "linux")]
    pub fn set_multicast_all_v4(&self, all: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_MULTICAST_ALL, all)
    }

    /// `IP_MULTICAST_IF`: the address of the interface outgoing multicast
    /// leaves by (`0.0.0.0`: the system chooses).
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn multicast_if_v4(&self) -> io::Result<Ipv4Addr> {
        sys::multicast_if_v4(self.sys())
    }

    /// Sets `IP_MULTICAST_IF`.
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn set_multicast_if_v4(&self, interface: &Ipv4Addr) -> io::Result<()> {
        sys::set_multicast_if_v4(self.sys(), *interface)
    }

    /// `IP_MULTICAST_LOOP`: whether this host's own sockets receive the
    /// multicast it sends.
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_MULTICAST_LOOP)
    }

    /// Sets `IP_MULTICAST_LOOP`.
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_MULTICAST_LOOP, on)
    }

    /// `IP_MULTICAST_TTL`: the time-to-live of outgoing multicast.
    #[doc = option_links!(ip: linux, bsd, windows)]
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IP, sys::IP_MULTICAST_TTL)
    }

    /// Sets `IP_MULTICAST_TTL`.
    #[doc = option_links!(ip: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 255.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        let ttl = at_most("multicast TTL", ttl, 255)?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IP, sys::IP_MULTICAST_TTL, ttl)
    }

    /// `SO_ORIGINAL_DST`: where a connection redirected to this socket was
    /// going (Linux: netfilter's `REDIRECT`/`DNAT`; Windows: a WFP redirect
    /// record). Only on accepted IPv4 connections.
    #[doc = option_links!(ip: linux, windows)]
    ///
    /// # Errors
    /// `ENOENT` (Linux) for a connection that was not redirected.
    #[cfg(original_dst)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn original_dst_v4(&self) -> io::Result<SockAddr> {
        sys::original_dst_v4(self.sys())
    }

    /// `IP_MTU_DISCOVER` (Linux, Windows 10+): the path-MTU discovery mode.
    #[doc = option_links!(ip: linux, windows)]
    #[cfg(pmtud)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn mtu_discover_v4(&self) -> io::Result<MtuDiscover> {
        let raw = sys::getsockopt::<c_int>(self.sys(), sys::IPPROTO_IP, sys::IP_MTU_DISCOVER)?;
        MtuDiscover::from_raw("IP_MTU_DISCOVER", raw)
    }

    /// Sets `IP_MTU_DISCOVER`. `MtuDiscover::Do` is don't-fragment: a
    /// datagram larger than the path MTU then fails with `EMSGSIZE`.
    #[doc = option_links!(ip: linux, windows)]
    ///
    /// # Errors
    /// `Unsupported`, naming the mode, for one the platform lacks (`Want`,
    /// `Interface`, `Omit` on Windows; `NotSet` on Linux), with no system
    /// call made.
    #[cfg(pmtud)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn set_mtu_discover_v4(&self, mode: MtuDiscover) -> io::Result<()> {
        let raw = mode.to_raw("IP_MTU_DISCOVER mode")?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IP, sys::IP_MTU_DISCOVER, raw)
    }

    /// `IP_MTU` (Linux, Windows 10+): the path MTU the kernel knows for a
    /// connected socket's peer.
    #[doc = option_links!(ip: linux, windows)]
    ///
    /// # Errors
    /// `ENOTCONN` on a socket that is not connected.
    #[cfg(pmtud)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn mtu_v4(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IP, sys::IP_MTU)
    }

    /// `IP_DONTFRAG` (FreeBSD, macOS; `IP_DONTFRAGMENT` on Windows):
    /// whether outgoing packets carry don't-fragment. Linux has no such
    /// switch: `set_mtu_discover_v4(MtuDiscover::Do)` is its equivalent.
    #[doc = option_links!(ip: bsd, windows)]
    #[cfg(dontfrag_v4)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_vendor = "apple", target_os = "freebsd", windows)))
    )]
    pub fn dontfrag_v4(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IP, sys::IP_DONTFRAG)
    }

    /// Sets `IP_DONTFRAG` (FreeBSD, macOS, Windows).
    #[doc = option_links!(ip: bsd, windows)]
    #[cfg(dontfrag_v4)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_vendor = "apple", target_os = "freebsd", windows)))
    )]
    pub fn set_dontfrag_v4(&self, dontfrag: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IP, sys::IP_DONTFRAG, dontfrag)
    }
}

/// The receive switches that make [`recv_msg`](Self::recv_msg) deliver
/// control data: on every platform, `Unsupported` where this one lacks
/// the option (see the module's docs).
impl SocketHandle {
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv4 datagram's
        /// destination address and interface
        /// ([`ReceivedControl::PktInfoV4`](crate::ReceivedControl::PktInfoV4)): `IP_PKTINFO` on Linux, macOS
        /// and Windows, `IP_RECVDSTADDR` on FreeBSD (address only).
        #[doc = option_links!(ip: linux, bsd, windows)]
        set_recv_pktinfo_v4, recv_pktinfo_v4, RECV_PKTINFO_V4, "IP_PKTINFO"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv4 datagram's
        /// TOS byte, ECN bits included ([`ReceivedControl::TosV4`](crate::ReceivedControl::TosV4)):
        /// `IP_RECVTOS`.
        #[doc = option_links!(ip: linux, bsd, windows)]
        set_recv_tos_v4, recv_tos_v4, RECV_TOS_V4, "IP_RECVTOS"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv4 datagram's
        /// TTL ([`ReceivedControl::TtlV4`](crate::ReceivedControl::TtlV4)): `IP_RECVTTL`.
        #[doc = option_links!(ip: linux, bsd, windows)]
        set_recv_ttl_v4, recv_ttl_v4, RECV_TTL_V4, "IP_RECVTTL"
    );
    switch!(
        /// Queues ICMP errors for IPv4 (read with `MSG_ERRQUEUE`):
        /// `IP_RECVERR`, Linux.
        #[doc = option_links!(ip: linux)]
        set_recv_err_v4, recv_err_v4, RECV_ERR_V4, "IP_RECVERR"
    );
}
