//! Parsing what the user types: port lists (`22,80,8000-8100`),
//! `HOST:PORT`, `[ADDR:]PORT`, a port given by number or service name, and
//! the addresses of a host that the family flags allow.
//!
//! The parsers that clap calls return a `String` error naming the bad
//! part, which clap prints as a usage error (exit code 2).

use std::io;

use std::net::SocketAddr;

use nativesockets::{get_addr_info, get_serv_by_name, Domain, Port, Protocol, SockType};

/// The ports of a scan, ascending and without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortList(pub Vec<u16>);

/// Parses `22,80,8000-8100`: numbers and inclusive ranges of ports 1 to
/// 65535, separated by commas (spaces around items are allowed).
pub fn parse_port_list(text: &str) -> Result<PortList, String> {
    let mut ports = Vec::new();
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err("empty item in the port list (two commas, or one at an end)".into());
        }
        match item.split_once('-') {
            Some((start, end)) => {
                let (start, end) = (start.trim(), end.trim());
                if start.is_empty() || end.is_empty() {
                    let missing = if start.is_empty() { "start" } else { "end" };
                    return Err(format!("range {item:?}: no {missing}"));
                }
                let (start, end) = (scan_port(start)?, scan_port(end)?);
                if start > end {
                    return Err(format!(
                        "range {item:?}: backwards ({start} is above {end})"
                    ));
                }
                ports.extend(start..=end);
            }
            None => ports.push(scan_port(item)?),
        }
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(PortList(ports))
}

/// A port a connect scan can try: 1 to 65535 (port 0 cannot be connected to).
fn scan_port(text: &str) -> Result<u16, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {text:?}: not a number"));
    }
    match text.parse::<u32>() {
        Ok(n @ 1..=65535) => Ok(n as u16),
        _ => Err(format!("port {text:?}: out of range (1-65535)")),
    }
}

/// A port given by number (`0` to `65535`) or by service name, looked up
/// in the services database for `proto` (`"tcp"` or `"udp"`).
///
/// # Errors
/// `InvalidInput` for a number out of range, the lookup's `NotFound` for
/// an unknown service.
pub fn resolve_port(text: &str, proto: &str) -> io::Result<Port> {
    let list_like = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b',');
    if list_like && text.bytes().any(|b| b == b'-' || b == b',') {
        // Service names may hold a '-', but none is digits and dashes.
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{text:?} is not a port: one port is a number (0 to 65535) or a service name; ranges and lists are for scan and connect -z"),
        ));
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u16>() {
            Ok(n) => Ok(Port(n)),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("port {text:?}: out of range (0-65535)"),
            )),
        };
    }
    get_serv_by_name(text, proto).map(|s| s.port)
}

/// Whether a resolved address is one the family flags allow on the wire:
/// with `-6` (`Domain::Inet6`), IPv6 addresses only, not the IPv4-mapped
/// `::ffff:a.b.c.d` the resolver adds for an IPv4-only name (which would
/// reach the host over IPv4).
pub fn on_wire(domain: Domain, addr: &SocketAddr) -> bool {
    match (domain, addr) {
        (Domain::Inet6, SocketAddr::V6(v6)) => v6.ip().to_ipv4_mapped().is_none(),
        (Domain::Inet6, SocketAddr::V4(_)) => false,
        (Domain::Inet, a) => a.is_ipv4(),
        _ => true,
    }
}

/// The error for a host that has no address of the family asked for.
pub fn no_address(host: &str, domain: Domain) -> io::Error {
    let what = match domain {
        Domain::Inet6 => "no IPv6 address (-6 asks for IPv6 addresses only)",
        Domain::Inet => "no IPv4 address",
        _ => "no IP address",
    };
    io::Error::new(io::ErrorKind::NotFound, format!("host {host:?}: {what}"))
}

/// TCP or, with `udp`, UDP: the socket type, the protocol, and the
/// protocol's name in the services database.
pub fn ip_transport(udp: bool) -> (SockType, Protocol, &'static str) {
    if udp {
        (SockType::Dgram, Protocol::Udp, "udp")
    } else {
        (SockType::Stream, Protocol::Tcp, "tcp")
    }
}

/// The addresses of `host` on `port` that `domain` allows on the wire
/// (see [`on_wire`]), each once, in the resolver's order; never empty.
///
/// # Errors
/// The resolver's error, or [`no_address`]'s when none is left.
pub fn wire_addrs(
    host: &str,
    port: Port,
    domain: Domain,
    sock_type: SockType,
    protocol: Protocol,
) -> io::Result<Vec<SocketAddr>> {
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for ai in &get_addr_info(host, port, domain, sock_type, protocol)? {
        if let Some(a) = ai.socket_addr() {
            if on_wire(domain, &a) && !addrs.contains(&a) {
                addrs.push(a);
            }
        }
    }
    if addrs.is_empty() {
        return Err(no_address(host, domain));
    }
    Ok(addrs)
}

/// Splits `HOST:PORT`, `[IPV6]:PORT`, `:PORT` or `PORT` into an optional
/// host and the port text. An IPv6 address needs its brackets, as in a
/// URL, because its colons would make the port ambiguous.
pub fn split_host_port(text: &str) -> Result<(Option<&str>, &str), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{text:?}: '[' without its ']'"))?;
        let port = after
            .strip_prefix(':')
            .ok_or_else(|| format!("{text:?}: missing port: write [{host}]:PORT"))?;
        return non_empty(text, Some(host), port);
    }
    match text.rsplit_once(':') {
        Some((host, _)) if host.contains(':') => Err(format!(
            "{text:?}: ambiguous: write an IPv6 address in brackets, as in [::1]:80"
        )),
        Some(("", port)) => non_empty(text, None, port),
        Some((host, port)) => non_empty(text, Some(host), port),
        None => non_empty(text, None, text),
    }
}

/// For clap: checks `[ADDR:]PORT` (as `listen` takes it).
pub fn listen_address(text: &str) -> Result<String, String> {
    split_host_port(text).map(|_| text.to_string())
}

fn non_empty<'a>(
    text: &str,
    host: Option<&'a str>,
    port: &'a str,
) -> Result<(Option<&'a str>, &'a str), String> {
    if port.is_empty() {
        return Err(format!("{text:?}: missing port"));
    }
    if host == Some("") {
        return Err(format!("{text:?}: empty host"));
    }
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lists_are_sorted_and_deduplicated() {
        let list = parse_port_list("80, 22,8000-8002,81-80,22").unwrap_err();
        assert!(list.contains("backwards"), "{list}");
        let list = parse_port_list("80, 22,8000-8002,79-80,22").unwrap();
        assert_eq!(list.0, vec![22, 79, 80, 8000, 8001, 8002]);
        assert_eq!(parse_port_list("1-65535").unwrap().0.len(), 65535);
    }

    #[test]
    fn bad_port_lists_name_the_bad_item() {
        for (text, needle) in [
            ("90000", "port \"90000\": out of range (1-65535)"),
            ("0", "port \"0\": out of range"),
            ("10-5", "range \"10-5\": backwards"),
            ("http", "port \"http\": not a number"),
            ("22,,80", "empty item"),
            ("22,", "empty item"),
            ("-5", "range \"-5\": no start"),
            ("5-", "range \"5-\": no end"),
            ("-", "range \"-\": no start"),
            ("1-2-3", "port \"2-3\": not a number"),
            ("99999999999999999999", "out of range"),
            ("+80", "port \"+80\": not a number"),
        ] {
            let err = parse_port_list(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn host_port_splits_ipv4_names_and_bracketed_ipv6() {
        assert_eq!(
            split_host_port("localhost:80"),
            Ok((Some("localhost"), "80"))
        );
        assert_eq!(split_host_port("[::1]:http"), Ok((Some("::1"), "http")));
        assert_eq!(split_host_port(":8080"), Ok((None, "8080")));
        assert_eq!(split_host_port("8080"), Ok((None, "8080")));
        assert!(split_host_port("::1:80").unwrap_err().contains("brackets"));
        assert_eq!(
            split_host_port("[::1]").unwrap_err(),
            "\"[::1]\": missing port: write [::1]:PORT"
        );
        assert!(split_host_port("[::1:80").unwrap_err().contains("']'"));
        assert!(split_host_port("host:")
            .unwrap_err()
            .contains("missing port"));
        assert!(split_host_port("[]:80").unwrap_err().contains("empty host"));
    }

    #[test]
    fn ports_resolve_by_number_and_reject_out_of_range_numbers() {
        assert_eq!(resolve_port("8080", "tcp").unwrap(), Port(8080));
        assert_eq!(resolve_port("0", "tcp").unwrap(), Port(0));
        let err = resolve_port("70000", "tcp").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("70000"));
    }
}
