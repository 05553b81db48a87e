//! `nsock socks`: curl through it (SOCKS5 with the name resolved by the
//! proxy, SOCKS4a, with and without a password), a hand-written SOCKS5
//! client for what curl does not exercise (IPv6 destinations, a refused
//! destination, an unsupported command), and the safe defaults.

use super::forward::{echo_server, server, Server};
use super::*;

/// A tiny HTTP/1.0 server on 127.0.0.1 answering every request with
/// `hello <path>`.
pub(super) fn http_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            thread::spawn(move || {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match c.read(&mut b) {
                        Ok(1) => head.push(b[0]),
                        _ => return,
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let path = text.split_whitespace().nth(1).unwrap_or("?").to_string();
                let body = format!("hello {path}");
                let _ = write!(
                    c,
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    port
}

/// Whether `program` can be run; if not, the test says why it skips.
pub(super) fn have(program: &str) -> bool {
    let ok = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        eprintln!("skipped: {program} is not installed (apt-get install {program})");
    }
    ok
}

/// Runs curl with `args` (bounded by its own --max-time): its exit code
/// and body.
fn curl(args: &[&str]) -> (i32, String) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "30"])
        .args(args)
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[test]
fn curl_gets_a_page_through_socks5_and_socks4a() {
    if !have("curl") {
        return;
    }
    let web = http_server();
    let socks = server(&["socks", "127.0.0.1:0"]);
    let url = format!("http://localhost:{web}/five");
    assert_eq!(
        curl(&["--socks5-hostname", &socks.addr, &url]),
        (0, "hello /five".to_string())
    );
    assert_eq!(
        curl(&["--socks4a", &socks.addr, &url]),
        (0, "hello /five".to_string())
    );
    let ip_url = format!("http://127.0.0.1:{web}/ip");
    assert_eq!(
        curl(&["--socks5", &socks.addr, &ip_url]),
        (0, "hello /ip".to_string())
    );
    assert_eq!(
        curl(&["--socks4", &socks.addr, &ip_url]),
        (0, "hello /ip".to_string())
    );
}

#[test]
fn with_auth_only_the_right_password_gets_through() {
    if !have("curl") {
        return;
    }
    let web = http_server();
    let socks = server(&["socks", "127.0.0.1:0", "--auth", "alice:s3cret"]);
    let url = format!("http://localhost:{web}/auth");
    let good = format!("alice:s3cret@{}", socks.addr);
    assert_eq!(
        curl(&["--socks5-hostname", &good, &url]),
        (0, "hello /auth".to_string())
    );
    let bad = format!("alice:wrong@{}", socks.addr);
    let (code, body) = curl(&["--socks5-hostname", &bad, &url]);
    assert!(code != 0 && body.is_empty(), "{code} {body}");
    let (code, _) = curl(&["--socks5-hostname", &socks.addr, &url]);
    assert_ne!(code, 0, "no password, no page");
    let (code, _) = curl(&["--socks4a", &socks.addr, &url]);
    assert_ne!(code, 0, "SOCKS4 cannot give the password");
}

/// A SOCKS5 CONNECT by hand: the reply code and the stream.
fn socks5_connect(proxy: &str, dest: &[u8]) -> (u8, TcpStream) {
    let mut s = TcpStream::connect(proxy).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    s.write_all(&[5, 1, 0]).unwrap();
    let mut choice = [0u8; 2];
    s.read_exact(&mut choice).unwrap();
    assert_eq!(choice, [5, 0]);
    s.write_all(&[&[5][..], dest].concat()).unwrap();
    let mut head = [0u8; 4];
    s.read_exact(&mut head).unwrap();
    let rest = match head[3] {
        1 => 6,
        4 => 18,
        t => panic!("address type {t} in the reply"),
    };
    let mut bound = vec![0u8; rest];
    s.read_exact(&mut bound).unwrap();
    (head[1], s)
}

#[test]
fn socks5_by_hand_ipv4_ipv6_names_refusals_and_commands() {
    let port = echo_server();
    let p = port.to_be_bytes();
    let socks = server(&["socks", "127.0.0.1:0"]);
    // IPv4, then bytes both ways.
    let (code, mut s) = socks5_connect(&socks.addr, &[1, 0, 1, 127, 0, 0, 1, p[0], p[1]]);
    assert_eq!(code, 0);
    s.write_all(b"ipv4").unwrap();
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ipv4");
    // A name.
    let name = b"localhost";
    let mut req = vec![1, 0, 3, name.len() as u8];
    req.extend(name);
    req.extend(p);
    let (code, _s) = socks5_connect(&socks.addr, &req);
    assert_eq!(code, 0);
    // A refused destination: reply 5.
    let (_closed, shut) = closed_port();
    let q = shut.to_be_bytes();
    let (code, _) = socks5_connect(&socks.addr, &[1, 0, 1, 127, 0, 0, 1, q[0], q[1]]);
    assert_eq!(code, 5, "connection refused");
    // BIND (2) is not offered: reply 7.
    let (code, _) = socks5_connect(&socks.addr, &[2, 0, 1, 127, 0, 0, 1, p[0], p[1]]);
    assert_eq!(code, 7, "command not supported");
    // IPv6, where the machine has it.
    if let Ok(l6) = TcpListener::bind("[::1]:0") {
        let p6 = l6.local_addr().unwrap().port().to_be_bytes();
        let mut req = vec![1, 0, 4];
        req.extend(std::net::Ipv6Addr::LOCALHOST.octets());
        req.extend(p6);
        let (code, _s) = socks5_connect(&socks.addr, &req);
        assert_eq!(code, 0);
    }
}

#[test]
fn without_an_address_loopback_and_beyond_it_a_warning_unless_auth() {
    let mut s: Server = server(&["socks", "0"]);
    assert!(s.addr.starts_with("127.0.0.1:"), "{}", s.addr);
    s.expect("loopback only");
    let mut open = server(&["socks", "-4", ":0"]);
    open.expect("an open proxy");
    let mut closed = server(&["socks", "-4", ":0", "--auth", "a:b"]);
    thread::sleep(Duration::from_millis(300));
    assert!(
        !closed.more().iter().any(|l| l.contains("open proxy")),
        "{:?}",
        closed.seen
    );
}

#[test]
fn a_python_client_speaks_socks5_to_it() {
    if !have("python3") {
        return;
    }
    let web = http_server();
    let socks = server(&["socks", "127.0.0.1:0"]);
    let (host, port) = socks.addr.rsplit_once(':').unwrap();
    // RFC 1928 by hand, as a Python program without PySocks would.
    let script = format!(
        r#"
import socket, struct
s = socket.create_connection(("{host}", {port}), timeout=30)
s.sendall(b"\x05\x01\x00")
assert s.recv(2) == b"\x05\x00"
name = b"localhost"
s.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", {web}))
head = s.recv(4)
assert head[1] == 0, head
s.recv(6 if head[3] == 1 else 18)
s.sendall(b"GET /py HTTP/1.0\r\n\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print(data.split(b"\r\n\r\n", 1)[1].decode())
"#
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "hello /py");
}
