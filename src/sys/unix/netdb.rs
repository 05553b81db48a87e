//! The resolver: `getaddrinfo(3)` and its errors, the host name, and what
//! the services cache needs from the OS (the file's path, a coarse clock).

use std::ffi::CStr;
use std::io;
use std::mem;
use std::os::raw::{c_char, c_int};
use std::path::PathBuf;
use std::ptr::{self, NonNull};

use crate::error::LookupError;
use crate::sys::lossy;
use crate::sys::raw::addrinfo;

pub(crate) const AI_CANONNAME: c_int = libc::AI_CANONNAME;

/// `AI_V4MAPPED`, or 0 where `getaddrinfo` rejects it with
/// `EAI_BADFLAGS` (the BSDs and Android define the flag but do not
/// implement it; Nim leaves it out there for the same reason).
#[cfg(no_ai_v4mapped)]
pub(crate) const AI_V4MAPPED: c_int = 0;
#[cfg(not(no_ai_v4mapped))]
pub(crate) const AI_V4MAPPED: c_int = libc::AI_V4MAPPED;

/// `EAI_NODATA` and `EAI_ADDRFAMILY` ("the name has no address of that
/// family"): gone from POSIX, still returned by glibc and the BSDs, and
/// missing from the libc crate on some targets, so taken from the
/// systems' `netdb.h`.
#[cfg(target_os = "linux")]
const EAI_NO_ADDRESS: [c_int; 2] = [-5, -9];
#[cfg(not(target_os = "linux"))]
const EAI_NO_ADDRESS: [c_int; 2] = [7, 1];

/// `getaddrinfo(3)`. The list it returns must be given back to
/// [`freeaddrinfo`].
#[inline]
pub(crate) fn getaddrinfo(
    node: &CStr,
    service: Option<&CStr>,
    hints: &addrinfo,
) -> Result<NonNull<addrinfo>, LookupError> {
    let mut res: *mut addrinfo = ptr::null_mut();
    // SAFETY: node and service are NUL-terminated and live across the
    // call, hints is a valid addrinfo, res is a valid out pointer.
    let code = unsafe {
        libc::getaddrinfo(
            node.as_ptr(),
            service.map_or(ptr::null(), CStr::as_ptr),
            hints,
            &mut res,
        )
    };
    if code != 0 {
        return Err(gai_error(code));
    }
    // Success with no entry is not allowed by POSIX; were a libc to do
    // it anyway, "no address" is the honest reading.
    NonNull::new(res).ok_or_else(|| LookupError::NotFound("no address returned".into()))
}

/// `freeaddrinfo(3)`.
///
/// # Safety
/// `list` came from [`getaddrinfo`] and is not used afterwards.
#[inline]
pub(crate) unsafe fn freeaddrinfo(list: NonNull<addrinfo>) {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::freeaddrinfo(list.as_ptr()) }
}

/// The length of an entry's address (`ai_addrlen`, a `socklen_t`).
#[inline]
pub(crate) fn addr_len(ai: &addrinfo) -> usize {
    ai.ai_addrlen as usize
}

/// Writes `port` (host order) into an IPv4 or IPv6 address that
/// `getaddrinfo` returned, as it fills in a numeric service; leaves
/// other families and short addresses alone. The family is the
/// entry's `ai_family` (the address's own, which POSIX makes them
/// equal), so the address is only written, not read.
///
/// # Safety
/// `addr` points to `len` writable bytes of address.
#[inline]
pub(crate) unsafe fn set_port(family: c_int, addr: *mut libc::sockaddr, len: usize, port: u16) {
    // SAFETY: the casts are done only when `len` covers the whole
    // struct of that family; `addr` is suitably aligned for it, as
    // getaddrinfo allocates it for that struct.
    unsafe {
        match family {
            libc::AF_INET if len >= mem::size_of::<libc::sockaddr_in>() => {
                (*addr.cast::<libc::sockaddr_in>()).sin_port = port.to_be();
            }
            libc::AF_INET6 if len >= mem::size_of::<libc::sockaddr_in6>() => {
                (*addr.cast::<libc::sockaddr_in6>()).sin6_port = port.to_be();
            }
            _ => {}
        }
    }
}

/// Sorts a `getaddrinfo` error code; reads `errno` first for
/// `EAI_SYSTEM`, before anything can change it.
#[cold]
pub(crate) fn gai_error(code: c_int) -> LookupError {
    if code == libc::EAI_SYSTEM {
        return LookupError::Os(io::Error::last_os_error());
    }
    let why = gai_strerror(code);
    match code {
        libc::EAI_NONAME => LookupError::NotFound(why),
        c if EAI_NO_ADDRESS.contains(&c) => LookupError::NotFound(why),
        libc::EAI_AGAIN => LookupError::TryAgain(why),
        libc::EAI_FAMILY | libc::EAI_SOCKTYPE | libc::EAI_SERVICE | libc::EAI_BADFLAGS => {
            LookupError::Unsupported(why)
        }
        libc::EAI_MEMORY => LookupError::OutOfMemory(why),
        _ => LookupError::Failed(why),
    }
}

/// `gai_strerror(3)`: the system's text for a `getaddrinfo` error.
fn gai_strerror(code: c_int) -> String {
    // SAFETY: gai_strerror returns a pointer to a static string (or
    // null on some libcs for unknown codes).
    let text = unsafe { libc::gai_strerror(code) };
    text_or_code(text, "getaddrinfo error", code)
}

pub(crate) fn text_or_code(text: *const c_char, what: &str, code: c_int) -> String {
    if text.is_null() {
        return format!("{what} {code}");
    }
    // SAFETY: a non-null result of gai_strerror/hstrerror is a static
    // NUL-terminated string.
    unsafe { lossy(text) }
}

/// `gethostname(2)`.
pub(crate) fn hostname() -> io::Result<String> {
    // POSIX host names are at most 255 bytes; one more keeps a NUL.
    let mut buf = [0 as c_char; 257];
    // SAFETY: buf has room for the length passed, which leaves the last
    // byte zero whatever the call writes.
    if unsafe { libc::gethostname(buf.as_mut_ptr(), buf.len() - 1) } == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: buf ends with a NUL (its last byte is never written).
    Ok(unsafe { lossy(buf.as_ptr()) })
}

/// The system's services file.
pub(crate) fn services_path() -> PathBuf {
    PathBuf::from("/etc/services")
}

/// The system's protocols file.
pub(crate) fn protocols_path() -> PathBuf {
    PathBuf::from("/etc/protocols")
}

/// The system's hosts file.
pub(crate) fn hosts_path() -> PathBuf {
    PathBuf::from("/etc/hosts")
}

/// A cheap monotonic clock in milliseconds, for "has a second passed"
/// checks on hot paths: the coarse clocks read a value the kernel keeps
/// (several times cheaper than `CLOCK_MONOTONIC`; BENCHMARKS.md), at a
/// resolution of a few milliseconds.
#[inline]
pub(crate) fn coarse_now_ms() -> u64 {
    #[cfg(linux_like)]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_COARSE;
    #[cfg(target_os = "freebsd")]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_FAST;
    #[cfg(target_vendor = "apple")]
    const CLOCK: libc::clockid_t = libc::CLOCK_UPTIME_RAW_APPROX;
    #[cfg(not(any(linux_like, target_os = "freebsd", target_vendor = "apple")))]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out pointer; CLOCK exists on this system,
    // so the call cannot fail.
    unsafe { libc::clock_gettime(CLOCK, &mut ts) };
    (ts.tv_sec as u64) * 1000 + (ts.tv_nsec as u64) / 1_000_000
}
