//! Network interface names and indexes: `if_nametoindex(3)` and
//! `if_indextoname(3)`, which turn the scope of a link-local IPv6 address
//! (`fe80::1%lo`) into its number and back.

use std::ffi::CStr;
use std::io;

/// The index of the interface called `name`, or `NotFound` when there is
/// none (`if_nametoindex` returns 0 and sets `errno` to `ENXIO` or
/// `ENODEV`, which callers word themselves).
pub(crate) fn if_nametoindex(name: &CStr) -> io::Result<u32> {
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    Ok(index)
}

/// The name of the interface with index `index`, or `NotFound` when there
/// is none.
pub(crate) fn if_indextoname(index: u32) -> io::Result<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes the call may write, the
    // terminating NUL included.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    // SAFETY: on success the call wrote a NUL-terminated name into `buf`.
    Ok(unsafe { super::super::lossy(buf.as_ptr()) })
}
