//! The socket files nsock creates (`listen --unix PATH`, and a datagram
//! client's own path where the system has no abstract names, that is not
//! on Linux): removed when the tool ends, by a return or, on Unix, by
//! SIGINT, SIGTERM or SIGHUP.
//!
//! A signal that ends the process runs no destructor, so on Unix a handler
//! removes the file: it unlinks a path prepared beforehand as a C string
//! (no allocation, no lock: only `unlink`, `sigaction` and `raise`, all
//! async-signal-safe), then restores the default disposition and raises the
//! signal again, so that the tool still ends killed by it, as a shell
//! expects. A signal that was ignored when nsock started (`nohup`, a
//! background job of a script) stays ignored.
//!
//! Windows has no such signals: Ctrl-C and Ctrl-Break end the process
//! without running destructors, and the file stays (the next `listen
//! --unix` on it says a file is already there).

use std::path::PathBuf;

/// A socket file this process created, removed when this is dropped or a
/// terminating signal arrives.
pub(super) struct SocketFile(PathBuf);

impl SocketFile {
    /// Takes charge of `path`, a socket file just created by a bind.
    pub(super) fn new(path: PathBuf) -> SocketFile {
        #[cfg(unix)]
        on_signal::remove(&path);
        SocketFile(path)
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        #[cfg(unix)]
        on_signal::forget();
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(unix)]
mod on_signal {
    use std::ffi::{c_char, c_int, CString};
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr;
    use std::sync::atomic::{AtomicPtr, Ordering};
    use std::sync::Once;

    /// The signals that end a process by default and that a person or a
    /// service manager sends to stop one.
    const SIGNALS: [c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    /// The path the handler unlinks (null: none). A pointer once stored
    /// here is never freed: the handler may be reading it on another thread
    /// at any moment, and nsock creates at most one socket file.
    static PATH: AtomicPtr<c_char> = AtomicPtr::new(ptr::null_mut());

    /// Has the handler unlink `path` on a terminating signal.
    pub(super) fn remove(path: &Path) {
        // A path with a NUL byte cannot have been bound: nothing to remove.
        let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
            return;
        };
        PATH.store(c_path.into_raw(), Ordering::SeqCst);
        static INSTALL: Once = Once::new();
        INSTALL.call_once(install);
    }

    /// The file is gone by other means: the handler leaves the path alone
    /// (someone else may create a file there).
    pub(super) fn forget() {
        PATH.store(ptr::null_mut(), Ordering::SeqCst);
    }

    fn install() {
        for sig in SIGNALS {
            // SAFETY: `sigaction` is given valid pointers to initialised
            // (zeroed, then filled) structs on this stack frame; `handler`
            // is an `extern "C" fn(c_int)` as sa_handler requires (no
            // SA_SIGINFO), and it only calls async-signal-safe functions.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, ptr::null(), &mut old) != 0
                    || old.sa_sigaction == libc::SIG_IGN
                {
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = handler as extern "C" fn(c_int) as libc::sighandler_t;
                // One handler at a time: a second signal waits for the
                // first's re-raise, which ends the process.
                libc::sigemptyset(&mut new.sa_mask);
                for other in SIGNALS {
                    libc::sigaddset(&mut new.sa_mask, other);
                }
                libc::sigaction(sig, &new, ptr::null_mut());
            }
        }
    }

    extern "C" fn handler(sig: c_int) {
        let path = PATH.load(Ordering::SeqCst);
        // SAFETY: `path` is null or a NUL-terminated string leaked by
        // `remove` and never freed. `unlink`, `sigaction` and `raise` are
        // async-signal-safe; the struct is on this stack frame. errno is not
        // restored: the re-raised signal ends the process as this returns.
        unsafe {
            if !path.is_null() {
                libc::unlink(path);
            }
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut default.sa_mask);
            libc::sigaction(sig, &default, ptr::null_mut());
            // Blocked while this handler runs: delivered, with the default
            // action, as soon as it returns.
            libc::raise(sig);
        }
    }
}
