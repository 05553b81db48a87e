//! One way to build the crate's errors, so every message reads the same:
//! `<what> <input:?>: <why>`, for example
//! `host name "a\0b": contains a NUL byte`.

use std::ffi::{CStr, CString};
use std::fmt;
use std::io;
use std::mem::MaybeUninit;

/// Longest text input (host name, service name, address text) the crate
/// passes on; longer input is `InvalidInput` before any OS call. DNS names
/// are at most 253 bytes, and no service or protocol name comes near this.
pub(crate) const MAX_NAME_LEN: usize = 1024;

/// `InvalidInput`, naming the input.
pub(crate) fn invalid_input(what: &str, value: impl fmt::Debug, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what} {}: {why}", Shortened(value)),
    )
}

/// `NotFound`, naming what was looked up and the system's reason.
pub(crate) fn not_found(what: &str, value: impl fmt::Debug, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{what} {}: {why}", Shortened(value)),
    )
}

/// An error of `kind` that names the input.
pub(crate) fn with_kind(
    kind: io::ErrorKind,
    what: &str,
    value: impl fmt::Debug,
    why: &str,
) -> io::Error {
    io::Error::new(kind, format!("{what} {}: {why}", Shortened(value)))
}

/// Prefixes an OS error with the input it concerns, keeping its kind and,
/// through `into_inner`, nothing else: use it where the raw OS code is of
/// no further use to the caller (lookups), never on socket calls, whose
/// errors stay raw so `raw_os_error()` works.
pub(crate) fn context(err: io::Error, what: &str, value: impl fmt::Debug) -> io::Error {
    io::Error::new(err.kind(), format!("{what} {}: {err}", Shortened(value)))
}

/// Checks a name for a lookup (empty, over 1 KiB, or with a NUL byte is
/// `InvalidInput`, naming it) and passes it to `f` as a C string.
///
/// Names shorter than [`SHORT_NAME`] bytes (every numeric address, nearly
/// every host and service name) are copied to a buffer on the stack:
/// `CString::new` would cost an allocation on every lookup. Longer ones,
/// DNS names whose lookup costs far more, go to a `CString`. `f` is called
/// from one place only, so the compiler inlines it: called from two, it was
/// kept out of line, which cost a numeric `get_addr_info` 1 to 4 %.
#[inline]
pub(crate) fn with_c_name<R>(
    what: &str,
    value: &str,
    f: impl FnOnce(&CStr) -> io::Result<R>,
) -> io::Result<R> {
    let bytes = value.as_bytes();
    let mut buf = [MaybeUninit::<u8>::uninit(); SHORT_NAME];
    let long: CString;
    let name = if bytes.len() < SHORT_NAME {
        if bytes.is_empty() {
            return Err(bad_name(what, value, "is empty"));
        }
        if !copy_without_nul(bytes, &mut buf[..bytes.len()]) {
            return Err(bad_name(what, value, "contains a NUL byte"));
        }
        buf[bytes.len()].write(0);
        // SAFETY: buf[..=len] is initialised: the name's bytes, none of
        // them NUL (checked above), then the terminating NUL.
        unsafe {
            CStr::from_bytes_with_nul_unchecked(std::slice::from_raw_parts(
                buf.as_ptr().cast::<u8>(),
                bytes.len() + 1,
            ))
        }
    } else {
        long = long_c_name(what, value)?;
        &long
    };
    f(name)
}

/// The stack buffer size for the usual name (see [`with_c_name`]).
const SHORT_NAME: usize = 64;

/// [`with_c_name`]'s C string for a name of [`SHORT_NAME`] bytes or more.
#[cold]
#[inline(never)]
fn long_c_name(what: &str, value: &str) -> io::Result<CString> {
    if value.len() > MAX_NAME_LEN {
        return Err(bad_name(what, value, "is longer than 1024 bytes"));
    }
    CString::new(value).map_err(|_| bad_name(what, value, "contains a NUL byte"))
}

/// Copies `src` into `dst` (of the same length) and tells whether it held
/// no NUL byte, in one pass of word loads and stores: this runs before
/// every lookup, and a search followed by a copy (two passes and a
/// `memcpy` call) cost a measurable share of a numeric `getaddrinfo`
/// (~5 of 80 ns). Written as fixed-size word copies, the tail as a word
/// overlapping the one before it: byte loops here were turned back into
/// two `memcpy` calls by the compiler.
#[inline(always)]
fn copy_without_nul(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `w` is zero.
    let zero_byte = |w: u64| w.wrapping_sub(LOW) & !w & HIGH;
    let n = src.len();
    assert_eq!(n, dst.len());
    if n >= 8 {
        let mut zero = 0;
        let mut at = 0;
        while at + 8 <= n {
            let w = word::<8>(src, at);
            zero |= zero_byte(u64::from_ne_bytes(w));
            put(dst, at, w);
            at += 8;
        }
        if at < n {
            let w = word::<8>(src, n - 8);
            zero |= zero_byte(u64::from_ne_bytes(w));
            put(dst, n - 8, w);
        }
        zero == 0
    } else if n >= 4 {
        let (a, b) = (word::<4>(src, 0), word::<4>(src, n - 4));
        put(dst, 0, a);
        put(dst, n - 4, b);
        zero_byte(u64::from(u32::from_ne_bytes(a)) << 32 | u64::from(u32::from_ne_bytes(b))) == 0
    } else {
        // 0 to 3 bytes: the first, middle and last (some the same).
        let mut ok = true;
        for at in [0, n / 2, n.saturating_sub(1)] {
            if let Some(&b) = src.get(at) {
                ok &= b != 0;
                dst[at].write(b);
            }
        }
        ok
    }
}

/// `src[at..at + N]` as an array: one load when `N` is 2, 4 or 8 (the
/// callers' word-at-a-time scans and comparisons).
#[inline(always)]
pub(crate) fn word<const N: usize>(src: &[u8], at: usize) -> [u8; N] {
    src[at..at + N].try_into().unwrap()
}

/// Writes `bytes` to `dst[at..at + N]` (one store).
#[inline(always)]
fn put<const N: usize>(dst: &mut [MaybeUninit<u8>], at: usize, bytes: [u8; N]) {
    let d: &mut [MaybeUninit<u8>; N] = (&mut dst[at..at + N]).try_into().unwrap();
    *d = bytes.map(MaybeUninit::new);
}

#[cold]
#[inline(never)]
fn bad_name(what: &str, value: &str, why: &str) -> io::Error {
    invalid_input(what, value, why)
}

/// Debug-prints a value, cutting it to a readable length so that a 64 KiB
/// input does not make a 64 KiB message.
struct Shortened<T>(T);

impl<T: fmt::Debug> fmt::Display for Shortened<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 80;
        let text = format!("{:?}", self.0);
        if text.len() <= LIMIT {
            f.write_str(&text)
        } else {
            let mut end = LIMIT;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            write!(f, "{}... ({} bytes)", &text[..end], text.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_input() {
        let e = invalid_input("host name", "a\0b", "contains a NUL byte");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(e.to_string(), r#"host name "a\0b": contains a NUL byte"#);
    }

    #[test]
    fn long_inputs_are_shortened_in_messages() {
        let long = "x".repeat(65536);
        let e = with_c_name("host name", &long, |_| Ok(())).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().len() < 200, "{}", e);
        assert!(e.to_string().starts_with("host name \"xxx"));
    }

    #[test]
    fn names_are_checked_and_passed_nul_terminated() {
        let kind = |v: &str| {
            with_c_name("service name", v, |_| Ok(()))
                .unwrap_err()
                .kind()
        };
        assert_eq!(kind(""), io::ErrorKind::InvalidInput);
        assert_eq!(kind("a\0b"), io::ErrorKind::InvalidInput);
        assert_eq!(
            kind(&"a".repeat(MAX_NAME_LEN + 1)),
            io::ErrorKind::InvalidInput
        );
        let longest = "a".repeat(MAX_NAME_LEN);
        let n = with_c_name("x", &longest, |c| Ok(c.to_bytes().len())).unwrap();
        assert_eq!(n, MAX_NAME_LEN);
        with_c_name("x", "http", |c| {
            assert_eq!(c.to_bytes_with_nul(), b"http\0");
            Ok(())
        })
        .unwrap();
    }
}
