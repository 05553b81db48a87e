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
