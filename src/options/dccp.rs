//! DCCP options (`SOL_DCCP`, Linux): the ones socket2 offers, on a
//! `SOCK_DCCP` socket (`new_native_socket_raw(AF_INET, 6, 33)`).
//!
//! Linux removed DCCP in 6.16; on such kernels (and where the `dccp`
//! module is not loaded) no DCCP socket can be made, and these options
//! on another socket fail with `ENOPROTOOPT`. Linux: the kernel's
//! Documentation/networking/dccp.rst (up to 6.15).

use std::io;

use crate::socket::SocketHandle;
use crate::sys;
use crate::sys::dccp;

/// DCCP options: each one `getsockopt` / `setsockopt` at level `SOL_DCCP`.
impl SocketHandle {
    /// `DCCP_SOCKOPT_SERVICE`: the service code (RFC 4340, 8.1.2).
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_service(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::SERVICE)
    }

    /// Sets `DCCP_SOCKOPT_SERVICE`, before `connect` or `listen`.
    #[doc = option_links!(dccp: linux)]
    pub fn set_dccp_service(&self, code: u32) -> io::Result<()> {
        sys::setsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::SERVICE, code)
    }

    /// Sets `DCCP_SOCKOPT_CCID`: the congestion-control id (2: TCP-like,
    /// 3: TFRC) for both directions.
    #[doc = option_links!(dccp: linux)]
    pub fn set_dccp_ccid(&self, ccid: u8) -> io::Result<()> {
        sys::setsockopt::<u8>(self.sys(), dccp::SOL_DCCP, dccp::CCID, ccid)
    }

    /// `DCCP_SOCKOPT_TX_CCID`: the sending direction's CCID.
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_tx_ccid(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::TX_CCID)
    }

    /// `DCCP_SOCKOPT_RX_CCID`: the receiving direction's CCID (socket2's
    /// name for it).
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_xx_ccid(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::RX_CCID)
    }

    /// `DCCP_SOCKOPT_SERVER_TIMEWAIT`: whether the server, not the
    /// client, holds TIME_WAIT.
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_server_timewait(&self) -> io::Result<bool> {
        self.get_bool(dccp::SOL_DCCP, dccp::SERVER_TIMEWAIT)
    }

    /// Sets `DCCP_SOCKOPT_SERVER_TIMEWAIT` (server sockets).
    #[doc = option_links!(dccp: linux)]
    pub fn set_dccp_server_timewait(&self, hold: bool) -> io::Result<()> {
        self.set_bool(dccp::SOL_DCCP, dccp::SERVER_TIMEWAIT, hold)
    }

    /// `DCCP_SOCKOPT_SEND_CSCOV`: the checksum coverage of sent packets
    /// (0: all; 1 to 15: that many 32-bit words of data).
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_send_cscov(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::SEND_CSCOV)
    }

    /// Sets `DCCP_SOCKOPT_SEND_CSCOV`.
    #[doc = option_links!(dccp: linux)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 15.
    pub fn set_dccp_send_cscov(&self, level: u32) -> io::Result<()> {
        let level = super::at_most("DCCP checksum coverage", level, 15)?;
        sys::setsockopt(self.sys(), dccp::SOL_DCCP, dccp::SEND_CSCOV, level)
    }

    /// `DCCP_SOCKOPT_RECV_CSCOV`: the least checksum coverage accepted.
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_recv_cscov(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::RECV_CSCOV)
    }

    /// Sets `DCCP_SOCKOPT_RECV_CSCOV`.
    #[doc = option_links!(dccp: linux)]
    ///
    /// # Errors
    /// `InvalidInput`, naming the value, above 15.
    pub fn set_dccp_recv_cscov(&self, level: u32) -> io::Result<()> {
        let level = super::at_most("DCCP checksum coverage", level, 15)?;
        sys::setsockopt(self.sys(), dccp::SOL_DCCP, dccp::RECV_CSCOV, level)
    }

    /// `DCCP_SOCKOPT_QPOLICY_TXQLEN`: the send queue's length in packets.
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_qpolicy_txqlen(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::QPOLICY_TXQLEN)
    }

    /// Sets `DCCP_SOCKOPT_QPOLICY_TXQLEN`.
    #[doc = option_links!(dccp: linux)]
    pub fn set_dccp_qpolicy_txqlen(&self, length: u32) -> io::Result<()> {
        sys::setsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::QPOLICY_TXQLEN, length)
    }

    /// `DCCP_SOCKOPT_AVAILABLE_CCIDS`: the CCIDs the kernel supports,
    /// written into `buf` (one byte each); returns how many. socket2
    /// returns them in a fixed-size array; this fills the caller's buffer,
    /// so nothing is allocated.
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_available_ccids(&self, buf: &mut [u8]) -> io::Result<usize> {
        sys::getsockopt_bytes(self.sys(), dccp::SOL_DCCP, dccp::AVAILABLE_CCIDS, buf)
    }

    /// `DCCP_SOCKOPT_GET_CUR_MPS`: the current maximum packet size.
    #[doc = option_links!(dccp: linux)]
    pub fn dccp_cur_mps(&self) -> io::Result<u32> {
        sys::getsockopt::<u32>(self.sys(), dccp::SOL_DCCP, dccp::GET_CUR_MPS)
    }
}
