//! Accepting without flooding stderr, for the servers whose threads share
//! their counts (forward, socks): errors are counted through the tool's
//! [`Episode`] (the first of a run printed, the rest counted), and when the
//! process (or the system) is out of descriptors or memory the listener
//! rests a while instead of being retried at once by a level-triggered
//! wait that would spin. The library tells those errors apart
//! (`is_resource_exhausted`, `is_lost_before_accept`), as it does for the
//! broker's and `listen -k`'s [`Acceptor`](crate::accept::Acceptor).

use std::fmt;
use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use nativesockets::{is_resource_exhausted, Interest, Poller, SockAddr, SocketHandle};

use crate::episode::Episode;

/// One kind of error that may repeat (a failed accept, a refused
/// target): an [`Episode`] shared by the threads of a server, so that the
/// count is the server's.
#[derive(Debug)]
pub struct Repeated {
    what: &'static str,
    state: Mutex<Episode>,
}

impl Repeated {
    pub fn new(what: &'static str) -> Repeated {
        Repeated {
            what,
            state: Mutex::new(Episode::new("errors like it", "")),
        }
    }

    /// Notes one more error: printed when it starts a run, else counted.
    pub fn hit(&self, detail: impl fmt::Display) {
        let mut e = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        e.record(Instant::now(), format_args!("{}: {detail}", self.what));
    }

    /// Prints a count that is due and ends a run that has gone quiet;
    /// call it now and then (after each wait).
    pub fn tick(&self) {
        let mut e = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        e.tick(Instant::now());
    }
}

/// What one accept gave.
pub enum Accepted {
    /// A connection, and who it is from.
    Client(SocketHandle, SockAddr),
    /// Nothing more is pending.
    Drained,
    /// Out of descriptors or memory: stop watching the listener for this
    /// long, then watch it again.
    Rest(Duration),
}

/// How long a listener rests after running out of descriptors.
pub const REST: Duration = Duration::from_millis(100);

/// Accepts one pending connection of the non-blocking `listener`. A
/// client that gave up before it was accepted and other passing errors
/// are counted in `errors` and skipped; running out of descriptors or
/// memory is counted and answered with [`Accepted::Rest`].
pub fn accept(listener: &SocketHandle, errors: &Repeated) -> Accepted {
    loop {
        match listener.accept() {
            Ok((sock, addr)) => return Accepted::Client(sock, addr),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Accepted::Drained,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_resource_exhausted(&e) => {
                errors.hit(&e);
                return Accepted::Rest(REST);
            }
            Err(e) => errors.hit(&e),
        }
    }
}

/// The counted errors of a server, shared by its threads.
#[derive(Debug)]
pub struct Reports {
    pub accept: Repeated,
    pub refused: Repeated,
    pub dropped: Repeated,
    pub denied: Repeated,
    pub full: Repeated,
}

impl Reports {
    pub fn new() -> Reports {
        Reports {
            accept: Repeated::new("accept"),
            refused: Repeated::new("connecting to the target"),
            dropped: Repeated::new("a connection ended with an error"),
            denied: Repeated::new("refused (--allow/--deny)"),
            full: Repeated::new("refused (--max-conns)"),
        }
    }

    /// Ends the episodes whose time has passed.
    pub fn tick(&self) {
        for r in [
            &self.accept,
            &self.refused,
            &self.dropped,
            &self.denied,
            &self.full,
        ] {
            r.tick();
        }
    }
}

/// The listeners of a server's thread that rest after running out of
/// descriptors ([`Accepted::Rest`]): out of the thread's poller until
/// their time is up, so that a level-triggered wait does not spin on them.
pub struct Resting(Vec<Option<Instant>>);

impl Resting {
    /// None of `count` listeners resting.
    pub fn new(count: usize) -> Resting {
        Resting(vec![None; count])
    }

    /// How long the thread may wait: until the first rest ends, else
    /// `idle`.
    pub fn timeout(&self, idle: Duration) -> Duration {
        let now = Instant::now();
        self.0
            .iter()
            .flatten()
            .map(|t| t.saturating_duration_since(now))
            .min()
            .unwrap_or(idle)
    }

    /// Takes listener `i` out of `poller` for `rest`.
    pub fn rest(
        &mut self,
        poller: &Poller,
        listener: &SocketHandle,
        i: usize,
        rest: Duration,
    ) -> io::Result<()> {
        poller.delete(listener)?;
        self.0[i] = Some(Instant::now() + rest);
        Ok(())
    }

    /// Puts back into `poller`, under `key(i)`, each listener whose rest
    /// is over.
    pub fn wake(
        &mut self,
        poller: &Poller,
        listeners: &[SocketHandle],
        key: impl Fn(usize) -> usize,
    ) -> io::Result<()> {
        let now = Instant::now();
        for (i, r) in self.0.iter_mut().enumerate() {
            if r.is_some_and(|t| t <= now) {
                *r = None;
                poller.add(&listeners[i], key(i), Interest::READABLE)?;
            }
        }
        Ok(())
    }
}
