//! `nsock socks [ADDR:]PORT`: a SOCKS5 server (RFC 1928: CONNECT to an
//! IPv4, IPv6 or domain address; no authentication, or user name and
//! password, RFC 1929, with `--auth`), which also answers SOCKS4 and 4a.
//!
//! The main thread accepts; each client's handshake runs on a thread of
//! its own with blocking calls and time limits (it is short, and the
//! connect to the destination may wait on a name lookup); once the
//! destination is connected the pair is handed to one of the relay
//! workers (`forward::engine`, one per core, each with its own poller),
//! which moves the bytes as `forward` does.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

use nativesockets::{
    new_native_socket, Domain, Events, Interest, Poller, Protocol, SockAddr, SockType, SocketHandle,
};

use crate::access::Access;
use crate::address::wire_addrs;
use crate::forward::engine::{shown, Worker};
use crate::forward::{Gate, Shared};
use crate::output::{context, note, Failure};
use crate::server::accept::{accept, Accepted, Reports, Resting};
use crate::server::{self};

pub const SOCKS_HELP: &str = "\
A SOCKS5 proxy (RFC 1928: CONNECT to IPv4, IPv6 and domain-name \
destinations, names resolved here), which answers SOCKS4 and SOCKS4a \
clients too. Without --auth no authentication is asked; with --auth \
USER:PASS, SOCKS5 clients must give that user name and password (RFC \
1929) and SOCKS4 clients, which cannot, are refused. Once connected, \
bytes are relayed as by nsock forward: one thread per core, a fixed \
buffer each way.

A bare PORT listens on the loopback addresses only (127.0.0.1 and ::1); \
:PORT listens on every interface, ADDR:PORT on ADDR. Listening beyond \
loopback with neither --auth nor --allow draws a warning: anyone who can \
reach the port may use it as an open proxy.

Examples:
  nsock socks 1080
  curl --socks5-hostname 127.0.0.1:1080 http://example.com/
  nsock socks :1080 --auth alice:s3cret --allow 192.168.0.0/16
  ssh -o ProxyCommand='nsock connect --proxy socks5h://127.0.0.1:1080 %h %p' host

Exit codes: 0 never (it runs until interrupted); 1 when it cannot listen; \
2 for a usage error.";

/// What `nsock socks` was asked.
pub struct SocksOptions {
    pub address: String,
    pub auth: Option<(String, String)>,
    pub max_conns: Option<usize>,
    pub access: Access,
    pub domain: Domain,
    pub quiet: bool,
    pub verbose: bool,
}

/// For clap: `USER:PASS`, each 1 to 255 bytes (RFC 1929's limits).
pub fn parse_auth(text: &str) -> Result<(String, String), String> {
    let (user, pass) = text
        .split_once(':')
        .ok_or("the credentials have no ':': write USER:PASS")?;
    if user.is_empty() || user.len() > 255 {
        return Err(format!(
            "the user name {user:?} must be 1 to 255 bytes long"
        ));
    }
    if pass.is_empty() || pass.len() > 255 {
        return Err("the password must be 1 to 255 bytes long".to_string());
    }
    Ok((user.to_string(), pass.to_string()))
}

/// How long a client may take over its handshake, and the destination
/// over its connect.
const HANDSHAKE: Duration = Duration::from_secs(30);
const CONNECT: Duration = Duration::from_secs(10);

/// Handshakes going on at once, at most (a thread each).
const HANDSHAKES: usize = 512;

const LISTENER_KEY: usize = usize::MAX - 1;

type Pair = (SocketHandle, SocketHandle, SockAddr);

/// `nsock socks`.
pub fn run(o: &SocksOptions) -> Result<(), Failure> {
    let mut place = server::place(&o.address, o.domain, false)?;
    let listeners = server::bind(&mut place, false, false, o.quiet)?;
    server::announce("socks", &place, &o.access, o.auth.is_some(), o.quiet);
    let shared = Arc::new(Shared {
        targets: Vec::new().into(),
        access: o.access.clone(),
        max_conns: o.max_conns.unwrap_or(usize::MAX),
        live: Arc::new(AtomicUsize::new(0)),
        verbose: o.verbose,
        reports: Arc::new(Reports::new()),
        splice: true,
        tls: None,
    });
    let mut workers: Vec<(Arc<Poller>, Sender<Pair>)> = Vec::new();
    for _ in 0..server::threads() {
        let poller = Arc::new(Poller::new()?);
        let (tx, rx) = mpsc::channel();
        let mut w = Worker::new(
            Arc::clone(&poller),
            Arc::clone(&shared.targets),
            Arc::clone(&shared.live),
            o.verbose,
            Arc::clone(&shared.reports),
        );
        w.splice(shared.splice);
        std::thread::spawn(move || {
            if let Err(e) = relay(w, &rx) {
                Failure::from(context(e, "socks")).report();
                std::process::exit(1);
            }
        });
        workers.push((poller, tx));
    }
    let poller = Poller::new()?;
    for (i, l) in listeners.iter().enumerate() {
        poller.add(l, LISTENER_KEY - i, Interest::READABLE)?;
    }
    let config = Arc::new(Handshake {
        auth: o.auth.clone(),
        verbose: o.verbose,
        busy: AtomicUsize::new(0),
        live: Arc::clone(&shared.live),
    });
    let gate = Gate(&shared);
    let mut resting = Resting::new(listeners.len());
    let mut events = Events::with_capacity(64);
    let mut next = 0usize;
    loop {
        let timeout = resting.timeout(Duration::from_secs(1));
        poller
            .wait(&mut events, Some(timeout))
            .map_err(|e| context(e, "socks"))?;
        for e in events.iter() {
            let i = LISTENER_KEY - e.key;
            loop {
                match accept(&listeners[i], &shared.reports.accept) {
                    Accepted::Client(sock, peer) => {
                        if !gate.admit(&peer) {
                            continue;
                        }
                        if config.busy.fetch_add(1, Ordering::Relaxed) >= HANDSHAKES {
                            config.busy.fetch_sub(1, Ordering::Relaxed);
                            shared.live.fetch_sub(1, Ordering::Relaxed);
                            continue;
                        }
                        let cfg = Arc::clone(&config);
                        let (poller, tx) = workers[next % workers.len()].clone();
                        next = next.wrapping_add(1);
                        let spawned = std::thread::Builder::new()
                            .stack_size(256 * 1024)
                            .spawn(move || cfg.serve(sock, peer, &poller, &tx));
                        if spawned.is_err() {
                            // Out of threads: the client is closed.
                            config.busy.fetch_sub(1, Ordering::Relaxed);
                            shared.live.fetch_sub(1, Ordering::Relaxed);
                        }
                    }
                    Accepted::Drained => break,
                    Accepted::Rest(d) => {
                        resting.rest(&poller, &listeners[i], i, d)?;
                        break;
                    }
                }
            }
        }
        resting.wake(&poller, &listeners, |i| LISTENER_KEY - i)?;
        shared.reports.tick();
    }
}

/// A relay worker: the pairs the handshakes hand it, until the end.
fn relay(mut w: Worker, rx: &Receiver<Pair>) -> io::Result<()> {
    let poller = Arc::clone(&w.poller);
    let mut events = Events::with_capacity(512);
    loop {
        poller.wait(&mut events, Some(Duration::from_secs(1)))?;
        for e in events.iter() {
            w.event(&e);
        }
        while let Ok((client, target, peer)) = rx.try_recv() {
            w.add_connected(client, target, peer);
        }
    }
}

/// What every handshake shares.
struct Handshake {
    auth: Option<(String, String)>,
    verbose: bool,
    /// Handshakes going on.
    busy: AtomicUsize,
    live: Arc<AtomicUsize>,
}

/// A request's destination.
enum Dest {
    Ip(SocketAddr),
    Name(String, u16),
}

impl std::fmt::Display for Dest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dest::Ip(a) => write!(f, "{a}"),
            Dest::Name(n, p) => write!(f, "{n}:{p}"),
        }
    }
}

impl Handshake {
    fn serve(&self, client: SocketHandle, peer: SockAddr, poller: &Poller, tx: &Sender<Pair>) {
        let result = self.negotiate(&client, &peer);
        self.busy.fetch_sub(1, Ordering::Relaxed);
        match result {
            Ok(target) => {
                let ready = client
                    .set_blocking(false)
                    .and_then(|()| target.set_blocking(false));
                if ready.is_ok() && tx.send((client, target, peer)).is_ok() {
                    let _ = poller.notify();
                    return;
                }
            }
            Err(e) => {
                if self.verbose {
                    note(format_args!("socks client {}: {e}", shown(&peer)));
                }
            }
        }
        self.live.fetch_sub(1, Ordering::Relaxed);
    }

    /// Reads the request, connects, answers: the connected destination.
    fn negotiate(&self, c: &SocketHandle, peer: &SockAddr) -> io::Result<SocketHandle> {
        // Blocking reads with a time limit: Windows hands out accepted
        // sockets non-blocking when the listener is (Unix does not).
        c.set_blocking(true)?;
        c.set_read_timeout(Some(HANDSHAKE))?;
        c.set_write_timeout(Some(HANDSHAKE))?;
        let mut version = [0u8; 1];
        recv_exact(c, &mut version)?;
        match version[0] {
            5 => self.socks5(c, peer),
            4 => self.socks4(c, peer),
            v => Err(bad(format!("version {v} is not SOCKS 4 or 5"))),
        }
    }

    fn socks5(&self, c: &SocketHandle, peer: &SockAddr) -> io::Result<SocketHandle> {
        let mut n = [0u8; 1];
        recv_exact(c, &mut n)?;
        let mut methods = vec![0u8; usize::from(n[0])];
        recv_exact(c, &mut methods)?;
        let wanted = if self.auth.is_some() { 2 } else { 0 };
        if !methods.contains(&wanted) {
            send_all(c, &[5, 0xff])?;
            return Err(bad(format!(
                "offered no acceptable method (wanted {})",
                if wanted == 2 {
                    "user name and password"
                } else {
                    "none"
                }
            )));
        }
        send_all(c, &[5, wanted])?;
        if let Some((user, pass)) = &self.auth {
            let mut head = [0u8; 2];
            recv_exact(c, &mut head)?;
            let mut u = vec![0u8; usize::from(head[1])];
            recv_exact(c, &mut u)?;
            let mut plen = [0u8; 1];
            recv_exact(c, &mut plen)?;
            let mut p = vec![0u8; usize::from(plen[0])];
            recv_exact(c, &mut p)?;
            let ok = head[0] == 1 && u == user.as_bytes() && p == pass.as_bytes();
            send_all(c, &[1, u8::from(!ok)])?;
            if !ok {
                return Err(bad("wrong user name or password".to_string()));
            }
        }
        let mut req = [0u8; 4];
        recv_exact(c, &mut req)?;
        let dest = match req[3] {
            1 => {
                let mut a = [0u8; 6];
                recv_exact(c, &mut a)?;
                let ip = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
                Dest::Ip(SocketAddr::new(ip.into(), u16::from_be_bytes([a[4], a[5]])))
            }
            4 => {
                let mut a = [0u8; 18];
                recv_exact(c, &mut a)?;
                let mut o = [0u8; 16];
                o.copy_from_slice(&a[..16]);
                let ip = Ipv6Addr::from(o);
                Dest::Ip(SocketAddr::new(
                    ip.into(),
                    u16::from_be_bytes([a[16], a[17]]),
                ))
            }
            3 => {
                let mut len = [0u8; 1];
                recv_exact(c, &mut len)?;
                let mut name = vec![0u8; usize::from(len[0]) + 2];
                recv_exact(c, &mut name)?;
                let port = u16::from_be_bytes([name[name.len() - 2], name[name.len() - 1]]);
                name.truncate(name.len() - 2);
                let Ok(name) = String::from_utf8(name) else {
                    reply5(c, 4, None)?;
                    return Err(bad("a destination name that is not text".to_string()));
                };
                Dest::Name(name, port)
            }
            t => {
                reply5(c, 8, None)?;
                return Err(bad(format!("address type {t} is unknown")));
            }
        };
        if req[0] != 5 || req[1] != 1 {
            reply5(c, 7, None)?;
            return Err(bad(format!(
                "command {} to {dest} (only CONNECT, 1, is offered)",
                req[1]
            )));
        }
        if self.verbose {
            note(format_args!("socks5 {}: CONNECT {dest}", shown(peer)));
        }
        match connect(&dest) {
            Ok(target) => {
                reply5(
                    c,
                    0,
                    target.local_addr().ok().and_then(|a| a.as_socket_addr()),
                )?;
                Ok(target)
            }
            Err(e) => {
                reply5(c, reply_code(&e), None)?;
                Err(context(e, format_args!("connect to {dest}")))
            }
        }
    }

    fn socks4(&self, c: &SocketHandle, peer: &SockAddr) -> io::Result<SocketHandle> {
        let mut head = [0u8; 7];
        recv_exact(c, &mut head)?;
        let port = u16::from_be_bytes([head[1], head[2]]);
        let ip = Ipv4Addr::new(head[3], head[4], head[5], head[6]);
        let _user = recv_text(c)?;
        let oct = ip.octets();
        // SOCKS4a: 0.0.0.x (x not 0) means a name follows the user id.
        let dest = if oct[..3] == [0, 0, 0] && oct[3] != 0 {
            Dest::Name(recv_text(c)?, port)
        } else {
            Dest::Ip(SocketAddr::new(ip.into(), port))
        };
        if head[0] != 1 {
            send_all(c, &[0, 0x5b, 0, 0, 0, 0, 0, 0])?;
            return Err(bad(format!("SOCKS4 command {} (only CONNECT)", head[0])));
        }
        if self.auth.is_some() {
            send_all(c, &[0, 0x5b, 0, 0, 0, 0, 0, 0])?;
            return Err(bad(
                "SOCKS4 cannot give the password --auth asks".to_string()
            ));
        }
        if self.verbose {
            note(format_args!("socks4 {}: CONNECT {dest}", shown(peer)));
        }
        match connect(&dest) {
            Ok(target) => {
                send_all(
                    c,
                    &[0, 0x5a, head[1], head[2], oct[0], oct[1], oct[2], oct[3]],
                )?;
                Ok(target)
            }
            Err(e) => {
                send_all(c, &[0, 0x5b, 0, 0, 0, 0, 0, 0])?;
                Err(context(e, format_args!("connect to {dest}")))
            }
        }
    }
}

/// Connects to the destination (every address of a name in turn).
fn connect(dest: &Dest) -> io::Result<SocketHandle> {
    let addrs: Vec<SocketAddr> = match dest {
        Dest::Ip(a) => vec![*a],
        Dest::Name(name, port) => wire_addrs(
            name,
            nativesockets::Port(*port),
            Domain::Unspec,
            SockType::Stream,
            Protocol::Tcp,
        )?,
    };
    let mut last = io::Error::from(io::ErrorKind::NotFound);
    for a in addrs {
        let domain = if a.is_ipv6() {
            Domain::Inet6
        } else {
            Domain::Inet
        };
        let sock = new_native_socket(domain, SockType::Stream, Protocol::Tcp)?;
        match sock.connect_timeout(&SockAddr::from(a), CONNECT) {
            Ok(()) => return Ok(sock),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// RFC 1928's reply code for a failed connect.
fn reply_code(e: &io::Error) -> u8 {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => 5,
        io::ErrorKind::NotFound | io::ErrorKind::TimedOut => 4,
        _ => match e.raw_os_error() {
            // ENETUNREACH, EHOSTUNREACH (Linux; the BSDs' 51, 65).
            Some(101 | 51) => 3,
            Some(113 | 65) => 4,
            _ => 1,
        },
    }
}

/// A SOCKS5 reply: `code`, and the bound address (or 0.0.0.0:0).
fn reply5(c: &SocketHandle, code: u8, bound: Option<SocketAddr>) -> io::Result<()> {
    let mut r = vec![5, code, 0];
    match bound.unwrap_or_else(|| SocketAddr::from(([0u8; 4], 0))) {
        SocketAddr::V4(a) => {
            r.push(1);
            r.extend(a.ip().octets());
            r.extend(a.port().to_be_bytes());
        }
        SocketAddr::V6(a) => {
            r.push(4);
            r.extend(a.ip().octets());
            r.extend(a.port().to_be_bytes());
        }
    }
    send_all(c, &r)
}

/// What a SOCKS5 reply code means (RFC 1928, section 6).
pub fn reply_text(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown reply code",
    }
}

/// A NUL-terminated field of SOCKS4 (at most 255 bytes).
fn recv_text(c: &SocketHandle) -> io::Result<String> {
    let mut text = Vec::new();
    loop {
        let mut b = [0u8; 1];
        recv_exact(c, &mut b)?;
        if b[0] == 0 {
            break;
        }
        if text.len() == 255 {
            return Err(bad("a SOCKS4 field longer than 255 bytes".to_string()));
        }
        text.push(b[0]);
    }
    String::from_utf8(text).map_err(|_| bad("a SOCKS4 field that is not text".to_string()))
}

fn bad(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Fills `buf` from a blocking socket; end-of-stream first is
/// `UnexpectedEof`.
pub fn recv_exact(s: &SocketHandle, buf: &mut [u8]) -> io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        match s.recv(&mut buf[got..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection in the middle of the handshake",
                ))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sends all of `buf` on a blocking socket.
pub fn send_all(s: &SocketHandle, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match s.send(buf) {
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
