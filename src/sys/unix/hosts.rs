//! Host and protocol lookups, thread-safe on every Unix.
//!
//! Hosts: `gethostbyname2_r(3)` and `gethostbyaddr_r(3)` where the C
//! library has them (`cfg(hostent_r)`: glibc, musl, FreeBSD); elsewhere
//! (macOS, ...) `getnameinfo(3)` for an address, and no call for a name:
//! [`host_by_name`] answers `None` and `hosts.rs` gathers `getaddrinfo`'s
//! answer instead. Protocols: `getprotobyname_r(3)` where it exists
//! (`cfg(protoent_r)`: glibc, FreeBSD), else `getprotobyname(3)` under a
//! lock.

use std::ffi::CStr;
use std::net::IpAddr;
use std::os::raw::c_int;

#[cfg(protoent_r)]
use std::os::raw::c_char;

use crate::error::LookupError;
use crate::sys::{copy_protoent, HostEntry, ProtoEntry};

#[cfg(hostent_r)]
pub(crate) use self::reentrant::{host_by_addr, host_by_name};

#[cfg(not(hostent_r))]
pub(crate) use self::fallback::{host_by_addr, host_by_name};

/// Host lookups with the reentrant calls.
#[cfg(hostent_r)]
mod reentrant {
    use std::ffi::CStr;
    use std::io;
    use std::mem;
    use std::net::IpAddr;
    use std::os::raw::{c_char, c_int};
    use std::ptr;

    use super::with_growing_buffer;
    use crate::error::LookupError;
    use crate::sys::{copy_hostent, text_or_code, HostEntry};

    // `h_errno` values, the same on glibc, musl and FreeBSD.
    const NETDB_INTERNAL: c_int = -1;
    const HOST_NOT_FOUND: c_int = 1;
    const TRY_AGAIN: c_int = 2;
    const NO_DATA: c_int = 4;

    extern "C" {
        fn gethostbyname2_r(
            name: *const c_char,
            af: c_int,
            ret: *mut libc::hostent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::hostent,
            h_errnop: *mut c_int,
        ) -> c_int;

        fn gethostbyaddr_r(
            addr: *const libc::c_void,
            len: libc::socklen_t,
            af: c_int,
            ret: *mut libc::hostent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::hostent,
            h_errnop: *mut c_int,
        ) -> c_int;
    }

    /// `gethostbyname2_r(3)`: thread-safe, through nsswitch (/etc/hosts,
    /// DNS, ...). Always `Some`: there is a call for every family.
    pub(crate) fn host_by_name(
        name: &CStr,
        family: c_int,
    ) -> Option<Result<HostEntry, LookupError>> {
        Some(hostent_r(|host, buf, len, result, h_errno| {
            // SAFETY: name is NUL-terminated; host, result and h_errno are
            // valid out pointers; buf has len writable bytes.
            unsafe { gethostbyname2_r(name.as_ptr(), family, host, buf, len, result, h_errno) }
        }))
    }

    /// `gethostbyaddr_r(3)`.
    pub(crate) fn host_by_addr(ip: IpAddr) -> Result<HostEntry, LookupError> {
        let (family, v4, v6) = match ip {
            IpAddr::V4(a) => (libc::AF_INET, a.octets(), [0; 16]),
            IpAddr::V6(a) => (libc::AF_INET6, [0; 4], a.octets()),
        };
        let bytes: &[u8] = if ip.is_ipv4() { &v4 } else { &v6 };
        hostent_r(|host, buf, len, result, h_errno| {
            // SAFETY: bytes holds bytes.len() bytes of address; the out
            // pointers are valid; buf has len writable bytes.
            unsafe {
                gethostbyaddr_r(
                    bytes.as_ptr().cast(),
                    bytes.len() as libc::socklen_t,
                    family,
                    host,
                    buf,
                    len,
                    result,
                    h_errno,
                )
            }
        })
    }

    /// Runs `gethostbyname2_r` or `gethostbyaddr_r` (given as `call`) and
    /// copies out the answer.
    fn hostent_r(
        mut call: impl FnMut(
            *mut libc::hostent,
            *mut c_char,
            usize,
            *mut *mut libc::hostent,
            *mut c_int,
        ) -> c_int,
    ) -> Result<HostEntry, LookupError> {
        with_growing_buffer(|buf, len| {
            // SAFETY: hostent is plain data; zeros are a valid value.
            let mut host: libc::hostent = unsafe { mem::zeroed() };
            let mut result: *mut libc::hostent = ptr::null_mut();
            let mut h_errno: c_int = 0;
            let ret = call(&mut host, buf, len, &mut result, &mut h_errno);
            if !result.is_null() {
                // SAFETY: on success result points to `host`, whose
                // pointers point into `buf`, alive until this closure
                // returns; the C library filled it as copy_hostent asks.
                return Some(unsafe {
                    let h = &*result;
                    copy_hostent(
                        h.h_name,
                        h.h_aliases.cast(),
                        h.h_addrtype,
                        h.h_length,
                        h.h_addr_list.cast(),
                    )
                });
            }
            if ret == libc::ERANGE {
                return None;
            }
            Some(Err(h_error(h_errno, ret)))
        })
    }

    /// Sorts an `h_errno` value (with the `_r` call's return value for
    /// `NETDB_INTERNAL`, which carries an errno).
    fn h_error(h_errno: c_int, ret: c_int) -> LookupError {
        match h_errno {
            HOST_NOT_FOUND | NO_DATA => LookupError::NotFound(hstrerror(h_errno)),
            TRY_AGAIN => LookupError::TryAgain(hstrerror(h_errno)),
            NETDB_INTERNAL if ret != 0 => LookupError::Os(io::Error::from_raw_os_error(ret)),
            NETDB_INTERNAL => LookupError::Os(io::Error::last_os_error()),
            // NO_RECOVERY, or a value this code does not know.
            _ => LookupError::Failed(hstrerror(h_errno)),
        }
    }

    /// `hstrerror(3)`: the system's text for an `h_errno` value.
    fn hstrerror(code: c_int) -> String {
        // SAFETY: hstrerror returns a pointer to a static string.
        let text = unsafe { libc::hstrerror(code) };
        text_or_code(text, "resolver error", code)
    }
}

/// Host lookups where the reentrant calls are missing (macOS, ...).
#[cfg(not(hostent_r))]
mod fallback {
    use std::ffi::CStr;
    use std::net::{IpAddr, SocketAddr};
    use std::os::raw::{c_char, c_int};
    use std::ptr;

    use crate::error::LookupError;
    use crate::sys::{gai_error, lossy, HostEntry, SockAddr};

    /// No thread-safe call looks a host up by name here: `None`, and the
    /// portable layer asks `getaddrinfo` (canonical name and every address,
    /// no aliases).
    pub(crate) fn host_by_name(
        _name: &CStr,
        _family: c_int,
    ) -> Option<Result<HostEntry, LookupError>> {
        None
    }

    /// `getnameinfo(3)` with `NI_NAMEREQD`.
    pub(crate) fn host_by_addr(ip: IpAddr) -> Result<HostEntry, LookupError> {
        let sa = SockAddr::from(SocketAddr::new(ip, 0));
        let mut host = [0 as c_char; 1025];
        // SAFETY: sa is a valid address of sa.len() bytes; host has room
        // for the given length; no service is asked for.
        let code = unsafe {
            libc::getnameinfo(
                sa.as_ptr(),
                sa.len(),
                host.as_mut_ptr(),
                host.len() as libc::socklen_t,
                ptr::null_mut(),
                0,
                libc::NI_NAMEREQD,
            )
        };
        if code != 0 {
            return Err(gai_error(code));
        }
        let (family, length) = if ip.is_ipv4() {
            (libc::AF_INET, 4)
        } else {
            (libc::AF_INET6, 16)
        };
        Ok(HostEntry {
            // SAFETY: getnameinfo wrote a NUL-terminated name.
            name: unsafe { lossy(host.as_ptr()) },
            aliases: Vec::new(),
            family,
            length,
            addrs: vec![ip],
        })
    }
}

/// Runs an `_r` call with scratch space that grows on `ERANGE`: 1 KiB
/// first, four times more each time, up to 1 MiB (a bigger entry would be
/// a broken database, not a real one). `call` gets the buffer and its
/// length, and returns `None` for "too small".
#[cfg(any(hostent_r, protoent_r))]
fn with_growing_buffer<T>(
    mut call: impl FnMut(*mut std::os::raw::c_char, usize) -> Option<Result<T, LookupError>>,
) -> Result<T, LookupError> {
    let mut size = 1024;
    loop {
        // u64 elements: the C library stores pointers in this buffer.
        let mut buf = vec![0u64; size / 8];
        if let Some(done) = call(buf.as_mut_ptr().cast(), size) {
            return done;
        }
        if size >= 1 << 20 {
            return Err(LookupError::Os(std::io::Error::from_raw_os_error(
                libc::ERANGE,
            )));
        }
        size *= 4;
    }
}

/// The entry of the protocol called `name`, or `None` when the protocols
/// database has no such name: `getprotobyname_r(3)`.
#[cfg(protoent_r)]
pub(crate) fn proto_by_name(name: &CStr) -> Result<Option<ProtoEntry>, LookupError> {
    extern "C" {
        fn getprotobyname_r(
            name: *const c_char,
            result_buf: *mut libc::protoent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::protoent,
        ) -> c_int;
    }
    proto_r(|proto, buf, len, result| {
        // SAFETY: name is NUL-terminated; the out pointers are valid; buf
        // has len writable bytes.
        unsafe { getprotobyname_r(name.as_ptr(), proto, buf, len, result) }
    })
}

/// The entry of the protocol numbered `number`, or `None` when the
/// protocols database has no such number: `getprotobynumber_r(3)`.
#[cfg(protoent_r)]
pub(crate) fn proto_by_number(number: c_int) -> Result<Option<ProtoEntry>, LookupError> {
    extern "C" {
        fn getprotobynumber_r(
            proto: c_int,
            result_buf: *mut libc::protoent,
            buf: *mut c_char,
            buflen: libc::size_t,
            result: *mut *mut libc::protoent,
        ) -> c_int;
    }
    proto_r(|proto, buf, len, result| {
        // SAFETY: the out pointers are valid; buf has len writable bytes.
        unsafe { getprotobynumber_r(number, proto, buf, len, result) }
    })
}

/// Runs a `getprotoby*_r` call and copies its entry out.
#[cfg(protoent_r)]
fn proto_r(
    call: impl Fn(*mut libc::protoent, *mut c_char, libc::size_t, *mut *mut libc::protoent) -> c_int,
) -> Result<Option<ProtoEntry>, LookupError> {
    with_growing_buffer(|buf, len| {
        // SAFETY: protoent is plain data; zeros are a valid value.
        let mut proto: libc::protoent = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::protoent = std::ptr::null_mut();
        let ret = call(&mut proto, buf, len, &mut result);
        if !result.is_null() {
            // SAFETY: on success the entry's strings live in buf, alive
            // here.
            return Some(Ok(Some(unsafe {
                copy_protoent(proto.p_name, proto.p_aliases.cast(), proto.p_proto)
            })));
        }
        match ret {
            libc::ERANGE => None,
            // Not found: 0 by POSIX, ENOENT from some glibc versions.
            0 | libc::ENOENT => Some(Ok(None)),
            e => Some(Err(LookupError::Os(std::io::Error::from_raw_os_error(e)))),
        }
    })
}

/// The entry of the protocol called `name`, or `None` when the protocols
/// database has no such name: `getprotobyname(3)`, whose static result is
/// copied under a process-wide lock (Apple's is per-thread already; musl's
/// walks a shared cursor).
#[cfg(not(protoent_r))]
pub(crate) fn proto_by_name(name: &CStr) -> Result<Option<ProtoEntry>, LookupError> {
    // SAFETY: name is NUL-terminated.
    locked_proto(|| unsafe { libc::getprotobyname(name.as_ptr()) })
}

/// The entry of the protocol numbered `number`, or `None`:
/// `getprotobynumber(3)` under the same lock.
#[cfg(not(protoent_r))]
pub(crate) fn proto_by_number(number: c_int) -> Result<Option<ProtoEntry>, LookupError> {
    // SAFETY: getprotobynumber takes any number.
    locked_proto(|| unsafe { libc::getprotobynumber(number) })
}

#[cfg(not(protoent_r))]
fn locked_proto(
    call: impl FnOnce() -> *mut libc::protoent,
) -> Result<Option<ProtoEntry>, LookupError> {
    use std::sync::{Mutex, PoisonError};

    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let p = call();
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: p points to a valid protoent until the next call, which the
    // lock keeps out; it is copied before the lock is released.
    Ok(Some(unsafe {
        copy_protoent((*p).p_name, (*p).p_aliases.cast(), (*p).p_proto)
    }))
}

// Both variants of the host lookups have these signatures; naming them
// here keeps the two in step (a variant that drifts fails to compile).
const _: fn(&CStr, c_int) -> Option<Result<HostEntry, LookupError>> = host_by_name;
const _: fn(IpAddr) -> Result<HostEntry, LookupError> = host_by_addr;
