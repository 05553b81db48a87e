//! Host and protocol lookups: Winsock's `gethostbyname`, `gethostbyaddr`
//! and `getprotobyname`, whose results Winsock keeps per thread (so the
//! calls are thread-safe). `gethostbyname` does IPv4 only: for IPv6,
//! [`host_by_name`] answers `None` and `hosts.rs` gathers `getaddrinfo`'s
//! answer instead.

use std::ffi::CStr;
use std::net::IpAddr;
use std::os::raw::c_int;

use windows_sys::Win32::Networking::WinSock as ws;

use super::{init, lookup_error, AF_INET, AF_INET6};
use crate::error::LookupError;
use crate::sys::{copy_hostent, copy_protoent, HostEntry, ProtoEntry};

/// The error a `gethostby*` call that returned null left behind.
#[cold]
fn last_lookup_error() -> LookupError {
    // SAFETY: WSAGetLastError has no preconditions.
    lookup_error(unsafe { ws::WSAGetLastError() })
}

/// IPv4: `gethostbyname`, which gives the aliases too. `None` for IPv6,
/// which `gethostbyname` does not do.
pub(crate) fn host_by_name(name: &CStr, family: c_int) -> Option<Result<HostEntry, LookupError>> {
    if family != AF_INET {
        return None;
    }
    init();
    // SAFETY: name is NUL-terminated.
    let h = unsafe { ws::gethostbyname(name.as_ptr().cast()) };
    if h.is_null() {
        return Some(Err(last_lookup_error()));
    }
    // SAFETY: a non-null result is this thread's HOSTENT, valid until the
    // next gethostby* call on this thread, and copied out now.
    Some(unsafe { hostent(&*h) })
}

/// `gethostbyaddr`, per thread like `gethostbyname`; IPv4 and IPv6.
pub(crate) fn host_by_addr(ip: IpAddr) -> Result<HostEntry, LookupError> {
    init();
    let (v4, v6);
    let (bytes, family): (&[u8], c_int) = match ip {
        IpAddr::V4(a) => {
            v4 = a.octets();
            (&v4, AF_INET)
        }
        IpAddr::V6(a) => {
            v6 = a.octets();
            (&v6, AF_INET6)
        }
    };
    // SAFETY: bytes holds bytes.len() bytes of address.
    let h = unsafe { ws::gethostbyaddr(bytes.as_ptr(), bytes.len() as c_int, family) };
    if h.is_null() {
        return Err(last_lookup_error());
    }
    // SAFETY: as in `host_by_name`.
    unsafe { hostent(&*h) }
}

/// Copies a Winsock `HOSTENT`.
///
/// # Safety
/// `h` is a `HOSTENT` filled by Winsock: `h_name` a string, `h_aliases`
/// and `h_addr_list` null-terminated arrays.
unsafe fn hostent(h: &ws::HOSTENT) -> Result<HostEntry, LookupError> {
    // SAFETY: guaranteed by the caller; the casts change only the
    // pointee's integer type (u8/i8 and c_char are the same size).
    unsafe {
        copy_hostent(
            h.h_name.cast(),
            h.h_aliases.cast(),
            c_int::from(h.h_addrtype),
            c_int::from(h.h_length),
            h.h_addr_list.cast(),
        )
    }
}

/// `getprotobyname`: Winsock keeps its result per thread, so the call
/// is thread-safe. The protocol's entry, or `None` when the protocols
/// database (`drivers\etc\protocol`) has no such name.
pub(crate) fn proto_by_name(name: &CStr) -> Result<Option<ProtoEntry>, LookupError> {
    init();
    // SAFETY: name is NUL-terminated.
    proto_entry(unsafe { ws::getprotobyname(name.as_ptr().cast()) })
}

/// `getprotobynumber`, per thread as `getprotobyname`.
pub(crate) fn proto_by_number(number: c_int) -> Result<Option<ProtoEntry>, LookupError> {
    init();
    // SAFETY: getprotobynumber takes any number.
    proto_entry(unsafe { ws::getprotobynumber(number) })
}

/// Copies this thread's `PROTOENT` at `p`, or reads why there is none.
fn proto_entry(p: *mut ws::PROTOENT) -> Result<Option<ProtoEntry>, LookupError> {
    if p.is_null() {
        // SAFETY: WSAGetLastError has no preconditions.
        return match unsafe { ws::WSAGetLastError() } {
            ws::WSANO_DATA | ws::WSAHOST_NOT_FOUND | 0 => Ok(None),
            code => Err(lookup_error(code)),
        };
    }
    // SAFETY: p is this thread's PROTOENT, copied at once.
    Ok(Some(unsafe {
        copy_protoent(
            (*p).p_name.cast(),
            (*p).p_aliases.cast(),
            c_int::from((*p).p_proto),
        )
    }))
}
