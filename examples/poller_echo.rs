//! The same echo server as `ring_echo.rs`, on `Poller` (level-triggered
//! readiness, then `recv` and `send` on the socket): what a ring server
//! is compared with (`scripts/bench-syscalls` counts each one's system
//! calls per echoed message). Serves until interrupted.
//!
//! ```text
//! cargo run --release --example poller_echo -- 127.0.0.1:7001
//! ```

use std::io;
use std::net::SocketAddr;

use nativesockets::{
    Domain, Events, Interest, Poller, Protocol, SockAddr, SockType, SocketHandle, SOMAXCONN,
};

/// The listener's key; connections use their index in the table.
const LISTENER: usize = usize::MAX - 1; // usize::MAX is the poller's own wake-up key

fn main() -> io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7001".to_owned())
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("address: {e}")))?;
    let domain = if addr.is_ipv4() {
        Domain::Inet
    } else {
        Domain::Inet6
    };
    let listener = SocketHandle::new(domain, SockType::Stream, Protocol::Tcp)?;
    listener.set_reuse_address(true)?;
    listener.bind_addr(&SockAddr::from(addr))?;
    listener.listen(SOMAXCONN)?;
    listener.set_blocking(false)?;
    let poller = Poller::new()?;
    poller.add(&listener, LISTENER, Interest::READABLE)?;
    eprintln!("poller_echo: serving on {}", listener.local_addr()?);
    let mut conns: Vec<Option<SocketHandle>> = Vec::new();
    let mut free_keys: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 16 << 10];
    loop {
        poller.wait(&mut events, None)?;
        for ev in events.iter() {
            if ev.key == LISTENER {
                while let Ok((conn, _)) = listener.accept() {
                    conn.set_blocking(false)?;
                    let key = free_keys.pop().unwrap_or(conns.len());
                    if key == conns.len() {
                        conns.push(None);
                    }
                    poller.add(&conn, key, Interest::READABLE)?;
                    conns[key] = Some(conn);
                }
                continue;
            }
            let Some(conn) = conns[ev.key].as_ref() else {
                continue;
            };
            // One receive per readiness, as level-triggered readiness
            // allows; what it got goes back at once (a short send on a
            // full socket buffer waits for writability).
            let gone = match conn.recv(&mut buf) {
                Ok(0) => true,
                Ok(n) => send_all(conn, &buf[..n]).is_err(),
                Err(e) => e.kind() != io::ErrorKind::WouldBlock,
            };
            if gone {
                if let Some(conn) = conns[ev.key].take() {
                    let _ = poller.delete(&conn);
                }
                free_keys.push(ev.key);
            }
        }
    }
}

/// Sends all of `data`, waiting (with `select`) for room on a full
/// buffer: a small echo server's shortcut, which a real one replaces with
/// a queue and writable interest.
fn send_all(conn: &SocketHandle, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match conn.send(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                nativesockets::select_write(&mut vec![conn], 1000)?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
