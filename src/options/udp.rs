//! UDP options (`IPPROTO_UDP` / `SOL_UDP`): segmentation offload both
//! ways, for [`send_msg`](crate::SocketHandle::send_msg),
//! [`recv_msg`](crate::SocketHandle::recv_msg) and the batches.
//!
//! Linux: udp(7); Windows: "IPPROTO_UDP socket options" in the Winsock
//! reference. macOS and FreeBSD have neither option.

use std::io;
use std::os::raw::c_int;

use crate::socket::SocketHandle;
use crate::sys;

/// The receive switches that make [`recv_msg`](Self::recv_msg) deliver
/// control data: on every platform, `Unsupported` where this one lacks
/// the option (see the module's docs).
impl SocketHandle {
    switch!(
        /// Lets the kernel coalesce received UDP datagrams of one flow
        /// into one buffer, reported with
        /// [`ReceivedControl::UdpGroSegment`](crate::ReceivedControl::UdpGroSegment) (`UDP_GRO`, Linux 5.0+).
        ///
        /// With GRO on, one receive can return up to 64 KiB of coalesced
        /// datagrams, so every receive buffer must hold 65,535 bytes
        /// (`u16::MAX`): a smaller one, such as the 1,500-byte buffers
        /// that fit a single datagram, gets the first bytes only and the
        /// rest of the coalesced datagrams are lost (the receive reports
        /// truncation). Size [`RecvBuffers`](crate::RecvBuffers) with
        /// `RecvBuffers::new(count, 65_535)` when GRO is on.
        #[doc = option_links!(udp: linux)]
        set_udp_gro, udp_gro, UDP_GRO, "UDP_GRO"
    );

    /// Sets the GSO segment size for every send on this socket (0 turns
    /// it off): `UDP_SEGMENT` as a socket option, Linux 4.18+
    /// (`UDP_SEND_MSG_SIZE` on Windows).
    /// [`ControlMessage::UdpSegment`](crate::ControlMessage::UdpSegment)
    /// sets it for one send instead.
    #[doc = option_links!(udp: linux, windows)]
    ///
    /// # Errors
    /// `Unsupported`, naming the option and the platform, on macOS and
    /// FreeBSD (no system call is made); the OS error otherwise.
    pub fn set_udp_segment(&self, size: u16) -> io::Result<()> {
        super::set_switch(self, sys::UDP_SEGMENT, "UDP_SEGMENT", c_int::from(size))
    }

    /// The GSO segment size set with
    /// [`set_udp_segment`](Self::set_udp_segment) (0 when off).
    #[doc = option_links!(udp: linux, windows)]
    pub fn udp_segment(&self) -> io::Result<u16> {
        let v = super::get_switch(self, sys::UDP_SEGMENT, "UDP_SEGMENT")?;
        Ok(u16::try_from(v).unwrap_or(0))
    }
}
