//! Socket options: `getsockopt(2)` and `setsockopt(2)` for plain values,
//! and the options whose value is a C struct (`linger`, `timeval`).

use std::io;
use std::mem::{self, MaybeUninit};
use std::os::raw::c_int;
use std::time::Duration;

use super::{socklen_t, Socket};

/// `getsockopt(2)` for an option whose value is a plain `T`.
///
/// The value starts zeroed, so a kernel that writes fewer bytes than
/// `size_of::<T>()` leaves the rest zero: a one-byte boolean still reads
/// as non-zero (on a big-endian machine as a larger number, which is why
/// the typed getters only ever test booleans against zero).
#[inline]
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
    // SAFETY: zero-initialised above and then written by the kernel; `T`
    // is a plain C type for which every bit pattern is valid.
    Ok(unsafe { value.assume_init() })
}

/// `setsockopt(2)` for an option whose value is a plain `T`.
#[inline]
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

/// `SO_LINGER` as `(on, seconds)`.
pub(crate) fn linger(s: Socket) -> io::Result<Option<Duration>> {
    let l: libc::linger = getsockopt(s, libc::SOL_SOCKET, libc::SO_LINGER)?;
    Ok((l.l_onoff != 0).then(|| Duration::from_secs(l.l_linger as u64)))
}

pub(crate) fn set_linger(s: Socket, linger: Option<Duration>) -> io::Result<()> {
    let l = libc::linger {
        l_onoff: c_int::from(linger.is_some()),
        l_linger: linger.map_or(0, |d| d.as_secs().min(c_int::MAX as u64) as c_int),
    };
    setsockopt(s, libc::SOL_SOCKET, libc::SO_LINGER, l)
}

/// `SO_RCVTIMEO` / `SO_SNDTIMEO`, a `timeval` on Unix; zero means none.
pub(crate) fn timeout(s: Socket, opt: c_int) -> io::Result<Option<Duration>> {
    let tv: libc::timeval = getsockopt(s, libc::SOL_SOCKET, opt)?;
    if tv.tv_sec == 0 && tv.tv_usec == 0 {
        Ok(None)
    } else {
        Ok(Some(
            Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64),
        ))
    }
}

pub(crate) fn set_timeout(s: Socket, opt: c_int, dur: Option<Duration>) -> io::Result<()> {
    let tv = match dur {
        None => libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
        Some(d) => {
            let mut tv = libc::timeval {
                tv_sec: d.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
                tv_usec: d.subsec_micros() as libc::suseconds_t,
            };
            // A non-zero duration under 1 µs would read as "no timeout".
            if tv.tv_sec == 0 && tv.tv_usec == 0 {
                tv.tv_usec = 1;
            }
            tv
        }
    };
    setsockopt(s, libc::SOL_SOCKET, opt, tv)
}
