//! `nsock listen` and `nsock connect` moving data: both ways, ten MiB
//! byte for byte, IPv6 and service names, half-closes, bursts, `--keep`,
//! UDP, idle limits, closed ports, and a regular file on stdin sent with
//! `send_file`.

use super::*;

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
    // A burst makes nsock raise its receive low-water mark
    // (src/relay/stream.rs, `Batching`); the few bytes after it must still
    // come out at once, with the peer's side left open, not wait for more
    // data or the end.
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
fn listen_keep_goes_on_serving_client_after_client() {
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
