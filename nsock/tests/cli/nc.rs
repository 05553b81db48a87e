//! nc's habits: host and port as two arguments, `-u`, `-w`, `-v`, `-s`,
//! `-p`, `-z`, `-l -p`, and the targets both commands refuse.

use super::*;

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

/// connect goes through `connect_host`: -v prints each attempt as it
/// happens (curl's "Trying" habit) and its outcome, and --fallback-delay
/// is checked like the other numbers.
#[test]
fn connect_v_prints_each_attempt_as_it_happens() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let accepting = thread::spawn(move || drop(server.accept()));
    let o = run(&[
        "connect",
        "-v",
        "--fallback-delay",
        "100",
        "-w",
        "5",
        "127.0.0.1",
        &port,
    ]);
    accepting.join().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let trying = err
        .find(&format!("trying 127.0.0.1:{port}..."))
        .unwrap_or_else(|| panic!("no attempt line: {err}"));
    let connected = err
        .find(&format!("127.0.0.1:{port}: connected"))
        .unwrap_or_else(|| panic!("no outcome line: {err}"));
    assert!(trying < connected, "{err}");

    // A refused attempt is printed with its reason, then the failure.
    let (_reserved, closed) = closed_port();
    let o = run(&["connect", "-v", "127.0.0.1", &closed.to_string()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("127.0.0.1:{closed}: Connection refused")),
        "{err}"
    );

    assert_fails(
        &run(&["connect", "--fallback-delay", "x", "127.0.0.1", &port]),
        2,
        "--fallback-delay",
    );
}
