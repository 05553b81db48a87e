//! Socket options: `getsockopt` and `setsockopt` for plain values, and
//! the options whose value is a struct or a different unit than on Unix
//! (`LINGER` of two `u_short`s, timeouts as a `DWORD` of milliseconds).

use std::io;
use std::mem::{self, MaybeUninit};
use std::os::raw::c_int;
use std::time::Duration;

use windows_sys::Win32::Networking::WinSock::LINGER;

use super::{socklen_t, Socket, SOL_SOCKET, SO_LINGER};

/// `getsockopt` for an option whose value is a plain `T`.
///
/// Winsock documents its boolean options as a 4-byte `DWORD` but often
/// writes a single byte (observed for `TCP_NODELAY`, `SO_KEEPALIVE`,
/// `IPV6_V6ONLY`). The value starts zeroed, and Windows is little-endian
/// on every architecture it runs on, so a 1-byte write reads as 0 or 1.
pub(crate) fn getsockopt<T: Copy>(s: Socket, level: c_int, name: c_int) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::zeroed();
    let mut len = mem::size_of::<T>() as socklen_t;
    syscall!(getsockopt(
        s,
        level,
        name,
        value.as_mut_ptr().cast(),
        &mut len
    ))?;
    // SAFETY: zero-initialised above and then (partly) written by Winsock;
    // `T` is a plain C type for which every bit pattern is valid.
    Ok(unsafe { value.assume_init() })
}

/// `setsockopt` for an option whose value is a plain `T`.
pub(crate) fn setsockopt<T: Copy>(
    s: Socket,
    level: c_int,
    name: c_int,
    value: T,
) -> io::Result<()> {
    syscall!(setsockopt(
        s,
        level,
        name,
        (&value as *const T).cast(),
        mem::size_of::<T>() as socklen_t
    ))
    .map(|_| ())
}
/// `SO_LINGER` as `(on, seconds)`; Winsock's `LINGER` holds two `u_short`s.
pub(crate) fn linger(s: Socket) -> io::Result<Option<Duration>> {
    let l: LINGER = getsockopt(s, SOL_SOCKET, SO_LINGER)?;
    Ok((l.l_onoff != 0).then(|| Duration::from_secs(u64::from(l.l_linger))))
}

/// Sets `SO_LINGER`; durations past `u16::MAX` seconds (18 hours) are
/// clamped to it, the most Winsock can hold.
pub(crate) fn set_linger(s: Socket, linger: Option<Duration>) -> io::Result<()> {
    let l = LINGER {
        l_onoff: u16::from(linger.is_some()),
        l_linger: linger.map_or(0, |d| d.as_secs().min(u64::from(u16::MAX)) as u16),
    };
    setsockopt(s, SOL_SOCKET, SO_LINGER, l)
}

/// `SO_RCVTIMEO` / `SO_SNDTIMEO`, a `DWORD` of milliseconds on Windows;
/// zero means none.
pub(crate) fn timeout(s: Socket, opt: c_int) -> io::Result<Option<Duration>> {
    let ms: u32 = getsockopt(s, SOL_SOCKET, opt)?;
    Ok((ms != 0).then(|| Duration::from_millis(u64::from(ms))))
}

/// Sets a timeout in whole milliseconds, rounded up so that a short
/// non-zero duration (even zero, as on Unix) never reads as "no timeout";
/// longer than `u32::MAX` ms (49 days) is clamped.
pub(crate) fn set_timeout(s: Socket, opt: c_int, dur: Option<Duration>) -> io::Result<()> {
    let ms: u32 = match dur {
        None => 0,
        Some(d) => {
            let ms = d
                .as_secs()
                .saturating_mul(1000)
                .saturating_add(u64::from(d.subsec_nanos().div_ceil(1_000_000)));
            ms.clamp(1, u64::from(u32::MAX)) as u32
        }
    };
    setsockopt(s, SOL_SOCKET, opt, ms)
}
