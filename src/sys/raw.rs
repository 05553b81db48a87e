//! Plain C data built or read without an OS call, the same text on both
//! platforms: a struct read from or written into a byte buffer (the
//! payloads of control messages), and `getaddrinfo`'s `addrinfo` with the
//! hints built from it.

use std::mem;
use std::os::raw::c_int;
use std::ptr;

/// `struct addrinfo`, as `getaddrinfo` takes and returns it.
#[cfg(unix)]
#[allow(non_camel_case_types)]
pub(crate) type addrinfo = libc::addrinfo;

/// `ADDRINFOA`: the ANSI `getaddrinfo`, whose `ai_canonname` is a C
/// string like Unix's. (Names outside the ANSI code page would need
/// `GetAddrInfoW`; host names are ASCII, IDNs in their `xn--` form.)
#[cfg(windows)]
#[allow(non_camel_case_types)]
pub(crate) type addrinfo = windows_sys::Win32::Networking::WinSock::ADDRINFOA;

/// Hints for `getaddrinfo`: every other field zero, as POSIX and Winsock
/// require.
#[inline]
pub(crate) fn addrinfo_hints(
    flags: c_int,
    family: c_int,
    socktype: c_int,
    protocol: c_int,
) -> addrinfo {
    // SAFETY: addrinfo is plain data; all zeros (null pointers, zero
    // numbers) is the value unused hint fields must have.
    let mut hints: addrinfo = unsafe { mem::zeroed() };
    hints.ai_flags = flags;
    hints.ai_family = family;
    hints.ai_socktype = socktype;
    hints.ai_protocol = protocol;
    hints
}

/// Reads a plain `T` from the start of `data`, when it holds one.
pub(crate) fn read_struct<T: Copy>(data: &[u8]) -> Option<T> {
    if data.len() < mem::size_of::<T>() {
        return None;
    }
    // SAFETY: length checked; unaligned read of a plain C struct, valid
    // for any bit pattern.
    Some(unsafe { ptr::read_unaligned(data.as_ptr().cast::<T>()) })
}

/// The bytes of a plain `T`, written into `out` (which holds at least
/// `size_of::<T>()` bytes); returns how many were written.
pub(crate) fn write_struct<T: Copy>(value: &T, out: &mut [u8]) -> usize {
    let n = mem::size_of::<T>();
    assert!(out.len() >= n, "caller checks the room");
    // SAFETY: room checked; the write is unaligned.
    unsafe { ptr::write_unaligned(out.as_mut_ptr().cast::<T>(), *value) };
    n
}
