//! Accepting without flooding stderr: errors are counted and reported
//! once per episode, and when the process (or the system) is out of
//! descriptors or memory the listener rests a while instead of being
//! retried at once by a level-triggered wait that would spin.
//!
//! Kept in one place so that a shared helper can take its place.

use std::fmt;
use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use nativesockets::{SockAddr, SocketHandle};

use crate::output::warn;

/// How long an episode of repeated errors lasts: the first error is shown
/// at once, the others are counted and summed up when this much time has
/// passed since the last line written.
const EPISODE: Duration = Duration::from_secs(10);

/// One kind of error that may repeat (a failed accept, a refused
/// target): the first is written, the rest counted. Shared by the threads
/// of a server, so that the count is the server's.
#[derive(Debug)]
pub struct Repeated {
    what: &'static str,
    state: Mutex<Episode>,
}

#[derive(Debug, Default)]
struct Episode {
    count: u64,
    shown: Option<Instant>,
}

impl Repeated {
    pub fn new(what: &'static str) -> Repeated {
        Repeated {
            what,
            state: Mutex::new(Episode::default()),
        }
    }

    /// Notes one more error; writes it when it starts an episode, or
    /// when an episode's time has passed (with how many were not shown).
    pub fn hit(&self, detail: impl fmt::Display) {
        let mut e = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        e.hit(self.what, detail);
    }

    /// Ends an episode whose time has passed, writing how many errors
    /// were counted in it; call it now and then (after each wait).
    pub fn tick(&self) {
        let mut e = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        e.tick(self.what);
    }
}

impl Episode {
    fn hit(&mut self, what: &str, detail: impl fmt::Display) {
        let now = Instant::now();
        match self.shown {
            Some(t) if now.duration_since(t) < EPISODE => self.count += 1,
            _ => {
                if self.count > 0 {
                    warn(format_args!(
                        "{what}: {detail} (and {} more like it before)",
                        self.count
                    ));
                } else {
                    warn(format_args!("{what}: {detail}"));
                }
                self.count = 0;
                self.shown = Some(now);
            }
        }
    }

    fn tick(&mut self, what: &str) {
        if let Some(t) = self.shown {
            if t.elapsed() >= EPISODE {
                if self.count > 0 {
                    warn(format_args!(
                        "{what}: {} more in the last {} s",
                        self.count,
                        t.elapsed().as_secs()
                    ));
                }
                self.count = 0;
                self.shown = None;
            }
        }
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
            Err(e) if out_of_resources(&e) => {
                errors.hit(&e);
                return Accepted::Rest(REST);
            }
            Err(e) => errors.hit(&e),
        }
    }
}

/// `EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM` (and Windows' `WSAEMFILE`,
/// `WSAENOBUFS`): retrying at once would fail the same way.
fn out_of_resources(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::OutOfMemory {
        return true;
    }
    #[cfg(target_os = "linux")]
    const CODES: &[i32] = &[24, 23, 105, 12];
    #[cfg(all(unix, not(target_os = "linux")))]
    const CODES: &[i32] = &[24, 23, 55, 12];
    #[cfg(windows)]
    const CODES: &[i32] = &[10024, 10055];
    e.raw_os_error().is_some_and(|c| CODES.contains(&c))
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
