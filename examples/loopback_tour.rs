//! A tour of the crate on loopback, finishing by itself: a TCP echo over
//! IPv4 and IPv6, a UDP exchange, a Unix-domain stream in a temp dir, and
//! the addresses, options and byte order along the way.
//!
//! Run with `cargo run --example loopback_tour`.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread;

use nativesockets::*;

fn tcp_echo(bind: SocketAddr) -> io::Result<()> {
    let domain = SockAddr::from(bind).domain().expect("IP address");
    let listener = new_native_socket(domain, SockType::Stream, Protocol::Tcp)?;
    listener.set_reuse_address(true)?;
    bind_addr(&listener, &bind.into())?;
    listen(&listener, SOMAXCONN)?;
    let (host, port) = get_local_addr(&listener)?;
    println!("tcp  listening on {host} port {port} ({domain:?})");

    let server = thread::spawn(move || -> io::Result<()> {
        let (mut conn, peer) = accept(&listener)?;
        println!("tcp  accepted {peer}");
        let mut buf = [0u8; 64];
        let n = conn.read(&mut buf)?;
        conn.write_all(&buf[..n])?;
        Ok(())
    });

    let client = new_native_socket(domain, SockType::Stream, Protocol::Tcp)?;
    client.set_nodelay(true)?;
    client.connect(&SockAddr::from(SocketAddr::new(bind.ip(), u16::from(port))))?;
    (&client).write_all(b"echo me")?;
    let mut reply = [0u8; 7];
    (&client).read_exact(&mut reply)?;
    println!(
        "tcp  echoed {:?}, peer {:?}",
        String::from_utf8_lossy(&reply),
        get_peer_addr(&client)?
    );
    server.join().expect("server thread")?;
    close(client)
}

fn udp_exchange() -> io::Result<()> {
    let a = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    let b = new_native_socket(Domain::Inet, SockType::Dgram, Protocol::Udp)?;
    a.bind_addr(&SockAddr::from(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        0,
    ))))?;
    b.bind_addr(&SockAddr::from(std::net::SocketAddr::from((
        [127, 0, 0, 1],
        0,
    ))))?;
    a.send_to(b"datagram", &b.local_addr()?)?;
    let mut buf = [0u8; 32];
    let (n, from) = b.recv_from(&mut buf)?;
    println!(
        "udp  got {:?} from {}",
        String::from_utf8_lossy(&buf[..n]),
        from
    );
    Ok(())
}

#[cfg(unix)]
fn unix_stream() -> io::Result<()> {
    let dir = std::env::temp_dir().join(format!("nativesockets-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("tour.sock");
    let addr = SockAddr::unix(&path)?;
    let listener = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip)?;
    listener.bind_addr(&addr)?;
    listener.listen(1)?;
    let client = new_native_socket(Domain::Unix, SockType::Stream, Protocol::Ip)?;
    client.connect(&addr)?;
    let (conn, _) = listener.accept()?;
    client.send(b"local")?;
    let mut buf = [0u8; 5];
    (&conn).read_exact(&mut buf)?;
    println!(
        "unix {} carried {:?}",
        get_addr_string(&addr)?,
        String::from_utf8_lossy(&buf)
    );
    std::fs::remove_dir_all(&dir)
}

#[cfg(not(unix))]
fn unix_stream() -> io::Result<()> {
    println!("unix (skipped: this tour uses Unix-domain sockets on Unix only)");
    Ok(())
}

fn main() -> io::Result<()> {
    tcp_echo("127.0.0.1:0".parse().unwrap())?;
    tcp_echo("[::1]:0".parse().unwrap())?;
    udp_exchange()?;
    unix_stream()?;
    println!(
        "byte order: htons(8080) = {:#06x} in memory as {:?}; AF_INET6 here is {}",
        htons(8080),
        htons(8080).to_ne_bytes(),
        Domain::Inet6.to_int()
    );
    println!("done");
    Ok(())
}
