//! `nsock scan`: exactly the ports open, timeouts, IPv6, the services
//! database's ports by default, bad port lists and hosts, a closed pipe.

use super::*;

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
