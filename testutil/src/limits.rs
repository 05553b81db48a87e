//! Resource limits the tests that open thousands of descriptors need.

/// Raises the soft `RLIMIT_NOFILE` towards `want` (up to the hard limit,
/// which needs no privilege) and returns the soft limit now in force.
///
/// # Panics
/// When `getrlimit` or `setrlimit` fails: a test that needs the limit
/// cannot go on.
pub fn raise_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit to fill.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let want = want as libc::rlim_t;
    if lim.rlim_cur < want {
        lim.rlim_cur = want.min(lim.rlim_max);
        // SAFETY: `lim` is a valid rlimit; raising the soft limit up to the
        // hard one needs no privilege.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
    }
    // rlim_t is u64 on Linux but i64 on the BSDs.
    #[allow(clippy::unnecessary_cast)]
    let cur = lim.rlim_cur as u64;
    cur
}

/// Makes `cmd`'s child start with a soft `RLIMIT_NOFILE` of `limit` (the
/// hard limit unchanged), as `ulimit -n` would in a shell, without
/// touching this process's own limit.
pub fn lower_fd_limit_in_child(cmd: &mut std::process::Command, limit: u64) {
    use std::os::unix::process::CommandExt;
    let limit = limit as libc::rlim_t;
    // SAFETY: the closure runs in the child between fork and exec, and
    // calls only getrlimit and setrlimit, which are async-signal-safe and
    // touch no memory but the local `lim`.
    unsafe {
        cmd.pre_exec(move || {
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            lim.rlim_cur = limit.min(lim.rlim_max);
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
