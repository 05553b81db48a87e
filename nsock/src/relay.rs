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

use std::fmt;
use std::io::{self, IsTerminal, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

use nativesockets::{
    get_addr_info, get_serv_by_port, new_native_socket, select_read, Domain, Port, Protocol,
    RawSocketHandle, SockAddr, SockType, SocketHandle, SOMAXCONN,
};

use crate::address::{no_address, on_wire, parse_port_list, resolve_port, split_host_port};
use crate::output::{context, note, stdout_failure, warn, Failure};

pub const LISTEN_HELP: &str = "\
Standard input goes to the connection and the connection to standard \
output. At the end of input the connection is half-closed (the peer reads \
end-of-stream); the tool exits when the peer has finished sending and, \
unless stdin is a terminal, all of stdin has been sent. With --keep, \
connections are served one after another (stdin goes to the current one).

Without an address, every interface is used (0.0.0.0 and [::], where \
IPv6 exists); a name such as localhost is listened on at each of its \
addresses, all waited on with select_read. Port 0 picks a free port: \
the address is printed on stderr (`listening on 127.0.0.1:40123`).

With --udp, datagrams from anyone are printed, and stdin goes to the \
latest sender; there is no end-of-stream, so the tool runs until \
interrupted or --idle passes. --idle (or -w) counts from the start: a \
listener nobody connects to ends too. --unix PATH listens on a Unix-domain \
socket, stream or (with --udp) datagram; the file is removed on exit, and \
one that is already there (a directory, a socket, a file) is named, never \
replaced.

nc's habits: -l is accepted (listen always listens), -p PORT [-s ADDR] is \
[ADDR:]PORT, -u, -w SECS, -v, -k, -4 and -6 mean what they mean to nc.

Exit codes: 0 when the connection ended normally; 1 when listening, \
receiving or sending failed; 2 for a usage error.";

pub const CONNECT_HELP: &str = "\
Standard input goes to the socket and the socket to standard output. At \
the end of input the socket is half-closed (the peer reads end-of-stream); \
the tool exits when the peer has finished sending and, unless stdin is a \
terminal, all of stdin has been sent. Every address of HOST is tried in \
turn until one connects.

With --udp each chunk of input is one datagram; there is no end-of-stream, \
so the tool runs until interrupted, --idle passes, or the peer's port \
proves closed. --unix PATH connects to a Unix-domain socket, stream or \
(with --udp) datagram; a datagram client is bound to a temporary path in \
the temporary directory so that replies can reach it.

nc's habits: HOST PORT as two arguments, -u (UDP), -w SECS (connect \
timeout and idle limit), -v (each attempt, both ends, the bytes moved), \
-s ADDR / -p PORT (the local address and port to connect from), and -z \
HOST PORT... (only check which ports accept a connection; ranges allowed; \
exit 0 if one does). -6 uses IPv6 addresses only, never an IPv4-mapped one.

Exit codes: 0 when the connection ended normally; 1 when the connection \
failed, was reset, or a send failed; 2 for a usage error.";

/// What `listen` and `connect` were asked.
pub struct Options {
    pub address: Option<String>,
    pub unix: Option<PathBuf>,
    pub udp: bool,
    pub keep: bool,
    pub idle_ms: Option<u32>,
    pub connect_timeout_ms: Option<u32>,
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
}

/// A TCP relay on every family, quiet about nothing, with no address yet.
impl Default for Options {
    fn default() -> Options {
        Options {
            address: None,
            unix: None,
            udp: false,
            keep: false,
            idle_ms: None,
            connect_timeout_ms: None,
            domain: Domain::Unspec,
            quiet: false,
            verbose: false,
            ports: Vec::new(),
            check: false,
            source: None,
            source_port: None,
        }
    }
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
        if self.udp {
            SockType::Dgram
        } else {
            SockType::Stream
        }
    }

    /// The IP protocol and its name in the services database.
    fn ip_protocol(&self) -> (Protocol, &'static str) {
        if self.udp {
            (Protocol::Udp, "udp")
        } else {
            (Protocol::Tcp, "tcp")
        }
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

/// `nsock connect HOST:PORT` (or `HOST PORT`), `nsock connect -z HOST
/// PORT...`, or `nsock connect --unix PATH`.
pub fn connect(o: &Options) -> Result<(), Failure> {
    if o.check {
        return check(o);
    }
    let mut _client_path = None;
    let (sock, peer) = match &o.unix {
        Some(path) => {
            let addr = SockAddr::unix(path)?;
            let sock = new_native_socket(Domain::Unix, o.sock_type(), Protocol::Ip)?;
            if o.udp {
                // An unnamed datagram socket cannot be answered.
                let own = temp_socket_path();
                sock.bind_addr(&SockAddr::unix(&own)?)
                    .map_err(|e| context(e, format_args!("bind {}", own.display())))?;
                _client_path = Some(RemoveOnDrop(own));
            }
            connect_one(&sock, &addr, o)
                .map_err(|e| context(e, format_args!("connect to {}", path.display())))?;
            (sock, path.display().to_string())
        }
        None => connect_inet(o)?,
    };
    if o.udp {
        o.info(format_args!("sending to {peer}"));
    } else {
        o.info(format_args!("connected to {peer}"));
    }
    if let Ok(local) = sock.local_addr() {
        o.detail(format_args!("local address {local}"));
    }
    let relay = Relay::start(o.chunk())?;
    let sock = Arc::new(sock);
    if o.udp {
        datagrams(&relay, &[sock], Some(&peer), o)
    } else {
        stream_session(&relay, &sock, &peer, o, true)
    }
}

/// connect's host and port texts: `HOST:PORT`, or `HOST PORT...` as nc
/// takes them (the host then bare, or in brackets).
fn target(o: &Options) -> Result<(String, Vec<String>), Failure> {
    let text = o.address.as_deref().unwrap_or_default();
    if o.ports.is_empty() {
        let (host, port) = split_host_port(text).map_err(Failure::usage)?;
        let host = host.ok_or_else(|| {
            Failure::usage(format!(
                "{text:?} has no host: write HOST:PORT or HOST PORT"
            ))
        })?;
        return Ok((host.to_string(), vec![port.to_string()]));
    }
    let host = match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) => inner,
        // A bare IPv6 address has colons of its own; a name or IPv4
        // address with one, or a bracketed address followed by one,
        // already names its port.
        None if text.matches(':').count() == 1 || text.starts_with('[') => {
            return Err(Failure::usage(format!(
                "{text:?} already has a port: write HOST:PORT or HOST PORT, not both"
            )))
        }
        None => text,
    };
    if host.is_empty() {
        return Err(Failure::usage("the host is empty"));
    }
    if o.ports.len() > 1 && !o.check {
        return Err(Failure::usage(format!(
            "{} ports given: connect takes one (several only with -z)",
            o.ports.len()
        )));
    }
    Ok((host.to_string(), o.ports.clone()))
}

/// The addresses of `host` on `port` that the family flags allow on the
/// wire, in the resolver's order.
fn resolve(host: &str, port: Port, o: &Options) -> Result<Vec<SockAddr>, Failure> {
    let list = get_addr_info(host, port, o.domain, o.sock_type(), o.ip_protocol().0)?;
    let addrs: Vec<SockAddr> = list
        .iter()
        .map(|ai| ai.addr())
        .filter(|a| a.as_socket_addr().is_some_and(|sa| on_wire(o.domain, &sa)))
        .collect();
    if addrs.is_empty() {
        return Err(no_address(host, o.domain).into());
    }
    Ok(addrs)
}

/// Resolves the target and connects to the first address that answers.
fn connect_inet(o: &Options) -> Result<(SocketHandle, String), Failure> {
    let (host, ports) = target(o)?;
    let text = o.address.as_deref().unwrap_or_default();
    let (_, proto_name) = o.ip_protocol();
    let port = resolve_port(&ports[0], proto_name)?;
    let mut last_err = None;
    for addr in resolve(&host, port, o)? {
        o.detail(format_args!("trying {addr}"));
        match connect_from(&addr, o) {
            Ok(sock) => return Ok((sock, addr.to_string())),
            Err(e) => {
                o.detail(format_args!("{addr}: {e}"));
                last_err = Some(if addr.to_string() == text {
                    context(e, format_args!("connect to {text:?}"))
                } else {
                    context(e, format_args!("connect to {text:?} ({addr})"))
                });
            }
        }
    }
    Err(last_err
        .unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("connect to {text:?}: no address to connect to"),
            )
        })
        .into())
}

/// A socket for `addr`, bound to -s/-p's source when given, connected.
fn connect_from(addr: &SockAddr, o: &Options) -> io::Result<SocketHandle> {
    let domain = addr.domain().unwrap_or(Domain::Inet);
    let (protocol, proto_name) = o.ip_protocol();
    let sock = new_native_socket(domain, o.sock_type(), protocol)?;
    if o.source.is_some() || o.source_port.is_some() {
        let port = match &o.source_port {
            Some(p) => resolve_port(p, proto_name)?,
            None => Port(0),
        };
        let local = match &o.source {
            Some(host) => get_addr_info(host, port, domain, o.sock_type(), protocol)?
                .iter()
                .map(|ai| ai.addr())
                .find(|a| a.as_socket_addr().is_some_and(|sa| on_wire(domain, &sa)))
                .ok_or_else(|| no_address(host, domain))?,
            None if domain == Domain::Inet6 => {
                SockAddr::from(SocketAddr::from(([0u16; 8], port.0)))
            }
            None => SockAddr::from(SocketAddr::from(([0u8; 4], port.0))),
        };
        sock.bind_addr(&local)
            .map_err(|e| context(e, format_args!("bind to source {local}")))?;
        o.detail(format_args!("bound to {}", sock.local_addr()?));
    }
    connect_one(&sock, addr, o)?;
    Ok(sock)
}

/// `nsock connect -z HOST PORT...`: which ports accept a connection. Each
/// open port is reported (nc's words), each closed one with -v; exit 0 if
/// one is open.
fn check(o: &Options) -> Result<(), Failure> {
    if o.udp {
        return Err(Failure::usage(
            "-z with UDP: a datagram port cannot be checked without a reply (nc's guess is not offered)",
        ));
    }
    if let Some(path) = &o.unix {
        let sock = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip)?;
        connect_one(&sock, &SockAddr::unix(path)?, o)
            .map_err(|e| context(e, format_args!("connect to {}", path.display())))?;
        o.info(format_args!("Connection to {} succeeded!", path.display()));
        return Ok(());
    }
    let (host, port_texts) = target(o)?;
    let mut ports: Vec<Port> = Vec::new();
    for text in &port_texts {
        if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b',')
        {
            let list = parse_port_list(text).map_err(Failure::usage)?;
            ports.extend(list.0.into_iter().map(Port));
        } else {
            ports.push(resolve_port(text, "tcp")?);
        }
    }
    let mut open = 0usize;
    for port in &ports {
        let addrs = resolve(&host, *port, o)?;
        let mut result = Err(io::Error::from(io::ErrorKind::NotFound));
        for addr in &addrs {
            o.detail(format_args!("trying {addr}"));
            result = connect_from(addr, o).map(drop);
            if result.is_ok() {
                break;
            }
        }
        let service = get_serv_by_port(*port, "tcp").map_or_else(|_| "*".to_string(), |s| s.name);
        match result {
            Ok(()) => {
                open += 1;
                o.info(format_args!(
                    "Connection to {host} {port} port [tcp/{service}] succeeded!"
                ));
            }
            Err(e) => o.detail(format_args!(
                "connect to {host} port {port} (tcp) failed: {e}"
            )),
        }
    }
    if open == 0 {
        return Err(Failure::new(format!(
            "no port of {host:?} accepted a connection ({} tried)",
            ports.len()
        )));
    }
    Ok(())
}

fn connect_one(sock: &SocketHandle, addr: &SockAddr, o: &Options) -> io::Result<()> {
    match o.connect_timeout_ms {
        Some(ms) => sock.connect_timeout(addr, Duration::from_millis(ms.into())),
        None => sock.connect(addr),
    }
}

/// `nsock listen [ADDR:]PORT` or `nsock listen --unix PATH`.
pub fn listen(o: &Options) -> Result<(), Failure> {
    let mut _socket_file = None;
    let listeners = match &o.unix {
        Some(path) => {
            let addr = SockAddr::unix(path)?;
            let sock = new_native_socket(Domain::Unix, o.sock_type(), Protocol::Ip)?;
            sock.bind_addr(&addr)
                .map_err(|e| unix_bind_error(e, path))?;
            // Bound: the file is ours now, and goes when the tool does.
            _socket_file = Some(RemoveOnDrop(path.clone()));
            if !o.udp {
                sock.listen(SOMAXCONN)
                    .map_err(|e| context(e, format_args!("listen on {}", path.display())))?;
            }
            vec![sock]
        }
        None => bind_inet(o)?,
    };
    for l in &listeners {
        let shown = l
            .local_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        o.info(format_args!("listening on {shown}"));
    }
    let relay = Relay::start(o.chunk())?;
    if o.udp {
        let socks: Vec<Arc<SocketHandle>> = listeners.into_iter().map(Arc::new).collect();
        return datagrams(&relay, &socks, None, o);
    }
    for l in &listeners {
        // A client may vanish between readiness and accept; non-blocking,
        // accept then says so instead of waiting for the next client.
        l.set_blocking(false)?;
    }
    loop {
        // The idle limit counts from the start: a listener nobody
        // connects to ends too.
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
        let conn = Arc::new(conn);
        if !o.keep {
            // Like nc: one connection, and nobody else may connect.
            drop(listeners);
            return stream_session(&relay, &conn, &peer, o, true);
        }
        match stream_session(&relay, &conn, &peer, o, false) {
            Ok(()) => {}
            // stdout is gone: nobody reads what the next client sends.
            Err(f) if f.stdout_gone() => return Err(f),
            Err(f) => f.report(),
        }
    }
}

/// Binds (and for TCP, listens on) every address `o` names. With port 0,
/// the port picked for the first address is asked for the others, so that
/// one port number serves every family. The broker binds with it too.
pub fn bind_inet(o: &Options) -> Result<Vec<SocketHandle>, Failure> {
    let text = o.address.as_deref().unwrap_or_default();
    let (host, port) = split_host_port(text).map_err(Failure::usage)?;
    let (protocol, proto_name) = o.ip_protocol();
    let port = resolve_port(port, proto_name)?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    match host {
        Some(host) => {
            for ai in &get_addr_info(host, port, o.domain, o.sock_type(), protocol)? {
                if let Some(a) = ai.socket_addr() {
                    if on_wire(o.domain, &a) && !addrs.contains(&a) {
                        addrs.push(a);
                    }
                }
            }
            if addrs.is_empty() {
                return Err(no_address(host, o.domain).into());
            }
        }
        None => {
            if o.domain != Domain::Inet {
                addrs.push(SocketAddr::from(([0u16; 8], port.0)));
            }
            if o.domain != Domain::Inet6 {
                addrs.push(SocketAddr::from(([0u8; 4], port.0)));
            }
        }
    }
    let mut bound: Vec<SocketHandle> = Vec::new();
    let mut first_err = None;
    for mut addr in addrs {
        if addr.port() == 0 {
            if let Some(p) = bound.first().and_then(|s| s.local_addr().ok()?.port()) {
                addr.set_port(p.0);
            }
        }
        match bind_one(addr, o) {
            Ok(sock) => bound.push(sock),
            Err(e) => {
                first_err.get_or_insert(context(e, format_args!("listen on {addr}")));
            }
        }
    }
    match first_err {
        Some(e) if bound.is_empty() => Err(e.into()),
        Some(e) => {
            // Typically no IPv6 on this machine: the other family serves.
            o.info(format_args!("skipped: {e}"));
            Ok(bound)
        }
        None => Ok(bound),
    }
}

fn bind_one(addr: SocketAddr, o: &Options) -> io::Result<SocketHandle> {
    let domain = if addr.is_ipv6() {
        Domain::Inet6
    } else {
        Domain::Inet
    };
    let sock = new_native_socket(domain, o.sock_type(), o.ip_protocol().0)?;
    if addr.is_ipv6() {
        // So that [::] and 0.0.0.0 can both be bound to one port.
        sock.set_only_v6(true)?;
    }
    if !o.udp && cfg!(unix) {
        // As std does: a restarted server may reuse its port at once. Not
        // on Windows, where SO_REUSEADDR lets another socket take the port.
        sock.set_reuse_address(true)?;
    }
    sock.bind_addr(&SockAddr::from(addr))?;
    if !o.udp {
        sock.listen(SOMAXCONN)?;
    }
    Ok(sock)
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

fn transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// One stream connection: the socket to stdout until the peer has finished
/// sending (and, with `wait_for_input`, until stdin has all been sent).
fn stream_session(
    relay: &Relay,
    sock: &Arc<SocketHandle>,
    peer: &str,
    o: &Options,
    wait_for_input: bool,
) -> Result<(), Failure> {
    let session = relay.shared.begin(Target {
        sock: Arc::clone(sock),
        to: None,
        stream: true,
        session: 0,
    });
    // Nobody at a terminal types an end of input to let a finished peer
    // go: there, the peer's end is the end.
    let wait_for_input = wait_for_input && !io::stdin().is_terminal();
    let sent_before = relay.shared.lock().sent;
    let mut received: u64 = 0;
    let mut buf = vec![0u8; STREAM_RECV_BUF];
    let mut out = RawStdout::new();
    let mut receiving = true;
    let mut batch = Batching::new(o.unix.is_none());
    let mut ready: Vec<&SocketHandle> = Vec::with_capacity(2);
    let result = loop {
        if !receiving && (!wait_for_input || relay.shared.input_ended()) {
            break Ok(());
        }
        ready.clear();
        if receiving {
            ready.push(sock);
        }
        ready.push(&relay.wake);
        match select_read(&mut ready, batch.wait(o.idle())) {
            Ok(0) if batch.bulk => batch.leave(sock),
            Ok(0) => {
                o.info(format_args!("idle for {} ms: closing", o.idle()));
                break Ok(());
            }
            Ok(_) => {}
            Err(e) => break Err(context(e, "waiting for data").into()),
        }
        let net_ready = receiving && ready.first().map(|s| s.as_raw()) == Some(sock.as_raw());
        let wake_ready = ready.last().map(|s| s.as_raw()) == Some(relay.wake.as_raw());
        if wake_ready {
            relay.drain_wake();
            if let Some(e) = relay.shared.take_send_error(session) {
                break Err(context(e, format_args!("sending to {peer}")).into());
            }
        }
        if net_ready {
            match sock.recv(&mut buf) {
                Ok(0) => receiving = false,
                Ok(n) => {
                    received += n as u64;
                    batch.received(sock, n);
                    if let Err(e) = out.write_all(&buf[..n]) {
                        break Err(stdout_failure(e));
                    }
                }
                Err(e) if transient(&e) => {}
                Err(e) => break Err(context(e, format_args!("receiving from {peer}")).into()),
            }
        }
    };
    relay.shared.end(session);
    // Wakes a pump blocked in a send to this socket.
    let _ = sock.shutdown(Shutdown::Both);
    let sent = relay.shared.lock().sent - sent_before;
    o.detail(format_args!(
        "connection with {peer} closed: {received} bytes received, {sent} sent"
    ));
    result
}

/// How much one `recv` of a stream session may take: large, so that a
/// fast sender costs few wait/recv/write rounds.
const STREAM_RECV_BUF: usize = 512 * 1024;

/// A TCP session's receive low-water mark (`SO_RCVLOWAT`), raised while
/// the peer sends in bulk.
///
/// With the mark at one byte the kernel wakes the receiver for every
/// segment that arrives, and with a fast sender those wake-ups (each an
/// interrupt to the other core, dear in a virtual machine) cost the
/// sending side more than the data does; with the mark high, a wait ends
/// only once a large piece is queued (or the stream ends), so a gigabyte
/// costs a few thousand wake-ups instead of tens of thousands. So a
/// `recv` that brings at least [`BULK_ENTER`] bytes raises the mark, and
/// a wait that then sees no such piece within [`BULK_WAIT_MS`] lowers it
/// to one byte again: the tail of a burst, or a line typed after it, is
/// at most that much later.
///
/// The mark is a quarter of the receive buffer the kernel has grown so
/// far, at most [`BULK_LOWAT_MAX`]: Linux meets a mark above the buffer
/// by enlarging the buffer and clamping the window to the mark, after
/// which the sender stalls at every mark (measured: half the throughput,
/// and the receiver doing the sender's work). A buffer under four times
/// [`BULK_LOWAT_MIN`] leaves the mark alone.
///
/// Not on Unix-domain sockets, whose readiness ignores the mark (a wait
/// would say "readable" and the `recv` then block for the rest), nor
/// where the option is missing (Windows): there every wait ends at the
/// first byte.
struct Batching {
    /// Whether the mark may be raised on this socket.
    allowed: bool,
    /// Whether it is raised now.
    bulk: bool,
}

const BULK_ENTER: usize = 64 * 1024;
const BULK_LOWAT_MIN: usize = 64 * 1024;
const BULK_LOWAT_MAX: usize = 256 * 1024;
const BULK_WAIT_MS: i32 = 2;

impl Batching {
    fn new(tcp: bool) -> Batching {
        Batching {
            allowed: cfg!(unix) && tcp,
            bulk: false,
        }
    }

    /// The wait for the next piece: short while the mark is up.
    fn wait(&self, idle: i32) -> i32 {
        if self.bulk && !(0..=BULK_WAIT_MS).contains(&idle) {
            BULK_WAIT_MS
        } else {
            idle
        }
    }

    /// After a `recv` of `n` bytes: a large one raises the mark.
    fn received(&mut self, sock: &SocketHandle, n: usize) {
        if !self.allowed || self.bulk || n < BULK_ENTER {
            return;
        }
        match sock.recv_buffer_size() {
            Ok(size) if size / 4 >= BULK_LOWAT_MIN => {
                self.bulk = set_lowat(sock, (size / 4).min(BULK_LOWAT_MAX));
                self.allowed = self.bulk;
            }
            Ok(_) => {}
            Err(_) => self.allowed = false,
        }
    }

    /// After a short wait that saw no large piece: the mark back to one
    /// byte, so that what is queued is read at once.
    fn leave(&mut self, sock: &SocketHandle) {
        self.bulk = false;
        self.allowed = set_lowat(sock, 1);
    }
}

/// Sets the receive low-water mark; false where that failed.
#[cfg(unix)]
fn set_lowat(sock: &SocketHandle, bytes: usize) -> bool {
    sock.set_recv_lowat(bytes).is_ok()
}

#[cfg(not(unix))]
fn set_lowat(_: &SocketHandle, _: usize) -> bool {
    false
}

/// Standard output without std's line buffer: what arrives is binary and
/// goes out at once, in one `write` a chunk (std's `Stdout` splits a chunk
/// at its last newline into two writes, and needs a flush after each).
struct RawStdout {
    file: Option<std::fs::File>,
}

impl RawStdout {
    fn new() -> RawStdout {
        #[cfg(unix)]
        let owned = std::os::fd::AsFd::as_fd(&io::stdout()).try_clone_to_owned();
        #[cfg(windows)]
        let owned = std::os::windows::io::AsHandle::as_handle(&io::stdout()).try_clone_to_owned();
        // Without a handle of its own (no stdout at all), std's writer is
        // used instead, with its flush.
        RawStdout {
            file: owned.ok().map(std::fs::File::from),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(data),
            None => {
                let mut out = io::stdout().lock();
                out.write_all(data).and_then(|()| out.flush())
            }
        }
    }
}

/// Datagrams from `socks` to stdout. A socket connected to `peer` has that
/// one peer, and errors on it (a closed port's ICMP answer) end the relay;
/// otherwise stdin goes to the latest sender, and errors are reported and
/// survived.
fn datagrams(
    relay: &Relay,
    socks: &[Arc<SocketHandle>],
    peer: Option<&str>,
    o: &Options,
) -> Result<(), Failure> {
    let connected = peer.is_some();
    if connected {
        if let Some(sock) = socks.first() {
            relay.shared.begin(Target {
                sock: Arc::clone(sock),
                to: None,
                stream: false,
                session: 0,
            });
        }
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut out = io::stdout().lock();
    let mut last_sender: Option<SockAddr> = None;
    loop {
        let ready: Vec<RawSocketHandle> = {
            let mut ready: Vec<&SocketHandle> = socks.iter().map(|s| &**s).collect();
            ready.push(&relay.wake);
            match select_read(&mut ready, o.idle()) {
                Ok(0) => {
                    o.info(format_args!("idle for {} ms: closing", o.idle()));
                    return Ok(());
                }
                Ok(_) => ready.iter().map(|s| s.as_raw()).collect(),
                Err(e) => return Err(context(e, "waiting for datagrams").into()),
            }
        };
        for raw in ready {
            if raw == relay.wake.as_raw() {
                relay.drain_wake();
                if let Some(e) = relay.shared.take_any_send_error() {
                    match (peer, &last_sender) {
                        (Some(peer), _) => {
                            return Err(context(e, format_args!("sending to {peer}")).into())
                        }
                        (None, Some(to)) => warn(context(e, format_args!("sending to {to}"))),
                        (None, None) => warn(context(e, "sending")),
                    }
                }
                continue;
            }
            let Some(sock) = socks.iter().find(|s| s.as_raw() == raw) else {
                continue;
            };
            match sock.recv_from(&mut buf) {
                Ok((n, from)) => {
                    if let Err(e) = out.write_all(&buf[..n]).and_then(|()| out.flush()) {
                        return Err(stdout_failure(e));
                    }
                    if !connected && last_sender.as_ref() != Some(&from) {
                        o.info(format_args!("datagrams from {from}"));
                        if !from.is_unnamed() {
                            relay.shared.begin(Target {
                                sock: Arc::clone(sock),
                                to: Some(from.clone()),
                                stream: false,
                                session: 0,
                            });
                        }
                        last_sender = Some(from);
                    }
                }
                Err(e) if transient(&e) => {}
                Err(e) if connected => {
                    let peer = peer.unwrap_or_default();
                    return Err(context(e, format_args!("receiving from {peer}")).into());
                }
                // On an unconnected socket, an error here is the ICMP
                // answer to an earlier datagram to some sender, not the
                // end of this socket.
                Err(e) => match sock.local_addr() {
                    Ok(local) => warn(context(e, format_args!("receiving on {local}"))),
                    Err(_) => warn(context(e, "receiving")),
                },
            }
        }
    }
}

/// Where the pump sends stdin now.
#[derive(Clone)]
struct Target {
    sock: Arc<SocketHandle>,
    /// The destination of an unconnected datagram socket.
    to: Option<SockAddr>,
    stream: bool,
    session: u64,
}

impl Target {
    fn send_all(&self, mut data: &[u8]) -> io::Result<()> {
        if let Some(to) = &self.to {
            return self.sock.send_to(data, to).map(drop);
        }
        if !self.stream {
            return self.sock.send(data).map(drop);
        }
        while !data.is_empty() {
            match self.sock.send(data) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct State {
    target: Option<Target>,
    session: u64,
    input_ended: bool,
    send_error: Option<(u64, io::Error)>,
    /// Bytes of stdin sent, for -v.
    sent: u64,
}

/// What the pump and the main thread share.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// The pump's end of the wake-up pair. Kept here rather than in the
    /// pump, so that it outlives the pump: once closed, the main thread's
    /// end would read as end-of-stream, ready at every wait.
    signal: SocketHandle,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave State inconsistent: every field
        // is written whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `target` the pump's destination; returns its session number.
    fn begin(&self, mut target: Target) -> u64 {
        let mut st = self.lock();
        st.session += 1;
        target.session = st.session;
        if st.input_ended && target.stream {
            // Input ended before this connection: it gets none.
            let _ = target.sock.shutdown(Shutdown::Write);
        }
        st.target = Some(target);
        self.changed.notify_all();
        st.session
    }

    fn end(&self, session: u64) {
        let mut st = self.lock();
        if st.target.as_ref().is_some_and(|t| t.session == session) {
            st.target = None;
        }
    }

    fn input_ended(&self) -> bool {
        self.lock().input_ended
    }

    fn take_send_error(&self, session: u64) -> Option<io::Error> {
        let mut st = self.lock();
        match &st.send_error {
            Some((s, _)) if *s == session => st.send_error.take().map(|(_, e)| e),
            _ => None,
        }
    }

    fn take_any_send_error(&self) -> Option<io::Error> {
        self.lock().send_error.take().map(|(_, e)| e)
    }

    // The pump's side.

    /// Makes the main thread's `select_read` return. One byte per event,
    /// and events are few (end of input, a failed send), so the pair's
    /// buffer never fills and the send never blocks.
    fn wake_main(&self) {
        let _ = self.signal.send(&[0]);
    }

    /// Waits until there is somewhere to send to.
    fn next_target(&self) -> Target {
        let mut st = self.lock();
        loop {
            if let Some(t) = &st.target {
                return t.clone();
            }
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn send_failed(&self, target: &Target, err: io::Error) {
        let mut st = self.lock();
        // A send to a connection that has ended since is no news.
        if st
            .target
            .as_ref()
            .is_some_and(|t| t.session == target.session)
        {
            st.target = None;
            st.send_error = Some((target.session, err));
        }
    }

    fn end_input(&self) {
        let mut st = self.lock();
        st.input_ended = true;
        if let Some(t) = st.target.as_ref().filter(|t| t.stream) {
            // NotConnected if the peer already went: nothing to close then.
            let _ = t.sock.shutdown(Shutdown::Write);
        }
    }
}

/// The pump thread and the main thread's end of the wake-up pair.
struct Relay {
    shared: Arc<Shared>,
    wake: SocketHandle,
}

impl Relay {
    fn start(chunk: usize) -> Result<Relay, Failure> {
        let (wake, signal) = wake_pair().map_err(|e| context(e, "creating a local socket pair"))?;
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            signal,
        });
        let pump_shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("stdin".into())
            .spawn(move || pump(&pump_shared, chunk))
            .map_err(|e| context(e, "starting the stdin thread"))?;
        Ok(Relay { shared, wake })
    }

    fn drain_wake(&self) {
        let mut buf = [0u8; 64];
        let _ = self.wake.recv(&mut buf);
    }
}

/// The pump: stdin to the current target, until the end of input.
fn pump(shared: &Shared, chunk: usize) {
    if pump_file(shared) {
        return;
    }
    let mut stdin = io::stdin().lock();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                warn(context(e, "reading stdin"));
                0
            }
        };
        if n == 0 {
            shared.end_input();
            shared.wake_main();
            return;
        }
        let target = shared.next_target();
        match target.send_all(&buf[..n]) {
            Ok(()) => shared.lock().sent += n as u64,
            Err(e) => {
                shared.send_failed(&target, e);
                shared.wake_main();
            }
        }
    }
}

/// A connected pair of local sockets: (the end to wait on, the end to
/// signal on).
#[cfg(unix)]
fn wake_pair() -> io::Result<(SocketHandle, SocketHandle)> {
    let (a, b) = std::os::unix::net::UnixStream::pair()?;
    Ok((a.into(), b.into()))
}

/// A connected pair of local sockets: (the end to wait on, the end to
/// signal on). Windows has no `socketpair`: a loopback connection, checked
/// to be our own.
#[cfg(not(unix))]
fn wake_pair() -> io::Result<(SocketHandle, SocketHandle)> {
    let listener = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    listener.bind_addr(&SockAddr::from(SocketAddr::from(([127, 0, 0, 1], 0))))?;
    listener.listen(1)?;
    let signal = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp)?;
    signal.connect(&listener.local_addr()?)?;
    let own = signal.local_addr()?;
    loop {
        let (wake, from) = listener.accept()?;
        if from == own {
            return Ok((wake, signal));
        }
    }
}

/// A path for a datagram client's own socket, unique to this process.
fn temp_socket_path() -> PathBuf {
    std::env::temp_dir().join(format!("nsock-{}.sock", std::process::id()))
}

/// Removes a socket file this process created when the tool ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The pump's way for a regular file on stdin (`nsock connect < file`):
/// `send_file` from the file's current position, with no copy through
/// user space, to each stream target in turn until the file ends.
/// Returns false, having sent nothing, when stdin is no regular file or
/// the target is a datagram socket: the reading pump then does the work.
fn pump_file(shared: &Shared) -> bool {
    use std::io::{Seek, SeekFrom};
    let Some(mut file) = stdin_file() else {
        return false;
    };
    let Ok(mut offset) = file.stream_position() else {
        return false;
    };
    loop {
        let target = shared.next_target();
        if !target.stream || target.to.is_some() {
            return false;
        }
        match target.sock.send_file(&file, offset, None) {
            Ok(0) => break,
            Ok(n) => offset += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                shared.send_failed(&target, e);
                shared.wake_main();
            }
        }
        // Leaves stdin where a reading relay would have.
        let _ = file.seek(SeekFrom::Start(offset));
    }
    shared.end_input();
    shared.wake_main();
    true
}

/// Stdin as a `File`, when it is a regular file.
fn stdin_file() -> Option<std::fs::File> {
    #[cfg(unix)]
    let owned = std::os::fd::AsFd::as_fd(&io::stdin()).try_clone_to_owned();
    #[cfg(windows)]
    let owned = std::os::windows::io::AsHandle::as_handle(&io::stdin()).try_clone_to_owned();
    let file = std::fs::File::from(owned.ok()?);
    file.metadata().ok()?.is_file().then_some(file)
}
