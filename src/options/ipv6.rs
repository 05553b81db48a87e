//! IPv6 options (`IPPROTO_IPV6`), multicast and path-MTU discovery
//! included.
//!
//! Linux: ipv6(7); FreeBSD: ip6(4); macOS: ip6(4); Windows: "IPPROTO_IPV6
//! socket options" in the Winsock reference.

use std::io;
use std::net::Ipv6Addr;
use std::os::raw::c_int;

use super::at_most;
#[cfg(pmtud)]
use super::MtuDiscover;
use crate::socket::SocketHandle;
use crate::sys;
#[cfg(original_dst)]
use crate::sys::SockAddr;

/// IPv6 options: each method is one `getsockopt` / `setsockopt` at level
/// `IPPROTO_IPV6`, on an IPv6 socket.
impl SocketHandle {
    /// `IPV6_V6ONLY`: whether an IPv6 socket refuses IPv4-mapped traffic.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn only_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_V6ONLY)
    }

    /// Sets `IPV6_V6ONLY` (before `bind`).
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn set_only_v6(&self, only_v6: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_V6ONLY, only_v6)
    }

    /// `IPV6_UNICAST_HOPS`: the hop limit of outgoing unicast.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn unicast_hops_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_UNICAST_HOPS)
    }

    /// Sets `IPV6_UNICAST_HOPS`.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 255.
    pub fn set_unicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        let hops = at_most("hop limit", hops, 255)?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IPV6, sys::IPV6_UNICAST_HOPS, hops)
    }

    /// `IPV6_MULTICAST_HOPS`: the hop limit of outgoing multicast.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn multicast_hops_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_MULTICAST_HOPS)
    }

    /// Sets `IPV6_MULTICAST_HOPS`.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 255.
    pub fn set_multicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        let hops = at_most("multicast hop limit", hops, 255)?;
        sys::setsockopt::<c_int>(
            self.sys(),
            sys::IPPROTO_IPV6,
            sys::IPV6_MULTICAST_HOPS,
            hops,
        )
    }

    /// `IPV6_MULTICAST_LOOP`: whether this host's own sockets receive the
    /// multicast it sends.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_MULTICAST_LOOP)
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_MULTICAST_LOOP, on)
    }

    /// `IPV6_MULTICAST_IF`: the index of the interface outgoing multicast
    /// leaves by (0: the system chooses).
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn multicast_if_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_MULTICAST_IF)
    }

    /// Sets `IPV6_MULTICAST_IF`.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn set_multicast_if_v6(&self, interface: u32) -> io::Result<()> {
        sys::setsockopt::<u32>(
            self.sys(),
            sys::IPPROTO_IPV6,
            sys::IPV6_MULTICAST_IF,
            interface,
        )
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0: the system chooses) (`IPV6_ADD_MEMBERSHIP`,
    /// called `IPV6_JOIN_GROUP` on the BSDs and Windows).
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        sys::set_mreq_v6(self.sys(), sys::IPV6_ADD_MEMBERSHIP, *multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v6`](Self::join_multicast_v6)
    /// (`IPV6_DROP_MEMBERSHIP` / `IPV6_LEAVE_GROUP`).
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        sys::set_mreq_v6(self.sys(), sys::IPV6_DROP_MEMBERSHIP, *multiaddr, interface)
    }

    /// `IPV6_MULTICAST_ALL` (Linux): see
    /// [`multicast_all_v4`](Self::multicast_all_v4).
    #[doc = option_links!(ipv6: linux)]
    #[cfg(target_os = "linux")]
    pub fn multicast_all_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_MULTICAST_ALL)
    }

    /// Sets `IPV6_MULTICAST_ALL` (Linux).
    #[doc = option_links!(ipv6: linux)]
    #[cfg(target_os = "linux")]
    pub fn set_multicast_all_v6(&self, all: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_MULTICAST_ALL, all)
    }

    /// `IPV6_TCLASS` (Unix): the traffic class (DSCP and ECN) of outgoing
    /// packets.
    #[doc = option_links!(ipv6: linux, bsd)]
    #[cfg(unix)]
    pub fn tclass_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_TCLASS)
    }

    /// Sets `IPV6_TCLASS` (Unix).
    #[doc = option_links!(ipv6: linux, bsd)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 255.
    #[cfg(unix)]
    pub fn set_tclass_v6(&self, tclass: u32) -> io::Result<()> {
        let tclass = at_most("traffic class", tclass, 255)?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IPV6, sys::IPV6_TCLASS, tclass)
    }

    /// `IPV6_HDRINCL` (Linux, Windows): whether the program writes the
    /// IPv6 header itself (raw sockets).
    #[doc = option_links!(ipv6: linux, windows)]
    #[cfg(original_dst)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn header_included_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_HDRINCL)
    }

    /// Sets `IPV6_HDRINCL` (raw sockets, which need privileges to create).
    #[doc = option_links!(ipv6: linux, windows)]
    #[cfg(original_dst)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn set_header_included_v6(&self, included: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_HDRINCL, included)
    }

    /// `IPV6_TRANSPARENT` (Linux): see
    /// [`ip_transparent_v4`](Self::ip_transparent_v4).
    #[doc = option_links!(ipv6: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn ip_transparent_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_TRANSPARENT)
    }

    /// Sets `IPV6_TRANSPARENT` (Linux).
    #[doc = option_links!(ipv6: linux)]
    ///
    /// # Errors
    /// `PermissionDenied` without `CAP_NET_ADMIN` or `CAP_NET_RAW`.
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_ip_transparent_v6(&self, transparent: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_TRANSPARENT, transparent)
    }

    /// `IPV6_FREEBIND` (Linux 4.15+): see [`freebind_v4`](Self::freebind_v4).
    #[doc = option_links!(ipv6: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn freebind_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_FREEBIND)
    }

    /// Sets `IPV6_FREEBIND` (Linux).
    #[doc = option_links!(ipv6: linux)]
    #[cfg(linux_like)]
    #[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
    pub fn set_freebind_v6(&self, freebind: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_FREEBIND, freebind)
    }

    /// `IP6T_SO_ORIGINAL_DST` (Linux) / `SO_ORIGINAL_DST` (Windows): see
    /// [`original_dst_v4`](Self::original_dst_v4), for IPv6 connections.
    #[doc = option_links!(ipv6: linux, windows)]
    #[cfg(original_dst)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn original_dst_v6(&self) -> io::Result<SockAddr> {
        sys::original_dst_v6(self.sys())
    }

    /// `IPV6_MTU_DISCOVER` (Linux, Windows 10+): see
    /// [`mtu_discover_v4`](Self::mtu_discover_v4).
    #[doc = option_links!(ipv6: linux, windows)]
    #[cfg(pmtud)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn mtu_discover_v6(&self) -> io::Result<MtuDiscover> {
        let raw = sys::getsockopt::<c_int>(self.sys(), sys::IPPROTO_IPV6, sys::IPV6_MTU_DISCOVER)?;
        MtuDiscover::from_raw("IPV6_MTU_DISCOVER", raw)
    }

    /// Sets `IPV6_MTU_DISCOVER`.
    #[doc = option_links!(ipv6: linux, windows)]
    ///
    /// # Errors
    /// `Unsupported`, naming the mode, for one the platform lacks.
    #[cfg(pmtud)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn set_mtu_discover_v6(&self, mode: MtuDiscover) -> io::Result<()> {
        let raw = mode.to_raw("IPV6_MTU_DISCOVER mode")?;
        sys::setsockopt::<c_int>(self.sys(), sys::IPPROTO_IPV6, sys::IPV6_MTU_DISCOVER, raw)
    }

    /// `IPV6_MTU` (Linux, Windows 10+): the path MTU of a connected
    /// socket's route.
    #[doc = option_links!(ipv6: linux, windows)]
    #[cfg(pmtud)]
    #[cfg_attr(
        docsrs,
        doc(cfg(any(target_os = "linux", target_os = "android", windows)))
    )]
    pub fn mtu_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_MTU)
    }

    /// `IPV6_DONTFRAG`: whether a datagram larger than the path MTU fails
    /// with `EMSGSIZE` instead of being fragmented by this host.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn dontfrag_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_DONTFRAG)
    }

    /// Sets `IPV6_DONTFRAG`.
    #[doc = option_links!(ipv6: linux, bsd, windows)]
    pub fn set_dontfrag_v6(&self, dontfrag: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_DONTFRAG, dontfrag)
    }
}

/// The receive switches that make [`recv_msg`](Self::recv_msg) deliver
/// control data: on every platform, `Unsupported` where this one lacks
/// the option (see the module's docs).
impl SocketHandle {
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv6 datagram's
        /// destination and interface ([`ReceivedControl::PktInfoV6`](crate::ReceivedControl::PktInfoV6)):
        /// `IPV6_RECVPKTINFO` (Windows: `IPV6_PKTINFO`).
        #[doc = option_links!(ipv6: linux, bsd, windows)]
        set_recv_pktinfo_v6, recv_pktinfo_v6, RECV_PKTINFO_V6, "IPV6_RECVPKTINFO"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv6 datagram's
        /// traffic class ([`ReceivedControl::TclassV6`](crate::ReceivedControl::TclassV6)):
        /// `IPV6_RECVTCLASS`.
        #[doc = option_links!(ipv6: linux, bsd, windows)]
        set_recv_tclass_v6, recv_tclass_v6, RECV_TCLASS_V6, "IPV6_RECVTCLASS"
    );
    switch!(
        /// Makes [`recv_msg`](Self::recv_msg) report each IPv6 datagram's
        /// hop limit ([`ReceivedControl::HopLimitV6`](crate::ReceivedControl::HopLimitV6)):
        /// `IPV6_RECVHOPLIMIT` (Windows: `IPV6_HOPLIMIT`).
        #[doc = option_links!(ipv6: linux, bsd, windows)]
        set_recv_hoplimit_v6, recv_hoplimit_v6, RECV_HOPLIMIT_V6, "IPV6_RECVHOPLIMIT"
    );
    switch!(
        /// Queues ICMPv6 errors (read with `MSG_ERRQUEUE`): `IPV6_RECVERR`,
        /// Linux.
        #[doc = option_links!(ipv6: linux)]
        set_recv_err_v6, recv_err_v6, RECV_ERR_V6, "IPV6_RECVERR"
    );
}
