//! One way to build the crate's errors, so every message reads the same:
//! `<what> <input:?>: <why>`, for example
//! `host name "a\0b": contains a NUL byte`.

use std::ffi::CString;
use std::fmt;
use std::io;

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

/// Checks a text input for a lookup and turns it into a C string: empty,
/// over [`MAX_NAME_LEN`] bytes, or with an interior NUL is `InvalidInput`.
pub(crate) fn c_name(what: &str, value: &str) -> io::Result<CString> {
    if value.is_empty() {
        return Err(invalid_input(what, value, "is empty"));
    }
    if value.len() > MAX_NAME_LEN {
        return Err(invalid_input(what, value, "is longer than 1024 bytes"));
    }
    CString::new(value).map_err(|_| invalid_input(what, value, "contains a NUL byte"))
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
        let e = c_name("host name", &long).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().len() < 200, "{}", e);
        assert!(e.to_string().starts_with("host name \"xxx"));
    }

    #[test]
    fn c_name_rejects_empty_and_nul() {
        assert_eq!(
            c_name("service name", "").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert!(c_name("service name", "a\0")
            .unwrap_err()
            .to_string()
            .contains("NUL"));
        assert_eq!(c_name("x", "http").unwrap().as_bytes(), b"http");
    }
}
