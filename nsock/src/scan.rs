//! `nsock scan`: a TCP connect scan with many non-blocking connects in
//! flight at once, waited on together with `select_write`.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use nativesockets::{
    get_addr_info, get_serv_by_port, new_native_socket, select_write, Domain, Port, Protocol,
    RawSocketHandle, SockAddr, SockType, SocketHandle,
};

use crate::address::{self, PortList};
use crate::json::Json;
use crate::output::{context, emit, warn, Failure};

pub const SCAN_HELP: &str = "\
Every address of HOST is scanned (-4 or -6 to keep one family). A port is \
open when the connect succeeds, closed when it is refused, timed out when \
--timeout passes first, and failed on any other error (counted, and \
reported once per address and error on stderr). Open ports are listed \
with their service names, then a summary line. A progress bar is drawn \
on stderr when stderr is a terminal.

JSON (--json): one object:
  {\"host\": \"localhost\", \"addresses\": [\"127.0.0.1\"], \"ports\": 3,
   \"tried\": 3, \"open\": [{\"address\": \"127.0.0.1\", \"port\": 22, \"service\": \"ssh\"}],
   \"closed\": 2, \"timed_out\": 0, \"failed\": 0, \"elapsed_ms\": 1.234}
ports is the number of ports per address, tried the number of connects \
(ports x addresses); open is sorted by port, then address; service is \
null when the services database has no name for the port.

Exit code 1 when the host is not found or every connect failed.";

/// What `nsock scan` was asked.
pub struct ScanOptions {
    pub host: String,
    pub ports: Option<PortList>,
    pub timeout_ms: u32,
    pub parallel: u32,
    pub domain: Domain,
    pub json: bool,
}

/// How one connect ended.
enum Verdict {
    Open,
    Closed,
    TimedOut,
    Failed(io::Error),
}

/// A connect on its way.
struct InFlight {
    sock: SocketHandle,
    target: usize,
    deadline: Instant,
}

/// The counts so far, and the open targets.
#[derive(Default)]
struct Tally {
    open: Vec<usize>,
    closed: usize,
    timed_out: usize,
    failed: usize,
    /// (address index, error text) -> how many connects failed so.
    errors: BTreeMap<(usize, String), usize>,
}

impl Tally {
    fn done(&self) -> usize {
        self.open.len() + self.closed + self.timed_out + self.failed
    }

    fn record(&mut self, target: usize, addr_index: usize, verdict: Verdict) {
        match verdict {
            Verdict::Open => self.open.push(target),
            Verdict::Closed => self.closed += 1,
            Verdict::TimedOut => self.timed_out += 1,
            Verdict::Failed(e) => {
                self.failed += 1;
                *self.errors.entry((addr_index, e.to_string())).or_default() += 1;
            }
        }
    }
}

/// `nsock scan HOST [PORTS]`.
pub fn run(o: &ScanOptions) -> Result<(), Failure> {
    let ports = match &o.ports {
        Some(list) => list.0.clone(),
        None => default_ports(),
    };
    let addrs = resolve(&o.host, o.domain)?;
    let targets: Vec<SocketAddr> = addrs
        .iter()
        .flat_map(|&ip| ports.iter().map(move |&p| SocketAddr::new(ip, p)))
        .collect();

    let started = Instant::now();
    let mut progress = Progress::new(targets.len());
    let tally = scan(&targets, ports.len(), o, &mut progress)?;
    let elapsed = started.elapsed();
    progress.clear();

    for ((addr_index, message), count) in &tally.errors {
        warn(format_args!(
            "{}: {count} connect{} failed: {message}",
            addrs[*addr_index],
            if *count == 1 { "" } else { "s" }
        ));
    }
    let addr_index = |t: usize| t / ports.len().max(1);
    let mut open: Vec<usize> = tally.open.clone();
    open.sort_by_key(|&t| (targets[t].port(), addr_index(t)));
    let service = |port: u16| get_serv_by_port(Port(port), "tcp").ok().map(|s| s.name);

    if o.json {
        let doc = Json::Obj(vec![
            ("host", Json::str(&o.host)),
            ("addresses", Json::strs(addrs.iter().map(|a| a.to_string()))),
            ("ports", Json::from(ports.len())),
            ("tried", Json::from(targets.len())),
            (
                "open",
                Json::Arr(
                    open.iter()
                        .map(|&t| {
                            Json::Obj(vec![
                                ("address", Json::str(targets[t].ip().to_string())),
                                ("port", Json::from(targets[t].port())),
                                ("service", Json::opt_str(service(targets[t].port()))),
                            ])
                        })
                        .collect(),
                ),
            ),
            ("closed", Json::from(tally.closed)),
            ("timed_out", Json::from(tally.timed_out)),
            ("failed", Json::from(tally.failed)),
            ("elapsed_ms", Json::Millis(elapsed.as_secs_f64() * 1000.0)),
        ]);
        emit(format_args!("{doc}\n"))?;
    } else {
        let mut text = String::new();
        if !open.is_empty() {
            let width = open
                .iter()
                .map(|&t| targets[t].ip().to_string().len())
                .max()
                .unwrap_or(0)
                .max("ADDRESS".len());
            text.push_str(&format!("{:<9}  {:<width$}  SERVICE\n", "PORT", "ADDRESS"));
            for &t in &open {
                let port = targets[t].port();
                text.push_str(&format!(
                    "{:<9}  {:<width$}  {}\n",
                    format!("{port}/tcp"),
                    targets[t].ip().to_string(),
                    service(port).as_deref().unwrap_or("unknown"),
                ));
            }
        }
        let list: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
        // `localhost (127.0.0.1, ::1)`, but `127.0.0.1` alone.
        let shown = if list.len() == 1 && list[0] == o.host {
            o.host.clone()
        } else {
            format!("{} ({})", o.host, list.join(", "))
        };
        let failed = if tally.failed > 0 {
            format!(", {} failed", tally.failed)
        } else {
            String::new()
        };
        text.push_str(&format!(
            "{shown}: {} port{} tried, {} open, {} closed, {} timed out{failed} in {:.3} s\n",
            targets.len(),
            if targets.len() == 1 { "" } else { "s" },
            tally.open.len(),
            tally.closed,
            tally.timed_out,
            elapsed.as_secs_f64(),
        ));
        emit(text)?;
    }
    if !targets.is_empty() && tally.failed == targets.len() {
        return Err(Failure::new(format!(
            "scan of {:?}: every connect failed",
            o.host
        )));
    }
    Ok(())
}

/// The TCP ports of the services database, ascending.
fn default_ports() -> Vec<u16> {
    let db = nativesockets::ServicesFile::system().db();
    let mut ports: Vec<u16> = db
        .iter()
        .filter(|s| s.proto == "tcp" && s.port.0 != 0)
        .map(|s| s.port.0)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Every address of `host` of the family asked, once each, in the
/// resolver's order.
fn resolve(host: &str, domain: Domain) -> io::Result<Vec<IpAddr>> {
    let list = get_addr_info(host, Port(0), domain, SockType::Stream, Protocol::Tcp)?;
    let mut addrs: Vec<IpAddr> = Vec::new();
    for ai in &list {
        if let Some(sa) = ai.socket_addr() {
            if address::on_wire(domain, &sa) && !addrs.contains(&sa.ip()) {
                addrs.push(sa.ip());
            }
        }
    }
    if addrs.is_empty() {
        return Err(address::no_address(host, domain));
    }
    Ok(addrs)
}

/// Runs the connects, at most `o.parallel` at a time.
/// `targets` holds `per_addr` ports for each address in turn.
fn scan(
    targets: &[SocketAddr],
    per_addr: usize,
    o: &ScanOptions,
    progress: &mut Progress,
) -> io::Result<Tally> {
    let addr_index = |t: usize| t / per_addr.max(1);
    let timeout = Duration::from_millis(o.timeout_ms.into());
    let mut cap = usize::try_from(o.parallel).unwrap_or(usize::MAX).max(1);
    let mut tally = Tally::default();
    let mut pending: Vec<InFlight> = Vec::with_capacity(cap.min(targets.len()));
    let mut next = 0;

    while next < targets.len() || !pending.is_empty() {
        while pending.len() < cap && next < targets.len() {
            match start(&SockAddr::from(targets[next])) {
                Ok(Started::Done(v)) => tally.record(next, addr_index(next), v),
                Ok(Started::Pending(sock)) => pending.push(InFlight {
                    sock,
                    target: next,
                    deadline: Instant::now() + timeout,
                }),
                Err(_) if !pending.is_empty() => {
                    // Most likely the descriptor limit: keep to the number
                    // in flight now, and try this target again when one
                    // finishes. With nothing in flight the error is the
                    // target's own, and is reported below.
                    if cap > pending.len() {
                        cap = pending.len();
                        progress.note(format_args!(
                            "the system refused more sockets at {cap} in flight; continuing with --parallel {cap}"
                        ));
                    }
                    break;
                }
                Err(e) => tally.record(next, addr_index(next), Verdict::Failed(e)),
            }
            next += 1;
        }
        if pending.is_empty() {
            progress.update(tally.done(), tally.open.len());
            continue;
        }

        // Deadlines grow in the order connects started, and `retain`
        // keeps that order, so the first one is the nearest.
        let wait = pending[0]
            .deadline
            .saturating_duration_since(Instant::now());
        let wait_ms = i32::try_from(wait.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX);
        let ready: Vec<RawSocketHandle> = {
            let mut handles: Vec<&SocketHandle> = pending.iter().map(|p| &p.sock).collect();
            select_write(&mut handles, wait_ms).map_err(|e| context(e, "waiting for connects"))?;
            handles.iter().map(|s| s.as_raw()).collect()
        };

        // `select_write` keeps the ready handles in their order, so one
        // walk over both lists matches them up.
        let now = Instant::now();
        let mut ready = ready.into_iter().peekable();
        pending.retain(|p| {
            let verdict = if ready.peek() == Some(&p.sock.as_raw()) {
                ready.next();
                settle(&p.sock)
            } else if now >= p.deadline {
                Verdict::TimedOut
            } else {
                return true;
            };
            tally.record(p.target, addr_index(p.target), verdict);
            false
        });
        progress.update(tally.done(), tally.open.len());
    }
    Ok(tally)
}

enum Started {
    Done(Verdict),
    Pending(SocketHandle),
}

/// Starts a non-blocking connect to `addr`. An error creating the socket
/// is returned as such (the caller decides whether it is the descriptor
/// limit); everything else is a verdict or a connect in flight.
fn start(addr: &SockAddr) -> io::Result<Started> {
    let domain = addr.domain().unwrap_or(Domain::Inet);
    let sock = new_native_socket(domain, SockType::Stream, Protocol::Tcp)?;
    if let Err(e) = sock.set_blocking(false) {
        return Ok(Started::Done(Verdict::Failed(e)));
    }
    match sock.start_connect(addr) {
        Ok(true) => Ok(Started::Done(check_open(&sock))),
        Ok(false) => Ok(Started::Pending(sock)),
        Err(e) => Ok(Started::Done(match e.kind() {
            io::ErrorKind::ConnectionRefused => Verdict::Closed,
            io::ErrorKind::TimedOut => Verdict::TimedOut,
            _ => Verdict::Failed(e),
        })),
    }
}

/// The outcome of a connect that readiness says has finished.
fn settle(sock: &SocketHandle) -> Verdict {
    match sock.take_error() {
        // Writable, no pending error, yet no peer: the connect failed and
        // its error was already taken; "not connected" is all that is left.
        Ok(None) => match sock.peer_addr() {
            Ok(_) => check_open(sock),
            Err(e) => Verdict::Failed(e),
        },
        Ok(Some(e)) | Err(e) => match e.kind() {
            io::ErrorKind::ConnectionRefused => Verdict::Closed,
            io::ErrorKind::TimedOut => Verdict::TimedOut,
            _ => Verdict::Failed(e),
        },
    }
}

/// A connected socket is an open port, except when the connect met
/// itself: a loopback connect to a port in the ephemeral range can be
/// given that very port as its own and "connect" by simultaneous open,
/// with nothing listening.
fn check_open(sock: &SocketHandle) -> Verdict {
    match (sock.local_addr(), sock.peer_addr()) {
        (Ok(local), Ok(peer)) if local == peer => Verdict::Closed,
        _ => Verdict::Open,
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal, and at
/// most ten times a second.
struct Progress {
    total: usize,
    enabled: bool,
    last_draw: Option<Instant>,
    drawn: bool,
}

impl Progress {
    const WIDTH: usize = 30;

    fn new(total: usize) -> Progress {
        Progress {
            total,
            enabled: io::stderr().is_terminal(),
            last_draw: None,
            drawn: false,
        }
    }

    fn update(&mut self, done: usize, open: usize) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self
            .last_draw
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
            && done < self.total
        {
            return;
        }
        self.last_draw = Some(now);
        let filled = (done * Self::WIDTH)
            .checked_div(self.total)
            .unwrap_or(Self::WIDTH);
        let bar = format!(
            "{}{}",
            "#".repeat(filled),
            "-".repeat(Self::WIDTH - filled.min(Self::WIDTH))
        );
        let _ = write!(
            io::stderr(),
            "\r[{bar}] {done}/{} tried, {open} open",
            self.total
        );
        self.drawn = true;
    }

    /// Prints a line above the bar.
    fn note(&mut self, message: std::fmt::Arguments<'_>) {
        self.clear();
        warn(message);
    }

    /// Erases the bar, so that what follows starts on a clean line.
    fn clear(&mut self) {
        if self.drawn {
            let _ = write!(io::stderr(), "\r{}\r", " ".repeat(Self::WIDTH + 60));
            self.drawn = false;
        }
    }
}
