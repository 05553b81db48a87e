//! `nsock forward [ADDR:]PORT HOST:PORT`: accept connections and relay
//! each, both ways, to a target, as `socat TCP-LISTEN:P,fork TCP:H:Q`
//! does, but with one thread per core, each with its own `Poller` and
//! (on Linux) its own `SO_REUSEPORT` listeners, serving many connections
//! at once (`engine`); `-u` forwards UDP datagrams, one session per
//! client (`udp`); `--ssl` and `--ssl-target` put TLS on either side
//! (`tls`).

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nativesockets::{Domain, Events, Interest, Poller, SockAddr, SocketHandle};

use crate::access::Access;
use crate::address::{ip_transport, resolve_port, split_host_port, wire_addrs};
use crate::output::{context, Failure};
use crate::server;
use crate::server::accept::{accept, Accepted, Reports, Resting};

pub mod engine;
mod tls;
mod udp;

use engine::{shown, Worker, MAX_CONN_KEY};

pub const FORWARD_HELP: &str = "\
Every connection to [ADDR:]PORT is relayed, both ways, to HOST:PORT, \
many at once: one thread per core, each with its own poller, and a fixed \
64 KiB buffer each way per connection (a side that stops reading stalls \
only its own connection). On Linux a bulk transfer moves on to splice(2) \
through a kernel pipe, never copied into nsock (--no-splice keeps it in \
the buffer). A client that shuts its sending side still \
gets the target's reply. A target that refuses closes that client, with \
a message on stderr (repeats are counted, not each written); the \
forwarder serves on. Every address of HOST is tried in turn.

A bare PORT listens on the loopback addresses only (127.0.0.1 and ::1); \
:PORT listens on every interface, ADDR:PORT on ADDR. Listening beyond \
loopback without --allow draws a warning: anyone who can reach the port \
may use it. --allow CIDR and --deny CIDR (repeatable, as ncat's) choose \
who is served, --max-conns N how many at once; a client refused is closed \
at once (and reported with -v).

--unix PATH listens on a Unix-domain socket instead of [ADDR:]PORT; \
--to-unix PATH forwards to one instead of HOST:PORT. With -u, datagrams \
are forwarded: each client address gets its own socket connected to the \
target, and the session ends after --idle seconds of silence.

TLS: --ssl makes clients speak TLS 1.2/1.3 to the forwarder, with \
--ssl-cert FILE --ssl-key FILE (PEM) or a fresh self-signed certificate \
whose SHA-256 fingerprint is printed on stderr. --ssl-target makes the \
forwarder speak TLS to HOST:PORT, checking its certificate against the \
system's roots and --ssl-trustfile FILE (PEM), or not at all with \
--ssl-no-verify (with a warning); the name checked, and sent as SNI, is \
HOST or --ssl-servername NAME; --ssl-alpn LIST offers those protocols. \
Either, or both. A TLS session is carried by two threads of its own \
onto a local socket pair relayed as above, never by splice.

Examples:
  nsock forward 8080 example.com:80          # localhost:8080 -> example.com:80
  nsock forward :2222 10.0.0.5:22 --allow 192.168.1.0/24
  nsock forward -u 5353 192.168.1.1:53 --idle 30
  nsock forward --unix /tmp/db.sock 127.0.0.1:5432
  nsock forward --ssl --ssl-cert cert.pem --ssl-key key.pem :8443 127.0.0.1:8080
  nsock forward 8080 example.com:443 --ssl-target     # plain in, TLS out

Exit codes: 0 never (it runs until interrupted); 1 when it cannot listen \
or the target has no address; 2 for a usage error.";

/// Where a server listens.
pub enum ListenOn {
    Inet(String),
    Unix(PathBuf),
}

/// Where it forwards to.
pub enum Dest {
    Inet(String),
    Unix(PathBuf),
}

/// What `nsock forward` was asked.
pub struct ForwardOptions {
    pub listen: ListenOn,
    pub target: Dest,
    pub udp: bool,
    pub idle_secs: u32,
    pub max_conns: Option<usize>,
    pub access: Access,
    pub domain: Domain,
    pub quiet: bool,
    pub verbose: bool,
    /// Let bulk transfers move by `splice` (Linux).
    pub splice: bool,
    /// `--ssl`: clients speak TLS to the forwarder.
    pub tls_listen: Option<crate::tls::TlsArgs>,
    /// `--ssl-target`: the forwarder speaks TLS to the target.
    pub tls_target: Option<crate::tls::TlsArgs>,
}

/// Keys from here up are the listeners, counted down.
const LISTENER_KEY: usize = usize::MAX - 1;

/// `nsock forward`.
pub fn run(o: &ForwardOptions) -> Result<(), Failure> {
    let targets = resolve_target(&o.target, o.domain, o.udp)?;
    if o.udp {
        return udp::run(o, &targets);
    }
    let tls_server = o.tls_listen.as_ref().map(crate::tls::server).transpose()?;
    let tls_setup = tls_setup(o, tls_server.as_ref())?;
    let threads = server::threads();
    let mut _unix_file = None;
    let mut sets: Vec<Vec<SocketHandle>> = Vec::new();
    let place = match &o.listen {
        ListenOn::Unix(path) => {
            let (sock, guard) = server::bind_unix(path)?;
            _unix_file = Some(guard);
            for _ in 1..threads {
                sets.push(vec![sock.try_clone()?]);
            }
            sets.push(vec![sock]);
            None
        }
        ListenOn::Inet(text) => {
            let mut place = server::place(text, o.domain, false)?;
            let reuse = cfg!(target_os = "linux");
            let first = server::bind(&mut place, false, reuse, o.quiet)?;
            for _ in 1..threads {
                let set = if reuse {
                    server::bind(&mut place, false, true, true)?
                } else {
                    first
                        .iter()
                        .map(SocketHandle::try_clone)
                        .collect::<io::Result<_>>()?
                };
                sets.push(set);
            }
            sets.push(first);
            Some(place)
        }
    };
    let shared = Arc::new(Shared {
        targets: targets.into(),
        access: o.access.clone(),
        max_conns: o.max_conns.unwrap_or(usize::MAX),
        live: Arc::new(AtomicUsize::new(0)),
        verbose: o.verbose,
        reports: Arc::new(Reports::new()),
        splice: o.splice,
        tls: tls_setup.map(Arc::new),
    });
    // Every poller is made (and every listener registered) before the
    // threads start, so that a failure is reported before serving.
    let mut pollers = Vec::new();
    for set in &sets {
        let poller = Poller::new()?;
        for (i, l) in set.iter().enumerate() {
            poller.add(l, LISTENER_KEY - i, Interest::READABLE)?;
        }
        pollers.push(poller);
    }
    // Said once everything is ready to serve.
    match (&place, &o.listen) {
        (Some(place), _) => server::announce("forward", place, &o.access, false, o.quiet),
        (None, ListenOn::Unix(path)) if !o.quiet => {
            crate::output::note(format_args!("forward listening on {}", path.display()));
        }
        _ => {}
    }
    if let Some(server) = &tls_server {
        crate::tls::announce(server, o.quiet);
    }
    let main_set = sets.pop().expect("one set per thread");
    let main_poller = pollers.pop().expect("one poller per thread");
    for (set, poller) in sets.into_iter().zip(pollers) {
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            // A worker only returns on a poller failure, which ends the
            // whole server as the main thread's would.
            if let Err(e) = serve(set, poller, &shared) {
                Failure::from(context(e, "forward")).report();
                std::process::exit(1);
            }
        });
    }
    serve(main_set, main_poller, &shared).map_err(|e| context(e, "forward").into())
}

/// What every worker of a server shares.
pub struct Shared {
    pub targets: Arc<[SockAddr]>,
    pub access: Access,
    pub max_conns: usize,
    pub live: Arc<AtomicUsize>,
    pub verbose: bool,
    pub reports: Arc<Reports>,
    pub splice: bool,
    pub tls: Option<Arc<tls::Setup>>,
}

/// The TLS configurations, built (and their files read) before anything
/// listens: `None` when neither side speaks TLS.
fn tls_setup(
    o: &ForwardOptions,
    server: Option<&crate::tls::Server>,
) -> Result<Option<tls::Setup>, Failure> {
    let client = match &o.tls_target {
        Some(args) => {
            let host = match &o.target {
                Dest::Inet(text) => split_host_port(text)
                    .map_err(Failure::usage)?
                    .0
                    .map(str::to_string),
                Dest::Unix(_) => None,
            };
            let host = match (&args.servername, host) {
                (Some(name), _) => name.clone(),
                (None, Some(host)) => host,
                (None, None) => return Err(Failure::usage(
                    "--ssl-target with --to-unix needs --ssl-servername NAME (the name to check)",
                )),
            };
            let name = crate::tls::server_name(args, &host)?;
            Some((crate::tls::client(args)?, name))
        }
        None => None,
    };
    let server = server.map(|s| Arc::clone(&s.config));
    Ok((server.is_some() || client.is_some()).then_some(tls::Setup { server, client }))
}

/// The target's addresses: every address of HOST, or the Unix path.
fn resolve_target(dest: &Dest, domain: Domain, udp: bool) -> Result<Vec<SockAddr>, Failure> {
    match dest {
        Dest::Unix(path) => Ok(vec![SockAddr::unix(path)?]),
        Dest::Inet(text) => {
            let (host, port) = split_host_port(text).map_err(Failure::usage)?;
            let host = host.ok_or_else(|| {
                Failure::usage(format!("target {text:?} has no host: write HOST:PORT"))
            })?;
            let (sock_type, protocol, name) = ip_transport(udp);
            let port = resolve_port(port, name)?;
            let addrs = wire_addrs(host, port, domain, sock_type, protocol)
                .map_err(|e| context(e, format_args!("target {text:?}")))?;
            Ok(addrs.into_iter().map(SockAddr::from).collect())
        }
    }
}

/// One worker thread: its listeners and its connections.
fn serve(listeners: Vec<SocketHandle>, poller: Poller, shared: &Shared) -> io::Result<()> {
    let poller = Arc::new(poller);
    let lowest = LISTENER_KEY + 1 - listeners.len();
    debug_assert!(lowest > MAX_CONN_KEY);
    let mut worker = Worker::new(
        Arc::clone(&poller),
        Arc::clone(&shared.targets),
        Arc::clone(&shared.live),
        shared.verbose,
        Arc::clone(&shared.reports),
    );
    worker.splice(shared.splice);
    let (tx, rx) = std::sync::mpsc::channel::<tls::Handoff>();
    let gate = Gate(shared);
    let mut resting = Resting::new(listeners.len());
    let mut events = Events::with_capacity(512);
    loop {
        let timeout = resting.timeout(Duration::from_secs(1));
        poller.wait(&mut events, Some(timeout))?;
        while let Ok(h) = rx.try_recv() {
            worker.start_bridged(h.client, h.target, h.peer, h.closed);
        }
        for e in events.iter() {
            if e.key < lowest {
                worker.event(&e);
                continue;
            }
            let i = LISTENER_KEY - e.key;
            for _ in 0..64 {
                match accept(&listeners[i], &shared.reports.accept) {
                    Accepted::Client(sock, peer) => {
                        if !gate.admit(&peer) {
                            continue;
                        }
                        if let Some(setup) = &shared.tls {
                            let link = tls::Link {
                                setup: Arc::clone(setup),
                                targets: Arc::clone(&shared.targets),
                                live: Arc::clone(&shared.live),
                                reports: Arc::clone(&shared.reports),
                                verbose: shared.verbose,
                                tx: tx.clone(),
                                poller: Arc::clone(&poller),
                            };
                            tls::spawn(link, sock, peer);
                        } else if sock.set_blocking(false).is_ok() {
                            worker.start(sock, peer);
                        } else {
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

/// Who is let in: `--allow`/`--deny`, `--max-conns`; the refused are
/// closed at once and counted (shown with -v).
pub struct Gate<'a>(pub &'a Shared);

impl Gate<'_> {
    /// Whether the client may be served (counted in `live` if so); a
    /// refused one is closed when the caller drops it.
    pub fn admit(&self, peer: &SockAddr) -> bool {
        let shared = self.0;
        let ip = peer.as_socket_addr().map(|a| a.ip());
        if !shared.access.permits(ip) {
            if shared.verbose {
                shared.reports.denied.hit(shown(peer));
            }
            return false;
        }
        let before = shared.live.fetch_add(1, Ordering::Relaxed);
        if before >= shared.max_conns {
            shared.live.fetch_sub(1, Ordering::Relaxed);
            if shared.verbose {
                shared.reports.full.hit(format_args!(
                    "{} ({} connections already)",
                    shown(peer),
                    shared.max_conns
                ));
            }
            return false;
        }
        true
    }
}
