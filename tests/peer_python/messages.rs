//! Python 3's `socket` module (`send_fds` / `recv_fds`, `sendmsg` /
//! `recvmsg` with ancillary data) on the other end of the crate's
//! messages, both directions.

use std::io::IoSlice;
use std::net::Ipv4Addr;
use std::os::fd::AsFd;
use std::process::Stdio;

use nativesockets::*;
use nativesockets_testutil::files::temp_file;
use nativesockets_testutil::process::qemu_gap;

use super::common::{recv_fd_text, recv_one, send_fd, udp_v4, WAIT};
use super::python3;

fn finish(child: std::process::Child) -> String {
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// `python3 -c script args...`, its output piped.
fn python(script: &str, args: &[&str]) -> std::process::Child {
    python3()
        .arg("-c")
        .arg(script)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

const UNIX_PEER: &str = r#"
import os, socket, sys
path, fpath = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(path)
fd = os.open(fpath, os.O_RDONLY)
socket.send_fds(s, [b"P"], [fd])
os.close(fd)
msg, fds, flags, addr = socket.recv_fds(s, 16, 4)
os.lseek(fds[0], 0, 0)
data = os.read(fds[0], 100)
print("python got", msg.decode(), len(fds), data.decode())
"#;

pub fn descriptors_pass_both_ways_with_python() {
    let dir = std::env::temp_dir().join(format!("ns-msg-py-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sock_path = dir.join("py.sock");
    let py_file = dir.join("from-python.txt");
    std::fs::write(&py_file, "python's file").unwrap();
    let l = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip).unwrap();
    l.bind_addr(&SockAddr::unix(&sock_path).unwrap()).unwrap();
    l.listen(1).unwrap();
    let child = python(
        UNIX_PEER,
        &[sock_path.to_str().unwrap(), py_file.to_str().unwrap()],
    );
    l.set_read_timeout(WAIT).unwrap();
    let (conn, _) = l.accept().unwrap();
    conn.set_read_timeout(WAIT).unwrap();

    // Python to Rust.
    let (byte, text) = recv_fd_text(&conn);
    assert_eq!(&byte, b"P");
    assert_eq!(text, "python's file");

    // Rust to Python.
    let (rust_path, rust_file) = temp_file("to-python", b"rust's file");
    send_fd(&conn, b"R", rust_file.as_fd());
    let out = finish(child);
    assert_eq!(out.trim(), "python got R 1 rust's file");
    std::fs::remove_file(rust_path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

const UDP_PEER: &str = r#"
import socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.bind(("127.0.0.1", 0))
s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
s.setsockopt(socket.IPPROTO_IP, 8, 1)  # IP_PKTINFO
s.sendmsg([b"from ", b"python"], [
    (socket.IPPROTO_IP, socket.IP_TOS, struct.pack("i", 0x04)),
    (socket.IPPROTO_IP, 2, struct.pack("i", 33)),  # IP_TTL
], 0, ("127.0.0.1", port))
data, anc, flags, addr = s.recvmsg(64, 256)
out = [data.decode()]
for level, ty, payload in anc:
    if level == socket.IPPROTO_IP and ty == socket.IP_TOS:
        out.append("tos=%d" % payload[0])
    if level == socket.IPPROTO_IP and ty == 8:
        ifindex, spec, dst = struct.unpack("I4s4s", payload[:12])
        out.append("dst=" + socket.inet_ntoa(dst))
print(" ".join(out[:1] + sorted(out[1:])))
"#;

pub fn control_messages_pass_both_ways_with_python_over_udp() {
    if qemu_gap("IP_TOS and IP_PKTINFO control messages") {
        return;
    }
    let rx = udp_v4([0, 0, 0, 0]);
    rx.set_recv_tos_v4(true).unwrap();
    rx.set_recv_ttl_v4(true).unwrap();
    rx.set_recv_pktinfo_v4(true).unwrap();
    let port = rx.local_addr().unwrap().port().unwrap().0.to_string();
    let child = python(UDP_PEER, &[&port]);
    // Python to Rust: gathered data, TOS and TTL set per datagram.
    let mut buf = [0u8; 64];
    let mut control = [0u8; 256];
    let msg = recv_one(&rx, &mut buf, &mut control);
    assert_eq!(&buf[..msg.len()], b"from python");
    let all: Vec<_> = msg.control().collect();
    assert!(all.contains(&ReceivedControl::TosV4(0x04)), "{all:?}");
    assert!(all.contains(&ReceivedControl::TtlV4(33)), "{all:?}");
    assert!(
        all.iter().any(
            |c| matches!(c, ReceivedControl::PktInfoV4 { addr, .. } if *addr == Ipv4Addr::LOCALHOST)
        ),
        "{all:?}"
    );
    let peer = msg.addr().clone();

    // Rust to Python: TOS and a chosen source address.
    rx.send_msg(
        Some(&peer),
        &[IoSlice::new(b"from rust")],
        &[
            ControlMessage::TosV4(0x08),
            ControlMessage::PktInfoV4 {
                addr: Ipv4Addr::LOCALHOST,
                interface: 0,
            },
        ],
        0,
    )
    .unwrap();
    let out = finish(child);
    assert_eq!(out.trim(), "from rust dst=127.0.0.1 tos=8");
}
