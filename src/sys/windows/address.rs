//! Addresses as Winsock lays them out: filling and reading `SOCKADDR_IN`
//! and `SOCKADDR_IN6` inside a `SOCKADDR_STORAGE`, and the Unix-domain
//! facts `SockAddr` needs.

use std::mem;
use std::os::raw::c_int;

use windows_sys::Win32::Networking::WinSock::{
    IN6_ADDR, IN6_ADDR_0, IN_ADDR, IN_ADDR_0, SOCKADDR_IN6_0,
};

use super::{sa_family_t, sockaddr_in, sockaddr_in6, sockaddr_storage, sockaddr_un, socklen_t};
use super::{AF_INET, AF_INET6};

/// Byte offset of `sun_path` in `sockaddr_un`: an address this long is an
/// unnamed Unix socket.
pub(crate) const SUN_PATH_OFFSET: usize = mem::offset_of!(sockaddr_un, sun_path);

/// Windows has no abstract namespace for Unix-domain sockets.
pub(crate) const HAS_ABSTRACT_UNIX: bool = false;

/// The value code stores in `sin_addr`: the octets in network order.
pub(crate) fn in_addr(ip: std::net::Ipv4Addr) -> IN_ADDR {
    IN_ADDR {
        S_un: IN_ADDR_0 {
            S_addr: u32::from_ne_bytes(ip.octets()),
        },
    }
}

pub(crate) fn in_addr_octets(a: &IN_ADDR) -> [u8; 4] {
    // SAFETY: every member of the union is plain bytes over the same four
    // bytes, so reading any of them is sound.
    unsafe { a.S_un.S_addr }.to_ne_bytes()
}

pub(crate) fn in6_addr(ip: std::net::Ipv6Addr) -> IN6_ADDR {
    IN6_ADDR {
        u: IN6_ADDR_0 { Byte: ip.octets() },
    }
}

pub(crate) fn in6_addr_octets(a: &IN6_ADDR) -> [u8; 16] {
    // SAFETY: as in `in_addr_octets`: plain bytes in every member.
    unsafe { a.u.Byte }
}

/// Writes the family of an address (Windows addresses carry no length
/// byte, unlike the BSDs').
pub(crate) fn set_family(storage: &mut sockaddr_storage, family: c_int, _len: socklen_t) {
    storage.ss_family = family as sa_family_t;
}

pub(crate) fn family_of(storage: &sockaddr_storage) -> c_int {
    c_int::from(storage.ss_family)
}

/// Fills `storage` with an IPv4 address; returns its length.
pub(crate) fn put_v4(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV4) -> socklen_t {
    let len = mem::size_of::<sockaddr_in>() as socklen_t;
    // SAFETY: SOCKADDR_STORAGE is larger than and aligned for SOCKADDR_IN.
    let sin = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in>() };
    sin.sin_port = addr.port().to_be();
    sin.sin_addr = in_addr(*addr.ip());
    set_family(storage, AF_INET, len);
    len
}

/// Fills `storage` with an IPv6 address; returns its length.
pub(crate) fn put_v6(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV6) -> socklen_t {
    let len = mem::size_of::<sockaddr_in6>() as socklen_t;
    // SAFETY: SOCKADDR_STORAGE is larger than and aligned for SOCKADDR_IN6.
    let sin6 = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in6>() };
    sin6.sin6_port = addr.port().to_be();
    sin6.sin6_addr = in6_addr(*addr.ip());
    sin6.sin6_flowinfo = addr.flowinfo();
    sin6.Anonymous = SOCKADDR_IN6_0 {
        sin6_scope_id: addr.scope_id(),
    };
    set_family(storage, AF_INET6, len);
    len
}

/// Reads an IPv4 address; the caller checked family and length.
pub(crate) fn get_v4(storage: &sockaddr_storage) -> std::net::SocketAddrV4 {
    // SAFETY: the caller checked that this is an AF_INET address.
    let sin = unsafe { &*(storage as *const sockaddr_storage).cast::<sockaddr_in>() };
    std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::from(in_addr_octets(&sin.sin_addr)),
        u16::from_be(sin.sin_port),
    )
}

/// Reads an IPv6 address; the caller checked family and length.
pub(crate) fn get_v6(storage: &sockaddr_storage) -> std::net::SocketAddrV6 {
    // SAFETY: the caller checked that this is an AF_INET6 address.
    let sin6 = unsafe { &*(storage as *const sockaddr_storage).cast::<sockaddr_in6>() };
    std::net::SocketAddrV6::new(
        std::net::Ipv6Addr::from(in6_addr_octets(&sin6.sin6_addr)),
        u16::from_be(sin6.sin6_port),
        sin6.sin6_flowinfo,
        // SAFETY: both members of the union are a plain u32.
        unsafe { sin6.Anonymous.sin6_scope_id },
    )
}
