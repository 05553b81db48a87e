//! The option names (and their levels' values) that the typed options of
//! `src/options/` use beyond Nim's `nativesockets`, each under the name the portable
//! layer calls it and with this platform's value. Where Unix systems spell
//! an option differently, the portable name is the common one and the
//! comment says what the platform calls it.

use std::os::raw::c_int;

// Socket level.
#[cfg(linux_like)]
pub(crate) const SO_MARK: c_int = libc::SO_MARK;
#[cfg(linux_like)]
pub(crate) const SO_PRIORITY: c_int = libc::SO_PRIORITY;
#[cfg(linux_like)]
pub(crate) const SO_BINDTODEVICE: c_int = libc::SO_BINDTODEVICE;
#[cfg(linux_like)]
pub(crate) const SO_BINDTOIFINDEX: c_int = libc::SO_BINDTOIFINDEX;
#[cfg(linux_like)]
pub(crate) const SO_BUSY_POLL: c_int = libc::SO_BUSY_POLL;
#[cfg(target_os = "linux")]
pub(crate) const SO_INCOMING_CPU: c_int = libc::SO_INCOMING_CPU;
#[cfg(target_os = "linux")]
pub(crate) const SO_COOKIE: c_int = libc::SO_COOKIE;
#[cfg(linux_like)]
pub(crate) const SO_ATTACH_FILTER: c_int = libc::SO_ATTACH_FILTER;
#[cfg(linux_like)]
pub(crate) const SO_DETACH_FILTER: c_int = libc::SO_DETACH_FILTER;
#[cfg(apple)]
pub(crate) const SO_NOSIGPIPE: c_int = libc::SO_NOSIGPIPE;
#[cfg(target_os = "freebsd")]
pub(crate) const SO_SETFIB: c_int = libc::SO_SETFIB;
#[cfg(target_os = "freebsd")]
pub(crate) const SO_REUSEPORT_LB: c_int = libc::SO_REUSEPORT_LB;

// IPv4.
pub(crate) const IP_HDRINCL: c_int = libc::IP_HDRINCL;
pub(crate) const IP_MULTICAST_IF: c_int = libc::IP_MULTICAST_IF;
pub(crate) const IP_ADD_MEMBERSHIP: c_int = libc::IP_ADD_MEMBERSHIP;
pub(crate) const IP_DROP_MEMBERSHIP: c_int = libc::IP_DROP_MEMBERSHIP;
#[cfg(ssm)]
pub(crate) const IP_ADD_SOURCE_MEMBERSHIP: c_int = libc::IP_ADD_SOURCE_MEMBERSHIP;
#[cfg(ssm)]
pub(crate) const IP_DROP_SOURCE_MEMBERSHIP: c_int = libc::IP_DROP_SOURCE_MEMBERSHIP;
#[cfg(linux_like)]
pub(crate) const IP_TRANSPARENT: c_int = libc::IP_TRANSPARENT;
#[cfg(linux_like)]
pub(crate) const IP_FREEBIND: c_int = libc::IP_FREEBIND;
#[cfg(target_os = "linux")]
pub(crate) const IP_MULTICAST_ALL: c_int = libc::IP_MULTICAST_ALL;
#[cfg(pmtud)]
pub(crate) const IP_MTU_DISCOVER: c_int = libc::IP_MTU_DISCOVER;
#[cfg(pmtud)]
pub(crate) const IP_MTU: c_int = libc::IP_MTU;
/// `IP_DONTFRAG` (Apple, FreeBSD).
#[cfg(dontfrag_v4)]
pub(crate) const IP_DONTFRAG: c_int = libc::IP_DONTFRAG;
#[cfg(apple)]
pub(crate) const IP_BOUND_IF: c_int = libc::IP_BOUND_IF;

// IPv6.
pub(crate) const IPV6_MULTICAST_IF: c_int = libc::IPV6_MULTICAST_IF;
/// `IPV6_ADD_MEMBERSHIP` on Linux, `IPV6_JOIN_GROUP` on the BSDs (the
/// same option: RFC 3493 renamed it).
#[cfg(linux_like)]
pub(crate) const IPV6_ADD_MEMBERSHIP: c_int = libc::IPV6_ADD_MEMBERSHIP;
#[cfg(not(linux_like))]
pub(crate) const IPV6_ADD_MEMBERSHIP: c_int = libc::IPV6_JOIN_GROUP;
/// `IPV6_DROP_MEMBERSHIP` on Linux, `IPV6_LEAVE_GROUP` on the BSDs.
#[cfg(linux_like)]
pub(crate) const IPV6_DROP_MEMBERSHIP: c_int = libc::IPV6_DROP_MEMBERSHIP;
#[cfg(not(linux_like))]
pub(crate) const IPV6_DROP_MEMBERSHIP: c_int = libc::IPV6_LEAVE_GROUP;
pub(crate) const IPV6_TCLASS: c_int = libc::IPV6_TCLASS;
pub(crate) const IPV6_DONTFRAG: c_int = libc::IPV6_DONTFRAG;
#[cfg(linux_like)]
pub(crate) const IPV6_HDRINCL: c_int = libc::IPV6_HDRINCL;
#[cfg(linux_like)]
pub(crate) const IPV6_TRANSPARENT: c_int = libc::IPV6_TRANSPARENT;
#[cfg(linux_like)]
pub(crate) const IPV6_FREEBIND: c_int = libc::IPV6_FREEBIND;
#[cfg(target_os = "linux")]
pub(crate) const IPV6_MULTICAST_ALL: c_int = libc::IPV6_MULTICAST_ALL;
#[cfg(pmtud)]
pub(crate) const IPV6_MTU_DISCOVER: c_int = libc::IPV6_MTU_DISCOVER;
#[cfg(pmtud)]
pub(crate) const IPV6_MTU: c_int = libc::IPV6_MTU;
#[cfg(apple)]
pub(crate) const IPV6_BOUND_IF: c_int = libc::IPV6_BOUND_IF;

// TCP.
pub(crate) const TCP_MAXSEG: c_int = libc::TCP_MAXSEG;
/// `TCP_KEEPIDLE`; Apple calls it `TCP_KEEPALIVE`.
#[cfg(not(apple))]
pub(crate) const TCP_KEEPIDLE: c_int = libc::TCP_KEEPIDLE;
#[cfg(apple)]
pub(crate) const TCP_KEEPIDLE: c_int = libc::TCP_KEEPALIVE;
#[cfg(keepalive_knobs)]
pub(crate) const TCP_KEEPINTVL: c_int = libc::TCP_KEEPINTVL;
#[cfg(keepalive_knobs)]
pub(crate) const TCP_KEEPCNT: c_int = libc::TCP_KEEPCNT;
#[cfg(linux_like)]
pub(crate) const TCP_CORK: c_int = libc::TCP_CORK;
#[cfg(linux_like)]
pub(crate) const TCP_QUICKACK: c_int = libc::TCP_QUICKACK;
#[cfg(linux_like)]
pub(crate) const TCP_THIN_LINEAR_TIMEOUTS: c_int = libc::TCP_THIN_LINEAR_TIMEOUTS;
#[cfg(linux_like)]
pub(crate) const TCP_NOTSENT_LOWAT: c_int = libc::TCP_NOTSENT_LOWAT;
#[cfg(linux_like)]
pub(crate) const TCP_USER_TIMEOUT: c_int = libc::TCP_USER_TIMEOUT;
#[cfg(tcp_congestion)]
pub(crate) const TCP_CONGESTION: c_int = libc::TCP_CONGESTION;
#[cfg(fastopen)]
pub(crate) const TCP_FASTOPEN: c_int = libc::TCP_FASTOPEN;
#[cfg(linux_like)]
pub(crate) const TCP_FASTOPEN_CONNECT: c_int = libc::TCP_FASTOPEN_CONNECT;
#[cfg(linux_like)]
pub(crate) const TCP_SYNCNT: c_int = libc::TCP_SYNCNT;
#[cfg(linux_like)]
pub(crate) const TCP_WINDOW_CLAMP: c_int = libc::TCP_WINDOW_CLAMP;
#[cfg(linux_like)]
pub(crate) const IP_BIND_ADDRESS_NO_PORT: c_int = libc::IP_BIND_ADDRESS_NO_PORT;
#[cfg(linux_like)]
pub(crate) const SO_PEERCRED: c_int = libc::SO_PEERCRED;
/// `TCP_INFO` (Linux, FreeBSD); Apple's is `TCP_CONNECTION_INFO`.
#[cfg(all(tcp_info, not(apple)))]
pub(crate) const TCP_INFO: c_int = libc::TCP_INFO;
#[cfg(apple)]
pub(crate) const TCP_CONNECTION_INFO: c_int = libc::TCP_CONNECTION_INFO;
#[cfg(linux_like)]
pub(crate) const MSG_FASTOPEN: c_int = libc::MSG_FASTOPEN;

/// Linux's path-MTU discovery modes (`IP_PMTUDISC_*`; the IPv6 ones have
/// the same values).
/// The path-MTU discovery modes (`IP_PMTUDISC_*`; the IPv6 ones have
/// the same values), `None` where this platform lacks the mode.
#[cfg(pmtud)]
pub(crate) mod pmtudisc {
    use std::os::raw::c_int;
    pub(crate) const NOT_SET: Option<c_int> = None;
    pub(crate) const DONT: Option<c_int> = Some(libc::IP_PMTUDISC_DONT);
    pub(crate) const WANT: Option<c_int> = Some(libc::IP_PMTUDISC_WANT);
    pub(crate) const DO: Option<c_int> = Some(libc::IP_PMTUDISC_DO);
    pub(crate) const PROBE: Option<c_int> = Some(libc::IP_PMTUDISC_PROBE);
    pub(crate) const INTERFACE: Option<c_int> = Some(libc::IP_PMTUDISC_INTERFACE);
    pub(crate) const OMIT: Option<c_int> = Some(libc::IP_PMTUDISC_OMIT);
}

/// DCCP (Linux): the level and the options socket2 offers.
#[cfg(target_os = "linux")]
pub(crate) mod dccp {
    use std::os::raw::c_int;
    pub(crate) const SOL_DCCP: c_int = libc::SOL_DCCP;
    pub(crate) const SERVICE: c_int = libc::DCCP_SOCKOPT_SERVICE;
    pub(crate) const CCID: c_int = libc::DCCP_SOCKOPT_CCID;
    pub(crate) const TX_CCID: c_int = libc::DCCP_SOCKOPT_TX_CCID;
    pub(crate) const RX_CCID: c_int = libc::DCCP_SOCKOPT_RX_CCID;
    pub(crate) const SERVER_TIMEWAIT: c_int = libc::DCCP_SOCKOPT_SERVER_TIMEWAIT;
    pub(crate) const SEND_CSCOV: c_int = libc::DCCP_SOCKOPT_SEND_CSCOV;
    pub(crate) const RECV_CSCOV: c_int = libc::DCCP_SOCKOPT_RECV_CSCOV;
    pub(crate) const QPOLICY_TXQLEN: c_int = libc::DCCP_SOCKOPT_QPOLICY_TXQLEN;
    pub(crate) const AVAILABLE_CCIDS: c_int = libc::DCCP_SOCKOPT_AVAILABLE_CCIDS;
    pub(crate) const GET_CUR_MPS: c_int = libc::DCCP_SOCKOPT_GET_CUR_MPS;
}
