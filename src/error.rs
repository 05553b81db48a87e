//! One way to build the crate's errors, so every message reads the same:
//! `<what> <input:?>: <why>`, for example
//! `host name "a\0b": contains a NUL byte`; and [`LookupError`], how the
//! platform layer sorts a resolver's failure before this module words it.
//!
//! Like `sys/`, this module is at the bottom: it imports nothing from the
//! crate, and both layers use it.

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

/// The error of a socket or poller call, worded with what the call was
/// doing and on what: `<op>: <why>`, for example
/// `Poller::add(socket 7, key 3): socket already registered (os error 17)`.
///
/// `err`, the error the call got (usually the OS's), stays reachable as
/// the new error's `source()` (downcast it to `io::Error` for its
/// `raw_os_error()`): an `io::Error` that carries a message cannot also
/// carry a raw OS code, and the message is what a user reads first.
/// `why` replaces the OS's text where the crate can say more (the OS code,
/// if any, is then kept in the text as `(os error N)`); without it the
/// OS's text follows `op`.
///
/// Only for error paths that a caller does not take in a loop: it
/// allocates. `WouldBlock` and `Interrupted`, which a non-blocking caller
/// sees all the time, are left raw by the callers of this.
#[cold]
#[inline(never)]
pub(crate) fn call_failed(
    err: io::Error,
    kind: io::ErrorKind,
    op: fmt::Arguments<'_>,
    why: Option<&str>,
) -> io::Error {
    let message = match (why, err.raw_os_error()) {
        (Some(why), Some(code)) => format!("{op}: {why} (os error {code})"),
        (Some(why), None) => format!("{op}: {why}"),
        (None, _) => format!("{op}: {err}"),
    };
    io::Error::new(
        kind,
        CallError {
            message,
            source: err,
        },
    )
}

/// What [`call_failed`] puts in its `io::Error`: the message, and the
/// error it wraps as `source()`.
#[derive(Debug)]
struct CallError {
    message: String,
    source: io::Error,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Why a lookup in a system database failed, sorted by the platform layer
/// (`sys::getaddrinfo`, `sys::host_by_name`, ...) so that every platform
/// maps its codes to the same `io::ErrorKind`s. Each variant carries the
/// system's text (`gai_strerror`, `hstrerror`, `FormatMessage`).
#[derive(Debug)]
pub(crate) enum LookupError {
    /// No such name, or no address of the family asked for
    /// (`EAI_NONAME`, `HOST_NOT_FOUND`, `NO_DATA`, ...).
    NotFound(String),
    /// A temporary failure: a later try may succeed (`EAI_AGAIN`,
    /// `TRY_AGAIN`).
    TryAgain(String),
    /// The resolver does not support the family, type or protocol asked
    /// for (`EAI_FAMILY`, `EAI_SOCKTYPE`, `EAI_SERVICE`).
    Unsupported(String),
    /// `EAI_MEMORY`.
    OutOfMemory(String),
    /// A failure retrying will not fix (`EAI_FAIL`, `NO_RECOVERY`).
    Failed(String),
    /// An OS error (`EAI_SYSTEM` with `errno`, `NETDB_INTERNAL`).
    Os(io::Error),
}

impl LookupError {
    /// The `io::Error` a user sees: `<what> <value:?>: <system's
    /// reason><detail>`.
    pub(crate) fn into_error(
        self,
        what: &str,
        value: impl fmt::Debug,
        detail: fmt::Arguments<'_>,
    ) -> io::Error {
        match self {
            LookupError::NotFound(why) => not_found(what, value, &format!("{why}{detail}")),
            LookupError::TryAgain(why) => with_kind(
                io::ErrorKind::TimedOut,
                what,
                value,
                &format!("{why}{detail} (a temporary failure: try again later)"),
            ),
            LookupError::Unsupported(why) => with_kind(
                io::ErrorKind::Unsupported,
                what,
                value,
                &format!("{why}{detail}"),
            ),
            LookupError::OutOfMemory(why) => with_kind(
                io::ErrorKind::OutOfMemory,
                what,
                value,
                &format!("{why}{detail}"),
            ),
            LookupError::Failed(why) => {
                with_kind(io::ErrorKind::Other, what, value, &format!("{why}{detail}"))
            }
            LookupError::Os(err) => context(err, what, value),
        }
    }
}

/// Debug-prints a value, cutting it to a readable length so that a 64 KiB
/// input does not make a 64 KiB message.
pub(crate) struct Shortened<T>(pub(crate) T);

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
    fn a_failed_call_keeps_the_os_error_as_its_source() {
        use std::error::Error;
        let os = io::Error::from_raw_os_error(2);
        let e = call_failed(
            os,
            io::ErrorKind::NotFound,
            format_args!("Poller::delete(socket {})", 7),
            Some("socket not registered"),
        );
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            e.to_string(),
            "Poller::delete(socket 7): socket not registered (os error 2)"
        );
        let source = e.source().and_then(|s| s.downcast_ref::<io::Error>());
        assert_eq!(source.and_then(io::Error::raw_os_error), Some(2));
    }
}
