//! `-e` / `-c` (the connection as a child's stdin and stdout) and
//! `listen -k` serving every client at once. The children are Unix
//! programs (`cat`, `sh`).

use super::*;

/// Connects to `addr`, sends `data`, half-closes, and reads to the end.
#[cfg(unix)]
fn echo_through(addr: &str, data: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut w = s.try_clone().unwrap();
    let data = data.to_vec();
    let sender = thread::spawn(move || {
        w.write_all(&data).unwrap();
        w.shutdown(std::net::Shutdown::Write).unwrap();
    });
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    sender.join().unwrap();
    got
}

#[test]
#[cfg(unix)]
fn listen_exec_cat_echoes_the_connection() {
    let mut l = listen(&["127.0.0.1:0", "-e", "cat"]);
    let data = pattern(200_000, 31);
    assert!(
        echo_through(&l.addr, &data) == data,
        "cat sent back what it got"
    );
    assert!(wait(&mut l.child, "listen -e cat").success());
}

#[test]
#[cfg(unix)]
fn listen_keep_exec_gives_each_client_its_own_child() {
    let l = listen(&["127.0.0.1:0", "-k", "-c", "echo $$; cat"]);
    let addr = l.addr.clone();
    // Both connected at once, each answered by its own shell.
    let first = TcpStream::connect(&addr).unwrap();
    let second = TcpStream::connect(&addr).unwrap();
    let mut pids = Vec::new();
    for (i, s) in [first, second].into_iter().enumerate() {
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut w = s.try_clone().unwrap();
        w.write_all(format!("client {i}\n").as_bytes()).unwrap();
        w.shutdown(std::net::Shutdown::Write).unwrap();
        let mut text = String::new();
        BufReader::new(s).read_to_string(&mut text).unwrap();
        let (pid, rest) = text.split_once('\n').unwrap();
        assert_eq!(rest, format!("client {i}\n"));
        pids.push(pid.to_string());
    }
    assert_ne!(pids[0], pids[1], "one child a connection");
    drop(l.child);
}

#[test]
#[cfg(unix)]
fn connect_exec_hands_the_connection_to_the_child() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap().to_string();
    let c = connect(&["-q", "-c", "tr a-z A-Z", &addr]);
    let mut conn = accept(&server);
    conn.write_all(b"shout\n").unwrap();
    conn.shutdown(std::net::Shutdown::Write).unwrap();
    let mut got = Vec::new();
    conn.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"SHOUT\n");
    let o = finish(c, "connect -c");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
#[cfg(unix)]
fn exec_over_tls_relays_the_child_through_the_session() {
    let mut l = listen(&["127.0.0.1:0", "--ssl", "-e", "cat"]);
    let mut c = connect(&["-q", "--ssl", "--ssl-no-verify", &l.addr]);
    let data = pattern(100_000, 33);
    let c_in = feed(&mut c, data.clone());
    let c_out = collect(&mut c);
    assert!(wait(&mut c, "connect --ssl").success());
    c_in.join().unwrap();
    assert!(
        c_out.join().unwrap() == data,
        "cat's echo came back through TLS"
    );
    assert!(wait(&mut l.child, "listen --ssl -e cat").success());
}

#[test]
fn exec_usage_errors_exit_2() {
    assert_fails(
        &run(&["listen", "-e", "cat", "-c", "cat", "0"]),
        2,
        "--sh-exec",
    );
    assert_fails(&run(&["listen", "-e", " ", "0"]), 2, "-e: an empty command");
    assert_fails(
        &run(&["connect", "-u", "-e", "cat", "127.0.0.1:9"]),
        2,
        "--udp",
    );
}

#[test]
fn listen_keep_serves_clients_at_once_stdin_to_each_and_each_to_stdout() {
    let mut l = listen(&["127.0.0.1:0", "-k"]);
    let addr = l.addr.clone();
    let mut stdin = l.child.stdin.take().unwrap();
    let out = l.child.stdout.take().unwrap();
    let mut a = TcpStream::connect(&addr).unwrap();
    let mut b = TcpStream::connect(&addr).unwrap();
    a.write_all(b"from a\n").unwrap();
    b.write_all(b"from b\n").unwrap();
    // Both are being served once both lines are out, in either order.
    let (got, _) = read_n(out, 14);
    let text = String::from_utf8(got).unwrap();
    assert!(
        text.contains("from a\n") && text.contains("from b\n"),
        "{text:?}"
    );
    stdin.write_all(b"to everyone\n").unwrap();
    let mut clients = Vec::new();
    for s in [a, b] {
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        let (got, s) = read_n(s, 12);
        assert_eq!(got, b"to everyone\n");
        clients.push(s);
    }
    // The end of input half-closes every client, and each later one.
    drop(stdin);
    for mut s in clients {
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty());
    }
    let mut late = TcpStream::connect(&addr).unwrap();
    late.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut rest = Vec::new();
    late.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "input had ended before this client");
    drop(l.child);
    let err = l.stderr.join().unwrap();
    assert_eq!(
        err.matches("connection from 127.0.0.1:").count(),
        3,
        "{err}"
    );
}
