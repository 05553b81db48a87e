//! `nsock listen --broker [ADDR:]PORT`: like `ncat --broker`, every byte a
//! client sends goes to every other connected client.
//!
//! One thread serves every client with a `Poller`: the listeners and the
//! clients are registered level-triggered, readable; a client with bytes
//! waiting to be sent to it is registered for writing too, until its queue
//! is empty. Each client's queue is bounded ([`QUEUE_LIMIT`]): a client
//! that stops reading is dropped, with a message on stderr, when its queue
//! would pass the limit, so that it never stalls the others or makes the
//! broker grow without bound.

use std::collections::VecDeque;
use std::io;

use nativesockets::{Domain, Events, Interest, Poller, SocketHandle};

use crate::bind::bind_all;
use crate::output::{context, note, warn, Failure};

pub const BROKER_HELP: &str = "\
With --broker [ADDR:]PORT, nsock listens there and relays between its \
clients instead: every byte one client sends goes to every other \
connected client (like ncat --broker); standard input and output are not \
used. Thousands of clients are served by one thread with a Poller. A \
client that stops reading while 1 MiB is queued for it is disconnected, \
with a message on stderr, so that it never stalls the others. The broker \
runs until interrupted.";

/// The most bytes queued for one client before it is dropped.
pub const QUEUE_LIMIT: usize = 1 << 20;

/// What `nsock listen --broker` was asked.
pub struct BrokerOptions {
    pub address: String,
    pub domain: Domain,
    pub quiet: bool,
}

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
        if !o.quiet {
            let shown = l
                .local_addr()
                .map_or_else(|_| "?".to_string(), |a| a.to_string());
            note(format_args!("broker listening on {shown}"));
        }
    }
    let mut broker = Broker {
        poller,
        clients: Vec::new(),
        free: Vec::new(),
        quiet: o.quiet,
    };
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        broker
            .poller
            .wait(&mut events, None)
            .map_err(|e| context(e, "waiting for clients"))?;
        for e in events.iter() {
            if e.key > LISTENER_KEY - listeners.len() {
                broker.accept_all(&listeners[LISTENER_KEY - e.key]);
                continue;
            }
            if e.readable {
                broker.read_from(e.key, &mut buf);
            }
            if e.writable {
                broker.flush(e.key);
            }
        }
    }
}

struct Broker {
    poller: Poller,
    clients: Vec<Option<Client>>,
    free: Vec<usize>,
    quiet: bool,
}

impl Broker {
    /// Accepts every pending connection of `listener`.
    fn accept_all(&mut self, listener: &SocketHandle) {
        loop {
            let (sock, peer) = match listener.accept() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // A client that gave up before it was accepted, or the
                // descriptor limit: the others are served on.
                Err(e) => {
                    warn(format_args!("accept: {e}"));
                    return;
                }
            };
            let slot = self.free.pop().unwrap_or_else(|| {
                self.clients.push(None);
                self.clients.len() - 1
            });
            let peer = peer.to_string();
            let added = sock
                .set_blocking(false)
                .and_then(|()| self.poller.add(&sock, slot, Interest::READABLE));
            if let Err(e) = added {
                warn(format_args!("client {peer}: {e}"));
                self.free.push(slot);
                continue;
            }
            if !self.quiet {
                note(format_args!("connection from {peer}"));
            }
            self.clients[slot] = Some(Client {
                sock,
                peer,
                queue: VecDeque::new(),
            });
        }
    }

    /// Reads what client `slot` sent and passes it to every other client.
    fn read_from(&mut self, slot: usize, buf: &mut [u8]) {
        let Some(client) = self.clients.get(slot).and_then(Option::as_ref) else {
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
            if other != slot && self.clients[other].is_some() {
                self.send_to(other, data);
            }
        }
    }

    /// Sends `data` to client `slot`, or queues what does not go at once.
    fn send_to(&mut self, slot: usize, data: &[u8]) {
        let Some(client) = self.clients[slot].as_mut() else {
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
        if client.queue.len() + rest.len() > QUEUE_LIMIT {
            let why = format!(
                "it stopped reading ({} bytes queued for it, the limit is {QUEUE_LIMIT})",
                client.queue.len() + rest.len()
            );
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
        let Some(client) = self.clients.get_mut(slot).and_then(Option::as_mut) else {
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
        let Some(client) = self.clients[slot].take() else {
            return;
        };
        let _ = self.poller.delete(&client.sock);
        match why {
            Some(why) => warn(format_args!("dropping client {}: {why}", client.peer)),
            None if !self.quiet => note(format_args!("{} disconnected", client.peer)),
            None => {}
        }
        self.free.push(slot);
    }
}
