//! `nsock forward --ssl` and `--ssl-target`: TLS clients through the
//! forwarder to a plain echo, plain clients through it to a TLS server
//! (nsock's own, with a certificate of a test CA made by the openssl
//! command; skipped without it), both at once in a chain, a certificate
//! for another name refused, and bad TLS input.

use super::forward::{echo_server, server};
use super::tls::{connect_with, Pki};
use super::*;

use std::net::Shutdown;

/// Sends `data` over plain TCP, half-closes, and reads everything back.
fn round_trip(addr: &str, data: Vec<u8>) -> Vec<u8> {
    let addr = addr.to_string();
    within("a round trip through the forwarder", move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        let mut w = s.try_clone().unwrap();
        let writer = thread::spawn(move || {
            w.write_all(&data).unwrap();
            w.shutdown(Shutdown::Write).unwrap();
        });
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        writer.join().unwrap();
        back
    })
}

#[test]
fn connect_ssl_through_forward_ssl_reaches_a_plain_echo() {
    let port = echo_server();
    let mut f = server(&["forward", "--ssl", "0", &format!("127.0.0.1:{port}")]);
    f.expect("SHA-256 fingerprint ");
    let data = pattern(1 << 20, 31);
    let o = connect_with(&["--ssl", "--ssl-no-verify", &f.addr], &data);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout == data, "the echo came back whole through TLS");
    assert!(f.alive());
}

#[test]
fn forward_ssl_shows_a_given_certificate_that_connect_verifies() {
    let Some(pki) = Pki::new("fwd-cert") else {
        return;
    };
    let port = echo_server();
    let f = server(&[
        "forward",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
        "0",
        &format!("127.0.0.1:{port}"),
    ]);
    let o = connect_with(
        &[
            "--ssl",
            "--ssl-trustfile",
            &pki.arg("ca.pem"),
            "--ssl-servername",
            "test.local",
            &f.addr,
        ],
        b"verified\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(o.stdout, b"verified\n");
}

/// `nsock listen -k --ssl -e cat` with the test CA's certificate for
/// test.local: a TLS echo.
fn tls_echo(pki: &Pki) -> Listener {
    listen(&[
        "127.0.0.1:0",
        "-k",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
        "-e",
        "cat",
    ])
}

#[test]
fn plain_clients_through_forward_ssl_target_reach_a_tls_echo() {
    let Some(pki) = Pki::new("fwd-target") else {
        return;
    };
    let echo = tls_echo(&pki);
    let mut f = server(&[
        "forward",
        "--ssl-target",
        "--ssl-trustfile",
        &pki.arg("ca.pem"),
        "--ssl-servername",
        "test.local",
        "0",
        &echo.addr,
    ]);
    for i in 0..3 {
        let data = pattern(100_000 + i * 1000, 40 + i as u64);
        assert!(
            round_trip(&f.addr, data.clone()) == data,
            "echo {i} differs"
        );
    }
    assert!(f.alive(), "{:?}", f.more());
}

#[test]
fn a_chain_of_ssl_target_and_ssl_forwarders_keeps_half_closes_and_bulk() {
    let Some(pki) = Pki::new("fwd-chain") else {
        return;
    };
    let port = echo_server();
    // The inner forwarder takes TLS, the outer one speaks it: a plain
    // client at each end, TLS between.
    let inner = server(&[
        "forward",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
        "0",
        &format!("127.0.0.1:{port}"),
    ]);
    let outer = server(&[
        "forward",
        "--ssl-target",
        "--ssl-trustfile",
        &pki.arg("ca.pem"),
        "--ssl-servername",
        "test.local",
        "0",
        &inner.addr,
    ]);
    // More than the socket buffers and the engine's hold, sent whole
    // before the half-close: the reply must outlive the client's end.
    let data = pattern(4 << 20, 47);
    assert!(
        round_trip(&outer.addr, data.clone()) == data,
        "the echo differs"
    );
}

#[test]
fn a_target_certificate_for_another_name_is_refused_naming_it() {
    let Some(pki) = Pki::new("fwd-name") else {
        return;
    };
    let echo = tls_echo(&pki);
    let mut f = server(&[
        "forward",
        "--ssl-target",
        "--ssl-trustfile",
        &pki.arg("ca.pem"),
        "0",
        &echo.addr,
    ]);
    let addr = f.addr.clone();
    let back = within("the refused client's end", move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        let _ = s.write_all(b"x");
        let mut back = Vec::new();
        // Closed with the byte unread, the client may see a reset.
        let _ = s.read_to_end(&mut back);
        back
    });
    assert!(back.is_empty(), "the client is closed, not served");
    let line = f.expect("name mismatch");
    assert!(
        line.contains("test.local"),
        "the certificate's name: {line}"
    );
    assert!(line.contains("127.0.0.1"), "the name checked: {line}");
    assert!(f.alive());
}

#[test]
fn bad_tls_input_exits_2_before_listening() {
    let dir = std::env::temp_dir().join(format!("nsock-fwd-tls-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "not a certificate\n").unwrap();
    let text = text.to_str().unwrap();
    let target = "127.0.0.1:9";
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--ssl", "--ssl-cert", text, "--ssl-key", text, "0", target],
            "--ssl-cert",
        ),
        (vec!["--ssl", "-u", "0", target], "--udp"),
        (vec!["--ssl-target", "-u", "0", target], "--udp"),
        (vec!["--ssl", "--ssl-cert", text, "0", target], "--ssl-key"),
        (
            vec!["--ssl-target", "--ssl-trustfile", text, "0", target],
            "--ssl-trustfile",
        ),
        (vec!["--ssl-trustfile", text, "0", target], "--ssl-target"),
        (
            vec!["--ssl-target", "--ssl-alpn", "h2,,x", "0", target],
            "--ssl-alpn",
        ),
        (
            vec!["--ssl-target", "--to-unix", "/tmp/x.sock", "0"],
            "--ssl-servername",
        ),
    ];
    let pki = Pki::new("fwd-mismatch");
    let (cert, wrong_key) = pki
        .as_ref()
        .map(|p| (p.arg("cert.pem"), p.arg("ca.key")))
        .unwrap_or_default();
    if pki.is_some() {
        cases.push((
            vec![
                "--ssl",
                "--ssl-cert",
                &cert,
                "--ssl-key",
                &wrong_key,
                "0",
                target,
            ],
            "the key does not match the certificate",
        ));
    }
    for (args, needle) in cases {
        let o = run(&[&["forward"][..], &args].concat());
        assert_fails(&o, 2, needle);
        assert!(
            !stderr(&o).contains("listening"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_shows_a_tls_example() {
    let o = run(&["forward", "--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.contains("nsock forward --ssl "), "{text}");
    assert!(text.contains("--ssl-target"), "{text}");
}

#[test]
#[cfg(target_os = "linux")]
fn tls_connections_leave_no_descriptor_or_thread_behind() {
    use super::forward::{descriptors, settled_descriptors};
    let Some(pki) = Pki::new("fwd-leak") else {
        return;
    };
    let port = echo_server();
    let inner = server(&[
        "forward",
        "--ssl",
        "--ssl-cert",
        &pki.arg("cert.pem"),
        "--ssl-key",
        &pki.arg("key.pem"),
        "0",
        &format!("127.0.0.1:{port}"),
    ]);
    let outer = server(&[
        "forward",
        "--ssl-target",
        "--ssl-trustfile",
        &pki.arg("ca.pem"),
        "--ssl-servername",
        "test.local",
        "0",
        &inner.addr,
    ]);
    let threads = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/task"))
            .unwrap()
            .count()
    };
    let pids = [inner.child.id(), outer.child.id()];
    // The worker threads start just after the `listening` line.
    thread::sleep(Duration::from_millis(500));
    let idle = pids.map(|p| (settled_descriptors(p), threads(p)));
    for i in 0..40 {
        let msg = format!("message {i}").into_bytes();
        assert_eq!(round_trip(&outer.addr, msg.clone()), msg);
    }
    // The setup and bridge threads end a moment after their connection.
    let end = Instant::now() + Duration::from_secs(10);
    let mut now = pids.map(|p| (descriptors(p), threads(p)));
    while now != idle && Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
        now = pids.map(|p| (descriptors(p), threads(p)));
    }
    assert_eq!(now, idle, "(descriptors, threads) before and after");
}
