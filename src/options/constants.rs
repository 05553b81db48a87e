//! The option constants a user passes to [`get_sock_opt_int`](crate::get_sock_opt_int)
//! and the generic calls, each with the platform's value.

use crate::sys;

/// `SOL_SOCKET`: the level of the socket-wide options (`SO_*`).
pub const SOL_SOCKET: i32 = sys::SOL_SOCKET;
/// `SO_REUSEADDR`: allow binding a local address in `TIME_WAIT` (Unix); on
/// Windows it lets a second socket *steal* a bound port, see
/// `SO_EXCLUSIVEADDRUSE`.
pub const SO_REUSEADDR: i32 = sys::SO_REUSEADDR;
/// `SO_REUSEPORT`: several sockets may bind the same address and port
/// (Linux balances connections between them). Not on Windows.
#[cfg(unix)]
pub const SO_REUSEPORT: i32 = sys::SO_REUSEPORT;
/// `SO_EXCLUSIVEADDRUSE` (Windows only): no other socket may bind the
/// same port, not even with `SO_REUSEADDR`.
#[cfg(windows)]
pub const SO_EXCLUSIVEADDRUSE: i32 = sys::SO_EXCLUSIVEADDRUSE;
/// `SO_KEEPALIVE`: send keep-alive probes on an idle connection.
pub const SO_KEEPALIVE: i32 = sys::SO_KEEPALIVE;
/// `SO_BROADCAST`: allow sending datagrams to broadcast addresses.
pub const SO_BROADCAST: i32 = sys::SO_BROADCAST;
/// `SO_RCVBUF`: the receive buffer's size in bytes (Linux reports double
/// what was set, for its bookkeeping).
pub const SO_RCVBUF: i32 = sys::SO_RCVBUF;
/// `SO_SNDBUF`: the send buffer's size in bytes (Linux doubles it too).
pub const SO_SNDBUF: i32 = sys::SO_SNDBUF;
/// `SO_RCVLOWAT`: the minimum number of bytes a receive waits for.
pub const SO_RCVLOWAT: i32 = sys::SO_RCVLOWAT;
/// `SO_SNDLOWAT`: the minimum room a send waits for (read-only on Linux).
pub const SO_SNDLOWAT: i32 = sys::SO_SNDLOWAT;
/// `SO_ERROR`: read and clear the socket's pending error (the result of a
/// non-blocking connect).
pub const SO_ERROR: i32 = sys::SO_ERROR;
/// `SO_TYPE`: the socket's type (`SOCK_STREAM`, ...), read-only.
pub const SO_TYPE: i32 = sys::SO_TYPE;
/// `SO_ACCEPTCONN`: whether the socket is listening, read-only.
pub const SO_ACCEPTCONN: i32 = sys::SO_ACCEPTCONN;
/// `SO_LINGER`: what `close` does with unsent data. Its value is a
/// `struct linger`, not an int: use [`SocketHandle::linger`](crate::SocketHandle::linger).
pub const SO_LINGER: i32 = sys::SO_LINGER;
/// `SO_RCVTIMEO`: receive timeout. A `timeval` on Unix, a `DWORD` of
/// milliseconds on Windows: use [`SocketHandle::read_timeout`](crate::SocketHandle::read_timeout).
pub const SO_RCVTIMEO: i32 = sys::SO_RCVTIMEO;
/// `SO_SNDTIMEO`: send timeout; see [`SO_RCVTIMEO`].
pub const SO_SNDTIMEO: i32 = sys::SO_SNDTIMEO;
/// `SO_DONTROUTE`: bypass routing, send only to directly connected hosts.
pub const SO_DONTROUTE: i32 = sys::SO_DONTROUTE;
/// `SO_OOBINLINE`: deliver out-of-band data in the normal stream.
pub const SO_OOBINLINE: i32 = sys::SO_OOBINLINE;
/// `IPPROTO_IP` (0): the level of the IPv4 options (`IP_*`).
pub const IPPROTO_IP: i32 = sys::IPPROTO_IP;
/// `IPPROTO_TCP` (6): the level of the TCP options (`TCP_*`).
pub const IPPROTO_TCP: i32 = sys::IPPROTO_TCP;
/// `IPPROTO_UDP` (17).
pub const IPPROTO_UDP: i32 = sys::IPPROTO_UDP;
/// `IPPROTO_IPV6` (41): the level of the IPv6 options (`IPV6_*`).
pub const IPPROTO_IPV6: i32 = sys::IPPROTO_IPV6;
/// `TCP_NODELAY`: send small segments at once (disable Nagle's
/// algorithm).
pub const TCP_NODELAY: i32 = sys::TCP_NODELAY;
/// `IP_TTL`: the time-to-live of outgoing IPv4 packets.
pub const IP_TTL: i32 = sys::IP_TTL;
/// `IP_TOS`: the type-of-service byte of outgoing IPv4 packets.
pub const IP_TOS: i32 = sys::IP_TOS;
/// `IP_MULTICAST_TTL`: the time-to-live of outgoing IPv4 multicast.
pub const IP_MULTICAST_TTL: i32 = sys::IP_MULTICAST_TTL;
/// `IP_MULTICAST_LOOP`: whether IPv4 multicast loops back to this host.
pub const IP_MULTICAST_LOOP: i32 = sys::IP_MULTICAST_LOOP;
/// `IPV6_V6ONLY`: an IPv6 socket refuses IPv4-mapped traffic.
pub const IPV6_V6ONLY: i32 = sys::IPV6_V6ONLY;
/// `IPV6_UNICAST_HOPS`: the hop limit of outgoing IPv6 unicast.
pub const IPV6_UNICAST_HOPS: i32 = sys::IPV6_UNICAST_HOPS;
/// `IPV6_MULTICAST_HOPS`: the hop limit of outgoing IPv6 multicast.
pub const IPV6_MULTICAST_HOPS: i32 = sys::IPV6_MULTICAST_HOPS;
/// `IPV6_MULTICAST_LOOP`: whether IPv6 multicast loops back to this host.
pub const IPV6_MULTICAST_LOOP: i32 = sys::IPV6_MULTICAST_LOOP;

/// `MSG_PEEK`: look at incoming data without taking it (for
/// [`SocketHandle::recv_with_flags`](crate::SocketHandle::recv_with_flags)).
pub const MSG_PEEK: i32 = sys::MSG_PEEK;
/// `MSG_OOB`: send or receive out-of-band data.
pub const MSG_OOB: i32 = sys::MSG_OOB;
/// `MSG_WAITALL`: a receive waits until the whole buffer is filled.
pub const MSG_WAITALL: i32 = sys::MSG_WAITALL;

// Beyond Nim's `nativesockets`: every option the typed methods use, for
// the generic calls (`get_sock_opt`, `get_sock_opt_bytes`, ...).
/// `SO_MARK` (Linux): the packet mark; see [`SocketHandle::mark`](crate::SocketHandle::mark).
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_MARK: i32 = sys::SO_MARK;
/// `SO_PRIORITY` (Linux): the queueing priority.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_PRIORITY: i32 = sys::SO_PRIORITY;
/// `SO_BINDTODEVICE` (Linux): bind to an interface by name (bytes, not an int).
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_BINDTODEVICE: i32 = sys::SO_BINDTODEVICE;
/// `SO_BINDTOIFINDEX` (Linux 5.0+): bind to an interface by index.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_BINDTOIFINDEX: i32 = sys::SO_BINDTOIFINDEX;
/// `SO_BUSY_POLL` (Linux): microseconds of busy polling on receive.
#[cfg(target_os = "linux")]
pub const SO_BUSY_POLL: i32 = sys::SO_BUSY_POLL;
/// `SO_INCOMING_CPU` (Linux): the CPU handling the socket's packets.
#[cfg(target_os = "linux")]
pub const SO_INCOMING_CPU: i32 = sys::SO_INCOMING_CPU;
/// `SO_COOKIE` (Linux): the socket's 64-bit id (a `u64`, not an int).
#[cfg(target_os = "linux")]
pub const SO_COOKIE: i32 = sys::SO_COOKIE;
/// `SO_ATTACH_FILTER` (Linux): attach a classic BPF program (a `sock_fprog`).
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_ATTACH_FILTER: i32 = sys::SO_ATTACH_FILTER;
/// `SO_DETACH_FILTER` (Linux): remove the BPF program.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_DETACH_FILTER: i32 = sys::SO_DETACH_FILTER;
/// `SO_NOSIGPIPE` (Apple): no `SIGPIPE` on a send to a closed peer.
#[cfg(apple)]
#[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
pub const SO_NOSIGPIPE: i32 = sys::SO_NOSIGPIPE;
/// `SO_SETFIB` (FreeBSD): the routing table.
#[cfg(target_os = "freebsd")]
pub const SO_SETFIB: i32 = sys::SO_SETFIB;
/// `SO_REUSEPORT_LB` (FreeBSD): load-balanced port sharing.
#[cfg(target_os = "freebsd")]
pub const SO_REUSEPORT_LB: i32 = sys::SO_REUSEPORT_LB;
/// `IP_HDRINCL`: the program writes the IPv4 header (raw sockets).
pub const IP_HDRINCL: i32 = sys::IP_HDRINCL;
/// `IP_MULTICAST_IF`: the interface outgoing IPv4 multicast leaves by (an `in_addr`).
pub const IP_MULTICAST_IF: i32 = sys::IP_MULTICAST_IF;
/// `IP_ADD_MEMBERSHIP`: join an IPv4 multicast group (an `ip_mreq`).
pub const IP_ADD_MEMBERSHIP: i32 = sys::IP_ADD_MEMBERSHIP;
/// `IP_DROP_MEMBERSHIP`: leave an IPv4 multicast group.
pub const IP_DROP_MEMBERSHIP: i32 = sys::IP_DROP_MEMBERSHIP;
/// `IP_ADD_SOURCE_MEMBERSHIP`: join a source-specific channel (an `ip_mreq_source`).
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
pub const IP_ADD_SOURCE_MEMBERSHIP: i32 = sys::IP_ADD_SOURCE_MEMBERSHIP;
/// `IP_DROP_SOURCE_MEMBERSHIP`: leave a source-specific channel.
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
pub const IP_DROP_SOURCE_MEMBERSHIP: i32 = sys::IP_DROP_SOURCE_MEMBERSHIP;
/// `IP_TRANSPARENT` (Linux): transparent proxying; needs `CAP_NET_ADMIN`.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const IP_TRANSPARENT: i32 = sys::IP_TRANSPARENT;
/// `IP_FREEBIND` (Linux): bind an address that is not (yet) local.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const IP_FREEBIND: i32 = sys::IP_FREEBIND;
/// `IP_MULTICAST_ALL` (Linux): receive every joined group or only this socket's.
#[cfg(target_os = "linux")]
pub const IP_MULTICAST_ALL: i32 = sys::IP_MULTICAST_ALL;
/// `IP_MTU_DISCOVER` (Linux, Windows): the path-MTU discovery mode (`IP_PMTUDISC_*`).
#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
pub const IP_MTU_DISCOVER: i32 = sys::IP_MTU_DISCOVER;
/// `IP_MTU` (Linux, Windows): the path MTU of a connected socket, read-only.
#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
pub const IP_MTU: i32 = sys::IP_MTU;
/// `IP_DONTFRAG` (FreeBSD, macOS; Windows' `IP_DONTFRAGMENT`): set don't-fragment.
#[cfg(dontfrag_v4)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_vendor = "apple", target_os = "freebsd", windows)))
)]
pub const IP_DONTFRAG: i32 = sys::IP_DONTFRAG;
/// `IP_BOUND_IF` (Apple): bind to an interface by index.
#[cfg(apple)]
#[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
pub const IP_BOUND_IF: i32 = sys::IP_BOUND_IF;
/// `IPV6_MULTICAST_IF`: the interface index outgoing IPv6 multicast leaves by.
pub const IPV6_MULTICAST_IF: i32 = sys::IPV6_MULTICAST_IF;
/// `IPV6_ADD_MEMBERSHIP` (`IPV6_JOIN_GROUP` on the BSDs and Windows): join an IPv6 group (an `ipv6_mreq`).
pub const IPV6_ADD_MEMBERSHIP: i32 = sys::IPV6_ADD_MEMBERSHIP;
/// `IPV6_DROP_MEMBERSHIP` (`IPV6_LEAVE_GROUP`): leave an IPv6 group.
pub const IPV6_DROP_MEMBERSHIP: i32 = sys::IPV6_DROP_MEMBERSHIP;
/// `IPV6_TCLASS`: the traffic class of outgoing IPv6 packets.
#[cfg(unix)]
pub const IPV6_TCLASS: i32 = sys::IPV6_TCLASS;
/// `IPV6_DONTFRAG`: fail rather than fragment a datagram larger than the path MTU.
pub const IPV6_DONTFRAG: i32 = sys::IPV6_DONTFRAG;
/// `IPV6_HDRINCL` (Linux, Windows): the program writes the IPv6 header.
#[cfg(original_dst)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
pub const IPV6_HDRINCL: i32 = sys::IPV6_HDRINCL;
/// `IPV6_TRANSPARENT` (Linux): transparent proxying.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const IPV6_TRANSPARENT: i32 = sys::IPV6_TRANSPARENT;
/// `IPV6_FREEBIND` (Linux): bind an address that is not (yet) local.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const IPV6_FREEBIND: i32 = sys::IPV6_FREEBIND;
/// `IPV6_MULTICAST_ALL` (Linux).
#[cfg(target_os = "linux")]
pub const IPV6_MULTICAST_ALL: i32 = sys::IPV6_MULTICAST_ALL;
/// `IPV6_MTU_DISCOVER` (Linux, Windows): the path-MTU discovery mode.
#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
pub const IPV6_MTU_DISCOVER: i32 = sys::IPV6_MTU_DISCOVER;
/// `IPV6_MTU` (Linux, Windows): the path MTU of a connected socket.
#[cfg(pmtud)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", windows)))
)]
pub const IPV6_MTU: i32 = sys::IPV6_MTU;
/// `IPV6_BOUND_IF` (Apple): bind to an interface by index.
#[cfg(apple)]
#[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
pub const IPV6_BOUND_IF: i32 = sys::IPV6_BOUND_IF;
/// `TCP_MAXSEG`: the maximum segment size.
#[cfg(unix)]
pub const TCP_MAXSEG: i32 = sys::TCP_MAXSEG;
/// `TCP_KEEPIDLE` (Apple's `TCP_KEEPALIVE`, same meaning): idle seconds before the first keep-alive probe.
pub const TCP_KEEPIDLE: i32 = sys::TCP_KEEPIDLE;
/// `TCP_KEEPINTVL`: seconds between keep-alive probes.
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
pub const TCP_KEEPINTVL: i32 = sys::TCP_KEEPINTVL;
/// `TCP_KEEPCNT`: unanswered probes before the connection drops.
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
pub const TCP_KEEPCNT: i32 = sys::TCP_KEEPCNT;
/// `TCP_CORK` (Linux): hold partial segments.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_CORK: i32 = sys::TCP_CORK;
/// `TCP_QUICKACK` (Linux): acknowledge at once.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_QUICKACK: i32 = sys::TCP_QUICKACK;
/// `TCP_THIN_LINEAR_TIMEOUTS` (Linux): linear back-off for thin streams.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_THIN_LINEAR_TIMEOUTS: i32 = sys::TCP_THIN_LINEAR_TIMEOUTS;
/// `TCP_NOTSENT_LOWAT` (Linux): unsent bytes allowed before not writable.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_NOTSENT_LOWAT: i32 = sys::TCP_NOTSENT_LOWAT;
/// `TCP_USER_TIMEOUT` (Linux): milliseconds data may stay unacknowledged.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_USER_TIMEOUT: i32 = sys::TCP_USER_TIMEOUT;
/// `TCP_CONGESTION` (Linux, FreeBSD): the congestion-control algorithm (a name, not an int).
#[cfg(tcp_congestion)]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd")))
)]
pub const TCP_CONGESTION: i32 = sys::TCP_CONGESTION;
/// `TCP_FASTOPEN`: server-side Fast Open (a queue length on Linux, on or off elsewhere).
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
pub const TCP_FASTOPEN: i32 = sys::TCP_FASTOPEN;
/// `TCP_FASTOPEN_CONNECT` (Linux 4.11+): client-side Fast Open through `connect`.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_FASTOPEN_CONNECT: i32 = sys::TCP_FASTOPEN_CONNECT;
/// `TCP_INFO` (Linux, FreeBSD): a `struct tcp_info`; see [`SocketHandle::tcp_info`](crate::SocketHandle::tcp_info).
#[cfg(all(tcp_info, not(apple), not(windows)))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd")))
)]
pub const TCP_INFO: i32 = sys::TCP_INFO;
/// `TCP_CONNECTION_INFO` (Apple): a `struct tcp_connection_info`.
#[cfg(apple)]
#[cfg_attr(docsrs, doc(cfg(target_vendor = "apple")))]
pub const TCP_CONNECTION_INFO: i32 = sys::TCP_CONNECTION_INFO;
/// `MSG_FASTOPEN` (Linux): a `sendto` flag that connects with Fast Open.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const MSG_FASTOPEN: i32 = sys::MSG_FASTOPEN;
/// `SOL_DCCP` (Linux): the level of the DCCP options.
#[cfg(target_os = "linux")]
pub const SOL_DCCP: i32 = sys::dccp::SOL_DCCP;
/// `DCCP_SOCKOPT_SERVICE` (Linux): the service code.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_SERVICE: i32 = sys::dccp::SERVICE;
/// `DCCP_SOCKOPT_CCID` (Linux): both directions' CCID (a byte).
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_CCID: i32 = sys::dccp::CCID;
/// `DCCP_SOCKOPT_TX_CCID` (Linux): the sending CCID.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_TX_CCID: i32 = sys::dccp::TX_CCID;
/// `DCCP_SOCKOPT_RX_CCID` (Linux): the receiving CCID.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_RX_CCID: i32 = sys::dccp::RX_CCID;
/// `DCCP_SOCKOPT_SERVER_TIMEWAIT` (Linux): the server holds TIME_WAIT.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_SERVER_TIMEWAIT: i32 = sys::dccp::SERVER_TIMEWAIT;
/// `DCCP_SOCKOPT_SEND_CSCOV` (Linux): sent checksum coverage.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_SEND_CSCOV: i32 = sys::dccp::SEND_CSCOV;
/// `DCCP_SOCKOPT_RECV_CSCOV` (Linux): accepted checksum coverage.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_RECV_CSCOV: i32 = sys::dccp::RECV_CSCOV;
/// `DCCP_SOCKOPT_QPOLICY_TXQLEN` (Linux): send queue length.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_QPOLICY_TXQLEN: i32 = sys::dccp::QPOLICY_TXQLEN;
/// `DCCP_SOCKOPT_AVAILABLE_CCIDS` (Linux): the supported CCIDs (bytes).
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_AVAILABLE_CCIDS: i32 = sys::dccp::AVAILABLE_CCIDS;
/// `DCCP_SOCKOPT_GET_CUR_MPS` (Linux): the current maximum packet size.
#[cfg(target_os = "linux")]
pub const DCCP_SOCKOPT_GET_CUR_MPS: i32 = sys::dccp::GET_CUR_MPS;
/// `TCP_SYNCNT` (Linux): SYN retransmissions of a connect.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_SYNCNT: i32 = sys::TCP_SYNCNT;
/// `TCP_WINDOW_CLAMP` (Linux): the largest advertised window.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const TCP_WINDOW_CLAMP: i32 = sys::TCP_WINDOW_CLAMP;
/// `IP_BIND_ADDRESS_NO_PORT` (Linux): choose the port at connect.
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const IP_BIND_ADDRESS_NO_PORT: i32 = sys::IP_BIND_ADDRESS_NO_PORT;
/// `SO_PEERCRED` (Linux): the peer's credentials (a `struct ucred`).
#[cfg(linux_like)]
#[cfg_attr(docsrs, doc(cfg(any(target_os = "linux", target_os = "android"))))]
pub const SO_PEERCRED: i32 = sys::SO_PEERCRED;
