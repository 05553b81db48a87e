//! `listen -k` / `--keep-open`: ncat's meaning, every client served at
//! once. Standard input goes to every connected client, and what each
//! client sends goes to standard output (a received chunk is written
//! whole, so chunks from two clients never interleave mid-chunk). With
//! `-e`/`-c` each connection gets its own child instead, and stdin is not
//! read.
//!
//! The main thread accepts; each connection has a thread that reads it
//! (after the TLS handshake, with `--ssl`: a slow handshake holds up no
//! one else) and one that sends it stdin's chunks from a bounded queue.
//! A client whose queue is full (it stopped reading) is disconnected, with
//! a message, so that it never stalls the others or lets the queue grow.
//! When stdin ends, every client's sending side is half-closed, and so is
//! that of each later client at once. The server runs until interrupted,
//! stdout goes away, or --idle passes with no client connected.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use nativesockets::{select_read, Domain, SockAddr, SocketHandle};

use super::session::{finish, run_child, Handshake};
use super::{stdio_file, Options};
use crate::accept::{Acceptor, Step};
use crate::output::{context, stdout_failure, warn, Failure};

/// Chunks of stdin queued for one client at most (each up to 64 KiB).
const QUEUE_CHUNKS: usize = 16;

/// How often the accept loop looks up from its wait, to notice a failure
/// of stdout or the idle limit.
const TICK: Duration = Duration::from_millis(250);

type Chunk = Arc<[u8]>;

struct Client {
    id: u64,
    peer: String,
    sock: Arc<SocketHandle>,
    queue: SyncSender<Chunk>,
}

#[derive(Default)]
struct Clients {
    list: Vec<Client>,
    input_ended: bool,
    next_id: u64,
}

/// What the accept loop and the connections' threads share.
#[derive(Default)]
struct Hub {
    clients: Mutex<Clients>,
    stdout: Mutex<Option<std::fs::File>>,
    /// Connections being served.
    active: AtomicUsize,
    /// A failure that ends the server (stdout gone).
    fatal: Mutex<Option<Failure>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves every connection to `listeners` (non-blocking) at once.
pub(super) fn serve(
    listeners: &[SocketHandle],
    o: &Options,
    handshake: Handshake,
) -> Result<(), Failure> {
    let o = Arc::new(o.clone());
    let handshake = Arc::new(handshake);
    let hub = Arc::new(Hub {
        stdout: Mutex::new(stdio_file(&io::stdout())),
        ..Hub::default()
    });
    if o.exec.is_none() {
        let hub = Arc::clone(&hub);
        let chunk = o.chunk();
        thread::Builder::new()
            .name("stdin".into())
            .spawn(move || broadcast_stdin(&hub, chunk))
            .map_err(|e| context(e, "starting the stdin thread"))?;
    }
    // The shared accept policy (nsock/src/accept.rs): at the descriptor
    // limit the listeners are left alone for a back-off, or until a client
    // leaves, and failures are counted, not printed each.
    let mut acceptor = Acceptor::new();
    let mut served = hub.active.load(Ordering::SeqCst);
    let mut quiet_since = Instant::now();
    loop {
        if let Some(f) = lock(&hub.fatal).take() {
            return Err(f);
        }
        let active = hub.active.load(Ordering::SeqCst);
        let now = Instant::now();
        if active < served {
            acceptor.connection_closed(now);
        }
        served = active;
        if active > 0 {
            quiet_since = now;
        } else if let Some(ms) = o.idle_ms {
            if quiet_since.elapsed() >= Duration::from_millis(ms.into()) {
                o.info(format_args!("no connection for {ms} ms: closing"));
                return Ok(());
            }
        }
        acceptor.tick(now);
        let resumed = acceptor.resume(now);
        if acceptor.is_paused() {
            let until = acceptor
                .deadline()
                .map_or(TICK, |d| d.saturating_duration_since(now));
            thread::sleep(until.min(TICK));
            continue;
        }
        let mut ready: Vec<&SocketHandle> = listeners.iter().collect();
        // After a pause, one look without waiting: none ready means nobody
        // is queued, which ends the episode (at the limit accept says
        // EMFILE, never WouldBlock).
        let wait = if resumed {
            0
        } else {
            let next = acceptor
                .deadline()
                .map_or(TICK, |d| d.saturating_duration_since(now));
            i32::try_from(next.min(TICK).as_millis()).unwrap_or(i32::MAX)
        };
        if select_read(&mut ready, wait).map_err(|e| context(e, "waiting for a connection"))? == 0 {
            if resumed {
                acceptor.queue_empty(Instant::now());
            }
            continue;
        }
        'listeners: for l in ready {
            loop {
                match acceptor.step(l.accept(), Instant::now()) {
                    Step::Accepted(conn, peer) => start_client(conn, &peer, &o, &handshake, &hub),
                    Step::Skipped => {}
                    Step::Drained => break,
                    Step::Pause => break 'listeners,
                }
            }
        }
    }
}

fn start_client(
    conn: SocketHandle,
    peer: &SockAddr,
    o: &Arc<Options>,
    handshake: &Arc<Handshake>,
    hub: &Arc<Hub>,
) {
    let peer = if peer.is_unnamed() || peer.domain() == Some(Domain::Unix) {
        "a local client".to_string()
    } else {
        peer.to_string()
    };
    o.info(format_args!("connection from {peer}"));
    // Accepted sockets inherit non-blocking mode on BSD and Windows.
    if let Err(e) = conn.set_blocking(true) {
        warn(context(e, format_args!("connection from {peer}")));
        return;
    }
    hub.active.fetch_add(1, Ordering::SeqCst);
    let (o, handshake, hub2) = (Arc::clone(o), Arc::clone(handshake), Arc::clone(hub));
    let spawned = thread::Builder::new().name("client".into()).spawn(move || {
        let result = serve_client(conn, &peer, &o, &handshake, &hub2);
        match result {
            Ok(()) => {}
            Err(f) if f.stdout_gone() => *lock(&hub2.fatal) = Some(f),
            Err(f) => f.report(),
        }
        o.detail(format_args!("connection with {peer} closed"));
        hub2.active.fetch_sub(1, Ordering::SeqCst);
    });
    if let Err(e) = spawned {
        // The connection went with the closure.
        hub.active.fetch_sub(1, Ordering::SeqCst);
        warn(context(e, "starting a connection's thread"));
    }
}

fn serve_client(
    conn: SocketHandle,
    peer: &str,
    o: &Options,
    handshake: &Handshake,
    hub: &Hub,
) -> Result<(), Failure> {
    let (conn, bridge) = handshake.secure(conn, peer, o)?;
    let result = match &o.exec {
        Some(cmd) => run_child(cmd, conn, peer, o),
        None => relay_client(Arc::new(conn), peer, hub),
    };
    finish(bridge, peer, result)
}

/// stdin's chunks to `sock` from its queue, and what it sends to stdout,
/// until it has finished sending.
fn relay_client(sock: Arc<SocketHandle>, peer: &str, hub: &Hub) -> Result<(), Failure> {
    let (queue, chunks) = sync_channel::<Chunk>(QUEUE_CHUNKS);
    let id = {
        let mut clients = lock(&hub.clients);
        clients.next_id += 1;
        let id = clients.next_id;
        if clients.input_ended {
            // Input ended before this client came: it gets none.
            let _ = sock.shutdown(Shutdown::Write);
        } else {
            clients.list.push(Client {
                id,
                peer: peer.to_string(),
                sock: Arc::clone(&sock),
                queue,
            });
        }
        id
    };
    let writer = {
        let sock = Arc::clone(&sock);
        thread::Builder::new()
            .name("client-out".into())
            .spawn(move || send_queue(&sock, &chunks))
            .map_err(|e| context(e, "starting a connection's thread"))?
    };
    let mut buf = vec![0u8; 64 * 1024];
    let result = loop {
        match (&*sock).read(&mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                let mut out = lock(&hub.stdout);
                let written = match out.as_mut() {
                    Some(f) => f.write_all(&buf[..n]),
                    None => {
                        let mut std_out = io::stdout().lock();
                        std_out.write_all(&buf[..n]).and_then(|()| std_out.flush())
                    }
                };
                if let Err(e) = written {
                    break Err(stdout_failure(e));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(context(e, format_args!("receiving from {peer}")).into()),
        }
    };
    // Like ncat: a client that has finished sending is closed.
    lock(&hub.clients).list.retain(|c| c.id != id);
    let _ = sock.shutdown(Shutdown::Both);
    let _ = writer.join();
    result
}

/// The client's sending side: its queue to the socket; when the queue is
/// closed (stdin ended), a half-close.
fn send_queue(sock: &SocketHandle, chunks: &Receiver<Chunk>) {
    for chunk in chunks {
        let mut sock = sock;
        if sock.write_all(&chunk).is_err() {
            return;
        }
    }
    let _ = sock.shutdown(Shutdown::Write);
}

/// stdin to every client's queue, until the end of input.
fn broadcast_stdin(hub: &Hub, chunk: usize) {
    let mut stdin = io::stdin().lock();
    let mut buf = vec![0u8; chunk];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                warn(context(e, "reading stdin"));
                0
            }
        };
        let mut clients = lock(&hub.clients);
        if n == 0 {
            clients.input_ended = true;
            // Dropping the queues half-closes each client once sent.
            clients.list.clear();
            return;
        }
        let data: Chunk = Arc::from(&buf[..n]);
        clients
            .list
            .retain(|c| match c.queue.try_send(Arc::clone(&data)) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    warn(format_args!(
                        "{} is not reading: disconnected ({} KiB queued)",
                        c.peer,
                        QUEUE_CHUNKS * chunk / 1024
                    ));
                    let _ = c.sock.shutdown(Shutdown::Both);
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
    }
}
