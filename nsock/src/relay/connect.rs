//! `nsock connect`: to a host (its addresses raced by `connect_host`), a Unix-domain
//! socket, or, with -z, only checking which ports accept a connection.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nativesockets::{
    connect_host, get_serv_by_port, new_native_socket, parse_ip_text, ConnectError, ConnectEvent,
    ConnectOptions, Domain, Port, Protocol, SockAddr, SockType, SocketHandle,
};

use super::datagram::datagrams;
use super::pump::Relay;
use super::session::{one_connection, Handshake};
use super::socket_file::SocketFile;
use super::Options;
use crate::address::{no_address, parse_port_list, resolve_port, split_host_port, wire_addrs};
use crate::output::{context, note, Failure};

pub const CONNECT_HELP: &str = "\
Standard input goes to the socket and the socket to standard output. At \
the end of input the socket is half-closed (the peer reads end-of-stream); \
the tool exits when the peer has finished sending and, unless stdin is a \
terminal, all of stdin has been sent. The addresses of HOST are raced as \
browsers do (Happy Eyeballs, RFC 8305): families alternate, the next \
address starts after --fallback-delay (250 ms) without an answer or at \
once when one fails, and the first to connect wins.

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

/// `nsock connect HOST:PORT` (or `HOST PORT`), `nsock connect -z HOST
/// PORT...`, or `nsock connect --unix PATH`.
pub fn connect(o: &Options) -> Result<(), Failure> {
    if o.check {
        return check(o);
    }
    // Bad certificates, names and commands are named before connecting.
    if let Some(cmd) = &o.exec {
        cmd.check()?;
    }
    let handshake = match &o.tls {
        Some(args) => {
            let host = match &o.unix {
                Some(_) => "localhost".to_string(),
                None => target(o)?.0,
            };
            let name = crate::tls::server_name(args, &host)?;
            Handshake::Client(crate::tls::client(args)?, name)
        }
        None => Handshake::Plain,
    };
    let mut _client_path = None;
    let (sock, peer) = match &o.unix {
        Some(path) => {
            let addr = SockAddr::unix(path)?;
            let sock = new_native_socket(Domain::Unix, o.sock_type(), Protocol::Ip)?;
            if o.udp {
                // An unnamed datagram socket cannot be answered. Linux
                // gives it a free abstract name (autobind), which leaves
                // no file behind whatever ends the tool; elsewhere it gets
                // a file in the temporary directory.
                if cfg!(any(target_os = "linux", target_os = "android")) {
                    sock.bind_addr(&SockAddr::unix_unnamed())
                        .map_err(|e| context(e, "bind to an abstract name"))?;
                } else {
                    let own = temp_socket_path();
                    sock.bind_addr(&SockAddr::unix(&own)?)
                        .map_err(|e| context(e, format_args!("bind {}", own.display())))?;
                    _client_path = Some(SocketFile::new(own));
                }
            }
            connect_one(&sock, &addr, o).map_err(|e| {
                context(
                    e,
                    format_args!("connect to {:?}", path.display().to_string()),
                )
            })?;
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
    if o.udp {
        let relay = Relay::start(o.chunk())?;
        datagrams(&relay, &[Arc::new(sock)], Some(&peer), o)
    } else {
        one_connection(sock, &peer, o, &handshake)
    }
}

/// connect's host and port texts: `HOST:PORT`, or `HOST PORT...` as nc
/// takes them (the host then bare, or in brackets).
fn target(o: &Options) -> Result<(String, Vec<String>), Failure> {
    let text = o.address.as_deref().unwrap_or_default();
    if o.ports.is_empty() {
        let (host, port) = split_host_port(text).map_err(Failure::usage)?;
        // A lone word is the host (as nc's first argument), not a port.
        let host = host.ok_or_else(|| {
            Failure::usage(format!(
                "{text:?}: missing port: write HOST PORT or HOST:PORT"
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
                "{text:?}: already has a port: write HOST:PORT or HOST PORT, not both"
            )))
        }
        None => text,
    };
    if host.is_empty() {
        return Err(Failure::usage(format!("{text:?}: empty host")));
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
    let (protocol, _) = o.ip_protocol();
    let addrs = wire_addrs(host, port, o.domain, o.sock_type(), protocol)?;
    Ok(addrs.into_iter().map(SockAddr::from).collect())
}

/// Resolves the target and connects with `connect_host`: the addresses
/// raced as Happy Eyeballs does, the lookup and every attempt within -w /
/// --timeout, and with -v each attempt as it happens (curl's "Trying");
/// or has the proxy connect.
fn connect_inet(o: &Options) -> Result<(SocketHandle, String), Failure> {
    let (host, ports) = target(o)?;
    if let Some(proxy) = &o.proxy {
        let port = resolve_port(&ports[0], "tcp")?;
        let timeout = o
            .connect_timeout_ms
            .map(|ms| Duration::from_millis(ms.into()));
        let detail = |m: std::fmt::Arguments<'_>| o.detail(m);
        return Ok(crate::proxy::connect(
            proxy, &host, port, o.domain, timeout, &detail,
        )?);
    }
    // One shape whether HOST:PORT or HOST PORT was typed: `connect to
    // "HOST:PORT": ...`, with the address tried when it is not that text.
    let shown = if host.contains(':') {
        format!("[{host}]:{}", ports[0])
    } else {
        format!("{host}:{}", ports[0])
    };
    let (protocol, proto_name) = o.ip_protocol();
    let port = resolve_port(&ports[0], proto_name)?;
    // A numeric host of the other family finds no address, as the
    // lookups of addrinfo, scan and listen say (connect_host calls it bad
    // input).
    if let Ok((ip, _)) = parse_ip_text(&host) {
        if (o.domain == Domain::Inet6 && ip.is_ipv4()) || (o.domain == Domain::Inet && ip.is_ipv6())
        {
            return Err(no_address(&host, o.domain).into());
        }
    }
    let mut options = ConnectOptions::new()
        .domain(o.domain)
        .sock_type(o.sock_type());
    if let Some(ms) = o.connect_timeout_ms {
        options = options.timeout(Duration::from_millis(ms.into()));
    }
    if let Some(ms) = o.fallback_delay_ms {
        options = options.fallback_delay(Duration::from_millis(ms.into()));
    }
    if let Some(local) = source_for(&host, port, protocol, o)? {
        options = options.bind(local);
    }
    if o.verbose {
        options = options.on_attempt(|event| match event {
            ConnectEvent::Resolved { addrs } => {
                let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                note(format_args!("resolved: {}", list.join(", ")));
            }
            ConnectEvent::Trying { addr } => note(format_args!("trying {addr}...")),
            ConnectEvent::Failed { addr, error } => note(format_args!("{addr}: {error}")),
            ConnectEvent::Connected { addr } => note(format_args!("{addr}: connected")),
            _ => {}
        });
    }
    match connect_host(&host, port, &options) {
        Ok(sock) => {
            let peer = sock
                .peer_addr()
                .map_or_else(|_| shown.clone(), |a| a.to_string());
            Ok((sock, peer))
        }
        Err(e) => Err(connect_failure(e, &shown).into()),
    }
}

/// connect's one shape for a failed connect: `connect to "HOST:PORT":`
/// then each address's reason, the address named where it is not the
/// text the user typed. Errors without attempts (a name that does not
/// resolve, bad input) keep the library's own message.
fn connect_failure(e: io::Error, shown: &str) -> io::Error {
    let Some(all) = e.get_ref().and_then(|i| i.downcast_ref::<ConnectError>()) else {
        return e;
    };
    if let ([(addr, why)], []) = (all.attempts(), all.untried()) {
        let head = if addr.to_string() == shown {
            format!("connect to {shown:?}")
        } else {
            format!("connect to {shown:?} ({addr})")
        };
        let why = if all.timed_out() {
            format!("timed out: {why}")
        } else {
            why.to_string()
        };
        return io::Error::new(e.kind(), format!("{head}: {why}"));
    }
    let mut parts: Vec<String> = Vec::new();
    for (addr, why) in all.attempts() {
        parts.push(format!("{addr}: {why}"));
    }
    parts.extend(
        all.untried()
            .iter()
            .map(|addr| format!("{addr}: not tried")),
    );
    let why = if all.timed_out() && all.attempts().is_empty() && all.untried().is_empty() {
        "the name was not resolved in time".to_string()
    } else if all.timed_out() {
        format!("timed out: {}", parts.join("; "))
    } else {
        parts.join("; ")
    };
    io::Error::new(e.kind(), format!("connect to {shown:?}: {why}"))
}

/// The local address to connect from when -s/-p name one: the first of
/// -s's addresses (its family then decides which of the target's are
/// tried); with -p alone, the wildcard of the target's first address's
/// family. `None` without -s and -p. Looked up before any connect, so
/// that a source that does not resolve fails as itself.
fn source_for(
    host: &str,
    port: Port,
    protocol: Protocol,
    o: &Options,
) -> Result<Option<SockAddr>, Failure> {
    let Some(sources) = sources(o)? else {
        return Ok(None);
    };
    if o.source.is_some() {
        return Ok(sources.into_iter().next());
    }
    let first = wire_addrs(host, port, o.domain, o.sock_type(), protocol)?;
    let family = first.first().map(|a| a.is_ipv6());
    Ok(sources
        .into_iter()
        .find(|s| Some(s.domain() == Some(Domain::Inet6)) == family))
}

/// The local addresses -s/-p name (every family: each target takes the
/// first of its own), or `None` without -s and -p. Looked up once, before
/// any connect, so that a source that does not resolve fails as itself.
fn sources(o: &Options) -> Result<Option<Vec<SockAddr>>, Failure> {
    if o.source.is_none() && o.source_port.is_none() {
        return Ok(None);
    }
    let (protocol, proto_name) = o.ip_protocol();
    let port = match &o.source_port {
        Some(p) => resolve_port(p, proto_name)?,
        None => Port(0),
    };
    let addrs = match &o.source {
        Some(host) => wire_addrs(host, port, o.domain, o.sock_type(), protocol)?,
        None => vec![
            SocketAddr::from(([0u16; 8], port.0)),
            SocketAddr::from(([0u8; 4], port.0)),
        ],
    };
    Ok(Some(addrs.into_iter().map(SockAddr::from).collect()))
}

/// A socket for `addr`, bound to the first of `sources` of its family when
/// -s/-p gave some, connected.
fn connect_from(
    addr: &SockAddr,
    sources: Option<&[SockAddr]>,
    o: &Options,
) -> io::Result<SocketHandle> {
    let domain = addr.domain().unwrap_or(Domain::Inet);
    let (protocol, _) = o.ip_protocol();
    let sock = new_native_socket(domain, o.sock_type(), protocol)?;
    if let Some(sources) = sources {
        let local = sources
            .iter()
            .find(|s| s.domain() == Some(domain))
            .ok_or_else(|| {
                let source = o.source.as_deref().unwrap_or_default();
                no_address(source, domain)
            })?;
        sock.bind_addr(local)
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
        connect_one(&sock, &SockAddr::unix(path)?, o).map_err(|e| {
            context(
                e,
                format_args!("connect to {:?}", path.display().to_string()),
            )
        })?;
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
    let sources = sources(o)?;
    let mut open = 0usize;
    for port in &ports {
        let addrs = resolve(&host, *port, o)?;
        let mut result = Err(io::Error::from(io::ErrorKind::NotFound));
        for addr in &addrs {
            o.detail(format_args!("trying {addr}"));
            result = connect_from(addr, sources.as_deref(), o).map(drop);
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

/// A path for a datagram client's own socket, unique to this process.
fn temp_socket_path() -> PathBuf {
    std::env::temp_dir().join(format!("nsock-{}.sock", std::process::id()))
}
