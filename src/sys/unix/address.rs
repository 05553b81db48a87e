//! Addresses as the kernel lays them out: filling and reading
//! `sockaddr_in` and `sockaddr_in6` inside a `sockaddr_storage`, the
//! family (and on the BSDs the length) byte, and the Unix-domain facts
//! `SockAddr` needs.

use std::mem;
use std::os::raw::c_int;

use super::{sa_family_t, sockaddr_in, sockaddr_in6, sockaddr_storage, sockaddr_un, socklen_t};
use super::{AF_INET, AF_INET6};

/// Byte offset of `sun_path` in `sockaddr_un`: an address this long is an
/// unnamed Unix socket.
pub(crate) const SUN_PATH_OFFSET: usize = mem::offset_of!(sockaddr_un, sun_path);

/// Whether Unix-domain addresses may be abstract (Linux's namespace of
/// names that begin with a NUL byte).
pub(crate) const HAS_ABSTRACT_UNIX: bool = cfg!(linux_like);

/// The value `inet_pton`-free code stores in `sin_addr.s_addr`.
fn in_addr(ip: std::net::Ipv4Addr) -> libc::in_addr {
    libc::in_addr {
        s_addr: u32::from_ne_bytes(ip.octets()),
    }
}

fn in_addr_octets(a: &libc::in_addr) -> [u8; 4] {
    a.s_addr.to_ne_bytes()
}

fn in6_addr(ip: std::net::Ipv6Addr) -> libc::in6_addr {
    libc::in6_addr {
        s6_addr: ip.octets(),
    }
}

fn in6_addr_octets(a: &libc::in6_addr) -> [u8; 16] {
    a.s6_addr
}

/// Writes the family (and on the BSDs the length byte) of an address that
/// is `len` bytes long.
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
pub(crate) fn put_v4(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV4) -> socklen_t {
    let len = mem::size_of::<sockaddr_in>() as socklen_t;
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
    let sin = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in>() };
    sin.sin_port = addr.port().to_be();
    sin.sin_addr = in_addr(*addr.ip());
    set_family(storage, AF_INET, len);
    len
}

/// Fills `storage` with an IPv6 address; returns its length.
pub(crate) fn put_v6(storage: &mut sockaddr_storage, addr: &std::net::SocketAddrV6) -> socklen_t {
    let len = mem::size_of::<sockaddr_in6>() as socklen_t;
    // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
    let sin6 = unsafe { &mut *(storage as *mut sockaddr_storage).cast::<sockaddr_in6>() };
    sin6.sin6_port = addr.port().to_be();
    sin6.sin6_addr = in6_addr(*addr.ip());
    sin6.sin6_flowinfo = addr.flowinfo();
    sin6.sin6_scope_id = addr.scope_id();
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
        sin6.sin6_scope_id,
    )
}
