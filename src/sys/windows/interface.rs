//! Network interface names and indexes: `if_nametoindex` and
//! `if_indextoname` from the IP helper library (iphlpapi), which turn the
//! scope of a link-local IPv6 address (`fe80::1%3`, or by name) into its
//! number and back. The names are the interfaces' NDIS names
//! (`loopback_0`, `ethernet_32768`), as on Windows's own `if_nametoindex`.

use std::ffi::CStr;
use std::io;

use windows_sys::Win32::NetworkManagement::IpHelper;

/// `NDIS_IF_MAX_STRING_SIZE` + 1: the buffer `if_indextoname` may fill.
const NAME_BUFFER: usize = 257;

/// The index of the interface called `name`, or `NotFound` when there is
/// none (`if_nametoindex` returns 0).
pub(crate) fn if_nametoindex(name: &CStr) -> io::Result<u32> {
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    let index = unsafe { IpHelper::if_nametoindex(name.as_ptr().cast()) };
    if index == 0 {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    Ok(index)
}

/// The name of the interface with index `index`, or `NotFound` when there
/// is none.
pub(crate) fn if_indextoname(index: u32) -> io::Result<String> {
    let mut buf = [0u8; NAME_BUFFER];
    // SAFETY: `buf` has the NDIS_IF_MAX_STRING_SIZE + 1 bytes the call may
    // write, the terminating NUL included.
    let p = unsafe { IpHelper::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    }
    // SAFETY: on success the call wrote a NUL-terminated name into `buf`.
    Ok(unsafe { super::super::lossy(buf.as_ptr().cast()) })
}
