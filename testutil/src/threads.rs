//! Keeping a test's waits bounded and its heavy parts apart.

use std::sync::{mpsc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;

/// Runs `f` on its own thread and returns its result, or fails the test if
/// it has not finished within `limit`, so a wait that never ends cannot
/// hang the suite.
///
/// # Panics
/// When `f` has not finished within `limit`, or panicked.
pub fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

static EXCLUSIVE: Mutex<()> = Mutex::new(());

/// A guard that the tests of one binary which open thousands of
/// descriptors, rely on a number staying closed, or count signals hold
/// while they run, so that they run one at a time. A test that failed while
/// holding it does not poison it for the others.
pub fn exclusive() -> MutexGuard<'static, ()> {
    EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner())
}
