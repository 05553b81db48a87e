//! `forward --ssl` and `--ssl-target`: TLS on either side of the
//! forwarder, carried by `crate::tls`'s `Bridge`.
//!
//! A connection with a TLS side is set up on a thread of its own, so that
//! a slow handshake never holds up a worker's poller: the client's
//! handshake (`--ssl`), then the target's connect and handshake
//! (`--ssl-target`), each session then carried by a bridge onto a local
//! socket pair. The plain ends of the pairs go to the worker (through a
//! channel and `Poller::notify`), whose engine relays them as it relays
//! any connection, with its fixed buffers, but never by `splice`. The
//! thread then waits for the bridges to end.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::time::Duration;

use nativesockets::{
    new_native_socket, Domain, Poller, Protocol, SockAddr, SockType, SocketHandle,
};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};

use crate::output::{context, note};
use crate::server::accept::Reports;
use crate::tls::{self, Bridge};

use super::engine::shown;

/// How long a handshake, or the target's connect, may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS of a forwarder: toward clients, toward the target, or both.
pub struct Setup {
    pub server: Option<Arc<ServerConfig>>,
    pub client: Option<(Arc<ClientConfig>, ServerName<'static>)>,
}

/// A connection ready for the engine: the plain ends of its bridges.
pub struct Handoff {
    pub client: SocketHandle,
    /// The target's plain end, with `--ssl-target`; without it the engine
    /// connects to the target itself.
    pub target: Option<SocketHandle>,
    pub peer: SockAddr,
    /// Dropped with the engine's connection: the bridges may end then
    /// (not before, since a half-close of one direction must leave the
    /// other flowing).
    pub closed: Sender<()>,
}

/// What a connection's setup thread needs of its worker.
pub struct Link {
    pub setup: Arc<Setup>,
    pub targets: Arc<[SockAddr]>,
    pub live: Arc<AtomicUsize>,
    pub reports: Arc<Reports>,
    pub verbose: bool,
    pub tx: Sender<Handoff>,
    pub poller: Arc<Poller>,
}

/// Sets `sock` (a client admitted, counted in `live`) up on a thread of
/// its own; a failure is counted in the server's reports, the client
/// closed.
pub fn spawn(link: Link, sock: SocketHandle, peer: SockAddr) {
    let live = Arc::clone(&link.live);
    let started = std::thread::Builder::new()
        .name("forward-tls".into())
        .spawn(move || run(&link, sock, peer));
    if started.is_err() {
        live.fetch_sub(1, Ordering::Relaxed);
    }
}

fn run(link: &Link, sock: SocketHandle, peer: SockAddr) {
    let mut bridges = Vec::new();
    let (closed, engine_done) = channel();
    match setup(link, sock, &peer, &mut bridges, closed) {
        Ok(handoff) => {
            // A worker gone (the server ending) drops the handoff, which
            // ends the wait below at once.
            if link.tx.send(handoff).is_ok() {
                let _ = link.poller.notify();
            }
        }
        Err(Failed::Client(e)) => {
            link.reports.dropped.hit(format_args!("{e}"));
            link.live.fetch_sub(1, Ordering::Relaxed);
        }
        Err(Failed::Target(e)) => {
            link.reports.refused.hit(format_args!("{e}"));
            link.live.fetch_sub(1, Ordering::Relaxed);
        }
    }
    // Nothing is ever sent: the engine's connection (or the setup that
    // failed) drops the sender when it is over.
    let _ = engine_done.recv();
    for bridge in bridges {
        if let Err(e) = bridge.finish() {
            if link.verbose {
                note(format_args!("{}: TLS: {e}", shown(&peer)));
            }
        }
    }
}

/// Why a connection could not be set up, by the side that failed.
enum Failed {
    Client(String),
    Target(String),
}

/// The handshakes and the target's connect; the bridges started are
/// pushed on `bridges` (so that a failure halfway still ends them).
fn setup(
    link: &Link,
    sock: SocketHandle,
    peer: &SockAddr,
    bridges: &mut Vec<Bridge>,
    closed: Sender<()>,
) -> Result<Handoff, Failed> {
    let who = shown(peer);
    let client = match &link.setup.server {
        Some(config) => {
            let session = with_deadline(&sock, |s| tls::accept(s, config))
                .map_err(|e| Failed::Client(format!("client {who}: {e}")))?;
            if link.verbose {
                note(format_args!("TLS with {who}: {}", tls::summary(&session)));
            }
            let (plain, bridge) = Bridge::start(sock, session)
                .map_err(|e| Failed::Client(format!("client {who}: {e}")))?;
            bridges.push(bridge);
            plain
        }
        None => sock,
    };
    let target = match &link.setup.client {
        Some((config, name)) => {
            let (sock, addr) = connect(&link.targets).map_err(|(addr, e)| {
                Failed::Target(format!("{addr}: {e} (client {who} closed)"))
            })?;
            let session = with_deadline(&sock, |s| tls::connect(s, config, name.clone()))
                .map_err(|e| Failed::Target(format!("{addr}: {e} (client {who} closed)")))?;
            if link.verbose {
                note(format_args!("TLS with {addr}: {}", tls::summary(&session)));
            }
            let (plain, bridge) =
                Bridge::start(sock, session).map_err(|e| Failed::Target(format!("{addr}: {e}")))?;
            bridges.push(bridge);
            plain
                .set_blocking(false)
                .map_err(|e| Failed::Target(e.to_string()))?;
            Some(plain)
        }
        None => None,
    };
    client
        .set_blocking(false)
        .map_err(|e| Failed::Client(e.to_string()))?;
    Ok(Handoff {
        client,
        target,
        peer: peer.clone(),
        closed,
    })
}

/// Runs a handshake on `sock` (blocking) with a deadline on each read,
/// so that a peer that says nothing does not hold the thread for ever.
fn with_deadline<T>(
    sock: &SocketHandle,
    handshake: impl FnOnce(&SocketHandle) -> io::Result<T>,
) -> io::Result<T> {
    sock.set_blocking(true)?;
    sock.set_read_timeout(Some(SETUP_TIMEOUT))?;
    let done = handshake(sock);
    sock.set_read_timeout(None)?;
    done.map_err(|e| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!("TLS handshake: nothing for {} s", SETUP_TIMEOUT.as_secs()),
        ),
        _ => e,
    })
}

/// A blocking connect to each of the target's addresses in turn: the
/// first to answer, or the last address and its error.
fn connect(targets: &[SockAddr]) -> Result<(SocketHandle, String), (String, io::Error)> {
    let mut last = (
        String::from("the target"),
        io::Error::from(io::ErrorKind::NotFound),
    );
    for addr in targets {
        let domain = addr.domain().unwrap_or(Domain::Inet);
        let protocol = if domain == Domain::Unix {
            Protocol::Ip
        } else {
            Protocol::Tcp
        };
        let attempt = new_native_socket(domain, SockType::Stream, protocol)
            .and_then(|s| s.connect_timeout(addr, SETUP_TIMEOUT).map(|()| s));
        match attempt {
            Ok(sock) => {
                let _ = sock.set_nodelay(true);
                return Ok((sock, addr.to_string()));
            }
            Err(e) => last = (addr.to_string(), context(e, "connect")),
        }
    }
    Err(last)
}
