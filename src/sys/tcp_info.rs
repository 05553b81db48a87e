//! [`TcpInfo`] and [`TcpState`]: what a TCP connection reports about
//! itself, in one shape on every platform. Each platform's `tcp_info`
//! (in `unix/tcp_info.rs`, `windows/tcp_info.rs`) fills it from its own
//! structure; a field the platform does not report stays `None`.

use std::time::Duration;

/// A TCP connection's state, as the kernel reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TcpState {
    /// No connection (`CLOSED`).
    Closed,
    /// Waiting for connections (`LISTEN`).
    Listen,
    /// A connect sent its SYN (`SYN_SENT`).
    SynSent,
    /// A SYN arrived and was answered (`SYN_RECEIVED`).
    SynReceived,
    /// Open: data flows both ways (`ESTABLISHED`).
    Established,
    /// This side closed first and waits for the ACK of its FIN.
    FinWait1,
    /// This side's FIN was acknowledged; waiting for the peer's.
    FinWait2,
    /// The peer closed; this side has not yet.
    CloseWait,
    /// Both sides closed at once.
    Closing,
    /// The peer closed first, then this side; waiting for the last ACK.
    LastAck,
    /// Closed, holding the address against stray segments (`TIME_WAIT`).
    TimeWait,
    /// A number this crate does not know (the platform's raw value).
    Other(u32),
}

/// What [`SocketHandle::tcp_info`](crate::SocketHandle::tcp_info)
/// returns: a TCP connection's state and its transmission figures.
///
/// Every figure is the kernel's own; a field the platform does not report
/// is `None` (the table in each field's doc says where it comes from).
/// Units are what the names say: congestion window and threshold come in
/// segments on Linux and in bytes elsewhere, so each has both fields and
/// only the one the platform reports is `Some`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TcpInfo {
    /// The connection's state.
    pub state: Option<TcpState>,
    /// Smoothed round-trip time (Linux, FreeBSD: `tcpi_rtt`; macOS:
    /// `tcpi_srtt`; Windows: `RttUs`).
    pub rtt: Option<Duration>,
    /// Round-trip time variance (Linux, FreeBSD, macOS: `tcpi_rttvar`).
    pub rtt_var: Option<Duration>,
    /// Retransmission timeout (Linux, FreeBSD, macOS: `tcpi_rto`).
    pub rto: Option<Duration>,
    /// Congestion window in segments (Linux: `tcpi_snd_cwnd`).
    pub cwnd_segments: Option<u32>,
    /// Congestion window in bytes (FreeBSD, macOS: `tcpi_snd_cwnd`;
    /// Windows: `Cwnd`).
    pub cwnd_bytes: Option<u32>,
    /// Slow-start threshold in segments (Linux: `tcpi_snd_ssthresh`).
    pub ssthresh_segments: Option<u32>,
    /// Slow-start threshold in bytes (FreeBSD, macOS: `tcpi_snd_ssthresh`).
    pub ssthresh_bytes: Option<u32>,
    /// Unrecovered retransmission timeouts in a row (Linux:
    /// `tcpi_retransmits`).
    pub retransmits: Option<u32>,
    /// Segments retransmitted over the connection's life (Linux:
    /// `tcpi_total_retrans`; FreeBSD: `tcpi_snd_rexmitpack`).
    pub total_retransmits: Option<u32>,
    /// Bytes retransmitted (Linux 4.19+: `tcpi_bytes_retrans`; macOS:
    /// `tcpi_txretransmitbytes`; Windows: `BytesRetrans`).
    pub bytes_retransmitted: Option<u64>,
    /// Maximum segment size for sending (Linux, FreeBSD: `tcpi_snd_mss`;
    /// macOS: `tcpi_maxseg`; Windows: `Mss`).
    pub mss: Option<u32>,
    /// Bytes sent, retransmissions included (Linux 4.19+:
    /// `tcpi_bytes_sent`; macOS: `tcpi_txbytes`; Windows: `BytesOut`).
    pub bytes_sent: Option<u64>,
    /// Bytes the peer acknowledged (Linux 4.1+: `tcpi_bytes_acked`).
    pub bytes_acked: Option<u64>,
    /// Bytes received (Linux 4.1+: `tcpi_bytes_received`; macOS:
    /// `tcpi_rxbytes`; Windows: `BytesIn`).
    pub bytes_received: Option<u64>,
    /// Recent delivery rate in bytes per second (Linux 4.9+:
    /// `tcpi_delivery_rate`).
    pub delivery_rate: Option<u64>,
}
