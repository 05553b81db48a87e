//! One stream connection, whatever carries it: the TLS handshake first
//! with `--ssl` (the session then carried by a `tls::Bridge`), then either
//! the child of `-e`/`-c` or the relay with stdin and stdout.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use nativesockets::SocketHandle;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ServerConfig};

use super::pump::Relay;
use super::stream::stream_session;
use super::Options;
use crate::output::{context, Failure};
use crate::tls::{self, Bridge};

/// Which side of a TLS handshake this end takes, if any.
pub(super) enum Handshake {
    Plain,
    Server(Arc<ServerConfig>),
    Client(Arc<ClientConfig>, ServerName<'static>),
}

impl Handshake {
    /// Runs the handshake on `conn` (nothing without TLS); returns the
    /// socket to use as the connection and the bridge carrying it.
    pub(super) fn secure(
        &self,
        conn: SocketHandle,
        peer: &str,
        o: &Options,
    ) -> Result<(SocketHandle, Option<Bridge>), Failure> {
        if matches!(self, Handshake::Plain) {
            return Ok((conn, None));
        }
        // --idle (or -w) bounds the handshake too: a peer that never
        // answers ends it.
        let limit = o.idle_ms.map(|ms| Duration::from_millis(ms.into()));
        if limit.is_some() {
            conn.set_read_timeout(limit)?;
        }
        let session = self.run(&conn).map_err(|e| match (e.kind(), o.idle_ms) {
            (io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut, Some(ms)) => io::Error::new(
                io::ErrorKind::TimedOut,
                format!("TLS with {peer}: no handshake within {ms} ms"),
            ),
            _ => context(e, format_args!("TLS with {peer}")),
        })?;
        if limit.is_some() {
            conn.set_read_timeout(None)?;
        }
        o.detail(format_args!("TLS with {peer}: {}", tls::summary(&session)));
        let (plain, bridge) =
            Bridge::start(conn, session).map_err(|e| context(e, "starting the TLS relay"))?;
        Ok((plain, Some(bridge)))
    }
}

impl Handshake {
    fn run(&self, conn: &SocketHandle) -> io::Result<rustls::Connection> {
        match self {
            Handshake::Plain => Err(io::Error::other("no TLS asked")),
            Handshake::Server(config) => tls::accept(conn, config),
            Handshake::Client(config, name) => tls::connect(conn, config, name.clone()),
        }
    }
}

/// Serves one connection to its end: with -e/-c, the child's life; else
/// stdin to it and it to stdout, as `stream_session` does.
pub(super) fn one_connection(
    conn: SocketHandle,
    peer: &str,
    o: &Options,
    handshake: &Handshake,
) -> Result<(), Failure> {
    let (conn, bridge) = handshake.secure(conn, peer, o)?;
    let result = match &o.exec {
        Some(cmd) => run_child(cmd, conn, peer, o),
        None => {
            let relay = Relay::start(o.chunk())?;
            stream_session(&relay, &Arc::new(conn), peer, o, true)
        }
    };
    finish(bridge, peer, result)
}

/// Runs the -e/-c child on `conn` until it exits.
pub(super) fn run_child(
    cmd: &crate::exec::ExecCommand,
    conn: SocketHandle,
    peer: &str,
    o: &Options,
) -> Result<(), Failure> {
    let status = cmd.run(conn)?;
    o.detail(format_args!("{:?} for {peer} ended: {status}", cmd.shown()));
    Ok(())
}

/// Waits for the TLS bridge, once the session has ended; its error counts
/// when the session itself went well.
pub(super) fn finish(
    bridge: Option<Bridge>,
    peer: &str,
    result: Result<(), Failure>,
) -> Result<(), Failure> {
    let Some(bridge) = bridge else {
        return result;
    };
    let tls = bridge.finish();
    result?;
    tls.map_err(|e| context(e, format_args!("TLS with {peer}")).into())
}
