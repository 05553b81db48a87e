//! One way to build the crate's errors, so every message reads the same:
//! `<what> <input:?>: <why>`, for example
//! `host name "a\0b": contains a NUL byte`.

use std::ffi::CStr;
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
/// `InvalidInput`, naming it) and passes it to `f` as a C string built on
/// the stack: `CString::new` would cost an allocation on every lookup.
pub(crate) fn with_c_name<R>(
    what: &str,
    value: &str,
    f: impl FnOnce(&CStr) -> io::Result<R>,
) -> io::Result<R> {
    let bytes = value.as_bytes();
    if bytes.is_empty() {
        return Err(bad_name(what, value, "is empty"));
    }
    if bytes.len() > MAX_NAME_LEN {
        return Err(bad_name(what, value, "is longer than 1024 bytes"));
    }
    let mut buf = [MaybeUninit::<u8>::uninit(); MAX_NAME_LEN + 1];
    if !copy_without_nul(bytes, &mut buf[..bytes.len()]) {
        return Err(bad_name(what, value, "contains a NUL byte"));
    }
    buf[bytes.len()].write(0);
    // SAFETY: buf[..=len] is initialised: the name's bytes, none of them
    // NUL (checked above), then the terminating NUL.
    let name = unsafe {
        CStr::from_bytes_with_nul_unchecked(std::slice::from_raw_parts(
            buf.as_ptr().cast::<u8>(),
            bytes.len() + 1,
        ))
    };
    f(name)
}

/// Copies `src` into `dst` (of the same length) and tells whether it held
/// no NUL byte, in one pass of 8-byte words: this runs before every
/// lookup, and a search followed by a copy (two passes and a `memcpy`
/// call) cost a measurable share of a numeric `getaddrinfo` (~5 of 80 ns).
#[inline]
fn copy_without_nul(src: &[u8], dst: &mut [MaybeUninit<u8>]) -> bool {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut zero = 0u64;
    let mut s = src.chunks_exact(8);
    let mut d = dst.chunks_exact_mut(8);
    for (sc, dc) in (&mut s).zip(&mut d) {
        let word = u64::from_ne_bytes([sc[0], sc[1], sc[2], sc[3], sc[4], sc[5], sc[6], sc[7]]);
        // A high bit is set here exactly when `word` has a zero byte.
        zero |= word.wrapping_sub(LOW) & !word & HIGH;
        for (o, &b) in dc.iter_mut().zip(sc) {
            o.write(b);
        }
    }
    let mut tail_zero = false;
    for (o, &b) in d.into_remainder().iter_mut().zip(s.remainder()) {
        tail_zero |= b == 0;
        o.write(b);
    }
    zero == 0 && !tail_zero
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
