//! The `nsock` binary run as a subprocess against real listeners on
//! loopback and Unix sockets in temporary directories: every command's
//! text and JSON output, exit codes, bad input, and data moving through
//! `listen` and `connect`.
//!
//! Scans target 127.0.0.1 only. Every child is waited on with a deadline
//! and killed past it, so a bug fails a test instead of hanging the suite.
//! Under Miri the file compiles to no tests at all (the `cfg` below).

// Every test runs nsock as a child process, which Miri cannot spawn: the
// file is left out under Miri, rather than each test marked ignored.
#![cfg(not(miri))]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::{Deref, DerefMut};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::{
    get_hostname, get_proto_by_name, get_protoent_by_name, get_serv_by_name, get_serv_by_port,
    new_native_socket, Domain, Port, Protocol, ServicesFile, SockAddr, SockType, SocketHandle,
};
use serde_json::Value;

/// Far more than any command here needs; reached only by a hung child.
const DEADLINE: Duration = Duration::from_secs(120);

/// The nsock binary, started as cargo starts this test: through the
/// target's runner when one is set (`qemu-s390x -L ...` for a cross-built
/// Linux target, which the host kernel cannot exec by itself). Under Wine
/// no runner is needed: a Windows process starts Windows programs.
fn nsock() -> Command {
    nativesockets_testutil::process::through_runner(env!("CARGO_BIN_EXE_nsock"))
}

/// A running nsock, killed and reaped when dropped: a failing test leaves
/// no process behind, and no reader blocked on the pipes of one.
struct Proc(Child);

impl Deref for Proc {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // An error means the child had already exited: nothing to do.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `nsock args` with stdout and stderr piped.
fn spawn(args: &[&str], stdin: Stdio) -> Proc {
    Proc(
        nsock()
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nsock"),
    )
}

/// Runs `nsock args` with empty stdin and returns its output.
fn run(args: &[&str]) -> Output {
    finish(spawn(args, Stdio::null()), &format!("nsock {args:?}"))
}

/// Waits for `child` with a deadline, collecting its output.
fn finish(mut child: Proc, what: &str) -> Output {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = thread::spawn(move || read_all(stdout.as_mut()));
    let err = thread::spawn(move || read_all(stderr.as_mut()));
    let status = wait(&mut child, what);
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(r: Option<&mut impl Read>) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(r) = r {
        r.read_to_end(&mut buf).unwrap();
    }
    buf
}

fn wait(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code and that stderr is one line naming `needle`.
fn assert_fails(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(err.contains(needle), "stderr should name {needle:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(o));
    let text = stdout(o);
    assert_eq!(
        text.lines().count(),
        1,
        "one JSON document, one line: {text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The keys of a JSON object, in order.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

// ---- serv ----

#[test]
fn serv_prints_the_entry_found_by_name_and_by_port() {
    let expected = get_serv_by_name("http", "tcp").unwrap();
    let o = run(&["serv", "http", "-p", "tcp"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(fields[0], expected.name);
    assert_eq!(fields[1], format!("{}/tcp", expected.port));
    assert_eq!(
        fields[2..],
        expected
            .aliases
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()[..]
    );

    let by_port = run(&["serv", &expected.port.to_string(), "-p", "tcp"]);
    let wanted = get_serv_by_port(expected.port, "tcp").unwrap();
    assert!(
        stdout(&by_port).starts_with(&wanted.name),
        "{}",
        stdout(&by_port)
    );
}

/// The protocols of `name`'s entries, in the order they first appear in
/// the services database.
fn protocols_of(name: &str) -> Vec<String> {
    let mut protos: Vec<String> = Vec::new();
    for s in ServicesFile::system().db().iter() {
        if (s.name == name || s.aliases.iter().any(|a| a == name)) && !protos.contains(&s.proto) {
            protos.push(s.proto.clone());
        }
    }
    protos
}

fn json_protos(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["proto"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn serv_without_a_protocol_shows_every_protocols_entry() {
    let o = json(&run(&["serv", "domain", "--json"]));
    assert_eq!(json_protos(&o), protocols_of("domain"));
    // A service that has an entry beyond tcp and udp (amqp's sctp one in
    // Debian's file), where the database has one.
    let db = ServicesFile::system().db();
    if let Some(s) = db.iter().find(|s| s.proto != "tcp" && s.proto != "udp") {
        let o = json(&run(&["serv", &s.name, "--json"]));
        let protos = json_protos(&o);
        assert_eq!(protos, protocols_of(&s.name));
        assert!(protos.contains(&s.proto), "{protos:?} lacks {}", s.proto);
    }
}

#[test]
fn serv_takes_getents_name_and_port_with_a_slash_protocol() {
    let http = get_serv_by_name("http", "tcp").unwrap();
    let by_flag = run(&["serv", "http", "-p", "tcp"]);
    for key in ["http/tcp".to_string(), format!("{}/tcp", http.port)] {
        let o = run(&["serv", &key]);
        assert!(o.status.success(), "{key}: {}", stderr(&o));
        assert_eq!(stdout(&o), stdout(&by_flag), "{key}");
    }
    assert_fails(&run(&["serv", "http/udp", "-p", "tcp"]), 2, "http/udp");
    assert_fails(&run(&["serv", "http/nosuchproto"]), 1, "http");
}

#[test]
fn serv_proto_and_host_without_a_key_list_their_database() {
    let db = ServicesFile::system().db();
    let o = run(&["serv"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), db.len());
    let first = db.iter().next().unwrap();
    assert!(stdout(&o).starts_with(&first.name), "{}", stdout(&o));
    let tcp_only = json(&run(&["serv", "-p", "tcp", "--json"]));
    assert_eq!(
        tcp_only.as_array().unwrap().len(),
        db.iter().filter(|s| s.proto == "tcp").count()
    );

    if let Ok(protocols) = nativesockets::read_protocols_file() {
        let o = run(&["proto"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        assert_eq!(text.lines().count(), protocols.len());
        for (line, p) in text.lines().zip(&protocols) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields[0], p.name);
            assert_eq!(fields[1], p.number.to_string());
            assert_eq!(
                fields[2..],
                p.aliases.iter().map(String::as_str).collect::<Vec<_>>()[..]
            );
        }
    }
    if let Ok(hosts) = nativesockets::read_hosts_file() {
        let o = run(&["host"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let text = stdout(&o);
        assert_eq!(text.lines().count(), hosts.len(), "{text}");
        for (line, h) in text.lines().zip(&hosts) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields[0], h.addr_list[0].to_string());
            assert_eq!(fields[1], h.name);
        }
        let v = json(&run(&["host", "--json"]));
        assert_eq!(v.as_array().unwrap().len(), hosts.len());
    }
}

#[test]
fn serv_json_has_the_documented_shape() {
    let expected = get_serv_by_name("ssh", "tcp").unwrap();
    let v = json(&run(&["serv", "ssh", "-p", "tcp", "--json"]));
    let entries = v.as_array().expect("an array");
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(keys(e), ["name", "aliases", "port", "proto"]);
    assert_eq!(e["name"], expected.name.as_str());
    assert_eq!(e["port"], expected.port.0);
    assert_eq!(e["proto"], "tcp");
    assert_eq!(
        e["aliases"].as_array().unwrap().len(),
        expected.aliases.len()
    );
}

#[test]
fn serv_unknown_service_exits_1_naming_it() {
    assert_fails(
        &run(&["serv", "no-such-service-here"]),
        1,
        "no-such-service-here",
    );
    assert_fails(&run(&["serv", "http", "-p", "nosuchproto"]), 1, "http");
}

#[test]
fn serv_port_out_of_range_is_a_usage_error() {
    assert_fails(&run(&["serv", "90000"]), 2, "90000");
    assert_fails(&run(&["serv", ""]), 2, "\"\"");
}

// ---- host, addrinfo, proto, hostname ----

#[test]
fn host_shows_name_type_and_addresses() {
    let o = run(&["host", "localhost"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("addrtype:  inet (4-byte addresses)"),
        "{text}"
    );
    assert!(text.lines().any(|l| l == "address:   127.0.0.1"), "{text}");

    let v = json(&run(&["host", "localhost", "--json"]));
    assert_eq!(
        keys(&v),
        ["name", "aliases", "addrtype", "length", "addresses"]
    );
    assert_eq!(v["addrtype"], "inet");
    assert_eq!(v["length"], 4);
    assert!(v["aliases"].is_array());
    assert!(v["addresses"]
        .as_array()
        .unwrap()
        .contains(&Value::from("127.0.0.1")));
}

#[test]
fn host_looks_up_an_address() {
    let v = json(&run(&["host", "127.0.0.1", "--json"]));
    assert_eq!(v["addresses"][0], "127.0.0.1");
    assert!(!v["name"].as_str().unwrap().is_empty());
    // Every numeric form is looked up by address, as getent does.
    let short = json(&run(&["host", "127.1", "--json"]));
    assert_eq!(short, v);
}

#[test]
fn host_takes_several_keys() {
    let v = json(&run(&["host", "localhost", "127.0.0.1", "--json"]));
    let entries = v.as_array().expect("an array for several keys");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["name"], "localhost");
    assert_eq!(entries[1]["addresses"][0], "127.0.0.1");
    let text = stdout(&run(&["host", "localhost", "127.0.0.1"]));
    assert_eq!(text.matches("name:").count(), 2, "{text}");
    // A key that is not found fails the run, naming it; the others are
    // still shown.
    let o = run(&["host", "localhost", "no-such-host.invalid"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no-such-host.invalid"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("localhost"), "{}", stdout(&o));
}

#[test]
fn addrinfo_shows_stream_datagram_and_raw_unless_one_is_asked_for() {
    let v = json(&run(&["addrinfo", "127.0.0.1", "80", "--json"]));
    let types: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["stream", "dgram", "raw"]);
    assert_eq!(v[0]["canonical_name"], "127.0.0.1");
    assert!(v[1]["canonical_name"].is_null());
    let v = json(&run(&["addrinfo", "127.0.0.1", "80", "--tcp", "--json"]));
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["type"], "stream");
}

#[test]
fn addrinfo_says_a_port_range_is_not_a_port() {
    assert_fails(
        &run(&["addrinfo", "localhost", "80-90"]),
        2,
        "\"80-90\" is not a port",
    );
}

#[test]
fn addrinfo_keeps_an_ipv6_scope() {
    let v = json(&run(&["addrinfo", "fe80::1%2", "22", "--tcp", "--json"]));
    assert_eq!(v[0]["address"], "fe80::1%2");
}

#[test]
fn minus_6_means_ipv6_addresses_only_not_v4_mapped() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    assert_fails(&run(&["addrinfo", "127.0.0.1", "-6"]), 1, "no IPv6 address");
    assert_fails(
        &run(&["scan", "127.0.0.1", &port, "-6"]),
        1,
        "no IPv6 address",
    );
    let o = run(&["connect", "-6", "-q", &format!("127.0.0.1:{port}")]);
    assert_fails(&o, 1, "no IPv6 address");
    assert_fails(&run(&["listen", "-6", "127.0.0.1:0"]), 1, "no IPv6 address");
    // And -4 keeps IPv6 out.
    assert_fails(&run(&["scan", "::1", &port, "-4"]), 1, "");
}

#[test]
fn host_unknown_or_malformed_names_fail_naming_the_input() {
    assert_fails(
        &run(&["host", "no-such-host.invalid"]),
        1,
        "no-such-host.invalid",
    );
    assert_fails(&run(&["host", "bad host!"]), 1, "bad host!");
    assert_fails(&run(&["host", ""]), 2, "\"\"");
}

#[test]
fn addrinfo_lists_each_entry_with_its_type_and_protocol() {
    let o = run(&["addrinfo", "127.0.0.1", "8080"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("FAMILY"), "{text}");
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row[..5], ["inet", "stream", "tcp", "127.0.0.1", "8080"]);

    let v = json(&run(&["addrinfo", "127.0.0.1", "8080", "--udp", "--json"]));
    let entries = v.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{v}");
    let e = &entries[0];
    assert_eq!(
        keys(e),
        [
            "family",
            "type",
            "protocol",
            "address",
            "port",
            "canonical_name"
        ]
    );
    assert_eq!(e["family"], "inet");
    assert_eq!(e["type"], "dgram");
    assert_eq!(e["protocol"], "udp");
    assert_eq!(e["address"], "127.0.0.1");
    assert_eq!(e["port"], 8080);
}

#[test]
fn addrinfo_takes_a_service_name_and_a_family() {
    let http = get_serv_by_name("http", "tcp").unwrap().port;
    let v = json(&run(&["addrinfo", "::1", "http", "-6", "--json"]));
    let e = &v[0];
    assert_eq!(e["family"], "inet6");
    assert_eq!(e["address"], "::1");
    assert_eq!(e["port"], http.0);
}

#[test]
fn addrinfo_rejects_bad_input() {
    assert_fails(
        &run(&["addrinfo", "no-such-host.invalid"]),
        1,
        "no-such-host.invalid",
    );
    assert_fails(&run(&["addrinfo", "localhost", "70000"]), 2, "70000");
    assert_fails(
        &run(&["addrinfo", "localhost", "no-such-service"]),
        1,
        "no-such-service",
    );
    let o = run(&["addrinfo", "localhost", "--udp", "--raw"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn proto_prints_the_canonical_name_number_and_aliases_by_name_or_number() {
    let tcp = get_protoent_by_name("tcp").unwrap();
    let mut want = format!("{:<21} {}", tcp.name, tcp.number);
    for a in &tcp.aliases {
        want.push(' ');
        want.push_str(a);
    }
    want.push('\n');
    assert_eq!(stdout(&run(&["proto", "tcp"])), want);
    // An alias gives the canonical entry, as getent does, not the text
    // typed; so does the number.
    assert_eq!(stdout(&run(&["proto", "TCP"])), want);
    assert_eq!(stdout(&run(&["proto", "6"])), want);
    let v = json(&run(&["proto", "udp", "--json"]));
    assert_eq!(keys(&v), ["name", "number", "aliases"]);
    assert_eq!(v["number"], get_proto_by_name("udp").unwrap());
    let both = json(&run(&["proto", "tcp", "17", "--json"]));
    assert_eq!(both[0]["name"], "tcp");
    assert_eq!(both[1]["name"], "udp");
    assert_fails(&run(&["proto", "no-such-proto"]), 1, "no-such-proto");
    assert_fails(&run(&["proto", "9999"]), 1, "9999");
}

#[test]
fn hostname_prints_this_machines_name() {
    let name = get_hostname().unwrap();
    assert_eq!(stdout(&run(&["hostname"])), format!("{name}\n"));
    let v = json(&run(&["hostname", "--json"]));
    assert_eq!(keys(&v), ["hostname"]);
    assert_eq!(v["hostname"], name.as_str());
}

// ---- usage ----

#[test]
fn usage_errors_exit_2_and_help_and_version_exit_0() {
    assert_eq!(run(&[]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["scan"]).status.code(), Some(2));
    assert_eq!(
        run(&["scan", "127.0.0.1", "--parallel", "0"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["connect"]).status.code(), Some(2));

    let v = run(&["--version"]);
    assert!(v.status.success());
    assert_eq!(
        stdout(&v).trim(),
        format!("nsock {}", env!("CARGO_PKG_VERSION"))
    );
    for cmd in ["serv", "host", "addrinfo", "proto", "hostname", "scan"] {
        let h = run(&[cmd, "--help"]);
        assert!(h.status.success(), "{cmd}");
        assert!(
            stdout(&h).contains("JSON (--json)"),
            "{cmd} --help documents its JSON"
        );
    }
    for cmd in ["listen", "connect"] {
        let h = run(&[cmd, "--help"]);
        assert!(h.status.success(), "{cmd}");
        assert!(stdout(&h).contains("--unix"), "{cmd}");
    }
}

// ---- scan ----

/// A port on 127.0.0.1 that refuses connections and stays so: a TCP
/// socket bound to it, never listening.
fn closed_port() -> (SocketHandle, u16) {
    let s = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    s.bind_addr(&SockAddr::from(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        0,
    ))))
    .unwrap();
    let port = s.local_addr().unwrap().port().unwrap().0;
    (s, port)
}

#[test]
fn scan_finds_exactly_the_ports_the_test_opened() {
    let listeners: Vec<TcpListener> = (0..3)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let closed: Vec<(SocketHandle, u16)> = (0..40).map(|_| closed_port()).collect();
    let open: BTreeSet<u16> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let list: Vec<String> = open
        .iter()
        .copied()
        .chain(closed.iter().map(|c| c.1))
        .map(|p| p.to_string())
        .collect();
    let list = list.join(",");

    let v = json(&run(&[
        "scan",
        "127.0.0.1",
        &list,
        "--json",
        "--parallel",
        "7",
    ]));
    assert_eq!(
        keys(&v),
        [
            "host",
            "addresses",
            "ports",
            "tried",
            "open",
            "closed",
            "timed_out",
            "failed",
            "elapsed_ms"
        ]
    );
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["addresses"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(v["ports"], 43);
    assert_eq!(v["tried"], 43);
    assert_eq!(v["closed"], 40);
    assert_eq!(v["timed_out"], 0);
    assert_eq!(v["failed"], 0);
    assert!(v["elapsed_ms"].as_f64().unwrap() >= 0.0);
    let found: Vec<u16> = v["open"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(keys(e), ["address", "port", "service"]);
            assert_eq!(e["address"], "127.0.0.1");
            let port = e["port"].as_u64().unwrap() as u16;
            let service = get_serv_by_port(Port(port), "tcp").ok().map(|s| s.name);
            assert_eq!(e["service"].as_str(), service.as_deref());
            port
        })
        .collect();
    assert_eq!(
        found,
        open.iter().copied().collect::<Vec<_>>(),
        "sorted, exactly the open ones"
    );

    let text = stdout(&run(&["scan", "127.0.0.1", &list]));
    let rows: Vec<&str> = text.lines().collect();
    assert!(rows[0].starts_with("PORT"), "{text}");
    for (row, port) in rows[1..4].iter().zip(&open) {
        assert!(row.starts_with(&format!("{port}/tcp ")), "{row}");
        assert!(row.contains("127.0.0.1"), "{row}");
    }
    assert!(
        rows[4].starts_with("127.0.0.1: 43 ports tried, 3 open, 40 closed, 0 timed out in "),
        "{text}"
    );
    assert_eq!(rows.len(), 5, "{text}");
}

#[test]
fn scan_counts_a_port_that_never_answers_as_timed_out() {
    // A listener whose accept queue is full: the kernel drops further
    // SYNs, so a connect to it is neither accepted nor refused.
    let loopback = SockAddr::from(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    let stalled = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    stalled.bind_addr(&loopback).unwrap();
    stalled.listen(0).unwrap();
    let stalled_addr = stalled.local_addr().unwrap();
    let filler = new_native_socket(Domain::Inet, SockType::Stream, Protocol::Tcp).unwrap();
    filler
        .connect_timeout(&stalled_addr, Duration::from_secs(10))
        .unwrap();
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let closed: Vec<(SocketHandle, u16)> = (0..5).map(|_| closed_port()).collect();
    let mut ports = vec![
        stalled_addr.port().unwrap().0,
        open.local_addr().unwrap().port(),
    ];
    ports.extend(closed.iter().map(|c| c.1));
    let list = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");

    let v = json(&run(&[
        "scan",
        "127.0.0.1",
        &list,
        "--timeout",
        "300",
        "--parallel",
        "2",
        "--json",
    ]));
    assert_eq!(v["timed_out"], 1, "{v}");
    assert_eq!(v["closed"], 5, "{v}");
    assert_eq!(v["open"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["open"][0]["port"], ports[1]);
}

#[test]
fn scan_reaches_ipv6_loopback() {
    let Ok(open) = TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here: nothing to test");
        return;
    };
    let port = open.local_addr().unwrap().port();
    let v = json(&run(&["scan", "::1", &port.to_string(), "--json"]));
    assert_eq!(v["addresses"], serde_json::json!(["::1"]));
    assert_eq!(v["open"][0]["address"], "::1");
    assert_eq!(v["open"][0]["port"], port);
    let text = stdout(&run(&["scan", "::1", &port.to_string()]));
    let row: Vec<&str> = text
        .lines()
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(row[..2], [format!("{port}/tcp").as_str(), "::1"], "{text}");
}

#[test]
fn scan_by_default_tries_the_tcp_ports_of_the_services_database() {
    let db = ServicesFile::system().db();
    let ports: BTreeSet<u16> = db
        .iter()
        .filter(|s| s.proto == "tcp" && s.port.0 != 0)
        .map(|s| s.port.0)
        .collect();
    let v = json(&run(&["scan", "127.0.0.1", "--json"]));
    assert_eq!(v["ports"], ports.len());
    let counted = ["closed", "timed_out", "failed"]
        .iter()
        .map(|k| v[k].as_u64().unwrap())
        .sum::<u64>()
        + v["open"].as_array().unwrap().len() as u64;
    assert_eq!(counted, ports.len() as u64);
    for e in v["open"].as_array().unwrap() {
        assert!(ports.contains(&(e["port"].as_u64().unwrap() as u16)));
    }
}

#[test]
fn scan_of_a_thousand_ports_accounts_for_each() {
    let v = json(&run(&["scan", "127.0.0.1", "20001-21000", "--json"]));
    assert_eq!(v["tried"], 1000);
    let open = v["open"].as_array().unwrap().len() as u64;
    assert_eq!(open + v["closed"].as_u64().unwrap(), 1000, "{v}");
}

#[test]
fn scan_rejects_bad_port_lists_as_usage_errors() {
    for (ports, needle) in [
        ("90000", "90000"),
        ("10-5", "10-5"),
        ("0", "0"),
        ("ssh", "ssh"),
        ("22,,80", "22,,80"),
        ("1-70000", "70000"),
    ] {
        let o = run(&["scan", "127.0.0.1", ports]);
        assert_eq!(o.status.code(), Some(2), "{ports}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{ports}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn scan_of_a_malformed_or_unknown_host_fails_naming_it() {
    assert_fails(&run(&["scan", "bad host!", "80"]), 1, "bad host!");
    assert_fails(
        &run(&["scan", "no-such-host.invalid", "80"]),
        1,
        "no-such-host.invalid",
    );
    assert_fails(&run(&["scan", "", "80"]), 2, "\"\"");
}

#[test]
fn scan_output_into_a_closed_pipe_ends_quietly() {
    let mut child = spawn(&["scan", "127.0.0.1", "1-200"], Stdio::null());
    drop(child.stdout.take());
    let o = finish(child, "scan into a closed pipe");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// ---- listen and connect ----

/// A running `nsock listen`, with the address it printed.
struct Listener {
    child: Proc,
    addr: String,
    stderr: thread::JoinHandle<String>,
}

/// Starts `nsock listen args`, piping all three streams, and reads the
/// `listening on ADDR` line from its stderr.
fn listen(args: &[&str]) -> Listener {
    let mut child = spawn(&[&["listen"], args].concat(), Stdio::piped());
    let err = BufReader::new(child.stderr.take().unwrap());
    let (line, err) = within("the `listening on` line", move || {
        let mut err = err;
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        (line, err)
    });
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("listen printed {line:?}"))
        .trim()
        .to_string();
    let stderr = thread::spawn(move || drain(err));
    Listener {
        child,
        addr,
        stderr,
    }
}

fn drain(mut r: BufReader<ChildStderr>) -> String {
    let mut rest = String::new();
    let _ = r.read_to_string(&mut rest);
    rest
}

fn connect(args: &[&str]) -> Proc {
    spawn(&[&["connect"], args].concat(), Stdio::piped())
}

/// Writes `data` to the child's stdin from a thread, then closes it.
fn feed(child: &mut Child, data: Vec<u8>) -> thread::JoinHandle<()> {
    let mut stdin = child.stdin.take().unwrap();
    thread::spawn(move || {
        stdin.write_all(&data).unwrap();
    })
}

/// Reads the child's stdout to its end from a thread.
fn collect(child: &mut Child) -> thread::JoinHandle<Vec<u8>> {
    let mut out = child.stdout.take().unwrap();
    thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    })
}

/// Runs `f` on a thread and returns its result, failing the test (not
/// hanging it) if it takes past the deadline. The thread is then left
/// blocked until the test's `Proc`s, dropped as the panic unwinds, kill
/// the children whose pipes it waits on.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .unwrap_or_else(|_| panic!("{what}: nothing within {DEADLINE:?}"))
}

/// Reads exactly `n` bytes from `r` within the deadline; gives `r` back.
fn read_n<R: Read + Send + 'static>(r: R, n: usize) -> (Vec<u8>, R) {
    within(&format!("{n} bytes"), move || {
        let mut r = r;
        let mut buf = vec![0u8; n];
        r.read_exact(&mut buf).unwrap();
        (buf, r)
    })
}

/// Accepts one connection on `server` within the deadline; the stream's
/// reads time out at the deadline too.
fn accept(server: &TcpListener) -> TcpStream {
    server.set_nonblocking(true).unwrap();
    let start = Instant::now();
    loop {
        match server.accept() {
            Ok((conn, _)) => {
                conn.set_nonblocking(false).unwrap();
                conn.set_read_timeout(Some(DEADLINE)).unwrap();
                return conn;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no connection within {DEADLINE:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Bytes that differ between the two directions and show any shift.
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Runs a listen and a connect with `to_listener` on the connect's stdin
/// and `to_connector` on the listen's stdin, both written at once; returns
/// (what listen printed, what connect printed).
fn exchange(
    listen_args: &[&str],
    connect_target: &[&str],
    to_listener: Vec<u8>,
    to_connector: Vec<u8>,
) -> (Vec<u8>, Vec<u8>) {
    let mut l = listen(listen_args);
    let mut args: Vec<&str> = connect_target.to_vec();
    let addr = l.addr.clone();
    if args.is_empty() {
        args.push(&addr);
    }
    let mut c = connect(&args);
    let l_in = feed(&mut l.child, to_connector);
    let c_in = feed(&mut c, to_listener);
    let l_out = collect(&mut l.child);
    let c_out = collect(&mut c);
    let c_status = wait(&mut c, "connect");
    let l_status = wait(&mut l.child, "listen");
    l_in.join().unwrap();
    c_in.join().unwrap();
    let mut c_err = String::new();
    c.stderr.take().unwrap().read_to_string(&mut c_err).unwrap();
    let l_err = l.stderr.join().unwrap();
    assert!(c_status.success(), "connect: {c_status:?} {c_err}");
    assert!(l_status.success(), "listen: {l_status:?} {l_err}");
    (l_out.join().unwrap(), c_out.join().unwrap())
}

/// Sends `ping` from the datagram relay `c` to the listening one `l` and
/// `pong` back, then ends both; returns what `l` printed on stderr.
fn ping_pong(mut l: Listener, mut c: Proc) -> String {
    let mut l_stdin = l.child.stdin.take().unwrap();
    let l_stdout = l.child.stdout.take().unwrap();
    let mut c_stdin = c.stdin.take().unwrap();
    let c_stdout = c.stdout.take().unwrap();
    c_stdin.write_all(b"ping").unwrap();
    assert_eq!(read_n(l_stdout, 4).0, b"ping");
    // The listener answers its latest sender.
    l_stdin.write_all(b"pong").unwrap();
    assert_eq!(read_n(c_stdout, 4).0, b"pong");
    drop(c);
    drop(l.child);
    l.stderr.join().unwrap()
}

#[test]
fn listen_and_connect_move_data_both_ways() {
    let (at_listener, at_connector) = exchange(
        &["127.0.0.1:0"],
        &[],
        b"hello from connect\n".to_vec(),
        b"hello from listen\n".to_vec(),
    );
    assert_eq!(at_listener, b"hello from connect\n");
    assert_eq!(at_connector, b"hello from listen\n");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine 8's blocking send now and then returns 0 bytes while another thread waits \
              on the socket (Windows never does), which nsock reports as a failed write"
)]
fn ten_mib_cross_in_both_directions_byte_for_byte() {
    const LEN: usize = 10 * 1024 * 1024;
    let up = pattern(LEN, 0x9e37_79b9_7f4a_7c15);
    let down = pattern(LEN, 0x2545_f491_4f6c_dd1d);
    let (at_listener, at_connector) = exchange(&["127.0.0.1:0"], &[], up.clone(), down.clone());
    assert_eq!(at_listener.len(), LEN);
    assert!(at_listener == up, "the listener received other bytes");
    assert_eq!(at_connector.len(), LEN);
    assert!(at_connector == down, "the connector received other bytes");
}

#[test]
fn ipv6_loopback_and_service_name_ports_work() {
    let Ok(probe) = TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback here: nothing to test");
        return;
    };
    drop(probe);
    let (at_listener, at_connector) =
        exchange(&["[::1]:0"], &[], b"six".to_vec(), b"four".to_vec());
    assert_eq!(
        (at_listener, at_connector),
        (b"six".to_vec(), b"four".to_vec())
    );
}

#[test]
fn end_of_input_half_closes_and_the_peers_end_ends_connect() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap().to_string();
    let mut c = connect(&["-q", &target]);
    let mut conn = accept(&server);
    let c_in = feed(&mut c, b"request".to_vec());
    let c_out = collect(&mut c);
    // The read ends because nsock half-closed at the end of its input,
    // while its socket stays open for the reply.
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"request");
    conn.write_all(b"reply").unwrap();
    drop(conn);
    let status = wait(&mut c, "connect");
    c_in.join().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(c_out.join().unwrap(), b"reply");
}

#[test]
fn connect_keeps_sending_after_the_peer_has_finished_sending() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap().to_string();
    let mut c = connect(&["-q", &target]);
    let mut conn = accept(&server);
    conn.write_all(b"early").unwrap();
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    let c_out = collect(&mut c);
    let upload = pattern(1 << 20, 7);
    let c_in = feed(&mut c, upload.clone());
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    assert!(
        got == upload,
        "the upload arrived whole after the peer's end"
    );
    assert!(wait(&mut c, "connect").success());
    c_in.join().unwrap();
    assert_eq!(c_out.join().unwrap(), b"early");
}

#[test]
fn the_tail_of_a_burst_arrives_while_the_connection_stays_open() {
    // A burst makes nsock raise its receive low-water mark (relay.rs,
    // `Batching`); the few bytes after it must still come out at once,
    // with the peer's side left open, not wait for more data or the end.
    const BURST: usize = 8 << 20;
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = server.local_addr().unwrap().to_string();
    let mut c = connect(&["-q", &target]);
    let mut conn = accept(&server);
    let mut out = c.stdout.take().unwrap();
    for round in 0..3u64 {
        let burst = pattern(BURST, round + 1);
        let mut sent = burst.clone();
        sent.extend_from_slice(b"tail");
        // Written from a thread: nsock's stdout is read meanwhile.
        let writer = thread::spawn(move || {
            conn.write_all(&sent).unwrap();
            conn
        });
        let (got, rest) = read_n(out, BURST + 4);
        out = rest;
        conn = writer.join().unwrap();
        assert!(
            got[..BURST] == burst[..],
            "round {round}: the burst changed"
        );
        assert_eq!(&got[BURST..], b"tail", "round {round}");
    }
    drop(conn);
    drop(c.stdin.take());
    assert!(wait(&mut c, "connect").success());
}

#[test]
fn listen_keep_serves_connections_one_after_another() {
    let mut l = listen(&["127.0.0.1:0", "--keep"]);
    let addr = l.addr.clone();
    drop(l.child.stdin.take());
    let l_out = l.child.stdout.take().unwrap();
    for i in 0..3 {
        let mut c = connect(&["-q", &addr]);
        let c_in = feed(&mut c, format!("client {i}\n").into_bytes());
        let c_out = collect(&mut c);
        assert!(wait(&mut c, "connect").success());
        c_in.join().unwrap();
        assert_eq!(c_out.join().unwrap(), b"", "listen's input had ended");
    }
    // Still serving: a fourth connection is accepted too.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"last\n").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let expected = "client 0\nclient 1\nclient 2\nlast\n";
    assert_eq!(read_n(l_out, expected.len()).0, expected.as_bytes());
    drop(l.child);
    let err = l.stderr.join().unwrap();
    assert_eq!(
        err.matches("connection from 127.0.0.1:").count(),
        4,
        "{err}"
    );
}

#[test]
fn udp_datagrams_go_both_ways() {
    let l = listen(&["127.0.0.1:0", "--udp"]);
    let c = connect(&["--udp", "-q", &l.addr]);
    let err = ping_pong(l, c);
    assert!(err.contains("datagrams from 127.0.0.1:"), "{err}");
}

#[test]
#[cfg_attr(
    windows,
    ignore = "Wine's select never reports the ICMP error of a connected UDP socket \
              (Windows reports WSAECONNRESET)"
)]
fn udp_connect_to_a_closed_port_fails_naming_the_target() {
    // A port just given back by a UDP socket: nothing listens there, so
    // the kernel answers the datagram with ICMP port unreachable.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{port}");
    let mut c = connect(&["--udp", "-q", &target]);
    let c_in = feed(&mut c, b"anyone?".to_vec());
    let o = finish(c, "connect --udp to a closed port");
    c_in.join().unwrap();
    assert_fails(&o, 1, &format!("receiving from {target}"));
}

#[test]
fn idle_limit_ends_a_silent_udp_relay() {
    let mut l = listen(&["127.0.0.1:0", "--udp", "--idle", "200"]);
    drop(l.child.stdin.take());
    let status = wait(&mut l.child, "listen --udp --idle");
    assert!(status.success());
    assert!(l.stderr.join().unwrap().contains("idle for 200 ms"));
}

#[test]
fn connect_to_a_closed_port_fails_naming_the_target() {
    let (_reserved, port) = closed_port();
    let target = format!("127.0.0.1:{port}");
    let o = run(&["connect", &target]);
    assert_fails(&o, 1, &target);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = run(&["connect", "--timeout", "5000", &target]);
    assert_fails(&o, 1, &target);
}

// ---- nc's habits ----

#[test]
fn listen_idle_counts_from_the_start_when_nobody_connects() {
    let mut l = listen(&["127.0.0.1:0", "--idle", "200"]);
    drop(l.child.stdin.take());
    let status = wait(&mut l.child, "listen --idle with no client");
    assert!(status.success());
    assert!(l
        .stderr
        .join()
        .unwrap()
        .contains("no connection for 200 ms"));
    // nc's -w SECS is the same limit.
    let mut l = listen(&["-l", "127.0.0.1:0", "-w", "1"]);
    drop(l.child.stdin.take());
    assert!(wait(&mut l.child, "listen -w 1").success());
}

#[test]
fn connect_takes_host_and_port_as_two_arguments() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let mut c = connect(&["-q", "127.0.0.1", &port]);
    let conn = accept(&server);
    feed(&mut c, b"two args".to_vec()).join().unwrap();
    let (got, _) = read_n(conn.try_clone().unwrap(), 8);
    assert_eq!(got, b"two args");
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(wait(&mut c, "connect HOST PORT").success());
    // A bracketed IPv6 host works as nc's first argument too, and a target
    // that already has a port takes no second one.
    assert_fails(
        &run(&["connect", "127.0.0.1:80", "81"]),
        2,
        "already has a port",
    );
    assert_fails(
        &run(&["connect", "[::1]:80", "81"]),
        2,
        "already has a port",
    );
    assert_fails(
        &run(&["connect", "127.0.0.1", "80", "81"]),
        2,
        "several only with -z",
    );
    if let Ok(v6) = TcpListener::bind("[::1]:0") {
        let port = v6.local_addr().unwrap().port().to_string();
        for host in ["[::1]", "::1"] {
            let mut c = connect(&["-q", host, &port]);
            let conn = accept(&v6);
            drop(c.stdin.take());
            drop(conn);
            assert!(wait(&mut c, host).success(), "{host}");
        }
    }
}

#[test]
fn connect_u_w_and_v_mean_what_they_mean_to_nc() {
    // -u: a UDP datagram reaches a UDP socket.
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(DEADLINE)).unwrap();
    let port = udp.local_addr().unwrap().port().to_string();
    let mut c = connect(&["-u", "-q", "-w", "1", "127.0.0.1", &port]);
    feed(&mut c, b"datagram".to_vec()).join().unwrap();
    let mut buf = [0u8; 16];
    let (n, _) = udp.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"datagram");
    // -w 1: the silent socket ends the relay after a second.
    assert!(wait(&mut c, "connect -u -w 1").success());

    // -v: each attempt and the bytes moved, on stderr.
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let mut c = connect(&["-v", "127.0.0.1", &port]);
    let conn = accept(&server);
    feed(&mut c, b"abc".to_vec()).join().unwrap();
    let (got, conn) = read_n(conn, 3);
    assert_eq!(got, b"abc");
    drop(conn);
    let o = finish(c, "connect -v");
    let err = stderr(&o);
    assert!(err.contains(&format!("trying 127.0.0.1:{port}")), "{err}");
    assert!(err.contains("local address 127.0.0.1:"), "{err}");
    assert!(err.contains("0 bytes received, 3 sent"), "{err}");
    assert_fails(
        &run(&["connect", "-v", "-q", "127.0.0.1", "80"]),
        2,
        "--quiet",
    );
}

#[test]
fn connect_s_and_p_set_the_source_address_and_port() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    // A free port to connect from, found by binding one and letting it go.
    let free = TcpListener::bind("127.0.0.2:0")
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let source = free.local_addr().unwrap();
    drop(free);
    let ip = source.ip().to_string();
    let sport = source.port().to_string();
    let mut c = connect(&["-q", "-s", &ip, "-p", &sport, "127.0.0.1", &port]);
    let conn = accept(&server);
    assert_eq!(conn.peer_addr().unwrap(), source);
    drop(c.stdin.take());
    drop(conn);
    assert!(wait(&mut c, "connect -s -p").success());
}

#[test]
fn connect_z_checks_ports_and_exits_0_when_one_is_open() {
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = open.local_addr().unwrap().port();
    let (_reserved, closed) = closed_port();
    let o = run(&[
        "connect",
        "-z",
        "127.0.0.1",
        &port.to_string(),
        &closed.to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("Connection to 127.0.0.1 {port} port [tcp/")),
        "{err}"
    );
    assert!(
        !err.contains(&closed.to_string()),
        "closed ports only with -v: {err}"
    );
    assert!(o.stdout.is_empty());
    let v = run(&["connect", "-zv", "127.0.0.1", &closed.to_string()]);
    assert_eq!(v.status.code(), Some(1));
    assert!(
        stderr(&v).contains(&format!("port {closed} (tcp) failed")),
        "{}",
        stderr(&v)
    );
    // HOST:PORT and ranges work too.
    let o = run(&["connect", "-z", &format!("127.0.0.1:{port}")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let range = format!("{port}-{port}");
    assert_eq!(
        run(&["connect", "-z", "127.0.0.1", &range]).status.code(),
        Some(0)
    );
    assert_eq!(
        run(&["connect", "-zu", "127.0.0.1", "53"]).status.code(),
        Some(2)
    );
}

#[test]
fn listen_takes_ncs_l_p_and_s() {
    let mut l = listen(&["-l", "-s", "127.0.0.1", "-p", "0"]);
    assert!(l.addr.starts_with("127.0.0.1:"), "{}", l.addr);
    let mut conn = TcpStream::connect(&l.addr).unwrap();
    conn.write_all(b"nc style").unwrap();
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    drop(l.child.stdin.take());
    let out = collect(&mut l.child).join().unwrap();
    assert_eq!(out, b"nc style");
    assert!(wait(&mut l.child, "listen -l -p").success());
}

#[test]
fn connect_and_listen_reject_bad_targets() {
    assert_fails(&run(&["connect", "localhost"]), 2, "localhost");
    assert_fails(&run(&["connect", "::1:80"]), 2, "::1:80");
    assert_fails(&run(&["connect", "[::1]"]), 2, "[::1]");
    assert_fails(&run(&["connect", "localhost:99999"]), 2, "99999");
    assert_fails(
        &run(&["connect", "localhost:no-such-service"]),
        1,
        "no-such-service",
    );
    assert_fails(
        &run(&["connect", "no-such-host.invalid:80"]),
        1,
        "no-such-host.invalid",
    );
    assert_fails(&run(&["listen", "127.0.0.1:99999"]), 2, "99999");
    assert_fails(&run(&["listen", "bad host!:80"]), 1, "bad host!");
    assert_fails(&run(&["listen", "--keep", "--udp", "0"]), 2, "--udp");
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = busy.local_addr().unwrap().to_string();
    assert_fails(&run(&["listen", &taken]), 1, &taken);
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::path::PathBuf;

    /// A fresh directory under the system's temporary one, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!("nsock-cli-{tag}-{}", std::process::id()));
            // A leftover of a killed run of this same test is stale.
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn unix_stream_sockets_move_data_both_ways_and_the_file_is_removed() {
        let dir = TempDir::new("stream");
        let path = dir.0.join("relay.sock");
        let p = path.to_str().unwrap();
        let up = pattern(3 << 20, 11);
        let down = pattern(1 << 20, 13);
        let (at_listener, at_connector) =
            exchange(&["--unix", p], &["--unix", p], up.clone(), down.clone());
        assert!(at_listener == up);
        assert!(at_connector == down);
        assert!(!path.exists(), "listen removes its socket file on exit");
    }

    #[test]
    fn unix_datagram_sockets_carry_datagrams_both_ways() {
        let dir = TempDir::new("dgram");
        let path = dir.0.join("dgram.sock");
        let p = path.to_str().unwrap();
        let l = listen(&["--unix", p, "--udp"]);
        let c = connect(&["--unix", p, "--udp", "-q"]);
        ping_pong(l, c);
    }

    #[test]
    fn listen_on_an_existing_directory_or_file_says_what_is_there() {
        let dir = TempDir::new("what");
        let d = dir.0.to_str().unwrap();
        assert_fails(&run(&["listen", "--unix", d]), 1, "is a directory");
        let file = dir.0.join("plain");
        std::fs::write(&file, b"x").unwrap();
        assert_fails(
            &run(&["listen", "--unix", file.to_str().unwrap()]),
            1,
            "not a socket",
        );
        let sock = dir.0.join("s.sock");
        let _owner = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        assert_fails(
            &run(&["listen", "--unix", sock.to_str().unwrap()]),
            1,
            "a socket file is already there",
        );
    }

    #[test]
    fn listen_on_a_path_in_use_fails_and_leaves_the_file() {
        let dir = TempDir::new("busy");
        let path = dir.0.join("busy.sock");
        let _owner = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let o = run(&["listen", "--unix", path.to_str().unwrap()]);
        assert_fails(&o, 1, path.to_str().unwrap());
        assert!(
            path.exists(),
            "a socket file nsock did not create is left alone"
        );
        let long = "x".repeat(200);
        assert_fails(&run(&["connect", "--unix", &long]), 2, "xxxx");
    }
}

// ---- connect < regular file (send_file) ----

/// A regular file on stdin goes out with `send_file` (from the position
/// stdin is at, as a reading relay would start); the peer gets exactly
/// the rest of the file.
#[test]
fn connect_sends_a_regular_file_on_stdin_from_its_position() {
    use std::io::{Seek, SeekFrom};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let path = std::env::temp_dir().join(format!("nsock-sendfile-{}", std::process::id()));
    std::fs::write(&path, &content).unwrap();
    let mut file = std::fs::File::open(&path).unwrap();
    file.seek(SeekFrom::Start(1000)).unwrap();
    let c = spawn(
        &["connect", &format!("127.0.0.1:{port}")],
        Stdio::from(file),
    );
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    assert_eq!(got.len(), content.len() - 1000);
    assert!(got == content[1000..], "the bytes differ");
    drop(conn);
    let o = finish(c, "connect < file");
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(&path).unwrap();
}

// ---- nsock listen --broker ----

/// A running broker: the child, its address, and its stderr lines as they
/// come (the `connection from` lines tell when clients are accepted).
struct Broker {
    _child: Proc,
    addr: String,
    lines: mpsc::Receiver<String>,
}

fn broker() -> Broker {
    let mut child = spawn(&["listen", "--broker", "127.0.0.1:0"], Stdio::null());
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        while err.read_line(&mut line).is_ok_and(|n| n > 0) {
            if tx.send(std::mem::take(&mut line)).is_err() {
                break;
            }
        }
    });
    let first = lines
        .recv_timeout(DEADLINE)
        .expect("the broker's first line");
    let addr = first
        .strip_prefix("broker listening on ")
        .unwrap_or_else(|| panic!("broker printed {first:?}"))
        .trim()
        .to_string();
    Broker {
        _child: child,
        addr,
        lines,
    }
}

impl Broker {
    /// Waits (within the deadline) until `n` more stderr lines containing
    /// `needle` have come; returns every line seen meanwhile.
    fn expect(&self, needle: &str, n: usize) -> Vec<String> {
        let end = Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        let mut found = 0;
        while found < n {
            let left = end.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("{found} of {n} {needle:?} lines; saw {seen:?}"));
            found += usize::from(line.contains(needle));
            seen.push(line);
        }
        seen
    }
}

#[test]
fn broker_sends_each_clients_bytes_to_every_other_client_and_nothing_else() {
    const CLIENTS: usize = 200;
    let b = broker();
    let mut clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| TcpStream::connect(&b.addr).unwrap())
        .collect();
    b.expect("connection from", CLIENTS);
    // Every message is 6 bytes, sent in one write: `m0007\n`.
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(format!("m{i:04}\n").as_bytes()).unwrap();
    }
    let everyone: BTreeSet<String> = (0..CLIENTS).map(|i| format!("m{i:04}\n")).collect();
    for (i, c) in clients.iter_mut().enumerate() {
        c.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut got = vec![0u8; 6 * (CLIENTS - 1)];
        c.read_exact(&mut got).unwrap();
        let got: BTreeSet<String> = got
            .chunks(6)
            .map(|m| String::from_utf8(m.to_vec()).unwrap())
            .collect();
        let mut want = everyone.clone();
        want.remove(&format!("m{i:04}\n"));
        assert_eq!(got, want, "client {i}");
    }
    // Nothing more: not its own message, nothing twice.
    for (i, c) in clients.iter_mut().enumerate().step_by(20) {
        c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let mut more = [0u8; 16];
        match c.read(&mut more) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            other => panic!("client {i} got more: {other:?}"),
        }
    }
    drop(clients);
    b.expect("disconnected", CLIENTS);
}

#[test]
fn broker_drops_a_client_that_never_reads_without_stalling_the_rest() {
    let b = broker();
    let mut sender = TcpStream::connect(&b.addr).unwrap();
    let reader = TcpStream::connect(&b.addr).unwrap();
    let stuck = TcpStream::connect(&b.addr).unwrap();
    b.expect("connection from", 3);
    let stuck_addr = stuck.local_addr().unwrap().to_string();
    // Far more than the stuck client's socket buffers and its 1 MiB queue.
    const TOTAL: usize = 48 << 20;
    const CHUNK: usize = 64 << 10;
    // The reader reports its progress; the sender keeps at most 256 KiB
    // ahead of it, so the reader's own queue at the broker stays small.
    let (progress_tx, progress) = mpsc::channel::<usize>();
    let read = thread::spawn(move || {
        let mut reader = reader;
        reader.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut buf = vec![0u8; CHUNK];
        let (mut total, mut sum) = (0usize, 0u64);
        while total < TOTAL {
            let n = reader.read(&mut buf).unwrap();
            assert!(n > 0, "the broker closed the reader after {total} bytes");
            sum += buf[..n].iter().map(|&x| u64::from(x)).sum::<u64>();
            total += n;
            let _ = progress_tx.send(total);
        }
        sum
    });
    let mut sent_sum = 0u64;
    let mut read_so_far = 0usize;
    for k in 0..TOTAL / CHUNK {
        let chunk: Vec<u8> = (0..CHUNK).map(|j| ((k * 7 + j) % 251) as u8).collect();
        sent_sum += chunk.iter().map(|&x| u64::from(x)).sum::<u64>();
        sender.write_all(&chunk).unwrap();
        while (k + 1) * CHUNK > read_so_far + (256 << 10) {
            read_so_far = progress
                .recv_timeout(DEADLINE)
                .expect("the reader stalled: the stuck client held up the broker");
        }
    }
    assert_eq!(read.join().unwrap(), sent_sum, "the reader got other bytes");
    let lines = b.expect("dropping client", 1);
    let dropped = lines
        .iter()
        .find(|l| l.contains("dropping client"))
        .unwrap();
    assert!(dropped.contains(&stuck_addr), "{dropped}");
    assert!(dropped.contains("stopped reading"), "{dropped}");
    drop(stuck);
}
