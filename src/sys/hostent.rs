//! What the platforms' host lookups answer, and the copy of a C `hostent`
//! (glibc's, musl's, FreeBSD's, Winsock's: the same fields, with different
//! integer types) out of the C library's buffers.

use std::net::IpAddr;
use std::os::raw::c_int;

#[cfg(any(windows, hostent_r))]
pub(crate) use self::copy::copy_hostent;

/// A host's entry as the platform's lookup found it; `hosts.rs` makes it a
/// public `Hostent`.
#[derive(Debug)]
pub(crate) struct HostEntry {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    /// `AF_INET` or `AF_INET6`: the family of every address.
    pub(crate) family: c_int,
    /// The byte length of one address: 4 or 16.
    pub(crate) length: usize,
    pub(crate) addrs: Vec<IpAddr>,
}

/// The copy, where the platform has a thread-safe call that fills a C
/// `hostent` (Windows, `cfg(hostent_r)`).
#[cfg(any(windows, hostent_r))]
mod copy {
    use std::net::IpAddr;
    use std::os::raw::{c_char, c_int};

    use super::HostEntry;
    use crate::error::LookupError;
    use crate::sys::addr_layout::{AF_INET, AF_INET6};
    use crate::sys::lossy;

    /// Copies the fields of a C `hostent` into a [`HostEntry`] (where the
    /// platform has a thread-safe call that fills one).
    ///
    /// # Safety
    /// `name` is null or a NUL-terminated string; `aliases` is null or a
    /// null-terminated array of NUL-terminated strings; `addrs` is null or a
    /// null-terminated array of pointers to `length` bytes each: a `hostent`
    /// as the C library fills it, still alive.
    pub(crate) unsafe fn copy_hostent(
        name: *const c_char,
        aliases: *const *const c_char,
        family: c_int,
        length: c_int,
        addrs: *const *const c_char,
    ) -> Result<HostEntry, LookupError> {
        if family != AF_INET && family != AF_INET6 {
            return Err(LookupError::Failed(format!(
                "unknown address family {family}"
            )));
        }
        let length = usize::try_from(length).unwrap_or(0);
        let mut entry = HostEntry {
            // SAFETY: guaranteed by the caller.
            name: unsafe { lossy(name) },
            aliases: Vec::new(),
            family,
            length,
            addrs: Vec::new(),
        };
        let mut p = aliases;
        // SAFETY: a non-null `aliases` is a null-terminated array of strings.
        while !p.is_null() && unsafe { !(*p).is_null() } {
            // SAFETY: *p is a non-null NUL-terminated string.
            entry.aliases.push(unsafe { lossy(*p) });
            // SAFETY: the array goes on until its null terminator.
            p = unsafe { p.add(1) };
        }
        let mut p = addrs;
        // SAFETY: a non-null `addrs` is a null-terminated array of pointers.
        while !p.is_null() && unsafe { !(*p).is_null() } {
            // SAFETY: *p points to `length` bytes.
            let bytes = unsafe { std::slice::from_raw_parts((*p).cast::<u8>(), length) };
            let ip = match (
                family,
                <[u8; 4]>::try_from(bytes),
                <[u8; 16]>::try_from(bytes),
            ) {
                (AF_INET, Ok(v4), _) => IpAddr::from(v4),
                (AF_INET6, _, Ok(v6)) => IpAddr::from(v6),
                _ => {
                    return Err(LookupError::Failed(format!(
                        "address of family {family} and length {length}"
                    )))
                }
            };
            entry.addrs.push(ip);
            // SAFETY: the array goes on until its null terminator.
            p = unsafe { p.add(1) };
        }
        Ok(entry)
    }
}

/// A protocol's entry as the platform's lookup found it; `hosts.rs` makes
/// it a public `Protoent`.
#[derive(Debug)]
pub(crate) struct ProtoEntry {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) number: c_int,
}

/// Copies the fields of a C `protoent` (every platform's: the same
/// fields, with different integer types) into a [`ProtoEntry`].
///
/// # Safety
/// `name` is null or a NUL-terminated string; `aliases` is null or a
/// null-terminated array of NUL-terminated strings, all still alive.
pub(crate) unsafe fn copy_protoent(
    name: *const std::os::raw::c_char,
    aliases: *const *const std::os::raw::c_char,
    number: c_int,
) -> ProtoEntry {
    let mut entry = ProtoEntry {
        // SAFETY: guaranteed by the caller.
        name: unsafe { super::lossy(name) },
        aliases: Vec::new(),
        number,
    };
    let mut p = aliases;
    // SAFETY: a non-null `aliases` is a null-terminated array of strings.
    while !p.is_null() && unsafe { !(*p).is_null() } {
        // SAFETY: *p is a non-null NUL-terminated string.
        entry.aliases.push(unsafe { super::lossy(*p) });
        // SAFETY: the array goes on until its null terminator.
        p = unsafe { p.add(1) };
    }
    entry
}
