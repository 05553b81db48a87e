//! The lookup commands: `serv`, `proto`, `host`, `addrinfo` and
//! `hostname`, in text and JSON, with the errors they name.

use super::*;

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
