//! `nsock listen`: binding every address asked (or a Unix-domain
//! path), and serving the connections, one at a time, or the datagrams.

use std::io;
use std::sync::Arc;

use nativesockets::{
    new_native_socket, select_read, Domain, Protocol, SockAddr, SocketHandle, SOMAXCONN,
};

use super::datagram::datagrams;
use super::keep;
use super::pump::Relay;
use super::session::{one_connection, Handshake};
use super::socket_file::SocketFile;
use super::{transient, Options};
use crate::bind::bind_all;
use crate::output::{context, Failure};

pub const LISTEN_HELP: &str = "\
Standard input goes to the connection and the connection to standard \
output. At the end of input the connection is half-closed (the peer reads \
end-of-stream); the tool exits when the peer has finished sending and, \
unless stdin is a terminal, all of stdin has been sent. With -k \
(--keep, --keep-open), as with ncat -k, every client is served at once: \
stdin goes to each connected client, and what each sends goes to stdout; \
a client that stops reading while 1 MiB of stdin is queued for it is \
disconnected. It runs until interrupted (or --idle passes with no client).
  nsock listen -k 7000

Without an address, every interface is used (0.0.0.0 and [::], where \
IPv6 exists); a name such as localhost is listened on at each of its \
addresses, all waited on with select_read. Port 0 picks a free port: \
the address is printed on stderr (`listening on 127.0.0.1:40123`).

With --udp, datagrams from anyone are printed, and stdin goes to the \
latest sender; there is no end-of-stream, so the tool runs until \
interrupted or --idle passes. --idle (or -w) counts from the start: a \
listener nobody connects to ends too. --unix PATH listens on a Unix-domain \
socket, stream or (with --udp) datagram; the file is removed when the tool \
ends, by Ctrl-C (SIGINT), SIGTERM or SIGHUP too (on Windows, Ctrl-C leaves \
it: remove it by hand), and one that is already there (a directory, a \
socket, a file) is named, never replaced.

nc's habits: -l is accepted (listen always listens), -p PORT [-s ADDR] is \
[ADDR:]PORT, -u, -w SECS, -v, -4 and -6 mean what they mean to nc; -k, \
-e and -c what they mean to ncat.

Exit codes: 0 when the connection ended normally; 1 when listening, \
receiving or sending failed; 2 for a usage error.";

/// `nsock listen [ADDR:]PORT` or `nsock listen --unix PATH`.
pub fn listen(o: &Options) -> Result<(), Failure> {
    // Bad certificates and commands are named before anything listens.
    if let Some(cmd) = &o.exec {
        cmd.check()?;
    }
    let tls = o.tls.as_ref().map(crate::tls::server).transpose()?;
    let mut _socket_file = None;
    let listeners = match &o.unix {
        Some(path) => {
            let addr = SockAddr::unix(path)?;
            let sock = new_native_socket(Domain::Unix, o.sock_type(), Protocol::Ip)?;
            sock.bind_addr(&addr)
                .map_err(|e| unix_bind_error(e, path))?;
            // Bound: the file is ours now, and goes when the tool does.
            _socket_file = Some(SocketFile::new(path.clone()));
            if !o.udp {
                sock.listen(SOMAXCONN)
                    .map_err(|e| context(e, format_args!("listen on {}", path.display())))?;
            }
            vec![sock]
        }
        None => bind_all(
            o.address.as_deref().unwrap_or_default(),
            o.domain,
            o.udp,
            o.quiet,
        )?,
    };
    for l in &listeners {
        let shown = l
            .local_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        o.info(format_args!("listening on {shown}"));
    }
    if let Some(server) = &tls {
        crate::tls::announce(server, o.quiet);
    }
    let handshake = match tls {
        Some(server) => Handshake::Server(server.config),
        None => Handshake::Plain,
    };
    if o.udp {
        let relay = Relay::start(o.chunk())?;
        let socks: Vec<Arc<SocketHandle>> = listeners.into_iter().map(Arc::new).collect();
        return datagrams(&relay, &socks, None, o);
    }
    for l in &listeners {
        // A client may vanish between readiness and accept; non-blocking,
        // accept then says so instead of waiting for the next client.
        l.set_blocking(false)?;
    }
    if o.keep {
        return keep::serve(&listeners, o, handshake);
    }
    // The idle limit counts from the start: a listener nobody connects to
    // ends too.
    let Some((conn, peer)) = accept_any(&listeners, o.idle())? else {
        o.info(format_args!("no connection for {} ms: closing", o.idle()));
        return Ok(());
    };
    let peer = if peer.is_unnamed() || peer.domain() == Some(Domain::Unix) {
        "a local client".to_string()
    } else {
        peer.to_string()
    };
    o.info(format_args!("connection from {peer}"));
    // Accepted sockets inherit non-blocking mode on BSD and Windows.
    conn.set_blocking(true)?;
    // Like nc: one connection, and nobody else may connect.
    drop(listeners);
    one_connection(conn, &peer, o, &handshake)
}

/// Why a Unix-domain socket could not be bound at `path`, saying what is
/// there when something is (the OS says only "Address already in use").
fn unix_bind_error(e: io::Error, path: &std::path::Path) -> io::Error {
    let what = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            "is a directory: give the path of a socket file to create, such as DIR/nsock.sock"
        }
        Ok(m) if is_socket(&m) => {
            "a socket file is already there: another listener's, or one left behind (remove it if nothing listens)"
        }
        Ok(m) if m.file_type().is_symlink() => "a symbolic link is already there: nsock does not replace it",
        Ok(_) => "a file that is not a socket is already there: nsock does not replace it",
        Err(_) => return context(e, format_args!("listen on {}", path.display())),
    };
    io::Error::new(
        e.kind(),
        format!("listen on {}: {what} ({e})", path.display()),
    )
}

#[cfg(unix)]
fn is_socket(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    m.file_type().is_socket()
}

#[cfg(not(unix))]
fn is_socket(_: &std::fs::Metadata) -> bool {
    // Windows reports an AF_UNIX socket file as a reparse point, which std
    // does not name: any file there is called "not a socket" rather than
    // guessed at.
    false
}

/// Waits until one of `listeners` has a connection and accepts it; `None`
/// when `idle_ms` passes first (-1: no limit).
fn accept_any(
    listeners: &[SocketHandle],
    idle_ms: i32,
) -> Result<Option<(SocketHandle, SockAddr)>, Failure> {
    loop {
        let mut ready: Vec<&SocketHandle> = listeners.iter().collect();
        if select_read(&mut ready, idle_ms).map_err(|e| context(e, "waiting for a connection"))?
            == 0
        {
            return Ok(None);
        }
        for l in ready {
            match l.accept() {
                Ok(accepted) => return Ok(Some(accepted)),
                Err(e) if transient(&e) || e.kind() == io::ErrorKind::ConnectionAborted => {}
                Err(e) => return Err(context(e, "accept").into()),
            }
        }
    }
}
