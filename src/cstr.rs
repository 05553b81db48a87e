//! Names handed to the C library: the checked, NUL-terminated copy every
//! lookup by name makes ([`with_c_name`]), and the word loads it (and the
//! services index) use instead of byte loops.

use std::ffi::{CStr, CString};
use std::io;
use std::mem::MaybeUninit;

use crate::error::{invalid_input, MAX_NAME_LEN};

/// Checks a name for a lookup (empty, over 1 KiB, or with a NUL byte is
/// `InvalidInput`, naming it) and passes it to `f` as a C string.
///
/// Names shorter than [`SHORT_NAME`] bytes (every numeric address, nearly
/// every host and service name) are copied to a buffer on the stack:
/// `CString::new` would cost an allocation on every lookup. Longer ones,
/// DNS names whose lookup costs far more, go to a `CString`. `f` is called
/// from one place only, so the compiler inlines it: called from two, it was
/// kept out of line, which slowed a numeric `get_addr_info` measurably.
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
/// `memcpy` call) cost a measurable share of a numeric `getaddrinfo`.
/// Written as fixed-size word copies, the tail as a word
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn names_on_both_sides_of_the_stack_buffer_are_passed_whole() {
        // Under SHORT_NAME bytes the name is copied to the stack, from
        // SHORT_NAME on to a CString: both paths give the same C string and
        // find a NUL byte wherever it is.
        for len in [
            1,
            SHORT_NAME - 2,
            SHORT_NAME - 1,
            SHORT_NAME,
            SHORT_NAME + 1,
            200,
        ] {
            let name: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let passed = with_c_name("host name", &name, |c| Ok(c.to_bytes_with_nul().to_vec()));
            assert_eq!(
                passed.unwrap(),
                [name.as_bytes(), b"\0"].concat(),
                "length {len}"
            );
            let last_nul = format!("{}\0", &name[1..]);
            let e = with_c_name("host name", &last_nul, |_| Ok(())).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "length {len}");
            assert!(e.to_string().contains("NUL"), "{e}");
        }
    }

    #[test]
    fn nul_bytes_are_found_at_every_position() {
        for len in 1..=20 {
            let clean: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let copied = with_c_name("x", &clean, |c| Ok(c.to_str().unwrap().to_owned()));
            assert_eq!(copied.unwrap(), clean);
            for at in 0..len {
                let mut bytes = clean.clone().into_bytes();
                bytes[at] = 0;
                let text = String::from_utf8(bytes).unwrap();
                assert!(with_c_name("x", &text, |_| Ok(())).is_err(), "{len} {at}");
            }
        }
        // Bytes over 0x80 must not read as NUL (the word trick's false
        // positives are only ever next to a real zero byte).
        assert!(with_c_name("x", "é\u{80}\u{ff}ÿÿÿÿ", |_| Ok(())).is_ok());
    }
}
