//! The resolver: `getaddrinfo` and its errors, the host name, and what the
//! services cache needs from the OS (the file's path, a coarse clock).

use std::ffi::CStr;
use std::io;
use std::mem;
use std::os::raw::c_int;
use std::os::windows::ffi::OsStringExt;
use std::path::PathBuf;
use std::ptr::{self, NonNull};

use windows_sys::Win32::Networking::WinSock as ws;
use windows_sys::Win32::System::SystemInformation::{GetSystemDirectoryW, GetTickCount64};

use crate::error::LookupError;
use crate::sys::raw::addrinfo;

pub(crate) const AI_CANONNAME: c_int = ws::AI_CANONNAME as c_int;
/// Supported by Windows' `getaddrinfo` since Vista.
pub(crate) const AI_V4MAPPED: c_int = ws::AI_V4MAPPED as c_int;

/// `getaddrinfo`. The list it returns must be given back to
/// [`freeaddrinfo`]. Starts Winsock first: a lookup can be a process's
/// first Winsock call.
#[inline]
pub(crate) fn getaddrinfo(
    node: &CStr,
    service: Option<&CStr>,
    hints: &addrinfo,
) -> Result<NonNull<addrinfo>, LookupError> {
    super::init();
    let mut res: *mut addrinfo = ptr::null_mut();
    // SAFETY: node and service are NUL-terminated and live across the
    // call, hints is a valid ADDRINFOA, res is a valid out pointer.
    let code = unsafe {
        ws::getaddrinfo(
            node.as_ptr().cast(),
            service.map_or(ptr::null(), |s| s.as_ptr().cast()),
            hints,
            &mut res,
        )
    };
    if code != 0 {
        return Err(lookup_error(code));
    }
    NonNull::new(res).ok_or_else(|| LookupError::NotFound("no address returned".into()))
}

/// `freeaddrinfo`.
///
/// # Safety
/// `list` came from [`getaddrinfo`] and is not used afterwards.
#[inline]
pub(crate) unsafe fn freeaddrinfo(list: NonNull<addrinfo>) {
    // SAFETY: guaranteed by the caller.
    unsafe { ws::freeaddrinfo(list.as_ptr()) }
}

/// The length of an entry's address (`ai_addrlen`, a `size_t` here).
#[inline]
pub(crate) fn addr_len(ai: &addrinfo) -> usize {
    ai.ai_addrlen
}

/// Writes `port` (host order) into an IPv4 or IPv6 address that
/// `getaddrinfo` returned; leaves other families and short addresses
/// alone. The family is the entry's `ai_family`, so the address is
/// only written, not read.
///
/// # Safety
/// `addr` points to `len` writable bytes of address.
#[inline]
pub(crate) unsafe fn set_port(family: c_int, addr: *mut ws::SOCKADDR, len: usize, port: u16) {
    // The port sits right after the family in both structs.
    const PORT_AT: usize = mem::offset_of!(ws::SOCKADDR_IN, sin_port);
    const _: () = assert!(PORT_AT == mem::offset_of!(ws::SOCKADDR_IN6, sin6_port));
    let whole = match u16::try_from(family) {
        Ok(ws::AF_INET) => mem::size_of::<ws::SOCKADDR_IN>(),
        Ok(ws::AF_INET6) => mem::size_of::<ws::SOCKADDR_IN6>(),
        _ => return,
    };
    if len >= whole {
        // SAFETY: `len` covers the whole struct, so the port's two
        // bytes are inside the address. Unaligned: Wine's getaddrinfo
        // packs addresses at 2-byte offsets.
        unsafe {
            addr.cast::<u8>()
                .add(PORT_AT)
                .cast::<u16>()
                .write_unaligned(port.to_be());
        }
    }
}

/// Sorts a Winsock resolver error. `getaddrinfo` returns its code (the
/// `EAI_*` names are `WSA*` codes on Windows), and `gethostbyname`,
/// `gethostbyaddr`, `getprotobyname` leave theirs in `WSAGetLastError`.
#[cold]
pub(crate) fn lookup_error(code: c_int) -> LookupError {
    let why = || resolver_text(code);
    match code {
        ws::WSAHOST_NOT_FOUND | ws::WSANO_DATA => LookupError::NotFound(why()),
        ws::WSATRY_AGAIN => LookupError::TryAgain(why()),
        ws::WSAEAFNOSUPPORT | ws::WSAESOCKTNOSUPPORT | ws::WSATYPE_NOT_FOUND | ws::WSAEINVAL => {
            LookupError::Unsupported(why())
        }
        ws::WSA_NOT_ENOUGH_MEMORY => LookupError::OutOfMemory(why()),
        ws::WSANO_RECOVERY => LookupError::Failed(why()),
        // Wine (8.0 at least) passes glibc's EAI_NODATA (-5) and
        // EAI_ADDRFAMILY (-9), "no address of that family", through
        // untranslated where Windows returns WSANO_DATA. Windows never
        // returns a negative code, so this reads only Wine's.
        -5 | -9 => LookupError::NotFound(resolver_text(ws::WSANO_DATA)),
        _ => LookupError::Os(io::Error::from_raw_os_error(code)),
    }
}

/// What `gai_strerror` says for the resolver's codes. Windows'
/// `gai_strerror` is an inline `FormatMessage` call, whose text is
/// missing under Wine and localised on Windows; these fixed texts (the
/// system's English ones) read the same everywhere, with the code name
/// to search for.
fn resolver_text(code: c_int) -> String {
    let (name, text) = match code {
        ws::WSAHOST_NOT_FOUND => ("WSAHOST_NOT_FOUND", "No such host is known"),
        ws::WSANO_DATA => (
            "WSANO_DATA",
            "The requested name is valid, but no data of the requested type was found",
        ),
        ws::WSATRY_AGAIN => (
            "WSATRY_AGAIN",
            "This is usually a temporary error during hostname resolution",
        ),
        ws::WSANO_RECOVERY => (
            "WSANO_RECOVERY",
            "A non-recoverable error occurred during a database lookup",
        ),
        ws::WSAEAFNOSUPPORT => (
            "WSAEAFNOSUPPORT",
            "An address incompatible with the requested protocol was used",
        ),
        ws::WSAESOCKTNOSUPPORT => (
            "WSAESOCKTNOSUPPORT",
            "The support for the specified socket type does not exist in this address family",
        ),
        ws::WSATYPE_NOT_FOUND => ("WSATYPE_NOT_FOUND", "The specified class was not found"),
        ws::WSAEINVAL => ("WSAEINVAL", "An invalid argument was supplied"),
        ws::WSA_NOT_ENOUGH_MEMORY => (
            "WSA_NOT_ENOUGH_MEMORY",
            "Not enough memory resources are available to process this command",
        ),
        _ => return io::Error::from_raw_os_error(code).to_string(),
    };
    format!("{text} ({name}, {code})")
}

/// `GetHostNameW`: the name as Windows holds it, in UTF-16 (the ANSI
/// `gethostname` would replace characters outside the code page).
pub(crate) fn hostname() -> io::Result<String> {
    super::init();
    // Windows host names are at most 256 characters and the NUL.
    let mut buf = [0u16; 257];
    // SAFETY: buf has room for the length passed.
    if unsafe { ws::GetHostNameW(buf.as_mut_ptr(), buf.len() as c_int) } != 0 {
        return Err(super::last_error());
    }
    let len = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    Ok(String::from_utf16_lossy(&buf[..len]))
}

/// The system's services file: `drivers\etc\services` in the system
/// directory (`%SystemRoot%\System32`), asked of the OS rather than of
/// the environment, which a process can change.
pub(crate) fn services_path() -> PathBuf {
    etc_file("services")
}

/// The system's protocols file: `drivers\etc\protocol` (singular) in the
/// system directory.
pub(crate) fn protocols_path() -> PathBuf {
    etc_file("protocol")
}

/// The system's hosts file: `drivers\etc\hosts` in the system directory.
pub(crate) fn hosts_path() -> PathBuf {
    etc_file("hosts")
}

/// `name` in `drivers\etc` of the system directory.
fn etc_file(name: &str) -> PathBuf {
    let mut buf = [0u16; 260];
    // SAFETY: buf has room for the length passed.
    let len = unsafe { GetSystemDirectoryW(buf.as_mut_ptr(), buf.len() as u32) } as usize;
    let system = if len == 0 || len > buf.len() {
        // Only a broken system gets here; this is where every Windows
        // since NT keeps it.
        PathBuf::from(r"C:\Windows\System32")
    } else {
        PathBuf::from(std::ffi::OsString::from_wide(&buf[..len]))
    };
    system.join(r"drivers\etc").join(name)
}

/// A cheap monotonic clock in milliseconds, for "has a second passed"
/// checks on hot paths: `GetTickCount64` reads a value the kernel
/// keeps, at the timer's resolution (about 16 ms).
#[inline]
pub(crate) fn coarse_now_ms() -> u64 {
    // SAFETY: GetTickCount64 has no preconditions.
    unsafe { GetTickCount64() }
}
