//! `nsock listen` and `nsock connect`: netcat-style relays between
//! standard input/output and a socket.
//!
//! Standard input is read by a thread, the pump, which sends each chunk
//! to the current socket itself and half-closes the socket at the end of
//! input. A thread, because Windows' `select` waits on sockets only, so
//! stdin cannot join the readiness vector there, and because a blocking
//! read behaves the same for a terminal, a pipe and a file everywhere.
//! Sending from that thread also means the socket-to-stdout direction
//! never waits behind a full send buffer, so two relays sending to each
//! other at once cannot deadlock.
//!
//! The main thread waits with `select_read` on the network socket(s) and
//! on one end of a local socket pair, through which the pump tells it
//! that input ended or a send failed, and copies what arrives to stdout.
//!
//! `connect` and `listen` set a relay up, `stream` and `datagram` run
//! the main thread's side of it, and `pump` the stdin thread's;
//! `socket_file` removes the socket files they create, on a signal too.
//! This module holds what they share: the `Options`, and the files behind
//! stdio.

use std::fmt;
use std::io;
use std::path::PathBuf;

use nativesockets::{Domain, Protocol, SockType};

use crate::address::ip_transport;
use crate::output::note;

mod connect;
mod datagram;
mod keep;
mod listen;
mod pump;
mod session;
mod socket_file;
mod stream;

pub use connect::{connect, CONNECT_HELP};
pub use listen::{listen, LISTEN_HELP};

/// What `listen` and `connect` were asked.
#[derive(Clone)]
pub struct Options {
    pub address: Option<String>,
    pub unix: Option<PathBuf>,
    pub udp: bool,
    pub keep: bool,
    pub idle_ms: Option<u32>,
    /// connect: the whole connect (lookup and attempts); -z and --unix:
    /// each attempt.
    pub connect_timeout_ms: Option<u32>,
    /// connect: Happy Eyeballs' delay before the next address.
    pub fallback_delay_ms: Option<u32>,
    pub domain: Domain,
    pub quiet: bool,
    /// nc's -v: each attempt, both ends, the bytes moved.
    pub verbose: bool,
    /// connect's ports after the host (`nsock connect HOST PORT`).
    pub ports: Vec<String>,
    /// connect -z: only check which ports accept a connection.
    pub check: bool,
    /// connect -s / -p: the local address and port to connect from.
    pub source: Option<String>,
    pub source_port: Option<String>,
    /// --ssl and its companions.
    pub tls: Option<crate::tls::TlsArgs>,
    /// -e / -c: the connection becomes this command's stdin and stdout.
    pub exec: Option<crate::exec::ExecCommand>,
    /// connect --proxy (with --proxy-auth folded in).
    pub proxy: Option<crate::proxy::Proxy>,
}

impl Options {
    fn info(&self, message: fmt::Arguments<'_>) {
        if !self.quiet {
            note(message);
        }
    }

    /// What only -v reports.
    fn detail(&self, message: fmt::Arguments<'_>) {
        if self.verbose {
            note(message);
        }
    }

    /// The wait of `select_read`: the idle limit, or forever.
    fn idle(&self) -> i32 {
        self.idle_ms
            .map_or(-1, |ms| i32::try_from(ms).unwrap_or(i32::MAX))
    }

    fn sock_type(&self) -> SockType {
        ip_transport(self.udp).0
    }

    /// The IP protocol and its name in the services database.
    fn ip_protocol(&self) -> (Protocol, &'static str) {
        let (_, protocol, name) = ip_transport(self.udp);
        (protocol, name)
    }

    /// Bytes read from stdin at once: one datagram must fit in a UDP
    /// packet, while a stream moves faster in bigger pieces.
    fn chunk(&self) -> usize {
        if self.udp {
            16 * 1024
        } else {
            64 * 1024
        }
    }
}

/// An error that only says "not now": the wait or call is tried again.
fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// A `File` on a duplicate of a standard stream's descriptor (handle on
/// Windows), to be used without std's lock and buffer; `None` when the
/// stream has none or it cannot be duplicated.
#[cfg(unix)]
fn stdio_file(stream: &impl std::os::fd::AsFd) -> Option<std::fs::File> {
    let owned = stream.as_fd().try_clone_to_owned().ok()?;
    Some(std::fs::File::from(owned))
}

#[cfg(windows)]
fn stdio_file(stream: &impl std::os::windows::io::AsHandle) -> Option<std::fs::File> {
    let owned = stream.as_handle().try_clone_to_owned().ok()?;
    Some(std::fs::File::from(owned))
}
