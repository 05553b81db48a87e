//! IPv4 options (`IPPROTO_IP`), multicast included.

use std::io;

use crate::sys;
use crate::SocketHandle;

impl SocketHandle {
    /// `IP_TTL` (IPv4 sockets).
    pub fn ttl(&self) -> io::Result<u32> {
        self.get_u32(sys::IPPROTO_IP, sys::IP_TTL)
    }

    /// Sets `IP_TTL` (IPv4 sockets).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.set_u32(sys::IPPROTO_IP, sys::IP_TTL, ttl)
    }
}
