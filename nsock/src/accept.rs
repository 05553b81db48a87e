//! Accepting connections the way a server that must stay up does, for
//! every accepting server of the tool (the broker, `listen -k`) and whichever
//! engine runs it: the engine makes the `accept` call and hands the result
//! to an [`Acceptor`], which says what to do next.
//!
//! At the descriptor limit (`EMFILE`, `ENFILE`) or out of kernel memory
//! (`ENOBUFS`, `ENOMEM`), `accept` fails but the connection stays in the
//! listen queue, so the listener stays readable: a loop that waits again
//! is woken at once and spins a core, and a line per failure floods stderr
//! (Go's `net/http`, libuv and tokio's servers each guard against this).
//! So the acceptor pauses: the engine stops waiting on its listeners
//! (with `Poller`: deletes them) until a back-off passes, from
//! [`FIRST_BACKOFF`] doubling up to [`MAX_BACKOFF`], or one of its own
//! connections closes, whichever comes first, while it goes on serving
//! the connections it has. The clients that arrive meanwhile wait in the
//! kernel's queue and are accepted when accepting resumes. Any other error
//! of the listener's own (`EBADF`, ...) is paused on the same way: it
//! would repeat as fast.
//!
//! A connection that failed before it was taken (`ECONNABORTED`,
//! `ECONNRESET`, `EPERM` from a firewall, a network error) costs only that
//! client: it is skipped, and accepting goes on.
//!
//! Neither kind is printed per occurrence: each is an [`Episode`], its
//! first error printed, the rest counted; a pause's episode ends with one
//! line (`accept: Too many open files (os error 24): 37 failed accepts
//! over 2.3 s; accepting again`) once no client is left waiting
//! ([`Acceptor::queue_empty`]).

use std::io;
use std::time::{Duration, Instant};

use nativesockets::{is_lost_before_accept, SockAddr, SocketHandle};

use crate::episode::Episode;

/// The first pause after a failed accept.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(10);

/// The longest pause: the doubling stops here.
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// What the engine does after one `accept`.
#[derive(Debug)]
pub enum Step {
    /// A new connection, and its peer: serve it, then accept again.
    Accepted(SocketHandle, SockAddr),
    /// Nothing is waiting: wait for the listeners to be readable again.
    Drained,
    /// One connection failed before it was taken (counted): accept again.
    Skipped,
    /// Stop waiting on the listeners until [`Acceptor::resume`] says so
    /// (at [`Acceptor::deadline`] or after a connection closes); the
    /// connections already open are served on.
    Pause,
}

/// The accept policy of one server (over all its listeners: the limit is
/// the process's). See the module's docs.
#[derive(Debug)]
pub struct Acceptor {
    /// While paused: when to try again.
    paused_until: Option<Instant>,
    /// The next pause's length.
    backoff: Duration,
    failed: Episode,
    skipped: Episode,
}

impl Default for Acceptor {
    fn default() -> Acceptor {
        Acceptor::new()
    }
}

impl Acceptor {
    /// An acceptor that is accepting.
    pub fn new() -> Acceptor {
        Acceptor {
            paused_until: None,
            backoff: FIRST_BACKOFF,
            failed: Episode::new(
                "failed accepts",
                "; not accepting until a connection closes or a back-off of at most 1 s passes \
                 (new clients wait in the listen queue)",
            ),
            skipped: Episode::new("connections lost before they were accepted", ""),
        }
    }

    /// Turns the result of one `accept` on a non-blocking listener into
    /// the next [`Step`], counting what failed.
    pub fn step(&mut self, result: io::Result<(SocketHandle, SockAddr)>, now: Instant) -> Step {
        match result {
            Ok((sock, peer)) => {
                self.backoff = FIRST_BACKOFF;
                Step::Accepted(sock, peer)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.queue_empty(now);
                Step::Drained
            }
            Err(e) if lost_before_accept(&e) => {
                self.skipped.record(now, format_args!("accept: {e}"));
                Step::Skipped
            }
            Err(e) => {
                self.listener_failed(now, &e);
                Step::Pause
            }
        }
    }

    /// Counts an error of the listeners' own (a failed accept, or a failed
    /// re-registration in the engine's poller) and pauses.
    pub fn listener_failed(&mut self, now: Instant, e: &io::Error) {
        self.failed.record(now, format_args!("accept: {e}"));
        self.pause(now);
    }

    /// No connection is waiting: `accept` said `WouldBlock`, or the
    /// engine waited on its listeners after a pause and none was ready.
    /// Ends a pause's episode with its one line.
    ///
    /// The second way matters: at the limit, Linux's accept4(2) takes a
    /// descriptor before it looks at the queue, so a full table gives
    /// `EMFILE`, never `WouldBlock`, even with nobody waiting.
    pub fn queue_empty(&mut self, now: Instant) {
        if self.failed.is_open() {
            self.failed.end(now, "accepting again");
        }
    }

    /// Pauses accepting for the current back-off, and doubles it (up to
    /// [`MAX_BACKOFF`]) for the next time. An engine calls this itself
    /// when it cannot take an accepted connection for want of resources
    /// (registering it failed with `ENOMEM`, say).
    pub fn pause(&mut self, now: Instant) {
        self.paused_until = Some(now + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Whether accepting is paused.
    pub fn is_paused(&self) -> bool {
        self.paused_until.is_some()
    }

    /// One of the server's own connections closed: a descriptor is free,
    /// so a pause ends now rather than at its back-off.
    pub fn connection_closed(&mut self, now: Instant) {
        if let Some(until) = &mut self.paused_until {
            *until = (*until).min(now);
        }
    }

    /// Whether a pause has just ended at `now`: the engine then waits on
    /// its listeners again (a pending client makes them readable at once).
    pub fn resume(&mut self, now: Instant) -> bool {
        match self.paused_until {
            Some(until) if until <= now => {
                self.paused_until = None;
                true
            }
            _ => false,
        }
    }

    /// When the engine must wake even with nothing ready: a pause's end,
    /// or a count due to be printed.
    pub fn deadline(&self) -> Option<Instant> {
        [
            self.paused_until,
            self.failed.deadline(),
            self.skipped.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Prints the counts that are due (call when [`deadline`](Self::deadline)
    /// has passed).
    pub fn tick(&mut self, now: Instant) {
        self.skipped.tick(now);
        // A pause's episode ends when the queue is emptied, not by time;
        // a long one still prints its count every so often.
        self.failed.tick(now);
    }
}

/// Whether an `accept` error is about the one connection it would have
/// returned (gone before it was taken), not the listener or the process:
/// the library's classification, and `Interrupted` (which the library's
/// `accept` retries itself; another engine's might not).
fn lost_before_accept(e: &io::Error) -> bool {
    is_lost_before_accept(e) || e.kind() == io::ErrorKind::Interrupted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(code_or_kind: io::Error) -> io::Result<(SocketHandle, SockAddr)> {
        Err(code_or_kind)
    }

    #[test]
    fn exhaustion_pauses_with_a_doubling_back_off_that_a_close_cuts_short() {
        let mut a = Acceptor::new();
        let t0 = Instant::now();
        let oom = || failure(io::Error::from(io::ErrorKind::OutOfMemory));
        assert!(matches!(a.step(oom(), t0), Step::Pause));
        assert_eq!(a.deadline(), Some(t0 + FIRST_BACKOFF));
        assert!(!a.resume(t0));
        assert!(a.resume(t0 + FIRST_BACKOFF));
        let mut t = t0 + FIRST_BACKOFF;
        let mut pauses = Vec::new();
        for _ in 0..10 {
            assert!(matches!(a.step(oom(), t), Step::Pause));
            let until = a.deadline().unwrap();
            pauses.push(until - t);
            t = until;
            assert!(a.resume(t));
        }
        assert_eq!(pauses[0], FIRST_BACKOFF * 2);
        assert_eq!(*pauses.last().unwrap(), MAX_BACKOFF);
        // A connection of the server's own closed: resume now.
        assert!(matches!(a.step(oom(), t), Step::Pause));
        a.connection_closed(t);
        assert!(a.resume(t));
        // The queue emptied: the episode ends, accepting goes on.
        let would_block = failure(io::Error::from(io::ErrorKind::WouldBlock));
        assert!(matches!(a.step(would_block, t), Step::Drained));
        assert!(!a.is_paused());
        assert!(!a.failed.is_open());
    }

    #[test]
    fn a_connection_lost_before_accept_is_skipped_not_paused() {
        let mut a = Acceptor::new();
        let now = Instant::now();
        assert!(matches!(
            a.step(failure(io::ErrorKind::Interrupted.into()), now),
            Step::Skipped
        ));
        // ECONNABORTED, ECONNRESET, EPERM, EPROTO: Linux's numbers.
        #[cfg(target_os = "linux")]
        for code in [103, 104, 1, 71] {
            let e = io::Error::from_raw_os_error(code);
            assert!(matches!(a.step(failure(e), now), Step::Skipped), "{code}");
        }
        assert!(!a.is_paused());
        // The listener's own error repeats: paused on, not spun on.
        let other = failure(io::Error::other("bad listener"));
        assert!(matches!(a.step(other, now), Step::Pause));
    }
}
