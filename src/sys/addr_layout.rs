//! Socket addresses as the OS lays them out, written once for both
//! platforms: the C address types under their Unix names (Winsock's are
//! aliased to them), the address families, `in_addr` / `in6_addr` made
//! from and read as std's addresses, and `sockaddr_in` / `sockaddr_in6`
//! filled and read inside a `sockaddr_storage`, with the family (and on
//! the BSDs and Apple's systems the length) byte.
//!
//! What differs between Unix and Windows is only names and the two
//! fields that Winsock wraps in a union (the IPv4 address, the IPv6 scope
//! id): those are the `cfg` blocks at the top. No OS call is made here.

// The C names, as the platforms' headers spell them.
#![allow(non_camel_case_types)]

use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::raw::c_int;

#[cfg(windows)]
use windows_sys::Win32::Networking::WinSock::{
    self as ws, IN6_ADDR, IN6_ADDR_0, IN_ADDR, IN_ADDR_0, SOCKADDR_IN6_0,
};

#[cfg(unix)]
pub(crate) use libc::{
    sa_family_t, sockaddr, sockaddr_in, sockaddr_in6, sockaddr_storage, sockaddr_un, socklen_t,
};

#[cfg(unix)]
pub(crate) const AF_UNSPEC: c_int = libc::AF_UNSPEC;
#[cfg(unix)]
pub(crate) const AF_UNIX: c_int = libc::AF_UNIX;
#[cfg(unix)]
pub(crate) const AF_INET: c_int = libc::AF_INET;
#[cfg(unix)]
pub(crate) const AF_INET6: c_int = libc::AF_INET6;

/// An IPv4 address as the kernel stores it: the octets in network order.
#[cfg(unix)]
pub(crate) fn in_addr(ip: Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(ip.octets()),
    }
}

#[cfg(unix)]
pub(crate) fn in_addr_octets(a: &libc::in_addr) -> [u8; 4] {
    a.s_addr.to_ne_bytes()
}

#[cfg(unix)]
pub(crate) fn in6_addr(ip: Ipv6Addr) -> libc::in6_addr {
    libc::in6_addr {
        s6_addr: ip.octets(),
    }
}

#[cfg(unix)]
pub(crate) fn in6_addr_octets(a: &libc::in6_addr) -> [u8; 16] {
    a.s6_addr
}

#[cfg(unix)]
fn set_scope_id(sin6: &mut sockaddr_in6, id: u32) {
    sin6.sin6_scope_id = id;
}

#[cfg(unix)]
fn scope_id(sin6: &sockaddr_in6) -> u32 {
    sin6.sin6_scope_id
}

#[cfg(windows)]
pub(crate) use windows_sys::Win32::Networking::WinSock::{
    SOCKADDR as sockaddr, SOCKADDR_IN as sockaddr_in, SOCKADDR_IN6 as sockaddr_in6,
    SOCKADDR_STORAGE as sockaddr_storage, SOCKADDR_UN as sockaddr_un,
};

/// Winsock's address length type: a plain `int`.
#[cfg(windows)]
pub(crate) type socklen_t = ws::socklen_t;
/// `ADDRESS_FAMILY`, an unsigned short as on Unix.
#[cfg(windows)]
pub(crate) type sa_family_t = ws::ADDRESS_FAMILY;

#[cfg(windows)]
pub(crate) const AF_UNSPEC: c_int = ws::AF_UNSPEC as c_int;
#[cfg(windows)]
pub(crate) const AF_UNIX: c_int = ws::AF_UNIX as c_int;
#[cfg(windows)]
pub(crate) const AF_INET: c_int = ws::AF_INET as c_int;
#[cfg(windows)]
pub(crate) const AF_INET6: c_int = ws::AF_INET6 as c_int;

/// An IPv4 address as Winsock stores it: the octets in network order.
#[cfg(windows)]
pub(crate) fn in_addr(ip: Ipv4Addr) -> IN_ADDR {
    IN_ADDR {
        S_un: IN_ADDR_0 {
            S_addr: u32::from_ne_bytes(ip.octets()),
        },
    }
}

#[cfg(windows)]
pub(crate) fn in_addr_octets(a: &IN_ADDR) -> [u8; 4] {
    // SAFETY: every member of the union is plain bytes over the same four
    // bytes, so reading any of them is sound.
    unsafe { a.S_un.S_addr }.to_ne_bytes()
}

#[cfg(windows)]
pub(crate) fn in6_addr(ip: Ipv6Addr) -> IN6_ADDR {
    IN6_ADDR {
        u: IN6_ADDR_0 { Byte: ip.octets() },
    }
}

#[cfg(windows)]
pub(crate) fn in6_addr_octets(a: &IN6_ADDR) -> [u8; 16] {
    // SAFETY: as in `in_addr_octets`: plain bytes in every member.
    unsafe { a.u.Byte }
}

#[cfg(windows)]
fn set_scope_id(sin6: &mut sockaddr_in6, id: u32) {
    sin6.Anonymous = SOCKADDR_IN6_0 { sin6_scope_id: id };
}

#[cfg(windows)]
fn scope_id(sin6: &sockaddr_in6) -> u32 {
    // SAFETY: both members of the union are a plain u32.
    unsafe { sin6.Anonymous.sin6_scope_id }
}

/// Byte offset of `sun_path` in `sockaddr_un`: an address this long is an
/// unnamed Unix socket.
pub(crate) const SUN_PATH_OFFSET: usize = mem::offset_of!(sockaddr_un, sun_path);

/// Whether Unix-domain addresses may be abstract (Linux's namespace of
/// names that begin with a NUL byte; Windows and the other systems have
/// none).
pub(crate) const HAS_ABSTRACT_UNIX: bool = cfg!(linux_like);

/// Writes the family (and where addresses carry one, the length byte) of
/// an address that is `len` bytes long.
pub(crate) fn set_family(storage: &mut sockaddr_storage, family: c_int, len: socklen_t) {
    storage.ss_family = family as sa_family_t;
    if cfg!(sa_len) {
        // SAFETY: on these systems the first byte of every sockaddr is its
        // length (`ss_len`); writing it through a byte pointer avoids
        // naming a field the other systems do not have.
        unsafe { *(storage as *mut sockaddr_storage).cast::<u8>() = len as u8 };
    }
}

pub(crate) fn family_of(storage: &sockaddr_storage) -> c_int {
    c_int::from(storage.ss_family)
}

/// Fills `storage` with an IPv4 address; returns its length.
pub(crate) fn put_v4(storage: &mut sockaddr_storage, addr: &SocketAddrV4) -> socklen_t {
    let len = mem::size_of::<sockaddr_in>() as socklen_t;
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
    let sin = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in>() };
    sin.sin_port = addr.port().to_be();
    sin.sin_addr = in_addr(*addr.ip());
    set_family(storage, AF_INET, len);
    len
}

/// Fills `storage` with an IPv6 address; returns its length.
pub(crate) fn put_v6(storage: &mut sockaddr_storage, addr: &SocketAddrV6) -> socklen_t {
    let len = mem::size_of::<sockaddr_in6>() as socklen_t;
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
    let sin6 = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in6>() };
    sin6.sin6_port = addr.port().to_be();
    sin6.sin6_addr = in6_addr(*addr.ip());
    sin6.sin6_flowinfo = addr.flowinfo();
    set_scope_id(sin6, addr.scope_id());
    set_family(storage, AF_INET6, len);
    len
}

/// Reads an IPv4 address; the caller checked family and length.
pub(crate) fn get_v4(storage: &sockaddr_storage) -> SocketAddrV4 {
    // SAFETY: the caller checked that this is an AF_INET address.
    let sin = unsafe { &*(storage as *const sockaddr_storage).cast::<sockaddr_in>() };
    SocketAddrV4::new(
        Ipv4Addr::from(in_addr_octets(&sin.sin_addr)),
        u16::from_be(sin.sin_port),
    )
}

/// Reads an IPv6 address; the caller checked family and length.
pub(crate) fn get_v6(storage: &sockaddr_storage) -> SocketAddrV6 {
    // SAFETY: the caller checked that this is an AF_INET6 address.
    let sin6 = unsafe { &*(storage as *const sockaddr_storage).cast::<sockaddr_in6>() };
    SocketAddrV6::new(
        Ipv6Addr::from(in6_addr_octets(&sin6.sin6_addr)),
        u16::from_be(sin6.sin6_port),
        sin6.sin6_flowinfo,
        scope_id(sin6),
    )
}
