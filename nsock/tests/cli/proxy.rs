//! `nsock connect --proxy`: through `nsock socks` (SOCKS5 with either
//! side resolving, SOCKS4a, a password), through an HTTP CONNECT proxy
//! (a hand-written one that checks Basic credentials, and ncat's), and
//! bad proxy URLs.

use super::forward::{echo_server, server};
use super::socks::have;
use super::*;

/// `nsock connect args` with `input` on stdin: (exit code, stdout, stderr).
fn connect_with(args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    let mut c = connect(args);
    let feeder = feed(&mut c, input.to_vec());
    let o = finish(c, &format!("connect {args:?}"));
    // A connect refused by the proxy ends before it reads its input: the
    // feeder's write may then fail with a broken pipe, which is no error
    // of the test's.
    let _ = feeder.join();
    (o.status.code().unwrap_or(-1), o.stdout.clone(), stderr(&o))
}

#[test]
fn connect_through_nsock_socks_every_scheme() {
    let port = echo_server();
    let port = port.to_string();
    let socks = server(&["socks", "127.0.0.1:0"]);
    for scheme in ["socks5", "socks5h", "socks4", "socks4a"] {
        let url = format!("{scheme}://{}", socks.addr);
        let (code, out, err) = connect_with(&["--proxy", &url, "localhost", &port], b"hello");
        assert_eq!(
            (code, out.as_slice()),
            (0, &b"hello"[..]),
            "{scheme}: {err}"
        );
        assert!(err.contains("through"), "{scheme}: {err}");
    }
}

#[test]
fn a_password_is_given_and_a_wrong_one_is_named() {
    let port = echo_server().to_string();
    let socks = server(&["socks", "127.0.0.1:0", "--auth", "bob:pw"]);
    let url = format!("socks5h://{}", socks.addr);
    let (code, out, err) = connect_with(
        &[
            "--proxy",
            &url,
            "--proxy-auth",
            "bob:pw",
            "127.0.0.1",
            &port,
        ],
        b"auth",
    );
    assert_eq!((code, out.as_slice()), (0, &b"auth"[..]), "{err}");
    let in_url = format!("socks5h://bob:pw@{}", socks.addr);
    let (code, _, err) = connect_with(&["--proxy", &in_url, "127.0.0.1", &port], b"x");
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = connect_with(
        &[
            "--proxy",
            &url,
            "--proxy-auth",
            "bob:no",
            "127.0.0.1",
            &port,
        ],
        b"x",
    );
    assert_eq!(code, 1);
    assert!(err.contains("refused the user name and password"), "{err}");
}

#[test]
fn a_refused_destination_is_reported_with_the_proxy_reply() {
    let (_closed, port) = closed_port();
    let socks = server(&["socks", "127.0.0.1:0"]);
    let url = format!("socks5h://{}", socks.addr);
    let (code, _, err) = connect_with(&["--proxy", &url, "127.0.0.1", &port.to_string()], b"");
    assert_eq!(code, 1);
    assert!(err.contains("connection refused (SOCKS5 reply 5)"), "{err}");
}

/// A one-connection HTTP CONNECT proxy that wants `Basic dTpw` (u:pw)
/// and then echoes.
fn fake_http_proxy() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if c.read(&mut b).unwrap_or(0) == 0 {
                    break;
                }
                head.push(b[0]);
            }
            let text = String::from_utf8_lossy(&head).to_string();
            if !text.starts_with("CONNECT example.test:443 HTTP/1.1\r\n") {
                let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
                continue;
            }
            if !text.contains("Proxy-Authorization: Basic dTpwdw==\r\n") {
                let _ = c.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
                continue;
            }
            c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 1024];
            while let Ok(n @ 1..) = c.read(&mut buf) {
                c.write_all(&buf[..n]).unwrap();
            }
        }
    });
    port
}

#[test]
fn http_connect_with_basic_credentials() {
    let proxy = format!("http://127.0.0.1:{}", fake_http_proxy());
    let (code, out, err) = connect_with(
        &[
            "--proxy",
            &proxy,
            "--proxy-auth",
            "u:pw",
            "example.test",
            "443",
        ],
        b"tunnel",
    );
    assert_eq!((code, out.as_slice()), (0, &b"tunnel"[..]), "{err}");
    let (code, _, err) = connect_with(&["--proxy", &proxy, "example.test", "443"], b"x");
    assert_eq!(code, 1);
    assert!(err.contains("407"), "{err}");
}

#[test]
fn http_connect_through_ncat() {
    if !have("ncat") {
        return;
    }
    let port = echo_server().to_string();
    let probe = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_port = probe.local_addr().unwrap().port();
    drop(probe);
    let _ncat = Proc(
        Command::new("ncat")
            .args(["-l", "-k", "--proxy-type", "http", "127.0.0.1"])
            .arg(proxy_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let end = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", proxy_port)).is_err() {
        assert!(Instant::now() < end, "ncat never listened");
        thread::sleep(Duration::from_millis(50));
    }
    let url = format!("http://127.0.0.1:{proxy_port}");
    // ncat's proxy closes both ways at the client's half-close, so stdin
    // stays open until the echo is back.
    let mut c = connect(&["--proxy", &url, "127.0.0.1", &port]);
    let mut stdin = c.stdin.take().unwrap();
    stdin.write_all(b"via ncat").unwrap();
    stdin.flush().unwrap();
    let (echo, _out) = read_n(c.stdout.take().unwrap(), 8);
    assert_eq!(echo, b"via ncat");
    drop(stdin);
}

#[test]
fn bad_proxy_urls_name_themselves_and_exit_2() {
    for (url, needle) in [
        ("ftp://127.0.0.1:21", "the scheme \"ftp\" is unknown"),
        ("socks5://127.0.0.1", "has no port"),
        ("127.0.0.1:1080", "has no scheme"),
        ("socks5h://h:70000", "not a number from 1 to 65535"),
    ] {
        let o = run(&["connect", "--proxy", url, "127.0.0.1", "80"]);
        assert_fails(&o, 2, needle);
    }
    let o = run(&["connect", "--proxy-auth", "a:b", "127.0.0.1", "80"]);
    assert_fails(&o, 2, "--proxy");
}
