//! The broker's Poller engine (`--engine poller`).
//!
//! One thread serves every client with a `Poller`: the listeners and the
//! clients are registered level-triggered, readable; a client with bytes
//! waiting to be sent to it is registered for writing too, until its queue
//! is empty. Each client's queue is bounded ([`QUEUE_LIMIT`](super::QUEUE_LIMIT)): a client
//! that stops reading is dropped, with a message on stderr, when its queue
//! would pass the limit, so that it never stalls the others or makes the
//! broker grow without bound.
//!
//! Accepting goes through an [`Acceptor`]: at the descriptor limit the
//! listeners are taken out of the poller for a back-off (or until a client
//! leaves), so the broker neither spins nor floods stderr, and serves the
//! clients it has meanwhile. Errors that repeat per client are counted
//! ([`Episode`]), not printed each.

use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use nativesockets::{is_resource_exhausted, Events, Interest, Poller, SocketHandle};

use crate::accept::{Acceptor, Step};
use crate::bind::bind_all;
use crate::episode::Episode;
use crate::output::{context, note, Failure};

use super::{announce, over_limit, BrokerOptions, Table};

/// A connected client.
struct Client {
    sock: SocketHandle,
    peer: String,
    /// Bytes from the others not yet sent to this one.
    queue: VecDeque<u8>,
}

/// Keys at and above this are listeners (counted down from the top, below
/// the key the poller keeps for itself); below, client slots.
const LISTENER_KEY: usize = usize::MAX - 1;

/// `nsock listen --broker ADDR`.
pub fn run(o: &BrokerOptions) -> Result<(), Failure> {
    let listeners = bind_all(&o.address, o.domain, false, o.quiet)?;
    let poller = Poller::new().map_err(|e| context(e, "creating the poller"))?;
    for (i, l) in listeners.iter().enumerate() {
        l.set_blocking(false)?;
        poller.add(l, LISTENER_KEY - i, Interest::READABLE)?;
    }
    announce(&listeners, o.quiet);
    let mut broker = Broker {
        poller,
        listeners,
        clients: Table::new(),
        quiet: o.quiet,
        acceptor: Acceptor::new(),
        probing: false,
        dropped: Episode::new("clients dropped", ""),
    };
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let timeout = if broker.probing {
            Some(Duration::ZERO)
        } else {
            [broker.acceptor.deadline(), broker.dropped.deadline()]
                .into_iter()
                .flatten()
                .min()
                .map(|d| d.saturating_duration_since(Instant::now()))
        };
        broker
            .poller
            .wait(&mut events, timeout)
            .map_err(|e| context(e, "waiting for clients"))?;
        let now = Instant::now();
        // The first wait after a pause reports a listener at once if a
        // client is waiting (level-triggered); if none is, nobody waits
        // (unless the events filled `events`, and a listener's was left
        // for the next wait).
        let probed = std::mem::take(&mut broker.probing);
        if probed
            && events.len() < events.capacity()
            && !events.iter().any(|e| broker.is_listener(e.key))
        {
            broker.acceptor.queue_empty(now);
        }
        if broker.acceptor.resume(now) {
            broker.resume_listeners(now);
        }
        for e in events.iter() {
            if broker.is_listener(e.key) {
                // Paused by another listener's event of this same wait.
                if !broker.acceptor.is_paused() {
                    broker.accept_all(LISTENER_KEY - e.key);
                }
                continue;
            }
            if e.readable {
                broker.read_from(e.key, &mut buf);
            }
            if e.writable {
                broker.flush(e.key);
            }
        }
        let now = Instant::now();
        broker.acceptor.tick(now);
        broker.dropped.tick(now);
    }
}

struct Broker {
    poller: Poller,
    listeners: Vec<SocketHandle>,
    clients: Table<Client>,
    quiet: bool,
    acceptor: Acceptor,
    /// The listeners were just added back after a pause: the next wait
    /// tells whether a client is waiting.
    probing: bool,
    /// Clients dropped for an error or for not reading.
    dropped: Episode,
}

impl Broker {
    /// Accepts every pending connection of listener `index`, until none
    /// is left or the acceptor pauses.
    fn accept_all(&mut self, index: usize) {
        loop {
            let result = self.listeners[index].accept();
            let (sock, peer) = match self.acceptor.step(result, Instant::now()) {
                Step::Accepted(sock, peer) => (sock, peer),
                Step::Drained => return,
                Step::Skipped => continue,
                Step::Pause => return self.pause_listeners(),
            };
            let slot = self.clients.vacant();
            let peer = peer.to_string();
            let added = sock
                .set_blocking(false)
                .and_then(|()| self.poller.add(&sock, slot, Interest::READABLE));
            if let Err(e) = added {
                let now = Instant::now();
                self.dropped
                    .record(now, format_args!("dropping client {peer}: {e}"));
                if is_resource_exhausted(&e) {
                    // No room to register it: no room for the next either.
                    self.acceptor.pause(now);
                    return self.pause_listeners();
                }
                continue;
            }
            if !self.quiet {
                note(format_args!("connection from {peer}"));
            }
            self.clients.insert(Client {
                sock,
                peer,
                queue: VecDeque::new(),
            });
        }
    }

    fn is_listener(&self, key: usize) -> bool {
        key > LISTENER_KEY - self.listeners.len()
    }

    /// Stops waiting on the listeners while the acceptor is paused; the
    /// clients are served on.
    fn pause_listeners(&mut self) {
        for l in &self.listeners {
            // Not registered (a re-registration failed): nothing to undo.
            let _ = self.poller.delete(l);
        }
    }

    /// Waits on the listeners again after a pause; a client waiting in
    /// the queue makes one readable at the next wait.
    fn resume_listeners(&mut self, now: Instant) {
        let added = self
            .listeners
            .iter()
            .enumerate()
            .try_for_each(|(i, l)| self.poller.add(l, LISTENER_KEY - i, Interest::READABLE));
        if let Err(e) = added {
            // Out of memory for the registration, most likely: the same
            // back-off, the error counted with the accepts'.
            self.acceptor.listener_failed(now, &e);
            self.pause_listeners();
        } else {
            self.probing = true;
        }
    }

    /// Reads what client `slot` sent and passes it to every other client.
    fn read_from(&mut self, slot: usize, buf: &mut [u8]) {
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        let n = match client.sock.recv(buf) {
            Ok(0) => return self.drop_client(slot, None),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return,
            Err(e) => return self.drop_client(slot, Some(e.to_string())),
        };
        let data = &buf[..n];
        for other in 0..self.clients.len() {
            if other != slot && self.clients.is_live(other) {
                self.send_to(other, data);
            }
        }
    }

    /// Sends `data` to client `slot`, or queues what does not go at once.
    fn send_to(&mut self, slot: usize, data: &[u8]) {
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        let mut sent = 0;
        if client.queue.is_empty() {
            match client.sock.send(data) {
                Ok(k) => sent = k,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.drop_client(slot, Some(e.to_string())),
            }
        }
        let rest = &data[sent..];
        if rest.is_empty() {
            return;
        }
        if let Some(why) = over_limit(client.queue.len() + rest.len()) {
            return self.drop_client(slot, Some(why));
        }
        let was_empty = client.queue.is_empty();
        client.queue.extend(rest);
        if was_empty {
            if let Err(e) = self.poller.modify(&client.sock, slot, Interest::BOTH) {
                self.drop_client(slot, Some(e.to_string()));
            }
        }
    }

    /// Sends client `slot` what is queued for it, as far as it goes.
    fn flush(&mut self, slot: usize) {
        let Some(client) = self.clients.get_mut(slot) else {
            return;
        };
        while !client.queue.is_empty() {
            let (front, _) = client.queue.as_slices();
            match client.sock.send(front) {
                Ok(k) => {
                    client.queue.drain(..k);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.drop_client(slot, Some(e.to_string())),
            }
        }
        client.queue = VecDeque::new();
        if let Err(e) = self.poller.modify(&client.sock, slot, Interest::READABLE) {
            self.drop_client(slot, Some(e.to_string()));
        }
    }

    /// Disconnects client `slot`: `why` is None for an orderly close.
    fn drop_client(&mut self, slot: usize, why: Option<String>) {
        let Some(client) = self.clients.remove(slot) else {
            return;
        };
        let _ = self.poller.delete(&client.sock);
        let now = Instant::now();
        match why {
            Some(why) => self
                .dropped
                .record(now, format_args!("dropping client {}: {why}", client.peer)),
            None if !self.quiet => note(format_args!("{} disconnected", client.peer)),
            None => {}
        }
        drop(client);
        self.acceptor.connection_closed(now);
    }
}
