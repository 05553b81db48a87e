//! What a user meets first: socket files removed however the tool ends,
//! one wording and one shape per error, usage errors that all end the same
//! way, `--json` output that stays valid JSON when a lookup fails, and the
//! README's examples.
//!
//! Like tests/cli.rs, every test runs the nsock binary as a child process
//! with a deadline; names that must not resolve are ones the resolver
//! refuses without asking the network (`bad host!`).

// Every test runs nsock as a child process, which Miri cannot spawn.
#![cfg(not(miri))]

use std::io::Read;
use std::ops::{Deref, DerefMut};
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Far more than any command here needs; reached only by a hung child.
const DEADLINE: Duration = Duration::from_secs(120);

/// The nsock binary, started through the target's runner when one is set.
fn nsock() -> Command {
    nativesockets_testutil::process::through_runner(env!("CARGO_BIN_EXE_nsock"))
}

/// A running nsock, killed and reaped when dropped.
struct Proc(Child);

impl Deref for Proc {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // An error means the child had already exited: nothing to do.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `nsock args` with stdout and stderr piped.
fn spawn(args: &[&str], stdin: Stdio) -> Proc {
    Proc(
        nsock()
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nsock"),
    )
}

/// Runs `nsock args` with empty stdin and returns its output.
fn run(args: &[&str]) -> Output {
    finish(spawn(args, Stdio::null()), &format!("nsock {args:?}"))
}

/// Waits for `child` with a deadline, collecting its output.
fn finish(mut child: Proc, what: &str) -> Output {
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = thread::spawn(move || read_all(stdout.as_mut()));
    let err = thread::spawn(move || read_all(stderr.as_mut()));
    let status = wait(&mut child, what);
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn read_all(r: Option<&mut impl Read>) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(r) = r {
        r.read_to_end(&mut buf).unwrap();
    }
    buf
}

fn wait(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {DEADLINE:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

// ---- listen --unix: the socket file goes however the tool ends ----

#[cfg(unix)]
mod socket_file {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::path::{Path, PathBuf};

    /// A fresh directory under the system's temporary one, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "nsock-usability-{tag}-{}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Whether this process ignores `sig`: its children then start with it
    /// ignored too, and nsock rightly leaves it so (a background job of a
    /// script), so a test of it would prove nothing.
    fn ignored(sig: libc::c_int) -> bool {
        // SAFETY: a query only (null new action), into a zeroed struct on
        // this stack frame.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
        }
    }

    /// Starts `nsock listen --unix path` and waits until the file exists.
    fn listen_unix(path: &Path, extra: &[&str]) -> Proc {
        let p = path.to_str().unwrap();
        let mut child = spawn(&[&["listen", "--unix", p], extra].concat(), Stdio::piped());
        let start = Instant::now();
        while !path.exists() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("listen --unix {p} ended early: {status}");
            }
            assert!(start.elapsed() < DEADLINE, "{p} never appeared");
            thread::sleep(Duration::from_millis(10));
        }
        child
    }

    fn ends_by_signal_and_removes_its_file(sig: libc::c_int, tag: &str) {
        if ignored(sig) {
            eprintln!("signal {sig} is ignored by this test process: not tested");
            return;
        }
        let dir = TempDir::new(tag);
        let path = dir.0.join("l.sock");
        let mut child = listen_unix(&path, &[]);
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: kill with a valid signal number to our own child, which
        // `child` has not reaped yet (so the pid is still its).
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
        let status = wait(&mut child, "listen --unix after a signal");
        assert_eq!(status.signal(), Some(sig), "ended by the signal: {status}");
        assert!(!path.exists(), "the socket file is removed on signal {sig}");
        // And the next listener on the same path starts.
        let o = run(&["listen", "--unix", path.to_str().unwrap(), "--idle", "100"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!path.exists());
    }

    #[test]
    fn sigint_removes_the_socket_file_and_ends_the_tool_by_sigint() {
        ends_by_signal_and_removes_its_file(libc::SIGINT, "int");
    }

    #[test]
    fn sigterm_removes_the_socket_file_and_ends_the_tool_by_sigterm() {
        ends_by_signal_and_removes_its_file(libc::SIGTERM, "term");
    }

    #[test]
    fn a_datagram_listener_removes_its_file_on_a_signal_too() {
        if ignored(libc::SIGTERM) {
            return;
        }
        let dir = TempDir::new("dgram");
        let path = dir.0.join("d.sock");
        let mut child = listen_unix(&path, &["--udp"]);
        let pid = libc::pid_t::try_from(child.id()).unwrap();
        // SAFETY: as above, our own unreaped child.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
        let status = wait(&mut child, "listen --unix --udp after SIGTERM");
        assert_eq!(status.signal(), Some(libc::SIGTERM), "{status}");
        assert!(!path.exists());
    }
}
