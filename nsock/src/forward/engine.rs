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
//! Bytes start through user space (`recv` into the buffer, `send` from
//! it). On Linux a direction whose `recv` fills the whole buffer (a bulk
//! transfer, not a request and its answer) moves on to a kernel pipe
//! (`SplicePipe`): its bytes then go from socket to socket by `splice`,
//! never copied into this process. Short connections never pay for the
//! pipe's two descriptors; the pipes are kept for reuse.

use std::io;
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;

use nativesockets::{
    new_native_socket, Domain, Event, Interest, Poller, Protocol, SockAddr, SockType, SocketHandle,
    SplicePipe,
};

use crate::output::note;
use crate::server::accept::Reports;

/// Bytes buffered per direction of a connection.
pub const BUF: usize = 64 * 1024;

/// How many buffers a worker keeps for reuse, so that short connections
/// do not allocate.
const POOL: usize = 256;

/// How many empty pipes a worker keeps for reuse (two descriptors each).
const PIPE_POOL: usize = 16;

/// How many recv/send rounds one event may take, so that one busy
/// connection cannot starve the others.
const ROUNDS: usize = 16;

/// The most one `splice` into a pipe is asked for.
const SPLICE_MAX: usize = 1 << 20;

/// One direction: bytes read from its source, not yet sent on, in the
/// buffer or, once the direction moved to splicing, in the pipe.
struct Half {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    pipe: Option<SplicePipe>,
    /// A `recv` filled the whole buffer: worth a pipe.
    bulk: bool,
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
            pipe: None,
            bulk: false,
            eof: false,
            shut: false,
            moved: 0,
        }
    }

    fn wants_read(&self) -> bool {
        // A pipe is filled only when empty, so that a would-block from
        // `splice` can only mean the source has nothing.
        !self.eof
            && match &self.pipe {
                Some(p) => p.is_empty(),
                None => self.end < self.buf.len(),
            }
    }

    fn has_data(&self) -> bool {
        self.start < self.end || self.pipe.as_ref().is_some_and(|p| !p.is_empty())
    }

    /// Moves what it can from `src` to `dst` without blocking.
    fn pump(&mut self, src: &SocketHandle, dst: &SocketHandle) -> io::Result<()> {
        if self.pipe.is_some() {
            return self.pump_spliced(src, dst);
        }
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
                return self.pass_end(dst);
            }
            let room = self.buf.len() - self.end;
            match src.recv(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.end += n;
                    self.bulk |= n == self.buf.len();
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
        // The rounds may run out just as the end was read.
        self.pass_end(dst)
    }

    /// Passes the end of the stream on once everything before it went:
    /// `shutdown(Write)` of `dst`, once.
    fn pass_end(&mut self, dst: &SocketHandle) -> io::Result<()> {
        if self.eof && !self.shut && !self.has_data() {
            self.shut = true;
            match dst.shutdown(Shutdown::Write) {
                Err(e) if e.kind() != io::ErrorKind::NotConnected => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// `pump` for a direction that splices: drain the pipe into `dst`,
    /// then refill it from `src`.
    fn pump_spliced(&mut self, src: &SocketHandle, dst: &SocketHandle) -> io::Result<()> {
        let pipe = self.pipe.as_mut().expect("splicing");
        for _ in 0..ROUNDS {
            if !pipe.is_empty() {
                match dst.splice_from_pipe(pipe, usize::MAX) {
                    Ok(n) => self.moved += n as u64,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
                if !pipe.is_empty() {
                    return Ok(());
                }
            }
            if self.eof {
                return self.pass_end(dst);
            }
            match src.splice_to_pipe(pipe, SPLICE_MAX) {
                Ok(0) => self.eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.pass_end(dst)
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
    /// Whether a bulk direction may move to `splice`: not when a side is
    /// the plain end of a TLS bridge's local pair.
    splice: bool,
    /// Dropped with the connection, telling a TLS setup thread that its
    /// bridges may end.
    _closed: Option<Sender<()>>,
}

/// One thread's connections.
pub struct Worker {
    pub poller: Arc<Poller>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    pool: Vec<Box<[u8]>>,
    /// Empty pipes kept for reuse; `None`: no splicing (not Linux, or
    /// turned off).
    pipes: Option<Vec<SplicePipe>>,
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
            pipes: None,
            targets,
            live,
            verbose,
            reports,
        }
    }

    /// Lets bulk directions move to splicing (where `SplicePipe` works).
    pub fn splice(&mut self, on: bool) {
        self.pipes = (on && SplicePipe::new().is_ok()).then(Vec::new);
    }

    /// Gives a bulk direction of `slot` whose buffer is empty a pipe.
    fn promote(&mut self, slot: usize) {
        let Some(pipes) = self.pipes.as_mut() else {
            return;
        };
        let Some(c) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
            return;
        };
        if !c.splice {
            return;
        }
        for half in [&mut c.up, &mut c.down] {
            if half.bulk && half.pipe.is_none() && half.start == half.end && !half.eof {
                match pipes.pop().map_or_else(SplicePipe::new, Ok) {
                    Ok(p) => half.pipe = Some(p),
                    // Out of descriptors: this direction stays as it is.
                    Err(_) => half.bulk = false,
                }
            }
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
        self.insert(client, target.0, Some(target.1), peer, None);
    }

    /// Takes a client whose TLS a bridge carries (counted in `live`
    /// already): `client` and, with TLS to the target, `target` are the
    /// plain ends of their bridges' local pairs (non-blocking). Such a
    /// connection never splices: its bytes pass through the bridge's
    /// threads anyway. `closed` is dropped when the connection ends.
    pub fn start_bridged(
        &mut self,
        client: SocketHandle,
        target: Option<SocketHandle>,
        peer: SockAddr,
        closed: Sender<()>,
    ) {
        if self.verbose {
            note(format_args!("connection from {}", shown(&peer)));
        }
        match target {
            Some(target) => self.insert(client, target, None, peer, Some(closed)),
            None => match self.connect_from(0) {
                Ok((sock, attempt)) => {
                    self.insert(client, sock, Some(attempt), peer, Some(closed));
                }
                Err(e) => {
                    self.reports
                        .refused
                        .hit(format_args!("client {}: {e}", shown(&peer)));
                    self.live.fetch_sub(1, Ordering::Relaxed);
                }
            },
        }
    }

    /// Takes a client whose target is connected already (SOCKS).
    pub fn add_connected(&mut self, client: SocketHandle, target: SocketHandle, peer: SockAddr) {
        self.insert(client, target, None, peer, None);
    }

    fn insert(
        &mut self,
        client: SocketHandle,
        target: SocketHandle,
        attempt: Option<usize>,
        peer: SockAddr,
        closed: Option<Sender<()>>,
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
            splice: closed.is_none(),
            _closed: closed,
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
                self.promote(slot);
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
            // The client has often sent already: pass it on now rather
            // than after one more wait.
            let c = self.conns[slot].as_mut().expect("a live slot");
            c.up.pump(&c.client, &c.target)?;
            return Ok(c.up.shut && c.down.shut);
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
        for half in [c.up, c.down] {
            if self.pool.len() < POOL {
                self.pool.push(half.buf);
            }
            if let (Some(pipe), Some(pipes)) = (half.pipe, self.pipes.as_mut()) {
                // A pipe with bytes left in it cannot serve another
                // connection; it is closed.
                if pipe.is_empty() && pipes.len() < PIPE_POOL {
                    pipes.push(pipe);
                }
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
