//! Socket options: every typed option set and read back over the socket
//! kinds it applies to, each checked against socket2 both ways (set here,
//! read there, and the reverse) where socket2 has it; multicast delivered
//! on loopback; TCP_INFO on a live connection; Fast Open; don't-fragment;
//! the generic forms; and the errors (out of range, unsupported mode).
//!
//! One binary, a module a level: `socket` (`SOL_SOCKET`, the generic forms,
//! the errors), `ip` (IPv4, IPv6, multicast, MTU), `tcp`, and `linux`
//! (what only Linux has). This file holds what they share: socket
//! constructors, the emulator checks and the socket2 comparison.

use std::fmt::Debug;
use std::io::{self, Read, Write};
#[cfg(unix)]
use std::net::Ipv6Addr;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use nativesockets::*;
use nativesockets_testutil::process::under_qemu;
use socket2::SockRef;

#[path = "../common/mod.rs"]
mod common;

fn tcp4() -> SocketHandle {
    new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap()
}

fn udp4() -> SocketHandle {
    new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp).unwrap()
}

fn tcp6() -> SocketHandle {
    new_native_socket(Domain::Inet6, SockType::Stream, Protocol::Tcp).unwrap()
}

fn udp6() -> SocketHandle {
    new_native_socket(Domain::Inet6, SockType::Dgram, Protocol::Udp).unwrap()
}

#[cfg(unix)]
fn unix_stream() -> SocketHandle {
    new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap()
}

/// Whether this runs under Wine (its ntdll exports `wine_get_version`).
#[cfg(windows)]
fn under_wine() -> bool {
    use std::ffi::c_void;
    #[link(name = "kernel32")]
    extern "system" {
        fn GetModuleHandleA(name: *const u8) -> *mut c_void;
        fn GetProcAddress(module: *mut c_void, name: *const u8) -> *mut c_void;
    }
    // SAFETY: NUL-terminated names; ntdll is loaded in every process.
    unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
        !ntdll.is_null() && !GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_null()
    }
}

/// True when `e` says the OS lacks the option and the "OS" is an
/// emulator that has fewer options than the system it emulates: Wine (8:
/// no `IP_MTU_DISCOVER`, `TCP_KEEPCNT`, `SIO_TCP_INFO`, ...) or qemu-user,
/// which translates only the options it knows and answers `ENOPROTOOPT`
/// for the rest. The test then skips that option, saying so. On Windows
/// itself and on a native Unix it is false.
fn emulator_lacks(what: &str, e: &io::Error) -> bool {
    #[cfg(windows)]
    if under_wine() && matches!(e.raw_os_error(), Some(10042 | 10045)) {
        eprintln!("skipped under Wine, which lacks it: {what}: {e}");
        return true;
    }
    #[cfg(unix)]
    // (qemu answers EINVAL for some it half-knows: SO_BINDTODEVICE reads.)
    if under_qemu() && matches!(e.raw_os_error(), Some(libc::ENOPROTOOPT | libc::EINVAL)) {
        eprintln!("skipped under qemu-user, which does not translate it: {what}: {e}");
        return true;
    }
    let _ = (what, e);
    false
}

/// `$e`'s value; when the emulator the test runs under lacks the option
/// (see `emulator_lacks`), the test stops there, saying so.
macro_rules! or_skip {
    ($e:expr, $what:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) if emulator_lacks($what, &e) => return,
            Err(e) => panic!("{}: {e:?}", $what),
        }
    };
}

/// For each value: set here, read here and through socket2; then set
/// through socket2 and read here. `read` maps what was set to what the
/// kernel reports.
fn both_ways<T, E>(
    (what, s): (&str, &SocketHandle),
    values: &[T],
    set: impl Fn(&SocketHandle, T) -> io::Result<()>,
    get: impl Fn(&SocketHandle) -> io::Result<E>,
    s2_set: impl Fn(&SockRef<'_>, T) -> io::Result<()>,
    s2_get: impl Fn(&SockRef<'_>) -> io::Result<E>,
    read: impl Fn(T) -> E,
) where
    T: Copy + Debug,
    E: PartialEq + Debug,
{
    let theirs = SockRef::from(s);
    for &v in values {
        if let Err(e) = set(s, v).and_then(|()| get(s).map(drop)) {
            if emulator_lacks(what, &e) {
                return;
            }
            panic!("{what}: set {v:?} and read back: {e}");
        }
        assert_eq!(
            get(s).unwrap(),
            read(v),
            "{what}: read back after setting {v:?} here"
        );
        assert_eq!(s2_get(&theirs).unwrap(), read(v), "socket2 reads {v:?}");
    }
    for &v in values.iter().rev() {
        s2_set(&theirs, v).unwrap();
        assert_eq!(
            get(s).unwrap(),
            read(v),
            "read here after socket2 set {v:?}"
        );
    }
}

/// `both_ways` for an option whose value reads back as it was set.
macro_rules! same {
    ($s:expr, [$($v:expr),*], $get:ident, $set:ident, $s2get:ident, $s2set:ident) => {
        same!($s, [$($v),*][..], $get, $set, $s2get, $s2set)
    };
    ($s:expr, $values:expr, $get:ident, $set:ident, $s2get:ident, $s2set:ident) => {
        both_ways(
            (stringify!($get), &$s),
            &$values,
            |s, v| s.$set(v),
            |s| s.$get(),
            |r, v| r.$s2set(v),
            |r| r.$s2get(),
            |v| v,
        )
    };
}

fn recv_text<'a>(s: &SocketHandle, buf: &'a mut [u8]) -> &'a [u8] {
    let n = s.recv(buf).unwrap();
    &buf[..n]
}

#[cfg(unix)]
fn loopback_index() -> u32 {
    // SAFETY: a NUL-terminated name.
    let i = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    if i != 0 {
        i
    } else {
        // SAFETY: as above.
        unsafe { libc::if_nametoindex(c"lo0".as_ptr()) }
    }
}

mod ip;
#[cfg(target_os = "linux")]
mod linux;
mod socket;
mod tcp;
