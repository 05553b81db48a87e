//! The relay engine of `forward` and `socks`: one `Poller` per thread,
//! each connection a pair of non-blocking sockets and a fixed buffer
//! each way.
//!
//! A direction reads from its source only while its buffer has room,
//! and asks to be told the destination is writable only while the buffer
//! holds bytes; so a peer that stops reading stalls its own connection
//! and nothing else, and memory per connection is bounded. A socket with
//! no interest left is taken out of the poller (a level-triggered hang-up
//! could not be silenced otherwise). The end of one direction's input is
//! passed on as a half-close (`shutdown(Write)`), so a client that shuts
//! its side still gets the target's reply; the connection ends when both
//! directions have ended, or at the first error on either side.
//!
//! Bytes go through user space (`recv` into the buffer, `send` from it):
//! the library offers no `splice`, which on Linux would move them through
//! a pipe without the copy (BENCHMARKS.md has the figures).

use std::io;
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use nativesockets::{
    new_native_socket, Domain, Event, Interest, Poller, Protocol, SockAddr, SockType, SocketHandle,
};

use crate::output::note;
use crate::server::accept::Reports;

/// Bytes buffered per direction of a connection.
pub const BUF: usize = 64 * 1024;

/// How many buffers a worker keeps for reuse, so that short connections
/// do not allocate.
const POOL: usize = 256;

/// How many recv/send rounds one event may take, so that one busy
/// connection cannot starve the others.
const ROUNDS: usize = 16;

/// One direction: bytes read from its source, not yet sent on.
struct Half {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// The source reached end-of-stream.
    eof: bool,
    /// The end was passed on (`shutdown(Write)` of the destination).
    shut: bool,
    moved: u64,
}

impl Half {
    fn new(buf: Box<[u8]>) -> Half {
        Half {
            buf,
            start: 0,
            end: 0,
            eof: false,
            shut: false,
            moved: 0,
        }
    }

    fn wants_read(&self) -> bool {
        !self.eof && self.end < self.buf.len()
    }

    fn has_data(&self) -> bool {
        self.start < self.end
    }

    /// Moves what it can from `src` to `dst` without blocking.
    fn pump(&mut self, src: &SocketHandle, dst: &SocketHandle) -> io::Result<()> {
        for _ in 0..ROUNDS {
            if self.has_data() {
                match dst.send(&self.buf[self.start..self.end]) {
                    Ok(n) => {
                        self.start += n;
                        self.moved += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
                if self.has_data() {
                    // The destination's send buffer is full.
                    return Ok(());
                }
                self.start = 0;
                self.end = 0;
            }
            if self.eof {
                if !self.shut {
                    self.shut = true;
                    match dst.shutdown(Shutdown::Write) {
                        Err(e) if e.kind() != io::ErrorKind::NotConnected => return Err(e),
                        _ => {}
                    }
                }
                return Ok(());
            }
            let room = self.buf.len() - self.end;
            match src.recv(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.end += n;
                    if n < room {
                        // The source is drained: send this, then wait.
                        self.flush_once(dst)?;
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn flush_once(&mut self, dst: &SocketHandle) -> io::Result<()> {
        match dst.send(&self.buf[self.start..self.end]) {
            Ok(n) => {
                self.start += n;
                self.moved += n as u64;
                if !self.has_data() {
                    self.start = 0;
                    self.end = 0;
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// A client and its target.
struct Conn {
    client: SocketHandle,
    target: SocketHandle,
    /// The target's connect is still going on (of address `attempt`).
    connecting: bool,
    attempt: usize,
    /// Client to target.
    up: Half,
    /// Target to client.
    down: Half,
    /// What each socket (client, target) is registered for; `None`: not
    /// in the poller.
    reg: [Option<Interest>; 2],
    peer: SockAddr,
}

/// One thread's connections.
pub struct Worker {
    pub poller: Arc<Poller>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    pool: Vec<Box<[u8]>>,
    /// Where new clients are forwarded to, tried in turn.
    targets: Arc<[SockAddr]>,
    /// Connections alive in every worker of the server.
    live: Arc<AtomicUsize>,
    verbose: bool,
    reports: Arc<Reports>,
}

/// The highest key a connection's socket may have; listeners and the like
/// take the keys above.
pub const MAX_CONN_KEY: usize = usize::MAX / 2;

impl Worker {
    pub fn new(
        poller: Arc<Poller>,
        targets: Arc<[SockAddr]>,
        live: Arc<AtomicUsize>,
        verbose: bool,
        reports: Arc<Reports>,
    ) -> Worker {
        Worker {
            poller,
            conns: Vec::new(),
            free: Vec::new(),
            pool: Vec::new(),
            targets,
            live,
            verbose,
            reports,
        }
    }

    fn buffer(&mut self) -> Box<[u8]> {
        self.pool
            .pop()
            .unwrap_or_else(|| vec![0u8; BUF].into_boxed_slice())
    }

    /// Takes a new client (counted in `live` already) and starts its
    /// connect to the first target.
    pub fn start(&mut self, client: SocketHandle, peer: SockAddr) {
        if self.verbose {
            note(format_args!("connection from {}", shown(&peer)));
        }
        let target = match self.connect_from(0) {
            Ok((sock, attempt)) => (sock, attempt),
            Err(e) => {
                self.reports
                    .refused
                    .hit(format_args!("client {}: {e}", shown(&peer)));
                self.live.fetch_sub(1, Ordering::Relaxed);
                return;
            }
        };
        self.insert(client, target.0, Some(target.1), peer);
    }

    /// Takes a client whose target is connected already (SOCKS).
    pub fn add_connected(&mut self, client: SocketHandle, target: SocketHandle, peer: SockAddr) {
        self.insert(client, target, None, peer);
    }

    fn insert(
        &mut self,
        client: SocketHandle,
        target: SocketHandle,
        attempt: Option<usize>,
        peer: SockAddr,
    ) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        let (up, down) = (Half::new(self.buffer()), Half::new(self.buffer()));
        self.conns[slot] = Some(Conn {
            client,
            target,
            connecting: attempt.is_some(),
            attempt: attempt.unwrap_or(0),
            up,
            down,
            reg: [None, None],
            peer,
        });
        if attempt.is_none() {
            self.connected(slot);
        }
        if let Err(e) = self.sync(slot) {
            self.close(slot, Some(e));
        }
    }

    /// A non-blocking connect to target `from` or, if that fails at once,
    /// the next ones: the socket and the index of its address.
    fn connect_from(&self, from: usize) -> io::Result<(SocketHandle, usize)> {
        let mut last = None;
        for (i, addr) in self.targets.iter().enumerate().skip(from) {
            match start_connect(addr) {
                Ok(sock) => return Ok((sock, i)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::from(io::ErrorKind::NotFound)))
    }

    /// Handles what the poller reported for a connection's socket.
    pub fn event(&mut self, e: &Event) {
        let slot = e.key / 2;
        let Some(c) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        let result = if e.key % 2 == 1 && c.connecting {
            self.finish_connect(slot)
        } else {
            let ready_in = e.readable || e.hangup || e.error;
            let ready_out = e.writable || e.error;
            let r = if e.key % 2 == 0 {
                let up = if ready_in {
                    c.up.pump(&c.client, &c.target)
                } else {
                    Ok(())
                };
                up.and_then(|()| {
                    if ready_out {
                        c.down.pump(&c.target, &c.client)
                    } else {
                        Ok(())
                    }
                })
            } else {
                let down = if ready_in {
                    c.down.pump(&c.target, &c.client)
                } else {
                    Ok(())
                };
                down.and_then(|()| {
                    if ready_out {
                        c.up.pump(&c.client, &c.target)
                    } else {
                        Ok(())
                    }
                })
            };
            r.map(|()| c.up.shut && c.down.shut)
        };
        match result {
            Ok(true) => self.close(slot, None),
            Ok(false) => {
                if let Err(e) = self.sync(slot) {
                    self.close(slot, Some(e));
                }
            }
            Err(e) => self.close(slot, Some(e)),
        }
    }

    /// The target's connect finished (or failed): relay, or try the next
    /// address, or give the client up. `Ok(true)` closes the slot.
    fn finish_connect(&mut self, slot: usize) -> io::Result<bool> {
        let c = self.conns[slot].as_mut().expect("a live slot");
        let failure = match c.target.take_error() {
            Ok(None) => None,
            Ok(Some(e)) | Err(e) => Some(e),
        };
        let Some(err) = failure else {
            self.connected(slot);
            return Ok(false);
        };
        let next = c.attempt + 1;
        if c.reg[1].take().is_some() {
            let _ = self.poller.delete(&c.target);
        }
        match self.connect_from(next) {
            Ok((sock, attempt)) => {
                let c = self.conns[slot].as_mut().expect("a live slot");
                c.target = sock;
                c.attempt = attempt;
                Ok(false)
            }
            Err(_) => {
                let c = self.conns[slot].as_ref().expect("a live slot");
                let addr = &self.targets[c.attempt];
                self.reports.refused.hit(format_args!(
                    "{addr}: {err} (client {} closed)",
                    shown(&c.peer)
                ));
                self.close_quietly(slot);
                Ok(false)
            }
        }
    }

    fn connected(&mut self, slot: usize) {
        let c = self.conns[slot].as_mut().expect("a live slot");
        c.connecting = false;
        // Small writes pass at once, as they would without the relay.
        let _ = c.client.set_nodelay(true);
        let _ = c.target.set_nodelay(true);
    }

    /// Registers each socket of `slot` for what its directions wait for.
    fn sync(&mut self, slot: usize) -> io::Result<()> {
        let Some(c) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
            return Ok(());
        };
        let (client, target) = if c.connecting {
            (None, Some(Interest::WRITABLE))
        } else {
            (
                interest(c.up.wants_read(), c.down.has_data()),
                interest(c.down.wants_read(), c.up.has_data()),
            )
        };
        apply(&self.poller, &c.client, slot * 2, &mut c.reg[0], client)?;
        apply(&self.poller, &c.target, slot * 2 + 1, &mut c.reg[1], target)
    }

    fn close(&mut self, slot: usize, err: Option<io::Error>) {
        if let (Some(e), Some(c)) = (&err, self.conns.get(slot).and_then(Option::as_ref)) {
            if self.verbose {
                note(format_args!("{}: {e}", shown(&c.peer)));
            } else if !matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset
                    | io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionAborted
            ) {
                let peer = shown(&c.peer);
                self.reports.dropped.hit(format_args!("client {peer}: {e}"));
            }
        }
        self.close_quietly(slot);
    }

    fn close_quietly(&mut self, slot: usize) {
        let Some(c) = self.conns.get_mut(slot).and_then(Option::take) else {
            return;
        };
        if c.reg[0].is_some() {
            let _ = self.poller.delete(&c.client);
        }
        if c.reg[1].is_some() {
            let _ = self.poller.delete(&c.target);
        }
        if self.verbose {
            note(format_args!(
                "{} closed: {} bytes to the target, {} back",
                shown(&c.peer),
                c.up.moved,
                c.down.moved
            ));
        }
        for buf in [c.up.buf, c.down.buf] {
            if self.pool.len() < POOL {
                self.pool.push(buf);
            }
        }
        self.free.push(slot);
        self.live.fetch_sub(1, Ordering::Relaxed);
    }
}

fn interest(read: bool, write: bool) -> Option<Interest> {
    match (read, write) {
        (true, true) => Some(Interest::BOTH),
        (true, false) => Some(Interest::READABLE),
        (false, true) => Some(Interest::WRITABLE),
        (false, false) => None,
    }
}

fn apply(
    poller: &Poller,
    sock: &SocketHandle,
    key: usize,
    current: &mut Option<Interest>,
    want: Option<Interest>,
) -> io::Result<()> {
    match (*current, want) {
        (a, b) if a == b => return Ok(()),
        (None, Some(w)) => poller.add(sock, key, w)?,
        (Some(_), Some(w)) => poller.modify(sock, key, w)?,
        (Some(_), None) => poller.delete(sock)?,
        (None, None) => {}
    }
    *current = want;
    Ok(())
}

/// A non-blocking stream socket whose connect to `addr` has started.
pub fn start_connect(addr: &SockAddr) -> io::Result<SocketHandle> {
    let domain = addr.domain().unwrap_or(Domain::Inet);
    let protocol = if domain == Domain::Unix {
        Protocol::Ip
    } else {
        Protocol::Tcp
    };
    let sock = new_native_socket(domain, SockType::Stream, protocol)?;
    sock.set_blocking(false)?;
    sock.start_connect(addr)?;
    Ok(sock)
}

/// A client's address as shown: a Unix-domain client has no name.
pub fn shown(addr: &SockAddr) -> String {
    if addr.is_unnamed() || addr.domain() == Some(Domain::Unix) {
        "a Unix-domain client".to_string()
    } else {
        addr.to_string()
    }
}
