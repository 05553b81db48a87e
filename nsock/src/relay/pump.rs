//! The pump: the thread that reads stdin (or sends a regular file on
//! stdin with `send_file`) and sends it to the current target, and what
//! it shares with the main thread, which it wakes through a local socket
//! pair.

use std::io::{self, Read};
use std::net::Shutdown;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;

use nativesockets::{pair, Domain, Protocol, SockAddr, SockType, SocketHandle};

use super::stdio_file;
use crate::output::{context, warn, Failure};

/// Where the pump sends stdin now.
#[derive(Clone)]
pub(super) struct Target {
    pub(super) sock: Arc<SocketHandle>,
    /// The destination of an unconnected datagram socket.
    pub(super) to: Option<SockAddr>,
    pub(super) stream: bool,
    /// Set by `Shared::begin`.
    pub(super) session: u64,
}

impl Target {
    fn send_all(&self, mut data: &[u8]) -> io::Result<()> {
        if let Some(to) = &self.to {
            return self.sock.send_to(data, to).map(drop);
        }
        if !self.stream {
            return self.sock.send(data).map(drop);
        }
        while !data.is_empty() {
            match self.sock.send(data) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => data = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct State {
    target: Option<Target>,
    session: u64,
    input_ended: bool,
    send_error: Option<(u64, io::Error)>,
    /// Bytes of stdin sent, for -v.
    sent: u64,
}

/// What the pump and the main thread share.
pub(super) struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// The pump's end of the wake-up pair. Kept here rather than in the
    /// pump, so that it outlives the pump: once closed, the main thread's
    /// end would read as end-of-stream, ready at every wait.
    signal: SocketHandle,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave State inconsistent: every field
        // is written whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `target` the pump's destination; returns its session number.
    pub(super) fn begin(&self, mut target: Target) -> u64 {
        let mut st = self.lock();
        st.session += 1;
        target.session = st.session;
        if st.input_ended && target.stream {
            // Input ended before this connection: it gets none.
            let _ = target.sock.shutdown(Shutdown::Write);
        }
        st.target = Some(target);
        self.changed.notify_all();
        st.session
    }

    pub(super) fn end(&self, session: u64) {
        let mut st = self.lock();
        if st.target.as_ref().is_some_and(|t| t.session == session) {
            st.target = None;
        }
    }

    pub(super) fn input_ended(&self) -> bool {
        self.lock().input_ended
    }

    pub(super) fn take_send_error(&self, session: u64) -> Option<io::Error> {
        let mut st = self.lock();
        match &st.send_error {
            Some((s, _)) if *s == session => st.send_error.take().map(|(_, e)| e),
            _ => None,
        }
    }

    pub(super) fn take_any_send_error(&self) -> Option<io::Error> {
        self.lock().send_error.take().map(|(_, e)| e)
    }

    /// Bytes of stdin sent so far, for -v.
    pub(super) fn sent(&self) -> u64 {
        self.lock().sent
    }

    // The pump's side.

    /// Makes the main thread's `select_read` return. One byte per event,
    /// and events are few (end of input, a failed send), so the pair's
    /// buffer never fills and the send never blocks.
    fn wake_main(&self) {
        let _ = self.signal.send(&[0]);
    }

    /// Waits until there is somewhere to send to.
    fn next_target(&self) -> Target {
        let mut st = self.lock();
        loop {
            if let Some(t) = &st.target {
                return t.clone();
            }
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn send_failed(&self, target: &Target, err: io::Error) {
        let mut st = self.lock();
        // A send to a connection that has ended since is no news.
        if st
            .target
            .as_ref()
            .is_some_and(|t| t.session == target.session)
        {
            st.target = None;
            st.send_error = Some((target.session, err));
        }
    }

    fn end_input(&self) {
        let mut st = self.lock();
        st.input_ended = true;
        if let Some(t) = st.target.as_ref().filter(|t| t.stream) {
            // NotConnected if the peer already went: nothing to close then.
            let _ = t.sock.shutdown(Shutdown::Write);
        }
    }
}

/// The pump thread and the main thread's end of the wake-up pair.
pub(super) struct Relay {
    pub(super) shared: Arc<Shared>,
    pub(super) wake: SocketHandle,
}

impl Relay {
    pub(super) fn start(chunk: usize) -> Result<Relay, Failure> {
        // Both ends stay blocking: the main thread reads its end only once
        // `select_read` says a byte is there, and the pump's one-byte
        // sends never fill the buffer. The pair is symmetric, so either
        // end may be waited on. A Unix-domain pair where the system makes
        // one (every Unix; Windows from 10 1803, through a path in the
        // temporary directory), else a loopback TCP pair.
        let (wake, signal) = pair(Domain::Unix, SockType::Stream, Protocol::Ip)
            .or_else(|_| pair(Domain::Inet, SockType::Stream, Protocol::Tcp))
            .map_err(|e| context(e, "creating a local socket pair"))?;
        let shared = Arc::new(Shared {
            state: Mutex::default(),
            changed: Condvar::new(),
            signal,
        });
        let pump_shared = Arc::clone(&shared);
        thread::Builder::new()
            .name("stdin".into())
            .spawn(move || pump(&pump_shared, chunk))
            .map_err(|e| context(e, "starting the stdin thread"))?;
        Ok(Relay { shared, wake })
    }

    pub(super) fn drain_wake(&self) {
        let mut buf = [0u8; 64];
        let _ = self.wake.recv(&mut buf);
    }
}

/// The pump: stdin to the current target, until the end of input.
fn pump(shared: &Shared, chunk: usize) {
    if pump_file(shared) {
        return;
    }
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
        if n == 0 {
            shared.end_input();
            shared.wake_main();
            return;
        }
        let target = shared.next_target();
        match target.send_all(&buf[..n]) {
            Ok(()) => shared.lock().sent += n as u64,
            Err(e) => {
                shared.send_failed(&target, e);
                shared.wake_main();
            }
        }
    }
}

/// The pump's way for a regular file on stdin (`nsock connect < file`):
/// `send_file` from the file's current position, with no copy through
/// user space, to each stream target in turn until the file ends.
/// Returns false, having sent nothing, when stdin is no regular file or
/// the target is a datagram socket: the reading pump then does the work.
fn pump_file(shared: &Shared) -> bool {
    use std::io::{Seek, SeekFrom};
    let Some(mut file) = stdin_file() else {
        return false;
    };
    let Ok(mut offset) = file.stream_position() else {
        return false;
    };
    loop {
        let target = shared.next_target();
        if !target.stream || target.to.is_some() {
            return false;
        }
        match target.sock.send_file(&file, offset, None) {
            Ok(0) => break,
            Ok(n) => offset += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                shared.send_failed(&target, e);
                shared.wake_main();
            }
        }
        // Leaves stdin where a reading relay would have.
        let _ = file.seek(SeekFrom::Start(offset));
    }
    shared.end_input();
    shared.wake_main();
    true
}

/// Stdin as a `File`, when it is a regular file.
fn stdin_file() -> Option<std::fs::File> {
    let file = stdio_file(&io::stdin())?;
    file.metadata().ok()?.is_file().then_some(file)
}
