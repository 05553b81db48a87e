//! What `forward` and `socks` share as servers: where they listen (the
//! loopback addresses unless told otherwise), their listening sockets
//! (one set per thread with `SO_REUSEPORT` on Linux), the warning for an
//! open proxy, and accepting without an error line per failed accept.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use nativesockets::{new_native_socket, Domain, Protocol, SockAddr, SocketHandle, SOMAXCONN};

use crate::access::Access;
use crate::address::{ip_transport, resolve_port, split_host_port, wire_addrs};
use crate::output::{context, note, warn, Failure};

pub mod accept;

/// Where a server listens, resolved, nothing bound yet.
pub struct Place {
    pub addrs: Vec<SocketAddr>,
    /// No address was given: the loopback addresses were picked.
    pub loopback_default: bool,
}

/// Resolves `[ADDR:]PORT`: a bare `PORT` is the loopback addresses
/// (127.0.0.1 and ::1) only, `:PORT` every interface, `ADDR:PORT` the
/// addresses ADDR names; of the families `domain` allows.
pub fn place(text: &str, domain: Domain, udp: bool) -> Result<Place, Failure> {
    let (host, port) = split_host_port(text).map_err(Failure::usage)?;
    let (sock_type, protocol, proto_name) = ip_transport(udp);
    let port = resolve_port(port, proto_name)?.0;
    let bare = host.is_none() && !text.starts_with(':');
    let pick = |v4: IpAddr, v6: IpAddr| {
        let mut v = Vec::new();
        if domain != Domain::Inet6 {
            v.push(SocketAddr::new(v4, port));
        }
        if domain != Domain::Inet {
            v.push(SocketAddr::new(v6, port));
        }
        v
    };
    let addrs = match host {
        Some(host) => wire_addrs(host, nativesockets::Port(port), domain, sock_type, protocol)?,
        None if bare => pick(Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()),
        None => pick(Ipv4Addr::UNSPECIFIED.into(), Ipv6Addr::UNSPECIFIED.into()),
    };
    Ok(Place {
        addrs,
        loopback_default: bare,
    })
}

/// Binds (and for TCP, listens on) every address of `place`; with port
/// 0 the port picked for the first is asked for the others. An address
/// that fails while another was bound is skipped (typically ::1 on a
/// machine without IPv6), said on stderr unless `quiet`. The addresses
/// actually bound are written back to `place`, so that more sets can be
/// bound on the same ports (with `reuse_port`).
pub fn bind(
    place: &mut Place,
    udp: bool,
    reuse_port: bool,
    quiet: bool,
) -> Result<Vec<SocketHandle>, Failure> {
    let mut bound = Vec::new();
    let mut kept = Vec::new();
    let mut first_err = None;
    for mut addr in place.addrs.iter().copied() {
        if addr.port() == 0 {
            if let Some(p) = kept.first().map(SocketAddr::port) {
                addr.set_port(p);
            }
        }
        match bind_one(addr, udp, reuse_port) {
            Ok(sock) => {
                let actual = sock
                    .local_addr()
                    .ok()
                    .and_then(|a| a.as_socket_addr())
                    .unwrap_or(addr);
                kept.push(actual);
                bound.push(sock);
            }
            Err(e) => {
                first_err.get_or_insert(context(e, format_args!("listen on {addr}")));
            }
        }
    }
    match first_err {
        Some(e) if bound.is_empty() => return Err(e.into()),
        Some(e) if !quiet => note(format_args!("skipped: {e}")),
        _ => {}
    }
    place.addrs = kept;
    Ok(bound)
}

fn bind_one(addr: SocketAddr, udp: bool, reuse_port: bool) -> io::Result<SocketHandle> {
    let domain = if addr.is_ipv6() {
        Domain::Inet6
    } else {
        Domain::Inet
    };
    let (sock_type, protocol, _) = ip_transport(udp);
    let sock = new_native_socket(domain, sock_type, protocol)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    if !udp && cfg!(unix) {
        sock.set_reuse_address(true)?;
    }
    #[cfg(target_os = "linux")]
    if reuse_port {
        sock.set_reuse_port(true)?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = reuse_port;
    sock.bind_addr(&SockAddr::from(addr))?;
    if !udp {
        sock.listen(SOMAXCONN)?;
    }
    sock.set_blocking(false)?;
    Ok(sock)
}

/// A Unix-domain stream listener at `path`, non-blocking, and the guard
/// that removes its file when the server ends.
pub fn bind_unix(path: &std::path::Path) -> Result<(SocketHandle, RemoveOnDrop), Failure> {
    let sock = new_native_socket(Domain::Unix, nativesockets::SockType::Stream, Protocol::Ip)?;
    sock.bind_addr(&SockAddr::unix(path)?)
        .map_err(|e| context(e, format_args!("listen on {}", path.display())))?;
    let guard = RemoveOnDrop(path.to_path_buf());
    sock.listen(SOMAXCONN)?;
    sock.set_blocking(false)?;
    Ok((sock, guard))
}

/// Removes a socket file this process created when the server ends.
pub struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Says where the server listens, and, once, what the safe defaults
/// imply: the loopback addresses only when no address was given, or, for
/// a server reachable from elsewhere that neither `--allow` nor a
/// password limits, that anyone who can reach it may use it.
pub fn announce(what: &str, place: &Place, access: &Access, auth: bool, quiet: bool) {
    let shown: Vec<String> = place.addrs.iter().map(SocketAddr::to_string).collect();
    if !quiet {
        note(format_args!("{what} listening on {}", shown.join(" and ")));
    }
    if place.loopback_default {
        if !quiet {
            note(format_args!(
                "{what}: loopback only, as no address was given; write :PORT (every interface) or ADDR:PORT to listen elsewhere"
            ));
        }
        return;
    }
    let open = place.addrs.iter().any(|a| !a.ip().is_loopback());
    if open && !access.restricted() && !auth {
        warn(format_args!(
            "{what} on {} has neither --allow nor --auth: anyone who can reach it may use it (an open proxy)",
            shown.join(" and ")
        ));
    }
}

/// How many threads a server runs: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(64))
}
