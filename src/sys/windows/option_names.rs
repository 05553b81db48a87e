//! The option names the typed options of `src/options/` use beyond Nim's
//! `nativesockets`, under the names the portable layer calls them (the Unix
//! spelling where Windows spells one differently) and with Winsock's
//! values.

use std::os::raw::c_int;

use windows_sys::Win32::Networking::WinSock as ws;

// IPv4.
pub(crate) const IP_HDRINCL: c_int = ws::IP_HDRINCL;
pub(crate) const IP_MULTICAST_IF: c_int = ws::IP_MULTICAST_IF;
pub(crate) const IP_ADD_MEMBERSHIP: c_int = ws::IP_ADD_MEMBERSHIP;
pub(crate) const IP_DROP_MEMBERSHIP: c_int = ws::IP_DROP_MEMBERSHIP;
pub(crate) const IP_ADD_SOURCE_MEMBERSHIP: c_int = ws::IP_ADD_SOURCE_MEMBERSHIP;
pub(crate) const IP_DROP_SOURCE_MEMBERSHIP: c_int = ws::IP_DROP_SOURCE_MEMBERSHIP;
pub(crate) const IP_MTU_DISCOVER: c_int = ws::IP_MTU_DISCOVER;
pub(crate) const IP_MTU: c_int = ws::IP_MTU;
/// Winsock's `IP_DONTFRAGMENT`.
pub(crate) const IP_DONTFRAG: c_int = ws::IP_DONTFRAGMENT;

// IPv6.
pub(crate) const IPV6_MULTICAST_IF: c_int = ws::IPV6_MULTICAST_IF;
/// Winsock's `IPV6_ADD_MEMBERSHIP` (also named `IPV6_JOIN_GROUP`).
pub(crate) const IPV6_ADD_MEMBERSHIP: c_int = ws::IPV6_ADD_MEMBERSHIP;
pub(crate) const IPV6_DROP_MEMBERSHIP: c_int = ws::IPV6_DROP_MEMBERSHIP;
pub(crate) const IPV6_DONTFRAG: c_int = ws::IPV6_DONTFRAG;
pub(crate) const IPV6_HDRINCL: c_int = ws::IPV6_HDRINCL;
pub(crate) const IPV6_MTU_DISCOVER: c_int = ws::IPV6_MTU_DISCOVER;
pub(crate) const IPV6_MTU: c_int = ws::IPV6_MTU;

// TCP.
/// `TCP_KEEPIDLE` (Windows 10 1709+; also named `TCP_KEEPALIVE`).
pub(crate) const TCP_KEEPIDLE: c_int = ws::TCP_KEEPIDLE;
pub(crate) const TCP_KEEPINTVL: c_int = ws::TCP_KEEPINTVL;
pub(crate) const TCP_KEEPCNT: c_int = ws::TCP_KEEPCNT;
pub(crate) const TCP_FASTOPEN: c_int = ws::TCP_FASTOPEN;

/// The path-MTU discovery modes (`PMTUD_STATE`), `None` where Windows
/// lacks the mode.
pub(crate) mod pmtudisc {
    use std::os::raw::c_int;
    use windows_sys::Win32::Networking::WinSock as ws;
    pub(crate) const NOT_SET: Option<c_int> = Some(ws::IP_PMTUDISC_NOT_SET);
    pub(crate) const DONT: Option<c_int> = Some(ws::IP_PMTUDISC_DONT);
    pub(crate) const WANT: Option<c_int> = None;
    pub(crate) const DO: Option<c_int> = Some(ws::IP_PMTUDISC_DO);
    pub(crate) const PROBE: Option<c_int> = Some(ws::IP_PMTUDISC_PROBE);
    pub(crate) const INTERFACE: Option<c_int> = None;
    pub(crate) const OMIT: Option<c_int> = None;
}
