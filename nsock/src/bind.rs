//! Listening sockets on every address of `[ADDR:]PORT`, for `listen`
//! and `listen --broker`.

use std::io;
use std::net::SocketAddr;

use nativesockets::{new_native_socket, Domain, SockAddr, SocketHandle, SOMAXCONN};

use crate::address::{ip_transport, resolve_port, split_host_port, wire_addrs};
use crate::output::{context, note, Failure};

/// Binds (and for TCP, listens on) every address `[ADDR:]PORT` names, of
/// the family `domain` allows: every interface when there is no host, each
/// address of a name. With port 0, the port picked for the first address is
/// asked for the others, so that one port number serves every family. An
/// address that fails while another was bound is reported (unless `quiet`)
/// and skipped.
pub fn bind_all(
    address: &str,
    domain: Domain,
    udp: bool,
    quiet: bool,
) -> Result<Vec<SocketHandle>, Failure> {
    let (host, port) = split_host_port(address).map_err(Failure::usage)?;
    let (sock_type, protocol, proto_name) = ip_transport(udp);
    let port = resolve_port(port, proto_name).map_err(|e| match host {
        // A lone word that is no service is a host without its port
        // (`listen localhost`), as connect says of its lone word.
        None if e.kind() == io::ErrorKind::NotFound => Failure::usage(format!(
            "{address:?}: missing port: write [ADDR:]PORT (no service is named {port:?})"
        )),
        _ => Failure::from(e),
    })?;
    let addrs = match host {
        Some(host) => wire_addrs(host, port, domain, sock_type, protocol)?,
        None => {
            let mut any = Vec::new();
            if domain != Domain::Inet {
                any.push(SocketAddr::from(([0u16; 8], port.0)));
            }
            if domain != Domain::Inet6 {
                any.push(SocketAddr::from(([0u8; 4], port.0)));
            }
            any
        }
    };
    let mut bound: Vec<SocketHandle> = Vec::new();
    let mut first_err = None;
    for mut addr in addrs {
        if addr.port() == 0 {
            if let Some(p) = bound.first().and_then(|s| s.local_addr().ok()?.port()) {
                addr.set_port(p.0);
            }
        }
        match bind_one(addr, udp) {
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
            if !quiet {
                note(format_args!("skipped: {e}"));
            }
            Ok(bound)
        }
        None => Ok(bound),
    }
}

fn bind_one(addr: SocketAddr, udp: bool) -> io::Result<SocketHandle> {
    let domain = if addr.is_ipv6() {
        Domain::Inet6
    } else {
        Domain::Inet
    };
    let (sock_type, protocol, _) = ip_transport(udp);
    let sock = new_native_socket(domain, sock_type, protocol)?;
    if addr.is_ipv6() {
        // So that [::] and 0.0.0.0 can both be bound to one port.
        sock.set_only_v6(true)?;
    }
    if !udp && cfg!(unix) {
        // As std does: a restarted server may reuse its port at once. Not
        // on Windows, where SO_REUSEADDR lets another socket take the port.
        sock.set_reuse_address(true)?;
    }
    sock.bind_addr(&SockAddr::from(addr))?;
    if !udp {
        sock.listen(SOMAXCONN)?;
    }
    Ok(sock)
}
