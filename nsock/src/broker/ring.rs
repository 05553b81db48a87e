//! The broker's ring engine (`--engine ring`): the same broker as the
//! Poller engine's, on the library's completion [`Ring`].
//!
//! Each listener has a multishot accept in flight (its completions are
//! handed to the [`Acceptor`] one by one; on a pause the accepts are
//! cancelled, and armed again when the acceptor resumes: an armed accept
//! that stays quiet for [`PROBE`] says nobody is waiting, which ends the
//! pause's episode). Each client has a multishot pooled receive in
//! flight, which fills the ring's buffer pool, and at most one send. What
//! a batch of completions brings for a client is copied into its queue,
//! one buffer, and the pool buffers go back to the ring as the batch is
//! handled; when the batch is done, each client with bytes queued and no
//! send in flight gets one send of all of them, and what comes while a
//! send is in flight goes in the next, when that one completes. The
//! buffers move between the client's queue, its send and the broker's
//! spares, so a stream allocates nothing. A message for many clients is
//! many sends, all submitted by the next wait's one system call. A
//! client's queue plus its send in flight is bounded by
//! [`QUEUE_LIMIT`](super::QUEUE_LIMIT), as on the Poller engine.
//!
//! A client that goes is marked gone, its operations cancelled; its slot
//! (and so its socket, which the operations hold) is let go when their
//! last completions have come, and only then is a descriptor free for the
//! acceptor.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nativesockets::{
    is_resource_exhausted, Completion, Completions, OpId, OpKind, Ring, RingOptions, SocketHandle,
    WhenFull,
};

use crate::accept::{Acceptor, Step};
use crate::bind::bind_all;
use crate::episode::Episode;
use crate::output::{context, note, Failure};

use super::{announce, over_limit, BrokerOptions, Table};

/// The most operations in flight: two per client (its receive, its
/// send) and one per listener, so about half as many clients.
const CAPACITY: usize = 8192;

/// The receive pool: buffers shared by every client's receive (a
/// completion's buffer goes back to the pool when it has been copied to
/// the clients' queues). Large buffers: fewer completions per byte of a
/// stream.
const POOL_BUFFERS: usize = 128;
const POOL_BUFFER_SIZE: usize = 64 << 10;

/// The most bytes of send buffers kept for reuse: a client's buffer goes
/// back to the broker's spares when the client has nothing more to send,
/// so that an idle client holds none, and a client streaming (one buffer
/// in flight, one filling) takes them from there and allocates nothing.
const SPARE_BYTES: usize = 16 << 20;

/// How long the accepts armed after a pause must stay quiet to say no
/// client is waiting.
const PROBE: Duration = Duration::from_millis(20);

/// Listener `i` has key `LISTENER_KEY - i`; clients their slot.
const LISTENER_KEY: u64 = u64::MAX;

/// The broker's ring, bounded as this engine needs: submissions fail
/// rather than wait when it is full (which the engine's own accounting
/// keeps from happening).
pub(super) fn new_ring() -> Result<Ring, Failure> {
    Ring::with_options(
        &RingOptions::new()
            .capacity(CAPACITY)
            .buffers(POOL_BUFFERS, POOL_BUFFER_SIZE)
            .when_full(WhenFull::WouldBlock),
    )
    .map_err(|e| context(e, "creating the ring").into())
}

/// A connected client.
struct Client {
    sock: Arc<SocketHandle>,
    peer: String,
    /// Bytes from the others for the next send: all of it goes in one
    /// (no allocation while empty: it is taken from the spares when the
    /// first bytes come).
    queue: Vec<u8>,
    /// The send in flight, and its length.
    send: Option<OpId>,
    sending: usize,
    /// The receive in flight.
    recv: Option<OpId>,
    /// In the broker's list of clients to send to at the end of the batch.
    flushing: bool,
    /// Dropped: waiting for its operations' last completions.
    gone: bool,
}

/// `nsock listen --broker ADDR` on `ring`.
pub(super) fn run(o: &BrokerOptions, ring: Ring) -> Result<(), Failure> {
    // The listeners stay blocking: io_uring completes an accept on a
    // non-blocking one with EAGAIN when nobody is waiting, rather than
    // waiting (the emulation makes them non-blocking itself).
    let listeners = bind_all(&o.address, o.domain, false, o.quiet)?;
    announce(&listeners, o.quiet);
    let listeners: Vec<Arc<SocketHandle>> = listeners.into_iter().map(Arc::new).collect();
    let mut broker = Broker {
        ring,
        accepts: vec![None; listeners.len()],
        listeners,
        clients: Table::new(),
        quiet: o.quiet,
        acceptor: Acceptor::new(),
        probe_until: None,
        dropped: Episode::new("clients dropped", ""),
        flush: Vec::new(),
        spares: Spares::default(),
    };
    broker.arm_accepts(Instant::now());
    let mut done = Completions::with_capacity(1024);
    let (mut data, mut accepts) = (Vec::new(), Vec::new());
    loop {
        let timeout = [
            broker.acceptor.deadline(),
            broker.dropped.deadline(),
            broker.probe_until,
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|d| d.saturating_duration_since(Instant::now()));
        broker
            .ring
            .wait(&mut done, timeout)
            .map_err(|e| context(e, "waiting for clients"))?;
        let now = Instant::now();
        // After the accepts are armed again, a client waiting is accepted
        // (or the limit is hit again) within moments, though not always
        // by the first wait (the kernel may complete the accept from a
        // worker): the probe lasts while accepts come, and a quiet
        // PROBE says nobody is waiting any more.
        if let Some(until) = broker.probe_until {
            if done.iter().any(|c| c.kind() == OpKind::Accept) {
                broker.probe_until = Some(now + PROBE);
            } else if now >= until {
                broker.probe_until = None;
                broker.acceptor.queue_empty(now);
            }
        }
        if broker.acceptor.resume(now) {
            broker.arm_accepts(now);
        }
        // Ends first (clients gone, sends done), then the bytes received,
        // then new clients: a burst of messages is not copied to clients
        // this same batch says are gone (with many gone at once, that
        // would be each message to each of them), and a slot freed here
        // is not taken by a new client before the bytes of its last
        // owner are passed on.
        for c in done.drain() {
            match c.kind() {
                OpKind::Accept => accepts.push(c),
                OpKind::RecvPooled if c.pooled().is_some_and(|d| !d.is_empty()) => data.push(c),
                OpKind::RecvPooled => broker.received(c),
                OpKind::Send => broker.sent(c),
                _ => {}
            }
        }
        for c in data.drain(..) {
            broker.received(c);
        }
        for c in accepts.drain(..) {
            broker.accepted(c);
        }
        broker.flush();
        let now = Instant::now();
        broker.acceptor.tick(now);
        broker.dropped.tick(now);
    }
}

struct Broker {
    ring: Ring,
    listeners: Vec<Arc<SocketHandle>>,
    /// Each listener's accept in flight.
    accepts: Vec<Option<OpId>>,
    clients: Table<Client>,
    quiet: bool,
    acceptor: Acceptor,
    /// The accepts were armed again after a pause: until then, the
    /// waits tell whether a client is waiting.
    probe_until: Option<Instant>,
    /// Clients dropped for an error or for not reading.
    dropped: Episode,
    /// Clients with bytes queued and no send in flight: each gets one
    /// send, of everything the batch queued for it, when the batch is done.
    flush: Vec<usize>,
    /// Send buffers given back by completed sends and idle clients.
    spares: Spares,
}

/// Empty send buffers kept for reuse, at most [`SPARE_BYTES`] of them.
#[derive(Default)]
struct Spares {
    bufs: Vec<Vec<u8>>,
    bytes: usize,
}

impl Spares {
    /// An empty buffer, with room from an earlier send where there is one.
    fn take(&mut self) -> Vec<u8> {
        let buf = self.bufs.pop().unwrap_or_default();
        self.bytes -= buf.capacity();
        buf
    }

    /// Keeps `buf` for a later send, within bounds.
    fn keep(&mut self, mut buf: Vec<u8>) {
        let room = buf.capacity();
        if room > 0 && self.bytes + room <= SPARE_BYTES {
            buf.clear();
            self.bytes += room;
            self.bufs.push(buf);
        }
    }
}

impl Broker {
    /// Arms the accept of every listener that has none in flight (unless
    /// accepting is paused).
    fn arm_accepts(&mut self, now: Instant) {
        let mut armed = false;
        for i in 0..self.listeners.len() {
            if self.acceptor.is_paused() || self.accepts[i].is_some() {
                continue;
            }
            match self
                .ring
                .accept(&self.listeners[i], LISTENER_KEY - i as u64)
            {
                Ok(id) => {
                    self.accepts[i] = Some(id);
                    armed = true;
                }
                Err(e) => {
                    // The ring full or out of memory: the accept
                    // back-off, the error counted with the accepts'.
                    self.acceptor.listener_failed(now, &e);
                    return self.pause_accepts();
                }
            }
        }
        if armed {
            self.probe_until = Some(now + PROBE);
        }
    }

    /// Cancels the accepts in flight while the acceptor is paused; the
    /// clients are served on.
    fn pause_accepts(&mut self) {
        // Paused again: the probe is over, with its answer.
        self.probe_until = None;
        for id in self.accepts.iter().flatten() {
            // Its last completion may be in this very batch already.
            let _ = self.ring.cancel(*id);
        }
    }

    /// One completion of listener `key`'s accept.
    fn accepted(&mut self, mut c: Completion) {
        let i = (LISTENER_KEY - c.key()) as usize;
        if !c.is_more() {
            self.accepts[i] = None;
        }
        let now = Instant::now();
        let result = match c.take_accepted() {
            // Reset before it was looked at: nothing to serve, nothing to
            // say (the Poller engine's accept would not have returned it).
            Some(sock) => sock.peer_addr().map(|peer| (sock, peer)),
            // Cancelled by a pause: nothing to count (asked before the
            // result is taken, which is what tells).
            None if c.is_cancelled() => Err(io::ErrorKind::NotConnected.into()),
            None => match c.take_result() {
                Err(e) => Err(e),
                Ok(_) => Err(io::ErrorKind::NotConnected.into()),
            },
        };
        match result {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => {}
            result => match self.acceptor.step(result, now) {
                Step::Accepted(sock, peer) => self.add_client(sock, peer.to_string(), now),
                Step::Drained | Step::Skipped => {}
                Step::Pause => self.pause_accepts(),
            },
        }
        if self.accepts[i].is_none() {
            self.arm_accepts(now);
        }
    }

    /// Serves a new client: its receive armed, its slot taken.
    fn add_client(&mut self, sock: SocketHandle, peer: String, now: Instant) {
        // Two operations per client: refuse one that would not fit.
        let most = (self.ring.capacity() - self.listeners.len()) / 2;
        if self.clients.count() >= most {
            self.dropped.record(
                now,
                format_args!("dropping client {peer}: {most} clients already, the most"),
            );
            self.acceptor.pause(now);
            return self.pause_accepts();
        }
        let sock = Arc::new(sock);
        let slot = self.clients.vacant();
        let recv = match self.ring.recv_pooled(&sock, slot as u64) {
            Ok(id) => id,
            Err(e) => {
                self.dropped
                    .record(now, format_args!("dropping client {peer}: {e}"));
                if is_resource_exhausted(&e) {
                    self.acceptor.pause(now);
                    self.pause_accepts();
                }
                return;
            }
        };
        if !self.quiet {
            note(format_args!("connection from {peer}"));
        }
        self.clients.insert(Client {
            sock,
            peer,
            queue: Vec::new(),
            send: None,
            sending: 0,
            recv: Some(recv),
            flushing: false,
            gone: false,
        });
    }

    /// One completion of client `key`'s receive: its bytes go to every
    /// other client.
    fn received(&mut self, c: Completion) {
        let slot = c.key() as usize;
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        if !c.is_more() {
            client.recv = None;
        }
        // Bytes that came before the client went are passed on all the
        // same (its end may have been handled first, in this batch).
        if let Some(data) = c.pooled().filter(|d| !d.is_empty()) {
            for other in 0..self.clients.len() {
                if other != slot {
                    self.send_to(other, data);
                }
            }
        }
        if c.is_more() {
            return;
        }
        if self.clients.get_mut(slot).is_some_and(|c| c.gone) {
            return self.release(slot);
        }
        // A last completion with bytes is not the stream's end (io_uring
        // ends a multishot receive so when it cannot post more): the
        // receive goes on, as after running out of pool buffers.
        let had_bytes = c.pooled().is_some_and(|d| !d.is_empty());
        if c.is_out_of_buffers() || had_bytes {
            // Out of buffers: every pool buffer was taken at once; this
            // completion's is back when it is dropped, the others as they
            // are handled.
            let Some(client) = self.clients.get_mut(slot) else {
                return;
            };
            let sock = Arc::clone(&client.sock);
            return match self.ring.recv_pooled(&sock, slot as u64) {
                Ok(id) => {
                    if let Some(client) = self.clients.get_mut(slot) {
                        client.recv = Some(id);
                    }
                }
                Err(e) => self.drop_client(slot, Some(e.to_string())),
            };
        }
        match c.result() {
            Ok(_) => self.drop_client(slot, None),
            Err(e) => self.drop_client(slot, Some(e.to_string())),
        }
    }

    /// Queues `data` for client `slot`: it goes in the client's next
    /// send, at the end of the batch or when its send in flight is done.
    fn send_to(&mut self, slot: usize, data: &[u8]) {
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        if client.gone {
            return;
        }
        if let Some(why) = over_limit(client.sending + client.queue.len() + data.len()) {
            return self.drop_client(slot, Some(why));
        }
        if client.queue.capacity() == 0 {
            client.queue = self.spares.take();
        }
        client.queue.extend_from_slice(data);
        if client.send.is_none() && !client.flushing {
            client.flushing = true;
            self.flush.push(slot);
        }
    }

    /// Starts the send of each client with bytes queued and none in
    /// flight: all its queue in one send.
    fn flush(&mut self) {
        let mut flush = std::mem::take(&mut self.flush);
        for slot in flush.drain(..) {
            let Some(client) = self.clients.get_mut(slot) else {
                continue;
            };
            client.flushing = false;
            if client.gone || client.send.is_some() || client.queue.is_empty() {
                continue;
            }
            let buf = std::mem::take(&mut client.queue);
            let len = buf.len();
            match self.ring.send(&client.sock, buf, slot as u64) {
                Ok(id) => {
                    client.send = Some(id);
                    client.sending = len;
                }
                Err(e) => self.drop_client(slot, Some(e.to_string())),
            }
        }
        // The list's allocation is kept for the next batch.
        flush.append(&mut self.flush);
        self.flush = flush;
    }

    /// Client `key`'s send completed: what it did not send goes next,
    /// ahead of what was queued meanwhile.
    fn sent(&mut self, mut c: Completion) {
        let slot = c.key() as usize;
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        client.send = None;
        client.sending = 0;
        let mut buf = c.take_buffer().unwrap_or_default();
        if client.gone {
            self.spares.keep(buf);
            return self.release(slot);
        }
        let n = match c.result() {
            Ok(n) => n.min(buf.len()),
            Err(e) => {
                let why = e.to_string();
                return self.drop_client(slot, Some(why));
            }
        };
        if n < buf.len() {
            // A short send (the peer's window filled): the rest first.
            buf.drain(..n);
            buf.extend_from_slice(&client.queue);
            buf = std::mem::replace(&mut client.queue, buf);
        }
        self.spares.keep(buf);
        if !client.queue.is_empty() && !client.flushing {
            client.flushing = true;
            self.flush.push(slot);
        }
    }

    /// Disconnects client `slot`: `why` is None for an orderly close. Its
    /// operations are cancelled; the slot goes with their last completion.
    fn drop_client(&mut self, slot: usize, why: Option<String>) {
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        if client.gone {
            return;
        }
        client.gone = true;
        self.spares.keep(std::mem::take(&mut client.queue));
        let now = Instant::now();
        match why {
            Some(why) => self
                .dropped
                .record(now, format_args!("dropping client {}: {why}", client.peer)),
            None if !self.quiet => note(format_args!("{} disconnected", client.peer)),
            None => {}
        }
        for id in [client.recv, client.send].into_iter().flatten() {
            // Its last completion may be in this very batch already.
            let _ = self.ring.cancel(id);
        }
        self.release(slot);
    }

    /// Lets client `slot` go once it is gone and nothing is in flight
    /// for it: its socket closes, a descriptor is free.
    fn release(&mut self, slot: usize) {
        let idle = self
            .clients
            .get_mut(slot)
            .is_some_and(|c| c.gone && c.recv.is_none() && c.send.is_none());
        if idle {
            drop(self.clients.remove(slot));
            self.acceptor.connection_closed(Instant::now());
        }
    }
}
