//! What the tool writes and how it fails: stdout that ends quietly when
//! its reader goes away, messages on stderr, and the `Failure` that
//! carries a command's exit code and message up to `main`, and the
//! empty JSON document a failed lookup still prints under --json.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::json::Json;

/// Why the tool stops with a non-zero code (or, for a closed stdout, a
/// quiet zero).
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: Option<String>,
}

impl Failure {
    /// A run-time failure (exit code 1) with its one-line message.
    pub fn new(message: impl fmt::Display) -> Failure {
        Failure {
            code: 1,
            message: Some(message.to_string()),
        }
    }

    /// A usage error (exit code 2) found after clap's own checks.
    pub fn usage(message: impl fmt::Display) -> Failure {
        Failure {
            code: 2,
            message: Some(message.to_string()),
        }
    }

    /// Whether this is the quiet end `stdout_failure` gives when the
    /// reader of stdout went away: nothing to report, exit code 0.
    pub fn stdout_gone(&self) -> bool {
        self.code == 0
    }

    /// The message of a usage error (exit code 2), which `main` prints in
    /// clap's shape; `None` for any other failure.
    pub fn usage_message(&self) -> Option<&str> {
        self.message.as_deref().filter(|_| self.code == 2)
    }

    /// Reports the message, if there is one, with `warn`.
    pub fn report(&self) {
        if let Some(message) = &self.message {
            warn(message);
        }
    }

    /// The code the tool exits with.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }
}

impl From<io::Error> for Failure {
    /// Input the library rejects as malformed is a usage error (2);
    /// everything else, "not found" included, is a failure (1).
    fn from(err: io::Error) -> Failure {
        let code = if err.kind() == io::ErrorKind::InvalidInput {
            2
        } else {
            1
        };
        Failure {
            code,
            message: Some(err.to_string()),
        }
    }
}

/// Prefixes `err` with what was being done, keeping its kind.
pub fn context(err: io::Error, what: impl fmt::Display) -> io::Error {
    io::Error::new(err.kind(), format!("{what}: {err}"))
}

/// Reports a problem that does not stop the tool, as `nsock: <message>`
/// on stderr. A failing stderr is ignored: there is nowhere left to say so.
pub fn warn(message: impl fmt::Display) {
    let _ = writeln!(io::stderr(), "nsock: {message}");
}

/// Tells the person at the terminal what is going on (`listening on ...`),
/// on stderr, so that stdout carries only data.
pub fn note(message: impl fmt::Display) {
    let _ = writeln!(io::stderr(), "{message}");
}

/// Writes `text` to stdout. A reader that went away (`nsock ... | head`)
/// ends the tool quietly rather than with an error or a panic.
pub fn emit(text: impl fmt::Display) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    write!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(stdout_failure)
}

/// The failure for an error writing to stdout.
pub fn stdout_failure(err: io::Error) -> Failure {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Failure {
            code: 0,
            message: None,
        }
    } else {
        Failure::new(format!("writing to stdout: {err}"))
    }
}

/// With --json, prints `empty` (the shape's "nothing": `[]` or `null`)
/// when `result` is a failure of the lookup itself, so that stdout is
/// still one JSON document; a usage error (exit code 2) prints nothing.
pub fn or_empty<T>(json: bool, empty: Json, result: Result<T, Failure>) -> Result<T, Failure> {
    match result {
        Err(f) if json && f.usage_message().is_none() && !f.stdout_gone() => {
            emit(format_args!("{empty}\n"))?;
            Err(f)
        }
        r => r,
    }
}
