//! Signals that interrupt blocking calls (`EINTR`): the crate retries the
//! calls that are safe to retry and reports the others as `Interrupted`.
//!
//! - `accept` is retried: no connection was taken, so nothing is lost.
//! - `recv` and `send` are reported: the caller decides (std's
//!   `read_exact`/`write_all` retry them). A `send` that had sent some
//!   bytes returns their count instead, as `send(2)` does.
//!
//! (`select` resuming with the time left is proven in tests/select.rs, and
//! `SIGPIPE` never being raised in tests/socket.rs.)
//!
//! Each test installs a `SIGUSR2` handler without `SA_RESTART`, so that the
//! kernel does not restart the call itself, and sends the signal to the
//! blocked thread with `pthread_kill`. No outcome depends on timing: the
//! signals are repeated until the blocked call returns, a bounded number of
//! times, and then the call is released by the peer.

#![cfg(unix)]

use std::io::ErrorKind;
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use nativesockets::*;
use nativesockets_testutil::signals::{handled, install_counting_handler};

mod common;
use common::{handle_tcp_pair, loopback_v4, tcp_socket};

/// Runs `blocking` on a new thread and signals that thread every 10 ms
/// until the call returns, at most `max_signals` times; then calls
/// `release` (which must make the call return) if it is still blocked.
/// Returns the call's result and whether it returned before `release`.
fn interrupt<T: Send + 'static>(
    max_signals: usize,
    blocking: impl FnOnce() -> T + Send + 'static,
    release: impl FnOnce(),
) -> (T, bool) {
    install_counting_handler(libc::SIGUSR2);
    let done = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let (d, s) = (Arc::clone(&done), Arc::clone(&started));
    let worker = thread::spawn(move || {
        s.store(true, Ordering::SeqCst);
        let out = blocking();
        d.store(true, Ordering::SeqCst);
        out
    });
    while !started.load(Ordering::SeqCst) {
        thread::yield_now();
    }
    let target = worker.as_pthread_t();
    let handled_before = handled(libc::SIGUSR2);
    let mut sent = 0;
    while sent < max_signals && !done.load(Ordering::SeqCst) {
        // Give the thread time to enter the call before each signal.
        thread::sleep(Duration::from_millis(10));
        if done.load(Ordering::SeqCst) {
            break;
        }
        // SAFETY: `target` is a live thread of this process (it is joined
        // below, after the last signal).
        let rc = unsafe { libc::pthread_kill(target as libc::pthread_t, libc::SIGUSR2) };
        assert_eq!(rc, 0);
        sent += 1;
    }
    let returned_by_itself = done.load(Ordering::SeqCst);
    if !returned_by_itself {
        release();
    }
    let out = worker.join().unwrap();
    assert!(
        handled(libc::SIGUSR2) > handled_before,
        "no signal was handled"
    );
    (out, returned_by_itself)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "sigaction and pthread_kill signals, which Miri cannot emulate"
)]
fn accept_goes_on_waiting_through_signals_and_returns_the_connection() {
    let l = Arc::new(tcp_socket());
    l.bind_addr(&loopback_v4(0)).unwrap();
    l.listen(1).unwrap();
    let addr = l.local_addr().unwrap();
    let listener = Arc::clone(&l);
    let client = tcp_socket();
    let (accepted, by_itself) = interrupt(
        20,
        move || listener.accept(),
        || client.connect(&addr).unwrap(),
    );
    // Twenty signals did not end the wait: only the connection did.
    assert!(
        !by_itself,
        "accept returned while only signals came: {accepted:?}"
    );
    let (_conn, peer) = accepted.expect("accept reported a signal instead of retrying");
    assert_eq!(peer.domain(), Some(Domain::Inet));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "sigaction and pthread_kill signals, which Miri cannot emulate"
)]
fn recv_reports_a_signal_as_interrupted() {
    let (c, a) = handle_tcp_pair();
    let a = Arc::new(a);
    let reader = Arc::clone(&a);
    let (result, by_itself) = interrupt(
        200,
        move || {
            let mut buf = [0u8; 16];
            reader.recv(&mut buf).map_err(|e| e.kind())
        },
        || {
            c.send(b"release").unwrap();
        },
    );
    assert!(by_itself, "recv went on waiting through 200 signals");
    assert_eq!(result, Err(ErrorKind::Interrupted));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "sigaction and pthread_kill signals, which Miri cannot emulate"
)]
fn send_reports_a_signal_as_interrupted_once_the_buffers_are_full() {
    let (c, a) = handle_tcp_pair();
    // `a` stays open and never reads, so the buffers fill.
    c.set_send_buffer_size(4096).unwrap();
    a.set_recv_buffer_size(4096).unwrap();
    let c = Arc::new(c);
    let writer = Arc::clone(&c);
    let (result, by_itself) = interrupt(
        200,
        move || {
            // A send that had sent some bytes returns their count; the one
            // that finds the buffers full and is interrupted before sending
            // anything reports the signal.
            let chunk = vec![7u8; 64 * 1024];
            for _ in 0..10_000 {
                match writer.send(&chunk) {
                    Ok(n) => assert!(n > 0 && n <= chunk.len()),
                    Err(e) => return Err(e.kind()),
                }
            }
            Ok(())
        },
        // Only if the signals failed: shutting the socket down wakes the
        // writer with an error, so the test fails instead of hanging.
        move || c.shutdown(std::net::Shutdown::Both).unwrap(),
    );
    assert!(by_itself, "send went on waiting through 200 signals");
    assert_eq!(result, Err(ErrorKind::Interrupted));
}
