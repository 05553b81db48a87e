//! An echo server on `Ring`: multishot accept, pooled receives, each
//! message sent back. Serves until interrupted.
//!
//! ```text
//! cargo run --release --example ring_echo -- 127.0.0.1:7000
//! ```

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use nativesockets::{
    Completions, Domain, OpKind, Protocol, Ring, SockAddr, SockType, SocketHandle, SOMAXCONN,
};

/// The accept's key; connections use their index in the table.
const ACCEPT: u64 = u64::MAX;

fn main() -> io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7000".to_owned())
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("address: {e}")))?;
    let domain = if addr.is_ipv4() {
        Domain::Inet
    } else {
        Domain::Inet6
    };
    let addr = SockAddr::from(addr);
    let listener = SocketHandle::new(domain, SockType::Stream, Protocol::Tcp)?;
    listener.set_reuse_address(true)?;
    listener.bind_addr(&addr)?;
    listener.listen(SOMAXCONN)?;
    let listener = Arc::new(listener);

    let mut ring = Ring::new()?;
    eprintln!(
        "ring_echo: serving on {} with {:?} (multishot: {})",
        listener.local_addr()?,
        ring.backend(),
        ring.multishot()
    );
    let mut conns: Vec<Option<Arc<SocketHandle>>> = Vec::new();
    let mut free_keys: Vec<usize> = Vec::new();
    let mut spare: Vec<Vec<u8>> = Vec::new();
    ring.accept(&listener, ACCEPT)?;
    let mut done = Completions::with_capacity(1024);
    loop {
        ring.wait(&mut done, None)?;
        for mut c in done.drain() {
            match c.kind() {
                OpKind::Accept => {
                    if let Some(conn) = c.take_accepted() {
                        let conn = Arc::new(conn);
                        let key = free_keys.pop().unwrap_or(conns.len());
                        if key == conns.len() {
                            conns.push(None);
                        }
                        ring.recv_pooled(&conn, key as u64)?;
                        conns[key] = Some(conn);
                    }
                    if !c.is_more() {
                        // The accept ended (an error such as EMFILE): again.
                        eprintln!("ring_echo: accept: {:?}", c.result());
                        ring.accept(&listener, ACCEPT)?;
                    }
                }
                OpKind::RecvPooled => {
                    let key = c.key() as usize;
                    let Some(conn) = conns[key].clone() else {
                        continue;
                    };
                    if let Some(data) = c.pooled() {
                        let mut out = spare.pop().unwrap_or_default();
                        out.clear();
                        out.extend_from_slice(data);
                        ring.send(&conn, out, c.key())?;
                    }
                    if !c.is_more() {
                        if c.is_out_of_buffers() {
                            ring.recv_pooled(&conn, c.key())?;
                        } else {
                            // End of stream or an error: the connection goes.
                            conns[key] = None;
                            free_keys.push(key);
                        }
                    }
                }
                OpKind::Send => {
                    let Some(mut buf) = c.take_buffer() else {
                        continue;
                    };
                    let conn = conns[c.key() as usize].clone();
                    match (c.result(), conn) {
                        // A short send: the rest goes after it (behind any
                        // send already queued: a server that writes much
                        // keeps one send in flight per connection).
                        (Ok(n), Some(conn)) if n < buf.len() => {
                            buf.drain(..n);
                            ring.send(&conn, buf, c.key())?;
                        }
                        _ => spare.push(buf),
                    }
                }
                _ => {}
            }
        }
    }
}
