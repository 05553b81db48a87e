//! One stream connection: the socket to stdout, while the pump sends
//! stdin to it, with the receive low-water mark raised during bulk
//! transfers and stdout written without std's line buffer.

use std::io::{self, IsTerminal, Write};
use std::net::Shutdown;
use std::sync::Arc;

use nativesockets::{select_read, SocketHandle};

use super::pump::{Relay, Target};
use super::{stdio_file, transient, Options};
use crate::output::{context, stdout_failure, Failure};

/// One stream connection: the socket to stdout until the peer has finished
/// sending (and, with `wait_for_input`, until stdin has all been sent).
pub(super) fn stream_session(
    relay: &Relay,
    sock: &Arc<SocketHandle>,
    peer: &str,
    o: &Options,
    wait_for_input: bool,
) -> Result<(), Failure> {
    let session = relay.shared.begin(Target {
        sock: Arc::clone(sock),
        to: None,
        stream: true,
        session: 0,
    });
    // Nobody at a terminal types an end of input to let a finished peer
    // go: there, the peer's end is the end.
    let wait_for_input = wait_for_input && !io::stdin().is_terminal();
    let sent_before = relay.shared.sent();
    let mut received: u64 = 0;
    let mut buf = vec![0u8; STREAM_RECV_BUF];
    let mut out = RawStdout::new();
    let mut receiving = true;
    let mut batch = Batching::new(o.unix.is_none() && o.tls.is_none());
    let mut ready: Vec<&SocketHandle> = Vec::with_capacity(2);
    let result = loop {
        if !receiving && (!wait_for_input || relay.shared.input_ended()) {
            break Ok(());
        }
        ready.clear();
        if receiving {
            ready.push(sock);
        }
        ready.push(&relay.wake);
        match select_read(&mut ready, batch.wait(o.idle())) {
            Ok(0) if batch.bulk => batch.leave(sock),
            Ok(0) => {
                o.info(format_args!("idle for {} ms: closing", o.idle()));
                break Ok(());
            }
            Ok(_) => {}
            Err(e) => break Err(context(e, "waiting for data").into()),
        }
        let net_ready = receiving && ready.first().map(|s| s.as_raw()) == Some(sock.as_raw());
        let wake_ready = ready.last().map(|s| s.as_raw()) == Some(relay.wake.as_raw());
        if wake_ready {
            relay.drain_wake();
            if let Some(e) = relay.shared.take_send_error(session) {
                break Err(context(e, format_args!("sending to {peer}")).into());
            }
        }
        if net_ready {
            match sock.recv(&mut buf) {
                Ok(0) => receiving = false,
                Ok(n) => {
                    received += n as u64;
                    batch.received(sock, n);
                    if let Err(e) = out.write_all(&buf[..n]) {
                        break Err(stdout_failure(e));
                    }
                }
                Err(e) if transient(&e) => {}
                Err(e) => break Err(context(e, format_args!("receiving from {peer}")).into()),
            }
        }
    };
    relay.shared.end(session);
    // Wakes a pump blocked in a send to this socket.
    let _ = sock.shutdown(Shutdown::Both);
    let sent = relay.shared.sent() - sent_before;
    o.detail(format_args!(
        "connection with {peer} closed: {received} bytes received, {sent} sent"
    ));
    result
}

/// How much one `recv` of a stream session may take: large, so that a
/// fast sender costs few wait/recv/write rounds.
const STREAM_RECV_BUF: usize = 512 * 1024;

/// A TCP session's receive low-water mark (`SO_RCVLOWAT`), raised while
/// the peer sends in bulk.
///
/// With the mark at one byte the kernel wakes the receiver for every
/// segment that arrives, and with a fast sender those wake-ups (each an
/// interrupt to the other core, dear in a virtual machine) cost the
/// sending side more than the data does; with the mark high, a wait ends
/// only once a large piece is queued (or the stream ends), so a gigabyte
/// costs a few thousand wake-ups instead of tens of thousands. So a
/// `recv` that brings at least [`BULK_ENTER`] bytes raises the mark, and
/// a wait that then sees no such piece within [`BULK_WAIT_MS`] lowers it
/// to one byte again: the tail of a burst, or a line typed after it, is
/// at most that much later.
///
/// The mark is a quarter of the receive buffer the kernel has grown so
/// far, at most [`BULK_LOWAT_MAX`]: Linux meets a mark above the buffer
/// by enlarging the buffer and clamping the window to the mark, after
/// which the sender stalls at every mark (measured: half the throughput,
/// and the receiver doing the sender's work). A buffer under four times
/// [`BULK_LOWAT_MIN`] leaves the mark alone.
///
/// Not on Unix-domain sockets, whose readiness ignores the mark (a wait
/// would say "readable" and the `recv` then block for the rest), nor
/// where the option is missing (Windows): there every wait ends at the
/// first byte.
struct Batching {
    /// Whether the mark may be raised on this socket.
    allowed: bool,
    /// Whether it is raised now.
    bulk: bool,
}

const BULK_ENTER: usize = 64 * 1024;
const BULK_LOWAT_MIN: usize = 64 * 1024;
const BULK_LOWAT_MAX: usize = 256 * 1024;
const BULK_WAIT_MS: i32 = 2;

impl Batching {
    fn new(tcp: bool) -> Batching {
        Batching {
            allowed: cfg!(unix) && tcp,
            bulk: false,
        }
    }

    /// The wait for the next piece: short while the mark is up.
    fn wait(&self, idle: i32) -> i32 {
        if self.bulk && !(0..=BULK_WAIT_MS).contains(&idle) {
            BULK_WAIT_MS
        } else {
            idle
        }
    }

    /// After a `recv` of `n` bytes: a large one raises the mark.
    fn received(&mut self, sock: &SocketHandle, n: usize) {
        if !self.allowed || self.bulk || n < BULK_ENTER {
            return;
        }
        match sock.recv_buffer_size() {
            Ok(size) if size / 4 >= BULK_LOWAT_MIN => {
                self.bulk = set_lowat(sock, (size / 4).min(BULK_LOWAT_MAX));
                self.allowed = self.bulk;
            }
            Ok(_) => {}
            Err(_) => self.allowed = false,
        }
    }

    /// After a short wait that saw no large piece: the mark back to one
    /// byte, so that what is queued is read at once.
    fn leave(&mut self, sock: &SocketHandle) {
        self.bulk = false;
        self.allowed = set_lowat(sock, 1);
    }
}

/// Sets the receive low-water mark; false where that failed.
#[cfg(unix)]
fn set_lowat(sock: &SocketHandle, bytes: usize) -> bool {
    sock.set_recv_lowat(bytes).is_ok()
}

#[cfg(not(unix))]
fn set_lowat(_: &SocketHandle, _: usize) -> bool {
    false
}

/// Standard output without std's line buffer: what arrives is binary and
/// goes out at once, in one `write` a chunk (std's `Stdout` splits a chunk
/// at its last newline into two writes, and needs a flush after each).
struct RawStdout {
    file: Option<std::fs::File>,
}

impl RawStdout {
    fn new() -> RawStdout {
        // Without a handle of its own (no stdout at all), std's writer is
        // used instead, with its flush.
        RawStdout {
            file: stdio_file(&io::stdout()),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(data),
            None => {
                let mut out = io::stdout().lock();
                out.write_all(data).and_then(|()| out.flush())
            }
        }
    }
}
