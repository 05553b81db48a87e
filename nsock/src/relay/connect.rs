//! `nsock connect`: to a host (every address in turn), a Unix-domain
//! socket, or, with -z, only checking which ports accept a connection.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use nativesockets::{
    get_serv_by_port, new_native_socket, Domain, Port, Protocol, SockAddr, SockType, SocketHandle,
};

use super::datagram::datagrams;
use super::pump::Relay;
use super::stream::stream_session;
use super::{Options, RemoveOnDrop};
use crate::address::{parse_port_list, resolve_port, split_host_port, wire_addrs};
use crate::output::{context, Failure};

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
    let (protocol, _) = o.ip_protocol();
    let addrs = wire_addrs(host, port, o.domain, o.sock_type(), protocol)?;
    Ok(addrs.into_iter().map(SockAddr::from).collect())
}

/// Resolves the target and connects to the first address that answers
/// (or has the proxy do so).
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
            Some(host) => {
                SockAddr::from(wire_addrs(host, port, domain, o.sock_type(), protocol)?[0])
            }
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

/// A path for a datagram client's own socket, unique to this process.
fn temp_socket_path() -> PathBuf {
    std::env::temp_dir().join(format!("nsock-{}.sock", std::process::id()))
}
