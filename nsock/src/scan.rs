//! `nsock scan`: a TCP connect scan with many non-blocking connects in
//! flight at once, waited on with a `Poller` per worker thread.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nativesockets::{
    get_serv_by_port, new_native_socket, Domain, Events, Interest, PollMode, Poller, Port,
    Protocol, SockAddr, SockType, SocketHandle,
};

use crate::address::{self, PortList};
use crate::json::Json;
use crate::output::{context, emit, or_empty, warn, Failure};

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
null when the services database has no name for the port (the text says \
unknown). A host that is not found prints null.

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
    // `HOST:PORT`, as connect takes it: the resolver would only say that
    // no host has that name.
    if let Ok((Some(host), port)) = address::split_host_port(&o.host) {
        return Err(Failure::usage(format!(
            "{:?}: scan takes the host and the ports apart: write {host} {port}",
            o.host
        )));
    }
    // With --json, a host that does not resolve still prints a document.
    let addrs = or_empty(
        o.json,
        Json::Null,
        resolve(&o.host, o.domain).map_err(Failure::from),
    )?;
    let targets: Vec<SocketAddr> = addrs
        .iter()
        .flat_map(|&a| {
            ports.iter().map(move |&p| {
                let mut t = a;
                t.set_port(p);
                t
            })
        })
        .collect();

    let started = Instant::now();
    let mut progress = Progress::new(targets.len());
    let tally = scan(&targets, ports.len(), o, &mut progress)?;
    let elapsed = started.elapsed();
    progress.clear();

    for ((addr_index, message), count) in &tally.errors {
        warn(format_args!(
            "{}: {count} connect{} failed: {message}",
            ip_text(&addrs[*addr_index]),
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
            ("addresses", Json::strs(addrs.iter().map(ip_text))),
            ("ports", Json::from(ports.len())),
            ("tried", Json::from(targets.len())),
            (
                "open",
                Json::Arr(
                    open.iter()
                        .map(|&t| {
                            Json::Obj(vec![
                                ("address", Json::str(ip_text(&targets[t]))),
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
                .map(|&t| ip_text(&targets[t]).len())
                .max()
                .unwrap_or(0)
                .max("ADDRESS".len());
            text.push_str(&format!("{:<9}  {:<width$}  SERVICE\n", "PORT", "ADDRESS"));
            for &t in &open {
                let port = targets[t].port();
                text.push_str(&format!(
                    "{:<9}  {:<width$}  {}\n",
                    format!("{port}/tcp"),
                    ip_text(&targets[t]),
                    service(port).as_deref().unwrap_or("unknown"),
                ));
            }
        }
        let list: Vec<String> = addrs.iter().map(ip_text).collect();
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
/// resolver's order, on port 0: an IPv6 one keeps its scope, without which
/// a link-local address cannot be connected to.
fn resolve(host: &str, domain: Domain) -> io::Result<Vec<SocketAddr>> {
    address::wire_addrs(host, Port(0), domain, SockType::Stream, Protocol::Tcp)
}

/// The address of `a` as the tool prints addresses: an IPv6 scope as its
/// number (`fe80::1%1`), as `SocketAddr` shows it.
fn ip_text(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V6(v6) if v6.scope_id() != 0 => format!("{}%{}", v6.ip(), v6.scope_id()),
        _ => a.ip().to_string(),
    }
}

/// Runs the connects, at most `o.parallel` at a time, split over one
/// worker thread per core (at most 4): each takes a contiguous share of
/// `targets` and waits on its connects with its own `Poller`, so that the
/// kernel's work per port (socket, connect, reset, close), which is most
/// of a scan's time, is shared by the cores. `targets` holds `per_addr`
/// ports for each address in turn.
fn scan(
    targets: &[SocketAddr],
    per_addr: usize,
    o: &ScanOptions,
    progress: &mut Progress,
) -> io::Result<Tally> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // A worker for fewer than 512 targets costs more than it saves.
    let workers = cores.min(4).min(targets.len() / 512).max(1);
    let parallel = usize::try_from(o.parallel).unwrap_or(usize::MAX).max(1);
    let share = targets.len().div_ceil(workers);
    let shared = Shared {
        done: AtomicUsize::new(0),
        open: AtomicUsize::new(0),
        notes: Mutex::new(Vec::new()),
    };
    let timeout = Duration::from_millis(o.timeout_ms.into());
    let results: Vec<io::Result<Tally>> = std::thread::scope(|scope| {
        // Each worker says when it is done, so that the last one's end is
        // seen at once rather than at the next redraw of the progress bar.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let first = w * share;
                let range = first..(first + share).min(targets.len());
                // The in-flight budget is split too, each worker's at least 1.
                let cap = (parallel / workers).max(1);
                let shared = &shared;
                let done_tx = done_tx.clone();
                scope.spawn(move || {
                    let r = scan_share(targets, range, per_addr, cap, timeout, shared);
                    let _ = done_tx.send(());
                    r
                })
            })
            .collect();
        // Only the workers hold senders now: if one panics, the channel
        // still ends when the others are done.
        drop(done_tx);
        let mut finished = 0;
        while finished < workers {
            match done_rx.recv_timeout(Duration::from_millis(100)) {
                Ok(()) => finished += 1,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                // A worker panicked before saying so: join reports it.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
            for note in std::mem::take(&mut *lock(&shared.notes)) {
                progress.note(format_args!("{note}"));
            }
            progress.update(
                shared.done.load(Ordering::Relaxed),
                shared.open.load(Ordering::Relaxed),
            );
        }
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    for note in std::mem::take(&mut *lock(&shared.notes)) {
        progress.note(format_args!("{note}"));
    }
    let mut tally = Tally::default();
    for r in results {
        let t = r?;
        tally.open.extend(t.open);
        tally.closed += t.closed;
        tally.timed_out += t.timed_out;
        tally.failed += t.failed;
        for (k, n) in t.errors {
            *tally.errors.entry(k).or_default() += n;
        }
    }
    progress.update(tally.done(), tally.open.len());
    Ok(tally)
}

/// What the workers share with the thread that draws the progress bar.
struct Shared {
    done: AtomicUsize,
    open: AtomicUsize,
    notes: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One worker: the connects to `targets[range]`, at most `cap` in flight,
/// each registered one-shot for writability under its slot's index.
fn scan_share(
    targets: &[SocketAddr],
    range: std::ops::Range<usize>,
    per_addr: usize,
    mut cap: usize,
    timeout: Duration,
    shared: &Shared,
) -> io::Result<Tally> {
    let addr_index = |t: usize| t / per_addr.max(1);
    let poller = Poller::new().map_err(|e| context(e, "creating the poller"))?;
    let mut events = Events::with_capacity(1024);
    let mut tally = Tally::default();
    // Connects in flight by slot (the Poller key); free slots for reuse.
    let mut slots: Vec<Option<InFlight>> = Vec::with_capacity(cap.min(range.len()));
    let mut free: Vec<usize> = Vec::new();
    // (deadline, slot, target) in the order connects started, which is the
    // order of their deadlines; an entry whose slot moved on is stale.
    let mut deadlines: VecDeque<(Instant, usize, usize)> = VecDeque::new();
    let mut in_flight = 0usize;
    let mut next = range.start;
    let mut reported = 0usize;
    let finish = |tally: &mut Tally, free: &mut Vec<usize>, p: InFlight, verdict: Verdict, slot| {
        // Deleted before the socket closes: kqueue, the poll(2) backend and
        // Windows would otherwise keep the registration.
        let _ = poller.delete(&p.sock);
        if matches!(verdict, Verdict::Open) {
            shared.open.fetch_add(1, Ordering::Relaxed);
        }
        tally.record(p.target, addr_index(p.target), verdict);
        free.push(slot);
    };

    while next < range.end || in_flight > 0 {
        while in_flight < cap && next < range.end {
            match start(&SockAddr::from(targets[next])) {
                Ok(Started::Done(v)) => {
                    if matches!(v, Verdict::Open) {
                        shared.open.fetch_add(1, Ordering::Relaxed);
                    }
                    tally.record(next, addr_index(next), v);
                }
                Ok(Started::Pending(sock)) => {
                    let slot = free.pop().unwrap_or_else(|| {
                        slots.push(None);
                        slots.len() - 1
                    });
                    match poller.add_with_mode(&sock, slot, Interest::WRITABLE, PollMode::Oneshot) {
                        Ok(()) => {
                            let deadline = Instant::now() + timeout;
                            slots[slot] = Some(InFlight {
                                sock,
                                target: next,
                                deadline,
                            });
                            deadlines.push_back((deadline, slot, next));
                            in_flight += 1;
                        }
                        Err(e) => {
                            free.push(slot);
                            tally.record(next, addr_index(next), Verdict::Failed(e));
                        }
                    }
                }
                Err(_) if in_flight > 0 => {
                    // Most likely the descriptor limit: keep to the number
                    // in flight now, and try this target again when one
                    // finishes. With nothing in flight the error is the
                    // target's own, and is reported below.
                    if cap > in_flight {
                        cap = in_flight;
                        lock(&shared.notes).push(format!(
                            "the system refused more sockets at {cap} in flight in a worker; \
                             continuing with that many"
                        ));
                    }
                    break;
                }
                Err(e) => tally.record(next, addr_index(next), Verdict::Failed(e)),
            }
            next += 1;
        }
        if in_flight > 0 {
            let live = |slots: &[Option<InFlight>], slot: usize, t: usize| {
                slots[slot].as_ref().is_some_and(|p| p.target == t)
            };
            while let Some(&(_, slot, t)) = deadlines.front() {
                if live(&slots, slot, t) {
                    break;
                }
                deadlines.pop_front();
            }
            let wait = deadlines.front().map_or(Duration::ZERO, |d| {
                d.0.saturating_duration_since(Instant::now())
            });
            poller
                .wait(&mut events, Some(wait))
                .map_err(|e| context(e, "waiting for connects"))?;
            for e in events.iter() {
                if let Some(p) = slots.get_mut(e.key).and_then(Option::take) {
                    let verdict = settle(&p.sock);
                    finish(&mut tally, &mut free, p, verdict, e.key);
                    in_flight -= 1;
                }
            }
            let now = Instant::now();
            while let Some(&(deadline, slot, t)) = deadlines.front() {
                if live(&slots, slot, t) && deadline > now {
                    break;
                }
                deadlines.pop_front();
                if live(&slots, slot, t) {
                    let p = slots[slot].take().expect("live slot");
                    debug_assert!(p.deadline <= now);
                    finish(&mut tally, &mut free, p, Verdict::TimedOut, slot);
                    in_flight -= 1;
                }
            }
        }
        let done = tally.done();
        shared.done.fetch_add(done - reported, Ordering::Relaxed);
        reported = done;
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
