//! `nsock connect --proxy URL`: reaching HOST:PORT through a SOCKS5,
//! SOCKS4a or HTTP (`CONNECT`) proxy. The handshake runs on the
//! blocking socket to the proxy; what follows it is the relay's, as for a
//! direct connection.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use nativesockets::{new_native_socket, Domain, Port, Protocol, SockAddr, SockType, SocketHandle};

use crate::address::{split_host_port, wire_addrs};
use crate::output::context;
use crate::socks::{recv_exact, reply_text, send_all};

/// A proxy's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// SOCKS5, the name resolved here.
    Socks5,
    /// SOCKS5, the name resolved by the proxy.
    Socks5h,
    /// SOCKS4, the name resolved here (IPv4 only).
    Socks4,
    /// SOCKS4a, the name resolved by the proxy.
    Socks4a,
    /// HTTP `CONNECT`.
    Http,
}

/// A proxy: `--proxy URL` and `--proxy-auth USER:PASS` (or the URL's own
/// `USER:PASS@`).
#[derive(Debug, Clone)]
pub struct Proxy {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
    pub auth: Option<(String, String)>,
    /// The URL as given, less any password, for messages.
    pub shown: String,
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// For clap: `SCHEME://[USER:PASS@]HOST:PORT`, the scheme one of socks5,
/// socks5h, socks4, socks4a, http; the port is required.
pub fn parse_proxy(text: &str) -> Result<Proxy, String> {
    let (scheme, rest) = text.split_once("://").ok_or_else(|| {
        format!("proxy {text:?} has no scheme: write socks5h://HOST:PORT, http://HOST:PORT, ...")
    })?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "socks5" => Scheme::Socks5,
        "socks5h" => Scheme::Socks5h,
        "socks4" => Scheme::Socks4,
        "socks4a" => Scheme::Socks4a,
        "http" => Scheme::Http,
        other => {
            return Err(format!(
                "proxy {text:?}: the scheme {other:?} is unknown (socks5, socks5h, socks4, socks4a and http are)"
            ))
        }
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (auth, hostport) = match rest.rsplit_once('@') {
        Some((userinfo, hp)) => (Some(crate::socks::parse_auth(userinfo)?), hp),
        None => (None, rest),
    };
    let (host, port) = split_host_port(hostport).map_err(|e| format!("proxy {text:?}: {e}"))?;
    let Some(host) = host else {
        return Err(format!(
            "proxy {text:?} has no port: write HOST:PORT after the scheme"
        ));
    };
    let port: u16 = match port.parse() {
        Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => {
            return Err(format!(
                "proxy {text:?}: the port {port:?} is not a number from 1 to 65535"
            ))
        }
    };
    let shown_host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let shown_scheme = text.split_once("://").map_or("", |(s, _)| s);
    Ok(Proxy {
        scheme,
        host: host.to_string(),
        port,
        auth,
        shown: format!("{shown_scheme}://{shown_host}:{port}"),
    })
}

/// Connects to `host`:`port` through the proxy: the socket, blocking,
/// with the proxy's handshake done, and the destination as shown.
pub fn connect(
    p: &Proxy,
    host: &str,
    port: Port,
    domain: Domain,
    timeout: Option<Duration>,
    detail: &dyn Fn(fmt::Arguments<'_>),
) -> io::Result<(SocketHandle, String)> {
    let sock = reach(p, domain, timeout, detail)?;
    let dest = if host.contains(':') {
        format!("[{host}]:{}", port.0)
    } else {
        format!("{host}:{}", port.0)
    };
    // A handshake that stalls ends as a connect that does not finish would.
    let limit = timeout.or(Some(Duration::from_secs(30)));
    sock.set_read_timeout(limit)?;
    let result = match p.scheme {
        Scheme::Socks5 | Scheme::Socks5h => socks5(&sock, p, host, port.0, domain),
        Scheme::Socks4 | Scheme::Socks4a => socks4(&sock, p, host, port.0),
        Scheme::Http => http(&sock, p, &dest),
    };
    result.map_err(|e| context(e, format_args!("through proxy {p} to {dest}")))?;
    sock.set_read_timeout(None)?;
    Ok((sock, format!("{dest} through {p}")))
}

/// The connection to the proxy itself: every address of its host in turn.
fn reach(
    p: &Proxy,
    domain: Domain,
    timeout: Option<Duration>,
    detail: &dyn Fn(fmt::Arguments<'_>),
) -> io::Result<SocketHandle> {
    let addrs = wire_addrs(
        &p.host,
        Port(p.port),
        domain,
        SockType::Stream,
        Protocol::Tcp,
    )
    .map_err(|e| context(e, format_args!("proxy {p}")))?;
    let mut last = None;
    for a in addrs {
        detail(format_args!("trying proxy {a}"));
        let d = if a.is_ipv6() {
            Domain::Inet6
        } else {
            Domain::Inet
        };
        let sock = new_native_socket(d, SockType::Stream, Protocol::Tcp)?;
        let result = match timeout {
            Some(t) => sock.connect_timeout(&SockAddr::from(a), t),
            None => sock.connect(&SockAddr::from(a)),
        };
        match result {
            Ok(()) => return Ok(sock),
            Err(e) => {
                detail(format_args!("{a}: {e}"));
                last = Some(e);
            }
        }
    }
    Err(context(
        last.unwrap_or_else(|| io::Error::from(io::ErrorKind::NotFound)),
        format_args!("connect to proxy {p}"),
    ))
}

/// The one address `host` has here (for socks5:// and socks4://).
fn resolve_here(host: &str, port: u16, domain: Domain) -> io::Result<SocketAddr> {
    Ok(wire_addrs(host, Port(port), domain, SockType::Stream, Protocol::Tcp)?[0])
}

fn socks5(s: &SocketHandle, p: &Proxy, host: &str, port: u16, domain: Domain) -> io::Result<()> {
    if p.auth.is_some() {
        send_all(s, &[5, 2, 0, 2])?;
    } else {
        send_all(s, &[5, 1, 0])?;
    }
    let mut choice = [0u8; 2];
    recv_exact(s, &mut choice)?;
    if choice[0] != 5 {
        return Err(protocol(format!(
            "the proxy answered as SOCKS version {}",
            choice[0]
        )));
    }
    match (choice[1], &p.auth) {
        (0, _) => {}
        (2, Some((user, pass))) => {
            let mut m = vec![1, user.len() as u8];
            m.extend(user.as_bytes());
            m.push(pass.len() as u8);
            m.extend(pass.as_bytes());
            send_all(s, &m)?;
            let mut r = [0u8; 2];
            recv_exact(s, &mut r)?;
            if r[1] != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "the proxy refused the user name and password",
                ));
            }
        }
        (2, None) => {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "the proxy asks for a user name and password: give --proxy-auth USER:PASS",
            ))
        }
        _ => {
            let hint = if p.auth.is_none() {
                " (it may want a password: --proxy-auth USER:PASS)"
            } else {
                ""
            };
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("the proxy accepts none of the offered authentication methods{hint}"),
            ));
        }
    }
    let mut req = vec![5, 1, 0];
    let ip = host.parse::<IpAddr>().ok();
    match (ip, p.scheme) {
        (Some(ip), _) => push_ip(&mut req, ip),
        (None, Scheme::Socks5h) => {
            let name = host.as_bytes();
            if name.len() > 255 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("host name {host:?} is longer than SOCKS5's 255 bytes"),
                ));
            }
            req.push(3);
            req.push(name.len() as u8);
            req.extend(name);
        }
        (None, _) => push_ip(&mut req, resolve_here(host, port, domain)?.ip()),
    }
    req.extend(port.to_be_bytes());
    send_all(s, &req)?;
    let mut head = [0u8; 4];
    recv_exact(s, &mut head)?;
    if head[1] != 0 {
        let kind = match head[1] {
            5 => io::ErrorKind::ConnectionRefused,
            2 => io::ErrorKind::PermissionDenied,
            _ => io::ErrorKind::Other,
        };
        return Err(io::Error::new(
            kind,
            format!("{} (SOCKS5 reply {})", reply_text(head[1]), head[1]),
        ));
    }
    let rest = match head[3] {
        1 => 6,
        4 => 18,
        3 => {
            let mut len = [0u8; 1];
            recv_exact(s, &mut len)?;
            usize::from(len[0]) + 2
        }
        t => return Err(protocol(format!("the proxy's reply has address type {t}"))),
    };
    let mut bound = vec![0u8; rest];
    recv_exact(s, &mut bound)
}

fn push_ip(req: &mut Vec<u8>, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            req.push(1);
            req.extend(v4.octets());
        }
        IpAddr::V6(v6) => {
            req.push(4);
            req.extend(v6.octets());
        }
    }
}

fn socks4(s: &SocketHandle, p: &Proxy, host: &str, port: u16) -> io::Result<()> {
    let mut req = vec![4, 1];
    req.extend(port.to_be_bytes());
    let ip = host.parse::<IpAddr>().ok();
    let name = match (ip, p.scheme) {
        (Some(IpAddr::V4(v4)), _) => {
            req.extend(v4.octets());
            None
        }
        (Some(IpAddr::V6(_)), _) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "SOCKS4 cannot reach an IPv6 address: use socks5:// or socks5h://",
            ))
        }
        (None, Scheme::Socks4a) => {
            req.extend([0, 0, 0, 1]);
            Some(host)
        }
        (None, _) => match resolve_here(host, port, Domain::Inet)?.ip() {
            IpAddr::V4(v4) => {
                req.extend(v4.octets());
                None
            }
            IpAddr::V6(_) => unreachable!("asked for IPv4 addresses only"),
        },
    };
    if let Some((user, _)) = &p.auth {
        req.extend(user.as_bytes());
    }
    req.push(0);
    if let Some(name) = name {
        req.extend(name.as_bytes());
        req.push(0);
    }
    send_all(s, &req)?;
    let mut r = [0u8; 8];
    recv_exact(s, &mut r)?;
    if r[1] != 0x5a {
        return Err(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            format!(
                "the proxy rejected or failed the request (SOCKS4 reply {:#x})",
                r[1]
            ),
        ));
    }
    Ok(())
}

fn http(s: &SocketHandle, p: &Proxy, dest: &str) -> io::Result<()> {
    let mut req = format!("CONNECT {dest} HTTP/1.1\r\nHost: {dest}\r\n");
    if let Some((user, pass)) = &p.auth {
        let token = base64(format!("{user}:{pass}").as_bytes());
        req.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    req.push_str("\r\n");
    send_all(s, req.as_bytes())?;
    // Byte by byte, so that nothing past the header is taken from the
    // stream the relay reads next.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err(protocol(
                "the proxy's answer has a header over 16 KiB".to_string(),
            ));
        }
        let mut b = [0u8; 1];
        recv_exact(s, &mut b)?;
        head.push(b[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let status = text.lines().next().unwrap_or_default().trim().to_string();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if !code.starts_with('2') {
        let kind = if code == "407" {
            io::ErrorKind::PermissionDenied
        } else {
            io::ErrorKind::ConnectionRefused
        };
        return Err(io::Error::new(
            kind,
            format!("the proxy answered {status:?}"),
        ));
    }
    Ok(())
}

fn protocol(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Standard base64 with padding (RFC 4648), for Basic authentication.
fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_and_bad_ones_name_themselves() {
        let p = parse_proxy("socks5h://127.0.0.1:1080").unwrap();
        assert_eq!(
            (p.scheme, p.host.as_str(), p.port),
            (Scheme::Socks5h, "127.0.0.1", 1080)
        );
        let p = parse_proxy("http://u:pw@[::1]:3128/").unwrap();
        assert_eq!(p.scheme, Scheme::Http);
        assert_eq!(p.host, "::1");
        assert_eq!(p.auth, Some(("u".into(), "pw".into())));
        assert_eq!(p.to_string(), "http://[::1]:3128");
        for (text, needle) in [
            ("ftp://h:1", "\"ftp\" is unknown"),
            ("socks5://h", "no port"),
            ("h:1080", "no scheme"),
            ("socks5://h:0", "not a number from 1 to 65535"),
            ("socks5://h:x", "\"x\""),
        ] {
            let err = parse_proxy(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn base64_pads_as_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    }
}
