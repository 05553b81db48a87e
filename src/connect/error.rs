//! [`ConnectError`]: every attempt of a [`connect_host`](crate::connect_host)
//! that did not connect, carried inside the one `io::Error` it returns.

use std::error::Error;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::error::Shortened;
use crate::types::Port;

/// Why [`connect_host`](crate::connect_host) did not connect: the host,
/// each address tried with its own error, the addresses not tried, and
/// whether the deadline ended the call (Python's `all_errors`, as one
/// value).
///
/// It is the inner error of the `io::Error` that `connect_host` returns
/// when no attempt connected or the deadline passed, reached with
/// `get_ref()` and `downcast_ref`. Its `Display` is that error's message.
///
/// # Examples
/// ```
/// use nativesockets::{connect_host, ConnectError, ConnectOptions, Port};
///
/// // A port that is bound but does not listen: every connect is refused.
/// let quiet = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let port = Port(quiet.local_addr()?.port());
/// drop(quiet);
/// let err = connect_host("127.0.0.1", port, &ConnectOptions::new()).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
/// let all = err.get_ref().and_then(|e| e.downcast_ref::<ConnectError>()).unwrap();
/// assert_eq!(all.attempts().len(), 1);
/// assert_eq!(all.attempts()[0].0.port(), port.0);
/// assert!(err.to_string().contains("127.0.0.1"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct ConnectError {
    host: String,
    port: Port,
    attempts: Vec<(SocketAddr, io::Error)>,
    untried: Vec<SocketAddr>,
    deadline: Option<Duration>,
}

impl ConnectError {
    pub(crate) fn new(
        host: &str,
        port: Port,
        attempts: Vec<(SocketAddr, io::Error)>,
        untried: Vec<SocketAddr>,
        deadline: Option<Duration>,
    ) -> ConnectError {
        ConnectError {
            host: host.to_owned(),
            port,
            attempts,
            untried,
            deadline,
        }
    }

    /// Wraps `self` in the `io::Error` the caller sees: `TimedOut` when the
    /// deadline passed, else the first attempt's kind.
    pub(crate) fn into_io_error(self) -> io::Error {
        let kind = if self.deadline.is_some() {
            io::ErrorKind::TimedOut
        } else {
            self.attempts
                .first()
                .map_or(io::ErrorKind::Other, |(_, e)| e.kind())
        };
        io::Error::new(kind, self)
    }

    /// The host as given to `connect_host`.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port as given to `connect_host`.
    pub fn port(&self) -> Port {
        self.port
    }

    /// Each address tried, in the order the attempts started, with its
    /// error. An attempt still waiting for an answer when the deadline
    /// passed carries a `TimedOut` error. Empty when the deadline passed
    /// during name resolution.
    pub fn attempts(&self) -> &[(SocketAddr, io::Error)] {
        &self.attempts
    }

    /// The addresses the name resolved to that were never tried, because
    /// the deadline passed first.
    pub fn untried(&self) -> &[SocketAddr] {
        &self.untried
    }

    /// Whether the deadline ([`ConnectOptions::timeout`](crate::ConnectOptions::timeout))
    /// ended the call.
    pub fn timed_out(&self) -> bool {
        self.deadline.is_some()
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "connect to {} port {}: ",
            Shortened(&self.host),
            self.port
        )?;
        match self.deadline {
            Some(d) if self.attempts.is_empty() && self.untried.is_empty() => {
                return write!(f, "the name was not resolved within {d:?}");
            }
            Some(d) => write!(f, "no connection within {d:?}: ")?,
            None if self.attempts.len() == 1 => {}
            None => write!(f, "all {} addresses failed: ", self.attempts.len())?,
        }
        let mut first = true;
        for (addr, err) in &self.attempts {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{addr}: {err}")?;
        }
        for addr in &self.untried {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{addr}: not tried")?;
        }
        Ok(())
    }
}

impl Error for ConnectError {}
