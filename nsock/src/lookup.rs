//! The name-database commands: `serv`, `host`, `addrinfo`, `proto` and
//! `hostname`.

use std::io;

use nativesockets::{
    get_addr_info, get_addr_string, get_host_by_addr, get_host_by_name, get_hostname,
    get_protoent_by_name, get_protoent_by_number, get_serv_by_name, get_serv_by_port,
    parse_ip_text, read_hosts_file, read_protocols_file, Domain, Hostent, Port, Protocol, Protoent,
    Servent, ServicesDb, ServicesFile, SockType,
};

use crate::address;
use crate::json::Json;
use crate::output::{emit, or_empty, Failure};

pub const SERV_JSON: &str = "\
JSON (--json): an array with one object per entry found:
  [{\"name\": \"http\", \"aliases\": [\"www\"], \"port\": 80, \"proto\": \"tcp\"}]

A key is NAME, PORT, NAME/PROTO or PORT/PROTO (getent's syntax). Without \
a protocol, every protocol's entry is shown (tcp, udp, sctp, ...: getent \
shows the first one only). Without a key, the whole services database is \
listed (only -p's protocol, with -p; a protocol neither the services nor \
the protocols database knows is an error). Exit code 1 when a key is not \
found (the others are still shown; with --json, [] when none is).";

pub const HOST_JSON: &str = "\
JSON (--json): for one key, one object:
  {\"name\": \"localhost\", \"aliases\": [], \"addrtype\": \"inet\", \"length\": 4,
   \"addresses\": [\"127.0.0.1\"]}
for several keys or none, an array of such objects.
addrtype is \"inet\" or \"inet6\", length the byte length of one address (4 or 16).

A name gives the addresses of one family (IPv4 if it has any); `nsock addrinfo` \
shows every family. Numeric text in any form (127.1, fe80::1%lo) is looked up \
by address. Without a key, the hosts file is listed, a line an entry, as \
`getent hosts` lists it. Exit code 1 when a host is not found (the others \
are still shown; with --json and one key, null).";

pub const ADDRINFO_JSON: &str = "\
JSON (--json): an array with one object per getaddrinfo entry, in its order:
  [{\"family\": \"inet\", \"type\": \"stream\", \"protocol\": \"tcp\",
    \"address\": \"127.0.0.1\", \"port\": 80, \"canonical_name\": \"localhost\"}]
family is inet, inet6 or unix (or the number, as text, of another family); type is \
stream, dgram, raw or seqpacket and protocol tcp, udp, ip, ipv6, raw, icmp or icmpv6 \
(or the number, as text); canonical_name is null except on the first entry.

Without --tcp, --udp or --raw, the stream, datagram and raw entries of each \
address are shown, as `getent ahosts` shows them. With -6, IPv4-mapped \
addresses (::ffff:a.b.c.d) are left out: -6 means IPv6 addresses only (getent \
ahostsv6 shows them). An IPv6 address keeps its scope, as a number in \
ADDRESS (fe80::1%1) and as given in CANONICAL NAME (fe80::1%lo). With \
--json, a lookup that fails prints [] (and the error on stderr).";

pub const PROTO_JSON: &str = "\
JSON (--json): for one key, one object:
  {\"name\": \"tcp\", \"number\": 6, \"aliases\": [\"TCP\"]}
for several keys or none, an array of such objects.

The text is getent's: canonical name, number, aliases. A key is a name, an \
alias or a number; without a key, the protocols file is listed. Exit code 1 \
when a key is not found (the others are still shown; with --json and one \
key, null).";

pub const HOSTNAME_JSON: &str = "\
JSON (--json): one object: {\"hostname\": \"myhost\"} (null if it cannot be read)";

/// `nsock serv [NAME|PORT[/PROTO]...] [-p PROTO]`.
pub fn serv(keys: &[String], proto: Option<&str>, json: bool) -> Result<(), Failure> {
    let db = ServicesFile::system().db();
    let mut found: Vec<Servent> = Vec::new();
    let mut failure = None;
    if let (Some(p), true) = (proto, keys.is_empty()) {
        // A protocol no service uses and the protocols database does not
        // know is a mistake, not an empty list.
        if !db.iter().any(|s| s.proto == p) {
            if let Err(e) = get_protoent_by_name(p) {
                failure = Some(Failure::from(e));
            }
        }
    }
    if keys.is_empty() && failure.is_none() {
        // The whole database, as `getent services` lists it.
        found.extend(
            db.iter()
                .filter(|s| proto.is_none_or(|p| s.proto == p))
                .cloned(),
        );
    }
    for key in keys {
        match serv_entries(key, proto, &db) {
            Ok(entries) => found.extend(entries),
            Err(f) => {
                failure.get_or_insert(f);
            }
        }
    }
    // With --json, the array even when nothing was found: `[]`.
    if !found.is_empty() || failure.is_none() || json_anyway(json, &failure) {
        if json {
            emit(format_args!(
                "{}\n",
                Json::Arr(found.iter().map(servent_json).collect())
            ))?;
        } else {
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
            emit(text)?;
        }
    }
    failure.map_or(Ok(()), Err)
}

/// The entries of one key: `NAME`, `PORT`, `NAME/PROTO` or `PORT/PROTO`.
/// Without a protocol, every protocol's entry (each the first of that
/// protocol in file order, as the C lookup gives it), in the order the
/// protocols first appear in the file.
fn serv_entries(key: &str, proto: Option<&str>, db: &ServicesDb) -> Result<Vec<Servent>, Failure> {
    let (service, proto) = match key.split_once('/') {
        Some((service, in_key)) => match proto {
            Some(p) if p != in_key => {
                return Err(Failure::usage(format!(
                    "{key:?} names protocol {in_key:?} but -p names {p:?}"
                )))
            }
            _ => (service, Some(in_key)),
        },
        None => (key, proto),
    };
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
    if let Some(p) = proto {
        return Ok(vec![lookup(p)?]);
    }
    let mut protos: Vec<&str> = Vec::new();
    for s in db.iter() {
        let matches = match port {
            Some(port) => s.port == port,
            None => s.name == service || s.aliases.iter().any(|a| a == service),
        };
        if matches && !protos.contains(&s.proto.as_str()) {
            protos.push(&s.proto);
        }
    }
    if protos.is_empty() {
        // Not in the file: the lookup says why, naming the service.
        return Ok(vec![lookup("")?]);
    }
    protos
        .iter()
        .map(|p| lookup(p).map_err(Failure::from))
        .collect()
}

fn servent_json(s: &Servent) -> Json {
    Json::Obj(vec![
        ("name", Json::str(&s.name)),
        ("aliases", Json::strs(&s.aliases)),
        ("port", Json::from(s.port.0)),
        ("proto", Json::str(&s.proto)),
    ])
}

/// `nsock host [NAME|IP...]`.
pub fn host(keys: &[String], json: bool) -> Result<(), Failure> {
    if keys.is_empty() {
        return list_hosts(json);
    }
    let (found, failure) = look_up_each(keys, host_entry);
    if !found.is_empty() || json_anyway(json, &failure) {
        if json {
            emit(format_args!(
                "{}\n",
                one_or_array(&found, keys, hostent_json)
            ))?;
        } else {
            let blocks: Vec<String> = found.iter().map(hostent_text).collect();
            emit(blocks.join("\n"))?;
        }
    }
    failure.map_or(Ok(()), Err)
}

/// A key's entry: numeric text in any form the library reads (`127.1`,
/// `fe80::1%lo`) by address, anything else by name.
fn host_entry(key: &str) -> io::Result<Hostent> {
    match parse_ip_text(key) {
        Ok(_) => get_host_by_addr(key),
        // A scope naming no interface: say so, rather than "unknown host".
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(e),
        Err(_) => get_host_by_name(key),
    }
}

fn hostent_text(entry: &Hostent) -> String {
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
    text
}

/// `nsock host` with no key: the hosts file, a line an entry, as `getent
/// hosts` lists it.
fn list_hosts(json: bool) -> Result<(), Failure> {
    let all = read_hosts_file()?;
    if json {
        return emit(format_args!(
            "{}\n",
            Json::Arr(all.iter().map(hostent_json).collect())
        ));
    }
    let mut text = String::new();
    for h in &all {
        let mut line = format!("{:<15} {}", h.addr_list[0], h.name);
        for a in &h.aliases {
            line.push(' ');
            line.push_str(a);
        }
        text.push_str(&line);
        text.push('\n');
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
    pub tcp: bool,
    pub udp: bool,
    pub raw: bool,
    pub json: bool,
}

/// `nsock addrinfo HOST [PORT] [-4|-6] [--tcp|--udp|--raw]`.
pub fn addrinfo(q: &AddrinfoQuery<'_>) -> Result<(), Failure> {
    let rows = or_empty(q.json, Json::Arr(Vec::new()), addrinfo_rows(q))?;
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

/// The rows of `nsock addrinfo`: family, type, protocol, address, port and
/// canonical name, as text.
fn addrinfo_rows(q: &AddrinfoQuery<'_>) -> Result<Vec<[String; 6]>, Failure> {
    const STREAM: (SockType, Protocol, &str) = (SockType::Stream, Protocol::Tcp, "tcp");
    const DGRAM: (SockType, Protocol, &str) = (SockType::Dgram, Protocol::Udp, "udp");
    // Protocol 0: any raw protocol; the resolver fills in none.
    const RAW: (SockType, Protocol, &str) = (SockType::Raw, Protocol::Ip, "");
    let kinds: &[(SockType, Protocol, &str)] = if q.tcp {
        &[STREAM]
    } else if q.udp {
        &[DGRAM]
    } else if q.raw {
        &[RAW]
    } else {
        // As getaddrinfo with no socket type, and `getent ahosts`.
        &[STREAM, DGRAM, RAW]
    };
    let port = match q.port {
        // With every type, a service name of any protocol.
        Some(p) => address::resolve_port(p, if kinds.len() == 1 { kinds[0].2 } else { "" })?,
        None => Port(0),
    };
    let lists = kinds
        .iter()
        .map(|&(ty, proto, _)| get_addr_info(q.host, port, q.domain, ty, proto))
        .collect::<io::Result<Vec<_>>>()?;
    // Each address with its types together, as getaddrinfo orders them.
    let mut entries = Vec::new();
    let mut iters: Vec<_> = lists.iter().map(|l| l.iter()).collect();
    loop {
        let before = entries.len();
        for it in &mut iters {
            entries.extend(it.next());
        }
        if entries.len() == before {
            break;
        }
    }
    entries.retain(|ai| {
        ai.socket_addr()
            .is_none_or(|a| address::on_wire(q.domain, &a))
    });
    if entries.is_empty() {
        return Err(address::no_address(q.host, q.domain).into());
    }
    let rows: Vec<[String; 6]> = entries
        .iter()
        .enumerate()
        .map(|(i, ai)| {
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
                // Each type's list has its own first entry: the name goes
                // on the first row only, as one getaddrinfo call gives it.
                if i == 0 {
                    ai.canonical_name().unwrap_or("").to_string()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    Ok(rows)
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

/// `nsock proto [NAME|NUMBER...]`.
pub fn proto(keys: &[String], json: bool) -> Result<(), Failure> {
    let (found, failure) = if keys.is_empty() {
        (read_protocols_file()?, None)
    } else {
        look_up_each(keys, protoent_entry)
    };
    if !found.is_empty() || json_anyway(json, &failure) {
        if json {
            emit(format_args!(
                "{}\n",
                one_or_array(&found, keys, protoent_json)
            ))?;
        } else {
            let mut text = String::new();
            for p in &found {
                // getent's layout: "%-21s %d", then " alias" for each.
                let mut line = format!("{:<21} {}", p.name, p.number);
                for a in &p.aliases {
                    line.push(' ');
                    line.push_str(a);
                }
                text.push_str(&line);
                text.push('\n');
            }
            emit(text)?;
        }
    }
    failure.map_or(Ok(()), Err)
}

/// A key's entry: a number by number, anything else by name or alias.
fn protoent_entry(key: &str) -> io::Result<Protoent> {
    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        match key.parse::<i32>() {
            Ok(n) => get_protoent_by_number(n),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("protocol number {key:?}: out of range"),
            )),
        }
    } else {
        get_protoent_by_name(key)
    }
}

fn protoent_json(p: &Protoent) -> Json {
    Json::Obj(vec![
        ("name", Json::str(&p.name)),
        ("number", Json::from(p.number)),
        ("aliases", Json::strs(&p.aliases)),
    ])
}

/// Whether --json prints its document though nothing was found: after a
/// failed lookup (`[]` or `null`), not after a usage error.
fn json_anyway(json: bool, failure: &Option<Failure>) -> bool {
    json && failure.as_ref().is_none_or(|f| f.usage_message().is_none())
}

/// Looks each key up: the entries found, and the failure of the first key
/// that was not (the others are still shown).
fn look_up_each<T>(
    keys: &[String],
    look_up: impl Fn(&str) -> io::Result<T>,
) -> (Vec<T>, Option<Failure>) {
    let mut found = Vec::new();
    let mut failure = None;
    for key in keys {
        match look_up(key) {
            Ok(entry) => found.push(entry),
            Err(e) => {
                failure.get_or_insert(Failure::from(e));
            }
        }
    }
    (found, failure)
}

/// The JSON of what `keys` found: for one key, its one object (as before
/// several keys were taken), or `null` when it was not found; for several
/// keys or none, an array.
fn one_or_array<T>(found: &[T], keys: &[String], to_json: fn(&T) -> Json) -> Json {
    match found {
        [one] if keys.len() == 1 => to_json(one),
        [] if keys.len() == 1 => Json::Null,
        _ => Json::Arr(found.iter().map(to_json).collect()),
    }
}

/// `nsock hostname`.
pub fn hostname(json: bool) -> Result<(), Failure> {
    let name = or_empty(json, Json::Null, get_hostname().map_err(Failure::from))?;
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
