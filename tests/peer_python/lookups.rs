//! The same lookups asked of the crate and of Python's `socket` module,
//! every answer compared. Services (every entry of the services database,
//! by name, by each alias and by port), protocols (every name and alias of
//! the protocols file), hosts (`localhost`, this machine's name, numeric
//! addresses in every form) and `getaddrinfo` (numeric and scoped
//! addresses).
//!
//! A difference fails the test unless it is on [`DELIBERATE`], the list of
//! differences the crate's docs name and defend; the test prints every
//! difference it found, deliberate or not.

use std::io::Write;
use std::net::IpAddr;
use std::process::Stdio;

use nativesockets::*;

use super::python3;

/// Answers Python gives: one line of queries in, one line of answer out,
/// `OK\t<value>` or `ERR`. Values are built as `answer()` below builds the
/// crate's.
const PYTHON: &str = r#"
import socket, sys
def host(h):
    name, aliases, addrs = h
    return name + "|" + ",".join(aliases) + "|" + ",".join(addrs)
def addrinfo(text):
    out = set()
    for fam, _, _, _, sa in socket.getaddrinfo(text, 0, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP):
        if fam == socket.AF_INET:
            out.add("inet/%s/0" % sa[0])
        else:
            # sa[0] may carry "%name": the address alone, the scope as a number.
            out.add("inet6/%s/%d" % (sa[0].split("%")[0], sa[3]))
    return ",".join(sorted(out))
for line in sys.stdin:
    kind, *args = line.rstrip("\n").split("\t")
    try:
        if kind == "serv_name":
            v = str(socket.getservbyname(args[0], args[1]))
        elif kind == "serv_port":
            v = socket.getservbyport(int(args[0]), args[1])
        elif kind == "proto":
            v = str(socket.getprotobyname(args[0]))
        elif kind == "host_name":
            v = host(socket.gethostbyname_ex(args[0]))
        elif kind == "host_addr":
            v = host(socket.gethostbyaddr(args[0]))
        elif kind == "addrinfo":
            v = addrinfo(args[0])
        else:
            v = None
        print("OK\t" + v if v is not None else "ERR")
    except (OSError, UnicodeError, ValueError, OverflowError):
        print("ERR")
"#;

/// The differences the crate means to have, each with where its docs say
/// so: (query kind, input, why).
const DELIBERATE: &[(&str, &str, &str)] = &[
    (
        "host_addr",
        "::ffff:127.0.0.1",
        "get_host_by_addr looks up a v4-mapped address as the IPv4 address it maps (its doc); Python passes it to gethostbyaddr as IPv6, which /etc/hosts does not answer",
    ),
    (
        "host_name",
        "0x7f.1",
        "get_host_by_name answers every inet_aton form as numeric (its doc); glibc's gethostbyname, which Python calls, lets only digits and dots through and sends 0x7f.1 to DNS",
    ),
];

/// Asks Python every query at once.
fn ask_python(queries: &[Vec<String>]) -> Vec<Option<String>> {
    let mut child = python3()
        .arg("-c")
        .arg(PYTHON)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start python3");
    let mut input = String::new();
    for q in queries {
        input.push_str(&q.join("\t"));
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python3 runs");
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "python3 failed");
    let text = String::from_utf8(out.stdout).expect("UTF-8 from python3");
    let answers: Vec<Option<String>> = text
        .lines()
        .map(|l| l.strip_prefix("OK\t").map(str::to_string))
        .collect();
    assert_eq!(answers.len(), queries.len(), "one answer per query");
    answers
}

fn host_text(h: &Hostent) -> String {
    let addrs: Vec<String> = h.addr_list.iter().map(IpAddr::to_string).collect();
    format!("{}|{}|{}", h.name, h.aliases.join(","), addrs.join(","))
}

/// The crate's answer to one query, in Python's form.
fn answer(q: &[String]) -> Option<String> {
    let arg = |i: usize| q[i].as_str();
    match arg(0) {
        "serv_name" => get_serv_by_name(arg(1), arg(2))
            .ok()
            .map(|s| s.port.to_string()),
        "serv_port" => get_serv_by_port(Port(arg(1).parse().ok()?), arg(2))
            .ok()
            .map(|s| s.name),
        "proto" => get_proto_by_name(arg(1)).ok().map(|n| n.to_string()),
        "host_name" => get_host_by_name(arg(1)).ok().map(|h| host_text(&h)),
        "host_addr" => get_host_by_addr(arg(1)).ok().map(|h| host_text(&h)),
        "addrinfo" => {
            let list = get_addr_info(
                arg(1),
                Port(0),
                Domain::Unspec,
                SockType::Stream,
                Protocol::Tcp,
            )
            .ok()?;
            let mut out: Vec<String> = list
                .iter()
                .filter_map(|ai| ai.socket_addr())
                .map(|sa| match sa {
                    std::net::SocketAddr::V4(a) => format!("inet/{}/0", a.ip()),
                    std::net::SocketAddr::V6(a) => format!("inet6/{}/{}", a.ip(), a.scope_id()),
                })
                .collect();
            out.sort();
            out.dedup();
            Some(out.join(","))
        }
        other => panic!("unknown query {other}"),
    }
}

fn q(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// Every query: the services and protocols databases whole, and the host
/// and address forms.
fn queries() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let db = ServicesFile::system().db();
    for s in db.iter() {
        out.push(q(&["serv_name", &s.name, &s.proto]));
        for a in &s.aliases {
            out.push(q(&["serv_name", a, &s.proto]));
        }
        out.push(q(&["serv_port", &s.port.to_string(), &s.proto]));
    }
    if let Ok(protocols) = read_protocols_file() {
        for p in &protocols {
            out.push(q(&["proto", &p.name]));
            for a in &p.aliases {
                out.push(q(&["proto", a]));
            }
        }
    }
    out.push(q(&["proto", "no-such-protocol"]));
    let hostname = get_hostname().unwrap();
    for name in ["localhost", hostname.as_str(), "no-such-host.invalid"] {
        out.push(q(&["host_name", name]));
        out.push(q(&["addrinfo", name]));
    }
    let numeric_v4 = [
        "127.0.0.1",
        "127.1",
        "127.0.1",
        "2130706433",
        "0x7f.1",
        "0177.0.0.1",
        "127.0.0.1 ",
        "256.0.0.1",
        "1.2.3.4.5",
    ];
    for text in numeric_v4 {
        out.push(q(&["host_name", text]));
        out.push(q(&["host_addr", text]));
        out.push(q(&["addrinfo", text]));
    }
    let numeric_v6 = [
        "::1",
        "::ffff:127.0.0.1",
        "fe80::1%1",
        "fe80::1%2",
        "fe80::1%lo",
        "ff02::1%1",
        "::1%1",
        "::1%lo",
        "fe80::1%",
        "fe80::1%no-such-if0",
        "1::2::3",
    ];
    for text in numeric_v6 {
        out.push(q(&["host_addr", text]));
        out.push(q(&["addrinfo", text]));
    }
    out
}

pub fn the_crate_answers_every_lookup_as_pythons_socket_module_does() {
    let queries = queries();
    let python = ask_python(&queries);
    let mut deliberate = Vec::new();
    let mut unexpected = Vec::new();
    for (query, theirs) in queries.iter().zip(&python) {
        let ours = answer(query);
        if &ours == theirs {
            continue;
        }
        let line = format!(
            "{} {:?}: crate {:?}, Python {:?}",
            query[0],
            &query[1..],
            ours,
            theirs
        );
        match DELIBERATE
            .iter()
            .find(|(kind, input, _)| *kind == query[0] && *input == query[1])
        {
            Some((_, _, why)) => deliberate.push(format!("{line}\n    deliberate: {why}")),
            None => unexpected.push(line),
        }
    }
    eprintln!(
        "{} queries; {} deliberate differences, {} unexpected",
        queries.len(),
        deliberate.len(),
        unexpected.len()
    );
    for d in &deliberate {
        eprintln!("  {d}");
    }
    for u in &unexpected {
        eprintln!("  UNEXPECTED {u}");
    }
    assert!(
        unexpected.is_empty(),
        "{} differences from Python that are not on the deliberate list:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
