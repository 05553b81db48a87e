//! IPv6 options (`IPPROTO_IPV6`), multicast included.

use std::io;

use crate::sys;
use crate::SocketHandle;

impl SocketHandle {
    /// `IPV6_V6ONLY` (IPv6 sockets).
    pub fn only_v6(&self) -> io::Result<bool> {
        self.get_bool(sys::IPPROTO_IPV6, sys::IPV6_V6ONLY)
    }

    /// Sets `IPV6_V6ONLY` (IPv6 sockets, before `bind`).
    pub fn set_only_v6(&self, only_v6: bool) -> io::Result<()> {
        self.set_bool(sys::IPPROTO_IPV6, sys::IPV6_V6ONLY, only_v6)
    }

    /// `IPV6_UNICAST_HOPS` (IPv6 sockets).
    pub fn unicast_hops_v6(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IPV6, sys::IPV6_UNICAST_HOPS)
    }

    /// Sets `IPV6_UNICAST_HOPS` (IPv6 sockets).
    pub fn set_unicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_IPV6, sys::IPV6_UNICAST_HOPS, hops)
    }
}
