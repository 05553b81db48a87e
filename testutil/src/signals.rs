//! Signal handlers that only count, for tests that interrupt blocking calls.
//!
//! [`install_counting_handler`] installs, once per process and signal, a
//! handler WITHOUT `SA_RESTART`, so that the kernel does not restart the
//! interrupted call itself: it fails with `EINTR`, and the test sees what
//! the crate makes of that. [`handled`] reads how many times it ran.
//!
//! `SIGUSR1` and `SIGUSR2` only: each has its own count, so two files (or
//! two tests of one file) using different signals do not see each other's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use libc::c_int;

struct Slot {
    handled: AtomicUsize,
    installed: Once,
}

static USR1: Slot = Slot {
    handled: AtomicUsize::new(0),
    installed: Once::new(),
};
static USR2: Slot = Slot {
    handled: AtomicUsize::new(0),
    installed: Once::new(),
};

fn slot(signal: c_int) -> Option<&'static Slot> {
    match signal {
        libc::SIGUSR1 => Some(&USR1),
        libc::SIGUSR2 => Some(&USR2),
        _ => None,
    }
}

extern "C" fn count(signal: c_int) {
    // Only an atomic add: async-signal-safe.
    if let Some(slot) = slot(signal) {
        slot.handled.fetch_add(1, Ordering::SeqCst);
    }
}

fn slot_or_panic(signal: c_int) -> &'static Slot {
    slot(signal).unwrap_or_else(|| panic!("signal {signal}: only SIGUSR1 and SIGUSR2 are counted"))
}

/// Installs the counting handler for `signal` (`SIGUSR1` or `SIGUSR2`),
/// without `SA_RESTART`; once per process, later calls do nothing.
pub fn install_counting_handler(signal: c_int) {
    slot_or_panic(signal).installed.call_once(|| {
        // SAFETY: a zeroed sigaction is valid; the handler only touches an
        // atomic; no SA_RESTART, so blocked calls fail with EINTR.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = count as extern "C" fn(c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            assert_eq!(libc::sigaction(signal, &sa, std::ptr::null_mut()), 0);
        }
    });
}

/// How many times the counting handler has run for `signal` in this
/// process so far.
pub fn handled(signal: c_int) -> usize {
    slot_or_panic(signal).handled.load(Ordering::SeqCst)
}
