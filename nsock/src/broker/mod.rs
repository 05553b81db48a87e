//! `nsock listen --broker [ADDR:]PORT`: like `ncat --broker`, every byte a
//! client sends goes to every other connected client.
//!
//! Two engines serve it, each on one thread, with the same rules: the
//! Poller engine (`poller.rs`, readiness: the broker makes each `recv` and
//! `send` itself) and the ring engine (`ring.rs`, completions on the
//! library's `Ring`: a multishot accept, multishot receives into the
//! ring's buffer pool, one send in flight per client). `--engine` chooses;
//! by default the ring runs where its backend is a completion mechanism
//! (io_uring, a Windows I/O completion port), and the Poller engine elsewhere (where the ring would only
//! emulate itself on a Poller).
//!
//! What both share lives here: the client table, the bound on each
//! client's queue ([`QUEUE_LIMIT`]: a client that stops reading is
//! dropped, with a message on stderr, when its queue would pass it, so
//! that it never stalls the others or makes the broker grow without
//! bound) and the messages. Accepting goes through an
//! [`Acceptor`](crate::accept::Acceptor) in both: at the descriptor limit
//! the engine stops accepting for a back-off (or until a client leaves),
//! so the broker neither spins nor floods stderr. Errors that repeat per
//! client are counted ([`Episode`](crate::episode::Episode)), not printed
//! each.

mod poller;
mod ring;

use nativesockets::{Domain, RingBackend};

use crate::output::{note, Failure};

pub const BROKER_HELP: &str = "\
With --broker [ADDR:]PORT, nsock listens there and relays between its \
clients instead: every byte one client sends goes to every other \
connected client (like ncat --broker); standard input and output are not \
used. Thousands of clients are served by one thread. --engine ring runs \
it on the library's completion Ring (io_uring on Linux: a multishot \
accept, multishot receives into a buffer pool, many sends in one \
submission; an I/O completion port on Windows); --engine poller on a \
Poller (readiness, one recv or send call at a time). The default is \
ring where the Ring has a completion backend (io_uring, IOCP), poller \
elsewhere; NATIVESOCKETS_RING=poller makes \
the Ring emulate itself on a Poller. A client that stops reading while \
1 MiB is queued for it is disconnected, with a message on stderr, so \
that it never stalls the others. At the descriptor limit the broker \
stops accepting for a moment (until a client leaves, or at most 1 s) \
instead of spinning; new clients wait in the listen queue, and the \
episode is reported once, with a count. The broker runs until \
interrupted.";

/// The most bytes queued for one client before it is dropped.
pub const QUEUE_LIMIT: usize = 1 << 20;

/// Which engine serves the broker (`--engine`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The ring where its backend is a completion mechanism, else poller.
    Auto,
    /// The library's `Ring` (its Poller emulation where neither io_uring
    /// nor an I/O completion port is).
    Ring,
    /// A `Poller`, readiness-based.
    Poller,
}

/// What `nsock listen --broker` was asked.
pub struct BrokerOptions {
    pub address: String,
    pub domain: Domain,
    pub quiet: bool,
    pub engine: Engine,
}

/// `nsock listen --broker ADDR`.
pub fn run(o: &BrokerOptions) -> Result<(), Failure> {
    match o.engine {
        Engine::Poller => poller::run(o),
        Engine::Ring => ring::run(o, ring::new_ring()?),
        Engine::Auto => {
            let r = ring::new_ring()?;
            if r.backend() == RingBackend::Poller {
                drop(r);
                poller::run(o)
            } else {
                ring::run(o, r)
            }
        }
    }
}

/// The clients, by slot: a slot is reused once its client is gone.
struct Table<T> {
    slots: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Table<T> {
    fn new() -> Table<T> {
        Table {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Puts `client` in a free slot; returns the slot.
    fn insert(&mut self, client: T) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(client);
                slot
            }
            None => {
                self.slots.push(Some(client));
                self.slots.len() - 1
            }
        }
    }

    /// The slot the next [`insert`](Self::insert) takes.
    fn vacant(&self) -> usize {
        self.free.last().copied().unwrap_or(self.slots.len())
    }

    /// Takes the client out of `slot`, freeing the slot.
    fn remove(&mut self, slot: usize) -> Option<T> {
        let client = self.slots.get_mut(slot)?.take()?;
        self.free.push(slot);
        Some(client)
    }

    fn get_mut(&mut self, slot: usize) -> Option<&mut T> {
        self.slots.get_mut(slot).and_then(Option::as_mut)
    }

    /// How many slots there are, taken or free (a fan-out's range).
    fn len(&self) -> usize {
        self.slots.len()
    }

    fn is_live(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(Option::is_some)
    }

    /// How many clients there are.
    fn count(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

/// Why a client whose queue would reach `queued` bytes is dropped, if it
/// would pass [`QUEUE_LIMIT`].
fn over_limit(queued: usize) -> Option<String> {
    (queued > QUEUE_LIMIT).then(|| {
        format!("it stopped reading ({queued} bytes queued for it, the limit is {QUEUE_LIMIT})")
    })
}

/// Announces the listeners, unless quiet.
fn announce(listeners: &[nativesockets::SocketHandle], quiet: bool) {
    if quiet {
        return;
    }
    for l in listeners {
        let shown = l
            .local_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        note(format_args!("broker listening on {shown}"));
    }
}
