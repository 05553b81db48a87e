//! The name-database commands: `serv`, `host`, `addrinfo`, `proto` and
//! `hostname`.

use std::io;
use std::net::IpAddr;

use nativesockets::{
    get_addr_info, get_addr_string, get_host_by_addr, get_host_by_name, get_hostname,
    get_proto_by_name, get_serv_by_name, get_serv_by_port, Domain, Hostent, Port, Protocol,
    Servent, SockType,
};

use crate::address;
use crate::json::Json;
use crate::output::{emit, Failure};

pub const SERV_JSON: &str = "\
JSON (--json): an array with one object per entry found:
  [{\"name\": \"http\", \"aliases\": [\"www\"], \"port\": 80, \"proto\": \"tcp\"}]

Without -p, the tcp and the udp entries are shown (or, when neither \
exists, the first entry of any protocol). Exit code 1 when there is none.";

pub const HOST_JSON: &str = "\
JSON (--json): one object:
  {\"name\": \"localhost\", \"aliases\": [], \"addrtype\": \"inet\", \"length\": 4,
   \"addresses\": [\"127.0.0.1\"]}
addrtype is \"inet\" or \"inet6\", length the byte length of one address (4 or 16).

A name gives the addresses of one family (IPv4 if it has any); `nsock addrinfo` \
shows every family. Exit code 1 when the host is not found.";

pub const ADDRINFO_JSON: &str = "\
JSON (--json): an array with one object per getaddrinfo entry, in its order:
  [{\"family\": \"inet\", \"type\": \"stream\", \"protocol\": \"tcp\",
    \"address\": \"127.0.0.1\", \"port\": 80, \"canonical_name\": \"localhost\"}]
family is inet, inet6 or unix (or the number, as text, of another family); type is \
stream, dgram, raw or seqpacket and protocol tcp, udp, ip, ipv6, raw, icmp or icmpv6 \
(or the number, as text); canonical_name is null except on the first entry.";

pub const PROTO_JSON: &str = "\
JSON (--json): one object: {\"name\": \"tcp\", \"number\": 6}";

pub const HOSTNAME_JSON: &str = "\
JSON (--json): one object: {\"hostname\": \"myhost\"}";

/// `nsock serv NAME|PORT [-p PROTO]`.
pub fn serv(service: &str, proto: Option<&str>, json: bool) -> Result<(), Failure> {
    let by_port = !service.is_empty() && service.bytes().all(|b| b.is_ascii_digit());
    let port = if by_port {
        Some(address::resolve_port(service, "")?)
    } else {
        None
    };
    let lookup = |proto: &str| match port {
        Some(port) => get_serv_by_port(port, proto),
        None => get_serv_by_name(service, proto),
    };
    let protos: &[&str] = match proto {
        Some(p) => &[p][..],
        None => &["tcp", "udp"],
    };
    let mut found = Vec::new();
    let mut last_err = None;
    for p in protos {
        match lookup(p) {
            Ok(entry) => found.push(entry),
            Err(e) if e.kind() == io::ErrorKind::NotFound => last_err = Some(e),
            Err(e) => return Err(e.into()),
        }
    }
    if found.is_empty() && proto.is_none() {
        // Names such as sctp-only or ddp services: the first entry of any
        // protocol, as C's getservbyname(name, NULL) gives.
        match lookup("") {
            Ok(entry) => found.push(entry),
            Err(e) => last_err = Some(e),
        }
    }
    if found.is_empty() {
        let err = last_err.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("service {service:?}: not found"),
            )
        });
        return Err(err.into());
    }
    if json {
        return emit(format_args!(
            "{}\n",
            Json::Arr(found.iter().map(servent_json).collect())
        ));
    }
    let mut text = String::new();
    for s in &found {
        let line = format!(
            "{:<15} {:>5}/{:<4} {}",
            s.name,
            s.port,
            s.proto,
            s.aliases.join(" ")
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    emit(text)
}

fn servent_json(s: &Servent) -> Json {
    Json::Obj(vec![
        ("name", Json::str(&s.name)),
        ("aliases", Json::strs(&s.aliases)),
        ("port", Json::from(s.port.0)),
        ("proto", Json::str(&s.proto)),
    ])
}

/// `nsock host NAME|IP`.
pub fn host(host: &str, json: bool) -> Result<(), Failure> {
    let entry = if host.parse::<IpAddr>().is_ok() {
        get_host_by_addr(host)?
    } else {
        get_host_by_name(host)?
    };
    if json {
        return emit(format_args!("{}\n", hostent_json(&entry)));
    }
    let aliases = if entry.aliases.is_empty() {
        "(none)".to_string()
    } else {
        entry.aliases.join(" ")
    };
    let mut text = format!(
        "name:      {}\naliases:   {}\naddrtype:  {} ({}-byte addresses)\n",
        entry.name,
        aliases,
        domain_name(entry.addrtype),
        entry.length
    );
    for addr in &entry.addr_list {
        text.push_str(&format!("address:   {addr}\n"));
    }
    emit(text)
}

fn hostent_json(h: &Hostent) -> Json {
    Json::Obj(vec![
        ("name", Json::str(&h.name)),
        ("aliases", Json::strs(&h.aliases)),
        ("addrtype", Json::str(domain_name(h.addrtype))),
        ("length", Json::from(h.length)),
        (
            "addresses",
            Json::strs(h.addr_list.iter().map(|a| a.to_string())),
        ),
    ])
}

/// What `nsock addrinfo` asks.
pub struct AddrinfoQuery<'a> {
    pub host: &'a str,
    pub port: Option<&'a str>,
    pub domain: Domain,
    pub udp: bool,
    pub raw: bool,
    pub json: bool,
}

/// `nsock addrinfo HOST [PORT] [-4|-6] [--udp|--raw]`.
pub fn addrinfo(q: &AddrinfoQuery<'_>) -> Result<(), Failure> {
    let (sock_type, protocol, proto_name) = if q.udp {
        (SockType::Dgram, Protocol::Udp, "udp")
    } else if q.raw {
        // Protocol 0: any raw protocol; the resolver fills in none.
        (SockType::Raw, Protocol::Ip, "")
    } else {
        (SockType::Stream, Protocol::Tcp, "tcp")
    };
    let port = match q.port {
        Some(p) => address::resolve_port(p, proto_name)?,
        None => Port(0),
    };
    let list = get_addr_info(q.host, port, q.domain, sock_type, protocol)?;
    let rows: Vec<[String; 6]> = list
        .iter()
        .map(|ai| {
            let addr = ai.addr();
            [
                ai.domain()
                    .map_or_else(|| ai.family().to_string(), |d| domain_name(d).into()),
                ai.sock_type().map_or_else(
                    || ai.raw_sock_type().to_string(),
                    |t| sock_type_name(t).into(),
                ),
                ai.protocol().map_or_else(
                    || ai.raw_protocol().to_string(),
                    |p| protocol_name(p).into(),
                ),
                get_addr_string(&addr).unwrap_or_else(|_| addr.to_string()),
                addr.port().map_or_else(String::new, |p| p.to_string()),
                ai.canonical_name().unwrap_or("").to_string(),
            ]
        })
        .collect();
    if q.json {
        let entries = rows
            .iter()
            .map(|[family, ty, proto, address, port, canon]| {
                Json::Obj(vec![
                    ("family", Json::str(family)),
                    ("type", Json::str(ty)),
                    ("protocol", Json::str(proto)),
                    ("address", Json::str(address)),
                    ("port", port.parse::<u16>().map_or(Json::Null, Json::from)),
                    (
                        "canonical_name",
                        Json::opt_str(Some(canon).filter(|c| !c.is_empty())),
                    ),
                ])
            })
            .collect();
        return emit(format_args!("{}\n", Json::Arr(entries)));
    }
    let header = [
        "FAMILY",
        "TYPE",
        "PROTOCOL",
        "ADDRESS",
        "PORT",
        "CANONICAL NAME",
    ]
    .map(String::from);
    emit(table(std::iter::once(&header).chain(&rows)))
}

/// Left-aligned columns two spaces apart, trailing spaces trimmed.
fn table<'a, const N: usize>(rows: impl Iterator<Item = &'a [String; N]> + Clone) -> String {
    let mut widths = [0usize; N];
    for row in rows.clone() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (cell, w) in row.iter().zip(widths) {
            line.push_str(&format!("{cell:<w$}  "));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `nsock proto NAME`.
pub fn proto(name: &str, json: bool) -> Result<(), Failure> {
    let number = get_proto_by_name(name)?;
    if json {
        return emit(format_args!(
            "{}\n",
            Json::Obj(vec![
                ("name", Json::str(name)),
                ("number", Json::from(number))
            ])
        ));
    }
    emit(format_args!("{name} {number}\n"))
}

/// `nsock hostname`.
pub fn hostname(json: bool) -> Result<(), Failure> {
    let name = get_hostname()?;
    if json {
        return emit(format_args!(
            "{}\n",
            Json::Obj(vec![("hostname", Json::str(name))])
        ));
    }
    emit(format_args!("{name}\n"))
}

fn domain_name(d: Domain) -> &'static str {
    match d {
        Domain::Unspec => "unspec",
        Domain::Unix => "unix",
        Domain::Inet => "inet",
        Domain::Inet6 => "inet6",
    }
}

fn sock_type_name(t: SockType) -> &'static str {
    match t {
        SockType::Stream => "stream",
        SockType::Dgram => "dgram",
        SockType::Raw => "raw",
        SockType::SeqPacket => "seqpacket",
    }
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Ip => "ip",
        Protocol::Ipv6 => "ipv6",
        Protocol::Raw => "raw",
        Protocol::Icmp => "icmp",
        Protocol::Icmpv6 => "icmpv6",
    }
}
